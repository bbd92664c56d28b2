//! The library's JavaScript face (wasm-bindgen; `scripts/build-js` builds the Node package into
//! `target/hearth-js`). It grows with what other apps need; today it is what the cross-checks
//! against js-waku in `tests/interop/` use: payload v1 in both modes, both ways.
//!
//! Keys travel as bytes (`Uint8Array`), never as strings, as in `@waku/message-encryption`;
//! errors are thrown as `Error`s carrying the Rust error's message.

use wasm_bindgen::prelude::*;

use crate::status::keys::{PrivateKey, PublicKey, SymmetricKey};
use crate::status::payload::{self, DecodedPayload as Decoded};

/// A received payload: the data and the key that signed it.
#[wasm_bindgen(js_name = DecodedPayload)]
pub struct JsDecodedPayload {
    payload: Vec<u8>,
    signer: [u8; 65],
}

#[wasm_bindgen(js_class = DecodedPayload)]
impl JsDecodedPayload {
    /// The data inside the frame.
    #[wasm_bindgen(getter)]
    pub fn payload(&self) -> Vec<u8> {
        self.payload.clone()
    }

    /// The signer's key, 65 bytes uncompressed: the form js-waku reports as
    /// `signaturePublicKey` and status-go hashes into message ids.
    #[wasm_bindgen(getter)]
    pub fn signer(&self) -> Vec<u8> {
        self.signer.to_vec()
    }
}

impl From<Decoded> for JsDecodedPayload {
    fn from(d: Decoded) -> Self {
        Self {
            payload: d.data,
            signer: d.signer.to_uncompressed(),
        }
    }
}

fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Frames, signs and seals `payload` under a 32-byte symmetric key: a `WakuMessage.payload` for
/// version 1.
#[wasm_bindgen(js_name = encryptSymmetric)]
pub fn encrypt_symmetric(
    payload: &[u8],
    key: &[u8],
    #[wasm_bindgen(js_name = signingKey)] signing_key: &[u8],
) -> Result<Vec<u8>, JsError> {
    let key = SymmetricKey::from_slice(key).map_err(js_error)?;
    let signer = PrivateKey::from_bytes(signing_key).map_err(js_error)?;
    payload::encrypt_symmetric(payload, &key, &signer).map_err(js_error)
}

/// Opens a symmetric version-1 payload; throws on a wrong key, a damaged or an unsigned frame.
#[wasm_bindgen(js_name = decryptSymmetric)]
pub fn decrypt_symmetric(bytes: &[u8], key: &[u8]) -> Result<JsDecodedPayload, JsError> {
    let key = SymmetricKey::from_slice(key).map_err(js_error)?;
    payload::decrypt_symmetric(bytes, &key)
        .map(Into::into)
        .map_err(js_error)
}

/// Frames, signs and seals `payload` with ECIES to `recipientPublicKey` (33 or 65 bytes).
#[wasm_bindgen(js_name = encryptAsymmetric)]
pub fn encrypt_asymmetric(
    payload: &[u8],
    #[wasm_bindgen(js_name = recipientPublicKey)] recipient_public_key: &[u8],
    #[wasm_bindgen(js_name = signingKey)] signing_key: &[u8],
) -> Result<Vec<u8>, JsError> {
    let recipient = PublicKey::from_sec1(recipient_public_key).map_err(js_error)?;
    let signer = PrivateKey::from_bytes(signing_key).map_err(js_error)?;
    payload::encrypt_asymmetric(payload, &recipient, &signer).map_err(js_error)
}

/// Opens an ECIES version-1 payload with the recipient's 32-byte private key.
#[wasm_bindgen(js_name = decryptAsymmetric)]
pub fn decrypt_asymmetric(
    bytes: &[u8],
    #[wasm_bindgen(js_name = privateKey)] private_key: &[u8],
) -> Result<JsDecodedPayload, JsError> {
    let key = PrivateKey::from_bytes(private_key).map_err(js_error)?;
    payload::decrypt_asymmetric(bytes, &key)
        .map(Into::into)
        .map_err(js_error)
}
