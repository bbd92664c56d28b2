//! Community history archives in status-go's format (status-wire.md §7, issue #13), sans-IO:
//! the pieces both the node (which writes archives) and the browser reader (which fetches them over
//! HTTP web seeds) need.
//!
//! * [`archive`]: `WakuMessageArchive` and the archived message, the archive-link payload (AMM
//!   type 43) and where it is published;
//! * [`index`]: the index, archive ids, status-go's padding rule and the writer that appends a
//!   7-day window;
//! * [`torrent`] / [`bencode`]: the v1 `.torrent` over `data` and `index`, and its info hash;
//! * [`magnet`]: the magnet link (`xt`, `dn`, `xs`, `ws`, `tr`);
//! * [`plan`]: which archives, pieces and file ranges cover a time range, and piece checking.
//!
//! Everything from the network is bounded and returns a typed error; [`HistoryError`] gathers them.

pub mod archive;
pub mod bencode;
pub mod fetch;
pub mod index;
pub mod magnet;
pub mod plan;
pub mod reader;
pub mod torrent;

pub use archive::{
    Archive, ArchiveError, ArchiveLinkMessage, ArchivedMessage, MAX_ARCHIVE_PAYLOAD,
    archive_link_chat_ids, check_link_signer, magnetlinks_chat_id,
};
pub use index::{ArchiveIndex, IndexEntry, IndexError, archive_id, padded_size};
pub use magnet::{MagnetError, MagnetLink};
pub use plan::{
    DATA_FILE, FileSlice, INDEX_FILE, PlanError, PlannedArchive, file_slices, index_pieces,
    piece_range, pieces_for, plan, verify_piece, web_seed_url,
};
pub use torrent::{
    InfoHash, PieceHasher, Torrent, TorrentError, TorrentFile, TorrentInfo, piece_hash,
};

/// status-go `pieceLength`: 100 KiB pieces, and the unit archives are padded to.
pub const PIECE_LENGTH: u64 = 102_400;
/// status-go `messageArchiveInterval`: one archive window.
pub const PARTITION_SECS: u64 = 7 * 24 * 3600;
/// status-go `defaultAnnounceList`: the trackers its `.torrent`s name.
pub const STATUS_TRACKERS: [&str; 2] = [
    "udp://tracker.opentrackr.org:1337/announce",
    "udp://tracker.openbittorrent.com:6969/announce",
];

/// Any error reading archives, for callers that handle them alike (next seed, nothing stored).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Magnet(#[from] MagnetError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Torrent(#[from] TorrentError),
}
