//! `hearth link decode|encode` (being written).

use clap::Subcommand;

#[derive(Subcommand)]
pub enum LinkCommand {
    /// Decode a preview link and print it as JSON.
    Decode { url: String },
}

pub fn run(cmd: LinkCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        LinkCommand::Decode { url } => Err(format!("not yet: {url}").into()),
    }
}
