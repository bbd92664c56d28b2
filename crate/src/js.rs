//! The library's JavaScript face (wasm-bindgen; `scripts/build-js` builds the Node package into
//! `target/hearth-js`). It grows with what other apps need; today it is what the cross-checks
//! against js-waku in `tests/interop/` use: payload v1 in both modes, both ways.
//!
//! Keys travel as bytes (`Uint8Array`), never as strings, as in `@waku/message-encryption`;
//! errors are thrown as `Error`s carrying the Rust error's message.

use wasm_bindgen::prelude::*;

mod app;
mod client;

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

// ---------------------------------------------------------------------------------------------
// Status messages in one call (`status::codec`)

use crate::status::chat::ChatMessage;
use crate::status::codec::{self, ChatKey, Keys, StatusEvent};
use crate::status::envelope::message_id_hex;
use crate::waku::{MessageLimits, WakuMessage};

/// Decodes encoded Waku messages (as a store or filter hands them over) through every Status
/// layer, with the keys it was given. Keys stay inside the wasm; JavaScript gets typed summaries.
#[wasm_bindgen]
#[derive(Default)]
pub struct StatusDecoder {
    keys: Keys,
}

#[wasm_bindgen]
impl StatusDecoder {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Listens on `chatId`'s topic, deriving its key (65,356 PBKDF2 rounds: call once per chat).
    #[wasm_bindgen(js_name = addChat)]
    pub fn add_chat(&mut self, #[wasm_bindgen(js_name = chatId)] chat_id: &str) {
        self.keys.add_chat(ChatKey::derive(chat_id));
    }

    /// Listens on `chatId`'s topic with a key derived earlier (32 bytes).
    #[wasm_bindgen(js_name = addChatKey)]
    pub fn add_chat_key(
        &mut self,
        #[wasm_bindgen(js_name = chatId)] chat_id: &str,
        key: &[u8],
    ) -> Result<(), JsError> {
        let key = SymmetricKey::from_slice(key).map_err(js_error)?;
        self.keys.add_chat(ChatKey::with_key(chat_id, key));
        Ok(())
    }

    /// Listens for a community's descriptions (33- or 65-byte key), which must then be signed by
    /// it to count as verified.
    #[wasm_bindgen(js_name = addCommunity)]
    pub fn add_community(
        &mut self,
        #[wasm_bindgen(js_name = communityPublicKey)] community_public_key: &[u8],
    ) -> Result<(), JsError> {
        let community = PublicKey::from_sec1(community_public_key).map_err(js_error)?;
        self.keys.add_community(&community);
        Ok(())
    }

    /// Decodes one encoded `WakuMessage`; throws with the layer's error when it is not readable.
    #[wasm_bindgen(js_name = decodeWakuMessage)]
    pub fn decode_waku_message(&self, bytes: &[u8]) -> Result<DecodedStatusMessage, JsError> {
        let msg = WakuMessage::decode_bounded(bytes, MessageLimits::default()).map_err(js_error)?;
        let event = codec::decode_status_message(&msg, &self.keys).map_err(js_error)?;
        Ok(DecodedStatusMessage::from(&event))
    }
}

/// What a Status message turned out to be, flattened for JavaScript.
#[wasm_bindgen]
pub struct DecodedStatusMessage {
    kind: &'static str,
    id: Option<String>,
    signer: Option<Vec<u8>>,
    clock: Option<u64>,
    chat_id: Option<String>,
    text: Option<String>,
    verified: bool,
}

#[wasm_bindgen]
impl DecodedStatusMessage {
    /// `chat`, `reaction`, `edit`, `delete`, `pin`, `community-description`, `other`,
    /// `encrypted` or `segment`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.kind.to_owned()
    }

    /// The message id, `0x…`, as replies quote it.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> Option<String> {
        self.id.clone()
    }

    /// The author (AMM signer), 65 bytes uncompressed.
    #[wasm_bindgen(getter)]
    pub fn signer(&self) -> Option<Vec<u8>> {
        self.signer.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn clock(&self) -> Option<u64> {
        self.clock
    }

    #[wasm_bindgen(getter, js_name = chatId)]
    pub fn chat_id(&self) -> Option<String> {
        self.chat_id.clone()
    }

    /// Chat and edit text (markdown); the community name for descriptions.
    #[wasm_bindgen(getter)]
    pub fn text(&self) -> Option<String> {
        self.text.clone()
    }

    /// For descriptions: signed by the community key. Always false for other kinds.
    #[wasm_bindgen(getter)]
    pub fn verified(&self) -> bool {
        self.verified
    }
}

impl From<&StatusEvent> for DecodedStatusMessage {
    fn from(event: &StatusEvent) -> Self {
        let mut out = Self {
            kind: "other",
            id: event.meta().map(|m| message_id_hex(&m.id)),
            signer: event.meta().map(|m| m.signer.to_uncompressed().to_vec()),
            clock: None,
            chat_id: None,
            text: None,
            verified: false,
        };
        match event {
            StatusEvent::Chat(r) => {
                out.kind = "chat";
                out.clock = Some(r.message.clock);
                out.chat_id = Some(r.message.chat_id.clone());
                out.text = Some(r.message.text.clone());
            }
            StatusEvent::Reaction(r) => {
                out.kind = "reaction";
                out.clock = Some(r.message.clock);
                out.chat_id = Some(r.message.chat_id.clone());
                out.text = Some(r.message.emoji.clone());
            }
            StatusEvent::Edit(r) => {
                out.kind = "edit";
                out.clock = Some(r.message.clock);
                out.chat_id = Some(r.message.chat_id.clone());
                out.text = Some(r.message.text.clone());
            }
            StatusEvent::Delete(r) => {
                out.kind = "delete";
                out.clock = Some(r.message.clock);
                out.chat_id = Some(r.message.chat_id.clone());
            }
            StatusEvent::Pin(r) => {
                out.kind = "pin";
                out.clock = Some(r.message.clock);
                out.chat_id = Some(r.message.chat_id.clone());
            }
            StatusEvent::CommunityDescription(r) => {
                out.kind = "community-description";
                let d = r.message.unverified_description();
                out.clock = Some(d.clock);
                out.text = Some(d.name.clone());
                out.verified = r.message.is_verified();
            }
            StatusEvent::Other(_) => {}
            StatusEvent::Encrypted { .. } => out.kind = "encrypted",
            StatusEvent::Segment { .. } | StatusEvent::Pending(_) => out.kind = "segment",
        }
        out
    }
}

/// The Waku messages that carry one chat message (several when it is segmented), and its id.
#[wasm_bindgen]
pub struct EncodedChatMessage {
    id: String,
    messages: Vec<Vec<u8>>,
}

#[wasm_bindgen]
impl EncodedChatMessage {
    /// The id receivers will compute, `0x…`.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// How many Waku messages to publish.
    #[wasm_bindgen(getter)]
    pub fn count(&self) -> usize {
        self.messages.len()
    }

    /// The `index`th encoded `WakuMessage`.
    pub fn message(&self, index: usize) -> Option<Vec<u8>> {
        self.messages.get(index).cloned()
    }
}

/// Builds a plain text (markdown) community message from `signingKey` on the transport chat
/// `transportChatId` (the community's `-memberUpdate` chat for current status-go), sealed with
/// that chat's 32-byte `key`. `clock` and `timestampMs` are ms; the Waku timestamp is
/// `timestampMs` in ns.
#[wasm_bindgen(js_name = encodeChatMessage)]
#[allow(clippy::too_many_arguments)]
pub fn encode_chat_message(
    #[wasm_bindgen(js_name = chatId)] chat_id: &str,
    text: &str,
    clock: u64,
    #[wasm_bindgen(js_name = timestampMs)] timestamp_ms: u64,
    #[wasm_bindgen(js_name = transportChatId)] transport_chat_id: &str,
    key: &[u8],
    #[wasm_bindgen(js_name = signingKey)] signing_key: &[u8],
) -> Result<EncodedChatMessage, JsError> {
    use prost::Message as _;
    let key = SymmetricKey::from_slice(key).map_err(js_error)?;
    let signer = PrivateKey::from_bytes(signing_key).map_err(js_error)?;
    let timestamp_ns = i64::try_from(timestamp_ms)
        .ok()
        .and_then(|ms| ms.checked_mul(1_000_000))
        .ok_or_else(|| JsError::new("timestampMs is out of range"))?;
    let message = ChatMessage::text(chat_id, text, clock, timestamp_ms);
    let chat = ChatKey::with_key(transport_chat_id, key);
    let out =
        codec::encode_chat_message(&message, &signer, &chat, timestamp_ns).map_err(js_error)?;
    Ok(EncodedChatMessage {
        id: message_id_hex(&out.id),
        messages: out.messages.iter().map(|m| m.encode_to_vec()).collect(),
    })
}

/// The Status envelope of a plain text community message — `ProtocolMessage { public_message:
/// AMM }`, the AMM signed by `signingKey` — without the payload v1 layer, so that another Waku
/// library (js-waku's `@waku/message-encryption`) can frame, sign and encrypt it. Returns the
/// bytes and, as `id`, the message id receivers will compute.
#[wasm_bindgen(js_name = sealChatEnvelope)]
pub fn seal_chat_envelope(
    #[wasm_bindgen(js_name = chatId)] chat_id: &str,
    text: &str,
    clock: u64,
    #[wasm_bindgen(js_name = timestampMs)] timestamp_ms: u64,
    #[wasm_bindgen(js_name = signingKey)] signing_key: &[u8],
) -> Result<EncodedChatMessage, JsError> {
    let signer = PrivateKey::from_bytes(signing_key).map_err(js_error)?;
    let message = ChatMessage::text(chat_id, text, clock, timestamp_ms);
    message.validate(timestamp_ms).map_err(js_error)?;
    let sealed = crate::status::envelope::seal_public_message(
        &message.encode(),
        crate::proto::status::application_metadata_message::Type::ChatMessage,
        &signer,
    );
    Ok(EncodedChatMessage {
        id: message_id_hex(&sealed.id),
        messages: vec![sealed.bytes],
    })
}
