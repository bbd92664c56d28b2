//! Storage in the browser's IndexedDB, through the `idb` crate.
//!
//! **Why `idb` and not `rexie`.** The design card named rexie, which is built on idb. But rexie's
//! schema is declarative: it creates and deletes stores itself on `upgradeneeded`, gives no access
//! to the versionchange transaction (so records cannot be rewritten in a migration), and panics
//! inside the upgrade on any error, which `panic = "abort"` turns into a dead page. Numbered
//! migrations that rewrite records need the raw upgrade callback, which idb exposes; idb adds no
//! second copy of anything to the wasm (thiserror 2, js-sys, web-sys as the tree already links).
//!
//! Every write of a batch happens in one transaction; the crypto a caller needs is done before the
//! transaction opens (an IndexedDB transaction ends when control returns to the event loop with no
//! request pending, so awaiting a WebCrypto promise inside one would end it).

pub mod migrations;

use std::collections::BTreeSet;

use std::future::IntoFuture;

use idb::{CursorDirection, Database, Factory, KeyRange, Query, TransactionMode};
use wasm_bindgen::JsValue;

use super::{
    CommunityRecord, MessageRecord, OrderKey, OutboxEntry, PeerRecord, PutOutcome, SecretRecord,
    Storage, StorageConfig, StorageError, StorageFuture, SyncMark, decode_record, encode_record,
};
use crate::client::StorageBackend;
pub use migrations::SCHEMA_VERSION;

const SEP: char = '\u{1}';
const END: char = '\u{2}';

/// The `community_order` index value (schema v2).
pub(crate) fn community_order_key(r: &MessageRecord) -> String {
    format!("{}{SEP}{}", r.community, r.order_key().0)
}

fn chat_order_key(r: &MessageRecord) -> String {
    format!("{}{SEP}{}", r.chat_id, r.order_key().0)
}

fn target_key(chat_id: &str, target: &str) -> String {
    format!("{chat_id}{SEP}{target}")
}

/// Every key that starts with `prefix` and the separator.
fn prefix_range(prefix: &str) -> Result<Query, StorageError> {
    let lower = JsValue::from_str(&format!("{prefix}{SEP}"));
    let upper = JsValue::from_str(&format!("{prefix}{END}"));
    KeyRange::bound(&lower, &upper, Some(false), Some(true))
        .map(Query::KeyRange)
        .map_err(backend)
}

fn backend(e: idb::Error) -> StorageError {
    let text = e.to_string();
    if text.contains("QuotaExceeded") {
        StorageError::QuotaExceeded
    } else {
        StorageError::Backend(text)
    }
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

fn json_of(value: &JsValue) -> Result<String, StorageError> {
    js_sys::Reflect::get(value, &"json".into())
        .ok()
        .and_then(|j| j.as_string())
        .ok_or(StorageError::Corrupt {
            what: "IndexedDB",
            reason: "a value without its json field".into(),
        })
}

/// See the module docs.
pub struct IndexedDbStorage {
    db: Database,
    config: StorageConfig,
    /// The schema the database was opened at: below [`SCHEMA_VERSION`] only in the migration
    /// test, which writes as that version's code did.
    schema: u32,
}

impl IndexedDbStorage {
    /// Opens (creating or upgrading) the database `name` at [`SCHEMA_VERSION`].
    pub async fn open(name: &str, config: StorageConfig) -> Result<Self, StorageError> {
        Self::open_at(name, config, SCHEMA_VERSION).await
    }

    /// Opens at an older schema and writes as that version did. For the migration test, which
    /// must produce a database the way the released version-1 code path produced it.
    #[doc(hidden)]
    pub async fn open_at(
        name: &str,
        config: StorageConfig,
        version: u32,
    ) -> Result<Self, StorageError> {
        let factory = Factory::new().map_err(|e| StorageError::Unavailable(e.to_string()))?;
        let mut request = factory
            .open(name, Some(version))
            .map_err(|e| StorageError::Unavailable(e.to_string()))?;
        request.on_upgrade_needed(move |event| {
            let (Ok(old), Ok(db)) = (event.old_version(), idb::DatabaseEvent::database(&event))
            else {
                return;
            };
            let tx = idb::Event::target(&event)
                .ok()
                .and_then(|r| idb::Request::transaction(&r));
            let (Some(tx), new) = (tx, event.new_version().ok().flatten().unwrap_or(version))
            else {
                return;
            };
            let db = web_sys::IdbDatabase::from(db);
            let tx = web_sys::IdbTransaction::from(tx);
            if migrations::upgrade(&db, &tx, old, new).is_err() {
                // Nothing half-done survives: the open request fails and the page falls back to
                // memory, saying why.
                let _ = tx.abort();
            }
        });
        match request.await {
            Ok(db) => Ok(Self {
                db,
                config,
                schema: version,
            }),
            Err(e) => {
                let text = e.to_string();
                if text.contains("VersionError") || text.contains("less than") {
                    Err(StorageError::NewerSchema {
                        found: Self::current_version(name).await.unwrap_or(0),
                        supported: version,
                    })
                } else {
                    Err(StorageError::Unavailable(text))
                }
            }
        }
    }

    async fn current_version(name: &str) -> Option<u32> {
        let db = Factory::new().ok()?.open(name, None).ok()?.await.ok()?;
        let v = db.version().ok();
        db.close();
        v
    }

    /// Deletes the database `name` (tests, and "forget everything" in settings).
    pub async fn delete(name: &str) -> Result<(), StorageError> {
        let factory = Factory::new().map_err(|e| StorageError::Unavailable(e.to_string()))?;
        factory
            .delete(name)
            .map_err(backend)?
            .await
            .map_err(backend)
    }

    /// Closes the connection (another tab's upgrade waits for it).
    pub fn close(&self) {
        self.db.close();
    }

    /// Keeps a value only IndexedDB can hold as is, such as a non-extractable `CryptoKey`.
    pub async fn put_key(&self, name: &str, value: &JsValue) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(&["keys"], TransactionMode::ReadWrite)
            .map_err(backend)?;
        let store = tx.object_store("keys").map_err(backend)?;
        let done = tx.into_future();
        let v = object(&[("name", name.into()), ("value", value.clone())]);
        store
            .put(&v, None)
            .map_err(backend)?
            .await
            .map_err(backend)?;
        done.await.map_err(backend)?;
        Ok(())
    }

    pub async fn key(&self, name: &str) -> Result<Option<JsValue>, StorageError> {
        let tx = self
            .db
            .transaction(&["keys"], TransactionMode::ReadOnly)
            .map_err(backend)?;
        let store = tx.object_store("keys").map_err(backend)?;
        let v = store
            .get(Query::Key(name.into()))
            .map_err(backend)?
            .await
            .map_err(backend)?;
        Ok(v.and_then(|v| js_sys::Reflect::get(&v, &"value".into()).ok()))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        store: &str,
        what: &'static str,
        key: &str,
    ) -> Result<Option<T>, StorageError> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(backend)?;
        let s = tx.object_store(store).map_err(backend)?;
        let v = s
            .get(Query::Key(key.into()))
            .map_err(backend)?
            .await
            .map_err(backend)?;
        match v {
            None => Ok(None),
            Some(v) => decode_record(what, &json_of(&v)?).map(Some),
        }
    }

    /// Every record of a store; records that cannot be read are set aside (skipped), never fatal.
    async fn all_json<T: serde::de::DeserializeOwned>(
        &self,
        store: &str,
        what: &'static str,
    ) -> Result<Vec<T>, StorageError> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(backend)?;
        let s = tx.object_store(store).map_err(backend)?;
        let all = s
            .get_all(None, None)
            .map_err(backend)?
            .await
            .map_err(backend)?;
        Ok(all
            .iter()
            .filter_map(|v| json_of(v).ok())
            .filter_map(|j| decode_record(what, &j).ok())
            .collect())
    }

    async fn put_value(&self, store: &str, value: JsValue) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadWrite)
            .map_err(backend)?;
        let s = tx.object_store(store).map_err(backend)?;
        let done = tx.into_future();
        s.put(&value, None)
            .map_err(backend)?
            .await
            .map_err(backend)?;
        done.await.map_err(backend)?;
        Ok(())
    }

    /// Writes `record` (as its JSON) under `key`, which `key_field` of the stored value holds.
    fn put_record<T: serde::Serialize>(
        &self,
        store: &'static str,
        key_field: &str,
        key: &str,
        record: &T,
    ) -> StorageFuture<'_, ()> {
        let v = object(&[
            (key_field, key.into()),
            ("json", encode_record(record).into()),
        ]);
        Box::pin(self.put_value(store, v))
    }

    async fn delete_key(&self, store: &str, key: &str) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadWrite)
            .map_err(backend)?;
        let s = tx.object_store(store).map_err(backend)?;
        let done = tx.into_future();
        s.delete(Query::Key(key.into()))
            .map_err(backend)?
            .await
            .map_err(backend)?;
        done.await.map_err(backend)?;
        Ok(())
    }

    fn message_value(&self, r: &MessageRecord) -> JsValue {
        let mut fields = vec![
            ("id", JsValue::from_str(&r.id)),
            ("hash", JsValue::from_str(&r.hash)),
            ("json", JsValue::from_str(&encode_record(r))),
        ];
        match r.body.target() {
            None => fields.push(("co", chat_order_key(r).into())),
            Some(t) => fields.push(("tg", target_key(&r.chat_id, t).into())),
        }
        if self.schema >= 2 {
            fields.push(("mo", community_order_key(r).into()));
        }
        object(&fields)
    }

    async fn put_messages_inner(
        &self,
        records: Vec<MessageRecord>,
    ) -> Result<PutOutcome, StorageError> {
        let tx = self
            .db
            .transaction(&["messages"], TransactionMode::ReadWrite)
            .map_err(backend)?;
        let store = tx.object_store("messages").map_err(backend)?;
        // Listen for the end of the transaction before the first request: a transaction that
        // commits before anyone listens would leave the write waiting forever.
        let done = tx.into_future();
        let mut out = PutOutcome::default();
        // Ask for every key at once: the requests run together inside the transaction.
        let mut checks = Vec::with_capacity(records.len());
        for r in &records {
            checks.push(
                store
                    .get_key(Query::Key(r.id.as_str().into()))
                    .map_err(backend)?,
            );
        }
        let mut seen = BTreeSet::new();
        let mut communities = BTreeSet::new();
        for (r, check) in records.iter().zip(checks) {
            let exists = check.await.map_err(backend)?.is_some();
            if exists || !seen.insert(r.id.clone()) {
                out.duplicates += 1;
                continue;
            }
            store.put(&self.message_value(r), None).map_err(backend)?;
            communities.insert(r.community.clone());
            out.inserted.push(r.id.clone());
        }
        if self.schema >= 2 {
            let index = store.index("community_order").map_err(backend)?;
            for c in communities {
                let count = index
                    .count(Some(prefix_range(&c)?))
                    .map_err(backend)?
                    .await
                    .map_err(backend)? as usize;
                let excess = count.saturating_sub(self.config.max_messages_per_community);
                if excess == 0 {
                    continue;
                }
                let keys = index
                    .get_all_keys(Some(prefix_range(&c)?), Some(excess as u32))
                    .map_err(backend)?
                    .await
                    .map_err(backend)?;
                for k in keys {
                    store.delete(Query::Key(k)).map_err(backend)?;
                    out.evicted += 1;
                }
            }
        }
        done.await.map_err(backend)?;
        Ok(out)
    }

    async fn messages_inner(
        &self,
        chat_id: &str,
        before: Option<&OrderKey>,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StorageError> {
        let tx = self
            .db
            .transaction(&["messages"], TransactionMode::ReadOnly)
            .map_err(backend)?;
        let store = tx.object_store("messages").map_err(backend)?;
        let index = store.index("chat_order").map_err(backend)?;
        let lower = JsValue::from_str(&format!("{chat_id}{SEP}"));
        let (upper, upper_open) = match before {
            Some(b) => (JsValue::from_str(&format!("{chat_id}{SEP}{}", b.0)), true),
            None => (JsValue::from_str(&format!("{chat_id}{END}")), true),
        };
        let range =
            KeyRange::bound(&lower, &upper, Some(false), Some(upper_open)).map_err(backend)?;
        let mut out = Vec::new();
        let cursor = index
            .open_cursor(Some(Query::KeyRange(range)), Some(CursorDirection::Prev))
            .map_err(backend)?
            .await
            .map_err(backend)?;
        if let Some(cursor) = cursor {
            let mut cursor = cursor.into_managed();
            while out.len() < limit {
                let Some(v) = cursor.value().map_err(backend)? else {
                    break;
                };
                if let Ok(r) = json_of(&v).and_then(|j| decode_record("message", &j)) {
                    out.push(r);
                }
                cursor.next(None).await.map_err(backend)?;
            }
        }
        out.reverse();
        Ok(out)
    }

    async fn by_index(&self, index: &str, key: &str) -> Result<Vec<MessageRecord>, StorageError> {
        let tx = self
            .db
            .transaction(&["messages"], TransactionMode::ReadOnly)
            .map_err(backend)?;
        let store = tx.object_store("messages").map_err(backend)?;
        let all = store
            .index(index)
            .map_err(backend)?
            .get_all(Some(Query::Key(key.into())), None)
            .map_err(backend)?
            .await
            .map_err(backend)?;
        Ok(all
            .iter()
            .filter_map(|v| json_of(v).ok())
            .filter_map(|j| decode_record("message", &j).ok())
            .collect())
    }
}

impl Storage for IndexedDbStorage {
    fn backend(&self) -> StorageBackend {
        StorageBackend::IndexedDb
    }

    fn put_community(&self, record: CommunityRecord) -> StorageFuture<'_, bool> {
        Box::pin(async move {
            let old: Option<CommunityRecord> = self
                .get_json("communities", "community", &record.id)
                .await
                .ok()
                .flatten();
            if old.as_ref().is_some_and(|o| o.clock >= record.clock) {
                return Ok(false);
            }
            let mut record = record;
            record.opened_ms = record.opened_ms.max(old.map_or(0, |o| o.opened_ms));
            let v = object(&[
                ("id", record.id.as_str().into()),
                ("json", encode_record(&record).into()),
            ]);
            self.put_value("communities", v).await?;
            Ok(true)
        })
    }

    fn community<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<CommunityRecord>> {
        Box::pin(self.get_json("communities", "community", id))
    }

    fn communities(&self) -> StorageFuture<'_, Vec<CommunityRecord>> {
        Box::pin(async move {
            let mut all: Vec<CommunityRecord> = self.all_json("communities", "community").await?;
            crate::storage::sort_communities(&mut all);
            Ok(all)
        })
    }

    fn touch_community<'a>(&'a self, id: &'a str, now_ms: u64) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let Some(mut c): Option<CommunityRecord> =
                self.get_json("communities", "community", id).await?
            else {
                return Ok(());
            };
            c.opened_ms = now_ms;
            let v = object(&[("id", id.into()), ("json", encode_record(&c).into())]);
            self.put_value("communities", v).await
        })
    }

    fn put_messages(&self, records: Vec<MessageRecord>) -> StorageFuture<'_, PutOutcome> {
        Box::pin(self.put_messages_inner(records))
    }

    fn message<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<MessageRecord>> {
        Box::pin(self.get_json("messages", "message", id))
    }

    fn messages<'a>(
        &'a self,
        chat_id: &'a str,
        before: Option<&'a OrderKey>,
        limit: usize,
    ) -> StorageFuture<'a, Vec<MessageRecord>> {
        Box::pin(self.messages_inner(chat_id, before, limit))
    }

    fn annotations<'a>(
        &'a self,
        chat_id: &'a str,
        targets: &'a [String],
    ) -> StorageFuture<'a, Vec<MessageRecord>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for t in targets {
                out.extend(self.by_index("target", &target_key(chat_id, t)).await?);
            }
            Ok(out)
        })
    }

    fn message_by_hash<'a>(&'a self, hash: &'a str) -> StorageFuture<'a, Option<MessageRecord>> {
        Box::pin(async move { Ok(self.by_index("hash", hash).await?.into_iter().next()) })
    }

    fn sync_mark<'a>(&'a self, content_topic: &'a str) -> StorageFuture<'a, Option<SyncMark>> {
        Box::pin(self.get_json("sync", "sync mark", content_topic))
    }

    fn put_sync_mark(&self, mark: SyncMark) -> StorageFuture<'_, ()> {
        self.put_record("sync", "topic", &mark.content_topic, &mark)
    }

    fn put_peer(&self, peer: PeerRecord) -> StorageFuture<'_, ()> {
        self.put_record("peers", "addr", &peer.multiaddr, &peer)
    }

    fn remove_peer<'a>(&'a self, multiaddr: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(self.delete_key("peers", multiaddr))
    }

    fn peers(&self) -> StorageFuture<'_, Vec<PeerRecord>> {
        Box::pin(async move {
            let mut all: Vec<PeerRecord> = self.all_json("peers", "peer").await?;
            crate::storage::sort_peers(&mut all);
            Ok(all)
        })
    }

    fn put_outbox(&self, entry: OutboxEntry) -> StorageFuture<'_, ()> {
        self.put_record("outbox", "id", &entry.id, &entry)
    }

    fn remove_outbox<'a>(&'a self, id: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(self.delete_key("outbox", id))
    }

    fn outbox(&self) -> StorageFuture<'_, Vec<OutboxEntry>> {
        Box::pin(async move {
            let mut all: Vec<OutboxEntry> = self.all_json("outbox", "outbox").await?;
            crate::storage::sort_outbox(&mut all);
            Ok(all)
        })
    }

    fn put_secret(&self, secret: SecretRecord) -> StorageFuture<'_, ()> {
        self.put_record("secrets", "name", &secret.name, &secret)
    }

    fn secret<'a>(&'a self, name: &'a str) -> StorageFuture<'a, Option<SecretRecord>> {
        Box::pin(self.get_json("secrets", "secret", name))
    }

    fn remove_secret<'a>(&'a self, name: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(self.delete_key("secrets", name))
    }

    fn put_js_value<'a>(&'a self, name: &'a str, value: JsValue) -> StorageFuture<'a, ()> {
        Box::pin(async move { self.put_key(name, &value).await })
    }

    fn js_value<'a>(&'a self, name: &'a str) -> StorageFuture<'a, Option<JsValue>> {
        Box::pin(self.key(name))
    }
}
