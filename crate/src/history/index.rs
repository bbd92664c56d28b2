//! The archive index (`WakuMessageArchiveIndex`): where each archive sits in the `data` file.
//! Archive id = `"0x" + hex(keccak256(marshal(WakuMessageArchiveIndexMetadata)))`; `size` includes
//! the zero padding, so an archive is `data[offset .. offset + size - padding]`.

use std::ops::Range;

use prost::Message as _;

use super::PIECE_LENGTH;
use super::archive::{Archive, ArchiveError, ArchivedMessage, chunk_messages, metadata_proto};
use crate::proto::status::{WakuMessageArchiveIndex, WakuMessageArchiveIndexMetadata};
use crate::status::keys::keccak256;

/// Largest index we decode: ~130 bytes per archive, so 8 MiB is ~60,000 archives.
pub const MAX_INDEX_BYTES: usize = 8 << 20;

/// Why an index is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("index of {len} bytes is larger than {MAX_INDEX_BYTES}")]
    TooLarge { len: usize },
    #[error("not a WakuMessageArchiveIndex: {0}")]
    Protobuf(String),
    #[error("archive {id}: no metadata")]
    NoMetadata { id: String },
    #[error("archive {id}: id does not match keccak256 of its metadata ({computed})")]
    IdMismatch { id: String, computed: String },
    #[error("archive {id}: padding {padding} larger than size {size}")]
    Padding { id: String, size: u64, padding: u64 },
    #[error("archive {id}: bytes {offset}+{size} run past the {data_len}-byte data file")]
    PastData {
        id: String,
        offset: u64,
        size: u64,
        data_len: u64,
    },
    #[error("archive {id}: {source}")]
    Metadata { id: String, source: ArchiveError },
    #[error("archive {id}: the slice given covers {have:?}, the archive needs {need:?}")]
    NotCovered {
        id: String,
        have: Range<u64>,
        need: Range<u64>,
    },
}

/// One archive as the index describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// `0x…` keccak id.
    pub id: String,
    /// Window, seconds (`from <= t < to`).
    pub from: u64,
    pub to: u64,
    pub content_topics: Vec<[u8; 4]>,
    /// Where it starts in `data`.
    pub offset: u64,
    /// Bytes it occupies in `data`, padding included.
    pub size: u64,
    /// Zero bytes at its end.
    pub padding: u64,
}

impl IndexEntry {
    /// The archive's own bytes within the `data` file (padding excluded).
    pub fn data_range(&self) -> Range<u64> {
        // Saturating: a decoded entry is checked, but the fields are public.
        self.offset
            ..self
                .offset
                .saturating_add(self.size.saturating_sub(self.padding))
    }

    fn to_proto(&self) -> WakuMessageArchiveIndexMetadata {
        WakuMessageArchiveIndexMetadata {
            version: 0,
            metadata: Some(metadata_proto(self.from, self.to, &self.content_topics)),
            offset: self.offset,
            size: self.size,
            padding: self.padding,
        }
    }

    /// Cuts this archive out of `slice`, which holds the data file's bytes from `slice_offset`.
    pub fn extract<'a>(&self, slice: &'a [u8], slice_offset: u64) -> Result<&'a [u8], IndexError> {
        let need = self.data_range();
        let have = slice_offset..slice_offset + slice.len() as u64;
        if need.start < have.start || need.end > have.end {
            return Err(IndexError::NotCovered {
                id: self.id.clone(),
                have,
                need,
            });
        }
        let s = (need.start - slice_offset) as usize;
        let e = (need.end - slice_offset) as usize;
        Ok(&slice[s..e])
    }
}

/// The archive id of an index entry's metadata message, as status-go computes it.
pub fn archive_id(meta: &WakuMessageArchiveIndexMetadata) -> String {
    format!("0x{}", hex::encode(keccak256(&meta.encode_to_vec())))
}

/// status-go's padding rule (`createHistoryArchiveTorrent`): an archive longer than a piece is
/// padded to the next piece boundary (a whole extra piece when it already ends on one); a
/// shorter-or-equal one to exactly one piece. Returns (size with padding, padding).
pub fn padded_size(raw_len: u64) -> (u64, u64) {
    if raw_len > PIECE_LENGTH {
        let size = raw_len + PIECE_LENGTH - raw_len % PIECE_LENGTH;
        (size, size - raw_len)
    } else {
        (PIECE_LENGTH, PIECE_LENGTH - raw_len)
    }
}

/// `WakuMessageArchiveIndex` on the wire, its map spelled out (a map field is a repeated
/// key/value message), so entries go out in the order we choose.
#[derive(Clone, PartialEq, prost::Message)]
struct IndexMapEntry {
    #[prost(string, tag = "1")]
    key: String,
    #[prost(message, optional, tag = "2")]
    value: Option<WakuMessageArchiveIndexMetadata>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct SortedIndex {
    #[prost(message, repeated, tag = "1")]
    archives: Vec<IndexMapEntry>,
}

/// A community's index: its entries ordered by position in `data`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveIndex {
    pub entries: Vec<IndexEntry>,
}

impl ArchiveIndex {
    /// Decodes and checks an index: every id must be the keccak of its metadata, and when
    /// `data_len` is known every archive must lie inside the data file.
    pub fn decode(bytes: &[u8], data_len: Option<u64>) -> Result<ArchiveIndex, IndexError> {
        if bytes.len() > MAX_INDEX_BYTES {
            return Err(IndexError::TooLarge { len: bytes.len() });
        }
        let idx = WakuMessageArchiveIndex::decode(bytes)
            .map_err(|e| IndexError::Protobuf(e.to_string()))?;
        let mut entries = Vec::with_capacity(idx.archives.len());
        for (id, meta) in idx.archives {
            let computed = archive_id(&meta);
            if computed != id {
                return Err(IndexError::IdMismatch { id, computed });
            }
            let m = meta
                .metadata
                .as_ref()
                .ok_or_else(|| IndexError::NoMetadata { id: id.clone() })?;
            if meta.padding > meta.size {
                return Err(IndexError::Padding {
                    id,
                    size: meta.size,
                    padding: meta.padding,
                });
            }
            let end = meta.offset.checked_add(meta.size);
            if let Some(data_len) = data_len
                && end.is_none_or(|e| e > data_len)
            {
                return Err(IndexError::PastData {
                    id,
                    offset: meta.offset,
                    size: meta.size,
                    data_len,
                });
            }
            if end.is_none() {
                return Err(IndexError::PastData {
                    id,
                    offset: meta.offset,
                    size: meta.size,
                    data_len: u64::MAX,
                });
            }
            let content_topics =
                super::archive::topics_from_proto(&m.content_topic).map_err(|source| {
                    IndexError::Metadata {
                        id: id.clone(),
                        source,
                    }
                })?;
            entries.push(IndexEntry {
                from: m.from,
                to: m.to,
                content_topics,
                offset: meta.offset,
                size: meta.size,
                padding: meta.padding,
                id,
            });
        }
        entries.sort_by_key(|e| (e.offset, e.from));
        Ok(ArchiveIndex { entries })
    }

    /// The index file's bytes, map entries sorted by id so the bytes (and the torrent's info
    /// hash) are reproducible; Go and a `HashMap` write maps in random order.
    pub fn encode(&self) -> Vec<u8> {
        let mut archives: Vec<IndexMapEntry> = self
            .entries
            .iter()
            .map(|e| IndexMapEntry {
                key: e.id.clone(),
                value: Some(e.to_proto()),
            })
            .collect();
        archives.sort_by(|a, b| a.key.cmp(&b.key));
        SortedIndex { archives }.encode_to_vec()
    }

    /// Bytes of `data` the entries account for: where the next archive goes.
    pub fn data_len(&self) -> u64 {
        self.entries
            .iter()
            .map(|e| e.offset.saturating_add(e.size))
            .max()
            .unwrap_or(0)
    }

    /// The end of the newest window archived, seconds.
    pub fn last_to(&self) -> Option<u64> {
        self.entries.iter().map(|e| e.to).max()
    }

    /// Archives one window (`from <= t < to`) the way status-go does: messages chunked at
    /// [`super::MAX_ARCHIVE_PAYLOAD`], each chunk encoded, zero-padded ([`padded_size`]) and
    /// appended. Returns the bytes to append to `data`. A window without messages adds nothing.
    pub fn append_window(
        &mut self,
        from: u64,
        to: u64,
        content_topics: &[[u8; 4]],
        messages: Vec<ArchivedMessage>,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        if messages.is_empty() {
            return out;
        }
        let mut offset = self.data_len();
        for chunk in chunk_messages(messages, super::MAX_ARCHIVE_PAYLOAD) {
            let bytes = Archive {
                from,
                to,
                content_topics: content_topics.to_vec(),
                messages: chunk,
            }
            .encode();
            let (size, padding) = padded_size(bytes.len() as u64);
            let mut entry = IndexEntry {
                id: String::new(),
                from,
                to,
                content_topics: content_topics.to_vec(),
                offset,
                size,
                padding,
            };
            entry.id = archive_id(&entry.to_proto());
            out.extend_from_slice(&bytes);
            out.resize(out.len() + padding as usize, 0);
            offset += size;
            self.entries.push(entry);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_follows_status_go() {
        assert_eq!(padded_size(1), (102_400, 102_399));
        assert_eq!(padded_size(102_400), (102_400, 0));
        assert_eq!(padded_size(102_401), (204_800, 102_399));
        // Exactly two pieces still gains a third, as status-go computes it.
        assert_eq!(padded_size(204_800), (307_200, 102_400));
    }

    #[test]
    fn archive_id_is_keccak_of_the_metadata_bytes() {
        let meta = WakuMessageArchiveIndexMetadata {
            version: 0,
            metadata: Some(metadata_proto(1, 2, &[[1, 2, 3, 4]])),
            offset: 0,
            size: 102_400,
            padding: 100,
        };
        let bytes = meta.encode_to_vec();
        // metadata (0x12 len 0x0a …), size (0x20 80 a0 06), padding (0x28 64); offset 0 omitted.
        assert_eq!(
            bytes,
            [
                &[0x12, 0x0a, 0x10, 1, 0x18, 2, 0x22, 4, 1, 2, 3, 4][..],
                &[0x20, 0x80, 0xa0, 0x06, 0x28, 100]
            ]
            .concat()
        );
        assert_eq!(
            archive_id(&meta),
            format!("0x{}", hex::encode(keccak256(&bytes)))
        );
    }

    #[test]
    fn rejects_entries_past_data_and_forged_ids() {
        let mut idx = ArchiveIndex::default();
        let key = crate::status::keys::PrivateKey::from_bytes(&[3; 32]).unwrap();
        let m = ArchivedMessage {
            signer: key.public_key(),
            timestamp_s: 10,
            topic: [0; 4],
            payload: b"hi".to_vec(),
            padding: vec![],
            hash: vec![],
            third_party_id: String::new(),
        };
        let data = idx.append_window(0, 100, &[[0; 4]], vec![m]);
        assert_eq!(data.len(), 102_400);
        let bytes = idx.encode();
        assert_eq!(ArchiveIndex::decode(&bytes, Some(102_400)).unwrap(), idx);
        assert!(matches!(
            ArchiveIndex::decode(&bytes, Some(102_399)),
            Err(IndexError::PastData { .. })
        ));
        let mut forged = idx.clone();
        forged.entries[0].id = format!("0x{}", "00".repeat(32));
        assert!(matches!(
            ArchiveIndex::decode(&forged.encode(), None),
            Err(IndexError::IdMismatch { .. })
        ));
        let e = &idx.entries[0];
        let archive = Archive::decode(e.extract(&data, 0).unwrap()).unwrap();
        assert_eq!(archive.messages[0].payload, b"hi");
        assert!(matches!(
            e.extract(&data[..50], 0),
            Err(IndexError::NotCovered { .. })
        ));
    }
}
