//! The envelopes between a (reassembled) RFC-26 payload and an application message: the
//! encryption layer (`ProtocolMessage`), the optional SDS layer, and the signed
//! `ApplicationMetadataMessage` whose signer and id every higher layer relies on.
//!
//! Receive order, as status-go's `processor.go` `processMessage` @ `b7b5f827` (the same order as
//! `protocol/common/message_sender.go` `handleMessage` @ `c72f4913`): ProtocolMessage → SDS → AMM.
//! The first two are optional on the wire, and status-go passes the bytes on unchanged when a
//! layer does not parse; [`open_envelope`] does the same, so a bare AMM (status-web sends those,
//! status-go sends community descriptions that way) opens like a wrapped one.
//!
//! Sending ([`seal_public_message`]): AMM in `ProtocolMessage.public_message`, without SDS.
//! - The ProtocolMessage wrapper matters: status-go before PR #6717 (2025-06) took a bare AMM of
//!   type ≥ 2 for a segment (its protobuf decoder skips the mistyped field 2 and reads the type as
//!   `segments_count`) and waited forever for the other "segments". A ProtocolMessage has no
//!   varint in fields 1–7, so every version reads it correctly.
//! - No SDS: since 2026-07 status-go wraps its own community messages in SDS (PR #7665;
//!   `sender_public.go` `sdsForCommunitiesEnabled = true` @ `0678fb9e`), but every version
//!   passes non-SDS bytes through on receive (`sds.go` `UnwrapPayloadFromSDS` @ `5a5b687a`: "wrapping
//!   is not mandatory"). A useful SDS header needs a per-channel lamport clock, causal history and
//!   bloom filter that a light client sending now and then does not keep; an empty one tells
//!   receivers nothing. [`encode_sds`] exists for the day we keep that state.

use std::borrow::Cow;

use prost::Message;
use sha3::{Digest, Keccak256};

use crate::proto::status::application_metadata_message::Type as MessageType;
use crate::proto::status::{ApplicationMetadataMessage, ProtocolMessage, SdsMessage};
use crate::status::keys::{KeyError, PrivateKey, PublicKey, keccak256, recover_keccak};
use crate::status::segment;

/// The `encrypted_message` key for hash-ratchet group traffic, the only key a light client without
/// a device id can read (status-go `noInstallationID` in `protocol/encryption/protocol.go`).
pub const NO_INSTALLATION_ID: &str = "none";

/// The largest envelope we open: the largest payload a default [`segment::SegmentBuffer`] can
/// reassemble. Anything bigger cannot have come from our own lower layers.
pub const MAX_ENVELOPE_LEN: usize = segment::MAX_BUFFERED_BYTES;

/// nim-sds refuses to wrap content above 1 MiB (`sds/message.nim` `MaxMessageSize = 1024 * 1024`
/// @ `0dea35d3`); status-go then sends the payload unwrapped.
pub const MAX_SDS_CONTENT_LEN: usize = 1024 * 1024;

/// A Status message id: `keccak256(uncompressed signer ‖ AMM bytes)`.
pub type MessageId = [u8; 32];

/// What is wrong with an envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("envelope is {len} bytes, more than the {max} a reassembled payload can be")]
    TooLarge { len: usize, max: usize },
    #[error("not an SDS message: {0}")]
    SdsDecode(prost::DecodeError),
    #[error("not an SDS message: nim-sds requires field {field} ({name}), which is absent")]
    SdsMissingField { field: u32, name: &'static str },
    #[error("SDS content must be 1 to {max} bytes, got {len}")]
    SdsContentSize { len: usize, max: usize },
    #[error("not an ApplicationMetadataMessage: {0}")]
    ApplicationDecode(prost::DecodeError),
    #[error("ApplicationMetadataMessage has no signature, so no author")]
    Unsigned,
    #[error("ApplicationMetadataMessage signature: {0}")]
    Key(#[from] KeyError),
}

fn check_len(bytes: &[u8]) -> Result<(), EnvelopeError> {
    if bytes.len() > MAX_ENVELOPE_LEN {
        return Err(EnvelopeError::TooLarge {
            len: bytes.len(),
            max: MAX_ENVELOPE_LEN,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Message ids

/// The id status-go gives a message (`protocol/v1/message.go` `MessageID` @ `c72f4913`:
/// `crypto.Keccak256(append(crypto.FromECDSAPub(author), data...))`). `FromECDSAPub` is the 65-byte
/// uncompressed key with its `0x04` prefix; `data` is the whole encoded ApplicationMetadataMessage
/// exactly as received (after any SDS unwrap: `HandleApplicationLayer` hashes
/// `EncryptionLayer.Payload`), not just its payload, and never a re-encoding. Replies, reactions and
/// edits name their target by this id.
pub fn message_id(signer: &PublicKey, amm_bytes: &[u8]) -> MessageId {
    // Hashed in two parts rather than concatenated: an AMM can be megabytes.
    Keccak256::new()
        .chain_update(signer.to_uncompressed())
        .chain_update(amm_bytes)
        .finalize()
        .into()
}

/// `0x` + lowercase hex: how ids appear in `response_to`, `message_id` fields and the UI.
pub fn message_id_hex(id: &MessageId) -> String {
    format!("0x{}", hex::encode(id))
}

// ---------------------------------------------------------------------------------------------
// Encryption layer: ProtocolMessage

/// What the encryption layer held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolLayer {
    /// The bytes are no ProtocolMessage (or one with neither a public nor an encrypted message):
    /// status-go then hands them on unchanged, and so do we.
    NotWrapped,
    /// `public_message`: the inner bytes in clear.
    Public(Vec<u8>),
    /// A hash-ratchet message with `seq_no` 0 under `"none"`: a key-exchange or rekey message whose
    /// payload status-go leaves unencrypted (`encryptor.go` `DecryptWithHR`: "nothing to decrypt").
    /// Encrypted communities publish their descriptions this way.
    HashRatchetPlaintext {
        group_id: Vec<u8>,
        key_id: Vec<u8>,
        payload: Vec<u8>,
    },
    /// Encrypted, and we hold no key for it.
    Encrypted(EncryptedPayload),
}

/// An encrypted message we cannot read, and why: enough to file it (group and key id) until a
/// key arrives, or to drop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedPayload {
    pub scheme: EncryptionScheme,
    /// The `encrypted_message` keys, sorted.
    pub installation_ids: Vec<String>,
}

/// How an unreadable message is encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncryptionScheme {
    /// Hash ratchet (community or channel group key): readable with the group's key.
    HashRatchet {
        group_id: Vec<u8>,
        key_id: Vec<u8>,
        seq_no: u32,
    },
    /// 1:1 double ratchet (X3DH or DR header): never for a light client.
    DoubleRatchet,
    /// 1:1 Diffie–Hellman header.
    DiffieHellman,
    /// Addressed to specific devices, none of them `"none"`.
    NotForUs,
    /// An entry under `"none"` with no header at all (status-go: "no key specified").
    Unspecified,
}

/// Unwraps the encryption layer. Mirrors status-go's `HandleMessage` (`protocol/encryption/
/// protocol.go` @ `c72f4913`): `public_message` wins, then the `"none"` entry of
/// `encrypted_message`, whose headers are tried in status-go's order (X3DH, DR, DH, hash ratchet).
pub fn unwrap_protocol_message(bytes: &[u8]) -> Result<ProtocolLayer, EnvelopeError> {
    check_len(bytes)?;
    let Ok(pm) = ProtocolMessage::decode(bytes) else {
        return Ok(ProtocolLayer::NotWrapped);
    };
    if !pm.public_message.is_empty() {
        return Ok(ProtocolLayer::Public(pm.public_message));
    }
    if pm.encrypted_message.is_empty() {
        return Ok(ProtocolLayer::NotWrapped);
    }
    let mut installation_ids: Vec<String> = pm.encrypted_message.keys().cloned().collect();
    installation_ids.sort();
    let mut entries = pm.encrypted_message;
    let encrypted = |scheme| {
        Ok(ProtocolLayer::Encrypted(EncryptedPayload {
            scheme,
            installation_ids: installation_ids.clone(),
        }))
    };
    let Some(msg) = entries.remove(NO_INSTALLATION_ID) else {
        return encrypted(EncryptionScheme::NotForUs);
    };
    if msg.x3dh_header.is_some() || msg.dr_header.is_some() {
        return encrypted(EncryptionScheme::DoubleRatchet);
    }
    if msg.dh_header.is_some() {
        return encrypted(EncryptionScheme::DiffieHellman);
    }
    match msg.hr_header {
        Some(hr) if hr.seq_no == 0 => Ok(ProtocolLayer::HashRatchetPlaintext {
            group_id: hr.group_id,
            key_id: hr.key_id,
            payload: msg.payload,
        }),
        Some(hr) => encrypted(EncryptionScheme::HashRatchet {
            group_id: hr.group_id,
            key_id: hr.key_id,
            seq_no: hr.seq_no,
        }),
        None => encrypted(EncryptionScheme::Unspecified),
    }
}

/// `ProtocolMessage { public_message }`, the wrapper status-go's `BuildPublicMessage` makes, minus
/// the installation id and X3DH bundle, which only matter for 1:1 chats we do not start.
pub fn encode_public_protocol_message(inner: &[u8]) -> Vec<u8> {
    ProtocolMessage {
        public_message: inner.to_vec(),
        ..ProtocolMessage::default()
    }
    .encode_to_vec()
}

// ---------------------------------------------------------------------------------------------
// SDS layer

/// The SDS header fields a reader may want (ordering, gap detection); the content travels apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdsMetadata {
    /// status-go: ASCII `0x…` (keccak256 of the AMM bytes, or the Status message id, by version).
    pub message_id: Vec<u8>,
    pub lamport_timestamp: i64,
    /// status-go: derived from the community id; the format varies between versions.
    pub channel_id: Vec<u8>,
    /// Raw entries of field 3: bare ids (nim-sds ≤ v0.3, v0.4) or HistoryEntry messages
    /// (Jan–Feb 2026 versions).
    pub causal_history: Vec<Vec<u8>>,
}

/// An SDS message: its header and the wrapped bytes (the AMM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdsEnvelope {
    pub meta: SdsMetadata,
    pub content: Vec<u8>,
}

/// Field numbers nim-sds's decoder requires (`sds/protobuf.nim` `decode` @ `0dea35d3`, and the
/// v0.4 decoder: `missingRequiredField` for each), with the wire type each must have.
const SDS_REQUIRED: [(u32, WireType, &str); 4] = [
    (1, WireType::Len, "message_id"),
    (2, WireType::Varint, "lamport_timestamp"),
    (4, WireType::Len, "channel_id"),
    (5, WireType::Len, "content"),
];

/// Decodes an SDS message. The rule for "this is SDS" is nim-sds's own decoder, the one status-go
/// runs (via sds-go-bindings) before falling back to the raw bytes: the bytes parse as `SdsMessage`
/// with nim-sds's field numbers (not the SDS RFC's) and carry fields 1 (message id), 2 (lamport
/// clock), 4 (channel id) and 5 (content). An AMM never qualifies: its field 2 is length-delimited,
/// SDS's is a varint.
pub fn decode_sds(bytes: &[u8]) -> Result<SdsEnvelope, EnvelopeError> {
    check_len(bytes)?;
    let msg = SdsMessage::decode(bytes).map_err(EnvelopeError::SdsDecode)?;
    let present = fields_present(bytes);
    for (field, wire, name) in SDS_REQUIRED {
        if !present.contains(&(field, wire)) {
            return Err(EnvelopeError::SdsMissingField { field, name });
        }
    }
    Ok(SdsEnvelope {
        meta: SdsMetadata {
            message_id: msg.message_id,
            lamport_timestamp: msg.lamport_timestamp,
            channel_id: msg.channel_id,
            causal_history: msg.causal_history,
        },
        content: msg.content,
    })
}

/// The optional SDS layer as status-go treats it: the content if `bytes` are SDS, else `bytes`
/// themselves (status-go `UnwrapPayloadFromSDS`: "return original payload since wrapping is not
/// mandatory").
pub fn unwrap_sds(bytes: &[u8]) -> (Option<SdsMetadata>, Cow<'_, [u8]>) {
    match decode_sds(bytes) {
        Ok(sds) => (Some(sds.meta), Cow::Owned(sds.content)),
        Err(_) => (None, Cow::Borrowed(bytes)),
    }
}

/// The SDS message id status-go gives a payload: `"0x" + hex(keccak256(payload))`
/// (`pkg/messaging/layers/reliability/sds.go` `WrapPayloadForSDS` @ `5a5b687a`; another 2026
/// variant passes the Status message id instead).
pub fn sds_message_id(amm_bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(keccak256(amm_bytes)))
}

/// Wraps `content` in an SDS message as nim-sds writes one (`encode` @ `0dea35d3`): fields 1, 2, 4
/// and 5 always present (nim-sds's decoder requires them, so a zero clock or an empty id is still
/// written, which protobuf's usual "omit defaults" would drop), no causal history, no bloom filter.
pub fn encode_sds(
    content: &[u8],
    message_id: &[u8],
    channel_id: &[u8],
    lamport_timestamp: i64,
) -> Result<Vec<u8>, EnvelopeError> {
    if content.is_empty() || content.len() > MAX_SDS_CONTENT_LEN {
        return Err(EnvelopeError::SdsContentSize {
            len: content.len(),
            max: MAX_SDS_CONTENT_LEN,
        });
    }
    let mut out = Vec::with_capacity(content.len() + message_id.len() + channel_id.len() + 32);
    put_len_field(&mut out, 1, message_id);
    put_key(&mut out, 2, WireType::Varint);
    // int64 on the wire: two's complement, as prost and nim-sds (`uint64(int64)`) both write it.
    put_varint(&mut out, lamport_timestamp as u64);
    put_len_field(&mut out, 4, channel_id);
    put_len_field(&mut out, 5, content);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// ApplicationMetadataMessage

/// A verified application message: who signed it, its id, its type and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationMessage {
    pub id: MessageId,
    /// Recovered from the AMM signature: the member for chat traffic, the community (control node)
    /// key for descriptions. Not the RFC-26 frame signer, which is the sending node.
    pub signer: PublicKey,
    /// The raw `type` field; [`ApplicationMessage::kind`] names it.
    pub message_type: i32,
    pub payload: Vec<u8>,
}

impl ApplicationMessage {
    /// The type, if it is one this build knows.
    pub fn kind(&self) -> Option<MessageType> {
        MessageType::try_from(self.message_type).ok()
    }

    /// The id as replies and reactions quote it.
    pub fn id_hex(&self) -> String {
        message_id_hex(&self.id)
    }
}

/// Decodes an AMM and recovers its author from `signature` over `keccak256(payload)` — only the
/// payload is signed, not `type` (`common/utils.go` `RecoverKey`, `protocol/v1/message.go`
/// `WrapMessageV1` @ `c72f4913`). An unsigned AMM is refused: status-go recovers no key for it and
/// every handler above needs one.
pub fn decode_application_message(bytes: &[u8]) -> Result<ApplicationMessage, EnvelopeError> {
    check_len(bytes)?;
    let amm =
        ApplicationMetadataMessage::decode(bytes).map_err(EnvelopeError::ApplicationDecode)?;
    if amm.signature.is_empty() {
        return Err(EnvelopeError::Unsigned);
    }
    let signer = recover_keccak(&amm.payload, &amm.signature)?;
    Ok(ApplicationMessage {
        id: message_id(&signer, bytes),
        signer,
        message_type: amm.r#type,
        payload: amm.payload,
    })
}

/// An encoded message ready for the next layer down, with the id receivers will compute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub bytes: Vec<u8>,
    pub id: MessageId,
}

/// Signs and encodes an AMM as status-go's `WrapMessageV1`: `signature = sign(keccak256(payload))`
/// (deterministic, so the bytes are what status-go would write for the same key), then
/// `{signature, payload, type}`.
pub fn encode_application_message(
    payload: &[u8],
    message_type: MessageType,
    signer: &PrivateKey,
) -> Sealed {
    let bytes = ApplicationMetadataMessage {
        signature: signer.sign_keccak(payload).to_vec(),
        payload: payload.to_vec(),
        r#type: message_type as i32,
    }
    .encode_to_vec();
    Sealed {
        id: message_id(&signer.public_key(), &bytes),
        bytes,
    }
}

// ---------------------------------------------------------------------------------------------
// All layers

/// How the AMM of an opened message was wrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrapping {
    /// No encryption layer (status-go's `SkipEncryptionLayer`, status-web).
    Bare,
    /// `ProtocolMessage.public_message`.
    Public,
    /// Hash-ratchet message with `seq_no` 0 (descriptions of encrypted communities).
    HashRatchetPlaintext { group_id: Vec<u8>, key_id: Vec<u8> },
}

/// A readable message and how it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedMessage {
    pub message: ApplicationMessage,
    pub wrapping: Wrapping,
    /// Present when the AMM was SDS-wrapped.
    pub sds: Option<SdsMetadata>,
}

/// The result of opening an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// Boxed: a verified key makes this variant several times larger than the other.
    Message(Box<OpenedMessage>),
    /// Encrypted for a key we lack; not an error in the bytes.
    Encrypted(EncryptedPayload),
}

/// Walks ProtocolMessage → SDS → AMM over a reassembled RFC-26 payload, each optional layer
/// falling back to the bytes it was given, as status-go does.
pub fn open_envelope(data: &[u8]) -> Result<Opened, EnvelopeError> {
    check_len(data)?;
    let (wrapping, inner): (Wrapping, Cow<'_, [u8]>) = match unwrap_protocol_message(data)? {
        ProtocolLayer::NotWrapped => (Wrapping::Bare, Cow::Borrowed(data)),
        ProtocolLayer::Public(inner) => (Wrapping::Public, Cow::Owned(inner)),
        ProtocolLayer::HashRatchetPlaintext {
            group_id,
            key_id,
            payload,
        } => (
            Wrapping::HashRatchetPlaintext { group_id, key_id },
            Cow::Owned(payload),
        ),
        ProtocolLayer::Encrypted(info) => return Ok(Opened::Encrypted(info)),
    };
    let (sds, amm) = unwrap_sds(&inner);
    let message = decode_application_message(&amm)?;
    Ok(Opened::Message(Box::new(OpenedMessage {
        message,
        wrapping,
        sds,
    })))
}

/// The mirror of [`open_envelope`] for what we send: AMM signed by `signer`, inside
/// `ProtocolMessage.public_message`, no SDS (see the module docs for both choices). The bytes go to
/// [`segment::encode_segments`] and then the RFC-26 payload layer.
pub fn seal_public_message(
    payload: &[u8],
    message_type: MessageType,
    signer: &PrivateKey,
) -> Sealed {
    let amm = encode_application_message(payload, message_type, signer);
    Sealed {
        bytes: encode_public_protocol_message(&amm.bytes),
        id: amm.id,
    }
}

// ---------------------------------------------------------------------------------------------
// A little protobuf wire code: field presence, which proto3 types cannot tell, and writing fields
// that must appear even when zero.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WireType {
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    Fixed32 = 5,
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The `(field, wire type)` pairs at the top level of `bytes`, stopping at the first malformed or
/// group-typed field (nim-sds's reader has no groups either).
fn fields_present(bytes: &[u8]) -> Vec<(u32, WireType)> {
    let mut seen = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let Some(key) = read_varint(bytes, &mut at) else {
            break;
        };
        let Ok(field) = u32::try_from(key >> 3) else {
            break;
        };
        let wire = match key & 7 {
            0 => WireType::Varint,
            1 => WireType::Fixed64,
            2 => WireType::Len,
            5 => WireType::Fixed32,
            _ => break,
        };
        let skip = match wire {
            WireType::Varint => read_varint(bytes, &mut at).map(|_| 0),
            WireType::Fixed64 => Some(8),
            WireType::Fixed32 => Some(4),
            WireType::Len => read_varint(bytes, &mut at).and_then(|n| usize::try_from(n).ok()),
        };
        let Some(end) = skip
            .and_then(|n| at.checked_add(n))
            .filter(|&e| e <= bytes.len())
        else {
            break;
        };
        at = end;
        if !seen.contains(&(field, wire)) {
            seen.push((field, wire));
        }
    }
    seen
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_key(out: &mut Vec<u8>, field: u32, wire: WireType) {
    put_varint(out, (u64::from(field) << 3) | wire as u64);
}

fn put_len_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(out, field, WireType::Len);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn varints_round_trip_through_the_field_scanner() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            let mut out = Vec::new();
            put_key(&mut out, 2, WireType::Varint);
            put_varint(&mut out, v);
            let mut at = 1;
            assert_eq!(read_varint(&out, &mut at), Some(v));
            assert_eq!(fields_present(&out), vec![(2, WireType::Varint)]);
        }
        // An 11-byte varint and a length past the end are malformed.
        assert_eq!(read_varint(&[0xff; 11], &mut 0), None);
        assert_eq!(fields_present(&[0x0a, 0x05, 1]), vec![]);
        // A group stops the scan.
        assert_eq!(fields_present(&[0x0b, 0x08, 1]), vec![]);
    }

    #[test]
    fn encoded_sds_always_carries_the_required_fields() {
        let bytes = encode_sds(b"x", b"", b"", 0).unwrap();
        assert_eq!(
            bytes,
            [0x0a, 0x00, 0x10, 0x00, 0x22, 0x00, 0x2a, 0x01, b'x']
        );
        let sds = decode_sds(&bytes).unwrap();
        assert_eq!(sds.content, b"x");
        assert_eq!(sds.meta.lamport_timestamp, 0);
        // prost alone would drop the zero and empty fields, which nim-sds then refuses.
        let prost_bytes = SdsMessage {
            content: b"x".to_vec(),
            ..SdsMessage::default()
        }
        .encode_to_vec();
        assert_eq!(
            decode_sds(&prost_bytes),
            Err(EnvelopeError::SdsMissingField {
                field: 1,
                name: "message_id"
            })
        );
    }
}
