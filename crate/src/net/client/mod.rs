//! `LightClient`: lightpush, filter and store over a swarm it drives itself, for the browser and
//! native alike. The swarm runs in a background task; requests open their own streams through a
//! `libp2p_stream::Control`, so many can be in flight at once and each fails on its own.
//!
//! What it promises beyond the wire protocols: two peers for every push and subscription,
//! failover to the next peer on a transient error, backoff from peers that rate-limit or fail,
//! and no silent gaps in a subscription (a store query refills what a lost filter peer may
//! have missed, before live messages resume).
//!
//! Laid out as rust-libp2p lays out a behaviour and its handler: this file is the API and the
//! state every part shares; `network` is the swarm task, `subscription` the filter task with
//! its refill, `push` and `query` the request paths with failover, `discovery` the peer
//! sources.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::channel::{mpsc, oneshot};
use futures::{FutureExt, Stream, StreamExt};
use libp2p::swarm::SwarmEvent;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::{Multiaddr, PeerId, identify};

use super::codec::{read_frame, write_frame};
use super::config::ClientConfig;
use super::peers::{Health, PeerBook, Source, Transport, split_peer};
use super::request::{Cause, RequestError, request};
use super::runtime::{self, Instant};
use super::transport::{self, Behaviour, BehaviourEvent};
use crate::protocols::{filter, lightpush, metadata, peer_exchange, store};
use crate::waku::dns_discovery;
use crate::waku::enr::Enr;
use crate::waku::{MessageHash, MessageLimits, PubsubTopic, WakuMessage};

mod discovery;
mod network;
mod push;
mod query;
mod subscription;

use self::discovery::{add_enr, keep_discovering, peer_exchange_once};
use self::network::{answer_metadata, dial, drive, read_pushes};
use self::push::push_one;
use self::query::{CursorWalk, query_page};
pub use self::subscription::Subscription;
use self::subscription::{Dedup, FilterTask};

/// The protocols whose peer counts health reports.
pub const SERVICE_PROTOCOLS: [&str; 4] = [
    lightpush::PROTOCOL_V3,
    filter::SUBSCRIBE_PROTOCOL,
    store::PROTOCOL,
    crate::protocols::peer_exchange::PROTOCOL,
];
/// How many peers a failing request is tried on before giving up.
pub const MAX_ATTEMPTS: usize = 4;
/// Hashes a subscription remembers to drop duplicates from its two peers and from refills.
pub const DEDUP_WINDOW: usize = 10_000;
/// A refill starts this long before the lost peer was last known good: nodes accept messages
/// stamped up to 20 s off their clock (nwaku `MaxMessageTimestampVariance`).
pub const REFILL_MARGIN: Duration = Duration::from_secs(20);
/// How often a subscription checks that it holds enough peers.
const TOP_UP_INTERVAL: Duration = Duration::from_secs(5);

/// Why a client call failed as a whole. Each `RequestError` names the peer, protocol and cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("no peer offers {protocol}")]
    NoPeers { protocol: &'static str },
    #[error("{} peer(s) failed: {}", .0.len(), join(.0))]
    AllFailed(Vec<RequestError>),
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("could not start the network: {0}")]
    Start(String),
    #[error("DNS discovery: {0}")]
    Discovery(String),
}

fn join(errors: &[RequestError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where a received message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Filter(PeerId),
    /// Refilled from a store node after a filter peer was lost.
    Store(PeerId),
}

/// One message from a subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub pubsub_topic: String,
    pub message: WakuMessage,
    pub hash: MessageHash,
    pub origin: Origin,
}

/// The outcome of a lightpush: who took it, and who refused and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushReport {
    pub hash: MessageHash,
    pub accepted: Vec<(PeerId, lightpush::Accepted)>,
    pub failed: Vec<RequestError>,
}

#[derive(Debug, Clone)]
enum PeerEvent {
    Connected,
    Disconnected(PeerId),
}

enum Command {
    Redial(PeerId),
    AddPeer(PeerId, Multiaddr, Source),
}

/// Health updates waiting for a reader of [`LightClient::health`].
const HEALTH_QUEUE: usize = 16;

/// Nodes taken from each DNS tree at start: enough to choose from, few enough to dial.
pub const DNS_DISCOVERY_LIMIT: usize = 10;
/// How often the client asks for more peers by peer exchange while it has fewer than it wants.
pub const PEER_EXCHANGE_INTERVAL: Duration = Duration::from_secs(60);

/// Pushes waiting for a subscription's task, per subscription; beyond this they are dropped and
/// counted with the app's queue ([`Subscription::dropped`]).
const PUSH_QUEUE: usize = 256;

struct FilterEntry {
    pubsub_topic: String,
    content_topics: HashSet<String>,
    tx: mpsc::Sender<(PeerId, String, WakuMessage)>,
    dropped: Arc<AtomicU64>,
}

struct Shared {
    config: ClientConfig,
    local_peer: PeerId,
    /// Shared with the swarm's [`transport::Addresses`], which dials from it.
    book: Arc<Mutex<PeerBook>>,
    control: Mutex<libp2p_stream::Control>,
    commands: mpsc::UnboundedSender<Command>,
    filters: Mutex<HashMap<u64, FilterEntry>>,
    next_filter: Mutex<u64>,
    peer_watchers: Mutex<Vec<mpsc::UnboundedSender<PeerEvent>>>,
    health_watchers: Mutex<Vec<mpsc::Sender<Health>>>,
    /// Kept peers with a redial already scheduled: one timer per peer, however often it fails.
    redialing: Mutex<HashSet<PeerId>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the client down with it: the data stays usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn control(&self) -> libp2p_stream::Control {
        lock(&self.control).clone()
    }

    fn dialable(addr: &Multiaddr) -> bool {
        if cfg!(target_arch = "wasm32") {
            Transport::of(addr).browser_dialable()
        } else {
            Transport::of(addr) != Transport::WebRtcDirect
        }
    }

    fn candidates(&self, protocol: &str, shard: Option<u16>) -> Vec<PeerId> {
        lock(&self.book).candidates(
            protocol,
            self.config.cluster,
            shard,
            Instant::now(),
            Self::dialable,
        )
    }

    fn note(&self, peer: &PeerId, result: &Result<(), &Cause>, rtt: Duration) {
        let mut book = lock(&self.book);
        match result {
            Ok(()) => book.on_success(peer, rtt),
            Err(c) if c.is_rate_limited() => book.on_rate_limited(peer, Instant::now()),
            Err(Cause::Unsupported) => {}
            Err(_) => {
                book.on_failure(peer, Instant::now());
            }
        }
    }

    /// One request with bookkeeping: success and failure shape later peer choices.
    async fn ask(
        &self,
        peer: PeerId,
        protocol: &'static str,
        body: &[u8],
        deadline: Duration,
    ) -> Result<Vec<u8>, RequestError> {
        let started = Instant::now();
        let mut control = self.control();
        let out = request(&mut control, peer, protocol, body, deadline).await;
        self.note(
            &peer,
            &out.as_ref().map(|_| ()).map_err(|e| &e.cause),
            started.elapsed(),
        );
        out
    }

    fn broadcast_health(&self) {
        let health = lock(&self.book).health(&SERVICE_PROTOCOLS);
        // A watcher that does not read misses updates (each is a full snapshot, so the next one
        // it reads is current); one that is gone is forgotten.
        lock(&self.health_watchers).retain_mut(|w| match w.try_send(health.clone()) {
            Ok(()) => true,
            Err(e) => e.is_full(),
        });
    }

    fn broadcast_peer(&self, event: PeerEvent) {
        lock(&self.peer_watchers).retain(|w| w.unbounded_send(event.clone()).is_ok());
    }

    /// Hands a pushed message to the subscriptions it is for; a message no subscription asked
    /// for is dropped here (which peers may push is checked by each subscription's task).
    fn dispatch_push(&self, peer: PeerId, topic: String, message: WakuMessage) {
        let mut filters = lock(&self.filters);
        let mut wanted = false;
        for entry in filters.values_mut() {
            if entry.pubsub_topic == topic && entry.content_topics.contains(&message.content_topic)
            {
                wanted = true;
                if let Err(e) = entry.tx.try_send((peer, topic.clone(), message.clone()))
                    && e.is_full()
                {
                    entry.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        if !wanted {
            tracing::debug!(%peer, topic, content_topic = %message.content_topic, "push for no subscription dropped");
        }
    }
}

/// A Waku light client. Cheap to clone; the network stops when the last clone is dropped... and
/// the background tasks notice their channels closing.
#[derive(Clone)]
pub struct LightClient {
    shared: Arc<Shared>,
}

impl LightClient {
    /// Builds the swarm, starts it in the background and begins dialing the configured peers.
    /// Natively this must be called inside a tokio runtime.
    pub fn start(config: ClientConfig) -> Result<Self, ClientError> {
        let key = libp2p::identity::Keypair::generate_secp256k1();
        let book = Arc::new(Mutex::new(PeerBook::with_capacity(config.max_book_peers)));
        let (mut swarm, inbound) = transport::build_swarm(
            key,
            transport::Addresses::new(book.clone(), Shared::dialable),
        )
        .map_err(|e| ClientError::Start(e.to_string()))?;
        let control = swarm.behaviour().stream.new_control();
        let (commands, command_rx) = mpsc::unbounded();
        let shared = Arc::new(Shared {
            local_peer: *swarm.local_peer_id(),
            book,
            control: Mutex::new(control),
            commands,
            filters: Mutex::new(HashMap::new()),
            next_filter: Mutex::new(0),
            peer_watchers: Mutex::new(Vec::new()),
            health_watchers: Mutex::new(Vec::new()),
            redialing: Mutex::new(HashSet::new()),
            config,
        });
        let seeds: Vec<(Multiaddr, Source)> = shared
            .config
            .bootstrap
            .iter()
            .map(|a| (a.clone(), Source::Bootstrap))
            .chain(
                shared
                    .config
                    .store
                    .iter()
                    .map(|a| (a.clone(), Source::Store)),
            )
            .collect();
        for (addr, source) in seeds {
            let Some((peer, bare)) = split_peer(&addr) else {
                return Err(ClientError::Invalid(format!(
                    "{addr} does not end in /p2p/<peer id>"
                )));
            };
            lock(&shared.book).add(peer, bare.clone(), source);
            swarm.add_peer_address(peer, bare);
        }
        let peers: Vec<PeerId> = lock(&shared.book).iter().map(|r| r.peer).collect();
        for peer in peers {
            dial(&mut swarm, &shared, peer);
        }
        runtime::spawn(answer_metadata(
            inbound.metadata,
            shared.config.cluster,
            shared.config.shards.clone(),
        ));
        runtime::spawn(read_pushes(inbound.push, Arc::downgrade(&shared)));
        runtime::spawn(drive(swarm, command_rx, Arc::downgrade(&shared)));
        runtime::spawn(keep_discovering(Arc::downgrade(&shared)));
        let client = Self { shared };
        for tree in client.shared.config.enrtrees.clone() {
            let c = client.clone();
            runtime::spawn(async move {
                match c.discover_dns(&tree, DNS_DISCOVERY_LIMIT).await {
                    Ok(n) => tracing::info!(tree, n, "peers from DNS discovery"),
                    Err(e) => tracing::warn!(tree, "{e}"),
                }
            });
        }
        Ok(client)
    }

    /// Adds the peer a signed node record describes (found by DNS discovery or peer exchange),
    /// with the shards it announces, and dials it. Returns how many addresses were usable here.
    pub fn add_enr(&self, enr: &Enr, source: Source) -> Result<usize, ClientError> {
        add_enr(&self.shared, enr, source)
    }

    /// Finds peers in a DNS tree (EIP-1459: `enrtree://…`) and adds those that serve our
    /// cluster (or do not say). In the browser the lookups go over DNS-over-HTTPS; natively
    /// through the system's resolver. Returns how many were added.
    pub async fn discover_dns(&self, enrtree: &str, limit: usize) -> Result<usize, ClientError> {
        let url = dns_discovery::EnrTreeUrl::parse(enrtree)
            .map_err(|e| ClientError::Invalid(format!("{enrtree}: {e}")))?;
        #[cfg(target_arch = "wasm32")]
        let resolver = super::doh::DohResolver::default();
        #[cfg(not(target_arch = "wasm32"))]
        let resolver = super::doh::SystemResolver::system()
            .map_err(|e| ClientError::Start(format!("DNS resolver: {e}")))?;
        self.discover_with(&url, &resolver, limit).await
    }

    /// [`LightClient::discover_dns`] with a resolver of the caller's choosing (a fixed set of
    /// DoH endpoints, or a static map offline).
    pub async fn discover_with(
        &self,
        url: &dns_discovery::EnrTreeUrl,
        resolver: &impl dns_discovery::TxtResolver,
        limit: usize,
    ) -> Result<usize, ClientError> {
        let enrs = dns_discovery::discover(url, resolver, limit)
            .await
            .map_err(|e| ClientError::Discovery(e.to_string()))?;
        let mut added = 0;
        for enr in &enrs {
            let cluster_ok = match enr.relay_shards() {
                Ok(Some(rs)) => rs.cluster == self.shared.config.cluster,
                _ => true,
            };
            if cluster_ok {
                added += usize::from(add_enr(&self.shared, enr, Source::Enr)? > 0);
            }
        }
        Ok(added)
    }

    /// Asks connected peers for up to `want` more peers (peer exchange) and adds them. Returns
    /// how many records carried an address this client can dial.
    pub async fn peer_exchange(&self, want: u64) -> Result<usize, ClientError> {
        peer_exchange_once(&self.shared, want).await
    }

    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    pub fn local_peer_id(&self) -> PeerId {
        self.shared.local_peer
    }

    /// Adds a service peer (with `/p2p/<id>`) found later, e.g. by discovery, and dials it.
    pub fn add_peer(&self, addr: Multiaddr, source: Source) -> Result<(), ClientError> {
        let (peer, bare) = split_peer(&addr)
            .ok_or_else(|| ClientError::Invalid(format!("{addr} has no /p2p/<peer id>")))?;
        self.shared
            .commands
            .unbounded_send(Command::AddPeer(peer, bare, source))
            .map_err(|_| ClientError::Start("the network task has stopped".into()))
    }

    /// The peer book's view now.
    pub fn health_now(&self) -> Health {
        lock(&self.shared.book).health(&SERVICE_PROTOCOLS)
    }

    /// Every store node that answered a query, with its address and when (ms since the epoch).
    pub fn store_answers(&self) -> Vec<(PeerId, Option<Multiaddr>, u64)> {
        lock(&self.shared.book)
            .iter()
            .filter_map(|r| {
                r.last_store_answer_ms
                    .map(|at| (r.peer, r.addrs.first().cloned(), at))
            })
            .collect()
    }

    /// Health now and after every change: connected peers per protocol, transports in use.
    /// A reader that falls more than a few updates behind skips to a later one.
    pub fn health(&self) -> impl Stream<Item = Health> + use<> {
        let (mut tx, rx) = mpsc::channel(HEALTH_QUEUE);
        let _ = tx.try_send(self.health_now());
        lock(&self.shared.health_watchers).push(tx);
        rx
    }

    /// Waits until at least `n` connected peers are known to serve `protocol`.
    pub async fn wait_for_peers(
        &self,
        protocol: &str,
        n: usize,
        within: Duration,
    ) -> Result<(), ClientError> {
        let mut health = self.health();
        let enough = async {
            while let Some(h) = health.next().await {
                if h.protocols.iter().any(|(p, c)| p == protocol && *c >= n) {
                    return true;
                }
            }
            false
        };
        match runtime::timeout(within, enough).await {
            Some(true) => Ok(()),
            _ => Err(ClientError::NoPeers {
                protocol: static_protocol(protocol),
            }),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Lightpush

    /// Publishes `message` on `pubsub_topic` through [`ClientConfig::lightpush_peers`] peers at
    /// once (v3, or v2 for a peer without v3). A transient refusal moves on to the next peer.
    /// Succeeds when at least one peer took it.
    pub async fn push(
        &self,
        pubsub_topic: &str,
        message: &WakuMessage,
    ) -> Result<PushReport, ClientError> {
        message
            .validate(MessageLimits {
                max_size: self.shared.config.max_message_size,
            })
            .map_err(|e| ClientError::Invalid(e.to_string()))?;
        let shard = pubsub_topic.parse::<PubsubTopic>().ok().map(|t| t.shard);
        let hash = message.hash(pubsub_topic);
        let mut queue: VecDeque<PeerId> = self
            .shared
            .candidates(lightpush::PROTOCOL_V3, shard)
            .into_iter()
            .take(MAX_ATTEMPTS)
            .collect();
        if queue.is_empty() {
            return Err(ClientError::NoPeers {
                protocol: lightpush::PROTOCOL_V3,
            });
        }
        let wanted = self.shared.config.lightpush_peers.max(1);
        let mut report = PushReport {
            hash,
            accepted: Vec::new(),
            failed: Vec::new(),
        };
        let mut in_flight = futures::stream::FuturesUnordered::new();
        let start = |peer: PeerId| {
            let shared = self.shared.clone();
            let message = message.clone();
            let topic = pubsub_topic.to_string();
            async move { (peer, push_one(&shared, peer, &topic, &message).await) }
        };
        while in_flight.len() < wanted {
            match queue.pop_front() {
                Some(p) => in_flight.push(start(p)),
                None => break,
            }
        }
        while let Some((peer, out)) = in_flight.next().await {
            match out {
                Ok(accepted) => report.accepted.push((peer, accepted)),
                Err(e) => {
                    let retry = e.cause.is_transient();
                    report.failed.push(e);
                    if retry
                        && report.accepted.len() + in_flight.len() < wanted
                        && let Some(next) = queue.pop_front()
                    {
                        in_flight.push(start(next));
                    }
                }
            }
        }
        if report.accepted.is_empty() {
            Err(ClientError::AllFailed(report.failed))
        } else {
            Ok(report)
        }
    }

    // -----------------------------------------------------------------------------------------
    // Store

    /// Pages of `query`, following the cursor until the last page. Each page is asked of the
    /// best store peer; on an error or timeout the same page is asked of the next one, and an
    /// empty first page is asked of one more store peer before it is believed. Dropping the
    /// stream cancels the request in flight.
    ///
    /// Bounded: a cursor handed out twice ends the stream with an error naming the peer, and
    /// so does reaching [`ClientConfig::max_query_pages`].
    pub fn query(
        &self,
        query: store::StoreQuery,
    ) -> impl Stream<Item = Result<store::StorePage, ClientError>> + use<> {
        let shared = self.shared.clone();
        let walk = CursorWalk::new(shared.config.max_query_pages);
        futures::stream::unfold(Some((query, walk)), move |state| {
            let shared = shared.clone();
            async move {
                let (query, mut walk) = state?;
                match query_page(&shared, &query).await {
                    Ok((peer, page)) => match walk.next(peer, &query, &page) {
                        Ok(next) => Some((Ok(page), next.map(|q| (q, walk)))),
                        Err(e) => Some((Err(e), None)),
                    },
                    Err(e) => Some((Err(e), None)),
                }
            }
        })
    }

    /// Every message of `query`, all pages, in the order asked for.
    pub async fn query_all(
        &self,
        query: store::StoreQuery,
    ) -> Result<Vec<store::StoredMessage>, ClientError> {
        let mut out = Vec::new();
        let mut pages = std::pin::pin!(self.query(query));
        while let Some(page) = pages.next().await {
            out.extend(page?.messages);
        }
        Ok(out)
    }

    // -----------------------------------------------------------------------------------------
    // Filter

    /// Live messages on `pubsub_topic` for `content_topics`, held with
    /// [`ClientConfig::filter_peers`] peers, deduplicated by hash. Dropping the subscription
    /// unsubscribes.
    pub async fn subscribe(
        &self,
        pubsub_topic: &str,
        content_topics: Vec<String>,
    ) -> Result<Subscription, ClientError> {
        if content_topics.is_empty() {
            return Err(ClientError::Invalid("no content topics".into()));
        }
        let shard = pubsub_topic.parse::<PubsubTopic>().ok().map(|t| t.shard);
        let (push_tx, push_rx) = mpsc::channel(PUSH_QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let id = {
            let mut next = lock(&self.shared.next_filter);
            *next += 1;
            *next
        };
        lock(&self.shared.filters).insert(
            id,
            FilterEntry {
                pubsub_topic: pubsub_topic.into(),
                content_topics: content_topics.iter().cloned().collect(),
                tx: push_tx,
                dropped: dropped.clone(),
            },
        );
        let (peer_tx, peer_rx) = mpsc::unbounded();
        lock(&self.shared.peer_watchers).push(peer_tx);
        let mut task = FilterTask {
            shared: self.shared.clone(),
            id,
            pubsub_topic: pubsub_topic.into(),
            content_topics,
            shard,
            peers: HashMap::new(),
            seen: Dedup::new(DEDUP_WINDOW),
            last_error: None,
            peers_out: None,
            dropped: dropped.clone(),
        };
        // The first peers are subscribed before this returns, so the caller knows it is live.
        task.top_up().await;
        if task.peers.is_empty() {
            lock(&self.shared.filters).remove(&id);
            return Err(match task.last_error.take() {
                Some(e) => ClientError::AllFailed(vec![e]),
                None => ClientError::NoPeers {
                    protocol: filter::SUBSCRIBE_PROTOCOL,
                },
            });
        }
        let (out_tx, out_rx) = mpsc::channel(self.shared.config.subscription_queue.max(1));
        let (cancel_tx, cancel_rx) = oneshot::channel();
        let (peers_tx, peers_rx) = mpsc::unbounded();
        task.peers_out = Some(peers_tx);
        task.publish_peers();
        runtime::spawn(task.run(push_rx, peer_rx, out_tx, cancel_rx));
        Ok(Subscription {
            messages: out_rx,
            peers: peers_rx,
            current_peers: Vec::new(),
            dropped,
            _cancel: cancel_tx,
        })
    }
}

fn static_protocol(p: &str) -> &'static str {
    SERVICE_PROTOCOLS
        .iter()
        .chain([lightpush::PROTOCOL_V2].iter())
        .find(|x| **x == p)
        .copied()
        .unwrap_or("service")
}
