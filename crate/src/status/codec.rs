//! One call from a Waku message to a typed Status event, and one call back.
//!
//! [`decode_status_message`] walks every layer in status-go's receive order (status-wire.md §2.2):
//! payload v1 (with whichever key [`Keys`] holds for the content topic) → segment detection →
//! ProtocolMessage → SDS → ApplicationMetadataMessage → the typed message its type names
//! ([`chat`](super::chat), [`community`](super::community)). Segments need state across messages:
//! [`decode_status_message`] hands a segment back as [`StatusEvent::Segment`];
//! [`decode_status_message_buffered`] feeds it to a [`SegmentBuffer`] and carries on when the
//! message is whole.
//!
//! [`encode_chat_message`] is the mirror for what we send: ChatMessage → signed AMM →
//! `ProtocolMessage.public_message` → segments above status-go's threshold → payload v1 sealed with
//! the chat's key and signed → Waku messages (version 1) on the chat's content topic.

use std::collections::HashMap;

use crate::proto::status::application_metadata_message::Type as MessageType;
use crate::status::chat::{
    ChatError, ChatMessage, DeleteMessage, EditMessage, EmojiReaction, PinMessage,
    transport_time_ms,
};
use crate::status::community::{CommunityError, DescriptionCheck, verify_community_description};
use crate::status::envelope::{
    self, EncryptedPayload, EnvelopeError, MessageId, Opened, OpenedMessage, SdsMetadata, Wrapping,
};
use crate::status::keys::{PrivateKey, PublicKey, SymmetricKey, community_id, content_topic};
use crate::status::outgoing;
use crate::status::payload::{self, DecodedPayload, PayloadError};
use crate::status::segment::{self, Reassembly, Segment, SegmentBuffer, SegmentError};
use crate::waku::{MessageError, WakuMessage};

/// The `WakuMessage.version` of 26/WAKU2-PAYLOAD version 1, the only one status-go sends.
pub const PAYLOAD_VERSION: u32 = 1;

/// Why a Waku message did not become a Status event, by layer.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum StatusError {
    #[error("WakuMessage version is {version:?}; Status uses {PAYLOAD_VERSION} (26/WAKU2-PAYLOAD)")]
    Version { version: Option<u32> },
    /// status-go checks clocks against the Waku timestamp; without one nothing can be checked.
    #[error("WakuMessage has no positive timestamp (got {timestamp:?})")]
    NoTimestamp { timestamp: Option<i64> },
    #[error("no symmetric or private key to try on content topic {topic}")]
    NoKey { topic: String },
    #[error("payload: {0}")]
    Payload(#[from] PayloadError),
    #[error("segment: {0}")]
    Segment(#[from] SegmentError),
    #[error("envelope: {0}")]
    Envelope(#[from] EnvelopeError),
    #[error("chat: {0}")]
    Chat(#[from] ChatError),
    #[error("community: {0}")]
    Community(#[from] CommunityError),
    #[error("message: {0}")]
    Message(#[from] MessageError),
}

// ---------------------------------------------------------------------------------------------
// Keys

/// A chat's symmetric key with the content topic it belongs to: both come from the chat id, and
/// deriving the key costs 65,356 PBKDF2 rounds, so it is derived once and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatKey {
    chat_id: String,
    topic: String,
    key: SymmetricKey,
}

impl ChatKey {
    /// Derives the key of `chat_id` (slow: tens of ms in a browser).
    pub fn derive(chat_id: &str) -> Self {
        Self::with_key(chat_id, SymmetricKey::derive(chat_id))
    }

    /// A key already derived (from storage), for `chat_id`'s topic.
    pub fn with_key(chat_id: &str, key: SymmetricKey) -> Self {
        Self {
            chat_id: chat_id.to_owned(),
            topic: content_topic(chat_id).to_string(),
            key,
        }
    }

    pub fn chat_id(&self) -> &str {
        &self.chat_id
    }

    /// `/waku/1/0x…/rfc26`.
    pub fn content_topic(&self) -> &str {
        &self.topic
    }

    pub fn key(&self) -> &SymmetricKey {
        &self.key
    }
}

/// The keys a receiver holds: symmetric keys by content topic (several may share one: the universal
/// topic is tried with its own key and, for early senders, the per-channel keys), which community a
/// description topic belongs to, and our private key for messages sealed to us.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    symmetric: HashMap<String, Vec<ChatKey>>,
    communities: HashMap<String, PublicKey>,
    private: Option<PrivateKey>,
}

impl Keys {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a chat's key under its content topic; adding the same chat twice changes nothing.
    pub fn add_chat(&mut self, key: ChatKey) -> &mut Self {
        let topic = key.topic.clone();
        self.add_chat_on_topic(&topic, key)
    }

    /// Tries a chat's key on another topic too: the first senders on a community's universal
    /// topic sealed with the channel's own key (status-go PR #5864; wire §3.1), so a receiver
    /// tries the universal key first, then each channel's.
    pub fn add_chat_on_topic(&mut self, topic: &str, key: ChatKey) -> &mut Self {
        let keys = self.symmetric.entry(topic.to_owned()).or_default();
        if !keys.iter().any(|k| k.chat_id == key.chat_id) {
            keys.push(key);
        }
        self
    }

    /// Adds a community's description topic (its id as chat id) with the key given, and remembers
    /// that descriptions there must be about — and signed by — `community`.
    pub fn add_community_key(&mut self, community: &PublicKey, key: SymmetricKey) -> &mut Self {
        let chat = ChatKey::with_key(&community_id(community), key);
        self.communities.insert(chat.topic.clone(), *community);
        self.add_chat(chat)
    }

    /// [`Keys::add_community_key`], deriving the key (slow).
    pub fn add_community(&mut self, community: &PublicKey) -> &mut Self {
        let key = SymmetricKey::derive(&community_id(community));
        self.add_community_key(community, key)
    }

    /// Our identity key, for payloads sealed to us with ECIES (and for nothing else).
    pub fn set_private_key(&mut self, key: PrivateKey) -> &mut Self {
        self.private = Some(key);
        self
    }

    /// The keys to try on `topic`, in the order they were added.
    pub fn symmetric_keys(&self, topic: &str) -> &[ChatKey] {
        self.symmetric.get(topic).map_or(&[], Vec::as_slice)
    }

    /// The community whose descriptions travel on `topic`, if we registered it.
    pub fn community(&self, topic: &str) -> Option<&PublicKey> {
        self.communities.get(topic)
    }
}

// ---------------------------------------------------------------------------------------------
// Events

/// What every readable message comes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// status-go's message id: keccak256(uncompressed author ‖ AMM bytes).
    pub id: MessageId,
    /// The author: recovered from the AMM signature. For descriptions, the community (or owner).
    pub signer: PublicKey,
    /// The sending node: recovered from the payload v1 frame. Not the author.
    pub frame_signer: PublicKey,
    /// The Waku timestamp, ns.
    pub timestamp_ns: i64,
    pub content_topic: String,
    pub wrapping: Wrapping,
    pub sds: Option<SdsMetadata>,
}

impl Meta {
    /// The id as replies, reactions and edits quote it (`0x…`).
    pub fn id_hex(&self) -> String {
        envelope::message_id_hex(&self.id)
    }
}

/// A typed message and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received<T> {
    pub meta: Meta,
    pub message: T,
}

/// A segment waiting for its siblings, or a piece that was not needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Kept in the buffer; the message still lacks pieces.
    Incomplete,
    /// This piece was already held.
    Duplicate,
    /// The message was already reassembled; a late piece.
    AlreadyCompleted,
}

/// What a Waku message turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusEvent {
    Chat(Box<Received<ChatMessage>>),
    Reaction(Box<Received<EmojiReaction>>),
    Edit(Box<Received<EditMessage>>),
    Delete(Box<Received<DeleteMessage>>),
    Pin(Box<Received<PinMessage>>),
    /// Well formed and signed; whether verified is in the [`DescriptionCheck`].
    CommunityDescription(Box<Received<DescriptionCheck>>),
    /// An application message of another type, undecoded.
    Other(Box<Received<OtherMessage>>),
    /// Encrypted (hash ratchet, double ratchet) for a key we do not hold.
    Encrypted {
        frame_signer: PublicKey,
        info: EncryptedPayload,
    },
    /// A segment, from [`decode_status_message`]: push it into a [`SegmentBuffer`] (or call
    /// [`decode_status_message_buffered`] instead).
    Segment {
        frame_signer: PublicKey,
        segment: Segment,
    },
    /// A segment the buffer kept or set aside, from [`decode_status_message_buffered`].
    Pending(Pending),
}

/// An application message this module does not type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherMessage {
    /// The AMM `type`, raw: may be one this build does not know.
    pub message_type: i32,
    pub payload: Vec<u8>,
}

impl OtherMessage {
    pub fn kind(&self) -> Option<MessageType> {
        MessageType::try_from(self.message_type).ok()
    }
}

impl StatusEvent {
    /// The message's id, author and origin, when it was readable.
    pub fn meta(&self) -> Option<&Meta> {
        match self {
            Self::Chat(r) => Some(&r.meta),
            Self::Reaction(r) => Some(&r.meta),
            Self::Edit(r) => Some(&r.meta),
            Self::Delete(r) => Some(&r.meta),
            Self::Pin(r) => Some(&r.meta),
            Self::CommunityDescription(r) => Some(&r.meta),
            Self::Other(r) => Some(&r.meta),
            Self::Encrypted { .. } | Self::Segment { .. } | Self::Pending(_) => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// Decodes one Waku message through every Status layer. A segment comes back as
/// [`StatusEvent::Segment`]; use [`decode_status_message_buffered`] to have it reassembled.
pub fn decode_status_message(msg: &WakuMessage, keys: &Keys) -> Result<StatusEvent, StatusError> {
    let (timestamp_ns, opened) = open_payload(msg, keys)?;
    if let Ok(segment) = segment::decode_segment(&opened.data) {
        return Ok(StatusEvent::Segment {
            frame_signer: opened.signer,
            segment,
        });
    }
    decode_data(
        &opened.data,
        opened.signer,
        timestamp_ns,
        &msg.content_topic,
        keys,
    )
}

/// [`decode_status_message`] with reassembly: a segment goes into `buffer` (at `now_ms`, any
/// millisecond clock), and the message it completes is decoded at once.
pub fn decode_status_message_buffered(
    msg: &WakuMessage,
    keys: &Keys,
    buffer: &mut SegmentBuffer,
    now_ms: u64,
) -> Result<StatusEvent, StatusError> {
    let (timestamp_ns, opened) = open_payload(msg, keys)?;
    // From the opened payload on, the same path as an archived message.
    decode_archived_data(
        &opened.data,
        opened.signer,
        timestamp_ns,
        &msg.content_topic,
        keys,
        buffer,
        now_ms,
    )
}

/// [`decode_opened_data`] with reassembly, for a history archive's messages in a row: a segment
/// goes into `buffer`, and the message it completes is decoded at once. The author is recovered
/// from the message's own signature; the archive's `sig` is only the frame signer.
pub fn decode_archived_data(
    data: &[u8],
    frame_signer: PublicKey,
    timestamp_ns: i64,
    content_topic: &str,
    keys: &Keys,
    buffer: &mut SegmentBuffer,
    now_ms: u64,
) -> Result<StatusEvent, StatusError> {
    let (frame_signer, segment) =
        match decode_opened_data(data, frame_signer, timestamp_ns, content_topic, keys)? {
            StatusEvent::Segment {
                frame_signer,
                segment,
            } => (frame_signer, segment),
            event => return Ok(event),
        };
    match buffer.push(segment, &frame_signer, now_ms)? {
        Reassembly::Complete(whole) => {
            decode_data(&whole, frame_signer, timestamp_ns, content_topic, keys)
        }
        Reassembly::Incomplete => Ok(StatusEvent::Pending(Pending::Incomplete)),
        Reassembly::Duplicate => Ok(StatusEvent::Pending(Pending::Duplicate)),
        Reassembly::AlreadyCompleted => Ok(StatusEvent::Pending(Pending::AlreadyCompleted)),
    }
}

/// Decodes RFC-26 data that was opened elsewhere — a history archive's `payload`, with its `sig`
/// as the frame signer and its topic — from the segment and envelope layers on, exactly as
/// [`decode_status_message`] continues after opening a payload (status-go feeds archived messages
/// back in at the same step).
pub fn decode_opened_data(
    data: &[u8],
    frame_signer: PublicKey,
    timestamp_ns: i64,
    content_topic: &str,
    keys: &Keys,
) -> Result<StatusEvent, StatusError> {
    if let Ok(segment) = segment::decode_segment(data) {
        return Ok(StatusEvent::Segment {
            frame_signer,
            segment,
        });
    }
    decode_data(data, frame_signer, timestamp_ns, content_topic, keys)
}

/// Checks the Waku fields and opens payload v1: each symmetric key of the topic, then our private
/// key. The error of the last attempt is reported when none opens it.
fn open_payload(msg: &WakuMessage, keys: &Keys) -> Result<(i64, DecodedPayload), StatusError> {
    if msg.version != Some(PAYLOAD_VERSION) {
        return Err(StatusError::Version {
            version: msg.version,
        });
    }
    let timestamp_ns = match msg.timestamp {
        Some(t) if t > 0 => t,
        timestamp => return Err(StatusError::NoTimestamp { timestamp }),
    };
    let mut last = None;
    for chat in keys.symmetric_keys(&msg.content_topic) {
        match payload::open_symmetric(&msg.payload, &chat.key) {
            // The right key: from here on a failure is the frame's, not the key's.
            Ok(frame) => return Ok((timestamp_ns, payload::decode_frame(&frame)?)),
            Err(e) => last = Some(e),
        }
    }
    if let Some(private) = &keys.private {
        match payload::decrypt_asymmetric(&msg.payload, private) {
            Ok(opened) => return Ok((timestamp_ns, opened)),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => e.into(),
        None => StatusError::NoKey {
            topic: msg.content_topic.clone(),
        },
    })
}

/// From reassembled RFC-26 data to the typed event.
fn decode_data(
    data: &[u8],
    frame_signer: PublicKey,
    timestamp_ns: i64,
    content_topic: &str,
    keys: &Keys,
) -> Result<StatusEvent, StatusError> {
    let opened = match envelope::open_envelope(data)? {
        Opened::Encrypted(info) => return Ok(StatusEvent::Encrypted { frame_signer, info }),
        Opened::Message(opened) => *opened,
    };
    let OpenedMessage {
        message,
        wrapping,
        sds,
    } = opened;
    let kind = message.kind();
    let meta = Meta {
        id: message.id,
        signer: message.signer,
        frame_signer,
        timestamp_ns,
        content_topic: content_topic.to_string(),
        wrapping,
        sds,
    };
    let payload = message.payload;
    Ok(match kind {
        Some(MessageType::ChatMessage) => StatusEvent::Chat(Box::new(Received {
            message: ChatMessage::decode(&payload, transport_time_ms(timestamp_ns))?,
            meta,
        })),
        Some(MessageType::EmojiReaction) => StatusEvent::Reaction(Box::new(Received {
            message: EmojiReaction::decode(&payload)?,
            meta,
        })),
        Some(MessageType::EditMessage) => StatusEvent::Edit(Box::new(Received {
            message: EditMessage::decode(&payload)?,
            meta,
        })),
        Some(MessageType::DeleteMessage) => StatusEvent::Delete(Box::new(Received {
            message: DeleteMessage::decode(&payload)?,
            meta,
        })),
        Some(MessageType::PinMessage) => StatusEvent::Pin(Box::new(Received {
            message: PinMessage::decode(&payload)?,
            meta,
        })),
        Some(MessageType::CommunityDescription) => {
            let timestamp_ms = u64::try_from(timestamp_ns / 1_000_000).unwrap_or(0);
            let check = verify_community_description(
                &payload,
                &meta.signer,
                timestamp_ms,
                keys.community(content_topic),
            )?;
            StatusEvent::CommunityDescription(Box::new(Received {
                message: check,
                meta,
            }))
        }
        _ => StatusEvent::Other(Box::new(Received {
            message: OtherMessage {
                message_type: message.message_type,
                payload,
            },
            meta,
        })),
    })
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// What [`encode_chat_message`] (and every encoder in [`outgoing`]) built: the Waku messages to publish (one, or the segments in
/// order) and the id receivers will give the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub id: MessageId,
    pub messages: Vec<WakuMessage>,
}

/// Builds what we send for a chat message, as status-go's public send path does: the message,
/// validated as receivers will validate it → AMM signed by `signer` →
/// `ProtocolMessage.public_message` → segments when above [`segment::SEGMENT_SIZE`] → payload v1
/// sealed with `chat`'s key and signed by `signer` → Waku messages (version 1) on `chat`'s content
/// topic, stamped `timestamp_ns`.
///
/// `chat` is the transport chat: the community's universal `-memberUpdate` chat for current
/// status-go (key and topic both), not necessarily the channel named in `message.chat_id`.
pub fn encode_chat_message(
    message: &ChatMessage,
    signer: &PrivateKey,
    chat: &ChatKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    message.validate(transport_time_ms(timestamp_ns))?;
    outgoing::encode_application(
        &message.encode(),
        MessageType::ChatMessage,
        signer,
        outgoing::Layer::PublicMessage,
        outgoing::Destination::Chat(chat),
        timestamp_ns,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const T_NS: i64 = 1_700_000_000_000_000_000;
    const T_MS: u64 = 1_700_000_000_000;

    fn user() -> PrivateKey {
        PrivateKey::from_bytes(&[3; 32]).unwrap()
    }

    fn chat() -> ChatKey {
        ChatKey::with_key("0x02ab-memberUpdate", SymmetricKey::new([9; 32]))
    }

    #[test]
    fn encode_then_decode_gives_the_message_signer_and_id() {
        let msg = ChatMessage::text("0x02abuuid", "hi", T_MS, T_MS);
        let out = encode_chat_message(&msg, &user(), &chat(), T_NS).unwrap();
        assert_eq!(out.messages.len(), 1);
        let mut keys = Keys::new();
        keys.add_chat(chat()).add_chat(chat());
        assert_eq!(keys.symmetric_keys(chat().content_topic()).len(), 1);
        let StatusEvent::Chat(r) = decode_status_message(&out.messages[0], &keys).unwrap() else {
            panic!("not a chat message");
        };
        assert_eq!(r.message, msg);
        assert_eq!(r.meta.id, out.id);
        assert_eq!(r.meta.signer, user().public_key());
        assert_eq!(r.meta.frame_signer, user().public_key());
        assert_eq!(r.meta.wrapping, Wrapping::Public);
    }

    #[test]
    fn waku_fields_are_checked_first() {
        let msg = ChatMessage::text("c", "hi", T_MS, T_MS);
        let out = encode_chat_message(&msg, &user(), &chat(), T_NS).unwrap();
        let keys = Keys::new();
        let mut m = out.messages[0].clone();
        assert_eq!(
            decode_status_message(&m, &keys),
            Err(StatusError::NoKey {
                topic: chat().content_topic().into()
            })
        );
        m.version = Some(0);
        assert_eq!(
            decode_status_message(&m, &keys),
            Err(StatusError::Version { version: Some(0) })
        );
        m.version = Some(1);
        m.timestamp = None;
        assert_eq!(
            decode_status_message(&m, &keys),
            Err(StatusError::NoTimestamp { timestamp: None })
        );
    }

    #[test]
    fn sending_refuses_what_receivers_would_drop() {
        let blank = ChatMessage::text("c", "  ", T_MS, T_MS);
        assert_eq!(
            encode_chat_message(&blank, &user(), &chat(), T_NS),
            Err(StatusError::Chat(ChatError::EmptyText {
                message: "ChatMessage"
            }))
        );
    }
}
