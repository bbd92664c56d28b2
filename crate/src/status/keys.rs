//! secp256k1 keys as Status uses them: the three textual forms of a public key, recoverable
//! signatures over keccak256, and (further down) the ids, topics and symmetric keys derived from
//! them.

use std::fmt;

use k256::ProjectivePoint;
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use k256::elliptic_curve::point::AffineCoordinates;
use sha3::{Digest, Keccak256};

use crate::waku::ContentTopic;

/// multicodec `secp256k1-pub` (0xe7) as an unsigned varint: the prefix of a serialized key.
const SECP256K1_PUB_MULTICODEC: [u8; 2] = [0xe7, 0x01];

/// A Status signature: `r ‖ s ‖ v` with `v` the recovery id, 0 or 1 (go-ethereum's
/// `crypto.Sign` layout, which status-go uses everywhere).
pub const SIGNATURE_LEN: usize = 65;

/// What is wrong with a key, a signature or a textual key form.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("public key must be 33 (compressed) or 65 (uncompressed) bytes, got {len}")]
    PublicKeyLength { len: usize },
    #[error("bytes are not a point on secp256k1")]
    NotOnCurve,
    #[error("private key must be 32 bytes, got {len}")]
    PrivateKeyLength { len: usize },
    #[error("private key is zero or not below the curve order")]
    PrivateKeyOutOfRange,
    #[error("signature must be {SIGNATURE_LEN} bytes, got {len}")]
    SignatureLength { len: usize },
    #[error("signature recovery id must be 0 or 1, got {v}")]
    RecoveryId { v: u8 },
    #[error("signature r or s is zero or not below the curve order")]
    SignatureScalars,
    #[error("no public key can be recovered from this signature")]
    Unrecoverable,
    #[error("key is not hex: {0}")]
    Hex(String),
    #[error("serialized key must start with 'z' (base58btc multibase), got {found:?}")]
    MultibasePrefix { found: Option<char> },
    #[error("serialized key is not base58btc: {0}")]
    Base58(String),
    #[error("serialized key must carry multicodec 0xe7 0x01 (secp256k1-pub), got {found:02x?}")]
    Multicodec { found: Vec<u8> },
    #[error("no system randomness: {0}")]
    Random(String),
    #[error("symmetric key must be {} bytes, got {len}", SymmetricKey::LEN)]
    SymmetricKeyLength { len: usize },
}

/// A secp256k1 public key, kept in its checked form; convert at the edges.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses SEC1 bytes: 33-byte compressed or 65-byte uncompressed (`0x04 ‖ x ‖ y`).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != 33 && bytes.len() != 65 {
            return Err(KeyError::PublicKeyLength { len: bytes.len() });
        }
        VerifyingKey::from_sec1_bytes(bytes)
            .map(Self)
            .map_err(|_| KeyError::NotOnCurve)
    }

    /// Parses `0x`-prefixed or bare hex of either SEC1 form, as status-go prints keys.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let s = s.strip_prefix("0x").unwrap_or(s);
        let bytes = hex::decode(s).map_err(|e| KeyError::Hex(e.to_string()))?;
        Self::from_sec1(&bytes)
    }

    /// Parses the serialized form used in links and profiles: `z` (multibase base58btc) +
    /// base58 of `0xe7 0x01 ‖ compressed key` — the `zQ3sh…` strings.
    pub fn from_serialized(s: &str) -> Result<Self, KeyError> {
        let mut chars = s.chars();
        match chars.next() {
            Some('z') => {}
            found => return Err(KeyError::MultibasePrefix { found }),
        }
        // 2 + 33 bytes encode to at most 48 base58 digits; refuse anything far longer before
        // decoding so a hostile link cannot cost us a quadratic base58 decode.
        if s.len() > 64 {
            return Err(KeyError::Base58(format!(
                "{} characters is too long",
                s.len()
            )));
        }
        let raw = bs58::decode(chars.as_str())
            .into_vec()
            .map_err(|e| KeyError::Base58(e.to_string()))?;
        match raw.split_at_checked(2) {
            Some((prefix, key)) if prefix == SECP256K1_PUB_MULTICODEC => Self::from_sec1(key),
            _ => Err(KeyError::Multicodec {
                found: raw.iter().copied().take(2).collect(),
            }),
        }
    }

    /// 33 bytes: the form community ids and link payloads carry.
    pub fn to_compressed(&self) -> [u8; 33] {
        let mut out = [0u8; 33];
        out.copy_from_slice(self.0.to_sec1_point(true).as_bytes());
        out
    }

    /// 65 bytes `0x04 ‖ x ‖ y`: the form status-go hashes into message ids and chat ids.
    pub fn to_uncompressed(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out.copy_from_slice(self.0.to_sec1_point(false).as_bytes());
        out
    }

    /// The `zQ3sh…` form.
    pub fn to_serialized(&self) -> String {
        let mut raw = Vec::with_capacity(35);
        raw.extend_from_slice(&SECP256K1_PUB_MULTICODEC);
        raw.extend_from_slice(&self.to_compressed());
        format!("z{}", bs58::encode(raw).into_string())
    }

    /// `0x` + hex of the compressed key: a community id.
    pub fn to_compressed_hex(&self) -> String {
        format!("0x{}", hex::encode(self.to_compressed()))
    }

    /// `0x` + hex of the uncompressed key: how status-go names a member or a signer.
    pub fn to_uncompressed_hex(&self) -> String {
        format!("0x{}", hex::encode(self.to_uncompressed()))
    }

    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_compressed_hex())
    }
}

/// A secp256k1 private key. Debug output never shows the secret.
#[derive(Clone)]
pub struct PrivateKey(SigningKey);

impl PrivateKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != 32 {
            return Err(KeyError::PrivateKeyLength { len: bytes.len() });
        }
        SigningKey::from_slice(bytes)
            .map(Self)
            .map_err(|_| KeyError::PrivateKeyOutOfRange)
    }

    /// A fresh key from the system's randomness (the browser's `crypto.getRandomValues`).
    pub fn generate() -> Result<Self, KeyError> {
        loop {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
            // Out of range with probability ~2^-128; draw again rather than bias the key.
            if let Ok(key) = Self::from_bytes(&seed) {
                return Ok(key);
            }
        }
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes().into()
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(*self.0.verifying_key())
    }

    /// Signs `keccak256(message)`: the signature of 26/WAKU2-PAYLOAD frames and of
    /// ApplicationMetadataMessages. Deterministic (RFC 6979) and low-s.
    pub fn sign_keccak(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.sign_prehash(&keccak256(message))
    }

    /// Signs a 32-byte digest the caller has already computed.
    pub fn sign_prehash(&self, digest: &[u8; 32]) -> [u8; SIGNATURE_LEN] {
        let (sig, recid) = self.0.sign_prehash_recoverable(digest);
        let mut out = [0u8; SIGNATURE_LEN];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = recid.to_byte();
        out
    }

    /// ECDH as go-ethereum's ECIES does it (`GenerateShared`): the 32-byte big-endian X
    /// coordinate of `self · peer`, unhashed. Payload v1's asymmetric mode derives its keys from it.
    pub fn diffie_hellman(&self, peer: &PublicKey) -> [u8; 32] {
        // Both factors are checked (a non-zero scalar, a non-identity point) and the group has
        // prime order, so the product is never the identity.
        let shared =
            ProjectivePoint::from(*peer.0.as_affine()) * *self.0.as_nonzero_scalar().as_ref();
        shared.to_affine().x().into()
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PrivateKey(public {})",
            self.public_key().to_compressed_hex()
        )
    }
}

/// Recovers who signed `keccak256(message)`.
pub fn recover_keccak(message: &[u8], signature: &[u8]) -> Result<PublicKey, KeyError> {
    recover_prehash(&keccak256(message), signature)
}

/// Recovers who signed a 32-byte digest, from a 65-byte `r ‖ s ‖ v` signature.
pub fn recover_prehash(digest: &[u8; 32], signature: &[u8]) -> Result<PublicKey, KeyError> {
    let sig: &[u8; SIGNATURE_LEN] =
        signature
            .try_into()
            .map_err(|_| KeyError::SignatureLength {
                len: signature.len(),
            })?;
    let v = sig[64];
    if v > 1 {
        return Err(KeyError::RecoveryId { v });
    }
    let signature = Signature::from_slice(&sig[..64]).map_err(|_| KeyError::SignatureScalars)?;
    let recid = RecoveryId::new(v == 1, false);
    VerifyingKey::recover_from_prehash(digest, &signature, recid)
        .map(PublicKey)
        .map_err(|_| KeyError::Unrecoverable)
}

pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

// ---------------------------------------------------------------------------------------------
// Chat ids, content topics and symmetric keys (status-wire.md §1, §3)

/// PBKDF2 rounds status-go runs to turn a chat id into its symmetric key. 65356, not 65536: the
/// typo shipped in status-go (`wakuv2/waku.go` `AddSymKeyFromPassword`) and is now protocol.
pub const SYM_KEY_PBKDF2_ROUNDS: u32 = 65356;

/// The id of the chat that carries all of a community's channel traffic since status-go PR #5864
/// (`MemberUpdateChannelID`): one topic per community instead of one per channel.
const MEMBER_UPDATE_SUFFIX: &str = "-memberUpdate";

/// status-go `ContactCodeTopic`: where a user's profile (ContactCodeAdvertisement) is published.
const CONTACT_CODE_SUFFIX: &str = "-contact-code";

/// A community's id as status-go prints and hashes it (`IDString`): `0x` + lowercase hex of the
/// compressed key. Every community chat id starts with it, so it must match byte for byte.
pub fn community_id(community: &PublicKey) -> String {
    community.to_compressed_hex()
}

/// A channel's chat id: the community id with the channel's uuid (its key in
/// `CommunityDescription.chats`) glued on with no separator, as status-go `ChatID` does. Older
/// senders still publish on the topic and key derived from it.
pub fn channel_chat_id(community: &PublicKey, channel_uuid: &str) -> String {
    format!("{}{channel_uuid}", community_id(community))
}

/// The universal chat id, `<community id>-memberUpdate`: topic and key of every channel message
/// current status-go sends.
pub fn member_update_chat_id(community: &PublicKey) -> String {
    format!("{}{MEMBER_UPDATE_SUFFIX}", community_id(community))
}

/// `0x<uncompressed hex>-contact-code`: the chat a user's profile is published on. Note the
/// uncompressed key: a `/u` link carries the compressed form and must be expanded first.
pub fn contact_code_chat_id(user: &PublicKey) -> String {
    format!("{}{CONTACT_CODE_SUFFIX}", user.to_uncompressed_hex())
}

/// The chat requests to a community's control node travel on (request to join, leave, edit
/// shared addresses): hex of the uncompressed community key **without** `0x` (status-go strips it
/// with `PubkeyToHex(..)[2:]`). Messages on it are ECIES-encrypted to the community key.
pub fn control_node_chat_id(community: &PublicKey) -> String {
    hex::encode(community.to_uncompressed())
}

/// status-go `ToTopic`: the first 4 bytes of keccak256 of the chat id string, exactly as written
/// (with its `0x`, lowercase). Which messages a store or filter query returns hangs on it.
pub fn to_topic(chat_id: &str) -> [u8; 4] {
    let hash = keccak256(chat_id.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// The content topic (`/waku/1/0x…/rfc26`) a chat id's messages are published on.
pub fn content_topic(chat_id: &str) -> ContentTopic {
    ContentTopic::status(to_topic(chat_id))
}

/// The AES-256-GCM key of a public chat: anyone who knows the chat id can derive it, so it hides
/// messages from the network, not from readers. Debug output still never shows the bytes, so keys
/// of private chats cannot leak through logs either.
#[derive(Clone, PartialEq, Eq)]
pub struct SymmetricKey([u8; 32]);

impl SymmetricKey {
    pub const LEN: usize = 32;

    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Takes a key from outside (a hex string, a JS `Uint8Array`), checking its length.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, KeyError> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| KeyError::SymmetricKeyLength { len: bytes.len() })
    }

    /// The key status-go derives for a chat id: PBKDF2-HMAC-SHA256(password = the chat id's UTF-8
    /// bytes, empty salt, [`SYM_KEY_PBKDF2_ROUNDS`], 32 bytes). Deliberately slow (tens of ms);
    /// derive once per chat and keep it.
    pub fn derive(chat_id: &str) -> Self {
        Self(pbkdf2::pbkdf2_hmac_array::<sha2::Sha256, 32>(
            chat_id.as_bytes(),
            &[],
            SYM_KEY_PBKDF2_ROUNDS,
        ))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SymmetricKey(<hidden>)")
    }
}

/// The symmetric key of a chat id (see [`SymmetricKey::derive`]).
pub fn derive_sym_key(chat_id: &str) -> SymmetricKey {
    SymmetricKey::derive(chat_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn key(n: u8) -> PrivateKey {
        PrivateKey::from_bytes(&[n; 32]).unwrap()
    }

    #[test]
    fn three_public_key_forms_round_trip() {
        let pk = key(7).public_key();
        assert_eq!(PublicKey::from_sec1(&pk.to_compressed()), Ok(pk));
        assert_eq!(PublicKey::from_sec1(&pk.to_uncompressed()), Ok(pk));
        let z = pk.to_serialized();
        assert!(z.starts_with("zQ3sh"), "{z}");
        assert_eq!(PublicKey::from_serialized(&z), Ok(pk));
        assert_eq!(PublicKey::from_hex(&pk.to_compressed_hex()), Ok(pk));
        assert_eq!(PublicKey::from_hex(&pk.to_uncompressed_hex()), Ok(pk));
    }

    #[test]
    fn sign_then_recover_gives_the_signer() {
        let k = key(3);
        let sig = k.sign_keccak(b"hearth");
        assert!(sig[64] <= 1);
        assert_eq!(recover_keccak(b"hearth", &sig), Ok(k.public_key()));
        assert_ne!(recover_keccak(b"hearts", &sig), Ok(k.public_key()));
        let fresh = PrivateKey::generate().unwrap();
        assert_ne!(fresh.to_bytes(), [0u8; 32]);
        assert_eq!(
            PrivateKey::from_bytes(&fresh.to_bytes())
                .unwrap()
                .public_key(),
            fresh.public_key()
        );
    }

    #[test]
    fn every_key_error_variant() {
        assert_eq!(
            PublicKey::from_sec1(&[2; 32]),
            Err(KeyError::PublicKeyLength { len: 32 })
        );
        assert_eq!(PublicKey::from_sec1(&[9; 33]), Err(KeyError::NotOnCurve));
        assert_eq!(
            PrivateKey::from_bytes(&[1; 31]).unwrap_err(),
            KeyError::PrivateKeyLength { len: 31 }
        );
        assert_eq!(
            PrivateKey::from_bytes(&[0; 32]).unwrap_err(),
            KeyError::PrivateKeyOutOfRange
        );
        assert_eq!(
            PrivateKey::from_bytes(&[0xff; 32]).unwrap_err(),
            KeyError::PrivateKeyOutOfRange
        );
        let sig = key(3).sign_keccak(b"x");
        assert_eq!(
            recover_keccak(b"x", &sig[..64]),
            Err(KeyError::SignatureLength { len: 64 })
        );
        let mut bad_v = sig;
        bad_v[64] = 27;
        assert_eq!(
            recover_keccak(b"x", &bad_v),
            Err(KeyError::RecoveryId { v: 27 })
        );
        let mut zero = sig;
        zero[..32].fill(0);
        assert_eq!(recover_keccak(b"x", &zero), Err(KeyError::SignatureScalars));
        // r = 1 is a valid scalar, but x = 1 has no point on secp256k1 (1 + 7 = 8 is no square).
        let mut no_point = sig;
        no_point[..32].fill(0);
        no_point[31] = 5;
        assert_eq!(
            recover_keccak(b"x", &no_point),
            Err(KeyError::Unrecoverable)
        );
        assert!(matches!(PublicKey::from_hex("0xzz"), Err(KeyError::Hex(_))));
        assert_eq!(
            PublicKey::from_serialized("fQ3sh"),
            Err(KeyError::MultibasePrefix { found: Some('f') })
        );
        assert_eq!(
            PublicKey::from_serialized(""),
            Err(KeyError::MultibasePrefix { found: None })
        );
        assert!(matches!(
            PublicKey::from_serialized("z0OIl"),
            Err(KeyError::Base58(_))
        ));
        assert!(matches!(
            PublicKey::from_serialized(&format!("z{}", "2".repeat(80))),
            Err(KeyError::Base58(_))
        ));
        assert_eq!(
            SymmetricKey::from_slice(&[1; 31]),
            Err(KeyError::SymmetricKeyLength { len: 31 })
        );
        let ed = format!("z{}", bs58::encode([0xed, 0x01, 1, 2]).into_string());
        assert_eq!(
            PublicKey::from_serialized(&ed),
            Err(KeyError::Multicodec {
                found: vec![0xed, 0x01]
            })
        );
    }

    #[test]
    fn chat_ids_are_built_the_status_go_way() {
        let community = key(7).public_key();
        let id = community_id(&community);
        assert_eq!(id.len(), 68);
        assert_eq!(channel_chat_id(&community, "abc"), format!("{id}abc"));
        assert_eq!(
            member_update_chat_id(&community),
            format!("{id}-memberUpdate")
        );
        let contact = contact_code_chat_id(&community);
        assert!(contact.starts_with("0x04") && contact.ends_with("-contact-code"));
        let control = control_node_chat_id(&community);
        assert!(control.starts_with("04") && control.len() == 130);
        let topic = content_topic(&id);
        assert_eq!(topic.status_bytes(), Some(to_topic(&id)));
    }

    #[test]
    fn symmetric_key_hides_its_bytes() {
        let k = SymmetricKey::new([0xab; 32]);
        assert_eq!(format!("{k:?}"), "SymmetricKey(<hidden>)");
        assert_eq!(SymmetricKey::from_slice(&[0xab; 32]), Ok(k.clone()));
        assert_eq!(k.as_bytes(), &[0xab; 32]);
    }

    #[test]
    fn diffie_hellman_is_symmetric() {
        let (a, b) = (key(3), key(4));
        assert_eq!(
            a.diffie_hellman(&b.public_key()),
            b.diffie_hellman(&a.public_key())
        );
    }
}
