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
    /// Communities: show one's verified description.
    #[command(subcommand)]
    Community(CommunityCommand),
    /// A community channel's messages: read them, or send one.
    #[command(subcommand)]
    Channel(cli::channel::ChannelCommand),
}

#[derive(Subcommand)]
enum CommunityCommand {
    /// Print a community's verified description as JSON (by id or preview link).
    Show(Box<cli::channel::ShowArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,libp2p_webrtc=warn,webrtc=warn")
            }),
        )
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
        Command::Community(CommunityCommand::Show(args)) => cli::channel::show(*args),
        Command::Channel(cmd) => cli::channel::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hearth: {e}");
            ExitCode::FAILURE
        }
    }
}
