//! The libp2p side of the node: transports (TCP, WebSocket, WebRTC-direct), security and muxers,
//! identify, ping, relay, and the task that owns the swarm.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use hearth::net::rpc::FrameCodec;
use hearth::proto::waku::metadata::v1::{WakuMetadataRequest, WakuMetadataResponse};
use hearth::waku::{PubsubTopic, WakuMessage};
use libp2p::core::muxing::StreamMuxerBox;
use libp2p::core::transport::Boxed;
use libp2p::core::upgrade::Version;
use libp2p::identity::{Keypair, secp256k1};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    PeerId, StreamProtocol, Swarm, Transport, gossipsub, identify, noise, ping, request_response,
    tcp, yamux,
};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use super::{Command, Hub, Origin, ServiceConfig, lock};

/// Waku relay is gossipsub under its own protocol id.
pub const RELAY_PROTOCOL: &str = "/vac/waku/relay/2.0.0";

/// On a WebRTC-direct connection the metadata question waits for the peer's first stream, at most
/// this long. A browser (libp2p-webrtc-websys 0.5) starts taking our streams only after its side
/// of the Noise handshake, later than we see the connection: whatever we open before that is
/// lost. See docs/webrtc-direct.md.
const WEBRTC_FIRST_STREAM_WAIT: Duration = Duration::from_secs(5);

/// WebRTC-direct connections whose metadata question waits for the peer's first stream.
type AwaitingFirstStream = HashMap<PeerId, oneshot::Sender<()>>;

#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    pub relay: gossipsub::Behaviour,
    /// Every Waku request/response protocol, one frame each way.
    pub rpc: request_response::Behaviour<FrameCodec>,
    /// Streams the node opens itself: the metadata question and filter pushes.
    pub stream: libp2p_stream::Behaviour,
}

/// The node key lives in the data directory, so the peer id (and the `/p2p/…` part of every
/// address a test or a user wrote down) stays the same across restarts. secp256k1, as nwaku's
/// keys are, so the same key can sign the node's ENR.
pub fn load_or_create_key(dir: &Path) -> std::io::Result<Keypair> {
    let path = dir.join("node.key");
    let secret = match std::fs::read_to_string(&path) {
        Ok(hex_key) => hex::decode(hex_key.trim())
            .ok()
            .and_then(|b| secp256k1::SecretKey::try_from_bytes(b).ok())
            .ok_or_else(|| {
                std::io::Error::other(format!("{} is not a secp256k1 key", path.display()))
            })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = secp256k1::SecretKey::generate();
            std::fs::write(&path, hex::encode(secret.to_bytes()))?;
            secret
        }
        Err(e) => return Err(e),
    };
    Ok(Keypair::from(secp256k1::Keypair::from(secret)))
}

/// The WebRTC certificate is kept too: the certhash is part of the dialable address.
fn load_or_create_certificate(
    dir: &Path,
) -> Result<libp2p_webrtc::tokio::Certificate, Box<dyn std::error::Error + Send + Sync>> {
    let path = dir.join("webrtc.pem");
    if let Ok(pem) = std::fs::read_to_string(&path) {
        return Ok(libp2p_webrtc::tokio::Certificate::from_pem(&pem)?);
    }
    let cert = libp2p_webrtc::tokio::Certificate::generate(&mut rand::rng())?;
    std::fs::write(&path, cert.serialize_pem())?;
    Ok(cert)
}

/// js-waku speaks only mplex, nwaku and rust-libp2p prefer yamux: offer both.
fn muxers() -> libp2p::core::upgrade::SelectUpgrade<yamux::Config, libp2p_mplex::Config> {
    libp2p::core::upgrade::SelectUpgrade::new(
        yamux::Config::default(),
        libp2p_mplex::Config::default(),
    )
}

fn websocket_transport(
    key: &Keypair,
    tls: Option<&(std::path::PathBuf, std::path::PathBuf)>,
) -> Result<Boxed<(PeerId, StreamMuxerBox)>, Box<dyn std::error::Error + Send + Sync>> {
    let tcp = tcp::tokio::Transport::new(tcp::Config::default().nodelay(true));
    let dns = libp2p::dns::tokio::Transport::system(tcp)?;
    let mut ws = libp2p::websocket::Config::new(dns);
    ws.set_max_data_size(hearth::protocols::lightpush::MAX_FRAME * 2);
    if let Some((cert, key_path)) = tls {
        let certs = pem::parse_many(std::fs::read(cert)?)?
            .into_iter()
            .filter(|p| p.tag() == "CERTIFICATE")
            .map(|p| libp2p::websocket::tls::Certificate::new(p.into_contents()))
            .collect::<Vec<_>>();
        let key = pem::parse_many(std::fs::read(key_path)?)?
            .into_iter()
            .find(|p| p.tag().ends_with("PRIVATE KEY"))
            .ok_or("no private key in the --wss-key file")?;
        let key = libp2p::websocket::tls::PrivateKey::new(key.into_contents());
        ws.set_tls_config(libp2p::websocket::tls::Config::new(key, certs)?);
    }
    Ok(ws
        .upgrade(Version::V1Lazy)
        .authenticate(noise::Config::new(key)?)
        .multiplex(muxers())
        .timeout(Duration::from_secs(20))
        .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer)))
        .boxed())
}

fn relay_behaviour(
    config: &ServiceConfig,
) -> Result<gossipsub::Behaviour, Box<dyn std::error::Error + Send + Sync>> {
    // nwaku's GossipsubParameters (waku_relay/protocol.nim), message id sha256(data), no signing.
    let gs = gossipsub::ConfigBuilder::default()
        .protocol_id(RELAY_PROTOCOL, gossipsub::Version::V1_1)
        .validation_mode(gossipsub::ValidationMode::Anonymous)
        .message_id_fn(|m| gossipsub::MessageId::from(Sha256::digest(&m.data).to_vec()))
        .mesh_n(6)
        .mesh_n_low(4)
        .mesh_n_high(8)
        .mesh_outbound_min(3)
        .gossip_lazy(6)
        .gossip_factor(0.25)
        .heartbeat_interval(Duration::from_secs(1))
        .history_length(6)
        .history_gossip(3)
        .fanout_ttl(Duration::from_secs(60))
        .duplicate_cache_time(Duration::from_secs(120))
        .prune_backoff(Duration::from_secs(60))
        .unsubscribe_backoff(Duration::from_secs(5))
        .flood_publish(true)
        .max_transmit_size(config.max_message_size + 64 * 1024)
        .build()?;
    let mut relay = gossipsub::Behaviour::new(gossipsub::MessageAuthenticity::Anonymous, gs)?;
    for shard in &config.shards {
        relay.subscribe(&gossipsub::IdentTopic::new(
            PubsubTopic::new(config.cluster, *shard).to_string(),
        ))?;
    }
    Ok(relay)
}

pub async fn build(
    config: &ServiceConfig,
    keypair: Keypair,
) -> Result<Swarm<Behaviour>, Box<dyn std::error::Error + Send + Sync>> {
    let cert = load_or_create_certificate(&config.data_dir)?;
    let tls = config.wss_tls.clone();
    let relay = relay_behaviour(config)?;
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            muxers,
        )?
        .with_other_transport(|key| libp2p_webrtc::tokio::Transport::new(key.clone(), cert))?
        .with_other_transport(|key| websocket_transport(key, tls.as_ref()))?
        .with_behaviour(|key| Behaviour {
            identify: identify::Behaviour::new(
                identify::Config::new("/vac/waku/2.0.0".into(), key.public())
                    .with_agent_version(format!("hearth/{}", hearth::VERSION)),
            ),
            ping: ping::Behaviour::new(ping::Config::new()),
            relay,
            rpc: request_response::Behaviour::with_codec(
                FrameCodec,
                super::SERVED.iter().map(|p| {
                    (
                        StreamProtocol::new(p),
                        request_response::ProtocolSupport::Inbound,
                    )
                }),
                request_response::Config::default()
                    .with_request_timeout(super::REQUEST_TIMEOUT)
                    .with_max_concurrent_streams(256),
            ),
            stream: libp2p_stream::Behaviour::new(),
        })?
        // nwaku keeps light clients' connections open while they are idle; so do we.
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    for addr in &config.listen {
        swarm.listen_on(addr.clone())?;
    }
    for peer in &config.static_peers {
        if let Err(e) = swarm.dial(peer.clone()) {
            tracing::warn!(%peer, "cannot dial static peer: {e}");
        }
    }
    Ok(swarm)
}

/// Owns the swarm: prints listen addresses, keeps the peer table, runs the metadata handshake on
/// every new connection, hands relayed messages to the hub and carries out its commands.
pub async fn run(
    hub: Arc<Hub>,
    mut swarm: Swarm<Behaviour>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let mut awaiting = AwaitingFirstStream::new();
    loop {
        tokio::select! {
            Some(cmd) = commands.recv() => match cmd {
                Command::Publish { topic, data, reply } => {
                    let t = gossipsub::IdentTopic::new(topic);
                    let peers = swarm.behaviour().relay.mesh_peers(&t.hash()).count()
                        .max(swarm.behaviour().relay.all_peers().filter(|(_, ts)| ts.contains(&&t.hash())).count());
                    let sent = match swarm.behaviour_mut().relay.publish(t, data) {
                        Ok(_) => peers,
                        Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => 0,
                        Err(e) => { tracing::warn!("relay publish: {e}"); 0 }
                    };
                    let _ = reply.send(sent);
                }
                Command::Disconnect(peer) => { let _ = swarm.disconnect_peer_id(peer); }
                Command::Respond { channel, bytes } => {
                    if swarm.behaviour_mut().rpc.send_response(channel, bytes).is_err() {
                        tracing::debug!("response not sent: the stream is gone");
                    }
                }
            },
            event = swarm.select_next_some() => on_event(&hub, &mut swarm, &mut awaiting, event),
        }
    }
}

fn on_event(
    hub: &Arc<Hub>,
    swarm: &mut Swarm<Behaviour>,
    awaiting: &mut AwaitingFirstStream,
    event: SwarmEvent<BehaviourEvent>,
) {
    match event {
        SwarmEvent::NewListenAddr { address, .. } => {
            let full = address.with_p2p(hub.peer_id).unwrap_or_else(|a| a);
            // The one line per dialable address that scripts and people copy from.
            if hub.config.print_listen_addrs {
                println!("{full}");
            }
            lock(&hub.listen_addrs).push(full);
        }
        SwarmEvent::ConnectionEstablished {
            peer_id,
            endpoint,
            num_established,
            ..
        } => {
            tracing::info!(peer = %peer_id, addr = %endpoint.get_remote_address(), "connected");
            lock(&hub.peers).entry(peer_id).or_default().addr =
                Some(endpoint.get_remote_address().clone());
            if num_established.get() == 1 {
                let first_stream = is_webrtc_direct(endpoint.get_remote_address()).then(|| {
                    let (tx, rx) = oneshot::channel();
                    awaiting.insert(peer_id, tx);
                    rx
                });
                tokio::spawn(metadata_handshake(hub.clone(), peer_id, first_stream));
            }
        }
        SwarmEvent::ConnectionClosed {
            peer_id,
            num_established: 0,
            cause,
            ..
        } => {
            tracing::info!(peer = %peer_id, ?cause, "disconnected");
            lock(&hub.peers).remove(&peer_id);
            awaiting.remove(&peer_id);
        }
        // We answered the peer's identify request: it has opened a stream, so it takes ours now.
        SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Sent {
            peer_id, ..
        })) => {
            if let Some(first_stream) = awaiting.remove(&peer_id) {
                let _ = first_stream.send(());
            }
        }
        SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
            peer_id,
            info,
            ..
        })) => {
            let mut peers = lock(&hub.peers);
            let entry = peers.entry(peer_id).or_default();
            entry.protocols = Some(info.protocols.iter().map(|p| p.to_string()).collect());
            entry.agent = Some(info.agent_version);
        }
        SwarmEvent::Behaviour(BehaviourEvent::Relay(gossipsub::Event::Message {
            message, ..
        })) => {
            let topic = message.topic.as_str().parse::<PubsubTopic>();
            let decoded = WakuMessage::decode_bounded(&message.data, hub.config.limits());
            match (topic, decoded) {
                (Ok(topic), Ok(msg))
                    if hub.config.serves(&topic) && msg.validate(hub.config.limits()).is_ok() =>
                {
                    let hub = hub.clone();
                    tokio::spawn(async move { hub.accept(&topic, msg, Origin::Relay).await });
                }
                (t, m) => {
                    tracing::debug!(topic = ?t.err(), message = ?m.err(), "relayed message dropped")
                }
            }
        }
        SwarmEvent::Behaviour(BehaviourEvent::Rpc(request_response::Event::Message {
            peer,
            message:
                request_response::Message::Request {
                    request, channel, ..
                },
            ..
        })) => {
            if let Some(first_stream) = awaiting.remove(&peer) {
                let _ = first_stream.send(());
            }
            let hub = hub.clone();
            tokio::spawn(async move {
                let protocol = request.protocol.clone();
                match tokio::time::timeout(
                    super::REQUEST_TIMEOUT,
                    super::dispatch(&hub, peer, request),
                )
                .await
                {
                    Ok(Some(bytes)) => {
                        let _ = hub.commands.send(Command::Respond { channel, bytes });
                    }
                    // Dropping the channel closes the stream without an answer.
                    Ok(None) => {}
                    Err(_) => tracing::warn!(%peer, %protocol, "request handler timed out"),
                }
            });
        }
        SwarmEvent::Behaviour(BehaviourEvent::Rpc(request_response::Event::InboundFailure {
            peer,
            error,
            ..
        })) => {
            tracing::debug!(%peer, "inbound request failed: {error}");
        }
        SwarmEvent::IncomingConnectionError { error, .. } => {
            tracing::debug!("incoming connection failed: {error}")
        }
        SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
            tracing::warn!(?peer_id, "dial failed: {error}")
        }
        _ => {}
    }
    let _ = swarm;
}

fn is_webrtc_direct(addr: &libp2p::Multiaddr) -> bool {
    addr.iter().any(|p| matches!(p, Protocol::WebRTCDirect))
}

/// nwaku asks every peer that connects for its cluster and drops the peer if the answer is
/// missing, unreadable or another cluster (peer_manager.nim `onPeerMetadata`); so do we.
/// With `first_stream` (WebRTC-direct), we ask once the peer has opened a stream to us, or after
/// `WEBRTC_FIRST_STREAM_WAIT`; if the peer left meanwhile, not at all.
async fn metadata_handshake(
    hub: Arc<Hub>,
    peer: PeerId,
    first_stream: Option<oneshot::Receiver<()>>,
) {
    if let Some(ready) = first_stream
        && let Ok(Err(_gone)) = tokio::time::timeout(WEBRTC_FIRST_STREAM_WAIT, ready).await
    {
        return;
    }
    let request = WakuMetadataRequest {
        cluster_id: Some(u32::from(hub.config.cluster)),
        shards: hub.config.shards.iter().map(|s| u32::from(*s)).collect(),
        shards_packed: hub.config.shards.iter().map(|s| u32::from(*s)).collect(),
    };
    let mut control = hub.streams.clone();
    let result = tokio::time::timeout(super::REQUEST_TIMEOUT, async {
        let mut stream = control
            .open_stream(
                peer,
                StreamProtocol::new(hearth::protocols::metadata::PROTOCOL),
            )
            .await
            .map_err(|e| e.to_string())?;
        hearth::net::write_message(&mut stream, &request)
            .await
            .map_err(|e| e.to_string())?;
        let response: Option<WakuMetadataResponse> =
            hearth::net::read_message(&mut stream, hearth::protocols::metadata::MAX_FRAME)
                .await
                .map_err(|e| e.to_string())?;
        response.ok_or_else(|| "no answer".to_string())
    })
    .await;
    let verdict = match result {
        Err(_) => Err("timed out".to_string()),
        Ok(Err(e)) => Err(e),
        Ok(Ok(r)) => match r.cluster_id {
            None => Err("empty cluster-id reported".into()),
            Some(c) if c != u32::from(hub.config.cluster) => {
                Err(format!("cluster {c} is not ours ({})", hub.config.cluster))
            }
            Some(_) => Ok(()),
        },
    };
    if let Err(why) = verdict {
        tracing::warn!(%peer, "metadata handshake failed, disconnecting: {why}");
        let _ = hub.commands.send(Command::Disconnect(peer));
    }
}
