//! `hearth node` serves secure WebSocket (`/wss`) when given a certificate: a rust-libp2p client
//! that trusts only that certificate dials `/dns4/localhost/…/wss`, completes TLS and Noise, and
//! is identified as a Waku service node. A test CA and a localhost certificate it signs are made
//! here with `openssl` (webpki refuses a self-signed certificate as the server's own).

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

use futures::StreamExt;
use libp2p::core::muxing::StreamMuxerBox;
use libp2p::core::upgrade::Version;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, Transport, identify, noise, tcp, websocket, yamux};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_listener_completes_tls_with_the_given_certificate() {
    let dir = std::env::temp_dir().join(format!("hearth-wss-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key, ca) = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("ca.pem"),
    );
    make_certificates(&dir);
    let mut node = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["node", "--data-dir"])
        .arg(dir.join("data"))
        .args(["--listen", "/ip4/127.0.0.1/tcp/0/wss", "--http", "off"])
        .arg("--wss-cert")
        .arg(&cert)
        .arg("--wss-key")
        .arg(&key)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run hearth node");
    // Killed and cleaned up however the test ends.
    struct Guard(std::process::Child, std::path::PathBuf);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
            let _ = std::fs::remove_dir_all(&self.1);
        }
    }
    let stdout = std::io::BufReader::new(node.stdout.take().unwrap());
    let _guard = Guard(node, dir.clone());
    let printed: Multiaddr = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.trim().parse().ok())
        .expect("the node prints its wss address");
    assert!(
        printed.iter().any(|p| matches!(p, Protocol::Wss(_)))
            || printed.iter().any(|p| matches!(p, Protocol::Tls)),
        "{printed}"
    );
    // Dial by name, as a browser would: the certificate is for localhost, not 127.0.0.1.
    let dial: Multiaddr = printed
        .iter()
        .map(|p| match p {
            Protocol::Ip4(_) => Protocol::Dns4("localhost".into()),
            p => p,
        })
        .collect();

    let der = pem::parse(std::fs::read(&ca).unwrap())
        .unwrap()
        .into_contents();
    let mut tls = websocket::tls::Config::builder();
    tls.add_trust(&websocket::tls::Certificate::new(der))
        .unwrap();
    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_other_transport(|key| {
            let tcp = tcp::tokio::Transport::new(tcp::Config::default());
            let dns = libp2p::dns::tokio::Transport::system(tcp)?;
            let mut ws = websocket::Config::new(dns);
            ws.set_tls_config(tls.finish());
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                ws.upgrade(Version::V1Lazy)
                    .authenticate(noise::Config::new(key)?)
                    .multiplex(yamux::Config::default())
                    .map(|(p, m), _| (p, StreamMuxerBox::new(m)))
                    .boxed(),
            )
        })
        .unwrap()
        .with_behaviour(|key| {
            identify::Behaviour::new(identify::Config::new(
                "/vac/waku/2.0.0".into(),
                key.public(),
            ))
        })
        .unwrap()
        .build();
    swarm.dial(dial.clone()).unwrap();
    let protocols = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::Behaviour(identify::Event::Received { info, .. }) => {
                    break info.protocols;
                }
                SwarmEvent::OutgoingConnectionError { error, .. } => panic!("dial {dial}: {error}"),
                _ => {}
            }
        }
    })
    .await
    .expect("identified over wss within 20 s");
    assert!(
        protocols
            .iter()
            .any(|p| p.as_ref() == hearth::protocols::store::PROTOCOL),
        "{protocols:?}"
    );
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let ok = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs")
        .success();
    assert!(ok, "openssl {args:?}");
}

/// ca.pem (a test CA) and cert.pem + key.pem (localhost, signed by it) in `dir`.
fn make_certificates(dir: &std::path::Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-days", "2", "-subj", "/CN=Hearth test CA"];
    ca.extend(ec);
    ca.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
    ca.extend(["-addext", "keyUsage=critical,keyCertSign"]);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(dir, &ca);
    let mut csr = vec![
        "req",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ];
    csr.extend(ec);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
            "-out",
            "cert.pem",
        ],
    );
}
