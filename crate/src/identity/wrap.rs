//! Sealing an [`Identity`] for storage: the keys never reach IndexedDB (or a file) in plaintext.
//!
//! A [`WrappedIdentity`] is a serde record: the public parts in the clear (public key, wallet
//! address, name, origin, so a lock screen can greet the user) and the secret parts (chat key,
//! wallet key, recovery phrase) sealed with AES-256-GCM. Every clear field is bound to the
//! ciphertext as associated data, so editing any of them makes unwrapping fail.
//!
//! Two ways to seal:
//!
//! * **Device key** (the default; browser only): a non-extractable WebCrypto AES-GCM 256 key,
//!   which the storage layer keeps in IndexedDB beside the record (a `CryptoKey` survives
//!   structured cloning, and stays non-extractable). No prompt.
//!   - Protects against: reading the key off disk or out of a copied/backed-up browser profile or
//!     IndexedDB export (the AES key bytes live in the browser's key store and `exportKey` refuses
//!     them); a record leaked on its own (sync, logs, a bug report) is useless.
//!   - Does not protect against: any script running in the page's origin (XSS, a malicious
//!     dependency, a hostile extension with page access) while it is open, which can simply call
//!     `decrypt` with the key; nor someone using the unlocked browser profile itself. The secret
//!     also passes through the JS heap during `encrypt`/`decrypt`, where it cannot be wiped.
//! * **Passphrase** (opt-in; browser and native): PBKDF2-HMAC-SHA256 with
//!   [`PASSPHRASE_ITERATIONS`] rounds (OWASP's 2023 recommendation for PBKDF2-SHA256) and a random
//!   16-byte salt, then AES-256-GCM with the aes-gcm crate.
//!   - Protects against, in addition: someone with the unlocked browser profile or the storage
//!     files, as long as the passphrase is strong; each guess costs them 600,000 HMAC rounds.
//!   - Does not protect against: a weak passphrase (offline guessing is possible, just slow), or
//!     script in the origin while the identity is unlocked (the key is in memory then), or a
//!     keylogger. A forgotten passphrase cannot be recovered; the recovery phrase is the backup.
//!
//! Do the sealing before opening an IndexedDB write transaction: awaiting a WebCrypto promise
//! inside one lets it auto-commit (app-notes §9).

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{Identity, IdentityError, Mnemonic, Origin};
use crate::status::keys::PrivateKey;

/// PBKDF2-HMAC-SHA256 rounds for a new passphrase wrap: OWASP's Password Storage Cheat Sheet
/// (2023) figure for PBKDF2-HMAC-SHA256. About half a second in Chromium.
pub const PASSPHRASE_ITERATIONS: u32 = 600_000;

/// Fewest rounds a stored record may ask for; below this it is refused rather than trusted.
pub const MIN_PASSPHRASE_ITERATIONS: u32 = 100_000;

/// Most rounds a stored record may ask for: a record edited to u32::MAX would otherwise hang the
/// unlock for hours.
pub const MAX_PASSPHRASE_ITERATIONS: u32 = 10_000_000;

/// The record layout version this code writes and reads.
pub const RECORD_VERSION: u32 = 1;

const ALG_DEVICE_KEY: &str = "webcrypto-aes-256-gcm";
const ALG_PASSPHRASE: &str = "pbkdf2-sha256-aes-256-gcm";

const IV_LEN: usize = 12;
const SALT_LEN: usize = 16;
const CHECK_LEN: usize = 16;
const TAG_LEN: usize = 16;
/// Layout byte, chat key, wallet key, then the phrase (at most 24 × 8 letters + 23 spaces).
const MAX_SECRET_LEN: usize = 1 + 32 + 32 + 24 * 8 + 23;
const SECRET_LAYOUT: u8 = 1;

/// Why a record could not be made or opened. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WrapError {
    #[error("record version {found} is newer than this app understands ({RECORD_VERSION})")]
    Version { found: u32 },
    #[error("record field {field}: {reason}")]
    Field {
        field: &'static str,
        reason: &'static str,
    },
    #[error(
        "record asks for {found} PBKDF2 rounds, outside {MIN_PASSPHRASE_ITERATIONS}..={MAX_PASSPHRASE_ITERATIONS}"
    )]
    Iterations { found: u32 },
    #[error("a passphrase cannot be empty")]
    EmptyPassphrase,
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The AES-GCM tag did not verify: the record was altered, or (device key) it was sealed with
    /// another key. AES-GCM cannot tell these apart.
    #[error("the record was altered or was not sealed with this key")]
    Tampered,
    #[error("the record's public parts do not match its sealed keys")]
    Mismatch,
    #[error("this record is sealed with {found}, not {expected}")]
    Algorithm {
        expected: &'static str,
        found: &'static str,
    },
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("no system randomness: {0}")]
    Random(String),
    #[error("WebCrypto: {0}")]
    WebCrypto(String),
}

/// What sealed the secret, with what that method needs to open it again. Byte fields are lowercase
/// hex so the record is readable JSON and clones cleanly into IndexedDB.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "algorithm")]
pub enum Sealed {
    /// A non-extractable WebCrypto AES-GCM 256 key (the device key).
    #[serde(rename = "webcrypto-aes-256-gcm")]
    DeviceKey { iv: String, ciphertext: String },
    /// A key from a passphrase. `check` is HMAC-derived from the PBKDF2 output, so a wrong
    /// passphrase is told apart from a damaged record; it tells a guesser nothing the GCM tag
    /// would not.
    #[serde(rename = "pbkdf2-sha256-aes-256-gcm")]
    Passphrase {
        iterations: u32,
        salt: String,
        check: String,
        iv: String,
        ciphertext: String,
    },
}

impl Sealed {
    fn algorithm(&self) -> &'static str {
        match self {
            Sealed::DeviceKey { .. } => ALG_DEVICE_KEY,
            Sealed::Passphrase { .. } => ALG_PASSPHRASE,
        }
    }
}

/// An identity as it is stored: public parts in the clear, keys sealed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WrappedIdentity {
    pub version: u32,
    /// `0x` + compressed chat public key.
    pub public_key: String,
    /// EIP-55 address of the wallet key.
    pub wallet_address: String,
    pub name: String,
    pub origin: Origin,
    pub sealed: Sealed,
}

impl WrappedIdentity {
    fn clear_parts(identity: &Identity, sealed: Sealed) -> Self {
        Self {
            version: RECORD_VERSION,
            public_key: identity.public_key().to_compressed_hex(),
            wallet_address: identity.wallet_address().to_checksum(),
            name: identity.name().to_owned(),
            origin: identity.origin(),
            sealed,
        }
    }

    /// Associated data: every clear field, length-prefixed so no two records share a byte string.
    fn associated_data(&self) -> Vec<u8> {
        let origin = match self.origin {
            Origin::Generated => "generated",
            Origin::ImportedKey => "imported-key",
            Origin::RecoveryPhrase => "recovery-phrase",
        };
        let mut aad = Vec::new();
        for part in [
            "hearth-identity".as_bytes(),
            &self.version.to_be_bytes(),
            self.sealed.algorithm().as_bytes(),
            self.public_key.as_bytes(),
            self.wallet_address.as_bytes(),
            self.name.as_bytes(),
            origin.as_bytes(),
        ] {
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part);
        }
        aad
    }

    fn check_version(&self) -> Result<(), WrapError> {
        if self.version != RECORD_VERSION {
            return Err(WrapError::Version {
                found: self.version,
            });
        }
        Ok(())
    }

    /// Rebuilds the identity from the opened secret and checks it against the clear parts.
    fn open(&self, secret: &[u8]) -> Result<Identity, WrapError> {
        let bad = |reason| WrapError::Field {
            field: "ciphertext",
            reason,
        };
        if secret.len() < 65 || secret[0] != SECRET_LAYOUT {
            return Err(bad("unknown secret layout"));
        }
        let chat_key = PrivateKey::from_bytes(&secret[1..33]).map_err(IdentityError::from)?;
        let wallet_key = PrivateKey::from_bytes(&secret[33..65]).map_err(IdentityError::from)?;
        let mnemonic = match &secret[65..] {
            [] => None,
            phrase => {
                let phrase = std::str::from_utf8(phrase).map_err(|_| bad("phrase is not UTF-8"))?;
                Some(Mnemonic::parse(phrase).map_err(IdentityError::from)?)
            }
        };
        if mnemonic.is_some() == (self.origin == Origin::ImportedKey) {
            return Err(WrapError::Mismatch);
        }
        let identity =
            Identity::from_parts(chat_key, wallet_key, &self.name, self.origin, mnemonic)?;
        // Compared as the strings `wrap` wrote, not parsed: parsing a compressed key would link
        // point decompression (~30 KB of wasm) for a check that needs none.
        if identity.public_key().to_compressed_hex() != self.public_key
            || identity.wallet_address().to_checksum() != self.wallet_address
        {
            return Err(WrapError::Mismatch);
        }
        Ok(identity)
    }
}

fn secret_bytes(identity: &Identity) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(MAX_SECRET_LEN));
    out.push(SECRET_LAYOUT);
    out.extend_from_slice(&*Zeroizing::new(identity.chat_key().to_bytes()));
    out.extend_from_slice(&*Zeroizing::new(identity.wallet_key().to_bytes()));
    if let Some(m) = identity.mnemonic() {
        out.extend_from_slice(m.phrase().as_bytes());
    }
    out
}

fn random<const N: usize>() -> Result<[u8; N], WrapError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| WrapError::Random(e.to_string()))?;
    Ok(out)
}

fn decode_field<const N: usize>(field: &'static str, hex_text: &str) -> Result<[u8; N], WrapError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(hex_text, &mut out).map_err(|_| WrapError::Field {
        field,
        reason: "wrong length or not hex",
    })?;
    Ok(out)
}

fn decode_ciphertext(hex_text: &str) -> Result<Vec<u8>, WrapError> {
    let bad = |reason| WrapError::Field {
        field: "ciphertext",
        reason,
    };
    if hex_text.len() > 2 * (MAX_SECRET_LEN + TAG_LEN) {
        return Err(bad("longer than any sealed identity"));
    }
    hex::decode(hex_text).map_err(|_| bad("not hex"))
}

// ---------------------------------------------------------------------------------------------
// Passphrase

type HmacSha256 = Hmac<Sha256>;

/// The AES key and the check value from PBKDF2's output, by HMAC with distinct labels so neither
/// reveals the other.
fn passphrase_keys(
    passphrase: &str,
    salt: &[u8; SALT_LEN],
    iterations: u32,
) -> (Zeroizing<[u8; 32]>, [u8; CHECK_LEN]) {
    let master = Zeroizing::new(pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(
        passphrase.as_bytes(),
        salt,
        iterations,
    ));
    let label = |label: &[u8]| -> Zeroizing<[u8; 32]> {
        let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(&*master)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(label);
        Zeroizing::new(mac.finalize().into_bytes().into())
    };
    let key = label(b"hearth identity aes-256-gcm key");
    let mut check = [0u8; CHECK_LEN];
    check.copy_from_slice(&label(b"hearth identity passphrase check")[..CHECK_LEN]);
    (key, check)
}

/// Seals `identity` under `passphrase` ([`PASSPHRASE_ITERATIONS`] rounds: about half a second).
/// The passphrase is used as its UTF-8 bytes, unnormalised: type it the same way to unlock.
pub fn wrap_with_passphrase(
    identity: &Identity,
    passphrase: &str,
) -> Result<WrappedIdentity, WrapError> {
    if passphrase.is_empty() {
        return Err(WrapError::EmptyPassphrase);
    }
    let salt: [u8; SALT_LEN] = random()?;
    let iv: [u8; IV_LEN] = random()?;
    let (key, check) = passphrase_keys(passphrase, &salt, PASSPHRASE_ITERATIONS);
    let mut record = WrappedIdentity::clear_parts(
        identity,
        Sealed::Passphrase {
            iterations: PASSPHRASE_ITERATIONS,
            salt: hex::encode(salt),
            check: hex::encode(check),
            iv: hex::encode(iv),
            ciphertext: String::new(),
        },
    );
    let aad = record.associated_data();
    let secret = secret_bytes(identity);
    let sealed = Aes256Gcm::new((&*key).into())
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: &secret,
                aad: &aad,
            },
        )
        .map_err(|_| WrapError::Field {
            field: "ciphertext",
            reason: "AES-GCM refused the plaintext",
        })?;
    if let Sealed::Passphrase { ciphertext, .. } = &mut record.sealed {
        *ciphertext = hex::encode(sealed);
    }
    Ok(record)
}

/// Opens a passphrase-sealed record: [`WrapError::WrongPassphrase`] when the passphrase is not the
/// one it was sealed with, [`WrapError::Tampered`] when the passphrase is right but the record was
/// changed.
pub fn unwrap_with_passphrase(
    record: &WrappedIdentity,
    passphrase: &str,
) -> Result<Identity, WrapError> {
    record.check_version()?;
    let Sealed::Passphrase {
        iterations,
        salt,
        check,
        iv,
        ciphertext,
    } = &record.sealed
    else {
        return Err(WrapError::Algorithm {
            expected: ALG_PASSPHRASE,
            found: record.sealed.algorithm(),
        });
    };
    if !(MIN_PASSPHRASE_ITERATIONS..=MAX_PASSPHRASE_ITERATIONS).contains(iterations) {
        return Err(WrapError::Iterations { found: *iterations });
    }
    let salt: [u8; SALT_LEN] = decode_field("salt", salt)?;
    let stored_check: [u8; CHECK_LEN] = decode_field("check", check)?;
    let iv: [u8; IV_LEN] = decode_field("iv", iv)?;
    let ciphertext = decode_ciphertext(ciphertext)?;
    if passphrase.is_empty() {
        return Err(WrapError::EmptyPassphrase);
    }
    let (key, check) = passphrase_keys(passphrase, &salt, *iterations);
    if check != stored_check {
        return Err(WrapError::WrongPassphrase);
    }
    let secret = Aes256Gcm::new((&*key).into())
        .decrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: &ciphertext,
                aad: &record.associated_data(),
            },
        )
        .map_err(|_| WrapError::Tampered)?;
    record.open(&Zeroizing::new(secret))
}

// ---------------------------------------------------------------------------------------------
// Device key (WebCrypto, browser only)

#[cfg(target_arch = "wasm32")]
pub use device::{generate_device_key, unwrap_with_device_key, wrap_with_device_key};

#[cfg(target_arch = "wasm32")]
mod device {
    use js_sys::{Array, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{AesGcmParams, AesKeyGenParams, CryptoKey, SubtleCrypto};
    use zeroize::Zeroizing;

    use super::{
        ALG_DEVICE_KEY, IV_LEN, Identity, Sealed, WrapError, WrappedIdentity, decode_ciphertext,
        decode_field, random, secret_bytes,
    };

    fn js_error(e: JsValue) -> WrapError {
        let text = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| format!("{}: {}", e.name(), e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| format!("{e:?}"));
        WrapError::WebCrypto(text)
    }

    fn subtle() -> Result<SubtleCrypto, WrapError> {
        let global = js_sys::global();
        let crypto = if let Some(window) = global.dyn_ref::<web_sys::Window>() {
            window.crypto()
        } else if let Some(worker) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
            worker.crypto()
        } else {
            return Err(WrapError::WebCrypto(
                "no window or worker global with crypto".into(),
            ));
        };
        Ok(crypto.map_err(js_error)?.subtle())
    }

    fn params(iv: &[u8; IV_LEN], aad: &[u8]) -> AesGcmParams {
        let params = AesGcmParams::new("AES-GCM", &Uint8Array::from(&iv[..]));
        params.set_additional_data(&Uint8Array::from(aad));
        params
    }

    /// A new AES-GCM 256 key that script can use but never read: `extractable = false`, usages
    /// encrypt and decrypt. Store it as it is (IndexedDB clones `CryptoKey`s); losing it loses
    /// every record sealed with it, so keep the recovery phrase or hex export too.
    pub async fn generate_device_key() -> Result<CryptoKey, WrapError> {
        let algorithm = AesKeyGenParams::new("AES-GCM", 256);
        let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
        let promise = subtle()?
            .generate_key_with_object(&algorithm, false, &usages)
            .map_err(js_error)?;
        let key = JsFuture::from(promise).await.map_err(js_error)?;
        key.dyn_into::<CryptoKey>()
            .map_err(|_| WrapError::WebCrypto("generateKey did not give a CryptoKey".into()))
    }

    /// Seals `identity` with the device key.
    pub async fn wrap_with_device_key(
        identity: &Identity,
        key: &CryptoKey,
    ) -> Result<WrappedIdentity, WrapError> {
        let iv: [u8; IV_LEN] = random()?;
        let mut record = WrappedIdentity::clear_parts(
            identity,
            Sealed::DeviceKey {
                iv: hex::encode(iv),
                ciphertext: String::new(),
            },
        );
        let secret = secret_bytes(identity);
        let promise = subtle()?
            .encrypt_with_object_and_u8_array(&params(&iv, &record.associated_data()), key, &secret)
            .map_err(js_error)?;
        let sealed = JsFuture::from(promise).await.map_err(js_error)?;
        let sealed = Uint8Array::new(&sealed).to_vec();
        if let Sealed::DeviceKey { ciphertext, .. } = &mut record.sealed {
            *ciphertext = hex::encode(sealed);
        }
        Ok(record)
    }

    /// Opens a record sealed with the device key; [`WrapError::Tampered`] when the record was
    /// changed or sealed with another key.
    pub async fn unwrap_with_device_key(
        record: &WrappedIdentity,
        key: &CryptoKey,
    ) -> Result<Identity, WrapError> {
        record.check_version()?;
        let Sealed::DeviceKey { iv, ciphertext } = &record.sealed else {
            return Err(WrapError::Algorithm {
                expected: ALG_DEVICE_KEY,
                found: record.sealed.algorithm(),
            });
        };
        let iv: [u8; IV_LEN] = decode_field("iv", iv)?;
        let ciphertext = decode_ciphertext(ciphertext)?;
        let promise = subtle()?
            .decrypt_with_object_and_u8_array(
                &params(&iv, &record.associated_data()),
                key,
                &ciphertext,
            )
            .map_err(js_error)?;
        let secret = match JsFuture::from(promise).await {
            Ok(buffer) => Zeroizing::new(Uint8Array::new(&buffer).to_vec()),
            // WebCrypto reports a failed GCM tag as an OperationError DOMException.
            Err(e) if is_operation_error(&e) => return Err(WrapError::Tampered),
            Err(e) => return Err(js_error(e)),
        };
        record.open(&secret)
    }

    fn is_operation_error(e: &JsValue) -> bool {
        js_sys::Reflect::get(e, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .is_some_and(|n| n == "OperationError")
    }
}
