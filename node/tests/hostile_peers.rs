//! Service peers that attack the light client rather than fail: a store node whose cursor never
//! ends or repeats, a filter peer whose pings fail so every few seconds a refill runs against
//! that store, peers that push what was never asked for, and an app that does not read. Each
//! test is bounded in time and count, on loopback. The hostile peer is an in-process
//! rust-libp2p swarm speaking the real protocols over raw streams.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::{AsyncWriteExt, StreamExt};
use hearth::net::{ClientConfig, ClientError, LightClient, Received, read_frame, write_frame};
use hearth::proto::waku::filter::v2::{
    FilterSubscribeRequest, FilterSubscribeResponse, MessagePush,
    filter_subscribe_request::FilterSubscribeType,
};
use hearth::proto::waku::store::v3::{StoreQueryRequest, StoreQueryResponse, WakuMessageKeyValue};
use hearth::protocols::{filter, store};
use hearth::waku::WakuMessage;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, StreamProtocol};
use prost::Message;

const TOPIC: &str = "/waku/2/rs/16/32";
const CT: &str = "/hearth/1/hostile/proto";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cursor {
    /// A fresh cursor on every page: the query never ends by itself.
    Endless,
    /// The same cursor on every page.
    Repeated,
}

#[derive(Clone, Copy, Debug)]
struct Plan {
    store: Option<Cursor>,
    /// Serve filter subscribe; `true` also fails every ping (404), so the client keeps
    /// losing this peer and refilling.
    filter: Option<bool>,
}

struct Peer {
    addr: Multiaddr,
    control: libp2p_stream::Control,
    store_requests: Arc<AtomicUsize>,
}

fn message(payload: &str, content_topic: &str) -> WakuMessage {
    WakuMessage {
        payload: payload.as_bytes().to_vec(),
        content_topic: content_topic.into(),
        timestamp: Some(hearth::net::runtime::now_ns()),
        ..WakuMessage::default()
    }
}

async fn start(plan: Plan) -> Peer {
    let mut swarm = common::raw_swarm(Duration::from_secs(120));
    let mut control = swarm.behaviour().stream.new_control();
    let store_requests = Arc::new(AtomicUsize::new(0));
    if let Some(cursor) = plan.store {
        let mut incoming = control
            .accept(StreamProtocol::new(store::PROTOCOL))
            .unwrap();
        let count = store_requests.clone();
        tokio::spawn(async move {
            while let Some((_, mut s)) = incoming.next().await {
                let n = count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let Ok(Some(req)) = read_frame(&mut s, store::MAX_REQUEST_FRAME).await else {
                        return;
                    };
                    let Ok(req) = StoreQueryRequest::decode(req.as_slice()) else {
                        return;
                    };
                    let m = message(&format!("page {n}"), CT);
                    let hash = m.hash(TOPIC);
                    let next = match cursor {
                        Cursor::Endless => rand::random::<[u8; 32]>().to_vec(),
                        Cursor::Repeated => vec![7; 32],
                    };
                    let res = StoreQueryResponse {
                        request_id: req.request_id,
                        status_code: Some(200),
                        status_desc: Some("OK".into()),
                        messages: vec![WakuMessageKeyValue {
                            message_hash: Some(hash.0.to_vec()),
                            message: Some(m),
                            pubsub_topic: Some(TOPIC.into()),
                        }],
                        pagination_cursor: Some(next),
                    };
                    let _ = write_frame(&mut s, &res.encode_to_vec()).await;
                    let _ = s.close().await;
                });
            }
        });
    }
    if let Some(fail_pings) = plan.filter {
        let mut incoming = control
            .accept(StreamProtocol::new(filter::SUBSCRIBE_PROTOCOL))
            .unwrap();
        tokio::spawn(async move {
            while let Some((_, mut s)) = incoming.next().await {
                tokio::spawn(async move {
                    let Ok(Some(req)) = read_frame(&mut s, filter::MAX_REQUEST_FRAME).await else {
                        return;
                    };
                    let Ok(req) = FilterSubscribeRequest::decode(req.as_slice()) else {
                        return;
                    };
                    let ping =
                        req.filter_subscribe_type == FilterSubscribeType::SubscriberPing as i32;
                    let code = if ping && fail_pings { 404 } else { 200 };
                    let res = FilterSubscribeResponse {
                        request_id: req.request_id,
                        status_code: code,
                        status_desc: None,
                    };
                    let _ = write_frame(&mut s, &res.encode_to_vec()).await;
                    let _ = s.close().await;
                });
            }
        });
    }
    swarm
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap())
        .unwrap();
    let peer = *swarm.local_peer_id();
    let addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            break address;
        }
    };
    tokio::spawn(async move {
        loop {
            swarm.select_next_some().await;
        }
    });
    Peer {
        addr: addr.with(Protocol::P2p(peer)),
        control,
        store_requests,
    }
}

/// Pushes messages on one filter-push stream, as a service node does.
async fn push(control: &libp2p_stream::Control, to: PeerId, messages: Vec<(String, WakuMessage)>) {
    let mut s = control
        .clone()
        .open_stream(to, StreamProtocol::new(filter::PUSH_PROTOCOL))
        .await
        .expect("a push stream");
    for (topic, m) in messages {
        let push = MessagePush {
            waku_message: Some(m),
            pubsub_topic: Some(topic),
        };
        write_frame(&mut s, &push.encode_to_vec())
            .await
            .expect("pushed");
    }
    let _ = s.close().await;
}

fn config(peers: Vec<Multiaddr>) -> ClientConfig {
    let mut c = ClientConfig::local(peers);
    c.request_timeout = Duration::from_secs(3);
    c.store_timeout = Duration::from_secs(3);
    c.filter_peers = 1;
    c
}

async fn bounded<T>(what: &str, secs: u64, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .unwrap_or_else(|_| panic!("{what} hung"))
}

async fn next_within(sub: &mut hearth::net::Subscription, secs: u64) -> Option<Received> {
    tokio::time::timeout(Duration::from_secs(secs), sub.next())
        .await
        .ok()
        .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_and_repeated_cursors_end_the_query() {
    for cursor in [Cursor::Endless, Cursor::Repeated] {
        let evil = start(Plan {
            store: Some(cursor),
            filter: None,
        })
        .await;
        let mut c = config(vec![evil.addr.clone()]);
        c.max_query_pages = 30;
        let client = LightClient::start(c).unwrap();
        bounded(
            "connect",
            20,
            client.wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(15)),
        )
        .await
        .unwrap();
        let err = bounded(
            "query",
            60,
            client.query_all(store::StoreQuery::topics(TOPIC, [CT])),
        )
        .await
        .expect_err("a hostile cursor ends the query with an error");
        let asked = evil.store_requests.load(Ordering::SeqCst);
        println!("{cursor:?} cursor: {asked} pages asked, then: {err}");
        match cursor {
            Cursor::Endless => {
                assert!(matches!(err, ClientError::Invalid(ref m) if m.contains("30 pages")));
                assert_eq!(asked, 30);
            }
            Cursor::Repeated => {
                assert!(err.to_string().contains("handed out twice"), "{err}");
                assert_eq!(asked, 2);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_store_ends_the_refill_and_live_delivery_continues() {
    // One peer: filter (every ping fails, so the client loses it and refills every tick) and
    // store (a cursor that never ends).
    let evil = start(Plan {
        store: Some(Cursor::Endless),
        filter: Some(true),
    })
    .await;
    let mut c = config(vec![evil.addr.clone()]);
    c.filter_ping_interval = Duration::from_millis(500);
    c.refill_max_pages = 5;
    let client = LightClient::start(c).unwrap();
    let us = client.local_peer_id();
    bounded(
        "connect",
        20,
        client.wait_for_peers(filter::SUBSCRIBE_PROTOCOL, 1, Duration::from_secs(15)),
    )
    .await
    .unwrap();
    let mut sub = client
        .subscribe(TOPIC, vec![CT.into()])
        .await
        .expect("subscribed");
    // The first failed ping (at the first 5 s tick) starts a refill: five pages, then it stops.
    bounded("a refill", 30, async {
        while evil.store_requests.load(Ordering::SeqCst) < 5 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after_first = evil.store_requests.load(Ordering::SeqCst);
    assert_eq!(after_first, 5, "the refill stopped at refill_max_pages");
    // Live delivery continues: a push now arrives as a filter message.
    let live = message("live after the refill", CT);
    let live_hash = live.hash(TOPIC);
    push(&evil.control, us, vec![(TOPIC.into(), live)]).await;
    let got = bounded("live delivery", 30, async {
        loop {
            let r = next_within(&mut sub, 30)
                .await
                .expect("the subscription lives");
            if r.hash == live_hash {
                return r;
            }
        }
    })
    .await;
    assert!(matches!(got.origin, hearth::net::client::Origin::Filter(_)));
    println!(
        "refill against an endless cursor: {after_first} pages, then live delivery; \
         {} store pages asked in all",
        evil.store_requests.load(Ordering::SeqCst)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_nobody_asked_for_are_dropped() {
    let holder = start(Plan {
        store: None,
        filter: Some(false),
    })
    .await;
    // Serves no filter: the client never subscribes with it, but it is connected.
    let stranger = start(Plan {
        store: None,
        filter: None,
    })
    .await;
    let client =
        LightClient::start(config(vec![holder.addr.clone(), stranger.addr.clone()])).unwrap();
    let us = client.local_peer_id();
    bounded("connect", 20, async {
        while client.health_now().connected < 2 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    bounded(
        "identify",
        20,
        client.wait_for_peers(filter::SUBSCRIBE_PROTOCOL, 1, Duration::from_secs(15)),
    )
    .await
    .unwrap();
    let mut sub = client
        .subscribe(TOPIC, vec![CT.into()])
        .await
        .expect("subscribed");
    // From a peer we hold no subscription with: dropped.
    push(
        &stranger.control,
        us,
        vec![(TOPIC.into(), message("from a stranger", CT))],
    )
    .await;
    // From our filter peer, but a content topic and a pubsub topic we never asked for: dropped.
    push(
        &holder.control,
        us,
        vec![
            (
                TOPIC.into(),
                message("other content topic", "/hearth/1/other/proto"),
            ),
            ("/waku/2/rs/16/64".into(), message("other pubsub topic", CT)),
        ],
    )
    .await;
    let wanted = message("asked for", CT);
    let wanted_hash = wanted.hash(TOPIC);
    push(&holder.control, us, vec![(TOPIC.into(), wanted)]).await;
    let first = next_within(&mut sub, 10).await.expect("the wanted push");
    assert_eq!(
        first.hash, wanted_hash,
        "nothing unasked came first: {first:?}"
    );
    assert!(next_within(&mut sub, 1).await.is_none(), "nothing else");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_does_not_read_loses_the_newest_and_is_told() {
    let holder = start(Plan {
        store: None,
        filter: Some(false),
    })
    .await;
    let mut c = config(vec![holder.addr.clone()]);
    c.subscription_queue = 4;
    let client = LightClient::start(c).unwrap();
    let us = client.local_peer_id();
    bounded(
        "connect",
        20,
        client.wait_for_peers(filter::SUBSCRIBE_PROTOCOL, 1, Duration::from_secs(15)),
    )
    .await
    .unwrap();
    let mut sub = client
        .subscribe(TOPIC, vec![CT.into()])
        .await
        .expect("subscribed");
    let sent: Vec<WakuMessage> = (0..40).map(|i| message(&format!("m{i}"), CT)).collect();
    let hashes: Vec<_> = sent.iter().map(|m| m.hash(TOPIC)).collect();
    push(
        &holder.control,
        us,
        sent.into_iter().map(|m| (TOPIC.to_string(), m)).collect(),
    )
    .await;
    // The app reads nothing until every push has been either queued or dropped.
    bounded("all handled", 20, async {
        while sub.dropped() < 35 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let mut got = Vec::new();
    while let Some(r) = next_within(&mut sub, 1).await {
        got.push(r.hash);
    }
    println!(
        "queue of 4, 40 pushed unread: {} kept, {} dropped",
        got.len(),
        sub.dropped()
    );
    // futures' bounded channel holds its buffer plus one slot per sender.
    assert_eq!(got.len() as u64 + sub.dropped(), 40);
    assert!(got.len() <= 5, "{}", got.len());
    assert_eq!(got, hashes[..got.len()], "the oldest are kept, in order");
}
