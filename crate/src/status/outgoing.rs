//! What we send, for any application message: the mirror of [`codec`](super::codec)'s decoder.
//!
//! status-go has one send road with a few switches (`common.RawMessage`): the payload is wrapped in
//! an ApplicationMetadataMessage signed by the sender (`WrapMessageV1`), then either inside
//! `ProtocolMessage.public_message` (channel traffic) or bare (`SkipEncryptionLayer`: descriptions,
//! requests to the control node, its answers), then cut into segments above the size limit, then
//! sealed in an RFC-26 (26/WAKU2-PAYLOAD v1) frame — with a chat's symmetric key (`SendPublic`) or
//! ECIES to one recipient (`SendCommunityMessage`, `SendPrivate` with a partitioned topic) — and
//! published as version-1 Waku messages. [`encode_application`] is that road; the rest of this module
//! names its common uses so a caller cannot mix the switches up.

use crate::proto::status as wire;
use crate::proto::status::application_metadata_message::Type as MessageType;
use crate::status::chat::{DeleteMessage, EditMessage, EmojiReaction, PinMessage};
use crate::status::codec::{ChatKey, Outgoing, PAYLOAD_VERSION, StatusError};
use crate::status::community::{CommunityError, DescriptionCheck, verify_community_description};
use crate::status::envelope::{self, Sealed};
use crate::status::keys::{PrivateKey, PublicKey, community_id};
use crate::status::{payload, segment};
use crate::waku::{MessageLimits, WakuMessage};
use prost::Message;

/// Whether the AMM travels inside a `ProtocolMessage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// `ProtocolMessage { public_message: AMM }`: status-go's default for public chats.
    PublicMessage,
    /// The AMM alone (`SkipEncryptionLayer: true`): community descriptions, the store-node list,
    /// requests to the control node and its answers.
    Bare,
}

/// Where the RFC-26 frame goes and how it is sealed.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// AES-GCM with the chat's key, on the chat's content topic (`SendPublic`).
    Chat(&'a ChatKey),
    /// ECIES to one key, on a content topic the recipient listens to (`/waku/1/0x…/rfc26`).
    Recipient {
        key: &'a PublicKey,
        content_topic: &'a str,
    },
}

impl Destination<'_> {
    fn content_topic(&self) -> &str {
        match self {
            Self::Chat(chat) => chat.content_topic(),
            Self::Recipient { content_topic, .. } => content_topic,
        }
    }
}

/// Encodes one application message down to the Waku messages that carry it.
///
/// `signer` signs the AMM (the author receivers see) and the RFC-26 frame. status-go signs the frame
/// with the sending device's identity, which for a community's own messages is not the community
/// key; receivers recover but never check the frame signer against anything, so one key serves.
pub fn encode_application(
    payload: &[u8],
    message_type: MessageType,
    signer: &PrivateKey,
    layer: Layer,
    to: Destination<'_>,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    let sealed = match layer {
        Layer::PublicMessage => envelope::seal_public_message(payload, message_type, signer),
        Layer::Bare => envelope::encode_application_message(payload, message_type, signer),
    };
    let mut messages = Vec::new();
    for data in segment::encode_segments(&sealed.bytes)? {
        let sealed_payload = match to {
            Destination::Chat(chat) => payload::encrypt_symmetric(&data, chat.key(), signer)?,
            Destination::Recipient { key, .. } => payload::encrypt_asymmetric(&data, key, signer)?,
        };
        let msg = WakuMessage {
            payload: sealed_payload,
            content_topic: to.content_topic().to_owned(),
            version: Some(PAYLOAD_VERSION),
            timestamp: Some(timestamp_ns),
            ..WakuMessage::default()
        };
        msg.validate(MessageLimits::default())?;
        messages.push(msg);
    }
    Ok(Outgoing {
        id: sealed.id,
        messages,
    })
}

/// A reaction, on the transport chat `chat` (the community's universal chat for current
/// status-go), signed by the member.
pub fn encode_emoji_reaction(
    reaction: &EmojiReaction,
    signer: &PrivateKey,
    chat: &ChatKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    encode_application(
        &reaction.encode(),
        MessageType::EmojiReaction,
        signer,
        Layer::PublicMessage,
        Destination::Chat(chat),
        timestamp_ns,
    )
}

/// A new text for one of the signer's messages.
pub fn encode_edit_message(
    edit: &EditMessage,
    signer: &PrivateKey,
    chat: &ChatKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    encode_application(
        &edit.encode(),
        MessageType::EditMessage,
        signer,
        Layer::PublicMessage,
        Destination::Chat(chat),
        timestamp_ns,
    )
}

/// The removal of one of the signer's messages.
pub fn encode_delete_message(
    delete: &DeleteMessage,
    signer: &PrivateKey,
    chat: &ChatKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    encode_application(
        &delete.encode(),
        MessageType::DeleteMessage,
        signer,
        Layer::PublicMessage,
        Destination::Chat(chat),
        timestamp_ns,
    )
}

/// A pin or unpin.
pub fn encode_pin_message(
    pin: &PinMessage,
    signer: &PrivateKey,
    chat: &ChatKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    encode_application(
        &pin.encode(),
        MessageType::PinMessage,
        signer,
        Layer::PublicMessage,
        Destination::Chat(chat),
        timestamp_ns,
    )
}

// ---------------------------------------------------------------------------------------------
// Community descriptions

/// Fills in what status-go's `marshaledDescription` always sets and checks the description the way
/// every receiver will, so that what leaves here is what [`verify_community_description`] accepts.
fn prepared_description(
    description: &wire::CommunityDescription,
    community: &PublicKey,
    timestamp_ms: u64,
) -> Result<Vec<u8>, StatusError> {
    let mut d = description.clone();
    let id = community_id(community);
    if d.id.is_empty() {
        d.id = id;
    }
    let bytes = d.encode_to_vec();
    match verify_community_description(&bytes, community, timestamp_ms, Some(community))? {
        DescriptionCheck::Verified(_) => Ok(bytes),
        // An owner-token permission makes receivers ask a chain we do not; we do not publish what
        // we cannot vouch for.
        DescriptionCheck::OwnerTokenUnverifiable(_) => {
            Err(StatusError::Community(CommunityError::ForgedSigner {
                expected: community_id(community),
                got: "an owner-token holder".into(),
            }))
        }
    }
}

/// The community-signed AMM bytes of a description (status-go `ToProtocolMessageBytes`): what a
/// `CommunityRequestToJoinResponse` carries in `community_description_protocol_message`.
pub fn seal_community_description(
    description: &wire::CommunityDescription,
    community_key: &PrivateKey,
    timestamp_ms: u64,
) -> Result<Sealed, StatusError> {
    let bytes = prepared_description(description, &community_key.public_key(), timestamp_ms)?;
    Ok(envelope::encode_application_message(
        &bytes,
        MessageType::CommunityDescription,
        community_key,
    ))
}

/// A description as status-go's `publishOrg` publishes it for a community without token gates:
/// AMM type 25 signed by the community key, no encryption layer, sealed with pbkdf2(community id)
/// on the community id's content topic, to go on the community's pubsub topic
/// (`/waku/2/rs/16/32`).
///
/// `chat` must be the community id's chat ([`ChatKey::derive`] of `0x02…`); it is taken rather than
/// derived because deriving costs 65,356 PBKDF2 rounds and a control node republishes often.
/// `ID` is filled in when empty; the clock is the caller's (ms, and higher than the last one).
pub fn encode_community_description_with(
    description: &wire::CommunityDescription,
    community_key: &PrivateKey,
    chat: &ChatKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    let community = community_key.public_key();
    if chat.chat_id() != community_id(&community) {
        return Err(StatusError::Community(CommunityError::IdMismatch {
            expected: community_id(&community),
            claimed: chat.chat_id().to_owned(),
        }));
    }
    let timestamp_ms = u64::try_from(timestamp_ns / 1_000_000).unwrap_or(0);
    let bytes = prepared_description(description, &community, timestamp_ms)?;
    encode_application(
        &bytes,
        MessageType::CommunityDescription,
        community_key,
        Layer::Bare,
        Destination::Chat(chat),
        timestamp_ns,
    )
}

/// [`encode_community_description_with`], deriving the community chat's key (slow).
pub fn encode_community_description(
    description: &wire::CommunityDescription,
    community_key: &PrivateKey,
    timestamp_ns: i64,
) -> Result<Outgoing, StatusError> {
    let chat = ChatKey::derive(&community_id(&community_key.public_key()));
    encode_community_description_with(description, community_key, &chat, timestamp_ns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::chat::{ContentType, MessageType as ChatKind, ReactionKind};
    use crate::status::codec::{Keys, StatusEvent, decode_status_message};
    use crate::status::envelope::Wrapping;
    use crate::status::keys::SymmetricKey;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const T_NS: i64 = 1_700_000_000_000_000_000;
    const T_MS: u64 = 1_700_000_000_000;

    fn member() -> PrivateKey {
        PrivateKey::from_bytes(&[5; 32]).unwrap()
    }

    fn owner() -> PrivateKey {
        PrivateKey::from_bytes(&[7; 32]).unwrap()
    }

    fn chat() -> ChatKey {
        ChatKey::with_key("0x02cc-memberUpdate", SymmetricKey::new([4; 32]))
    }

    fn keys() -> Keys {
        let mut keys = Keys::new();
        keys.add_chat(chat());
        keys
    }

    fn decode(out: &Outgoing, keys: &Keys) -> StatusEvent {
        assert_eq!(out.messages.len(), 1);
        let event = decode_status_message(&out.messages[0], keys).unwrap();
        let meta = event.meta().unwrap();
        assert_eq!(meta.id, out.id);
        event
    }

    #[test]
    fn each_channel_message_kind_round_trips_with_its_author() {
        let reaction = EmojiReaction {
            clock: T_MS,
            chat_id: "0x02ccuuid".into(),
            message_id: "0xabcd".into(),
            message_type: ChatKind::CommunityChat,
            kind: ReactionKind::Love,
            emoji: "❤️".into(),
            retracted: false,
        };
        let out = encode_emoji_reaction(&reaction, &member(), &chat(), T_NS).unwrap();
        let StatusEvent::Reaction(r) = decode(&out, &keys()) else {
            panic!("not a reaction")
        };
        assert_eq!(r.message, reaction);
        assert_eq!(r.meta.signer, member().public_key());
        assert_eq!(r.meta.wrapping, Wrapping::Public);

        let edit = EditMessage {
            clock: T_MS,
            chat_id: "0x02ccuuid".into(),
            message_id: "0xabcd".into(),
            text: "fixed".into(),
            message_type: ChatKind::CommunityChat,
            content_type: ContentType::TextPlain,
            unfurled_links: Vec::new(),
            unfurled_status_links: Vec::new(),
        };
        let out = encode_edit_message(&edit, &member(), &chat(), T_NS).unwrap();
        let StatusEvent::Edit(r) = decode(&out, &keys()) else {
            panic!("not an edit")
        };
        assert_eq!(r.message, edit);

        let delete = DeleteMessage {
            clock: T_MS,
            chat_id: "0x02ccuuid".into(),
            message_id: "0xabcd".into(),
            message_type: ChatKind::CommunityChat,
            deleted_by: None,
        };
        let out = encode_delete_message(&delete, &member(), &chat(), T_NS).unwrap();
        let StatusEvent::Delete(r) = decode(&out, &keys()) else {
            panic!("not a delete")
        };
        assert_eq!(r.message, delete);

        let pin = PinMessage {
            clock: T_MS,
            chat_id: "0x02ccuuid".into(),
            message_id: "0xabcd".into(),
            pinned: true,
            message_type: ChatKind::CommunityChat,
        };
        let out = encode_pin_message(&pin, &member(), &chat(), T_NS).unwrap();
        let StatusEvent::Pin(r) = decode(&out, &keys()) else {
            panic!("not a pin")
        };
        assert_eq!(r.message, pin);
    }

    #[test]
    fn asymmetric_bare_messages_open_with_the_recipient_key_only() {
        let recipient = owner();
        let out = encode_application(
            b"opaque",
            MessageType::CommunityRequestToJoin,
            &member(),
            Layer::Bare,
            Destination::Recipient {
                key: &recipient.public_key(),
                content_topic: "/waku/1/0x01020304/rfc26",
            },
            T_NS,
        )
        .unwrap();
        assert_eq!(
            out.messages[0].content_topic,
            "/waku/1/0x01020304/rfc26".to_string()
        );
        let mut keys = Keys::new();
        assert!(decode_status_message(&out.messages[0], &keys).is_err());
        keys.set_private_key(recipient);
        let StatusEvent::Other(r) = decode(&out, &keys) else {
            panic!("not an undecoded message")
        };
        assert_eq!(r.message.payload, b"opaque");
        assert_eq!(r.meta.wrapping, Wrapping::Bare);
        assert_eq!(r.meta.signer, member().public_key());
    }

    pub(crate) fn description(clock: u64) -> wire::CommunityDescription {
        use std::collections::HashMap;
        let mut chats = HashMap::new();
        chats.insert(
            "c1".to_string(),
            wire::CommunityChat {
                permissions: Some(wire::CommunityPermissions {
                    access: wire::community_permissions::Access::AutoAccept as i32,
                    ..Default::default()
                }),
                identity: Some(wire::ChatIdentity {
                    display_name: "general".into(),
                    ..Default::default()
                }),
                category_id: "k1".into(),
                position: 0,
                ..Default::default()
            },
        );
        let mut categories = HashMap::new();
        categories.insert(
            "k1".to_string(),
            wire::CommunityCategory {
                category_id: "k1".into(),
                name: "Talk".into(),
                position: 0,
            },
        );
        wire::CommunityDescription {
            clock,
            permissions: Some(wire::CommunityPermissions {
                access: wire::community_permissions::Access::AutoAccept as i32,
                ..Default::default()
            }),
            identity: Some(wire::ChatIdentity {
                display_name: "Hearth".into(),
                description: "a test".into(),
                color: "#4360df".into(),
                ..Default::default()
            }),
            chats,
            categories,
            tags: vec!["Ethereum".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_description_is_what_the_verifier_accepts() {
        let key = owner();
        let community = key.public_key();
        let chat = ChatKey::with_key(&community_id(&community), SymmetricKey::new([6; 32]));
        let out = encode_community_description_with(&description(T_MS), &key, &chat, T_NS).unwrap();
        assert_eq!(out.messages.len(), 1);
        let mut keys = Keys::new();
        keys.add_community_key(&community, SymmetricKey::new([6; 32]));
        let StatusEvent::CommunityDescription(r) = decode(&out, &keys) else {
            panic!("not a description")
        };
        assert_eq!(r.meta.wrapping, Wrapping::Bare);
        let verified = r.message.verified().expect("verified");
        let d = verified.description();
        assert_eq!(d.name, "Hearth");
        assert_eq!(d.id(), community_id(&community));
        assert_eq!(d.channels[0].name, "general");
        assert_eq!(d.tags, vec!["Ethereum".to_string()]);
    }

    #[test]
    fn a_description_that_would_be_refused_is_not_built() {
        let key = owner();
        let chat = ChatKey::with_key(&community_id(&key.public_key()), SymmetricKey::new([6; 32]));
        // A clock far past the Waku timestamp: receivers would drop it.
        let err = encode_community_description_with(
            &description(T_MS + 10 * 60 * 1000),
            &key,
            &chat,
            T_NS,
        );
        assert!(matches!(
            err,
            Err(StatusError::Community(CommunityError::ClockInFuture { .. }))
        ));
        // Another community's chat.
        let other = ChatKey::with_key("0x02ff", SymmetricKey::new([6; 32]));
        assert!(matches!(
            encode_community_description_with(&description(T_MS), &key, &other, T_NS),
            Err(StatusError::Community(CommunityError::IdMismatch { .. }))
        ));
        // A description naming another community.
        let mut d = description(T_MS);
        d.id = community_id(&member().public_key());
        assert!(matches!(
            encode_community_description_with(&d, &key, &chat, T_NS),
            Err(StatusError::Community(CommunityError::IdMismatch { .. }))
        ));
    }

    #[test]
    fn the_sealed_description_is_the_published_amm() {
        let key = owner();
        let sealed = seal_community_description(&description(T_MS), &key, T_MS).unwrap();
        let amm = envelope::decode_application_message(&sealed.bytes).unwrap();
        assert_eq!(amm.signer, key.public_key());
        assert_eq!(amm.kind(), Some(MessageType::CommunityDescription));
        assert_eq!(amm.id, sealed.id);
    }
}
