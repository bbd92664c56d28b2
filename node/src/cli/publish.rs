//! `hearth publish`: lightpush one message through the client library and print the outcome.

use clap::Args;
use hearth::protocols::lightpush;
use hearth::waku::WakuMessage;
use serde_json::json;

use super::network::{NetworkArgs, runtime};

#[derive(Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// e.g. /waku/2/rs/16/32
    #[arg(long)]
    pub pubsub_topic: String,
    /// e.g. /hearth/1/demo/proto
    #[arg(long)]
    pub content_topic: String,
    #[arg(long, value_name = "HEX")]
    pub payload_hex: String,
    /// Nanoseconds since the Unix epoch; now when left out.
    #[arg(long)]
    pub timestamp: Option<i64>,
    /// Payload version (1 for Status's encrypted payloads).
    #[arg(long = "payload-version")]
    pub payload_version: Option<u32>,
    #[arg(long)]
    pub ephemeral: bool,
}

/// Prints one JSON line: the message hash and the peers that took it (or refused, and why).
pub fn run(args: PublishArgs) -> Result<(), Box<dyn std::error::Error>> {
    let payload = hex::decode(args.payload_hex.trim_start_matches("0x"))
        .map_err(|e| format!("--payload-hex: {e}"))?;
    let message = WakuMessage {
        payload,
        content_topic: args.content_topic,
        version: args.payload_version,
        timestamp: Some(args.timestamp.unwrap_or_else(hearth::net::runtime::now_ns)),
        ephemeral: args.ephemeral.then_some(true),
        ..WakuMessage::default()
    };
    runtime()?.block_on(async {
        let client = args.network.start(lightpush::PROTOCOL_V3).await?;
        let report = client.push(&args.pubsub_topic, &message).await?;
        println!(
            "{}",
            json!({
                "hash": format!("0x{}", hex::encode(report.hash.as_bytes())),
                "accepted": report.accepted.iter().map(|(p, a)| json!({
                    "peer": p.to_string(),
                    "relay_peer_count": a.relay_peer_count,
                })).collect::<Vec<_>>(),
                "failed": report.failed.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        );
        Ok(())
    })
}
