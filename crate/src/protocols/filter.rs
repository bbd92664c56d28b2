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
