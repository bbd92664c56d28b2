//! `hearth`: the command-line face of the project — the local Waku node, serving the app, and the
//! library's operations from a terminal. Data goes to stdout as JSON lines; messages to stderr.

mod cli;

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
    /// Decode or build status.app community, channel and user preview links.
    #[command(subcommand)]
    Link(cli::link::LinkCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Link(cmd) => cli::link::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hearth: {e}");
            ExitCode::FAILURE
        }
    }
}
