//! Peer exchange: `/vac/waku/peer-exchange/2.0.0-alpha1`.

use super::status_codes;

pub const PROTOCOL: &str = "/vac/waku/peer-exchange/2.0.0-alpha1";

/// nwaku `MaxPeersCacheSize`: the most ENRs one answer carries.
pub const MAX_PEERS: u64 = 60;
/// nwaku's read limit for a peer-exchange answer, `10*150KiB + 64KiB`.
pub const MAX_FRAME: usize = 10 * 150 * 1024 + 64 * 1024;

status_codes! {
    /// nwaku's extension codes (`waku_peer_exchange/common.nim`).
    StatusCode {
        Success = 200,
        BadRequest = 400,
        BadResponse = 401,
        TooManyRequests = 429,
        ServiceUnavailable = 503,
        DialFailure = 599,
    }
}
