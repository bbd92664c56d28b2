//! The app as `hearth node --web` serves it: a strict Content-Security-Policy on every page (no
//! inline script, wasm allowed, connections to this node's own WebSocket), framing refused except
//! for the embed pages (to `--embed-ancestors`), `/embed.js` loadable from any site, and
//! `/hearth.json` telling the app which node it came from; assets precompressed and revalidated.

mod common;

use std::io::{Read, Write};

use common::Node;

fn get(node: &Node, path: &str) -> (String, String) {
    let (head, body) = get_with(node, path, "");
    (head, String::from_utf8_lossy(&body).into_owned())
}

/// One request with extra header lines (each ending in `\r\n`); the head lowercased, the body raw.
fn get_with(node: &Node, path: &str, extra: &str) -> (String, Vec<u8>) {
    let mut conn = std::net::TcpStream::connect(node.http).expect("http");
    write!(
        conn,
        "GET {path} HTTP/1.0\r\nHost: localhost\r\n{extra}\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    (head, raw[split + 4..].to_vec())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
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
    let node = Node::start(
        "http-app",
        &[
            "--web",
            web.to_str().unwrap(),
            "--archive-mirror",
            "https://mirror.example/archives/",
        ],
    );
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
        // The archive mirror is a web seed the app fetches pieces from.
        assert!(policy.contains("https://mirror.example"), "{policy}");
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

#[test]
fn assets_go_out_precompressed_when_accepted_and_revalidate_with_an_etag() {
    let web = std::env::temp_dir().join(format!("hearth-web-enc-{}", std::process::id()));
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>Hearth</title>",
    )
    .unwrap();
    let wasm = vec![0u8, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
    std::fs::write(web.join("app.wasm"), &wasm).unwrap();
    // Stand-ins for build-web's twins: distinct bytes, so the test sees which file was sent.
    std::fs::write(web.join("app.wasm.br"), b"brotli twin").unwrap();
    std::fs::write(web.join("app.wasm.gz"), b"gzip twin").unwrap();
    let node = Node::start("http-enc", &["--web", web.to_str().unwrap()]);

    let (head, body) = get_with(&node, "/app.wasm", "Accept-Encoding: gzip, deflate, br\r\n");
    assert_eq!(header(&head, "content-encoding"), Some("br"), "{head}");
    assert_eq!(header(&head, "content-type"), Some("application/wasm"));
    assert_eq!(header(&head, "vary"), Some("accept-encoding"));
    assert_eq!(body, b"brotli twin");
    let etag = header(&head, "etag").expect("an etag").to_string();

    let (head, body) = get_with(&node, "/app.wasm", "Accept-Encoding: gzip\r\n");
    assert_eq!(header(&head, "content-encoding"), Some("gzip"), "{head}");
    assert_eq!(body, b"gzip twin");
    // br refused with q=0: gzip, not brotli.
    let (head, _) = get_with(&node, "/app.wasm", "Accept-Encoding: br;q=0, gzip\r\n");
    assert_eq!(header(&head, "content-encoding"), Some("gzip"), "{head}");

    let (head, body) = get_with(&node, "/app.wasm", "");
    assert_eq!(header(&head, "content-encoding"), None, "{head}");
    assert_eq!(body, wasm);

    // A revisit with the ETag costs no body.
    let (head, body) = get_with(
        &node,
        "/app.wasm",
        &format!("Accept-Encoding: br\r\nIf-None-Match: {etag}\r\n"),
    );
    assert!(
        head.starts_with("http/1.0 304") || head.starts_with("http/1.1 304"),
        "{head}"
    );
    assert!(body.is_empty());
    // The twins are never reached by their own names through a traversal.
    let (head, _) = get_with(&node, "/../app.wasm", "");
    assert!(!head.contains(" 200 "), "{head}");
    let _ = std::fs::remove_dir_all(&web);
}

const EMBED: &str = "/embed/0x0200000000000000000000000000000000000000000000000000000000000000ab/0e9e2a5c-2f7b-4c4f-9d65-4c9c1f1b7a10";

fn web_dir(tag: &str) -> std::path::PathBuf {
    let web = std::env::temp_dir().join(format!("hearth-web-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>Hearth</title>",
    )
    .unwrap();
    std::fs::write(web.join("embed.js"), "export {};").unwrap();
    std::fs::create_dir_all(web.join("embed")).unwrap();
    std::fs::write(
        web.join("embed").join("index.html"),
        "<!doctype html><title>Hearth embed (read-only)</title>",
    )
    .unwrap();
    std::fs::write(web.join("sw.js"), "// sw").unwrap();
    std::fs::write(web.join("manifest.webmanifest"), "{}").unwrap();
    web
}

fn frame_ancestors(policy: &str) -> Vec<String> {
    policy
        .split(';')
        .map(str::trim)
        .filter(|d| d.starts_with("frame-ancestors"))
        .map(str::to_string)
        .collect()
}

#[test]
fn only_embed_pages_may_be_framed_and_the_widget_script_loads_from_any_site() {
    let web = web_dir("embed");
    let node = Node::start("http-embed", &["--web", web.to_str().unwrap()]);
    // The embed page: framable by anyone (the default), otherwise as strict as every page.
    let (head, body) = get(&node, EMBED);
    assert!(
        head.starts_with("http/1.0 200") || head.starts_with("http/1.1 200"),
        "{head}"
    );
    assert!(body.contains("<title>"));
    let policy = csp(&head);
    assert_eq!(frame_ancestors(&policy), ["frame-ancestors *"], "{policy}");
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    // Read-only, the embed build's own page (no composer code); posting, the full app.
    assert!(body.contains("read-only"), "{body}");
    let (head, body) = get(&node, &format!("{EMBED}?theme=dark&post=1"));
    assert!(!body.contains("read-only"), "{body}");
    assert_eq!(frame_ancestors(&csp(&head)), ["frame-ancestors *"]);
    // Every other page still refuses framing; a path that only looks like an embed does too.
    for path in ["/", "/community/0x02ab", "/settings", "/embedded", "/embed"] {
        let (head, _) = get(&node, path);
        assert_eq!(
            frame_ancestors(&csp(&head)),
            ["frame-ancestors 'none'"],
            "{path}"
        );
    }
    // The widget script: a module other sites load, so CORS says any origin may.
    let (head, _) = get(&node, "/embed.js");
    assert!(head.contains("javascript"), "{head}");
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
    let (head, _) = get(&node, "/bootstrap.js");
    assert!(!head.contains("access-control-allow-origin"), "{head}");
    // The offline app's service worker and manifest are revalidated on every visit.
    let (head, _) = get(&node, "/sw.js");
    assert!(head.contains("cache-control: no-cache"), "{head}");
    let (head, _) = get(&node, "/manifest.webmanifest");
    assert!(head.contains("application/manifest+json"), "{head}");
    drop(node);

    // A configured list replaces `*` for the embed pages only.
    let node = Node::start(
        "http-embed-list",
        &[
            "--web",
            web.to_str().unwrap(),
            "--embed-ancestors",
            "https://example.org https://*.example.net",
        ],
    );
    let (head, _) = get(&node, EMBED);
    assert_eq!(
        frame_ancestors(&csp(&head)),
        ["frame-ancestors https://example.org https://*.example.net"]
    );
    let (head, _) = get(&node, "/");
    assert_eq!(frame_ancestors(&csp(&head)), ["frame-ancestors 'none'"]);
    drop(node);

    // A list that would end the directive or split the header is refused at start.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "node",
            "--http",
            "off",
            "--embed-ancestors",
            "* ; script-src *",
        ])
        .args(["--data-dir", web.join("data").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--embed-ancestors"));
    let _ = std::fs::remove_dir_all(&web);
}
