//! `hearth::waku::enr`: signed node records, as bytes and as text.

use std::collections::HashSet;
use std::sync::LazyLock;

use hearth::waku::enr::{Enr, EnrError, MAX_SIZE, SigningKey};
use crate::input::Reader;

static KEY: LazyLock<SigningKey> =
    LazyLock::new(|| SigningKey::from_slice(&[0x11; 32]).expect("a valid secret"));

/// Keys the selector byte picks from: every key `hearth::waku::enr` reads, two it adds itself, and
/// one it does not know.
const KEYS: [&str; 13] = [
    "ip",
    "ip6",
    "tcp",
    "tcp6",
    "udp",
    "udp6",
    "multiaddrs",
    "waku2",
    "rs",
    "rsv",
    "eth2",
    "id",
    "secp256k1",
];

fn exercise(enr: &Enr) {
    assert_eq!(
        Enr::from_base64(&enr.to_base64()).as_ref(),
        Ok(enr),
        "text form does not parse back"
    );
    let _ = (
        enr.ip(),
        enr.ip6(),
        enr.tcp(),
        enr.tcp6(),
        enr.udp(),
        enr.udp6(),
    );
    let _ = (enr.waku2(), enr.rs(), enr.rsv(), enr.relay_shards());
    let _ = (enr.node_id(), enr.peer_id());
    if let Ok(Some(shards)) = enr.relay_shards() {
        assert!(shards.shards.len() <= 1024);
    }
    let _ = enr.multiaddrs();
    let p2p = format!("/p2p/{}", enr.peer_id());
    for addr in enr.dialable_multiaddrs() {
        let addr = addr.to_string();
        assert!(
            addr.ends_with(&p2p),
            "{addr} does not end in the record's peer id"
        );
    }
}

/// The input as an RLP record, as `enr:` text, and (one input in four) as fields signed with a
/// fixed key; see the target file for the layout and the invariants.
pub fn enr_decode(data: &[u8]) {
    if let Ok(enr) = Enr::decode(data) {
        assert_eq!(enr.as_bytes(), data, "re-encoding changed the record");
        exercise(&enr);
    }

    if let Ok(enr) = Enr::from_base64(&String::from_utf8_lossy(data)) {
        exercise(&enr);
    }

    if data.len() % 4 == 0 {
        let mut r = Reader::new(data);
        let seq = r.u64();
        let mut fields: Vec<(&str, &[u8])> = Vec::new();
        while !r.is_empty() {
            let key = KEYS[usize::from(r.u8()) % KEYS.len()];
            fields.push((key, r.chunk()));
        }
        let mut seen = HashSet::from(["id", "secp256k1"]);
        let duplicate = fields.iter().any(|(k, _)| !seen.insert(*k));
        match Enr::sign(&KEY, seq, fields.iter().copied()) {
            Ok(enr) => {
                assert!(!duplicate, "signed a record with a duplicate key");
                assert!(enr.as_bytes().len() <= MAX_SIZE);
                let back = Enr::decode(enr.as_bytes()).expect("a signed record decodes");
                assert_eq!(back, enr);
                assert_eq!(back.seq(), seq);
                for (k, v) in &fields {
                    assert_eq!(back.get(k), Some(*v), "field {k}");
                }
                exercise(&back);
            }
            Err(EnrError::DuplicateKey { .. }) => assert!(duplicate),
            Err(EnrError::TooLarge { len }) => assert!(!duplicate && len > MAX_SIZE),
            Err(e) => panic!("signing failed: {e}"),
        }
    }
}
