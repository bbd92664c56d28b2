//! BIP-32 private derivation: from a BIP-39 seed to the keys at Status's paths.
//!
//! Only private-parent → private-child derivation (`CKDpriv`), which is all a wallet that holds
//! its seed needs; no extended-key serialisation (xprv/xpub), no public derivation.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use k256::elliptic_curve::ff::PrimeField;
use k256::{FieldBytes, Scalar};
use sha2::Sha512;
use zeroize::Zeroizing;

use crate::status::keys::PrivateKey;

/// Indices at or above this are hardened (written `i'`): derived from the private key, so a
/// leaked child public key and chain code reveal nothing about siblings.
pub const HARDENED: u32 = 1 << 31;

/// The chat (profile) key of a Status profile: EIP-1581's `m/43'/60'/1581'`, key type 0' (chat),
/// index 0 (status-go `pathDefaultChat`).
pub const CHAT_KEY_PATH: &str = "m/43'/60'/1581'/0'/0";

/// The profile's first wallet account (status-go `pathDefaultWallet`), whose address Status
/// Desktop reveals when it asks to join a community.
pub const WALLET_KEY_PATH: &str = "m/44'/60'/0'/0/0";

/// BIP-32 stores depth in one byte.
const MAX_DEPTH: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HdError {
    #[error(
        "derivation path {path:?} is not m/… with decimal indices below 2^31 (' or h marks hardened)"
    )]
    Path { path: String },
    #[error("derivation path is deeper than {MAX_DEPTH} levels")]
    PathDepth,
    #[error("a BIP-32 seed is 16 to 64 bytes, got {len}")]
    SeedLength { len: usize },
    /// BIP-32's "proceed with the next index" case (probability below 2^-127 per step). Status
    /// derives fixed indices, so it is reported rather than skipped.
    #[error("index {index} gives no valid key; BIP-32 says use the next one")]
    InvalidChild { index: u32 },
    /// The seed's HMAC is not a valid key (probability below 2^-127): BIP-32 calls the seed
    /// unusable.
    #[error("this seed gives no valid master key")]
    InvalidMaster,
}

/// A parsed path such as `m/44'/60'/0'/0/0`.
#[derive(Clone, PartialEq, Eq)]
pub struct DerivationPath(Vec<u32>);

impl DerivationPath {
    pub fn indices(&self) -> &[u32] {
        &self.0
    }
}

impl FromStr for DerivationPath {
    type Err = HdError;

    fn from_str(s: &str) -> Result<Self, HdError> {
        let bad = || HdError::Path {
            path: s.chars().take(64).collect(),
        };
        let mut parts = s.split('/');
        if parts.next() != Some("m") {
            return Err(bad());
        }
        let mut indices = Vec::new();
        for part in parts {
            if indices.len() == MAX_DEPTH {
                return Err(HdError::PathDepth);
            }
            let (digits, hardened) = match part.strip_suffix(['\'', 'h', 'H']) {
                Some(d) => (d, true),
                None => (part, false),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let index: u32 = digits.parse().map_err(|_| bad())?;
            if index >= HARDENED {
                return Err(bad());
            }
            indices.push(if hardened { index | HARDENED } else { index });
        }
        Ok(Self(indices))
    }
}

impl fmt::Display for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m")?;
        for &i in &self.0 {
            if i >= HARDENED {
                write!(f, "/{}'", i - HARDENED)?;
            } else {
                write!(f, "/{i}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DerivationPath({self})")
    }
}

/// A private key with its chain code: a node of the BIP-32 tree.
#[derive(Clone)]
pub struct ExtendedPrivateKey {
    key: PrivateKey,
    chain_code: Zeroizing<[u8; 32]>,
}

type HmacSha512 = Hmac<Sha512>;

fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 64]> {
    // HMAC takes keys of any length.
    let mut mac = <HmacSha512 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    for part in parts {
        mac.update(part);
    }
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

impl ExtendedPrivateKey {
    /// The root: HMAC-SHA512(key = "Bitcoin seed", seed), left half the key, right half the chain
    /// code (BIP-32; status-go `extkeys.NewMaster`).
    pub fn master(seed: &[u8]) -> Result<Self, HdError> {
        if !(16..=64).contains(&seed.len()) {
            return Err(HdError::SeedLength { len: seed.len() });
        }
        let i = hmac_sha512(b"Bitcoin seed", &[seed]);
        let key = PrivateKey::from_bytes(&i[..32]).map_err(|_| HdError::InvalidMaster)?;
        let mut chain_code = Zeroizing::new([0u8; 32]);
        chain_code.copy_from_slice(&i[32..]);
        Ok(Self { key, chain_code })
    }

    /// `CKDpriv`: I = HMAC-SHA512(chain code, data ‖ index), data = 0x00 ‖ key for a hardened
    /// index, else the compressed public key; child = IL + key (mod n), chain code = IR.
    pub fn child(&self, index: u32) -> Result<Self, HdError> {
        let secret = Zeroizing::new(self.key.to_bytes());
        let i = if index >= HARDENED {
            hmac_sha512(&*self.chain_code, &[&[0], &*secret, &index.to_be_bytes()])
        } else {
            let public = self.key.public_key().to_compressed();
            hmac_sha512(&*self.chain_code, &[&public, &index.to_be_bytes()])
        };
        let mut il = FieldBytes::default();
        il.copy_from_slice(&i[..32]);
        let il: Option<Scalar> = Scalar::from_repr(il).into();
        let il = il.ok_or(HdError::InvalidChild { index })?;
        let mut parent = FieldBytes::default();
        parent.copy_from_slice(&*secret);
        let parent: Option<Scalar> = Scalar::from_repr(parent).into();
        // The parent is a valid private key, hence a canonical scalar.
        let parent = parent.ok_or(HdError::InvalidChild { index })?;
        let sum = Zeroizing::new(<[u8; 32]>::from((il + parent).to_repr()));
        let key = PrivateKey::from_bytes(&*sum).map_err(|_| HdError::InvalidChild { index })?;
        let mut chain_code = Zeroizing::new([0u8; 32]);
        chain_code.copy_from_slice(&i[32..]);
        Ok(Self { key, chain_code })
    }

    /// Walks `path` from this node (normally the master).
    pub fn derive(&self, path: &DerivationPath) -> Result<Self, HdError> {
        let mut node = self.clone();
        for &index in path.indices() {
            node = node.child(index)?;
        }
        Ok(node)
    }

    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    pub fn chain_code(&self) -> &[u8; 32] {
        &self.chain_code
    }
}

impl fmt::Debug for ExtendedPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExtendedPrivateKey({:?})", self.key)
    }
}
