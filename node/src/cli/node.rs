//! `hearth node`: run a local Waku service node.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use libp2p::Multiaddr;

use crate::service::limits;
use crate::service::message_store::Retention;
use crate::service::rate_limit::{Rate, RateLimiter, parse_rate_limit};
use crate::service::{ServiceConfig, run};

/// A local Waku service node: relay, store (SQLite), lightpush, filter, metadata and peer exchange
/// over TCP, WebSocket and WebRTC-direct. It prints one dialable address per line on stdout,
/// then its signed node record as `enr: enr:…`.
#[derive(Args, Debug)]
pub struct NodeArgs {
    /// Addresses to listen on (repeat the flag). `/tcp/N/ws` for browsers and js-waku,
    /// `/udp/N/webrtc-direct` for browsers over WebRTC, `/tcp/N` for other nodes.
    #[arg(long = "listen", value_name = "MULTIADDR", default_values_t = [
        "/ip4/127.0.0.1/tcp/60000".parse::<Multiaddr>().expect("default address"),
        "/ip4/127.0.0.1/tcp/8000/ws".parse::<Multiaddr>().expect("default address"),
        "/ip4/127.0.0.1/udp/60001/webrtc-direct".parse::<Multiaddr>().expect("default address"),
    ])]
    pub listen: Vec<Multiaddr>,

    /// Cluster id: 16 is the Status network.
    #[arg(long, default_value_t = 16)]
    pub cluster: u16,

    /// Shards served, comma-separated. Status publishes on 32 and 64.
    #[arg(long, value_delimiter = ',', default_values_t = [32u16, 64])]
    pub shards: Vec<u16>,

    /// Where the node key, WebRTC certificate and message store live.
    #[arg(long, default_value = "hearth-data")]
    pub data_dir: PathBuf,

    /// Peers to dial at start (repeat the flag), e.g. another node's `/tcp/…/p2p/…` address.
    #[arg(long = "peer", value_name = "MULTIADDR")]
    pub peers: Vec<Multiaddr>,

    /// Another node's record (`enr:…`, repeat the flag), handed out by peer exchange and dialed
    /// at start like --peer when it has an address. Must be for this node's cluster.
    #[arg(long = "peer-enr", value_name = "ENR")]
    pub peer_enrs: Vec<hearth::waku::enr::Enr>,

    /// Delete stored messages older than this many days.
    #[arg(long, default_value_t = 30)]
    pub retention_days: u64,

    /// Keep at most this many stored messages (oldest go first).
    #[arg(long)]
    pub retention_messages: Option<u64>,

    /// Largest size of the message store in MiB (message bytes, not SQLite's overhead); the
    /// oldest messages go first; 0 for no cap. nwaku's `size:<n>GB` retention policy; nwaku's
    /// default policy is time only (`time:172800`, `--store-message-retention-policy`).
    #[arg(long, default_value_t = 1024)]
    pub retention_mib: u64,

    /// nwaku syntax, repeatable: `[store|lightpush|filter|px:]<volume>/<period>(h|m|s|ms)`,
    /// per peer. Default: filter:30/1m (nwaku's), store:20/1s, lightpush:1000/1m, px:10/1m
    /// (nwaku leaves these unlimited).
    #[arg(long = "rate-limit", value_name = "LIMIT")]
    pub rate_limits: Vec<String>,

    /// Each rate limit also holds per remote IP address, with a bucket this many times a
    /// peer's (default nwaku's colocation limit, 5); 0 turns per-IP rate limits off.
    #[arg(long, default_value_t = crate::service::rate_limit::DEFAULT_IP_FACTOR)]
    pub rate_limit_ip_factor: u32,

    /// Most connections at once, in and out (nwaku `--max-connections`, 50).
    #[arg(long, default_value_t = limits::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: u32,

    /// Most inbound connections still in their handshake at once.
    #[arg(long, default_value_t = limits::DEFAULT_MAX_PENDING)]
    pub max_pending_connections: u32,

    /// Most connections from one remote IP address (nwaku `--ip-colocation-limit`, 5);
    /// 0 removes the limit.
    #[arg(long, default_value_t = limits::DEFAULT_MAX_PER_IP)]
    pub ip_colocation_limit: u32,

    /// Apply per-IP limits (connections and rates) to loopback addresses too. Off by default:
    /// behind a local TLS proxy every peer comes from 127.0.0.1.
    #[arg(long)]
    pub limit_loopback: bool,

    /// Most connections one peer id may hold at once.
    #[arg(long, default_value_t = limits::DEFAULT_MAX_PER_PEER)]
    pub max_connections_per_peer: u32,

    /// Most inbound request streams open at once on one connection.
    #[arg(long, default_value_t = limits::DEFAULT_MAX_STREAMS)]
    pub max_streams_per_connection: usize,

    /// Above this resident memory (MiB) the node accepts no new connection.
    #[arg(long, default_value_t = limits::DEFAULT_MAX_MEMORY_MIB)]
    pub max_memory_mib: usize,

    /// Largest accepted message in bytes (the Status fleet uses 1 MiB).
    #[arg(long, default_value_t = hearth::waku::message::DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_message_size: usize,

    /// HTTP address for `/health` and, with --web, the app. `off` disables it.
    #[arg(long, default_value = "127.0.0.1:8645")]
    pub http: String,

    /// Serve this directory (a built app, e.g. `dist/`) over HTTP.
    #[arg(long)]
    pub web: Option<PathBuf>,

    /// Who may frame the embed pages (`/embed/…`): a CSP `frame-ancestors` source list, e.g.
    /// `https://example.org https://*.example.net`. Every other page refuses framing.
    #[arg(long, default_value = "*")]
    pub embed_ancestors: String,

    /// PEM certificate chain for `/wss` listeners (with --wss-key).
    #[arg(long, requires = "wss_key")]
    pub wss_cert: Option<PathBuf>,

    /// PEM private key for `/wss` listeners.
    #[arg(long, requires = "wss_cert")]
    pub wss_key: Option<PathBuf>,

    /// Most peers served by filter at once.
    #[arg(long, default_value_t = hearth::protocols::filter::MAX_PEERS)]
    pub filter_max_peers: usize,

    /// Most (pubsub, content topic) criteria one filter peer may hold.
    #[arg(long, default_value_t = hearth::protocols::filter::MAX_CRITERIA_PER_PEER)]
    pub filter_max_criteria: usize,

    /// Most criteria held across all filter peers.
    #[arg(long, default_value_t = hearth::protocols::filter::MAX_CRITERIA_TOTAL)]
    pub filter_max_criteria_total: usize,

    /// When the data dir holds a community: leave requests to join pending for
    /// `hearth community accept|decline` instead of accepting them.
    #[arg(long)]
    pub manual_accept: bool,

    /// Serve the HTTP bridge for other programs at `/api/v1/` (on --http): post to and read
    /// community channels with a bearer token from `hearth bridge token create`.
    #[arg(long)]
    pub bridge: bool,

    /// The name others see on the bridge's messages (5 to 24 letters, digits, spaces, - or _).
    #[arg(long, default_value = crate::bridge::DEFAULT_NAME, requires = "bridge")]
    pub bridge_name: String,

    /// Requests per bridge token, as `<volume>/<period>(h|m|s|ms)` (default 60/1m).
    #[arg(long, value_name = "RATE", requires = "bridge")]
    pub bridge_rate_limit: Option<String>,

    /// Seconds between history archives of a hosted community, and the length of each archived
    /// window (status-go: 7 days).
    #[arg(long, default_value_t = hearth::history::PARTITION_SECS)]
    pub archive_interval: u64,

    /// Another web server holding a copy of `<data dir>/archives/` (its URL for that folder); named
    /// as a web seed in the archive's magnet link and torrent. Repeatable.
    #[arg(long = "archive-mirror", value_name = "URL")]
    pub archive_mirrors: Vec<String>,

    /// The public URL of this node's `/archives/` (default: from `--http`).
    #[arg(long, value_name = "URL")]
    pub archive_url: Option<String>,

    /// Do not print the listen addresses on stdout.
    #[arg(long, hide = true)]
    pub quiet_addrs: bool,
}

impl NodeArgs {
    pub fn into_config(self) -> Result<ServiceConfig, Box<dyn std::error::Error + Send + Sync>> {
        let mut rate_limits = RateLimiter::default_rates();
        for spec in &self.rate_limits {
            let (proto, rate): (_, Rate) = parse_rate_limit(spec)?;
            match proto {
                Some(p) => {
                    rate_limits.insert(p, rate);
                }
                None => {
                    use crate::service::rate_limit::Limited::*;
                    for p in [Store, Lightpush, Filter, PeerExchange] {
                        rate_limits.insert(p, rate);
                    }
                }
            }
        }
        let mut static_peers = self.peers;
        for enr in &self.peer_enrs {
            // nwaku serves only records of its own cluster (or without shard info).
            if let Some(rs) = enr.relay_shards().ok().flatten()
                && rs.cluster != self.cluster
            {
                return Err(format!(
                    "--peer-enr {} is for cluster {}, this node is on {}",
                    enr.peer_id(),
                    rs.cluster,
                    self.cluster
                )
                .into());
            }
            if let Some(addr) = enr.dialable_multiaddrs().into_iter().next()
                && !static_peers.contains(&addr)
            {
                static_peers.push(addr);
            }
        }
        let bridge = if self.bridge {
            crate::bridge::check_name(&self.bridge_name)?;
            let rate = match &self.bridge_rate_limit {
                Some(spec) => match parse_rate_limit(spec)? {
                    (None, rate) => rate,
                    (Some(_), _) => {
                        return Err(format!(
                            "--bridge-rate-limit {spec}: a bare rate, without a protocol"
                        )
                        .into());
                    }
                },
                None => crate::bridge::DEFAULT_RATE,
            };
            Some(crate::bridge::BridgeConfig {
                display_name: self.bridge_name.trim().to_owned(),
                rate,
            })
        } else {
            None
        };
        let http = match self.http.as_str() {
            "off" | "" => None,
            s => Some(s.parse::<SocketAddr>()?),
        };
        if bridge.is_some() && http.is_none() {
            return Err("--bridge needs HTTP (--http is off)".into());
        }
        Ok(ServiceConfig {
            listen: self.listen,
            cluster: self.cluster,
            shards: self.shards,
            data_dir: self.data_dir,
            static_peers,
            retention: Retention {
                max_age: Duration::from_secs(self.retention_days * 24 * 3600),
                max_messages: self.retention_messages,
                max_bytes: (self.retention_mib > 0).then(|| self.retention_mib * 1024 * 1024),
            },
            rate_limits,
            max_message_size: self.max_message_size,
            http,
            web_dir: self.web,
            embed_ancestors: crate::service::http::embed_ancestors(&self.embed_ancestors)?,
            site: None,
            wss_tls: self.wss_cert.zip(self.wss_key),
            filter_max_peers: self.filter_max_peers,
            filter_max_criteria: self.filter_max_criteria,
            filter_max_criteria_total: self.filter_max_criteria_total,
            connection_limits: limits::ConnectionLimits {
                max_connections: self.max_connections,
                max_pending: self.max_pending_connections,
                max_per_peer: self.max_connections_per_peer,
                max_per_ip: self.ip_colocation_limit,
                max_streams: self.max_streams_per_connection,
                max_memory_mib: self.max_memory_mib,
                limit_loopback: self.limit_loopback,
            },
            rate_ip_factor: self.rate_limit_ip_factor,
            peer_enrs: self.peer_enrs,
            control: crate::community::control::ControlOptions {
                manual_accept: self.manual_accept,
                history: {
                    let mut h = crate::community::history::HistoryOptions::for_http(http);
                    h.interval = Duration::from_secs(self.archive_interval.max(1));
                    h.mirrors = self.archive_mirrors;
                    if let Some(url) = self.archive_url {
                        h.base_url = url;
                    }
                    h
                },
            },
            bridge,
            print_listen_addrs: !self.quiet_addrs,
        })
    }
}

pub fn run_node(args: NodeArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let config = args.into_config()?;
    super::ports::check_free(&config.listen, config.http)?;
    for shard in &config.shards {
        if *shard > hearth::waku::topic::MAX_SHARD {
            return Err(format!("shard {shard} is over {}", hearth::waku::topic::MAX_SHARD).into());
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        tokio::select! {
            r = run(config) => r,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
