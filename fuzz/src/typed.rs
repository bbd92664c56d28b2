//! `hearth::status::chat`, `community` and `codec`: typed messages, verified descriptions, and the
//! one-call decoder over every layer.

use std::sync::LazyLock;

use hearth::proto::status::application_metadata_message::Type as MessageType;
use hearth::status::chat::{
    ChatMessage, DeleteMessage, EditMessage, EmojiReaction, PinMessage, next_clock,
    parse_message_id, transport_time_ms,
};
use hearth::status::codec::{
    ChatKey, Keys, PAYLOAD_VERSION, StatusEvent, decode_status_message,
    decode_status_message_buffered, encode_chat_message,
};
use hearth::status::community::{
    DescriptionCheck, MAX_DESCRIPTION_CLOCK_DRIFT_MS, sniff_image, verify_community_description,
};
use hearth::status::envelope::seal_public_message;
use hearth::status::keys::{self, PublicKey, SymmetricKey, community_id, member_update_chat_id};
use hearth::status::link::COMMUNITY_TAGS;
use hearth::status::payload::{
    encode_frame_with_padding, padding_len, seal_asymmetric, seal_symmetric,
};
use hearth::status::segment::SegmentBuffer;
use hearth::waku::{MessageLimits, WakuMessage};

use crate::input::{
    ASYM_KEY, EPHEMERAL, Reader, SYM_KEY, VECTOR_COMMUNITY, public, round_trip, signer,
};

/// 2023-11-14T22:13:20Z in ms: a plausible transport time.
pub const NOW_MS: u64 = 1_700_000_000_000;

// ---------------------------------------------------------------------------------------------
// Chat

/// Every `chat` decoder on the input: `ChatMessage` (at three transport times), `EmojiReaction`,
/// `EditMessage`, `DeleteMessage`, `PinMessage`; `parse_message_id` on it as text.
///
/// Invariant: whatever decodes re-encodes to bytes that decode to the same value (status-go reads
/// what we send exactly as we meant it).
pub fn chat_message(data: &[u8]) {
    for transport in [NOW_MS, 0, u64::MAX] {
        if let Ok(m) = ChatMessage::decode(data, transport) {
            let _ = m.reply_to();
            assert_eq!(ChatMessage::decode(&m.encode(), transport), Ok(m));
        }
    }
    if let Ok(m) = EmojiReaction::decode(data) {
        assert_eq!(EmojiReaction::decode(&m.encode()), Ok(m));
    }
    if let Ok(m) = EditMessage::decode(data) {
        assert_eq!(EditMessage::decode(&m.encode()), Ok(m));
    }
    if let Ok(m) = DeleteMessage::decode(data) {
        assert_eq!(DeleteMessage::decode(&m.encode()), Ok(m));
    }
    if let Ok(m) = PinMessage::decode(data) {
        assert_eq!(PinMessage::decode(&m.encode()), Ok(m));
    }
    if let Some(id) = parse_message_id(&String::from_utf8_lossy(data)) {
        assert_eq!(
            parse_message_id(&format!("0x{}", hex::encode(id))),
            Some(id)
        );
    }
    let mut r = Reader::new(data);
    let (a, b) = (r.u64(), r.u64());
    assert!(next_clock(a, b) > a || a == u64::MAX);
    let _ = transport_time_ms(a as i64);
}

// ---------------------------------------------------------------------------------------------
// Community descriptions

/// `verify_community_description`. Layout: `u8` (bits 0–1 signer, bits 2–3 expected community:
/// 0 none, else key n − 1), `u64` Waku timestamp ms (`u64::MAX` → now), then the payload.
///
/// Invariants (DESIGN.md "verify before trust"): a `Verified` description is about the key that
/// signed it, and about the expected community when one was given; any result names the expected
/// community; the clock is nonzero and not over 120 s past the timestamp; tags are known and
/// unique; images carry the type their bytes sniff as; the member count is the member list's
/// length when there is one; every category lists exactly its channels.
pub fn community_description(data: &[u8]) {
    let mut r = Reader::new(data);
    let head = r.u8();
    let signer = public(head & 3);
    let expected = match (head >> 2) & 3 {
        0 => None,
        n => Some(public(n - 1)),
    };
    let timestamp_ms = match r.u64() {
        u64::MAX => NOW_MS,
        t => t,
    };
    let payload = r.rest();
    let Ok(check) = verify_community_description(payload, &signer, timestamp_ms, expected.as_ref())
    else {
        return;
    };
    let d = check.unverified_description();
    if let Some(v) = check.verified() {
        assert_eq!(
            *v.community(),
            signer,
            "verified, but not signed by the community"
        );
    }
    if let Some(e) = expected {
        assert_eq!(d.community, e, "a description of another community");
    }
    assert!(d.clock > 0);
    assert!(d.clock.saturating_sub(timestamp_ms) <= MAX_DESCRIPTION_CLOCK_DRIFT_MS);
    for (i, tag) in d.tags.iter().enumerate() {
        assert!(COMMUNITY_TAGS.iter().any(|t| t.name == tag));
        assert!(!d.tags[..i].contains(tag));
    }
    for image in [&d.images.thumbnail, &d.images.large, &d.images.banner]
        .into_iter()
        .flatten()
    {
        assert_eq!(sniff_image(&image.bytes), Some(image.mime));
    }
    if !d.members.is_empty() {
        assert_eq!(d.member_count, d.members.len() as u64);
    }
    for category in &d.categories {
        let listed: Vec<&str> = d
            .channels_in(Some(&category.id))
            .map(|c| c.uuid.as_str())
            .collect();
        assert_eq!(category.channel_uuids, listed);
    }
    let _ = d.id();
    let _ = d.is_token_gated();
    if let DescriptionCheck::OwnerTokenUnverifiable(u) = &check {
        let _ = (u.signed_by_community_key(), u.owner_token());
    }
}

// ---------------------------------------------------------------------------------------------
// The one-call codec

/// The chat id whose key is [`SYM_KEY`]: the vector community's `-memberUpdate` chat.
pub fn chat_id() -> String {
    member_update_chat_id(&PublicKey::from_hex(VECTOR_COMMUNITY).expect("fixture key"))
}

/// The symmetric key of the registered community's description topic.
pub const COMMUNITY_TOPIC_KEY: [u8; 32] = [0x42; 32];

/// What the receiver holds: the chat key, community 1 (`input::signer(1)`'s key) registered with
/// [`COMMUNITY_TOPIC_KEY`], and the private key ECIES payloads are sealed to.
pub static KEYS: LazyLock<Keys> = LazyLock::new(|| {
    let mut keys = Keys::new();
    keys.add_chat(ChatKey::with_key(&chat_id(), SYM_KEY.clone()))
        .add_community_key(&public(1), SymmetricKey::new(COMMUNITY_TOPIC_KEY))
        .set_private_key(ASYM_KEY.clone());
    keys
});

/// How [`status_codec`] builds one Waku message from fuzzer bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// The bytes are a `WakuMessage` protobuf.
    Raw = 0,
    /// The bytes are RFC-26 data: framed, signed and sealed with the topic's key.
    Data = 1,
    /// The bytes are an AMM payload of the given type: signed, wrapped in a ProtocolMessage, then
    /// as `Data`.
    Typed = 2,
    /// As `Typed`, sealed with ECIES to the receiver's key.
    TypedAsymmetric = 3,
}

/// Most messages one run decodes.
const MAX_MESSAGES: usize = 16;

/// `decode_status_message` over a series of Waku messages built from the input, and
/// `decode_status_message_buffered` (one buffer for the series) on those that are segments; then
/// `encode_chat_message` → decode.
///
/// Layout, repeated: `u8` head (bits 0–1 [`Build`], bit 2 community topic instead of the chat
/// topic, bits 3–4 signer, bits 5–7 a timestamp choice), `u8` AMM type (for `Typed`), `u64`
/// timestamp ns (used when the choice is 7), `chunk16` bytes (≤ 8 KiB).
///
/// Invariants: a readable `Typed` message names its AMM signer, frame signer and id; a verified
/// description is about its signer; a chat message we encode decodes to itself, its signer and id
/// (for one input in four, see [`round_trip`]).
pub fn status_codec(data: &[u8]) {
    let keys = &*KEYS;
    let chat_topic = keys::content_topic(&chat_id()).to_string();
    let community_topic = keys::content_topic(&community_id(&public(1))).to_string();
    let mut buffer = SegmentBuffer::new();
    let mut r = Reader::new(data);
    let mut now_ms = 0;
    let mut first_text = None;
    for _ in 0..MAX_MESSAGES {
        if r.is_empty() {
            break;
        }
        let head = r.u8();
        let kind = r.u8();
        let raw_ts = r.u64() as i64;
        let bytes = r.chunk16(8 * 1024);
        first_text.get_or_insert(bytes);
        let build = match head & 3 {
            0 => Build::Raw,
            1 => Build::Data,
            2 => Build::Typed,
            _ => Build::TypedAsymmetric,
        };
        let on_community = head & 4 != 0;
        let who = signer(head >> 3);
        let timestamp = match head >> 5 {
            0 => 1_700_000_000_000_000_000,
            1 => 0,
            2 => -1,
            3 => i64::MAX,
            4 => 1_700_000_000_000_000_000 + 121_000_000_000,
            7 => raw_ts,
            _ => 1_600_000_000_000_000_000,
        };
        let topic = if on_community {
            &community_topic
        } else {
            &chat_topic
        };
        let sym = if on_community {
            SymmetricKey::new(COMMUNITY_TOPIC_KEY)
        } else {
            SYM_KEY.clone()
        };
        let nonce = [head; 12];
        let (msg, sealed_id) = match build {
            Build::Raw => match WakuMessage::decode_bounded(bytes, MessageLimits::default()) {
                Ok(m) => (m, None),
                Err(_) => continue,
            },
            Build::Data | Build::Typed | Build::TypedAsymmetric => {
                let (rfc26, id) = if build == Build::Data {
                    (bytes.to_vec(), None)
                } else {
                    let t =
                        MessageType::try_from(i32::from(kind)).unwrap_or(MessageType::ChatMessage);
                    let s = seal_public_message(bytes, t, who);
                    (s.bytes, Some(s.id))
                };
                let pad = vec![0u8; padding_len(rfc26.len())];
                let frame = encode_frame_with_padding(&rfc26, &pad, who).expect("small frames");
                let payload = if build == Build::TypedAsymmetric {
                    seal_asymmetric(&frame, &ASYM_KEY.public_key(), &EPHEMERAL, [head; 16])
                } else {
                    seal_symmetric(&frame, &sym, nonce).expect("nonzero key")
                };
                let msg = WakuMessage {
                    payload,
                    content_topic: topic.clone(),
                    version: Some(PAYLOAD_VERSION),
                    timestamp: Some(timestamp),
                    ..WakuMessage::default()
                };
                (msg, id)
            }
        };

        // The buffered decoder differs only for segments: call it for those alone (the rest
        // would cost a second decryption and signature recovery for the same answer).
        let single = decode_status_message(&msg, keys);
        now_ms += 1000;
        let buffered = match single {
            Ok(StatusEvent::Segment { .. }) => Some(decode_status_message_buffered(
                &msg,
                keys,
                &mut buffer,
                now_ms,
            )),
            _ => None,
        };
        for event in [Some(&single), buffered.as_ref()]
            .into_iter()
            .flatten()
            .flatten()
        {
            if let StatusEvent::CommunityDescription(r) = event
                && let Some(v) = r.message.verified()
            {
                assert_eq!(
                    *v.community(),
                    r.meta.signer,
                    "verified but not by its community"
                );
            }
            if let (Some(meta), Some(id)) = (event.meta(), sealed_id) {
                assert_eq!(meta.id, id);
                assert_eq!(meta.signer, who.public_key());
                assert_eq!(meta.frame_signer, who.public_key());
                assert_eq!(meta.content_topic, *topic);
            }
        }
        assert!(buffer.buffered_bytes() <= buffer.limits().max_buffered_bytes);
    }

    // Our own chat message, with fuzzer text, back through the decoder.
    if !round_trip(data) {
        return;
    }
    let text = String::from_utf8_lossy(first_text.unwrap_or_default()).into_owned();
    let message = ChatMessage::text(chat_id(), text, NOW_MS, NOW_MS);
    let chat = ChatKey::with_key(&chat_id(), SYM_KEY.clone());
    let who = signer(data.first().copied().unwrap_or(0));
    if let Ok(out) = encode_chat_message(&message, who, &chat, (NOW_MS * 1_000_000) as i64) {
        assert_eq!(out.messages.len(), 1, "small messages are not segmented");
        match decode_status_message(&out.messages[0], keys) {
            Ok(StatusEvent::Chat(r)) => {
                assert_eq!(r.message, message);
                assert_eq!(r.meta.id, out.id);
                assert_eq!(r.meta.signer, who.public_key());
            }
            other => panic!("our own chat message decodes as {other:?}"),
        }
    }
}
