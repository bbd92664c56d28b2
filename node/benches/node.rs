//! `cargo bench -p hearth-node --bench node --profile release-native`: figures for the service
//! node, printed, never asserted. (The plain bench profile shares `target/release` with the wasm
//! release build and fails to link the `hearth` binary against `hearth_node`; the native profile
//! has a directory of its own.)
//!
//! 1. Archive: insert 100,000 messages (each its own committed transaction, as the node does),
//!    then page through them backward and forward and look them up by hash.
//! 2. Memory: the node's resident set size with 1,000 peers each holding a filter subscription,
//!    each a real libp2p client over TCP that answers the metadata handshake as js-waku does.

use std::time::{Duration, Instant};

use futures::StreamExt;
use hearth::net::rpc::{Frame, FrameBody, FrameCodec};
use hearth::proto::waku::filter::v2::{FilterSubscribeRequest, FilterSubscribeResponse};
use hearth::proto::waku::metadata::v1::WakuMetadataResponse;
use hearth::proto::waku::store::v3::StoreQueryRequest;
use hearth::waku::WakuMessage;
use hearth_node::service::message_store::MessageStore;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, StreamProtocol, identify, noise, tcp, yamux};
use prost::Message;

const PUBSUB: &str = "/waku/2/rs/16/32";
const MESSAGES: usize = 100_000;
const TOPICS: usize = 10;
const FILTER_PEERS: usize = 1_000;

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

fn bench_archive() {
    let dir = std::env::temp_dir().join(format!("hearth-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut archive = MessageStore::open(&dir.join("store.sqlite3")).unwrap();
    let base = now_ns() - 19_000_000_000;
    let messages: Vec<WakuMessage> = (0..MESSAGES)
        .map(|i| WakuMessage {
            payload: format!("message {i:06} {}", "x".repeat(180)).into_bytes(),
            content_topic: format!("/hearth/1/bench-{}/proto", i % TOPICS),
            timestamp: Some(base + i as i64 * 190_000),
            version: Some(1),
            ..Default::default()
        })
        .collect();
    let hashes: Vec<_> = messages.iter().map(|m| m.hash(PUBSUB)).collect();

    let t = Instant::now();
    for (m, h) in messages.iter().zip(&hashes) {
        archive
            .insert(PUBSUB, m, h, base + 10_000_000_000)
            .unwrap()
            .unwrap();
    }
    let insert = t.elapsed();
    println!(
        "archive insert: {MESSAGES} messages in {:.2} s = {:.0} msg/s (one fsync'd transaction each)",
        insert.as_secs_f64(),
        MESSAGES as f64 / insert.as_secs_f64()
    );
    let size = std::fs::metadata(dir.join("store.sqlite3"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "archive file: {:.1} MiB for {MESSAGES} messages",
        size as f64 / 1048576.0
    );

    for (forward, limit) in [(false, 20u64), (false, 100), (true, 100)] {
        let t = Instant::now();
        let (mut pages, mut got) = (0, 0);
        let mut cursor = None;
        loop {
            let res = archive.query(&StoreQueryRequest {
                request_id: "b".into(),
                include_data: true,
                pubsub_topic: Some(PUBSUB.into()),
                content_topics: vec!["/hearth/1/bench-3/proto".into()],
                pagination_cursor: cursor.take(),
                pagination_forward: forward,
                pagination_limit: Some(limit),
                ..Default::default()
            });
            pages += 1;
            got += res.messages.len();
            match res.pagination_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let d = t.elapsed();
        println!(
            "archive query {} page {limit}: {got} messages in {pages} pages, {:.2} ms/page, {:.0} msg/s",
            if forward { "forward " } else { "backward" },
            d.as_secs_f64() * 1000.0 / pages as f64,
            got as f64 / d.as_secs_f64()
        );
    }
    let t = Instant::now();
    let lookups = 200;
    for q in 0..lookups {
        let batch: Vec<Vec<u8>> = hashes
            .iter()
            .skip(q * 97)
            .step_by(499)
            .take(100)
            .map(|h| h.0.to_vec())
            .collect();
        let res = archive.query(&StoreQueryRequest {
            request_id: "h".into(),
            include_data: true,
            message_hashes: batch,
            pagination_limit: Some(100),
            ..Default::default()
        });
        assert!(!res.messages.is_empty());
    }
    let d = t.elapsed();
    println!(
        "archive hash lookups: {lookups} queries of 100 hashes, {:.2} ms/query",
        d.as_secs_f64() * 1000.0 / lookups as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[derive(NetworkBehaviour)]
struct Client {
    rpc: request_response::Behaviour<FrameCodec>,
    identify: identify::Behaviour,
    stream: libp2p_stream::Behaviour,
}

/// One filter subscriber: connects, answers the node's metadata question, subscribes to one
/// content topic, then stays connected until `stop` fires.
async fn subscriber(
    node: Multiaddr,
    n: usize,
    ready: tokio::sync::mpsc::Sender<bool>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .unwrap()
        .with_behaviour(|key| Client {
            rpc: request_response::Behaviour::with_codec(
                FrameCodec,
                [
                    (
                        StreamProtocol::new(hearth::protocols::filter::SUBSCRIBE_PROTOCOL),
                        ProtocolSupport::Outbound,
                    ),
                    (
                        StreamProtocol::new(hearth::protocols::metadata::PROTOCOL),
                        ProtocolSupport::Inbound,
                    ),
                ],
                request_response::Config::default(),
            ),
            identify: identify::Behaviour::new(identify::Config::new(
                "/vac/waku/2.0.0".into(),
                key.public(),
            )),
            stream: libp2p_stream::Behaviour::new(),
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(600)))
        .build();
    // Accepting filter-push makes identify advertise it, which the node checks.
    let _push = swarm
        .behaviour()
        .stream
        .new_control()
        .accept(StreamProtocol::new(
            hearth::protocols::filter::PUSH_PROTOCOL,
        ))
        .unwrap();
    swarm.dial(node).unwrap();
    let mut subscribed = false;
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            event = swarm.select_next_some() => match event {
                SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                    let req = FilterSubscribeRequest {
                        request_id: format!("sub-{n}"),
                        filter_subscribe_type: 1,
                        pubsub_topic: Some(PUBSUB.into()),
                        content_topics: vec![format!("/hearth/1/peer-{n}/proto")],
                    };
                    swarm.behaviour_mut().rpc.send_request(&peer_id, Frame {
                        protocol: StreamProtocol::new(hearth::protocols::filter::SUBSCRIBE_PROTOCOL),
                        body: FrameBody::Bytes(req.encode_to_vec()),
                    });
                }
                SwarmEvent::Behaviour(ClientEvent::Rpc(request_response::Event::Message { message, .. })) => match message {
                    request_response::Message::Request { channel, .. } => {
                        let res = WakuMetadataResponse { cluster_id: Some(16), ..Default::default() };
                        let _ = swarm.behaviour_mut().rpc.send_response(channel, res.encode_to_vec());
                    }
                    request_response::Message::Response { response, .. } if !subscribed => {
                        subscribed = true;
                        let ok = FilterSubscribeResponse::decode(response.as_slice()).map(|r| r.status_code == 200).unwrap_or(false);
                        let _ = ready.send(ok).await;
                    }
                    _ => {}
                },
                SwarmEvent::OutgoingConnectionError { error, .. } if !subscribed => {
                    subscribed = true;
                    eprintln!("peer {n}: {error}");
                    let _ = ready.send(false).await;
                }
                _ => {}
            }
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn bench_filter_memory() {
    let dir = std::env::temp_dir().join(format!("hearth-bench-node-{}", std::process::id()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "node",
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--http",
            "off",
        ])
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    let addr: Multiaddr = line.trim().parse().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let idle = rss_kib(child.id());

    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ok, t) = rt.block_on(async {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(FILTER_PEERS);
        let t = Instant::now();
        for n in 0..FILTER_PEERS {
            tokio::spawn(subscriber(
                addr.clone(),
                n,
                ready_tx.clone(),
                stop_rx.clone(),
            ));
        }
        let mut ok = 0;
        for _ in 0..FILTER_PEERS {
            if ready_rx.recv().await == Some(true) {
                ok += 1;
            }
        }
        let t = t.elapsed();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss = rss_kib(child.id());
        let _ = stop_tx.send(true);
        ((ok, rss), t)
    });
    let (subscribed, loaded) = ok;
    println!(
        "node RSS: {:.1} MiB idle, {:.1} MiB with {subscribed}/{FILTER_PEERS} connected filter subscribers ({:.1} KiB per subscriber); subscribing all took {:.1} s",
        idle as f64 / 1024.0,
        loaded as f64 / 1024.0,
        (loaded.saturating_sub(idle)) as f64 / subscribed.max(1) as f64,
        t.as_secs_f64()
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --benches`) runs nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    bench_archive();
    bench_filter_memory();
}
