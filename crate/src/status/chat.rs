//! What people post in a community channel — messages, reactions, edits, deletions and pins — as
//! checked Rust values, with the validation status-go applies before it shows anything.
//!
//! Each type decodes from the payload of an [`ApplicationMessage`](super::envelope::ApplicationMessage)
//! and encodes back to the same protobuf. Validation follows status-go's receive path
//! (`protocol/message_validator.go` @ `c72f4913`): a message status-go would drop is an error here,
//! so the UI never shows what a Status desktop user would not see.
//!
//! Who may post is not checked here: that needs the community description (channel members and
//! roles) and belongs to the client, which knows both.

use prost::Message;

use crate::proto::status as wire;
use crate::status::envelope::MessageId;

pub use wire::chat_message::ContentType;
pub use wire::emoji_reaction::Type as ReactionKind;
pub use wire::{
    AudioMessage, BridgeMessage, DiscordMessage, ImageMessage, MessageType, StickerMessage,
    UnfurledLink, UnfurledStatusLink,
};

/// How far a clock may run ahead of the time the transport stamped on the message:
/// status-go `maxWhisperFutureDriftMs = 120000` (`protocol/message_validator.go` @ `c72f4913`).
/// A sender cannot push its message to the bottom of everyone's history by lying about its clock.
pub const MAX_CLOCK_DRIFT_MS: u64 = 120_000;

/// The longest text status-go accepts, in Unicode scalar values (`maxChatMessageTextLength`,
/// counted with `[]rune`).
pub const MAX_TEXT_CHARS: usize = 4096;

/// The bounds of a display name status-go accepts in a chat message (`ValidateDisplayName`:
/// `^[\w-\s]{5,24}$` after trimming; empty is allowed).
const DISPLAY_NAME_CHARS: std::ops::RangeInclusive<usize> = 5..=24;

/// What is wrong with a chat-level message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    #[error("{message} does not decode: {source}")]
    Decode {
        message: &'static str,
        source: prost::DecodeError,
    },
    /// prost refuses a `string` field that is not UTF-8 while decoding; this names the field.
    #[error("{message}: field {field} is not valid UTF-8")]
    InvalidUtf8 {
        message: &'static str,
        field: String,
    },
    #[error("{message} has clock 0, which status-go refuses")]
    ZeroClock { message: &'static str },
    #[error(
        "{message} clock {clock} is more than {MAX_CLOCK_DRIFT_MS} ms ahead of its transport time \
         {transport_ms} ms"
    )]
    ClockTooFarAhead {
        message: &'static str,
        clock: u64,
        transport_ms: u64,
    },
    #[error("ChatMessage has timestamp 0")]
    ZeroTimestamp,
    #[error("{message} has no chat id")]
    EmptyChatId { message: &'static str },
    #[error("{message} names no target message id")]
    EmptyMessageId { message: &'static str },
    #[error("{message} text is empty or only whitespace")]
    EmptyText { message: &'static str },
    #[error("{message} text is {chars} characters, more than {MAX_TEXT_CHARS}")]
    TextTooLong { message: &'static str, chars: usize },
    #[error("{message} has message type {value}, which is unknown or never sent")]
    MessageType { message: &'static str, value: i32 },
    #[error("ChatMessage has content type {value}, which is unknown")]
    UnknownContentType { value: i32 },
    #[error("ChatMessage content type {content_type:?} is never accepted from the network")]
    ContentTypeRefused { content_type: ContentType },
    #[error("ChatMessage of content type {content_type:?} lacks {what}")]
    MissingContent {
        content_type: ContentType,
        what: &'static str,
    },
    #[error("EmojiReaction has neither a known reaction type ({value}) nor an emoji")]
    UnknownReaction { value: i32 },
    #[error("display name {name:?} is not 5 to 24 letters, digits, underscores, hyphens or spaces")]
    DisplayName { name: String },
}

/// The field prost names when it refuses a `string` that is not UTF-8 (`DecodeErrorKind::
/// InvalidString`; prost exposes no kind, only this text, which a test pins).
pub(crate) fn invalid_utf8_field(e: &prost::DecodeError) -> Option<String> {
    const PREFIX: &str = "failed to decode Protobuf message: ";
    const SUFFIX: &str = "invalid string value: data is not UTF-8 encoded";
    let text = e.to_string();
    let path = text.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    Some(path.trim_end_matches([' ', ':']).to_owned())
}

fn decode_error(message: &'static str, source: prost::DecodeError) -> ChatError {
    match invalid_utf8_field(&source) {
        Some(field) => ChatError::InvalidUtf8 { message, field },
        None => ChatError::Decode { message, source },
    }
}

/// status-go's transport time for clock checks (its "whisper timestamp"): the Waku timestamp cut to
/// whole seconds, then in ms (`wakuv2/common/message.go` `Sent = timestamp / 1e9`, `messenger.go`
/// `WhisperTimestamp: Sent * 1000` @ `c72f4913`). Negative timestamps count as 0.
pub fn transport_time_ms(waku_timestamp_ns: i64) -> u64 {
    u64::try_from(waku_timestamp_ns / 1_000_000_000).unwrap_or(0) * 1000
}

/// The clock a sender puts on its next message in a chat: `max(last + 1, now_ms)`, status-go's
/// `NextClockAndTimestamp` (`protocol/chat.go` @ `c72f4913`). Lamport order with wall-clock
/// values, so that our messages sort after everything we have seen.
pub fn next_clock(last_clock: u64, now_ms: u64) -> u64 {
    last_clock.saturating_add(1).max(now_ms)
}

fn check_clock(message: &'static str, clock: u64, transport_ms: u64) -> Result<(), ChatError> {
    if clock == 0 {
        return Err(ChatError::ZeroClock { message });
    }
    if clock.saturating_sub(transport_ms) > MAX_CLOCK_DRIFT_MS {
        return Err(ChatError::ClockTooFarAhead {
            message,
            clock,
            transport_ms,
        });
    }
    Ok(())
}

/// status-go `ValidateText`: not blank, at most [`MAX_TEXT_CHARS`] characters.
fn check_text(message: &'static str, text: &str) -> Result<(), ChatError> {
    if text.trim().is_empty() {
        return Err(ChatError::EmptyText { message });
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ChatError::TextTooLong { message, chars });
    }
    Ok(())
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// A message type status-go accepts: known, and not one it only ever creates locally.
fn message_type(message: &'static str, value: i32) -> Result<MessageType, ChatError> {
    match MessageType::try_from(value) {
        Ok(MessageType::UnknownMessageType | MessageType::SystemMessagePrivateGroup) | Err(_) => {
            Err(ChatError::MessageType { message, value })
        }
        Ok(t) => Ok(t),
    }
}

/// Parses a `0x…` message id as replies, reactions and edits quote it.
pub fn parse_message_id(s: &str) -> Option<MessageId> {
    let mut id = [0u8; 32];
    hex::decode_to_slice(s.strip_prefix("0x")?, &mut id).ok()?;
    Some(id)
}

// ---------------------------------------------------------------------------------------------
// ChatMessage

/// What a message carries besides its text, chosen on the wire by the `payload` oneof.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatContent {
    /// Text only (`TEXT_PLAIN`, `EMOJI`, …): everything is in [`ChatMessage::text`].
    Text,
    Sticker(StickerMessage),
    /// Images travel inline; `format` is what the sender claims, not sniffed.
    Image(ImageMessage),
    Audio(AudioMessage),
    /// A serialized `CommunityDescription` shared into the chat. It is NOT verified: whoever posted
    /// it could have written anything; open the community's own topic to verify it.
    Community(Vec<u8>),
    /// Boxed: a Discord import is several times larger than the other variants.
    Discord(Box<DiscordMessage>),
    Bridge(BridgeMessage),
}

/// A chat message in a channel.
///
/// There is no markdown flag and no parsed text on the wire: status-go parses every `text` as
/// markdown on receipt (`common/message.go` `PrepareContent` → `markdown.Parse` @ `c72f4913`), so
/// renderers should treat [`ChatMessage::text`] as Status-flavoured markdown, always.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    /// Lamport clock in ms; orders messages within a chat (see [`next_clock`]).
    pub clock: u64,
    /// The sender's wall clock in ms; shown, not trusted for ordering.
    pub timestamp_ms: u64,
    /// The channel: community id + channel uuid. Route by this, never by content topic: one topic
    /// carries every channel of a community.
    pub chat_id: String,
    pub text: String,
    /// The id (`0x…`) of the message this one replies to; see [`ChatMessage::reply_to`].
    pub response_to: Option<String>,
    /// The id of the message that starts this message's thread.
    pub thread_id: Option<String>,
    pub ens_name: Option<String>,
    /// The author's display name when sending; a claim, not a verified identity.
    pub display_name: Option<String>,
    pub message_type: MessageType,
    pub content_type: ContentType,
    pub content: ChatContent,
    /// Index into Status's palette of customization colours.
    pub customization_color: u32,
    pub unfurled_links: Vec<UnfurledLink>,
    pub unfurled_status_links: Vec<UnfurledStatusLink>,
}

impl ChatMessage {
    /// A plain text (markdown) message in a community channel, as we send it.
    pub fn text(
        chat_id: impl Into<String>,
        text: impl Into<String>,
        clock: u64,
        now_ms: u64,
    ) -> Self {
        Self {
            clock,
            timestamp_ms: now_ms,
            chat_id: chat_id.into(),
            text: text.into(),
            response_to: None,
            thread_id: None,
            ens_name: None,
            display_name: None,
            message_type: MessageType::CommunityChat,
            content_type: ContentType::TextPlain,
            content: ChatContent::Text,
            customization_color: 0,
            unfurled_links: Vec::new(),
            unfurled_status_links: Vec::new(),
        }
    }

    /// The replied-to message id, when `response_to` is a well-formed `0x` + 64 hex id.
    pub fn reply_to(&self) -> Option<MessageId> {
        self.response_to.as_deref().and_then(parse_message_id)
    }

    /// Decodes and validates a `ChatMessage` payload received at `transport_ms` (see
    /// [`transport_time_ms`]).
    pub fn decode(payload: &[u8], transport_ms: u64) -> Result<Self, ChatError> {
        let wire =
            wire::ChatMessage::decode(payload).map_err(|e| decode_error("ChatMessage", e))?;
        let message = Self::from_wire(wire)?;
        message.validate(transport_ms)?;
        Ok(message)
    }

    fn from_wire(m: wire::ChatMessage) -> Result<Self, ChatError> {
        use wire::chat_message::Payload;
        let content_type =
            ContentType::try_from(m.content_type).map_err(|_| ChatError::UnknownContentType {
                value: m.content_type,
            })?;
        let content = match m.payload {
            None => ChatContent::Text,
            Some(Payload::Sticker(s)) => ChatContent::Sticker(s),
            Some(Payload::Image(i)) => ChatContent::Image(i),
            Some(Payload::Audio(a)) => ChatContent::Audio(a),
            Some(Payload::Community(c)) => ChatContent::Community(c),
            Some(Payload::DiscordMessage(d)) => ChatContent::Discord(Box::new(d)),
            Some(Payload::BridgeMessage(b)) => ChatContent::Bridge(b),
        };
        Ok(Self {
            clock: m.clock,
            timestamp_ms: m.timestamp,
            chat_id: m.chat_id,
            text: m.text,
            response_to: non_empty(m.response_to),
            thread_id: m.thread_id.and_then(non_empty),
            ens_name: non_empty(m.ens_name),
            display_name: non_empty(m.display_name.trim().to_owned()),
            message_type: message_type("ChatMessage", m.message_type)?,
            content_type,
            content,
            customization_color: m.customization_color,
            unfurled_links: m.unfurled_links,
            unfurled_status_links: m
                .unfurled_status_links
                .map(|l| l.unfurled_status_links)
                .unwrap_or_default(),
        })
    }

    /// status-go's `ValidateReceivedChatMessage`, against the transport time `transport_ms`. We run
    /// it before sending too: a message status-go would drop is not worth publishing.
    pub fn validate(&self, transport_ms: u64) -> Result<(), ChatError> {
        const M: &str = "ChatMessage";
        check_clock(M, self.clock, transport_ms)?;
        if self.timestamp_ms == 0 {
            return Err(ChatError::ZeroTimestamp);
        }
        let ct = self.content_type;
        let text_optional = matches!(ct, ContentType::DiscordMessage | ContentType::BridgeMessage)
            || (ct == ContentType::Image && self.text.is_empty());
        if !text_optional {
            check_text(M, &self.text)?;
        }
        if self.chat_id.is_empty() {
            return Err(ChatError::EmptyChatId { message: M });
        }
        message_type(M, self.message_type as i32)?;
        let missing = |what| ChatError::MissingContent {
            content_type: ct,
            what,
        };
        match (ct, &self.content) {
            (
                ContentType::UnknownContentType
                | ContentType::TransactionCommand
                | ContentType::SystemMessageContentPrivateGroup
                | ContentType::SystemMessageMutualEventSent
                | ContentType::SystemMessageMutualEventAccepted
                | ContentType::SystemMessageMutualEventRemoved,
                _,
            ) => return Err(ChatError::ContentTypeRefused { content_type: ct }),
            (ContentType::Sticker, ChatContent::Sticker(s)) if s.hash.is_empty() => {
                return Err(missing("a sticker hash"));
            }
            (ContentType::Sticker, c) if !matches!(c, ChatContent::Sticker(_)) => {
                return Err(missing("a sticker"));
            }
            (ContentType::Image, ChatContent::Image(i)) => {
                if i.payload.is_empty() {
                    return Err(missing("image bytes"));
                }
                if i.format == wire::ImageFormat::UnknownImageFormat as i32 {
                    return Err(missing("an image format"));
                }
            }
            (ContentType::Image, _) => return Err(missing("an image")),
            (ContentType::Audio, ChatContent::Audio(a)) => {
                if a.payload.is_empty() {
                    return Err(missing("audio bytes"));
                }
                if a.r#type == wire::audio_message::AudioType::UnknownAudioType as i32 {
                    return Err(missing("an audio type"));
                }
            }
            (ContentType::Audio, _) => return Err(missing("audio")),
            (ContentType::BridgeMessage, ChatContent::Bridge(b)) => {
                if b.user_name.is_empty() {
                    return Err(missing("a bridged user name"));
                }
                if b.bridge_name.is_empty() {
                    return Err(missing("a bridge name"));
                }
                if b.content.is_empty() {
                    return Err(missing("bridged text"));
                }
            }
            (ContentType::BridgeMessage, _) => return Err(missing("a bridged message")),
            _ => {}
        }
        if let Some(name) = &self.display_name {
            check_display_name(name)?;
        }
        Ok(())
    }

    /// The protobuf as status-go reads it.
    pub fn to_wire(&self) -> wire::ChatMessage {
        use wire::chat_message::Payload;
        wire::ChatMessage {
            clock: self.clock,
            timestamp: self.timestamp_ms,
            text: self.text.clone(),
            response_to: self.response_to.clone().unwrap_or_default(),
            ens_name: self.ens_name.clone().unwrap_or_default(),
            chat_id: self.chat_id.clone(),
            message_type: self.message_type as i32,
            content_type: self.content_type as i32,
            display_name: self.display_name.clone().unwrap_or_default(),
            customization_color: self.customization_color,
            unfurled_links: self.unfurled_links.clone(),
            unfurled_status_links: (!self.unfurled_status_links.is_empty()).then(|| {
                wire::UnfurledStatusLinks {
                    unfurled_status_links: self.unfurled_status_links.clone(),
                }
            }),
            thread_id: self.thread_id.clone(),
            payload: match &self.content {
                ChatContent::Text => None,
                ChatContent::Sticker(s) => Some(Payload::Sticker(s.clone())),
                ChatContent::Image(i) => Some(Payload::Image(i.clone())),
                ChatContent::Audio(a) => Some(Payload::Audio(a.clone())),
                ChatContent::Community(c) => Some(Payload::Community(c.clone())),
                ChatContent::Discord(d) => Some(Payload::DiscordMessage((**d).clone())),
                ChatContent::Bridge(b) => Some(Payload::BridgeMessage(b.clone())),
            },
            ..wire::ChatMessage::default()
        }
    }

    /// The AMM payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        self.to_wire().encode_to_vec()
    }
}

/// status-go `ValidateDisplayName` without its alias word list: Go's `^[\w-\s]{5,24}$` on the
/// trimmed name, where `\w` and `\s` are ASCII-only in RE2.
pub fn check_display_name(name: &str) -> Result<(), ChatError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(());
    }
    let ok = DISPLAY_NAME_CHARS.contains(&name.chars().count())
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ' | '\t' | '\n' | '\r' | '\x0c')
        });
    if ok {
        Ok(())
    } else {
        Err(ChatError::DisplayName {
            name: name.to_owned(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// EmojiReaction

/// A reaction to a message, or its withdrawal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmojiReaction {
    pub clock: u64,
    pub chat_id: String,
    /// The id (`0x…`) of the message reacted to.
    pub message_id: String,
    pub message_type: MessageType,
    /// One of the six fixed kinds; [`ReactionKind::UnknownEmojiReactionType`] when the sender only
    /// filled [`EmojiReaction::emoji`].
    pub kind: ReactionKind,
    /// The reaction as an emoji (newer senders); may be empty from older ones.
    pub emoji: String,
    /// true withdraws an earlier reaction of the same kind by the same author.
    pub retracted: bool,
}

impl EmojiReaction {
    /// Decodes and validates an `EmojiReaction` (status-go `ValidateReceivedEmojiReaction`).
    ///
    /// status-go checks the clock against the receiver's own clock, not the message's; a pure
    /// decoder has none, so only a zero clock is refused here.
    pub fn decode(payload: &[u8]) -> Result<Self, ChatError> {
        const M: &str = "EmojiReaction";
        let w = wire::EmojiReaction::decode(payload).map_err(|e| decode_error(M, e))?;
        if w.clock == 0 {
            return Err(ChatError::ZeroClock { message: M });
        }
        if w.message_id.is_empty() {
            return Err(ChatError::EmptyMessageId { message: M });
        }
        if w.chat_id.is_empty() {
            return Err(ChatError::EmptyChatId { message: M });
        }
        // status-go refuses an unknown type; its proto marks the type deprecated in favour of
        // `emoji`, so a reaction that carries an emoji is accepted too.
        let kind =
            ReactionKind::try_from(w.r#type).unwrap_or(ReactionKind::UnknownEmojiReactionType);
        if kind == ReactionKind::UnknownEmojiReactionType && w.emoji.is_empty() {
            return Err(ChatError::UnknownReaction { value: w.r#type });
        }
        let message_type = match MessageType::try_from(w.message_type) {
            Ok(MessageType::UnknownMessageType) | Err(_) => {
                return Err(ChatError::MessageType {
                    message: M,
                    value: w.message_type,
                });
            }
            Ok(t) => t,
        };
        Ok(Self {
            clock: w.clock,
            chat_id: w.chat_id,
            message_id: w.message_id,
            message_type,
            kind,
            emoji: w.emoji,
            retracted: w.retracted,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        wire::EmojiReaction {
            clock: self.clock,
            chat_id: self.chat_id.clone(),
            message_id: self.message_id.clone(),
            message_type: self.message_type as i32,
            r#type: self.kind as i32,
            retracted: self.retracted,
            grant: Vec::new(),
            emoji: self.emoji.clone(),
        }
        .encode_to_vec()
    }
}

// ---------------------------------------------------------------------------------------------
// EditMessage, DeleteMessage, PinMessage

/// A new text for an earlier message. Only meaningful when signed by that message's author; the
/// client checks that, knowing both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditMessage {
    pub clock: u64,
    pub chat_id: String,
    /// The id (`0x…`) of the edited message.
    pub message_id: String,
    pub text: String,
    pub message_type: MessageType,
    /// Unknown values are kept as `UnknownContentType`: status-go does not check this field.
    pub content_type: ContentType,
    pub unfurled_links: Vec<UnfurledLink>,
    pub unfurled_status_links: Vec<UnfurledStatusLink>,
}

impl EditMessage {
    /// Decodes and validates an `EditMessage` (status-go `ValidateEditMessage`).
    pub fn decode(payload: &[u8]) -> Result<Self, ChatError> {
        const M: &str = "EditMessage";
        let w = wire::EditMessage::decode(payload).map_err(|e| decode_error(M, e))?;
        if w.clock == 0 {
            return Err(ChatError::ZeroClock { message: M });
        }
        if w.chat_id.is_empty() {
            return Err(ChatError::EmptyChatId { message: M });
        }
        if w.message_id.is_empty() {
            return Err(ChatError::EmptyMessageId { message: M });
        }
        let message_type = message_type(M, w.message_type)?;
        check_text(M, &w.text)?;
        Ok(Self {
            clock: w.clock,
            chat_id: w.chat_id,
            message_id: w.message_id,
            text: w.text,
            message_type,
            content_type: ContentType::try_from(w.content_type)
                .unwrap_or(ContentType::UnknownContentType),
            unfurled_links: w.unfurled_links,
            unfurled_status_links: w
                .unfurled_status_links
                .map(|l| l.unfurled_status_links)
                .unwrap_or_default(),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        wire::EditMessage {
            clock: self.clock,
            text: self.text.clone(),
            chat_id: self.chat_id.clone(),
            message_id: self.message_id.clone(),
            grant: Vec::new(),
            message_type: self.message_type as i32,
            content_type: self.content_type as i32,
            unfurled_links: self.unfurled_links.clone(),
            unfurled_status_links: (!self.unfurled_status_links.is_empty()).then(|| {
                wire::UnfurledStatusLinks {
                    unfurled_status_links: self.unfurled_status_links.clone(),
                }
            }),
        }
        .encode_to_vec()
    }
}

/// The removal of a message, by its author or (with `deleted_by`) a community admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteMessage {
    /// status-go does not check it; 0 is kept as sent.
    pub clock: u64,
    pub chat_id: String,
    /// The id (`0x…`) of the deleted message.
    pub message_id: String,
    pub message_type: MessageType,
    /// The admin who deleted someone else's message (`0x04…` key), as the sender claims.
    pub deleted_by: Option<String>,
}

impl DeleteMessage {
    /// Decodes and validates a `DeleteMessage` (status-go `ValidateDeleteMessage`).
    pub fn decode(payload: &[u8]) -> Result<Self, ChatError> {
        const M: &str = "DeleteMessage";
        let w = wire::DeleteMessage::decode(payload).map_err(|e| decode_error(M, e))?;
        if w.chat_id.is_empty() {
            return Err(ChatError::EmptyChatId { message: M });
        }
        if w.message_id.is_empty() {
            return Err(ChatError::EmptyMessageId { message: M });
        }
        Ok(Self {
            clock: w.clock,
            message_type: message_type(M, w.message_type)?,
            chat_id: w.chat_id,
            message_id: w.message_id,
            deleted_by: non_empty(w.deleted_by),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        wire::DeleteMessage {
            clock: self.clock,
            chat_id: self.chat_id.clone(),
            message_id: self.message_id.clone(),
            grant: Vec::new(),
            message_type: self.message_type as i32,
            deleted_by: self.deleted_by.clone().unwrap_or_default(),
        }
        .encode_to_vec()
    }
}

/// Pins or unpins a message in a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinMessage {
    pub clock: u64,
    pub chat_id: String,
    /// The id (`0x…`) of the (un)pinned message.
    pub message_id: String,
    /// false unpins.
    pub pinned: bool,
    pub message_type: MessageType,
}

impl PinMessage {
    /// Decodes a `PinMessage`. status-go has no validator for it; we refuse what it could not act
    /// on (no clock to order pins by, no target, no chat).
    pub fn decode(payload: &[u8]) -> Result<Self, ChatError> {
        const M: &str = "PinMessage";
        let w = wire::PinMessage::decode(payload).map_err(|e| decode_error(M, e))?;
        if w.clock == 0 {
            return Err(ChatError::ZeroClock { message: M });
        }
        if w.chat_id.is_empty() {
            return Err(ChatError::EmptyChatId { message: M });
        }
        if w.message_id.is_empty() {
            return Err(ChatError::EmptyMessageId { message: M });
        }
        Ok(Self {
            clock: w.clock,
            message_type: message_type(M, w.message_type)?,
            chat_id: w.chat_id,
            message_id: w.message_id,
            pinned: w.pinned,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        wire::PinMessage {
            clock: self.clock,
            message_id: self.message_id.clone(),
            chat_id: self.chat_id.clone(),
            pinned: self.pinned,
            message_type: self.message_type as i32,
        }
        .encode_to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW_MS: u64 = 1_700_000_000_000;
    const ID: &str = "0x5a91c460aadec3c76d080b6c72a20e15a337f7c0b77a7c0a5eba5fa9d4d91ba8";

    fn hello() -> ChatMessage {
        ChatMessage::text("0x02abchannel", "hello", NOW_MS, NOW_MS)
    }

    #[test]
    fn text_message_round_trips() {
        let mut m = hello();
        m.response_to = Some(ID.into());
        m.thread_id = Some(ID.into());
        m.display_name = Some("alice_01".into());
        let back = ChatMessage::decode(&m.encode(), NOW_MS).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.reply_to(), parse_message_id(ID));
    }

    #[test]
    fn clock_rules_follow_status_go() {
        let m = hello();
        assert!(m.validate(NOW_MS - MAX_CLOCK_DRIFT_MS).is_ok());
        assert_eq!(
            m.validate(NOW_MS - MAX_CLOCK_DRIFT_MS - 1),
            Err(ChatError::ClockTooFarAhead {
                message: "ChatMessage",
                clock: NOW_MS,
                transport_ms: NOW_MS - MAX_CLOCK_DRIFT_MS - 1
            })
        );
        let mut zero = hello();
        zero.clock = 0;
        assert_eq!(
            zero.validate(NOW_MS),
            Err(ChatError::ZeroClock {
                message: "ChatMessage"
            })
        );
        assert_eq!(next_clock(5, 3), 6);
        assert_eq!(next_clock(5, 30), 30);
        assert_eq!(next_clock(u64::MAX, 0), u64::MAX);
        assert_eq!(transport_time_ms(1_700_000_000_999_999_999), NOW_MS);
        assert_eq!(transport_time_ms(-5), 0);
    }

    #[test]
    fn each_chat_message_rule() {
        let check = |f: &dyn Fn(&mut ChatMessage), want: ChatError| {
            let mut m = hello();
            f(&mut m);
            assert_eq!(m.validate(NOW_MS), Err(want));
        };
        check(&|m| m.timestamp_ms = 0, ChatError::ZeroTimestamp);
        check(
            &|m| m.text = " \n ".into(),
            ChatError::EmptyText {
                message: "ChatMessage",
            },
        );
        check(
            &|m| m.text = "é".repeat(MAX_TEXT_CHARS + 1),
            ChatError::TextTooLong {
                message: "ChatMessage",
                chars: MAX_TEXT_CHARS + 1,
            },
        );
        check(
            &|m| m.chat_id.clear(),
            ChatError::EmptyChatId {
                message: "ChatMessage",
            },
        );
        check(
            &|m| m.message_type = MessageType::SystemMessagePrivateGroup,
            ChatError::MessageType {
                message: "ChatMessage",
                value: 4,
            },
        );
        check(
            &|m| m.content_type = ContentType::TransactionCommand,
            ChatError::ContentTypeRefused {
                content_type: ContentType::TransactionCommand,
            },
        );
        check(
            &|m| m.content_type = ContentType::Image,
            ChatError::MissingContent {
                content_type: ContentType::Image,
                what: "an image",
            },
        );
        check(
            &|m| {
                m.content_type = ContentType::Sticker;
                m.content = ChatContent::Sticker(StickerMessage::default());
            },
            ChatError::MissingContent {
                content_type: ContentType::Sticker,
                what: "a sticker hash",
            },
        );
        check(
            &|m| m.display_name = Some("<script>".into()),
            ChatError::DisplayName {
                name: "<script>".into(),
            },
        );
        // Exactly the limit is fine; an image may have no text.
        let mut m = hello();
        m.text = "é".repeat(MAX_TEXT_CHARS);
        assert!(m.validate(NOW_MS).is_ok());
        m.text.clear();
        m.content_type = ContentType::Image;
        m.content = ChatContent::Image(ImageMessage {
            payload: vec![1],
            format: wire::ImageFormat::Png as i32,
            ..ImageMessage::default()
        });
        assert!(m.validate(NOW_MS).is_ok());
    }

    #[test]
    fn unknown_enums_and_invalid_utf8_are_typed_errors() {
        let mut w = hello().to_wire();
        w.content_type = 99;
        assert_eq!(
            ChatMessage::decode(&w.encode_to_vec(), NOW_MS),
            Err(ChatError::UnknownContentType { value: 99 })
        );
        // Field 3 (text), length 2, 0xff 0xfe: not UTF-8.
        let bad = [0x1a, 0x02, 0xff, 0xfe];
        assert_eq!(
            ChatMessage::decode(&bad, NOW_MS),
            Err(ChatError::InvalidUtf8 {
                message: "ChatMessage",
                field: "ChatMessage.text".into()
            })
        );
        assert!(matches!(
            ChatMessage::decode(&[0x1a, 0x7f], NOW_MS),
            Err(ChatError::Decode { .. })
        ));
    }

    #[test]
    fn reactions_edits_deletes_pins_round_trip_and_validate() {
        let r = EmojiReaction {
            clock: 1,
            chat_id: "c".into(),
            message_id: ID.into(),
            message_type: MessageType::CommunityChat,
            kind: ReactionKind::Love,
            emoji: String::new(),
            retracted: true,
        };
        assert_eq!(EmojiReaction::decode(&r.encode()), Ok(r.clone()));
        let emoji_only = EmojiReaction {
            kind: ReactionKind::UnknownEmojiReactionType,
            emoji: "🦀".into(),
            ..r.clone()
        };
        assert_eq!(EmojiReaction::decode(&emoji_only.encode()), Ok(emoji_only));
        let neither = EmojiReaction {
            kind: ReactionKind::UnknownEmojiReactionType,
            ..r
        };
        assert_eq!(
            EmojiReaction::decode(&neither.encode()),
            Err(ChatError::UnknownReaction { value: 0 })
        );

        let e = EditMessage {
            clock: 2,
            chat_id: "c".into(),
            message_id: ID.into(),
            text: "fixed".into(),
            message_type: MessageType::CommunityChat,
            content_type: ContentType::TextPlain,
            unfurled_links: vec![],
            unfurled_status_links: vec![],
        };
        assert_eq!(EditMessage::decode(&e.encode()), Ok(e.clone()));
        let blank = EditMessage {
            text: " ".into(),
            ..e
        };
        assert_eq!(
            EditMessage::decode(&blank.encode()),
            Err(ChatError::EmptyText {
                message: "EditMessage"
            })
        );

        let d = DeleteMessage {
            clock: 0,
            chat_id: "c".into(),
            message_id: ID.into(),
            message_type: MessageType::CommunityChat,
            deleted_by: Some("0x04ab".into()),
        };
        assert_eq!(DeleteMessage::decode(&d.encode()), Ok(d.clone()));
        let no_target = DeleteMessage {
            message_id: String::new(),
            ..d
        };
        assert_eq!(
            DeleteMessage::decode(&no_target.encode()),
            Err(ChatError::EmptyMessageId {
                message: "DeleteMessage"
            })
        );

        let p = PinMessage {
            clock: 3,
            chat_id: "c".into(),
            message_id: ID.into(),
            pinned: true,
            message_type: MessageType::CommunityChat,
        };
        assert_eq!(PinMessage::decode(&p.encode()), Ok(p.clone()));
        let unknown_type = wire::PinMessage {
            message_type: 42,
            ..wire::PinMessage::decode(p.encode().as_slice()).unwrap()
        };
        assert_eq!(
            PinMessage::decode(&unknown_type.encode_to_vec()),
            Err(ChatError::MessageType {
                message: "PinMessage",
                value: 42
            })
        );
    }

    #[test]
    fn message_ids_parse_only_when_well_formed() {
        assert!(parse_message_id(ID).is_some());
        assert_eq!(parse_message_id("5a91"), None);
        assert_eq!(parse_message_id("0x5a91"), None);
        assert_eq!(parse_message_id(&format!("{ID}00")), None);
    }
}
