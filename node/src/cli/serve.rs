//! `hearth serve [--demo]`: the node and the built app over HTTP in one command, on free ports; with
//! `--demo`, a demo community created on first start (kept in the data dir) whose control node is
//! this node. Prints one JSON line on stdout once everything answers:
//! `{"app", "community", "link", "hearth_link", "ws", "channels"}` (and `bridge`, the bridge's URL,
//! with `--bridge`); sentences go to stderr.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, Parser};
use libp2p::PeerId;
use serde_json::json;

use super::community::{community_links, ordered_channels};
use super::node::NodeArgs;
use super::ports::free_port;
use crate::community::CommunityStore;
use crate::community::demo;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Create (once) and host the demo community.
    #[arg(long)]
    pub demo: bool,
    /// Where the node key, store and community live.
    #[arg(long, default_value = "hearth-data")]
    pub data_dir: PathBuf,
    /// The built app to serve (`scripts/build-web` writes `dist/`).
    #[arg(long, default_value = "dist")]
    pub web: PathBuf,
    /// HTTP port for the app; the next free one is taken when it is busy.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// WebSocket port browsers connect to; the next free one is taken when it is busy.
    #[arg(long, default_value_t = 8000)]
    pub ws_port: u16,
    /// Leave requests to join pending for `hearth community accept`.
    #[arg(long)]
    pub manual_accept: bool,
    /// Serve the HTTP bridge for other programs at `/api/v1/` (tokens: `hearth bridge token
    /// create --data-dir …`); the JSON line names it as `bridge`.
    #[arg(long)]
    pub bridge: bool,
    /// Rate limits as `hearth node --rate-limit` takes them (repeatable): a benchmark that is the
    /// only publisher may push faster than the defaults let one peer.
    #[arg(long = "rate-limit", value_name = "LIMIT")]
    pub rate_limits: Vec<String>,
}

#[derive(Parser)]
struct NodeOnly {
    #[command(flatten)]
    node: NodeArgs,
}

pub fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    std::fs::create_dir_all(&args.data_dir)?;
    let http = free_port(args.port, false);
    if args.demo {
        let started = Instant::now();
        let history = crate::community::history::HistoryOptions::for_http(Some(SocketAddr::from(
            (Ipv4Addr::LOCALHOST, http),
        )));
        let report = demo::seed(&args.data_dir, &history)?;
        if report.created {
            eprintln!(
                "hearth: created the demo community in {} ({} messages of history, {} of them \
                 older than the store keeps, in archives at {}; {} ms, {} ms of it archiving)",
                args.data_dir.display(),
                report.messages,
                report.archived_only,
                history.base_url,
                started.elapsed().as_millis(),
                report.archive_ms
            );
        }
    }
    let ws = free_port(args.ws_port, false);
    let tcp = free_port(60000, false);
    let webrtc = free_port(60001, true);
    for (name, wanted, got) in [("HTTP", args.port, http), ("WebSocket", args.ws_port, ws)] {
        if wanted != got {
            eprintln!("hearth: {name} port {wanted} is busy; using {got}");
        }
    }
    let data_dir = args.data_dir.to_string_lossy().into_owned();
    let mut argv: Vec<String> = vec![
        "serve".into(),
        "--data-dir".into(),
        data_dir,
        "--http".into(),
        format!("127.0.0.1:{http}"),
        "--listen".into(),
        format!("/ip4/127.0.0.1/tcp/{tcp}"),
        "--listen".into(),
        format!("/ip4/127.0.0.1/tcp/{ws}/ws"),
        "--listen".into(),
        format!("/ip4/127.0.0.1/udp/{webrtc}/webrtc-direct"),
        "--quiet-addrs".into(),
    ];
    if args.web.is_dir() {
        argv.push("--web".into());
        argv.push(args.web.to_string_lossy().into_owned());
    } else {
        eprintln!(
            "hearth: {} is not built (scripts/build-web); serving the node without the app",
            args.web.display()
        );
    }
    if args.manual_accept {
        argv.push("--manual-accept".into());
    }
    if args.bridge {
        argv.push("--bridge".into());
    }
    for limit in &args.rate_limits {
        argv.push("--rate-limit".into());
        argv.push(limit.clone());
    }
    let node = NodeOnly::try_parse_from(argv)?.node;
    let mut config = node.into_config()?;
    let keypair = crate::service::swarm::load_or_create_key(&args.data_dir)?;
    let peer = PeerId::from(keypair.public());
    let app = format!("http://127.0.0.1:{http}/");
    let mut line = json!({
        "app": app,
        "ws": format!("/ip4/127.0.0.1/tcp/{ws}/ws/p2p/{peer}"),
    });
    if args.bridge {
        line["bridge"] = format!("http://127.0.0.1:{http}/api/v1/").into();
    }
    if CommunityStore::exists(&args.data_dir) {
        let store = CommunityStore::open(&args.data_dir)?;
        let d = store.description()?;
        let links = community_links(&store.public_key(), &d, &format!("http://127.0.0.1:{http}"))
            .map_err(|e| e.to_string())?;
        line["community"] = links["community"].clone();
        line["link"] = links["link"].clone();
        line["hearth_link"] = links["hearth_link"].clone();
        line["channels"] = ordered_channels(&d).into();
        // The link to the history archives, re-issued first if the HTTP port moved.
        let mut store = store;
        let history = config.control.history.clone();
        if let Err(e) =
            crate::community::history::refresh_link(&args.data_dir, &mut store, &history)
        {
            eprintln!("hearth: archive link not re-issued: {e}");
        }
        if let Some(link) = store.setting(crate::community::history::LINK_SETTING)? {
            line["archive_link"] = link.into();
        }
    }
    config.site = Some(line.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let node = tokio::spawn(crate::service::run(config));
        let started = Instant::now();
        let http_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, http));
        loop {
            if node.is_finished() {
                break;
            }
            if TcpStream::connect_timeout(&http_addr, Duration::from_millis(200)).is_ok() {
                println!("{line}");
                eprintln!("hearth: open {app} (Ctrl-C stops the node)");
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                eprintln!("hearth: the node did not answer on {http_addr} within 30 s");
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::select! {
            r = node => r.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
