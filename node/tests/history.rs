//! Reading community archives over HTTP (issue #13 §2) with `hearth::history::reader`: against
//! small web seeds in this test that serve real files with `Range` (and misbehave on purpose:
//! a flipped byte, a short body, a huge `Content-Length`, a wrong `.torrent`), and against a
//! real `hearth node` that archived a community's messages.

mod common;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use hearth::client::{
    Client, CommunityEvent, DescriptionState, SyncProgress, Timeline, TimelineEvent, TimelineItem,
};
use hearth::net::ClientConfig;
use hearth::net::runtime::timeout;
use hearth::protocols::store;
use hearth::status::codec::{ChatKey, Keys, StatusEvent};
use hearth::storage::memory::MemoryStorage;
use hearth::storage::{Storage, StorageConfig};

use hearth::history::fetch::FetchError;
use hearth::history::reader::{ArchiveReader, ReaderError, SourceError};
use hearth::history::{
    ArchiveIndex, ArchivedMessage, HistoryError, IndexEntry, MagnetLink, PIECE_LENGTH, Torrent,
    TorrentError, TorrentInfo,
};
use hearth::status::keys::PrivateKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How a test web seed misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// Flips the byte at this offset of `data` in every answer that covers it.
    FlipDataByte(u64),
    /// Declares the full length but closes after half of the body.
    Truncate,
    /// Declares a Content-Length of a terabyte.
    HugeLength,
}

/// A web seed: files by URL path, served with single `Range` support, one request per
/// connection; it records every path asked.
struct Seed {
    base: String,
    asked: Arc<Mutex<Vec<String>>>,
}

async fn seed(files: HashMap<String, Vec<u8>>, fault: Fault) -> Seed {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/archives/", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    let files = Arc::new(files);
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let files = files.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut b = [0u8; 2048];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut b).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&b[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split(' ').nth(1).unwrap_or("").to_string();
                let path = path.trim_start_matches("/archives/").to_string();
                log.lock().unwrap().push(path.clone());
                let Some(file) = files.get(&path) else {
                    let _ = s
                        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                };
                let range = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Range: bytes="))
                    .and_then(|r| {
                        let (a, b) = r.trim().split_once('-')?;
                        Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?))
                    });
                let (status, start, body) = match range {
                    Some((a, b)) if a < file.len() as u64 => {
                        let end = (b + 1).min(file.len() as u64);
                        (
                            "206 Partial Content",
                            a,
                            file[a as usize..end as usize].to_vec(),
                        )
                    }
                    _ => ("200 OK", 0, file.clone()),
                };
                let mut body = body;
                if let Fault::FlipDataByte(at) = fault
                    && path.ends_with("/data")
                    && at >= start
                    && at < start + body.len() as u64
                {
                    body[(at - start) as usize] ^= 0x5a;
                }
                let len = match fault {
                    Fault::HugeLength => 1u64 << 40,
                    _ => body.len() as u64,
                };
                let end = start + body.len().max(1) as u64 - 1;
                if fault == Fault::Truncate {
                    body.truncate(body.len() / 2);
                }
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nContent-Range: bytes {start}-{end}/{}\r\nConnection: close\r\n\r\n",
                    file.len()
                );
                let _ = s.write_all(answer.as_bytes()).await;
                let _ = s.write_all(&body).await;
                let _ = s.shutdown().await;
            });
        }
    });
    Seed { base, asked }
}

impl Seed {
    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

/// A community's archives as a node writes them: three weekly windows of messages whose
/// payloads are recognisable, the index, the data file, the torrent and its files by path.
struct Fixture {
    name: String,
    info: TorrentInfo,
    torrent: Vec<u8>,
    files: HashMap<String, Vec<u8>>,
    windows: Vec<(u64, u64, Vec<ArchivedMessage>)>,
}

const WEEK: u64 = 7 * 24 * 3600;
const T0: u64 = 1_700_000_000;

fn fixture() -> Fixture {
    fixture_with(|index, data| (index.encode(), data))
}

/// `tamper` may change the index and data before the torrent is built over them (the torrent
/// then vouches for the tampered bytes, as a dishonest or buggy archiver's would).
fn fixture_with(tamper: impl FnOnce(&ArchiveIndex, Vec<u8>) -> (Vec<u8>, Vec<u8>)) -> Fixture {
    let signer = PrivateKey::from_bytes(&[7; 32]).unwrap().public_key();
    let name = "0x02aa".to_string();
    let mut index = ArchiveIndex::default();
    let mut data = Vec::new();
    let mut windows = Vec::new();
    for w in 0..3u64 {
        let from = T0 + w * WEEK;
        // ~150 KB per window: each archive spans two or three pieces.
        let messages: Vec<ArchivedMessage> = (0..150u64)
            .map(|i| ArchivedMessage {
                signer,
                timestamp_s: from + i * 60,
                topic: [1, 2, 3, 4],
                payload: format!("window {w} message {i} ")
                    .into_bytes()
                    .into_iter()
                    .cycle()
                    .take(1000)
                    .collect(),
                padding: Vec::new(),
                hash: vec![w as u8; 32],
                third_party_id: String::new(),
            })
            .collect();
        data.extend(index.append_window(from, from + WEEK, &[[1, 2, 3, 4]], messages.clone()));
        windows.push((from, from + WEEK, messages));
    }
    let (index_bytes, data) = tamper(&index, data);
    let info = TorrentInfo::build(
        &name,
        PIECE_LENGTH,
        &[("data", &data), ("index", &index_bytes)],
    );
    let torrent = Torrent::new(info.clone(), vec![], vec![]).to_bytes();
    let mut files = HashMap::new();
    files.insert(format!("{name}/data"), data);
    files.insert(format!("{name}/index"), index_bytes);
    files.insert(format!("{name}.torrent"), torrent.clone());
    Fixture {
        name,
        info,
        torrent,
        files,
        windows,
    }
}

impl Fixture {
    fn magnet(&self, seeds: &[&Seed]) -> MagnetLink {
        MagnetLink {
            info_hash: self.info.info_hash(),
            display_name: Some(self.name.clone()),
            exact_source: seeds
                .first()
                .map(|s| format!("{}{}.torrent", s.base, self.name)),
            web_seeds: seeds.iter().map(|s| s.base.clone()).collect(),
            trackers: vec![],
        }
    }
}

#[tokio::test]
async fn archives_are_read_piece_by_piece_and_only_those_asked_for() {
    let f = fixture();
    let a = seed(f.files.clone(), Fault::None).await;
    let reader = ArchiveReader::default();
    let mut opened = reader.open(&f.magnet(&[&a]), None).await.unwrap();
    assert_eq!(opened.index.entries.len(), 3);
    // The middle week only.
    let (from, to, messages) = &f.windows[1];
    let planned = opened.plan(from + 1, from + 2).unwrap();
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].entry.from, *from);
    let archive = reader.read(&mut opened, &planned[0]).await.unwrap();
    assert_eq!((archive.from, archive.to), (*from, *to));
    assert_eq!(&archive.messages, messages);
    // Fetched: the torrent, the index's pieces and the middle archive's pieces, not the rest.
    let data_len = f.files[&format!("{}/data", f.name)].len() as u64;
    assert!(
        opened.stats.bytes_fetched < data_len,
        "{} of {data_len}",
        opened.stats.bytes_fetched
    );
    assert_eq!(opened.stats.pieces_rejected, 0);
    // Newest first over the whole range.
    let all = opened.plan(0, u64::MAX).unwrap();
    let froms: Vec<u64> = all.iter().map(|p| p.entry.from).collect();
    assert_eq!(froms, vec![T0 + 2 * WEEK, T0 + WEEK, T0]);
}

#[tokio::test]
async fn a_seed_that_flips_a_byte_is_dropped_and_the_mirror_used() {
    let f = fixture();
    let newest = &f.windows[2];
    let bad = seed(f.files.clone(), Fault::FlipDataByte(0)).await;
    let good = seed(f.files.clone(), Fault::None).await;
    let reader = ArchiveReader::default();
    let mut opened = reader.open(&f.magnet(&[&bad, &good]), None).await.unwrap();
    // The first week's first piece is corrupt on the first seed.
    let plan = opened.plan(0, u64::MAX).unwrap();
    let oldest = plan.last().unwrap();
    let archive = reader.read(&mut opened, oldest).await.unwrap();
    assert_eq!(archive.messages, f.windows[0].2);
    assert_eq!(opened.stats.pieces_rejected, 1, "{:?}", opened.stats);
    assert_eq!(opened.stats.dropped_seeds.len(), 1);
    assert_eq!(opened.stats.dropped_seeds[0].0, bad.base);
    assert_eq!(opened.seeds(), vec![good.base.as_str()]);
    // Only the bad piece's run is asked again, from the mirror.
    let asked_bad = bad.asked().len();
    let archive = reader.read(&mut opened, &plan[0]).await.unwrap();
    assert_eq!(archive.messages, newest.2);
    assert_eq!(
        bad.asked().len(),
        asked_bad,
        "a dropped seed is not asked again"
    );
    assert!(good.asked().iter().any(|p| p.ends_with("/data")));
}

#[tokio::test]
async fn a_truncated_body_or_a_huge_length_moves_on_to_the_next_seed() {
    let f = fixture();
    for fault in [Fault::Truncate, Fault::HugeLength] {
        let bad = seed(f.files.clone(), fault).await;
        let good = seed(f.files.clone(), Fault::None).await;
        // The torrent comes from the good seed; the bad one is asked for pieces first.
        let mut magnet = f.magnet(&[&bad, &good]);
        magnet.exact_source = Some(format!("{}{}.torrent", good.base, f.name));
        let reader = ArchiveReader::default();
        let mut opened = reader.open(&magnet, None).await.unwrap();
        let plan = opened.plan(0, u64::MAX).unwrap();
        let archive = reader.read(&mut opened, &plan[0]).await.unwrap();
        assert_eq!(archive.messages, f.windows[2].2, "{fault:?}");
        // Not bad data, only a bad answer: skipped, not dropped.
        assert!(opened.stats.dropped_seeds.is_empty(), "{fault:?}");

        // With no other seed: a typed error naming the fault.
        let mut alone = f.magnet(&[&bad]);
        alone.exact_source = Some(format!("{}{}.torrent", good.base, f.name));
        let err = reader.open(&alone, None).await.unwrap_err();
        let ReaderError::NoSource { failures, .. } = &err else {
            panic!("{err}")
        };
        assert!(
            failures.iter().all(|x| matches!(
                (&x.error, fault),
                (
                    SourceError::Fetch(FetchError::Truncated { .. }),
                    Fault::Truncate
                ) | (
                    SourceError::Fetch(FetchError::TooLarge { .. }),
                    Fault::HugeLength
                )
            )),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_torrent_whose_info_hash_does_not_match_is_refused() {
    let f = fixture();
    let other = fixture_with(|index, mut data| {
        data[0] ^= 1;
        (index.encode(), data)
    });
    // Both the xs= source and the web seed hold the other torrent.
    let mut files = f.files.clone();
    files.insert(format!("{}.torrent", f.name), other.torrent.clone());
    let s = seed(files, Fault::None).await;
    let err = ArchiveReader::default()
        .open(&f.magnet(&[&s]), None)
        .await
        .unwrap_err();
    let ReaderError::NoSource { failures, .. } = &err else {
        panic!("{err}")
    };
    assert!(!failures.is_empty());
    assert!(
        failures.iter().all(|x| matches!(
            x.error,
            SourceError::Format(HistoryError::Torrent(TorrentError::InfoHashMismatch { .. }))
        )),
        "{err}"
    );
    // A good torrent next to the web seed is used when xs= is wrong.
    let good = seed(f.files.clone(), Fault::None).await;
    let mut magnet = f.magnet(&[&good]);
    magnet.exact_source = Some(format!("{}{}.torrent", s.base, f.name));
    assert!(ArchiveReader::default().open(&magnet, None).await.is_ok());
}

#[tokio::test]
async fn an_index_past_the_data_is_refused() {
    let f = fixture_with(|index, data| {
        let mut index = index.clone();
        index.entries.push(IndexEntry {
            id: String::new(),
            from: T0 + 3 * WEEK,
            to: T0 + 4 * WEEK,
            content_topics: vec![[1, 2, 3, 4]],
            offset: data.len() as u64,
            size: PIECE_LENGTH,
            padding: 0,
        });
        // A well-formed id, so only the offset is wrong.
        let last = index.entries.len() - 1;
        let e = &index.entries[last];
        let meta = hearth::proto::status::WakuMessageArchiveIndexMetadata {
            version: 0,
            metadata: Some(hearth::history::archive::metadata_proto(
                e.from,
                e.to,
                &e.content_topics,
            )),
            offset: e.offset,
            size: e.size,
            padding: e.padding,
        };
        index.entries[last].id = hearth::history::archive_id(&meta);
        (index.encode(), data)
    });
    let s = seed(f.files.clone(), Fault::None).await;
    let err = ArchiveReader::default()
        .open(&f.magnet(&[&s]), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ReaderError::Format(HistoryError::Index(_))),
        "{err}"
    );
}

#[tokio::test]
async fn an_archive_that_does_not_decode_is_a_typed_error() {
    let f = fixture_with(|index, mut data| {
        // The first archive's bytes replaced by garbage (the torrent vouches for it).
        let e = &index.entries[0];
        for b in &mut data[e.offset as usize..(e.offset + 64) as usize] {
            *b = 0xff;
        }
        (index.encode(), data)
    });
    let s = seed(f.files.clone(), Fault::None).await;
    let reader = ArchiveReader::default();
    let mut opened = reader.open(&f.magnet(&[&s]), None).await.unwrap();
    let plan = opened.plan(0, u64::MAX).unwrap();
    let err = reader
        .read(&mut opened, plan.last().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ReaderError::Format(HistoryError::Archive(_))),
        "{err}"
    );
    // The others still read.
    assert!(reader.read(&mut opened, &plan[0]).await.is_ok());
}

// ---------------------------------------------------------------------------------------------
// Against a real node: `hearth serve --demo` keeps 25 days in its store and days 31–60 only in
// archives.

const DAY_MS: u64 = 24 * 3600 * 1000;

/// `hearth serve --demo` in a fresh data dir; killed (and the dir removed) on drop.
struct Demo {
    child: std::process::Child,
    dir: PathBuf,
    line: serde_json::Value,
}

impl Demo {
    fn start(name: &str) -> Demo {
        Demo::start_attempt(name, 1)
    }

    fn start_attempt(name: &str, attempt: u32) -> Demo {
        let dir =
            std::env::temp_dir().join(format!("hearth-history-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .unwrap()
                .port()
                .to_string()
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
            .args(["serve", "--demo", "--data-dir", dir.to_str().unwrap()])
            .args(["--port", &free(), "--ws-port", &free()])
            .args(["--web", "/nonexistent"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run hearth serve");
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .expect("a line");
        match serde_json::from_str(first.trim()) {
            Ok(line) => Demo { child, dir, line },
            // Two tests may pick the same free port between its release and the node's bind.
            Err(_) if attempt < 3 => {
                let _ = child.kill();
                let _ = child.wait();
                Demo::start_attempt(name, attempt + 1)
            }
            Err(_) => {
                let _ = child.kill();
                panic!("no JSON line from hearth serve: {first:?}")
            }
        }
    }

    fn field(&self, k: &str) -> String {
        self.line[k].as_str().unwrap().to_string()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

async fn demo_client(demo: &Demo, storage: Arc<dyn Storage>) -> Client {
    let ws: libp2p::Multiaddr = demo.field("ws").parse().unwrap();
    let c = Client::start(ClientConfig::local(vec![ws]), storage)
        .await
        .expect("client starts");
    c.net()
        .wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(15))
        .await
        .expect("a store peer");
    c
}

/// Everything a timeline shows once scrolled back as far as it goes: its items by id, the
/// archive windows it said it read, and the failures it reported.
struct Scrolled {
    items: HashMap<String, TimelineItem>,
    archive_steps: Vec<(u64, u64)>,
    failures: Vec<String>,
    throttled: usize,
    complete: bool,
}

async fn scroll_back(tl: &mut Timeline, rounds: usize) -> Scrolled {
    let mut out = Scrolled {
        items: HashMap::new(),
        archive_steps: Vec::new(),
        failures: Vec::new(),
        throttled: 0,
        complete: false,
    };
    let take = |ev: TimelineEvent, out: &mut Scrolled| -> bool {
        match ev {
            TimelineEvent::Stored { items } | TimelineEvent::Older { items, .. } => {
                for i in items {
                    out.items.insert(i.id.clone(), i);
                }
            }
            TimelineEvent::Upsert { item } => {
                out.items.insert(item.id.clone(), item);
            }
            TimelineEvent::Progress {
                progress: SyncProgress::Archive { from_s, to_s, .. },
            } => out.archive_steps.push((from_s, to_s)),
            // The node's store allows 20 queries a second per peer: a test scrolls faster than
            // anyone would, and waits when told so.
            TimelineEvent::Progress {
                progress: SyncProgress::Failed { reason, .. },
            } if reason.contains("TooManyRequests") => out.throttled += 1,
            TimelineEvent::Progress {
                progress: SyncProgress::Failed { step, reason, .. },
            } => out.failures.push(format!("{step}: {reason}")),
            TimelineEvent::Progress {
                progress: SyncProgress::Live,
            } => return true,
            TimelineEvent::Progress { .. } => {}
        }
        false
    };
    // Up to "live" first.
    loop {
        let ev = timeout(Duration::from_secs(60), tl.next())
            .await
            .flatten()
            .expect("the timeline goes live");
        if take(ev, &mut out) {
            break;
        }
    }
    for _ in 0..rounds {
        let throttled = out.throttled;
        assert!(tl.load_older(50));
        let complete = loop {
            let ev = timeout(Duration::from_secs(60), tl.next())
                .await
                .flatten()
                .expect("an answer to load_older");
            if let TimelineEvent::Older { complete, .. } = &ev {
                let c = *complete;
                take(ev, &mut out);
                break c;
            }
            take(ev, &mut out);
        };
        if complete {
            out.complete = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(if out.throttled > throttled {
            1100
        } else {
            100
        }))
        .await;
    }
    out
}

/// The demo's first channel, once the community's signed description is in.
async fn first_channel(client: &Client, demo: &Demo) -> hearth::client::Channel {
    let community = client.community(&demo.field("community")).unwrap();
    let mut events = Box::pin(community.events());
    loop {
        match timeout(Duration::from_secs(30), events.next())
            .await
            .flatten()
        {
            Some(CommunityEvent::Description { info })
                if matches!(info.state, DescriptionState::Verified { .. }) =>
            {
                break;
            }
            Some(_) => {}
            None => panic!("no verified description"),
        }
    }
    let uuid = demo.line["channels"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    community.channel(&uuid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeline_scrolls_from_the_store_into_the_archives() {
    let demo = Demo::start("timeline");
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new(StorageConfig::default()));
    let client = demo_client(&demo, storage.clone()).await;
    let channel = first_channel(&client, &demo).await;
    let mut tl = channel.timeline();
    let got = scroll_back(&mut tl, 40).await;
    assert!(got.failures.is_empty(), "{:?}", got.failures);
    assert!(
        got.complete,
        "the timeline reached the beginning: {} items, oldest {:?} days ago, archives {:?}, throttled {}",
        got.items.len(),
        got.items
            .values()
            .map(|i| i.timestamp_ms)
            .min()
            .map(|t| (now_ms() - t) / DAY_MS),
        got.archive_steps,
        got.throttled
    );
    assert!(
        !got.archive_steps.is_empty(),
        "it said which archives it read"
    );
    let now = now_ms();
    let oldest = got.items.values().map(|i| i.timestamp_ms).min().unwrap();
    assert!(
        oldest < now - 50 * DAY_MS,
        "history reaches back past the store: {oldest}"
    );
    let from_archives = got
        .items
        .values()
        .filter(|i| i.timestamp_ms < now - 30 * DAY_MS)
        .count();
    assert!(
        from_archives >= 20,
        "{from_archives} items older than 30 days"
    );

    // The same ids, authors and texts as the archives hold, read and decoded independently.
    let community = client.community(&demo.field("community")).unwrap();
    let link = community.archive_link().await.expect("the signed link");
    let reader = ArchiveReader::default();
    let mut opened = reader.open(&link.magnet, None).await.unwrap();
    let universal = ChatKey::derive(&hearth::client::universal_chat_id(community.id()));
    let mut keys = Keys::new();
    keys.add_chat(universal);
    let mut checked = 0;
    for planned in opened.plan(0, u64::MAX).unwrap() {
        let archive = reader.read(&mut opened, &planned).await.unwrap();
        for m in &archive.messages {
            let Ok(StatusEvent::Chat(r)) = m.decode_status(&keys) else {
                continue;
            };
            if r.message.chat_id != channel.chat_id() {
                continue;
            }
            let id = r.meta.id_hex();
            let item = got
                .items
                .get(&id)
                .unwrap_or_else(|| panic!("{id} not shown"));
            assert_eq!(item.author, r.meta.signer.to_uncompressed_hex());
            if !item.edited && !item.deleted {
                assert_eq!(item.text, r.message.text);
            }
            checked += 1;
        }
    }
    assert!(
        checked >= from_archives,
        "{checked} archived messages checked"
    );
    // Nothing twice: store and archives overlap in time, storage keeps one record per id.
    let stored = storage
        .messages(channel.chat_id(), None, 100_000)
        .await
        .unwrap();
    let mut ids: Vec<&str> = stored.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), stored.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_archive_on_the_only_seed_stores_nothing() {
    let demo = Demo::start("corrupt");
    // Flip one byte in every piece of the node's data file: every archive fails its check.
    let id = {
        let key = hearth::status::keys::PublicKey::from_hex(&demo.field("community")).unwrap();
        hearth::status::keys::community_id(&key)
    };
    let data = demo.dir.join("archives").join(&id).join("data");
    let mut bytes = std::fs::read(&data).expect("the demo archived");
    for at in (0..bytes.len()).step_by(PIECE_LENGTH as usize) {
        bytes[at] ^= 0xff;
    }
    std::fs::write(&data, &bytes).unwrap();

    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new(StorageConfig::default()));
    let client = demo_client(&demo, storage.clone()).await;
    let channel = first_channel(&client, &demo).await;
    let mut tl = channel.timeline();
    let got = scroll_back(&mut tl, 40).await;
    assert!(
        !got.complete,
        "a failed archive is not the beginning of history"
    );
    assert!(
        got.failures.iter().any(|f| f.contains("SHA-1")),
        "{:?}",
        got.failures
    );
    let now = now_ms();
    let stored = storage
        .messages(channel.chat_id(), None, 100_000)
        .await
        .unwrap();
    assert!(!stored.is_empty());
    assert!(
        stored.iter().all(|r| r.timestamp_ms > now - 30 * DAY_MS),
        "nothing older than the store window was kept"
    );
}
