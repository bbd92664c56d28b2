//! Light push: `/vac/waku/lightpush/3.0.0`, with the legacy `2.0.0-beta1` for older nodes.

use super::status_codes;

pub const PROTOCOL_V3: &str = "/vac/waku/lightpush/3.0.0";
pub const PROTOCOL_V2: &str = "/vac/waku/lightpush/2.0.0-beta1";

/// nwaku reads lightpush requests with no frame limit and checks size at relay validation; we cap
/// frames at the largest message plus room for the envelope.
pub const MAX_FRAME: usize = crate::waku::message::DEFAULT_MAX_MESSAGE_SIZE + 64 * 1024;

/// `info` of a successful v2 answer.
pub const V2_OK: &str = "OK";
/// `info` of a rate-limited v2 answer (nwaku `waku_lightpush_legacy/protocol.nim`).
pub const V2_TOO_MANY_REQUESTS: &str = "TOO_MANY_REQUESTS";
/// `status_desc` of a rate-limited v3 answer (nwaku `waku_lightpush/protocol.nim`).
pub const V3_TOO_MANY_REQUESTS: &str = "Request rejected due to too many requests";

status_codes! {
    /// nwaku's lightpush v3 codes (`waku_lightpush/common.nim`), which js-waku mirrors.
    StatusCode {
        Success = 200,
        BadRequest = 400,
        /// Defined, but nwaku reports an oversize message as 420.
        PayloadTooLarge = 413,
        /// Relay validation failed: size, protected-shard signature, RLN, duplicate, no topic.
        InvalidMessage = 420,
        UnsupportedPubsubTopic = 421,
        TooManyRequests = 429,
        InternalServerError = 500,
        ServiceNotAvailable = 503,
        OutOfRlnProof = 504,
        NoPeersToRelay = 505,
    }
}

impl StatusCode {
    /// Worth retrying on another peer: the message itself was not at fault.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::TooManyRequests
                | Self::InternalServerError
                | Self::ServiceNotAvailable
                | Self::OutOfRlnProof
                | Self::NoPeersToRelay
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Client side (sans-IO): the request bytes and what an answer means.

use prost::Message as _;

use super::Cause;
use crate::proto::waku::lightpush::v2::{PushRequest, PushRpc};
use crate::proto::waku::lightpush::v3::{LightPushRequest, LightPushResponse};
use crate::waku::WakuMessage;

/// A service node took the message for relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// How many relay peers it went to, when the node says (v3 only).
    pub relay_peer_count: Option<u32>,
}

pub fn encode_request_v3(request_id: &str, pubsub_topic: &str, message: &WakuMessage) -> Vec<u8> {
    LightPushRequest {
        request_id: request_id.into(),
        pubsub_topic: Some(pubsub_topic.into()),
        message: Some(message.clone()),
    }
    .encode_to_vec()
}

/// Reads a v3 answer. A 429 carries the request id "N/A" in nwaku, so the id is checked only on
/// other answers.
pub fn decode_response_v3(bytes: &[u8], request_id: &str) -> Result<Accepted, Cause> {
    let res = LightPushResponse::decode(bytes).map_err(|e| Cause::Malformed(e.to_string()))?;
    let code = StatusCode::from_code(res.status_code);
    if code != StatusCode::TooManyRequests && res.request_id != request_id {
        return Err(Cause::WrongRequestId {
            sent: request_id.into(),
            got: res.request_id,
        });
    }
    match code {
        StatusCode::Success => Ok(Accepted {
            relay_peer_count: res.relay_peer_count,
        }),
        code => Err(Cause::Lightpush {
            code,
            desc: res.status_desc,
        }),
    }
}

pub fn encode_request_v2(request_id: &str, pubsub_topic: &str, message: &WakuMessage) -> Vec<u8> {
    PushRpc {
        request_id: request_id.into(),
        request: Some(PushRequest {
            pubsub_topic: pubsub_topic.into(),
            message: Some(message.clone()),
        }),
        response: None,
    }
    .encode_to_vec()
}

/// Reads a v2 answer; its `info` strings map onto the v3 codes so callers see one vocabulary.
pub fn decode_response_v2(bytes: &[u8], request_id: &str) -> Result<Accepted, Cause> {
    let rpc = PushRpc::decode(bytes).map_err(|e| Cause::Malformed(e.to_string()))?;
    let res = rpc
        .response
        .ok_or_else(|| Cause::Malformed("answer has no response".into()))?;
    if res.info == V2_TOO_MANY_REQUESTS {
        return Err(Cause::Lightpush {
            code: StatusCode::TooManyRequests,
            desc: Some(res.info),
        });
    }
    if rpc.request_id != request_id {
        return Err(Cause::WrongRequestId {
            sent: request_id.into(),
            got: rpc.request_id,
        });
    }
    if res.is_success {
        return Ok(Accepted {
            relay_peer_count: None,
        });
    }
    // nwaku's legacy answers say why in words; the ones a client can act on get their v3 code.
    let lower = res.info.to_ascii_lowercase();
    let code = if lower.contains("no peers") || lower.contains("not published to any peers") {
        StatusCode::NoPeersToRelay
    } else if lower.contains("topic") {
        StatusCode::UnsupportedPubsubTopic
    } else if lower.contains("size") || lower.contains("invalid") {
        StatusCode::InvalidMessage
    } else {
        StatusCode::InternalServerError
    };
    Err(Cause::Lightpush {
        code,
        desc: Some(res.info),
    })
}
