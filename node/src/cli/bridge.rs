//! `hearth bridge token create|list|revoke` and `hearth bridge identity`: the bridge's tokens and
//! key in a node's data dir. A running node sees a new or revoked token at its next request.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::bridge::tokens::TokenStore;

#[derive(Subcommand, Debug)]
pub enum BridgeCommand {
    /// Bearer tokens for programs that use the bridge.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The bridge's public key (made on first use), as others see its messages signed.
    Identity(DirArgs),
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Makes a token and prints it once (only its hash is kept).
    Create(CreateArgs),
    /// Lists tokens: id, label, created, revoked (never the token itself).
    List(DirArgs),
    /// Revokes a token by id; it is refused from the next request on.
    Revoke(RevokeArgs),
}

#[derive(Args, Debug)]
pub struct DirArgs {
    /// The node's data dir.
    #[arg(long, default_value = "hearth-data")]
    pub data_dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    pub dir: DirArgs,
    /// What the token is for, shown by `token list`.
    #[arg(long, default_value = "")]
    pub label: String,
}

#[derive(Args, Debug)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub dir: DirArgs,
    /// The token's id (from `token create` or `token list`).
    pub id: String,
}

pub fn run(cmd: BridgeCommand) -> Result<(), Box<dyn std::error::Error>> {
    let now = crate::community::now_ms();
    match cmd {
        BridgeCommand::Token(TokenCommand::Create(args)) => {
            let store = TokenStore::open(&args.dir.data_dir)?;
            let (info, token) = store.create(&args.label, now)?;
            println!(
                "{}",
                json!({ "id": info.id, "label": info.label, "created_ms": info.created_ms, "token": token })
            );
            eprintln!("hearth: keep the token now; it is not shown again");
        }
        BridgeCommand::Token(TokenCommand::List(args)) => {
            for t in TokenStore::open(&args.data_dir)?.list()? {
                println!("{}", serde_json::to_string(&t)?);
            }
        }
        BridgeCommand::Token(TokenCommand::Revoke(args)) => {
            let info = TokenStore::open(&args.dir.data_dir)?.revoke(&args.id, now)?;
            println!("{}", serde_json::to_string(&info)?);
        }
        BridgeCommand::Identity(args) => {
            let key = crate::bridge::load_or_create_key(&args.data_dir)?;
            println!(
                "{}",
                json!({ "public_key": key.public_key().to_uncompressed_hex() })
            );
        }
    }
    Ok(())
}
