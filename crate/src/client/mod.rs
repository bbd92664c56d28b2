//! `hearth::Client`: the one API apps use (the web app, the widget, the JS package, the CLI).
//! It owns the state machine above [`LightClient`]: what storage holds is shown first, then what the
//! network adds; descriptions count only when signed by their community; what the user writes is
//! in the outbox before it is sent and leaves it only once the network confirms it.
//!
//! Every network step has a deadline and reports progress (`SyncProgress`), so a UI never waits
//! in silence; every failure is a typed [`ClientError`] whose message is a sentence a user can
//! read and whose [`ClientError::hint`] says what to do next.

pub mod archives;
pub mod community;
pub mod ingest;
pub mod item;
pub mod keystore;
pub mod outbox;
pub mod timeline;
pub mod types;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::channel::mpsc;
use futures::{Stream, StreamExt};

pub use community::{Community, ParsedCommunity, parse_community};
pub use keystore::{IdentityExport, IdentityState};
pub use timeline::{Channel, Timeline};
pub use types::*;

use crate::net::runtime;
use crate::net::{self, ClientConfig, LightClient};
use crate::status::codec::{ChatKey, Keys};
use crate::status::community::VerifiedDescription;
use crate::status::keys::{PrivateKey, PublicKey, community_id};
use crate::status::segment::SegmentBuffer;
use crate::storage::{MessageRecord, Storage, StorageError};

/// How long one step may take before it is reported as timed out.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a client call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("network: {0}")]
    Network(#[from] net::ClientError),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// A Status-layer failure while building a message (kept as text so errors stay `Clone`).
    #[error("{0}")]
    Status(String),
    #[error("not a community id or link: {0}")]
    InvalidCommunity(String),
    #[error("this community has no channel {uuid}")]
    UnknownChannel { uuid: String },
    #[error("the community's signed description has not been found yet")]
    CommunityNotLoaded,
    #[error("you need an identity to post")]
    NoIdentity,
    #[error("only members can post in this community: request to join first")]
    NotMember,
    #[error("you are banned from this community")]
    Banned,
    #[error("you can only edit or delete your own messages")]
    NotAuthor,
    #[error("no message {id} in this channel")]
    UnknownMessage { id: String },
    #[error("{step} took longer than {seconds} s")]
    Timeout { step: &'static str, seconds: u64 },
    #[error("identity: {0}")]
    Identity(String),
}

impl From<crate::status::codec::StatusError> for ClientError {
    fn from(e: crate::status::codec::StatusError) -> Self {
        Self::Status(e.to_string())
    }
}

impl ClientError {
    /// What the user can do about it, in a sentence.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Network(_) | Self::Timeout { .. } => {
                "Check your connection; Hearth keeps trying and your messages wait in the outbox."
            }
            Self::Storage(StorageError::QuotaExceeded) => {
                "Free some browser storage, or remove communities you no longer read."
            }
            Self::Storage(_) => "Reload the page; if it keeps happening, clear this site's data.",
            Self::Status(_) => "The message could not be built; shorten it or try again.",
            Self::InvalidCommunity(_) => {
                "Paste a status.app community link, or a community key starting with 0x02, 0x03 or zQ3."
            }
            Self::UnknownChannel { .. } => "Pick a channel from the community's list.",
            Self::CommunityNotLoaded => "Wait for the community to load, or retry.",
            Self::NoIdentity => "Create an identity, or import one, in Settings.",
            Self::NotMember => "Use \"Request to join\" on the community page.",
            Self::Banned => "Contact the community's admins.",
            Self::NotAuthor | Self::UnknownMessage { .. } => "Choose one of your own messages.",
            Self::Identity(_) => "Check the key or recovery phrase and try again.",
        }
    }
}

/// The user's signing identity as the client holds it in memory.
#[derive(Clone)]
pub(crate) struct Me {
    pub key: PrivateKey,
    pub display_name: Option<String>,
    /// The wallet key whose address a request to join reveals; never the chat key (status-go
    /// refuses that). From a recovery phrase it is the profile's default wallet.
    pub wallet: Option<PrivateKey>,
    /// The whole identity when it came through `hearth::identity` (for export).
    pub identity: Option<Box<crate::identity::Identity>>,
}

/// What changed, for open timelines and community views: a message id in a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub chat_id: String,
    pub id: String,
}

pub(crate) struct Inner {
    pub net: LightClient,
    pub storage: Arc<dyn Storage>,
    pub me: Mutex<Option<Me>>,
    /// Derived chat keys by chat id (65,356 PBKDF2 rounds each: derive once).
    chat_keys: Mutex<HashMap<String, ChatKey>>,
    /// The newest verified description per community id.
    pub descriptions: Mutex<HashMap<String, VerifiedDescription>>,
    pub segments: Mutex<SegmentBuffer>,
    /// The highest clock seen or sent, for the next message's clock.
    pub clock: Mutex<u64>,
    /// Open views; a closed one is dropped at the next notification.
    watchers: Mutex<Vec<mpsc::UnboundedSender<Change>>>,
}

/// See the module docs. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn now_ms() -> u64 {
    u64::try_from(runtime::now_ns() / 1_000_000).unwrap_or(0)
}

impl Client {
    /// Starts the network and resends whatever the outbox still holds from an earlier run.
    /// Natively this must be called inside a tokio runtime.
    // The browser's storage is single-threaded; one `Arc` type serves every target.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub async fn start(
        config: ClientConfig,
        storage: Arc<dyn Storage>,
    ) -> Result<Self, ClientError> {
        let mut config = config;
        // Peers that answered before, and the user's own store nodes, go first.
        if let Ok(peers) = storage.peers().await {
            for p in peers {
                if let Ok(addr) = p.multiaddr.parse()
                    && !config.store.contains(&addr)
                {
                    if p.pinned {
                        config.store.insert(0, addr);
                    } else {
                        config.store.push(addr);
                    }
                }
            }
        }
        let net = LightClient::start(config)?;
        let client = Self {
            inner: Arc::new(Inner {
                net,
                storage,
                me: Mutex::new(None),
                chat_keys: Mutex::new(HashMap::new()),
                descriptions: Mutex::new(HashMap::new()),
                segments: Mutex::new(SegmentBuffer::new()),
                clock: Mutex::new(0),
                watchers: Mutex::new(Vec::new()),
            }),
        };
        client.restore_identity().await;
        let resend = client.clone();
        runtime::spawn(async move {
            resend.resend_outbox().await;
        });
        Ok(client)
    }

    /// The light client underneath, for what `Client` does not wrap (diagnostics, the CLI).
    pub fn net(&self) -> &LightClient {
        &self.inner.net
    }

    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.inner.storage
    }

    /// Uses `key` to sign what this client sends, with the name others will see. Kept in memory
    /// only; persisting it (wrapped, never in plaintext) is the identity module's job.
    pub fn set_identity(&self, key: PrivateKey, display_name: Option<String>) {
        *lock(&self.inner.me) = Some(Me {
            key,
            display_name,
            wallet: None,
            identity: None,
        });
    }

    /// The key whose address a request to join reveals: the identity's wallet key, or one made for
    /// this purpose and kept with the identity.
    pub(crate) fn wallet_key(&self) -> Result<PrivateKey, ClientError> {
        let mut me = lock(&self.inner.me);
        let me = me.as_mut().ok_or(ClientError::NoIdentity)?;
        if let Some(w) = &me.wallet {
            return Ok(w.clone());
        }
        let w = PrivateKey::generate().map_err(|e| ClientError::Identity(e.to_string()))?;
        me.wallet = Some(w.clone());
        Ok(w)
    }

    /// Our public key (`0x04…`), when an identity is set.
    pub fn public_key(&self) -> Option<String> {
        lock(&self.inner.me)
            .as_ref()
            .map(|m| m.key.public_key().to_uncompressed_hex())
    }

    pub(crate) fn me(&self) -> Option<Me> {
        lock(&self.inner.me).clone()
    }

    /// Health now.
    pub async fn health_now(&self) -> ClientHealth {
        let h = self.inner.net.health_now();
        let outbox = self.inner.storage.outbox().await.map_or(0, |o| o.len());
        ClientHealth {
            connected_peers: h.connected,
            protocols: h.protocols,
            transports: h
                .transports
                .into_iter()
                .map(|(t, n)| (transport_name(t).to_string(), n))
                .collect(),
            storage: self.inner.storage.backend(),
            outbox,
            store_node: h.store.map(|a| types::StoreNodeAnswer {
                address: match a.addr {
                    Some(addr) => format!("{addr}/p2p/{}", a.peer),
                    None => a.peer.to_string(),
                },
                answered_ms: a.at_ms,
            }),
        }
    }

    /// Health now and after every change of the peer set.
    pub fn health(&self) -> impl Stream<Item = ClientHealth> + use<> {
        let client = self.clone();
        self.inner.net.health().then(move |_| {
            let client = client.clone();
            async move { client.health_now().await }
        })
    }

    /// Opens a community by id (`0x02…`, `zQ3…`) or preview link. Nothing is fetched until its
    /// [`Community::events`] or a channel's timeline is read.
    pub fn community(&self, id_or_link: &str) -> Result<Community, ClientError> {
        let parsed = parse_community(id_or_link)?;
        Ok(Community::new(self.clone(), parsed))
    }

    /// Communities in storage, most recently opened first, each as its stored (re-verified)
    /// description says.
    pub async fn recent_communities(&self) -> Result<Vec<CommunityInfo>, ClientError> {
        let mut out = Vec::new();
        for record in self.inner.storage.communities().await? {
            let Ok(key) = PublicKey::from_hex(&record.id) else {
                continue;
            };
            if let Some(v) = community::reverify(self, &key, &record) {
                out.push(community::community_info(self, &v, &key).await);
            }
        }
        Ok(out)
    }

    /// Adds a store node of the user's own (seed 002): kept, and asked first from the next start.
    pub async fn add_store_node(&self, multiaddr: &str) -> Result<(), ClientError> {
        let addr: libp2p::Multiaddr = multiaddr
            .parse()
            .map_err(|e| net::ClientError::Invalid(format!("{multiaddr}: {e}")))?;
        self.inner.net.add_peer(addr, net::peers::Source::Store)?;
        self.inner
            .storage
            .put_peer(crate::storage::PeerRecord {
                v: crate::storage::RECORD_VERSION,
                multiaddr: multiaddr.to_string(),
                last_answer_ms: 0,
                pinned: true,
            })
            .await?;
        Ok(())
    }

    pub async fn remove_store_node(&self, multiaddr: &str) -> Result<(), ClientError> {
        Ok(self.inner.storage.remove_peer(multiaddr).await?)
    }

    /// The user's own store nodes and those that answered in this session, each with when it
    /// last answered (0: not yet).
    pub async fn store_nodes(&self) -> Result<Vec<crate::storage::PeerRecord>, ClientError> {
        let mut list = self.inner.storage.peers().await?;
        let answered = self.inner.net.store_answers();
        for (peer, addr, at_ms) in answered {
            let suffix = format!("/p2p/{peer}");
            match list.iter_mut().find(|r| r.multiaddr.ends_with(&suffix)) {
                Some(r) => r.last_answer_ms = r.last_answer_ms.max(at_ms),
                None => list.push(crate::storage::PeerRecord {
                    v: crate::storage::RECORD_VERSION,
                    multiaddr: match addr {
                        Some(a) => format!("{a}{suffix}"),
                        None => peer.to_string(),
                    },
                    last_answer_ms: at_ms,
                    pinned: false,
                }),
            }
        }
        Ok(list)
    }

    // -----------------------------------------------------------------------------------------
    // Internals shared by communities, timelines and the outbox

    /// The key and topic of a chat id, derived once.
    pub(crate) fn chat_key(&self, chat_id: &str) -> ChatKey {
        if let Some(k) = lock(&self.inner.chat_keys).get(chat_id) {
            return k.clone();
        }
        let k = ChatKey::derive(chat_id);
        lock(&self.inner.chat_keys).insert(chat_id.to_string(), k.clone());
        k
    }

    /// The keys to read a community's traffic: its description chat, its universal chat, and each
    /// listed channel's own key tried on the universal topic too (early senders, status-web).
    pub(crate) fn keys_for(&self, community: &PublicKey, channels: &[String]) -> Keys {
        let id = community_id(community);
        let mut keys = Keys::new();
        keys.add_community_key(community, self.chat_key(&id).key().clone());
        let universal = self.chat_key(&universal_chat_id(&id));
        let topic = universal.content_topic().to_string();
        keys.add_chat(universal);
        for uuid in channels {
            let channel = self.chat_key(&format!("{id}{uuid}"));
            keys.add_chat_on_topic(&topic, channel.clone());
            keys.add_chat(channel);
        }
        if let Some(me) = self.me() {
            keys.set_private_key(me.key);
        }
        keys
    }

    pub(crate) fn description(&self, community: &str) -> Option<VerifiedDescription> {
        lock(&self.inner.descriptions).get(community).cloned()
    }

    /// Keeps a verified description when it is newer than the one held; returns whether it was.
    pub(crate) fn remember_description(&self, v: &VerifiedDescription) -> bool {
        let id = v.description().id();
        let mut all = lock(&self.inner.descriptions);
        if all.get(&id).is_some_and(|old| old.clock() >= v.clock()) {
            return false;
        }
        all.insert(id, v.clone());
        true
    }

    pub(crate) fn watch(&self) -> mpsc::UnboundedReceiver<Change> {
        let (tx, rx) = mpsc::unbounded();
        lock(&self.inner.watchers).push(tx);
        rx
    }

    pub(crate) fn notify(&self, changes: &[Change]) {
        let mut watchers = lock(&self.inner.watchers);
        watchers.retain(|w| changes.iter().all(|c| w.unbounded_send(c.clone()).is_ok()));
    }

    /// Stores records and tells open views; an id still in the outbox is confirmed by it.
    pub(crate) async fn accept(&self, records: Vec<MessageRecord>) -> Result<(), ClientError> {
        if records.is_empty() {
            return Ok(());
        }
        {
            let mut clock = lock(&self.inner.clock);
            for r in &records {
                *clock = (*clock).max(r.clock);
            }
        }
        let changes: Vec<Change> = records
            .iter()
            .map(|r| Change {
                chat_id: r.chat_id.clone(),
                id: r.body.target().unwrap_or(&r.id).to_string(),
            })
            .collect();
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        let out = self.inner.storage.put_messages(records).await?;
        // An echo of something we sent: the network has it. One read of the outbox per batch,
        // a write only for what is in it.
        let waiting = self.inner.storage.outbox().await.unwrap_or_default();
        for entry in waiting.iter().filter(|e| ids.contains(&e.id)) {
            let _ = self.inner.storage.remove_outbox(&entry.id).await;
        }
        if !out.inserted.is_empty() {
            self.notify(&changes);
        }
        Ok(())
    }

    /// The next Lamport clock for a message of ours.
    pub(crate) fn next_clock(&self) -> u64 {
        let mut clock = lock(&self.inner.clock);
        *clock = crate::status::chat::next_clock(*clock, now_ms());
        *clock
    }
}

/// A community's universal chat id: all channel traffic of current status-go travels there.
pub fn universal_chat_id(community_id: &str) -> String {
    format!("{community_id}-memberUpdate")
}

fn transport_name(t: net::peers::Transport) -> &'static str {
    use net::peers::Transport;
    match t {
        Transport::Tcp => "tcp",
        Transport::WebSocket => "websocket",
        Transport::SecureWebSocket => "secure-websocket",
        Transport::WebRtcDirect => "webrtc-direct",
        Transport::Other => "other",
    }
}
