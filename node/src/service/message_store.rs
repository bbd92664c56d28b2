//! The message store behind the store protocol: SQLite in WAL mode, keyed by message hash.
//! nwaku calls this its archive; here that word means only seed 003's 7-day history archives
//! (`community::history`).
//!
//! Every insert is its own committed transaction before the node acknowledges the message, so a
//! `kill -9` loses nothing that was acknowledged. Query semantics follow nwaku's archive
//! (`waku_archive/archive.nim`, `driver/sqlite_driver/queries.nim`): order by (timestamp, hash),
//! the cursor is an exclusive (timestamp, hash) bound found from its hash, one extra row is read
//! to learn whether another page exists, and pages are returned oldest first.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hearth::proto::waku::store::v3::{StoreQueryRequest, StoreQueryResponse, WakuMessageKeyValue};
use hearth::protocols::store::{
    DEFAULT_PAGE_SIZE, MAX_CONTENT_TOPICS, MAX_PAGE_SIZE, MAX_TIMESTAMP_VARIANCE_NS, StatusCode,
};
use hearth::waku::{MessageHash, WakuMessage};
use prost::Message;
use rusqlite::{Connection, OptionalExtension, params_from_iter, types::Value};

/// Retention: what the message store keeps.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Messages older than this are deleted (nwaku's `time:` policy; Status store nodes keep 30 days).
    pub max_age: Duration,
    /// At most this many messages are kept, the oldest deleted first (nwaku's `capacity:`).
    pub max_messages: Option<u64>,
    /// At most this many bytes of messages are kept, the oldest deleted first (nwaku's
    /// `size:`). Enforced as messages arrive, not only on the periodic pass: a flood cannot
    /// fill the disk between two passes.
    pub max_bytes: Option<u64>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(30 * 24 * 3600),
            max_messages: None,
            max_bytes: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MessageStoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Why a message was not stored (it may still be relayed and pushed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    Ephemeral,
    /// More than 20 s from the node's clock, nwaku's `MaxMessageTimestampVariance`.
    TimestampOutOfRange,
    Duplicate,
}

/// How long one store query may hold the database before it is interrupted and answered 503:
/// every query shape is served from an index, so an honest page takes milliseconds; the budget
/// is for what an index cannot bound (a hundred content topics merged by time on a huge topic).
pub const QUERY_BUDGET: Duration = Duration::from_millis(500);
/// When the byte cap is passed, the oldest messages are deleted down to this share of it, so
/// the next few inserts do not each trigger a delete.
const TRIM_TO_PERCENT: u64 = 90;

pub struct MessageStore {
    db: Connection,
    /// Bytes of stored messages, kept current across inserts and deletes.
    bytes: u64,
    max_bytes: Option<u64>,
    /// When the query running now must stop; read by SQLite's progress handler.
    deadline: Arc<Mutex<Option<Instant>>>,
}

impl MessageStore {
    pub fn open(path: &Path) -> Result<Self, MessageStoreError> {
        Self::init(Connection::open(path)?)
    }

    #[cfg(test)]
    pub fn open_in_memory() -> Result<Self, MessageStoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    /// Keeps the message store under `max_bytes` from now on (see [`Retention::max_bytes`]).
    pub fn with_byte_cap(mut self, max_bytes: Option<u64>) -> Result<Self, MessageStoreError> {
        self.max_bytes = max_bytes;
        self.enforce_byte_cap()?;
        Ok(self)
    }

    fn init(mut db: Connection) -> Result<Self, MessageStoreError> {
        db.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a committed insert survives power loss too, not only a killed process.
        db.pragma_update(None, "synchronous", "FULL")?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS message (
                hash BLOB PRIMARY KEY,
                pubsub_topic TEXT NOT NULL,
                content_topic TEXT NOT NULL,
                timestamp INTEGER NOT NULL,
                bytes BLOB NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS message_topic_time
                ON message (pubsub_topic, content_topic, timestamp, hash);
            CREATE INDEX IF NOT EXISTS message_time ON message (timestamp, hash);
            CREATE INDEX IF NOT EXISTS message_pubsub_time
                ON message (pubsub_topic, timestamp, hash);",
        )?;
        let deadline: Arc<Mutex<Option<Instant>>> = Arc::default();
        let watch = deadline.clone();
        db.progress_handler(
            1000,
            Some(move || {
                watch
                    .lock()
                    .map(|d| d.is_some_and(|d| Instant::now() > d))
                    .unwrap_or(false)
            }),
        )?;
        let bytes = db.query_row(
            "SELECT coalesce(sum(length(bytes)), 0) FROM message",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64;
        Ok(Self {
            db,
            bytes,
            max_bytes: None,
            deadline,
        })
    }

    /// Deletes the oldest messages while the message store is over its byte cap; returns how many.
    fn enforce_byte_cap(&mut self) -> Result<usize, MessageStoreError> {
        let Some(max) = self.max_bytes else {
            return Ok(0);
        };
        if self.bytes <= max {
            return Ok(0);
        }
        let target = max / 100 * TRIM_TO_PERCENT;
        let excess = self.bytes - target;
        // The oldest rows whose bytes add up to the excess, read from the time index.
        let mut victims: Vec<Vec<u8>> = Vec::new();
        let mut freed = 0u64;
        {
            let mut stmt = self.db.prepare_cached(
                "SELECT hash, length(bytes) FROM message ORDER BY timestamp ASC, hash ASC",
            )?;
            let mut rows = stmt.query([])?;
            while freed < excess {
                let Some(row) = rows.next()? else { break };
                victims.push(row.get(0)?);
                freed += row.get::<_, i64>(1)? as u64;
            }
        }
        let tx = self.db.unchecked_transaction()?;
        for hash in &victims {
            tx.prepare_cached("DELETE FROM message WHERE hash = ?1")?
                .execute([hash])?;
        }
        tx.commit()?;
        let deleted = victims.len();
        self.bytes = self.bytes.saturating_sub(freed);
        Ok(deleted)
    }

    /// Archives a message unless nwaku would not: ephemeral, or timestamped more than 20 s away
    /// from `now_ns`. Returns what happened so callers can log it.
    pub fn insert(
        &mut self,
        pubsub_topic: &str,
        message: &WakuMessage,
        hash: &MessageHash,
        now_ns: i64,
    ) -> Result<Result<(), Skipped>, MessageStoreError> {
        if message.ephemeral == Some(true) {
            return Ok(Err(Skipped::Ephemeral));
        }
        let ts = message.timestamp.unwrap_or(0);
        if ts < now_ns - MAX_TIMESTAMP_VARIANCE_NS || ts > now_ns + MAX_TIMESTAMP_VARIANCE_NS {
            return Ok(Err(Skipped::TimestampOutOfRange));
        }
        let bytes = message.encode_to_vec();
        let len = bytes.len() as u64;
        let n = self.db.execute(
            "INSERT OR IGNORE INTO message (hash, pubsub_topic, content_topic, timestamp, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![&hash.0[..], pubsub_topic, message.content_topic, ts, bytes],
        )?;
        if n != 1 {
            return Ok(Err(Skipped::Duplicate));
        }
        self.bytes += len;
        let trimmed = self.enforce_byte_cap()?;
        if trimmed > 0 {
            tracing::info!(
                deleted = trimmed,
                bytes = self.bytes,
                "store byte cap reached"
            );
        }
        Ok(Ok(()))
    }

    pub fn count(&self) -> Result<u64, MessageStoreError> {
        Ok(self
            .db
            .query_row("SELECT count(*) FROM message", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Bytes of stored messages (payloads and envelopes, not SQLite's overhead).
    pub fn stored_bytes(&self) -> Result<u64, MessageStoreError> {
        Ok(self.db.query_row(
            "SELECT coalesce(sum(length(bytes)), 0) FROM message",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Applies the retention policy; returns how many messages were deleted.
    pub fn apply_retention(
        &mut self,
        retention: &Retention,
        now_ns: i64,
    ) -> Result<usize, MessageStoreError> {
        let cutoff =
            now_ns.saturating_sub(retention.max_age.as_nanos().min(i64::MAX as u128) as i64);
        let mut deleted = self
            .db
            .execute("DELETE FROM message WHERE timestamp < ?1", [cutoff])?;
        if let Some(max) = retention.max_messages {
            deleted += self.db.execute(
                "DELETE FROM message WHERE hash IN (
                    SELECT hash FROM message ORDER BY timestamp DESC, hash DESC LIMIT -1 OFFSET ?1)",
                [max as i64],
            )?;
        }
        if deleted > 0 {
            self.bytes = self.stored_bytes()?;
        }
        if let Some(cap) = retention.max_bytes {
            self.max_bytes = Some(cap);
            deleted += self.enforce_byte_cap()?;
        }
        Ok(deleted)
    }

    /// The stored messages on `content_topics` with `from_ns <= timestamp < to_ns`, oldest first,
    /// with their hashes: what the history archives of a window are made from.
    pub fn messages_between(
        &self,
        content_topics: &[String],
        from_ns: i64,
        to_ns: i64,
    ) -> Result<Vec<(MessageHash, WakuMessage)>, MessageStoreError> {
        let mut out = Vec::new();
        let mut stmt = self.db.prepare_cached(
            "SELECT hash, bytes FROM message
             WHERE content_topic = ?1 AND timestamp >= ?2 AND timestamp < ?3",
        )?;
        for topic in content_topics {
            let rows = stmt.query_map(rusqlite::params![topic, from_ns, to_ns], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            for row in rows {
                let (hash, bytes) = row?;
                let (Ok(hash), Ok(message)) = (
                    <[u8; 32]>::try_from(hash.as_slice()),
                    WakuMessage::decode(bytes.as_slice()),
                ) else {
                    continue;
                };
                out.push((MessageHash(hash), message));
            }
        }
        out.sort_by_key(|(h, m)| (m.timestamp.unwrap_or(0), h.0));
        Ok(out)
    }

    /// The oldest timestamp stored on any of `content_topics`.
    pub fn oldest_timestamp(
        &self,
        content_topics: &[String],
    ) -> Result<Option<i64>, MessageStoreError> {
        let mut oldest: Option<i64> = None;
        for topic in content_topics {
            let t: Option<i64> = self.db.query_row(
                "SELECT min(timestamp) FROM message WHERE content_topic = ?1",
                [topic],
                |r| r.get(0),
            )?;
            oldest = match (oldest, t) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(oldest)
    }

    /// Answers a store v3 query the way nwaku does, status codes included. `request_id` is echoed
    /// only on success, as nwaku does.
    pub fn query(&self, req: &StoreQueryRequest) -> StoreQueryResponse {
        self.set_deadline(Some(Instant::now() + QUERY_BUDGET));
        let out = self.run_query(req);
        self.set_deadline(None);
        match out {
            Ok(mut res) => {
                res.request_id = req.request_id.clone();
                res.status_code = Some(StatusCode::Ok.code());
                res.status_desc = Some("OK".into());
                res
            }
            Err(QueryError::Invalid(desc)) => error_response(
                StatusCode::BadResponse,
                format!("BAD_RESPONSE: archive error: INVALID_QUERY: {desc}"),
            ),
            Err(QueryError::Bad(desc)) => error_response(StatusCode::BadRequest, desc),
            Err(QueryError::MessageStore(MessageStoreError::Sqlite(
                rusqlite::Error::SqliteFailure(e, _),
            ))) if e.code == rusqlite::ErrorCode::OperationInterrupted => error_response(
                StatusCode::ServiceUnavailable,
                format!(
                    "query interrupted after {} ms; narrow it (a time range, fewer topics)",
                    QUERY_BUDGET.as_millis()
                ),
            ),
            Err(QueryError::MessageStore(e)) => error_response(
                StatusCode::BadResponse,
                format!("BAD_RESPONSE: archive error: DRIVER_ERROR: {e}"),
            ),
        }
    }

    fn set_deadline(&self, deadline: Option<Instant>) {
        if let Ok(mut d) = self.deadline.lock() {
            *d = deadline;
        }
    }

    fn run_query(&self, req: &StoreQueryRequest) -> Result<StoreQueryResponse, QueryError> {
        let QueryPlan {
            sql,
            args,
            page,
            forward,
        } = self.plan(req)?;
        let mut stmt = self
            .db
            .prepare_cached(&sql)
            .map_err(MessageStoreError::from)?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                ))
            })
            .map_err(MessageStoreError::from)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(MessageStoreError::from)?;

        let more = rows.len() as u64 > page;
        let mut entries: Vec<WakuMessageKeyValue> = rows
            .into_iter()
            .take(page as usize)
            .map(|(hash, topic, bytes)| WakuMessageKeyValue {
                message_hash: Some(hash),
                // Stored bytes were encoded by us from a decoded message; a row that no longer
                // decodes is a corrupt database, and is sent without data rather than not at all.
                message: bytes.and_then(|b| WakuMessage::decode(b.as_slice()).ok()),
                pubsub_topic: topic,
            })
            .collect();
        let next = if more {
            entries.last().and_then(|e| e.message_hash.clone())
        } else {
            None
        };
        if !forward {
            entries.reverse();
        }
        Ok(StoreQueryResponse {
            messages: entries,
            pagination_cursor: next,
            ..Default::default()
        })
    }
}

impl MessageStore {
    fn plan(&self, req: &StoreQueryRequest) -> Result<QueryPlan, QueryError> {
        let has_content_filter = req.pubsub_topic.is_some() || !req.content_topics.is_empty();
        if has_content_filter && !req.message_hashes.is_empty() {
            return Err(QueryError::Bad(
                "a query takes either a content filter or message hashes, not both".into(),
            ));
        }
        if !req.content_topics.is_empty() && req.pubsub_topic.is_none() {
            return Err(QueryError::Bad("content topics need a pubsub topic".into()));
        }
        // nwaku checks this only when a cursor is present, so an 11-topic first page succeeds and
        // its second page fails; we refuse it on every page so a client learns on page one.
        if req.content_topics.len() > MAX_CONTENT_TOPICS {
            return Err(QueryError::Invalid("too many content topics".into()));
        }
        if req.message_hashes.len() > hearth::protocols::store::MAX_HASHES {
            return Err(QueryError::Bad(format!(
                "at most {} message hashes per query",
                hearth::protocols::store::MAX_HASHES
            )));
        }
        let forward = req.pagination_forward;
        let cursor = match &req.pagination_cursor {
            None => None,
            Some(c) if c.len() != 32 => {
                return Err(QueryError::Invalid(format!(
                    "invalid cursor hash length: {}",
                    c.len()
                )));
            }
            Some(c) if c.iter().all(|b| *b == 0) => {
                return Err(QueryError::Invalid("all zeroes cursor hash".into()));
            }
            Some(c) => {
                let ts: Option<i64> = self
                    .db
                    .query_row(
                        "SELECT timestamp FROM message WHERE hash = ?1",
                        [&c[..]],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(MessageStoreError::from)?;
                match ts {
                    Some(ts) => Some((ts, c.clone())),
                    None => {
                        return Err(QueryError::MessageStore(MessageStoreError::Sqlite(
                            rusqlite::Error::QueryReturnedNoRows,
                        )));
                    }
                }
            }
        };
        let page = match req.pagination_limit {
            None | Some(0) => DEFAULT_PAGE_SIZE,
            Some(n) => n.min(MAX_PAGE_SIZE),
        };

        let mut clauses = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        if let Some((ts, hash)) = cursor {
            clauses.push(
                if forward {
                    "(timestamp, hash) > (?, ?)"
                } else {
                    "(timestamp, hash) < (?, ?)"
                }
                .to_string(),
            );
            args.push(Value::Integer(ts));
            args.push(Value::Blob(hash));
        }
        if let Some(p) = &req.pubsub_topic {
            clauses.push("pubsub_topic = ?".into());
            args.push(Value::Text(p.clone()));
        }
        if !req.content_topics.is_empty() {
            clauses.push(format!(
                "content_topic IN ({})",
                vec!["?"; req.content_topics.len()].join(", ")
            ));
            args.extend(req.content_topics.iter().cloned().map(Value::Text));
        }
        if let Some(t) = req.time_start {
            clauses.push("timestamp >= ?".into());
            args.push(Value::Integer(t));
        }
        if let Some(t) = req.time_end {
            clauses.push("timestamp <= ?".into());
            args.push(Value::Integer(t));
        }
        if !req.message_hashes.is_empty() {
            clauses.push(format!(
                "hash IN ({})",
                vec!["?"; req.message_hashes.len()].join(", ")
            ));
            args.extend(req.message_hashes.iter().cloned().map(Value::Blob));
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let order = if forward { "ASC" } else { "DESC" };
        let columns = if req.include_data {
            "hash, pubsub_topic, bytes"
        } else {
            "hash, NULL, NULL"
        };
        let sql = format!(
            "SELECT {columns} FROM message {filter} ORDER BY timestamp {order}, hash {order} LIMIT {}",
            page + 1
        );
        Ok(QueryPlan {
            sql,
            args,
            page,
            forward,
        })
    }
}

/// The SQL one store query runs, with its arguments.
struct QueryPlan {
    sql: String,
    args: Vec<Value>,
    page: u64,
    forward: bool,
}

enum QueryError {
    /// nwaku's archive refuses the query: 300 with "archive error".
    Invalid(String),
    /// The request itself is malformed: 400.
    Bad(String),
    MessageStore(MessageStoreError),
}

impl From<MessageStoreError> for QueryError {
    fn from(e: MessageStoreError) -> Self {
        Self::MessageStore(e)
    }
}

/// nwaku leaves `request_id` empty on every error answer (it encodes before setting it).
pub fn error_response(code: StatusCode, desc: String) -> StoreQueryResponse {
    StoreQueryResponse {
        status_code: Some(code.code()),
        status_desc: Some(desc),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PT: &str = "/waku/2/rs/16/32";
    const NOW: i64 = 1_700_000_000_000_000_000;

    fn msg(i: i64, topic: &str) -> WakuMessage {
        WakuMessage {
            payload: i.to_be_bytes().to_vec(),
            content_topic: topic.into(),
            timestamp: Some(NOW - 10_000_000_000 + i * 1_000_000),
            ..Default::default()
        }
    }

    fn filled(n: i64) -> MessageStore {
        let mut a = MessageStore::open_in_memory().unwrap();
        for i in 0..n {
            let m = msg(
                i,
                if i % 2 == 0 {
                    "/a/1/x/proto"
                } else {
                    "/b/1/x/proto"
                },
            );
            a.insert(PT, &m, &m.hash(PT), NOW).unwrap().unwrap();
        }
        a
    }

    fn query(a: &MessageStore, f: impl FnOnce(&mut StoreQueryRequest)) -> StoreQueryResponse {
        let mut req = StoreQueryRequest {
            request_id: "r".into(),
            include_data: true,
            pubsub_topic: Some(PT.into()),
            ..Default::default()
        };
        f(&mut req);
        a.query(&req)
    }

    fn payload_index(kv: &WakuMessageKeyValue) -> i64 {
        i64::from_be_bytes(
            kv.message
                .as_ref()
                .unwrap()
                .payload
                .clone()
                .try_into()
                .unwrap(),
        )
    }

    #[test]
    fn backward_pages_walk_newest_first_each_page_ascending() {
        let a = filled(45);
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let res = query(&a, |r| r.pagination_cursor = cursor.clone());
            assert_eq!(res.status_code, Some(200));
            assert_eq!(res.request_id, "r");
            let idx: Vec<i64> = res.messages.iter().map(payload_index).collect();
            assert!(
                idx.windows(2).all(|w| w[0] < w[1]),
                "ascending within a page: {idx:?}"
            );
            seen.push(idx);
            match res.pagination_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0], (25..45).collect::<Vec<_>>());
        assert_eq!(seen[2], (0..5).collect::<Vec<_>>());
    }

    #[test]
    fn forward_with_topics_time_range_and_page_caps() {
        let a = filled(300);
        let res = query(&a, |r| {
            r.pagination_forward = true;
            r.pagination_limit = Some(500);
        });
        assert_eq!(res.messages.len(), 100, "capped at MAX_PAGE_SIZE");
        assert!(res.pagination_cursor.is_some());
        let res = query(&a, |r| {
            r.pagination_forward = true;
            r.content_topics = vec!["/b/1/x/proto".into()];
            r.time_start = Some(msg(10, "").timestamp.unwrap());
            r.time_end = Some(msg(20, "").timestamp.unwrap());
        });
        let idx: Vec<i64> = res.messages.iter().map(payload_index).collect();
        assert_eq!(idx, vec![11, 13, 15, 17, 19]);
        assert_eq!(res.pagination_cursor, None);
        let res = query(&a, |r| r.pagination_limit = Some(0));
        assert_eq!(res.messages.len(), 20);
    }

    #[test]
    fn hash_lookup_and_presence_without_data() {
        let a = filled(5);
        let h = msg(3, "/b/1/x/proto").hash(PT);
        let res = query(&a, |r| {
            r.pubsub_topic = None;
            r.include_data = false;
            r.message_hashes = vec![h.0.to_vec(), vec![9; 32]];
        });
        assert_eq!(res.messages.len(), 1);
        assert_eq!(res.messages[0].message_hash.as_deref(), Some(&h.0[..]));
        assert!(res.messages[0].message.is_none());
    }

    #[test]
    fn refusals_use_nwaku_codes_and_empty_request_id() {
        let a = filled(3);
        let bad_cursor = query(&a, |r| r.pagination_cursor = Some(vec![1; 31]));
        assert_eq!(bad_cursor.status_code, Some(300));
        assert_eq!(bad_cursor.request_id, "");
        assert!(
            bad_cursor
                .status_desc
                .unwrap()
                .contains("invalid cursor hash length: 31")
        );
        assert_eq!(
            query(&a, |r| r.pagination_cursor = Some(vec![0; 32])).status_code,
            Some(300)
        );
        assert_eq!(
            query(&a, |r| r.pagination_cursor = Some(vec![5; 32])).status_code,
            Some(300)
        );
        let topics = query(&a, |r| {
            r.content_topics = (0..11).map(|i| format!("/a/1/{i}/p")).collect()
        });
        assert_eq!(topics.status_code, Some(300));
        let both = query(&a, |r| r.message_hashes = vec![vec![1; 32]]);
        assert_eq!(both.status_code, Some(400));
        let no_pubsub = query(&a, |r| {
            r.pubsub_topic = None;
            r.content_topics = vec!["/a/1/x/proto".into()];
        });
        assert_eq!(no_pubsub.status_code, Some(400));
    }

    #[test]
    fn skips_what_nwaku_does_not_archive_and_applies_retention() {
        let mut a = MessageStore::open_in_memory().unwrap();
        let eph = WakuMessage {
            ephemeral: Some(true),
            ..msg(1, "/a/1/x/p")
        };
        assert_eq!(
            a.insert(PT, &eph, &eph.hash(PT), NOW).unwrap(),
            Err(Skipped::Ephemeral)
        );
        let old = WakuMessage {
            timestamp: Some(NOW - 21_000_000_000),
            ..msg(1, "/a/1/x/p")
        };
        assert_eq!(
            a.insert(PT, &old, &old.hash(PT), NOW).unwrap(),
            Err(Skipped::TimestampOutOfRange)
        );
        let none = WakuMessage {
            timestamp: None,
            ..msg(1, "/a/1/x/p")
        };
        assert_eq!(
            a.insert(PT, &none, &none.hash(PT), NOW).unwrap(),
            Err(Skipped::TimestampOutOfRange)
        );
        let ok = msg(1, "/a/1/x/p");
        assert_eq!(a.insert(PT, &ok, &ok.hash(PT), NOW).unwrap(), Ok(()));
        assert_eq!(
            a.insert(PT, &ok, &ok.hash(PT), NOW).unwrap(),
            Err(Skipped::Duplicate)
        );

        let mut a = filled(10);
        let keep_5 = Retention {
            max_age: Duration::from_secs(3600),
            max_messages: Some(5),
            max_bytes: None,
        };
        assert_eq!(a.apply_retention(&keep_5, NOW).unwrap(), 5);
        assert_eq!(a.count().unwrap(), 5);
        let res = query(&a, |_| {});
        assert_eq!(
            res.messages.iter().map(payload_index).collect::<Vec<_>>(),
            vec![5, 6, 7, 8, 9]
        );
        let short = Retention {
            max_age: Duration::from_secs(1),
            max_messages: None,
            max_bytes: None,
        };
        assert_eq!(a.apply_retention(&short, NOW).unwrap(), 5);
    }

    #[test]
    fn at_its_byte_cap_the_oldest_go_first() {
        let mut a = MessageStore::open_in_memory()
            .unwrap()
            .with_byte_cap(Some(10_000))
            .unwrap();
        for i in 0..100 {
            let m = WakuMessage {
                payload: vec![i as u8; 400],
                ..msg(i, "/a/1/x/p")
            };
            a.insert(PT, &m, &m.hash(PT), NOW).unwrap().unwrap();
            assert!(a.bytes <= 10_000, "over the cap after insert {i}");
        }
        assert_eq!(
            a.bytes,
            a.stored_bytes().unwrap(),
            "the running count is exact"
        );
        let kept = query(&a, |r| r.pagination_limit = Some(100));
        let index = |kv: &WakuMessageKeyValue| {
            let ts = kv.message.as_ref().and_then(|m| m.timestamp).unwrap();
            (ts - msg(0, "").timestamp.unwrap()) / 1_000_000
        };
        let first = kept.messages.iter().map(index).min().unwrap();
        // Every message from the first kept one to the newest is there: oldest first out.
        assert_eq!(
            kept.messages.iter().map(index).collect::<Vec<_>>(),
            (first..100).collect::<Vec<_>>()
        );
        assert!(first > 70, "{first}");
    }

    /// Every query shape is answered from an index: the plan never scans the table.
    #[test]
    fn every_query_shape_is_served_from_an_index() {
        let a = filled(50);
        let some_hash = query(&a, |_| {}).messages[0].message_hash.clone();
        type Shape = Box<dyn Fn(&mut StoreQueryRequest)>;
        let shapes: Vec<(&str, Shape)> = vec![
            ("pubsub + one content topic", Box::new(|_| {})),
            (
                "pubsub + ten content topics",
                Box::new(|r| r.content_topics = (0..10).map(|i| format!("/a/1/{i}/p")).collect()),
            ),
            (
                "pubsub + content topic + time range",
                Box::new(|r| {
                    r.time_start = Some(NOW - 5_000_000_000);
                    r.time_end = Some(NOW);
                }),
            ),
            ("pubsub only", Box::new(|r| r.content_topics.clear())),
            (
                "no filter at all",
                Box::new(|r| {
                    r.content_topics.clear();
                    r.pubsub_topic = None;
                }),
            ),
            (
                "time range only",
                Box::new(|r| {
                    r.content_topics.clear();
                    r.pubsub_topic = None;
                    r.time_start = Some(NOW - 5_000_000_000);
                }),
            ),
            (
                "hashes",
                Box::new(|r| {
                    r.content_topics.clear();
                    r.pubsub_topic = None;
                    r.message_hashes = vec![vec![1; 32], vec![2; 32]];
                }),
            ),
            ("with a cursor, backwards", {
                let h = some_hash.clone();
                Box::new(move |r| r.pagination_cursor = h.clone())
            }),
            ("with a cursor, forwards", {
                let h = some_hash.clone();
                Box::new(move |r| {
                    r.pagination_cursor = h.clone();
                    r.pagination_forward = true;
                })
            }),
        ];
        for (name, shape) in shapes {
            let mut req = StoreQueryRequest {
                request_id: "plan".into(),
                include_data: true,
                pubsub_topic: Some(PT.into()),
                content_topics: vec!["/a/1/x/p".into()],
                ..Default::default()
            };
            shape(&mut req);
            let Ok(plan) = a.plan(&req) else {
                panic!("{name}: no plan")
            };
            let mut stmt =
                a.db.prepare(&format!("EXPLAIN QUERY PLAN {}", plan.sql))
                    .unwrap();
            let steps: Vec<String> = stmt
                .query_map(params_from_iter(plan.args), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            println!("{name}: {}", steps.join(" | "));
            for step in &steps {
                let indexed = step.starts_with("SEARCH")
                    || step.contains("USING INDEX")
                    || step.contains("USING COVERING INDEX")
                    || step.contains("USING PRIMARY KEY")
                    || step.starts_with("USE TEMP B-TREE")
                    || step.starts_with("MULTI-INDEX")
                    || step.starts_with("INDEX ");
                assert!(indexed, "{name}: {step}");
            }
        }
    }
}
