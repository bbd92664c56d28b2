//! `hearth channel add|edit|remove`: the community's channels. Saved with a higher clock; a running
//! control node republishes the description.

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
    /// Remove a channel (by name or uuid).
    Remove {
        #[command(flatten)]
        dir: DataDir,
        channel: String,
    },
}

pub fn run(cmd: ChannelCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
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
