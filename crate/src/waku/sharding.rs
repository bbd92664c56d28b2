//! Autosharding: which shard of a cluster a content topic lives on.

use sha2::{Digest, Sha256};

use super::topic::{ContentTopic, PubsubTopic};

/// Why a content topic cannot be mapped to a shard.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardingError {
    #[error("generation {generation} is not supported; only generation 0 exists")]
    UnsupportedGeneration { generation: u32 },
    #[error("a cluster needs at least one shard")]
    NoShards,
    #[error("shard count {count} is over the maximum of 1024")]
    TooManyShards { count: u32 },
}

/// The shard index of a content topic among `num_shards`, as nwaku (`getGenZeroShard`), go-waku
/// and js-waku implement it: `sha256(application ‖ version)`, last 8 bytes as a big-endian u64,
/// modulo the shard count. The spec's prose ("hash mod n") differs when n is not a power of two;
/// the implementations are what the network runs, so we follow them.
pub fn autoshard(topic: &ContentTopic, num_shards: u32) -> Result<u16, ShardingError> {
    if let Some(generation) = topic.generation.filter(|g| *g != 0) {
        return Err(ShardingError::UnsupportedGeneration { generation });
    }
    if num_shards == 0 {
        return Err(ShardingError::NoShards);
    }
    if num_shards > 1024 {
        return Err(ShardingError::TooManyShards { count: num_shards });
    }
    let digest = Sha256::new()
        .chain_update(topic.application.as_bytes())
        .chain_update(topic.version.as_bytes())
        .finalize();
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&digest[24..32]);
    let shard = u64::from_be_bytes(tail) % u64::from(num_shards);
    // The modulo keeps it below 1024.
    Ok(shard as u16)
}

/// The autosharded pubsub topic of a content topic within a cluster.
pub fn autoshard_topic(
    topic: &ContentTopic,
    cluster: u16,
    num_shards: u32,
) -> Result<PubsubTopic, ShardingError> {
    Ok(PubsubTopic::new(cluster, autoshard(topic, num_shards)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_sharding_error_variant() {
        let gen1: ContentTopic = "/1/toychat/2/huilong/proto".parse().unwrap();
        assert_eq!(
            autoshard(&gen1, 8),
            Err(ShardingError::UnsupportedGeneration { generation: 1 })
        );
        let t: ContentTopic = "/toychat/2/huilong/proto".parse().unwrap();
        assert_eq!(autoshard(&t, 0), Err(ShardingError::NoShards));
        assert_eq!(
            autoshard(&t, 1025),
            Err(ShardingError::TooManyShards { count: 1025 })
        );
        assert_eq!(autoshard_topic(&t, 1, 8), Ok(PubsubTopic::new(1, 3)));
    }
}
