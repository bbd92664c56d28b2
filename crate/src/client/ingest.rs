//! From a Waku message to what storage keeps: every Status layer through
//! [`decode_status_message_buffered`], then the checks that need the community (the chat belongs
//! to it, the description is its own), then a [`MessageRecord`] or a [`CommunityRecord`].
//! Everything that is not kept says why, as an [`Ingested::SetAside`] with a typed reason.

use prost::Message as _;

use crate::status::chat::{ChatContent, ReactionKind};
use crate::status::codec::{Keys, StatusError, StatusEvent, decode_status_message_buffered};
use crate::status::community::{
    CommunityError, DescriptionCheck, VerifiedDescription, sniff_image,
};
use crate::status::keys::PublicKey;
use crate::status::segment::SegmentBuffer;
use crate::storage::{CommunityRecord, MessageBody, MessageRecord, RECORD_VERSION};
use crate::waku::WakuMessage;

/// Why a message was not kept. None of these is an error of ours; each is what a hostile or
/// broken peer may send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetAside {
    #[error("undecodable: {0}")]
    Undecodable(String),
    #[error("a message for chat {chat_id}, which is not a channel of this community")]
    ForeignChat { chat_id: String },
    #[error("a description of this community signed by {signer}, not by the community key")]
    ForgedDescription { signer: String },
    #[error("a description of another community ({0})")]
    OtherCommunity(String),
    #[error("a description whose owner token would have to be checked on chain")]
    OwnerTokenUnverifiable,
    #[error("a segment waiting for its siblings, or one already seen")]
    Pending,
    #[error("encrypted for a key we do not hold")]
    Encrypted,
}

/// What one Waku message turned into.
#[derive(Debug, Clone)]
pub enum Ingested {
    Message(Box<MessageRecord>),
    Description {
        record: Box<CommunityRecord>,
        verified: Box<VerifiedDescription>,
    },
    /// An application message of another type (e.g. a request-to-join response): the caller may
    /// know what to do with it.
    Other {
        message_type: i32,
        payload: Vec<u8>,
        signer: PublicKey,
    },
    SetAside(SetAside),
}

/// The emoji Status shows for each of its six classic reaction kinds (SGnew
/// `ConvertEmojiIDToString`, app-notes §3).
pub fn reaction_emoji(kind: ReactionKind) -> Option<&'static str> {
    Some(match kind {
        ReactionKind::Love => "❤️",
        ReactionKind::ThumbsUp => "👍",
        ReactionKind::ThumbsDown => "👎",
        ReactionKind::Laugh => "😂",
        ReactionKind::Sad => "😢",
        ReactionKind::Angry => "😠",
        ReactionKind::UnknownEmojiReactionType => return None,
    })
}

/// The classic kind of an emoji, for senders that still read only `type`.
pub fn reaction_kind(emoji: &str) -> ReactionKind {
    [
        ReactionKind::Love,
        ReactionKind::ThumbsUp,
        ReactionKind::ThumbsDown,
        ReactionKind::Laugh,
        ReactionKind::Sad,
        ReactionKind::Angry,
    ]
    .into_iter()
    .find(|k| reaction_emoji(*k) == Some(emoji))
    .unwrap_or(ReactionKind::UnknownEmojiReactionType)
}

/// Decodes `msg` for `community` (its id, `0x02…`).
pub fn ingest(
    msg: &WakuMessage,
    pubsub_topic: &str,
    hash: &str,
    community: &PublicKey,
    keys: &Keys,
    segments: &mut SegmentBuffer,
    now_ms: u64,
) -> Ingested {
    let community_id = crate::status::keys::community_id(community);
    let event = match decode_status_message_buffered(msg, keys, segments, now_ms) {
        Ok(e) => e,
        Err(StatusError::Community(CommunityError::ForgedSigner { got, .. })) => {
            return Ingested::SetAside(SetAside::ForgedDescription { signer: got });
        }
        Err(StatusError::Community(CommunityError::IdMismatch { claimed, .. })) => {
            return Ingested::SetAside(SetAside::OtherCommunity(claimed));
        }
        Err(e) => return Ingested::SetAside(SetAside::Undecodable(e.to_string())),
    };
    let record = |meta: &crate::status::codec::Meta, chat_id: &str, clock: u64, ts: u64, body| {
        if !chat_id.starts_with(&community_id) {
            return Ingested::SetAside(SetAside::ForeignChat {
                chat_id: chat_id.to_string(),
            });
        }
        Ingested::Message(Box::new(MessageRecord {
            v: RECORD_VERSION,
            id: meta.id_hex(),
            community: community_id.clone(),
            chat_id: chat_id.to_string(),
            author: meta.signer.to_uncompressed_hex(),
            clock,
            timestamp_ms: ts,
            hash: hash.to_string(),
            body,
        }))
    };
    let waku_ms = u64::try_from(msg.timestamp.unwrap_or(0) / 1_000_000).unwrap_or(0);
    match event {
        StatusEvent::Chat(r) => {
            let m = &r.message;
            let image = match &m.content {
                ChatContent::Image(img) => sniff_image(&img.payload).map(|_| img.payload.clone()),
                _ => None,
            };
            let body = MessageBody::Chat {
                text: m.text.clone(),
                content_type: m.content_type as i32,
                response_to: m.response_to.clone(),
                display_name: m.display_name.clone(),
                image,
            };
            record(&r.meta, &m.chat_id, m.clock, m.timestamp_ms, body)
        }
        StatusEvent::Reaction(r) => {
            let m = &r.message;
            let emoji = if m.emoji.is_empty() {
                reaction_emoji(m.kind).unwrap_or_default().to_string()
            } else {
                m.emoji.clone()
            };
            let body = MessageBody::Reaction {
                target: m.message_id.clone(),
                emoji,
                retracted: m.retracted,
            };
            record(&r.meta, &m.chat_id, m.clock, waku_ms, body)
        }
        StatusEvent::Edit(r) => {
            let m = &r.message;
            let body = MessageBody::Edit {
                target: m.message_id.clone(),
                text: m.text.clone(),
            };
            record(&r.meta, &m.chat_id, m.clock, waku_ms, body)
        }
        StatusEvent::Delete(r) => {
            let m = &r.message;
            let body = MessageBody::Delete {
                target: m.message_id.clone(),
            };
            record(&r.meta, &m.chat_id, m.clock, waku_ms, body)
        }
        StatusEvent::Pin(r) => {
            let m = &r.message;
            let body = MessageBody::Pin {
                target: m.message_id.clone(),
                pinned: m.pinned,
            };
            record(&r.meta, &m.chat_id, m.clock, waku_ms, body)
        }
        StatusEvent::CommunityDescription(r) => match r.message {
            DescriptionCheck::Verified(v) if v.community() == community => Ingested::Description {
                record: Box::new(CommunityRecord {
                    v: RECORD_VERSION,
                    id: community_id,
                    clock: v.clock(),
                    pubsub_topic: pubsub_topic.to_string(),
                    waku_message: msg.encode_to_vec(),
                    opened_ms: 0,
                }),
                verified: Box::new(v),
            },
            DescriptionCheck::Verified(v) => {
                Ingested::SetAside(SetAside::OtherCommunity(v.description().id()))
            }
            DescriptionCheck::OwnerTokenUnverifiable(_) => {
                Ingested::SetAside(SetAside::OwnerTokenUnverifiable)
            }
        },
        StatusEvent::Other(r) => Ingested::Other {
            message_type: r.message.message_type,
            payload: r.message.payload.clone(),
            signer: r.meta.signer,
        },
        StatusEvent::Encrypted { .. } => Ingested::SetAside(SetAside::Encrypted),
        StatusEvent::Segment { .. } | StatusEvent::Pending(_) => {
            Ingested::SetAside(SetAside::Pending)
        }
    }
}
