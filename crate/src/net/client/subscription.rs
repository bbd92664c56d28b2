//! A live subscription: the stream the app reads, and the task that holds it with its filter
//! peers (subscribe, ping, top up, refill from store after a loss, deduplicate).

use super::*;

/// A live subscription: a stream of messages; dropping it unsubscribes from every peer.
///
/// Bounded: at most [`ClientConfig::subscription_queue`] messages wait for the app. When the
/// queue is full, the newest messages are dropped (not the oldest: what the app has not read
/// yet stays in order) and counted in [`Subscription::dropped`]; the store still holds them,
/// so an app that sees the count grow queries the gap.
pub struct Subscription {
    pub(super) messages: mpsc::Receiver<Received>,
    pub(super) peers: mpsc::UnboundedReceiver<Vec<PeerId>>,
    pub(super) current_peers: Vec<PeerId>,
    pub(super) dropped: Arc<AtomicU64>,
    pub(super) _cancel: oneshot::Sender<()>,
}

impl Subscription {
    /// Messages dropped because the app did not read fast enough.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The filter peers held right now.
    pub fn peers(&mut self) -> &[PeerId] {
        while let Ok(p) = self.peers.try_recv() {
            self.current_peers = p;
        }
        &self.current_peers
    }
}

impl Stream for Subscription {
    type Item = Received;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Received>> {
        self.messages.poll_next_unpin(cx)
    }
}

/// Remembers the last `cap` hashes.
pub(super) struct Dedup {
    set: HashSet<MessageHash>,
    order: VecDeque<MessageHash>,
    cap: usize,
}

impl Dedup {
    pub(super) fn new(cap: usize) -> Self {
        Self {
            set: HashSet::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    /// True the first time a hash is seen.
    fn insert(&mut self, hash: MessageHash) -> bool {
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > self.cap
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// A subscribed peer and when we last knew it was delivering.
pub(super) struct Held {
    pub(super) last_good: runtime::SystemTime,
}

pub(super) struct FilterTask {
    pub(super) shared: Arc<Shared>,
    pub(super) id: u64,
    pub(super) pubsub_topic: String,
    pub(super) content_topics: Vec<String>,
    pub(super) shard: Option<u16>,
    pub(super) peers: HashMap<PeerId, Held>,
    pub(super) seen: Dedup,
    pub(super) last_error: Option<RequestError>,
    /// Told the peer set each time it changes (read by [`Subscription::peers`]).
    pub(super) peers_out: Option<mpsc::UnboundedSender<Vec<PeerId>>>,
    /// Shared with [`Subscription::dropped`].
    pub(super) dropped: Arc<AtomicU64>,
}

impl FilterTask {
    async fn control(&self, peer: PeerId, kind: filter::Request) -> Result<(), RequestError> {
        let topics: Vec<&[String]> = if kind == filter::Request::Ping {
            vec![&[]]
        } else {
            self.content_topics
                .chunks(filter::MAX_CONTENT_TOPICS_PER_REQUEST)
                .collect()
        };
        for batch in topics {
            let id = runtime::request_id();
            let topic = (kind != filter::Request::Ping).then_some(self.pubsub_topic.as_str());
            let body = filter::encode_request(kind, &id, topic, batch);
            let bytes = self
                .shared
                .ask(
                    peer,
                    filter::SUBSCRIBE_PROTOCOL,
                    &body,
                    self.shared.config.request_timeout,
                )
                .await?;
            filter::decode_response(&bytes, &id)
                .map_err(|c| RequestError::new(peer, filter::SUBSCRIBE_PROTOCOL, c))?;
        }
        Ok(())
    }

    pub(super) fn publish_peers(&self) {
        if let Some(out) = &self.peers_out {
            let mut peers: Vec<PeerId> = self.peers.keys().copied().collect();
            peers.sort();
            let _ = out.unbounded_send(peers);
        }
    }

    /// Subscribes with new peers until enough are held. Returns whether any was added.
    pub(super) async fn top_up(&mut self) -> bool {
        let wanted = self.shared.config.filter_peers.max(1);
        if self.peers.len() >= wanted {
            return false;
        }
        let mut added = false;
        let candidates = self
            .shared
            .candidates(filter::SUBSCRIBE_PROTOCOL, self.shard);
        for peer in candidates {
            if self.peers.len() >= wanted {
                break;
            }
            if self.peers.contains_key(&peer) {
                continue;
            }
            match self.control(peer, filter::Request::Subscribe).await {
                Ok(()) => {
                    tracing::debug!(%peer, topic = %self.pubsub_topic, "filter subscribed");
                    self.peers.insert(
                        peer,
                        Held {
                            last_good: runtime::SystemTime::now(),
                        },
                    );
                    added = true;
                    self.publish_peers();
                }
                Err(e) => {
                    tracing::debug!("filter subscribe failed: {e}");
                    self.last_error = Some(e);
                }
            }
        }
        added
    }

    /// Whether a message is one this subscription asked for.
    fn wants(&self, topic: &str, message: &WakuMessage) -> bool {
        topic == self.pubsub_topic && self.content_topics.contains(&message.content_topic)
    }

    fn deliver(
        &mut self,
        out: &mut mpsc::Sender<Received>,
        topic: String,
        message: WakuMessage,
        origin: Origin,
    ) {
        if !self.wants(&topic, &message) {
            tracing::debug!(?origin, topic, "message for another subscription dropped");
            return;
        }
        let hash = message.hash(&topic);
        if self.seen.insert(hash) {
            let received = Received {
                pubsub_topic: topic,
                message,
                hash,
                origin,
            };
            if let Err(e) = out.try_send(received)
                && e.is_full()
            {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// A peer is gone: replace it, then ask a store node for everything since it was last
    /// known good, delivered (deduplicated) before any live message that arrived meanwhile.
    /// The refill is bounded ([`ClientConfig::refill_max_pages`] per batch, a repeated cursor
    /// ends it, [`ClientConfig::refill_timeout`] in all), so a hostile store node delays live
    /// delivery by at most that long; what it sends is kept only if this subscription asked
    /// for it.
    async fn on_lost(&mut self, peer: PeerId, out: &mut mpsc::Sender<Received>) {
        let Some(held) = self.peers.remove(&peer) else {
            return;
        };
        self.publish_peers();
        tracing::debug!(%peer, "filter peer lost; refilling from store");
        self.top_up().await;
        let since = held
            .last_good
            .checked_sub(REFILL_MARGIN)
            .unwrap_or(held.last_good);
        let since_ns = since
            .duration_since(runtime::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let batches: Vec<Vec<String>> = self
            .content_topics
            .chunks(store::MAX_CONTENT_TOPICS)
            .map(<[String]>::to_vec)
            .collect();
        let deadline = self.shared.config.refill_timeout;
        let refill = async {
            for topics in batches {
                let query = store::StoreQuery::topics(self.pubsub_topic.clone(), topics)
                    .time_range(Some(since_ns), None)
                    .forward(true)
                    .page_size(store::MAX_PAGE_SIZE);
                let mut walk = CursorWalk::new(self.shared.config.refill_max_pages);
                let mut q = Some(query);
                while let Some(query) = q.take() {
                    match query_page(&self.shared, &query).await {
                        Ok((from, page)) => {
                            q = match walk.next(from, &query, &page) {
                                Ok(next) => next,
                                Err(e) => {
                                    tracing::warn!("refill after losing {peer} stopped: {e}");
                                    None
                                }
                            };
                            for m in page.messages {
                                if let Some(msg) = m.message {
                                    let topic =
                                        m.pubsub_topic.unwrap_or_else(|| self.pubsub_topic.clone());
                                    self.deliver(out, topic, msg, Origin::Store(from));
                                }
                            }
                        }
                        Err(e) => {
                            tracing::warn!("refill after losing {peer} failed: {e}");
                        }
                    }
                }
            }
        };
        if runtime::timeout(deadline, refill).await.is_none() {
            tracing::warn!("refill after losing {peer} timed out");
        }
    }

    pub(super) async fn run(
        mut self,
        mut pushes: mpsc::Receiver<(PeerId, String, WakuMessage)>,
        mut peer_events: mpsc::UnboundedReceiver<PeerEvent>,
        mut out: mpsc::Sender<Received>,
        cancel: oneshot::Receiver<()>,
    ) {
        let mut cancel = cancel.fuse();
        let mut ping_at = Instant::now() + self.shared.config.filter_ping_interval;
        // One timer across iterations: a steady flow of pushes must not keep postponing pings.
        let mut tick = Box::pin(runtime::sleep(TOP_UP_INTERVAL).fuse());
        loop {
            futures::select_biased! {
                _ = cancel => break,
                push = pushes.next() => match push {
                    Some((peer, topic, message)) => {
                        // Only the peers we subscribed with may push to us.
                        let Some(h) = self.peers.get_mut(&peer) else {
                            tracing::debug!(%peer, "push from a peer we hold no subscription with dropped");
                            continue;
                        };
                        h.last_good = runtime::SystemTime::now();
                        self.deliver(&mut out, topic, message, Origin::Filter(peer));
                    }
                    None => break,
                },
                event = peer_events.next() => match event {
                    Some(PeerEvent::Disconnected(peer)) => self.on_lost(peer, &mut out).await,
                    Some(PeerEvent::Connected) => { self.top_up().await; }
                    None => break,
                },
                () = tick => {
                    tick.set(runtime::sleep(TOP_UP_INTERVAL).fuse());
                    if Instant::now() >= ping_at {
                        ping_at = Instant::now() + self.shared.config.filter_ping_interval;
                        let peers: Vec<PeerId> = self.peers.keys().copied().collect();
                        for peer in peers {
                            match self.control(peer, filter::Request::Ping).await {
                                Ok(()) => {
                                    if let Some(h) = self.peers.get_mut(&peer) {
                                        h.last_good = runtime::SystemTime::now();
                                    }
                                }
                                Err(e) => {
                                    tracing::debug!("filter ping failed: {e}");
                                    self.on_lost(peer, &mut out).await;
                                }
                            }
                        }
                    }
                    self.top_up().await;
                },
            }
        }
        lock(&self.shared.filters).remove(&self.id);
        let peers: Vec<PeerId> = self.peers.keys().copied().collect();
        for peer in peers {
            let _ = self.control(peer, filter::Request::Unsubscribe).await;
        }
    }
}
