//! The light client's swarm: transports for where it runs, and the behaviours every connection
//! carries. In the browser: WebSocket (the road to nwaku) and WebRTC-direct (to nodes that offer
//! it); natively: TCP and WebSocket, with DNS. Noise for security; yamux and mplex both offered,
//! because nwaku speaks both and js-waku-era nodes may only know mplex.

use std::time::Duration;

use futures::channel::mpsc;
use libp2p::core::muxing::StreamMuxerBox;
use libp2p::core::transport::Boxed;
use libp2p::core::upgrade::{SelectUpgrade, Version};
use libp2p::identity::Keypair;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use libp2p::Multiaddr;
use libp2p::core::Endpoint;
use libp2p::core::transport::PortUse;
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler, THandlerInEvent,
    THandlerOutEvent, ToSwarm, dummy,
};
use libp2p::{PeerId, Swarm, Transport, identify, noise, ping, yamux};

use super::inbound::{Inbound, Incoming};
use super::peers::PeerBook;
use crate::protocols::{filter, metadata};

/// Identify's protocol version string, as nwaku sends it.
pub const IDENTIFY_PROTOCOL: &str = "/vac/waku/2.0.0";
/// Connections we hold to service nodes stay open while idle: filter pushes arrive on them.
pub const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(NetworkBehaviour)]
pub struct Behaviour {
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    /// Streams we open (every request).
    pub stream: libp2p_stream::Behaviour,
    /// The metadata question nwaku asks every new peer.
    pub metadata_in: Inbound,
    /// Filter pushes.
    pub push_in: Inbound,
    /// The peer book's addresses for dials by peer id alone.
    pub addresses: Addresses,
}

/// Answers the swarm's "where is this peer?" from the peer book. libp2p-stream opens a stream to
/// a peer that is not connected by dialing its peer id alone; without an answer that dial fails
/// with "no addresses for peer" until the redial backoff (up to 60 s) reconnects, which is what a
/// send right after the network came back ran into.
pub struct Addresses {
    book: Arc<Mutex<PeerBook>>,
    dialable: fn(&Multiaddr) -> bool,
}

impl Addresses {
    pub fn new(book: Arc<Mutex<PeerBook>>, dialable: fn(&Multiaddr) -> bool) -> Self {
        Self { book, dialable }
    }
}

impl NetworkBehaviour for Addresses {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = std::convert::Infallible;

    fn handle_established_inbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn handle_pending_outbound_connection(
        &mut self,
        _: ConnectionId,
        peer: Option<PeerId>,
        given: &[Multiaddr],
        _: Endpoint,
    ) -> Result<Vec<Multiaddr>, ConnectionDenied> {
        let Some(peer) = peer else {
            return Ok(Vec::new());
        };
        let book = self.book.lock().unwrap_or_else(|e| e.into_inner());
        Ok(book
            .get(&peer)
            .map(|r| {
                r.addrs
                    .iter()
                    .filter(|a| (self.dialable)(a) && !given.contains(a))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    fn on_swarm_event(&mut self, _: FromSwarm) {}

    fn on_connection_handler_event(
        &mut self,
        _: PeerId,
        _: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

/// Where the streams peers open to us arrive: (metadata, filter push).
pub struct InboundStreams {
    pub metadata: mpsc::UnboundedReceiver<Incoming>,
    pub push: mpsc::UnboundedReceiver<Incoming>,
}

pub type Error = Box<dyn std::error::Error + Send + Sync>;

fn behaviour(
    key: &Keypair,
    metadata_in: Inbound,
    push_in: Inbound,
    addresses: Addresses,
) -> Behaviour {
    Behaviour {
        metadata_in,
        push_in,
        addresses,
        identify: identify::Behaviour::new(
            identify::Config::new(IDENTIFY_PROTOCOL.into(), key.public())
                .with_agent_version(format!("hearth/{}", crate::VERSION)),
        ),
        ping: ping::Behaviour::new(ping::Config::new()),
        stream: libp2p_stream::Behaviour::new(),
    }
}

/// The muxers every connection offers: yamux (nwaku, rust-libp2p) and mplex (js-waku).
/// Shared with `hearth node`, so the client and the node cannot drift apart.
pub fn muxers() -> SelectUpgrade<yamux::Config, libp2p_mplex::Config> {
    SelectUpgrade::new(yamux::Config::default(), libp2p_mplex::Config::default())
}

/// The upgrade chain on a raw transport: multistream-select (lazy), Noise, [`muxers`], within
/// 20 s. The one copy, used by the client's transports and by `hearth node`'s WebSocket.
pub fn secure<T>(transport: T, key: &Keypair) -> Result<Boxed<(PeerId, StreamMuxerBox)>, Error>
where
    T: Transport + Send + Unpin + 'static,
    T::Output: futures::AsyncRead + futures::AsyncWrite + Unpin + Send + 'static,
    T::Error: Send + Sync + 'static,
    T::Dial: Send + 'static,
    T::ListenerUpgrade: Send + 'static,
{
    Ok(transport
        .upgrade(Version::V1Lazy)
        .authenticate(noise::Config::new(key)?)
        .multiplex(muxers())
        .timeout(Duration::from_secs(20))
        .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer)))
        .boxed())
}

/// The native swarm: TCP, and WebSocket (`/ws`, `/wss`) with DNS names resolved by the system
/// inside the WebSocket transport, so TLS still sees the host name.
#[cfg(not(target_arch = "wasm32"))]
pub fn build_swarm(
    key: Keypair,
    addresses: Addresses,
) -> Result<(Swarm<Behaviour>, InboundStreams), Error> {
    use libp2p::tcp;
    let (metadata_in, metadata) = Inbound::new(metadata::PROTOCOL);
    let (push_in, push) = Inbound::new(filter::PUSH_PROTOCOL);
    let swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            muxers,
        )?
        .with_other_transport(|key| {
            let tcp = tcp::tokio::Transport::new(tcp::Config::default().nodelay(true));
            let dns = libp2p::dns::tokio::Transport::system(tcp)?;
            let mut ws = libp2p::websocket::Config::new(dns);
            ws.set_max_data_size(crate::protocols::lightpush::MAX_FRAME * 2);
            secure(ws, key)
        })?
        .with_behaviour(|key| behaviour(key, metadata_in, push_in, addresses))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build();
    Ok((swarm, InboundStreams { metadata, push }))
}

/// The browser swarm: WebSocket and WebRTC-direct. The WebRTC shim is installed first so the
/// node's own streams (filter push, metadata) are not lost (see `docs/webrtc-direct.md`).
#[cfg(target_arch = "wasm32")]
pub fn build_swarm(
    key: Keypair,
    addresses: Addresses,
) -> Result<(Swarm<Behaviour>, InboundStreams), Error> {
    use libp2p::{webrtc_websys, websocket_websys};
    webrtc_shim::install();
    let (metadata_in, metadata) = Inbound::new(metadata::PROTOCOL);
    let (push_in, push) = Inbound::new(filter::PUSH_PROTOCOL);
    let swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_wasm_bindgen()
        .with_other_transport(|key| {
            secure(
                websocket_websys::Transport::default().map(|c, _| SentIsFlushed(c)),
                key,
            )
        })?
        .with_other_transport(|key| webrtc_websys::Transport::new(webrtc_websys::Config::new(key)))?
        .with_behaviour(|key| behaviour(key, metadata_in, push_in, addresses))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build();
    Ok((swarm, InboundStreams { metadata, push }))
}

/// A browser WebSocket connection whose flush completes once `send()` has taken the bytes.
///
/// libp2p-websocket-websys 0.6 completes a flush only when `bufferedAmount` reads 0, which it
/// checks on a 100 ms interval; Chromium still counts just-sent bytes as buffered, so every flush
/// (several per Noise handshake, one per request) waits for that tick: measured ~250 ms extra per
/// connection (tests/bench/light-client). The browser delivers what `send()` accepted, in order,
/// or fails the socket, which the next read or write reports; and writes still wait while the
/// socket's buffer is full. So nothing is lost by not waiting.
#[cfg(target_arch = "wasm32")]
struct SentIsFlushed(libp2p::websocket_websys::Connection);

#[cfg(target_arch = "wasm32")]
impl futures::AsyncRead for SentIsFlushed {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

#[cfg(target_arch = "wasm32")]
impl futures::AsyncWrite for SentIsFlushed {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_close(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_close(cx)
    }
}

/// The data-channel shim for WebRTC-direct (`webrtc_shim.js` says what and why), loaded once.
#[cfg(target_arch = "wasm32")]
pub mod webrtc_shim {
    use wasm_bindgen::prelude::wasm_bindgen;

    #[wasm_bindgen(module = "/src/net/webrtc_shim.js")]
    extern "C" {
        fn install_webrtc_shim();
        fn observe_datachannels(buffer: bool);
        fn early_datachannels() -> u32;
        fn late_datachannels() -> u32;
    }

    /// Makes every later WebRTC connection hold the node's early data channels.
    pub fn install() {
        install_webrtc_shim();
    }

    /// For the WebRTC-direct probe: whether later connections hold early channels (the shipped
    /// client always does), with the counters reset.
    pub fn observe(buffer: bool) {
        observe_datachannels(buffer);
    }

    /// Data channels the remote opened before (early) and after (late) libp2p took them, since
    /// the last [`observe`].
    pub fn counts() -> (u32, u32) {
        (early_datachannels(), late_datachannels())
    }
}
