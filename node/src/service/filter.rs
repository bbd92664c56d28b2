//! Filter v2 server (nwaku `waku_filter_v2/`): subscriptions per peer, one long-lived push stream
//! per subscriber, expiry without pings, and nwaku's limits and status codes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::AsyncWriteExt;
use hearth::net::rpc::FrameBody;
use hearth::net::write_message;
use hearth::proto::waku::filter::v2::{
    FilterSubscribeRequest, FilterSubscribeResponse, MessagePush,
    filter_subscribe_request::FilterSubscribeType,
};
use hearth::protocols::RATE_LIMITED_REQUEST_ID;
use hearth::protocols::filter::{
    MAX_CONTENT_TOPICS_PER_REQUEST, PUSH_PROTOCOL, PUSH_TIMEOUT, SUBSCRIPTION_TTL, StatusCode,
    TOO_MANY_REQUESTS_DESC,
};
use hearth::waku::{PubsubTopic, WakuMessage};
use libp2p::{PeerId, Stream, StreamProtocol};
use prost::Message;
use tokio::sync::mpsc;

use super::rate_limit::Limited;
use super::{Hub, lock};

/// Pushes waiting for one slow subscriber; beyond this they are dropped for that subscriber (its
/// client refills from store), so one stalled browser cannot grow the node's memory.
const PUSH_QUEUE: usize = 256;

/// One peer's criteria, kept as pubsub topic → content topics: the pubsub topic is parsed and
/// held once per peer, not copied into every criterion.
struct Subscriber {
    criteria: HashMap<PubsubTopic, HashSet<String>>,
    /// Content topics across `criteria`.
    count: usize,
    last_seen: Instant,
    push: mpsc::Sender<MessagePush>,
}

/// Every filter subscription the node holds, bounded three ways: peers served
/// (`filter-max-peers-to-serve`), criteria per peer (`filter-max-criteria`), both nwaku's, and
/// criteria in total (ours: nwaku's bound is only their product, a million).
pub struct FilterRegistry {
    subscribers: HashMap<PeerId, Subscriber>,
    max_peers: usize,
    max_criteria: usize,
    max_total: usize,
    /// Criteria across all subscribers.
    total: usize,
    /// The pubsub topics this node serves; a subscription for any other is refused.
    served: HashSet<PubsubTopic>,
    /// Opens push streams; absent in unit tests, where pushes are only counted.
    streams: Option<libp2p_stream::Control>,
}

impl FilterRegistry {
    pub fn new(
        max_peers: usize,
        max_criteria: usize,
        max_total: usize,
        served: impl IntoIterator<Item = PubsubTopic>,
        streams: Option<libp2p_stream::Control>,
    ) -> Self {
        Self {
            subscribers: HashMap::new(),
            max_peers,
            max_criteria,
            max_total,
            total: 0,
            served: served.into_iter().collect(),
            streams,
        }
    }

    pub fn subscriber_count(&self) -> usize {
        self.subscribers.len()
    }

    pub fn criteria_count(&self) -> usize {
        self.total
    }

    fn remove_peer(&mut self, peer: &PeerId) -> bool {
        match self.subscribers.remove(peer) {
            Some(s) => {
                self.total -= s.count;
                true
            }
            None => false,
        }
    }

    /// Applies one request; returns the status and its description.
    fn handle(
        &mut self,
        peer: PeerId,
        req: &FilterSubscribeRequest,
        now: Instant,
    ) -> (StatusCode, String) {
        const NO_SUBSCRIPTIONS: &str = "peer has no subscriptions";
        let Ok(kind) = FilterSubscribeType::try_from(req.filter_subscribe_type) else {
            return (
                StatusCode::BadRequest,
                format!("unknown request type {}", req.filter_subscribe_type),
            );
        };
        let needs_criteria = matches!(
            kind,
            FilterSubscribeType::Subscribe | FilterSubscribeType::Unsubscribe
        );
        let pubsub = req.pubsub_topic.as_deref().unwrap_or_default();
        if needs_criteria && (pubsub.is_empty() || req.content_topics.is_empty()) {
            return (
                StatusCode::BadRequest,
                "pubsubTopic and contentTopics must be specified".into(),
            );
        }
        if needs_criteria && req.content_topics.len() > MAX_CONTENT_TOPICS_PER_REQUEST {
            return (
                StatusCode::BadRequest,
                format!("exceeds maximum content topics: {MAX_CONTENT_TOPICS_PER_REQUEST}"),
            );
        }
        // Parsed and checked before anything is kept: a topic we do not serve would never
        // receive a message, and an unparsed one could be any 64 KiB string.
        let topic = if needs_criteria {
            match pubsub.parse::<PubsubTopic>() {
                Ok(t) if self.served.contains(&t) => Some(t),
                Ok(t) => {
                    return (
                        StatusCode::BadRequest,
                        format!("pubsub topic {t} is not served"),
                    );
                }
                Err(e) => return (StatusCode::BadRequest, format!("pubsub topic: {e}")),
            }
        } else {
            None
        };
        match (kind, topic) {
            (FilterSubscribeType::SubscriberPing, _) => match self.subscribers.get_mut(&peer) {
                Some(s) => {
                    s.last_seen = now;
                    (StatusCode::Ok, "OK".into())
                }
                None => (StatusCode::NotFound, NO_SUBSCRIPTIONS.into()),
            },
            (FilterSubscribeType::Subscribe, Some(topic)) => {
                if !self.subscribers.contains_key(&peer) && self.subscribers.len() >= self.max_peers
                {
                    return (
                        StatusCode::ServiceUnavailable,
                        format!(
                            "node has reached maximum number of subscriptions: {}",
                            self.max_peers
                        ),
                    );
                }
                let existing = self
                    .subscribers
                    .get(&peer)
                    .and_then(|s| s.criteria.get(&topic));
                let new: HashSet<&String> = req
                    .content_topics
                    .iter()
                    .filter(|c| existing.is_none_or(|e| !e.contains(*c)))
                    .collect();
                let held = self.subscribers.get(&peer).map_or(0, |s| s.count);
                if held + new.len() > self.max_criteria {
                    return (
                        StatusCode::ServiceUnavailable,
                        "peer has reached maximum number of filter criteria".into(),
                    );
                }
                if self.total + new.len() > self.max_total {
                    return (
                        StatusCode::ServiceUnavailable,
                        "node has reached maximum number of filter criteria".into(),
                    );
                }
                let added = new.len();
                let new: Vec<String> = new.into_iter().cloned().collect();
                let streams = self.streams.clone();
                let sub = self.subscribers.entry(peer).or_insert_with(|| Subscriber {
                    criteria: HashMap::new(),
                    count: 0,
                    last_seen: now,
                    push: spawn_pusher(peer, streams),
                });
                sub.criteria.entry(topic).or_default().extend(new);
                sub.count += added;
                sub.last_seen = now;
                self.total += added;
                (StatusCode::Ok, "OK".into())
            }
            (FilterSubscribeType::Unsubscribe, Some(topic)) => {
                let Some(s) = self.subscribers.get_mut(&peer) else {
                    return (StatusCode::NotFound, NO_SUBSCRIPTIONS.into());
                };
                let mut removed = 0;
                if let Some(set) = s.criteria.get_mut(&topic) {
                    for c in &req.content_topics {
                        removed += usize::from(set.remove(c));
                    }
                    if set.is_empty() {
                        s.criteria.remove(&topic);
                    }
                }
                s.count -= removed;
                s.last_seen = now;
                self.total -= removed;
                if s.count == 0 {
                    self.subscribers.remove(&peer);
                }
                (StatusCode::Ok, "OK".into())
            }
            (FilterSubscribeType::UnsubscribeAll, _) => {
                if self.remove_peer(&peer) {
                    (StatusCode::Ok, "OK".into())
                } else {
                    (StatusCode::NotFound, NO_SUBSCRIPTIONS.into())
                }
            }
            // Subscribe and Unsubscribe always carry a parsed topic here.
            (FilterSubscribeType::Subscribe | FilterSubscribeType::Unsubscribe, None) => (
                StatusCode::BadRequest,
                "pubsubTopic and contentTopics must be specified".into(),
            ),
        }
    }

    /// Queues `message` for every subscriber whose criteria match; returns how many.
    pub fn dispatch(&self, pubsub: &str, message: &WakuMessage) -> usize {
        let Ok(topic) = pubsub.parse::<PubsubTopic>() else {
            return 0;
        };
        let mut n = 0;
        for (peer, sub) in &self.subscribers {
            if sub
                .criteria
                .get(&topic)
                .is_some_and(|set| set.contains(&message.content_topic))
            {
                let push = MessagePush {
                    waku_message: Some(message.clone()),
                    pubsub_topic: Some(pubsub.to_owned()),
                };
                match sub.push.try_send(push) {
                    Ok(()) => n += 1,
                    Err(e) => tracing::warn!(%peer, "filter push queue: {e}"),
                }
            }
        }
        n
    }

    /// Drops subscriptions not refreshed within the TTL and peers that cannot take pushes.
    fn expire(&mut self, now: Instant, lacks_push: impl Fn(&PeerId) -> bool) -> usize {
        let before = self.subscribers.len();
        let mut dropped = 0;
        self.subscribers.retain(|peer, s| {
            let keep = now.duration_since(s.last_seen) < SUBSCRIPTION_TTL && !lacks_push(peer);
            if !keep {
                dropped += s.count;
            }
            keep
        });
        self.total -= dropped;
        before - self.subscribers.len()
    }
}

/// One task per subscriber owns its push stream: opened on the first message, reused for every
/// later one, reopened once if it broke. Dropping the subscriber's sender ends the task.
fn spawn_pusher(
    peer: PeerId,
    streams: Option<libp2p_stream::Control>,
) -> mpsc::Sender<MessagePush> {
    let (tx, mut rx) = mpsc::channel::<MessagePush>(PUSH_QUEUE);
    let Some(mut control) = streams else {
        tokio::spawn(async move { while rx.recv().await.is_some() {} });
        return tx;
    };
    tokio::spawn(async move {
        let mut stream: Option<Stream> = None;
        while let Some(push) = rx.recv().await {
            for attempt in 0..2 {
                if stream.is_none() {
                    match tokio::time::timeout(
                        PUSH_TIMEOUT,
                        control.open_stream(peer, StreamProtocol::new(PUSH_PROTOCOL)),
                    )
                    .await
                    {
                        Ok(Ok(s)) => stream = Some(s),
                        Ok(Err(e)) => {
                            tracing::warn!(%peer, "cannot open filter push stream: {e}");
                            break;
                        }
                        Err(_) => {
                            tracing::warn!(%peer, "opening filter push stream timed out");
                            break;
                        }
                    }
                }
                let Some(s) = stream.as_mut() else { break };
                match tokio::time::timeout(PUSH_TIMEOUT, write_message(s, &push)).await {
                    Ok(Ok(())) => break,
                    failed => {
                        tracing::debug!(%peer, attempt, "filter push failed: {failed:?}");
                        stream = None;
                    }
                }
            }
        }
        if let Some(mut s) = stream {
            let _ = s.close().await;
        }
    });
    tx
}

/// Filter subscribe: one `FilterSubscribeRequest` in, one `FilterSubscribeResponse` out — or no
/// answer at all when the request does not decode or lacks a request id, as nwaku does.
pub fn handle(hub: &Hub, peer: PeerId, body: FrameBody) -> Option<Vec<u8>> {
    let FrameBody::Bytes(bytes) = body else {
        return None;
    };
    let req = FilterSubscribeRequest::decode(bytes.as_slice())
        .ok()
        .filter(|r| !r.request_id.is_empty())?;
    let now = Instant::now();
    if !hub.allow(Limited::Filter, peer) {
        hub.stats
            .refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let res = FilterSubscribeResponse {
            request_id: RATE_LIMITED_REQUEST_ID.into(),
            status_code: StatusCode::TooManyRequests.code(),
            status_desc: Some(TOO_MANY_REQUESTS_DESC.into()),
        };
        return Some(res.encode_to_vec());
    }
    let (code, desc) = lock(&hub.filter).handle(peer, &req, now);
    tracing::debug!(%peer, kind = req.filter_subscribe_type, topics = req.content_topics.len(), %code, "filter request");
    Some(
        FilterSubscribeResponse {
            request_id: req.request_id,
            status_code: code.code(),
            status_desc: Some(desc),
        }
        .encode_to_vec(),
    )
}

/// nwaku's maintenance loop, every minute.
pub fn spawn_maintenance(hub: Arc<Hub>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            // A peer whose identify we have and which lacks filter-push cannot take pushes.
            let lacks = |p: &PeerId| hub.peer_supports(p, PUSH_PROTOCOL) == Some(false);
            let removed = lock(&hub.filter).expire(Instant::now(), lacks);
            if removed > 0 {
                tracing::info!(removed, "filter subscriptions expired");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: FilterSubscribeType, topics: usize) -> FilterSubscribeRequest {
        FilterSubscribeRequest {
            request_id: "r".into(),
            filter_subscribe_type: kind as i32,
            pubsub_topic: Some("/waku/2/rs/16/32".into()),
            content_topics: (0..topics).map(|i| format!("/app/1/t{i}/proto")).collect(),
        }
    }

    fn served() -> Vec<PubsubTopic> {
        vec![PubsubTopic::new(16, 32), PubsubTopic::new(16, 64)]
    }

    #[tokio::test]
    async fn pubsub_topic_parsed_and_served_or_refused() {
        let mut r = FilterRegistry::new(10, 1000, 150, served(), None);
        let (a, now) = (PeerId::random(), Instant::now());
        let mut unserved = req(FilterSubscribeType::Subscribe, 1);
        unserved.pubsub_topic = Some("/waku/2/rs/16/33".into());
        assert_eq!(
            r.handle(a, &unserved, now),
            (
                StatusCode::BadRequest,
                "pubsub topic /waku/2/rs/16/33 is not served".into()
            )
        );
        let mut garbage = req(FilterSubscribeType::Subscribe, 1);
        garbage.pubsub_topic = Some("x".repeat(60 * 1024));
        assert_eq!(r.handle(a, &garbage, now).0, StatusCode::BadRequest);
        assert_eq!(r.criteria_count(), 0, "nothing kept from refused requests");
        // The total cap holds across peers: 100 + 50 fit, one more does not.
        assert_eq!(
            r.handle(a, &req(FilterSubscribeType::Subscribe, 100), now)
                .0,
            StatusCode::Ok
        );
        let b = PeerId::random();
        assert_eq!(
            r.handle(b, &req(FilterSubscribeType::Subscribe, 50), now).0,
            StatusCode::Ok
        );
        assert_eq!(r.criteria_count(), 150);
        let mut one_more = req(FilterSubscribeType::Subscribe, 1);
        one_more.content_topics = vec!["/app/1/other/proto".into()];
        assert_eq!(
            r.handle(b, &one_more, now),
            (
                StatusCode::ServiceUnavailable,
                "node has reached maximum number of filter criteria".into()
            )
        );
        // Re-subscribing to held criteria adds none and is fine.
        assert_eq!(
            r.handle(b, &req(FilterSubscribeType::Subscribe, 50), now).0,
            StatusCode::Ok
        );
        assert_eq!(
            r.handle(a, &req(FilterSubscribeType::UnsubscribeAll, 0), now)
                .0,
            StatusCode::Ok
        );
        assert_eq!(r.criteria_count(), 50);
        assert_eq!(r.handle(b, &one_more, now).0, StatusCode::Ok);
    }

    #[tokio::test]
    async fn nwaku_codes_for_every_request_kind() {
        let mut r = FilterRegistry::new(2, 150, 10_000, served(), None);
        let (a, now) = (PeerId::random(), Instant::now());
        assert_eq!(
            r.handle(a, &req(FilterSubscribeType::SubscriberPing, 0), now)
                .0,
            StatusCode::NotFound
        );
        assert_eq!(
            r.handle(a, &req(FilterSubscribeType::Unsubscribe, 1), now)
                .0,
            StatusCode::NotFound
        );
        assert_eq!(
            r.handle(a, &req(FilterSubscribeType::UnsubscribeAll, 0), now)
                .0,
            StatusCode::NotFound
        );
        assert_eq!(
            r.handle(a, &req(FilterSubscribeType::Subscribe, 0), now).0,
            StatusCode::BadRequest
        );
        let too_many = r.handle(a, &req(FilterSubscribeType::Subscribe, 101), now);
        assert_eq!(
            too_many,
            (
                StatusCode::BadRequest,
                "exceeds maximum content topics: 100".into()
            )
        );
        assert_eq!(
            r.handle(a, &req(FilterSubscribeType::Subscribe, 100), now)
                .0,
            StatusCode::Ok
        );
        assert_eq!(
            r.handle(a, &req(FilterSubscribeType::SubscriberPing, 0), now)
                .0,
            StatusCode::Ok
        );
        let mut more = req(FilterSubscribeType::Subscribe, 60);
        more.content_topics = (100..160).map(|i| format!("/app/1/t{i}/proto")).collect();
        assert_eq!(
            r.handle(a, &more, now).0,
            StatusCode::ServiceUnavailable,
            "criteria cap 150"
        );
        assert_eq!(
            r.handle(
                PeerId::random(),
                &req(FilterSubscribeType::Subscribe, 1),
                now
            )
            .0,
            StatusCode::Ok
        );
        assert_eq!(
            r.handle(
                PeerId::random(),
                &req(FilterSubscribeType::Subscribe, 1),
                now
            )
            .0,
            StatusCode::ServiceUnavailable,
            "peer cap 2"
        );
        let mut bad = req(FilterSubscribeType::Subscribe, 1);
        bad.filter_subscribe_type = 9;
        assert_eq!(r.handle(a, &bad, now).0, StatusCode::BadRequest);

        let m = WakuMessage {
            payload: vec![1],
            content_topic: "/app/1/t5/proto".into(),
            ..Default::default()
        };
        assert_eq!(r.dispatch("/waku/2/rs/16/32", &m), 1);
        assert_eq!(r.dispatch("/waku/2/rs/16/64", &m), 0);
        assert_eq!(
            r.handle(a, &req(FilterSubscribeType::Unsubscribe, 100), now)
                .0,
            StatusCode::Ok
        );
        assert_eq!(
            r.subscriber_count(),
            1,
            "a peer with no criteria left is removed"
        );
    }

    #[tokio::test]
    async fn subscriptions_expire_without_pings() {
        let mut r = FilterRegistry::new(10, 100, 10_000, served(), None);
        let (a, b, t0) = (PeerId::random(), PeerId::random(), Instant::now());
        r.handle(a, &req(FilterSubscribeType::Subscribe, 1), t0);
        r.handle(b, &req(FilterSubscribeType::Subscribe, 1), t0);
        let later = t0 + SUBSCRIPTION_TTL - Duration::from_secs(1);
        r.handle(b, &req(FilterSubscribeType::SubscriberPing, 0), later);
        assert_eq!(r.expire(t0 + SUBSCRIPTION_TTL, |_| false), 1);
        assert_eq!(r.subscriber_count(), 1);
        assert_eq!(r.expire(later, |p| *p == b), 1, "peer without filter-push");
    }
}
