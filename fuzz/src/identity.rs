//! `hearth::identity`'s parsers: what a person types or pastes (a recovery phrase, a hex private
//! key, an address, a derivation path), on any bytes.

use std::sync::LazyLock;

use hearth::identity::eth::Address;
use hearth::identity::hd::{DerivationPath, ExtendedPrivateKey};
use hearth::identity::mnemonic::{Mnemonic, WORD_COUNTS};
use hearth::identity::parse_private_key_hex;

/// BIP32 test vector 1's master key: derivation runs from it on parsed paths.
static MASTER: LazyLock<ExtendedPrivateKey> = LazyLock::new(|| {
    ExtendedPrivateKey::master(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
        .expect("a 16-byte seed")
});

/// Derivation costs an HMAC and (unhardened) a point multiplication per level; deeper paths are
/// parsed but not walked, to keep the fuzzer fast.
const MAX_WALKED_DEPTH: usize = 6;

/// The input as a phrase, as entropy, as a hex key, as an address and as a path.
///
/// Invariants: a phrase that parses has a BIP-39 word count and its canonical form parses to
/// itself; entropy of a valid length gives a phrase that parses back to the same phrase; a hex key
/// that parses prints back (as lowercase hex) to the same key; an address that parses prints its
/// EIP-55 and lowercase forms, which parse to the same address; a path that parses prints to one
/// that parses to the same path, and walking it never panics.
pub fn identity_input(data: &[u8]) {
    let text = String::from_utf8_lossy(data);

    if let Ok(m) = Mnemonic::parse(&text) {
        assert!(WORD_COUNTS.contains(&m.word_count()));
        assert_eq!(Mnemonic::parse(m.phrase()).as_ref(), Ok(&m));
    }
    if let Ok(m) = Mnemonic::from_entropy(data) {
        assert_eq!(m.word_count(), data.len() * 3 / 4);
        assert_eq!(Mnemonic::parse(m.phrase()).as_ref(), Ok(&m));
    }

    if let Ok(key) = parse_private_key_hex(&text) {
        let again =
            parse_private_key_hex(&hex::encode(key.to_bytes())).expect("printed key parses");
        assert_eq!(again.public_key(), key.public_key());
    }

    if let Ok(address) = text.parse::<Address>() {
        let checksummed = address.to_checksum();
        assert_eq!(checksummed.parse::<Address>(), Ok(address));
        assert_eq!(checksummed.to_lowercase().parse::<Address>(), Ok(address));
    }

    if let Ok(path) = text.parse::<DerivationPath>() {
        assert_eq!(path.to_string().parse::<DerivationPath>(), Ok(path.clone()));
        if path.indices().len() <= MAX_WALKED_DEPTH {
            let _ = MASTER.derive(&path);
        }
    }
}
