//! The wasm light client in headless Chromium against a live `hearth node`, over WebSocket and
//! over WebRTC-direct: connect, lightpush, receive through filter, query store.
//!
//! Also a store peer that claims 100 MiB answers and sends 4 KiB: the wasm memory
//! (`WebAssembly.Memory`, which never shrinks) must stay flat.
//!
//! `scripts/test-browser-client` starts the node and the hostile store peer
//! (`node/examples/hostile_store.rs`) and builds this with their addresses (`HEARTH_WS_ADDR`,
//! `HEARTH_WEBRTC_ADDR`, `HEARTH_HOSTILE_STORE_ADDR`, each ending in `/p2p/<id>`); the
//! `node-tests` feature keeps it out of the plain `cargo test` run, which has no node.
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

/// The size of this module's `WebAssembly.Memory`, in bytes.
fn wasm_memory_bytes() -> usize {
    core::arch::wasm32::memory_size(0) * 65536
}

#[wasm_bindgen_test]
async fn a_store_peer_claiming_huge_answers_leaves_wasm_memory_flat() {
    let addr = env!("HEARTH_HOSTILE_STORE_ADDR")
        .parse()
        .expect("hostile store address");
    let mut config = ClientConfig::local(vec![addr]);
    config.store_timeout = Duration::from_secs(2);
    let client = LightClient::start(config).expect("client starts");
    client
        .wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(20))
        .await
        .expect("the hostile store peer connects");
    let before = wasm_memory_bytes();
    for i in 0..5 {
        let err = client
            .query_all(store::StoreQuery::topics(TOPIC, ["/hearth/1/claims/proto"]))
            .await
            .expect_err("a stalled answer is an error");
        console_log!("query {i}: {err}");
    }
    let after = wasm_memory_bytes();
    console_log!(
        "5 answers claiming 100 MiB each: wasm memory {:.1} → {:.1} MiB",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0
    );
    // Allocating the claim would have grown it by at least 100 MiB on the first query.
    assert!(
        after - before < 8 << 20,
        "wasm memory grew {} bytes",
        after - before
    );
}
