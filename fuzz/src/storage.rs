//! Bodies of the storage fuzz target: whatever a browser's storage hands back (another tab, an
//! extension, a newer Hearth, a damaged disk) goes through `hearth::storage::decode_record`.

use hearth::storage::{
    CommunityRecord, MessageRecord, OutboxEntry, PeerRecord, RECORD_VERSION, SecretRecord,
    StorageError, SyncMark, decode_record,
};

/// `storage_records`: the input (lossy UTF-8) as each kind of stored record. Invariants: no panic;
/// a record that decodes re-encodes to JSON that decodes to the same record; a record claiming a
/// newer schema is refused as `NewerSchema`, never read.
pub fn storage_records(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check::<MessageRecord>(&text, "message");
    check::<CommunityRecord>(&text, "community");
    check::<OutboxEntry>(&text, "outbox");
    check::<SyncMark>(&text, "sync mark");
    check::<PeerRecord>(&text, "peer");
    check::<SecretRecord>(&text, "secret");
}

fn check<T>(text: &str, what: &'static str)
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    match decode_record::<T>(what, text) {
        Ok(record) => {
            let json = serde_json::to_string(&record).expect("a decoded record serialises");
            let again: T = decode_record(what, &json).expect("what we write reads back");
            assert_eq!(again, record);
        }
        Err(StorageError::NewerSchema { found, supported }) => {
            assert!(found > supported && supported == RECORD_VERSION);
        }
        Err(StorageError::Corrupt { .. }) => {}
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
}
