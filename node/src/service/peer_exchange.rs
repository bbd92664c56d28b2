//! Peer exchange server. A hearth node learns no peers by discv5, so for now it answers with the
//! records it holds (none yet) and status 200, which js-waku and nwaku clients accept.

use std::time::Instant;

use hearth::net::rpc::FrameBody;
use hearth::proto::waku::peer_exchange::v2::{PeerExchangeResponse, PeerExchangeRpc};
use hearth::protocols::peer_exchange::StatusCode;
use libp2p::PeerId;
use prost::Message;

use super::Hub;
use super::rate_limit::Limited;

pub fn handle(hub: &Hub, peer: PeerId, body: FrameBody) -> Option<Vec<u8>> {
    let answer = |code: StatusCode, desc: Option<String>| PeerExchangeRpc {
        query: None,
        response: Some(PeerExchangeResponse {
            peer_infos: vec![],
            status_code: Some(code.code()),
            status_desc: desc,
        }),
    };
    let res = if !hub
        .limiter
        .allow(Limited::PeerExchange, peer, Instant::now())
    {
        answer(StatusCode::TooManyRequests, None)
    } else {
        match body {
            FrameBody::Oversize { len } => answer(
                StatusCode::BadRequest,
                Some(format!("{len} bytes is too large")),
            ),
            FrameBody::Malformed(why) => answer(StatusCode::BadRequest, Some(why)),
            FrameBody::Empty => return None,
            FrameBody::Bytes(bytes) => match PeerExchangeRpc::decode(bytes.as_slice()) {
                Ok(PeerExchangeRpc { query: Some(_), .. }) => answer(StatusCode::Success, None),
                Ok(_) => answer(StatusCode::BadRequest, Some("query is missing".into())),
                Err(e) => answer(StatusCode::BadRequest, Some(e.to_string())),
            },
        }
    };
    Some(res.encode_to_vec())
}
