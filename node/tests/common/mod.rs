//! A `hearth node` process for the integration tests: ephemeral loopback ports (TCP and
//! WebSocket), `/health` on a free port, its printed addresses and ENR parsed, killed and its
//! data removed on drop.
#![allow(dead_code)] // each test file uses its own part of it

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use hearth::waku::enr::Enr;
use libp2p::Multiaddr;
use libp2p::multiaddr::Protocol;

pub struct Node {
    pub child: Child,
    pub dir: PathBuf,
    keep_dir: bool,
    pub addrs: Vec<Multiaddr>,
    pub enr: Enr,
    pub http: SocketAddr,
}

impl Node {
    /// `name` keeps the data directories of the tests in one binary apart.
    pub fn start(name: &str, extra: &[&str]) -> Node {
        let dir = std::env::temp_dir().join(format!(
            "hearth-test-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        Self::start_in(dir, extra)
    }

    pub fn start_in(dir: PathBuf, extra: &[&str]) -> Node {
        // A free port for /health (released just before the node binds it).
        let http = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
            .args(["node", "--data-dir", dir.to_str().unwrap()])
            .args(["--listen", "/ip4/127.0.0.1/tcp/0"])
            .args(["--listen", "/ip4/127.0.0.1/tcp/0/ws"])
            .args(["--http", &http.to_string()])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run hearth node");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut addrs = Vec::new();
        let enr = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("hearth node printed its ENR");
            if let Some(text) = line.strip_prefix("enr: ") {
                break Enr::from_base64(text).expect("the printed ENR decodes");
            }
            addrs.push(line.trim().parse().expect("an address line"));
        };
        Node {
            child,
            dir,
            keep_dir: false,
            addrs,
            enr,
            http,
        }
    }

    pub fn tcp(&self) -> Multiaddr {
        self.find(false)
    }

    pub fn ws(&self) -> Multiaddr {
        self.find(true)
    }

    fn find(&self, ws: bool) -> Multiaddr {
        self.addrs
            .iter()
            .find(|a| a.iter().any(|p| matches!(p, Protocol::Ws(_))) == ws)
            .expect("the node listens there")
            .clone()
    }

    /// The node's `/health` JSON.
    pub fn health(&self) -> serde_json::Value {
        use std::io::{Read, Write};
        let mut conn = std::net::TcpStream::connect(self.http).expect("health endpoint");
        write!(conn, "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
        let mut text = String::new();
        conn.read_to_string(&mut text).unwrap();
        let body = text.split("\r\n\r\n").nth(1).expect("an HTTP body");
        serde_json::from_str(body).expect("health is JSON")
    }

    /// kill -9.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the node but keeps its data directory for a restart.
    pub fn stop_keeping_data(mut self) -> PathBuf {
        self.keep_dir = true;
        self.dir.clone()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
        if !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A bare rust-libp2p peer for the hostile-peer tests: identify (so the node files it as a Waku
/// peer) and raw streams, which the test drives byte by byte.
#[derive(libp2p::swarm::NetworkBehaviour)]
pub struct RawPeer {
    pub identify: libp2p::identify::Behaviour,
    pub stream: libp2p_stream::Behaviour,
}

/// A [`RawPeer`] swarm over TCP with noise and yamux, idle connections kept for `idle`.
pub fn raw_swarm(idle: Duration) -> libp2p::Swarm<RawPeer> {
    use libp2p::{identify, noise, tcp, yamux};
    libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .expect("tcp transport")
        .with_behaviour(|key| RawPeer {
            identify: identify::Behaviour::new(identify::Config::new(
                "/vac/waku/2.0.0".into(),
                key.public(),
            )),
            stream: libp2p_stream::Behaviour::new(),
        })
        .expect("behaviour")
        .with_swarm_config(|c| c.with_idle_connection_timeout(idle))
        .build()
}
