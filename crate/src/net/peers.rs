//! The peer book: every service peer we know, how to reach it, what it serves, and how it has
//! treated us. Choosing peers well is most of what makes a light client reliable (js-waku's
//! users' third complaint), so the choice is explicit and testable here, apart from the swarm.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

use super::runtime::Instant;

/// First wait before redialing a peer or asking it again after a failure; doubles per failure.
pub const BACKOFF_START: Duration = Duration::from_secs(1);
/// Longest wait between attempts.
pub const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// How long a peer that rate-limited us (429) is left alone.
pub const RATE_LIMIT_BACKOFF: Duration = Duration::from_secs(30);

/// How a connection is carried, as the user would want to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    Tcp,
    WebSocket,
    SecureWebSocket,
    WebRtcDirect,
    Other,
}

impl Transport {
    pub fn of(addr: &Multiaddr) -> Self {
        let (mut t, mut tls) = (Self::Other, false);
        for p in addr.iter() {
            match p {
                Protocol::Tcp(_) if t == Self::Other => t = Self::Tcp,
                Protocol::Tls => tls = true,
                Protocol::Ws(_) if tls => t = Self::SecureWebSocket,
                Protocol::Ws(_) => t = Self::WebSocket,
                Protocol::Wss(_) => t = Self::SecureWebSocket,
                Protocol::WebRTCDirect => t = Self::WebRtcDirect,
                _ => {}
            }
        }
        t
    }

    /// Whether a browser can dial it at all.
    pub fn browser_dialable(self) -> bool {
        matches!(
            self,
            Self::WebSocket | Self::SecureWebSocket | Self::WebRtcDirect
        )
    }
}

/// Where a peer came from; bootstrap and store peers are kept and redialed, others are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Bootstrap,
    Store,
    Enr,
    PeerExchange,
}

#[derive(Debug, Clone)]
pub struct PeerRecord {
    pub peer: PeerId,
    pub addrs: Vec<Multiaddr>,
    pub sources: BTreeSet<Source>,
    /// Protocols from identify; empty until it arrives (then unknown, not "none").
    pub protocols: BTreeSet<String>,
    /// Shards from an ENR, when known; `None` means "assume it serves ours".
    pub shards: Option<(u16, Vec<u16>)>,
    /// The transport of the live connection, if any.
    pub connected: Option<Transport>,
    pub failures: u32,
    /// After a failure: asked again only when no rested peer is left.
    pub not_before: Option<Instant>,
    /// After a 429: not asked at all until then.
    pub rate_limited_until: Option<Instant>,
    /// Smoothed round trip of successful requests.
    pub rtt: Option<Duration>,
    /// When it last answered a store query (ms since the epoch): what settings and the
    /// connection indicator show as "which store node answers".
    pub last_store_answer_ms: Option<u64>,
}

impl PeerRecord {
    fn new(peer: PeerId) -> Self {
        Self {
            peer,
            addrs: Vec::new(),
            sources: BTreeSet::new(),
            protocols: BTreeSet::new(),
            shards: None,
            connected: None,
            failures: 0,
            not_before: None,
            rate_limited_until: None,
            rtt: None,
            last_store_answer_ms: None,
        }
    }

    /// `Some(true)` when identify listed the protocol, `None` before identify.
    pub fn supports(&self, protocol: &str) -> Option<bool> {
        if self.protocols.is_empty() {
            None
        } else {
            Some(self.protocols.contains(protocol))
        }
    }

    fn in_cluster(&self, cluster: u16) -> bool {
        self.shards.as_ref().is_none_or(|(c, _)| *c == cluster)
    }

    /// Known (from metadata or its ENR) not to serve `shard`.
    fn lacks_shard(&self, shard: Option<u16>) -> bool {
        match (&self.shards, shard) {
            (Some((_, shards)), Some(s)) => !shards.contains(&s),
            _ => false,
        }
    }

    fn resting(&self, now: Instant) -> bool {
        self.not_before.is_some_and(|t| now < t)
    }
}

/// Connected peers per protocol and the transports in use: what the app shows as "health".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    pub connected: usize,
    pub known: usize,
    /// (protocol, connected peers that serve it)
    pub protocols: Vec<(String, usize)>,
    pub transports: Vec<(Transport, usize)>,
    /// The store node that answered last, if any has.
    pub store: Option<StoreAnswer>,
}

/// A store node's latest answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreAnswer {
    pub peer: PeerId,
    /// The address it was reached at (the first known when not connected now).
    pub addr: Option<Multiaddr>,
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
}

/// Peers a book holds unless told otherwise: far more than a client ever needs to choose from
/// (DNS discovery takes 10 per tree, peer exchange asks for a handful), few enough that a
/// peer-exchange answer full of invented records cannot grow it much.
pub const MAX_BOOK_PEERS: usize = 200;
/// Addresses kept per peer: a node announces a few (tcp, ws, wss, webrtc-direct, v4 and v6).
pub const MAX_ADDRS_PER_PEER: usize = 8;

/// Every peer the client knows, bounded: when full, a new peer takes the place of a discovered
/// one that is neither connected nor configured (bootstrap or store); when every entry is
/// connected or configured, the new peer is not added.
#[derive(Debug)]
pub struct PeerBook {
    peers: HashMap<PeerId, PeerRecord>,
    cap: usize,
}

impl Default for PeerBook {
    fn default() -> Self {
        Self::with_capacity(MAX_BOOK_PEERS)
    }
}

/// The `/p2p/<id>` at the end of a multiaddr, and the address without it.
pub fn split_peer(addr: &Multiaddr) -> Option<(PeerId, Multiaddr)> {
    let mut addr = addr.clone();
    match addr.pop() {
        Some(Protocol::P2p(peer)) => Some((peer, addr)),
        _ => None,
    }
}

impl PeerBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// A book of at most `cap` peers (at least one).
    pub fn with_capacity(cap: usize) -> Self {
        Self {
            peers: HashMap::new(),
            cap: cap.max(1),
        }
    }

    /// Adds or merges a peer; returns whether the address was new. A new peer in a full book
    /// replaces the discovered, unconnected peer with the most failures, or is dropped.
    pub fn add(&mut self, peer: PeerId, addr: Multiaddr, source: Source) -> bool {
        if !self.peers.contains_key(&peer) && self.peers.len() >= self.cap {
            let configured = matches!(source, Source::Bootstrap | Source::Store);
            let victim = self
                .peers
                .values()
                .filter(|r| {
                    r.connected.is_none()
                        && !r.sources.contains(&Source::Bootstrap)
                        && !r.sources.contains(&Source::Store)
                })
                .max_by_key(|r| r.failures)
                .map(|r| r.peer);
            match victim {
                Some(v) => {
                    self.peers.remove(&v);
                }
                // Configured peers always get in; discovered ones wait for room.
                None if configured => {}
                None => return false,
            }
        }
        let rec = self
            .peers
            .entry(peer)
            .or_insert_with(|| PeerRecord::new(peer));
        rec.sources.insert(source);
        if rec.addrs.contains(&addr) || rec.addrs.len() >= MAX_ADDRS_PER_PEER {
            false
        } else {
            rec.addrs.push(addr);
            true
        }
    }

    pub fn len(&self) -> usize {
        self.peers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    pub fn set_shards(&mut self, peer: &PeerId, cluster: u16, shards: Vec<u16>) {
        if let Some(rec) = self.peers.get_mut(peer) {
            rec.shards = Some((cluster, shards));
        }
    }

    pub fn get(&self, peer: &PeerId) -> Option<&PeerRecord> {
        self.peers.get(peer)
    }

    pub fn iter(&self) -> impl Iterator<Item = &PeerRecord> {
        self.peers.values()
    }

    pub fn on_connected(&mut self, peer: PeerId, addr: &Multiaddr) {
        let rec = self
            .peers
            .entry(peer)
            .or_insert_with(|| PeerRecord::new(peer));
        rec.connected = Some(Transport::of(addr));
        rec.failures = 0;
        rec.not_before = None;
    }

    /// A store query was answered by `peer` at `at_ms` (ms since the epoch).
    pub fn on_store_answer(&mut self, peer: &PeerId, at_ms: u64) {
        if let Some(rec) = self.peers.get_mut(peer) {
            rec.last_store_answer_ms = Some(at_ms);
        }
    }

    pub fn on_disconnected(&mut self, peer: &PeerId) {
        if let Some(rec) = self.peers.get_mut(peer) {
            rec.connected = None;
        }
    }

    pub fn on_identified(&mut self, peer: &PeerId, protocols: impl IntoIterator<Item = String>) {
        if let Some(rec) = self.peers.get_mut(peer) {
            rec.protocols = protocols.into_iter().collect();
        }
    }

    /// A dial or request failed: wait longer before the next attempt.
    pub fn on_failure(&mut self, peer: &PeerId, now: Instant) -> Duration {
        let Some(rec) = self.peers.get_mut(peer) else {
            return BACKOFF_START;
        };
        rec.failures = rec.failures.saturating_add(1);
        let wait = BACKOFF_START
            .saturating_mul(1u32 << rec.failures.saturating_sub(1).min(6))
            .min(BACKOFF_MAX);
        rec.not_before = Some(now + wait);
        wait
    }

    pub fn on_rate_limited(&mut self, peer: &PeerId, now: Instant) {
        if let Some(rec) = self.peers.get_mut(peer) {
            rec.rate_limited_until = Some(now + RATE_LIMIT_BACKOFF);
        }
    }

    pub fn on_success(&mut self, peer: &PeerId, rtt: Duration) {
        if let Some(rec) = self.peers.get_mut(peer) {
            rec.failures = 0;
            rec.not_before = None;
            rec.rtt = Some(match rec.rtt {
                Some(old) => (old * 7 + rtt) / 8,
                None => rtt,
            });
        }
    }

    /// Peers to ask for `protocol` on `shard`, best first: those serving the shard before those
    /// known not to (asked last, so their refusal still reaches the caller), rested before those
    /// resting after a failure, connected before not, those identify says
    /// serve it before those not identified yet, fewer failures, then faster. Peers that identify
    /// says lack it, that serve another cluster, that rate-limited us recently, or that
    /// `dialable` refuses are left out.
    pub fn candidates(
        &self,
        protocol: &str,
        cluster: u16,
        shard: Option<u16>,
        now: Instant,
        dialable: impl Fn(&Multiaddr) -> bool,
    ) -> Vec<PeerId> {
        let mut list: Vec<&PeerRecord> = self
            .peers
            .values()
            .filter(|r| r.supports(protocol) != Some(false))
            .filter(|r| r.in_cluster(cluster))
            .filter(|r| r.rate_limited_until.is_none_or(|t| now >= t))
            .filter(|r| r.connected.is_some() || r.addrs.iter().any(&dialable))
            .collect();
        list.sort_by_key(|r| {
            (
                r.lacks_shard(shard),
                r.resting(now),
                r.connected.is_none(),
                r.supports(protocol).is_none(),
                // Store nodes keep history; prefer them for store even before identify.
                !(protocol == crate::protocols::store::PROTOCOL
                    && r.sources.contains(&Source::Store)),
                r.failures,
                r.rtt.unwrap_or(Duration::from_secs(3600)),
                r.peer,
            )
        });
        list.into_iter().map(|r| r.peer).collect()
    }

    pub fn health(&self, protocols: &[&str]) -> Health {
        let connected: Vec<&PeerRecord> = self
            .peers
            .values()
            .filter(|r| r.connected.is_some())
            .collect();
        let mut transports: Vec<(Transport, usize)> = Vec::new();
        for r in &connected {
            let t = r.connected.unwrap_or(Transport::Other);
            match transports.iter_mut().find(|(x, _)| *x == t) {
                Some((_, n)) => *n += 1,
                None => transports.push((t, 1)),
            }
        }
        transports.sort();
        let store = self
            .peers
            .values()
            .filter_map(|r| r.last_store_answer_ms.map(|at| (at, r)))
            .max_by_key(|(at, _)| *at)
            .map(|(at_ms, r)| StoreAnswer {
                peer: r.peer,
                addr: r.addrs.first().cloned(),
                at_ms,
            });
        Health {
            store,
            connected: connected.len(),
            known: self.peers.len(),
            protocols: protocols
                .iter()
                .map(|p| {
                    let n = connected
                        .iter()
                        .filter(|r| r.supports(p) == Some(true))
                        .count();
                    ((*p).to_string(), n)
                })
                .collect(),
            transports,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn peer(n: u8) -> PeerId {
        let key = libp2p::identity::Keypair::ed25519_from_bytes([n; 32]).unwrap();
        key.public().to_peer_id()
    }

    const WS: &str = "/ip4/127.0.0.1/tcp/8000/ws";
    const TCP: &str = "/ip4/127.0.0.1/tcp/60000";

    #[test]
    fn a_full_book_keeps_configured_and_connected_peers() {
        let mut book = PeerBook::with_capacity(3);
        let ws: Multiaddr = WS.parse().unwrap();
        book.add(peer(1), ws.clone(), Source::Bootstrap);
        book.add(peer(2), ws.clone(), Source::PeerExchange);
        book.on_connected(peer(2), &ws);
        book.add(peer(3), ws.clone(), Source::PeerExchange);
        // A flood of discovered peers: each replaces the one unconnected discovered entry.
        for n in 10..60 {
            book.add(peer(n), ws.clone(), Source::PeerExchange);
        }
        assert_eq!(book.len(), 3);
        assert!(book.get(&peer(1)).is_some(), "bootstrap kept");
        assert!(book.get(&peer(2)).is_some(), "connected kept");
        // With no room left to make, discovered peers are refused and configured ones admitted.
        book.on_connected(peer(59), &ws);
        assert!(!book.add(peer(70), ws.clone(), Source::Enr));
        assert!(book.get(&peer(70)).is_none());
        assert!(book.add(peer(71), ws.clone(), Source::Store));
        // Addresses per peer are capped too.
        for port in 0..20u16 {
            book.add(
                peer(1),
                format!("/ip4/127.0.0.1/tcp/{port}/ws").parse().unwrap(),
                Source::Bootstrap,
            );
        }
        assert_eq!(book.get(&peer(1)).unwrap().addrs.len(), MAX_ADDRS_PER_PEER);
    }

    #[test]
    fn transport_of_addresses() {
        let t = |s: &str| Transport::of(&s.parse().unwrap());
        assert_eq!(t(TCP), Transport::Tcp);
        assert_eq!(t(WS), Transport::WebSocket);
        assert_eq!(t("/dns4/a.example/tcp/443/wss"), Transport::SecureWebSocket);
        assert_eq!(
            t("/dns4/a.example/tcp/443/tls/ws"),
            Transport::SecureWebSocket
        );
        assert_eq!(
            t("/ip4/127.0.0.1/udp/1/webrtc-direct"),
            Transport::WebRtcDirect
        );
    }

    #[test]
    fn candidates_prefer_connected_identified_reliable() {
        let now = Instant::now();
        let mut book = PeerBook::new();
        let (a, b, c, d) = (peer(1), peer(2), peer(3), peer(4));
        for p in [a, b, c, d] {
            book.add(p, WS.parse().unwrap(), Source::Bootstrap);
        }
        book.on_connected(b, &WS.parse().unwrap());
        book.on_identified(&b, [crate::protocols::store::PROTOCOL.to_string()]);
        book.on_connected(c, &WS.parse().unwrap());
        book.on_identified(&c, ["/other/1".to_string()]);
        book.on_failure(&d, now);
        let list = book.candidates(crate::protocols::store::PROTOCOL, 16, Some(32), now, |_| {
            true
        });
        // b: connected and serves it; a: not connected, unknown; d is resting after a failure,
        // so last; c lacks it.
        assert_eq!(list, vec![b, a, d]);
        // A peer that rate-limited us is not asked at all until its time is up.
        book.on_rate_limited(&a, now);
        let list = book.candidates(crate::protocols::store::PROTOCOL, 16, None, now, |_| true);
        assert_eq!(list, vec![b, d]);
        let later = now + RATE_LIMIT_BACKOFF;
        let list = book.candidates(crate::protocols::store::PROTOCOL, 16, None, later, |_| true);
        assert_eq!(list, vec![b, a, d]);
    }

    #[test]
    fn shards_and_dialability_filter() {
        let now = Instant::now();
        let mut book = PeerBook::new();
        let (a, b) = (peer(1), peer(2));
        book.add(a, TCP.parse().unwrap(), Source::Enr);
        book.add(b, WS.parse().unwrap(), Source::Enr);
        book.set_shards(&b, 16, vec![64]);
        let browser = |m: &Multiaddr| Transport::of(m).browser_dialable();
        // b announces shard 64 only: last for 32, first for 64; a (tcp) is no use to a browser.
        assert_eq!(book.candidates("/p", 16, Some(32), now, browser), vec![b]);
        assert_eq!(book.candidates("/p", 16, Some(64), now, browser), vec![b]);
        assert_eq!(
            book.candidates("/p", 16, Some(32), now, |_| true),
            vec![a, b]
        );
        // Another cluster: never.
        book.set_shards(&a, 1, vec![32]);
        assert_eq!(book.candidates("/p", 16, Some(32), now, |_| true), vec![b]);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let now = Instant::now();
        let mut book = PeerBook::new();
        let a = peer(1);
        book.add(a, WS.parse().unwrap(), Source::Bootstrap);
        let waits: Vec<Duration> = (0..9).map(|_| book.on_failure(&a, now)).collect();
        assert_eq!(waits[0], BACKOFF_START);
        assert_eq!(waits[1], BACKOFF_START * 2);
        assert_eq!(*waits.last().unwrap(), BACKOFF_MAX);
    }
}
