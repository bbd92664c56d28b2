//! `LightClient`: lightpush, filter and store over a swarm it drives itself, for the browser and
//! native alike. The swarm runs in a background task; requests open their own streams through a
//! `libp2p_stream::Control`, so many can be in flight at once and each fails on its own.
//!
//! What it promises beyond the wire protocols: two peers for every push and subscription,
//! failover to the next peer on a transient error, backoff from peers that rate-limit or fail,
//! and no silent gaps in a subscription (a store query refills what a lost filter peer may
//! have missed, before live messages resume).

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
    book: Mutex<PeerBook>,
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
        let (mut swarm, inbound) =
            transport::build_swarm(key).map_err(|e| ClientError::Start(e.to_string()))?;
        let control = swarm.behaviour().stream.new_control();
        let (commands, command_rx) = mpsc::unbounded();
        let shared = Arc::new(Shared {
            local_peer: *swarm.local_peer_id(),
            book: Mutex::new(PeerBook::with_capacity(config.max_book_peers)),
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
    /// best store peer; on an error or timeout the same page is asked of the next one. Dropping
    /// the stream cancels the request in flight.
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

/// Follows a store peer's cursors with a bound: each cursor at most once, at most `max_pages`
/// pages.
struct CursorWalk {
    seen: HashSet<MessageHash>,
    pages: usize,
    max_pages: usize,
}

impl CursorWalk {
    fn new(max_pages: usize) -> Self {
        Self {
            seen: HashSet::new(),
            pages: 0,
            max_pages: max_pages.max(1),
        }
    }

    /// The query for the page after `page`, `None` after the last page, or why the walk stops.
    fn next(
        &mut self,
        peer: PeerId,
        query: &store::StoreQuery,
        page: &store::StorePage,
    ) -> Result<Option<store::StoreQuery>, ClientError> {
        self.pages += 1;
        let Some(cursor) = page.cursor else {
            return Ok(None);
        };
        if !self.seen.insert(cursor) || query.cursor == Some(cursor) {
            return Err(ClientError::AllFailed(vec![RequestError::new(
                peer,
                store::PROTOCOL,
                Cause::Malformed(format!("cursor {cursor} handed out twice")),
            )]));
        }
        if self.pages >= self.max_pages {
            return Err(ClientError::Invalid(format!(
                "query stopped after {} pages (ClientConfig::max_query_pages)",
                self.pages
            )));
        }
        Ok(Some(store::StoreQuery {
            cursor: Some(cursor),
            ..query.clone()
        }))
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

async fn push_one(
    shared: &Shared,
    peer: PeerId,
    topic: &str,
    message: &WakuMessage,
) -> Result<lightpush::Accepted, RequestError> {
    let id = runtime::request_id();
    let deadline = shared.config.request_timeout;
    let v3 = lightpush::encode_request_v3(&id, topic, message);
    let supports_v3 = lock(&shared.book)
        .get(&peer)
        .and_then(|r| r.supports(lightpush::PROTOCOL_V3));
    if supports_v3 != Some(false) {
        match shared
            .ask(peer, lightpush::PROTOCOL_V3, &v3, deadline)
            .await
        {
            Ok(bytes) => {
                return lightpush::decode_response_v3(&bytes, &id)
                    .map_err(|c| RequestError::new(peer, lightpush::PROTOCOL_V3, c));
            }
            Err(e) if e.cause != Cause::Unsupported => return Err(e),
            Err(_) => {}
        }
    }
    let v2 = lightpush::encode_request_v2(&id, topic, message);
    let bytes = shared
        .ask(peer, lightpush::PROTOCOL_V2, &v2, deadline)
        .await?;
    lightpush::decode_response_v2(&bytes, &id)
        .map_err(|c| RequestError::new(peer, lightpush::PROTOCOL_V2, c))
}

/// One page from the best store peer that answers; the peer is returned with it.
async fn query_page(
    shared: &Shared,
    query: &store::StoreQuery,
) -> Result<(PeerId, store::StorePage), ClientError> {
    if let Err(c) = query.validate() {
        return Err(ClientError::Invalid(c.to_string()));
    }
    let shard = query
        .pubsub_topic
        .as_deref()
        .and_then(|t| t.parse::<PubsubTopic>().ok())
        .map(|t| t.shard);
    let peers = shared.candidates(store::PROTOCOL, shard);
    if peers.is_empty() {
        return Err(ClientError::NoPeers {
            protocol: store::PROTOCOL,
        });
    }
    let mut errors = Vec::new();
    for peer in peers.into_iter().take(MAX_ATTEMPTS) {
        let id = runtime::request_id();
        let out = match shared
            .ask(
                peer,
                store::PROTOCOL,
                &query.encode_request(&id),
                shared.config.store_timeout,
            )
            .await
        {
            Ok(bytes) => store::decode_response(&bytes, &id)
                .map_err(|c| RequestError::new(peer, store::PROTOCOL, c)),
            Err(e) => Err(e),
        };
        match out {
            Ok(mut page) => {
                // nwaku sends every page oldest first, even when walking backwards; a newest-first
                // query should read newest first all the way through.
                if !query.forward {
                    page.messages.reverse();
                }
                return Ok((peer, page));
            }
            Err(e) => {
                let transient = e.cause.is_transient();
                errors.push(e);
                if !transient {
                    break;
                }
            }
        }
    }
    Err(ClientError::AllFailed(errors))
}

/// A live subscription: a stream of messages; dropping it unsubscribes from every peer.
///
/// Bounded: at most [`ClientConfig::subscription_queue`] messages wait for the app. When the
/// queue is full, the newest messages are dropped (not the oldest: what the app has not read
/// yet stays in order) and counted in [`Subscription::dropped`]; the store still holds them,
/// so an app that sees the count grow queries the gap.
pub struct Subscription {
    messages: mpsc::Receiver<Received>,
    peers: mpsc::UnboundedReceiver<Vec<PeerId>>,
    current_peers: Vec<PeerId>,
    dropped: Arc<AtomicU64>,
    _cancel: oneshot::Sender<()>,
}

impl Subscription {
    /// Messages dropped because the app did not read fast enough.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The filter peers held right now.
    pub fn peers(&mut self) -> &[PeerId] {
        while let Ok(p) = self.peers.try_recv() {
            self.current_peers = p;
        }
        &self.current_peers
    }
}

impl Stream for Subscription {
    type Item = Received;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Received>> {
        self.messages.poll_next_unpin(cx)
    }
}

/// Remembers the last `cap` hashes.
struct Dedup {
    set: HashSet<MessageHash>,
    order: VecDeque<MessageHash>,
    cap: usize,
}

impl Dedup {
    fn new(cap: usize) -> Self {
        Self {
            set: HashSet::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    /// True the first time a hash is seen.
    fn insert(&mut self, hash: MessageHash) -> bool {
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > self.cap
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// A subscribed peer and when we last knew it was delivering.
struct Held {
    last_good: runtime::SystemTime,
}

struct FilterTask {
    shared: Arc<Shared>,
    id: u64,
    pubsub_topic: String,
    content_topics: Vec<String>,
    shard: Option<u16>,
    peers: HashMap<PeerId, Held>,
    seen: Dedup,
    last_error: Option<RequestError>,
    /// Told the peer set each time it changes (read by [`Subscription::peers`]).
    peers_out: Option<mpsc::UnboundedSender<Vec<PeerId>>>,
    /// Shared with [`Subscription::dropped`].
    dropped: Arc<AtomicU64>,
}

impl FilterTask {
    async fn control(&self, peer: PeerId, kind: filter::Request) -> Result<(), RequestError> {
        let topics: Vec<&[String]> = if kind == filter::Request::Ping {
            vec![&[]]
        } else {
            self.content_topics
                .chunks(filter::MAX_CONTENT_TOPICS_PER_REQUEST)
                .collect()
        };
        for batch in topics {
            let id = runtime::request_id();
            let topic = (kind != filter::Request::Ping).then_some(self.pubsub_topic.as_str());
            let body = filter::encode_request(kind, &id, topic, batch);
            let bytes = self
                .shared
                .ask(
                    peer,
                    filter::SUBSCRIBE_PROTOCOL,
                    &body,
                    self.shared.config.request_timeout,
                )
                .await?;
            filter::decode_response(&bytes, &id)
                .map_err(|c| RequestError::new(peer, filter::SUBSCRIBE_PROTOCOL, c))?;
        }
        Ok(())
    }

    fn publish_peers(&self) {
        if let Some(out) = &self.peers_out {
            let mut peers: Vec<PeerId> = self.peers.keys().copied().collect();
            peers.sort();
            let _ = out.unbounded_send(peers);
        }
    }

    /// Subscribes with new peers until enough are held. Returns whether any was added.
    async fn top_up(&mut self) -> bool {
        let wanted = self.shared.config.filter_peers.max(1);
        if self.peers.len() >= wanted {
            return false;
        }
        let mut added = false;
        let candidates = self
            .shared
            .candidates(filter::SUBSCRIBE_PROTOCOL, self.shard);
        for peer in candidates {
            if self.peers.len() >= wanted {
                break;
            }
            if self.peers.contains_key(&peer) {
                continue;
            }
            match self.control(peer, filter::Request::Subscribe).await {
                Ok(()) => {
                    tracing::debug!(%peer, topic = %self.pubsub_topic, "filter subscribed");
                    self.peers.insert(
                        peer,
                        Held {
                            last_good: runtime::SystemTime::now(),
                        },
                    );
                    added = true;
                    self.publish_peers();
                }
                Err(e) => {
                    tracing::debug!("filter subscribe failed: {e}");
                    self.last_error = Some(e);
                }
            }
        }
        added
    }

    /// Whether a message is one this subscription asked for.
    fn wants(&self, topic: &str, message: &WakuMessage) -> bool {
        topic == self.pubsub_topic && self.content_topics.contains(&message.content_topic)
    }

    fn deliver(
        &mut self,
        out: &mut mpsc::Sender<Received>,
        topic: String,
        message: WakuMessage,
        origin: Origin,
    ) {
        if !self.wants(&topic, &message) {
            tracing::debug!(?origin, topic, "message for another subscription dropped");
            return;
        }
        let hash = message.hash(&topic);
        if self.seen.insert(hash) {
            let received = Received {
                pubsub_topic: topic,
                message,
                hash,
                origin,
            };
            if let Err(e) = out.try_send(received)
                && e.is_full()
            {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// A peer is gone: replace it, then ask a store node for everything since it was last
    /// known good, delivered (deduplicated) before any live message that arrived meanwhile.
    /// The refill is bounded ([`ClientConfig::refill_max_pages`] per batch, a repeated cursor
    /// ends it, [`ClientConfig::refill_timeout`] in all), so a hostile store node delays live
    /// delivery by at most that long; what it sends is kept only if this subscription asked
    /// for it.
    async fn on_lost(&mut self, peer: PeerId, out: &mut mpsc::Sender<Received>) {
        let Some(held) = self.peers.remove(&peer) else {
            return;
        };
        self.publish_peers();
        tracing::debug!(%peer, "filter peer lost; refilling from store");
        self.top_up().await;
        let since = held
            .last_good
            .checked_sub(REFILL_MARGIN)
            .unwrap_or(held.last_good);
        let since_ns = since
            .duration_since(runtime::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let batches: Vec<Vec<String>> = self
            .content_topics
            .chunks(store::MAX_CONTENT_TOPICS)
            .map(<[String]>::to_vec)
            .collect();
        let deadline = self.shared.config.refill_timeout;
        let refill = async {
            for topics in batches {
                let query = store::StoreQuery::topics(self.pubsub_topic.clone(), topics)
                    .time_range(Some(since_ns), None)
                    .forward(true)
                    .page_size(store::MAX_PAGE_SIZE);
                let mut walk = CursorWalk::new(self.shared.config.refill_max_pages);
                let mut q = Some(query);
                while let Some(query) = q.take() {
                    match query_page(&self.shared, &query).await {
                        Ok((from, page)) => {
                            q = match walk.next(from, &query, &page) {
                                Ok(next) => next,
                                Err(e) => {
                                    tracing::warn!("refill after losing {peer} stopped: {e}");
                                    None
                                }
                            };
                            for m in page.messages {
                                if let Some(msg) = m.message {
                                    let topic =
                                        m.pubsub_topic.unwrap_or_else(|| self.pubsub_topic.clone());
                                    self.deliver(out, topic, msg, Origin::Store(from));
                                }
                            }
                        }
                        Err(e) => {
                            tracing::warn!("refill after losing {peer} failed: {e}");
                        }
                    }
                }
            }
        };
        if runtime::timeout(deadline, refill).await.is_none() {
            tracing::warn!("refill after losing {peer} timed out");
        }
    }

    async fn run(
        mut self,
        mut pushes: mpsc::Receiver<(PeerId, String, WakuMessage)>,
        mut peer_events: mpsc::UnboundedReceiver<PeerEvent>,
        mut out: mpsc::Sender<Received>,
        cancel: oneshot::Receiver<()>,
    ) {
        let mut cancel = cancel.fuse();
        let mut ping_at = Instant::now() + self.shared.config.filter_ping_interval;
        // One timer across iterations: a steady flow of pushes must not keep postponing pings.
        let mut tick = Box::pin(runtime::sleep(TOP_UP_INTERVAL).fuse());
        loop {
            futures::select_biased! {
                _ = cancel => break,
                push = pushes.next() => match push {
                    Some((peer, topic, message)) => {
                        // Only the peers we subscribed with may push to us.
                        let Some(h) = self.peers.get_mut(&peer) else {
                            tracing::debug!(%peer, "push from a peer we hold no subscription with dropped");
                            continue;
                        };
                        h.last_good = runtime::SystemTime::now();
                        self.deliver(&mut out, topic, message, Origin::Filter(peer));
                    }
                    None => break,
                },
                event = peer_events.next() => match event {
                    Some(PeerEvent::Disconnected(peer)) => self.on_lost(peer, &mut out).await,
                    Some(PeerEvent::Connected) => { self.top_up().await; }
                    None => break,
                },
                () = tick => {
                    tick.set(runtime::sleep(TOP_UP_INTERVAL).fuse());
                    if Instant::now() >= ping_at {
                        ping_at = Instant::now() + self.shared.config.filter_ping_interval;
                        let peers: Vec<PeerId> = self.peers.keys().copied().collect();
                        for peer in peers {
                            match self.control(peer, filter::Request::Ping).await {
                                Ok(()) => {
                                    if let Some(h) = self.peers.get_mut(&peer) {
                                        h.last_good = runtime::SystemTime::now();
                                    }
                                }
                                Err(e) => {
                                    tracing::debug!("filter ping failed: {e}");
                                    self.on_lost(peer, &mut out).await;
                                }
                            }
                        }
                    }
                    self.top_up().await;
                },
            }
        }
        lock(&self.shared.filters).remove(&self.id);
        let peers: Vec<PeerId> = self.peers.keys().copied().collect();
        for peer in peers {
            let _ = self.control(peer, filter::Request::Unsubscribe).await;
        }
    }
}

fn dial(swarm: &mut libp2p::Swarm<Behaviour>, shared: &Shared, peer: PeerId) {
    let addrs: Vec<Multiaddr> = lock(&shared.book)
        .get(&peer)
        .map(|r| {
            r.addrs
                .iter()
                .filter(|a| Shared::dialable(a))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if addrs.is_empty() {
        return;
    }
    let opts = DialOpts::peer_id(peer)
        .addresses(addrs)
        .condition(PeerCondition::DisconnectedAndNotDialing)
        .build();
    if let Err(e) = swarm.dial(opts) {
        tracing::debug!(%peer, "dial: {e}");
    }
}

/// Kept peers (bootstrap and store) are redialed after a backoff when they drop or fail.
fn schedule_redial(shared: &Arc<Shared>, peer: PeerId) {
    let wait = {
        let mut book = lock(&shared.book);
        let kept = book.get(&peer).is_some_and(|r| {
            r.sources.contains(&Source::Bootstrap) || r.sources.contains(&Source::Store)
        });
        if !kept || !lock(&shared.redialing).insert(peer) {
            return;
        }
        book.on_failure(&peer, Instant::now())
    };
    let commands = shared.commands.clone();
    runtime::spawn(async move {
        runtime::sleep(wait).await;
        let _ = commands.unbounded_send(Command::Redial(peer));
    });
}

async fn drive(
    mut swarm: libp2p::Swarm<Behaviour>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    shared: std::sync::Weak<Shared>,
) {
    loop {
        let event = futures::select! {
            cmd = commands.next() => match cmd {
                Some(c) => Ok(c),
                None => return,
            },
            ev = swarm.select_next_some() => Err(ev),
        };
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match event {
            Ok(Command::Redial(peer)) => {
                lock(&shared.redialing).remove(&peer);
                dial(&mut swarm, &shared, peer)
            }
            Ok(Command::AddPeer(peer, addr, source)) => {
                lock(&shared.book).add(peer, addr.clone(), source);
                swarm.add_peer_address(peer, addr);
                dial(&mut swarm, &shared, peer);
            }
            Err(SwarmEvent::ConnectionEstablished {
                peer_id, endpoint, ..
            }) => {
                tracing::debug!(peer = %peer_id, addr = %endpoint.get_remote_address(), "connected");
                lock(&shared.book).on_connected(peer_id, endpoint.get_remote_address());
                shared.broadcast_peer(PeerEvent::Connected);
                shared.broadcast_health();
                runtime::spawn(ask_metadata(std::sync::Arc::downgrade(&shared), peer_id));
            }
            Err(SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                cause,
                ..
            }) => {
                tracing::debug!(peer = %peer_id, ?cause, "disconnected");
                lock(&shared.book).on_disconnected(&peer_id);
                shared.broadcast_peer(PeerEvent::Disconnected(peer_id));
                shared.broadcast_health();
                schedule_redial(&shared, peer_id);
            }
            Err(SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer),
                error,
                ..
            }) => {
                tracing::debug!(%peer, "dial failed: {error}");
                let connected = lock(&shared.book)
                    .get(&peer)
                    .is_some_and(|r| r.connected.is_some());
                if !connected {
                    schedule_redial(&shared, peer);
                }
            }
            Err(SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            }))) => {
                lock(&shared.book)
                    .on_identified(&peer_id, info.protocols.iter().map(|p| p.to_string()));
                shared.broadcast_health();
            }
            Err(_) => {}
        }
    }
}

/// nwaku asks every peer that connects for its cluster and drops those that do not answer.
async fn answer_metadata(
    mut incoming: mpsc::UnboundedReceiver<super::inbound::Incoming>,
    cluster: u16,
    shards: Vec<u16>,
) {
    let answer = metadata::encode_response(cluster, &shards);
    while let Some((peer, mut stream)) = incoming.next().await {
        let answer = answer.clone();
        runtime::spawn(async move {
            let exchange = async {
                read_frame(&mut stream, metadata::MAX_FRAME).await.ok()?;
                write_frame(&mut stream, &answer).await.ok()?;
                futures::AsyncWriteExt::close(&mut stream).await.ok()
            };
            if runtime::timeout(Duration::from_secs(10), exchange)
                .await
                .flatten()
                .is_none()
            {
                tracing::debug!(%peer, "metadata question not answered");
            }
        });
    }
}

/// Each filter peer opens one push stream and keeps it; every frame on it is one message.
async fn read_pushes(
    mut incoming: mpsc::UnboundedReceiver<super::inbound::Incoming>,
    shared: std::sync::Weak<Shared>,
) {
    while let Some((peer, mut stream)) = incoming.next().await {
        let shared = shared.clone();
        runtime::spawn(async move {
            loop {
                let frame = match read_frame(&mut stream, filter::MAX_PUSH_FRAME).await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!(%peer, "push stream: {e}");
                        break;
                    }
                };
                let Some(shared) = shared.upgrade() else {
                    break;
                };
                let limits = MessageLimits {
                    max_size: shared.config.max_message_size,
                };
                match filter::decode_push(&frame, limits) {
                    Ok((topic, message)) => shared.dispatch_push(peer, topic, message),
                    Err(e) => tracing::debug!(%peer, "push dropped: {e}"),
                }
            }
        });
    }
}

/// Asks a new peer for its cluster and shards, as nwaku and js-waku do, so that peer choice can
/// leave out a node of another cluster. A peer that does not answer is kept (not every service
/// node serves metadata) and learned about through identify instead.
async fn ask_metadata(shared: std::sync::Weak<Shared>, peer: PeerId) {
    let Some(strong) = shared.upgrade() else {
        return;
    };
    let body = metadata::encode_request(strong.config.cluster, &strong.config.shards);
    let mut control = strong.control();
    let deadline = strong.config.request_timeout;
    drop(strong);
    let answer = request(&mut control, peer, metadata::PROTOCOL, &body, deadline).await;
    let Some(shared) = shared.upgrade() else {
        return;
    };
    match answer.map(|b| metadata::decode_response(&b)) {
        Ok(Ok((cluster, shards))) => {
            if cluster != shared.config.cluster {
                tracing::info!(%peer, cluster, "peer serves another cluster; not using it");
            }
            lock(&shared.book).set_shards(&peer, cluster, shards);
        }
        Ok(Err(e)) => tracing::debug!(%peer, "metadata answer: {e}"),
        Err(e) => tracing::debug!("{e}"),
    }
}

fn add_enr(shared: &Shared, enr: &Enr, source: Source) -> Result<usize, ClientError> {
    let peer = enr.peer_id();
    if peer == shared.local_peer {
        return Ok(0);
    }
    let addrs: Vec<Multiaddr> = enr
        .dialable_multiaddrs()
        .into_iter()
        .filter_map(|a| split_peer(&a).map(|(_, bare)| bare))
        .filter(Shared::dialable)
        .collect();
    if addrs.is_empty() {
        return Ok(0);
    }
    // Into the book first, with the shards the record announces; the network task then gives
    // the swarm the addresses and dials.
    {
        let mut book = lock(&shared.book);
        for addr in &addrs {
            book.add(peer, addr.clone(), source);
        }
        if let Ok(Some(rs)) = enr.relay_shards() {
            book.set_shards(&peer, rs.cluster, rs.shards);
        }
    }
    let n = addrs.len();
    for addr in addrs {
        shared
            .commands
            .unbounded_send(Command::AddPeer(peer, addr, source))
            .map_err(|_| ClientError::Start("the network task has stopped".into()))?;
    }
    Ok(n)
}

async fn peer_exchange_once(shared: &Shared, want: u64) -> Result<usize, ClientError> {
    let peers = shared.candidates(peer_exchange::PROTOCOL, None);
    if peers.is_empty() {
        return Err(ClientError::NoPeers {
            protocol: peer_exchange::PROTOCOL,
        });
    }
    let mut errors = Vec::new();
    for peer in peers.into_iter().take(MAX_ATTEMPTS) {
        let out = match shared
            .ask(
                peer,
                peer_exchange::PROTOCOL,
                &peer_exchange::encode_request(want),
                shared.config.request_timeout,
            )
            .await
        {
            Ok(bytes) => peer_exchange::decode_response(&bytes)
                .map_err(|c| RequestError::new(peer, peer_exchange::PROTOCOL, c)),
            Err(e) => Err(e),
        };
        match out {
            Ok((enrs, bad)) => {
                if bad > 0 {
                    tracing::debug!(%peer, bad, "peer exchange: records that do not verify");
                }
                let mut usable = 0;
                for enr in &enrs {
                    usable += usize::from(add_enr(shared, enr, Source::PeerExchange)? > 0);
                }
                return Ok(usable);
            }
            Err(e) => errors.push(e),
        }
    }
    Err(ClientError::AllFailed(errors))
}

/// While the client holds fewer service peers than it wants (two for lightpush, two for filter,
/// one more for store), it asks for more by peer exchange now and then.
async fn keep_discovering(shared: std::sync::Weak<Shared>) {
    runtime::sleep(Duration::from_secs(2)).await;
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        let wanted = strong.config.lightpush_peers + strong.config.filter_peers + 1;
        if lock(&strong.book).health(&[]).connected < wanted
            && let Err(e) = peer_exchange_once(&strong, 2 * wanted as u64).await
        {
            tracing::debug!("peer exchange: {e}");
        }
        drop(strong);
        runtime::sleep(PEER_EXCHANGE_INTERVAL).await;
    }
}
