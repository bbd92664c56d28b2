//! The command line reads well: no log lines unless asked, an unreachable peer named with its
//! address, a taken port named with the flag that moves it, failure in the exit code.

use std::process::Command;

fn hearth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run hearth")
}

#[test]
fn an_unreachable_peer_is_named() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let peer = format!(
        "/ip4/127.0.0.1/tcp/{port}/ws/p2p/16Uiu2HAmVJsU1JtBsfnPpakHR36KtFaPhu7DrbuKzNjNQGaKbYeF"
    );
    let out = hearth(&[
        "query",
        "--peer",
        &peer,
        "--pubsub-topic",
        "/waku/2/rs/16/32",
        "--connect-timeout",
        "2",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("unreachable") && err.contains(&peer), "{err}");
    assert!(
        !err.contains("INFO") && !err.contains('\u{1b}'),
        "no log lines: {err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_taken_port_names_its_flag() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("hearth-cli-port-{}", std::process::id()));
    let out = hearth(&[
        "node",
        "--data-dir",
        dir.to_str().unwrap(),
        "--listen",
        &format!("/ip4/127.0.0.1/tcp/{port}/ws"),
        "--http",
        "off",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!("port {port} is in use")) && err.contains("--listen"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn logs_only_when_asked() {
    let url = "https://status.app/u#zQ3shwQPhRuDJSjVGVBnTjCdgXy5i9WQaeVPdGJD6yTarJQSj";
    let out = hearth(&["link", "decode", url]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert!(line.is_object());
}
