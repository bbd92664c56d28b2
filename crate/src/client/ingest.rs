//! From a Waku message to what storage keeps: every Status layer through
//! [`decode_status_message_buffered`], then the checks that need the community (the chat belongs
//! to it, the description is its own), then a [`MessageRecord`] or a [`CommunityRecord`].
//! Everything that is not kept says why, as an [`Ingested::SetAside`] with a typed reason.

use prost::Message as _;

use crate::history::ArchivedMessage;
use crate::status::chat::{ChatContent, ReactionKind};
use crate::status::codec::{
    Keys, StatusError, StatusEvent, decode_archived_data, decode_status_message_buffered,
};
use crate::status::community::{
    CommunityError, DescriptionCheck, VerifiedDescription, sniff_image,
};
use crate::status::keys::PublicKey;
use crate::status::segment::SegmentBuffer;
use crate::storage::{CommunityRecord, MessageBody, MessageRecord, RECORD_VERSION};
use crate::waku::{ContentTopic, MessageHash, WakuMessage};

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
    let decoded = decode_status_message_buffered(msg, keys, segments, now_ms);
    let waku_ms = u64::try_from(msg.timestamp.unwrap_or(0) / 1_000_000).unwrap_or(0);
    let origin = Origin::Waku { msg, pubsub_topic };
    ingest_event(decoded, origin, waku_ms, hash, community)
}

/// Decodes one message of a history archive for `community` (status-wire.md §7): its payload is
/// the RFC-26 data the archiver already decrypted, `sig` the 65-byte key of the signer and
/// `timestamp` in seconds. It takes the same road as a message from the network from there, so
/// ids, authors and the community checks are the same; only a community description is set
/// aside (the store's newer ones count, an archived one is history).
pub fn ingest_archived(
    archived: &ArchivedMessage,
    community: &PublicKey,
    keys: &Keys,
    segments: &mut SegmentBuffer,
    now_ms: u64,
) -> Ingested {
    let undecodable = |why: String| Ingested::SetAside(SetAside::Undecodable(why));
    let Some(timestamp_ns) = archived
        .timestamp_s
        .checked_mul(1_000_000_000)
        .and_then(|t| i64::try_from(t).ok())
        .filter(|t| *t > 0)
    else {
        return undecodable(format!("archived timestamp {}", archived.timestamp_s));
    };
    let hash = match MessageHash::try_from(archived.hash.as_slice()) {
        Ok(h) => h.to_string(),
        Err(e) => return undecodable(format!("archived hash: {e}")),
    };
    let signer = archived.signer;
    let topic = archived.topic;
    let content_topic = ContentTopic::status(topic).to_string();
    let decoded = decode_archived_data(
        &archived.payload,
        signer,
        timestamp_ns,
        &content_topic,
        keys,
        segments,
        now_ms,
    );
    let waku_ms = archived.timestamp_s.saturating_mul(1000);
    ingest_event(decoded, Origin::Archive, waku_ms, &hash, community)
}

/// Where a decoded message came from: a description keeps its Waku message to be verified again
/// from storage, which an archived one does not have.
enum Origin<'a> {
    Waku {
        msg: &'a WakuMessage,
        pubsub_topic: &'a str,
    },
    Archive,
}

fn ingest_event(
    decoded: Result<StatusEvent, StatusError>,
    origin: Origin<'_>,
    waku_ms: u64,
    hash: &str,
    community: &PublicKey,
) -> Ingested {
    let community_id = crate::status::keys::community_id(community);
    let event = match decoded {
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
        StatusEvent::CommunityDescription(r) => match (r.message, origin) {
            (_, Origin::Archive) => Ingested::SetAside(SetAside::Undecodable(
                "a community description in an archive".into(),
            )),
            (DescriptionCheck::Verified(v), Origin::Waku { msg, pubsub_topic })
                if v.community() == community =>
            {
                Ingested::Description {
                    record: Box::new(CommunityRecord {
                        v: RECORD_VERSION,
                        id: community_id,
                        clock: v.clock(),
                        pubsub_topic: pubsub_topic.to_string(),
                        waku_message: msg.encode_to_vec(),
                        opened_ms: 0,
                    }),
                    verified: Box::new(v),
                }
            }
            (DescriptionCheck::Verified(v), _) => {
                Ingested::SetAside(SetAside::OtherCommunity(v.description().id()))
            }
            (DescriptionCheck::OwnerTokenUnverifiable(_), _) => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::chat::ChatMessage;
    use crate::status::codec::{ChatKey, encode_chat_message};
    use crate::status::keys::PrivateKey;
    use crate::status::payload;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn universal_topic(k: &ChatKey) -> [u8; 4] {
        let t = k.content_topic();
        hex::decode(&t[10..18]).unwrap().try_into().unwrap()
    }

    /// A message read from an archive is the same record as the same message read from the
    /// network: the archive holds what the network carried minus the payload v1 layer.
    #[test]
    fn an_archived_message_is_the_same_record_as_from_the_network() {
        let community = PrivateKey::generate().unwrap();
        let cid = crate::status::keys::community_id(&community.public_key());
        let author = PrivateKey::generate().unwrap();
        let universal = ChatKey::derive(&format!("{cid}-memberUpdate"));
        let chat_id = format!("{cid}0e5ab2c1-0000-4000-8000-000000000001");
        let msg = ChatMessage::text(
            &chat_id,
            "from last month",
            1_700_000_000_000,
            1_700_000_000_000,
        );
        let ts_ns = 1_700_000_000_000_000_000i64;
        let out = encode_chat_message(&msg, &author, &universal, ts_ns).unwrap();
        let waku = &out.messages[0];
        let mut keys = Keys::new();
        keys.add_chat(universal.clone());
        let pubsub = "/waku/2/rs/16/32";
        let hash = waku.hash(pubsub);
        let live = ingest(
            waku,
            pubsub,
            &hash.to_string(),
            &community.public_key(),
            &keys,
            &mut SegmentBuffer::new(),
            0,
        );
        let Ingested::Message(live) = live else {
            panic!("{live:?}")
        };

        let frame = payload::open_symmetric(&waku.payload, universal.key()).unwrap();
        let opened = payload::decode_frame(&frame).unwrap();
        let archived = ArchivedMessage {
            signer: opened.signer,
            timestamp_s: 1_700_000_000,
            topic: universal_topic(&universal),
            payload: opened.data.clone(),
            padding: Vec::new(),
            hash: hash.as_bytes().to_vec(),
            third_party_id: String::new(),
        };
        let got = ingest_archived(
            &archived,
            &community.public_key(),
            &keys,
            &mut SegmentBuffer::new(),
            0,
        );
        let Ingested::Message(got) = got else {
            panic!("{got:?}")
        };
        assert_eq!(got.id, live.id);
        assert_eq!(got.author, author.public_key().to_uncompressed_hex());
        assert_eq!(got.hash, live.hash);
        assert_eq!(got.body, live.body);

        // A bad payload, time or hash is set aside, never a panic.
        for bad in [
            ArchivedMessage {
                payload: vec![0xff; 40],
                ..archived.clone()
            },
            ArchivedMessage {
                timestamp_s: u64::MAX,
                ..archived.clone()
            },
            ArchivedMessage {
                timestamp_s: 0,
                ..archived.clone()
            },
            ArchivedMessage {
                hash: vec![1],
                ..archived.clone()
            },
        ] {
            let r = ingest_archived(
                &bad,
                &community.public_key(),
                &keys,
                &mut SegmentBuffer::new(),
                0,
            );
            assert!(
                matches!(r, Ingested::SetAside(SetAside::Undecodable(_))),
                "{r:?}"
            );
        }
    }
}
