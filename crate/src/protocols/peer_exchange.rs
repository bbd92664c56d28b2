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

// ---------------------------------------------------------------------------------------------
// Client side (sans-IO).

use prost::Message as _;

use super::Cause;
use crate::proto::waku::peer_exchange::v2::{PeerExchangeQuery, PeerExchangeRpc};
use crate::waku::enr::Enr;

pub fn encode_request(num_peers: u64) -> Vec<u8> {
    PeerExchangeRpc {
        query: Some(PeerExchangeQuery {
            num_peers: num_peers.min(MAX_PEERS),
        }),
        response: None,
    }
    .encode_to_vec()
}

/// The records of an answer that verify; the others are counted, not fatal (one bad record
/// from a node's cache should not cost the rest).
pub fn decode_response(bytes: &[u8]) -> Result<(Vec<Enr>, usize), Cause> {
    let rpc = PeerExchangeRpc::decode(bytes).map_err(|e| Cause::Malformed(e.to_string()))?;
    let res = rpc
        .response
        .ok_or_else(|| Cause::Malformed("answer has no response".into()))?;
    // Older nodes send no status code: a response with records is a success.
    let code = StatusCode::from_code(res.status_code.unwrap_or(200));
    if code != StatusCode::Success {
        return Err(Cause::PeerExchange {
            code,
            desc: res.status_desc,
        });
    }
    let mut bad = 0;
    let mut enrs = Vec::new();
    for info in res.peer_infos.into_iter().take(MAX_PEERS as usize) {
        match Enr::decode(&info.enr) {
            Ok(enr) => enrs.push(enr),
            Err(_) => bad += 1,
        }
    }
    Ok((enrs, bad))
}
