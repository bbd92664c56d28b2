//! 26/WAKU2-PAYLOAD version 1 as status-go writes and reads it (status-wire.md §2.4): the signed,
//! padded frame, sealed with AES-256-GCM under a chat's symmetric key or with ECIES to one
//! recipient's public key.
//!
//! The frame, before encryption:
//! ```text
//! flags(1) | size (L bytes, little-endian) | data | padding | signature(65)
//! flags & 0x03 = L (1..=3), flags & 0x04 = signed; the frame is padded to a multiple of 256
//! signature = r ‖ s ‖ v (v = 0/1) over keccak256(flags ‖ size ‖ data ‖ padding)
//! ```
//! Sealed:
//! ```text
//! symmetric   AES-256-GCM(frame) ‖ tag(16) ‖ nonce(12)
//! asymmetric  ephemeral key (65, uncompressed) ‖ IV(16) ‖ AES-128-CTR(frame) ‖ HMAC-SHA256(32)
//! ```
//! Byte compatibility is checked against go-waku's `waku/v2/payload` rules and, in
//! `tests/interop/payload.test.mjs`, against js-waku's `@waku/message-encryption`.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::keys::{
    KeyError, PrivateKey, PublicKey, SIGNATURE_LEN, SymmetricKey, keccak256, recover_prehash,
};

/// Frames are padded to a multiple of this, so their length tells the network little about the
/// message (go-waku `padSizeLimit`).
pub const PADDING_BLOCK: usize = 256;

/// The flag bit that says a signature ends the frame.
pub const SIGNED_FLAG: u8 = 0x04;

/// The low two flag bits: how many bytes the size field takes.
const SIZE_WIDTH_MASK: u8 = 0x03;

/// The largest `data` a frame can carry. A 4-byte size field would need width 4 in the flags,
/// which is the signature bit; go-waku never reaches it under its 1 MiB message cap and neither
/// do we.
pub const MAX_DATA_LEN: usize = (1 << 24) - 1;

/// AES-GCM's standard nonce, appended (not prepended) to the sealed frame.
pub const SYMMETRIC_NONCE_LEN: usize = 12;
const GCM_TAG_LEN: usize = 16;

/// go-ethereum ECIES with `ECIES_AES128_SHA256`: an AES block of IV, a SHA-256 HMAC tag and an
/// uncompressed ephemeral key.
pub const ECIES_IV_LEN: usize = 16;
const ECIES_EPHEMERAL_LEN: usize = 65;
const ECIES_TAG_LEN: usize = 32;
/// The shortest ECIES payload that can be opened at all: ephemeral key, IV and tag.
const ECIES_MIN_LEN: usize = ECIES_EPHEMERAL_LEN + ECIES_IV_LEN + ECIES_TAG_LEN;

/// What was wrong with a payload, on the way in or out.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    #[error("{len} bytes of data do not fit a 3-byte size field (at most {MAX_DATA_LEN})")]
    DataTooLarge { len: usize },
    #[error(
        "padding must be {expected} bytes to end the frame on a {PADDING_BLOCK}-byte boundary, got {got}"
    )]
    PaddingLength { expected: usize, got: usize },
    #[error("the all-zero symmetric key is refused, as go-waku refuses it")]
    ZeroSymmetricKey,
    #[error("frame of {len} bytes is too short for flags, a signature and at least one more byte")]
    TooShort { len: usize },
    #[error("frame is not signed; status-go drops unsigned frames")]
    Unsigned,
    #[error("size field of {width} bytes does not fit the {available} bytes after the flags")]
    SizeFieldTruncated { width: usize, available: usize },
    #[error("size field announces {size} bytes of data, only {available} bytes remain")]
    SizeFieldOutOfRange { size: usize, available: usize },
    #[error("symmetric payload of {len} bytes is shorter than its tag and nonce (28 bytes)")]
    SymmetricTooShort { len: usize },
    #[error("AES-GCM authentication failed: wrong key, or the payload was altered")]
    Decrypt,
    #[error("ECIES payload of {len} bytes is shorter than its key, IV and tag ({ECIES_MIN_LEN})")]
    AsymmetricTooShort { len: usize },
    #[error("ECIES ephemeral key must be uncompressed (starting 0x04), starts with {found:#04x}")]
    EphemeralKeyPrefix { found: u8 },
    #[error("ECIES tag mismatch: not for this key, or the payload was altered")]
    Mac,
    #[error("no system randomness: {0}")]
    Random(String),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// What a received payload yields: the data and who signed it. There is no unsigned variant,
/// because status-go never accepts one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedPayload {
    pub data: Vec<u8>,
    pub signer: PublicKey,
}

// ---------------------------------------------------------------------------------------------
// The frame

/// Bytes of the little-endian size field for `len` bytes of data: the fewest that hold it.
fn size_field_width(len: usize) -> usize {
    match len {
        0..=0xff => 1,
        0x100..=0xffff => 2,
        _ => 3,
    }
}

/// How much padding a signed frame carrying `data_len` bytes needs: 1..=256, never 0, because
/// go-waku and js-waku compute `256 - raw % 256` and senders we mimic must look the same.
pub fn padding_len(data_len: usize) -> usize {
    let raw = 1 + size_field_width(data_len) + data_len + SIGNATURE_LEN;
    PADDING_BLOCK - raw % PADDING_BLOCK
}

/// Builds a signed frame with random padding, as status-go sends it.
pub fn encode_frame(data: &[u8], signer: &PrivateKey) -> Result<Vec<u8>, PayloadError> {
    if data.len() > MAX_DATA_LEN {
        return Err(PayloadError::DataTooLarge { len: data.len() });
    }
    let mut padding = vec![0u8; padding_len(data.len())];
    fill_random(&mut padding)?;
    encode_frame_with_padding(data, &padding, signer)
}

/// Builds a signed frame with the caller's padding bytes, which must be exactly
/// [`padding_len`] long. Fixed padding makes reproducible vectors; senders want [`encode_frame`].
pub fn encode_frame_with_padding(
    data: &[u8],
    padding: &[u8],
    signer: &PrivateKey,
) -> Result<Vec<u8>, PayloadError> {
    if data.len() > MAX_DATA_LEN {
        return Err(PayloadError::DataTooLarge { len: data.len() });
    }
    let expected = padding_len(data.len());
    if padding.len() != expected {
        return Err(PayloadError::PaddingLength {
            expected,
            got: padding.len(),
        });
    }
    let width = size_field_width(data.len());
    let mut frame = Vec::with_capacity(1 + width + data.len() + padding.len() + SIGNATURE_LEN);
    // The signature flag is set before signing: the signature covers it.
    frame.push(SIGNED_FLAG | width as u8);
    frame.extend_from_slice(&(data.len() as u32).to_le_bytes()[..width]);
    frame.extend_from_slice(data);
    frame.extend_from_slice(padding);
    let signature = signer.sign_keccak(&frame);
    frame.extend_from_slice(&signature);
    Ok(frame)
}

/// Reads a decrypted frame: its data, and the key that signed it. Padding of any length is
/// accepted (go-waku does), unsigned frames are not (status-go drops them).
pub fn decode_frame(frame: &[u8]) -> Result<DecodedPayload, PayloadError> {
    let Some(&flags) = frame.first() else {
        return Err(PayloadError::TooShort { len: 0 });
    };
    if flags & SIGNED_FLAG == 0 {
        return Err(PayloadError::Unsigned);
    }
    // go-waku wants at least one byte besides the flags in front of the signature.
    let Some((signed, signature)) = frame
        .split_last_chunk::<SIGNATURE_LEN>()
        .filter(|(signed, _)| signed.len() > 1)
    else {
        return Err(PayloadError::TooShort { len: frame.len() });
    };
    let end = signed.len();

    let width = usize::from(flags & SIZE_WIDTH_MASK);
    let data = if width == 0 {
        // go-waku reads no size field as empty data; js-waku refuses the frame. We follow the
        // implementation status-go runs.
        &[][..]
    } else {
        let available = end - 1;
        let (size_bytes, rest) = signed[1..]
            .split_at_checked(width)
            .ok_or(PayloadError::SizeFieldTruncated { width, available })?;
        let size = size_bytes
            .iter()
            .rev()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        rest.get(..size).ok_or(PayloadError::SizeFieldOutOfRange {
            size,
            available: rest.len(),
        })?
    };

    let mut signature = *signature;
    // The RFC text says v is 27/28; every implementation writes 0/1. Accept both.
    if matches!(signature[64], 27 | 28) {
        signature[64] -= 27;
    }
    let signer = recover_prehash(&keccak256(signed), &signature)?;
    Ok(DecodedPayload {
        data: data.to_vec(),
        signer,
    })
}

// ---------------------------------------------------------------------------------------------
// Symmetric: AES-256-GCM, ciphertext ‖ tag ‖ nonce

/// Frames and seals `data` for a chat, signed by `signer`: what goes into `WakuMessage.payload`.
pub fn encrypt_symmetric(
    data: &[u8],
    key: &SymmetricKey,
    signer: &PrivateKey,
) -> Result<Vec<u8>, PayloadError> {
    let frame = encode_frame(data, signer)?;
    let mut nonce = [0u8; SYMMETRIC_NONCE_LEN];
    fill_random(&mut nonce)?;
    seal_symmetric(&frame, key, nonce)
}

/// Seals a frame with a given nonce. A nonce must never repeat under one key; only vectors
/// should call this, senders use [`encrypt_symmetric`].
pub fn seal_symmetric(
    frame: &[u8],
    key: &SymmetricKey,
    nonce: [u8; SYMMETRIC_NONCE_LEN],
) -> Result<Vec<u8>, PayloadError> {
    if key.as_bytes().iter().all(|&b| b == 0) {
        return Err(PayloadError::ZeroSymmetricKey);
    }
    let cipher = Aes256Gcm::new(key.as_bytes().into());
    // AES-GCM refuses only plaintexts beyond 64 GiB.
    let mut sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), frame)
        .map_err(|_| PayloadError::DataTooLarge { len: frame.len() })?;
    sealed.extend_from_slice(&nonce);
    Ok(sealed)
}

/// Opens a symmetric payload, giving back the frame.
pub fn open_symmetric(payload: &[u8], key: &SymmetricKey) -> Result<Vec<u8>, PayloadError> {
    if payload.len() < GCM_TAG_LEN + SYMMETRIC_NONCE_LEN {
        return Err(PayloadError::SymmetricTooShort { len: payload.len() });
    }
    let (sealed, nonce) = payload.split_at(payload.len() - SYMMETRIC_NONCE_LEN);
    Aes256Gcm::new(key.as_bytes().into())
        .decrypt(Nonce::from_slice(nonce), sealed)
        .map_err(|_| PayloadError::Decrypt)
}

/// Opens and reads a symmetric payload from a chat: its data and signer.
pub fn decrypt_symmetric(
    payload: &[u8],
    key: &SymmetricKey,
) -> Result<DecodedPayload, PayloadError> {
    decode_frame(&open_symmetric(payload, key)?)
}

// ---------------------------------------------------------------------------------------------
// Asymmetric: go-ethereum ECIES (secp256k1, AES-128-CTR, HMAC-SHA256, no shared info)

type Aes128Ctr = ctr::Ctr128BE<aes::Aes128>;
type HmacSha256 = Hmac<Sha256>;

/// The AES-128 key and the HMAC key go-ethereum derives from an ECDH secret: the NIST SP 800-56
/// concatenation KDF (one SHA-256 block, counter 1, empty s1) gives 32 bytes; the first half is
/// the cipher key, SHA-256 of the second half the MAC key.
fn ecies_keys(secret: &PrivateKey, peer: &PublicKey) -> ([u8; 16], [u8; 32]) {
    let z = secret.diffie_hellman(peer);
    let k: [u8; 32] = Sha256::new()
        .chain_update(1u32.to_be_bytes())
        .chain_update(z)
        .finalize()
        .into();
    let mut enc = [0u8; 16];
    enc.copy_from_slice(&k[..16]);
    (enc, Sha256::digest(&k[16..]).into())
}

fn ecies_mac(mac_key: &[u8; 32]) -> HmacSha256 {
    // HMAC takes keys of any length; 32 bytes cannot fail.
    <HmacSha256 as hmac::KeyInit>::new_from_slice(mac_key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

/// Frames and seals `data` for one recipient (a community's control node, a user), signed by
/// `signer`, with a fresh ephemeral key.
pub fn encrypt_asymmetric(
    data: &[u8],
    recipient: &PublicKey,
    signer: &PrivateKey,
) -> Result<Vec<u8>, PayloadError> {
    let frame = encode_frame(data, signer)?;
    let ephemeral = PrivateKey::generate()?;
    let mut iv = [0u8; ECIES_IV_LEN];
    fill_random(&mut iv)?;
    Ok(seal_asymmetric(&frame, recipient, &ephemeral, iv))
}

/// Seals a frame with a given ephemeral key and IV. Reusing either leaks the plaintext; only
/// vectors should call this, senders use [`encrypt_asymmetric`].
pub fn seal_asymmetric(
    frame: &[u8],
    recipient: &PublicKey,
    ephemeral: &PrivateKey,
    iv: [u8; ECIES_IV_LEN],
) -> Vec<u8> {
    let (enc_key, mac_key) = ecies_keys(ephemeral, recipient);
    let mut out = Vec::with_capacity(ECIES_MIN_LEN + frame.len());
    out.extend_from_slice(&ephemeral.public_key().to_uncompressed());
    out.extend_from_slice(&iv);
    let body = out.len();
    out.extend_from_slice(frame);
    Aes128Ctr::new(&enc_key.into(), &iv.into()).apply_keystream(&mut out[body..]);
    let mut mac = ecies_mac(&mac_key);
    mac.update(&out[ECIES_EPHEMERAL_LEN..]);
    out.extend_from_slice(&mac.finalize().into_bytes());
    out
}

/// Opens an ECIES payload with the recipient's key, giving back the frame. The tag is checked
/// (in constant time) before anything is decrypted.
pub fn open_asymmetric(payload: &[u8], key: &PrivateKey) -> Result<Vec<u8>, PayloadError> {
    let too_short = PayloadError::AsymmetricTooShort { len: payload.len() };
    let Some((ephemeral, rest)) = payload.split_first_chunk::<ECIES_EPHEMERAL_LEN>() else {
        return Err(too_short);
    };
    let Some((sealed, tag)) = rest.split_last_chunk::<ECIES_TAG_LEN>() else {
        return Err(too_short);
    };
    let Some((iv, ciphertext)) = sealed.split_first_chunk::<ECIES_IV_LEN>() else {
        return Err(too_short);
    };
    // go-ethereum parses only the uncompressed form here.
    if ephemeral[0] != 0x04 {
        return Err(PayloadError::EphemeralKeyPrefix {
            found: ephemeral[0],
        });
    }
    let ephemeral = PublicKey::from_sec1(ephemeral)?;
    let (enc_key, mac_key) = ecies_keys(key, &ephemeral);
    let mut mac = ecies_mac(&mac_key);
    mac.update(sealed);
    mac.verify_slice(tag).map_err(|_| PayloadError::Mac)?;
    let mut frame = ciphertext.to_vec();
    Aes128Ctr::new(&enc_key.into(), &(*iv).into()).apply_keystream(&mut frame);
    Ok(frame)
}

/// Opens and reads a payload addressed to `key`: its data and signer.
pub fn decrypt_asymmetric(
    payload: &[u8],
    key: &PrivateKey,
) -> Result<DecodedPayload, PayloadError> {
    decode_frame(&open_asymmetric(payload, key)?)
}

fn fill_random(buf: &mut [u8]) -> Result<(), PayloadError> {
    getrandom::fill(buf).map_err(|e| PayloadError::Random(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn key(n: u8) -> PrivateKey {
        PrivateKey::from_bytes(&[n; 32]).unwrap()
    }

    fn sym() -> SymmetricKey {
        SymmetricKey::new([0x42; 32])
    }

    /// A frame signed by key(1), with its flags byte overridden and no checks: for bad input.
    fn raw_frame(body: &[u8]) -> Vec<u8> {
        let mut f = body.to_vec();
        f.extend_from_slice(&key(1).sign_keccak(body));
        f
    }

    #[test]
    fn frames_are_padded_to_256_and_round_trip() {
        for len in [
            0usize, 1, 121, 122, 189, 190, 255, 256, 445, 65_535, 65_536, 300_000,
        ] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let frame = encode_frame(&data, &key(1)).unwrap();
            assert_eq!(frame.len() % PADDING_BLOCK, 0, "len {len}");
            assert_eq!(usize::from(frame[0] & 3), size_field_width(len));
            assert!((1..=256).contains(&padding_len(len)));
            let decoded = decode_frame(&frame).unwrap();
            assert_eq!(decoded.data, data);
            assert_eq!(decoded.signer, key(1).public_key());
        }
        // status-go TestPaddingAppendedToSymMessagesWithSignature: 246 bytes signed → 512 - 65
        // bytes before the signature.
        assert_eq!(encode_frame(&[7; 246], &key(1)).unwrap().len() - 65, 447);
    }

    #[test]
    fn both_modes_round_trip() {
        let data = b"hello hearth";
        let sealed = encrypt_symmetric(data, &sym(), &key(1)).unwrap();
        assert_eq!(sealed.len(), 256 + 16 + 12);
        let got = decrypt_symmetric(&sealed, &sym()).unwrap();
        assert_eq!(
            (got.data.as_slice(), got.signer),
            (&data[..], key(1).public_key())
        );

        let sealed = encrypt_asymmetric(data, &key(2).public_key(), &key(1)).unwrap();
        assert_eq!(sealed.len(), 65 + 16 + 256 + 32);
        let got = decrypt_asymmetric(&sealed, &key(2)).unwrap();
        assert_eq!(
            (got.data.as_slice(), got.signer),
            (&data[..], key(1).public_key())
        );
    }

    #[test]
    fn legacy_recovery_ids_27_and_28_are_accepted() {
        let mut frame = encode_frame(b"v", &key(1)).unwrap();
        let last = frame.len() - 1;
        frame[last] += 27;
        assert_eq!(decode_frame(&frame).unwrap().signer, key(1).public_key());
    }

    #[test]
    fn a_missing_size_field_reads_as_empty_data() {
        let frame = raw_frame(&[SIGNED_FLAG, 0xaa]);
        assert_eq!(decode_frame(&frame).unwrap().data, Vec::<u8>::new());
    }

    #[test]
    fn every_payload_error_variant() {
        let too_big = vec![0u8; MAX_DATA_LEN + 1];
        assert_eq!(
            encode_frame(&too_big, &key(1)),
            Err(PayloadError::DataTooLarge {
                len: MAX_DATA_LEN + 1
            })
        );
        assert_eq!(
            encode_frame_with_padding(b"x", &[0; 10], &key(1)),
            Err(PayloadError::PaddingLength {
                expected: 256 - 68,
                got: 10
            })
        );
        assert_eq!(
            seal_symmetric(b"frame", &SymmetricKey::new([0; 32]), [0; 12]),
            Err(PayloadError::ZeroSymmetricKey)
        );
        assert_eq!(decode_frame(&[]), Err(PayloadError::TooShort { len: 0 }));
        assert_eq!(
            decode_frame(&[SIGNED_FLAG | 1; 66]),
            Err(PayloadError::TooShort { len: 66 })
        );
        assert_eq!(
            decode_frame(&[0x01, 0x01, 0xaa]),
            Err(PayloadError::Unsigned)
        );
        assert_eq!(
            decode_frame(&raw_frame(&[SIGNED_FLAG | 3, 0x01])),
            Err(PayloadError::SizeFieldTruncated {
                width: 3,
                available: 1
            })
        );
        // A hostile 3-byte size (16 MiB) over 2 bytes of input: refused before any allocation.
        assert_eq!(
            decode_frame(&raw_frame(&[SIGNED_FLAG | 3, 0xff, 0xff, 0xff, 1, 2])),
            Err(PayloadError::SizeFieldOutOfRange {
                size: 0xff_ffff,
                available: 2
            })
        );
        assert_eq!(
            open_symmetric(&[0; 27], &sym()),
            Err(PayloadError::SymmetricTooShort { len: 27 })
        );
        let sealed = encrypt_symmetric(b"x", &sym(), &key(1)).unwrap();
        assert_eq!(
            decrypt_symmetric(&sealed, &SymmetricKey::new([0x43; 32])),
            Err(PayloadError::Decrypt)
        );
        assert_eq!(
            open_asymmetric(&[4; 112], &key(2)),
            Err(PayloadError::AsymmetricTooShort { len: 112 })
        );
        let mut sealed = encrypt_asymmetric(b"x", &key(2).public_key(), &key(1)).unwrap();
        assert_eq!(decrypt_asymmetric(&sealed, &key(3)), Err(PayloadError::Mac));
        sealed[100] ^= 1;
        assert_eq!(decrypt_asymmetric(&sealed, &key(2)), Err(PayloadError::Mac));
        sealed[0] = 0x02;
        assert_eq!(
            open_asymmetric(&sealed, &key(2)),
            Err(PayloadError::EphemeralKeyPrefix { found: 0x02 })
        );
        sealed[0] = 0x04;
        sealed[1..65].fill(0);
        assert_eq!(
            open_asymmetric(&sealed, &key(2)),
            Err(PayloadError::Key(KeyError::NotOnCurve))
        );
        // Random has no trigger short of a broken OS; its message is all there is to test.
        assert_eq!(
            PayloadError::Random("gone".into()).to_string(),
            "no system randomness: gone"
        );
        let mut frame = encode_frame(b"x", &key(1)).unwrap();
        let last = frame.len() - 1;
        frame[last] = 5;
        assert_eq!(
            decode_frame(&frame),
            Err(PayloadError::Key(KeyError::RecoveryId { v: 5 }))
        );
    }

    #[test]
    fn decoders_never_panic_on_short_or_garbled_input() {
        let frame = encode_frame(b"some data", &key(1)).unwrap();
        for len in 0..frame.len() {
            let _ = decode_frame(&frame[..len]);
        }
        let sealed = encrypt_symmetric(b"x", &sym(), &key(1)).unwrap();
        for len in 0..sealed.len() {
            assert!(decrypt_symmetric(&sealed[..len], &sym()).is_err());
        }
        let sealed = encrypt_asymmetric(b"x", &key(2).public_key(), &key(1)).unwrap();
        for len in 0..sealed.len() {
            assert!(decrypt_asymmetric(&sealed[..len], &key(2)).is_err());
        }
        for flags in 0..=255u8 {
            let _ = decode_frame(&raw_frame(&[flags, 1, 2, 3]));
        }
    }
}
