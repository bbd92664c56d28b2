//! What storage keeps, as plain serialisable records. Every record carries the schema version it
//! was written with (`v`), so a record from a newer Hearth is recognised and set aside instead of
//! being misread.

use serde::{Deserialize, Serialize};

/// The record format this build writes and the newest it can read.
pub const RECORD_VERSION: u32 = 1;

/// The newest signed description of a community, kept as the Waku message it arrived in so that it
/// is verified again on every load: a tampered database cannot forge a community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityRecord {
    #[serde(default = "v1")]
    pub v: u32,
    /// `0x02…`/`0x03…` compressed community key.
    pub id: String,
    /// The description's clock: the highest wins.
    pub clock: u64,
    /// The pubsub topic the message was read from.
    pub pubsub_topic: String,
    /// The protobuf-encoded `WakuMessage` that carried the signed description.
    pub waku_message: Vec<u8>,
    /// When we last opened this community (ms), for "recent communities".
    pub opened_ms: u64,
}

/// What kind of message a timeline record is. Chat messages are the items; the rest annotate an
/// item (by `target`) and are applied whatever order they arrive in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MessageBody {
    Chat {
        text: String,
        content_type: i32,
        response_to: Option<String>,
        display_name: Option<String>,
        /// Inline image bytes (already sniffed as an image by the decoder's caller).
        image: Option<Vec<u8>>,
    },
    Edit {
        target: String,
        text: String,
    },
    Delete {
        target: String,
    },
    Reaction {
        target: String,
        emoji: String,
        retracted: bool,
    },
    Pin {
        target: String,
        pinned: bool,
    },
}

impl MessageBody {
    /// The item an annotation applies to; `None` for a chat message itself.
    pub fn target(&self) -> Option<&str> {
        match self {
            Self::Chat { .. } => None,
            Self::Edit { target, .. }
            | Self::Delete { target }
            | Self::Reaction { target, .. }
            | Self::Pin { target, .. } => Some(target),
        }
    }
}

/// One decoded and verified Status message of a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    #[serde(default = "v1")]
    pub v: u32,
    /// `0x…` status-go message id: the deduplication key.
    pub id: String,
    /// The community it belongs to (for the per-community cap).
    pub community: String,
    /// The channel (community id + uuid).
    pub chat_id: String,
    /// `0x04…` signer of the application message.
    pub author: String,
    pub clock: u64,
    pub timestamp_ms: u64,
    /// The Waku message hash (hex), to confirm our own sends and to skip known messages.
    pub hash: String,
    pub body: MessageBody,
}

impl MessageRecord {
    /// The sort key: (clock, timestamp, id), as a string that sorts the same way byte by byte, so
    /// IndexedDB's key order and the memory backend's `BTreeMap` agree.
    pub fn order_key(&self) -> OrderKey {
        OrderKey::new(self.clock, self.timestamp_ms, &self.id)
    }
}

/// A position in a channel's timeline. Compare positions, never raw clocks: equal clocks are
/// ordered by timestamp, then by id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderKey(pub String);

impl OrderKey {
    pub fn new(clock: u64, timestamp_ms: u64, id: &str) -> Self {
        Self(format!("{clock:016x}{timestamp_ms:016x}{id}"))
    }
}

/// Up to when a content topic's history is known complete (Waku ns), so the offline inbox asks
/// only for what came after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMark {
    #[serde(default = "v1")]
    pub v: u32,
    pub content_topic: String,
    pub complete_until_ns: i64,
}

/// A peer that answered, so the next start can try it first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRecord {
    #[serde(default = "v1")]
    pub v: u32,
    pub multiaddr: String,
    pub last_answer_ms: u64,
    /// Added by the user (kept until removed) rather than learnt.
    pub pinned: bool,
}

/// What kind of message an outbox entry is, for the UI's local echo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Written, not yet taken by any peer.
    Queued,
    /// A peer took it; waiting for a filter echo or a store lookup to confirm.
    Pushed,
    /// Every try failed; shown as failed until retried.
    Failed { reason: String },
}

/// A message we wrote, stored before it is sent and removed only once the network confirms it.
/// The Waku messages are kept exactly as first built: a resend after a restart has the same hashes,
/// so a message can never be delivered twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    #[serde(default = "v1")]
    pub v: u32,
    /// The status-go message id of what we sent.
    pub id: String,
    pub pubsub_topic: String,
    /// Protobuf-encoded `WakuMessage`s (one, or the segments in order).
    pub waku_messages: Vec<Vec<u8>>,
    /// The record as receivers will decode it, for the local echo.
    pub record: MessageRecord,
    pub state: OutboxState,
    pub created_ms: u64,
    pub attempts: u32,
}

/// A wrapped identity or another secret, by name; the bytes are whatever the wrapper produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRecord {
    #[serde(default = "v1")]
    pub v: u32,
    pub name: String,
    pub data: Vec<u8>,
}

fn v1() -> u32 {
    1
}

/// The orders every backend lists records in, kept here so that all of them agree: communities
/// most recently opened first; peers that answered most recently first; the outbox oldest first
/// (the order messages are resent in). Ties go by id so a list never shuffles.
pub fn sort_communities(all: &mut [CommunityRecord]) {
    all.sort_by(|a, b| b.opened_ms.cmp(&a.opened_ms).then_with(|| a.id.cmp(&b.id)));
}

/// See [`sort_communities`].
pub fn sort_peers(all: &mut [PeerRecord]) {
    all.sort_by(|a, b| {
        b.last_answer_ms
            .cmp(&a.last_answer_ms)
            .then_with(|| a.multiaddr.cmp(&b.multiaddr))
    });
}

/// See [`sort_communities`].
pub fn sort_outbox(all: &mut [OutboxEntry]) {
    all.sort_by(|a, b| {
        a.created_ms
            .cmp(&b.created_ms)
            .then_with(|| a.id.cmp(&b.id))
    });
}
