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
use hearth::waku::WakuMessage;
use libp2p::{PeerId, Stream, StreamProtocol};
use prost::Message;
use tokio::sync::mpsc;

use super::rate_limit::Limited;
use super::{Hub, lock};

/// Pushes waiting for one slow subscriber; beyond this they are dropped for that subscriber (its
/// client refills from store), so one stalled browser cannot grow the node's memory.
const PUSH_QUEUE: usize = 256;

struct Subscriber {
    criteria: HashSet<(String, String)>,
    last_seen: Instant,
    push: mpsc::Sender<MessagePush>,
}

pub struct FilterRegistry {
    subscribers: HashMap<PeerId, Subscriber>,
    max_peers: usize,
    max_criteria: usize,
    /// Opens push streams; absent in unit tests, where pushes are only counted.
    streams: Option<libp2p_stream::Control>,
}

impl FilterRegistry {
    pub fn new(
        max_peers: usize,
        max_criteria: usize,
        streams: Option<libp2p_stream::Control>,
    ) -> Self {
        Self {
            subscribers: HashMap::new(),
            max_peers,
            max_criteria,
            streams,
        }
    }

    pub fn subscriber_count(&self) -> usize {
        self.subscribers.len()
    }

    pub fn criteria_count(&self) -> usize {
        self.subscribers.values().map(|s| s.criteria.len()).sum()
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
        match kind {
            FilterSubscribeType::SubscriberPing => match self.subscribers.get_mut(&peer) {
                Some(s) => {
                    s.last_seen = now;
                    (StatusCode::Ok, "OK".into())
                }
                None => (StatusCode::NotFound, NO_SUBSCRIPTIONS.into()),
            },
            FilterSubscribeType::Subscribe => {
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
                let existing = self.subscribers.get(&peer).map(|s| &s.criteria);
                let new: HashSet<(String, String)> = req
                    .content_topics
                    .iter()
                    .map(|c| (pubsub.to_owned(), c.clone()))
                    .filter(|k| existing.is_none_or(|e| !e.contains(k)))
                    .collect();
                if existing.map_or(0, |e| e.len()) + new.len() > self.max_criteria {
                    return (
                        StatusCode::ServiceUnavailable,
                        "peer has reached maximum number of filter criteria".into(),
                    );
                }
                let streams = self.streams.clone();
                let sub = self.subscribers.entry(peer).or_insert_with(|| Subscriber {
                    criteria: HashSet::new(),
                    last_seen: now,
                    push: spawn_pusher(peer, streams),
                });
                sub.criteria.extend(new);
                sub.last_seen = now;
                (StatusCode::Ok, "OK".into())
            }
            FilterSubscribeType::Unsubscribe => match self.subscribers.get_mut(&peer) {
                None => (StatusCode::NotFound, NO_SUBSCRIPTIONS.into()),
                Some(s) => {
                    for c in &req.content_topics {
                        s.criteria.remove(&(pubsub.to_owned(), c.clone()));
                    }
                    s.last_seen = now;
                    if s.criteria.is_empty() {
                        self.subscribers.remove(&peer);
                    }
                    (StatusCode::Ok, "OK".into())
                }
            },
            FilterSubscribeType::UnsubscribeAll => match self.subscribers.remove(&peer) {
                None => (StatusCode::NotFound, NO_SUBSCRIPTIONS.into()),
                Some(_) => (StatusCode::Ok, "OK".into()),
            },
        }
    }

    /// Queues `message` for every subscriber whose criteria match; returns how many.
    pub fn dispatch(&self, pubsub: &str, message: &WakuMessage) -> usize {
        let key = (pubsub.to_owned(), message.content_topic.clone());
        let mut n = 0;
        for (peer, sub) in &self.subscribers {
            if sub.criteria.contains(&key) {
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
        self.subscribers.retain(|peer, s| {
            now.duration_since(s.last_seen) < SUBSCRIPTION_TTL && !lacks_push(peer)
        });
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
    if !hub.limiter.allow(Limited::Filter, peer, now) {
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

    #[tokio::test]
    async fn nwaku_codes_for_every_request_kind() {
        let mut r = FilterRegistry::new(2, 150, None);
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
        let mut r = FilterRegistry::new(10, 100, None);
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
