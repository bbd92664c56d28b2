//! A store peer that lies about the size of its answers, for the browser memory test
//! (`scripts/test-browser-client`, `crate/tests/light_client_browser.rs`): each answer's length
//! prefix claims `HOSTILE_CLAIM_MIB` (default 100, under the client's frame cap, so the client
//! starts reading), then 4 KiB arrive and nothing more. A client that allocated what is claimed
//! grows by the claim on every query; one that allocates what arrives does not.
//!
//! Listens on a loopback WebSocket port and prints its address (with `/p2p/<id>`) on stdout.
//! Never for use off loopback: it exists to misbehave.

use std::time::Duration;

use futures::{AsyncWriteExt, StreamExt};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{StreamProtocol, identify, noise, yamux};

#[derive(NetworkBehaviour)]
struct Hostile {
    identify: identify::Behaviour,
    stream: libp2p_stream::Behaviour,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let claim_mib: u64 = std::env::var("HOSTILE_CLAIM_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await?
        .with_behaviour(|key| Hostile {
            identify: identify::Behaviour::new(identify::Config::new(
                "/vac/waku/2.0.0".into(),
                key.public(),
            )),
            stream: libp2p_stream::Behaviour::new(),
        })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(300)))
        .build();
    let mut incoming = swarm
        .behaviour()
        .stream
        .new_control()
        .accept(StreamProtocol::new(hearth::protocols::store::PROTOCOL))?;
    tokio::spawn(async move {
        while let Some((_, mut s)) = incoming.next().await {
            tokio::spawn(async move {
                let _ =
                    hearth::net::read_frame(&mut s, hearth::protocols::store::MAX_REQUEST_FRAME)
                        .await;
                let mut claim = Vec::new();
                prost::encoding::encode_varint(claim_mib << 20, &mut claim);
                claim.extend_from_slice(&[0u8; 4096]);
                let _ = s.write_all(&claim).await;
                let _ = s.flush().await;
                tokio::time::sleep(Duration::from_secs(120)).await;
            });
        }
    });
    swarm.listen_on("/ip4/127.0.0.1/tcp/0/ws".parse()?)?;
    let peer = *swarm.local_peer_id();
    loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            println!("{}", address.with(Protocol::P2p(peer)));
            break;
        }
    }
    loop {
        swarm.select_next_some().await;
    }
}
