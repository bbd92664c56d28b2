//! What to fetch: given a verified torrent and its index, which archives cover a time range, which
//! pieces hold them, and which byte ranges of which files to ask a web seed for. Pure arithmetic,
//! so the browser reader and the tests share it.

use std::ops::Range;

use super::index::{ArchiveIndex, IndexEntry};
use super::torrent::{TorrentInfo, piece_hash};

/// The torrent file that holds the archives (status-go's layout).
pub const DATA_FILE: &str = "data";
/// The torrent file that holds the index.
pub const INDEX_FILE: &str = "index";

/// Why a piece, a range or a plan is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the torrent has no `{0}` file")]
    MissingFile(&'static str),
    #[error("piece {index} does not exist (the torrent has {count})")]
    NoSuchPiece { index: usize, count: usize },
    #[error("piece {index} is {got} bytes, expected {expected}")]
    PieceLength {
        index: usize,
        expected: u64,
        got: usize,
    },
    #[error("piece {index} fails its SHA-1 check")]
    PieceHash { index: usize },
    #[error("archive {id} lies past the data file ({end} > {data_len})")]
    PastData { id: String, end: u64, data_len: u64 },
}

/// A byte range of one file, for one HTTP `Range` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSlice {
    /// Path inside the torrent, components joined by `/` (`data`, `index`).
    pub path: String,
    /// Bytes of that file.
    pub range: Range<u64>,
}

/// One archive the reader should fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedArchive {
    pub entry: IndexEntry,
    /// The archive's bytes in the torrent's byte stream.
    pub torrent_range: Range<u64>,
    /// The pieces that cover it (fetch whole pieces to check them).
    pub pieces: Range<usize>,
}

/// Bytes of piece `index` in the torrent's stream.
pub fn piece_range(info: &TorrentInfo, index: usize) -> Result<Range<u64>, PlanError> {
    let len = info.piece_len(index).ok_or(PlanError::NoSuchPiece {
        index,
        count: info.pieces.len(),
    })?;
    let start = index as u64 * info.piece_length;
    Ok(start..start + len)
}

/// The pieces that overlap `range` of the torrent's stream (empty for an empty range).
pub fn pieces_for(info: &TorrentInfo, range: &Range<u64>) -> Range<usize> {
    if range.is_empty() {
        return 0..0;
    }
    let first = range.start / info.piece_length;
    let last = (range.end - 1) / info.piece_length;
    (first as usize)..(last as usize + 1).min(info.pieces.len())
}

/// Checks one whole piece against the torrent before any byte of it is used.
pub fn verify_piece(info: &TorrentInfo, index: usize, bytes: &[u8]) -> Result<(), PlanError> {
    let r = piece_range(info, index)?;
    if bytes.len() as u64 != r.end - r.start {
        return Err(PlanError::PieceLength {
            index,
            expected: r.end - r.start,
            got: bytes.len(),
        });
    }
    if piece_hash(bytes) != info.pieces[index] {
        return Err(PlanError::PieceHash { index });
    }
    Ok(())
}

/// Splits a range of the torrent's stream into per-file ranges (one request each).
pub fn file_slices(info: &TorrentInfo, range: &Range<u64>) -> Vec<FileSlice> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    for f in &info.files {
        let file = offset..offset + f.length;
        let start = range.start.max(file.start);
        let end = range.end.min(file.end);
        if start < end {
            out.push(FileSlice {
                path: f.path.join("/"),
                range: start - offset..end - offset,
            });
        }
        offset = file.end;
    }
    out
}

/// The pieces that cover the `index` file.
pub fn index_pieces(info: &TorrentInfo) -> Result<Range<usize>, PlanError> {
    let span = info
        .file_span(INDEX_FILE)
        .ok_or(PlanError::MissingFile(INDEX_FILE))?;
    Ok(pieces_for(info, &(span.offset..span.offset + span.length)))
}

/// BEP 19: the URL of file `path` on web seed `base`. A base ending in `/` names a folder that
/// holds the torrent's folder (`<base><name>/<path>`); otherwise it names the file itself
/// (single-file torrents).
pub fn web_seed_url(base: &str, info: &TorrentInfo, path: &str) -> String {
    if base.ends_with('/') {
        let seg = |s: &str| super::magnet::percent_encode(s);
        let path: Vec<String> = path.split('/').map(seg).collect();
        if info.files.len() == 1 && info.files[0].path == [info.name.clone()] {
            format!("{base}{}", seg(&info.name))
        } else {
            format!("{base}{}/{}", seg(&info.name), path.join("/"))
        }
    } else {
        base.to_string()
    }
}

/// The archives overlapping `[from_s, to_s)` (seconds), newest first (the order a timeline
/// scrolling back wants them), each with its pieces.
pub fn plan(
    info: &TorrentInfo,
    index: &ArchiveIndex,
    from_s: u64,
    to_s: u64,
) -> Result<Vec<PlannedArchive>, PlanError> {
    let data = info
        .file_span(DATA_FILE)
        .ok_or(PlanError::MissingFile(DATA_FILE))?;
    let mut out = Vec::new();
    for e in &index.entries {
        if e.to <= from_s || e.from >= to_s {
            continue;
        }
        let r = e.data_range();
        if r.end > data.length {
            return Err(PlanError::PastData {
                id: e.id.clone(),
                end: r.end,
                data_len: data.length,
            });
        }
        let torrent_range = data.offset + r.start..data.offset + r.end;
        out.push(PlannedArchive {
            pieces: pieces_for(info, &torrent_range),
            torrent_range,
            entry: e.clone(),
        });
    }
    out.sort_by(|a, b| {
        b.entry
            .from
            .cmp(&a.entry.from)
            .then(b.entry.offset.cmp(&a.entry.offset))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::PIECE_LENGTH;

    fn entry(id: &str, from: u64, offset: u64, size: u64, padding: u64) -> IndexEntry {
        IndexEntry {
            id: id.into(),
            from,
            to: from + 100,
            content_topics: vec![],
            offset,
            size,
            padding,
        }
    }

    #[test]
    fn plans_newest_first_with_pieces() {
        let data = vec![0u8; 3 * PIECE_LENGTH as usize];
        let index = vec![1u8; 10];
        let info = TorrentInfo::build("c", PIECE_LENGTH, &[("data", &data), ("index", &index)]);
        let idx = ArchiveIndex {
            entries: vec![
                entry("a", 0, 0, PIECE_LENGTH, 10),
                entry("b", 100, PIECE_LENGTH, 2 * PIECE_LENGTH, 5),
            ],
        };
        let p = plan(&info, &idx, 50, 150).unwrap();
        assert_eq!(
            p.iter().map(|a| a.entry.id.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(p[0].pieces, 1..3);
        assert_eq!(p[0].torrent_range, PIECE_LENGTH..3 * PIECE_LENGTH - 5);
        assert_eq!(p[1].pieces, 0..1);
        assert_eq!(plan(&info, &idx, 100, 150).unwrap().len(), 1);
        assert_eq!(index_pieces(&info).unwrap(), 3..4);
        assert_eq!(
            file_slices(&info, &(3 * PIECE_LENGTH - 2..3 * PIECE_LENGTH + 4)),
            vec![
                FileSlice {
                    path: "data".into(),
                    range: 3 * PIECE_LENGTH - 2..3 * PIECE_LENGTH
                },
                FileSlice {
                    path: "index".into(),
                    range: 0..4
                },
            ]
        );
        verify_piece(&info, 3, &index).unwrap();
        assert_eq!(
            verify_piece(&info, 3, &[2u8; 10]),
            Err(PlanError::PieceHash { index: 3 })
        );
        assert!(matches!(
            verify_piece(&info, 3, &[1u8; 9]),
            Err(PlanError::PieceLength { .. })
        ));
        assert!(matches!(
            verify_piece(&info, 4, &[]),
            Err(PlanError::NoSuchPiece { .. })
        ));
        let past = ArchiveIndex {
            entries: vec![entry("c", 0, 3 * PIECE_LENGTH, PIECE_LENGTH, 0)],
        };
        assert!(matches!(
            plan(&info, &past, 0, 10),
            Err(PlanError::PastData { .. })
        ));
        assert_eq!(
            web_seed_url("http://h/archives/", &info, "data"),
            "http://h/archives/c/data"
        );
    }
}
