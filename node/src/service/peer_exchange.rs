//! Peer exchange server (34/WAKU2-PEER-EXCHANGE), answering as nwaku's
//! `waku_peer_exchange/protocol.nim` does: up to `min(num_peers, 60)` records picked at random
//! from a cache, status 200 even when that is none (a query for 0 peers, or an empty cache), 400
//! for a request that is not a query, 429 when rate limited.
//!
//! Where the records come from. nwaku serves only peers it found through discv5, in its own
//! cluster. A hearth node runs no discv5 and learns no peer's record from the peer itself
//! (identify carries no ENR), so its cache holds what the operator gives it: the `--peer-enr`
//! records (same cluster, or no shard info, as nwaku's pool filter requires). A record of a peer
//! we are connected to could be served too, but nothing tells us one.
//!
//! What is never served: our own record (a client that can ask us already knows how to reach
//! us; nwaku does not serve its own either) and the requester's own record (useless to it).
//!
//! The node's own record is built once its listeners are up — it needs the bound ports — signed
//! with the node key, printed as `enr: enr:…` after the address lines, and kept in
//! `<data dir>/node.enr`: an unchanged record keeps its sequence number across restarts, a
//! changed one (new ports) gets the next one, as EIP-778 asks.

use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hearth::net::rpc::FrameBody;
use hearth::proto::waku::peer_exchange::v2::{PeerExchangeResponse, PeerExchangeRpc, PeerInfo};
use hearth::protocols::peer_exchange::{MAX_PEERS, StatusCode};
use hearth::waku::enr::{Enr, EnrBuilder, EnrError, RelayShards, SigningKey, Waku2};
use libp2p::identity::Keypair;
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use prost::Message;
use rand::seq::IndexedRandom;

use super::rate_limit::Limited;
use super::{Hub, ServiceConfig, lock};

/// The records the node can hand out, at most [`MAX_PEERS`] (nwaku's `MaxPeersCacheSize`).
#[derive(Debug, Default)]
pub(crate) struct EnrCache {
    /// Oldest first, one per peer.
    records: Vec<(PeerId, Enr)>,
}

impl EnrCache {
    /// Keeps the newest record of each peer; when full, the oldest entry makes room.
    pub fn insert(&mut self, enr: Enr) {
        let peer = enr.peer_id();
        if let Some(i) = self.records.iter().position(|(p, _)| *p == peer) {
            if self.records[i].1.seq() >= enr.seq() {
                return;
            }
            self.records.remove(i);
        }
        if self.records.len() >= MAX_PEERS as usize {
            self.records.remove(0);
        }
        self.records.push((peer, enr));
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Up to `n` records chosen at random, never `exclude`'s own.
    pub fn sample(&self, n: usize, exclude: &PeerId) -> Vec<Enr> {
        let eligible: Vec<&Enr> = self
            .records
            .iter()
            .filter(|(p, _)| p != exclude)
            .map(|(_, e)| e)
            .collect();
        eligible
            .sample(&mut rand::rng(), n.min(eligible.len()))
            .map(|e| (*e).clone())
            .collect()
    }
}

pub fn handle(hub: &Hub, peer: PeerId, body: FrameBody) -> Option<Vec<u8>> {
    let answer = |code: StatusCode, desc: Option<String>, records: Vec<Enr>| PeerExchangeRpc {
        query: None,
        response: Some(PeerExchangeResponse {
            peer_infos: records
                .into_iter()
                .map(|e| PeerInfo { enr: e.encode() })
                .collect(),
            status_code: Some(code.code()),
            status_desc: desc,
        }),
    };
    let res = if !hub
        .limiter
        .allow(Limited::PeerExchange, peer, Instant::now())
    {
        answer(StatusCode::TooManyRequests, None, vec![])
    } else {
        match body {
            FrameBody::Oversize { len } => answer(
                StatusCode::BadRequest,
                Some(format!("{len} bytes is too large")),
                vec![],
            ),
            FrameBody::Malformed(why) => answer(StatusCode::BadRequest, Some(why), vec![]),
            FrameBody::Empty => return None,
            FrameBody::Bytes(bytes) => match PeerExchangeRpc::decode(bytes.as_slice()) {
                Ok(PeerExchangeRpc {
                    query: Some(query), ..
                }) => {
                    let n = query.num_peers.min(MAX_PEERS) as usize;
                    let records = lock(&hub.px_cache).sample(n, &peer);
                    tracing::debug!(%peer, asked = query.num_peers, sent = records.len(), "peer exchange");
                    answer(StatusCode::Success, None, records)
                }
                Ok(_) => answer(
                    StatusCode::BadRequest,
                    Some("query is missing".into()),
                    vec![],
                ),
                Err(e) => answer(StatusCode::BadRequest, Some(e.to_string()), vec![]),
            },
        }
    };
    Some(res.encode_to_vec())
}

/// The node key as k256 wants it for signing the ENR. The node key is secp256k1 (see
/// `swarm::load_or_create_key`) precisely so this works.
pub(crate) fn signing_key(keypair: &Keypair) -> Result<SigningKey, String> {
    let secp = keypair
        .clone()
        .try_into_secp256k1()
        .map_err(|_| "the node key is not secp256k1".to_string())?;
    SigningKey::from_slice(&secp.secret().to_bytes()).map_err(|e| e.to_string())
}

/// How long the own record waits for every listener to report its address; after that it is
/// built from what has been reported (a listener that failed must not keep the record away).
const LISTEN_WAIT: Duration = Duration::from_secs(10);

/// Builds, prints and stores the node's own record once its listeners are up.
pub(crate) fn spawn_own_enr(hub: Arc<Hub>, key: SigningKey) {
    tokio::spawn(async move {
        let deadline = Instant::now() + LISTEN_WAIT;
        let listening = loop {
            let addrs = lock(&hub.listen_addrs).clone();
            if all_reported(&hub.config.listen, &addrs) || Instant::now() >= deadline {
                break addrs;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let path = hub.config.data_dir.join("node.enr");
        match own_enr(&hub.config, &key, &listening, &path) {
            Ok(enr) => {
                // The line scripts read the record from; it follows the address lines.
                if hub.config.print_listen_addrs {
                    println!("enr: {enr}");
                }
                let _ = hub.own_enr.set(enr);
            }
            Err(e) => tracing::error!("cannot build the node's ENR: {e}"),
        }
    });
}

/// The protocols of an address that tell listeners apart: what follows the port (`ws`,
/// `webrtc-direct`, …) matters, values, certificate hashes and peer ids do not.
fn shape(addr: &Multiaddr) -> Vec<&'static str> {
    addr.iter()
        .filter(|p| !matches!(p, Protocol::P2p(_) | Protocol::Certhash(_)))
        .map(|p| p.tag())
        .collect()
}

/// Whether every configured listener has reported at least one address of its shape.
fn all_reported(configured: &[Multiaddr], reported: &[Multiaddr]) -> bool {
    configured.iter().all(|c| {
        let s = shape(c);
        let wanted = configured.iter().filter(|x| shape(x) == s).count();
        reported.iter().filter(|r| shape(r) == s).count() >= wanted
    })
}

/// Builds the own record from the listen addresses, reusing or bumping the sequence number
/// stored in `path`.
fn own_enr(
    config: &ServiceConfig,
    key: &SigningKey,
    listening: &[Multiaddr],
    path: &Path,
) -> Result<Enr, EnrError> {
    let me = peer_id_of(key);
    let previous = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| Enr::from_base64(&t).ok())
        .filter(|e| Some(e.peer_id()) == me);
    let mut enr = build_own_enr(
        config,
        key,
        listening,
        previous.as_ref().map_or(1, Enr::seq),
    )?;
    if let Some(previous) = &previous {
        if enr.pairs().eq(previous.pairs()) {
            return Ok(enr);
        }
        enr = build_own_enr(config, key, listening, previous.seq().saturating_add(1))?;
    }
    if let Err(e) = std::fs::write(path, enr.to_base64()) {
        tracing::warn!("cannot keep the ENR in {}: {e}", path.display());
    }
    Ok(enr)
}

fn peer_id_of(key: &SigningKey) -> Option<PeerId> {
    let public = key.verifying_key().to_sec1_point(true);
    libp2p::identity::secp256k1::PublicKey::try_from_bytes(public.as_bytes())
        .ok()
        .map(|k| libp2p::identity::PublicKey::from(k).to_peer_id())
}

/// The record: `ip`/`tcp` from the first plain TCP listener (a non-loopback one if there is
/// one), `multiaddrs` with the WebSocket and WebRTC-direct listeners as far as 300 bytes allow
/// (the `/p2p` part is implied by the key), `waku2` with the protocols the node serves, and
/// `rs`/`rsv` with its shards.
fn build_own_enr(
    config: &ServiceConfig,
    key: &SigningKey,
    listening: &[Multiaddr],
    seq: u64,
) -> Result<Enr, EnrError> {
    let bare = |a: &Multiaddr| -> Multiaddr {
        a.iter()
            .filter(|p| !matches!(p, Protocol::P2p(_)))
            .collect()
    };
    let is_loopback = |a: &Multiaddr| {
        a.iter().any(|p| match p {
            Protocol::Ip4(ip) => ip.is_loopback(),
            Protocol::Ip6(ip) => ip.is_loopback(),
            _ => false,
        })
    };
    let mut ordered: Vec<Multiaddr> = listening.iter().map(bare).collect();
    // Stable: loopback addresses after the others, each group in the order reported.
    ordered.sort_by_key(is_loopback);

    let mut base =
        EnrBuilder::new(seq).waku2(Waku2::RELAY | Waku2::STORE | Waku2::FILTER | Waku2::LIGHTPUSH);
    if !config.shards.is_empty() {
        base = base.relay_shards(&RelayShards {
            cluster: config.cluster,
            shards: config.shards.clone(),
        });
    }
    let mut others = Vec::new();
    let (mut v4, mut v6) = (false, false);
    for addr in &ordered {
        let parts: Vec<Protocol<'_>> = addr.iter().collect();
        match parts.as_slice() {
            [Protocol::Ip4(ip), Protocol::Tcp(port)] if !v4 => {
                let ip = if ip.is_unspecified() {
                    Ipv4Addr::LOCALHOST
                } else {
                    *ip
                };
                base = base.ip4(ip).tcp(*port);
                v4 = true;
            }
            [Protocol::Ip6(ip), Protocol::Tcp(port)] if !v6 && !ip.is_unspecified() => {
                base = base.ip6(*ip).tcp6(*port);
                v6 = true;
            }
            [Protocol::Ip4(_) | Protocol::Ip6(_), Protocol::Tcp(_)] => {}
            _ => others.push(addr.clone()),
        }
    }
    // WebSocket first, the transport every Waku client has (secure before plain, as browsers
    // need it); then WebRTC-direct and the rest. Greedy: each address that still fits goes in.
    others.sort_by_key(|a| {
        if a.iter()
            .any(|p| matches!(p, Protocol::Wss(_) | Protocol::Tls))
        {
            0
        } else if a.iter().any(|p| matches!(p, Protocol::Ws(_))) {
            1
        } else {
            2
        }
    });
    let mut chosen: Vec<Multiaddr> = Vec::new();
    let mut enr = base.clone().sign(key)?;
    for addr in others {
        chosen.push(addr);
        match base.clone().multiaddrs(&chosen).sign(key) {
            Ok(e) => enr = e,
            Err(EnrError::TooLarge { .. }) => {
                chosen.pop();
            }
            Err(e) => return Err(e),
        }
    }
    Ok(enr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_slice(&[n; 32]).unwrap()
    }

    fn record(n: u8, seq: u64) -> Enr {
        EnrBuilder::new(seq)
            .ip4(Ipv4Addr::new(10, 0, 0, n))
            .tcp(60000)
            .sign(&key(n))
            .unwrap()
    }

    #[test]
    fn cache_keeps_newest_per_peer_and_at_most_60() {
        let mut cache = EnrCache::default();
        cache.insert(record(1, 2));
        cache.insert(record(1, 1));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.records[0].1.seq(), 2);
        cache.insert(record(1, 3));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.records[0].1.seq(), 3);
        for n in 2..=70 {
            cache.insert(record(n, 1));
        }
        assert_eq!(cache.len(), MAX_PEERS as usize);
        // The oldest entries made room.
        assert_eq!(cache.records[0].1.peer_id(), record(11, 1).peer_id());
    }

    #[test]
    fn sample_is_bounded_random_and_skips_the_requester() {
        let mut cache = EnrCache::default();
        for n in 1..=5 {
            cache.insert(record(n, 1));
        }
        let me = record(3, 1).peer_id();
        assert_eq!(cache.sample(0, &me).len(), 0);
        assert_eq!(cache.sample(2, &me).len(), 2);
        let all = cache.sample(60, &me);
        assert_eq!(all.len(), 4);
        assert!(all.iter().all(|e| e.peer_id() != me));
        // Over many draws of one record, each of the four shows up.
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            seen.insert(cache.sample(1, &me)[0].peer_id());
        }
        assert_eq!(seen.len(), 4);
    }

    #[test]
    fn listeners_count_by_shape() {
        let configured: Vec<Multiaddr> = [
            "/ip4/127.0.0.1/tcp/0",
            "/ip4/127.0.0.1/tcp/0/ws",
            "/ip4/127.0.0.1/udp/0/webrtc-direct",
        ]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
        let mut reported: Vec<Multiaddr> = vec![
            "/ip4/127.0.0.1/tcp/4001/p2p/16Uiu2HAmPLe7Mzm8TsYUubgCAW1aJoeFScxrLj8ppHFivPo97bUZ"
                .parse()
                .unwrap(),
            "/ip4/127.0.0.1/tcp/4002/ws".parse().unwrap(),
        ];
        assert!(!all_reported(&configured, &reported));
        reported.push(
            "/ip4/127.0.0.1/udp/4003/webrtc-direct/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g"
                .parse()
                .unwrap(),
        );
        assert!(all_reported(&configured, &reported));
    }
}
