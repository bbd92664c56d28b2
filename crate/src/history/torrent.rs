//! v1 `.torrent` files (BEP 3) as status-go writes them for a community's archives: a multi-file
//! torrent named after the community id over the files `data` and `index` (sorted by path, as
//! anacrolix `BuildFromFilePath` sorts them), 102,400-byte pieces. Web seeds (BEP 19) go in
//! `url-list`, outside the info dict, so adding a mirror never changes the info hash.

use std::collections::BTreeMap;

use sha1::{Digest, Sha1};

use super::bencode::{self, BencodeError, Value};

/// Largest `.torrent` we read: a year of weekly archives is a few hundred pieces (20 bytes each);
/// 4 MiB is ~200,000 pieces, 20 GB of archive.
pub const MAX_TORRENT_BYTES: usize = 4 << 20;
/// Most files a torrent may list; ours has two.
pub const MAX_FILES: usize = 1024;
/// Largest piece length accepted (BitTorrent clients refuse much larger too).
pub const MAX_PIECE_LENGTH: u64 = 16 << 20;

/// A SHA-1 info hash: the torrent's identity, pinned by the magnet link's `btih`.
pub type InfoHash = [u8; 20];

/// Why a `.torrent` is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TorrentError {
    #[error("torrent of {len} bytes is larger than {MAX_TORRENT_BYTES}")]
    TooLarge { len: usize },
    #[error(transparent)]
    Bencode(#[from] BencodeError),
    #[error("torrent has no info dictionary")]
    NoInfo,
    #[error("field `{0}` is missing or has the wrong type")]
    Field(&'static str),
    #[error("piece length {0} is out of range")]
    PieceLength(u64),
    #[error("pieces field is {len} bytes, not a multiple of 20")]
    PiecesLength { len: usize },
    #[error("{pieces} piece hashes for {total} bytes at {piece_length} per piece")]
    PieceCount {
        pieces: usize,
        total: u64,
        piece_length: u64,
    },
    #[error("file path {0:?} is empty or escapes the torrent's folder")]
    BadPath(String),
    #[error("torrent lists more than {MAX_FILES} files")]
    TooManyFiles,
    #[error("file length {0} is negative or too large")]
    FileLength(i64),
    #[error("info hash {actual} does not match the expected {expected}")]
    InfoHashMismatch { expected: String, actual: String },
}

/// One file of a multi-file torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorrentFile {
    /// Path components below the torrent's name, e.g. `["data"]`.
    pub path: Vec<String>,
    pub length: u64,
}

/// The info dictionary: what the info hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorrentInfo {
    /// The folder name: the community id (`0x` + compressed key hex) for status-go archives.
    pub name: String,
    pub piece_length: u64,
    pub pieces: Vec<[u8; 20]>,
    pub files: Vec<TorrentFile>,
}

/// A whole `.torrent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Torrent {
    pub info: TorrentInfo,
    /// SHA-1 of the info dict's bytes as they appear in the file (when parsed) or as encoded.
    pub info_hash: InfoHash,
    /// `announce-list` tiers (status-go lists two UDP trackers; a browser cannot use them).
    pub trackers: Vec<Vec<String>>,
    /// BEP 19 web seeds: base URLs where `<url><name>/<path>` serves each file.
    pub web_seeds: Vec<String>,
    pub created_by: Option<String>,
    pub creation_date: Option<i64>,
}

/// Where a file lies in the torrent's concatenated byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSpan {
    pub offset: u64,
    pub length: u64,
}

/// Piece hashes over a byte stream fed in any chunks: the files of a torrent, one after the
/// other, without holding them in memory.
#[derive(Clone)]
pub struct PieceHasher {
    piece_length: usize,
    filled: usize,
    hasher: Sha1,
    pieces: Vec<[u8; 20]>,
}

impl PieceHasher {
    pub fn new(piece_length: u64) -> Self {
        Self {
            piece_length: usize::try_from(piece_length.max(1)).unwrap_or(usize::MAX),
            filled: 0,
            hasher: Sha1::new(),
            pieces: Vec::new(),
        }
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = (self.piece_length - self.filled).min(bytes.len());
            self.hasher.update(&bytes[..take]);
            self.filled += take;
            bytes = &bytes[take..];
            if self.filled == self.piece_length {
                self.pieces.push(self.hasher.finalize_reset().into());
                self.filled = 0;
            }
        }
    }

    /// The hashes, the last (short) piece included.
    pub fn finish(mut self) -> Vec<[u8; 20]> {
        if self.filled > 0 {
            self.pieces.push(self.hasher.finalize().into());
        }
        self.pieces
    }
}

/// SHA-1 of one piece.
pub fn piece_hash(bytes: &[u8]) -> [u8; 20] {
    Sha1::digest(bytes).into()
}

impl TorrentInfo {
    /// Hashes `files` (name, contents) in the order given into a multi-file info dict.
    /// status-go sorts by path, so callers pass `data` before `index`.
    pub fn build(name: &str, piece_length: u64, files: &[(&str, &[u8])]) -> TorrentInfo {
        let mut hasher = PieceHasher::new(piece_length);
        for (_, bytes) in files {
            hasher.update(bytes);
        }
        TorrentInfo::from_pieces(
            name,
            piece_length,
            hasher.finish(),
            files.iter().map(|(p, b)| (*p, b.len() as u64)),
        )
    }

    /// An info dict from pieces hashed elsewhere ([`PieceHasher`], e.g. over files read in
    /// chunks) and the files' (path, length) in order.
    pub fn from_pieces<'a>(
        name: &str,
        piece_length: u64,
        pieces: Vec<[u8; 20]>,
        files: impl IntoIterator<Item = (&'a str, u64)>,
    ) -> TorrentInfo {
        TorrentInfo {
            name: name.to_string(),
            piece_length: piece_length.max(1),
            pieces,
            files: files
                .into_iter()
                .map(|(path, length)| TorrentFile {
                    path: path.split('/').map(str::to_string).collect(),
                    length,
                })
                .collect(),
        }
    }

    /// Total bytes over all files.
    pub fn total_length(&self) -> u64 {
        self.files.iter().map(|f| f.length).sum()
    }

    /// The info dict as a bencode value (keys `files`, `name`, `piece length`, `pieces`).
    pub fn to_value(&self) -> Value {
        let files = self
            .files
            .iter()
            .map(|f| {
                let mut d = BTreeMap::new();
                d.insert(b"length".to_vec(), Value::Int(f.length as i64));
                d.insert(
                    b"path".to_vec(),
                    Value::List(f.path.iter().map(|p| Value::str(p)).collect()),
                );
                Value::Dict(d)
            })
            .collect();
        let mut d = BTreeMap::new();
        d.insert(b"files".to_vec(), Value::List(files));
        d.insert(b"name".to_vec(), Value::str(&self.name));
        d.insert(
            b"piece length".to_vec(),
            Value::Int(self.piece_length as i64),
        );
        d.insert(b"pieces".to_vec(), Value::Bytes(self.pieces.concat()));
        Value::Dict(d)
    }

    /// SHA-1 of the canonical bencoding of the info dict.
    pub fn info_hash(&self) -> InfoHash {
        Sha1::digest(bencode::encode(&self.to_value())).into()
    }

    /// Offset and length of the file whose path is `path` (components joined by `/`).
    pub fn file_span(&self, path: &str) -> Option<FileSpan> {
        let mut offset = 0u64;
        for f in &self.files {
            if f.path.join("/") == path {
                return Some(FileSpan {
                    offset,
                    length: f.length,
                });
            }
            offset += f.length;
        }
        None
    }

    /// Number of bytes in piece `index` (the last one may be short); `None` past the end.
    pub fn piece_len(&self, index: usize) -> Option<u64> {
        let total = self.total_length();
        let start = (index as u64).checked_mul(self.piece_length)?;
        (index < self.pieces.len() && start < total).then(|| (total - start).min(self.piece_length))
    }

    fn from_value(v: &Value) -> Result<TorrentInfo, TorrentError> {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or(TorrentError::Field("name"))?
            .to_string();
        let piece_length = v
            .get("piece length")
            .and_then(Value::as_int)
            .ok_or(TorrentError::Field("piece length"))?;
        let piece_length = u64::try_from(piece_length)
            .ok()
            .filter(|&p| (1..=MAX_PIECE_LENGTH).contains(&p))
            .ok_or(TorrentError::PieceLength(piece_length.unsigned_abs()))?;
        let raw = v
            .get("pieces")
            .and_then(Value::as_bytes)
            .ok_or(TorrentError::Field("pieces"))?;
        if raw.len() % 20 != 0 {
            return Err(TorrentError::PiecesLength { len: raw.len() });
        }
        let pieces: Vec<[u8; 20]> = raw
            .chunks_exact(20)
            .map(|c| c.try_into().expect("20-byte chunk"))
            .collect();
        let files = match (v.get("files"), v.get("length")) {
            (Some(list), _) => {
                let list = list.as_list().ok_or(TorrentError::Field("files"))?;
                if list.len() > MAX_FILES {
                    return Err(TorrentError::TooManyFiles);
                }
                list.iter().map(file_from_value).collect::<Result<_, _>>()?
            }
            (None, Some(len)) => {
                let len = len.as_int().ok_or(TorrentError::Field("length"))?;
                vec![TorrentFile {
                    path: vec![name.clone()],
                    length: file_length(len)?,
                }]
            }
            (None, None) => return Err(TorrentError::Field("files")),
        };
        let info = TorrentInfo {
            name,
            piece_length,
            pieces,
            files,
        };
        let total = info.total_length();
        if total.div_ceil(piece_length) != info.pieces.len() as u64 {
            return Err(TorrentError::PieceCount {
                pieces: info.pieces.len(),
                total,
                piece_length,
            });
        }
        Ok(info)
    }
}

fn file_length(len: i64) -> Result<u64, TorrentError> {
    u64::try_from(len)
        .ok()
        .filter(|&l| l < 1 << 50)
        .ok_or(TorrentError::FileLength(len))
}

fn file_from_value(v: &Value) -> Result<TorrentFile, TorrentError> {
    let length = v
        .get("length")
        .and_then(Value::as_int)
        .ok_or(TorrentError::Field("files.length"))?;
    let path: Vec<String> = v
        .get("path")
        .and_then(Value::as_list)
        .ok_or(TorrentError::Field("files.path"))?
        .iter()
        .map(|c| c.as_str().map(str::to_string))
        .collect::<Option<_>>()
        .ok_or(TorrentError::Field("files.path"))?;
    let bad = path.is_empty()
        || path
            .iter()
            .any(|c| c.is_empty() || c == "." || c == ".." || c.contains(['/', '\\', '\0']));
    if bad {
        return Err(TorrentError::BadPath(path.join("/")));
    }
    Ok(TorrentFile {
        path,
        length: file_length(length)?,
    })
}

impl Torrent {
    /// A torrent over `info` with the given trackers and web seeds.
    pub fn new(info: TorrentInfo, trackers: Vec<Vec<String>>, web_seeds: Vec<String>) -> Torrent {
        let info_hash = info.info_hash();
        Torrent {
            info,
            info_hash,
            trackers,
            web_seeds,
            created_by: None,
            creation_date: None,
        }
    }

    /// The `.torrent` file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut d = BTreeMap::new();
        if let Some(first) = self.trackers.first().and_then(|t| t.first()) {
            d.insert(b"announce".to_vec(), Value::str(first));
        }
        if !self.trackers.is_empty() {
            let tiers = self
                .trackers
                .iter()
                .map(|t| Value::List(t.iter().map(|u| Value::str(u)).collect()))
                .collect();
            d.insert(b"announce-list".to_vec(), Value::List(tiers));
        }
        if let Some(c) = &self.created_by {
            d.insert(b"created by".to_vec(), Value::str(c));
        }
        if let Some(t) = self.creation_date {
            d.insert(b"creation date".to_vec(), Value::Int(t));
        }
        d.insert(b"info".to_vec(), self.info.to_value());
        if !self.web_seeds.is_empty() {
            let seeds = self.web_seeds.iter().map(|u| Value::str(u)).collect();
            d.insert(b"url-list".to_vec(), Value::List(seeds));
        }
        bencode::encode(&Value::Dict(d))
    }

    /// Parses a `.torrent`; the info hash is taken over the info dict's bytes as they stand.
    pub fn parse(bytes: &[u8]) -> Result<Torrent, TorrentError> {
        if bytes.len() > MAX_TORRENT_BYTES {
            return Err(TorrentError::TooLarge { len: bytes.len() });
        }
        let top = bencode::decode(bytes)?;
        let raw_info = bencode::raw_dict_entry(bytes, b"info")?.ok_or(TorrentError::NoInfo)?;
        let info = TorrentInfo::from_value(top.get("info").ok_or(TorrentError::NoInfo)?)?;
        let strings = |v: &Value| -> Vec<String> {
            v.as_list()
                .unwrap_or_default()
                .iter()
                .filter_map(|u| u.as_str().map(str::to_string))
                .collect()
        };
        let mut trackers: Vec<Vec<String>> = top
            .get("announce-list")
            .and_then(Value::as_list)
            .unwrap_or_default()
            .iter()
            .map(strings)
            .filter(|t| !t.is_empty())
            .collect();
        if trackers.is_empty()
            && let Some(a) = top.get("announce").and_then(Value::as_str)
        {
            trackers.push(vec![a.to_string()]);
        }
        let web_seeds = match top.get("url-list") {
            Some(Value::Bytes(b)) => std::str::from_utf8(b)
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
            Some(v) => strings(v),
            None => Vec::new(),
        };
        Ok(Torrent {
            info,
            info_hash: Sha1::digest(raw_info).into(),
            trackers,
            web_seeds,
            created_by: top
                .get("created by")
                .and_then(Value::as_str)
                .map(str::to_string),
            creation_date: top.get("creation date").and_then(Value::as_int),
        })
    }

    /// Parses and checks the info hash against the one a signed magnet link pinned.
    pub fn parse_pinned(bytes: &[u8], expected: &InfoHash) -> Result<Torrent, TorrentError> {
        let t = Torrent::parse(bytes)?;
        if &t.info_hash != expected {
            return Err(TorrentError::InfoHashMismatch {
                expected: hex::encode(expected),
                actual: hex::encode(t.info_hash),
            });
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_hand_checked_info_dict() {
        // Two files, 4-byte pieces: "abcdef" + "gh" → pieces "abcd", "efgh".
        let info = TorrentInfo::build("0xab", 4, &[("data", b"abcdef"), ("index", b"gh")]);
        assert_eq!(info.pieces, vec![piece_hash(b"abcd"), piece_hash(b"efgh")]);
        let mut expected = b"d5:filesld6:lengthi6e4:pathl4:dataeed6:lengthi2e4:pathl5:indexeee4:name4:0xab12:piece lengthi4e6:pieces40:".to_vec();
        expected.extend_from_slice(&piece_hash(b"abcd"));
        expected.extend_from_slice(&piece_hash(b"efgh"));
        expected.push(b'e');
        assert_eq!(bencode::encode(&info.to_value()), expected);
        let sha: [u8; 20] = Sha1::digest(&expected).into();
        assert_eq!(info.info_hash(), sha);
        assert_eq!(
            info.file_span("index"),
            Some(FileSpan {
                offset: 6,
                length: 2
            })
        );
        assert_eq!(info.piece_len(1), Some(4));
        assert_eq!(info.piece_len(2), None);
    }

    #[test]
    fn piece_hasher_ignores_chunking() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let whole = TorrentInfo::build("n", 64, &[("data", &bytes)]).pieces;
        let mut h = PieceHasher::new(64);
        for chunk in bytes.chunks(13) {
            h.update(chunk);
        }
        assert_eq!(h.finish(), whole);
        assert_eq!(whole.len(), 16);
    }

    #[test]
    fn sha1_is_sha1() {
        // FIPS 180 "abc".
        assert_eq!(
            hex::encode(piece_hash(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn round_trips_and_pins() {
        let info = TorrentInfo::build("n", 3, &[("data", b"1234567")]);
        let mut t = Torrent::new(
            info,
            vec![vec!["udp://tracker.example:1337/announce".into()]],
            vec!["http://127.0.0.1:1/archives/".into()],
        );
        t.created_by = Some("hearth".into());
        let bytes = t.to_bytes();
        let back = Torrent::parse(&bytes).unwrap();
        assert_eq!(back, t);
        assert!(Torrent::parse_pinned(&bytes, &t.info_hash).is_ok());
        assert!(matches!(
            Torrent::parse_pinned(&bytes, &[0; 20]),
            Err(TorrentError::InfoHashMismatch { .. })
        ));
    }

    #[test]
    fn rejects_inconsistent_torrents() {
        let info = TorrentInfo::build("n", 4, &[("data", b"12345678")]);
        let mut v = info.to_value();
        if let Value::Dict(d) = &mut v {
            d.insert(b"pieces".to_vec(), Value::Bytes(vec![0; 20]));
        }
        let mut top = BTreeMap::new();
        top.insert(b"info".to_vec(), v);
        let bytes = bencode::encode(&Value::Dict(top));
        assert!(matches!(
            Torrent::parse(&bytes),
            Err(TorrentError::PieceCount { .. })
        ));
        let evil = b"d4:infod5:filesld6:lengthi1e4:pathl2:..eee4:name1:n12:piece lengthi4e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
        assert!(matches!(
            Torrent::parse(evil),
            Err(TorrentError::BadPath(_))
        ));
        assert!(matches!(
            Torrent::parse(b"d1:xi1ee"),
            Err(TorrentError::NoInfo)
        ));
    }
}
