//! Messages per second through `decode_status_message` (issue #5, "Benchmark"): 1,000 signed,
//! symmetric channel messages, each opened through payload v1, the envelope layers and the typed
//! ChatMessage, as a store page delivers them. A measurement, not a test: nothing here asserts a
//! time.
//!
//!   cargo bench -p hearth --bench status_decode
//!   cargo bench -p hearth --bench status_decode -- --write-fixture <file.json>
//!
//! `--write-fixture` also writes the 1,000 encoded Waku messages and their key as JSON, so that the
//! browser benchmark (`tests/bench/status-decode/`, run by `scripts/bench-status`) decodes exactly
//! the same messages with Hearth's wasm and with js-waku.

use std::hint::black_box;
use std::time::Instant;

use hearth::status::chat::ChatMessage;
use hearth::status::codec::{
    ChatKey, Keys, StatusEvent, decode_status_message, encode_chat_message,
};
use hearth::status::envelope::{self, Opened};
use hearth::status::keys::{PrivateKey, PublicKey, SymmetricKey, member_update_chat_id};
use hearth::status::payload;
use hearth::waku::WakuMessage;
use prost::Message;

const MESSAGES: usize = 1_000;
const ROUNDS: usize = 15;
/// 2023-11-14T22:13:20Z, in ms.
const START_MS: u64 = 1_700_000_000_000;
/// wire §8.3 (b)'s published test community.
const COMMUNITY: &str = "0x02f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e";
const CHANNEL: &str = "5c0a7d3e-58b5-4fbb-8d1f-9a4d3d1c9f00";

/// Chat-sized texts (20 to ~300 characters), from eight authors, one per second.
fn fixture() -> (ChatKey, Vec<WakuMessage>) {
    let community = PublicKey::from_hex(COMMUNITY).expect("community key");
    let transport = member_update_chat_id(&community);
    // pbkdf2 of the chat id would do too; a fixed key keeps the set-up instant.
    let chat = ChatKey::with_key(&transport, SymmetricKey::new([0x5c; 32]));
    let authors: Vec<PrivateKey> = (1..=8u8)
        .map(|n| PrivateKey::from_bytes(&[n; 32]).expect("key"))
        .collect();
    let messages = (0..MESSAGES)
        .map(|i| {
            let ms = START_MS + i as u64 * 1000;
            let text = format!(
                "message {i}: {}",
                "the quick brown fox jumps over the lazy dog ".repeat(i % 7)
            );
            let message = ChatMessage::text(format!("{COMMUNITY}{CHANNEL}"), text, ms, ms);
            let out = encode_chat_message(
                &message,
                &authors[i % authors.len()],
                &chat,
                ms as i64 * 1_000_000,
            )
            .expect("encode");
            out.messages.into_iter().next().expect("one message")
        })
        .collect();
    (chat, messages)
}

fn rate(count: usize, seconds: f64) -> f64 {
    count as f64 / seconds
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `round` ROUNDS times after one warm-up round; returns (median, best) messages/s.
fn measure(mut round: impl FnMut() -> usize) -> (f64, f64) {
    round();
    let rates: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let t0 = Instant::now();
            let n = round();
            rate(n, t0.elapsed().as_secs_f64())
        })
        .collect();
    let best = rates.iter().copied().fold(0.0, f64::max);
    (median(rates), best)
}

fn write_fixture(path: &str, chat: &ChatKey, messages: &[WakuMessage]) {
    let json = serde_json::json!({
        "source": "crate/benches/status_decode.rs",
        "transportChatId": chat.chat_id(),
        "contentTopic": chat.content_topic(),
        "key": hex::encode(chat.key().as_bytes()),
        "messages": messages.iter().map(|m| hex::encode(m.encode_to_vec())).collect::<Vec<_>>(),
    });
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir).expect("fixture directory");
    }
    std::fs::write(path, json.to_string()).expect("write fixture");
    eprintln!("status_decode: wrote {} messages to {path}", messages.len());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (chat, messages) = fixture();
    if let Some(i) = args.iter().position(|a| a == "--write-fixture") {
        let path = args.get(i + 1).expect("--write-fixture <path>");
        write_fixture(path, &chat, &messages);
    }
    let mut keys = Keys::new();
    keys.add_chat(chat);
    let encoded: Vec<Vec<u8>> = messages.iter().map(|m| m.encode_to_vec()).collect();
    let bytes: usize = encoded.iter().map(Vec::len).sum();

    // Sanity, outside the timing: every message decodes to a chat message.
    for m in &messages {
        match decode_status_message(m, &keys) {
            Ok(StatusEvent::Chat(_)) => {}
            other => panic!("fixture message did not decode: {other:?}"),
        }
    }

    let (median_structs, best_structs) = measure(|| {
        for m in &messages {
            black_box(decode_status_message(black_box(m), &keys).ok());
        }
        messages.len()
    });
    let (median_bytes, best_bytes) = measure(|| {
        for b in &encoded {
            let m = WakuMessage::decode(black_box(b.as_slice())).expect("waku message");
            black_box(decode_status_message(&m, &keys).ok());
        }
        encoded.len()
    });
    // Where the time goes, layer by layer (medians), to read the totals above against.
    let key = keys.symmetric_keys(&messages[0].content_topic)[0]
        .key()
        .clone();
    let (payload_rate, _) = measure(|| {
        for m in &messages {
            black_box(payload::decrypt_symmetric(black_box(&m.payload), &key).ok());
        }
        messages.len()
    });
    let opened: Vec<Vec<u8>> = messages
        .iter()
        .map(|m| {
            payload::decrypt_symmetric(&m.payload, &key)
                .expect("payload")
                .data
        })
        .collect();
    let (envelope_rate, _) = measure(|| {
        for d in &opened {
            black_box(envelope::open_envelope(black_box(d)).ok());
        }
        opened.len()
    });
    let chats: Vec<Vec<u8>> = opened
        .iter()
        .map(|d| match envelope::open_envelope(d) {
            Ok(Opened::Message(m)) => m.message.payload,
            other => panic!("fixture envelope: {other:?}"),
        })
        .collect();
    let (chat_rate, _) = measure(|| {
        for c in &chats {
            black_box(ChatMessage::decode(black_box(c), u64::MAX / 2).ok());
        }
        chats.len()
    });
    let us = |rate: f64| 1e6 / rate;

    println!(
        "status_decode native ({MESSAGES} signed symmetric channel messages, {} bytes avg, {ROUNDS} rounds):",
        bytes / encoded.len()
    );
    println!(
        "  decode_status_message(&WakuMessage):        median {median_structs:>9.0} msg/s  best {best_structs:>9.0} msg/s"
    );
    println!(
        "  WakuMessage::decode + decode_status_message: median {median_bytes:>9.0} msg/s  best {best_bytes:>9.0} msg/s"
    );
    println!(
        "  per message (medians): payload v1 {:.0} µs, envelope {:.0} µs, ChatMessage {:.1} µs",
        us(payload_rate),
        us(envelope_rate),
        us(chat_rate)
    );
}
