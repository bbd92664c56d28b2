//! `hearth::waku` and the Waku protocol messages of `hearth::proto::waku`.

use std::borrow::Cow;

use hearth::proto::waku::{filter, lightpush, message, metadata, peer_exchange, store};
use hearth::waku::topic::MAX_SHARD;
use hearth::waku::{
    ContentTopic, MessageError, MessageHash, MessageLimits, PubsubTopic, ShardingError,
    WakuMessage, autoshard,
};
use prost::Message;

use crate::input::Reader;

/// Fuzzer bytes as text: invalid UTF-8 becomes U+FFFD, so every input reaches the parser.
fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// `WakuMessage::decode_bounded`, then `validate` and `hash` on what it accepts.
///
/// Invariants: a message that decodes re-encodes to bytes that decode to the same message; an
/// input over a limit is refused as `TooLarge` whatever it holds (the limit is checked first).
pub fn message(data: &[u8]) {
    let limits = MessageLimits::default();
    if let Ok(msg) = WakuMessage::decode_bounded(data, limits) {
        let _ = msg.validate(limits);
        let _ = msg.hash("/waku/2/rs/16/32");
        let _ = msg.hash("");
        let again = WakuMessage::decode_bounded(&msg.encode_to_vec(), limits)
            .expect("a decoded message re-encodes to a decodable one");
        assert_eq!(again, msg, "decode → encode → decode changed the message");
    }
    // A limit from the input itself, usually below its length.
    let small = MessageLimits {
        max_size: data.first().map_or(0, |&b| usize::from(b)),
    };
    let result = WakuMessage::decode_bounded(data, small);
    if data.len() > small.max_size {
        assert_eq!(
            result,
            Err(MessageError::TooLarge {
                size: data.len(),
                max: small.max_size
            })
        );
    }
}

/// `PubsubTopic::from_str`. Invariants: the shard is within `MAX_SHARD`, and the canonical
/// `Display` form parses back to the same topic.
pub fn pubsub_topic(data: &[u8]) {
    let s = text(data);
    if let Ok(topic) = s.parse::<PubsubTopic>() {
        assert!(topic.shard <= MAX_SHARD);
        let shown = topic.to_string();
        assert_eq!(shown.parse::<PubsubTopic>(), Ok(topic), "{shown}");
    }
}

/// `ContentTopic::from_str` and `autoshard`. Layout: a `u16` shard count, then the topic text.
///
/// Invariants: `Display` parses back to the same topic; `autoshard` fails exactly for a
/// generation other than 0, no shards or more than 1024, and otherwise gives a shard below the
/// count; a Status topic's 4 bytes rebuild a Status topic with the same bytes.
pub fn content_topic(data: &[u8]) {
    let mut r = Reader::new(data);
    let num_shards = u32::from(r.u16());
    let s = text(r.rest());
    let Ok(topic) = s.parse::<ContentTopic>() else {
        return;
    };
    let shown = topic.to_string();
    assert_eq!(
        shown.parse::<ContentTopic>().as_ref(),
        Ok(&topic),
        "{shown}"
    );
    for n in [num_shards, 1, 8, 1024, 1025, 0] {
        let expected_err = match topic.generation {
            Some(g) if g != 0 => Some(ShardingError::UnsupportedGeneration { generation: g }),
            _ if n == 0 => Some(ShardingError::NoShards),
            _ if n > 1024 => Some(ShardingError::TooManyShards { count: n }),
            _ => None,
        };
        match (autoshard(&topic, n), expected_err) {
            (Ok(shard), None) => assert!(u32::from(shard) < n, "shard {shard} of {n}"),
            (Err(e), Some(want)) => assert_eq!(e, want),
            (got, want) => panic!("autoshard({shown}, {n}) = {got:?}, expected error {want:?}"),
        }
    }
    if let Some(bytes) = topic.status_bytes() {
        assert_eq!(ContentTopic::status(bytes).status_bytes(), Some(bytes));
    }
}

/// `MessageHash::from_hex` (text) and `MessageHash::try_from` (bytes). Invariant: the `0x…`
/// `Display` form parses back to the same hash.
pub fn message_hash(data: &[u8]) {
    if let Ok(hash) = MessageHash::from_hex(&text(data)) {
        let shown = hash.to_string();
        assert_eq!(MessageHash::from_hex(&shown), Ok(hash));
        assert_eq!(MessageHash::from_hex(&shown[2..]), Ok(hash));
    }
    if let Ok(hash) = MessageHash::try_from(data) {
        assert_eq!(hash.as_bytes(), data);
    }
}

/// Decodes `data` as `M`, plainly and length-delimited; what decodes must survive
/// encode → decode unchanged.
fn decode_as<M: Message + Default + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(msg) = M::decode(data) {
        let again = M::decode(msg.encode_to_vec().as_slice())
            .expect("a decoded message re-encodes to a decodable one");
        assert_eq!(again, msg, "{}", std::any::type_name::<M>());
    }
    let _ = M::decode_length_delimited(data);
}

/// prost decoding of every Waku protocol message, the input tried as each type in turn.
pub fn proto(data: &[u8]) {
    decode_as::<message::v1::WakuMessage>(data);
    decode_as::<filter::v2::FilterSubscribeRequest>(data);
    decode_as::<filter::v2::FilterSubscribeResponse>(data);
    decode_as::<filter::v2::MessagePush>(data);
    decode_as::<lightpush::v2::PushRequest>(data);
    decode_as::<lightpush::v2::PushResponse>(data);
    decode_as::<lightpush::v2::PushRpc>(data);
    decode_as::<lightpush::v3::LightPushRequest>(data);
    decode_as::<lightpush::v3::LightPushResponse>(data);
    decode_as::<metadata::v1::WakuMetadataRequest>(data);
    decode_as::<metadata::v1::WakuMetadataResponse>(data);
    decode_as::<peer_exchange::v2::PeerInfo>(data);
    decode_as::<peer_exchange::v2::PeerExchangeQuery>(data);
    decode_as::<peer_exchange::v2::PeerExchangeResponse>(data);
    decode_as::<peer_exchange::v2::PeerExchangeRpc>(data);
    decode_as::<store::v3::WakuMessageKeyValue>(data);
    decode_as::<store::v3::StoreQueryRequest>(data);
    decode_as::<store::v3::StoreQueryResponse>(data);
}
