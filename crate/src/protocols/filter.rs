//! Filter v2: subscribe on `/vac/waku/filter-subscribe/2.0.0-beta1`; the service node pushes on
//! `/vac/waku/filter-push/2.0.0-beta1`, one long-lived stream per subscriber.

use std::time::Duration;

use super::status_codes;

pub const SUBSCRIBE_PROTOCOL: &str = "/vac/waku/filter-subscribe/2.0.0-beta1";
pub const PUSH_PROTOCOL: &str = "/vac/waku/filter-push/2.0.0-beta1";

/// nwaku `MaxContentTopicsPerRequest`.
pub const MAX_CONTENT_TOPICS_PER_REQUEST: usize = 100;
/// nwaku `filter-max-criteria` CLI default: (pubsub, content) pairs one peer may hold.
pub const MAX_CRITERIA_PER_PEER: usize = 1000;
/// nwaku `filter-max-peers-to-serve` CLI default.
pub const MAX_PEERS: usize = 1000;
/// Criteria one node holds across all its subscribers. nwaku bounds only peers × criteria per
/// peer (a million); at up to ~650 bytes a criterion (100 per 64 KiB request) that is too much
/// memory for a small server, so we hold a tenth of it.
pub const MAX_CRITERIA_TOTAL: usize = 100_000;
/// nwaku `DefaultSubscriptionTimeToLiveSec`: a subscription without ping or subscribe expires.
pub const SUBSCRIPTION_TTL: Duration = Duration::from_secs(5 * 60);
/// How often a client pings (js-waku's `keepAliveIntervalMs`), well inside the TTL.
pub const PING_INTERVAL: Duration = Duration::from_secs(60);
/// nwaku `MessagePushTimeout`.
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(20);
/// Subscribe requests are small; pushes carry one message.
pub const MAX_REQUEST_FRAME: usize = 64 * 1024;
pub const MAX_PUSH_FRAME: usize = super::lightpush::MAX_FRAME;

/// `status_desc` of nwaku's canned rate-limit answer.
pub const TOO_MANY_REQUESTS_DESC: &str = "filter request rejected due rate limit exceeded";

status_codes! {
    /// nwaku's filter codes (`waku_filter_v2/common.nim`).
    StatusCode {
        Ok = 200,
        /// Client side: the answer could not be read.
        BadResponse = 300,
        BadRequest = 400,
        /// "peer has no subscriptions": the answer to a ping or unsubscribe with none.
        NotFound = 404,
        TooManyRequests = 429,
        /// Subscription limits reached.
        ServiceUnavailable = 503,
        /// Client side: the service peer could not be reached.
        PeerDialFailure = 504,
    }
}

// ---------------------------------------------------------------------------------------------
// Client side (sans-IO).

use prost::Message as _;

use super::Cause;
use crate::proto::waku::filter::v2::filter_subscribe_request::FilterSubscribeType;
use crate::proto::waku::filter::v2::{
    FilterSubscribeRequest, FilterSubscribeResponse, MessagePush,
};
use crate::waku::{MessageLimits, WakuMessage};

/// What a subscribe-protocol request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Ping,
    Subscribe,
    Unsubscribe,
    UnsubscribeAll,
}

pub fn encode_request(
    kind: Request,
    request_id: &str,
    pubsub_topic: Option<&str>,
    content_topics: &[String],
) -> Vec<u8> {
    let kind = match kind {
        Request::Ping => FilterSubscribeType::SubscriberPing,
        Request::Subscribe => FilterSubscribeType::Subscribe,
        Request::Unsubscribe => FilterSubscribeType::Unsubscribe,
        Request::UnsubscribeAll => FilterSubscribeType::UnsubscribeAll,
    };
    FilterSubscribeRequest {
        request_id: request_id.into(),
        filter_subscribe_type: kind as i32,
        pubsub_topic: pubsub_topic.map(Into::into),
        content_topics: content_topics.to_vec(),
    }
    .encode_to_vec()
}

pub fn decode_response(bytes: &[u8], request_id: &str) -> Result<(), Cause> {
    let res =
        FilterSubscribeResponse::decode(bytes).map_err(|e| Cause::Malformed(e.to_string()))?;
    let code = StatusCode::from_code(res.status_code);
    if code != StatusCode::TooManyRequests && res.request_id != request_id {
        return Err(Cause::WrongRequestId {
            sent: request_id.into(),
            got: res.request_id,
        });
    }
    match code {
        StatusCode::Ok => Ok(()),
        code => Err(Cause::Filter {
            code,
            desc: res.status_desc,
        }),
    }
}

/// Why a pushed frame was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error("push does not decode: {0}")]
    Decode(String),
    #[error("push carries no message")]
    NoMessage,
    #[error("push carries no pubsub topic")]
    NoPubsubTopic,
    #[error("pushed message is invalid: {0}")]
    Invalid(String),
}

/// Decodes one pushed frame into its pubsub topic and message. nwaku always names the topic.
pub fn decode_push(
    bytes: &[u8],
    limits: MessageLimits,
) -> Result<(String, WakuMessage), PushError> {
    let push = MessagePush::decode(bytes).map_err(|e| PushError::Decode(e.to_string()))?;
    let message = push.waku_message.ok_or(PushError::NoMessage)?;
    let topic = push.pubsub_topic.ok_or(PushError::NoPubsubTopic)?;
    message
        .validate(limits)
        .map_err(|e| PushError::Invalid(e.to_string()))?;
    Ok((topic, message))
}
