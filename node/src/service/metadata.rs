//! Metadata responder: answers with our cluster and shards, writing the shards both unpacked
//! (field 2, what js-waku reads) and packed (field 3, what nwaku prefers), as nwaku does.

use hearth::net::rpc::FrameBody;
use hearth::proto::waku::metadata::v1::{WakuMetadataRequest, WakuMetadataResponse};
use libp2p::PeerId;
use prost::Message;

use super::Hub;

pub fn handle(hub: &Hub, peer: PeerId, body: FrameBody) -> Option<Vec<u8>> {
    // nwaku never disconnects on the content of an inbound request; it logs it and answers.
    if let FrameBody::Bytes(bytes) = &body {
        match WakuMetadataRequest::decode(bytes.as_slice()) {
            Ok(req) => {
                tracing::debug!(%peer, cluster = ?req.cluster_id, shards = ?req.shards, "metadata request")
            }
            Err(e) => tracing::debug!(%peer, "undecodable metadata request: {e}"),
        }
    }
    let shards: Vec<u32> = hub.config.shards.iter().map(|s| u32::from(*s)).collect();
    let res = WakuMetadataResponse {
        cluster_id: Some(u32::from(hub.config.cluster)),
        shards: shards.clone(),
        shards_packed: shards,
    };
    Some(res.encode_to_vec())
}
