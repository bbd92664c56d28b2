//! `hearth::history`: the archive formats a browser reads from untrusted web seeds.

use hearth::history::bencode;
use hearth::history::{
    Archive, ArchiveIndex, ArchiveLinkMessage, MagnetLink, PIECE_LENGTH, Torrent, TorrentInfo,
    plan, verify_piece,
};

use crate::input::Reader;

/// Every history decoder on one input. Layout: `u8` mode (which decoder gets the rest first;
/// all of them see it), `u64` data length, then the bytes.
///
/// Invariants: bencode that decodes re-encodes to a value that decodes to itself; a torrent that
/// parses round-trips through `to_bytes` with the same info; a magnet link that parses prints to a
/// link that parses to the same value; an index decoded against a data length never plans a range
/// past it; an archive that decodes re-encodes to an archive that decodes to itself.
pub fn history_formats(data: &[u8]) {
    let mut r = Reader::new(data);
    let _mode = r.u8();
    let data_len = u64::from_le_bytes(r.bytes(8).try_into().unwrap_or([0; 8])) % (1 << 40);
    let bytes = r.rest();

    if let Ok(v) = bencode::decode(bytes) {
        let again = bencode::encode(&v);
        assert_eq!(bencode::decode(&again).as_ref(), Ok(&v));
    }

    if let Ok(t) = Torrent::parse(bytes) {
        let back = Torrent::parse(&t.to_bytes()).expect("re-parse");
        assert_eq!(back.info, t.info);
        for i in 0..t.info.pieces.len().min(4) {
            let _ = verify_piece(&t.info, i, &[]);
        }
    }

    let text = String::from_utf8_lossy(bytes);
    if let Ok(m) = MagnetLink::parse(&text) {
        let s = m.to_string();
        assert_eq!(MagnetLink::parse(&s).as_ref(), Ok(&m), "rebuilt as {s}");
    }

    if let Ok(idx) = ArchiveIndex::decode(bytes, Some(data_len)) {
        let data = vec![0u8; (data_len % (4 * PIECE_LENGTH)) as usize];
        let info = TorrentInfo::build("x", PIECE_LENGTH, &[("data", &data), ("index", bytes)]);
        if let Ok(p) = plan(&info, &idx, 0, u64::MAX) {
            for a in p {
                assert!(a.torrent_range.end <= data.len() as u64);
            }
        }
        assert_eq!(ArchiveIndex::decode(&idx.encode(), Some(data_len)), Ok(idx));
    }

    if let Ok(a) = Archive::decode(bytes) {
        assert_eq!(Archive::decode(&a.encode()), Ok(a));
    }
    let _ = ArchiveLinkMessage::decode(bytes);
}
