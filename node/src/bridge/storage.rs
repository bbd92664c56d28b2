//! The bridge's client storage in SQLite (`bridge-client.sqlite3` in the data dir), so that a post
//! answered `pending` is still in the outbox after the node restarts, and what the bridge read is
//! still there to serve. It is the one [`Storage`] trait with the memory backend's semantics (the
//! shared [`hearth::storage_suite!`] runs against both).
//!
//! **Layout.** Every record is kept as its JSON (the record types' own serde form, with their
//! version field `v`), next to the few columns SQLite must index or compare: ids, the message
//! order key, the annotation target, the hash, a community's clock. Reading goes through
//! [`decode_record`], so a row a person or another program damaged, or one a newer Hearth wrote,
//! comes back as [`StorageError::Corrupt`] or [`StorageError::NewerSchema`] from a single lookup;
//! lists set such rows aside and serve the rest, as the IndexedDB backend does.
//!
//! **Durability.** The database runs in WAL mode with `synchronous = FULL`, and every write is one
//! transaction committed before its future resolves: a message the client has put in the outbox
//! survives a crash or a power cut right after.
//!
//! **Schema.** Numbered steps (the `user_version` pragma), one per version, as the IndexedDB
//! backend's migrations: a file from a newer schema is refused when it is opened, never misread.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use hearth::client::StorageBackend;
use hearth::storage::{
    CommunityRecord, MessageRecord, OrderKey, OutboxEntry, PeerRecord, PutOutcome, SecretRecord,
    Storage, StorageConfig, StorageError, StorageFuture, SyncMark, decode_record,
};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The schema this build opens files at; a file at a higher version is refused, not misread.
pub const SCHEMA_VERSION: u32 = 1;

/// How long a write waits for another connection's lock (a second process opening the same file)
/// before it fails instead of hanging the bridge.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

type Step = fn(&Transaction<'_>) -> rusqlite::Result<()>;

/// Step `i` takes a file from schema `i` to `i + 1`. Add a version: write `vN`, append it here,
/// bump [`SCHEMA_VERSION`]. Never edit a published step: files in the wild have already run it.
const STEPS: [Step; SCHEMA_VERSION as usize] = [v1];

/// Version 1: one table per kind of record. Chat messages are found by `(chat_id, order_key)`,
/// annotations by `(chat_id, target)`, every message of a community in order for the cap, and any
/// message by its Waku hash. Integers are `u64` values stored bit for bit as SQLite's `i64`, and
/// compared in Rust, never in SQL.
fn v1(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE community (
            id TEXT PRIMARY KEY,
            clock INTEGER NOT NULL,
            opened_ms INTEGER NOT NULL,
            json TEXT NOT NULL
        );
        CREATE TABLE message (
            id TEXT PRIMARY KEY,
            community TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            order_key TEXT NOT NULL,
            target TEXT,
            hash TEXT NOT NULL,
            json TEXT NOT NULL
        );
        CREATE INDEX message_chat_order ON message (chat_id, order_key) WHERE target IS NULL;
        CREATE INDEX message_target ON message (chat_id, target) WHERE target IS NOT NULL;
        CREATE INDEX message_community_order ON message (community, order_key);
        CREATE INDEX message_hash ON message (hash);
        CREATE TABLE sync_mark (content_topic TEXT PRIMARY KEY, json TEXT NOT NULL);
        CREATE TABLE peer (multiaddr TEXT PRIMARY KEY, json TEXT NOT NULL);
        CREATE TABLE outbox (id TEXT PRIMARY KEY, json TEXT NOT NULL);
        CREATE TABLE secret (name TEXT PRIMARY KEY, json TEXT NOT NULL);",
    )
}

/// See the module docs.
pub struct SqliteStorage {
    config: StorageConfig,
    db: Mutex<Connection>,
}

fn sql(e: rusqlite::Error) -> StorageError {
    StorageError::Backend(e.to_string())
}

fn encode<T: Serialize>(what: &'static str, record: &T) -> Result<String, StorageError> {
    serde_json::to_string(record).map_err(|e| StorageError::Backend(format!("{what}: {e}")))
}

/// The record in the first column of `row` (its JSON), checked like anything read from disk.
fn decode_row<T: DeserializeOwned>(row: &Row<'_>, what: &'static str) -> Result<T, StorageError> {
    match row.get_ref(0).map_err(sql)? {
        ValueRef::Text(bytes) => {
            let json = std::str::from_utf8(bytes).map_err(|e| StorageError::Corrupt {
                what,
                reason: e.to_string(),
            })?;
            decode_record(what, json)
        }
        other => Err(StorageError::Corrupt {
            what,
            reason: format!("{:?} where its JSON belongs", other.data_type()),
        }),
    }
}

/// At most one record.
fn one<T: DeserializeOwned>(
    db: &Connection,
    query: &str,
    params: impl rusqlite::Params,
    what: &'static str,
) -> Result<Option<T>, StorageError> {
    let mut stmt = db.prepare_cached(query).map_err(sql)?;
    let mut rows = stmt.query(params).map_err(sql)?;
    match rows.next().map_err(sql)? {
        Some(row) => decode_row(row, what).map(Some),
        None => Ok(None),
    }
}

/// Up to `limit` readable records, in the query's order; rows that cannot be read are set aside
/// (a single damaged row must not hide a whole timeline or outbox).
fn some<T: DeserializeOwned>(
    db: &Connection,
    query: &str,
    params: impl rusqlite::Params,
    what: &'static str,
    limit: usize,
) -> Result<Vec<T>, StorageError> {
    let mut stmt = db.prepare_cached(query).map_err(sql)?;
    let mut rows = stmt.query(params).map_err(sql)?;
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(row) = rows.next().map_err(sql)? else {
            break;
        };
        if let Ok(record) = decode_row(row, what) {
            out.push(record);
        }
    }
    Ok(out)
}

fn all<T: DeserializeOwned>(
    db: &Connection,
    query: &str,
    params: impl rusqlite::Params,
    what: &'static str,
) -> Result<Vec<T>, StorageError> {
    some(db, query, params, what, usize::MAX)
}

/// The schema a file is at; SQLite keeps it as a signed 32-bit number.
fn user_version(db: &Connection) -> Result<u32, StorageError> {
    let v: i64 = db
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sql)?;
    u32::try_from(v).map_err(|_| StorageError::Corrupt {
        what: "schema version",
        reason: format!("user_version {v}"),
    })
}

impl SqliteStorage {
    /// Opens (creating or upgrading) the database at `path`. A file from a newer schema is refused
    /// with [`StorageError::NewerSchema`] before anything in it is changed.
    pub fn open(path: &Path, config: StorageConfig) -> Result<Self, StorageError> {
        let mut db = Connection::open(path).map_err(sql)?;
        db.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        let found = user_version(&db)?;
        if found > SCHEMA_VERSION {
            return Err(StorageError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        db.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
        db.pragma_update(None, "synchronous", "FULL").map_err(sql)?;
        migrate(&mut db)?;
        Ok(Self {
            config,
            db: Mutex::new(db),
        })
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock left no transaction open (a dropped transaction rolls
        // back): the connection is as good as before.
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `work` on the connection when the future is first polled.
    ///
    /// The work is done synchronously, on the executor's thread: these are small statements on a
    /// local file (microseconds to a millisecond, an fsync per commit), less than a hop to a
    /// blocking thread would cost, and the trait's futures borrow `self`, which
    /// `spawn_blocking` (needing `'static`) could not take. The lock is never held across an
    /// await. The one long wait possible is another process holding the file's write lock, which
    /// [`BUSY_TIMEOUT`] bounds.
    fn run<'a, T: Send + 'a>(
        &'a self,
        work: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'a,
    ) -> StorageFuture<'a, T> {
        Box::pin(async move {
            let mut db = self.db();
            work(&mut db)
        })
    }
}

fn migrate(db: &mut Connection) -> Result<(), StorageError> {
    // Immediate: two processes opening the same new file do not both run a step.
    let tx = db
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let current = user_version(&tx)?;
    if current > SCHEMA_VERSION {
        return Err(StorageError::NewerSchema {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    if current == SCHEMA_VERSION {
        return Ok(());
    }
    for step in STEPS.iter().skip(current as usize) {
        step(&tx).map_err(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(sql)?;
    tx.commit().map_err(sql)
}

fn write(db: &mut Connection) -> Result<Transaction<'_>, StorageError> {
    db.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)
}

impl Storage for SqliteStorage {
    fn backend(&self) -> StorageBackend {
        StorageBackend::Sqlite
    }

    fn put_community(&self, record: CommunityRecord) -> StorageFuture<'_, bool> {
        self.run(move |db| {
            let tx = write(db)?;
            let old: Option<(i64, i64)> = tx
                .query_row(
                    "SELECT clock, opened_ms FROM community WHERE id = ?1",
                    [&record.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(sql)?;
            if old.is_some_and(|(clock, _)| record.clock <= clock as u64) {
                return Ok(false);
            }
            let mut record = record;
            record.opened_ms = record
                .opened_ms
                .max(old.map_or(0, |(_, opened)| opened as u64));
            tx.execute(
                "INSERT INTO community (id, clock, opened_ms, json) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET
                    clock = excluded.clock, opened_ms = excluded.opened_ms, json = excluded.json",
                params![
                    record.id,
                    record.clock as i64,
                    record.opened_ms as i64,
                    encode("community", &record)?
                ],
            )
            .map_err(sql)?;
            tx.commit().map_err(sql)?;
            Ok(true)
        })
    }

    fn community<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<CommunityRecord>> {
        self.run(move |db| {
            one(
                db,
                "SELECT json FROM community WHERE id = ?1",
                [id],
                "community",
            )
        })
    }

    fn communities(&self) -> StorageFuture<'_, Vec<CommunityRecord>> {
        self.run(|db| {
            let mut all: Vec<CommunityRecord> =
                all(db, "SELECT json FROM community", [], "community")?;
            hearth::storage::sort_communities(&mut all);
            Ok(all)
        })
    }

    fn touch_community<'a>(&'a self, id: &'a str, now_ms: u64) -> StorageFuture<'a, ()> {
        self.run(move |db| {
            let tx = write(db)?;
            let Some(mut c): Option<CommunityRecord> = one(
                &tx,
                "SELECT json FROM community WHERE id = ?1",
                [id],
                "community",
            )?
            else {
                return Ok(());
            };
            c.opened_ms = now_ms;
            tx.execute(
                "UPDATE community SET opened_ms = ?2, json = ?3 WHERE id = ?1",
                params![id, now_ms as i64, encode("community", &c)?],
            )
            .map_err(sql)?;
            tx.commit().map_err(sql)
        })
    }

    fn put_messages(&self, records: Vec<MessageRecord>) -> StorageFuture<'_, PutOutcome> {
        let cap = self.config.max_messages_per_community;
        self.run(move |db| {
            let tx = write(db)?;
            let mut out = PutOutcome::default();
            let mut touched = BTreeSet::new();
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO message
                            (id, community, chat_id, order_key, target, hash, json)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .map_err(sql)?;
                for r in records {
                    let added = insert
                        .execute(params![
                            r.id,
                            r.community,
                            r.chat_id,
                            r.order_key().0,
                            r.body.target(),
                            r.hash,
                            encode("message", &r)?
                        ])
                        .map_err(sql)?;
                    if added == 0 {
                        out.duplicates += 1;
                        continue;
                    }
                    touched.insert(r.community);
                    out.inserted.push(r.id);
                }
            }
            for community in touched {
                let count: i64 = tx
                    .query_row(
                        "SELECT COUNT(*) FROM message WHERE community = ?1",
                        [&community],
                        |r| r.get(0),
                    )
                    .map_err(sql)?;
                let excess = usize::try_from(count).unwrap_or(0).saturating_sub(cap);
                if excess == 0 {
                    continue;
                }
                out.evicted += tx
                    .execute(
                        "DELETE FROM message WHERE id IN (
                            SELECT id FROM message WHERE community = ?1
                            ORDER BY order_key LIMIT ?2)",
                        params![community, i64::try_from(excess).unwrap_or(i64::MAX)],
                    )
                    .map_err(sql)?;
            }
            tx.commit().map_err(sql)?;
            Ok(out)
        })
    }

    fn message<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<MessageRecord>> {
        self.run(move |db| {
            one(
                db,
                "SELECT json FROM message WHERE id = ?1",
                [id],
                "message",
            )
        })
    }

    fn messages<'a>(
        &'a self,
        chat_id: &'a str,
        before: Option<&'a OrderKey>,
        limit: usize,
    ) -> StorageFuture<'a, Vec<MessageRecord>> {
        self.run(move |db| {
            let mut out: Vec<MessageRecord> = match before {
                Some(b) => some(
                    db,
                    "SELECT json FROM message
                     WHERE chat_id = ?1 AND target IS NULL AND order_key < ?2
                     ORDER BY order_key DESC",
                    params![chat_id, b.0],
                    "message",
                    limit,
                )?,
                None => some(
                    db,
                    "SELECT json FROM message WHERE chat_id = ?1 AND target IS NULL
                     ORDER BY order_key DESC",
                    [chat_id],
                    "message",
                    limit,
                )?,
            };
            out.reverse();
            Ok(out)
        })
    }

    fn annotations<'a>(
        &'a self,
        chat_id: &'a str,
        targets: &'a [String],
    ) -> StorageFuture<'a, Vec<MessageRecord>> {
        self.run(move |db| {
            let mut out = Vec::new();
            for t in targets {
                out.extend(all::<MessageRecord>(
                    db,
                    "SELECT json FROM message WHERE chat_id = ?1 AND target = ?2 ORDER BY id",
                    params![chat_id, t],
                    "message",
                )?);
            }
            Ok(out)
        })
    }

    fn message_by_hash<'a>(&'a self, hash: &'a str) -> StorageFuture<'a, Option<MessageRecord>> {
        self.run(move |db| {
            // Hashes are unique in practice; should two stored messages share one, the later
            // write answers, as in memory.
            one(
                db,
                "SELECT json FROM message WHERE hash = ?1 ORDER BY rowid DESC LIMIT 1",
                [hash],
                "message",
            )
        })
    }

    fn sync_mark<'a>(&'a self, content_topic: &'a str) -> StorageFuture<'a, Option<SyncMark>> {
        self.run(move |db| {
            one(
                db,
                "SELECT json FROM sync_mark WHERE content_topic = ?1",
                [content_topic],
                "sync mark",
            )
        })
    }

    fn put_sync_mark(&self, mark: SyncMark) -> StorageFuture<'_, ()> {
        self.run(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO sync_mark (content_topic, json) VALUES (?1, ?2)",
                params![mark.content_topic, encode("sync mark", &mark)?],
            )
            .map_err(sql)?;
            Ok(())
        })
    }

    fn put_peer(&self, peer: PeerRecord) -> StorageFuture<'_, ()> {
        self.run(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO peer (multiaddr, json) VALUES (?1, ?2)",
                params![peer.multiaddr, encode("peer", &peer)?],
            )
            .map_err(sql)?;
            Ok(())
        })
    }

    fn remove_peer<'a>(&'a self, multiaddr: &'a str) -> StorageFuture<'a, ()> {
        self.run(move |db| {
            db.execute("DELETE FROM peer WHERE multiaddr = ?1", [multiaddr])
                .map_err(sql)?;
            Ok(())
        })
    }

    fn peers(&self) -> StorageFuture<'_, Vec<PeerRecord>> {
        self.run(|db| {
            let mut all: Vec<PeerRecord> = all(db, "SELECT json FROM peer", [], "peer")?;
            hearth::storage::sort_peers(&mut all);
            Ok(all)
        })
    }

    fn put_outbox(&self, entry: OutboxEntry) -> StorageFuture<'_, ()> {
        self.run(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO outbox (id, json) VALUES (?1, ?2)",
                params![entry.id, encode("outbox", &entry)?],
            )
            .map_err(sql)?;
            Ok(())
        })
    }

    fn remove_outbox<'a>(&'a self, id: &'a str) -> StorageFuture<'a, ()> {
        self.run(move |db| {
            db.execute("DELETE FROM outbox WHERE id = ?1", [id])
                .map_err(sql)?;
            Ok(())
        })
    }

    fn outbox(&self) -> StorageFuture<'_, Vec<OutboxEntry>> {
        self.run(|db| {
            let mut all: Vec<OutboxEntry> = all(db, "SELECT json FROM outbox", [], "outbox")?;
            hearth::storage::sort_outbox(&mut all);
            Ok(all)
        })
    }

    fn put_secret(&self, secret: SecretRecord) -> StorageFuture<'_, ()> {
        self.run(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO secret (name, json) VALUES (?1, ?2)",
                params![secret.name, encode("secret", &secret)?],
            )
            .map_err(sql)?;
            Ok(())
        })
    }

    fn secret<'a>(&'a self, name: &'a str) -> StorageFuture<'a, Option<SecretRecord>> {
        self.run(move |db| {
            one(
                db,
                "SELECT json FROM secret WHERE name = ?1",
                [name],
                "secret",
            )
        })
    }

    fn remove_secret<'a>(&'a self, name: &'a str) -> StorageFuture<'a, ()> {
        self.run(move |db| {
            db.execute("DELETE FROM secret WHERE name = ?1", [name])
                .map_err(sql)?;
            Ok(())
        })
    }
}
