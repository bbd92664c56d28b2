//! The bridge's SQLite client storage through the shared storage suite, plus what only a file has:
//! the outbox, messages and secrets survive closing and reopening it; a row damaged by hand or
//! written by a newer Hearth reads back as a typed error; a file from a newer schema is refused.

use std::path::PathBuf;
use std::sync::Arc;

use hearth::storage::{Storage, StorageConfig};
use hearth_node::bridge::storage::SqliteStorage;

/// A fresh directory per test (tests of one binary run in parallel).
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "hearth-client-storage-{test}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

hearth::storage_suite!(sqlite, |test: &str, config: StorageConfig| {
    let path = temp_dir(&format!("suite-{test}")).join("client.sqlite3");
    async move { Arc::new(SqliteStorage::open(&path, config).expect("opens")) as Arc<dyn Storage> }
});

mod sqlite_only {
    use super::temp_dir;
    use futures::executor::block_on;
    use hearth::storage::*;
    use hearth_node::bridge::storage::{SCHEMA_VERSION, SqliteStorage};

    const CHAT: &str = "0x02aachan";

    fn msg(id: &str, clock: u64) -> MessageRecord {
        MessageRecord {
            v: RECORD_VERSION,
            id: id.into(),
            community: "0x02aa".into(),
            chat_id: CHAT.into(),
            author: "0x04a".into(),
            clock,
            timestamp_ms: clock,
            hash: format!("h{id}"),
            body: MessageBody::Chat {
                text: format!("text {id}"),
                content_type: 1,
                response_to: None,
                display_name: None,
                image: None,
            },
        }
    }

    fn outbox_entry(id: &str) -> OutboxEntry {
        OutboxEntry {
            v: RECORD_VERSION,
            id: id.into(),
            pubsub_topic: "/waku/2/rs/16/32".into(),
            waku_messages: vec![vec![1, 2, 3], vec![4, 5]],
            record: msg(id, 7),
            state: OutboxState::Pushed,
            created_ms: 7,
            attempts: 2,
        }
    }

    fn raw(path: &std::path::Path) -> rusqlite::Connection {
        rusqlite::Connection::open(path).expect("the file opens")
    }

    #[test]
    fn what_was_written_is_there_after_reopening() {
        block_on(async {
            let path = temp_dir("reopen").join("client.sqlite3");
            let secret = SecretRecord {
                v: RECORD_VERSION,
                name: "identity".into(),
                data: vec![9; 40],
            };
            {
                let s = SqliteStorage::open(&path, StorageConfig::default()).unwrap();
                s.put_outbox(outbox_entry("0x0b")).await.unwrap();
                s.put_messages(vec![msg("0x01", 1), msg("0x02", 2)])
                    .await
                    .unwrap();
                s.put_secret(secret.clone()).await.unwrap();
            }
            let s = SqliteStorage::open(&path, StorageConfig::default()).unwrap();
            assert_eq!(s.outbox().await.unwrap(), vec![outbox_entry("0x0b")]);
            let ids: Vec<_> = s
                .messages(CHAT, None, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.id)
                .collect();
            assert_eq!(ids, ["0x01", "0x02"]);
            assert_eq!(
                s.message_by_hash("h0x02").await.unwrap(),
                Some(msg("0x02", 2))
            );
            assert_eq!(s.secret("identity").await.unwrap(), Some(secret));
            assert_eq!(s.backend(), hearth::client::StorageBackend::Sqlite);
            // The schema is recorded once; reopening ran no step again.
            let version: u32 = raw(&path)
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(version, SCHEMA_VERSION);
            let mode: String = raw(&path)
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
        });
    }

    #[test]
    fn a_row_damaged_by_hand_reads_back_as_a_typed_error() {
        block_on(async {
            let path = temp_dir("corrupt").join("client.sqlite3");
            let s = SqliteStorage::open(&path, StorageConfig::default()).unwrap();
            s.put_messages(vec![msg("0x01", 1), msg("0x02", 2)])
                .await
                .unwrap();
            s.put_outbox(outbox_entry("0x0b")).await.unwrap();
            let db = raw(&path);
            db.execute(
                "UPDATE message SET json = '{\"v\": 1, \"id\": ' WHERE id = '0x01'",
                [],
            )
            .unwrap();
            db.execute("UPDATE outbox SET json = X'00ff' WHERE id = '0x0b'", [])
                .unwrap();
            drop(db);
            match s.message("0x01").await {
                Err(StorageError::Corrupt { what, .. }) => assert_eq!(what, "message"),
                other => panic!("expected Corrupt, got {other:?}"),
            }
            match s.message_by_hash("h0x01").await {
                Err(StorageError::Corrupt { .. }) => {}
                other => panic!("expected Corrupt, got {other:?}"),
            }
            // Lists set the damaged row aside and serve the rest.
            let left = s.messages(CHAT, None, 10).await.unwrap();
            assert_eq!(left, vec![msg("0x02", 2)]);
            assert_eq!(s.outbox().await.unwrap(), vec![]);
            // A record of the wrong shape (valid JSON, not a message) is corrupt too.
            raw(&path)
                .execute(
                    "UPDATE message SET json = '{\"v\": 1, \"id\": 5}' WHERE id = '0x02'",
                    [],
                )
                .unwrap();
            assert!(matches!(
                s.message("0x02").await,
                Err(StorageError::Corrupt { .. })
            ));
        });
    }

    #[test]
    fn a_record_from_a_newer_schema_is_refused() {
        block_on(async {
            let path = temp_dir("newer-record").join("client.sqlite3");
            let s = SqliteStorage::open(&path, StorageConfig::default()).unwrap();
            let mut future = msg("0x09", 9);
            future.v = RECORD_VERSION + 1;
            s.put_messages(vec![msg("0x01", 1), future]).await.unwrap();
            let newer = Err(StorageError::NewerSchema {
                found: RECORD_VERSION + 1,
                supported: RECORD_VERSION,
            });
            assert_eq!(s.message("0x09").await, newer);
            // Also when a newer Hearth rewrote a row this one had written.
            raw(&path)
                .execute(
                    "UPDATE message SET json = json_set(json, '$.v', ?1) WHERE id = '0x01'",
                    [RECORD_VERSION + 1],
                )
                .unwrap();
            assert_eq!(s.message("0x01").await, newer);
            assert_eq!(s.messages(CHAT, None, 10).await.unwrap(), vec![]);
        });
    }

    #[test]
    fn a_file_from_a_newer_schema_is_refused_untouched() {
        let path = temp_dir("newer-file").join("client.sqlite3");
        raw(&path)
            .pragma_update(None, "user_version", SCHEMA_VERSION + 5)
            .unwrap();
        match SqliteStorage::open(&path, StorageConfig::default()) {
            Err(e @ StorageError::NewerSchema { found, supported }) => {
                assert_eq!((found, supported), (SCHEMA_VERSION + 5, SCHEMA_VERSION));
                assert!(e.to_string().contains("newer Hearth"), "{e}");
            }
            other => panic!("expected NewerSchema, got {:?}", other.map(|_| ())),
        }
        let db = raw(&path);
        let tables: i64 = db
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0, "nothing was created in the newer file");
        let mode: String = db
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "its journal mode was left alone");
    }

    #[test]
    fn the_bridge_refuses_a_newer_file_with_the_path_and_what_to_do() {
        let dir = temp_dir("bridge-newer");
        let path = dir.join(hearth_node::bridge::CLIENT_DB_FILE);
        raw(&path)
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let e = hearth_node::bridge::open_client_storage(&dir)
            .err()
            .expect("refused");
        let text = e.to_string();
        assert!(text.contains(hearth_node::bridge::CLIENT_DB_FILE), "{text}");
        assert!(text.contains("newer Hearth"), "{text}");
        assert!(text.contains("move the file away"), "{text}");
    }
}
