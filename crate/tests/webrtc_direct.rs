//! Reproduction for issue #3: streams that `hearth node` opens towards a browser over
//! WebRTC-direct (the metadata question, identify, ping, later filter pushes), side by side with
//! the same client over WebSocket. `docs/webrtc-direct.md` explains what it shows.
//!
//! The node's addresses are compile-time inputs, so in the normal test suite (where they are
//! unset) every case is a no-op that prints "skipped". `scripts/webrtc-probe` starts a node and sets
//! - `HEARTH_WEBRTC_ADDR`: `/ip4/…/udp/…/webrtc-direct/certhash/…/p2p/…`
//! - `HEARTH_WS_ADDR`: `/ip4/…/tcp/…/ws/p2p/…`
//! - `HEARTH_PROBE_HOLD_SECS` (default 6): how long each case keeps its connection
//! - `HEARTH_BROWSER_LOG` (optional): tracing directives for the browser's libp2p, e.g.
//!   `libp2p_webrtc_websys=trace,libp2p_ping=debug`, shown with `-- --nocapture`.
//!
//! Each case dials the node, then for the hold time drives a browser swarm with ping (every
//! second), identify and `libp2p-stream`, answering the node's `/vac/waku/metadata/1.0.0` question
//! with cluster 16, and prints one `RESULT` line. Asserted in every case: the connection is still
//! up when the hold ends (the node disconnects a peer whose metadata answer never comes, as nwaku
//! does) and the node-opened metadata stream was answered. Further:
//! - `websocket`: the node's identify request (another node-opened stream) is answered and the
//!   browser's pings keep succeeding on their stream;
//! - `webrtc-direct+buffer` (the client-side workaround, `hearth::net::transport::webrtc_shim`): the node's
//!   identify request is answered too;
//! - `webrtc-direct` (libp2p-webrtc-websys as shipped): only the two common assertions; the lost
//!   node-opened channels and the stalled pings are printed, not asserted.
#![cfg(target_arch = "wasm32")]

use std::fmt::Write as _;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use futures::stream::FuturesUnordered;
use futures::{AsyncWriteExt, FutureExt, StreamExt};
use futures_timer::Delay;
use hearth::proto::waku::metadata::v1::{WakuMetadataRequest, WakuMetadataResponse};
use hearth::protocols::metadata;
use libp2p::core::muxing::StreamMuxerBox;
use libp2p::core::upgrade::Version;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    Multiaddr, StreamProtocol, Swarm, Transport, identify, noise, ping, webrtc_websys,
    websocket_websys, yamux,
};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// The cluster `hearth node` serves by default (and Status uses).
const CLUSTER: u32 = 16;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const DEFAULT_HOLD_SECS: u64 = 6;
/// Time allowed for the connection to close after the browser asks, so no callback of the
/// WebRTC connection outlives its closure (toolchain.md §7).
const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(3);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;
}

// The shim the client ships (`hearth::net::transport::webrtc_shim`, `src/net/webrtc_shim.js`)
// counts the channels the remote opened before libp2p-webrtc-websys assigned `ondatachannel`
// (`Connection::new`, after the Noise handshake) — the browser drops those events, as it does
// any event that has no handler — and, with buffering on (the client-side workaround), holds
// them and their messages until the handlers are assigned. Off, it shows the race as shipped.
use hearth::net::transport::webrtc_shim;

#[derive(NetworkBehaviour)]
struct Probe {
    ping: ping::Behaviour,
    identify: identify::Behaviour,
    stream: libp2p_stream::Behaviour,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Via {
    /// WebRTC-direct with libp2p-webrtc-websys as shipped.
    Rtc,
    /// The same, with early data channels held until libp2p takes them.
    RtcBuffered,
    /// WebSocket (noise, yamux): the control.
    Ws,
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Via::Rtc => "webrtc-direct",
            Via::RtcBuffered => "webrtc-direct+buffer",
            Via::Ws => "websocket",
        })
    }
}

fn behaviour(key: &libp2p::identity::Keypair) -> Probe {
    Probe {
        ping: ping::Behaviour::new(
            ping::Config::new()
                .with_interval(Duration::from_secs(1))
                .with_timeout(Duration::from_secs(5)),
        ),
        identify: identify::Behaviour::new(
            identify::Config::new("/vac/waku/2.0.0".into(), key.public())
                .with_agent_version("hearth-webrtc-probe".into()),
        ),
        stream: libp2p_stream::Behaviour::new(),
    }
}

fn swarm(via: Via) -> Swarm<Probe> {
    let builder = libp2p::SwarmBuilder::with_new_identity().with_wasm_bindgen();
    let idle = |c: libp2p::swarm::Config| c.with_idle_connection_timeout(Duration::from_secs(60));
    match via {
        Via::Rtc | Via::RtcBuffered => builder
            .with_other_transport(|key| {
                webrtc_websys::Transport::new(webrtc_websys::Config::new(key))
            })
            .expect("webrtc-websys transport")
            .with_behaviour(behaviour)
            .expect("behaviour")
            .with_swarm_config(idle)
            .build(),
        Via::Ws => builder
            .with_other_transport(|key| {
                let noise = noise::Config::new(key)?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                    websocket_websys::Transport::default()
                        .upgrade(Version::V1Lazy)
                        .authenticate(noise)
                        .multiplex(yamux::Config::default())
                        .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer)))
                        .boxed(),
                )
            })
            .expect("websocket-websys transport")
            .with_behaviour(behaviour)
            .expect("behaviour")
            .with_swarm_config(idle)
            .build(),
    }
}

/// What one case saw; times are milliseconds since the connection was established.
#[derive(Default, Debug)]
struct Report {
    connected_after_ms: Option<f64>,
    dial_error: Option<String>,
    metadata_opened_ms: Option<f64>,
    metadata_answered_ms: Option<f64>,
    metadata_error: Option<String>,
    identify_received: bool,
    identify_answered_ms: Option<f64>,
    identify_errors: Vec<String>,
    pings_ok: u32,
    ping_errors: Vec<String>,
    closed: Option<(f64, String)>,
    held_ms: f64,
    /// Data channels the node opened before / after libp2p assigned `ondatachannel`.
    early_channels: u32,
    late_channels: u32,
}

impl Report {
    fn summary(&self, via: Via) -> String {
        let ms = |v: Option<f64>| v.map_or("never".to_string(), |v| format!("+{v:.0} ms"));
        let mut s = format!("{via}: ");
        match (&self.dial_error, self.connected_after_ms) {
            (Some(e), _) => {
                let _ = write!(s, "dial failed: {e}");
                return s;
            }
            (None, Some(t)) => {
                let _ = write!(s, "connected in {t:.0} ms; ");
            }
            (None, None) => {
                let _ = write!(s, "not connected within {CONNECT_TIMEOUT:?}");
                return s;
            }
        }
        let _ = write!(
            s,
            "node-opened metadata stream: opened {}, answered {}{}; ",
            ms(self.metadata_opened_ms),
            ms(self.metadata_answered_ms),
            self.metadata_error
                .as_ref()
                .map(|e| format!(" (error: {e})"))
                .unwrap_or_default(),
        );
        let _ = write!(
            s,
            "node's identify request answered {}; browser's identify {}; ",
            ms(self.identify_answered_ms),
            if self.identify_received {
                "received"
            } else {
                "not received"
            },
        );
        if !self.identify_errors.is_empty() {
            let _ = write!(s, "identify errors: {:?}; ", self.identify_errors);
        }
        let _ = write!(
            s,
            "browser pings ok: {}, failed: {:?}; ",
            self.pings_ok, self.ping_errors
        );
        if via != Via::Ws {
            let _ = write!(
                s,
                "node-opened data channels before libp2p's ondatachannel: {}, after: {}; ",
                self.early_channels, self.late_channels
            );
        }
        match &self.closed {
            Some((t, cause)) => {
                let _ = write!(s, "connection CLOSED at +{t:.0} ms: {cause}");
            }
            None => {
                let _ = write!(s, "connection open after {:.1} s", self.held_ms / 1000.0);
            }
        }
        s
    }
}

async fn answer_metadata(mut stream: libp2p::Stream) -> Result<(), String> {
    let request: Option<WakuMetadataRequest> =
        hearth::net::read_message(&mut stream, metadata::MAX_FRAME)
            .await
            .map_err(|e| format!("reading the request: {e}"))?;
    let request = request.ok_or("the node closed the stream without asking")?;
    let response = WakuMetadataResponse {
        cluster_id: Some(CLUSTER),
        shards: request.shards.clone(),
        shards_packed: request.shards_packed.clone(),
    };
    hearth::net::write_message(&mut stream, &response)
        .await
        .map_err(|e| format!("writing the response: {e}"))?;
    stream.close().await.map_err(|e| format!("closing: {e}"))?;
    Ok(())
}

async fn probe(via: Via, addr: &str, hold: Duration) -> Report {
    let addr: Multiaddr = addr
        .parse()
        .expect("the address given to the probe is a multiaddr");
    if via != Via::Ws {
        webrtc_shim::observe(via == Via::RtcBuffered);
    }
    let mut swarm = swarm(via);
    let mut incoming = swarm
        .behaviour()
        .stream
        .new_control()
        .accept(StreamProtocol::new(metadata::PROTOCOL))
        .expect("metadata is registered once")
        .fuse();
    let mut report = Report::default();
    let mut answering = FuturesUnordered::<LocalBoxFuture<'static, Result<(), String>>>::new();
    let dialled_at = date_now();
    let mut established_at: Option<f64> = None;
    let since = |t: Option<f64>| t.map_or(0.0, |t| date_now() - t);
    swarm.dial(addr).expect("dial starts");
    let mut deadline = Delay::new(CONNECT_TIMEOUT).fuse();

    loop {
        futures::select! {
            event = swarm.select_next_some() => match event {
                SwarmEvent::ConnectionEstablished { .. } => {
                    report.connected_after_ms = Some(date_now() - dialled_at);
                    established_at = Some(date_now());
                    deadline = Delay::new(hold).fuse();
                }
                SwarmEvent::OutgoingConnectionError { error, .. } => {
                    report.dial_error = Some(error.to_string());
                    break;
                }
                SwarmEvent::ConnectionClosed { cause, .. } => {
                    report.closed = Some((since(established_at), format!("{cause:?}")));
                    break;
                }
                SwarmEvent::Behaviour(ProbeEvent::Ping(ping::Event { result, .. })) => match result {
                    Ok(_) => report.pings_ok += 1,
                    Err(e) => report.ping_errors.push(format!("+{:.0} ms: {e}", since(established_at))),
                },
                SwarmEvent::Behaviour(ProbeEvent::Identify(event)) => match event {
                    identify::Event::Received { .. } => report.identify_received = true,
                    identify::Event::Sent { .. } => {
                        report.identify_answered_ms.get_or_insert(since(established_at));
                    }
                    identify::Event::Error { error, .. } => report.identify_errors.push(error.to_string()),
                    identify::Event::Pushed { .. } => {}
                },
                _ => {}
            },
            (_, stream) = incoming.select_next_some() => {
                report.metadata_opened_ms.get_or_insert(since(established_at));
                answering.push(answer_metadata(stream).boxed_local());
            }
            done = answering.select_next_some() => match done {
                Ok(()) => { report.metadata_answered_ms.get_or_insert(since(established_at)); }
                Err(e) => report.metadata_error = Some(e),
            },
            () = deadline => break,
        }
    }
    report.held_ms = since(established_at);
    if via != Via::Ws {
        (report.early_channels, report.late_channels) = webrtc_shim::counts();
    }

    // Close politely and wait for it, so no WebRTC callback outlives the connection.
    if established_at.is_some() && report.closed.is_none() {
        let peers: Vec<_> = swarm.connected_peers().copied().collect();
        for peer in peers {
            let _ = swarm.disconnect_peer_id(peer);
        }
        let mut teardown = Delay::new(TEARDOWN_TIMEOUT).fuse();
        loop {
            futures::select! {
                event = swarm.select_next_some() => {
                    if let SwarmEvent::ConnectionClosed { num_established: 0, .. } = event { break; }
                }
                () = teardown => break,
            }
        }
    }
    report
}

/// Browser-side libp2p logs, when `HEARTH_BROWSER_LOG` names what to show.
fn browser_log() {
    struct Console(Vec<u8>);
    impl std::io::Write for Console {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl Drop for Console {
        fn drop(&mut self) {
            console_log!("browser: {}", String::from_utf8_lossy(&self.0).trim_end());
        }
    }
    if let Some(directives) = option_env!("HEARTH_BROWSER_LOG") {
        // A second test in the same page finds it installed already; that is fine.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(directives))
            .with_writer(|| Console(Vec::new()))
            .without_time()
            .with_ansi(false)
            .try_init();
    }
}

fn hold() -> Duration {
    let secs = option_env!("HEARTH_PROBE_HOLD_SECS")
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_HOLD_SECS);
    Duration::from_secs(secs)
}

async fn run_case(via: Via, addr: Option<&'static str>, var: &str) {
    let Some(addr) = addr else {
        console_log!("{via}: skipped ({var} not set; see scripts/webrtc-probe)");
        return;
    };
    browser_log();
    let hold = hold();
    let report = probe(via, addr, hold).await;
    console_log!("RESULT {}", report.summary(via));
    assert!(
        report.connected_after_ms.is_some(),
        "{via}: not connected: {report:?}"
    );
    assert!(
        report.closed.is_none(),
        "{via}: the connection closed during the hold: {report:?}"
    );
    assert!(
        report.metadata_answered_ms.is_some(),
        "{via}: the node-opened metadata stream never completed: {report:?}"
    );
    if via != Via::Rtc {
        assert!(
            report.identify_answered_ms.is_some(),
            "{via}: the node's identify request (a node-opened stream) was never answered: {report:?}"
        );
    }
    if via == Via::Ws {
        assert!(
            u64::from(report.pings_ok) >= hold.as_secs() / 2,
            "{via}: the browser's pings stopped: {report:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn webrtc_direct_node_opened_streams_complete() {
    run_case(
        Via::Rtc,
        option_env!("HEARTH_WEBRTC_ADDR"),
        "HEARTH_WEBRTC_ADDR",
    )
    .await;
}

#[wasm_bindgen_test]
async fn webrtc_direct_buffered_node_opened_streams_complete() {
    run_case(
        Via::RtcBuffered,
        option_env!("HEARTH_WEBRTC_ADDR"),
        "HEARTH_WEBRTC_ADDR",
    )
    .await;
}

#[wasm_bindgen_test]
async fn websocket_node_opened_streams_complete() {
    run_case(Via::Ws, option_env!("HEARTH_WS_ADDR"), "HEARTH_WS_ADDR").await;
}
