//! State that survives a closed tab: communities, channel messages, the outbox, sync marks, peers
//! and wrapped secrets, behind one [`Storage`] trait with two backends here — [`memory`] everywhere
//! and [`indexeddb`] in the browser — and a SQLite one in the node (`hearth-node`'s bridge, which
//! outlives restarts), that all pass one test suite ([`storage_suite!`]).
//!
//! **Object-safe, not generic.** The client picks its backend at run time: IndexedDB when the
//! browser grants it, memory when it does not (private windows, blocked storage), and says which
//! through its health. A generic `Client<S: Storage>` would force that choice into every type that
//! holds a client (the UI's context, the JS bindings) and compile each backend's code paths twice;
//! `Arc<dyn Storage>` costs one virtual call per storage operation, nothing next to an IndexedDB
//! round trip. Methods return boxed futures so the trait stays object-safe without a macro crate;
//! in the browser they are not `Send` (IndexedDB handles are bound to the page's thread).
//!
//! **Bounded.** Each community keeps at most [`StorageConfig::max_messages_per_community`]
//! messages; the oldest (by clock, timestamp, id) go first. Writes past the origin's quota fail
//! with [`StorageError::QuotaExceeded`], which the client reports instead of losing track.

pub mod memory;
pub mod record;
#[macro_use]
pub mod suite;
#[cfg(target_arch = "wasm32")]
pub mod indexeddb;

use std::future::Future;
use std::pin::Pin;

pub use record::{
    CommunityRecord, MessageBody, MessageRecord, OrderKey, OutboxEntry, OutboxState, PeerRecord,
    RECORD_VERSION, SecretRecord, SyncMark, sort_communities, sort_outbox, sort_peers,
};

use crate::client::StorageBackend;

/// A storage operation in flight. `Send` natively (tokio may move it between threads), not in the
/// browser.
#[cfg(not(target_arch = "wasm32"))]
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;
#[cfg(target_arch = "wasm32")]
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + 'a>>;

/// `Send + Sync` natively, nothing in the browser: what a backend must be to sit in an `Arc`.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync> MaybeSendSync for T {}
#[cfg(target_arch = "wasm32")]
pub trait MaybeSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSendSync for T {}

/// Why a storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("browser storage is unavailable: {0}")]
    Unavailable(String),
    #[error(
        "this site has used up the storage the browser allows it; free some space or remove \
         communities you no longer read"
    )]
    QuotaExceeded,
    #[error(
        "the stored data was written by a newer Hearth (schema {found}, this one reads {supported}); update the page"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("a stored {what} record could not be read: {reason}")]
    Corrupt { what: &'static str, reason: String },
    #[error("storage failed: {0}")]
    Backend(String),
}

/// Limits a backend enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageConfig {
    /// Messages kept per community (chat messages and annotations together), oldest out first.
    pub max_messages_per_community: usize,
}

/// Enough for weeks of a busy community (Status Desktop pages 50 at a time; 20,000 is ~400 pages)
/// while a browser's storage stays in the low megabytes per community.
pub const DEFAULT_MAX_MESSAGES_PER_COMMUNITY: usize = 20_000;

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            max_messages_per_community: DEFAULT_MAX_MESSAGES_PER_COMMUNITY,
        }
    }
}

/// What a batch of message writes did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOutcome {
    /// Ids that were new.
    pub inserted: Vec<String>,
    /// How many were already stored (same id).
    pub duplicates: usize,
    /// How many old messages the cap pushed out.
    pub evicted: usize,
}

/// The one storage interface of the client. See the module docs for why it is object-safe.
pub trait Storage: MaybeSendSync {
    /// Which backend this is, for the client's health.
    fn backend(&self) -> StorageBackend;

    /// Keeps `record` when its clock is higher than the stored one's; returns whether it did.
    fn put_community(&self, record: CommunityRecord) -> StorageFuture<'_, bool>;
    fn community<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<CommunityRecord>>;
    /// Every stored community, most recently opened first.
    fn communities(&self) -> StorageFuture<'_, Vec<CommunityRecord>>;
    /// Marks a community as opened now (for "recent").
    fn touch_community<'a>(&'a self, id: &'a str, now_ms: u64) -> StorageFuture<'a, ()>;

    /// Stores messages, skipping ids already stored, then applies the per-community cap.
    fn put_messages(&self, records: Vec<MessageRecord>) -> StorageFuture<'_, PutOutcome>;
    fn message<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<MessageRecord>>;
    /// Up to `limit` chat messages of `chat_id` strictly before `before` (or the newest when
    /// `None`), returned oldest first.
    fn messages<'a>(
        &'a self,
        chat_id: &'a str,
        before: Option<&'a OrderKey>,
        limit: usize,
    ) -> StorageFuture<'a, Vec<MessageRecord>>;
    /// Every annotation (edit, delete, reaction, pin) that targets one of `targets`.
    fn annotations<'a>(
        &'a self,
        chat_id: &'a str,
        targets: &'a [String],
    ) -> StorageFuture<'a, Vec<MessageRecord>>;
    /// Looks a message up by its Waku hash (hex).
    fn message_by_hash<'a>(&'a self, hash: &'a str) -> StorageFuture<'a, Option<MessageRecord>>;

    fn sync_mark<'a>(&'a self, content_topic: &'a str) -> StorageFuture<'a, Option<SyncMark>>;
    fn put_sync_mark(&self, mark: SyncMark) -> StorageFuture<'_, ()>;

    fn put_peer(&self, peer: PeerRecord) -> StorageFuture<'_, ()>;
    fn remove_peer<'a>(&'a self, multiaddr: &'a str) -> StorageFuture<'a, ()>;
    /// Known peers, most recently answering first.
    fn peers(&self) -> StorageFuture<'_, Vec<PeerRecord>>;

    fn put_outbox(&self, entry: OutboxEntry) -> StorageFuture<'_, ()>;
    fn remove_outbox<'a>(&'a self, id: &'a str) -> StorageFuture<'a, ()>;
    /// The outbox, oldest first.
    fn outbox(&self) -> StorageFuture<'_, Vec<OutboxEntry>>;

    fn put_secret(&self, secret: SecretRecord) -> StorageFuture<'_, ()>;
    fn secret<'a>(&'a self, name: &'a str) -> StorageFuture<'a, Option<SecretRecord>>;
    fn remove_secret<'a>(&'a self, name: &'a str) -> StorageFuture<'a, ()>;

    /// Keeps a value only the browser's storage can hold as it is, such as a non-extractable
    /// `CryptoKey` (the device key that seals the identity). Backends that cannot refuse.
    #[cfg(target_arch = "wasm32")]
    fn put_js_value<'a>(
        &'a self,
        name: &'a str,
        value: wasm_bindgen::JsValue,
    ) -> StorageFuture<'a, ()> {
        let _ = (name, value);
        Box::pin(std::future::ready(Err(StorageError::Unavailable(
            "this storage keeps no browser values".into(),
        ))))
    }

    #[cfg(target_arch = "wasm32")]
    fn js_value<'a>(&'a self, name: &'a str) -> StorageFuture<'a, Option<wasm_bindgen::JsValue>> {
        let _ = name;
        Box::pin(std::future::ready(Ok(None)))
    }
}

/// Parses a stored JSON record, refusing one from a newer schema: everything read back from a
/// browser's storage goes through here, since another tab, an extension or a newer Hearth may have
/// written it.
pub fn decode_record<T: serde::de::DeserializeOwned>(
    what: &'static str,
    json: &str,
) -> Result<T, StorageError> {
    #[derive(serde::Deserialize)]
    struct Version {
        #[serde(default)]
        v: u32,
    }
    let version: Version = serde_json::from_str(json).map_err(|e| StorageError::Corrupt {
        what,
        reason: e.to_string(),
    })?;
    if version.v > RECORD_VERSION {
        return Err(StorageError::NewerSchema {
            found: version.v,
            supported: RECORD_VERSION,
        });
    }
    serde_json::from_str(json).map_err(|e| StorageError::Corrupt {
        what,
        reason: e.to_string(),
    })
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn encode_record<T: serde::Serialize>(record: &T) -> String {
    // Records are plain structs of strings, numbers and byte vectors: serialising cannot fail.
    serde_json::to_string(record).unwrap_or_default()
}

/// The storage a browser page should use: IndexedDB named `name`, or memory (with the reason) when
/// the browser refuses it. Natively always memory.
// In the browser the backends are single-threaded, yet `Client` shares one `Arc` type on every
// target, so the lint about a non-`Send` `Arc` does not apply.
#[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
pub async fn open_default(name: &str, config: StorageConfig) -> std::sync::Arc<dyn Storage> {
    #[cfg(target_arch = "wasm32")]
    let storage: std::sync::Arc<dyn Storage> =
        match indexeddb::IndexedDbStorage::open(name, config).await {
            Ok(db) => std::sync::Arc::new(db),
            Err(e) => std::sync::Arc::new(memory::MemoryStorage::with_reason(
                config,
                Some(e.to_string()),
            )),
        };
    #[cfg(not(target_arch = "wasm32"))]
    let storage: std::sync::Arc<dyn Storage> = {
        let _ = name;
        std::sync::Arc::new(memory::MemoryStorage::new(config))
    };
    storage
}
