//! Writes `seeds/<target>/` (the committed starting corpus of each fuzz target) from the test
//! vectors in `crate/tests/`, then runs every seed, old and new, through its target once: a seed
//! that panics fails here, before any fuzzing.
//!
//! ```text
//! cargo +nightly run --release --manifest-path fuzz/Cargo.toml --example make_seeds
//! ```
//!
//! Seed files are named after what they hold. Files this program does not write (regression
//! inputs added by hand from crashes, named `regression-*`) are kept and checked too.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use futures::executor::block_on;
use futures::io::Cursor;
use hearth::net::write_frame;
use hearth::proto::status::application_metadata_message::Type as MessageType;
use hearth::proto::status::{EncryptedMessageProtocol, HrHeader, ProtocolMessage};
use hearth::proto::waku::{filter, lightpush, metadata, peer_exchange, store};
use hearth::status::envelope::{encode_application_message, encode_sds, seal_public_message};
use hearth::status::keys::{PrivateKey, PublicKey};
use hearth::status::payload::{encode_frame_with_padding, padding_len};
use hearth::status::segment::encode_segments_with_size;
use hearth::waku::WakuMessage;
use hearth_fuzz::TARGETS;
use hearth_fuzz::input::{USER_PRIV, VECTOR_COMMUNITY, Writer};
use prost::Message;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("vector hex")
}

// Vectors, verbatim from crate/tests (each names its source there).

/// waku_vectors.rs `JS_MESSAGE` / `NWAKU_MESSAGE`.
const JS_MESSAGE: &str = "0a0401020304121d2f77616b752f322f64656661756c742d636f6e74656e742f70726f746f1800508090fca3f4efc4d72ef80100";
const NWAKU_MESSAGE: &str = "0a0401020304121d2f77616b752f322f64656661756c742d636f6e74656e742f70726f746f1800508090fca3f4efc4d72e5a00aa0100f80100";
/// waku_vectors.rs: LightPushRequest v3, LightPushResponse v3.
const LP3_REQUEST: &str = "0a057265712d31a201102f77616b752f322f72732f31362f3332aa01340a0401020304121d2f77616b752f322f64656661756c742d636f6e74656e742f70726f746f1800508090fca3f4efc4d72ef80100";
const LP3_RESPONSE: &str = "0a057265712d3150c8016005";
/// status_payload.rs (wire §8.3): AMMs and sealed payloads.
const A_AMM: &str = "0a4136e583721eed25ff0f903cdb47478941903ce2c3e2c81fab012144b22aaa7c696e7a004111040fd8af7416b51e127753cf0e32050da1db78fd2edc33449c970a001283010880d095ffbc311080d095ffbc311a0568656c6c6f3268307830323966313936626266656634666136613565623831646438303231333361363334393833323534343563613161663164313534623162623435343239353531333333303830346561372d626436362d346435642d393165622d623264636665323531356233380540011801";
const A_PAYLOAD: &str = "09444dd5bec997effb1eaa5bf6ccb6a178e6319e76fe57ef3291aebb73e17130e82b993c8216d7836a1ff7df16a86e4e4679aac5be0cd008c1094fcff4a49ea7027779e8ee499e454060d81110abff5025e7b21d7826e04f5ab5b4543be0865225ced347117324e6aa5d1ecf2690838904608a2bd655d372061afcf4741efaa1cba5f43f57c155b76dbd6ad03c0cf716e17e2b3166191b4a101ed87d7df0b4f5d5b68139727de89f42750b71ad9228cedc08915c0ac3dceb64dc5622d239472ddfe5c053fdfac26b0b30163a7c18f8f572ea58c5bcd79f9481a354303be8b307a4bcf8e10e228333cf11935090d1a4b3c8df8c0bb97924e67a158e735b8aa6cac7bedad750112ab02afce0d8b6538666129247b205a071c533f7968d074735d7a810cb57951a8a28f5afa06971360dbcd35b6c288e07288e1db8f78fbca6706ef7e3f02216e15f829cd7d57690dfb29eb737c44fa3464bf744d6d5878463db10d93c8166b81eed2ab7c19a4caa390dfb1f60a570718dbd203a357ac94e5ac6207a3ee93535cf3964af6197dd22c5e04ad72af0bfbb97f041082a47b7e3e409aef5e5c41b73d2db78ad37dede28d9fcdee08cb3ea69562009ba09505a857d00b4d80bc94eb7fe819846cbf7a4c727699f9be03227ffa384f4b5db8ba291a6332dc159317cceea96c5244059d9b9c5527337d6ddad64e65e99fd401ea3df6253b09b7732ff1c33c522558a43d16e83403d000102030405060708090a0b";
const B_AMM: &str = "0a414dda6e0f8df91dd70d558ce0edc023a097b78aca97764f49e8c577c9719decce72ae504a9e2c91e8acd6942c89c8354de456338a20765ec302a416f81b9c3e610012300880e2cfaa06222102f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e2a05616c696365181b";
const B_PAYLOAD: &str = "0453ef960ce9bc2bf2aeacd151421ccb053975057c18121a5fc81654ae80d9c09396cfbbd1954229a6d426a7f2f47b06e88353bfe2da1fcc863982c3fe0ac7a876000102030405060708090a0b0c0d0e0f2f6fb793903e0f8e6c98f9b257acbd2bf92770030c4ef07e8b15c653465ad464165e57ed02a1ffb90612fbc182b6eb77945cf0be31011fe2ffd5f2a857107a046bca74be0fad3bbf7718a8f5cfaa33e458439ebf490f44d3c85b0b53d3f6e8698dc77ead385864b4323becc65b2ca5f600cc9b7e00cbd4e9398e3f6d41fa8d881124b2223496d14d633280944c04891af39ea8676bf28e51bbdea50c51bb52ffd845ab9d1d68f73c2601cf21a50b3d29fe50cbc742c0a7d8c694295716d0af906bcd97f3730f8553aba111a7721a95a8d06b0fd72a5eb7417e48eeaa47f57d26cb592a36a2ec9a786a6a9f20ef4e6af21189da705c6ef02edf7ba8f7e10a7816975c06e6d061b655a28c10c77010766f86f18267eea949b92c3e510935e6188b";
/// status_envelope.rs (wire §8.1): status-web's EMOJI_REACTION fixture.
const SW_SIGNATURE: &str = "fa84ea779f7c625dc56c6334baea8e6593b432be663ddbbd5f7c1d4a2b2e6a6c66ea4dd1828c5760d2220b733862df9a1eef17c5f3c4f83fa2146c54fa96e68100";
const SW_PAYLOAD: &str = "088af5929e94301268307830323966313936626266656634666136613565623831646438303231333361363334393833323534343563613161663164313534623162623435343239353531333333303830346561372d626436362d346435642d393165622d6232646366653235313562331a4230783561393163343630616164656333633736643038306236633732613230653135613333376637633062373761376330613565626135666139643464393162613820052802";
/// status_link.rs: keys and data.
const DOODLES: &str = "zQ3shYSHp7GoiXaauJMnDcjwU2yNjdzpXLosAWapPS4CFxc11";
const DOODLES_ID: &str = "0x02a3d2fdb9ac335917bf9d46b38d7496c00bbfadbaf832e8aa61d13ac2b4452084";
const MARK_COLE: &str = "zQ3shwQPhRuDJSjVGVBnTjCdgXy5i9WQaeVPdGJD6yTarJQSj";
const DOODLES_DATA: &str = "iyKACkQKB0Rvb2RsZXMSJ0NvbG9yaW5nIHRoZSB3b3JsZCB3aXRoIGpveSDigKIg4bSXIOKAohiYohsiByMxMzFEMkYqAwEhMwM=";
/// enr.rs: EIP-778's example record.
const EIP778_ENR: &str = "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8";
const PREVIEW_LINKS: &str = include_str!("../../crate/tests/vectors/preview-links.json");

type Seeds = BTreeMap<&'static str, Vec<(String, Vec<u8>)>>;

fn add(
    seeds: &mut Seeds,
    target: &'static str,
    name: impl Into<String>,
    bytes: impl Into<Vec<u8>>,
) {
    seeds
        .entry(target)
        .or_default()
        .push((name.into(), bytes.into()));
}

fn user() -> PrivateKey {
    PrivateKey::from_bytes(&unhex(USER_PRIV)).expect("vector key")
}

fn frame(data: &[u8]) -> Vec<u8> {
    encode_frame_with_padding(data, &vec![0x5a; padding_len(data.len())], &user())
        .expect("vector frame")
}

fn waku(seeds: &mut Seeds) {
    add(seeds, "waku_message", "js-waku", unhex(JS_MESSAGE));
    add(seeds, "waku_message", "nwaku", unhex(NWAKU_MESSAGE));
    let status = WakuMessage {
        payload: unhex(A_PAYLOAD),
        content_topic: "/waku/1/0xbbe4e0a9/rfc26".into(),
        version: Some(1),
        timestamp: Some(1_700_000_000_000_000_000),
        meta: Some(vec![1, 2, 3]),
        ephemeral: Some(false),
        ..WakuMessage::default()
    };
    add(
        seeds,
        "waku_message",
        "status-sealed",
        status.encode_to_vec(),
    );

    for t in [
        "/waku/2/rs/16/32",
        "/waku/2/rs/0/0",
        "/waku/2/rs/65535/1023",
    ] {
        add(seeds, "pubsub_topic", t.replace('/', "_"), t);
    }
    for (n, t) in [
        (8u16, "/toychat/2/huilong/proto"),
        (1024, "/waku/1/0xbbe4e0a9/rfc26"),
        (8, "/0/toychat/2/huilong/proto"),
        (8, "/1/toychat/2/huilong/proto"),
    ] {
        let mut w = Writer::default();
        w.u16(n).bytes(t.as_bytes());
        add(
            seeds,
            "content_topic",
            format!("{n}{}", t.replace('/', "_")),
            w.0,
        );
    }
    let hash = status.hash("/waku/2/rs/16/32");
    add(seeds, "message_hash", "display", hash.to_string());
    add(
        seeds,
        "message_hash",
        "bare-hex",
        hex::encode(hash.as_bytes()),
    );
    add(seeds, "message_hash", "bytes", hash.as_bytes().to_vec());

    let proto: Vec<(&str, Vec<u8>)> = vec![
        ("waku-message", unhex(JS_MESSAGE)),
        ("lightpush-v3-request", unhex(LP3_REQUEST)),
        ("lightpush-v3-response", unhex(LP3_RESPONSE)),
        (
            "lightpush-v2-rpc",
            lightpush::v2::PushRpc {
                request_id: "req-2".into(),
                request: Some(lightpush::v2::PushRequest {
                    pubsub_topic: "/waku/2/rs/16/32".into(),
                    message: Some(status.clone()),
                }),
                response: None,
            }
            .encode_to_vec(),
        ),
        (
            "filter-subscribe",
            filter::v2::FilterSubscribeRequest {
                request_id: "f-1".into(),
                filter_subscribe_type: 1,
                pubsub_topic: Some("/waku/2/rs/16/32".into()),
                content_topics: vec!["/waku/1/0xbbe4e0a9/rfc26".into()],
            }
            .encode_to_vec(),
        ),
        (
            "filter-push",
            filter::v2::MessagePush {
                waku_message: Some(status.clone()),
                pubsub_topic: Some("/waku/2/rs/16/32".into()),
            }
            .encode_to_vec(),
        ),
        (
            "store-request",
            store::v3::StoreQueryRequest {
                request_id: "s-1".into(),
                include_data: true,
                pubsub_topic: Some("/waku/2/rs/16/32".into()),
                content_topics: vec!["/waku/1/0xbbe4e0a9/rfc26".into()],
                time_start: Some(1),
                time_end: Some(2),
                pagination_limit: Some(20),
                pagination_forward: false,
                ..Default::default()
            }
            .encode_to_vec(),
        ),
        (
            "store-response",
            store::v3::StoreQueryResponse {
                request_id: "s-1".into(),
                status_code: Some(200),
                messages: vec![store::v3::WakuMessageKeyValue {
                    message_hash: Some(hash.as_bytes().to_vec()),
                    message: Some(status.clone()),
                    pubsub_topic: Some("/waku/2/rs/16/32".into()),
                }],
                pagination_cursor: Some(hash.as_bytes().to_vec()),
                ..Default::default()
            }
            .encode_to_vec(),
        ),
        (
            "metadata",
            metadata::v1::WakuMetadataResponse {
                cluster_id: Some(16),
                shards: vec![32, 64],
                ..Default::default()
            }
            .encode_to_vec(),
        ),
        (
            "peer-exchange",
            peer_exchange::v2::PeerExchangeRpc {
                query: Some(peer_exchange::v2::PeerExchangeQuery { num_peers: 5 }),
                response: Some(peer_exchange::v2::PeerExchangeResponse {
                    peer_infos: vec![peer_exchange::v2::PeerInfo {
                        enr: b"enr:-fake".to_vec(),
                    }],
                    ..Default::default()
                }),
            }
            .encode_to_vec(),
        ),
    ];
    let mut stream = Cursor::new(Vec::new());
    for (name, bytes) in &proto {
        block_on(write_frame(&mut stream, bytes)).expect("in memory");
        add(seeds, "waku_proto", *name, bytes.clone());
    }
    // frame_codec: limit 64 KiB, reads of 7 bytes, no failure; then limit 32, 1-byte reads, a
    // failure at byte 40.
    let mut w = Writer::default();
    w.u16(u16::MAX).u8(7).u16(0).bytes(stream.get_ref());
    add(seeds, "frame_codec", "all-protocols", w.0);
    let mut w = Writer::default();
    w.u16(32).u8(1).u16(40).bytes(stream.get_ref());
    add(seeds, "frame_codec", "small-limit-failing", w.0);
}

fn keys_and_payload(seeds: &mut Seeds) {
    let community = PublicKey::from_hex(VECTOR_COMMUNITY).expect("vector key");
    add(
        seeds,
        "public_key",
        "compressed",
        community.to_compressed().to_vec(),
    );
    add(
        seeds,
        "public_key",
        "uncompressed",
        community.to_uncompressed().to_vec(),
    );
    add(seeds, "public_key", "hex", community.to_compressed_hex());
    add(
        seeds,
        "public_key",
        "uncompressed-hex",
        community.to_uncompressed_hex(),
    );
    add(seeds, "public_key", "serialized", DOODLES);

    add(
        seeds,
        "recover_signature",
        "status-web-reaction",
        [unhex(SW_SIGNATURE), unhex(SW_PAYLOAD)].concat(),
    );
    let msg = b"hearth fuzz seed";
    add(
        seeds,
        "recover_signature",
        "signed",
        [user().sign_keccak(msg).to_vec(), msg.to_vec()].concat(),
    );

    let a_data = [unhex("b206cb01"), unhex(A_AMM)].concat();
    let a_frame = frame(&a_data);
    let b_frame = frame(&unhex(B_AMM));
    add(seeds, "payload_frame", "vector-a", a_frame.clone());
    add(seeds, "payload_frame", "vector-b", b_frame.clone());
    add(
        seeds,
        "payload_symmetric",
        "vector-a-sealed",
        unhex(A_PAYLOAD),
    );
    add(
        seeds,
        "payload_symmetric",
        "vector-a-frame",
        a_frame.clone(),
    );
    add(
        seeds,
        "payload_asymmetric",
        "vector-b-sealed",
        unhex(B_PAYLOAD),
    );
    add(seeds, "payload_asymmetric", "vector-b-frame", b_frame);
}

fn segments(seeds: &mut Seeds) {
    // 10 data pieces of 10 bytes (the last 5), 1 parity piece.
    let payload: Vec<u8> = (0..95u8).collect();
    let pieces = encode_segments_with_size(&payload, 10).expect("segments");
    assert_eq!(pieces.len(), 11);
    add(seeds, "segment_decode", "data-0", pieces[0].clone());
    add(seeds, "segment_decode", "data-last", pieces[9].clone());
    add(seeds, "segment_decode", "parity", pieces[10].clone());

    // Default limits; the own message is the one above, one piece dropped; then a flood that
    // pushes its pieces, raw segments and hand-built ones.
    let mut w = Writer::default();
    w.u8(0).u8(9).chunk16(&payload).u8(1).u8(3).u8(5);
    for i in 0..11 {
        w.u8(1).u8(1).u8(i);
    }
    w.u8(0).u8(2).chunk16(&pieces[4]);
    w.u8(2)
        .u8(3)
        .u8(1)
        .u16(0)
        .u16(3)
        .u8(0)
        .u8(10)
        .u8(0xaa)
        .u16(30);
    w.u8(3 | 0x80).u8(255);
    add(seeds, "segment_buffer", "default-limits", w.0);

    // Small limits: 2 partial messages, 8 segments, 64 bytes, 500 ms, 1 completed.
    let mut w = Writer::default();
    w.u8(1).u8(2).u8(8).u16(64).u16(500).u8(1);
    w.u8(3).chunk16(&payload[..40]).u8(0).u8(0);
    for i in 0..40u8 {
        // Hand-built data pieces of four messages, interleaved, from three signers.
        w.u8(2 | ((i % 3) << 2))
            .u8(50)
            .u8(i % 4)
            .u16(u16::from(i % 5))
            .u16(5)
            .u8(0)
            .u8(16)
            .u8(i)
            .u16(0);
    }
    add(seeds, "segment_buffer", "small-limits-flood", w.0);
}

fn envelopes(seeds: &mut Seeds) {
    let a_amm = unhex(A_AMM);
    let public = [unhex("b206cb01"), a_amm.clone()].concat();
    let sds = encode_sds(&a_amm, b"0xabc", b"channel", 42).expect("sds");
    let hr_plain = ProtocolMessage {
        encrypted_message: [(
            "none".to_string(),
            EncryptedMessageProtocol {
                payload: a_amm.clone(),
                hr_header: Some(HrHeader {
                    seq_no: 0,
                    group_id: b"group".to_vec(),
                    key_id: b"key".to_vec(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )]
        .into(),
        ..Default::default()
    }
    .encode_to_vec();
    let hr_encrypted = ProtocolMessage {
        encrypted_message: [
            (
                "none".to_string(),
                EncryptedMessageProtocol {
                    payload: b"ciphertext".to_vec(),
                    hr_header: Some(HrHeader {
                        seq_no: 7,
                        group_id: b"group".to_vec(),
                        key_id: b"key".to_vec(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ),
            ("device-2".to_string(), EncryptedMessageProtocol::default()),
        ]
        .into(),
        ..Default::default()
    }
    .encode_to_vec();
    let public_sds = seal_public_message(b"x", MessageType::ChatMessage, &user());

    add(seeds, "protocol_message", "public", public.clone());
    add(
        seeds,
        "protocol_message",
        "hash-ratchet-plaintext",
        hr_plain.clone(),
    );
    add(
        seeds,
        "protocol_message",
        "hash-ratchet-encrypted",
        hr_encrypted.clone(),
    );
    add(seeds, "sds", "wrapped-amm", sds.clone());
    add(seeds, "sds", "bare-amm", a_amm.clone());
    add(seeds, "application_message", "vector-a", a_amm.clone());
    add(seeds, "application_message", "vector-b", unhex(B_AMM));
    add(
        seeds,
        "application_message",
        "signed-reaction",
        encode_application_message(&unhex(SW_PAYLOAD), MessageType::EmojiReaction, &user()).bytes,
    );
    add(seeds, "envelope_open", "bare", a_amm.clone());
    add(seeds, "envelope_open", "public", public);
    add(
        seeds,
        "envelope_open",
        "public-sds",
        [
            unhex("b206"),
            {
                let mut len = Vec::new();
                prost::encoding::encode_varint(sds.len() as u64, &mut len);
                len
            },
            sds,
        ]
        .concat(),
    );
    add(seeds, "envelope_open", "hash-ratchet-plaintext", hr_plain);
    add(
        seeds,
        "envelope_open",
        "hash-ratchet-encrypted",
        hr_encrypted,
    );
    add(seeds, "envelope_open", "sealed", public_sds.bytes);
}

fn links(seeds: &mut Seeds) {
    let json: serde_json::Value = serde_json::from_str(PREVIEW_LINKS).expect("vectors json");
    for (i, v) in json.as_array().expect("array").iter().enumerate() {
        let Some(url) = v.get("url").and_then(|u| u.as_str()) else {
            continue;
        };
        let kind = v.get("type").and_then(|t| t.as_str()).unwrap_or("x");
        add(seeds, "preview_link", format!("json-{i:02}-{kind}"), url);
        // The data part, raw (mode 0), for link_data.
        let path = url.split('#').next().unwrap_or(url);
        let data = path.rsplit('/').next().unwrap_or(path);
        if !data.is_empty() && !data.contains(':') && data != "c" && data != "u" && data != "cc" {
            add(
                seeds,
                "link_data",
                format!("json-{i:02}-{kind}"),
                [&[0u8][..], data.as_bytes()].concat(),
            );
        }
        if let Some(content) = v.get("url_data_hex").and_then(|h| h.as_str()) {
            // URLData bytes, compressed by the target with quality 9, window 2^22, padded base64
            // (mode 0x9d).
            add(
                seeds,
                "link_data",
                format!("json-{i:02}-{kind}-content"),
                [&[0x9du8][..], &unhex(content)].concat(),
            );
        }
    }
    let uuid = "003cdcd5-e065-48f9-b166-b1a94ac75a11";
    for (name, url) in [
        (
            "status-app-c-data",
            format!("status-app://c/{DOODLES_DATA}#{DOODLES}"),
        ),
        ("status-app-c", format!("status-app://c#{DOODLES}")),
        (
            "join-c-id",
            format!("https://join.status.im/c/{DOODLES_ID}"),
        ),
        (
            "join-c-shard",
            format!("https://join.status.im/c/{DOODLES_ID}/16/32"),
        ),
        ("status-im-c", format!("status-im://c/{DOODLES_ID}")),
        ("status-app-old-c", format!("status-app://c/{DOODLES_ID}")),
        ("status-app-cc", format!("status-app://cc/{uuid}#{DOODLES}")),
        (
            "join-cc",
            format!("https://join.status.im/cc/{DOODLES_ID}{uuid}"),
        ),
        ("join-u", format!("https://join.status.im/u/{MARK_COLE}")),
        ("status-im-u-short", format!("status-im:u/{MARK_COLE}")),
        ("join-u-ens", "https://join.status.im/u/alice.eth".into()),
        ("join-u-bare", "https://join.status.im/u/alice".into()),
        ("u-ens", "https://status.app/u#Alice.eth".into()),
        (
            "percent",
            format!(
                "https://www.status.app/c/{}%23{DOODLES}?utm=x",
                DOODLES_DATA.replace('=', "%3D")
            ),
        ),
        ("hex-key", format!("https://status.app/c#{DOODLES_ID}")),
    ] {
        add(seeds, "preview_link", name, url);
    }

    // link_build: community with hint, channel with hint, user by ENS.
    let mut w = Writer::default();
    w.u8(4)
        .u8((6 << 2) | 1)
        .bytes(b"hearth")
        .u8((5 << 2) | 1)
        .bytes(b"fuzzy")
        .u32(1234)
        .u8(1)
        .u32(0x4360df)
        .u8(2)
        .u8(1)
        .u8(33);
    add(seeds, "link_build", "community-hint", w.0);
    let mut w = Writer::default();
    w.u8(4 | 1).u8(0).bytes(&[0x11; 16]);
    w.u8((7 << 2) | 1)
        .bytes(b"general")
        .u8((4 << 2) | 1)
        .bytes(b"chat")
        .u8(1)
        .u8(1)
        .u32(0xeab700);
    w.u8((6 << 2) | 1).bytes(b"hearth").u8(0).u32(0).u8(0).u8(0);
    add(seeds, "link_build", "channel-hint", w.0);
    let mut w = Writer::default();
    w.u8(2).u8(1).u8((5 << 2) | 1).bytes(b"alice");
    add(seeds, "link_build", "user-ens", w.0);
    for (name, bytes) in &seeds["link_build"] {
        let url = hearth_fuzz::link::build_link(bytes);
        assert!(url.is_some(), "link_build seed {name} builds no link");
        println!("link_build seed {name}: {}", url.unwrap_or_default());
    }
}

/// status_envelope.rs (wire §8.3 (a)): the ChatMessage inside `A_AMM`.
const CHAT_PAYLOAD: &str = "0880d095ffbc311080d095ffbc311a0568656c6c6f3268307830323966313936626266656634666136613565623831646438303231333361363334393833323534343563613161663164313534623162623435343239353531333333303830346561372d626436362d346435642d393165622d62326463666532353135623338054001";
const MESSAGE_ID: &str = "0x5a91c460aadec3c76d080b6c72a20e15a337f7c0b77a7c0a5eba5fa9d4d91ba8";
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];

/// A description of community `public(1)` with a category, two channels (one in it), two
/// members, tags and a PNG thumbnail; `id` empty (the signer's) or the community's id.
fn description(id: &str, owner_token: bool) -> Vec<u8> {
    use hearth::proto::status as w;
    let perms = |access| {
        Some(w::CommunityPermissions {
            access,
            ..Default::default()
        })
    };
    let identity = |name: &str| {
        Some(w::ChatIdentity {
            display_name: name.into(),
            description: format!("{name} description"),
            color: "#4360df".into(),
            emoji: "🎨".into(),
            ..Default::default()
        })
    };
    let member = hearth_fuzz::input::public(0).to_uncompressed_hex();
    let mut d = w::CommunityDescription {
        clock: hearth_fuzz::typed::NOW_MS,
        id: id.into(),
        permissions: perms(1),
        identity: identity("hearth").map(|mut i| {
            i.images.insert(
                "thumbnail".into(),
                w::IdentityImage {
                    payload: PNG.to_vec(),
                    ..Default::default()
                },
            );
            i
        }),
        tags: vec!["Art".into(), "Art".into(), "Nope".into(), "Web3".into()],
        members: [
            (
                member.clone(),
                w::CommunityMember {
                    roles: vec![1],
                    ..Default::default()
                },
            ),
            (
                hearth_fuzz::input::public(2).to_uncompressed_hex(),
                w::CommunityMember::default(),
            ),
        ]
        .into(),
        categories: [(
            "cat-1".to_string(),
            w::CommunityCategory {
                category_id: "cat-1".into(),
                name: "Talk".into(),
                position: 0,
            },
        )]
        .into(),
        chats: [
            (
                "30804ea7-bd66-4d5d-91eb-b2dcfe2515b3".to_string(),
                w::CommunityChat {
                    permissions: perms(1),
                    identity: identity("general"),
                    category_id: "cat-1".into(),
                    members: [(member, w::CommunityMember::default())].into(),
                    ..Default::default()
                },
            ),
            (
                "003cdcd5-e065-48f9-b166-b1a94ac75a11".to_string(),
                w::CommunityChat {
                    permissions: perms(1),
                    identity: identity("random"),
                    position: 1,
                    ..Default::default()
                },
            ),
        ]
        .into(),
        active_members_count: 2,
        ..Default::default()
    };
    if owner_token {
        d.token_permissions.insert(
            "owner".into(),
            w::CommunityTokenPermission {
                id: "owner".into(),
                // BECOME_TOKEN_OWNER
                r#type: 6,
                token_criteria: vec![w::TokenCriteria {
                    contract_addresses: [(10u64, "0xabc".to_string())].into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        );
    }
    d.encode_to_vec()
}

fn typed(seeds: &mut Seeds) {
    use hearth::status::chat::{
        ChatMessage, DeleteMessage, EditMessage, EmojiReaction, MessageType as ChatType,
        PinMessage, ReactionKind,
    };
    use hearth_fuzz::typed::{NOW_MS, chat_id};

    let mut hello = ChatMessage::text(chat_id(), "hello **world**", NOW_MS, NOW_MS);
    let mut reply = hello.clone();
    reply.response_to = Some(MESSAGE_ID.into());
    reply.display_name = Some("alice_01".into());
    let reaction = EmojiReaction {
        clock: NOW_MS,
        chat_id: chat_id(),
        message_id: MESSAGE_ID.into(),
        message_type: ChatType::CommunityChat,
        kind: ReactionKind::Love,
        emoji: "❤️".into(),
        retracted: false,
    };
    let edit = EditMessage {
        clock: NOW_MS,
        chat_id: chat_id(),
        message_id: MESSAGE_ID.into(),
        text: "hello again".into(),
        message_type: ChatType::CommunityChat,
        content_type: hello.content_type,
        unfurled_links: Vec::new(),
        unfurled_status_links: Vec::new(),
    };
    let delete = DeleteMessage {
        clock: NOW_MS,
        chat_id: chat_id(),
        message_id: MESSAGE_ID.into(),
        message_type: ChatType::CommunityChat,
        deleted_by: None,
    };
    let pin = PinMessage {
        clock: NOW_MS,
        chat_id: chat_id(),
        message_id: MESSAGE_ID.into(),
        pinned: true,
        message_type: ChatType::CommunityChat,
    };
    add(seeds, "chat_message", "vector-a-chat", unhex(CHAT_PAYLOAD));
    add(
        seeds,
        "chat_message",
        "status-web-reaction",
        unhex(SW_PAYLOAD),
    );
    add(seeds, "chat_message", "text", hello.encode());
    add(seeds, "chat_message", "reply", reply.encode());
    add(seeds, "chat_message", "reaction", reaction.encode());
    add(seeds, "chat_message", "edit", edit.encode());
    add(seeds, "chat_message", "delete", delete.encode());
    add(seeds, "chat_message", "pin", pin.encode());

    let community = hearth_fuzz::input::public(1);
    for (name, head, payload) in [
        ("self-signed", 1u8, description("", false)),
        (
            "expected",
            1 | (2 << 2),
            description(&community.to_compressed_hex(), false),
        ),
        (
            "forged",
            2 | (2 << 2),
            description(&community.to_compressed_hex(), false),
        ),
        ("owner-token", 2 << 2, description("", true)),
    ] {
        let mut w = Writer::default();
        w.u8(head).u64(u64::MAX).bytes(&payload);
        add(seeds, "community_description", name, w.0);
    }

    // status_codec: head (build | community topic 4 | signer << 3 | timestamp choice << 5), AMM
    // type, u64 timestamp, chunk16 bytes.
    let raw = WakuMessage {
        payload: unhex(A_PAYLOAD),
        content_topic: hearth::status::keys::content_topic(&chat_id()).to_string(),
        version: Some(1),
        timestamp: Some(1_700_000_000_000_000_000),
        ..WakuMessage::default()
    };
    let mut w = Writer::default();
    w.u8(0).u8(0).u64(0).chunk16(&raw.encode_to_vec());
    add(seeds, "status_codec", "vector-a-raw", w.0);
    let mut w = Writer::default();
    w.u8(2)
        .u8(MessageType::ChatMessage as u8)
        .u64(0)
        .chunk16(&hello.encode());
    w.u8(3)
        .u8(MessageType::EmojiReaction as u8)
        .u64(0)
        .chunk16(&reaction.encode());
    w.u8(2 | (1 << 3))
        .u8(MessageType::EditMessage as u8)
        .u64(0)
        .chunk16(&edit.encode());
    w.u8(2 | (2 << 3))
        .u8(MessageType::DeleteMessage as u8)
        .u64(0)
        .chunk16(&delete.encode());
    w.u8(2 | (1 << 3))
        .u8(MessageType::PinMessage as u8)
        .u64(0)
        .chunk16(&pin.encode());
    add(seeds, "status_codec", "typed-chat", w.0);
    let mut w = Writer::default();
    w.u8(2 | 4 | (1 << 3))
        .u8(MessageType::CommunityDescription as u8)
        .u64(0)
        .chunk16(&description("", false));
    w.u8(2 | 4 | (2 << 3))
        .u8(MessageType::CommunityDescription as u8)
        .u64(0)
        .chunk16(&description("", false));
    add(seeds, "status_codec", "typed-description", w.0);
    // A chat message cut into 64-byte segments (with parity), each sealed as RFC-26 data.
    hello.text = "segmented ".repeat(60);
    let sealed = seal_public_message(&hello.encode(), MessageType::ChatMessage, &user());
    let pieces = encode_segments_with_size(&sealed.bytes, 64).expect("segments");
    assert!(pieces.len() > 8);
    let mut w = Writer::default();
    for piece in pieces.iter().rev() {
        w.u8(1).u8(0).u64(0).chunk16(piece);
    }
    add(seeds, "status_codec", "segmented", w.0);
}

/// dns_discovery.rs: EIP-1459's example zone (root, link, branch, leaf).
const EIP1459_RECORDS: [(&str, &str); 4] = [
    ("root", "enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=o908WmNp7LibOfPsr4btQwatZJ5URBr2ZAuxvK4UWHlsB9sUOTJQaGAlLPVAhM__XJesCHxLISo94z5Z2a463gA"),
    ("link", "enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@morenodes.example.org"),
    ("branch", "enrtree-branch:2XS2367YHAXJFGLZHVAWLQD4ZY,H4FHT4B454P6UXFD7JCYQ5PWDY,MHTDO6TMUBRIA2XWG5LUDACK24"),
    ("leaf", "enr:-HW4QOFzoVLaFJnNhbgMoDXPnOvcdVuj7pDpqRvh6BRDO68aVi5ZcjB3vzQRZH2IcLBGHzo8uUN3snqmgTiE56CH3AMBgmlkgnY0iXNlY3AyNTZrMaECC2_24YYkYHEgdzxlSNKQEnHhuNAbNlMlWJxrJxbAFvA"),
];

fn client_and_dns(seeds: &mut Seeds) {
    use hearth::protocols::{metadata as md, peer_exchange as px};
    let tagged = |tag: u8, bytes: Vec<u8>| [vec![tag], bytes].concat();
    add(seeds, "client_answers", "lightpush-v3", tagged(0, unhex(LP3_RESPONSE)));
    add(seeds, "client_answers", "metadata", tagged(5, md::encode_response(16, &[32, 64])));
    let record = hearth::waku::enr::Enr::from_base64(EIP778_ENR).expect("EIP-778 record");
    let answer = peer_exchange::v2::PeerExchangeRpc {
        query: None,
        response: Some(peer_exchange::v2::PeerExchangeResponse {
            peer_infos: vec![peer_exchange::v2::PeerInfo {
                enr: record.as_bytes().to_vec(),
            }],
            status_code: Some(px::StatusCode::Success.code()),
            status_desc: None,
        }),
    };
    add(seeds, "client_answers", "peer-exchange", tagged(6, answer.encode_to_vec()));
    for (name, text) in EIP1459_RECORDS {
        add(seeds, "dns_records", name, text);
    }
    let doh = format!(
        "{{\"Status\":0,\"Answer\":[{{\"name\":\"nodes.example.org.\",\"type\":16,\"data\":\"\\\"{}\\\"\"}}]}}",
        EIP1459_RECORDS[0].1
    );
    add(seeds, "dns_records", "doh-json", doh);
}

fn enrs(seeds: &mut Seeds) {
    add(seeds, "enr_decode", "eip778-text", EIP778_ENR);
    let record = hearth::waku::enr::Enr::from_base64(EIP778_ENR).expect("EIP-778 record");
    add(seeds, "enr_decode", "eip778-rlp", record.as_bytes().to_vec());
}

/// Stored records as the storage layer writes them, and one from a newer schema.
fn storage(seeds: &mut Seeds) {
    let t = "storage_records";
    add(
        seeds,
        t,
        "message",
        r#"{"v":1,"id":"0x01","community":"0x02aa","chat_id":"0x02aachan","author":"0x04aa","clock":5,"timestamp_ms":5,"hash":"0xhh","body":{"kind":"chat","text":"hi","content_type":1,"response_to":null,"display_name":null,"image":null}}"#,
    );
    add(
        seeds,
        t,
        "reaction",
        r#"{"v":1,"id":"0x02","community":"0x02aa","chat_id":"0x02aachan","author":"0x04aa","clock":6,"timestamp_ms":6,"hash":"0xh2","body":{"kind":"reaction","target":"0x01","emoji":"👍","retracted":false}}"#,
    );
    add(
        seeds,
        t,
        "community",
        r#"{"v":1,"id":"0x02aa","clock":9,"pubsub_topic":"/waku/2/rs/16/32","waku_message":[10,2,1,2],"opened_ms":0}"#,
    );
    add(seeds, t, "sync", r#"{"v":1,"content_topic":"/waku/1/0x01020304/rfc26","complete_until_ns":1}"#);
    add(seeds, t, "newer", r#"{"v":99,"name":"identity","data":[]}"#);
}

/// Phrases (BIP39 vectors, nim-status), their entropy, hex keys, EIP-55 addresses and Status's
/// derivation paths, as `crate/tests/identity.rs` uses them.
fn identity(seeds: &mut Seeds) {
    let t = "identity_input";
    let abandon = ["abandon"; 11].join(" ") + " about";
    add(seeds, t, "phrase-12", abandon);
    add(
        seeds,
        t,
        "phrase-24-messy",
        "  Panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich\n \
         alcohol speed nation flash devote level hobby quick inner drive ghost inside ",
    );
    add(seeds, t, "phrase-bad-checksum", ["zoo"; 12].join(" "));
    add(seeds, t, "entropy-16", vec![0x7f; 16]);
    add(
        seeds,
        t,
        "entropy-32",
        unhex("9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863"),
    );
    add(
        seeds,
        t,
        "hex-key",
        "0x38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981c2",
    );
    add(
        seeds,
        t,
        "address-eip55",
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
    );
    add(seeds, t, "path-chat", "m/43'/60'/1581'/0'/0");
    add(seeds, t, "path-wallet", "m/44'/60'/0'/0/0");
    add(seeds, t, "path-bip32-tv2", "m/0/2147483647h/1/2147483646H/2");
}

/// A small archive set as the node writes it: index, archive, torrent, magnet link, link payload.
/// Layout: mode byte, 8-byte little-endian data length, then the bytes.
fn history(seeds: &mut Seeds) {
    use hearth::history::{
        Archive, ArchiveIndex, ArchiveLinkMessage, ArchivedMessage, MagnetLink, PIECE_LENGTH,
        Torrent, TorrentInfo,
    };
    let t = "history_formats";
    let framed = |data_len: u64, bytes: &[u8]| {
        let mut v = vec![0u8];
        v.extend_from_slice(&data_len.to_le_bytes());
        v.extend_from_slice(bytes);
        v
    };
    let key = hearth::status::keys::PrivateKey::from_bytes(&[5; 32]).expect("key");
    let msg = ArchivedMessage {
        signer: key.public_key(),
        timestamp_s: 1_700_000_000,
        topic: [1, 2, 3, 4],
        payload: b"payload".to_vec(),
        padding: vec![0; 4],
        hash: vec![7; 32],
        third_party_id: String::new(),
    };
    let mut index = ArchiveIndex::default();
    let data = index.append_window(1_699_999_000, 1_700_604_800, &[[1, 2, 3, 4]], vec![msg.clone()]);
    let index_bytes = index.encode();
    add(seeds, t, "index", framed(data.len() as u64, &index_bytes));
    let archive = Archive {
        from: 1,
        to: 2,
        content_topics: vec![[1, 2, 3, 4]],
        messages: vec![msg],
    };
    add(seeds, t, "archive", framed(0, &archive.encode()));
    let info = TorrentInfo::build("0x02aa", PIECE_LENGTH, &[("data", &data), ("index", &index_bytes)]);
    let torrent = Torrent::new(info, vec![vec!["udp://t.example:1/announce".into()]], vec!["http://h/a/".into()]);
    add(seeds, t, "torrent", framed(0, &torrent.to_bytes()));
    let magnet = MagnetLink {
        info_hash: torrent.info_hash,
        display_name: Some("0x02aa".into()),
        exact_source: Some("http://h/a/0x02aa.torrent".into()),
        web_seeds: vec!["http://h/a/".into()],
        trackers: vec![],
    };
    add(seeds, t, "magnet", framed(0, magnet.to_string().as_bytes()));
    let link = ArchiveLinkMessage { clock: 9, link: magnet.to_string() };
    add(seeds, t, "link", framed(0, &link.encode()));
    add(seeds, t, "bencode", framed(0, b"d3:cow3:moo4:spaml1:a1:bee"));
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut seeds = Seeds::new();
    waku(&mut seeds);
    keys_and_payload(&mut seeds);
    segments(&mut seeds);
    envelopes(&mut seeds);
    links(&mut seeds);
    typed(&mut seeds);
    enrs(&mut seeds);
    client_and_dns(&mut seeds);
    identity(&mut seeds);
    storage(&mut seeds);
    history(&mut seeds);

    for (target, list) in &seeds {
        assert!(
            TARGETS.iter().any(|(t, _)| t == target),
            "seeds for unknown target {target}"
        );
        let dir = root.join(target);
        fs::create_dir_all(&dir).expect("seed dir");
        for (name, bytes) in list {
            fs::write(dir.join(name), bytes).expect("write seed");
        }
    }
    let mut total = 0;
    for (target, run) in TARGETS {
        let dir = root.join(target);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        if files.is_empty() {
            eprintln!("make_seeds: no seeds for {target}");
        }
        for f in &files {
            let bytes = fs::read(f).expect("read seed");
            run(&bytes);
        }
        total += files.len();
        println!("{target:22} {} seeds", files.len());
    }
    println!(
        "make_seeds: {total} seeds under {}, each run once through its target",
        root.display()
    );
}
