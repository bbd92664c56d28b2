//! `hearth node`: a Waku service node for development, tests, demos and offline use. Wherever a
//! light client could tell the difference, it behaves like nwaku: protocol ids, limits, status
//! codes and the metadata handshake.
//!
//! Shape: one task owns the libp2p swarm (relay, identify, ping, connections); every request
//! protocol is served from raw streams (`libp2p-stream`) by its own module, all sharing one
//! [`Hub`] that stores, relays and pushes each new message exactly once.

pub mod archive_files;
mod filter;
pub(crate) mod http;
mod lightpush;
pub mod limits;
pub mod message_store;
mod metadata;
mod peer_exchange;
pub mod rate_limit;
mod store;
pub(crate) mod swarm;
mod unfurl;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hearth::waku::enr::Enr;
use hearth::waku::{MessageHash, MessageLimits, PubsubTopic, WakuMessage};
use libp2p::{Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot};

use self::filter::FilterRegistry;
use self::message_store::{MessageStore, Retention};
use self::peer_exchange::EnrCache;
use self::rate_limit::RateLimiter;

/// Everything `hearth node` can be told on its command line.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub listen: Vec<Multiaddr>,
    pub cluster: u16,
    pub shards: Vec<u16>,
    pub data_dir: PathBuf,
    pub static_peers: Vec<Multiaddr>,
    pub retention: Retention,
    pub rate_limits: HashMap<rate_limit::Limited, rate_limit::Rate>,
    pub max_message_size: usize,
    pub http: Option<SocketAddr>,
    pub web_dir: Option<PathBuf>,
    /// The `frame-ancestors` source list of the embed pages (checked: no `;`, `,` or controls).
    pub embed_ancestors: String,
    /// What `/hearth.json` tells the app about this node (`hearth serve` fills it with the line it
    /// prints); `None`: built from the node's own listen addresses.
    pub site: Option<serde_json::Value>,
    /// PEM certificate chain and key for `/wss` listeners.
    pub wss_tls: Option<(PathBuf, PathBuf)>,
    pub filter_max_peers: usize,
    pub filter_max_criteria: usize,
    /// Criteria held across all filter peers.
    pub filter_max_criteria_total: usize,
    pub connection_limits: limits::ConnectionLimits,
    /// Per-IP rate-limit buckets are this many times a peer's (0: no per-IP buckets).
    pub rate_ip_factor: u32,
    /// Other nodes' records (`--peer-enr`): without discv5 the operator is the node's only
    /// source of records for peer exchange to serve.
    pub peer_enrs: Vec<Enr>,
    /// How the control node decides, when the data dir holds a community.
    pub control: crate::community::control::ControlOptions,
    /// The HTTP bridge for other programs (`--bridge`); `None`: off.
    pub bridge: Option<crate::bridge::BridgeConfig>,
    /// Print each dialable address on stdout (`hearth node`); `hearth serve` prints one JSON line
    /// instead.
    pub print_listen_addrs: bool,
}

impl ServiceConfig {
    pub fn serves(&self, topic: &PubsubTopic) -> bool {
        topic.cluster == self.cluster && self.shards.contains(&topic.shard)
    }

    pub fn limits(&self) -> MessageLimits {
        MessageLimits {
            max_size: self.max_message_size,
        }
    }
}

/// Requests to the task that owns the swarm.
pub(crate) enum Command {
    Publish {
        topic: String,
        data: Vec<u8>,
        reply: oneshot::Sender<usize>,
    },
    Respond {
        channel: libp2p::request_response::ResponseChannel<Vec<u8>>,
        bytes: Vec<u8>,
    },
    Disconnect(PeerId),
}

/// Where a message entered the node: only lightpushed ones are published to relay by us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Lightpush,
    Relay,
}

/// What accepting a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accepted {
    New { relay_peers: usize },
    Duplicate,
}

/// Message hashes seen recently, so a message is stored, pushed and relayed once however many
/// ways it arrives (gossipsub's own seen-cache is 2 minutes; this one holds a count, not a time).
struct SeenCache {
    set: HashSet<MessageHash>,
    order: VecDeque<MessageHash>,
}

const SEEN_CAPACITY: usize = 100_000;

impl SeenCache {
    fn insert(&mut self, hash: MessageHash) -> bool {
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > SEEN_CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// New messages on some content topics, handed to a consumer inside the node (the community
/// control node reads requests to join from it). Bounded: when the consumer lags, messages are
/// dropped from the tap, never from the store.
pub(crate) struct Tap {
    pub content_topics: Vec<String>,
    pub tx: mpsc::Sender<WakuMessage>,
}

/// What the node knows of a connected peer.
#[derive(Debug, Default, Clone)]
pub(crate) struct PeerInfo {
    /// What identify said; `None` until it arrives (over WebRTC-direct it may never).
    pub protocols: Option<Vec<String>>,
    pub agent: Option<String>,
    pub addr: Option<Multiaddr>,
}

/// Counters for `/health` and the logs.
#[derive(Default)]
pub(crate) struct Stats {
    pub lightpushed: AtomicU64,
    pub relayed: AtomicU64,
    pub pushed: AtomicU64,
    pub queries: AtomicU64,
    pub refused: AtomicU64,
}

/// State every protocol handler shares.
pub(crate) struct Hub {
    pub config: ServiceConfig,
    pub peer_id: PeerId,
    pub messages: Arc<Mutex<MessageStore>>,
    pub filter: Mutex<FilterRegistry>,
    pub limiter: RateLimiter,
    pub commands: mpsc::UnboundedSender<Command>,
    pub peers: Mutex<HashMap<PeerId, PeerInfo>>,
    pub listen_addrs: Mutex<Vec<Multiaddr>>,
    pub stats: Stats,
    pub streams: libp2p_stream::Control,
    /// Empty until the listeners are up: the record carries the ports they bound
    /// (`peer_exchange::spawn_own_enr`).
    pub own_enr: OnceLock<Enr>,
    /// Behind a lock of its own so a peer-exchange answer never waits on the peer table.
    pub px_cache: Mutex<EnrCache>,
    pub tap: OnceLock<Tap>,
    seen: Mutex<SeenCache>,
}

pub(crate) fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A handler that panicked mid-update must not take the node down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    /// Takes in a new message from lightpush or relay: store it (committed before we answer),
    /// push it to filter subscribers, and — for lightpush — publish it to the relay mesh.
    pub async fn accept(
        &self,
        topic: &PubsubTopic,
        message: WakuMessage,
        origin: Origin,
    ) -> Accepted {
        let topic_str = topic.to_string();
        let hash = message.hash(&topic_str);
        if !lock(&self.seen).insert(hash) {
            return Accepted::Duplicate;
        }
        if let Some(tap) = self.tap.get()
            && tap.content_topics.contains(&message.content_topic)
        {
            let _ = tap.tx.try_send(message.clone());
        }
        let messages = self.messages.clone();
        let (t, m) = (topic_str.clone(), message.clone());
        let stored =
            tokio::task::spawn_blocking(move || lock(&messages).insert(&t, &m, &hash, now_ns()))
                .await;
        match stored {
            Ok(Ok(Ok(()))) => tracing::debug!(%hash, topic = %topic_str, "stored"),
            Ok(Ok(Err(skipped))) => tracing::info!(%hash, ?skipped, "not stored"),
            Ok(Err(e)) => tracing::error!(%hash, "store insert failed: {e}"),
            Err(e) => tracing::error!(%hash, "store task failed: {e}"),
        }
        let pushed = lock(&self.filter).dispatch(&topic_str, &message);
        self.stats
            .pushed
            .fetch_add(pushed as u64, Ordering::Relaxed);
        let relay_peers = match origin {
            Origin::Relay => {
                self.stats.relayed.fetch_add(1, Ordering::Relaxed);
                0
            }
            Origin::Lightpush => {
                self.stats.lightpushed.fetch_add(1, Ordering::Relaxed);
                let (reply, rx) = oneshot::channel();
                let data = prost::Message::encode_to_vec(&message);
                if self
                    .commands
                    .send(Command::Publish {
                        topic: topic_str,
                        data,
                        reply,
                    })
                    .is_err()
                {
                    0
                } else {
                    rx.await.unwrap_or(0)
                }
            }
        };
        Accepted::New { relay_peers }
    }

    /// Takes a rate-limit token for `peer` and for the IP address it connected from.
    pub fn allow(&self, proto: rate_limit::Limited, peer: PeerId) -> bool {
        let ip = lock(&self.peers)
            .get(&peer)
            .and_then(|p| p.addr.as_ref())
            .and_then(|a| self.config.connection_limits.ip_key(a));
        self.limiter
            .allow(proto, peer, ip, std::time::Instant::now())
    }

    pub fn peer_supports(&self, peer: &PeerId, protocol: &str) -> Option<bool> {
        lock(&self.peers)
            .get(peer)
            .and_then(|p| p.protocols.as_ref())
            .map(|ps| ps.iter().any(|x| x == protocol))
    }
}

/// A request must be answered within this time, or the stream is dropped.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Answers one inbound request frame; `None` closes the stream without an answer.
pub(crate) async fn dispatch(
    hub: &Hub,
    peer: PeerId,
    frame: hearth::net::rpc::Frame,
) -> Option<Vec<u8>> {
    use hearth::protocols as p;
    let body = frame.body;
    // A stream that closed before its request began is nothing to answer.
    if body == hearth::net::rpc::FrameBody::Empty {
        return None;
    }
    match frame.protocol.as_ref() {
        p::lightpush::PROTOCOL_V3 => lightpush::handle_v3(hub, peer, body).await,
        p::lightpush::PROTOCOL_V2 => lightpush::handle_v2(hub, peer, body).await,
        p::store::PROTOCOL => store::handle(hub, peer, body).await,
        p::filter::SUBSCRIBE_PROTOCOL => filter::handle(hub, peer, body),
        p::metadata::PROTOCOL => metadata::handle(hub, peer, body),
        p::peer_exchange::PROTOCOL => peer_exchange::handle(hub, peer, body),
        other => {
            tracing::warn!(protocol = other, "request on a protocol with no handler");
            None
        }
    }
}

/// The protocols served as one request, one response.
pub(crate) const SERVED: [&str; 6] = [
    hearth::protocols::lightpush::PROTOCOL_V3,
    hearth::protocols::lightpush::PROTOCOL_V2,
    hearth::protocols::store::PROTOCOL,
    hearth::protocols::filter::SUBSCRIBE_PROTOCOL,
    hearth::protocols::metadata::PROTOCOL,
    hearth::protocols::peer_exchange::PROTOCOL,
];

/// Starts the node and runs until the process is stopped.
pub async fn run(config: ServiceConfig) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    std::fs::create_dir_all(&config.data_dir)?;
    let keypair = swarm::load_or_create_key(&config.data_dir)?;
    let enr_key = peer_exchange::signing_key(&keypair)?;
    let messages = Arc::new(Mutex::new(
        MessageStore::open(&config.data_dir.join("store.sqlite3"))?
            .with_byte_cap(config.retention.max_bytes)?,
    ));
    let swarm = swarm::build(&config, keypair).await?;
    let (commands, command_rx) = mpsc::unbounded_channel();
    let streams = swarm.behaviour().stream.new_control();
    let peer_id = *swarm.local_peer_id();
    let mut px_cache = EnrCache::default();
    for enr in &config.peer_enrs {
        if enr.peer_id() == peer_id {
            tracing::warn!("--peer-enr names this node itself; not served");
        } else {
            px_cache.insert(enr.clone());
        }
    }
    let hub = Arc::new(Hub {
        peer_id,
        messages,
        filter: Mutex::new(FilterRegistry::new(
            config.filter_max_peers,
            config.filter_max_criteria,
            config.filter_max_criteria_total,
            config
                .shards
                .iter()
                .map(|s| PubsubTopic::new(config.cluster, *s)),
            Some(streams.clone()),
        )),
        limiter: RateLimiter::with_ip_factor(config.rate_limits.clone(), config.rate_ip_factor),
        commands,
        peers: Mutex::new(HashMap::new()),
        listen_addrs: Mutex::new(Vec::new()),
        stats: Stats::default(),
        streams,
        own_enr: OnceLock::new(),
        px_cache: Mutex::new(px_cache),
        tap: OnceLock::new(),
        seen: Mutex::new(SeenCache {
            set: HashSet::new(),
            order: VecDeque::new(),
        }),
        config,
    });

    filter::spawn_maintenance(hub.clone());
    peer_exchange::spawn_own_enr(hub.clone(), enr_key);
    store::spawn_retention(hub.clone());
    crate::community::control::spawn(
        hub.clone(),
        hub.config.data_dir.clone(),
        hub.config.control.clone(),
    );
    if let Some(addr) = hub.config.http {
        http::spawn(hub.clone(), addr).await?;
    }
    swarm::run(hub, swarm, command_rx).await;
    Ok(())
}
