//! The light client (`hearth::net::LightClient`) against real `hearth node` processes on
//! loopback: every protocol, then failover with one of two nodes killed mid-subscription.

mod common;

use std::collections::HashSet;
use std::process::Command;
use std::time::Duration;

use common::Node;

use futures::StreamExt;
use hearth::net::client::Origin;
use hearth::net::{ClientConfig, ClientError, LightClient};
use hearth::protocols::{filter, lightpush, store};
use hearth::waku::{MessageHash, WakuMessage};
use libp2p::Multiaddr;

const TOPIC: &str = "/waku/2/rs/16/32";

fn message(i: usize, tag: &str) -> WakuMessage {
    WakuMessage {
        payload: format!("{tag} {i}").into_bytes(),
        content_topic: format!("/hearth/1/{tag}/proto"),
        timestamp: Some(hearth::net::runtime::now_ns()),
        ..WakuMessage::default()
    }
}

async fn client(peers: Vec<Multiaddr>) -> LightClient {
    let client = LightClient::start(ClientConfig::local(peers)).expect("client starts");
    client
        .wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(15))
        .await
        .expect("a service peer connects");
    client
}

async fn next_within(
    sub: &mut hearth::net::Subscription,
    secs: u64,
) -> Option<hearth::net::Received> {
    hearth::net::runtime::timeout(Duration::from_secs(secs), sub.next())
        .await
        .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protocol_against_one_node() {
    let node = Node::start("one", &[]);
    let c = client(vec![node.ws().clone()]).await;
    let ct = "/hearth/1/every/proto".to_string();

    let mut sub = c
        .subscribe(TOPIC, vec![ct.clone()])
        .await
        .expect("subscribe");
    assert_eq!(sub.peers().len(), 1);

    // Lightpush → filter: the pushed message arrives with the same hash.
    let m = message(0, "every");
    let report = c.push(TOPIC, &m).await.expect("push");
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    let got = next_within(&mut sub, 10).await.expect("filter delivers");
    assert_eq!(got.hash, report.hash);
    assert_eq!(got.message.payload, m.payload);
    assert!(matches!(got.origin, Origin::Filter(_)));

    // 44 more, then store pages of 20 follow the cursor: 20 + 20 + 5, newest page first.
    let mut pushed = vec![report.hash];
    for i in 1..45 {
        pushed.push(
            c.push(TOPIC, &message(i, "every"))
                .await
                .expect("push")
                .hash,
        );
    }
    let query = store::StoreQuery::topics(TOPIC, [ct.clone()]).page_size(20);
    let pages: Vec<store::StorePage> = c.query(query).map(|p| p.expect("page")).collect().await;
    assert_eq!(
        pages.iter().map(|p| p.messages.len()).collect::<Vec<_>>(),
        [20, 20, 5]
    );
    // Newest first, within pages too.
    let order: Vec<MessageHash> = pages
        .iter()
        .flat_map(|p| p.messages.iter().map(|m| m.hash))
        .collect();
    assert_eq!(order, pushed.iter().rev().copied().collect::<Vec<_>>());
    let all: HashSet<MessageHash> = pages
        .iter()
        .flat_map(|p| p.messages.iter().map(|m| m.hash))
        .collect();
    assert_eq!(all, pushed.iter().copied().collect());

    // By hash, with data.
    let by_hash = c
        .query_all(store::StoreQuery::hashes([pushed[3]]))
        .await
        .expect("hash query");
    assert_eq!(by_hash.len(), 1);
    assert_eq!(by_hash[0].message.as_ref().unwrap().payload, b"every 3");

    // Every live push reached the subscription exactly once.
    let mut live = HashSet::from([got.hash]);
    while live.len() < pushed.len() {
        let r = next_within(&mut sub, 10).await.expect("all 45 delivered");
        assert!(live.insert(r.hash), "duplicate delivery");
    }

    // Refusals are typed and name the peer and protocol.
    let err = c
        .query_all(store::StoreQuery::topics(
            TOPIC,
            (0..11).map(|i| format!("/a/1/{i}/proto")),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Invalid(_)), "{err}");
    let empty = WakuMessage {
        content_topic: ct.clone(),
        ..WakuMessage::default()
    };
    assert!(matches!(
        c.push(TOPIC, &empty).await,
        Err(ClientError::Invalid(_))
    ));
    let err = c
        .push("/waku/2/rs/16/999", &message(0, "every"))
        .await
        .unwrap_err();
    let ClientError::AllFailed(errors) = &err else {
        panic!("{err}")
    };
    assert_eq!(errors[0].protocol, lightpush::PROTOCOL_V3);
    assert!(
        matches!(
            errors[0].cause,
            hearth::net::Cause::Lightpush {
                code: lightpush::StatusCode::UnsupportedPubsubTopic,
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&errors[0].peer.to_string()) && text.contains("421"),
        "{text}"
    );

    // Dropping the subscription unsubscribes: the node then holds nothing for us.
    assert_eq!(node.health()["filter"]["subscribers"], 1);
    drop(sub);
    let mut left = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = Some(node.health()["filter"]["subscribers"].clone());
        if left == Some(serde_json::json!(0)) {
            break;
        }
    }
    assert_eq!(left, Some(serde_json::json!(0)), "unsubscribed on drop");
    let health = c.health_now();
    assert_eq!(health.connected, 1);
    assert!(
        health
            .protocols
            .iter()
            .any(|(p, n)| p == filter::SUBSCRIBE_PROTOCOL && *n == 1)
    );
}

/// Two meshed nodes; the subscriber holds both, the publisher pushes to both. One node is
/// killed halfway: the subscriber keeps receiving through the other, refills from its store,
/// and every one of the 200 messages arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_one_of_two_nodes_mid_subscription() {
    let a = Node::start("a", &[]);
    let mut b = Node::start("b", &["--peer", &a.tcp().to_string()]);
    // Let gossipsub form its mesh (1 s heartbeats).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let peers = vec![a.ws().clone(), b.ws().clone()];
    let subscriber = client(peers.clone()).await;
    subscriber
        .wait_for_peers(filter::SUBSCRIBE_PROTOCOL, 2, Duration::from_secs(15))
        .await
        .expect("both nodes connected");
    let publisher = client(peers).await;
    let ct = "/hearth/1/failover/proto".to_string();
    let mut sub = subscriber
        .subscribe(TOPIC, vec![ct.clone()])
        .await
        .expect("subscribe");
    assert_eq!(sub.peers().len(), 2, "held with both nodes");

    let mut sent = HashSet::new();
    for i in 0..200 {
        if i == 100 {
            b.kill();
        }
        let report = publisher
            .push(TOPIC, &message(i, "failover"))
            .await
            .unwrap_or_else(|e| panic!("push {i}: {e}"));
        sent.insert(report.hash);
    }
    let mut got = HashSet::new();
    let mut from_store = 0;
    while got.len() < sent.len() {
        let Some(r) = next_within(&mut sub, 30).await else {
            panic!("only {} of {} arrived", got.len(), sent.len());
        };
        assert!(got.insert(r.hash), "delivered twice");
        if matches!(r.origin, Origin::Store(_)) {
            from_store += 1;
        }
    }
    assert_eq!(got, sent, "0 of 200 lost");
    eprintln!("refilled from store: {from_store}");
    assert_eq!(sub.peers().len(), 1, "the dead node was dropped");
}

/// Two meshed nodes, a subscriber holding its one filter peer on `b` (and knowing `a` as a
/// spare), and a publisher on `a`: the stage for losing `b`.
struct OneFilterPeer {
    a: Node,
    b: Node,
    subscriber: LightClient,
    sub: hearth::net::Subscription,
    publisher: LightClient,
}

async fn one_filter_peer_on_b(tag: &str, tune: impl FnOnce(&mut ClientConfig)) -> OneFilterPeer {
    let a = Node::start(&format!("{tag}-a"), &[]);
    let b = Node::start(&format!("{tag}-b"), &["--peer", &a.tcp().to_string()]);
    // Let gossipsub form its mesh (1 s heartbeats).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut config = ClientConfig::local(vec![b.ws()]);
    config.filter_peers = 1;
    tune(&mut config);
    let subscriber = LightClient::start(config).expect("client starts");
    subscriber
        .wait_for_peers(filter::SUBSCRIBE_PROTOCOL, 1, Duration::from_secs(15))
        .await
        .expect("b connects");
    let sub = subscriber
        .subscribe(TOPIC, vec![format!("/hearth/1/{tag}/proto")])
        .await
        .expect("subscribe");
    subscriber
        .add_peer(a.ws(), hearth::net::peers::Source::Bootstrap)
        .expect("add a");
    let publisher = client(vec![a.ws()]).await;
    OneFilterPeer {
        a,
        b,
        subscriber,
        sub,
        publisher,
    }
}

fn freeze(node: &Node) {
    let pid = node.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
}

/// The gap made certain: the only filter peer is frozen (SIGSTOP) while 50 messages are
/// published through the other node, then killed. Filter never saw those 50; the store refill
/// must deliver them, before anything published afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_refills_what_a_stalled_filter_peer_missed() {
    // Every part bound: what a pattern leaves out is dropped (a node killed) at once.
    let OneFilterPeer {
        a: _a,
        b: mut b_node,
        subscriber: _subscriber,
        mut sub,
        publisher,
    } = one_filter_peer_on_b("gap", |_| {}).await;
    let before = publisher
        .push(TOPIC, &message(0, "gap"))
        .await
        .expect("push")
        .hash;
    let first = next_within(&mut sub, 10).await.expect("live through b");
    assert_eq!(first.hash, before);

    freeze(&b_node);
    let mut missed = HashSet::new();
    for i in 1..=50 {
        missed.insert(
            publisher
                .push(TOPIC, &message(i, "gap"))
                .await
                .expect("push")
                .hash,
        );
    }
    b_node.kill();

    let mut got = HashSet::new();
    while got.len() < missed.len() {
        let r = next_within(&mut sub, 30)
            .await
            .unwrap_or_else(|| panic!("refill delivered {} of 50", got.len()));
        assert!(matches!(r.origin, Origin::Store(_)), "{:?}", r.origin);
        assert!(missed.contains(&r.hash) && got.insert(r.hash));
    }
    // Then live again, through a.
    let after = publisher
        .push(TOPIC, &message(51, "gap"))
        .await
        .expect("push")
        .hash;
    let r = next_within(&mut sub, 15).await.expect("live through a");
    assert_eq!(r.hash, after);
    assert!(matches!(r.origin, Origin::Filter(_)));
}

/// A client that knows only node B learns node A from B by peer exchange (B holds A's record,
/// given with `--peer-enr`), dials it, and uses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_exchange_finds_a_second_node() {
    let a = Node::start("px-a", &[]);
    let b = Node::start("px-b", &["--peer-enr", &a.enr.to_base64()]);
    let c = client(vec![b.ws().clone()]).await;
    c.wait_for_peers(
        hearth::protocols::peer_exchange::PROTOCOL,
        1,
        Duration::from_secs(15),
    )
    .await
    .expect("b serves peer exchange");
    let found = c.peer_exchange(10).await.expect("peer exchange");
    assert!(found >= 1, "a's record carries a dialable address");
    c.wait_for_peers(store::PROTOCOL, 2, Duration::from_secs(15))
        .await
        .expect("a dialed and identified");
    let health = c.health_now();
    assert_eq!(health.connected, 2, "{health:?}");
}

/// A client with no peers at all finds a node through a DNS tree (EIP-1459) signed here and
/// served from memory: the same walk and checks a browser runs over DNS-over-HTTPS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_discovery_finds_a_node() {
    use hearth::net::doh::StaticResolver;
    use hearth::waku::dns_discovery::EnrTree;
    use hearth::waku::enr::SigningKey;

    let a = Node::start("dns-a", &[]);
    let key = SigningKey::from_slice(&[7; 32]).unwrap();
    let record = a.enr.clone();
    let tree = EnrTree::build(&key, "nodes.hearth.test", 1, &[record]).expect("tree");
    let resolver = StaticResolver::from_tree(&tree);

    let c = LightClient::start(ClientConfig::local(vec![])).expect("client starts");
    assert_eq!(c.health_now().known, 0);
    let added = c
        .discover_with(&tree.url, &resolver, 10)
        .await
        .expect("discovery");
    assert_eq!(added, 1);
    if let Err(e) = c
        .wait_for_peers(store::PROTOCOL, 1, Duration::from_secs(15))
        .await
    {
        panic!(
            "the discovered node is not dialed and identified: {e}; {:?}; enr {}",
            c.health_now(),
            a.enr.to_base64()
        );
    }

    // A tree signed by another key than the URL names is refused.
    let other = EnrTree::build(
        &SigningKey::from_slice(&[8; 32]).unwrap(),
        "nodes.hearth.test",
        1,
        &[],
    )
    .unwrap();
    let err = c
        .discover_with(&other.url, &resolver, 10)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Discovery(_)), "{err}");
}

/// A filter peer that freezes (SIGSTOP) keeps its connection open, so no disconnect tells the
/// client; the subscriber's ping (every second here) times out, the peer is dropped and a store
/// refill delivers what was published meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_filter_peer_is_found_by_ping() {
    let OneFilterPeer {
        a,
        b,
        subscriber: _subscriber,
        mut sub,
        publisher,
    } = one_filter_peer_on_b("frozen", |c| {
        c.filter_ping_interval = Duration::from_secs(1);
        c.request_timeout = Duration::from_secs(2);
    })
    .await;
    freeze(&b);
    let mut missed = HashSet::new();
    for i in 0..20 {
        missed.insert(
            publisher
                .push(TOPIC, &message(i, "frozen"))
                .await
                .expect("push")
                .hash,
        );
    }
    let mut got = HashSet::new();
    while got.len() < missed.len() {
        let r = next_within(&mut sub, 30)
            .await
            .unwrap_or_else(|| panic!("{} of 20 after the freeze", got.len()));
        assert!(missed.contains(&r.hash) && got.insert(r.hash));
    }
    let a_id = hearth::net::peers::split_peer(&a.ws()).unwrap().0;
    let b_id = hearth::net::peers::split_peer(&b.ws()).unwrap().0;
    assert_eq!(sub.peers(), [a_id], "moved to a (b is {b_id})");
}
