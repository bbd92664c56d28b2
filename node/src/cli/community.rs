//! `hearth community create|edit|link|kick|ban|unban|requests|accept|decline`: a community owned by
//! a node's data dir. Each change is saved with a higher clock; a `hearth node` running on the same
//! data dir (its control node) publishes it within a second. Data goes to stdout as JSON lines,
//! sentences to stderr.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use hearth::proto::status as wire;
use hearth::status::link::{CommunityHint, PreviewLink, Unverified, community_tag_index};
use serde_json::json;

use crate::community::edit::{self, ChannelSpec, CommunitySpec};
use crate::community::{CommunityStore, CommunityStoreError, member_key};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[derive(Args, Debug, Clone)]
pub struct DataDir {
    /// The node's data dir, where the community key and description live.
    #[arg(long, default_value = "hearth-data")]
    pub data_dir: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum CommunityCommand {
    /// Print any community's verified description as JSON (by id or preview link), read from
    /// the network like the app does.
    Show(Box<super::chat::ShowArgs>),
    /// Create a community owned by this data dir (a fresh community key, file mode 0600).
    Create(Box<CreateArgs>),
    /// Change the name, description, colour, tags, images or who may join; republished.
    Edit(Box<EditArgs>),
    /// Print the community's status.app link and Hearth's own URL for it.
    Link {
        #[command(flatten)]
        dir: DataDir,
        /// Where the app is served.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        app: String,
    },
    /// Remove a member (they may ask to join again).
    Kick(MemberArgs),
    /// Remove a member and refuse their requests to join.
    Ban(MemberArgs),
    /// Lift a ban.
    Unban(MemberArgs),
    /// List requests to join (pending only, unless --all) as JSON lines.
    Requests {
        #[command(flatten)]
        dir: DataDir,
        #[arg(long)]
        all: bool,
    },
    /// Accept a pending request: the requester becomes a member and is answered.
    Accept(MemberArgs),
    /// Decline a pending request.
    Decline(MemberArgs),
}

#[derive(Args, Debug)]
pub struct MemberArgs {
    #[command(flatten)]
    pub dir: DataDir,
    /// The member's chat key: 0x04… (or 0x02…/0x03…, or zQ3sh…).
    pub key: String,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    pub dir: DataDir,
    /// 1–30 bytes, plain text.
    #[arg(long)]
    pub name: String,
    /// 1–140 bytes, plain text.
    #[arg(long)]
    pub description: String,
    /// `#RRGGBB`.
    #[arg(long, default_value = "#4360df")]
    pub color: String,
    /// A Status community tag, e.g. "Ethereum" (repeat the flag).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// A category name (repeat the flag).
    #[arg(long = "category")]
    pub categories: Vec<String>,
    /// A channel: `general`, or `name=general,category=Talk,emoji=💬,color=#4360df,description=…`
    /// (repeat the flag).
    #[arg(long = "channel")]
    pub channels: Vec<ChannelSpec>,
    /// Shown to people before they join.
    #[arg(long, default_value = "")]
    pub intro: String,
    /// Requests to join wait for `hearth community accept` (default: open, accepted at once).
    #[arg(long)]
    pub on_request: bool,
    /// The community's picture (PNG, JPEG, WebP or GIF, ≤ 256 KiB).
    #[arg(long)]
    pub image: Option<PathBuf>,
    /// A banner picture.
    #[arg(long)]
    pub banner: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    #[command(flatten)]
    pub dir: DataDir,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub color: Option<String>,
    /// Replaces all tags (repeat the flag).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    #[arg(long)]
    pub intro: Option<String>,
    /// `open` (accepted at once) or `on-request`.
    #[arg(long)]
    pub access: Option<String>,
    #[arg(long)]
    pub image: Option<PathBuf>,
    #[arg(long)]
    pub banner: Option<PathBuf>,
}

pub fn run(cmd: CommunityCommand) -> Result<()> {
    match cmd {
        CommunityCommand::Show(args) => super::chat::show(*args),
        CommunityCommand::Create(args) => create(*args),
        CommunityCommand::Edit(args) => edit_identity(*args),
        CommunityCommand::Link { dir, app } => {
            let store = CommunityStore::open(&dir.data_dir)?;
            let links = community_links(&store.public_key(), &store.description()?, &app)?;
            println!("{links}");
            Ok(())
        }
        CommunityCommand::Kick(m) => member_change(m, "removed", edit::kick),
        CommunityCommand::Ban(m) => member_change(m, "banned", |d, k| {
            edit::ban(d, k);
            Ok(())
        }),
        CommunityCommand::Unban(m) => member_change(m, "unbanned", edit::unban),
        CommunityCommand::Requests { dir, all } => {
            let store = CommunityStore::open(&dir.data_dir)?;
            let rows = store.requests(if all { None } else { Some("pending") })?;
            for r in &rows {
                println!(
                    "{}",
                    json!({
                        "requester": r.requester,
                        "clock": r.clock_s,
                        "display_name": r.display_name,
                        "state": r.state,
                        "answered": r.answered,
                    })
                );
            }
            eprintln!("{} request(s)", rows.len());
            Ok(())
        }
        CommunityCommand::Accept(m) => {
            let mut store = CommunityStore::open(&m.dir.data_dir)?;
            let key = member_key(&m.key)?;
            store.accept(&key)?;
            println!("{}", json!({ "accepted": key }));
            eprintln!("accepted; a running node answers the requester and republishes");
            Ok(())
        }
        CommunityCommand::Decline(m) => {
            let store = CommunityStore::open(&m.dir.data_dir)?;
            let key = member_key(&m.key)?;
            store.decline(&key)?;
            println!("{}", json!({ "declined": key }));
            Ok(())
        }
    }
}

fn member_change(
    m: MemberArgs,
    what: &str,
    change: impl FnOnce(
        &mut wire::CommunityDescription,
        &str,
    ) -> std::result::Result<(), CommunityStoreError>,
) -> Result<()> {
    let mut store = CommunityStore::open(&m.dir.data_dir)?;
    let key = member_key(&m.key)?;
    store.update(|d| change(d, &key))?;
    println!("{}", json!({ what: key }));
    eprintln!("{key} {what}; a running node republishes the description");
    Ok(())
}

fn create(args: CreateArgs) -> Result<()> {
    let spec = CommunitySpec {
        name: args.name,
        description: args.description,
        color: args.color,
        tags: args.tags,
        intro: args.intro,
        manual_accept: args.on_request,
        categories: args.categories,
        channels: args.channels,
    };
    let mut d = edit::build_description(&spec)?;
    set_images(&mut d, args.image.as_deref(), args.banner.as_deref())?;
    edit::validate(&d)?;
    let store = CommunityStore::create(&args.dir.data_dir, d)?;
    let d = store.description()?;
    println!("{}", summary(&store, &d));
    eprintln!(
        "created community {}; its key is in {}; start `hearth node --data-dir {}` to publish it",
        store.id(),
        store.dir().join(crate::community::KEY_FILE).display(),
        store.dir().display()
    );
    Ok(())
}

fn set_images(
    d: &mut wire::CommunityDescription,
    image: Option<&Path>,
    banner: Option<&Path>,
) -> Result<()> {
    let identity = d.identity.get_or_insert_with(Default::default);
    if let Some(path) = image {
        let img = edit::image_from_file(path)?;
        identity.images.insert("thumbnail".into(), img.clone());
        identity.images.insert("large".into(), img);
    }
    if let Some(path) = banner {
        identity
            .images
            .insert("banner".into(), edit::image_from_file(path)?);
    }
    Ok(())
}

fn edit_identity(args: EditArgs) -> Result<()> {
    let mut store = CommunityStore::open(&args.dir.data_dir)?;
    // Images are read before the transaction, so a bad file changes nothing.
    let mut images = wire::CommunityDescription::default();
    set_images(&mut images, args.image.as_deref(), args.banner.as_deref())?;
    let access = match args.access.as_deref() {
        None => None,
        Some("open" | "auto") => Some(wire::community_permissions::Access::AutoAccept),
        Some("on-request" | "manual") => Some(wire::community_permissions::Access::ManualAccept),
        Some(other) => return Err(format!("--access {other:?}: open or on-request").into()),
    };
    store.update(|d| {
        let identity = d.identity.get_or_insert_with(Default::default);
        if let Some(v) = &args.name {
            identity.display_name = v.clone();
        }
        if let Some(v) = &args.description {
            identity.description = v.clone();
        }
        if let Some(v) = &args.color {
            identity.color = v.clone();
        }
        if let Some(new) = images.identity.take() {
            identity.images.extend(new.images);
        }
        if !args.tags.is_empty() {
            d.tags = args.tags.clone();
        }
        if let Some(v) = &args.intro {
            d.intro_message = v.clone();
        }
        if let Some(a) = access {
            d.permissions.get_or_insert_with(Default::default).access = a as i32;
        }
        edit::validate(d)
    })?;
    let d = store.description()?;
    println!("{}", summary(&store, &d));
    eprintln!("saved; a running node republishes the description");
    Ok(())
}

/// The community as one JSON object: id, name, channels in display order.
pub fn summary(store: &CommunityStore, d: &wire::CommunityDescription) -> serde_json::Value {
    let identity = d.identity.clone().unwrap_or_default();
    json!({
        "community": store.id(),
        "name": identity.display_name,
        "clock": d.clock,
        "members": d.members.len(),
        "categories": ordered_categories(d).iter().map(|(id, c)| json!({"id": id, "name": c.name})).collect::<Vec<_>>(),
        "channels": ordered_channels(d),
    })
}

/// Categories by position, then id.
pub fn ordered_categories(
    d: &wire::CommunityDescription,
) -> Vec<(String, wire::CommunityCategory)> {
    let mut v: Vec<_> = d
        .categories
        .iter()
        .map(|(k, c)| (k.clone(), c.clone()))
        .collect();
    v.sort_by(|a, b| (a.1.position, &a.0).cmp(&(b.1.position, &b.0)));
    v
}

/// Channels in display order (uncategorized first, then by category, by position) as
/// `{uuid, name}`.
pub fn ordered_channels(d: &wire::CommunityDescription) -> Vec<serde_json::Value> {
    let cats = ordered_categories(d);
    let rank = |cat: &str| -> usize {
        if cat.is_empty() {
            0
        } else {
            cats.iter()
                .position(|(id, _)| id == cat)
                .map_or(usize::MAX, |p| p + 1)
        }
    };
    let mut v: Vec<_> = d.chats.iter().collect();
    v.sort_by(|a, b| {
        (rank(&a.1.category_id), a.1.position, a.0).cmp(&(
            rank(&b.1.category_id),
            b.1.position,
            b.0,
        ))
    });
    v.into_iter()
        .map(|(uuid, c)| {
            json!({
                "uuid": uuid,
                "name": c.identity.as_ref().map(|i| i.display_name.clone()).unwrap_or_default(),
            })
        })
        .collect()
}

/// The status.app `/c/` link of the community (data + key) and the same path on Hearth's origin.
pub fn community_links(
    key: &hearth::status::keys::PublicKey,
    d: &wire::CommunityDescription,
    app: &str,
) -> Result<serde_json::Value> {
    let identity = d.identity.clone().unwrap_or_default();
    let hint = CommunityHint {
        display_name: identity.display_name,
        description: identity.description,
        members_count: u32::try_from(d.members.len()).unwrap_or(u32::MAX),
        color: identity.color,
        tag_indices: d
            .tags
            .iter()
            .filter_map(|t| community_tag_index(t))
            .collect(),
    };
    let link = PreviewLink::Community {
        key: *key,
        hint: Some(Unverified::new(hint)),
    }
    .to_url()?;
    let path = link.strip_prefix("https://status.app").unwrap_or(&link);
    Ok(json!({
        "community": hearth::status::keys::community_id(key),
        "link": link,
        "hearth_link": format!("{}{}", app.trim_end_matches('/'), path),
    }))
}
