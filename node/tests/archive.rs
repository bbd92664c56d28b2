//! History archives (issue #13) end to end, against `hearth serve --demo` (60 days of history, days
//! 31–60 only in archives): a standard BitTorrent client (Debian's `aria2c`) downloads the archive
//! from its `.torrent` over the HTTP web seed alone and checks every piece; the published magnet
//! link, torrent, index and archives read back through `hearth::history` give the same message
//! ids, signers and texts as the store; the files are served with Range, CORS and caching; and bad
//! input is refused with typed errors.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use hearth::history::{
    Archive, ArchiveError, ArchiveIndex, ArchiveLinkMessage, IndexError, MagnetLink, PlanError,
    Torrent, TorrentError, TorrentInfo, check_link_signer, file_slices, index_pieces, piece_range,
    plan, verify_piece, web_seed_url,
};
use hearth::net::{ClientConfig, LightClient};
use hearth::proto::status::application_metadata_message::Type as MessageType;
use hearth::protocols::store;
use hearth::status::codec::{ChatKey, Keys, StatusEvent, decode_status_message};
use hearth::status::keys::{PrivateKey, PublicKey, content_topic, member_update_chat_id};
use hearth::status::outgoing::{Destination, Layer, encode_application};
use libp2p::Multiaddr;
use prost::Message as _;

mod common;

const TOPIC: &str = "/waku/2/rs/16/32";
const DAY_S: u64 = 24 * 3600;

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("hearth-archive-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    TempDir(dir)
}

/// `hearth serve --demo`; killed on drop.
struct Serve {
    child: std::process::Child,
    line: serde_json::Value,
}

impl Serve {
    fn start(dir: &Path, port: u16, ws_port: u16) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
            .args(["serve", "--demo", "--data-dir", dir.to_str().unwrap()])
            .args([
                "--port",
                &port.to_string(),
                "--ws-port",
                &ws_port.to_string(),
            ])
            .args(["--web", "/nonexistent"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run hearth serve");
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .expect("a line");
        let line = serde_json::from_str(first.trim()).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("no JSON line from hearth serve: {first:?}")
        });
        Serve { child, line }
    }

    fn app(&self) -> String {
        self.line["app"].as_str().unwrap().to_string()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request; (status, lower-cased headers, body).
fn http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, HashMap<String, String>, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut conn = std::net::TcpStream::connect(host).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    conn.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t == "chunked")
    {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n =
            usize::from_str_radix(std::str::from_utf8(&b[..line_end]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[line_end + 2..line_end + 2 + n]);
        b = &b[line_end + 2 + n + 2..];
    }
}

async fn client(addr: Multiaddr) -> LightClient {
    let c = LightClient::start(ClientConfig::local(vec![addr])).expect("client starts");
    c.wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(15))
        .await
        .expect("a service peer connects");
    c
}

async fn stored(c: &LightClient, content_topic: &str) -> Vec<hearth::waku::WakuMessage> {
    let q = store::StoreQuery::topics(TOPIC, [content_topic.to_string()]).page_size(100);
    c.query_all(q)
        .await
        .expect("store query")
        .into_iter()
        .filter_map(|m| m.message)
        .collect()
}

/// The torrent stream's bytes for `pieces`, fetched with one Range request per file slice from
/// `seed`, every piece checked before it is kept.
fn fetch_pieces(seed: &str, info: &TorrentInfo, pieces: std::ops::Range<usize>) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        let r = piece_range(info, p).unwrap();
        let mut piece = Vec::new();
        for slice in file_slices(info, &r) {
            let url = web_seed_url(seed, info, &slice.path);
            let range = format!("bytes={}-{}", slice.range.start, slice.range.end - 1);
            let (status, headers, body) = http("GET", &url, &[("Range", &range)]);
            assert_eq!(status, 206, "{url} {range}");
            assert_eq!(headers["access-control-allow-origin"], "*");
            piece.extend_from_slice(&body);
        }
        verify_piece(info, p, &piece).expect("piece checks");
        out.extend_from_slice(&piece);
    }
    out
}

fn text_of(e: &StatusEvent) -> Option<(String, String, String)> {
    match e {
        StatusEvent::Chat(r) => Some((
            hex::encode(r.meta.id),
            r.meta.signer.to_uncompressed_hex(),
            r.message.text.clone(),
        )),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_archives_download_with_aria2_and_round_trip_through_hearth_history() {
    let dir = temp_dir("demo");
    let serve = Serve::start(&dir.0, 18480, 18400);
    let community = PublicKey::from_hex(serve.line["community"].as_str().unwrap()).unwrap();
    let id = hearth::status::keys::community_id(&community);
    let node_files = dir.0.join("archives").join(&id);

    // 1. The link the control node published, signed by the community key, on the universal chat.
    let ws: Multiaddr = serve.line["ws"].as_str().unwrap().parse().unwrap();
    let c = client(ws).await;
    let universal = ChatKey::derive(&member_update_chat_id(&community));
    let mut keys = Keys::new();
    keys.add_chat(universal.clone());
    let mut link = None;
    let mut store_chats = HashMap::new();
    for _ in 0..50 {
        store_chats.clear();
        for m in stored(
            &c,
            &content_topic(&member_update_chat_id(&community)).to_string(),
        )
        .await
        {
            match decode_status_message(&m, &keys) {
                Ok(StatusEvent::Other(o))
                    if o.message.kind() == Some(MessageType::CommunityMessageArchiveLink) =>
                {
                    check_link_signer(&o.meta.signer, &community).expect("signed by the community");
                    link = Some(ArchiveLinkMessage::decode(&o.message.payload).unwrap());
                }
                Ok(e) => {
                    if let Some((mid, signer, text)) = text_of(&e) {
                        store_chats.insert(mid, (signer, text));
                    }
                }
                Err(e) => panic!("store message does not decode: {e}"),
            }
        }
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let link = link.expect("an archive link in the store");
    let magnet = MagnetLink::parse(&link.link).expect("a magnet link");
    let seed = format!("{}archives/", serve.app());
    assert_eq!(magnet.web_seeds, vec![seed.clone()]);
    assert_eq!(magnet.display_name.as_deref(), Some(id.as_str()));

    // 2. The torrent from `xs=`, pinned by the info hash; the index; every archive, piece-checked.
    let xs = magnet.exact_source.clone().expect("xs=");
    let (status, headers, torrent_bytes) = http("GET", &xs, &[]);
    assert_eq!(status, 200);
    assert!(headers["cache-control"].contains("immutable"));
    let torrent = Torrent::parse_pinned(&torrent_bytes, &magnet.info_hash).expect("pinned");
    assert_eq!(torrent.info.piece_length, 102_400);
    assert_eq!(torrent.info.name, id);
    let names: Vec<String> = torrent
        .info
        .files
        .iter()
        .map(|f| f.path.join("/"))
        .collect();
    assert_eq!(names, ["data", "index"]);
    assert_eq!(torrent.web_seeds, vec![seed.clone()]);
    let info = &torrent.info;
    let data_span = info.file_span("data").unwrap();
    let index_span = info.file_span("index").unwrap();
    let ip = index_pieces(info).unwrap();
    let stream = fetch_pieces(&seed, info, ip.clone());
    let first = piece_range(info, ip.start).unwrap().start;
    let index_bytes = &stream[(index_span.offset - first) as usize..][..index_span.length as usize];
    let index = ArchiveIndex::decode(index_bytes, Some(data_span.length)).expect("index");
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let planned = plan(info, &index, 0, u64::MAX).unwrap();
    assert!(
        planned.len() >= 8,
        "{} archives over 60 days",
        planned.len()
    );
    let mut archived = HashMap::new();
    let mut oldest = u64::MAX;
    let mut fetched = 0u64;
    for a in &planned {
        let bytes = fetch_pieces(&seed, info, a.pieces.clone());
        fetched += bytes.len() as u64;
        let base = piece_range(info, a.pieces.start).unwrap().start;
        let archive_bytes = a.entry.extract(&bytes, base - data_span.offset).unwrap();
        let archive = Archive::decode(archive_bytes).expect("archive decodes");
        assert_eq!(archive.from, a.entry.from);
        for m in &archive.messages {
            assert!(m.timestamp_s >= archive.from && m.timestamp_s < archive.to);
            assert_eq!(m.topic, hearth::status::keys::to_topic(universal.chat_id()));
            oldest = oldest.min(m.timestamp_s);
            let e = m.decode_status(&keys).expect("archived message decodes");
            if let Some((mid, signer, text)) = text_of(&e) {
                assert_eq!(
                    signer,
                    m.signer.to_uncompressed_hex(),
                    "sig is the signer's key"
                );
                archived.insert(mid, (signer, text));
            }
        }
    }
    assert_eq!(fetched, data_span.length, "the whole data file, once");
    assert!(oldest < now_s - 55 * DAY_S, "history reaches back 60 days");
    // Every chat message the store still has is in the archives, same id, signer and text...
    assert!(store_chats.len() >= 300, "{} in store", store_chats.len());
    for (mid, v) in &store_chats {
        assert_eq!(archived.get(mid), Some(v), "message {mid}");
    }
    // ...and ~300 more exist only in the archives.
    assert!(
        archived.len() >= store_chats.len() + 290,
        "{} archived, {} in store",
        archived.len(),
        store_chats.len()
    );

    // 3. HTTP: Range, 416, CORS preflight, ETag revalidation.
    let data_url = web_seed_url(&seed, info, "data");
    let (status, headers, body) = http("GET", &data_url, &[("Range", "bytes=-10")]);
    assert_eq!(status, 206);
    assert_eq!(body.len(), 10);
    assert_eq!(
        headers["content-range"],
        format!(
            "bytes {}-{}/{}",
            data_span.length - 10,
            data_span.length - 1,
            data_span.length
        )
    );
    assert!(headers["access-control-expose-headers"].contains("Content-Range"));
    let past = format!("bytes={}-", data_span.length);
    let (status, headers, _) = http("GET", &data_url, &[("Range", &past)]);
    assert_eq!(status, 416);
    assert_eq!(
        headers["content-range"],
        format!("bytes */{}", data_span.length)
    );
    let (status, headers, _) = http("OPTIONS", &data_url, &[("Origin", "http://else.example")]);
    assert_eq!(status, 204);
    assert!(headers["access-control-allow-headers"].contains("Range"));
    let (_, headers, _) = http("HEAD", &data_url, &[]);
    let etag = headers["etag"].clone();
    let (status, _, body) = http("GET", &data_url, &[("If-None-Match", &etag)]);
    assert_eq!((status, body.len()), (304, 0));
    let (status, _, _) = http("GET", &format!("{seed}..%2fcommunity.key"), &[]);
    assert!(status == 403 || status == 404, "{status}");

    // 4. aria2c: the torrent from the node's HTTP, data from the web seed only (no DHT, no peer
    //    exchange, no local discovery, trackers excluded), every piece checked.
    let out = temp_dir("aria2");
    std::fs::create_dir_all(&out.0).unwrap();
    let torrent_file = out.0.join("archive.torrent");
    std::fs::write(&torrent_file, &torrent_bytes).unwrap();
    let dl = out.0.join("dl");
    let aria = Command::new("aria2c")
        .arg(&torrent_file)
        .arg(format!("--dir={}", dl.display()))
        .args([
            "--enable-dht=false",
            "--enable-dht6=false",
            "--bt-enable-lpd=false",
            "--enable-peer-exchange=false",
            "--bt-exclude-tracker=*",
            "--check-integrity=true",
            "--seed-time=0",
            "--bt-stop-timeout=60",
            "--file-allocation=none",
            "--summary-interval=0",
            "--console-log-level=warn",
            "--no-conf=true",
        ])
        .output()
        .expect("aria2c runs (scripts/setup installs the aria2 package)");
    assert!(
        aria.status.success(),
        "aria2c failed: {}\n{}",
        String::from_utf8_lossy(&aria.stdout),
        String::from_utf8_lossy(&aria.stderr)
    );
    for f in ["data", "index"] {
        let got = std::fs::read(dl.join(&id).join(f)).expect("aria2c wrote the file");
        let want = std::fs::read(node_files.join(f)).unwrap();
        assert!(
            got == want,
            "{f}: {} bytes vs the node's {}",
            got.len(),
            want.len()
        );
    }

    // 5. Bad input: each a typed error.
    let mut other = magnet.info_hash;
    other[0] ^= 1;
    assert!(matches!(
        Torrent::parse_pinned(&torrent_bytes, &other),
        Err(TorrentError::InfoHashMismatch { .. })
    ));
    let mut tampered = torrent_bytes.clone();
    let at = tampered.windows(6).position(|w| w == b"pieces").unwrap() + 12;
    tampered[at] ^= 0xff;
    assert!(matches!(
        Torrent::parse_pinned(&tampered, &magnet.info_hash),
        Err(TorrentError::InfoHashMismatch { .. }) | Err(TorrentError::Bencode(_))
    ));
    assert!(matches!(
        ArchiveIndex::decode(index_bytes, Some(data_span.length - 102_400)),
        Err(IndexError::PastData { .. })
    ));
    assert!(matches!(
        Torrent::parse(&torrent_bytes[..torrent_bytes.len() - 1]),
        Err(TorrentError::Bencode(_))
    ));
    let p0 = fetch_pieces(&seed, info, 0..1);
    assert!(matches!(
        verify_piece(info, 0, &p0[..p0.len() - 1]),
        Err(PlanError::PieceLength { .. })
    ));
    let mut bad = p0.clone();
    bad[7] ^= 1;
    assert_eq!(
        verify_piece(info, 0, &bad),
        Err(PlanError::PieceHash { index: 0 })
    );
    let first = &index.entries[0];
    let oldest_pieces = fetch_pieces(&seed, info, planned.last().unwrap().pieces.clone());
    let raw = first
        .extract(&oldest_pieces, 0)
        .unwrap_or_else(|_| panic!("first archive at offset 0"));
    assert!(matches!(
        Archive::decode(&raw[..raw.len() / 2]),
        Err(ArchiveError::Protobuf(_))
    ));
    let mut proto = hearth::proto::status::WakuMessageArchive::decode(raw).unwrap();
    proto.messages[0].sig = vec![4; 65];
    assert!(matches!(
        Archive::decode(&proto.encode_to_vec()),
        Err(ArchiveError::Signer { index: 0, .. })
    ));
    let mut garbled = Archive::decode(raw).unwrap();
    garbled.messages[0].payload = vec![0xff; 40];
    assert!(garbled.messages[0].decode_status(&keys).is_err());
    // A link signed by someone else, sent on the same chat, is refused.
    let stranger = PrivateKey::from_bytes(&[9; 32]).unwrap();
    let forged = encode_application(
        &link.encode(),
        MessageType::CommunityMessageArchiveLink,
        &stranger,
        Layer::PublicMessage,
        Destination::Chat(&universal),
        1,
    )
    .unwrap();
    let StatusEvent::Other(o) = decode_status_message(&forged.messages[0], &keys).unwrap() else {
        panic!("a link message")
    };
    assert!(matches!(
        check_link_signer(&o.meta.signer, &community),
        Err(ArchiveError::WrongSigner { .. })
    ));

    // 6. `hearth archive create` while the node runs: what arrived since (the link message itself,
    //    on the universal chat) becomes a new archive appended to `data`; the running control node
    //    publishes the new link with a higher clock.
    let data_before = std::fs::read(node_files.join("data")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["archive", "create", "--data-dir", dir.0.to_str().unwrap()])
        .args(["--archive-url", &seed])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("a JSON line");
    assert_eq!(line["archives"].as_array().unwrap().len(), 1, "{line}");
    let data_after = std::fs::read(node_files.join("data")).unwrap();
    assert!(data_after.len() > data_before.len());
    assert_eq!(
        &data_after[..data_before.len()],
        &data_before[..],
        "data only grows"
    );
    let newer = MagnetLink::parse(line["magnet"].as_str().unwrap()).unwrap();
    assert_ne!(newer.info_hash, magnet.info_hash);
    let mut republished = None;
    for _ in 0..50 {
        for m in stored(
            &c,
            &content_topic(&member_update_chat_id(&community)).to_string(),
        )
        .await
        {
            if let Ok(StatusEvent::Other(o)) = decode_status_message(&m, &keys)
                && let Ok(l) = ArchiveLinkMessage::decode(&o.message.payload)
                && l.clock > link.clock
            {
                republished = Some(l);
            }
        }
        if republished.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let republished = republished.expect("the control node published the new link");
    assert_eq!(MagnetLink::parse(&republished.link).unwrap(), newer);
    drop(c);
    drop(serve);
}

/// A community created with `hearth community create`, its node started with a 3-second
/// `--archive-interval`: a message lightpushed to the universal chat is archived once a whole
/// window has passed, and the link published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_node_archives_on_its_interval() {
    let dir = temp_dir("interval");
    let d = dir.0.to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["community", "create", "--data-dir", d, "--name", "Interval"])
        .args(["--description", "archives", "--color", "#112233"])
        .args(["--channel", "general"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    let community = PublicKey::from_hex(line["community"].as_str().unwrap()).unwrap();
    let id = hearth::status::keys::community_id(&community);
    let node = common::Node::start_in(dir.0.clone(), &["--archive-interval", "3"]);
    let c = client(node.ws()).await;
    let universal = ChatKey::derive(&member_update_chat_id(&community));
    let author = PrivateKey::from_bytes(&[7; 32]).unwrap();
    let now = hearth::net::runtime::now_ns();
    let msg = hearth::status::chat::ChatMessage::text(
        hearth::status::keys::channel_chat_id(&community, "x"),
        "kept beyond the store",
        (now / 1_000_000) as u64,
        (now / 1_000_000) as u64,
    );
    let sent = hearth::status::codec::encode_chat_message(&msg, &author, &universal, now).unwrap();
    for m in &sent.messages {
        c.push(TOPIC, m).await.expect("lightpush");
    }
    let index_path = dir.0.join("archives").join(&id).join("index");
    let mut index = None;
    for _ in 0..100 {
        if let Ok(bytes) = std::fs::read(&index_path) {
            index = Some(ArchiveIndex::decode(&bytes, None).expect("index"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let index = index.expect("an archive within 20 s");
    let data = std::fs::read(dir.0.join("archives").join(&id).join("data")).unwrap();
    let archive = Archive::decode(index.entries[0].extract(&data, 0).unwrap()).unwrap();
    let mut keys = Keys::new();
    keys.add_chat(universal.clone());
    let texts: Vec<_> = archive
        .messages
        .iter()
        .filter_map(|m| text_of(&m.decode_status(&keys).ok()?))
        .collect();
    assert_eq!(
        texts,
        vec![(
            hex::encode(sent.id),
            author.public_key().to_uncompressed_hex(),
            "kept beyond the store".to_string()
        )]
    );
    let mut published = false;
    for _ in 0..50 {
        published = stored(&c, universal.content_topic()).await.iter().any(|m| {
            matches!(decode_status_message(m, &keys), Ok(StatusEvent::Other(o))
                if o.message.kind() == Some(MessageType::CommunityMessageArchiveLink)
                    && o.meta.signer == community)
        });
        if published {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(published, "the link is published on the universal chat");
    drop(c);
    drop(node);
}
