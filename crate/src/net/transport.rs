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
use libp2p::swarm::NetworkBehaviour;
use libp2p::{PeerId, Swarm, Transport, identify, noise, ping, yamux};

use super::inbound::{Inbound, Incoming};
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
}

/// Where the streams peers open to us arrive: (metadata, filter push).
pub struct InboundStreams {
    pub metadata: mpsc::UnboundedReceiver<Incoming>,
    pub push: mpsc::UnboundedReceiver<Incoming>,
}

pub type Error = Box<dyn std::error::Error + Send + Sync>;

fn behaviour(key: &Keypair, metadata_in: Inbound, push_in: Inbound) -> Behaviour {
    Behaviour {
        metadata_in,
        push_in,
        identify: identify::Behaviour::new(
            identify::Config::new(IDENTIFY_PROTOCOL.into(), key.public())
                .with_agent_version(format!("hearth/{}", crate::VERSION)),
        ),
        ping: ping::Behaviour::new(ping::Config::new()),
        stream: libp2p_stream::Behaviour::new(),
    }
}

fn muxers() -> SelectUpgrade<yamux::Config, libp2p_mplex::Config> {
    SelectUpgrade::new(yamux::Config::default(), libp2p_mplex::Config::default())
}

fn secure<T>(transport: T, key: &Keypair) -> Result<Boxed<(PeerId, StreamMuxerBox)>, Error>
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
pub fn build_swarm(key: Keypair) -> Result<(Swarm<Behaviour>, InboundStreams), Error> {
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
        .with_behaviour(|key| behaviour(key, metadata_in, push_in))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build();
    Ok((swarm, InboundStreams { metadata, push }))
}

/// The browser swarm: WebSocket and WebRTC-direct. The WebRTC shim is installed first so the
/// node's own streams (filter push, metadata) are not lost (see `docs/webrtc-direct.md`).
#[cfg(target_arch = "wasm32")]
pub fn build_swarm(key: Keypair) -> Result<(Swarm<Behaviour>, InboundStreams), Error> {
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
        .with_behaviour(|key| behaviour(key, metadata_in, push_in))?
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

/// libp2p-webrtc-websys 0.5 assigns `ondatachannel` only after the Noise handshake, so data
/// channels the node opens right after it are dropped by the browser (rust-libp2p#5646). This
/// swaps in an `RTCPeerConnection` subclass that holds such channels, and their first messages,
/// until libp2p's handlers are set, then hands them over in order. Installed once per page.
#[cfg(target_arch = "wasm32")]
mod webrtc_shim {
    use wasm_bindgen::prelude::wasm_bindgen;

    #[wasm_bindgen(inline_js = r#"
function holdMessages(ch) {
  const desc = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'onmessage');
  const held = [];
  let handler = null;
  const hold = (ev) => { if (!handler) held.push(ev); };
  ch.addEventListener('message', hold);
  Object.defineProperty(ch, 'onmessage', {
    configurable: true,
    get() { return handler; },
    set(h) {
      handler = h;
      desc.set.call(ch, h);
      if (h) {
        ch.removeEventListener('message', hold);
        const queued = held.splice(0);
        queueMicrotask(() => { for (const ev of queued) h.call(ch, ev); });
      }
    },
  });
}
export function install_webrtc_shim() {
  const Base = globalThis.RTCPeerConnection;
  if (!Base || Base.__hearthShim) return;
  const desc = Object.getOwnPropertyDescriptor(Base.prototype, 'ondatachannel');
  class Held extends Base {
    constructor(...args) {
      super(...args);
      const early = [];
      let handler = null;
      Object.defineProperty(this, 'ondatachannel', {
        configurable: true,
        get() { return handler; },
        set(h) {
          handler = h;
          desc.set.call(this, h);
          if (h) {
            const queued = early.splice(0);
            queueMicrotask(() => { for (const ev of queued) h.call(this, ev); });
          }
        },
      });
      this.addEventListener('datachannel', (ev) => {
        holdMessages(ev.channel);
        if (!handler) early.push(ev);
      });
    }
  }
  Held.__hearthShim = true;
  globalThis.RTCPeerConnection = Held;
}
"#)]
    extern "C" {
        fn install_webrtc_shim();
    }

    pub fn install() {
        install_webrtc_shim();
    }
}
