//! The HTTP bridge (`hearth node --bridge`, seed 004): other programs post to and read a community
//! channel over plain HTTP with a bearer token, and the bridge speaks Status for them.
//!
//! The bridge is a `hearth::Client` like the app's, with an identity of its own (`bridge.key` in
//! the data dir, mode 0600, and a display name): what it posts is a signed Status chat message that
//! goes through the client's outbox, exactly as a message typed in the app does, to the node it
//! runs in. The client keeps its state in `bridge-client.sqlite3` beside the key ([`storage`]), so
//! a post still pending when the node stops is sent after the restart, and what the bridge read is
//! served again without asking the network. On a control node it admits itself to the node's own
//! community (through the community store, as `hearth community accept` would); for any other
//! community it sends a request to join like any client and posts once the community lists it.
//!
//! Routes (see [`api`] and the OpenAPI description served at `/api/v1/`):
//! `POST /api/v1/communities/{id}/channels/{uuid}/messages`,
//! `GET  /api/v1/communities/{id}/channels/{uuid}/messages?since=…&limit=…`, `GET /api/v1/identity`.

pub mod api;
pub mod storage;
pub mod tokens;

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use hearth::client::{
    Channel, Client, Community, CommunityEvent, DescriptionState, SyncProgress, TimelineEvent,
};
use hearth::net::ClientConfig;
use hearth::status::keys::PrivateKey;
use hearth::storage::{Storage, StorageConfig, StorageError};
use tokio::sync::{OnceCell, mpsc, oneshot, watch};

use crate::service::rate_limit::{Bucket, Rate};
use crate::service::{Hub, lock};

use self::storage::SqliteStorage;
use self::tokens::TokenStore;

/// The bridge's own key, hex, mode 0600.
pub const KEY_FILE: &str = "bridge.key";
/// The bridge's client storage: its outbox, what it read, sync marks.
pub const CLIENT_DB_FILE: &str = "bridge-client.sqlite3";
/// The name others see on the bridge's messages when none is given.
pub const DEFAULT_NAME: &str = "Hearth bridge";
/// Per token: a bot may post about once a second in bursts of 60.
pub const DEFAULT_RATE: Rate = Rate {
    volume: 60,
    period: Duration::from_secs(60),
};
/// Communities and channels the bridge follows at once; past these, new ones are refused (503).
pub const MAX_COMMUNITIES: usize = 16;
pub const MAX_CHANNELS: usize = 64;
/// How long a request waits for a community's signed description, or a channel's history.
pub const LOAD_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a post waits for the bridge to become a member after asking to join.
pub const JOIN_WAIT: Duration = Duration::from_secs(10);
/// Older messages asked of the timeline at a time, and batches per read (so one read of a long
/// history costs at most 500 messages from store; the next read goes on).
pub const OLDER_BATCH: usize = 100;
pub const MAX_OLDER_BATCHES: usize = 5;
/// How often the outbox is sent again.
pub const RESEND_EVERY: Duration = Duration::from_secs(30);
/// A request to join is sent again after this long without an answer.
pub const JOIN_RETRY: Duration = Duration::from_secs(300);

/// What `--bridge` configures.
#[derive(Debug, Clone)]
pub struct BridgeConfig {
    pub display_name: String,
    pub rate: Rate,
}

#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a secp256k1 private key in hex ({reason})")]
    BadKey {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("bridge display name: {0}")]
    DisplayName(String),
    #[error("{path}: {}", explain_storage(.source))]
    Storage {
        path: std::path::PathBuf,
        source: StorageError,
    },
    #[error(transparent)]
    Tokens(#[from] tokens::TokenError),
}

/// What to do about a client storage that cannot be opened, in a node operator's terms (the
/// storage layer's own words speak to a browser user).
fn explain_storage(e: &StorageError) -> String {
    match e {
        StorageError::NewerSchema { found, supported } => format!(
            "written by a newer Hearth (schema {found}; this one reads up to {supported}): run \
             that version, or move the file away to start afresh (posts not yet sent are in it)"
        ),
        other => other.to_string(),
    }
}

/// Checks a display name as receivers will (status-go `ValidateDisplayName`): a name they refuse
/// would make every message of the bridge disappear.
pub fn check_name(name: &str) -> Result<(), BridgeError> {
    if name.trim().is_empty() {
        return Err(BridgeError::DisplayName("it is empty".into()));
    }
    hearth::status::chat::check_display_name(name).map_err(|_| {
        BridgeError::DisplayName(format!(
            "{name:?}: 5 to 24 letters, digits, spaces, '-' or '_'"
        ))
    })
}

/// The bridge's key from the data dir, made on first use.
pub fn load_or_create_key(dir: &Path) -> Result<PrivateKey, BridgeError> {
    let path = dir.join(KEY_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|source| BridgeError::Io {
            path: path.clone(),
            source,
        })?;
        let bad = |reason: String| BridgeError::BadKey {
            path: path.clone(),
            reason,
        };
        let bytes = hex::decode(text.trim()).map_err(|e| bad(e.to_string()))?;
        return PrivateKey::from_bytes(&bytes).map_err(|e| bad(e.to_string()));
    }
    std::fs::create_dir_all(dir).map_err(|source| BridgeError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let key = PrivateKey::generate().map_err(|e| BridgeError::BadKey {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    crate::community::write_secret(&path, &hex::encode(key.to_bytes())).map_err(|e| {
        BridgeError::Io {
            path: path.clone(),
            source: std::io::Error::other(e.to_string()),
        }
    })?;
    Ok(key)
}

/// Opens the bridge's client storage in the data dir. There is no fallback to memory: a bridge
/// that forgot its outbox at the next restart would lose posts it had answered `pending`.
pub fn open_client_storage(dir: &Path) -> Result<SqliteStorage, BridgeError> {
    std::fs::create_dir_all(dir).map_err(|source| BridgeError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join(CLIENT_DB_FILE);
    SqliteStorage::open(&path, StorageConfig::default())
        .map_err(|source| BridgeError::Storage { path, source })
}

/// Adds the bridge's routes to the node's HTTP when `--bridge` is on, and starts the bridge's
/// client in the background (so the control node's admission is done before the first request).
pub(crate) fn mount(app: axum::Router<Arc<Hub>>, hub: &Arc<Hub>) -> axum::Router<Arc<Hub>> {
    let Some(config) = hub.config.bridge.clone() else {
        return app;
    };
    let dir = hub.config.data_dir.clone();
    let opened = load_or_create_key(&dir).and_then(|key| {
        let tokens = TokenStore::open(&dir)?;
        Ok((key, tokens, open_client_storage(&dir)?))
    });
    let (key, tokens, storage) = match opened {
        Ok(v) => v,
        Err(e) => {
            eprintln!("hearth: the bridge is off: {e}");
            return app;
        }
    };
    eprintln!(
        "hearth: bridge at /api/v1/ as {} ({})",
        config.display_name,
        key.public_key().to_uncompressed_hex()
    );
    let bridge = Arc::new(Bridge {
        hub: hub.clone(),
        config,
        key,
        tokens,
        storage: Arc::new(storage),
        client: OnceCell::new(),
        communities: Mutex::new(HashMap::new()),
        channels: Mutex::new(HashMap::new()),
        buckets: Mutex::new(HashMap::new()),
    });
    let early = bridge.clone();
    tokio::spawn(async move {
        match early.client().await {
            Ok(client) => resend(client).await,
            Err(e) => eprintln!("hearth: the bridge's client did not start: {e}"),
        }
    });
    app.merge(api::router(bridge))
}

/// Sends again, now and then, what the outbox still holds: a post answered `pending` or `failed`
/// is delivered once the network takes it (the app does the same at its next start).
async fn resend(client: Client) {
    loop {
        tokio::time::sleep(RESEND_EVERY).await;
        let Ok(entries) = client.outbox().await else {
            continue;
        };
        for entry in entries {
            let _ = client.retry(&entry.id).await;
        }
    }
}

/// A task stopped when its owner is dropped.
struct Task(tokio::task::JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Where finding a community's description stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Loaded {
    Loading,
    Found,
    NotFound(String),
}

/// A community the bridge follows: its description stays current while the task runs.
pub(crate) struct Followed {
    pub community: Community,
    pub state: watch::Receiver<Loaded>,
    pub asked_to_join: Mutex<Option<Instant>>,
    _task: Task,
}

/// A channel the bridge reads: its timeline runs (inbox, then live) and fills the client's storage.
pub(crate) struct Reading {
    pub channel: Channel,
    pub live: watch::Receiver<bool>,
    /// The oldest timestamp (ms) the timeline has shown, and whether nothing older exists.
    pub oldest_ms: Arc<AtomicU64>,
    pub complete: Arc<AtomicBool>,
    /// Asks the timeline for [`OLDER_BATCH`] older messages; answered when they are stored.
    older: mpsc::Sender<oneshot::Sender<()>>,
    _task: Task,
}

impl Reading {
    /// Loads older history until `since_ms` is covered, nothing older exists, or
    /// [`MAX_OLDER_BATCHES`] batches were read (a later read goes on from there).
    pub async fn cover(&self, since_ms: u64) {
        for _ in 0..MAX_OLDER_BATCHES {
            if self.complete.load(Ordering::Relaxed)
                || self.oldest_ms.load(Ordering::Relaxed) <= since_ms
            {
                return;
            }
            let (reply, done) = oneshot::channel();
            if self.older.send(reply).await.is_err() {
                return;
            }
            if tokio::time::timeout(LOAD_TIMEOUT, done).await.is_err() {
                return;
            }
        }
    }
}

pub(crate) struct Bridge {
    pub hub: Arc<Hub>,
    pub config: BridgeConfig,
    pub key: PrivateKey,
    pub tokens: TokenStore,
    storage: Arc<dyn Storage>,
    client: OnceCell<Client>,
    communities: Mutex<HashMap<String, Arc<Followed>>>,
    channels: Mutex<HashMap<String, Arc<Reading>>>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Bridge {
    /// The bridge's client, started once: connected to this node, identity set, and (on a control
    /// node) admitted to the node's community.
    pub async fn client(&self) -> Result<Client, String> {
        self.client
            .get_or_try_init(|| self.start_client())
            .await
            .cloned()
    }

    async fn start_client(&self) -> Result<Client, String> {
        self.admit_self().await;
        // The node's own TCP listener, once the swarm has bound it.
        let started = Instant::now();
        let addr = loop {
            let found = {
                let addrs = lock(&self.hub.listen_addrs);
                addrs
                    .iter()
                    .find(|a| {
                        let s = a.to_string();
                        s.contains("/tcp/") && !s.contains("/ws")
                    })
                    .or_else(|| addrs.first())
                    .cloned()
            };
            if let Some(a) = found {
                break a;
            }
            if started.elapsed() > LOAD_TIMEOUT {
                return Err("the node has no listener to connect to".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // The node's own peers (--peer) are the client's peers too: lightpush goes to two of them,
        // and their stores may be asked. Which store answers is the light client's choice (by
        // round trip); an empty first page is asked of one more store, so a community described
        // before this node joined the mesh is still found through a peer that was there.
        let mut peers = self.hub.config.static_peers.clone();
        peers.push(addr);
        let client = Client::start(ClientConfig::local(peers), self.storage.clone())
            .await
            .map_err(|e| e.to_string())?;
        client
            .net()
            .wait_for_peers(hearth::protocols::store::PROTOCOL, 1, LOAD_TIMEOUT)
            .await
            .map_err(|e| e.to_string())?;
        client.set_identity(self.key.clone(), Some(self.config.display_name.clone()));
        Ok(client)
    }

    /// On a control node: the bridge becomes a member of the node's community (unless banned),
    /// and waits (boundedly) for the control node to publish the description that lists it.
    async fn admit_self(&self) {
        self.add_self_as_member().await;
        let dir = self.hub.config.data_dir.clone();
        let started = Instant::now();
        while started.elapsed() < LOAD_TIMEOUT {
            let d = dir.clone();
            let published = tokio::task::spawn_blocking(move || {
                if !crate::community::CommunityStore::exists(&d) {
                    return true;
                }
                let Ok(store) = crate::community::CommunityStore::open(&d) else {
                    return true;
                };
                match (store.description(), store.published_clock()) {
                    (Ok(desc), Ok(clock)) => clock >= desc.clock,
                    _ => true,
                }
            })
            .await
            .unwrap_or(true);
            if published {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn add_self_as_member(&self) {
        let dir = self.hub.config.data_dir.clone();
        let me = self.key.public_key().to_uncompressed_hex();
        let done = tokio::task::spawn_blocking(move || {
            if !crate::community::CommunityStore::exists(&dir) {
                return Ok(None);
            }
            let mut store = crate::community::CommunityStore::open(&dir)?;
            let d = store.description()?;
            if d.banned_members.contains_key(&me) || d.members.contains_key(&me) {
                return Ok(Some(false));
            }
            store.update(|d| {
                crate::community::add_member(d, &me);
                Ok(())
            })?;
            Ok::<_, crate::community::CommunityStoreError>(Some(true))
        })
        .await;
        match done {
            Ok(Ok(Some(true))) => eprintln!("hearth: the bridge joined the node's community"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => eprintln!("hearth: the bridge could not join the node's community: {e}"),
            Err(e) => eprintln!("hearth: the bridge could not join the node's community: {e}"),
        }
    }

    /// The id of the community this node controls, if any.
    pub fn own_community(&self) -> Option<String> {
        let dir = &self.hub.config.data_dir;
        crate::community::CommunityStore::exists(dir)
            .then(|| {
                crate::community::CommunityStore::open(dir)
                    .ok()
                    .map(|s| s.id())
            })
            .flatten()
    }

    /// Takes one request from `token`'s bucket; `Err(wait)` when it is empty.
    pub fn take(&self, token: &str) -> Result<(), Duration> {
        let Rate { volume, period } = self.config.rate;
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        let bucket = buckets
            .entry(token.to_owned())
            .or_insert_with(|| Bucket::full(volume, now));
        if bucket.take(f64::from(volume), period, now) {
            Ok(())
        } else {
            Err(bucket.wait(f64::from(volume), period))
        }
    }

    /// Follows `community` (id as the client parses it), or the one already followed.
    pub fn follow(&self, client: &Client, community: &str) -> Result<Arc<Followed>, FollowError> {
        let community = client
            .community(community)
            .map_err(|_| FollowError::NotACommunity)?;
        let id = community.id().to_owned();
        let mut all = lock(&self.communities);
        // Communities that were not found are looked for again, and make room for others.
        all.retain(|_, f| !matches!(*f.state.borrow(), Loaded::NotFound(_)));
        if let Some(f) = all.get(&id) {
            return Ok(f.clone());
        }
        if all.len() >= MAX_COMMUNITIES {
            return Err(FollowError::Full);
        }
        let (tx, rx) = watch::channel(Loaded::Loading);
        let mut events = community.events();
        let task = tokio::spawn(async move {
            while let Some(event) = events.next().await {
                let next = match event {
                    CommunityEvent::Description { info }
                        if matches!(info.state, DescriptionState::Verified { .. }) =>
                    {
                        Loaded::Found
                    }
                    CommunityEvent::NotFound => {
                        Loaded::NotFound("no signed description of this community was found".into())
                    }
                    CommunityEvent::SignerMismatch { signer } => Loaded::NotFound(format!(
                        "the only description found is signed by {signer}, not the community key"
                    )),
                    _ => continue,
                };
                // Once found, a community stays found; later descriptions update the client.
                tx.send_if_modified(|s| {
                    if *s == Loaded::Found || *s == next {
                        false
                    } else {
                        *s = next;
                        true
                    }
                });
            }
        });
        let followed = Arc::new(Followed {
            community,
            state: rx,
            asked_to_join: Mutex::new(None),
            _task: Task(task),
        });
        all.insert(id, followed.clone());
        Ok(followed)
    }

    /// Reads `channel` from now on (the inbox first), or the reading already under way.
    pub fn read(&self, followed: &Followed, uuid: &str) -> Result<Arc<Reading>, FollowError> {
        let channel = followed.community.channel(uuid);
        let key = channel.chat_id().to_owned();
        let mut all = lock(&self.channels);
        if let Some(r) = all.get(&key) {
            return Ok(r.clone());
        }
        if all.len() >= MAX_CHANNELS {
            return Err(FollowError::Full);
        }
        let (tx, rx) = watch::channel(false);
        let (older, mut older_rx) = mpsc::channel::<oneshot::Sender<()>>(4);
        let oldest_ms = Arc::new(AtomicU64::new(u64::MAX));
        let complete = Arc::new(AtomicBool::new(false));
        let (oldest, done) = (oldest_ms.clone(), complete.clone());
        let mut timeline = channel.timeline();
        let task = tokio::spawn(async move {
            let mut waiting: VecDeque<oneshot::Sender<()>> = VecDeque::new();
            loop {
                tokio::select! {
                    event = timeline.next() => {
                        let Some(event) = event else { break };
                        let seen = |items: &[hearth::client::TimelineItem]| {
                            if let Some(ms) = items.iter().map(|i| i.timestamp_ms).min() {
                                oldest.fetch_min(ms, Ordering::Relaxed);
                            }
                        };
                        match event {
                            TimelineEvent::Progress {
                                progress: SyncProgress::Live | SyncProgress::Failed { .. },
                            } => {
                                tx.send_if_modified(|live| !std::mem::replace(live, true));
                            }
                            TimelineEvent::Stored { items } => seen(&items),
                            TimelineEvent::Upsert { item } => seen(std::slice::from_ref(&item)),
                            TimelineEvent::Older { items, complete } => {
                                seen(&items);
                                if complete {
                                    done.store(true, Ordering::Relaxed);
                                }
                                if let Some(w) = waiting.pop_front() {
                                    let _ = w.send(());
                                }
                            }
                            _ => {}
                        }
                    }
                    Some(reply) = older_rx.recv() => {
                        if timeline.load_older(OLDER_BATCH) {
                            waiting.push_back(reply);
                        }
                    }
                }
            }
        });
        let reading = Arc::new(Reading {
            channel,
            live: rx,
            oldest_ms,
            complete,
            older,
            _task: Task(task),
        });
        all.insert(key, reading.clone());
        Ok(reading)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FollowError {
    NotACommunity,
    Full,
}
