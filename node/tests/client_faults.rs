//! A service peer that misbehaves costs the light client a typed error (or a timeout) and a
//! failover to a good peer, never a hang or a panic. The bad peer is an in-process rust-libp2p
//! swarm that accepts each Waku protocol and then answers with garbage, a frame that claims to
//! be a gigabyte, nothing at all, or a reset; the good peer is a real `hearth node`.

mod common;

use std::time::Duration;

use common::Node;

use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use hearth::net::peers::Source;
use hearth::net::{Cause, ClientConfig, ClientError, LightClient};
use hearth::proto::waku::store::v3::{StoreQueryRequest, StoreQueryResponse};
use hearth::protocols::{filter, lightpush, store};
use hearth::waku::WakuMessage;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, StreamProtocol};

const TOPIC: &str = "/waku/2/rs/16/32";

#[derive(Clone, Copy, Debug)]
enum Mischief {
    /// Bytes that are no protobuf of the protocol.
    Garbage,
    /// A length prefix of 1 GiB, then nothing.
    Huge,
    /// Reads the request and never answers.
    Stall,
    /// Drops the stream at once.
    Reset,
    /// Answers a store query well, with no messages: a store node that joined the mesh late.
    Empty,
}

/// Starts the bad peer on loopback; returns its address with `/p2p/<id>`.
async fn start_evil(plan: Vec<(&'static str, Mischief)>) -> Multiaddr {
    start_evil_with_control(plan).await.0
}

/// [`start_evil`], and the handle to open streams from it.
async fn start_evil_with_control(
    plan: Vec<(&'static str, Mischief)>,
) -> (Multiaddr, libp2p_stream::Control) {
    let mut swarm = common::raw_swarm(Duration::from_secs(60));
    let mut control = swarm.behaviour().stream.new_control();
    for (protocol, mischief) in plan {
        let mut incoming = control.accept(StreamProtocol::new(protocol)).unwrap();
        tokio::spawn(async move {
            while let Some((_, mut stream)) = incoming.next().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    match mischief {
                        Mischief::Garbage => {
                            let _ = stream.read(&mut buf).await;
                            let _ = stream
                                .write_all(&[9, 0xff, 0xfe, 0xfd, 1, 2, 3, 4, 5, 6])
                                .await;
                            let _ = stream.close().await;
                        }
                        Mischief::Huge => {
                            let _ = stream.read(&mut buf).await;
                            let _ = stream.write_all(&[0x80, 0x80, 0x80, 0x80, 0x04]).await;
                            let _ = stream.flush().await;
                            tokio::time::sleep(Duration::from_secs(60)).await;
                        }
                        Mischief::Stall => {
                            let _ = stream.read(&mut buf).await;
                            tokio::time::sleep(Duration::from_secs(60)).await;
                        }
                        Mischief::Reset => drop(stream),
                        Mischief::Empty => {
                            let request: Option<StoreQueryRequest> =
                                hearth::net::read_message(&mut stream, 1 << 20)
                                    .await
                                    .ok()
                                    .flatten();
                            let answer = StoreQueryResponse {
                                request_id: request.map(|r| r.request_id).unwrap_or_default(),
                                status_code: Some(200),
                                status_desc: Some("OK".into()),
                                ..StoreQueryResponse::default()
                            };
                            let _ = hearth::net::write_message(&mut stream, &answer).await;
                            let _ = stream.close().await;
                        }
                    }
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
    (addr.with(Protocol::P2p(peer)), control)
}

fn config(peers: Vec<Multiaddr>) -> ClientConfig {
    let mut c = ClientConfig::local(peers);
    c.request_timeout = Duration::from_secs(2);
    c.store_timeout = Duration::from_secs(2);
    c
}

fn message() -> WakuMessage {
    WakuMessage {
        payload: b"faults".to_vec(),
        content_topic: "/hearth/1/faults/proto".into(),
        timestamp: Some(hearth::net::runtime::now_ns()),
        ..WakuMessage::default()
    }
}

/// Runs `f` and fails the test instead of hanging.
async fn bounded<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("{what} hung"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_mischief_is_a_typed_error_naming_peer_and_protocol() {
    for mischief in [
        Mischief::Garbage,
        Mischief::Huge,
        Mischief::Stall,
        Mischief::Reset,
    ] {
        let evil = start_evil(vec![
            (store::PROTOCOL, mischief),
            (lightpush::PROTOCOL_V3, mischief),
            (filter::SUBSCRIBE_PROTOCOL, mischief),
        ])
        .await;
        let evil_peer = hearth::net::peers::split_peer(&evil).unwrap().0;
        let client = LightClient::start(config(vec![evil])).unwrap();
        bounded(
            "connect",
            client.wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(10)),
        )
        .await
        .expect("the bad peer connects and identifies");

        let query = store::StoreQuery::topics(TOPIC, ["/hearth/1/faults/proto"]);
        let err = bounded("query", client.query_all(query)).await.unwrap_err();
        let ClientError::AllFailed(errors) = &err else {
            panic!("{mischief:?}: {err}")
        };
        let e = &errors[0];
        assert_eq!(
            (e.peer, e.protocol),
            (evil_peer, store::PROTOCOL),
            "{mischief:?}"
        );
        let expected = match mischief {
            Mischief::Garbage => matches!(e.cause, Cause::Malformed(_)),
            Mischief::Huge => {
                matches!(e.cause, Cause::Malformed(ref m) if m.contains("over the limit"))
            }
            Mischief::Stall => matches!(e.cause, Cause::Timeout(_)),
            Mischief::Reset => matches!(e.cause, Cause::Stream(_) | Cause::Unreachable(_)),
            Mischief::Empty => unreachable!("an empty answer is no mischief here"),
        };
        assert!(expected, "{mischief:?}: {err}");
        assert!(err.to_string().contains(&evil_peer.to_string()), "{err}");

        let err = bounded("push", client.push(TOPIC, &message()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ClientError::AllFailed(_)),
            "{mischief:?}: {err}"
        );
        let err = bounded(
            "subscribe",
            client.subscribe(TOPIC, vec!["/hearth/1/faults/proto".into()]),
        )
        .await
        .err()
        .expect("no subscription with only a bad peer");
        assert!(
            err.to_string().contains(filter::SUBSCRIBE_PROTOCOL),
            "{mischief:?}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_peer_costs_a_failover_not_the_request() {
    let node = Node::start("faults", &[]);
    let evil = start_evil(vec![
        (store::PROTOCOL, Mischief::Stall),
        (lightpush::PROTOCOL_V3, Mischief::Garbage),
        (filter::SUBSCRIBE_PROTOCOL, Mischief::Reset),
    ])
    .await;
    let mut c = config(vec![evil.clone()]);
    c.lightpush_peers = 1;
    c.filter_peers = 1;
    let client = LightClient::start(c).unwrap();
    bounded(
        "connect",
        client.wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(10)),
    )
    .await
    .unwrap();
    client.add_peer(node.ws(), Source::Bootstrap).unwrap();
    bounded(
        "connect",
        client.wait_for_peers(store::PROTOCOL, 2, Duration::from_secs(10)),
    )
    .await
    .unwrap();

    // One push: if the bad peer is asked first, its garbage moves the push on to the node.
    let report = bounded("push", client.push(TOPIC, &message()))
        .await
        .expect("the node takes it");
    assert_eq!(report.accepted.len(), 1);
    let pages = bounded(
        "query",
        client.query_all(store::StoreQuery::topics(TOPIC, ["/hearth/1/faults/proto"])),
    )
    .await
    .expect("the node answers");
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].hash, report.hash);
    let mut sub = bounded(
        "subscribe",
        client.subscribe(TOPIC, vec!["/hearth/1/faults/proto".into()]),
    )
    .await
    .expect("the node holds it");
    assert_eq!(sub.peers().len(), 1);
    let again = client.push(TOPIC, &message()).await.expect("push");
    let got = bounded("filter", sub.next()).await.expect("delivered");
    assert_eq!(got.hash, again.hash);
}

/// A store node that joined the mesh after a message went out answers "nothing" truthfully for
/// itself. The client asks one more store node before it believes an empty first page, and an
/// empty answer from both is still an answer, not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_first_page_is_checked_with_a_second_store_node() {
    let node = Node::start("faults-empty", &[]);
    let late = start_evil(vec![(store::PROTOCOL, Mischief::Empty)]).await;
    let mut c = config(Vec::new());
    // The late store is named a store node and the real one only a bootstrap peer, so the late
    // one is asked first every time.
    c.store = vec![late];
    c.bootstrap = vec![node.ws()];
    c.lightpush_peers = 1;
    let client = LightClient::start(c).unwrap();
    bounded(
        "connect",
        client.wait_for_peers(store::PROTOCOL, 2, Duration::from_secs(10)),
    )
    .await
    .unwrap();
    let report = bounded("push", client.push(TOPIC, &message()))
        .await
        .expect("the node takes it");
    let got = bounded(
        "query",
        client.query_all(store::StoreQuery::topics(TOPIC, ["/hearth/1/faults/proto"])),
    )
    .await
    .expect("an answer");
    assert_eq!(
        got.iter().map(|m| m.hash).collect::<Vec<_>>(),
        vec![report.hash],
        "the second store node's message"
    );
    let none = bounded(
        "query",
        client.query_all(store::StoreQuery::topics(TOPIC, ["/hearth/1/nobody/proto"])),
    )
    .await
    .expect("two empty answers are an answer");
    assert!(none.is_empty());
}

/// nwaku asks every new peer for its metadata and drops those that do not answer. A burst of 20
/// questions at once on one connection (more than any one-slot accept queue holds) is answered
/// in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_metadata_questions_is_answered_in_full() {
    use hearth::net::{read_frame, write_frame};
    use hearth::protocols::metadata;

    let (peer_addr, control) = start_evil_with_control(vec![]).await;
    let client = LightClient::start(config(vec![peer_addr])).unwrap();
    let us = client.local_peer_id();
    bounded("connect", async {
        while client.health_now().connected == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let ask = |mut control: libp2p_stream::Control| async move {
        let mut s = control
            .open_stream(us, StreamProtocol::new(metadata::PROTOCOL))
            .await
            .map_err(|e| e.to_string())?;
        write_frame(&mut s, &metadata::encode_request(16, &[32]))
            .await
            .map_err(|e| e.to_string())?;
        let answer = read_frame(&mut s, metadata::MAX_FRAME)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no answer")?;
        metadata::decode_response(&answer)
    };
    let answers = bounded(
        "burst",
        futures::future::join_all((0..20).map(|_| ask(control.clone()))),
    )
    .await;
    let ok = answers
        .iter()
        .filter(|a| a.as_ref().is_ok_and(|(c, s)| *c == 16 && s == &[32, 64]))
        .count();
    assert_eq!(ok, 20, "{answers:?}");
}
