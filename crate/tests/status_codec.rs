//! The one-call codecs (`status::codec`) over every layer, with the typed chat messages and verified
//! community descriptions they produce: the vectors of `shared/reference/status-wire.md` §8 that
//! concern chat messages, descriptions and the full stack (verbatim, each row naming its source),
//! round trips through `encode_chat_message`, and bad input at every layer. The same file runs
//! natively (`cargo test`) and in headless Chromium (`cargo test --target wasm32-unknown-unknown`).
//!
//! `wire` below is `shared/reference/status-wire.md`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use hearth::proto::status as wire_pb;
use hearth::proto::status::application_metadata_message::Type as AmmType;
use hearth::status::chat::{
    ChatContent, ChatError, ChatMessage, ContentType, MAX_CLOCK_DRIFT_MS, MessageType, ReactionKind,
};
use hearth::status::codec::{
    ChatKey, Keys, Pending, StatusError, StatusEvent, decode_status_message,
    decode_status_message_buffered, encode_chat_message,
};
use hearth::status::community::{
    CommunityError, DescriptionCheck, ImageMime, MAX_DESCRIPTION_CLOCK_DRIFT_MS, PermissionKind,
};
use hearth::status::envelope::{self, EncryptionScheme, EnvelopeError, Wrapping};
use hearth::status::keys::{
    KeyError, PrivateKey, PublicKey, SymmetricKey, community_id, content_topic,
    member_update_chat_id,
};
use hearth::status::payload::{self, PayloadError};
use hearth::status::segment::{SEGMENT_SIZE, SegmentBuffer, SegmentError};
use hearth::waku::WakuMessage;
use prost::Message;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("vector hex")
}

fn private(s: &str) -> PrivateKey {
    PrivateKey::from_bytes(&unhex(s)).expect("vector key")
}

fn public(s: &str) -> PublicKey {
    PublicKey::from_hex(s).expect("vector key")
}

/// 2023-11-14T22:13:20Z: the clock of the wire §8.3 (a) message, as a Waku timestamp (ns).
const T_NS: i64 = 1_700_000_000_000_000_000;
const T_MS: u64 = 1_700_000_000_000;

// ---------------------------------------------------------------------------------------------
// Keys from the reference

/// keccak256("status-wire-doc test user key"), wire §8.3.
const USER_PRIVATE: &str = "e61784ba962bbcb77b4bf9b0f7fd41fca1a005fc1a9dc800a3a1c7812f06b132";
const USER_PUBLIC: &str = "049009ab5f188f9554fcfa648a5dba8c1f99afd93702854152f7c8bfc1606228bd63b9c87869b379fb8e4a2f78241a06d9283147643f24d581b263df43e3876274";
/// keccak256("status-wire-doc test community key"), wire §8.3 (b).
const TEST_COMMUNITY_PRIVATE: &str =
    "8e43ef7ff697491a62844ac826a0fc250de5eca4f1ec00909efd899f2bbe36de";
const TEST_COMMUNITY_ID: &str =
    "0x02f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e";
/// The community of status-web's fixtures, wire §8.1 / §8.2.
const SW_COMMUNITY_ID: &str =
    "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133";

struct TopicKeyVector {
    source: &'static str,
    chat_id: &'static str,
    topic: &'static str,
    /// Empty when the source gives no key for the chat id.
    key: &'static str,
}

/// The chat ids this module's codecs use: description topics and the channel topics (universal
/// and legacy per-channel).
const TOPIC_KEY_VECTORS: &[TopicKeyVector] = &[
    TopicKeyVector {
        source: "wire §8.2, community 0x029f196b…, IDString (descriptions)",
        chat_id: SW_COMMUNITY_ID,
        topic: "/waku/1/0x35cd47c5/rfc26",
        key: "1468a81fa24eae20e6df4fa6882b8df7a681358b8f7547be52cc83286d7b336f",
    },
    TopicKeyVector {
        source: "wire §8.2, community 0x029f196b…, IDString-memberUpdate (channel traffic)",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-memberUpdate",
        topic: "/waku/1/0xe64ef685/rfc26",
        key: "9008b184483b614aa34465b28fd78473bb97bbf49de9f9003ec328d5a74de0c3",
    },
    TopicKeyVector {
        source: "wire §8.1 (status-web generate-key-from-password.test.ts) + §8.2, legacy \
                 per-channel chat id",
        chat_id: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f41dc14fd8-9a8b-4df5-a358-2c3067be5439",
        topic: "/waku/1/0xc078ec6f/rfc26",
        key: "76ff5bf0a74a8e724367c7fc003f066d477641f468768a8da2817addf5c2ce76",
    },
    TopicKeyVector {
        source: "wire §8.3 (b), test community: description topic",
        chat_id: TEST_COMMUNITY_ID,
        topic: "/waku/1/0x866ab689/rfc26",
        key: "",
    },
    TopicKeyVector {
        source: "wire §8.3 (b), test community: universal topic",
        chat_id: "0x02f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e-memberUpdate",
        topic: "/waku/1/0x6dd5583c/rfc26",
        key: "",
    },
];

#[test]
fn chat_keys_carry_the_reference_topics_and_keys() {
    for v in TOPIC_KEY_VECTORS {
        if v.key.is_empty() {
            assert_eq!(
                content_topic(v.chat_id).to_string(),
                v.topic,
                "{}",
                v.source
            );
            continue;
        }
        let k = ChatKey::derive(v.chat_id);
        assert_eq!(k.chat_id(), v.chat_id, "{}", v.source);
        assert_eq!(k.content_topic(), v.topic, "{}", v.source);
        assert_eq!(hex::encode(k.key().as_bytes()), v.key, "{}", v.source);
    }
}

// ---------------------------------------------------------------------------------------------
// Full-stack vectors (wire §8.3)

struct ChatVector {
    source: &'static str,
    /// WakuMessage.payload, verbatim.
    payload: &'static str,
    topic: &'static str,
    key: &'static str,
    /// The ChatMessage the AMM carries, verbatim.
    chat_payload: &'static str,
    id: &'static str,
    signer: &'static str,
    frame_signer: &'static str,
    clock: u64,
    text: &'static str,
    chat_id: &'static str,
}

const CHAT_VECTORS: &[ChatVector] = &[ChatVector {
    source: "wire §8.3 (a), unencrypted channel message on the universal topic (computed in the \
             reference; checked against js-waku in tests/interop/payload.test.mjs)",
    payload: "09444dd5bec997effb1eaa5bf6ccb6a178e6319e76fe57ef3291aebb73e17130e82b993c8216d7836a1ff7df16a86e4e4679aac5be0cd008c1094fcff4a49ea7027779e8ee499e454060d81110abff5025e7b21d7826e04f5ab5b4543be0865225ced347117324e6aa5d1ecf2690838904608a2bd655d372061afcf4741efaa1cba5f43f57c155b76dbd6ad03c0cf716e17e2b3166191b4a101ed87d7df0b4f5d5b68139727de89f42750b71ad9228cedc08915c0ac3dceb64dc5622d239472ddfe5c053fdfac26b0b30163a7c18f8f572ea58c5bcd79f9481a354303be8b307a4bcf8e10e228333cf11935090d1a4b3c8df8c0bb97924e67a158e735b8aa6cac7bedad750112ab02afce0d8b6538666129247b205a071c533f7968d074735d7a810cb57951a8a28f5afa06971360dbcd35b6c288e07288e1db8f78fbca6706ef7e3f02216e15f829cd7d57690dfb29eb737c44fa3464bf744d6d5878463db10d93c8166b81eed2ab7c19a4caa390dfb1f60a570718dbd203a357ac94e5ac6207a3ee93535cf3964af6197dd22c5e04ad72af0bfbb97f041082a47b7e3e409aef5e5c41b73d2db78ad37dede28d9fcdee08cb3ea69562009ba09505a857d00b4d80bc94eb7fe819846cbf7a4c727699f9be03227ffa384f4b5db8ba291a6332dc159317cceea96c5244059d9b9c5527337d6ddad64e65e99fd401ea3df6253b09b7732ff1c33c522558a43d16e83403d000102030405060708090a0b",
    topic: "/waku/1/0xe64ef685/rfc26",
    key: "9008b184483b614aa34465b28fd78473bb97bbf49de9f9003ec328d5a74de0c3",
    chat_payload: "0880d095ffbc311080d095ffbc311a0568656c6c6f3268307830323966313936626266656634666136613565623831646438303231333361363334393833323534343563613161663164313534623162623435343239353531333333303830346561372d626436362d346435642d393165622d62326463666532353135623338054001",
    id: "0x52885caf3e06aa3389df2ff6c35435bed4a01ec0a4a76264bf2a747ea4deb660",
    signer: USER_PUBLIC,
    frame_signer: USER_PUBLIC,
    clock: 1_700_000_000_000,
    text: "hello",
    chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb454295513330804ea7-bd66-4d5d-91eb-b2dcfe2515b3",
}];

fn chat_key_from_vector(v: &ChatVector) -> ChatKey {
    let chat_id = member_update_chat_id(&public(SW_COMMUNITY_ID));
    let key = SymmetricKey::from_slice(&unhex(v.key)).expect("vector key");
    let chat = ChatKey::with_key(&chat_id, key);
    assert_eq!(chat.content_topic(), v.topic, "{}", v.source);
    chat
}

#[test]
fn full_stack_chat_vectors_decode_in_one_call() {
    for v in CHAT_VECTORS {
        let msg = WakuMessage {
            payload: unhex(v.payload),
            content_topic: v.topic.into(),
            version: Some(1),
            timestamp: Some(T_NS),
            ..WakuMessage::default()
        };
        let mut keys = Keys::new();
        keys.add_chat(chat_key_from_vector(v));
        let StatusEvent::Chat(r) = decode_status_message(&msg, &keys).expect(v.source) else {
            panic!("{}: not a chat message", v.source);
        };
        assert_eq!(r.meta.id_hex(), v.id, "{}", v.source);
        assert_eq!(r.meta.signer, public(v.signer), "{}", v.source);
        assert_eq!(r.meta.frame_signer, public(v.frame_signer), "{}", v.source);
        assert_eq!(r.meta.wrapping, Wrapping::Public, "{}", v.source);
        assert_eq!(r.meta.content_topic, v.topic, "{}", v.source);
        let m = &r.message;
        assert_eq!(
            (m.clock, m.timestamp_ms, m.text.as_str(), m.chat_id.as_str()),
            (v.clock, v.clock, v.text, v.chat_id),
            "{}",
            v.source
        );
        assert_eq!(m.message_type, MessageType::CommunityChat, "{}", v.source);
        assert_eq!(m.content_type, ContentType::TextPlain, "{}", v.source);
        assert_eq!(m.content, ChatContent::Text, "{}", v.source);
        // The typed message encodes back to the vector's bytes.
        assert_eq!(hex::encode(m.encode()), v.chat_payload, "{}", v.source);
        // Same message through the buffered path: not a segment, decoded at once.
        let mut buffer = SegmentBuffer::new();
        let again = decode_status_message_buffered(&msg, &keys, &mut buffer, 0).unwrap();
        assert_eq!(again, StatusEvent::Chat(r), "{}", v.source);
    }
}

/// wire §8.3 (b): a request to join, ECIES-sealed to the test community. Readable with the
/// community's private key, and not a type this module types.
const RTJ_PAYLOAD: &str = "0453ef960ce9bc2bf2aeacd151421ccb053975057c18121a5fc81654ae80d9c09396cfbbd1954229a6d426a7f2f47b06e88353bfe2da1fcc863982c3fe0ac7a876000102030405060708090a0b0c0d0e0f2f6fb793903e0f8e6c98f9b257acbd2bf92770030c4ef07e8b15c653465ad464165e57ed02a1ffb90612fbc182b6eb77945cf0be31011fe2ffd5f2a857107a046bca74be0fad3bbf7718a8f5cfaa33e458439ebf490f44d3c85b0b53d3f6e8698dc77ead385864b4323becc65b2ca5f600cc9b7e00cbd4e9398e3f6d41fa8d881124b2223496d14d633280944c04891af39ea8676bf28e51bbdea50c51bb52ffd845ab9d1d68f73c2601cf21a50b3d29fe50cbc742c0a7d8c694295716d0af906bcd97f3730f8553aba111a7721a95a8d06b0fd72a5eb7417e48eeaa47f57d26cb592a36a2ec9a786a6a9f20ef4e6af21189da705c6ef02edf7ba8f7e10a7816975c06e6d061b655a28c10c77010766f86f18267eea949b92c3e510935e6188b";
const RTJ_INNER: &str = "0880e2cfaa06222102f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e2a05616c696365";

#[test]
fn full_stack_ecies_vector_opens_with_the_private_key() {
    let msg = WakuMessage {
        payload: unhex(RTJ_PAYLOAD),
        content_topic: "/waku/1/0x59a2f3e3/rfc26".into(),
        version: Some(1),
        timestamp: Some(T_NS),
        ..WakuMessage::default()
    };
    let mut keys = Keys::new();
    assert!(matches!(
        decode_status_message(&msg, &keys),
        Err(StatusError::NoKey { .. })
    ));
    keys.set_private_key(private(USER_PRIVATE));
    assert_eq!(
        decode_status_message(&msg, &keys),
        Err(StatusError::Payload(PayloadError::Mac)),
        "wire §8.3 (b): sealed to the community, not to the user"
    );
    keys.set_private_key(private(TEST_COMMUNITY_PRIVATE));
    let StatusEvent::Other(r) = decode_status_message(&msg, &keys).unwrap() else {
        panic!("wire §8.3 (b): not an untyped message");
    };
    assert_eq!(r.message.kind(), Some(AmmType::CommunityRequestToJoin));
    assert_eq!(r.message.payload, unhex(RTJ_INNER));
    assert_eq!(r.meta.signer, public(USER_PUBLIC));
    assert_eq!(r.meta.wrapping, Wrapping::Bare);
}

/// wire §8.1: status-web's `recover-public-key.test.ts` fixture, a real community EMOJI_REACTION
/// AMM. Carried here through our own lower layers (the fixture is the AMM only).
const SW_REACTION_SIGNATURE: &str = "fa84ea779f7c625dc56c6334baea8e6593b432be663ddbbd5f7c1d4a2b2e6a6c66ea4dd1828c5760d2220b733862df9a1eef17c5f3c4f83fa2146c54fa96e68100";
const SW_REACTION_PAYLOAD: &str = "088af5929e94301268307830323966313936626266656634666136613565623831646438303231333361363334393833323534343563613161663164313534623162623435343239353531333333303830346561372d626436362d346435642d393165622d6232646366653235313562331a4230783561393163343630616164656333633736643038306236633732613230653135613333376637633062373761376330613565626135666139643464393162613820052802";

#[test]
fn status_web_reaction_fixture_becomes_a_typed_reaction() {
    let amm = wire_pb::ApplicationMetadataMessage {
        signature: unhex(SW_REACTION_SIGNATURE),
        payload: unhex(SW_REACTION_PAYLOAD),
        r#type: AmmType::EmojiReaction as i32,
    }
    .encode_to_vec();
    let node = PrivateKey::from_bytes(&[0x11; 32]).unwrap();
    let chat = test_chat();
    let msg = waku(&amm, &chat, &node, T_NS);
    let StatusEvent::Reaction(r) = decode_status_message(&msg, &keys_for(&chat)).unwrap() else {
        panic!("wire §8.1: not a reaction");
    };
    let m = &r.message;
    assert_eq!(m.clock, 1_654_699_375_242);
    assert_eq!(
        m.chat_id,
        format!("{SW_COMMUNITY_ID}30804ea7-bd66-4d5d-91eb-b2dcfe2515b3")
    );
    assert_eq!(
        m.message_id,
        "0x5a91c460aadec3c76d080b6c72a20e15a337f7c0b77a7c0a5eba5fa9d4d91ba8"
    );
    assert_eq!(m.message_type, MessageType::CommunityChat);
    assert_eq!(m.kind, ReactionKind::ThumbsUp);
    assert!(!m.retracted);
    assert_eq!(
        hex::encode(r.meta.signer.to_uncompressed()),
        "04ac419dac9a8bbb58825a3cde60eef0ee71b8cf6c63df611eeefc8e7aac7c79b55954b679d24cf5ec82da7ed921caf240628a9bfb3450c5111a9cffe54e631811"
    );
    // wire §8.1: the id when the AMM is serialized in field order, as here.
    assert_eq!(
        r.meta.id_hex(),
        "0x7fc9183c76047960bebee15811e6e65c40b9e2ed0d574f51ec061ee5cdb70a52"
    );
    // The author is the AMM signer, not the node that framed it.
    assert_eq!(r.meta.frame_signer, node.public_key());
    assert_eq!(m.encode(), unhex(SW_REACTION_PAYLOAD));
}

// ---------------------------------------------------------------------------------------------
// Helpers for messages built here

fn test_chat() -> ChatKey {
    ChatKey::with_key("hearth-test-chat", SymmetricKey::new([0x42; 32]))
}

fn keys_for(chat: &ChatKey) -> Keys {
    let mut keys = Keys::new();
    keys.add_chat(chat.clone());
    keys
}

/// RFC-26 data → a Waku message on `chat`, framed and signed by `node`.
fn waku(data: &[u8], chat: &ChatKey, node: &PrivateKey, timestamp_ns: i64) -> WakuMessage {
    WakuMessage {
        payload: payload::encrypt_symmetric(data, chat.key(), node).unwrap(),
        content_topic: chat.content_topic().into(),
        version: Some(1),
        timestamp: Some(timestamp_ns),
        ..WakuMessage::default()
    }
}

fn user() -> PrivateKey {
    private(USER_PRIVATE)
}

fn test_community() -> PrivateKey {
    private(TEST_COMMUNITY_PRIVATE)
}

// ---------------------------------------------------------------------------------------------
// Round trips

fn round_trip_messages() -> Vec<(&'static str, ChatMessage)> {
    let channel = format!("{TEST_COMMUNITY_ID}5c0a7d3e-58b5-4fbb-8d1f-9a4d3d1c9f00");
    let plain = ChatMessage::text(channel.clone(), "**hello** _world_", T_MS, T_MS);
    let mut reply = plain.clone();
    reply.text = "a reply".into();
    reply.response_to =
        Some("0x52885caf3e06aa3389df2ff6c35435bed4a01ec0a4a76264bf2a747ea4deb660".into());
    reply.display_name = Some("alice".into());
    reply.customization_color = 3;
    let mut emoji = plain.clone();
    emoji.text = "🦀🦀".into();
    emoji.content_type = ContentType::Emoji;
    let mut sticker = plain.clone();
    sticker.content_type = ContentType::Sticker;
    sticker.content = ChatContent::Sticker(wire_pb::StickerMessage {
        hash: "e30101701220".into(),
        pack: 1,
    });
    let mut image = plain.clone();
    image.text.clear();
    image.content_type = ContentType::Image;
    image.content = ChatContent::Image(wire_pb::ImageMessage {
        payload: b"\x89PNG\r\n\x1a\n-image-".to_vec(),
        format: wire_pb::ImageFormat::Png as i32,
        width: 4,
        height: 3,
        ..Default::default()
    });
    let mut slow_clock = plain.clone();
    slow_clock.clock = T_MS + MAX_CLOCK_DRIFT_MS;
    vec![
        ("plain markdown text", plain),
        ("reply with display name", reply),
        ("emoji-only", emoji),
        ("sticker", sticker),
        ("image without text", image),
        ("clock at the drift limit", slow_clock),
    ]
}

#[test]
fn encode_then_decode_gives_the_same_message_signer_and_id() {
    let chat = ChatKey::with_key(
        &member_update_chat_id(&public(TEST_COMMUNITY_ID)),
        SymmetricKey::new([7; 32]),
    );
    let keys = keys_for(&chat);
    for (name, message) in round_trip_messages() {
        let out = encode_chat_message(&message, &user(), &chat, T_NS).expect(name);
        assert_eq!(out.messages.len(), 1, "{name}");
        let wm = &out.messages[0];
        assert_eq!(wm.version, Some(1), "{name}");
        assert_eq!(wm.timestamp, Some(T_NS), "{name}");
        assert_eq!(wm.content_topic, "/waku/1/0x6dd5583c/rfc26", "{name}");
        // What a store node would hand back: the encoded message, decoded again.
        let wm = WakuMessage::decode(wm.encode_to_vec().as_slice()).unwrap();
        let StatusEvent::Chat(r) = decode_status_message(&wm, &keys).expect(name) else {
            panic!("{name}: not a chat message");
        };
        assert_eq!(r.message, message, "{name}");
        assert_eq!(r.meta.id, out.id, "{name}");
        assert_eq!(r.meta.signer, user().public_key(), "{name}");
    }
}

#[test]
fn large_messages_travel_as_segments_and_come_back_whole() {
    let chat = test_chat();
    let keys = keys_for(&chat);
    let mut big = ChatMessage::text("c", "", T_MS, T_MS);
    big.content_type = ContentType::Image;
    let mut jpeg = vec![0xff, 0xd8, 0xff];
    jpeg.extend((0..SEGMENT_SIZE + 1000).map(|i| (i % 251) as u8));
    big.content = ChatContent::Image(wire_pb::ImageMessage {
        payload: jpeg,
        format: wire_pb::ImageFormat::Jpeg as i32,
        ..Default::default()
    });
    let out = encode_chat_message(&big, &user(), &chat, T_NS).unwrap();
    assert_eq!(
        out.messages.len(),
        2,
        "two data segments, no parity below 8"
    );

    // One call per message: the segment is handed back to the caller.
    let first = decode_status_message(&out.messages[0], &keys).unwrap();
    let StatusEvent::Segment {
        frame_signer,
        segment,
    } = first
    else {
        panic!("not a segment: {first:?}");
    };
    assert_eq!(frame_signer, user().public_key());
    assert_eq!(segment.original_len as usize, out_len(&big, &chat));

    // With a buffer: incomplete, then the message, then a late duplicate is recognised.
    let mut buffer = SegmentBuffer::new();
    let step = |buffer: &mut SegmentBuffer, i: usize| {
        decode_status_message_buffered(&out.messages[i], &keys, buffer, 1_000).unwrap()
    };
    assert_eq!(
        step(&mut buffer, 1),
        StatusEvent::Pending(Pending::Incomplete)
    );
    assert_eq!(
        step(&mut buffer, 1),
        StatusEvent::Pending(Pending::Duplicate)
    );
    let StatusEvent::Chat(r) = step(&mut buffer, 0) else {
        panic!("not reassembled");
    };
    assert_eq!(r.message, big);
    assert_eq!(r.meta.id, out.id);
    assert_eq!(
        step(&mut buffer, 0),
        StatusEvent::Pending(Pending::AlreadyCompleted)
    );
}

/// The length of the sealed ProtocolMessage `encode_chat_message` segments.
fn out_len(message: &ChatMessage, _chat: &ChatKey) -> usize {
    envelope::seal_public_message(&message.encode(), AmmType::ChatMessage, &user())
        .bytes
        .len()
}

#[test]
fn every_wrapping_status_go_sends_is_read() {
    let chat = test_chat();
    let keys = keys_for(&chat);
    let message = ChatMessage::text("c", "wrapped", T_MS, T_MS);
    let amm =
        envelope::encode_application_message(&message.encode(), AmmType::ChatMessage, &user());
    let sds = envelope::encode_sds(&amm.bytes, b"0xid", b"0xchannel", 7).unwrap();
    let cases: [(&str, Vec<u8>, Wrapping, bool); 3] = [
        (
            "bare AMM (status-web)",
            amm.bytes.clone(),
            Wrapping::Bare,
            false,
        ),
        (
            "ProtocolMessage around SDS around AMM (status-go 2026)",
            envelope::encode_public_protocol_message(&sds),
            Wrapping::Public,
            true,
        ),
        (
            "SDS without ProtocolMessage",
            sds.clone(),
            Wrapping::Bare,
            true,
        ),
    ];
    for (name, data, wrapping, has_sds) in cases {
        let msg = waku(&data, &chat, &user(), T_NS);
        let StatusEvent::Chat(r) = decode_status_message(&msg, &keys).expect(name) else {
            panic!("{name}");
        };
        assert_eq!(r.message, message, "{name}");
        assert_eq!(r.meta.wrapping, wrapping, "{name}");
        assert_eq!(r.meta.sds.is_some(), has_sds, "{name}");
        assert_eq!(
            r.meta.id, amm.id,
            "{name}: the id hashes the AMM, not its wrappers"
        );
    }
}

#[test]
fn reactions_edits_deletes_pins_and_other_types_are_told_apart() {
    let chat = test_chat();
    let keys = keys_for(&chat);
    let target = "0x52885caf3e06aa3389df2ff6c35435bed4a01ec0a4a76264bf2a747ea4deb660";
    let send = |payload: Vec<u8>, t: AmmType| {
        let data = envelope::seal_public_message(&payload, t, &user()).bytes;
        decode_status_message(&waku(&data, &chat, &user(), T_NS), &keys).unwrap()
    };
    let edit = wire_pb::EditMessage {
        clock: T_MS,
        text: "edited".into(),
        chat_id: "c".into(),
        message_id: target.into(),
        message_type: MessageType::CommunityChat as i32,
        content_type: ContentType::TextPlain as i32,
        ..Default::default()
    };
    let StatusEvent::Edit(r) = send(edit.encode_to_vec(), AmmType::EditMessage) else {
        panic!("edit");
    };
    assert_eq!(
        (r.message.text.as_str(), r.message.message_id.as_str()),
        ("edited", target)
    );
    let delete = wire_pb::DeleteMessage {
        clock: T_MS,
        chat_id: "c".into(),
        message_id: target.into(),
        message_type: MessageType::CommunityChat as i32,
        ..Default::default()
    };
    let StatusEvent::Delete(r) = send(delete.encode_to_vec(), AmmType::DeleteMessage) else {
        panic!("delete");
    };
    assert_eq!(r.message.message_id, target);
    let pin = wire_pb::PinMessage {
        clock: T_MS,
        message_id: target.into(),
        chat_id: "c".into(),
        pinned: true,
        message_type: MessageType::CommunityChat as i32,
    };
    let StatusEvent::Pin(r) = send(pin.encode_to_vec(), AmmType::PinMessage) else {
        panic!("pin");
    };
    assert!(r.message.pinned);
    let StatusEvent::Other(r) = send(vec![8, 1], AmmType::StatusUpdate) else {
        panic!("other");
    };
    assert_eq!(r.message.kind(), Some(AmmType::StatusUpdate));
    assert_eq!(r.message.payload, [8, 1]);
}

// ---------------------------------------------------------------------------------------------
// Community descriptions

fn description(clock: u64) -> wire_pb::CommunityDescription {
    let open = || wire_pb::CommunityPermissions {
        access: wire_pb::community_permissions::Access::AutoAccept as i32,
        ..Default::default()
    };
    let image = |bytes: &[u8]| wire_pb::IdentityImage {
        payload: bytes.to_vec(),
        source_type: wire_pb::identity_image::SourceType::RawPayload as i32,
        image_format: wire_pb::ImageFormat::Png as i32,
        ..Default::default()
    };
    let channel = |name: &str, category: &str, position| wire_pb::CommunityChat {
        permissions: Some(open()),
        identity: Some(wire_pb::ChatIdentity {
            display_name: name.into(),
            ..Default::default()
        }),
        category_id: category.into(),
        position,
        ..Default::default()
    };
    wire_pb::CommunityDescription {
        clock,
        permissions: Some(open()),
        identity: Some(wire_pb::ChatIdentity {
            display_name: "Hearth test".into(),
            description: "A community for tests".into(),
            color: "#4360df".into(),
            images: [
                ("thumbnail".into(), image(b"\x89PNG\r\n\x1a\nthumb")),
                ("banner".into(), image(b"RIFF\0\0\0\0WEBPVP8 banner")),
                // Claims PNG, is SVG: left out.
                ("large".into(), image(b"<svg onload=alert(1)>")),
            ]
            .into(),
            ..Default::default()
        }),
        members: [
            (
                user().public_key().to_uncompressed_hex(),
                Default::default(),
            ),
            (
                test_community().public_key().to_uncompressed_hex(),
                wire_pb::CommunityMember {
                    roles: vec![wire_pb::community_member::Roles::RoleOwner as i32],
                    ..Default::default()
                },
            ),
        ]
        .into(),
        chats: [
            ("general".into(), channel("general", "", 0)),
            ("dev".into(), channel("dev", "work", 1)),
            ("design".into(), channel("design", "work", 0)),
            ("random".into(), channel("random", "fun", 0)),
        ]
        .into(),
        categories: [
            (
                "work".into(),
                wire_pb::CommunityCategory {
                    category_id: "work".into(),
                    name: "Work".into(),
                    position: 0,
                },
            ),
            (
                "fun".into(),
                wire_pb::CommunityCategory {
                    category_id: "fun".into(),
                    name: "Fun".into(),
                    position: 1,
                },
            ),
        ]
        .into(),
        tags: vec!["Privacy".into(), "Web3".into()],
        id: TEST_COMMUNITY_ID.into(),
        private_data: [("00ff1".into(), vec![1, 2, 3])].into(),
        ..Default::default()
    }
}

/// A description as status-go publishes it: bare AMM (type 25) signed by `signer`, sealed with
/// pbkdf2(community id) and framed by `node`.
fn description_message(
    d: &wire_pb::CommunityDescription,
    signer: &PrivateKey,
    node: &PrivateKey,
    chat: &ChatKey,
    timestamp_ns: i64,
) -> WakuMessage {
    let amm = envelope::encode_application_message(
        &d.encode_to_vec(),
        AmmType::CommunityDescription,
        signer,
    );
    waku(&amm.bytes, chat, node, timestamp_ns)
}

fn community_keys() -> (ChatKey, Keys) {
    let community = public(TEST_COMMUNITY_ID);
    // A fixed key instead of pbkdf2(id): the derivation is checked by the vectors above.
    let key = SymmetricKey::new([0x24; 32]);
    let mut keys = Keys::new();
    keys.add_community_key(&community, key.clone());
    (ChatKey::with_key(&community_id(&community), key), keys)
}

fn decode_description(msg: &WakuMessage, keys: &Keys) -> Result<DescriptionCheck, StatusError> {
    match decode_status_message(msg, keys)? {
        StatusEvent::CommunityDescription(r) => Ok(r.message),
        other => panic!("not a description: {other:?}"),
    }
}

#[test]
fn a_description_signed_by_the_community_key_is_verified() {
    let (chat, keys) = community_keys();
    let node = PrivateKey::from_bytes(&[0x55; 32]).unwrap();
    let msg = description_message(&description(T_MS), &test_community(), &node, &chat, T_NS);
    let check = decode_description(&msg, &keys).unwrap();
    let v = check.verified().expect("verified");
    assert_eq!(v.community(), &public(TEST_COMMUNITY_ID));
    let d = v.description();
    assert_eq!(d.id(), TEST_COMMUNITY_ID);
    assert_eq!(d.name, "Hearth test");
    assert_eq!(d.description, "A community for tests");
    assert_eq!(d.color.as_deref(), Some("#4360df"));
    assert_eq!(d.tags, ["Privacy", "Web3"]);
    assert_eq!(d.member_count, 2);
    assert_eq!(
        d.members[&test_community().public_key().to_uncompressed_hex()],
        [hearth::status::community::MemberRole::RoleOwner]
    );
    let thumbnail = d.images.thumbnail.as_ref().expect("thumbnail");
    assert_eq!(thumbnail.mime, ImageMime::Png);
    assert_eq!(thumbnail.bytes, b"\x89PNG\r\n\x1a\nthumb");
    assert_eq!(
        d.images.banner.as_ref().map(|i| i.mime),
        Some(ImageMime::Webp)
    );
    assert_eq!(
        d.images.large, None,
        "an SVG claiming to be PNG is left out"
    );
    let order: Vec<&str> = d.channels.iter().map(|c| c.uuid.as_str()).collect();
    assert_eq!(order, ["general", "design", "dev", "random"]);
    let categories: Vec<(&str, &[String])> = d
        .categories
        .iter()
        .map(|c| (c.name.as_str(), c.channel_uuids.as_slice()))
        .collect();
    assert_eq!(
        categories,
        [
            ("Work", &["design".to_string(), "dev".to_string()][..]),
            ("Fun", &["random".to_string()][..])
        ]
    );
    assert_eq!(d.channels[0].chat_id, format!("{TEST_COMMUNITY_ID}general"));
    assert_eq!(d.private_data["00ff1"], [1, 2, 3], "opaque bytes, as sent");
}

#[test]
fn a_description_of_a_token_gated_community_reads_from_the_hash_ratchet_plaintext() {
    let (chat, keys) = community_keys();
    let amm = envelope::encode_application_message(
        &description(T_MS).encode_to_vec(),
        AmmType::CommunityDescription,
        &test_community(),
    );
    let pm = wire_pb::ProtocolMessage {
        encrypted_message: [(
            "none".into(),
            wire_pb::EncryptedMessageProtocol {
                hr_header: Some(wire_pb::HrHeader {
                    seq_no: 0,
                    group_id: public(TEST_COMMUNITY_ID).to_compressed().to_vec(),
                    key_id: vec![1; 32],
                    ..Default::default()
                }),
                payload: amm.bytes,
                ..Default::default()
            },
        )]
        .into(),
        ..Default::default()
    };
    let msg = waku(&pm.encode_to_vec(), &chat, &user(), T_NS);
    let StatusEvent::CommunityDescription(r) = decode_status_message(&msg, &keys).unwrap() else {
        panic!("not a description");
    };
    assert!(r.message.is_verified());
    assert!(matches!(
        r.meta.wrapping,
        Wrapping::HashRatchetPlaintext { .. }
    ));
    assert_eq!(r.meta.id, amm.id);
}

#[test]
fn a_description_signed_by_another_key_is_forged() {
    let (chat, keys) = community_keys();
    // With its ID field pointing at the community, and without (then the topic names it).
    for with_id in [true, false] {
        let mut d = description(T_MS);
        if !with_id {
            d.id.clear();
        }
        let msg = description_message(&d, &user(), &test_community(), &chat, T_NS);
        assert_eq!(
            decode_description(&msg, &keys),
            Err(StatusError::Community(CommunityError::ForgedSigner {
                expected: TEST_COMMUNITY_ID.into(),
                got: community_id(&user().public_key()),
            })),
            "with ID field: {with_id}"
        );
    }
    // A description of another community, arriving on this community's topic.
    let mut other = description(T_MS);
    other.id = community_id(&user().public_key());
    let msg = description_message(&other, &user(), &user(), &chat, T_NS);
    assert_eq!(
        decode_description(&msg, &keys),
        Err(StatusError::Community(CommunityError::IdMismatch {
            expected: TEST_COMMUNITY_ID.into(),
            claimed: community_id(&user().public_key()),
        }))
    );
}

#[test]
fn an_owner_token_permission_is_unverifiable_never_trusted() {
    let (chat, keys) = community_keys();
    let mut d = description(T_MS);
    d.token_permissions.insert(
        "owner".into(),
        wire_pb::CommunityTokenPermission {
            id: "owner".into(),
            r#type: PermissionKind::BecomeTokenOwner as i32,
            token_criteria: vec![wire_pb::TokenCriteria {
                contract_addresses: [
                    (10, "0x0AF2c7d60E89a941D586216059814D1Cb4Bd4CAb".into()),
                    (1, "0x898331B756EE1f29302DeF227a4471e960c50612".into()),
                ]
                .into(),
                ..Default::default()
            }],
            ..Default::default()
        },
    );
    // Signed by the community key or by someone else: unverifiable either way.
    for signer in [test_community(), user()] {
        let msg = description_message(&d, &signer, &user(), &chat, T_NS);
        let check = decode_description(&msg, &keys).unwrap();
        assert!(!check.is_verified());
        assert!(check.verified().is_none());
        let DescriptionCheck::OwnerTokenUnverifiable(u) = &check else {
            panic!("{check:?}");
        };
        assert_eq!(u.signer(), &signer.public_key());
        assert_eq!(
            u.signed_by_community_key(),
            signer.public_key() == public(TEST_COMMUNITY_ID)
        );
        let token = u.owner_token().expect("names a contract");
        assert_eq!(token.chain_id, 1);
        assert_eq!(
            token.contract_address,
            "0x898331B756EE1f29302DeF227a4471e960c50612"
        );
        assert_eq!(u.unverified_description().name, "Hearth test");
    }
}

#[test]
fn description_clocks_are_bounded_by_the_waku_timestamp() {
    let (chat, keys) = community_keys();
    let at_limit = description(T_MS + MAX_DESCRIPTION_CLOCK_DRIFT_MS);
    let msg = description_message(&at_limit, &test_community(), &user(), &chat, T_NS);
    assert!(decode_description(&msg, &keys).unwrap().is_verified());
    let future = description(T_MS + MAX_DESCRIPTION_CLOCK_DRIFT_MS + 1);
    let msg = description_message(&future, &test_community(), &user(), &chat, T_NS);
    assert_eq!(
        decode_description(&msg, &keys),
        Err(StatusError::Community(CommunityError::ClockInFuture {
            clock: T_MS + MAX_DESCRIPTION_CLOCK_DRIFT_MS + 1,
            timestamp_ms: T_MS,
        }))
    );
    let msg = description_message(&description(0), &test_community(), &user(), &chat, T_NS);
    assert_eq!(
        decode_description(&msg, &keys),
        Err(StatusError::Community(CommunityError::ZeroClock))
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input, layer by layer

/// A valid chat message on `test_chat()`, for corrupting.
fn good_message() -> WakuMessage {
    let message = ChatMessage::text("c", "hello", T_MS, T_MS);
    encode_chat_message(&message, &user(), &test_chat(), T_NS)
        .unwrap()
        .messages
        .remove(0)
}

/// RFC-26 data `data` → a message signed by the user on `test_chat()`.
fn carrying(data: &[u8]) -> WakuMessage {
    waku(data, &test_chat(), &user(), T_NS)
}

/// An AMM of `t` around `payload`, signed by the user, in a ProtocolMessage.
fn amm_message(payload: &[u8], t: AmmType) -> WakuMessage {
    carrying(&envelope::seal_public_message(payload, t, &user()).bytes)
}

struct BadCase {
    name: &'static str,
    message: fn() -> WakuMessage,
    expected: fn(&StatusError) -> bool,
}

const BAD_CASES: &[BadCase] = &[
    BadCase {
        name: "waku: version 0",
        message: || WakuMessage {
            version: Some(0),
            ..good_message()
        },
        expected: |e| matches!(e, StatusError::Version { version: Some(0) }),
    },
    BadCase {
        name: "waku: no timestamp",
        message: || WakuMessage {
            timestamp: None,
            ..good_message()
        },
        expected: |e| matches!(e, StatusError::NoTimestamp { timestamp: None }),
    },
    BadCase {
        name: "waku: unknown content topic",
        message: || WakuMessage {
            content_topic: "/waku/1/0x00000000/rfc26".into(),
            ..good_message()
        },
        expected: |e| matches!(e, StatusError::NoKey { .. }),
    },
    BadCase {
        name: "payload: truncated below tag and nonce",
        message: || {
            let mut m = good_message();
            m.payload.truncate(20);
            m
        },
        expected: |e| {
            matches!(
                e,
                StatusError::Payload(PayloadError::SymmetricTooShort { len: 20 })
            )
        },
    },
    BadCase {
        name: "payload: truncated by one byte",
        message: || {
            let mut m = good_message();
            m.payload.pop();
            m
        },
        expected: |e| matches!(e, StatusError::Payload(PayloadError::Decrypt)),
    },
    BadCase {
        name: "payload: garbled ciphertext",
        message: || {
            let mut m = good_message();
            m.payload[10] ^= 0x80;
            m
        },
        expected: |e| matches!(e, StatusError::Payload(PayloadError::Decrypt)),
    },
    BadCase {
        name: "payload: wrong key",
        message: || {
            let other = ChatKey::with_key("hearth-test-chat", SymmetricKey::new([0x43; 32]));
            let m = ChatMessage::text("c", "hello", T_MS, T_MS);
            encode_chat_message(&m, &user(), &other, T_NS)
                .unwrap()
                .messages
                .remove(0)
        },
        expected: |e| matches!(e, StatusError::Payload(PayloadError::Decrypt)),
    },
    BadCase {
        name: "payload: unsigned frame",
        message: || {
            let mut frame = vec![0x01, 5];
            frame.extend_from_slice(b"hello");
            frame.resize(256, 0);
            let sealed = payload::seal_symmetric(&frame, test_chat().key(), [1; 12]).unwrap();
            WakuMessage {
                payload: sealed,
                ..good_message()
            }
        },
        expected: |e| matches!(e, StatusError::Payload(PayloadError::Unsigned)),
    },
    BadCase {
        name: "payload: huge size field (16 MiB announced, 100 bytes present)",
        message: || {
            let mut frame = vec![0x07, 0xff, 0xff, 0xff];
            frame.extend_from_slice(&[0u8; 100]);
            let signature = user().sign_keccak(&frame);
            frame.extend_from_slice(&signature);
            let sealed = payload::seal_symmetric(&frame, test_chat().key(), [2; 12]).unwrap();
            WakuMessage {
                payload: sealed,
                ..good_message()
            }
        },
        expected: |e| {
            matches!(
                e,
                StatusError::Payload(PayloadError::SizeFieldOutOfRange {
                    size: 0xff_ffff,
                    available: 100
                })
            )
        },
    },
    BadCase {
        name: "envelope: garbled bytes are no AMM",
        message: || carrying(&[0xff; 40]),
        expected: |e| {
            matches!(
                e,
                StatusError::Envelope(EnvelopeError::ApplicationDecode(_))
            )
        },
    },
    BadCase {
        name: "envelope: AMM without signature",
        message: || {
            let amm = wire_pb::ApplicationMetadataMessage {
                signature: vec![],
                payload: vec![8, 1],
                r#type: AmmType::ChatMessage as i32,
            };
            carrying(&amm.encode_to_vec())
        },
        expected: |e| matches!(e, StatusError::Envelope(EnvelopeError::Unsigned)),
    },
    BadCase {
        name: "envelope: AMM signature of the wrong length",
        message: || {
            let amm = wire_pb::ApplicationMetadataMessage {
                signature: vec![1; 64],
                payload: vec![8, 1],
                r#type: AmmType::ChatMessage as i32,
            };
            carrying(&amm.encode_to_vec())
        },
        expected: |e| {
            matches!(
                e,
                StatusError::Envelope(EnvelopeError::Key(KeyError::SignatureLength { len: 64 }))
            )
        },
    },
    BadCase {
        name: "chat: truncated ChatMessage",
        message: || {
            let full = ChatMessage::text("c", "hello", T_MS, T_MS).encode();
            amm_message(&full[..full.len() - 3], AmmType::ChatMessage)
        },
        expected: |e| matches!(e, StatusError::Chat(ChatError::Decode { .. })),
    },
    BadCase {
        name: "chat: huge length field in ChatMessage.text",
        message: || {
            // Field 3, length 2^32 - 1, three bytes present.
            amm_message(
                &[0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f, b'a', b'b', b'c'],
                AmmType::ChatMessage,
            )
        },
        expected: |e| matches!(e, StatusError::Chat(ChatError::Decode { .. })),
    },
    BadCase {
        name: "chat: invalid UTF-8 in ChatMessage.text",
        message: || {
            let mut bytes = ChatMessage::text("c", "hello", T_MS, T_MS).encode();
            let at = bytes.windows(5).position(|w| w == b"hello").unwrap();
            bytes[at] = 0xff;
            amm_message(&bytes, AmmType::ChatMessage)
        },
        expected: |e| {
            matches!(e, StatusError::Chat(ChatError::InvalidUtf8 { message: "ChatMessage", field })
                if field == "ChatMessage.text")
        },
    },
    BadCase {
        name: "chat: invalid UTF-8 in EmojiReaction.chat_id",
        message: || {
            amm_message(
                &[0x08, 0x01, 0x12, 0x02, 0xc3, 0x28],
                AmmType::EmojiReaction,
            )
        },
        expected: |e| matches!(e, StatusError::Chat(ChatError::InvalidUtf8 { .. })),
    },
    BadCase {
        name: "chat: clock in the future",
        message: || {
            let mut m = ChatMessage::text("c", "hello", T_MS + MAX_CLOCK_DRIFT_MS + 1, T_MS);
            m.clock = T_MS + MAX_CLOCK_DRIFT_MS + 1;
            amm_message(&m.encode(), AmmType::ChatMessage)
        },
        expected: |e| matches!(e, StatusError::Chat(ChatError::ClockTooFarAhead { .. })),
    },
    BadCase {
        name: "chat: zero clock",
        message: || {
            amm_message(
                &ChatMessage::text("c", "hello", 0, T_MS).encode(),
                AmmType::ChatMessage,
            )
        },
        expected: |e| matches!(e, StatusError::Chat(ChatError::ZeroClock { .. })),
    },
    BadCase {
        name: "community: garbled description",
        message: || amm_message(&[0x0a, 0x05, 1], AmmType::CommunityDescription),
        expected: |e| matches!(e, StatusError::Community(CommunityError::Decode(_))),
    },
    BadCase {
        name: "community: invalid UTF-8 in the description's intro message",
        message: || {
            let mut bytes = description(T_MS).encode_to_vec();
            bytes.extend_from_slice(&[0x5a, 0x02, 0xff, 0xfe]);
            amm_message(&bytes, AmmType::CommunityDescription)
        },
        expected: |e| {
            matches!(e, StatusError::Community(CommunityError::InvalidUtf8 { field })
                if field == "CommunityDescription.intro_message")
        },
    },
];

#[test]
fn bad_input_at_every_layer_is_a_typed_error() {
    let keys = keys_for(&test_chat());
    for case in BAD_CASES {
        let msg = (case.message)();
        let got = decode_status_message(&msg, &keys);
        match &got {
            Err(e) => assert!((case.expected)(e), "{}: got {e:?}", case.name),
            Ok(event) => panic!("{}: decoded to {event:?}", case.name),
        }
        // The buffered path reports the same.
        let mut buffer = SegmentBuffer::new();
        assert_eq!(
            decode_status_message_buffered(&msg, &keys, &mut buffer, 0),
            got,
            "{}",
            case.name
        );
    }
}

#[test]
fn a_segment_announcing_too_many_pieces_is_refused_by_the_buffer() {
    let segment = wire_pb::SegmentMessage {
        entire_message_hash: vec![7; 32],
        index: 0,
        segments_count: 100_000,
        payload: vec![1; 10],
        ..Default::default()
    };
    let msg = carrying(&segment.encode_to_vec());
    let keys = keys_for(&test_chat());
    assert!(matches!(
        decode_status_message(&msg, &keys),
        Ok(StatusEvent::Segment { .. })
    ));
    let mut buffer = SegmentBuffer::new();
    assert!(matches!(
        decode_status_message_buffered(&msg, &keys, &mut buffer, 0),
        Err(StatusError::Segment(SegmentError::TooManySegments {
            count: 100_000,
            ..
        }))
    ));
    assert_eq!(buffer.buffered_bytes(), 0);
}

#[test]
fn hash_ratchet_traffic_without_the_key_is_reported_not_failed() {
    let pm = wire_pb::ProtocolMessage {
        encrypted_message: [(
            "none".into(),
            wire_pb::EncryptedMessageProtocol {
                hr_header: Some(wire_pb::HrHeader {
                    seq_no: 9,
                    group_id: b"group".to_vec(),
                    key_id: vec![2; 32],
                    ..Default::default()
                }),
                payload: vec![0xaa; 64],
                ..Default::default()
            },
        )]
        .into(),
        ..Default::default()
    };
    let msg = carrying(&pm.encode_to_vec());
    let StatusEvent::Encrypted { frame_signer, info } =
        decode_status_message(&msg, &keys_for(&test_chat())).unwrap()
    else {
        panic!("not reported as encrypted");
    };
    assert_eq!(frame_signer, user().public_key());
    assert_eq!(
        info.scheme,
        EncryptionScheme::HashRatchet {
            group_id: b"group".to_vec(),
            key_id: vec![2; 32],
            seq_no: 9
        }
    );
}

#[test]
fn every_symmetric_key_of_a_topic_is_tried() {
    // The universal topic may carry messages sealed with a per-channel key (wire §3.1): two keys
    // on one topic, and the second one opens the message.
    let topic = test_chat().content_topic().to_owned();
    let mut keys = Keys::new();
    keys.add_chat(ChatKey::with_key(
        "hearth-test-chat",
        SymmetricKey::new([0x99; 32]),
    ));
    // The same chat id again is not a second key.
    keys.add_chat(test_chat());
    assert_eq!(keys.symmetric_keys(&topic).len(), 1);
    assert_eq!(
        decode_status_message(&good_message(), &keys).unwrap_err(),
        StatusError::Payload(PayloadError::Decrypt)
    );
    keys.add_chat_on_topic(
        &topic,
        ChatKey::with_key("a-channel-chat-id", SymmetricKey::new([0x42; 32])),
    );
    assert_eq!(keys.symmetric_keys(&topic).len(), 2);
    assert!(matches!(
        decode_status_message(&good_message(), &keys),
        Ok(StatusEvent::Chat(_))
    ));
}
