//! `hearth::identity`: recovery phrases, BIP-32 derivation at Status's paths, Ethereum addresses and
//! EIP-191 signatures, and the sealed storage record. Published vectors verbatim, each row citing
//! its source. The same file runs natively (`cargo test`) and in headless Chromium (`cargo test
//! --target wasm32-unknown-unknown`); the WebCrypto device-key tests run only in Chromium.
//!
//! Sources:
//! * BIP39: trezor/python-mnemonic `vectors.json` @ f5a975ab10c035596d65d854d21164266ffed284
//!   (english; seeds use the passphrase "TREZOR").
//! * BIP32: bitcoin/bips `bip-0032.mediawiki` @ 01c5e719d37db378ed25fc2e6b46cd437c230004, test
//!   vectors 1 and 2 (ext prv).
//! * NS: status-im/nim-status `test/nim/bip32.nim` @ 6ec7ae077a5e2ae087641a7dcb1a5d3bd3db1007.
//! * SG24: status-im/status-go @ c72f491324909173c83e69c5a86ace7aeb87daaa:
//!   `account/generator/generator_test.go`, `extkeys/hdkey_test.go` `TestHDWalletCompatibility`,
//!   `api/old_mobile_user_upgrading_from_v1_to_v2_test.go`.
//! * "computed here": shared/reference/app-notes.md §4/§5, values from an independent
//!   implementation that first reproduced the published rows (not a published suite).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use hearth::identity::eth::{
    Address, EthError, personal_ec_recover, personal_sign, personal_sign_hash,
};
use hearth::identity::hd::{
    CHAT_KEY_PATH, DerivationPath, ExtendedPrivateKey, HARDENED, HdError, WALLET_KEY_PATH,
};
use hearth::identity::mnemonic::{self, Mnemonic, MnemonicError};
use hearth::identity::wrap::{
    self, PASSPHRASE_ITERATIONS, Sealed, WrapError, WrappedIdentity, unwrap_with_passphrase,
    wrap_with_passphrase,
};
use hearth::identity::{Identity, IdentityError, Origin, chat_key_path, wallet_key_path};
use hearth::status::join::{
    JoinError, RevealedAccount, request_id as request_to_join_id, revealed_account_message,
};
use hearth::status::keys::{KeyError, PrivateKey, PublicKey};
use sha2::{Digest, Sha256};

const ABANDON: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const PANDA: &str = "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside";
const VOCAL: &str =
    "vocal blouse script census island armor seek catch wool narrow peasant attract";
const JUNK: &str = "test test test test test test test test test test test junk";

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).unwrap()
}

fn derive(phrase: &str, passphrase: &str, path: &str) -> PrivateKey {
    let seed = Mnemonic::parse(phrase)
        .unwrap()
        .to_seed(passphrase)
        .unwrap();
    let master = ExtendedPrivateKey::master(&*seed).unwrap();
    let path: DerivationPath = path.parse().unwrap();
    master.derive(&path).unwrap().private_key().clone()
}

fn pub_hex(key: &PrivateKey) -> String {
    hex::encode(key.public_key().to_uncompressed())
}

fn address(key: &PrivateKey) -> String {
    Address::from_public_key(&key.public_key()).to_checksum()
}

/// An xprv string's chain code and private key (BIP-32 serialisation: 4 version, 1 depth,
/// 4 fingerprint, 4 child number, 32 chain code, 0x00 ‖ 32 key, 4 checksum).
fn xprv_parts(xprv: &str) -> ([u8; 32], [u8; 32]) {
    let raw = bs58::decode(xprv).into_vec().unwrap();
    assert_eq!(raw.len(), 82, "{xprv}");
    assert_eq!(raw[45], 0);
    let checksum = Sha256::digest(Sha256::digest(&raw[..78]));
    assert_eq!(
        &raw[78..],
        &checksum[..4],
        "{xprv}: bad checksum in the test table"
    );
    (
        raw[13..45].try_into().unwrap(),
        raw[46..78].try_into().unwrap(),
    )
}

// ---------------------------------------------------------------------------------------------
// BIP-39

#[test]
fn word_list_is_bip39_english() {
    let words = mnemonic::english_words();
    assert_eq!(words.len(), 2048);
    assert!(
        words.windows(2).all(|w| w[0] < w[1]),
        "sorted, no duplicates"
    );
    let mut joined = words.join("\n");
    joined.push('\n');
    // app-notes §4: status-go `extkeys/mnemonic.go`'s embedded list = BIP-39 english.txt.
    assert_eq!(
        hex::encode(Sha256::digest(joined.as_bytes())),
        "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
    );
}

/// BIP39 (trezor/python-mnemonic vectors.json, english): entropy, mnemonic, seed with passphrase
/// "TREZOR", root xprv.
const BIP39_VECTORS: &[(&str, &str, &str, &str)] = &[
    (
        "00000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
        "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF",
    ),
    (
        "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
        "legal winner thank year wave sausage worth useful legal winner thank yellow",
        "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
        "xprv9s21ZrQH143K2gA81bYFHqU68xz1cX2APaSq5tt6MFSLeXnCKV1RVUJt9FWNTbrrryem4ZckN8k4Ls1H6nwdvDTvnV7zEXs2HgPezuVccsq",
    ),
    (
        "ffffffffffffffffffffffffffffffff",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
        "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069",
        "xprv9s21ZrQH143K2V4oox4M8Zmhi2Fjx5XK4Lf7GKRvPSgydU3mjZuKGCTg7UPiBUD7ydVPvSLtg9hjp7MQTYsW67rZHAXeccqYqrsx8LcXnyd",
    ),
    (
        "000000000000000000000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon agent",
        "035895f2f481b1b0f01fcf8c289c794660b289981a78f8106447707fdd9666ca06da5a9a565181599b79f53b844d8a71dd9f439c52a3d7b3e8a79c906ac845fa",
        "xprv9s21ZrQH143K3mEDrypcZ2usWqFgzKB6jBBx9B6GfC7fu26X6hPRzVjzkqkPvDqp6g5eypdk6cyhGnBngbjeHTe4LsuLG1cCmKJka5SMkmU",
    ),
    (
        "808080808080808080808080808080808080808080808080",
        "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter always",
        "107d7c02a5aa6f38c58083ff74f04c607c2d2c0ecc55501dadd72d025b751bc27fe913ffb796f841c49b1d33b610cf0e91d3aa239027f5e99fe4ce9e5088cd65",
        "xprv9s21ZrQH143K3VPCbxbUtpkh9pRG371UCLDz3BjceqP1jz7XZsQ5EnNkYAEkfeZp62cDNj13ZTEVG1TEro9sZ9grfRmcYWLBhCocViKEJae",
    ),
    (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
        "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8",
        "xprv9s21ZrQH143K32qBagUJAMU2LsHg3ka7jqMcV98Y7gVeVyNStwYS3U7yVVoDZ4btbRNf4h6ibWpY22iRmXq35qgLs79f312g2kj5539ebPM",
    ),
    (
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
        "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
        "xprv9s21ZrQH143K2WFF16X85T2QCpndrGwx6GueB72Zf3AHwHJaknRXNF37ZmDrtHrrLSHvbuRejXcnYxoZKvRquTPyp2JiNG3XcjQyzSEgqCB",
    ),
    (
        "9e885d952ad362caeb4efe34a8e91bd2",
        "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
        "274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028",
        "xprv9s21ZrQH143K2oZ9stBYpoaZ2ktHj7jLz7iMqpgg1En8kKFTXJHsjxry1JbKH19YrDTicVwKPehFKTbmaxgVEc5TpHdS1aYhB2s9aFJBeJH",
    ),
    (
        "6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
        "gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog",
        "628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac",
        "xprv9s21ZrQH143K3uT8eQowUjsxrmsA9YUuQQK1RLqFufzybxD6DH6gPY7NjJ5G3EPHjsWDrs9iivSbmvjc9DQJbJGatfa9pv4MZ3wjr8qWPAK",
    ),
    (
        "9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
        "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside",
        "72be8e052fc4919d2adf28d5306b5474b0069df35b02303de8c1729c9538dbb6fc2d731d5f832193cd9fb6aeecbc469594a70e3dd50811b5067f3b88b28c3e8d",
        "xprv9s21ZrQH143K2WNnKmssvZYM96VAr47iHUQUTUyUXH3sAGNjhJANddnhw3i3y3pBbRAVk5M5qUGFr4rHbEWwXgX4qrvrceifCYQJbbFDems",
    ),
];

#[test]
fn bip39_vectors_entropy_phrase_seed_and_root() {
    for (entropy, phrase, seed, xprv) in BIP39_VECTORS {
        let m = Mnemonic::from_entropy(&h(entropy)).unwrap();
        assert_eq!(m.phrase(), *phrase);
        assert_eq!(Mnemonic::parse(phrase).unwrap(), m);
        let got = m.to_seed("TREZOR").unwrap();
        assert_eq!(hex::encode(*got), *seed, "{phrase}");
        let root = ExtendedPrivateKey::master(&*got).unwrap();
        let (chain, key) = xprv_parts(xprv);
        assert_eq!(root.chain_code(), &chain, "{phrase}");
        assert_eq!(root.private_key().to_bytes(), key, "{phrase}");
    }
}

#[test]
fn phrase_input_is_collapsed_and_lowered_as_status_go_collapses_it() {
    let messy = format!("  {}\n", ABANDON.to_uppercase().replace(' ', " \t\n "));
    assert_eq!(Mnemonic::parse(&messy).unwrap().phrase(), ABANDON);
    assert_eq!(Mnemonic::parse(ABANDON).unwrap().word_count(), 12);
}

#[test]
fn bad_phrases_get_typed_errors_without_the_words() {
    assert_eq!(
        Mnemonic::parse("abandon about").unwrap_err(),
        MnemonicError::WordCount { count: 2 }
    );
    assert_eq!(
        Mnemonic::parse("").unwrap_err(),
        MnemonicError::WordCount { count: 0 }
    );
    let typo = ABANDON.replacen("abandon", "abandom", 1);
    let err = Mnemonic::parse(&typo).unwrap_err();
    assert_eq!(err, MnemonicError::UnknownWord { position: 1 });
    assert!(!err.to_string().contains("abandom"));
    // Last word changed: every word is in the list, the checksum catches it.
    let swapped = ABANDON.replace("about", "abandon");
    assert_eq!(
        Mnemonic::parse(&swapped).unwrap_err(),
        MnemonicError::Checksum
    );
    assert_eq!(
        Mnemonic::parse(&"a ".repeat(600)).unwrap_err(),
        MnemonicError::TooLong { len: 1200 }
    );
    assert_eq!(
        Mnemonic::parse("abandon ábandon").unwrap_err(),
        MnemonicError::WordCount { count: 2 }
    );
    let accented = ABANDON.replacen("abandon", "ábandon", 1);
    assert_eq!(
        Mnemonic::parse(&accented).unwrap_err(),
        MnemonicError::UnknownWord { position: 1 }
    );
    assert_eq!(
        Mnemonic::from_entropy(&[0; 17]).unwrap_err(),
        MnemonicError::EntropyLength { len: 17 }
    );
    assert_eq!(
        Mnemonic::generate(13).unwrap_err(),
        MnemonicError::WordCount { count: 13 }
    );
    let m = Mnemonic::parse(ABANDON).unwrap();
    assert_eq!(
        m.to_seed("pässword").unwrap_err(),
        MnemonicError::NonAsciiPassphrase
    );
    assert!(!format!("{m:?}").contains("abandon"));
}

#[test]
fn generated_phrases_parse_back() {
    for words in mnemonic::WORD_COUNTS {
        let m = Mnemonic::generate(words).unwrap();
        assert_eq!(m.word_count(), words);
        assert_eq!(Mnemonic::parse(m.phrase()).unwrap(), m);
    }
    assert_ne!(
        Mnemonic::generate(12).unwrap(),
        Mnemonic::generate(12).unwrap()
    );
}

// ---------------------------------------------------------------------------------------------
// BIP-32

/// BIP32 test vectors 1 and 2: seed, then (path, ext prv) per chain.
const BIP32_VECTORS: &[(&str, &[(&str, &str)])] = &[
    (
        "000102030405060708090a0b0c0d0e0f",
        &[
            (
                "m",
                "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
            ),
            (
                "m/0'",
                "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7",
            ),
            (
                "m/0'/1",
                "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs",
            ),
            (
                "m/0'/1/2'",
                "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtpgP4mLTj34bhnZX7UiM",
            ),
            (
                "m/0'/1/2'/2",
                "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC34sJ7in334",
            ),
            (
                "m/0'/1/2'/2/1000000000",
                "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76",
            ),
        ],
    ),
    (
        "fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542",
        &[
            (
                "m",
                "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U",
            ),
            (
                "m/0",
                "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt",
            ),
            (
                "m/0/2147483647'",
                "xprv9wSp6B7kry3Vj9m1zSnLvN3xH8RdsPP1Mh7fAaR7aRLcQMKTR2vidYEeEg2mUCTAwCd6vnxVrcjfy2kRgVsFawNzmjuHc2YmYRmagcEPdU9",
            ),
            (
                "m/0/2147483647'/1",
                "xprv9zFnWC6h2cLgpmSA46vutJzBcfJ8yaJGg8cX1e5StJh45BBciYTRXSd25UEPVuesF9yog62tGAQtHjXajPPdbRCHuWS6T8XA2ECKADdw4Ef",
            ),
            (
                "m/0/2147483647'/1/2147483646'",
                "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc",
            ),
            (
                "m/0/2147483647'/1/2147483646'/2",
                "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKCEXw7nadnHM8Dq38EGfSh6dqA9QWTyefMLEcBYJUuekgW4BYPJcr9E7j",
            ),
        ],
    ),
];

#[test]
fn bip32_test_vectors_private_derivation() {
    for (seed, chains) in BIP32_VECTORS {
        let master = ExtendedPrivateKey::master(&h(seed)).unwrap();
        for (path, xprv) in *chains {
            let node = master.derive(&path.parse().unwrap()).unwrap();
            let (chain, key) = xprv_parts(xprv);
            assert_eq!(node.chain_code(), &chain, "{path}");
            assert_eq!(node.private_key().to_bytes(), key, "{path}");
        }
    }
}

#[test]
fn derivation_paths_parse_print_and_refuse() {
    let chat: DerivationPath = CHAT_KEY_PATH.parse().unwrap();
    assert_eq!(
        chat.indices(),
        &[43 | HARDENED, 60 | HARDENED, 1581 | HARDENED, HARDENED, 0]
    );
    assert_eq!(chat.to_string(), CHAT_KEY_PATH);
    assert_eq!(chat_key_path(), chat);
    assert_eq!(wallet_key_path().to_string(), WALLET_KEY_PATH);
    assert_eq!(
        "m/44h/60H/0'"
            .parse::<DerivationPath>()
            .unwrap()
            .to_string(),
        "m/44'/60'/0'"
    );
    assert!("m".parse::<DerivationPath>().unwrap().indices().is_empty());
    for bad in [
        "",
        "44'/0",
        "m/",
        "m//0",
        "m/-1",
        "m/+1",
        "m/0''",
        "m/x",
        "m/2147483648",
        "m/ 1",
        "M/0",
    ] {
        assert!(
            matches!(bad.parse::<DerivationPath>(), Err(HdError::Path { .. })),
            "{bad:?}"
        );
    }
    let deep = format!("m{}", "/0".repeat(256));
    assert_eq!(deep.parse::<DerivationPath>(), Err(HdError::PathDepth));
    assert_eq!(
        ExtendedPrivateKey::master(&[0; 15]).unwrap_err(),
        HdError::SeedLength { len: 15 }
    );
    assert_eq!(
        ExtendedPrivateKey::master(&[0; 65]).unwrap_err(),
        HdError::SeedLength { len: 65 }
    );
}

// ---------------------------------------------------------------------------------------------
// Status's paths

#[test]
fn nim_status_chat_and_wallet_keys() {
    // NS test/nim/bip32.nim
    let chat = derive(PANDA, "", CHAT_KEY_PATH);
    assert_eq!(
        hex::encode(chat.to_bytes()),
        "38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981c2"
    );
    assert_eq!(
        pub_hex(&chat),
        "04ac5a45f2a90052cee10b22b74832f2deb814d58e35aa3f01a249160615a238aef3a34ba86e1817fc8c5a6e93e3c5f159f6c46e922c85d47bafc4b78e07718279"
    );
    let wallet = derive(PANDA, "", WALLET_KEY_PATH);
    assert_eq!(
        hex::encode(wallet.to_bytes()),
        "ff1e68eb7bf2f48651c47ef0177eb815857322257c5894bb4cfd1176c9989314"
    );
    // computed here
    assert_eq!(
        address(&wallet),
        "0x63F9A92D8D61b48a9fFF8d58080425A3012d05C8"
    );
}

#[test]
fn status_go_hd_wallet_compatibility() {
    // SG24 account/generator/generator_test.go, extkeys/hdkey_test.go TestHDWalletCompatibility
    let wallet = derive(ABANDON, "TREZOR", WALLET_KEY_PATH);
    assert_eq!(
        hex::encode(wallet.to_bytes()),
        "62f1d86b246c81bdd8f6c166d56896a4a5e1eddbcaebe06480e5c0bc74c28224"
    );
    assert_eq!(
        pub_hex(&wallet),
        "04986dee3b8afe24cb8ccb2ac23dac3f8c43d22850d14b809b26d6b8aa5a1f47784152cd2c7d9edd0ab20392a837464b5a750b2a7f3f06e6a5756b5211b6a6ed05"
    );
    assert_eq!(
        address(&wallet),
        "0x9c32F71D4DB8Fb9e1A58B0a80dF79935e7256FA6"
    );
    let second = derive(ABANDON, "TREZOR", "m/44'/60'/0'/0/1");
    assert_eq!(
        address(&second),
        "0x7AF7283bd1462C3b957e8FAc28Dc19cBbF2FAdfe"
    );
}

#[test]
fn old_mobile_user_upgrade_keys() {
    // SG24 api/old_mobile_user_upgrading_from_v1_to_v2_test.go
    assert_eq!(
        pub_hex(&derive(VOCAL, "", WALLET_KEY_PATH)),
        "04fde3e58a7379161da2adf033fbee076e2ba11fca8b07c4d06610b399911a60017e4c108eae243487d19e273f99c2d6af13ff5e330783f4389212092b01cc616c"
    );
    // computed here
    assert_eq!(
        pub_hex(&derive(VOCAL, "", CHAT_KEY_PATH)),
        "04568b236d205e034403fd02d1fd15a669feea5da7efc5e63e6338ecec0eab2d6c1fadd6b3177e06b469fe36e5c814e27a60eced129b2804bb827130e926a058a7"
    );
}

#[test]
fn computed_here_rows() {
    // app-notes §4, computed here; the wallet addresses are the widely published MetaMask/ethers
    // address of `abandon … about` and Hardhat's account #0.
    let chat = derive(ABANDON, "", CHAT_KEY_PATH);
    assert_eq!(
        hex::encode(chat.to_bytes()),
        "20e61d44eb73cb7d5ff4526bac8c0b96451d8e018b2d6c79022e7ce3b583a754"
    );
    assert_eq!(
        pub_hex(&chat),
        "041c0b489f112aa9334a0c41e349757e3edd6b0ce761bebc6b14b4901a10aa77966f0b3648e289857fe223ed0230f7383c420ec303b620f07503e1ac66beab0837"
    );
    assert_eq!(
        address(&derive(ABANDON, "", WALLET_KEY_PATH)),
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    );
    assert_eq!(
        address(&derive(JUNK, "", WALLET_KEY_PATH)),
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    assert_eq!(
        pub_hex(&derive(JUNK, "", CHAT_KEY_PATH)),
        "04b0845dbe5aac196a2c1606fe3199e5ec9b2bd09a5bd801e478409544745bf6898bad70ee31d6c3061a86101a087bb605ce3c88292888221c992a17e8d6e40eaf"
    );
}

// ---------------------------------------------------------------------------------------------
// Identity

#[test]
fn identity_from_phrase_uses_status_paths_and_exports_the_phrase() {
    let id = Identity::from_phrase(&format!(" {PANDA} "), " Alice ").unwrap();
    assert_eq!(id.origin(), Origin::RecoveryPhrase);
    assert_eq!(id.name(), "Alice");
    assert_eq!(
        *id.export_hex(),
        "0x38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981c2"
    );
    assert_eq!(id.export_phrase(), Some(PANDA));
    assert_eq!(
        id.wallet_address().to_checksum(),
        "0x63F9A92D8D61b48a9fFF8d58080425A3012d05C8"
    );
    let debug = format!("{id:?}");
    assert!(
        !debug.contains("38ac4da4") && !debug.contains("panda"),
        "{debug}"
    );
}

#[test]
fn identity_from_hex_with_or_without_0x() {
    let key = "38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981c2";
    let a = Identity::from_hex(key, "Bob").unwrap();
    let b = Identity::from_hex(&format!("0x{}", key.to_uppercase()), "Bob").unwrap();
    assert_eq!(a.public_key(), b.public_key());
    assert_eq!(a.origin(), Origin::ImportedKey);
    assert_eq!(a.export_phrase(), None);
    assert_eq!(*a.export_hex(), format!("0x{key}"));
    // No phrase, so a wallet key of its own, never the chat key.
    assert_ne!(a.wallet_key().public_key(), a.public_key());
    assert_ne!(
        a.wallet_address(),
        Address::from_public_key(&a.public_key())
    );
}

#[test]
fn generated_identity_has_a_phrase_that_restores_it() {
    let id = Identity::generate("Carol").unwrap();
    assert_eq!(id.origin(), Origin::Generated);
    let phrase = id.export_phrase().unwrap();
    assert_eq!(phrase.split(' ').count(), 12);
    let restored = Identity::from_phrase(phrase, "Carol").unwrap();
    assert_eq!(restored.public_key(), id.public_key());
    assert_eq!(restored.wallet_address(), id.wallet_address());
}

#[test]
fn bad_identity_input_gets_typed_errors() {
    for bad in [
        "",
        "0x",
        "zz",
        "38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981",
        "38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981c2ff",
        "0x38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981g2",
        "0x38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981ç",
    ] {
        assert_eq!(
            Identity::from_hex(bad, "x").unwrap_err(),
            IdentityError::PrivateKeyHex,
            "{bad:?}"
        );
    }
    assert_eq!(
        Identity::from_hex(&"00".repeat(32), "x").unwrap_err(),
        IdentityError::Key(KeyError::PrivateKeyOutOfRange)
    );
    assert_eq!(
        Identity::from_hex(&"ff".repeat(32), "x").unwrap_err(),
        IdentityError::Key(KeyError::PrivateKeyOutOfRange)
    );
    assert_eq!(
        Identity::from_phrase("one two", "x").unwrap_err(),
        IdentityError::Mnemonic(MnemonicError::WordCount { count: 2 })
    );
    assert_eq!(
        Identity::from_phrase(ABANDON, "   ").unwrap_err(),
        IdentityError::EmptyName
    );
    assert_eq!(
        Identity::from_phrase(ABANDON, "a\u{7}b").unwrap_err(),
        IdentityError::NameControlCharacter
    );
    assert_eq!(
        Identity::from_phrase(ABANDON, &"é".repeat(25)).unwrap_err(),
        IdentityError::NameTooLong { chars: 25 }
    );
    let mut id = Identity::from_phrase(ABANDON, &"é".repeat(24)).unwrap();
    id.set_name("Dave").unwrap();
    assert_eq!(id.name(), "Dave");
    assert_eq!(id.set_name(""), Err(IdentityError::EmptyName));
    assert_eq!(id.name(), "Dave");
}

// ---------------------------------------------------------------------------------------------
// Ethereum

#[test]
fn eip55_checksums() {
    // The status-go addresses above, plus https://eips.ethereum.org/EIPS/eip-55's examples.
    for s in [
        "0x9c32F71D4DB8Fb9e1A58B0a80dF79935e7256FA6",
        "0x7AF7283bd1462C3b957e8FAc28Dc19cBbF2FAdfe",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0xde709f2102306220921060314715629080e2fb77",
    ] {
        let a: Address = s.parse().unwrap();
        assert_eq!(a.to_checksum(), s);
        assert_eq!(a.to_string(), s);
        let lower: Address = s.to_lowercase().parse().unwrap();
        assert_eq!(lower, a);
    }
    assert_eq!(
        "0x9c32f71D4DB8Fb9e1A58B0a80dF79935e7256FA6".parse::<Address>(),
        Err(EthError::AddressChecksum)
    );
    assert_eq!(
        "9c32F71D4DB8Fb9e1A58B0a80dF79935e7256FA6".parse::<Address>(),
        Err(EthError::AddressLength { len: 40 })
    );
    assert_eq!(
        "0x9c32F71D4DB8Fb9e1A58B0a80dF79935e7256FA".parse::<Address>(),
        Err(EthError::AddressLength { len: 41 })
    );
    assert_eq!(
        "0x9c32F71D4DB8Fb9e1A58B0a80dF79935e7256FAg".parse::<Address>(),
        Err(EthError::AddressHex)
    );
}

/// app-notes §5: the request-to-join vector (computed here; the signature reproduced with
/// @noble/curves 2.4.0).
#[test]
fn request_to_join_signature_vector() {
    let requester = Identity::from_phrase(ABANDON, "Requester").unwrap();
    let community = derive(JUNK, "", CHAT_KEY_PATH).public_key();
    assert_eq!(
        requester.public_key().to_uncompressed_hex(),
        "0x041c0b489f112aa9334a0c41e349757e3edd6b0ce761bebc6b14b4901a10aa77966f0b3648e289857fe223ed0230f7383c420ec303b620f07503e1ac66beab0837"
    );
    assert_eq!(
        community.to_compressed_hex(),
        "0x03b0845dbe5aac196a2c1606fe3199e5ec9b2bd09a5bd801e478409544745bf689"
    );
    let requester_key = requester.public_key();
    assert_eq!(
        hex::encode(request_to_join_id(&requester_key, &community)),
        "c1c7b2962d227d26019e64513b2207907ff0e7abe0ca23d370573cf06e17e3f6"
    );
    let message = revealed_account_message(&requester_key, &community);
    assert_eq!(
        hex::encode(message),
        "88bc1d8ca9238c4a49893f34364e41f7bcce363c6e5bf5816432f93fa84f7c1a"
    );
    assert_eq!(
        hex::encode(personal_sign_hash(&message)),
        "5a623cc7c1fa5852de5010da9858ce919670b78b3059df530c7868f03e968d3a"
    );
    let revealed = requester.sign_revealed_account(&community);
    assert_eq!(
        revealed.address,
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    );
    assert_eq!(
        hex::encode(&revealed.signature),
        "57012e95f1037d7424020561a945a963e14ce0efba96d00609eb99a9b6e77dcf7d7ccf3ebbaf5c346a80f0683e05f81452d2293befe66bd1f152c72353de45b81c"
    );
    assert_eq!(revealed.signature[64], 28);
    assert_eq!(
        RevealedAccount::sign(
            requester.wallet_key(),
            &requester_key,
            &community,
            vec![1],
            true
        ),
        revealed
    );
    assert_eq!(revealed.verify(&requester_key, &community), Ok(()));
    // Another requester, or another community, and the signature no longer fits.
    let other = derive(VOCAL, "", CHAT_KEY_PATH).public_key();
    for (r, c) in [(&other, &community), (&requester_key, &other)] {
        assert!(matches!(
            revealed.verify(r, c),
            Err(JoinError::AccountSignature { .. })
        ));
    }
}

#[test]
fn personal_sign_round_trip_and_v_byte() {
    let key = derive(JUNK, "", WALLET_KEY_PATH);
    let sig = personal_sign(&key, b"hello");
    assert!(sig[64] == 27 || sig[64] == 28);
    assert_eq!(
        personal_ec_recover(b"hello", &sig).unwrap().to_checksum(),
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    assert_ne!(
        personal_ec_recover(b"hellp", &sig).unwrap(),
        Address::from_public_key(&key.public_key())
    );
    // go-ethereum's personal_ecRecover refuses a 0/1 v byte.
    let mut raw = sig;
    raw[64] -= 27;
    assert_eq!(
        personal_ec_recover(b"hello", &raw),
        Err(EthError::SignatureV { v: raw[64] })
    );
    assert_eq!(
        personal_ec_recover(b"hello", &sig[..64]),
        Err(EthError::Key(KeyError::SignatureLength { len: 64 }))
    );
    let mut zero = sig;
    zero[..32].fill(0);
    assert_eq!(
        personal_ec_recover(b"hello", &zero),
        Err(EthError::Key(KeyError::SignatureScalars))
    );
    // EIP-191's length is decimal: a 100-byte message says "100".
    let long = [7u8; 100];
    let mut prefixed = b"\x19Ethereum Signed Message:\n100".to_vec();
    prefixed.extend_from_slice(&long);
    assert_eq!(
        personal_sign_hash(&long),
        hearth::status::keys::keccak256(&prefixed)
    );
}

// ---------------------------------------------------------------------------------------------
// Wrapping

fn alice() -> Identity {
    Identity::from_phrase(PANDA, "Alice").unwrap()
}

fn same(a: &Identity, b: &Identity) {
    assert_eq!(a.public_key(), b.public_key());
    assert_eq!(a.wallet_key().to_bytes(), b.wallet_key().to_bytes());
    assert_eq!(a.name(), b.name());
    assert_eq!(a.origin(), b.origin());
    assert_eq!(a.export_phrase(), b.export_phrase());
    assert_eq!(*a.export_hex(), *b.export_hex());
}

/// One passphrase wrap shared by the tests below: 600,000 PBKDF2 rounds each way is the slow part.
#[test]
fn passphrase_wrap_round_trip_wrong_passphrase_and_tampering() {
    let id = alice();
    let record = wrap_with_passphrase(&id, "correct horse battery staple").unwrap();
    assert_eq!(record.version, wrap::RECORD_VERSION);
    assert_eq!(record.public_key, id.public_key().to_compressed_hex());
    assert_eq!(record.name, "Alice");
    let Sealed::Passphrase {
        iterations,
        ciphertext,
        ..
    } = &record.sealed
    else {
        panic!("not a passphrase record");
    };
    assert_eq!(*iterations, PASSPHRASE_ITERATIONS);
    // Nothing secret in the clear: neither key nor phrase appears in the serialised record.
    let json = serde_json::to_string(&record).unwrap();
    assert!(
        json.contains("\"algorithm\":\"pbkdf2-sha256-aes-256-gcm\""),
        "{json}"
    );
    for secret in [
        "38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981c2",
        "ff1e68eb7bf2f48651c47ef0177eb815857322257c5894bb4cfd1176c9989314",
        "panda",
    ] {
        assert!(!json.contains(secret));
    }
    let back: WrappedIdentity = serde_json::from_str(&json).unwrap();
    assert_eq!(back, record);
    same(
        &unwrap_with_passphrase(&back, "correct horse battery staple").unwrap(),
        &id,
    );

    assert_eq!(
        unwrap_with_passphrase(&record, "correct horse battery stapler").unwrap_err(),
        WrapError::WrongPassphrase
    );

    // A flipped ciphertext bit, and an edited clear field, with the right passphrase.
    let mut flipped = record.clone();
    if let Sealed::Passphrase { ciphertext: c, .. } = &mut flipped.sealed {
        let mut bytes = hex::decode(&*c).unwrap();
        bytes[5] ^= 1;
        *c = hex::encode(bytes);
    }
    assert_eq!(
        unwrap_with_passphrase(&flipped, "correct horse battery staple").unwrap_err(),
        WrapError::Tampered
    );
    let mut renamed = record.clone();
    renamed.name = "Mallory".into();
    assert_eq!(
        unwrap_with_passphrase(&renamed, "correct horse battery staple").unwrap_err(),
        WrapError::Tampered
    );
    assert!(!ciphertext.is_empty());
}

/// A passphrase record's iterations, salt, iv and ciphertext, to edit.
fn fields(r: &mut WrappedIdentity) -> (&mut u32, &mut String, &mut String, &mut String) {
    match &mut r.sealed {
        Sealed::Passphrase {
            iterations,
            salt,
            iv,
            ciphertext,
            ..
        } => (iterations, salt, iv, ciphertext),
        Sealed::DeviceKey { .. } => panic!("not a passphrase record"),
    }
}

#[test]
fn malformed_passphrase_records_fail_before_any_key_stretching() {
    let id = Identity::from_hex(&"11".repeat(32), "Erin").unwrap();
    assert_eq!(
        wrap_with_passphrase(&id, "").unwrap_err(),
        WrapError::EmptyPassphrase
    );
    let template = WrappedIdentity {
        version: wrap::RECORD_VERSION,
        public_key: id.public_key().to_compressed_hex(),
        wallet_address: id.wallet_address().to_checksum(),
        name: "Erin".into(),
        origin: Origin::ImportedKey,
        sealed: Sealed::Passphrase {
            iterations: PASSPHRASE_ITERATIONS,
            salt: "00".repeat(16),
            check: "00".repeat(16),
            iv: "00".repeat(12),
            ciphertext: "00".repeat(81),
        },
    };
    let with = |f: &dyn Fn(&mut WrappedIdentity)| {
        let mut r = template.clone();
        f(&mut r);
        unwrap_with_passphrase(&r, "pw").unwrap_err()
    };
    assert_eq!(with(&|r| r.version = 2), WrapError::Version { found: 2 });
    assert_eq!(
        with(&|r| *fields(r).0 = u32::MAX),
        WrapError::Iterations { found: u32::MAX }
    );
    assert_eq!(
        with(&|r| *fields(r).0 = 1),
        WrapError::Iterations { found: 1 }
    );
    assert!(matches!(
        with(&|r| *fields(r).1 = "00".into()),
        WrapError::Field { field: "salt", .. }
    ));
    assert!(matches!(
        with(&|r| *fields(r).2 = "zz".repeat(12)),
        WrapError::Field { field: "iv", .. }
    ));
    assert!(matches!(
        with(&|r| *fields(r).3 = "00".repeat(100_000)),
        WrapError::Field {
            field: "ciphertext",
            ..
        }
    ));
    assert!(matches!(
        with(&|r| *fields(r).3 = "0g".into()),
        WrapError::Field {
            field: "ciphertext",
            ..
        }
    ));
    assert_eq!(
        unwrap_with_passphrase(&template, "").unwrap_err(),
        WrapError::EmptyPassphrase
    );
    let device = WrappedIdentity {
        sealed: Sealed::DeviceKey {
            iv: "00".repeat(12),
            ciphertext: "00".repeat(81),
        },
        ..template.clone()
    };
    assert!(matches!(
        unwrap_with_passphrase(&device, "pw").unwrap_err(),
        WrapError::Algorithm { .. }
    ));
    // A record from a newer schema, as JSON, is refused with its version named.
    let mut json: serde_json::Value = serde_json::to_value(&template).unwrap();
    json["version"] = 7.into();
    let newer: WrappedIdentity = serde_json::from_value(json).unwrap();
    assert_eq!(
        unwrap_with_passphrase(&newer, "pw").unwrap_err(),
        WrapError::Version { found: 7 }
    );
    assert!(serde_json::from_str::<WrappedIdentity>(r#"{"version":1}"#).is_err());
}

#[test]
fn imported_key_wraps_with_its_own_wallet_key() {
    let id = Identity::from_hex(&"22".repeat(32), "Frank").unwrap();
    let record = wrap_with_passphrase(&id, "pw").unwrap();
    assert_eq!(record.origin, Origin::ImportedKey);
    let back = unwrap_with_passphrase(&record, "pw").unwrap();
    same(&back, &id);
    assert_eq!(back.export_phrase(), None);
    let _: PublicKey = back.public_key();
}

#[cfg(target_arch = "wasm32")]
mod device_key {
    use super::*;
    use hearth::identity::wrap::{
        generate_device_key, unwrap_with_device_key, wrap_with_device_key,
    };
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    async fn device_key_is_not_extractable_and_round_trips() {
        let key = generate_device_key().await.unwrap();
        assert!(!key.extractable());
        // exportKey refuses a non-extractable key: the bytes cannot be read by script.
        let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
        let export = subtle.export_key("raw", &key).unwrap();
        assert!(JsFuture::from(export).await.is_err());

        let id = alice();
        let record = wrap_with_device_key(&id, &key).await.unwrap();
        let json = serde_json::to_string(&record).unwrap();
        assert!(
            json.contains("\"algorithm\":\"webcrypto-aes-256-gcm\""),
            "{json}"
        );
        assert!(!json.contains("38ac4da490b5c48a06d0a2fe7900c56b6639b88f6f71303590f28047411981c2"));
        let back: WrappedIdentity = serde_json::from_str(&json).unwrap();
        same(&unwrap_with_device_key(&back, &key).await.unwrap(), &id);

        // Another device key: the tag does not verify.
        let other = generate_device_key().await.unwrap();
        assert_eq!(
            unwrap_with_device_key(&record, &other).await.unwrap_err(),
            WrapError::Tampered
        );
        // A flipped ciphertext bit, an edited public key.
        let mut flipped = record.clone();
        if let Sealed::DeviceKey { ciphertext, .. } = &mut flipped.sealed {
            let mut bytes = hex::decode(&*ciphertext).unwrap();
            bytes[0] ^= 0x80;
            *ciphertext = hex::encode(bytes);
        }
        assert_eq!(
            unwrap_with_device_key(&flipped, &key).await.unwrap_err(),
            WrapError::Tampered
        );
        let mut swapped = record.clone();
        swapped.public_key = derive(JUNK, "", CHAT_KEY_PATH)
            .public_key()
            .to_compressed_hex();
        assert_eq!(
            unwrap_with_device_key(&swapped, &key).await.unwrap_err(),
            WrapError::Tampered
        );
        // A passphrase record handed to the device key, and a malformed iv.
        let passphrase_record = wrap_with_passphrase(&id, "pw").unwrap();
        assert!(matches!(
            unwrap_with_device_key(&passphrase_record, &key)
                .await
                .unwrap_err(),
            WrapError::Algorithm { .. }
        ));
        let mut bad_iv = record.clone();
        if let Sealed::DeviceKey { iv, .. } = &mut bad_iv.sealed {
            *iv = "00".into();
        }
        assert!(matches!(
            unwrap_with_device_key(&bad_iv, &key).await.unwrap_err(),
            WrapError::Field { field: "iv", .. }
        ));
    }
}
