//! The flags `publish`, `subscribe` and `query` share: which service peers to use and how long to
//! wait. They describe a `hearth::net::ClientConfig`.

use std::time::Duration;

use clap::Args;
use hearth::net::{ClientConfig, LightClient};
use hearth::protocols::store::StoredMessage;
use hearth::waku::{MessageHash, WakuMessage};
use libp2p::Multiaddr;
use serde_json::{Value, json};

#[derive(Args, Debug, Clone)]
pub struct NetworkArgs {
    /// A service peer, as a multiaddr ending in /p2p/<peer id> (repeat for more). Without one,
    /// the Status production fleet is used.
    #[arg(long = "peer", value_name = "MULTIADDR")]
    pub peers: Vec<Multiaddr>,
    /// Cluster id the peers serve.
    #[arg(long, default_value_t = hearth::net::config::STATUS_CLUSTER)]
    pub cluster: u16,
    /// Seconds to wait for a service peer before giving up.
    #[arg(long, default_value_t = 15)]
    pub connect_timeout: u64,
}

impl NetworkArgs {
    pub fn config(&self) -> ClientConfig {
        let mut c = if self.peers.is_empty() {
            ClientConfig::status_prod()
        } else {
            ClientConfig::local(self.peers.clone())
        };
        c.cluster = self.cluster;
        c
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout)
    }

    /// Starts a client and waits until a peer serving `protocol` is connected and identified.
    pub async fn start(&self, protocol: &str) -> Result<LightClient, Box<dyn std::error::Error>> {
        let client = LightClient::start(self.config())?;
        if let Err(e) = client
            .wait_for_peers(protocol, 1, self.connect_timeout())
            .await
        {
            // "No peer offers the protocol" hides the usual cause: nothing listens there.
            let mut unreachable = Vec::new();
            for addr in &self.peers {
                if !reachable(addr).await {
                    unreachable.push(addr.to_string());
                }
            }
            if !unreachable.is_empty() {
                return Err(format!(
                    "unreachable: nothing answers at {} (is the node running?)",
                    unreachable.join(", ")
                )
                .into());
            }
            return Err(e.into());
        }
        Ok(client)
    }
}

/// Whether a TCP connection to the address's host and port opens within 3 s (addresses without
/// a TCP part count as reachable: there is nothing to probe).
async fn reachable(addr: &Multiaddr) -> bool {
    use libp2p::multiaddr::Protocol;
    let mut host = None;
    for p in addr.iter() {
        match p {
            Protocol::Ip4(ip) => host = Some(ip.to_string()),
            Protocol::Ip6(ip) => host = Some(format!("[{ip}]")),
            Protocol::Dns(h) | Protocol::Dns4(h) | Protocol::Dns6(h) => host = Some(h.to_string()),
            Protocol::Tcp(port) => {
                let Some(host) = host else { return true };
                let connect = tokio::net::TcpStream::connect(format!("{host}:{port}"));
                return matches!(
                    tokio::time::timeout(Duration::from_secs(3), connect).await,
                    Ok(Ok(_))
                );
            }
            _ => {}
        }
    }
    true
}

pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// One message as a JSON object: every field of the WakuMessage, and its hash.
pub fn message_json(hash: &MessageHash, pubsub_topic: Option<&str>, m: &WakuMessage) -> Value {
    json!({
        "hash": format!("0x{}", hex::encode(hash.as_bytes())),
        "pubsub_topic": pubsub_topic,
        "content_topic": m.content_topic,
        "timestamp": m.timestamp,
        "version": m.version,
        "ephemeral": m.ephemeral,
        "payload_hex": hex::encode(&m.payload),
        "meta_hex": m.meta.as_ref().map(hex::encode),
    })
}

pub fn stored_json(s: &StoredMessage) -> Value {
    match &s.message {
        Some(m) => message_json(&s.hash, s.pubsub_topic.as_deref(), m),
        None => json!({
            "hash": format!("0x{}", hex::encode(s.hash.as_bytes())),
            "pubsub_topic": s.pubsub_topic,
        }),
    }
}
