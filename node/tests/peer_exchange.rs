//! `hearth node`'s peer exchange and its own ENR, end to end: the built binary, queried by a
//! rust-libp2p client over TCP that answers the metadata handshake as a light client does.
//! (js-waku's side of the same is `tests/interop/peer-exchange.test.mjs`.)

use std::io::BufRead;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use common::Node;
use futures::StreamExt;
use hearth::net::rpc::{Frame, FrameBody, FrameCodec};
use hearth::proto::waku::metadata::v1::WakuMetadataResponse;
use hearth::proto::waku::peer_exchange::v2::{
    PeerExchangeQuery, PeerExchangeResponse, PeerExchangeRpc,
};
use hearth::waku::enr::{Enr, EnrBuilder, RelayShards, SigningKey, Waku2};
use libp2p::identity::Keypair;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, StreamProtocol, identify, noise, tcp, yamux};
use prost::Message;

/// A sandbox (cluster 1) node's record, from nwaku's `examples/cbindings/waku_example.c`.
const SANDBOX_ENR: &str = "enr:-QEkuEBIkb8q8_mrorHndoXH9t5N6ZfD-jehQCrYeoJDPHqT0l0wyaONa2-piRQsi3oVKAzDShDVeoQhy0uwN1xbZfPZAYJpZIJ2NIJpcIQiQlleim11bHRpYWRkcnO4bgA0Ni9ub2RlLTAxLmdjLXVzLWNlbnRyYWwxLWEud2FrdS5zYW5kYm94LnN0YXR1cy5pbQZ2XwA2Ni9ub2RlLTAxLmdjLXVzLWNlbnRyYWwxLWEud2FrdS5zYW5kYm94LnN0YXR1cy5pbQYfQN4DgnJzkwABCAAAAAEAAgADAAQABQAGAAeJc2VjcDI1NmsxoQKnGt-GSgqPSf3IAPM7bFgTlpczpMZZLF3geeoNNsxzSoN0Y3CCdl-DdWRwgiMohXdha3UyDw";

fn without_p2p(addr: &Multiaddr) -> Multiaddr {
    addr.iter()
        .filter(|p| !matches!(p, Protocol::P2p(_)))
        .collect()
}

#[derive(NetworkBehaviour)]
struct Client {
    rpc: request_response::Behaviour<FrameCodec>,
    identify: identify::Behaviour,
}

/// Connects to `node` as `key`, answers its metadata question (cluster 16), sends one peer
/// exchange request and returns the response.
async fn px_request(key: &Keypair, node: &Multiaddr, rpc: PeerExchangeRpc) -> PeerExchangeResponse {
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key.clone())
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
                        StreamProtocol::new(hearth::protocols::peer_exchange::PROTOCOL),
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
        })
        .unwrap()
        .build();
    swarm.dial(node.clone()).unwrap();
    let exchange = async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                    swarm.behaviour_mut().rpc.send_request(
                        &peer_id,
                        Frame {
                            protocol: StreamProtocol::new(
                                hearth::protocols::peer_exchange::PROTOCOL,
                            ),
                            body: FrameBody::Bytes(rpc.encode_to_vec()),
                        },
                    );
                }
                SwarmEvent::Behaviour(ClientEvent::Rpc(request_response::Event::Message {
                    message,
                    ..
                })) => match message {
                    request_response::Message::Request { channel, .. } => {
                        let res = WakuMetadataResponse {
                            cluster_id: Some(16),
                            ..Default::default()
                        };
                        let _ = swarm
                            .behaviour_mut()
                            .rpc
                            .send_response(channel, res.encode_to_vec());
                    }
                    request_response::Message::Response { response, .. } => {
                        let rpc = PeerExchangeRpc::decode(response.as_slice()).unwrap();
                        return rpc.response.expect("a response");
                    }
                },
                SwarmEvent::Behaviour(ClientEvent::Rpc(
                    request_response::Event::OutboundFailure { error, .. },
                )) => panic!("peer exchange request failed: {error}"),
                SwarmEvent::OutgoingConnectionError { error, .. } => panic!("dial: {error}"),
                _ => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .expect("an answer within 20 s")
}

fn query(num_peers: u64) -> PeerExchangeRpc {
    PeerExchangeRpc {
        query: Some(PeerExchangeQuery { num_peers }),
        response: None,
    }
}

fn records(res: &PeerExchangeResponse) -> Vec<Enr> {
    res.peer_infos
        .iter()
        .map(|p| Enr::decode(&p.enr).expect("a served record verifies"))
        .collect()
}

#[test]
fn the_printed_enr_describes_the_node_and_its_seq_persists() {
    let node = Node::start("own", &[]);
    let enr = &node.enr;
    let tcp = node.tcp();
    let peer = match tcp.iter().last() {
        Some(Protocol::P2p(id)) => id,
        other => panic!("no /p2p in {tcp}: {other:?}"),
    };
    let port = tcp
        .iter()
        .find_map(|p| match p {
            Protocol::Tcp(port) => Some(port),
            _ => None,
        })
        .unwrap();
    assert_eq!(enr.peer_id(), peer);
    assert_eq!(enr.seq(), 1);
    assert_eq!(enr.ip().unwrap(), Some(Ipv4Addr::LOCALHOST));
    assert_eq!(enr.tcp().unwrap(), Some(port));
    assert_eq!(
        enr.multiaddrs().unwrap().unwrap(),
        [without_p2p(&node.ws())]
    );
    assert_eq!(
        enr.waku2().unwrap(),
        Some(Waku2::RELAY | Waku2::STORE | Waku2::FILTER | Waku2::LIGHTPUSH)
    );
    assert_eq!(
        enr.relay_shards().unwrap(),
        Some(RelayShards {
            cluster: 16,
            shards: vec![32, 64]
        })
    );
    assert_eq!(enr.dialable_multiaddrs(), [tcp.clone(), node.ws()]);

    // A restart on other ports changes the record, so its sequence number goes up; a restart
    // on the same ports keeps it.
    let first = node.enr.clone();
    let dir = node.stop_keeping_data();
    let again = Node::start_in(dir.clone(), &[]);
    assert_eq!(again.enr.peer_id(), first.peer_id());
    assert_eq!(again.enr.seq(), 2);
    let tcp = again.tcp().to_string().replace(&format!("/p2p/{peer}"), "");
    let ws = without_p2p(&again.ws()).to_string();
    let second = again.enr.clone();
    drop(again.stop_keeping_data());
    let mut same = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["node", "--data-dir", dir.to_str().unwrap()])
        .args(["--listen", &tcp, "--listen", &ws, "--http", "off"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = std::io::BufReader::new(same.stdout.take().unwrap());
    let line = out
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("enr: "))
        .expect("an enr line");
    let _ = same.kill();
    let _ = same.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(line, format!("enr: {second}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn peer_exchange_serves_peer_enrs_but_not_the_requesters_own() {
    let a = Node::start("a", &[]);
    // The client's own record is in B's cache too; B must not send it back to the client.
    let client_secret = [0x42u8; 32];
    let client = Keypair::from(libp2p::identity::secp256k1::Keypair::from(
        libp2p::identity::secp256k1::SecretKey::try_from_bytes(client_secret).unwrap(),
    ));
    let client_enr = EnrBuilder::new(1)
        .ip4(Ipv4Addr::LOCALHOST)
        .tcp(1)
        .sign(&SigningKey::from_slice(&client_secret).unwrap())
        .unwrap();
    assert_eq!(client_enr.peer_id(), client.public().to_peer_id());
    let b = Node::start(
        "b",
        &[
            "--peer-enr",
            &a.enr.to_base64(),
            "--peer-enr",
            &client_enr.to_base64(),
        ],
    );

    let res = px_request(&client, &b.tcp(), query(60)).await;
    assert_eq!(res.status_code, Some(200));
    assert_eq!(records(&res), std::slice::from_ref(&a.enr));
    assert_eq!(res.peer_infos[0].enr, a.enr.encode());

    // Another requester gets both records; one when it asks for one.
    let stranger = Keypair::generate_secp256k1();
    let res = px_request(&stranger, &b.tcp(), query(60)).await;
    let mut got: Vec<String> = records(&res).iter().map(|e| e.to_base64()).collect();
    got.sort();
    let mut want = vec![a.enr.to_base64(), client_enr.to_base64()];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        records(&px_request(&stranger, &b.tcp(), query(1)).await).len(),
        1
    );

    // nwaku's answers: 0 peers asked or none known is 200 with none; no query is 400.
    let res = px_request(&client, &b.tcp(), query(0)).await;
    assert_eq!((res.status_code, res.peer_infos.len()), (Some(200), 0));
    let res = px_request(&client, &a.tcp(), query(60)).await;
    assert_eq!((res.status_code, res.peer_infos.len()), (Some(200), 0));
    let no_query = PeerExchangeRpc {
        query: None,
        response: Some(PeerExchangeResponse::default()),
    };
    let res = px_request(&client, &b.tcp(), no_query).await;
    assert_eq!(res.status_code, Some(400));
}

#[test]
fn a_peer_enr_of_another_cluster_is_refused() {
    let dir = std::env::temp_dir().join(format!("hearth-px-test-cluster-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["node", "--data-dir", dir.to_str().unwrap(), "--http", "off"])
        .args([
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--peer-enr",
            SANDBOX_ENR,
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is for cluster 1, this node is on 16"),
        "{stderr}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["node", "--peer-enr", "enr:not-a-record"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--peer-enr"));
}
