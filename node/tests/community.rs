//! A community hosted by `hearth node`: created with `hearth community create`, published by the
//! control node, joined through a light client (`hearth::net::LightClient` with the status-layer
//! encoders), with auto and manual acceptance, a ban, and `hearth serve --demo` restarted.

mod common;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Node;

use hearth::net::{ClientConfig, LightClient};
use hearth::protocols::store;
use hearth::status::codec::{Keys, StatusEvent, decode_status_message};
use hearth::status::community::VerifiedDescription;
use hearth::status::join::{
    JoinRequestDraft, RevealedAccount, encode_request_to_join, open_request_to_join_response,
    partitioned_chat_id,
};
use hearth::status::keys::{PrivateKey, PublicKey, community_id, content_topic};
use hearth::waku::WakuMessage;
use libp2p::Multiaddr;

const TOPIC: &str = "/waku/2/rs/16/32";

fn hearth(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(args)
        .output()
        .expect("run hearth");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A data dir removed when the test ends, passed or not.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("hearth-community-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    TempDir(dir)
}

/// `hearth community create` in `dir`; the community key.
fn create(dir: &Path, extra: &[&str]) -> PublicKey {
    let d = dir.to_str().unwrap();
    let mut args = vec![
        "community",
        "create",
        "--data-dir",
        d,
        "--name",
        "Hearth Test",
        "--description",
        "A community for tests",
        "--color",
        "#112233",
        "--tag",
        "Ethereum",
        "--category",
        "Talk",
        "--channel",
        "name=general,category=Talk,emoji=💬",
        "--channel",
        "random",
    ];
    args.extend_from_slice(extra);
    let (ok, stdout, stderr) = hearth(&args);
    assert!(ok, "create failed: {stderr}");
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    PublicKey::from_hex(line["community"].as_str().unwrap()).unwrap()
}

async fn client(addr: Multiaddr) -> LightClient {
    let c = LightClient::start(ClientConfig::local(vec![addr])).expect("client starts");
    c.wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(15))
        .await
        .expect("a service peer connects");
    c
}

async fn stored(c: &LightClient, content_topic: &str) -> Vec<WakuMessage> {
    let q = store::StoreQuery::topics(TOPIC, [content_topic.to_string()]).page_size(100);
    c.query_all(q)
        .await
        .expect("store query")
        .into_iter()
        .filter_map(|m| m.message)
        .collect()
}

/// The newest verified description in the node's store.
async fn newest_description(c: &LightClient, community: &PublicKey) -> Option<VerifiedDescription> {
    let mut keys = Keys::new();
    keys.add_community(community);
    let mut best: Option<VerifiedDescription> = None;
    for m in stored(c, &content_topic(&community_id(community)).to_string()).await {
        if let Ok(StatusEvent::CommunityDescription(r)) = decode_status_message(&m, &keys)
            && let Some(v) = r.message.into_verified()
            && best.as_ref().is_none_or(|b| v.clock() > b.clock())
        {
            best = Some(v);
        }
    }
    best
}

async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    secs: u64,
    mut f: impl FnMut() -> F,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn ask_to_join(c: &LightClient, requester: &PrivateKey, community: &PublicKey) {
    ask_to_join_at(c, requester, community, now_s()).await
}

async fn ask_to_join_at(
    c: &LightClient,
    requester: &PrivateKey,
    community: &PublicKey,
    clock_s: u64,
) {
    let wallet = PrivateKey::generate().unwrap();
    let draft = JoinRequestDraft {
        clock_s,
        display_name: "Test Member".into(),
        ens_name: String::new(),
        revealed_accounts: vec![RevealedAccount::sign(
            &wallet,
            &requester.public_key(),
            community,
            vec![1],
            true,
        )],
        customization_color: 0,
    };
    let out = encode_request_to_join(&draft, requester, community, hearth::net::runtime::now_ns())
        .expect("encode request");
    for m in &out.messages {
        c.push(TOPIC, m).await.expect("lightpush the request");
    }
}

/// The control node's answer to `requester`, from the store.
async fn response(
    c: &LightClient,
    requester: &PrivateKey,
) -> Option<hearth::status::join::JoinResponse> {
    let topic = content_topic(&partitioned_chat_id(&requester.public_key())).to_string();
    stored(c, &topic)
        .await
        .iter()
        .find_map(|m| open_request_to_join_response(m, requester).ok())
}

fn member(d: &VerifiedDescription, key: &PublicKey) -> bool {
    d.description()
        .members
        .contains_key(&key.to_uncompressed_hex())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_published_joined_and_a_banned_key_refused() {
    let dir = temp_dir("open");
    let community = create(&dir, &[]);
    let key_file = dir.join("community.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the community key is private");
    }
    let node = Node::start_in(dir.to_path_buf(), &[]);
    let c = client(node.ws()).await;

    // Published at start, signed by the community key, with what was asked for.
    let d = eventually("the description is published", 15, || {
        newest_description(&c, &community)
    })
    .await;
    let desc = d.description();
    assert_eq!(desc.name, "Hearth Test");
    assert_eq!(desc.description, "A community for tests");
    assert_eq!(desc.color.as_deref(), Some("#112233"));
    assert_eq!(desc.tags, vec!["Ethereum".to_string()]);
    assert_eq!(desc.categories.len(), 1);
    assert_eq!(desc.categories[0].name, "Talk");
    let names: Vec<_> = desc.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["random", "general"],
        "uncategorized first, then by category"
    );

    // A request to join is accepted, answered, and the republished description lists the member.
    let requester = PrivateKey::generate().unwrap();
    ask_to_join(&c, &requester, &community).await;
    let answer = eventually("the join response", 15, || response(&c, &requester)).await;
    assert!(answer.accepted);
    assert_eq!(answer.community, community);
    assert!(answer.lists_member(&requester.public_key()));
    let d = eventually("a description with the member", 15, || async {
        newest_description(&c, &community)
            .await
            .filter(|d| member(d, &requester.public_key()))
    })
    .await;
    assert!(member(&d, &requester.public_key()));

    // A banned key is refused: no answer, not a member, no request recorded.
    let banned = PrivateKey::generate().unwrap();
    let banned_hex = banned.public_key().to_uncompressed_hex();
    let (ok, _, err) = hearth(&[
        "community",
        "ban",
        "--data-dir",
        dir.to_str().unwrap(),
        &banned_hex,
    ]);
    assert!(ok, "{err}");
    ask_to_join(&c, &banned, &community).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        response(&c, &banned).await.is_none(),
        "a banned key gets no answer"
    );
    let d = newest_description(&c, &community).await.unwrap();
    assert!(!member(&d, &banned.public_key()));
    assert!(d.description().banned_members.contains(&banned_hex));
    let (_, requests, _) = hearth(&[
        "community",
        "requests",
        "--all",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    assert!(!requests.contains(&banned_hex), "{requests}");

    // A channel added by the CLI is republished by the running node.
    let (ok, _, err) = hearth(&[
        "channel",
        "add",
        "--data-dir",
        dir.to_str().unwrap(),
        "name=news,category=Talk",
    ]);
    assert!(ok, "{err}");
    eventually("the new channel is published", 15, || async {
        newest_description(&c, &community)
            .await
            .filter(|d| d.description().channels.iter().any(|c| c.name == "news"))
    })
    .await;
    drop(node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_accept_waits_then_accept_admits() {
    let dir = temp_dir("manual");
    let community = create(&dir, &[]);
    let node = Node::start_in(dir.to_path_buf(), &["--manual-accept"]);
    let c = client(node.ws()).await;
    eventually("the description is published", 15, || {
        newest_description(&c, &community)
    })
    .await;

    // A request 8 days old is refused (status-go: 7 days), and one from the same key with the same
    // clock as an earlier one is a replay; neither is recorded.
    let old = PrivateKey::generate().unwrap();
    ask_to_join_at(&c, &old, &community, now_s() - 8 * 24 * 3600).await;

    let requester = PrivateKey::generate().unwrap();
    let hex = requester.public_key().to_uncompressed_hex();
    ask_to_join(&c, &requester, &community).await;
    let d = dir.to_str().unwrap().to_owned();
    let pending = eventually("the request is pending", 15, || {
        let d = d.clone();
        let hex = hex.clone();
        async move {
            let (_, out, _) = hearth(&["community", "requests", "--data-dir", &d]);
            out.lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|v| v["requester"] == hex.as_str())
        }
    })
    .await;
    assert_eq!(pending["state"], "pending");
    assert_eq!(pending["display_name"], "Test Member");
    let (_, all, _) = hearth(&["community", "requests", "--all", "--data-dir", &d]);
    assert!(
        !all.contains(&old.public_key().to_uncompressed_hex()),
        "an 8-day-old request is refused: {all}"
    );
    assert_eq!(all.lines().count(), 1, "{all}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        response(&c, &requester).await.is_none(),
        "nothing is answered before accept"
    );
    assert!(!member(
        &newest_description(&c, &community).await.unwrap(),
        &requester.public_key()
    ));

    let (ok, _, err) = hearth(&["community", "accept", "--data-dir", &d, &hex]);
    assert!(ok, "{err}");
    let answer = eventually("the join response", 15, || response(&c, &requester)).await;
    assert!(answer.accepted && answer.lists_member(&requester.public_key()));
    eventually("the member is published", 15, || async {
        newest_description(&c, &community)
            .await
            .filter(|d| member(d, &requester.public_key()))
    })
    .await;
    drop(node);
}

/// `hearth serve --demo`, its JSON line; killed on drop.
struct Serve {
    child: std::process::Child,
    line: serde_json::Value,
}

impl Serve {
    fn start(dir: &Path) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
            .args(["serve", "--demo", "--data-dir", dir.to_str().unwrap()])
            .args(["--port", "18080", "--ws-port", "18000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run hearth serve");
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut first)
            .expect("a line");
        let line = match serde_json::from_str(first.trim()) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let mut err = String::new();
                use std::io::Read;
                let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                panic!("no JSON line from hearth serve: {first:?}\n{err}");
            }
        };
        Serve { child, line }
    }

    fn health(&self) -> serde_json::Value {
        use std::io::{Read, Write};
        let app = self.line["app"].as_str().unwrap();
        let host = app.trim_start_matches("http://").trim_end_matches('/');
        let mut conn = std::net::TcpStream::connect(host).expect("http");
        write!(conn, "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
        let mut text = String::new();
        conn.read_to_string(&mut text).unwrap();
        serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_keeps_its_community_and_history_and_seeds_once() {
    let dir = temp_dir("demo");
    let first = Serve::start(&dir);
    let line = first.line.clone();
    for field in ["app", "community", "link", "hearth_link", "ws"] {
        assert!(line[field].is_string(), "{field} in {line}");
    }
    assert!(
        line["link"]
            .as_str()
            .unwrap()
            .starts_with("https://status.app/c/")
    );
    assert!(line["hearth_link"].as_str().unwrap().contains("/c/"));
    let channels: Vec<_> = line["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(channels, ["general", "announcements", "rust", "design"]);
    let key = std::fs::read(dir.join("community.key")).unwrap();

    // The history is in the store, readable as Status messages from several authors.
    let ws: Multiaddr = line["ws"].as_str().unwrap().parse().unwrap();
    let c = client(ws).await;
    let community = PublicKey::from_hex(line["community"].as_str().unwrap()).unwrap();
    let universal = hearth::status::keys::member_update_chat_id(&community);
    let mut keys = Keys::new();
    keys.add_chat(hearth::status::codec::ChatKey::derive(&universal));
    let history = stored(&c, &content_topic(&universal).to_string()).await;
    assert!(history.len() > 300, "{} messages", history.len());
    let mut authors = std::collections::HashSet::new();
    let (mut chats, mut reactions, mut edits, mut deletes, mut pins) = (0, 0, 0, 0, 0);
    for m in &history {
        match decode_status_message(m, &keys).expect("every demo message decodes") {
            StatusEvent::Chat(r) => {
                chats += 1;
                authors.insert(r.meta.signer.to_uncompressed_hex());
            }
            StatusEvent::Reaction(_) => reactions += 1,
            StatusEvent::Edit(_) => edits += 1,
            StatusEvent::Delete(_) => deletes += 1,
            StatusEvent::Pin(_) => pins += 1,
            // The archive link (AMM type 43) the control node publishes on the universal chat.
            StatusEvent::Other(o)
                if o.message.kind()
                    == Some(
                        hearth::proto::status::application_metadata_message::Type::CommunityMessageArchiveLink,
                    ) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(chats >= 300 && reactions > 10 && edits == 1 && deletes == 1 && pins == 1);
    assert!(authors.len() >= 5);
    // Published by the control node once it runs, which on a loaded machine may be after the
    // JSON line (seeding and archiving come first).
    let d = eventually("the description", 30, || newest_description(&c, &community)).await;
    assert_eq!(d.description().name, "Hearth Demo");
    assert!(d.description().images.thumbnail.is_some(), "a picture");
    for a in &authors {
        assert!(
            d.description().members.contains_key(a),
            "every author is a member"
        );
    }
    let before = first.health()["store"]["messages"].as_u64().unwrap();
    drop(c);
    drop(first);

    // Restarted: same community, key and history; nothing seeded twice.
    let second = Serve::start(&dir);
    assert_eq!(second.line["community"], line["community"]);
    assert_eq!(second.line["channels"], line["channels"]);
    assert_eq!(std::fs::read(dir.join("community.key")).unwrap(), key);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = second.health()["store"]["messages"].as_u64().unwrap();
    assert!(after >= before && after <= before + 4, "{before} → {after}");
    drop(second);
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = temp_dir("bad");
    let d = dir.to_str().unwrap();
    let (ok, _, err) = hearth(&[
        "community",
        "create",
        "--data-dir",
        d,
        "--name",
        "<b>bold</b>",
        "--description",
        "x",
    ]);
    assert!(!ok && err.contains("HTML"), "{err}");
    let fake = dir.with_extension("png");
    std::fs::write(&fake, b"not an image at all").unwrap();
    let (ok, _, err) = hearth(&[
        "community",
        "create",
        "--data-dir",
        d,
        "--name",
        "Fine",
        "--description",
        "x",
        "--image",
        fake.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("not a PNG"), "{err}");
    let _ = std::fs::remove_file(&fake);
    let many: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let mut args = vec![
        "community",
        "create",
        "--data-dir",
        d,
        "--name",
        "Fine",
        "--description",
        "x",
    ];
    for c in &many {
        args.push("--channel");
        args.push(c);
    }
    let (ok, _, err) = hearth(&args);
    assert!(!ok && err.contains("limit is 200"), "{err}");
    assert!(
        !dir.join("community.key").exists(),
        "nothing is created on error"
    );

    // A corrupt data dir: the CLI says so; the node reports it and keeps serving.
    std::fs::create_dir_all(&*dir).unwrap();
    std::fs::write(dir.join("community.key"), "not hex").unwrap();
    let (ok, _, err) = hearth(&["community", "link", "--data-dir", d]);
    assert!(!ok && err.contains("community.key"), "{err}");
    let node = Node::start_in(dir.to_path_buf(), &[]);
    assert_eq!(node.health()["status"], "ok");
    drop(node);
}

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(addr).expect("http");
    write!(conn, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).unwrap();
    text
}

/// The shared preview links (crate/tests/vectors/preview-links.json, sources inside) asked of the
/// node's HTTP: each page carries Open Graph and Twitter tags, escaped.
#[test]
fn preview_links_unfurl_from_the_node() {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../crate/tests/vectors/preview-links.json")).unwrap();
    let node = Node::start("unfurl", &[]);
    for v in vectors.as_array().unwrap() {
        let url = v["url"].as_str().unwrap();
        let path = url
            .trim_start_matches("https://status.app")
            .split('#')
            .next()
            .unwrap();
        let page = http_get(node.http, path);
        assert!(
            page.starts_with("HTTP/1.0 200") || page.starts_with("HTTP/1.1 200"),
            "{url}: {page}"
        );
        assert!(page.contains("text/html"), "{url}");
        for tag in ["og:title", "og:description", "twitter:card"] {
            assert!(page.contains(tag), "{url}: no {tag}");
        }
        let name = v["decoded"]["displayName"].as_str().unwrap_or("");
        if !name.is_empty() {
            let escaped = name
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;");
            assert!(page.contains(&escaped), "{url}: {name:?}");
        }
    }
}
