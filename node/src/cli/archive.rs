//! `hearth archive create`: archive a hosted community's history now (the running control node
//! does it every `--archive-interval` on its own) and record the new magnet link, which the control
//! node publishes within a second. Prints one JSON line: the archives added, the info hash and the
//! link.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

use super::community::DataDir;
use crate::community::history::{self, HistoryOptions};
use crate::community::{CommunityStore, now_ms};
use crate::service::message_store::MessageStore;

#[derive(Subcommand, Debug)]
pub enum ArchiveCommand {
    /// Archive every window since the last archive, up to now.
    Create(CreateArgs),
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    dir: DataDir,
    /// Window length in seconds (status-go: 7 days).
    #[arg(long, default_value_t = hearth::history::PARTITION_SECS)]
    interval: u64,
    /// The URL the node serves `<data dir>/archives/` at (its `--http` address by default).
    #[arg(
        long,
        value_name = "URL",
        default_value = "http://127.0.0.1:8645/archives/"
    )]
    archive_url: String,
    /// A mirror of the archives folder. Repeatable.
    #[arg(long = "archive-mirror", value_name = "URL")]
    archive_mirrors: Vec<String>,
}

pub fn run(cmd: ArchiveCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        ArchiveCommand::Create(args) => {
            let data_dir = &args.dir.data_dir;
            let mut community = CommunityStore::open(data_dir)?;
            let store = MessageStore::open(&data_dir.join("store.sqlite3"))?;
            let options = HistoryOptions {
                interval: Duration::from_secs(args.interval.max(1)),
                base_url: args.archive_url,
                mirrors: args.archive_mirrors,
            };
            let created =
                history::create(data_dir, &mut community, &store, now_ms() / 1000, &options)?;
            match created {
                Some(c) => {
                    println!(
                        "{}",
                        json!({
                            "archives": c.archive_ids,
                            "messages": c.messages,
                            "unreadable": c.unreadable,
                            "data_bytes": c.data_bytes,
                            "info_hash": c.info_hash,
                            "magnet": c.magnet,
                        })
                    );
                    eprintln!(
                        "hearth: archived {} messages; a running control node publishes the link",
                        c.messages
                    );
                }
                None => eprintln!("hearth: nothing new to archive"),
            }
            Ok(())
        }
    }
}
