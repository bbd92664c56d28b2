//! `cargo bench -p hearth-node --bench history --profile release-native`: creating the history
//! archives of a community with 100,000 real Status chat messages (signed, encrypted with the
//! universal chat key, stored in the node's SQLite store over 28 days): time and sizes. Printed,
//! never asserted.

use std::time::Instant;

use hearth::status::chat::ChatMessage;
use hearth::status::codec::{ChatKey, encode_chat_message};
use hearth::status::keys::{PrivateKey, channel_chat_id, member_update_chat_id};
use hearth_node::community::history::{self, HistoryOptions};
use hearth_node::community::{CommunityStore, edit};
use hearth_node::service::message_store::MessageStore;

const MESSAGES: u64 = 100_000;
const PUBSUB: &str = "/waku/2/rs/16/32";

fn main() {
    let dir = std::env::temp_dir().join(format!("hearth-bench-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spec: edit::CommunitySpec = edit::CommunitySpec {
        name: "Bench".into(),
        description: "History archive benchmark".into(),
        color: "#4360df".into(),
        channels: vec![edit::ChannelSpec {
            name: Some("general".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut community =
        CommunityStore::create(&dir, edit::build_description(&spec).unwrap()).unwrap();
    let key = community.public_key();
    let uuid = community
        .description()
        .unwrap()
        .chats
        .keys()
        .next()
        .unwrap()
        .clone();
    let channel = channel_chat_id(&key, &uuid);
    let chat = ChatKey::derive(&member_update_chat_id(&key));
    let authors: Vec<PrivateKey> = (1..=20u8)
        .map(|i| PrivateKey::from_bytes(&[i; 32]).unwrap())
        .collect();
    let mut store = MessageStore::open(&dir.join("store.sqlite3")).unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let span_ms = 28 * 24 * 3600 * 1000u64;
    let started = Instant::now();
    for i in 0..MESSAGES {
        let t = now_ms - span_ms + i * (span_ms / MESSAGES);
        let text = format!("message {i}: the quick brown fox jumps over the lazy dog");
        let msg = ChatMessage::text(channel.clone(), &text, t, t);
        let out = encode_chat_message(
            &msg,
            &authors[(i % 20) as usize],
            &chat,
            (t * 1_000_000) as i64,
        )
        .unwrap();
        for m in out.messages {
            let ts = m.timestamp.unwrap();
            let hash = m.hash(PUBSUB);
            let _ = store.insert(PUBSUB, &m, &hash, ts).unwrap();
        }
    }
    let stored_bytes = store.stored_bytes().unwrap();
    println!(
        "history: wrote {MESSAGES} messages ({stored_bytes} bytes in the store) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let options = HistoryOptions::for_http(None);
    let started = Instant::now();
    let created = history::create(&dir, &mut community, &store, now_ms / 1000, &options)
        .unwrap()
        .expect("archives");
    let took = started.elapsed();
    let root = history::archives_root(&dir);
    let size = |p: std::path::PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let id = community.id();
    println!(
        "history: archived {} messages ({} unreadable) into {} archives in {:.2} s ({:.0} msg/s)",
        created.messages,
        created.unreadable,
        created.archive_ids.len(),
        took.as_secs_f64(),
        created.messages as f64 / took.as_secs_f64()
    );
    println!(
        "history: data {} bytes, index {} bytes, torrent {} bytes ({} pieces); store held {} bytes",
        size(root.join(&id).join("data")),
        size(root.join(&id).join("index")),
        size(root.join(format!("{id}.torrent"))),
        size(root.join(&id).join("data")).div_ceil(hearth::history::PIECE_LENGTH),
        stored_bytes
    );
    let _ = std::fs::remove_dir_all(&dir);
}
