//! `ClientConfig`: the one place a light client's network is described, with named presets so
//! that nobody copies fleet addresses by hand.

use std::time::Duration;

use libp2p::Multiaddr;

use crate::waku::PubsubTopic;
use crate::waku::message::DEFAULT_MAX_MESSAGE_SIZE;

/// Status prod fleet, cluster 16 (`status-im/infra-status` group_vars; status-web's peer list).
pub const STATUS_CLUSTER: u16 = 16;
/// The shards a browser can publish to without Status's shard keys: 32 (default) and 64
/// (community control messages). The protected shards 1, 128 and 256 need a signature in `meta`.
pub const STATUS_SHARDS: [u16; 2] = [32, 64];

/// The status.prod boot nodes (relay, filter, lightpush, peer exchange) and store nodes, over
/// secure WebSocket on 443, as status-web's `consts/peers.ts` lists them.
pub const STATUS_PROD_BOOT: [&str; 3] = [
    "/dns4/boot-01.do-ams3.status.prod.status.im/tcp/443/wss/p2p/16Uiu2HAmAR24Mbb6VuzoyUiGx42UenDkshENVDj4qnmmbabLvo31",
    "/dns4/boot-01.gc-us-central1-a.status.prod.status.im/tcp/443/wss/p2p/16Uiu2HAm8mUZ18tBWPXDQsaF7PbCKYA35z7WB2xNZH2EVq1qS8LJ",
    "/dns4/boot-01.ac-cn-hongkong-c.status.prod.status.im/tcp/443/wss/p2p/16Uiu2HAmGwcE8v7gmJNEWFtZtojYpPMTHy2jBLL6xRk33qgDxFWX",
];
pub const STATUS_PROD_STORE: [&str; 6] = [
    "/dns4/store-01.do-ams3.status.prod.status.im/tcp/443/wss/p2p/16Uiu2HAmAUdrQ3uwzuE4Gy4D56hX6uLKEeerJAnhKEHZ3DxF1EfT",
    "/dns4/store-02.do-ams3.status.prod.status.im/tcp/443/wss/p2p/16Uiu2HAm9aDJPkhGxc2SFcEACTFdZ91Q5TJjp76qZEhq9iF59x7R",
    "/dns4/store-01.gc-us-central1-a.status.prod.status.im/tcp/443/wss/p2p/16Uiu2HAmMELCo218hncCtTvC2Dwbej3rbyHQcR8erXNnKGei7WPZ",
    "/dns4/store-02.gc-us-central1-a.status.prod.status.im/tcp/443/wss/p2p/16Uiu2HAmJnVR7ZzFaYvciPVafUXuYGLHPzSUigqAmeNw9nJUVGeM",
    "/dns4/store-01.ac-cn-hongkong-c.status.prod.status.im/tcp/443/wss/p2p/16Uiu2HAm2M7xs7cLPc3jamawkEqbr7cUJX11uvY7LxQ6WFUdUKUT",
    "/dns4/store-02.ac-cn-hongkong-c.status.prod.status.im/tcp/443/wss/p2p/16Uiu2HAm9CQhsuwPR54q27kNj9iaQVfyRzTGKrhFmr94oD8ujU6P",
];
/// The fleet's DNS trees (EIP-1459), from `infra-status`.
pub const STATUS_PROD_ENRTREES: [&str; 2] = [
    "enrtree://AMOJVZX4V6EXP7NTJPMAYJYST2QP6AJXYW76IU6VGJS7UVSNDYZG4@boot.prod.status.nodes.status.im",
    "enrtree://AMOJVZX4V6EXP7NTJPMAYJYST2QP6AJXYW76IU6VGJS7UVSNDYZG4@store.prod.status.nodes.status.im",
];

/// 1,000 pages of up to 100 messages: more history than a browser reads in one go.
pub const DEFAULT_MAX_QUERY_PAGES: usize = 1000;
/// 20 pages of 100 messages: what a few minutes without a filter peer can have missed.
pub const DEFAULT_REFILL_MAX_PAGES: usize = 20;
pub const DEFAULT_REFILL_TIMEOUT: Duration = Duration::from_secs(30);
/// Messages waiting for the app per subscription.
pub const DEFAULT_SUBSCRIPTION_QUEUE: usize = 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    pub cluster: u16,
    /// Shards we answer metadata with and pick peers for.
    pub shards: Vec<u16>,
    /// Service peers to dial at start and keep dialing (each with `/p2p/<id>`).
    pub bootstrap: Vec<Multiaddr>,
    /// Store nodes, preferred for history.
    pub store: Vec<Multiaddr>,
    /// DNS trees to discover more peers from.
    pub enrtrees: Vec<String>,
    /// Peers each lightpush goes to in parallel.
    pub lightpush_peers: usize,
    /// Peers each filter subscription is held with.
    pub filter_peers: usize,
    /// Deadline for one request and its answer (lightpush, filter control).
    pub request_timeout: Duration,
    /// Deadline for one store page; pages can be large.
    pub store_timeout: Duration,
    pub filter_ping_interval: Duration,
    pub max_message_size: usize,
    /// Pages one [`query`](super::LightClient::query) follows before it stops with an error: a
    /// store peer that keeps handing out cursors must not keep us reading forever.
    pub max_query_pages: usize,
    /// Pages a subscription's refill (after losing a filter peer) reads at most, per batch of
    /// content topics; and the time it may take in all. Live delivery waits for the refill,
    /// so both are small.
    pub refill_max_pages: usize,
    pub refill_timeout: Duration,
    /// Messages a subscription holds for an app that has not read them yet. When full, newer
    /// messages are dropped and counted ([`Subscription::dropped`](super::Subscription::dropped)):
    /// they are in the store, where a query after the app catches up finds them.
    pub subscription_queue: usize,
    /// Peers the peer book holds ([`PeerBook`](super::peers::PeerBook)).
    pub max_book_peers: usize,
}

impl ClientConfig {
    /// The Status production fleet.
    pub fn status_prod() -> Self {
        let parse = |list: &[&str]| list.iter().filter_map(|a| a.parse().ok()).collect();
        Self {
            cluster: STATUS_CLUSTER,
            shards: STATUS_SHARDS.to_vec(),
            bootstrap: parse(&STATUS_PROD_BOOT),
            store: parse(&STATUS_PROD_STORE),
            enrtrees: STATUS_PROD_ENRTREES.iter().map(|s| (*s).into()).collect(),
            ..Self::local(Vec::new())
        }
    }

    /// One or more local nodes (`hearth node`), each serving every protocol, on the Status
    /// cluster and shards that `hearth node` defaults to.
    pub fn local(peers: Vec<Multiaddr>) -> Self {
        Self {
            cluster: STATUS_CLUSTER,
            shards: STATUS_SHARDS.to_vec(),
            bootstrap: peers.clone(),
            store: peers,
            enrtrees: Vec::new(),
            lightpush_peers: 2,
            filter_peers: 2,
            request_timeout: Duration::from_secs(10),
            store_timeout: Duration::from_secs(20),
            filter_ping_interval: crate::protocols::filter::PING_INTERVAL,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_query_pages: DEFAULT_MAX_QUERY_PAGES,
            refill_max_pages: DEFAULT_REFILL_MAX_PAGES,
            refill_timeout: DEFAULT_REFILL_TIMEOUT,
            subscription_queue: DEFAULT_SUBSCRIPTION_QUEUE,
            max_book_peers: super::peers::MAX_BOOK_PEERS,
        }
    }

    /// The default pubsub topic: our cluster's first shard.
    pub fn default_pubsub_topic(&self) -> PubsubTopic {
        PubsubTopic::new(self.cluster, self.shards.first().copied().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn status_prod_addresses_all_parse_with_peer_ids() {
        let c = ClientConfig::status_prod();
        assert_eq!(c.bootstrap.len(), STATUS_PROD_BOOT.len());
        assert_eq!(c.store.len(), STATUS_PROD_STORE.len());
        for a in c.bootstrap.iter().chain(&c.store) {
            assert!(super::super::peers::split_peer(a).is_some(), "{a}");
        }
        assert_eq!(c.default_pubsub_topic().to_string(), "/waku/2/rs/16/32");
    }
}
