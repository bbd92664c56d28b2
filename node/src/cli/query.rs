//! `hearth query`: store history, one JSON line per message, newest first unless `--forward`.

use clap::Args;
use futures::StreamExt;
use hearth::protocols::store::{self, StoreQuery};
use hearth::waku::MessageHash;

use super::network::{NetworkArgs, runtime, stored_json};

#[derive(Args, Debug)]
pub struct QueryArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    #[arg(long)]
    pub pubsub_topic: Option<String>,
    #[arg(long = "content-topic")]
    pub content_topics: Vec<String>,
    /// Messages with these hashes (0x hex; repeat), instead of topics.
    #[arg(long = "hash")]
    pub hashes: Vec<String>,
    /// Only messages stamped at or after this many nanoseconds since the Unix epoch.
    #[arg(long)]
    pub start: Option<i64>,
    /// Only messages stamped at or before this.
    #[arg(long)]
    pub end: Option<i64>,
    /// Oldest first (the default is newest first).
    #[arg(long)]
    pub forward: bool,
    #[arg(long, default_value_t = store::DEFAULT_PAGE_SIZE)]
    pub page_size: u64,
    /// Stop after this many pages.
    #[arg(long)]
    pub pages: Option<usize>,
    /// Hashes only.
    #[arg(long)]
    pub no_data: bool,
}

pub fn run(args: QueryArgs) -> Result<(), Box<dyn std::error::Error>> {
    let query = if args.hashes.is_empty() {
        let topic = args
            .pubsub_topic
            .clone()
            .ok_or("--pubsub-topic or --hash is required")?;
        StoreQuery::topics(topic, args.content_topics.clone())
    } else {
        let hashes = args
            .hashes
            .iter()
            .map(|h| MessageHash::from_hex(h))
            .collect::<Result<Vec<_>, _>>()?;
        StoreQuery::hashes(hashes)
    }
    .time_range(args.start, args.end)
    .forward(args.forward)
    .page_size(args.page_size)
    .include_data(!args.no_data);
    runtime()?.block_on(async {
        let client = args.network.start(store::PROTOCOL).await?;
        let mut pages = std::pin::pin!(client.query(query));
        let mut read = 0;
        while let Some(page) = pages.next().await {
            for m in page?.messages {
                println!("{}", stored_json(&m));
            }
            read += 1;
            if args.pages.is_some_and(|n| read >= n) {
                break;
            }
        }
        Ok(())
    })
}
