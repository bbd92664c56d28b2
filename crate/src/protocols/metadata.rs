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

use crate::proto::waku::metadata::v1::WakuMetadataRequest;

/// Our question: we say our cluster and shards, as nwaku and js-waku do when they ask.
pub fn encode_request(cluster: u16, shards: &[u16]) -> Vec<u8> {
    let shards: Vec<u32> = shards.iter().map(|s| u32::from(*s)).collect();
    WakuMetadataRequest {
        cluster_id: Some(u32::from(cluster)),
        shards: shards.clone(),
        shards_packed: shards,
    }
    .encode_to_vec()
}

/// The peer's cluster and shards. Shards come packed (field 3, nwaku) or not (field 2, older
/// nodes); a cluster or shard out of range is an error, not a truncation.
pub fn decode_response(bytes: &[u8]) -> Result<(u16, Vec<u16>), String> {
    let res = WakuMetadataResponse::decode(bytes).map_err(|e| e.to_string())?;
    let cluster = res.cluster_id.ok_or("no cluster id")?;
    let cluster = u16::try_from(cluster).map_err(|_| format!("cluster {cluster} out of range"))?;
    let raw = if res.shards_packed.is_empty() {
        res.shards
    } else {
        res.shards_packed
    };
    let shards = raw
        .into_iter()
        .map(|s| u16::try_from(s).map_err(|_| format!("shard {s} out of range")))
        .collect::<Result<Vec<u16>, String>>()?;
    Ok((cluster, shards))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn response_round_trip_and_bad_values() {
        assert_eq!(
            decode_response(&encode_response(16, &[32, 64])),
            Ok((16, vec![32, 64]))
        );
        let unpacked = WakuMetadataResponse {
            cluster_id: Some(1),
            shards: vec![0, 7],
            shards_packed: vec![],
        }
        .encode_to_vec();
        assert_eq!(decode_response(&unpacked), Ok((1, vec![0, 7])));
        let huge = WakuMetadataResponse {
            cluster_id: Some(70_000),
            ..Default::default()
        }
        .encode_to_vec();
        assert!(decode_response(&huge).unwrap_err().contains("70000"));
        assert!(decode_response(&[0xff]).is_err());
        assert_eq!(
            decode_response(&WakuMetadataResponse::default().encode_to_vec()),
            Err("no cluster id".into())
        );
    }
}
