//! The user's identity: a secp256k1 chat key, a display name, and where the key came from.
//!
//! A Status profile is a recovery phrase (BIP-39) from which status-go derives the chat key at
//! `m/43'/60'/1581'/0'/0` (EIP-1581) and the first wallet account at `m/44'/60'/0'/0/0`. Hearth
//! can create such a profile (a new 12-word phrase, restorable in Status Desktop), restore one from
//! its phrase, or take a bare hex private key. The wallet key is what a request to join reveals
//! and signs (status-go refuses the chat key there); without a phrase there is no wallet to derive,
//! so a separate random key is made and kept alongside the chat key.
//!
//! Keys never reach storage in plaintext: [`wrap`] seals an identity under a non-extractable
//! WebCrypto key (the default, no prompt) or a passphrase; its docs say what each one protects
//! against and what it does not.
//!
//! Why no BIP-32/BIP-39 crate: the tree already links k256 0.14, hmac 0.13, sha2 0.11 and pbkdf2
//! 0.13 (for libp2p and payload encryption), and BIP-32 private derivation on top of them is one
//! HMAC and one scalar addition per level ([`hd`]). `bip32` 0.6 matches those versions but adds
//! ripemd and xprv/xpub code we do not use, and still needs a BIP-39 crate; `coins-bip39` pulls
//! unicode-normalization, thiserror 1 and coins-bip32/coins-core; `bip39` brings its own hash
//! family (bitcoin_hashes); `tiny-bip39` the older pbkdf2/sha2 generation. An English phrase with
//! an empty passphrase is ASCII, so NFKD is the identity and no Unicode tables are needed. The
//! published vectors in `tests/identity.rs` pin the result.

/// Addresses and `personal_sign` live with the request to join they serve (`status::eth`).
pub use crate::status::eth;
pub mod hd;
pub mod mnemonic;
pub mod wrap;

use std::fmt;

use zeroize::Zeroizing;

use crate::status::join::RevealedAccount;
use crate::status::keys::{KeyError, PrivateKey, PublicKey};
use eth::Address;
use hd::{CHAT_KEY_PATH, DerivationPath, ExtendedPrivateKey, HdError, WALLET_KEY_PATH};
pub use mnemonic::{Mnemonic, MnemonicError};

/// Longest display name accepted, in characters: short enough for a member list and a record.
/// (Status apps bound the name too; their exact rule is not mirrored here.)
pub const MAX_NAME_CHARS: usize = 24;

/// Why an identity could not be made or imported. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error(transparent)]
    Mnemonic(#[from] MnemonicError),
    #[error(transparent)]
    Derivation(#[from] HdError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("private key must be 64 hex digits (optionally 0x-prefixed)")]
    PrivateKeyHex,
    #[error("a display name needs at least one visible character")]
    EmptyName,
    #[error("a display name has at most {MAX_NAME_CHARS} characters, got {chars}")]
    NameTooLong { chars: usize },
    #[error("a display name may not contain control characters")]
    NameControlCharacter,
    #[error("the wallet key must not be the chat key: status-go refuses a request that reveals it")]
    WalletIsChatKey,
}

/// Where the chat key came from: decides what can be exported back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Made here, from a new recovery phrase (which can be shown once and exported).
    Generated,
    /// A hex private key the user brought; there is no phrase.
    ImportedKey,
    /// Restored from the recovery phrase of an existing Status profile.
    RecoveryPhrase,
}

/// The user's keys and name. Debug output shows the public key only; the private keys and the
/// phrase are wiped from memory when dropped.
#[derive(Clone)]
pub struct Identity {
    chat_key: PrivateKey,
    wallet_key: PrivateKey,
    name: String,
    origin: Origin,
    mnemonic: Option<Mnemonic>,
}

impl Identity {
    /// A new profile from a fresh 12-word phrase, as Status Desktop makes one: the same phrase
    /// restores the same chat key and wallet there.
    pub fn generate(name: &str) -> Result<Self, IdentityError> {
        let mnemonic = Mnemonic::generate(mnemonic::DEFAULT_WORD_COUNT)?;
        Self::derive(mnemonic, name, Origin::Generated)
    }

    /// Restores a Status profile from its recovery phrase (any whitespace, capitals allowed).
    pub fn from_phrase(phrase: &str, name: &str) -> Result<Self, IdentityError> {
        let mnemonic = Mnemonic::parse(phrase)?;
        Self::derive(mnemonic, name, Origin::RecoveryPhrase)
    }

    /// Takes a 32-byte private key as 64 hex digits, with or without `0x` (what status-go and
    /// `hearth channel send --key-file` use). A separate random wallet key is generated for
    /// requests to join.
    pub fn from_hex(private_key: &str, name: &str) -> Result<Self, IdentityError> {
        let chat_key = parse_private_key_hex(private_key)?;
        let wallet_key = PrivateKey::generate()?;
        Self::from_parts(chat_key, wallet_key, name, Origin::ImportedKey, None)
    }

    /// Reassembles an identity from its parts (unwrapping a stored record). Checks the name and
    /// that the wallet key is not the chat key.
    pub(crate) fn from_parts(
        chat_key: PrivateKey,
        wallet_key: PrivateKey,
        name: &str,
        origin: Origin,
        mnemonic: Option<Mnemonic>,
    ) -> Result<Self, IdentityError> {
        let name = check_name(name)?;
        if wallet_key.public_key() == chat_key.public_key() {
            return Err(IdentityError::WalletIsChatKey);
        }
        Ok(Self {
            chat_key,
            wallet_key,
            name,
            origin,
            mnemonic,
        })
    }

    fn derive(mnemonic: Mnemonic, name: &str, origin: Origin) -> Result<Self, IdentityError> {
        // Status passes an empty BIP-39 passphrase on every profile path (app-notes §4).
        let seed = mnemonic.to_seed("")?;
        let master = ExtendedPrivateKey::master(&*seed)?;
        let chat_key = master.derive(&chat_key_path())?.private_key().clone();
        let wallet_key = master.derive(&wallet_key_path())?.private_key().clone();
        Self::from_parts(chat_key, wallet_key, name, origin, Some(mnemonic))
    }

    /// The key that signs every message and names the user (`0x04…` in status-go).
    pub fn chat_key(&self) -> &PrivateKey {
        &self.chat_key
    }

    pub fn public_key(&self) -> PublicKey {
        self.chat_key.public_key()
    }

    /// The key behind the revealed account of a request to join: the profile's first wallet
    /// account with a phrase, else a key of Hearth's own. Never the chat key.
    pub fn wallet_key(&self) -> &PrivateKey {
        &self.wallet_key
    }

    pub fn wallet_address(&self) -> Address {
        Address::from_public_key(&self.wallet_key.public_key())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renames (trimmed, checked as at creation).
    pub fn set_name(&mut self, name: &str) -> Result<(), IdentityError> {
        self.name = check_name(name)?;
        Ok(())
    }

    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The private key as 64 lowercase hex digits with `0x`, for the user to copy out. Wiped when
    /// dropped.
    pub fn export_hex(&self) -> Zeroizing<String> {
        let bytes = Zeroizing::new(self.chat_key.to_bytes());
        Zeroizing::new(format!("0x{}", hex::encode(*bytes)))
    }

    /// The recovery phrase, when the key came from one (generated or restored).
    pub fn export_phrase(&self) -> Option<&str> {
        self.mnemonic.as_ref().map(Mnemonic::phrase)
    }

    pub(crate) fn mnemonic(&self) -> Option<&Mnemonic> {
        self.mnemonic.as_ref()
    }

    /// The revealed account for a request to join `community`: the wallet address and its
    /// EIP-191 signature over this identity's request (status-wire.md §6.1).
    ///
    /// Revealed on Ethereum mainnet and marked as the airdrop address, as Status Desktop reveals
    /// its default wallet.
    pub fn sign_revealed_account(&self, community: &PublicKey) -> RevealedAccount {
        RevealedAccount::sign(
            &self.wallet_key,
            &self.public_key(),
            community,
            vec![1],
            true,
        )
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("public_key", &self.public_key())
            .field("name", &self.name)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// `m/43'/60'/1581'/0'/0`, parsed.
pub fn chat_key_path() -> DerivationPath {
    CHAT_KEY_PATH
        .parse()
        .unwrap_or_else(|_| unreachable!("the constant path parses"))
}

/// `m/44'/60'/0'/0/0`, parsed.
pub fn wallet_key_path() -> DerivationPath {
    WALLET_KEY_PATH
        .parse()
        .unwrap_or_else(|_| unreachable!("the constant path parses"))
}

/// Parses a hex private key; the error never echoes the input.
pub fn parse_private_key_hex(s: &str) -> Result<PrivateKey, IdentityError> {
    let s = s.trim();
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if digits.len() != 64 {
        return Err(IdentityError::PrivateKeyHex);
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(digits, &mut *bytes).map_err(|_| IdentityError::PrivateKeyHex)?;
    Ok(PrivateKey::from_bytes(&*bytes)?)
}

fn check_name(name: &str) -> Result<String, IdentityError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(IdentityError::EmptyName);
    }
    if name.chars().any(char::is_control) {
        return Err(IdentityError::NameControlCharacter);
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(IdentityError::NameTooLong { chars });
    }
    Ok(name.to_owned())
}
