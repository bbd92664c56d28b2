//! Storage in memory: the native backend, the browser's fallback when IndexedDB is refused, and the
//! reference the IndexedDB backend is tested against (both pass [`storage_suite!`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use super::{
    CommunityRecord, MessageRecord, OrderKey, OutboxEntry, PeerRecord, PutOutcome, SecretRecord,
    Storage, StorageConfig, StorageFuture, SyncMark,
};
use crate::client::StorageBackend;

#[derive(Default)]
struct State {
    communities: HashMap<String, CommunityRecord>,
    messages: HashMap<String, MessageRecord>,
    /// chat id → chat messages in order.
    by_chat: HashMap<String, BTreeMap<OrderKey, String>>,
    /// (chat id, target) → annotation ids.
    by_target: HashMap<(String, String), BTreeSet<String>>,
    /// community → every record in order, for the cap.
    by_community: HashMap<String, BTreeMap<OrderKey, String>>,
    by_hash: HashMap<String, String>,
    sync: HashMap<String, SyncMark>,
    peers: HashMap<String, PeerRecord>,
    outbox: BTreeMap<(u64, String), OutboxEntry>,
    secrets: HashMap<String, SecretRecord>,
}

/// See the module docs.
pub struct MemoryStorage {
    config: StorageConfig,
    reason: Option<String>,
    state: Mutex<State>,
}

impl MemoryStorage {
    pub fn new(config: StorageConfig) -> Self {
        Self::with_reason(config, None)
    }

    /// A memory store standing in for a backend that could not be opened; `reason` is what the
    /// client's health shows the user.
    pub fn with_reason(config: StorageConfig, reason: Option<String>) -> Self {
        Self {
            config,
            reason,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that matters
        // more than losing them; keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> StorageFuture<'a, T> {
    Box::pin(std::future::ready(Ok(value)))
}

impl State {
    fn remove_message(&mut self, id: &str) {
        let Some(r) = self.messages.remove(id) else {
            return;
        };
        let key = r.order_key();
        if let Some(m) = self.by_chat.get_mut(&r.chat_id) {
            m.remove(&key);
        }
        if let Some(t) = r.body.target()
            && let Some(s) = self.by_target.get_mut(&(r.chat_id.clone(), t.to_string()))
        {
            s.remove(id);
        }
        if let Some(m) = self.by_community.get_mut(&r.community) {
            m.remove(&key);
        }
        self.by_hash.remove(&r.hash);
    }
}

impl Storage for MemoryStorage {
    fn backend(&self) -> StorageBackend {
        StorageBackend::Memory {
            reason: self.reason.clone(),
        }
    }

    fn put_community(&self, record: CommunityRecord) -> StorageFuture<'_, bool> {
        let mut s = self.state();
        let newer = s
            .communities
            .get(&record.id)
            .is_none_or(|old| record.clock > old.clock);
        if newer {
            let opened = s.communities.get(&record.id).map_or(0, |o| o.opened_ms);
            let mut record = record;
            record.opened_ms = record.opened_ms.max(opened);
            s.communities.insert(record.id.clone(), record);
        }
        ready(newer)
    }

    fn community<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<CommunityRecord>> {
        ready(self.state().communities.get(id).cloned())
    }

    fn communities(&self) -> StorageFuture<'_, Vec<CommunityRecord>> {
        let mut all: Vec<_> = self.state().communities.values().cloned().collect();
        crate::storage::sort_communities(&mut all);
        ready(all)
    }

    fn touch_community<'a>(&'a self, id: &'a str, now_ms: u64) -> StorageFuture<'a, ()> {
        if let Some(c) = self.state().communities.get_mut(id) {
            c.opened_ms = now_ms;
        }
        ready(())
    }

    fn put_messages(&self, records: Vec<MessageRecord>) -> StorageFuture<'_, PutOutcome> {
        let mut s = self.state();
        let mut out = PutOutcome::default();
        let mut touched = BTreeSet::new();
        for r in records {
            if s.messages.contains_key(&r.id) {
                out.duplicates += 1;
                continue;
            }
            let key = r.order_key();
            match r.body.target() {
                None => {
                    s.by_chat
                        .entry(r.chat_id.clone())
                        .or_default()
                        .insert(key.clone(), r.id.clone());
                }
                Some(t) => {
                    s.by_target
                        .entry((r.chat_id.clone(), t.to_string()))
                        .or_default()
                        .insert(r.id.clone());
                }
            }
            s.by_community
                .entry(r.community.clone())
                .or_default()
                .insert(key, r.id.clone());
            s.by_hash.insert(r.hash.clone(), r.id.clone());
            touched.insert(r.community.clone());
            out.inserted.push(r.id.clone());
            s.messages.insert(r.id.clone(), r);
        }
        for community in touched {
            let cap = self.config.max_messages_per_community;
            loop {
                let oldest = match s.by_community.get(&community) {
                    Some(m) if m.len() > cap => m.values().next().cloned(),
                    _ => None,
                };
                let Some(id) = oldest else { break };
                s.remove_message(&id);
                out.evicted += 1;
            }
        }
        ready(out)
    }

    fn message<'a>(&'a self, id: &'a str) -> StorageFuture<'a, Option<MessageRecord>> {
        ready(self.state().messages.get(id).cloned())
    }

    fn messages<'a>(
        &'a self,
        chat_id: &'a str,
        before: Option<&'a OrderKey>,
        limit: usize,
    ) -> StorageFuture<'a, Vec<MessageRecord>> {
        let s = self.state();
        let mut out: Vec<MessageRecord> = match s.by_chat.get(chat_id) {
            None => Vec::new(),
            Some(m) => {
                let range: Box<dyn DoubleEndedIterator<Item = (&OrderKey, &String)>> = match before
                {
                    Some(b) => Box::new(m.range(..b.clone())),
                    None => Box::new(m.iter()),
                };
                range
                    .rev()
                    .take(limit)
                    .filter_map(|(_, id)| s.messages.get(id).cloned())
                    .collect()
            }
        };
        out.reverse();
        ready(out)
    }

    fn annotations<'a>(
        &'a self,
        chat_id: &'a str,
        targets: &'a [String],
    ) -> StorageFuture<'a, Vec<MessageRecord>> {
        let s = self.state();
        let mut out = Vec::new();
        for t in targets {
            if let Some(ids) = s.by_target.get(&(chat_id.to_string(), t.clone())) {
                out.extend(ids.iter().filter_map(|id| s.messages.get(id).cloned()));
            }
        }
        ready(out)
    }

    fn message_by_hash<'a>(&'a self, hash: &'a str) -> StorageFuture<'a, Option<MessageRecord>> {
        let s = self.state();
        ready(
            s.by_hash
                .get(hash)
                .and_then(|id| s.messages.get(id))
                .cloned(),
        )
    }

    fn sync_mark<'a>(&'a self, content_topic: &'a str) -> StorageFuture<'a, Option<SyncMark>> {
        ready(self.state().sync.get(content_topic).cloned())
    }

    fn put_sync_mark(&self, mark: SyncMark) -> StorageFuture<'_, ()> {
        self.state().sync.insert(mark.content_topic.clone(), mark);
        ready(())
    }

    fn put_peer(&self, peer: PeerRecord) -> StorageFuture<'_, ()> {
        self.state().peers.insert(peer.multiaddr.clone(), peer);
        ready(())
    }

    fn remove_peer<'a>(&'a self, multiaddr: &'a str) -> StorageFuture<'a, ()> {
        self.state().peers.remove(multiaddr);
        ready(())
    }

    fn peers(&self) -> StorageFuture<'_, Vec<PeerRecord>> {
        let mut all: Vec<_> = self.state().peers.values().cloned().collect();
        crate::storage::sort_peers(&mut all);
        ready(all)
    }

    fn put_outbox(&self, entry: OutboxEntry) -> StorageFuture<'_, ()> {
        let mut s = self.state();
        s.outbox.retain(|(_, id), _| *id != entry.id);
        s.outbox.insert((entry.created_ms, entry.id.clone()), entry);
        ready(())
    }

    fn remove_outbox<'a>(&'a self, id: &'a str) -> StorageFuture<'a, ()> {
        self.state().outbox.retain(|(_, i), _| i != id);
        ready(())
    }

    fn outbox(&self) -> StorageFuture<'_, Vec<OutboxEntry>> {
        ready(self.state().outbox.values().cloned().collect())
    }

    fn put_secret(&self, secret: SecretRecord) -> StorageFuture<'_, ()> {
        self.state().secrets.insert(secret.name.clone(), secret);
        ready(())
    }

    fn secret<'a>(&'a self, name: &'a str) -> StorageFuture<'a, Option<SecretRecord>> {
        ready(self.state().secrets.get(name).cloned())
    }

    fn remove_secret<'a>(&'a self, name: &'a str) -> StorageFuture<'a, ()> {
        self.state().secrets.remove(name);
        ready(())
    }
}
