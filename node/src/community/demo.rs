//! The demo community `hearth serve --demo` shows: created once in the data dir, with 60 days of
//! history. The newest 25 days are written straight into the node's own store (lightpush only takes
//! messages stamped near now); days 31–60 are written there too, archived in status-go's format
//! ([`super::history`]) and then pruned from the store, so they exist only in the archives the node
//! serves over HTTP — history beyond the store's 30-day window, as a Status community with the
//! Community History Service has. Every message is a real Status message — encrypted with the
//! community's universal chat key, signed by one of several demo identities who are members — so
//! the app reads it exactly as it would read status-go's.

use std::path::Path;

use hearth::status::chat::{
    ChatContent, ChatMessage, ContentType, DeleteMessage, EditMessage, EmojiReaction, ImageMessage,
    MessageType, PinMessage, ReactionKind,
};
use hearth::status::codec::{ChatKey, Outgoing, encode_chat_message};
use hearth::status::keys::{PrivateKey, channel_chat_id, keccak256, member_update_chat_id};
use hearth::status::outgoing::{
    encode_delete_message, encode_edit_message, encode_emoji_reaction, encode_pin_message,
};

use super::edit::{self, ChannelSpec, CommunitySpec};
use super::history::HistoryOptions;
use super::{CommunityStore, CommunityStoreError, add_member, channel_uuid_by_name, now_ms};
use crate::service::message_store::{MessageStore, Retention};

/// The setting that marks a data dir whose demo history was written.
const SEEDED: &str = "demo_seeded";

/// The pubsub topic community traffic goes on.
pub const DEMO_PUBSUB: &str = "/waku/2/rs/16/32";

const DAY_MS: u64 = 24 * 3600 * 1000;

/// One 24×24 PNG: the demo community's picture and its one image message.
const IMAGE: &[u8] = include_bytes!("../../assets/demo-hearth.png");

/// What seeding did.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// Whether this run created the community (false: it was already there).
    pub created: bool,
    /// Messages written in all (store and archives).
    pub messages: usize,
    /// Of those, the ones only in the archives (days 31–60).
    pub archived_only: usize,
    /// Time spent archiving and pruning.
    pub archive_ms: u128,
}

struct Person {
    name: &'static str,
    key: PrivateKey,
}

fn people() -> Vec<Person> {
    [
        "Ada Lovelace",
        "Grace Hopper",
        "Linus T",
        "Margaret H",
        "Ken Thompson",
        "Radia P",
    ]
    .into_iter()
    .map(|name| Person {
        name,
        // Deterministic keys: the demo is the same every time it is built.
        key: PrivateKey::from_bytes(&keccak256(format!("hearth demo {name}").as_bytes()))
            .unwrap_or_else(|_| unreachable!("a keccak digest is a valid key")),
    })
    .collect()
}

const LINES: [&str; 24] = [
    "Good morning everyone!",
    "Has anyone tried running a **store node** at home?",
    "The new release notes are up, see the `CHANGELOG.md`.",
    "I think the lightpush retry logic needs a second look.",
    "Agreed. Filter pings every 30 s seem to do the trick.",
    "Here is my checklist:\n- build\n- test\n- *ship*",
    "What shard do communities use these days? 32?",
    "Yes, `/waku/2/rs/16/32` for content.",
    "> quoting the spec: the clock is ms-based\nthat explains it",
    "Lovely weather for a hackathon.",
    "Does the archive keep 30 days by default?",
    "It does, and the control node republishes daily.",
    "Pushed a fix for the segment reassembly bug 🎉",
    "Can someone review my PR before Friday?",
    "On it.",
    "Reminder: community call tomorrow at 15:00 UTC.",
    "I wrote a ~~long~~ short guide on running `hearth node`.",
    "Anyone else seeing slow store queries on big pages?",
    "Try `--page-size 50`, it helped me.",
    "Welcome to all the new members! 👋",
    "The design of the channel list is really clean.",
    "Markdown works too: **bold**, *italic*, `code` and [links](https://status.app).",
    "Does anyone have a good Rust + wasm tutorial?",
    "The Rust book, then wasm-bindgen's guide.",
];

/// A small deterministic generator (xorshift): the demo's history is the same on every machine.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Creates the demo community in `dir` and writes its history into the node's store, once. A data
/// dir that holds another community is left as it is.
pub fn seed(dir: &Path, history: &HistoryOptions) -> Result<DemoReport, CommunityStoreError> {
    if CommunityStore::exists(dir) {
        let store = CommunityStore::open(dir)?;
        let _ = store.setting(SEEDED)?;
        return Ok(DemoReport {
            created: false,
            messages: 0,
            archived_only: 0,
            archive_ms: 0,
        });
    }
    let spec = CommunitySpec {
        name: "Hearth Demo".into(),
        description: "A community that lives on a Hearth node: read it, join it, write in it."
            .into(),
        color: "#4360df".into(),
        tags: vec!["Ethereum".into(), "Privacy".into(), "Web3".into()],
        intro: "Be kind. Messages here are signed by their authors and kept by the node.".into(),
        manual_accept: false,
        categories: vec!["Welcome".into(), "Builders".into()],
        channels: vec![
            ChannelSpec {
                name: Some("general".into()),
                category: Some("Welcome".into()),
                emoji: Some("💬".into()),
                description: Some("Say hi".into()),
                ..Default::default()
            },
            ChannelSpec {
                name: Some("announcements".into()),
                category: Some("Welcome".into()),
                emoji: Some("📣".into()),
                description: Some("News from the team".into()),
                ..Default::default()
            },
            ChannelSpec {
                name: Some("rust".into()),
                category: Some("Builders".into()),
                emoji: Some("🦀".into()),
                description: Some("Code, crates and compilers".into()),
                ..Default::default()
            },
            ChannelSpec {
                name: Some("design".into()),
                category: Some("Builders".into()),
                emoji: Some("🎨".into()),
                description: Some("Screens and pixels".into()),
                ..Default::default()
            },
        ],
    };
    let mut d = edit::build_description(&spec)?;
    d.admin_settings
        .get_or_insert_with(Default::default)
        .pin_message_all_members_enabled = true;
    let picture = hearth::proto::status::IdentityImage {
        payload: IMAGE.to_vec(),
        source_type: hearth::proto::status::identity_image::SourceType::RawPayload as i32,
        image_format: hearth::proto::status::ImageFormat::Png as i32,
        ..Default::default()
    };
    if let Some(identity) = d.identity.as_mut() {
        identity.images.insert("thumbnail".into(), picture.clone());
        identity.images.insert("large".into(), picture);
    }
    let people = people();
    for p in &people {
        add_member(&mut d, &p.key.public_key().to_uncompressed_hex());
    }
    let mut store = CommunityStore::create(dir, d)?;
    match write_history(&mut store, dir, &people, history) {
        Ok((messages, archived_only, archive_ms)) => Ok(DemoReport {
            created: true,
            messages,
            archived_only,
            archive_ms,
        }),
        Err(e) => {
            // Half a demo is worse than none: the next start tries again from scratch.
            drop(store);
            let _ = std::fs::remove_file(dir.join(super::KEY_FILE));
            let _ = std::fs::remove_file(dir.join(super::DB_FILE));
            let _ = std::fs::remove_dir_all(super::history::archives_root(dir));
            Err(e)
        }
    }
}

/// Chat messages (with replies, a mention, an image and reactions) spread over `span_ms` from
/// `start`, through `put`; returns (id, author, channel) of each chat message sent.
#[allow(clippy::too_many_arguments)]
fn write_span(
    people: &[Person],
    channels: &[String],
    chat: &ChatKey,
    dice: &mut Dice,
    start: u64,
    span_ms: u64,
    total: u64,
    put: &mut dyn FnMut(Outgoing) -> Result<(), CommunityStoreError>,
) -> Result<Vec<(String, usize, usize)>, CommunityStoreError> {
    let encode_err = |e: hearth::status::codec::StatusError| {
        CommunityStoreError::Invalid(format!("demo message: {e}"))
    };
    let step = span_ms / total;
    // (id, author index, channel index) of what was sent, for replies and reactions.
    let mut sent: Vec<(String, usize, usize)> = Vec::new();
    for i in 0..total {
        let t = start + i * step + dice.next() % (step / 2);
        let author = dice.below(people.len());
        let channel = match i % 10 {
            0..=4 => 0,
            5 => 1,
            6..=8 => 2,
            _ => 3,
        };
        let mut msg = ChatMessage::text(
            channels[channel].clone(),
            LINES[dice.below(LINES.len())],
            t,
            t,
        );
        msg.display_name = Some(people[author].name.into());
        if i % 6 == 3
            && let Some((id, _, _)) = sent.iter().rev().find(|(_, _, c)| *c == channel)
        {
            msg.response_to = Some(id.clone());
        }
        if i == 100 {
            // A mention: Status writes the mentioned key into the text.
            let who = people[(author + 1) % people.len()].key.public_key();
            msg.text = format!("@{} could you take a look?", who.to_uncompressed_hex());
        }
        if i == 200 {
            msg.text = String::new();
            msg.content_type = ContentType::Image;
            msg.content = ChatContent::Image(ImageMessage {
                payload: IMAGE.to_vec(),
                format: hearth::proto::status::ImageFormat::Png as i32,
                width: 24,
                height: 24,
                ..Default::default()
            });
        }
        let out = encode_chat_message(&msg, &people[author].key, chat, (t * 1_000_000) as i64)
            .map_err(encode_err)?;
        sent.push((
            hearth::status::envelope::message_id_hex(&out.id),
            author,
            channel,
        ));
        put(out)?;
        // Reactions from others, now and then, a little later.
        if i % 4 == 1 {
            let reactor = (author + 1 + dice.below(people.len() - 1)) % people.len();
            let kinds = [
                ReactionKind::Love,
                ReactionKind::ThumbsUp,
                ReactionKind::Laugh,
            ];
            let kind = kinds[dice.below(kinds.len())];
            let rt = t + 60_000;
            let reaction = EmojiReaction {
                clock: rt,
                chat_id: channels[channel].clone(),
                message_id: sent[sent.len() - 1].0.clone(),
                message_type: MessageType::CommunityChat,
                kind,
                emoji: match kind {
                    ReactionKind::Love => "❤️",
                    ReactionKind::ThumbsUp => "👍",
                    _ => "😂",
                }
                .into(),
                retracted: false,
            };
            put(encode_emoji_reaction(
                &reaction,
                &people[reactor].key,
                chat,
                (rt * 1_000_000) as i64,
            )
            .map_err(encode_err)?)?;
        }
    }
    Ok(sent)
}

fn write_history(
    store: &mut CommunityStore,
    dir: &Path,
    people: &[Person],
    history: &HistoryOptions,
) -> Result<(usize, usize, u128), CommunityStoreError> {
    let d = store.description()?;
    let community = store.public_key();
    let channels: Vec<String> = ["general", "announcements", "rust", "design"]
        .iter()
        .filter_map(|n| channel_uuid_by_name(&d, n))
        .map(|uuid| channel_chat_id(&community, &uuid))
        .collect();
    let chat = ChatKey::derive(&member_update_chat_id(&community));
    let store_err = |e: crate::service::message_store::MessageStoreError| {
        CommunityStoreError::Invalid(format!("the node's store: {e}"))
    };
    let mut archive = MessageStore::open(&dir.join("store.sqlite3")).map_err(store_err)?;
    let written = std::cell::Cell::new(0usize);
    let mut put = |out: Outgoing| -> Result<(), CommunityStoreError> {
        for m in out.messages {
            let ts = m.timestamp.unwrap_or(0);
            let hash = m.hash(DEMO_PUBSUB);
            archive
                .insert(DEMO_PUBSUB, &m, &hash, ts)
                .map_err(|e| CommunityStoreError::Invalid(format!("the node's store: {e}")))?
                .ok();
            written.set(written.get() + 1);
        }
        Ok(())
    };
    let encode_err = |e: hearth::status::codec::StatusError| {
        CommunityStoreError::Invalid(format!("demo message: {e}"))
    };

    let now = now_ms();
    let mut dice = Dice(0x4845_4152_5448);
    // Days 60 to 31 ago: archived below, then pruned from the store.
    write_span(
        people,
        &channels,
        &chat,
        &mut dice,
        now - 60 * DAY_MS,
        29 * DAY_MS,
        300,
        &mut put,
    )?;
    let archived_only = written.get();
    // The newest 25 days, which stay in the store.
    let sent = write_span(
        people,
        &channels,
        &chat,
        &mut dice,
        now - 25 * DAY_MS,
        25 * DAY_MS - 10 * 60 * 1000,
        320,
        &mut put,
    )?;
    // An edit, a delete and a pin, each by someone allowed to.
    let later = now - 5 * 60 * 1000;
    let (edited, author, channel) = sent[50].clone();
    put(encode_edit_message(
        &EditMessage {
            clock: later,
            chat_id: channels[channel].clone(),
            message_id: edited,
            text: "Edited: the lightpush retry logic looks fine after all.".into(),
            message_type: MessageType::CommunityChat,
            content_type: ContentType::TextPlain,
            unfurled_links: Vec::new(),
            unfurled_status_links: Vec::new(),
        },
        &people[author].key,
        &chat,
        (later * 1_000_000) as i64,
    )
    .map_err(encode_err)?)?;
    let (deleted, author, channel) = sent[60].clone();
    put(encode_delete_message(
        &DeleteMessage {
            clock: later + 1,
            chat_id: channels[channel].clone(),
            message_id: deleted,
            message_type: MessageType::CommunityChat,
            deleted_by: None,
        },
        &people[author].key,
        &chat,
        ((later + 1) * 1_000_000) as i64,
    )
    .map_err(encode_err)?)?;
    let (pinned, _, channel) = sent
        .iter()
        .find(|(_, _, c)| *c == 1)
        .cloned()
        .unwrap_or_else(|| sent[0].clone());
    put(encode_pin_message(
        &PinMessage {
            clock: later + 2,
            chat_id: channels[channel].clone(),
            message_id: pinned,
            pinned: true,
            message_type: MessageType::CommunityChat,
        },
        &people[0].key,
        &chat,
        ((later + 2) * 1_000_000) as i64,
    )
    .map_err(encode_err)?)?;
    let started = std::time::Instant::now();
    // Archive all of it in 7-day windows as the control node would, then prune what the store's
    // 30-day retention would drop: days 31–60 now live only in the archives.
    let created = super::history::create(dir, store, &archive, now / 1000, history)
        .map_err(|e| CommunityStoreError::Invalid(format!("demo archives: {e}")))?;
    if created.is_none() {
        return Err(CommunityStoreError::Invalid(
            "demo archives: nothing archived".into(),
        ));
    }
    archive
        .apply_retention(&Retention::default(), (now * 1_000_000) as i64)
        .map_err(store_err)?;
    store.set_setting(SEEDED, &written.get().to_string())?;
    Ok((written.get(), archived_only, started.elapsed().as_millis()))
}
