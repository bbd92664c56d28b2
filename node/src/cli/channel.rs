//! `hearth channel add|edit|remove`: the community's channels. Saved with a higher clock; a running
//! control node republishes the description. `hearth channel read|send` read and write any
//! community's channel through `hearth::Client` (see `chat.rs`).

use clap::Subcommand;
use serde_json::json;

use super::community::DataDir;
use crate::community::CommunityStore;
use crate::community::edit::{self, ChannelSpec};

#[derive(Subcommand, Debug)]
pub enum ChannelCommand {
    /// Add a channel: `general`, or `name=general,category=Talk,emoji=💬,color=#4360df,description=…`.
    Add {
        #[command(flatten)]
        dir: DataDir,
        spec: ChannelSpec,
    },
    /// Change a channel (by name or uuid): the fields given, e.g. `description=…,position=2`
    /// (`category=` with nothing moves it out of its category).
    Edit {
        #[command(flatten)]
        dir: DataDir,
        channel: String,
        spec: ChannelSpec,
    },
    /// Print a channel's messages as JSON lines (stored, then from store; with --follow, live).
    Read(Box<super::chat::ReadArgs>),
    /// Send a message to a channel (the key must be a member's).
    Send(Box<super::chat::SendArgs>),
    /// Remove a channel (by name or uuid).
    Remove {
        #[command(flatten)]
        dir: DataDir,
        channel: String,
    },
}

pub fn run(cmd: ChannelCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        ChannelCommand::Read(args) => return super::chat::read(*args),
        ChannelCommand::Send(args) => return super::chat::send(*args),
        ChannelCommand::Add { dir, spec } => {
            let mut store = CommunityStore::open(&dir.data_dir)?;
            let uuid = store.update(|d| {
                let uuid = edit::add_channel(d, &spec)?;
                edit::validate(d)?;
                Ok(uuid)
            })?;
            println!("{}", json!({ "added": uuid, "name": spec.name }));
        }
        ChannelCommand::Edit { dir, channel, spec } => {
            let mut store = CommunityStore::open(&dir.data_dir)?;
            store.update(|d| {
                edit::edit_channel(d, &channel, &spec)?;
                edit::validate(d)
            })?;
            println!("{}", json!({ "edited": channel }));
        }
        ChannelCommand::Remove { dir, channel } => {
            let mut store = CommunityStore::open(&dir.data_dir)?;
            store.update(|d| edit::remove_channel(d, &channel))?;
            println!("{}", json!({ "removed": channel }));
        }
    }
    eprintln!("saved; a running node republishes the description");
    Ok(())
}
