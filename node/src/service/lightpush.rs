//! Light push v3 and v2 servers (nwaku `waku_lightpush/`, `waku_lightpush_legacy/`).

use hearth::net::rpc::FrameBody;
use hearth::proto::waku::lightpush::{v2, v3};
use hearth::protocols::RATE_LIMITED_REQUEST_ID;
use hearth::protocols::lightpush::{StatusCode, V2_OK, V2_TOO_MANY_REQUESTS, V3_TOO_MANY_REQUESTS};
use hearth::waku::{MessageError, PubsubTopic, WakuMessage};
use libp2p::PeerId;
use prost::Message;

use super::rate_limit::Limited;
use super::{Accepted, Hub, Origin};

/// The outcome of a push in v3 terms; v2 answers are derived from it.
struct Outcome {
    code: StatusCode,
    desc: Option<String>,
    relay_peers: Option<u32>,
}

impl Outcome {
    fn refuse(code: StatusCode, desc: impl Into<String>) -> Self {
        Self {
            code,
            desc: Some(desc.into()),
            relay_peers: None,
        }
    }
}

async fn push(hub: &Hub, pubsub_topic: Option<String>, message: Option<WakuMessage>) -> Outcome {
    let Some(topic) = pubsub_topic else {
        return Outcome::refuse(
            StatusCode::InvalidMessage,
            "Pubsub topic must be specified when static sharding is enabled",
        );
    };
    if topic.is_empty() {
        return Outcome::refuse(StatusCode::BadRequest, "pubsub topic is empty");
    }
    let topic: PubsubTopic = match topic.parse() {
        Ok(t) => t,
        Err(e) => return Outcome::refuse(StatusCode::BadRequest, e.to_string()),
    };
    if !hub.config.serves(&topic) {
        return Outcome::refuse(
            StatusCode::UnsupportedPubsubTopic,
            format!("this node does not serve {topic}"),
        );
    }
    let Some(message) = message else {
        return Outcome::refuse(StatusCode::BadRequest, "message is missing");
    };
    match message.validate(hub.config.limits()) {
        Ok(()) => {}
        // nwaku reports size through relay validation: 420, not 413.
        Err(MessageError::TooLarge { max, .. }) => {
            return Outcome::refuse(
                StatusCode::InvalidMessage,
                format!("Message size exceeded maximum of {max} bytes"),
            );
        }
        Err(e @ MessageError::MetaTooLong { .. }) => {
            return Outcome::refuse(StatusCode::InvalidMessage, e.to_string());
        }
        Err(e) => return Outcome::refuse(StatusCode::BadRequest, e.to_string()),
    }
    // nwaku stamps a message that has no timestamp with its own clock as it publishes it
    // (`waku_relay/protocol.nim`, `publish`: `if message.timestamp == 0`), and the archive
    // stores it so stamped. Without this the archive's 20 s window refused it: 200, never
    // stored.
    let mut message = message;
    if message.timestamp.unwrap_or(0) == 0 {
        message.timestamp = Some(super::now_ns());
    }
    // A lone development node has no relay peers; nwaku would answer 505, which makes js-waku
    // treat the push as failed. We store and push it to filter subscribers, and say 200 with the
    // true relay count (0), so a standalone node is useful.
    match hub.accept(&topic, message, Origin::Lightpush).await {
        Accepted::New { relay_peers } => Outcome {
            code: StatusCode::Success,
            desc: None,
            relay_peers: Some(relay_peers as u32),
        },
        Accepted::Duplicate => {
            Outcome::refuse(StatusCode::InvalidMessage, "Dropping already-seen message")
        }
    }
}

/// Light push v3: one `LightPushRequest` in, one `LightPushResponse` out.
pub async fn handle_v3(hub: &Hub, peer: PeerId, body: FrameBody) -> Option<Vec<u8>> {
    let bad = |desc: String| v3::LightPushResponse {
        request_id: RATE_LIMITED_REQUEST_ID.into(),
        status_code: StatusCode::BadRequest.code(),
        status_desc: Some(desc),
        relay_peer_count: None,
    };
    if !hub.allow(Limited::Lightpush, peer) {
        hub.stats
            .refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Some(
            v3::LightPushResponse {
                request_id: RATE_LIMITED_REQUEST_ID.into(),
                status_code: StatusCode::TooManyRequests.code(),
                status_desc: Some(V3_TOO_MANY_REQUESTS.into()),
                relay_peer_count: None,
            }
            .encode_to_vec(),
        );
    }
    let response = match body {
        FrameBody::Oversize { len } => bad(format!("request of {len} bytes is too large")),
        FrameBody::Malformed(why) => bad(format!("decoding failed: {why}")),
        FrameBody::Empty => return None,
        FrameBody::Bytes(bytes) => match v3::LightPushRequest::decode(bytes.as_slice()) {
            Err(e) => bad(format!("decoding failed: {e}")),
            Ok(req) if req.request_id.is_empty() => bad("request_id is required".into()),
            Ok(req) => {
                let o = push(hub, req.pubsub_topic, req.message).await;
                v3::LightPushResponse {
                    request_id: req.request_id,
                    status_code: o.code.code(),
                    status_desc: o.desc,
                    relay_peer_count: o.relay_peers,
                }
            }
        },
    };
    Some(response.encode_to_vec())
}

/// Light push v2: `PushRpc` with a request in, `PushRpc` with a response out.
pub async fn handle_v2(hub: &Hub, peer: PeerId, body: FrameBody) -> Option<Vec<u8>> {
    let answer = |request_id: String, ok: bool, info: String| {
        v2::PushRpc {
            request_id,
            request: None,
            response: Some(v2::PushResponse {
                is_success: ok,
                info,
            }),
        }
        .encode_to_vec()
    };
    if !hub.allow(Limited::Lightpush, peer) {
        hub.stats
            .refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Some(answer(
            RATE_LIMITED_REQUEST_ID.into(),
            false,
            V2_TOO_MANY_REQUESTS.into(),
        ));
    }
    Some(match body {
        FrameBody::Oversize { len } => answer(
            RATE_LIMITED_REQUEST_ID.into(),
            false,
            format!("request of {len} bytes is too large"),
        ),
        FrameBody::Malformed(why) => answer(
            RATE_LIMITED_REQUEST_ID.into(),
            false,
            format!("decoding failed: {why}"),
        ),
        FrameBody::Empty => return None,
        FrameBody::Bytes(bytes) => match v2::PushRpc::decode(bytes.as_slice()) {
            Err(e) => answer(
                RATE_LIMITED_REQUEST_ID.into(),
                false,
                format!("decoding failed: {e}"),
            ),
            Ok(rpc) => match rpc.request {
                None => answer(rpc.request_id, false, "request is missing".into()),
                Some(req) => {
                    let o = push(hub, Some(req.pubsub_topic), req.message).await;
                    let ok = o.code == StatusCode::Success;
                    answer(
                        rpc.request_id,
                        ok,
                        if ok {
                            V2_OK.into()
                        } else {
                            o.desc.unwrap_or_default()
                        },
                    )
                }
            },
        },
    })
}
