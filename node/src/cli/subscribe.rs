//! `hearth subscribe`: live messages through filter, one JSON line each, until interrupted (or
//! until `--count` messages).

use clap::Args;
use futures::StreamExt;
use hearth::net::client::Origin;
use hearth::protocols::filter;

use super::network::{NetworkArgs, message_json, runtime};

#[derive(Args, Debug)]
pub struct SubscribeArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    #[arg(long)]
    pub pubsub_topic: String,
    /// Repeat for more (up to 100 per request; more are sent in batches).
    #[arg(long = "content-topic", required = true)]
    pub content_topics: Vec<String>,
    /// Stop after this many messages.
    #[arg(long)]
    pub count: Option<usize>,
}

pub fn run(args: SubscribeArgs) -> Result<(), Box<dyn std::error::Error>> {
    runtime()?.block_on(async {
        let client = args.network.start(filter::SUBSCRIBE_PROTOCOL).await?;
        let mut sub = client
            .subscribe(&args.pubsub_topic, args.content_topics.clone())
            .await?;
        eprintln!("hearth: subscribed with {} peer(s)", sub.peers().len());
        let mut seen = 0;
        while let Some(r) = sub.next().await {
            let mut line = message_json(&r.hash, Some(&r.pubsub_topic), &r.message);
            line["origin"] = match r.origin {
                Origin::Filter(p) => format!("filter:{p}"),
                Origin::Store(p) => format!("store:{p}"),
            }
            .into();
            println!("{line}");
            seen += 1;
            if args.count.is_some_and(|n| seen >= n) {
                break;
            }
        }
        Ok(())
    })
}
