//! Metadata: `/vac/waku/metadata/1.0.0`. nwaku opens it towards every peer that connects and
//! disconnects (and forgets) a peer that does not answer with its own cluster id.

pub const PROTOCOL: &str = "/vac/waku/metadata/1.0.0";

/// nwaku `RpcResponseMaxBytes` for the metadata answer.
pub const MAX_FRAME: usize = 1024;

use prost::Message as _;

use crate::proto::waku::metadata::v1::WakuMetadataResponse;

/// Our answer: the cluster, and the shards both unpacked (field 2, what js-waku reads) and
/// packed (field 3, what nwaku prefers), as nwaku writes them.
pub fn encode_response(cluster: u16, shards: &[u16]) -> Vec<u8> {
    let shards: Vec<u32> = shards.iter().map(|s| u32::from(*s)).collect();
    WakuMetadataResponse {
        cluster_id: Some(u32::from(cluster)),
        shards: shards.clone(),
        shards_packed: shards,
    }
    .encode_to_vec()
}
