//! `hearth`: the command-line face of the project — the local Waku node, serving the app, and the
//! library's operations from a terminal. Data goes to stdout as JSON lines; messages to stderr.

use hearth_node::cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Hearth: Status Communities over Waku v2, from a terminal.
#[derive(Parser)]
#[command(name = "hearth", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log what happens inside (libp2p, protocols) on stderr; -vv for more. RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Subcommand)]
enum Command {
    /// Run a local Waku service node (relay, store, lightpush, filter, metadata, peer exchange).
    Node(Box<cli::node::NodeArgs>),
    /// Decode or build status.app community, channel and user preview links.
    #[command(subcommand)]
    Link(cli::link::LinkCommand),
    /// Publish one message through lightpush (the light client, not the node).
    Publish(Box<cli::publish::PublishArgs>),
    /// Print live messages from filter as JSON lines.
    Subscribe(Box<cli::subscribe::SubscribeArgs>),
    /// Print stored messages from store as JSON lines.
    Query(Box<cli::query::QueryArgs>),
    /// The node and the app over HTTP on free ports; --demo hosts a demo community.
    Serve(Box<cli::serve::ServeArgs>),
    /// A community owned by a node's data dir: create, edit, link, members, requests to join.
    #[command(subcommand)]
    Community(cli::community::CommunityCommand),
    /// The community's channels.
    #[command(subcommand)]
    Channel(cli::channel::ChannelCommand),
    /// The community's categories.
    #[command(subcommand)]
    Category(cli::category::CategoryCommand),
    /// History archives of the hosted community (status-go's format, served over HTTP).
    #[command(subcommand)]
    Archive(cli::archive::ArchiveCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs only when asked for (RUST_LOG or -v): data goes to stdout, sentences to stderr.
    let filter = match (std::env::var("RUST_LOG"), cli.verbose) {
        (Ok(spec), _) if !spec.is_empty() => tracing_subscriber::EnvFilter::new(spec),
        (_, 0) => tracing_subscriber::EnvFilter::new("off"),
        (_, 1) => tracing_subscriber::EnvFilter::new("info,libp2p_webrtc=warn,webrtc=warn"),
        _ => tracing_subscriber::EnvFilter::new("debug"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        Command::Node(args) => {
            cli::node::run_node(*args).map_err(|e| e as Box<dyn std::error::Error>)
        }
        Command::Link(cmd) => cli::link::run(cmd),
        Command::Publish(args) => cli::publish::run(*args),
        Command::Subscribe(args) => cli::subscribe::run(*args),
        Command::Query(args) => cli::query::run(*args),
        Command::Serve(args) => cli::serve::run(*args).map_err(|e| e as Box<dyn std::error::Error>),
        Command::Community(cmd) => cli::community::run(cmd),
        Command::Channel(cmd) => cli::channel::run(cmd),
        Command::Category(cmd) => cli::category::run(cmd),
        Command::Archive(cmd) => cli::archive::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hearth: {e}");
            ExitCode::FAILURE
        }
    }
}
