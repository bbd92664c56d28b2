//! Store v3: `/vac/waku/store-query/3.0.0`.

use super::status_codes;

pub const PROTOCOL: &str = "/vac/waku/store-query/3.0.0";

/// nwaku `DefaultPageSize`: used when the request says 0 or nothing.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// nwaku `MaxPageSize`: larger requests are capped silently.
pub const MAX_PAGE_SIZE: u64 = 100;
/// nwaku `MaxContentTopicsPerQuery`.
pub const MAX_CONTENT_TOPICS: usize = 10;
/// nwaku postgres driver `MaxHashesPerQuery`: clients send at most this many per request.
pub const MAX_HASHES: usize = 100;
/// nwaku `MaxMessageTimestampVariance`: the archive refuses messages further from its clock.
pub const MAX_TIMESTAMP_VARIANCE_NS: i64 = 20_000_000_000;
/// A full page: 100 messages of up to 1 MiB each would be 100 MiB, which no node sends in one
/// frame in practice; nwaku's client reads with its default limit. We bound it generously.
pub const MAX_RESPONSE_FRAME: usize = 128 * 1024 * 1024;
pub const MAX_REQUEST_FRAME: usize = 64 * 1024;

status_codes! {
    /// nwaku's store v3 codes (`waku_store/common.nim`).
    StatusCode {
        Ok = 200,
        /// Archive errors ("archive error: …"), and too many content topics with a cursor.
        BadResponse = 300,
        BadRequest = 400,
        TooManyRequests = 429,
        ServiceUnavailable = 503,
        /// Client side: the store node could not be reached.
        PeerDialFailure = 504,
    }
}
