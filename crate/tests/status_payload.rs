//! Status key forms, chat ids, content topics, symmetric keys and payload v1, against published
//! and reference vectors, verbatim. The same file runs natively (`cargo test`) and in headless
//! Chromium (`cargo test --target wasm32-unknown-unknown`).
//!
//! Sources are named per row: `wire` is `shared/reference/status-wire.md`, `links` is
//! `shared/reference/status-links-widgets.md`; SW = status-im/status-web, SG24 = status-go
//! @ c72f4913. The §8.3 full-stack vectors were computed by the reference's author, not by
//! status-go; `tests/interop/payload.test.mjs` checks them against js-waku.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use hearth::status::keys::{
    PrivateKey, PublicKey, SymmetricKey, channel_chat_id, community_id, contact_code_chat_id,
    content_topic, control_node_chat_id, derive_sym_key, keccak256, member_update_chat_id,
    recover_keccak, to_topic,
};
use hearth::status::payload::{
    self, PayloadError, decode_frame, decrypt_asymmetric, decrypt_symmetric,
    encode_frame_with_padding, open_asymmetric, open_symmetric, padding_len, seal_asymmetric,
    seal_symmetric,
};
use hearth::waku::ContentTopic;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).expect("vector hex")
}

fn pubkey(s: &str) -> PublicKey {
    PublicKey::from_hex(s).expect("vector key")
}

fn privkey(s: &str) -> PrivateKey {
    PrivateKey::from_bytes(&unhex(s)).expect("vector key")
}

// ---------------------------------------------------------------------------------------------
// Public key forms: compressed ⇔ uncompressed ⇔ serialized `zQ3sh…`

struct KeyForms {
    source: &'static str,
    compressed: &'static str,
    uncompressed: Option<&'static str>,
    serialized: Option<&'static str>,
}

const KEY_FORMS: &[KeyForms] = &[
    KeyForms {
        source: "wire §8.1; SW serialize-public-key.test.ts / deserialize-public-key.test.ts",
        compressed: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133",
        uncompressed: Some(
            "0x049f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb454295513305b23fcf11d005ee622144fc402b713a8928f80d705781e2e78d701c6e01bfc4",
        ),
        serialized: Some("zQ3shY7r4cAdg4eUF5dfcuCqCFzWmdjHW4SX5hspM9ucAarfU"),
    },
    KeyForms {
        source: "wire §8.2 (second community)",
        compressed: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f4",
        uncompressed: Some(
            "04dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f4c20bcd0468d776ff45930344556cb8602797152f66cc6945cf8644331b905f02",
        ),
        serialized: None,
    },
    KeyForms {
        source: "wire §8.3 (b) test community",
        compressed: "0x02f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e",
        uncompressed: Some(
            "04f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e76a536fb7f7809683e119b21319c03e5462dba3e4ccf71a6971147315e2cf5d6",
        ),
        serialized: None,
    },
    KeyForms {
        source: "links §3.1 #4 (Doodles); SW create-url.test.ts; SG24 messenger_share_urls_test.go",
        compressed: "0x02a3d2fdb9ac335917bf9d46b38d7496c00bbfadbaf832e8aa61d13ac2b4452084",
        uncompressed: None,
        serialized: Some("zQ3shYSHp7GoiXaauJMnDcjwU2yNjdzpXLosAWapPS4CFxc11"),
    },
    KeyForms {
        source: "links §3.1 #8 (Mark Cole); SW create-url.test.ts",
        compressed: "0x03f9134866f2bd8f45f2bc7893c95a6b989378c370088c9a1a5a53eda2ebb8a1e8",
        uncompressed: Some(
            "0x04f9134866f2bd8f45f2bc7893c95a6b989378c370088c9a1a5a53eda2ebb8a1e8386921592b6bd56fc3573f03c46df3396cc42e2993cdc001855c858865d768a7",
        ),
        serialized: Some("zQ3shwQPhRuDJSjVGVBnTjCdgXy5i9WQaeVPdGJD6yTarJQSj"),
    },
    KeyForms {
        source: "links §3.1 #10 (PIGS); status-go shared-URL tests",
        compressed: "0x02b84843377a24ff498b6c37bd63e2b285c1ee2ccbab82d7a4afa25fff8c5076df",
        uncompressed: None,
        serialized: Some("zQ3shZp9gY1FXfYkcd3CMrFLHriHQfrXvpF9XbZMwJhTcZsq8"),
    },
    KeyForms {
        source: "links §3.1 #13; status-app storybook ImportCommunityPopupPage",
        compressed: "0x03f751777ab35759f98ad241150f4329b9cc13aa42052ef64d16e9d474b9677bea",
        uncompressed: None,
        serialized: Some("zQ3shwHXstcword5gUtJCWVi55ZxPsdtfTQitnWNEAR1p3Gzd"),
    },
];

#[test]
fn key_forms() {
    for v in KEY_FORMS {
        let key = pubkey(v.compressed);
        assert_eq!(key.to_compressed_hex(), v.compressed, "{}", v.source);
        if let Some(u) = v.uncompressed {
            assert_eq!(key.to_uncompressed().to_vec(), unhex(u), "{}", v.source);
            assert_eq!(pubkey(u), key, "{}", v.source);
        }
        if let Some(z) = v.serialized {
            assert_eq!(key.to_serialized(), z, "{}", v.source);
            assert_eq!(PublicKey::from_serialized(z), Ok(key), "{}", v.source);
        }
    }
}

/// wire §8.3: the private keys behind the full-stack vectors (keccak256 of a phrase).
#[test]
fn full_stack_vector_keys() {
    let user = privkey(USER_PRIV);
    assert_eq!(
        user.to_bytes().to_vec(),
        keccak256(b"status-wire-doc test user key").to_vec()
    );
    assert_eq!(user.public_key(), pubkey(USER_PUB));
    let community = privkey(TEST_COMMUNITY_PRIV);
    assert_eq!(
        community.to_bytes().to_vec(),
        keccak256(b"status-wire-doc test community key").to_vec()
    );
    assert_eq!(
        community_id(&community.public_key()),
        "0x02f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e"
    );
}

/// wire §8.1: SW recover-public-key.test.ts, a real community EmojiReaction AMM.
#[test]
fn recover_signer_of_a_real_amm() {
    let payload = unhex(
        "088af5929e94301268307830323966313936626266656634666136613565623831646438303231333361363334393833323534343563613161663164313534623162623435343239353531333333303830346561372d626436362d346435642d393165622d6232646366653235313562331a4230783561393163343630616164656333633736643038306236633732613230653135613333376637633062373761376330613565626135666139643464393162613820052802",
    );
    let signature = unhex(
        "fa84ea779f7c625dc56c6334baea8e6593b432be663ddbbd5f7c1d4a2b2e6a6c66ea4dd1828c5760d2220b733862df9a1eef17c5f3c4f83fa2146c54fa96e68100",
    );
    assert_eq!(
        keccak256(&payload).to_vec(),
        unhex("929aed10640604b63b5ca9e7a7f6040220999ef8101c55aeb85c50e8eed35d9e")
    );
    assert_eq!(
        recover_keccak(&payload, &signature),
        Ok(pubkey(
            "04ac419dac9a8bbb58825a3cde60eef0ee71b8cf6c63df611eeefc8e7aac7c79b55954b679d24cf5ec82da7ed921caf240628a9bfb3450c5111a9cffe54e631811"
        ))
    );
}

// ---------------------------------------------------------------------------------------------
// Chat ids built from keys

#[derive(Clone, Copy)]
enum Id {
    Community,
    Channel(&'static str),
    MemberUpdate,
    ContactCode,
    ControlNode,
}

struct IdVector {
    source: &'static str,
    key: &'static str,
    id: Id,
    chat_id: &'static str,
}

const ID_VECTORS: &[IdVector] = &[
    IdVector {
        source: "wire §8.2; SG24 community.go IDString",
        key: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133",
        id: Id::Community,
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133",
    },
    IdVector {
        source: "wire §8.2; SG24 MemberUpdateChannelID",
        key: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133",
        id: Id::MemberUpdate,
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-memberUpdate",
    },
    IdVector {
        source: "wire §8.2 (uncompressed, no 0x); SG24 transport.go SendCommunityMessage",
        key: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133",
        id: Id::ControlNode,
        chat_id: "049f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb454295513305b23fcf11d005ee622144fc402b713a8928f80d705781e2e78d701c6e01bfc4",
    },
    IdVector {
        source: "wire §8.1 (the SW pbkdf2 channel chat id); SG24 community.go ChatID",
        key: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f4",
        id: Id::Channel("1dc14fd8-9a8b-4df5-a358-2c3067be5439"),
        chat_id: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f41dc14fd8-9a8b-4df5-a358-2c3067be5439",
    },
    IdVector {
        source: "links §3.1 #6 (Doodles channel)",
        key: "0x02a3d2fdb9ac335917bf9d46b38d7496c00bbfadbaf832e8aa61d13ac2b4452084",
        id: Id::Channel("003cdcd5-e065-48f9-b166-b1a94ac75a11"),
        chat_id: "0x02a3d2fdb9ac335917bf9d46b38d7496c00bbfadbaf832e8aa61d13ac2b4452084003cdcd5-e065-48f9-b166-b1a94ac75a11",
    },
    IdVector {
        source: "links §3.2 (Mark Cole contact-code id); SG24 transport/topic.go ContactCodeTopic",
        key: "0x03f9134866f2bd8f45f2bc7893c95a6b989378c370088c9a1a5a53eda2ebb8a1e8",
        id: Id::ContactCode,
        chat_id: "0x04f9134866f2bd8f45f2bc7893c95a6b989378c370088c9a1a5a53eda2ebb8a1e8386921592b6bd56fc3573f03c46df3396cc42e2993cdc001855c858865d768a7-contact-code",
    },
];

#[test]
fn chat_ids() {
    for v in ID_VECTORS {
        let key = pubkey(v.key);
        let got = match v.id {
            Id::Community => community_id(&key),
            Id::Channel(uuid) => channel_chat_id(&key, uuid),
            Id::MemberUpdate => member_update_chat_id(&key),
            Id::ContactCode => contact_code_chat_id(&key),
            Id::ControlNode => control_node_chat_id(&key),
        };
        assert_eq!(got, v.chat_id, "{}", v.source);
    }
}

// ---------------------------------------------------------------------------------------------
// Content topics: keccak256(chat id)[..4]

struct TopicVector {
    source: &'static str,
    chat_id: &'static str,
    topic: &'static str,
}

const TOPIC_VECTORS: &[TopicVector] = &[
    TopicVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133",
        topic: "/waku/1/0x35cd47c5/rfc26",
    },
    TopicVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-memberUpdate",
        topic: "/waku/1/0xe64ef685/rfc26",
    },
    TopicVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-shard-info",
        topic: "/waku/1/0x53362d62/rfc26",
    },
    TopicVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-magnetlinks",
        topic: "/waku/1/0x4b04b459/rfc26",
    },
    TopicVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-ping",
        topic: "/waku/1/0xa3263e40/rfc26",
    },
    TopicVector {
        source: "wire §8.2 (uncompressed, no 0x)",
        chat_id: "049f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb454295513305b23fcf11d005ee622144fc402b713a8928f80d705781e2e78d701c6e01bfc4",
        topic: "/waku/1/0xfd80977f/rfc26",
    },
    TopicVector {
        source: "wire §8.2; links §3.1 #30; SW create-url.test.ts (2023)",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb454295513330804ea7-bd66-4d5d-91eb-b2dcfe2515b3",
        topic: "/waku/1/0x0fd9cba5/rfc26",
    },
    TopicVector {
        source: "wire §8.2",
        chat_id: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f4",
        topic: "/waku/1/0xab002603/rfc26",
    },
    TopicVector {
        source: "wire §8.2",
        chat_id: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f4-memberUpdate",
        topic: "/waku/1/0x5fc810da/rfc26",
    },
    TopicVector {
        source: "wire §8.2",
        chat_id: "04dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f4c20bcd0468d776ff45930344556cb8602797152f66cc6945cf8644331b905f02",
        topic: "/waku/1/0x6cb9e06c/rfc26",
    },
    TopicVector {
        source: "wire §8.2",
        chat_id: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f41dc14fd8-9a8b-4df5-a358-2c3067be5439",
        topic: "/waku/1/0xc078ec6f/rfc26",
    },
    TopicVector {
        source: "wire §8.3 (b) requests (uncompressed, no 0x)",
        chat_id: "04f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e76a536fb7f7809683e119b21319c03e5462dba3e4ccf71a6971147315e2cf5d6",
        topic: "/waku/1/0x59a2f3e3/rfc26",
    },
    TopicVector {
        source: "wire §8.3 (b) description",
        chat_id: "0x02f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e",
        topic: "/waku/1/0x866ab689/rfc26",
    },
    TopicVector {
        source: "wire §8.3 (b) universal",
        chat_id: "0x02f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e-memberUpdate",
        topic: "/waku/1/0x6dd5583c/rfc26",
    },
    TopicVector {
        source: "links §3.2 (Status community; status-go #4922)",
        chat_id: "0x02b5bdaf5a25fcfe2ee14c501fab1836b8de57f61621080c3d52073d16de0d98d6",
        topic: "/waku/1/0x13267e91/rfc26",
    },
    TopicVector {
        source: "links §3.2 (status-app #17396 log)",
        chat_id: "0x02b5bdaf5a25fcfe2ee14c501fab1836b8de57f61621080c3d52073d16de0d98d6-shard-info",
        topic: "/waku/1/0x9cdc4d45/rfc26",
    },
    TopicVector {
        source: "links §3.2",
        chat_id: "0x02b5bdaf5a25fcfe2ee14c501fab1836b8de57f61621080c3d52073d16de0d98d6-memberUpdate",
        topic: "/waku/1/0x8de8f186/rfc26",
    },
    TopicVector {
        source: "links §3.2; §3.1 #4 (Doodles)",
        chat_id: "0x02a3d2fdb9ac335917bf9d46b38d7496c00bbfadbaf832e8aa61d13ac2b4452084",
        topic: "/waku/1/0x8f887122/rfc26",
    },
    TopicVector {
        source: "links §3.1 #6 (Doodles channel)",
        chat_id: "0x02a3d2fdb9ac335917bf9d46b38d7496c00bbfadbaf832e8aa61d13ac2b4452084003cdcd5-e065-48f9-b166-b1a94ac75a11",
        topic: "/waku/1/0x548c9947/rfc26",
    },
    TopicVector {
        source: "links §3.2; §3.1 #10 (PIGS)",
        chat_id: "0x02b84843377a24ff498b6c37bd63e2b285c1ee2ccbab82d7a4afa25fff8c5076df",
        topic: "/waku/1/0x8a9888be/rfc26",
    },
    TopicVector {
        source: "links §3.1 #8 (Mark Cole contact code)",
        chat_id: "0x04f9134866f2bd8f45f2bc7893c95a6b989378c370088c9a1a5a53eda2ebb8a1e8386921592b6bd56fc3573f03c46df3396cc42e2993cdc001855c858865d768a7-contact-code",
        topic: "/waku/1/0x19798235/rfc26",
    },
];

#[test]
fn content_topics() {
    for v in TOPIC_VECTORS {
        assert_eq!(
            content_topic(v.chat_id).to_string(),
            v.topic,
            "{}",
            v.source
        );
    }
    // wire §8.1: SG24 wakuv2/common/topic_test.go, topic bytes ⇔ hex form.
    assert_eq!(
        ContentTopic::status([0xf2, 0x6e, 0x77, 0x79]).to_string(),
        "/waku/1/0xf26e7779/rfc26"
    );
    assert_eq!(
        to_topic("0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133"),
        [0x35, 0xcd, 0x47, 0xc5]
    );
}

// ---------------------------------------------------------------------------------------------
// Symmetric keys: PBKDF2-HMAC-SHA256(chat id, empty salt, 65356 rounds, 32 bytes)

struct SymKeyVector {
    source: &'static str,
    chat_id: &'static str,
    key: &'static str,
}

const SYM_KEY_VECTORS: &[SymKeyVector] = &[
    SymKeyVector {
        source: "wire §8.1; SW generate-key-from-password.test.ts",
        chat_id: "arbitrary data here",
        key: "c49ad65ebf2a7b7253bf400e3d27719362a91b2c9b9f54d50a69117021666c33",
    },
    SymKeyVector {
        source: "wire §8.1; SW generate-key-from-password.test.ts (a channel chat id)",
        chat_id: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f41dc14fd8-9a8b-4df5-a358-2c3067be5439",
        key: "76ff5bf0a74a8e724367c7fc003f066d477641f468768a8da2817addf5c2ce76",
    },
    SymKeyVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133",
        key: "1468a81fa24eae20e6df4fa6882b8df7a681358b8f7547be52cc83286d7b336f",
    },
    SymKeyVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-memberUpdate",
        key: "9008b184483b614aa34465b28fd78473bb97bbf49de9f9003ec328d5a74de0c3",
    },
    SymKeyVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-shard-info",
        key: "64c31f27693c1b0378237a505150301ed98c3b2518bc7747d51bec2bf814e4f2",
    },
    SymKeyVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-magnetlinks",
        key: "c00405542f912b247c44e14fbb1d774b3181572e3d73aae9adcd69d9e2d7ba13",
    },
    SymKeyVector {
        source: "wire §8.2",
        chat_id: "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-ping",
        key: "34b13861fbae62e72c4fbc5619fa6d8cb78299e421f9082900b61e6ceae55088",
    },
    SymKeyVector {
        source: "wire §8.2",
        chat_id: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f4",
        key: "10c65161629598d5c6cefa110abfa03073417f5d618e1c1c3528433c83a5e97f",
    },
    SymKeyVector {
        source: "wire §8.2",
        chat_id: "0x02dcec6041fb999d65f1d33363e08c93d3c1f6f0fbbb26add383e2cf46c2b921f4-memberUpdate",
        key: "968a5dc1e3efd495ec3a71d4e1772dcec1e372fe400854ab3f6a2402a9fccd89",
    },
    SymKeyVector {
        source: "links §3.2 (Status community)",
        chat_id: "0x02b5bdaf5a25fcfe2ee14c501fab1836b8de57f61621080c3d52073d16de0d98d6",
        key: "fe46e63b2e91f914f50f7a2894149e875f674ecd5e46e0304760ea1a9e53a650",
    },
    SymKeyVector {
        source: "links §3.2 (Doodles)",
        chat_id: "0x02a3d2fdb9ac335917bf9d46b38d7496c00bbfadbaf832e8aa61d13ac2b4452084",
        key: "6ad82a8130393a091c681155191de6e23e977f439306721ce5cf01177c1a0819",
    },
    SymKeyVector {
        source: "links §3.2 (Mark Cole contact-code id)",
        chat_id: "0x04f9134866f2bd8f45f2bc7893c95a6b989378c370088c9a1a5a53eda2ebb8a1e8386921592b6bd56fc3573f03c46df3396cc42e2993cdc001855c858865d768a7-contact-code",
        key: "1c975c84a169ac6a1d600d7a7a330ba5404b6919600f3fc9a97ebdd676446325",
    },
];

#[test]
fn symmetric_keys() {
    for v in SYM_KEY_VECTORS {
        assert_eq!(
            derive_sym_key(v.chat_id).as_bytes().to_vec(),
            unhex(v.key),
            "{}",
            v.source
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Payload v1 facts from status-go's tests (wire §8.1)

#[test]
fn status_go_payload_facts() {
    // SGnew rfc26_test.go TestPaddingAppendedToSymMessagesWithSignature: 246 bytes of data,
    // signed, 1-byte size field → 512 - 65 = 447 bytes before the signature.
    let user = privkey(USER_PRIV);
    let frame = payload::encode_frame(&[0x11; 246], &user).unwrap();
    assert_eq!(frame.len() - 65, 447);
    // Same file: an AES key is 32 bytes, the GCM nonce 12; the zero key is refused.
    let key = SymmetricKey::from_slice(&unhex(
        "0x03ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd31",
    ))
    .unwrap();
    let sealed = seal_symmetric(&frame, &key, [9; 12]).unwrap();
    assert_eq!(sealed.len(), frame.len() + 16 + 12);
    assert_eq!(&sealed[sealed.len() - 12..], &[9; 12]);
    assert_eq!(
        seal_symmetric(&frame, &SymmetricKey::new([0; 32]), [9; 12]),
        Err(PayloadError::ZeroSymmetricKey)
    );
}

// ---------------------------------------------------------------------------------------------
// Full-stack vectors (wire §8.3)

const USER_PRIV: &str = "e61784ba962bbcb77b4bf9b0f7fd41fca1a005fc1a9dc800a3a1c7812f06b132";
const USER_PUB: &str = "049009ab5f188f9554fcfa648a5dba8c1f99afd93702854152f7c8bfc1606228bd63b9c87869b379fb8e4a2f78241a06d9283147643f24d581b263df43e3876274";
const TEST_COMMUNITY_PRIV: &str =
    "8e43ef7ff697491a62844ac826a0fc250de5eca4f1ec00909efd899f2bbe36de";

/// (a) AMM of a "hello" ChatMessage, type 1.
const A_AMM: &str = "0a4136e583721eed25ff0f903cdb47478941903ce2c3e2c81fab012144b22aaa7c696e7a004111040fd8af7416b51e127753cf0e32050da1db78fd2edc33449c970a001283010880d095ffbc311080d095ffbc311a0568656c6c6f3268307830323966313936626266656634666136613565623831646438303231333361363334393833323534343563613161663164313534623162623435343239353531333333303830346561372d626436362d346435642d393165622d623264636665323531356233380540011801";
const A_SIGNATURE: &str = "8e125fc1690fe4806df8643186cceaf2f48271a42d9fb4e3fa1672267d40c1b9054d6df48356265cfa20ecf5eb957fbcc83ba8a8c407f180e0a1c25a5d848adf01";
const A_PAYLOAD: &str = "09444dd5bec997effb1eaa5bf6ccb6a178e6319e76fe57ef3291aebb73e17130e82b993c8216d7836a1ff7df16a86e4e4679aac5be0cd008c1094fcff4a49ea7027779e8ee499e454060d81110abff5025e7b21d7826e04f5ab5b4543be0865225ced347117324e6aa5d1ecf2690838904608a2bd655d372061afcf4741efaa1cba5f43f57c155b76dbd6ad03c0cf716e17e2b3166191b4a101ed87d7df0b4f5d5b68139727de89f42750b71ad9228cedc08915c0ac3dceb64dc5622d239472ddfe5c053fdfac26b0b30163a7c18f8f572ea58c5bcd79f9481a354303be8b307a4bcf8e10e228333cf11935090d1a4b3c8df8c0bb97924e67a158e735b8aa6cac7bedad750112ab02afce0d8b6538666129247b205a071c533f7968d074735d7a810cb57951a8a28f5afa06971360dbcd35b6c288e07288e1db8f78fbca6706ef7e3f02216e15f829cd7d57690dfb29eb737c44fa3464bf744d6d5878463db10d93c8166b81eed2ab7c19a4caa390dfb1f60a570718dbd203a357ac94e5ac6207a3ee93535cf3964af6197dd22c5e04ad72af0bfbb97f041082a47b7e3e409aef5e5c41b73d2db78ad37dede28d9fcdee08cb3ea69562009ba09505a857d00b4d80bc94eb7fe819846cbf7a4c727699f9be03227ffa384f4b5db8ba291a6332dc159317cceea96c5244059d9b9c5527337d6ddad64e65e99fd401ea3df6253b09b7732ff1c33c522558a43d16e83403d000102030405060708090a0b";

/// (b) AMM of a request to join, type 27.
const B_AMM: &str = "0a414dda6e0f8df91dd70d558ce0edc023a097b78aca97764f49e8c577c9719decce72ae504a9e2c91e8acd6942c89c8354de456338a20765ec302a416f81b9c3e610012300880e2cfaa06222102f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e2a05616c696365181b";
const B_SIGNATURE: &str = "6425f0edfab3bc79fc379d1489ef4ac3b8fc144bf059679808713f3e2b6039b47f11644fd5ff4b42d8a0402d1bbf6fd157bb7e8b1259538d93ab0055d87b052a01";
const B_EPHEMERAL_PRIV: &str = "97d04e1a0d1bc4dc0a5a95525970773fd3393f3f4f153fc2c7685d2147bb6d21";
const B_PAYLOAD: &str = "0453ef960ce9bc2bf2aeacd151421ccb053975057c18121a5fc81654ae80d9c09396cfbbd1954229a6d426a7f2f47b06e88353bfe2da1fcc863982c3fe0ac7a876000102030405060708090a0b0c0d0e0f2f6fb793903e0f8e6c98f9b257acbd2bf92770030c4ef07e8b15c653465ad464165e57ed02a1ffb90612fbc182b6eb77945cf0be31011fe2ffd5f2a857107a046bca74be0fad3bbf7718a8f5cfaa33e458439ebf490f44d3c85b0b53d3f6e8698dc77ead385864b4323becc65b2ca5f600cc9b7e00cbd4e9398e3f6d41fa8d881124b2223496d14d633280944c04891af39ea8676bf28e51bbdea50c51bb52ffd845ab9d1d68f73c2601cf21a50b3d29fe50cbc742c0a7d8c694295716d0af906bcd97f3730f8553aba111a7721a95a8d06b0fd72a5eb7417e48eeaa47f57d26cb592a36a2ec9a786a6a9f20ef4e6af21189da705c6ef02edf7ba8f7e10a7816975c06e6d061b655a28c10c77010766f86f18267eea949b92c3e510935e6188b";

/// The padding byte both §8.3 frames use, so they are reproducible.
const VECTOR_PAD: u8 = 0x5a;

fn sequence<const N: usize>() -> [u8; N] {
    std::array::from_fn(|i| i as u8)
}

/// (a) Unencrypted channel message on the universal topic, sealed with pbkdf2(universal id).
#[test]
fn full_stack_symmetric_vector() {
    let user = privkey(USER_PRIV);
    // ProtocolMessage { public_message (102): AMM }
    let data = [unhex("b206cb01"), unhex(A_AMM)].concat();
    assert_eq!(data.len(), 207);
    assert_eq!(padding_len(data.len()), 238);
    let frame = encode_frame_with_padding(&data, &[VECTOR_PAD; 238], &user).unwrap();
    assert_eq!(frame.len(), 512);
    assert_eq!(&frame[..2], &[0x05, 0xcf]);
    assert_eq!(frame[frame.len() - 65..].to_vec(), unhex(A_SIGNATURE));

    let community = pubkey("0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133");
    let chat_id = member_update_chat_id(&community);
    let key = derive_sym_key(&chat_id);
    let sealed = seal_symmetric(&frame, &key, sequence::<12>()).unwrap();
    assert_eq!(sealed.len(), 540);
    assert_eq!(hex::encode(&sealed), A_PAYLOAD);

    let payload = unhex(A_PAYLOAD);
    assert_eq!(open_symmetric(&payload, &key), Ok(frame));
    let decoded = decrypt_symmetric(&payload, &key).unwrap();
    assert_eq!(decoded.data, data);
    assert_eq!(decoded.signer, user.public_key());
}

/// (b) Request to join, ECIES to the test community's key.
#[test]
fn full_stack_asymmetric_vector() {
    let user = privkey(USER_PRIV);
    let community = privkey(TEST_COMMUNITY_PRIV);
    let data = unhex(B_AMM);
    assert_eq!(data.len(), 0x77);
    let pad = padding_len(data.len());
    let frame = encode_frame_with_padding(&data, &vec![VECTOR_PAD; pad], &user).unwrap();
    assert_eq!(frame.len(), 256);
    assert_eq!(&frame[..2], &[0x05, 0x77]);
    assert_eq!(frame[frame.len() - 65..].to_vec(), unhex(B_SIGNATURE));

    let sealed = seal_asymmetric(
        &frame,
        &community.public_key(),
        &privkey(B_EPHEMERAL_PRIV),
        sequence::<16>(),
    );
    assert_eq!(sealed.len(), 369);
    assert_eq!(hex::encode(&sealed), B_PAYLOAD);

    let payload = unhex(B_PAYLOAD);
    assert_eq!(open_asymmetric(&payload, &community), Ok(frame));
    let decoded = decrypt_asymmetric(&payload, &community).unwrap();
    assert_eq!(decoded.data, data);
    assert_eq!(decoded.signer, user.public_key());
}

// ---------------------------------------------------------------------------------------------
// Bad input against the vectors: each refusal has its own error

#[test]
fn vectors_refuse_wrong_keys_and_tampering() {
    let payload = unhex(A_PAYLOAD);
    let wrong =
        derive_sym_key("0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133");
    assert_eq!(
        decrypt_symmetric(&payload, &wrong),
        Err(PayloadError::Decrypt)
    );
    let mut flipped = payload.clone();
    flipped[3] ^= 0x80;
    let key = derive_sym_key(
        "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-memberUpdate",
    );
    assert_eq!(
        decrypt_symmetric(&flipped, &key),
        Err(PayloadError::Decrypt)
    );

    let payload = unhex(B_PAYLOAD);
    assert_eq!(
        decrypt_asymmetric(&payload, &privkey(USER_PRIV)),
        Err(PayloadError::Mac)
    );
    assert_eq!(
        decrypt_asymmetric(&payload[..112], &privkey(TEST_COMMUNITY_PRIV)),
        Err(PayloadError::AsymmetricTooShort { len: 112 })
    );

    // A frame re-signed by someone else decodes, but names the other signer: the signer is
    // what later layers check, never assumed.
    let data = [unhex("b206cb01"), unhex(A_AMM)].concat();
    let forger = privkey(TEST_COMMUNITY_PRIV);
    let forged = encode_frame_with_padding(&data, &[VECTOR_PAD; 238], &forger).unwrap();
    assert_eq!(decode_frame(&forged).unwrap().signer, forger.public_key());
    assert_ne!(decode_frame(&forged).unwrap().signer, pubkey(USER_PUB));
}
