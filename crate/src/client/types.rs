//! What `Client` hands to apps: plain data, cheap to clone, with no network or storage handles in
//! it, so a UI can keep them in signals and a JS binding can turn them into objects.

use serde::{Deserialize, Serialize};

/// Where a timeline item is on its way out. Items from others are always `Received`.
///
/// Modelled on matrix-sdk-ui's local echo: an item we wrote shows at once as `Pending` (it is in
/// the outbox), becomes `Sent` when a filter echo or a store lookup by hash confirms that the
/// network has it, and `Failed` when every try failed; a failed item can be sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SendState {
    Received,
    Pending,
    Sent,
    Failed { reason: String },
}

/// Reactions of one emoji on one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionCount {
    /// The emoji as shown (Status's fixed set maps its six kinds to emoji).
    pub emoji: String,
    pub count: usize,
    /// Authors (`0x04…` keys), oldest reaction first.
    pub authors: Vec<String>,
    /// Whether the client's own identity is among the authors.
    pub mine: bool,
}

/// The message an item replies to, as much as is known of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyQuote {
    /// `0x…` message id.
    pub id: String,
    /// `None` while the replied-to message is not (yet) known.
    pub author: Option<String>,
    /// `None` while unknown, or when it was deleted.
    pub text: Option<String>,
    pub deleted: bool,
}

/// An image carried inline by a message. `mime` is sniffed from the bytes, never taken from the
/// sender's claim; bytes that are no image known to us leave `image` empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineImage {
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// One message in a channel as the UI shows it, with everything that applies to it folded in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineItem {
    /// `0x…` message id (status-go's).
    pub id: String,
    /// The channel's chat id (community id + channel uuid).
    pub chat_id: String,
    /// `0x04…` uncompressed public key of the author.
    pub author: String,
    /// The display name the author sent with the message; a claim, not verified.
    pub display_name: Option<String>,
    /// Lamport clock (ms); items are ordered by (clock, timestamp, id).
    pub clock: u64,
    /// The author's wall clock (ms); shown, not trusted for order.
    pub timestamp_ms: u64,
    /// Markdown text (Status treats every text as markdown). The newest edit's text when edited;
    /// empty when deleted.
    pub text: String,
    /// status-go's `ContentType` number (1 = text, 7 = image, …).
    pub content_type: i32,
    pub image: Option<InlineImage>,
    pub reply_to: Option<ReplyQuote>,
    pub edited: bool,
    pub deleted: bool,
    pub pinned: bool,
    /// Sorted by first reaction.
    pub reactions: Vec<ReactionCount>,
    pub send_state: SendState,
    /// Whether this item mentions the client's own identity (`@0x04…` in the text) or replies to
    /// one of its messages: the app's unread and notification logic reads it.
    pub mentions_me: bool,
}

/// How far a timeline has got. Every network step reports it, so a UI never waits in silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum SyncProgress {
    /// Reading what storage holds.
    Stored,
    /// Fetching what was said since the sync mark (the offline inbox): pages and messages so far.
    Inbox { pages: u32, messages: u32 },
    /// Backfilling older history for `load_older`.
    Older { pages: u32, messages: u32 },
    /// Reading the community's archive of `[from_s, to_s)` (seconds) for `load_older`, past
    /// the store window: `bytes_fetched` so far of the `data_len` bytes all archives take.
    Archive {
        from_s: u64,
        to_s: u64,
        bytes_fetched: u64,
        data_len: u64,
    },
    /// Caught up; live messages arrive through filter.
    Live,
    /// A step failed; the timeline keeps what it has and says why. `retry_in_ms` when it will try
    /// again by itself.
    Failed {
        step: String,
        reason: String,
        retry_in_ms: Option<u64>,
    },
}

/// One change to a channel's timeline, in the order a UI should apply them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
// Events move once through a channel to the UI; boxing the common `Upsert` would cost an
// allocation per message for nothing.
#[allow(clippy::large_enum_variant)]
pub enum TimelineEvent {
    /// The stored items, oldest first: always the first event, before any network answer.
    Stored {
        items: Vec<TimelineItem>,
    },
    /// A new item, or a change to one already yielded (edit, delete, reaction, pin, send state).
    Upsert {
        item: TimelineItem,
    },
    /// Older items from `load_older`, oldest first; `complete` when nothing older exists.
    Older {
        items: Vec<TimelineItem>,
        complete: bool,
    },
    Progress {
        progress: SyncProgress,
    },
}

/// Whether a community's description on screen is the signed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DescriptionState {
    /// From a preview link's URL data or another unsigned source: show it marked unverified.
    Unverified,
    /// Signed by the community key; `clock` is the description's.
    Verified { clock: u64 },
}

/// A community's channel, as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelInfo {
    pub uuid: String,
    /// community id + uuid.
    pub chat_id: String,
    pub name: String,
    pub description: String,
    pub emoji: String,
    pub color: String,
    pub category_id: Option<String>,
    pub position: i32,
    /// Whether the client's identity may post here now (member, not banned, channel role).
    pub can_post: bool,
}

/// Where a channel stands against the reader's read mark: what a channel list bolds and badges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelUnread {
    pub uuid: String,
    /// community id + uuid, the key the read marks use.
    pub chat_id: String,
    /// The newest stored message's clock: where to start the mark of a channel never opened, so
    /// a first visit does not show a whole history as unread.
    pub newest_clock: Option<u64>,
    /// Others' messages after the mark, among the newest [`UNREAD_SCAN`]; a list shows "99+" at
    /// the cap.
    pub unread: usize,
    /// Of those, how many name the reader (`@0x04…`).
    pub mentions: usize,
}

/// How many of a channel's newest messages an unread count looks at.
pub const UNREAD_SCAN: usize = 100;

/// A category with its position, for grouping channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryInfo {
    pub id: String,
    pub name: String,
    pub position: i32,
}

/// Where the client's request to join a community stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Membership {
    /// No identity yet, or not a member and no request sent.
    None,
    /// Request sent at `clock`; waiting for the control node.
    Pending {
        clock: u64,
    },
    /// The control node said yes; the next description lists us.
    Accepted,
    Declined,
    /// The verified description lists the identity as a member.
    Member,
    Banned,
}

/// A community as the UI shows it: the description flattened, plus what we know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityInfo {
    /// `0x02…`/`0x03…` compressed community key.
    pub id: String,
    pub name: String,
    pub description: String,
    pub color: String,
    pub tags: Vec<String>,
    pub members: usize,
    /// Whether joining needs the control node's approval (`ON_REQUEST`) or is automatic.
    pub requires_approval: bool,
    pub token_gated: bool,
    pub categories: Vec<CategoryInfo>,
    /// In display order: by category position, then channel position.
    pub channels: Vec<ChannelInfo>,
    /// Image bytes with their sniffed mime, when present and valid.
    pub logo: Option<InlineImage>,
    pub banner: Option<InlineImage>,
    pub state: DescriptionState,
    pub membership: Membership,
}

/// One change to an open community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommunityEvent {
    /// A description to show (stored, from a link, from store, or live), with its state.
    Description {
        info: Box<CommunityInfo>,
    },
    /// The newest description could not be found in time on any shard.
    NotFound,
    /// A description arrived that claims this community but is signed by another key.
    SignerMismatch {
        signer: String,
    },
    Progress {
        progress: SyncProgress,
    },
}

/// Which storage backend the client runs on, and why when it is not the one asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum StorageBackend {
    IndexedDb,
    Memory {
        reason: Option<String>,
    },
    /// A native program's file (the node's bridge); a browser never reports it.
    Sqlite,
}

/// The client's state for a connection indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientHealth {
    pub connected_peers: usize,
    /// (protocol id, connected peers serving it)
    pub protocols: Vec<(String, usize)>,
    /// (transport name: "websocket", "webrtc-direct", "tcp", …, connections)
    pub transports: Vec<(String, usize)>,
    pub storage: StorageBackend,
    /// Messages waiting in the outbox.
    pub outbox: usize,
    /// The store node that answered last (history and catching up come from it), if any has.
    #[serde(default)]
    pub store_node: Option<StoreNodeAnswer>,
}

/// A store node's latest answer, for "which store node answers".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreNodeAnswer {
    /// Its multiaddr with `/p2p/<peer id>`, or the bare peer id when no address is known.
    pub address: String,
    /// Milliseconds since the Unix epoch.
    pub answered_ms: u64,
}
