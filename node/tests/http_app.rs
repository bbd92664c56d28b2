//! The app as `hearth node --web` serves it: a strict Content-Security-Policy on every page (no
//! inline script, wasm allowed, connections to this node's own WebSocket), framing refused, and
//! `/hearth.json` telling the app which node it came from.

mod common;

use std::io::{Read, Write};

use common::Node;

fn get(node: &Node, path: &str) -> (String, String) {
    let mut conn = std::net::TcpStream::connect(node.http).expect("http");
    write!(conn, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    (head.to_ascii_lowercase(), body.to_string())
}

fn csp(head: &str) -> String {
    head.lines()
        .find_map(|l| l.strip_prefix("content-security-policy: "))
        .unwrap_or_else(|| panic!("no CSP in {head}"))
        .to_string()
}

#[test]
fn pages_carry_a_strict_policy_and_the_node_describes_itself() {
    let web = std::env::temp_dir().join(format!("hearth-web-{}", std::process::id()));
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>Hearth</title><script type=module src=/bootstrap.js></script>",
    )
    .unwrap();
    std::fs::write(web.join("bootstrap.js"), "export {};").unwrap();
    let node = Node::start("http-app", &["--web", web.to_str().unwrap()]);
    let ws_port = node
        .ws()
        .iter()
        .find_map(|p| match p {
            libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
            _ => None,
        })
        .unwrap();

    for path in [
        "/",
        "/community/0x02ab",
        "/c#zQ3shZeEJqTC1xhGUjxuS4rtHSrhJ8vUYp64v6qWkLpvdy9L9",
    ] {
        let (head, body) = get(&node, path);
        assert!(
            head.starts_with("http/1.0 200") || head.starts_with("http/1.1 200"),
            "{path}: {head}"
        );
        assert!(body.contains("<title>"), "{path} is the app page");
        let policy = csp(&head);
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{policy}"
        );
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(
            policy.contains(&format!("ws://127.0.0.1:{ws_port}")),
            "{policy}"
        );
        assert!(head.contains("x-content-type-options: nosniff"));
    }
    // Scripts are not pages: no policy needed, the right type.
    let (head, _) = get(&node, "/bootstrap.js");
    assert!(head.contains("javascript"), "{head}");

    let (head, body) = get(&node, "/hearth.json");
    assert!(head.contains("application/json"), "{head}");
    let site: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(site["ws"].as_str(), Some(node.ws().to_string().as_str()));
    let _ = std::fs::remove_dir_all(&web);
}
