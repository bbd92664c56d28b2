//! Every storage backend through the one shared suite: memory natively and in Chromium, IndexedDB
//! in Chromium (`cargo test --target wasm32-unknown-unknown`), plus what only IndexedDB has:
//! surviving a reopen, numbered migrations and refusing a newer schema.

use std::sync::Arc;

use hearth::storage::memory::MemoryStorage;
use hearth::storage::{Storage, StorageConfig};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

hearth::storage_suite!(memory, |_test: &str, config: StorageConfig| async move {
    Arc::new(MemoryStorage::new(config)) as Arc<dyn Storage>
});

// The browser's backends are single-threaded; the suite shares one `Arc` type with native.
#[cfg(target_arch = "wasm32")]
#[allow(clippy::arc_with_non_send_sync)]
mod idb_suite {
    use super::*;
    hearth::storage_suite!(indexeddb, |test: &str, config: StorageConfig| {
        let name = format!("suite-{test}");
        async move {
            hearth::storage::indexeddb::IndexedDbStorage::delete(&name)
                .await
                .unwrap();
            let db = hearth::storage::indexeddb::IndexedDbStorage::open(&name, config)
                .await
                .unwrap();
            Arc::new(db) as Arc<dyn Storage>
        }
    });
}

#[cfg(target_arch = "wasm32")]
mod indexeddb_only {
    use hearth::storage::indexeddb::{IndexedDbStorage, SCHEMA_VERSION};
    use hearth::storage::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn msg(id: &str, clock: u64) -> MessageRecord {
        MessageRecord {
            v: RECORD_VERSION,
            id: id.into(),
            community: "0x02aa".into(),
            chat_id: "0x02aachan".into(),
            author: "0x04a".into(),
            clock,
            timestamp_ms: clock,
            hash: format!("h{id}"),
            body: MessageBody::Chat {
                text: "hi".into(),
                content_type: 1,
                response_to: None,
                display_name: None,
                image: None,
            },
        }
    }

    #[test]
    async fn what_was_written_is_there_after_reopening() {
        let name = "reopen";
        IndexedDbStorage::delete(name).await.unwrap();
        let db = IndexedDbStorage::open(name, StorageConfig::default())
            .await
            .unwrap();
        db.put_messages(vec![msg("0x01", 1), msg("0x02", 2)])
            .await
            .unwrap();
        db.close();
        let db = IndexedDbStorage::open(name, StorageConfig::default())
            .await
            .unwrap();
        let all = db.messages("0x02aachan", None, 10).await.unwrap();
        assert_eq!(all.len(), 2);
        db.close();
    }

    #[test]
    async fn a_version_1_database_is_upgraded_with_its_records() {
        let name = "migrate-v1";
        IndexedDbStorage::delete(name).await.unwrap();
        // Written by the version-1 code path: no community index, no `mo` field.
        let config = StorageConfig {
            max_messages_per_community: 3,
        };
        let v1 = IndexedDbStorage::open_at(name, config, 1).await.unwrap();
        let batch: Vec<_> = (1..=5).map(|i| msg(&format!("0x0{i}"), i)).collect();
        let out = v1.put_messages(batch).await.unwrap();
        assert_eq!((out.inserted.len(), out.evicted), (5, 0), "v1 had no cap");
        v1.close();

        let v2 = IndexedDbStorage::open(name, config).await.unwrap();
        assert_eq!(SCHEMA_VERSION, 2);
        assert_eq!(v2.messages("0x02aachan", None, 10).await.unwrap().len(), 5);
        // The cap now works on the migrated records: they were rewritten with the v2 index field.
        let out = v2.put_messages(vec![msg("0x06", 6)]).await.unwrap();
        assert_eq!(out.evicted, 3);
        let left: Vec<_> = v2
            .messages("0x02aachan", None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(left, ["0x04", "0x05", "0x06"]);
        v2.close();
    }

    #[test]
    async fn a_database_from_a_newer_schema_is_refused_with_a_reason() {
        let name = "newer";
        IndexedDbStorage::delete(name).await.unwrap();
        let raw = idb_open_raw(name, SCHEMA_VERSION + 5).await;
        raw.close();
        match IndexedDbStorage::open(name, StorageConfig::default()).await {
            Err(StorageError::NewerSchema { found, supported }) => {
                assert_eq!((found, supported), (SCHEMA_VERSION + 5, SCHEMA_VERSION));
            }
            other => panic!("expected NewerSchema, got {:?}", other.map(|_| ())),
        }
        // And the client falls back to memory, saying why.
        let s = open_default(name, StorageConfig::default()).await;
        match s.backend() {
            hearth::client::StorageBackend::Memory { reason: Some(r) } => {
                assert!(r.contains("newer Hearth"), "{r}")
            }
            other => panic!("expected memory with a reason, got {other:?}"),
        }
    }

    #[test]
    async fn a_record_from_a_newer_schema_is_set_aside() {
        let name = "newer-record";
        IndexedDbStorage::delete(name).await.unwrap();
        let db = IndexedDbStorage::open(name, StorageConfig::default())
            .await
            .unwrap();
        let mut future = msg("0x09", 9);
        future.v = RECORD_VERSION + 1;
        db.put_messages(vec![msg("0x01", 1), future]).await.unwrap();
        let all = db.messages("0x02aachan", None, 10).await.unwrap();
        assert_eq!(
            all.len(),
            1,
            "the newer record is skipped, the rest is served"
        );
        assert_eq!(
            db.message("0x09").await,
            Err(StorageError::NewerSchema {
                found: RECORD_VERSION + 1,
                supported: RECORD_VERSION
            })
        );
        db.close();
    }

    /// Opens a database at `version` with no stores, as a newer build might leave it.
    async fn idb_open_raw(name: &str, version: u32) -> idb::Database {
        idb::Factory::new()
            .unwrap()
            .open(name, Some(version))
            .unwrap()
            .await
            .unwrap()
    }
}
