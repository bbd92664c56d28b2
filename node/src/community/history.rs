//! The control node as its community's history service (issue #13): 7-day windows of the
//! community's messages, taken from the node's own store, written in status-go's archive layout
//! (`hearth::history`), a `.torrent` over them, and a magnet link that points BitTorrent clients
//! and browsers at the node's HTTP (and any mirrors) as web seeds.
//!
//! Layout under `<data dir>/archives/` — a static folder: copy it to any web server and it is a
//! mirror (`--archive-mirror https://that.server/path/`):
//!
//! ```text
//! archives/<community id>/data          archives, each zero-padded to 100 KiB pieces (append-only)
//! archives/<community id>/index         WakuMessageArchiveIndex
//! archives/<community id>.torrent       the newest torrent (status-go's name for it)
//! archives/torrents/<info hash>.torrent the same, content-addressed (cached forever)
//! ```
//!
//! The torrent is named after the community id, so BEP 19 web seeds `…/archives/` serve
//! `…/archives/<community id>/data` and `…/index`. Web seeds live in `url-list`, outside the info
//! dict: changing a mirror or the node's port re-issues the link but never the info hash.
//!
//! The link is recorded in the community database (`archive_link`, `archive_link_clock`) and the
//! description's `archive_link_clock` raised; the running control node publishes it (AMM type 43,
//! signed by the community key) — see [`super::control`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hearth::history::{
    ArchiveIndex, ArchivedMessage, IndexError, MagnetLink, PARTITION_SECS, PIECE_LENGTH,
    PieceHasher, STATUS_TRACKERS, Torrent, TorrentInfo,
};
use hearth::status::codec::ChatKey;
use hearth::status::keys::{channel_chat_id, member_update_chat_id, to_topic};
use hearth::status::payload::{decode_frame, open_symmetric};

use super::{CommunityStore, CommunityStoreError, now_ms};
use crate::service::message_store::MessageStore;

/// The folder served at `/archives/` and copied to mirrors.
pub const ARCHIVES_DIR: &str = "archives";
/// Settings in the community database.
pub const LINK_SETTING: &str = "archive_link";
pub const LINK_CLOCK_SETTING: &str = "archive_link_clock";
pub const LINK_PUBLISHED_SETTING: &str = "archive_link_published";

/// How the node archives and where it says the archives can be fetched.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Window length and how often archiving runs (status-go: 7 days for both).
    pub interval: Duration,
    /// The URL `archives/` is served at by this node (ends in `/`); the first web seed.
    pub base_url: String,
    /// Other copies of the folder (`--archive-mirror`), each also a web seed.
    pub mirrors: Vec<String>,
}

impl HistoryOptions {
    /// The default for a node whose HTTP listens on `http`.
    pub fn for_http(http: Option<std::net::SocketAddr>) -> Self {
        let base_url = match http {
            Some(a) if a.ip().is_unspecified() => {
                format!("http://127.0.0.1:{}/{ARCHIVES_DIR}/", a.port())
            }
            Some(a) => format!("http://{a}/{ARCHIVES_DIR}/"),
            None => format!("http://127.0.0.1:8645/{ARCHIVES_DIR}/"),
        };
        Self {
            interval: Duration::from_secs(PARTITION_SECS),
            base_url,
            mirrors: Vec::new(),
        }
    }

    fn web_seeds(&self) -> Vec<String> {
        std::iter::once(&self.base_url)
            .chain(&self.mirrors)
            .map(|u| {
                if u.ends_with('/') {
                    u.clone()
                } else {
                    format!("{u}/")
                }
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the node's store: {0}")]
    Store(#[from] crate::service::message_store::MessageStoreError),
    #[error(transparent)]
    Community(#[from] CommunityStoreError),
    #[error("the existing archive index is damaged: {0}")]
    Index(#[from] IndexError),
    #[error("the existing torrent is damaged: {0}")]
    Torrent(#[from] hearth::history::TorrentError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HistoryError + '_ {
    move |source| HistoryError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What one archiving run did.
#[derive(Debug, Clone)]
pub struct Created {
    /// Ids of the archives added (`0x…`).
    pub archive_ids: Vec<String>,
    pub messages: usize,
    /// Messages on the community's topics the archive could not read (wrong key, bad frame).
    pub unreadable: usize,
    /// Size of the data file after the run.
    pub data_bytes: u64,
    pub info_hash: String,
    pub magnet: String,
}

/// The root served at `/archives/`.
pub fn archives_root(data_dir: &Path) -> PathBuf {
    data_dir.join(ARCHIVES_DIR)
}

/// The chats whose messages are archived: the universal chat every current client sends on, and
/// each channel's own chat (older senders).
pub fn community_chats(store: &CommunityStore) -> Result<Vec<ChatKey>, CommunityStoreError> {
    let community = store.public_key();
    let d = store.description()?;
    let mut chats = vec![ChatKey::derive(&member_update_chat_id(&community))];
    let mut uuids: Vec<&String> = d.chats.keys().collect();
    uuids.sort();
    for uuid in uuids {
        chats.push(ChatKey::derive(&channel_chat_id(&community, uuid)));
    }
    Ok(chats)
}

/// A stored Waku message as status-go archives it; `None` when it does not open with its chat's
/// key or its frame is unsigned or malformed.
fn to_archived(
    chat: &ChatKey,
    hash: &hearth::waku::MessageHash,
    msg: &hearth::waku::WakuMessage,
) -> Option<ArchivedMessage> {
    let frame = open_symmetric(&msg.payload, chat.key()).ok()?;
    let decoded = decode_frame(&frame).ok()?;
    // flags ‖ size (1–3 bytes, width in the flags) ‖ data ‖ padding ‖ 65-byte signature
    let width = usize::from(frame[0] & 0x03);
    let start = 1 + width + decoded.data.len();
    let padding = frame.get(start..frame.len().saturating_sub(65))?.to_vec();
    Some(ArchivedMessage {
        signer: decoded.signer,
        timestamp_s: (msg.timestamp.unwrap_or(0).max(0) / 1_000_000_000) as u64,
        topic: to_topic(chat.chat_id()),
        payload: decoded.data,
        padding,
        hash: hash.0.to_vec(),
        third_party_id: String::new(),
    })
}

/// Loads the index, trimming a data file a crash left longer than the index says.
fn load_index(dir: &Path) -> Result<ArchiveIndex, HistoryError> {
    let index_path = dir.join("index");
    let data_path = dir.join("data");
    let Ok(bytes) = std::fs::read(&index_path) else {
        if data_path.exists() {
            std::fs::remove_file(&data_path).map_err(io(&data_path))?;
        }
        return Ok(ArchiveIndex::default());
    };
    let data_len = std::fs::metadata(&data_path).map(|m| m.len()).unwrap_or(0);
    let index = ArchiveIndex::decode(&bytes, Some(data_len))?;
    if data_len > index.data_len() {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&data_path)
            .map_err(io(&data_path))?;
        f.set_len(index.data_len()).map_err(io(&data_path))?;
    }
    Ok(index)
}

/// The end of the newest archived window, seconds; `None` before the first archive.
pub fn last_archived(data_dir: &Path, community_id: &str) -> Option<u64> {
    let dir = archives_root(data_dir).join(community_id);
    let bytes = std::fs::read(dir.join("index")).ok()?;
    ArchiveIndex::decode(&bytes, None).ok()?.last_to()
}

/// Archives every window since the last archive (or since the oldest stored message) up to
/// `now_s`, writes the torrent, and records the new link for the control node to publish.
/// `None` when no window held a message.
pub fn create(
    data_dir: &Path,
    community: &mut CommunityStore,
    store: &MessageStore,
    now_s: u64,
    options: &HistoryOptions,
) -> Result<Option<Created>, HistoryError> {
    let chats = community_chats(community)?;
    create_with_chats(data_dir, community, store, &chats, now_s, options)
}

/// [`create`] with the chat keys already derived (they cost 65,356 PBKDF2 rounds each).
pub fn create_with_chats(
    data_dir: &Path,
    community: &mut CommunityStore,
    store: &MessageStore,
    chats: &[ChatKey],
    now_s: u64,
    options: &HistoryOptions,
) -> Result<Option<Created>, HistoryError> {
    let id = community.id();
    let root = archives_root(data_dir);
    let dir = root.join(&id);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut index = load_index(&dir)?;
    let topics: Vec<String> = chats
        .iter()
        .map(|c| c.content_topic().to_string())
        .collect();
    let topic_bytes: Vec<[u8; 4]> = chats.iter().map(|c| to_topic(c.chat_id())).collect();
    let start = match index.last_to() {
        Some(t) => t,
        None => match store.oldest_timestamp(&topics)? {
            Some(ns) => (ns.max(0) / 1_000_000_000) as u64,
            None => return Ok(None),
        },
    };
    let interval = options.interval.as_secs().max(1);
    let data_path = dir.join("data");
    let mut data = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&data_path)
        .map_err(io(&data_path))?;
    let before = index.entries.len();
    let (mut messages, mut unreadable) = (0usize, 0usize);
    let mut from = start;
    while from < now_s {
        let to = (from + interval).min(now_s);
        let rows = store.messages_between(
            &topics,
            from.saturating_mul(1_000_000_000) as i64,
            to.saturating_mul(1_000_000_000) as i64,
        )?;
        let mut window = Vec::with_capacity(rows.len());
        for (hash, msg) in &rows {
            let chat = chats
                .iter()
                .find(|c| c.content_topic() == msg.content_topic);
            match chat.and_then(|c| to_archived(c, hash, msg)) {
                Some(m) => window.push(m),
                None => unreadable += 1,
            }
        }
        messages += window.len();
        let bytes = index.append_window(from, to, &topic_bytes, window);
        data.write_all(&bytes).map_err(io(&data_path))?;
        from = to;
    }
    data.sync_all().map_err(io(&data_path))?;
    drop(data);
    if index.entries.len() == before {
        return Ok(None);
    }
    let index_path = dir.join("index");
    write_atomic(&index_path, &index.encode())?;
    let magnet = write_torrent(data_dir, community, options)?;
    Ok(Some(Created {
        archive_ids: index.entries[before..]
            .iter()
            .map(|e| e.id.clone())
            .collect(),
        messages,
        unreadable,
        data_bytes: index.data_len(),
        info_hash: hex::encode(magnet.info_hash),
        magnet: magnet.to_string(),
    }))
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), HistoryError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// (Re)writes the torrent over the current `data` and `index` with the web seeds of `options`,
/// and records its magnet link (raising the description's `archive_link_clock`).
pub fn write_torrent(
    data_dir: &Path,
    community: &mut CommunityStore,
    options: &HistoryOptions,
) -> Result<MagnetLink, HistoryError> {
    let id = community.id();
    let root = archives_root(data_dir);
    let dir = root.join(&id);
    let data_path = dir.join("data");
    let index_path = dir.join("index");
    // anacrolix sorts the files by path: `data` before `index`. Read in chunks: `data` grows
    // every week and is never held in memory whole.
    let mut hasher = PieceHasher::new(PIECE_LENGTH);
    let mut lengths = Vec::new();
    for path in [&data_path, &index_path] {
        let mut f = std::fs::File::open(path).map_err(io(path))?;
        let mut buf = vec![0u8; 1 << 20];
        let mut len = 0u64;
        loop {
            let n = std::io::Read::read(&mut f, &mut buf).map_err(io(path))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            len += n as u64;
        }
        lengths.push(len);
    }
    let info = TorrentInfo::from_pieces(
        &id,
        PIECE_LENGTH,
        hasher.finish(),
        [("data", lengths[0]), ("index", lengths[1])],
    );
    let seeds = options.web_seeds();
    let mut torrent = Torrent::new(
        info,
        STATUS_TRACKERS
            .iter()
            .map(|t| vec![t.to_string()])
            .collect(),
        seeds.clone(),
    );
    torrent.created_by = Some(format!("hearth {}", hearth::VERSION));
    torrent.creation_date = Some((now_ms() / 1000) as i64);
    let bytes = torrent.to_bytes();
    let hash = hex::encode(torrent.info_hash);
    let by_hash = root.join("torrents");
    std::fs::create_dir_all(&by_hash).map_err(io(&by_hash))?;
    write_atomic(&by_hash.join(format!("{hash}.torrent")), &bytes)?;
    write_atomic(&root.join(format!("{id}.torrent")), &bytes)?;
    let magnet = MagnetLink {
        info_hash: torrent.info_hash,
        display_name: Some(id),
        exact_source: Some(format!("{}torrents/{hash}.torrent", seeds[0])),
        web_seeds: seeds,
        trackers: STATUS_TRACKERS.iter().map(|t| t.to_string()).collect(),
    };
    record_link(community, &magnet.to_string())?;
    Ok(magnet)
}

/// Stores the link for the control node and raises the description's `archive_link_clock`, as
/// status-go's `UpdateCommunityDescriptionMagnetlinkMessageClock` does.
fn record_link(community: &mut CommunityStore, link: &str) -> Result<(), CommunityStoreError> {
    let previous: u64 = community
        .setting(LINK_CLOCK_SETTING)?
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let clock = now_ms().max(previous + 1);
    community.set_setting(LINK_SETTING, link)?;
    community.set_setting(LINK_CLOCK_SETTING, &clock.to_string())?;
    community.update(|d| {
        d.archive_link_clock = clock;
        Ok(())
    })
}

/// At start: if archives exist but the recorded link names other web seeds (the node's port or
/// the mirrors changed), re-issue the torrent and link. Returns whether it did.
pub fn refresh_link(
    data_dir: &Path,
    community: &mut CommunityStore,
    options: &HistoryOptions,
) -> Result<bool, HistoryError> {
    let dir = archives_root(data_dir).join(community.id());
    if !dir.join("index").exists() {
        return Ok(false);
    }
    let current = community
        .setting(LINK_SETTING)?
        .and_then(|l| MagnetLink::parse(&l).ok());
    if current.is_some_and(|m| m.web_seeds == options.web_seeds()) {
        return Ok(false);
    }
    write_torrent(data_dir, community, options)?;
    Ok(true)
}
