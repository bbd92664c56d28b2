//! `hearth community show` and `hearth channel read|send`: the same `hearth::Client` the app uses,
//! natively with memory storage, against any community (not only one this node owns). JSON lines
//! on stdout; what is happening on stderr.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use futures::StreamExt;
use hearth::client::{
    Client, Community, CommunityEvent, CommunityInfo, DescriptionState, SendState, SyncProgress,
    TimelineEvent,
};
use hearth::status::keys::PrivateKey;
use hearth::storage::StorageConfig;
use hearth::storage::memory::MemoryStorage;

use super::network::{NetworkArgs, runtime};

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// A community id (0x02…, zQ3…) or a preview link.
    pub community: String,
    #[command(flatten)]
    pub network: NetworkArgs,
}

#[derive(Args, Debug)]
pub struct ReadArgs {
    pub community: String,
    pub uuid: String,
    /// Keep printing live messages until interrupted.
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub network: NetworkArgs,
}

#[derive(Args, Debug)]
pub struct SendArgs {
    pub community: String,
    pub uuid: String,
    #[arg(long)]
    pub text: String,
    /// The `0x…` id of the message this one replies to.
    #[arg(long)]
    pub reply_to: Option<String>,
    /// A file holding the sender's hex private key (a member's). Without it a new key is used,
    /// which only an open community's members list will not contain.
    #[arg(long)]
    pub key_file: Option<std::path::PathBuf>,
    /// The name others see.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub network: NetworkArgs,
}

type Error = Box<dyn std::error::Error>;

async fn start(network: &NetworkArgs) -> Result<Client, Error> {
    let storage = Arc::new(MemoryStorage::new(StorageConfig::default()));
    let client = Client::start(network.config(), storage).await?;
    client
        .net()
        .wait_for_peers(
            hearth::protocols::store::PROTOCOL,
            1,
            network.connect_timeout(),
        )
        .await
        .map_err(|e| unreachable_peers(network, e))?;
    Ok(client)
}

/// "no peer offers …" is what the light client knows; the person wants to know which address
/// did not answer.
fn unreachable_peers(network: &NetworkArgs, e: hearth::net::ClientError) -> Error {
    if network.peers.is_empty() {
        format!(
            "no Status fleet node answered within {} s ({e})",
            network.connect_timeout
        )
        .into()
    } else {
        let list: Vec<String> = network.peers.iter().map(ToString::to_string).collect();
        format!(
            "could not reach {} within {} s",
            list.join(", "),
            network.connect_timeout
        )
        .into()
    }
}

/// Waits for the community's verified description.
async fn load(community: &Community) -> Result<CommunityInfo, Error> {
    let mut events = community.events();
    let found = hearth::net::runtime::timeout(Duration::from_secs(60), async {
        while let Some(e) = events.next().await {
            match e {
                CommunityEvent::Description { info }
                    if matches!(info.state, DescriptionState::Verified { .. }) =>
                {
                    return Ok(*info);
                }
                CommunityEvent::NotFound => {
                    return Err("no signed description of this community was found".to_string());
                }
                CommunityEvent::SignerMismatch { signer } => {
                    return Err(format!(
                        "a description was found, but signed by {signer}, not the community key"
                    ));
                }
                _ => {}
            }
        }
        Err("stopped".into())
    })
    .await
    .unwrap_or_else(|| Err("no description within 60 s".into()))?;
    Ok(found)
}

pub fn show(args: ShowArgs) -> Result<(), Error> {
    runtime()?.block_on(async {
        let client = start(&args.network).await?;
        let community = client.community(&args.community)?;
        eprintln!("hearth: looking for {}…", community.id());
        let info = load(&community).await?;
        println!("{}", serde_json::to_string(&info)?);
        Ok(())
    })
}

pub fn read(args: ReadArgs) -> Result<(), Error> {
    runtime()?.block_on(async {
        let client = start(&args.network).await?;
        let community = client.community(&args.community)?;
        let mut timeline = community.channel(&args.uuid).timeline();
        while let Some(event) = timeline.next().await {
            match event {
                TimelineEvent::Stored { items } | TimelineEvent::Older { items, .. } => {
                    for item in items {
                        println!("{}", serde_json::to_string(&item)?);
                    }
                }
                TimelineEvent::Upsert { item } => println!("{}", serde_json::to_string(&item)?),
                TimelineEvent::Progress { progress } => match progress {
                    SyncProgress::Live if !args.follow => return Ok(()),
                    SyncProgress::Failed { step, reason, .. } => {
                        eprintln!("hearth: {step} failed: {reason}");
                        if !args.follow {
                            return Err(reason.into());
                        }
                    }
                    SyncProgress::Inbox { pages, messages } => {
                        eprintln!("hearth: read {messages} messages in {pages} pages");
                    }
                    _ => {}
                },
            }
        }
        Ok(())
    })
}

pub fn send(args: SendArgs) -> Result<(), Error> {
    let key = match &args.key_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("could not read {}: {e}", path.display()))?;
            let t = text.trim();
            hex::decode(t.strip_prefix("0x").unwrap_or(t))
                .map_err(|e| e.to_string())
                .and_then(|b| PrivateKey::from_bytes(&b).map_err(|e| e.to_string()))
                .map_err(|e| format!("{} does not hold a hex private key: {e}", path.display()))?
        }
        None => PrivateKey::generate()?,
    };
    runtime()?.block_on(async {
        let client = start(&args.network).await?;
        client.set_identity(key, args.name.clone());
        let community = client.community(&args.community)?;
        load(&community).await?;
        let item = community
            .channel(&args.uuid)
            .send(&args.text, args.reply_to.as_deref())
            .await
            .map_err(|e| format!("{e}. {}", e.hint()))?;
        println!("{}", serde_json::to_string(&item)?);
        match item.send_state {
            SendState::Failed { reason } => Err(format!("not delivered: {reason}").into()),
            SendState::Pending => {
                eprintln!("hearth: sent; no store node has confirmed it yet");
                Ok(())
            }
            _ => Ok(()),
        }
    })
}
