//! The HTTP bridge (`hearth node --bridge`) against real nodes, driven with `curl`: a control node's
//! bridge admits itself and posts; the message is in the node's store, signed by the bridge's key,
//! and read back through the API; every bad request gets its status and sends nothing; tokens are
//! rate limited and revocable. A second node's bridge asks to join the first node's community like
//! any client and posts once accepted. After a restart, what the bridge read is served from its own
//! storage file.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Node;
use hearth::net::{ClientConfig, LightClient};
use hearth::protocols::store;
use hearth::status::codec::{ChatKey, Keys, StatusEvent, decode_status_message};
use hearth::status::keys::{PrivateKey, community_id, content_topic};
use serde_json::{Value, json};

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

fn json_line(stdout: &str) -> Value {
    serde_json::from_str(stdout.trim()).expect("one JSON line")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hearth-bridge-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A community in `dir`: (id, channel uuids).
fn create_community(dir: &Path) -> (String, Vec<String>) {
    let (ok, stdout, stderr) = hearth(&[
        "community",
        "create",
        "--data-dir",
        dir.to_str().unwrap(),
        "--name",
        "Bridge Test",
        "--description",
        "For the bridge tests",
        "--color",
        "#223344",
        "--channel",
        "general",
        "--channel",
        "random",
    ]);
    assert!(ok, "create failed: {stderr}");
    let line = json_line(&stdout);
    let uuids = line["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["uuid"].as_str().unwrap().to_string())
        .collect();
    (line["community"].as_str().unwrap().to_string(), uuids)
}

fn token(dir: &Path, label: &str) -> (String, String) {
    let (ok, stdout, stderr) = hearth(&[
        "bridge",
        "token",
        "create",
        "--data-dir",
        dir.to_str().unwrap(),
        "--label",
        label,
    ]);
    assert!(ok, "token create failed: {stderr}");
    let line = json_line(&stdout);
    (
        line["id"].as_str().unwrap().to_string(),
        line["token"].as_str().unwrap().to_string(),
    )
}

/// One answer from curl: status, headers (lower-cased names), JSON body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_else(|| {
            panic!(
                "status {} without an error reason: {}",
                self.status, self.body
            )
        })
    }
}

/// `curl` as a program using the bridge would.
fn curl(method: &str, url: &str, token: Option<&str>, body: Option<&[u8]>) -> Answer {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-i", "--max-time", "90", "-X", method, url]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
    if body.is_some() {
        cmd.args([
            "-H",
            "Content-Type: application/json",
            "-H",
            "Expect:",
            "--data-binary",
            "@-",
        ]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("curl runs");
    {
        let mut stdin = child.stdin.take().unwrap();
        if let Some(b) = body {
            // The server may answer (413) before reading everything; that is not our error.
            let _ = stdin.write_all(b);
        }
    }
    let out = child.wait_with_output().expect("curl finishes");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer from curl for {method} {url}: {text:?}"));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = serde_json::from_str(body)
        .unwrap_or_else(|_| panic!("{method} {url}: the body is not JSON: {body:?}"));
    Answer {
        status,
        headers,
        body,
    }
}

fn post_body(text: &str, reply_to: Option<&str>) -> Vec<u8> {
    serde_json::to_vec(&json!({ "text": text, "reply_to": reply_to })).unwrap()
}

/// The chat messages on the community's universal topic in a node's store: (id, signer, text).
async fn stored_chats(peer: libp2p::Multiaddr, community: &str) -> Vec<(String, String, String)> {
    let client = LightClient::start(ClientConfig::local(vec![peer])).expect("client starts");
    client
        .wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(15))
        .await
        .expect("a store peer");
    let universal = hearth::client::universal_chat_id(community);
    let topic = content_topic(&universal).to_string();
    let mut keys = Keys::new();
    keys.add_chat(ChatKey::derive(&universal));
    let q = store::StoreQuery::topics(TOPIC, [topic]).page_size(100);
    let mut out = Vec::new();
    for m in client.query_all(q).await.expect("store query") {
        let Some(msg) = m.message else { continue };
        if let Ok(StatusEvent::Chat(r)) = decode_status_message(&msg, &keys) {
            out.push((
                r.meta.id_hex(),
                r.meta.signer.to_uncompressed_hex(),
                r.message.text.clone(),
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_node_bridge_posts_reads_and_refuses() {
    let dir = temp_dir("control");
    let (community, uuids) = create_community(&dir);
    let (_, token_a) = token(&dir, "ci bot");
    let (_, token_b) = token(&dir, "burst");
    let (id_c, token_c) = token(&dir, "to revoke");
    let (ok, stdout, _) = hearth(&["bridge", "identity", "--data-dir", dir.to_str().unwrap()]);
    assert!(ok);
    let bridge_key = json_line(&stdout)["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("bridge.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the bridge key is for its owner only");
    }
    let node = Node::start_in(
        dir.clone(),
        &[
            "--bridge",
            "--bridge-name",
            "Build Bot",
            "--bridge-rate-limit",
            "30/1m",
        ],
    );
    let api = format!("http://{}/api/v1", node.http);
    let messages = format!(
        "{api}/communities/{community}/channels/{}/messages",
        uuids[0]
    );

    // The description of the API, public.
    let doc = curl("GET", &format!("{api}/"), None, None);
    assert_eq!(doc.status, 200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3."));
    assert!(
        doc.body["paths"]["/api/v1/communities/{community}/channels/{uuid}/messages"]["post"]
            .is_object()
    );
    let nothing = curl("GET", &format!("{api}/nope"), Some(&token_a), None);
    assert_eq!(nothing.status, 404);

    // The identity the bridge posts as.
    let me = curl("GET", &format!("{api}/identity"), Some(&token_a), None);
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.body["public_key"], bridge_key.as_str());
    assert_eq!(me.body["display_name"], "Build Bot");
    assert_eq!(me.body["community"], community.as_str());

    // A post: signed, sent through the outbox, confirmed by the store.
    let started = Instant::now();
    let first = curl(
        "POST",
        &messages,
        Some(&token_a),
        Some(&post_body("build **#42** passed", None)),
    );
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["state"], "sent");
    assert_eq!(first.body["author"], bridge_key.as_str());
    let first_id = first.body["id"].as_str().unwrap().to_string();
    let hash = first.body["hash"].as_str().unwrap();
    assert_eq!(hash.len(), 66, "{hash}");
    eprintln!("first post answered in {:?}", started.elapsed());
    let started = Instant::now();
    let reply = curl(
        "POST",
        &messages,
        Some(&token_a),
        Some(&post_body("and deployed", Some(&first_id))),
    );
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    eprintln!("second post answered in {:?}", started.elapsed());
    let reply_id = reply.body["id"].as_str().unwrap().to_string();

    // Read back through the API, oldest first.
    let page = curl("GET", &format!("{messages}?since=0"), Some(&token_a), None);
    assert_eq!(page.status, 200, "{:?}", page.body);
    let list = page.body["messages"].as_array().unwrap();
    let texts: Vec<&str> = list.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["build **#42** passed", "and deployed"]);
    assert_eq!(list[1]["reply_to"], first_id.as_str());
    assert_eq!(list[0]["author"], bridge_key.as_str());
    assert_eq!(list[0]["display_name"], "Build Bot");
    assert_eq!(list[0]["hash"], hash);
    assert_eq!(page.body["more"], false);
    let since = list[0]["timestamp_ms"].as_u64().unwrap();
    let later = curl(
        "GET",
        &format!("{messages}?since={since}&limit=10"),
        Some(&token_a),
        None,
    );
    assert_eq!(later.status, 200);
    let ids: Vec<&str> = later.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [reply_id.as_str()]);

    // Bad requests: each its status and a reason, nothing sent.
    let bad_json = curl("POST", &messages, Some(&token_a), Some(b"{\"text\": "));
    assert_eq!(bad_json.status, 400, "{:?}", bad_json.body);
    assert!(bad_json.error().contains("JSON"));
    let no_text = curl(
        "POST",
        &messages,
        Some(&token_a),
        Some(b"{\"txt\": \"hi\"}"),
    );
    assert_eq!(no_text.status, 400);
    let blank = curl(
        "POST",
        &messages,
        Some(&token_a),
        Some(&post_body("  ", None)),
    );
    assert_eq!(blank.status, 400);
    let bad_reply = curl(
        "POST",
        &messages,
        Some(&token_a),
        Some(&post_body("hi", Some("0x12"))),
    );
    assert_eq!(bad_reply.status, 400);
    let megabyte = "a".repeat(1024 * 1024);
    let huge = curl(
        "POST",
        &messages,
        Some(&token_a),
        Some(&post_body(&megabyte, None)),
    );
    assert_eq!(huge.status, 413, "{:?}", huge.body);
    huge.error();
    let long = curl(
        "POST",
        &messages,
        Some(&token_a),
        Some(&post_body(&"é".repeat(4097), None)),
    );
    assert_eq!(long.status, 413, "{:?}", long.body);
    let none = curl("POST", &messages, None, Some(&post_body("hi", None)));
    assert_eq!(none.status, 401);
    assert!(none.error().contains("token"));
    let forged = format!("{}0", &token_a[..token_a.len() - 1]);
    let forged = if forged == token_a {
        format!("{}1", &token_a[..token_a.len() - 1])
    } else {
        forged
    };
    let wrong = curl(
        "POST",
        &messages,
        Some(&forged),
        Some(&post_body("hi", None)),
    );
    assert_eq!(wrong.status, 401);
    let other = community_id(&PrivateKey::from_bytes(&[7; 32]).unwrap().public_key());
    let started = Instant::now();
    let unknown = curl(
        "POST",
        &format!("{api}/communities/{other}/channels/{}/messages", uuids[0]),
        Some(&token_a),
        Some(&post_body("hi", None)),
    );
    assert_eq!(unknown.status, 404, "{:?}", unknown.body);
    eprintln!("unknown community refused in {:?}", started.elapsed());
    let not_id = curl(
        "POST",
        &format!("{api}/communities/nope/channels/{}/messages", uuids[0]),
        Some(&token_a),
        Some(&post_body("hi", None)),
    );
    assert_eq!(not_id.status, 404);
    let no_channel = curl(
        "POST",
        &format!(
            "{api}/communities/{community}/channels/00000000-0000-4000-8000-000000000000/messages"
        ),
        Some(&token_a),
        Some(&post_body("hi", None)),
    );
    assert_eq!(no_channel.status, 404, "{:?}", no_channel.body);
    assert!(no_channel.error().contains("no channel"));
    let bad_limit = curl(
        "GET",
        &format!("{messages}?limit=1000"),
        Some(&token_a),
        None,
    );
    assert_eq!(bad_limit.status, 400);

    // Revocation holds from the next request, in the running node.
    assert_eq!(
        curl("GET", &format!("{api}/identity"), Some(&token_c), None).status,
        200
    );
    let (ok, _, stderr) = hearth(&[
        "bridge",
        "token",
        "revoke",
        "--data-dir",
        dir.to_str().unwrap(),
        &id_c,
    ]);
    assert!(ok, "{stderr}");
    let revoked = curl(
        "POST",
        &messages,
        Some(&token_c),
        Some(&post_body("hi", None)),
    );
    assert_eq!(revoked.status, 403);
    assert!(revoked.error().contains("revoked"));
    let (_, listed, _) = hearth(&[
        "bridge",
        "token",
        "list",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(listed.lines().count(), 3);
    assert!(!listed.contains(&token_c[20..]), "list shows no secrets");

    // Rate: 30 a minute per token; the 31st in a burst waits, another token does not.
    let mut limited = None;
    for n in 1..=32 {
        let a = curl("GET", &format!("{api}/identity"), Some(&token_b), None);
        if a.status == 429 {
            limited = Some((n, a));
            break;
        }
        assert_eq!(a.status, 200);
    }
    let (n, a) = limited.expect("the burst is limited");
    assert!(n == 31 || n == 32, "limited at request {n}");
    let wait: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    assert!(a.error().contains("limited"));
    assert_eq!(
        curl("GET", &format!("{api}/identity"), Some(&token_a), None).status,
        200
    );

    // On the network: exactly the two posts, signed by the bridge's key, readable with the
    // community's universal-chat key.
    let chats = stored_chats(node.tcp(), &community).await;
    let mut found: Vec<(String, String, String)> = chats;
    found.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(
        found,
        vec![
            (reply_id.clone(), bridge_key.clone(), "and deployed".into()),
            (
                first_id.clone(),
                bridge_key.clone(),
                "build **#42** passed".into()
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_elsewhere_asks_to_join_then_posts() {
    let owner_dir = temp_dir("owner");
    let (community, uuids) = create_community(&owner_dir);
    let owner = Node::start_in(owner_dir.clone(), &[]);
    let other_dir = temp_dir("other");
    let (_, token) = token(&other_dir, "bot");
    let (ok, stdout, _) = hearth(&[
        "bridge",
        "identity",
        "--data-dir",
        other_dir.to_str().unwrap(),
    ]);
    assert!(ok);
    let bridge_key = json_line(&stdout)["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let peer = owner.tcp().to_string();
    let node = Node::start_in(other_dir, &["--bridge", "--peer", &peer]);
    let messages = format!(
        "http://{}/api/v1/communities/{community}/channels/{}/messages",
        node.http, uuids[1]
    );
    // This node keeps only what was relayed since it joined the mesh: the owner changes the
    // description once the two are connected, so that it arrives here.
    let deadline = Instant::now() + Duration::from_secs(30);
    while node.health()["peers"].as_array().map_or(0, Vec::len) < 2 {
        assert!(Instant::now() < deadline, "the nodes did not connect");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (ok, _, stderr) = hearth(&[
        "community",
        "edit",
        "--data-dir",
        owner_dir.to_str().unwrap(),
        "--description",
        "Now with a bridge",
    ]);
    assert!(ok, "{stderr}");
    // The first post asks to join; the owner's node accepts open communities at once, and a post
    // goes through once the description lists the bridge.
    let started = Instant::now();
    let posted = loop {
        let a = curl(
            "POST",
            &messages,
            Some(&token),
            Some(&post_body("hello from afar", None)),
        );
        match a.status {
            201 | 202 => break a,
            // Not relayed here yet.
            404 if started.elapsed() < Duration::from_secs(20) => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            403 => {
                assert!(a.header("retry-after").is_some());
                assert!(a.error().contains("asked to join"), "{:?}", a.body);
            }
            s => panic!("unexpected {s}: {:?}", a.body),
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the bridge was not admitted"
        );
    };
    eprintln!("admitted and posted in {:?}", started.elapsed());
    let id = posted.body["id"].as_str().unwrap().to_string();
    // The owner's store has it, signed by the bridge.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let chats = stored_chats(owner.tcp(), &community).await;
        if chats
            .iter()
            .any(|(i, signer, text)| i == &id && signer == &bridge_key && text == "hello from afar")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not relayed to the owner: {chats:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_back_past_the_first_screen() {
    use hearth::status::chat::ChatMessage;
    use hearth::status::codec::encode_chat_message;

    let dir = temp_dir("history");
    let (community, uuids) = create_community(&dir);
    let (_, token) = token(&dir, "reader");
    let node = Node::start_in(dir.clone(), &["--bridge"]);
    let api = format!("http://{}/api/v1", node.http);
    let messages = format!(
        "{api}/communities/{community}/channels/{}/messages",
        uuids[0]
    );
    // The bridge admits itself at start: its key may post. 260 messages go straight to the node,
    // more than a first visit reads (the newest 200).
    assert_eq!(
        curl("GET", &format!("{api}/identity"), Some(&token), None).status,
        200
    );
    let key_hex = std::fs::read_to_string(dir.join("bridge.key")).unwrap();
    let key = PrivateKey::from_bytes(&hex::decode(key_hex.trim()).unwrap()).unwrap();
    let chat = ChatKey::derive(&hearth::client::universal_chat_id(&community));
    let net = LightClient::start(ClientConfig::local(vec![node.tcp()])).unwrap();
    net.wait_for_peers(
        hearth::protocols::lightpush::PROTOCOL_V3,
        1,
        Duration::from_secs(15),
    )
    .await
    .unwrap();
    // Stamped now (the node refuses messages more than 20 s off its clock); clocks in order.
    let first_clock = hearth::net::runtime::now_ns() as u64 / 1_000_000;
    for n in 0..260u64 {
        let now_ns = hearth::net::runtime::now_ns();
        let msg = ChatMessage::text(
            format!("{community}{}", uuids[0]),
            format!("old {n}"),
            first_clock + n,
            now_ns as u64 / 1_000_000,
        );
        let out = encode_chat_message(&msg, &key, &chat, now_ns).unwrap();
        for m in &out.messages {
            net.push(TOPIC, m).await.expect("the node takes it");
        }
    }
    let mut since = 0;
    let mut texts = Vec::new();
    for _ in 0..20 {
        let page = curl(
            "GET",
            &format!("{messages}?since={since}&limit=100"),
            Some(&token),
            None,
        );
        assert_eq!(page.status, 200, "{:?}", page.body);
        let list = page.body["messages"].as_array().unwrap();
        texts.extend(list.iter().map(|m| m["text"].as_str().unwrap().to_string()));
        if page.body["more"] == false {
            break;
        }
        since = page.body["next_since"].as_u64().unwrap();
    }
    let want: Vec<String> = (0..260).map(|n| format!("old {n}")).collect();
    assert_eq!(texts, want, "every message, oldest first, once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_bridge_read_is_served_after_a_restart() {
    let dir = temp_dir("restart");
    let (community, uuids) = create_community(&dir);
    let (_, token) = token(&dir, "reader");
    let node = Node::start_in(dir.clone(), &["--bridge"]);
    let path = format!(
        "/api/v1/communities/{community}/channels/{}/messages",
        uuids[0]
    );
    let posted = curl(
        "POST",
        &format!("http://{}{path}", node.http),
        Some(&token),
        Some(&post_body("kept across restarts", None)),
    );
    assert_eq!(posted.status, 201, "{:?}", posted.body);
    let page = curl(
        "GET",
        &format!("http://{}{path}?since=0", node.http),
        Some(&token),
        None,
    );
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(page.body["messages"].as_array().unwrap().len(), 1);

    // Killed, and the node's own message store removed: after the restart the network has
    // nothing, so what the bridge serves comes from its own file.
    let dir = node.stop_keeping_data();
    assert!(dir.join(hearth_node::bridge::CLIENT_DB_FILE).exists());
    for file in ["store.sqlite3", "store.sqlite3-wal", "store.sqlite3-shm"] {
        let _ = std::fs::remove_file(dir.join(file));
    }
    let node = Node::start_in(dir, &["--bridge"]);
    assert_eq!(stored_chats(node.tcp(), &community).await, vec![]);
    let page = curl(
        "GET",
        &format!("http://{}{path}?since=0", node.http),
        Some(&token),
        None,
    );
    assert_eq!(page.status, 200, "{:?}", page.body);
    let texts: Vec<&str> = page.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["kept across restarts"]);
    assert_eq!(page.body["messages"][0]["id"], posted.body["id"]);
}
