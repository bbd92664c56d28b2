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
