//! `hearth link decode|encode`: status.app preview links from a terminal.
//!
//! `decode` prints one JSON line with everything a link says, marked `"verified": false`: the
//! names and counts in a link are unsigned hints (see `hearth::status::link`). `encode` prints a
//! link that status.app and the Status apps open.

use clap::{Args, Subcommand};
use hearth::status::keys::{self, KeyError, PublicKey};
use hearth::status::link::{
    ChannelHint, CommunityHint, PreviewLink, Unverified, UserHint, UserId, community_tag_index,
    parse_preview_link,
};
use serde_json::{Value, json};

#[derive(Subcommand)]
pub enum LinkCommand {
    /// Decode a preview link (status.app, status-app://, join.status.im) and print it as one JSON
    /// line. Names, counts and colours in a link are unverified hints.
    Decode {
        /// The link, e.g. "https://status.app/c/…#zQ3sh…" (quote it: it contains '#').
        url: String,
    },
    /// Build a status.app preview link and print it.
    #[command(subcommand)]
    Encode(Box<EncodeCommand>),
}

#[derive(Subcommand)]
pub enum EncodeCommand {
    /// A community link: /c#<key>, or /c/<data>#<key> with --name.
    Community(CommunityArgs),
    /// A channel link: /cc/<uuid>#<key>, or /cc/<data>#<key> with --name.
    Channel(ChannelArgs),
    /// A profile link: /u#<key or ENS name>, or /u/<data>#<key> with --name.
    User(UserArgs),
}

#[derive(Args)]
pub struct CommunityArgs {
    /// The community's key: zQ3sh…, or 0x hex (compressed or uncompressed).
    #[arg(long)]
    key: String,
    /// Community name (1–30 characters); without it the link carries the key only.
    #[arg(long)]
    name: Option<String>,
    /// Description (1–140 characters; required with --name).
    #[arg(long, default_value = "")]
    description: String,
    /// Member count.
    #[arg(long, default_value_t = 0)]
    members: u32,
    /// Colour, '#rrggbb' (required with --name).
    #[arg(long, default_value = "")]
    color: String,
    /// Tags, comma-separated, by name or index ("Art,NFT" or "1,33").
    #[arg(long, value_delimiter = ',')]
    tags: Vec<String>,
}

#[derive(Args)]
pub struct ChannelArgs {
    /// The community's key: zQ3sh…, or 0x hex.
    #[arg(long)]
    key: String,
    /// The channel's uuid (its key in the community description's chats).
    #[arg(long)]
    channel_uuid: String,
    /// Channel name (1–24 characters); without it the link carries the uuid and key only.
    #[arg(long)]
    name: Option<String>,
    /// Channel description (1–140 characters; required with --name).
    #[arg(long, default_value = "")]
    description: String,
    /// Channel emoji.
    #[arg(long, default_value = "")]
    emoji: String,
    /// Channel colour, '#rrggbb' (required with --name).
    #[arg(long, default_value = "")]
    color: String,
    /// The community's name (1–30 characters; required with --name).
    #[arg(long, default_value = "")]
    community_name: String,
    /// The community's description.
    #[arg(long, default_value = "")]
    community_description: String,
    /// The community's member count.
    #[arg(long, default_value_t = 0)]
    members: u32,
    /// The community's colour, '#rrggbb'.
    #[arg(long, default_value = "")]
    community_color: String,
    /// The community's tags, comma-separated, by name or index.
    #[arg(long, value_delimiter = ',')]
    tags: Vec<String>,
}

#[derive(Args)]
pub struct UserArgs {
    /// The profile's chat key (zQ3sh… or 0x hex) or ENS name (…eth, key-only links).
    #[arg(long)]
    key: String,
    /// Display name (1–24 characters); without it the link carries the key only.
    #[arg(long)]
    name: Option<String>,
    /// Bio (up to 240 characters).
    #[arg(long, default_value = "")]
    description: String,
    /// Colour, '#rrggbb' (optional).
    #[arg(long, default_value = "")]
    color: String,
}

pub fn run(cmd: LinkCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        LinkCommand::Decode { url } => {
            let link = parse_preview_link(&url)?;
            println!("{}", link_json(&link));
        }
        LinkCommand::Encode(what) => println!("{}", build(*what)?.to_url()?),
    }
    Ok(())
}

fn build(what: EncodeCommand) -> Result<PreviewLink, Box<dyn std::error::Error>> {
    Ok(match what {
        EncodeCommand::Community(a) => PreviewLink::Community {
            key: parse_key(&a.key)?,
            hint: a
                .name
                .map(|name| -> Result<_, String> {
                    Ok(Unverified::new(CommunityHint {
                        display_name: name,
                        description: a.description,
                        members_count: a.members,
                        color: a.color,
                        tag_indices: parse_tags(&a.tags)?,
                    }))
                })
                .transpose()?,
        },
        EncodeCommand::Channel(a) => PreviewLink::Channel {
            community_key: parse_key(&a.key)?,
            uuid: a.channel_uuid,
            hint: a
                .name
                .map(|name| -> Result<_, String> {
                    Ok(Unverified::new(ChannelHint {
                        display_name: name,
                        description: a.description,
                        emoji: a.emoji,
                        color: a.color,
                        community: CommunityHint {
                            display_name: a.community_name,
                            description: a.community_description,
                            members_count: a.members,
                            color: a.community_color,
                            tag_indices: parse_tags(&a.tags)?,
                        },
                    }))
                })
                .transpose()?,
        },
        EncodeCommand::User(a) => PreviewLink::User {
            user: if a.key.to_ascii_lowercase().ends_with(".eth") {
                UserId::Ens(a.key.to_lowercase())
            } else {
                UserId::Key(parse_key(&a.key)?)
            },
            hint: a.name.map(|name| {
                Unverified::new(UserHint {
                    display_name: name,
                    description: a.description,
                    color: a.color,
                })
            }),
        },
    })
}

/// A key as people paste it: serialized, or hex in either SEC1 form.
fn parse_key(s: &str) -> Result<PublicKey, KeyError> {
    let s = s.trim();
    if s.starts_with("0x") || s.starts_with("0X") {
        PublicKey::from_hex(&s[2..])
    } else {
        PublicKey::from_serialized(s)
    }
}

fn parse_tags(tags: &[String]) -> Result<Vec<u32>, String> {
    tags.iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            t.trim()
                .parse::<u32>()
                .ok()
                .or_else(|| community_tag_index(t))
                .ok_or_else(|| format!("unknown community tag {t:?}"))
        })
        .collect()
}

fn key_json(key: &PublicKey) -> Value {
    json!({
        "compressed": key.to_compressed_hex(),
        "uncompressed": key.to_uncompressed_hex(),
        "serialized": key.to_serialized(),
    })
}

fn community_fields(hint: Option<&CommunityHint>) -> Value {
    match hint {
        None => json!({
            "name": null, "description": null, "members": null, "color": null,
            "tag_indices": null, "tags": null,
        }),
        Some(h) => json!({
            "name": h.display_name,
            "description": h.description,
            "members": h.members_count,
            "color": h.color,
            "tag_indices": h.tag_indices,
            "tags": h.tags().map(|t| json!({"name": t.name, "emoji": t.emoji})).collect::<Vec<_>>(),
        }),
    }
}

/// One flat object per link; fields a link cannot carry are present as `null`, so every line of
/// one type has the same shape.
fn link_json(link: &PreviewLink) -> Value {
    let mut out = match link {
        PreviewLink::Community { key, hint } => {
            let id = keys::community_id(key);
            let mut out = json!({
                "type": "community",
                "key": key_json(key),
                "community_id": id,
                "content_topic": keys::content_topic(&id).to_string(),
                "has_data": hint.is_some(),
            });
            merge(
                &mut out,
                community_fields(hint.as_ref().map(Unverified::hint)),
            );
            out
        }
        PreviewLink::Channel {
            community_key,
            uuid,
            hint,
        } => {
            let id = keys::community_id(community_key);
            let chat_id = keys::channel_chat_id(community_key, uuid);
            let h = hint.as_ref().map(Unverified::hint);
            json!({
                "type": "channel",
                "key": key_json(community_key),
                "community_id": id,
                "content_topic": keys::content_topic(&id).to_string(),
                "channel_uuid": uuid,
                "chat_id": chat_id,
                "channel_content_topic": keys::content_topic(&chat_id).to_string(),
                "has_data": h.is_some(),
                "name": h.map(|h| &h.display_name),
                "description": h.map(|h| &h.description),
                "emoji": h.map(|h| &h.emoji),
                "color": h.map(|h| &h.color),
                "community": h.map(|h| community_fields(Some(&h.community))),
            })
        }
        PreviewLink::User { user, hint } => {
            let (key, ens) = match user {
                UserId::Key(k) => (Some(k), None),
                UserId::Ens(name) => (None, Some(name)),
            };
            let h = hint.as_ref().map(Unverified::hint);
            json!({
                "type": "user",
                "key": key.map(key_json),
                "ens_name": ens,
                "contact_code_topic": key
                    .map(|k| keys::content_topic(&keys::contact_code_chat_id(k)).to_string()),
                "has_data": h.is_some(),
                "name": h.map(|h| &h.display_name),
                "description": h.map(|h| &h.description),
                "color": h.map(|h| &h.color),
            })
        }
    };
    merge(&mut out, json!({ "verified": false }));
    out
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}
