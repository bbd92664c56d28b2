//! Published Waku vectors, verbatim, as tables. The same file runs natively (`cargo test`) and in
//! headless Chromium (`cargo test --target wasm32-unknown-unknown`), so both builds must agree.
//!
//! Sources are named per row; `reference` is `shared/reference/waku-light-protocols.md`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use hearth::proto::waku::filter::v2::{
    FilterSubscribeRequest, FilterSubscribeResponse, MessagePush, filter_subscribe_request,
};
use hearth::proto::waku::lightpush::{v2 as lp2, v3 as lp3};
use hearth::proto::waku::metadata::v1::{WakuMetadataRequest, WakuMetadataResponse};
use hearth::proto::waku::peer_exchange::v2::{PeerExchangeQuery, PeerExchangeRpc};
use hearth::proto::waku::store::v3::StoreQueryRequest;
use hearth::waku::sharding::autoshard;
use hearth::waku::{ContentTopic, MessageLimits, WakuMessage};
use prost::Message;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("vector hex")
}

// ---------------------------------------------------------------------------------------------
// Message hash (reference §2)

/// The timestamp every hash vector uses, 0x175789bfa23f8400 ns (2023-04-20T04:20:42Z).
const T: i64 = 0x175789bfa23f8400;
const RFC_PUBSUB: &str = "/waku/2/default-waku/proto";
const CONTENT: &str = "/waku/2/default-content/proto";
const PAYLOAD: &str = "010203045445535405060708";
const META12: &str = "73757065722d736563726574";
const META64: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
                      202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

struct HashVector {
    source: &'static str,
    pubsub: &'static str,
    payload: &'static str,
    meta: Option<&'static str>,
    timestamp: Option<i64>,
    hash: &'static str,
}

const HASH_VECTORS: &[HashVector] = &[
    HashVector {
        source: "14/WAKU2-MESSAGE, meta 12 B",
        pubsub: RFC_PUBSUB,
        payload: PAYLOAD,
        meta: Some(META12),
        timestamp: Some(T),
        hash: "64cce733fed134e83da02b02c6f689814872b1a0ac97ea56b76095c3c72bfe05",
    },
    HashVector {
        source: "14/WAKU2-MESSAGE, meta 64 B",
        pubsub: RFC_PUBSUB,
        payload: PAYLOAD,
        meta: Some(META64),
        timestamp: Some(T),
        hash: "7158b6498753313368b9af8f6e0a0a05104f68f972981da42a43bc53fb0c1b27",
    },
    HashVector {
        source: "14/WAKU2-MESSAGE, no meta",
        pubsub: RFC_PUBSUB,
        payload: PAYLOAD,
        meta: None,
        timestamp: Some(T),
        hash: "a2554498b31f5bcdfcbf7fa58ad1c2d45f0254f3f8110a85588ec3cf10720fd8",
    },
    HashVector {
        source: "14/WAKU2-MESSAGE, empty payload",
        pubsub: RFC_PUBSUB,
        payload: "",
        meta: Some(META12),
        timestamp: Some(T),
        hash: "483ea950cb63f9b9d6926b262bb36194d3f40a0463ce8446228350bd44e96de4",
    },
    HashVector {
        source: "nwaku tests/waku_core/test_message_digest.nim, empty meta",
        pubsub: "/waku/2/rs/0/0",
        payload: PAYLOAD,
        meta: Some(""),
        timestamp: Some(T),
        hash: "cccab07fed94181c83937c8ca8340c9108492b7ede354a6d95421ad34141fd37",
    },
    HashVector {
        source: "nwaku test_message_digest.nim, meta 12 B",
        pubsub: "/waku/2/rs/0/0",
        payload: PAYLOAD,
        meta: Some(META12),
        timestamp: Some(T),
        hash: "b9b4852f9d8c489846e8bfc6c5ca6a1a8d460a40d28832a966e029eb39619199",
    },
    HashVector {
        source: "nwaku test_message_digest.nim, meta 64 B",
        pubsub: "/waku/2/rs/0/0",
        payload: PAYLOAD,
        meta: Some(META64),
        timestamp: Some(T),
        hash: "653460d04f66c5b11814d235152f4f246e6f03ef80a305a825913636fbafd0ba",
    },
    HashVector {
        source: "nwaku test_message_digest.nim, zero-length payload",
        pubsub: "/waku/2/rs/0/0",
        payload: "",
        meta: Some(META12),
        timestamp: Some(T),
        hash: "0f6448cc23b2db6c696aa6ab4b693eff4cf3549ff346fe1dbeb281697396a09f",
    },
    HashVector {
        source: "js-waku message_hash.spec.ts, IProtoMessage with version",
        pubsub: RFC_PUBSUB,
        payload: "",
        meta: Some(META12),
        timestamp: Some(1_714_474_454_978_000_000),
        hash: "3f11bc950dce0e3ffdcf205ae6414c01130bb5d9f20644869bff80407fa52c8f",
    },
    // nwaku always appends eight timestamp bytes, zeros when there is none (digest.nim).
    HashVector {
        source: "reference §2, nwaku rule for an absent timestamp",
        pubsub: RFC_PUBSUB,
        payload: "",
        meta: Some(META12),
        timestamp: None,
        hash: "58e2fc032a82c4adeb967a8b87086d0d6fb304912f120d4404e6236add8f1f56",
    },
    HashVector {
        source: "reference §2, nwaku rule for timestamp 0",
        pubsub: RFC_PUBSUB,
        payload: "",
        meta: Some(META12),
        timestamp: Some(0),
        hash: "58e2fc032a82c4adeb967a8b87086d0d6fb304912f120d4404e6236add8f1f56",
    },
];

fn hash_message(v: &HashVector) -> WakuMessage {
    WakuMessage {
        payload: unhex(v.payload),
        content_topic: CONTENT.into(),
        meta: v.meta.map(unhex),
        timestamp: v.timestamp,
        ..Default::default()
    }
}

#[test]
fn message_hash_vectors() {
    for v in HASH_VECTORS {
        let got = hash_message(v).hash(v.pubsub);
        assert_eq!(hex::encode(got.as_bytes()), v.hash, "{}", v.source);
    }
}

/// js-waku's "no timestamp" vector (message_hash.spec.ts) omits the timestamp bytes entirely.
/// nwaku, the service node that keys the store by this hash, appends eight zero bytes; we follow
/// nwaku, so a zero-timestamp message hashes differently in js-waku and in Hearth. Hearth always
/// sets a timestamp on what it sends, which keeps both sides in agreement in practice.
#[test]
fn zero_timestamp_follows_nwaku_not_js_waku() {
    const JS_WAKU_NO_TIMESTAMP: &str =
        "e1a9596237dbe2cc8aaf4b838c46a7052df6bc0d42ba214b998a8bfdbe8487d6";
    let msg = WakuMessage {
        payload: vec![],
        content_topic: CONTENT.into(),
        meta: Some(unhex(META12)),
        timestamp: None,
        ..Default::default()
    };
    assert_ne!(
        hex::encode(msg.hash(RFC_PUBSUB).as_bytes()),
        JS_WAKU_NO_TIMESTAMP
    );
    // What js-waku hashes: the same fields without the eight timestamp bytes.
    use sha2::{Digest, Sha256};
    let js_style = Sha256::new()
        .chain_update(RFC_PUBSUB)
        .chain_update(CONTENT)
        .chain_update(unhex(META12))
        .finalize();
    assert_eq!(hex::encode(js_style), JS_WAKU_NO_TIMESTAMP);
}

// ---------------------------------------------------------------------------------------------
// Autosharding (reference §3.2)

struct ShardVector {
    source: &'static str,
    topic: &'static str,
    shards: u32,
    shard: u16,
}

const SHARD_VECTORS: &[ShardVector] = &[
    ShardVector {
        source: "relay-sharding.md example",
        topic: "/myapp/1/chat/proto",
        shards: 8,
        shard: 0,
    },
    ShardVector {
        source: "nwaku test_sharding.nim",
        topic: "/toychat/2/huilong/proto",
        shards: 8,
        shard: 3,
    },
    ShardVector {
        source: "nwaku test_sharding.nim",
        topic: "/0/toychat/2/huilong/proto",
        shards: 8,
        shard: 3,
    },
    ShardVector {
        source: "nwaku test_sharding.nim",
        topic: "/toychat2/2/huilong/proto",
        shards: 8,
        shard: 6,
    },
    ShardVector {
        source: "nwaku test_sharding.nim",
        topic: "/toychat/2/huilong/proto2",
        shards: 8,
        shard: 3,
    },
    ShardVector {
        source: "nwaku test_sharding.nim",
        topic: "/0/toychat/4/huilong/proto2",
        shards: 8,
        shard: 7,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/myapp/1/x/proto",
        shards: 1024,
        shard: 296,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/myapp/1/x/proto",
        shards: 257,
        shard: 155,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/toychat/2/x/proto",
        shards: 1024,
        shard: 1011,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/toychat/2/x/proto",
        shards: 257,
        shard: 181,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/toychat2/2/x/proto",
        shards: 1024,
        shard: 758,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/toychat2/2/x/proto",
        shards: 257,
        shard: 164,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/toychat/4/x/proto",
        shards: 1024,
        shard: 847,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/toychat/4/x/proto",
        shards: 257,
        shard: 174,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/waku/1/x/proto",
        shards: 8,
        shard: 4,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/waku/1/x/proto",
        shards: 1024,
        shard: 316,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/waku/1/x/proto",
        shards: 257,
        shard: 90,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/status/1/x/proto",
        shards: 8,
        shard: 5,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/status/1/x/proto",
        shards: 1024,
        shard: 573,
    },
    ShardVector {
        source: "reference §3.2 (computed)",
        topic: "/status/1/x/proto",
        shards: 257,
        shard: 234,
    },
];

#[test]
fn autosharding_vectors() {
    for v in SHARD_VECTORS {
        let topic: ContentTopic = v.topic.parse().expect(v.topic);
        assert_eq!(
            autoshard(&topic, v.shards),
            Ok(v.shard),
            "{} {} n={}",
            v.source,
            v.topic,
            v.shards
        );
    }
}

#[test]
fn autosharding_hash_input_is_application_then_version() {
    use sha2::{Digest, Sha256};
    // relay-sharding.md: sha256("myapp" ‖ "1").
    assert_eq!(
        hex::encode(Sha256::digest(b"myapp1")),
        "8e541178adbd8126068c47be6a221d77d64837221893a8e4e53139fb802d4928"
    );
}

// ---------------------------------------------------------------------------------------------
// Protobuf bytes (reference §7.1, cross-checked there with @waku/proto)

const PT: &str = "/waku/2/rs/16/32";
const JS_MESSAGE: &str = "0a0401020304121d2f77616b752f322f64656661756c742d636f6e74656e742f70726f746f1800508090fca3f4efc4d72ef80100";
const NWAKU_MESSAGE: &str = "0a0401020304121d2f77616b752f322f64656661756c742d636f6e74656e742f70726f746f1800508090fca3f4efc4d72e5a00aa0100f80100";

/// `{payload 01020304, CT, version 0, timestamp T, ephemeral false}` as js-waku writes it.
fn js_message() -> WakuMessage {
    WakuMessage {
        payload: vec![1, 2, 3, 4],
        content_topic: CONTENT.into(),
        version: Some(0),
        timestamp: Some(T),
        ephemeral: Some(false),
        ..Default::default()
    }
}

/// The same message as nwaku writes it: it also sends empty `meta` and `rate_limit_proof`.
fn nwaku_message() -> WakuMessage {
    WakuMessage {
        meta: Some(vec![]),
        rate_limit_proof: Some(vec![]),
        ..js_message()
    }
}

/// One row: a typed value, the exact bytes, and a decoder that must give the value back.
struct ProtoVector {
    name: &'static str,
    bytes: &'static str,
    encode: fn() -> Vec<u8>,
    round_trip: fn(&[u8]) -> Vec<u8>,
}

fn again<M: Message + Default>(bytes: &[u8]) -> Vec<u8> {
    M::decode(bytes).expect("vector decodes").encode_to_vec()
}

const PROTO_VECTORS: &[ProtoVector] = &[
    ProtoVector {
        name: "WakuMessage, js-waku style",
        bytes: JS_MESSAGE,
        encode: || js_message().encode_to_vec(),
        round_trip: again::<WakuMessage>,
    },
    ProtoVector {
        name: "WakuMessage, nwaku style",
        bytes: NWAKU_MESSAGE,
        encode: || nwaku_message().encode_to_vec(),
        round_trip: again::<WakuMessage>,
    },
    ProtoVector {
        name: "LightPushRequest v3",
        bytes: "0a057265712d31a201102f77616b752f322f72732f31362f3332aa01340a0401020304121d2f77616b752f322f64656661756c742d636f6e74656e742f70726f746f1800508090fca3f4efc4d72ef80100",
        encode: || {
            lp3::LightPushRequest {
                request_id: "req-1".into(),
                pubsub_topic: Some(PT.into()),
                message: Some(js_message()),
            }
            .encode_to_vec()
        },
        round_trip: again::<lp3::LightPushRequest>,
    },
    ProtoVector {
        name: "LightPushRequest v3, length-prefixed on the wire",
        bytes: "510a057265712d31a201102f77616b752f322f72732f31362f3332aa01340a0401020304121d2f77616b752f322f64656661756c742d636f6e74656e742f70726f746f1800508090fca3f4efc4d72ef80100",
        encode: || {
            lp3::LightPushRequest {
                request_id: "req-1".into(),
                pubsub_topic: Some(PT.into()),
                message: Some(js_message()),
            }
            .encode_length_delimited_to_vec()
        },
        round_trip: |b| {
            lp3::LightPushRequest::decode_length_delimited(b)
                .expect("decodes")
                .encode_length_delimited_to_vec()
        },
    },
    ProtoVector {
        name: "LightPushResponse v3",
        bytes: "0a057265712d3150c8016005",
        encode: || {
            lp3::LightPushResponse {
                request_id: "req-1".into(),
                status_code: 200,
                status_desc: None,
                relay_peer_count: Some(5),
            }
            .encode_to_vec()
        },
        round_trip: again::<lp3::LightPushResponse>,
    },
    ProtoVector {
        name: "PushRpc v2",
        bytes: "0a057265712d3112480a102f77616b752f322f72732f31362f333212340a0401020304121d2f77616b752f322f64656661756c742d636f6e74656e742f70726f746f1800508090fca3f4efc4d72ef80100",
        encode: || {
            lp2::PushRpc {
                request_id: "req-1".into(),
                request: Some(lp2::PushRequest {
                    pubsub_topic: PT.into(),
                    message: Some(js_message()),
                }),
                response: None,
            }
            .encode_to_vec()
        },
        round_trip: again::<lp2::PushRpc>,
    },
    ProtoVector {
        name: "FilterSubscribeRequest SUBSCRIBE",
        bytes: "0a057265712d31100152102f77616b752f322f72732f31362f33325a112f6170702f312f636861742f70726f746f",
        encode: || {
            FilterSubscribeRequest {
                request_id: "req-1".into(),
                filter_subscribe_type: filter_subscribe_request::FilterSubscribeType::Subscribe
                    as i32,
                pubsub_topic: Some(PT.into()),
                content_topics: vec!["/app/1/chat/proto".into()],
            }
            .encode_to_vec()
        },
        round_trip: again::<FilterSubscribeRequest>,
    },
    ProtoVector {
        name: "FilterSubscribeRequest PING, js-waku style",
        bytes: "0a057265712d325200",
        encode: || {
            FilterSubscribeRequest {
                request_id: "req-2".into(),
                filter_subscribe_type: 0,
                pubsub_topic: Some(String::new()),
                content_topics: vec![],
            }
            .encode_to_vec()
        },
        round_trip: again::<FilterSubscribeRequest>,
    },
    ProtoVector {
        name: "FilterSubscribeResponse 200",
        bytes: "0a057265712d3150c801",
        encode: || {
            FilterSubscribeResponse {
                request_id: "req-1".into(),
                status_code: 200,
                status_desc: None,
            }
            .encode_to_vec()
        },
        round_trip: again::<FilterSubscribeResponse>,
    },
    ProtoVector {
        name: "MessagePush from nwaku",
        bytes: "0a390a0401020304121d2f77616b752f322f64656661756c742d636f6e74656e742f70726f746f1800508090fca3f4efc4d72e5a00aa0100f8010012102f77616b752f322f72732f31362f3332",
        encode: || {
            MessagePush {
                waku_message: Some(nwaku_message()),
                pubsub_topic: Some(PT.into()),
            }
            .encode_to_vec()
        },
        round_trip: again::<MessagePush>,
    },
    ProtoVector {
        name: "StoreQueryRequest",
        bytes: "0a057265712d33100152102f77616b752f322f72732f31362f33325a112f6170702f312f636861742f70726f746f608090fca3f4efc4d72e6880f0b6a8b3f3c4d72ea00301a80314",
        encode: || {
            StoreQueryRequest {
                request_id: "req-3".into(),
                include_data: true,
                pubsub_topic: Some(PT.into()),
                content_topics: vec!["/app/1/chat/proto".into()],
                time_start: Some(T),
                time_end: Some(T + 60_000_000_000),
                message_hashes: vec![],
                pagination_cursor: None,
                pagination_forward: true,
                pagination_limit: Some(20),
            }
            .encode_to_vec()
        },
        round_trip: again::<StoreQueryRequest>,
    },
    ProtoVector {
        name: "WakuMetadataRequest from a light client",
        bytes: "0810",
        encode: || {
            WakuMetadataRequest {
                cluster_id: Some(16),
                shards: vec![],
                shards_packed: vec![],
            }
            .encode_to_vec()
        },
        round_trip: again::<WakuMetadataRequest>,
    },
    ProtoVector {
        name: "WakuMetadataResponse as nwaku writes it",
        bytes: "08101001102010401080011080021a0701204080018002",
        encode: || {
            WakuMetadataResponse {
                cluster_id: Some(16),
                shards: vec![1, 32, 64, 128, 256],
                shards_packed: vec![1, 32, 64, 128, 256],
            }
            .encode_to_vec()
        },
        round_trip: again::<WakuMetadataResponse>,
    },
    ProtoVector {
        name: "PeerExchangeRpc query",
        bytes: "0a02083c",
        encode: || {
            PeerExchangeRpc {
                query: Some(PeerExchangeQuery { num_peers: 60 }),
                response: None,
            }
            .encode_to_vec()
        },
        round_trip: again::<PeerExchangeRpc>,
    },
];

#[test]
fn protobuf_byte_vectors() {
    for v in PROTO_VECTORS {
        assert_eq!(hex::encode((v.encode)()), v.bytes, "encoding {}", v.name);
        assert_eq!(
            hex::encode((v.round_trip)(&unhex(v.bytes))),
            v.bytes,
            "decode + re-encode {}",
            v.name
        );
    }
}

#[test]
fn both_message_styles_decode_to_the_same_content() {
    let js = WakuMessage::decode_bounded(&unhex(JS_MESSAGE), MessageLimits::default()).unwrap();
    let nw = WakuMessage::decode_bounded(&unhex(NWAKU_MESSAGE), MessageLimits::default()).unwrap();
    assert_eq!(js.payload, nw.payload);
    assert_eq!(js.timestamp, Some(1_681_964_442_000_000_000));
    // An empty meta adds no bytes to the hash, so both styles name the same message.
    assert_eq!(js.hash(PT), nw.hash(PT));
}
