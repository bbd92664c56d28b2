//! `hearth`: the command-line face of the project (the node, serving the app, and the library).

use clap::Parser;

/// Hearth: Status Communities over Waku v2, from a terminal.
#[derive(Parser)]
#[command(name = "hearth", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    eprintln!("hearth {}: no subcommand yet", hearth::VERSION);
}
