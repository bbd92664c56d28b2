//! A channel: its timeline (stored items first, then the offline inbox, then live), loading older
//! history, and posting (send, react, edit, delete) through the outbox.

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::channel::mpsc;
use futures::{FutureExt, SinkExt, Stream, StreamExt};

use super::archives::{ArchiveCursor, ArchiveStep};
use super::community::{Community, may_pin, may_post, shard_topic};
use super::ingest::{Ingested, ingest, reaction_kind};
use super::item::{FoldContext, fold_item};
use super::types::*;
use super::{Client, ClientError, STEP_TIMEOUT, lock, now_ms, universal_chat_id};
use crate::net::runtime;
use crate::protocols::store::StoreQuery;
use crate::status::chat::{ChatMessage, DeleteMessage, EditMessage, EmojiReaction, MessageType};
use crate::status::codec::{Outgoing, encode_chat_message};
use crate::status::keys::content_topic;
use crate::status::outgoing;
use crate::storage::{MessageBody, MessageRecord, OrderKey, OutboxState, RECORD_VERSION, SyncMark};
use crate::waku::WakuMessage;

/// Items in the first screen, from storage.
pub const FIRST_PAGE: usize = 100;
/// Store pages per request; nwaku serves at most 100.
pub const STORE_PAGE_SIZE: u64 = 50;
/// On a first visit the inbox reads only this many pages (newest first): the first screen needs
/// only the newest messages; older ones come with `load_older`.
pub const FIRST_VISIT_PAGES: usize = 4;
/// A bound on any one history walk, whatever cursors a store node hands out.
pub const MAX_PAGES: usize = 200;
/// At most this many archives are read for one `load_older` (each is up to a week).
pub const MAX_ARCHIVES_PER_LOAD: usize = 4;
/// Sync marks are moved back by this much before the next inbox query: nodes accept messages
/// stamped up to 20 s off their clock (nwaku `MaxMessageTimestampVariance`).
pub const SYNC_MARGIN: Duration = Duration::from_secs(20);

/// A channel of a community. Cheap to clone.
#[derive(Clone)]
pub struct Channel {
    community: Community,
    uuid: String,
    chat_id: String,
}

/// A channel's timeline: a stream of [`TimelineEvent`]s, plus `load_older`. Dropping it stops the
/// work behind it (and its filter subscription).
pub struct Timeline {
    events: mpsc::Receiver<TimelineEvent>,
    commands: mpsc::UnboundedSender<usize>,
}

impl Timeline {
    /// Asks for `n` older items; they arrive as [`TimelineEvent::Older`], with progress events on
    /// the way. Returns false when the timeline has stopped.
    pub fn load_older(&self, n: usize) -> bool {
        self.commands.unbounded_send(n.max(1)).is_ok()
    }
}

impl Stream for Timeline {
    type Item = TimelineEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TimelineEvent>> {
        self.events.poll_next_unpin(cx)
    }
}

impl Channel {
    pub(crate) fn new(community: Community, uuid: String) -> Self {
        let chat_id = format!("{}{uuid}", community.id());
        Self {
            community,
            uuid,
            chat_id,
        }
    }

    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Community id + uuid, the `chat_id` its messages carry.
    pub fn chat_id(&self) -> &str {
        &self.chat_id
    }

    fn client(&self) -> &Client {
        self.community.client()
    }

    /// The content topics the channel's messages travel on: the community's universal chat (where
    /// current status-go sends) and the channel's own (older senders, status-web).
    pub fn content_topics(&self) -> Vec<String> {
        vec![
            content_topic(&universal_chat_id(self.community.id())).to_string(),
            content_topic(&self.chat_id).to_string(),
        ]
    }

    /// See [`Timeline`]: stored items first, then everything since the sync mark from store, then
    /// live messages.
    pub fn timeline(&self) -> Timeline {
        let (tx, events) = mpsc::channel(64);
        let (commands, command_rx) = mpsc::unbounded();
        let this = self.clone();
        runtime::spawn(async move {
            this.run(tx, command_rx).await;
        });
        Timeline { events, commands }
    }

    /// One item as it stands now (stored or in the outbox), with everything applied to it.
    pub async fn item(&self, id: &str) -> Option<TimelineItem> {
        self.build_items(&[id.to_string()]).await.into_iter().next()
    }

    // -----------------------------------------------------------------------------------------
    // Reading

    async fn run(
        self,
        mut tx: mpsc::Sender<TimelineEvent>,
        mut commands: mpsc::UnboundedReceiver<usize>,
    ) {
        let progress = |p| TimelineEvent::Progress { progress: p };
        if tx.send(progress(SyncProgress::Stored)).await.is_err() {
            return;
        }
        let mut watch = self.client().watch();
        let stored = self
            .client()
            .storage()
            .messages(&self.chat_id, None, FIRST_PAGE)
            .await
            .unwrap_or_default();
        let mut oldest: Option<OrderKey> = stored.first().map(MessageRecord::order_key);
        let ids: Vec<String> = stored.iter().map(|r| r.id.clone()).collect();
        let mut items = self.build_items(&ids).await;
        items.extend(self.pending_items().await);
        if tx.send(TimelineEvent::Stored { items }).await.is_err() {
            return;
        }

        let live = self
            .client()
            .inner
            .net
            .subscribe(&shard_topic(32), self.content_topics())
            .await;
        let mut live = match live {
            Ok(sub) => sub.boxed(),
            Err(e) => {
                let _ = tx
                    .send(progress(SyncProgress::Failed {
                        step: "live messages".into(),
                        reason: e.to_string(),
                        retry_in_ms: None,
                    }))
                    .await;
                futures::stream::pending().boxed()
            }
        }
        .fuse();
        let (inbox_tx, mut inbox_progress) = mpsc::unbounded();
        let walker = self.clone();
        let mut inbox = FinishInBackground(Some(Box::pin(
            async move { walker.inbox(inbox_tx).await }.fuse(),
        )));
        let mut archives = ArchiveCursor::default();
        loop {
            // Biased, in this order: changes already stored are shown before the inbox reports
            // it is done, so "live" always comes after everything the inbox brought.
            let event = futures::select_biased! {
                change = watch.next() => {
                    let Some(change) = change else { break };
                    // A page of history announces up to 50 changes at once: fold them together
                    // (one read of the outbox, one of the annotations) rather than one by one.
                    let mut ids = Vec::new();
                    let mut seen = HashSet::new();
                    let mut next = Some(change);
                    while let Some(c) = next {
                        if c.chat_id == self.chat_id && seen.insert(c.id.clone()) {
                            ids.push(c.id);
                        }
                        next = watch.try_recv().ok();
                    }
                    for item in self.build_items(&ids).await {
                        if tx.send(TimelineEvent::Upsert { item }).await.is_err() {
                            return;
                        }
                    }
                    None
                }
                received = live.next() => {
                    let Some(r) = received else { break };
                    self.take(&r.pubsub_topic, &r.message).await;
                    None
                }
                n = commands.next() => {
                    let Some(n) = n else { break };
                    let (items, complete) = self
                        .load_older(oldest.as_ref(), n, &mut tx, &mut archives)
                        .await;
                    if let Some(first) = items.first() {
                        oldest = Some(OrderKey::new(first.clock, first.timestamp_ms, &first.id));
                    }
                    Some(TimelineEvent::Older { items, complete })
                }
                p = inbox_progress.next() => p.map(progress),
                result = inbox.running() => {
                    // What the inbox stored was announced while it ran: show all of it before
                    // saying "live".
                    let mut ids = Vec::new();
                    let mut seen = HashSet::new();
                    while let Ok(change) = watch.try_recv() {
                        if change.chat_id == self.chat_id && seen.insert(change.id.clone()) {
                            ids.push(change.id);
                        }
                    }
                    for item in self.build_items(&ids).await {
                        if tx.send(TimelineEvent::Upsert { item }).await.is_err() {
                            return;
                        }
                    }
                    match result {
                        Ok(()) => Some(progress(SyncProgress::Live)),
                        Err(reason) => Some(progress(SyncProgress::Failed {
                            step: "messages since your last visit".into(),
                            reason,
                            retry_in_ms: None,
                        })),
                    }
                }
            };
            if let Some(event) = event
                && tx.send(event).await.is_err()
            {
                return;
            }
        }
    }

    /// Decodes one message of the channel's topics and keeps what it was.
    async fn take(&self, pubsub_topic: &str, msg: &WakuMessage) {
        let ingested = {
            let keys = self
                .client()
                .keys_for(self.community.key(), &self.known_uuids());
            let hash = msg.hash(pubsub_topic).to_string();
            let mut segments = lock(&self.client().inner.segments);
            ingest(
                msg,
                pubsub_topic,
                &hash,
                self.community.key(),
                &keys,
                &mut segments,
                now_ms(),
            )
        };
        if let Ingested::Message(record) = ingested {
            let _ = self.client().accept(vec![*record]).await;
        }
    }

    fn known_uuids(&self) -> Vec<String> {
        let mut uuids = self.community.channel_uuids();
        if !uuids.contains(&self.uuid) {
            uuids.push(self.uuid.clone());
        }
        uuids
    }

    /// Everything since the sync mark (or, on a first visit, the newest pages), paged with
    /// progress. The mark moves only when the range is complete.
    async fn inbox(&self, progress: mpsc::UnboundedSender<SyncProgress>) -> Result<(), String> {
        let storage = self.client().storage().clone();
        let topics = self.content_topics();
        let mut marks = Vec::new();
        for t in &topics {
            marks.push(storage.sync_mark(t).await.ok().flatten());
        }
        let since = if marks.iter().all(Option::is_some) {
            marks.iter().flatten().map(|m| m.complete_until_ns).min()
        } else {
            None
        };
        let now = runtime::now_ns();
        let margin = i64::try_from(SYNC_MARGIN.as_nanos()).unwrap_or(0);
        let query = StoreQuery::topics(shard_topic(32), topics.clone())
            .time_range(since.map(|s| s - margin), Some(now + margin))
            .page_size(STORE_PAGE_SIZE);
        let max_pages = if since.is_some() {
            MAX_PAGES
        } else {
            FIRST_VISIT_PAGES
        };
        let (pages, messages) = self
            .walk(
                query,
                max_pages,
                |pages, messages| {
                    let _ = progress.unbounded_send(SyncProgress::Inbox { pages, messages });
                },
                &mut None,
            )
            .await?;
        let _ = (pages, messages);
        for t in topics {
            let _ = storage
                .put_sync_mark(SyncMark {
                    v: RECORD_VERSION,
                    content_topic: t,
                    complete_until_ns: now,
                })
                .await;
        }
        Ok(())
    }

    /// Follows a query's pages (each with a deadline, at most `max_pages`, a repeated cursor
    /// ends it), keeping what they hold and lowering `oldest_ns` to the oldest message seen.
    /// Returns (pages, messages) read, or why it stopped.
    async fn walk(
        &self,
        query: StoreQuery,
        max_pages: usize,
        mut on_page: impl FnMut(u32, u32),
        oldest_ns: &mut Option<i64>,
    ) -> Result<(u32, u32), String> {
        let mut stream = std::pin::pin!(self.client().inner.net.query(query));
        let mut seen_cursors = HashSet::new();
        let (mut pages, mut messages) = (0u32, 0u32);
        for _ in 0..max_pages {
            let page = match runtime::timeout(STEP_TIMEOUT, stream.next()).await {
                None => {
                    return Err(format!(
                        "no store node answered within {} s",
                        STEP_TIMEOUT.as_secs()
                    ));
                }
                Some(None) => break,
                Some(Some(Err(e))) => return Err(e.to_string()),
                Some(Some(Ok(page))) => page,
            };
            pages += 1;
            let mut records = Vec::new();
            let keys = self
                .client()
                .keys_for(self.community.key(), &self.known_uuids());
            for stored in page.messages {
                let (Some(msg), Some(pubsub)) = (stored.message, stored.pubsub_topic) else {
                    continue;
                };
                messages += 1;
                if let Some(t) = msg.timestamp {
                    *oldest_ns = Some(oldest_ns.map_or(t, |o| o.min(t)));
                }
                let mut segments = lock(&self.client().inner.segments);
                if let Ingested::Message(r) = ingest(
                    &msg,
                    &pubsub,
                    &stored.hash.to_string(),
                    self.community.key(),
                    &keys,
                    &mut segments,
                    now_ms(),
                ) {
                    records.push(*r);
                }
            }
            let _ = self.client().accept(records).await;
            on_page(pages, messages);
            match page.cursor {
                None => break,
                Some(c) if !seen_cursors.insert(c) => break,
                Some(_) => {}
            }
        }
        Ok((pages, messages))
    }

    /// `n` items older than `before`: from storage, from store when storage runs out, and from
    /// the community's archives when store has nothing older.
    async fn load_older(
        &self,
        before: Option<&OrderKey>,
        n: usize,
        tx: &mut mpsc::Sender<TimelineEvent>,
        archives: &mut ArchiveCursor,
    ) -> (Vec<TimelineItem>, bool) {
        let storage = self.client().storage().clone();
        let stored = storage
            .messages(&self.chat_id, before, n)
            .await
            .unwrap_or_default();
        let mut complete = false;
        if stored.len() < n {
            let end_ns = stored
                .first()
                .map(|r| r.timestamp_ms)
                .or_else(|| before.and_then(|b| u64::from_str_radix(b.0.get(16..32)?, 16).ok()))
                .map_or(runtime::now_ns(), |ms| {
                    i64::try_from(ms).unwrap_or(0) * 1_000_000
                });
            // Pages of other channels' messages (the universal topic carries them all) move the
            // end back too, so that the next walk does not read the same pages again.
            // Store's end time is inclusive (nwaku): one nanosecond before the oldest seen.
            let end_ns = archives
                .store_oldest_ns
                .map_or(end_ns, |o| (o - 1).min(end_ns));
            let query = StoreQuery::topics(shard_topic(32), self.content_topics())
                .time_range(None, Some(end_ns))
                .page_size(STORE_PAGE_SIZE);
            let mut updates = Vec::new();
            let walked = self
                .walk(
                    query,
                    (n / STORE_PAGE_SIZE as usize + 1).min(MAX_PAGES),
                    |pages, messages| {
                        updates.push(SyncProgress::Older { pages, messages });
                    },
                    &mut archives.store_oldest_ns,
                )
                .await;
            for p in updates {
                let _ = tx.send(TimelineEvent::Progress { progress: p }).await;
            }
            match walked {
                Ok((_, 0)) => complete = true,
                Ok(_) => {}
                Err(reason) => {
                    let _ = tx
                        .send(TimelineEvent::Progress {
                            progress: SyncProgress::Failed {
                                step: "older messages".into(),
                                reason,
                                retry_in_ms: None,
                            },
                        })
                        .await;
                }
            }
        }
        let mut records = storage
            .messages(&self.chat_id, before, n)
            .await
            .unwrap_or_default();
        if complete && records.len() < n {
            // Store has nothing older: the archives go on from here, newest first.
            let before_s = records
                .first()
                .map(|r| r.timestamp_ms)
                .or_else(|| before.and_then(|b| u64::from_str_radix(b.0.get(16..32)?, 16).ok()))
                .map_or(now_ms(), |ms| ms)
                / 1000
                + 1;
            for _ in 0..MAX_ARCHIVES_PER_LOAD {
                let next = archives.next(&self.community, before_s).await;
                let failed = |reason| TimelineEvent::Progress {
                    progress: SyncProgress::Failed {
                        step: "reading the archive".into(),
                        reason,
                        retry_in_ms: None,
                    },
                };
                let planned = match next {
                    Ok(Some((
                        planned,
                        ArchiveStep::Reading {
                            from_s,
                            to_s,
                            bytes_fetched,
                            data_len,
                        },
                    ))) => {
                        let progress = SyncProgress::Archive {
                            from_s,
                            to_s,
                            bytes_fetched,
                            data_len,
                        };
                        let _ = tx.send(TimelineEvent::Progress { progress }).await;
                        planned
                    }
                    Ok(None) => {
                        complete = true;
                        break;
                    }
                    Err(reason) => {
                        complete = false;
                        let _ = tx.send(failed(reason)).await;
                        break;
                    }
                };
                complete = false;
                if let Err(reason) = archives.read(&self.community, &planned).await {
                    let _ = tx.send(failed(reason)).await;
                    break;
                }
                let had = records.len();
                records = storage
                    .messages(&self.chat_id, before, n)
                    .await
                    .unwrap_or_default();
                // A week that brought something of this channel is shown at once (the next
                // `load_older` reads the week before); one that brought nothing is passed over.
                if records.len() > had {
                    break;
                }
            }
        }
        // Nothing older exists only when store and the archives had nothing more and storage
        // could not fill `n`.
        let complete = complete && records.len() < n;
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        (self.build_items(&ids).await, complete)
    }

    /// Items for stored (or outbox) message ids, each folded with its annotations, in the order
    /// given.
    async fn build_items(&self, ids: &[String]) -> Vec<TimelineItem> {
        let client = self.client();
        let storage = client.storage().clone();
        let outbox = storage.outbox().await.unwrap_or_default();
        let me = client.public_key();
        let description = client.description(self.community.id());
        let pin_rule = |k: &str| may_pin(description.as_ref(), k);
        let cx = FoldContext {
            me: me.as_deref(),
            may_pin: &pin_rule,
        };
        let mut records: Vec<(MessageRecord, SendState)> = Vec::new();
        for id in ids {
            if let Ok(Some(r)) = storage.message(id).await {
                let state = if Some(&r.author) == me.as_ref() {
                    SendState::Sent
                } else {
                    SendState::Received
                };
                records.push((r, state));
            } else if let Some(e) = outbox.iter().find(|e| &e.id == id) {
                records.push((e.record.clone(), send_state(&e.state)));
            }
        }
        // Messages from keys Status would not show (not members, banned) are kept in storage but
        // not shown: a later description that lists their author shows them.
        let records: Vec<_> = records
            .into_iter()
            .filter(|(r, _)| r.chat_id == self.chat_id && r.body.target().is_none())
            .filter(|(r, state)| {
                !matches!(state, SendState::Received)
                    || description.as_ref().is_none_or(|v| may_post(v, &r.author))
            })
            .collect();
        let mut targets: Vec<String> = records.iter().map(|(r, _)| r.id.clone()).collect();
        let reply_ids: Vec<String> = records
            .iter()
            .filter_map(|(r, _)| match &r.body {
                MessageBody::Chat { response_to, .. } => response_to.clone(),
                _ => None,
            })
            .collect();
        let mut replies: HashMap<String, MessageRecord> = HashMap::new();
        for id in &reply_ids {
            if let Ok(Some(r)) = storage.message(id).await {
                replies.insert(id.clone(), r);
            }
        }
        targets.extend(reply_ids);
        let mut annotations: HashMap<String, Vec<MessageRecord>> = HashMap::new();
        for a in storage
            .annotations(&self.chat_id, &targets)
            .await
            .unwrap_or_default()
            .into_iter()
            .chain(
                outbox
                    .iter()
                    .map(|e| e.record.clone())
                    .filter(|r| r.body.target().is_some()),
            )
        {
            // Reactions, edits and deletes follow the same rule as messages (edits and deletes
            // are checked against the author again when folded).
            if Some(&a.author) != me.as_ref()
                && description
                    .as_ref()
                    .is_some_and(|v| !may_post(v, &a.author))
            {
                continue;
            }
            if let Some(t) = a.body.target() {
                annotations.entry(t.to_string()).or_default().push(a);
            }
        }
        let empty = Vec::new();
        records
            .iter()
            .filter_map(|(r, state)| {
                let reply = match &r.body {
                    MessageBody::Chat {
                        response_to: Some(id),
                        ..
                    } => replies
                        .get(id)
                        .map(|rr| (rr, annotations.get(id).unwrap_or(&empty).as_slice())),
                    _ => None,
                };
                fold_item(
                    r,
                    annotations.get(&r.id).unwrap_or(&empty),
                    reply,
                    state.clone(),
                    &cx,
                )
            })
            .collect()
    }

    /// Our chat messages for this channel still in the outbox, oldest first.
    async fn pending_items(&self) -> Vec<TimelineItem> {
        let outbox = self.client().storage().outbox().await.unwrap_or_default();
        let ids: Vec<String> = outbox
            .iter()
            .filter(|e| e.record.chat_id == self.chat_id && e.record.body.target().is_none())
            .map(|e| e.id.clone())
            .collect();
        self.build_items(&ids).await
    }

    // -----------------------------------------------------------------------------------------
    // Posting

    /// Checks that our identity may post here, as Status apps will check it on receipt.
    fn check_can_post(&self) -> Result<super::Me, ClientError> {
        let me = self.client().me().ok_or(ClientError::NoIdentity)?;
        let v = self
            .client()
            .description(self.community.id())
            .ok_or(ClientError::CommunityNotLoaded)?;
        let d = v.description();
        let key = me.key.public_key().to_uncompressed_hex();
        if d.banned_members.contains(&key) {
            return Err(ClientError::Banned);
        }
        if !d.members.contains_key(&key) && v.community().to_uncompressed_hex() != key {
            return Err(ClientError::NotMember);
        }
        if !d.channels.iter().any(|c| c.uuid == self.uuid) {
            return Err(ClientError::UnknownChannel {
                uuid: self.uuid.clone(),
            });
        }
        Ok(me)
    }

    async fn post(
        &self,
        me: &super::Me,
        out: Outgoing,
        clock: u64,
        body: MessageBody,
    ) -> Result<SendState, ClientError> {
        let pubsub = shard_topic(32);
        let hash = out
            .messages
            .first()
            .map(|m| m.hash(&pubsub).to_string())
            .unwrap_or_default();
        let record = MessageRecord {
            v: RECORD_VERSION,
            id: crate::status::envelope::message_id_hex(&out.id),
            community: self.community.id().to_string(),
            chat_id: self.chat_id.clone(),
            author: me.key.public_key().to_uncompressed_hex(),
            clock,
            timestamp_ms: now_ms(),
            hash,
            body,
        };
        let entry = self.client().enqueue(&pubsub, &out, record).await?;
        Ok(match self.client().deliver(entry).await {
            None => SendState::Sent,
            Some(state) => send_state(&state),
        })
    }

    fn universal_key(&self) -> crate::status::codec::ChatKey {
        self.client()
            .chat_key(&universal_chat_id(self.community.id()))
    }

    /// Sends a message (markdown text), optionally as a reply. The item is in the timeline as
    /// pending before anything goes out; the returned item has the state the send reached.
    pub async fn send(
        &self,
        text: &str,
        reply_to: Option<&str>,
    ) -> Result<TimelineItem, ClientError> {
        let me = self.check_can_post()?;
        let clock = self.client().next_clock();
        let now = now_ms();
        let mut msg = ChatMessage::text(&self.chat_id, text, clock, now);
        msg.response_to = reply_to.map(str::to_string);
        msg.display_name = me.display_name.clone();
        let out = encode_chat_message(&msg, &me.key, &self.universal_key(), runtime::now_ns())?;
        let id = crate::status::envelope::message_id_hex(&out.id);
        let body = MessageBody::Chat {
            text: text.to_string(),
            content_type: msg.content_type as i32,
            response_to: msg.response_to.clone(),
            display_name: msg.display_name.clone(),
            image: None,
        };
        self.post(&me, out, clock, body).await?;
        self.item(&id)
            .await
            .ok_or(ClientError::UnknownMessage { id })
    }

    /// Reacts with `emoji` (Status's six classic ones travel with their kind too), or withdraws
    /// our reaction with `retract`.
    pub async fn react(
        &self,
        message_id: &str,
        emoji: &str,
        retract: bool,
    ) -> Result<SendState, ClientError> {
        let me = self.check_can_post()?;
        let clock = self.client().next_clock();
        let reaction = EmojiReaction {
            clock,
            chat_id: self.chat_id.clone(),
            message_id: message_id.to_string(),
            message_type: MessageType::CommunityChat,
            kind: reaction_kind(emoji),
            emoji: emoji.to_string(),
            retracted: retract,
        };
        let out = outgoing::encode_emoji_reaction(
            &reaction,
            &me.key,
            &self.universal_key(),
            runtime::now_ns(),
        )?;
        let body = MessageBody::Reaction {
            target: message_id.to_string(),
            emoji: emoji.to_string(),
            retracted: retract,
        };
        self.post(&me, out, clock, body).await
    }

    async fn own_message(&self, me: &super::Me, message_id: &str) -> Result<(), ClientError> {
        let record = self
            .client()
            .storage()
            .message(message_id)
            .await?
            .ok_or_else(|| ClientError::UnknownMessage {
                id: message_id.to_string(),
            })?;
        if record.author != me.key.public_key().to_uncompressed_hex() {
            return Err(ClientError::NotAuthor);
        }
        Ok(())
    }

    /// Replaces the text of one of our messages.
    pub async fn edit(&self, message_id: &str, text: &str) -> Result<SendState, ClientError> {
        let me = self.check_can_post()?;
        self.own_message(&me, message_id).await?;
        let clock = self.client().next_clock();
        let edit = EditMessage {
            clock,
            chat_id: self.chat_id.clone(),
            message_id: message_id.to_string(),
            text: text.to_string(),
            message_type: MessageType::CommunityChat,
            content_type: crate::status::chat::ContentType::TextPlain,
            unfurled_links: Vec::new(),
            unfurled_status_links: Vec::new(),
        };
        let out = outgoing::encode_edit_message(
            &edit,
            &me.key,
            &self.universal_key(),
            runtime::now_ns(),
        )?;
        let body = MessageBody::Edit {
            target: message_id.to_string(),
            text: text.to_string(),
        };
        self.post(&me, out, clock, body).await
    }

    /// Deletes one of our messages.
    pub async fn delete(&self, message_id: &str) -> Result<SendState, ClientError> {
        let me = self.check_can_post()?;
        self.own_message(&me, message_id).await?;
        let clock = self.client().next_clock();
        let delete = DeleteMessage {
            clock,
            chat_id: self.chat_id.clone(),
            message_id: message_id.to_string(),
            message_type: MessageType::CommunityChat,
            deleted_by: None,
        };
        let out = outgoing::encode_delete_message(
            &delete,
            &me.key,
            &self.universal_key(),
            runtime::now_ns(),
        )?;
        let body = MessageBody::Delete {
            target: message_id.to_string(),
        };
        self.post(&me, out, clock, body).await
    }
}

fn send_state(state: &OutboxState) -> SendState {
    match state {
        OutboxState::Queued | OutboxState::Pushed => SendState::Pending,
        OutboxState::Failed { reason } => SendState::Failed {
            reason: reason.clone(),
        },
    }
}

/// The catch-up walk outlives the view that started it. Dropped halfway it would drop IndexedDB
/// callbacks whose requests are still in flight (the browser then calls freed closures and the
/// page logs errors), and the pages it has yet to store are the next visit's head start.
struct FinishInBackground<F: std::future::Future + MaybeSend + 'static>(
    Option<Pin<Box<futures::future::Fuse<F>>>>,
);

impl<F: std::future::Future + MaybeSend + 'static> FinishInBackground<F> {
    /// The walk, to poll in the timeline's loop (it is there until dropped).
    fn running(&mut self) -> &mut Pin<Box<futures::future::Fuse<F>>> {
        self.0.as_mut().expect("present until the guard is dropped")
    }
}

impl<F: std::future::Future + MaybeSend + 'static> Drop for FinishInBackground<F> {
    fn drop(&mut self) {
        use futures::future::FusedFuture;
        if let Some(walk) = self.0.take()
            && !walk.is_terminated()
        {
            spawn_walk(walk);
        }
    }
}

fn spawn_walk<F: std::future::Future + MaybeSend + 'static>(
    walk: Pin<Box<futures::future::Fuse<F>>>,
) {
    runtime::spawn(async move {
        let _ = walk.await;
    });
}

/// `Send` where the executor needs it (tokio natively), nothing in the browser.
#[cfg(not(target_arch = "wasm32"))]
trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> MaybeSend for T {}
#[cfg(target_arch = "wasm32")]
trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSend for T {}
