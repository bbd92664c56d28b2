//! The outbox, as matrix-sdk's send queue: what the user writes is stored before it is sent, goes
//! out to two lightpush peers, and leaves the outbox only when the network confirms it — a filter
//! echo of the same message id, or a store lookup by hash. A failed send stays, visible and
//! retryable; on the next start everything left is sent again. The Waku messages are stored as
//! first built, so a resend has the same hashes and the message is never delivered twice.

use std::time::Duration;

use futures::StreamExt;
use prost::Message as _;

use super::{Change, Client, ClientError, STEP_TIMEOUT, now_ms};
use crate::net::runtime;
use crate::protocols::{lightpush, store::StoreQuery};
use crate::status::codec::Outgoing;
use crate::storage::{MessageRecord, OutboxEntry, OutboxState, RECORD_VERSION};
use crate::waku::{MessageHash, WakuMessage};

/// Store lookups after a push before the entry is left for the next start (about 10 s).
pub const CONFIRM_TRIES: u32 = 5;
/// A stored message older than this is stamped again before it is sent: well inside the 20 s a
/// service node accepts.
pub const RESTAMP_AFTER_NS: i64 = 10_000_000_000;
pub const CONFIRM_INTERVAL: Duration = Duration::from_secs(2);

impl Client {
    /// Writes a built message to the outbox (before anything is sent) and tells open views.
    pub(crate) async fn enqueue(
        &self,
        pubsub_topic: &str,
        out: &Outgoing,
        record: MessageRecord,
    ) -> Result<OutboxEntry, ClientError> {
        let entry = OutboxEntry {
            v: RECORD_VERSION,
            id: record.id.clone(),
            pubsub_topic: pubsub_topic.to_string(),
            waku_messages: out.messages.iter().map(|m| m.encode_to_vec()).collect(),
            record,
            state: OutboxState::Queued,
            created_ms: now_ms(),
            attempts: 0,
        };
        self.inner.storage.put_outbox(entry.clone()).await?;
        self.notify_entry(&entry);
        Ok(entry)
    }

    fn notify_entry(&self, entry: &OutboxEntry) {
        self.notify(&[Change {
            chat_id: entry.record.chat_id.clone(),
            id: entry.record.body.target().unwrap_or(&entry.id).to_string(),
        }]);
    }

    /// Sends one entry and waits (boundedly) for confirmation. Returns its state afterwards:
    /// `None` when it was confirmed and left the outbox.
    pub(crate) async fn deliver(&self, mut entry: OutboxEntry) -> Option<OutboxState> {
        entry.attempts += 1;
        let mut messages = Vec::new();
        for bytes in &entry.waku_messages {
            match WakuMessage::decode(bytes.as_slice()) {
                Ok(m) => messages.push(m),
                Err(e) => {
                    entry.state = OutboxState::Failed {
                        reason: format!("the stored message is damaged: {e}"),
                    };
                    let _ = self.inner.storage.put_outbox(entry.clone()).await;
                    self.notify_entry(&entry);
                    return Some(entry.state);
                }
            }
        }
        // Service nodes refuse a message stamped more than 20 s from their clock (nwaku
        // `MaxMessageTimestampVariance`): one that waited in the outbox (offline, node down) goes
        // out stamped now. The Waku timestamp is outside the encryption, so nothing is re-sealed;
        // the Status message id, which receivers deduplicate by, does not change.
        let now = runtime::now_ns();
        for m in &mut messages {
            if m.timestamp
                .is_none_or(|t| now.saturating_sub(t) > RESTAMP_AFTER_NS)
            {
                m.timestamp = Some(now);
            }
        }
        let _ = self
            .inner
            .net
            .wait_for_peers(lightpush::PROTOCOL_V3, 1, STEP_TIMEOUT)
            .await;
        let mut failure = None;
        for m in &messages {
            let pushed =
                runtime::timeout(STEP_TIMEOUT, self.inner.net.push(&entry.pubsub_topic, m));
            match pushed.await {
                Some(Ok(_)) => {}
                Some(Err(e)) => failure = Some(e.to_string()),
                None => {
                    failure = Some(format!(
                        "no peer answered within {} s",
                        STEP_TIMEOUT.as_secs()
                    ))
                }
            }
        }
        // The entry may have been confirmed by an echo meanwhile.
        if !self.in_outbox(&entry.id).await {
            return None;
        }
        if let Some(reason) = failure {
            entry.state = OutboxState::Failed { reason };
            let _ = self.inner.storage.put_outbox(entry.clone()).await;
            self.notify_entry(&entry);
            return Some(entry.state);
        }
        entry.state = OutboxState::Pushed;
        let _ = self.inner.storage.put_outbox(entry.clone()).await;
        let hashes: Vec<MessageHash> = messages
            .iter()
            .map(|m| m.hash(&entry.pubsub_topic))
            .collect();
        for _ in 0..CONFIRM_TRIES {
            if !self.in_outbox(&entry.id).await {
                return None;
            }
            if self.stored_remotely(&hashes).await {
                let _ = self.accept(vec![entry.record.clone()]).await;
                let _ = self.inner.storage.remove_outbox(&entry.id).await;
                self.notify_entry(&entry);
                return None;
            }
            runtime::sleep(CONFIRM_INTERVAL).await;
        }
        Some(entry.state)
    }

    async fn in_outbox(&self, id: &str) -> bool {
        self.inner
            .storage
            .outbox()
            .await
            .is_ok_and(|o| o.iter().any(|e| e.id == id))
    }

    /// Whether a store node holds every one of `hashes`.
    async fn stored_remotely(&self, hashes: &[MessageHash]) -> bool {
        let query = StoreQuery::hashes(hashes.iter().copied()).include_data(false);
        let found = async {
            let mut pages = std::pin::pin!(self.inner.net.query(query));
            let mut n = 0;
            while let Some(Ok(page)) = pages.next().await {
                n += page.messages.len();
            }
            n
        };
        runtime::timeout(STEP_TIMEOUT, found)
            .await
            .is_some_and(|n| n >= hashes.len())
    }

    /// Sends again everything the outbox holds, oldest first (called at start).
    pub(crate) async fn resend_outbox(&self) {
        let Ok(entries) = self.inner.storage.outbox().await else {
            return;
        };
        for entry in entries {
            self.deliver(entry).await;
        }
    }

    /// Sends a failed or waiting message again.
    pub async fn retry(&self, id: &str) -> Result<Option<OutboxState>, ClientError> {
        let entries = self.inner.storage.outbox().await?;
        let entry = entries
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| ClientError::UnknownMessage { id: id.to_string() })?;
        Ok(self.deliver(entry).await)
    }

    /// What the outbox holds now.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, ClientError> {
        Ok(self.inner.storage.outbox().await?)
    }
}
