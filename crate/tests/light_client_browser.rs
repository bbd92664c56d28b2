//! The wasm light client in headless Chromium against a live `hearth node`, over WebSocket and
//! over WebRTC-direct: connect, lightpush, receive through filter, query store.
//!
//! `scripts/test-browser-client` starts the node and builds this with its addresses
//! (`HEARTH_WS_ADDR`, `HEARTH_WEBRTC_ADDR`, both ending in `/p2p/<id>`); the `node-tests` feature
//! keeps it out of the plain `cargo test` run, which has no node.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use futures::StreamExt;
use hearth::net::client::Origin;
use hearth::net::peers::Transport;
use hearth::net::{ClientConfig, LightClient, runtime};
use hearth::protocols::{filter, store};
use hearth::waku::WakuMessage;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const TOPIC: &str = "/waku/2/rs/16/32";

async fn round_trip(addr: &str, transport: Transport, tag: &str) {
    let addr = addr.parse().expect("node address");
    let client = LightClient::start(ClientConfig::local(vec![addr])).expect("client starts");
    client
        .wait_for_peers(filter::SUBSCRIBE_PROTOCOL, 1, Duration::from_secs(20))
        .await
        .unwrap_or_else(|e| panic!("{tag}: no filter peer: {e}"));
    let health = client.health_now();
    assert_eq!(health.transports, vec![(transport, 1)], "{tag}: {health:?}");

    let ct = format!("/hearth/1/browser-{tag}/proto");
    let mut sub = client
        .subscribe(TOPIC, vec![ct.clone()])
        .await
        .unwrap_or_else(|e| panic!("{tag}: subscribe: {e}"));

    let message = WakuMessage {
        payload: format!("hello from Chromium over {tag}").into_bytes(),
        content_topic: ct.clone(),
        timestamp: Some(runtime::now_ns()),
        ..WakuMessage::default()
    };
    let report = client
        .push(TOPIC, &message)
        .await
        .unwrap_or_else(|e| panic!("{tag}: push: {e}"));
    assert_eq!(report.accepted.len(), 1, "{tag}: {report:?}");

    // The node pushes it back on the stream it opens towards us: the part WebRTC-direct lost
    // before the client's data-channel shim.
    let got = runtime::timeout(Duration::from_secs(15), sub.next())
        .await
        .flatten()
        .unwrap_or_else(|| panic!("{tag}: no filter push within 15 s"));
    assert_eq!(got.hash, report.hash, "{tag}");
    assert_eq!(got.message.payload, message.payload, "{tag}");
    assert!(matches!(got.origin, Origin::Filter(_)), "{tag}");

    let stored = client
        .query_all(store::StoreQuery::topics(TOPIC, [ct]))
        .await
        .unwrap_or_else(|e| panic!("{tag}: store: {e}"));
    assert_eq!(stored.len(), 1, "{tag}");
    assert_eq!(stored[0].hash, report.hash, "{tag}");
    console_log!("{tag}: pushed, received through filter and read back from store");
}

#[wasm_bindgen_test]
async fn over_websocket() {
    round_trip(env!("HEARTH_WS_ADDR"), Transport::WebSocket, "ws").await;
}

#[wasm_bindgen_test]
async fn over_webrtc_direct() {
    round_trip(
        env!("HEARTH_WEBRTC_ADDR"),
        Transport::WebRtcDirect,
        "webrtc",
    )
    .await;
}
