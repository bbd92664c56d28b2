//! Pubsub topics (static sharding) and content topics, parsed into typed values.

use std::fmt;
use std::str::FromStr;

/// nwaku's `MaxShardIndex`: shards are 0..=1023 within a cluster.
pub const MAX_SHARD: u16 = 1023;

const STATIC_SHARDING_PREFIX: &str = "/waku/2/rs/";

/// A static-sharding pubsub topic, `/waku/2/rs/<cluster>/<shard>` (51/WAKU2-RELAY-SHARDING).
///
/// Named topics such as `/waku/2/default-waku/proto` are deprecated in every implementation and
/// are refused here; the hash functions take the topic as a string so they still cover them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PubsubTopic {
    pub cluster: u16,
    pub shard: u16,
}

/// What is wrong with a topic string.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TopicError {
    #[error("pubsub topic {topic:?} does not start with /waku/2/rs/")]
    NotStaticSharding { topic: String },
    #[error("pubsub topic needs /<cluster>/<shard> after /waku/2/rs, got {rest:?}")]
    ShardSegments { rest: String },
    #[error("cluster {value:?} is not a number from 0 to 65535")]
    InvalidCluster { value: String },
    #[error("shard {value:?} is not a number from 0 to {MAX_SHARD}")]
    InvalidShard { value: String },
    #[error("content topic {topic:?} must start with '/'")]
    NotAbsolute { topic: String },
    #[error(
        "content topic has {count} segments; expected /app/version/name/encoding, optionally after /<generation>"
    )]
    SegmentCount { count: usize },
    #[error("content topic segment {index} is empty")]
    EmptySegment { index: usize },
    #[error("content topic generation {value:?} is not a number")]
    InvalidGeneration { value: String },
}

impl PubsubTopic {
    pub const fn new(cluster: u16, shard: u16) -> Self {
        Self { cluster, shard }
    }
}

/// A decimal without sign, leading `+` or surrounding space: `u16::from_str` alone accepts "+7".
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl FromStr for PubsubTopic {
    type Err = TopicError;

    fn from_str(topic: &str) -> Result<Self, TopicError> {
        let rest = topic.strip_prefix(STATIC_SHARDING_PREFIX).ok_or_else(|| {
            TopicError::NotStaticSharding {
                topic: topic.to_owned(),
            }
        })?;
        let (cluster, shard) = rest
            .split_once('/')
            .filter(|(_, s)| !s.contains('/'))
            .ok_or_else(|| TopicError::ShardSegments {
                rest: rest.to_owned(),
            })?;
        let cluster = parse_decimal(cluster)
            .and_then(|c| u16::try_from(c).ok())
            .ok_or_else(|| TopicError::InvalidCluster {
                value: cluster.to_owned(),
            })?;
        let shard = parse_decimal(shard)
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| *s <= MAX_SHARD)
            .ok_or_else(|| TopicError::InvalidShard {
                value: shard.to_owned(),
            })?;
        Ok(Self { cluster, shard })
    }
}

impl fmt::Display for PubsubTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{STATIC_SHARDING_PREFIX}{}/{}", self.cluster, self.shard)
    }
}

/// A content topic, `/{application}/{version}/{name}/{encoding}`, optionally prefixed by a
/// `/{generation}` (23/WAKU2-TOPICS).
///
/// Status uses the same shape: `/waku/1/0x<4 bytes hex>/rfc26`, see [`ContentTopic::status`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentTopic {
    /// Only generation 0 exists; a parsed higher one is kept so autosharding can refuse it.
    pub generation: Option<u32>,
    pub application: String,
    pub version: String,
    pub name: String,
    pub encoding: String,
}

impl ContentTopic {
    /// The topic Status derives from a 4-byte topic id (status-go `ToTopic` → `/waku/1/0x…/rfc26`).
    pub fn status(topic: [u8; 4]) -> Self {
        Self {
            generation: None,
            application: "waku".into(),
            version: "1".into(),
            name: format!("0x{}", hex::encode(topic)),
            encoding: "rfc26".into(),
        }
    }

    /// The 4-byte Status topic id, when this is a Status topic.
    pub fn status_bytes(&self) -> Option<[u8; 4]> {
        if self.generation.is_some()
            || self.application != "waku"
            || self.version != "1"
            || self.encoding != "rfc26"
        {
            return None;
        }
        let hex_part = self.name.strip_prefix("0x")?;
        let mut out = [0u8; 4];
        hex::decode_to_slice(hex_part, &mut out).ok()?;
        Some(out)
    }
}

impl FromStr for ContentTopic {
    type Err = TopicError;

    fn from_str(topic: &str) -> Result<Self, TopicError> {
        let rest = topic
            .strip_prefix('/')
            .ok_or_else(|| TopicError::NotAbsolute {
                topic: topic.to_owned(),
            })?;
        let parts: Vec<&str> = rest.split('/').collect();
        let (generation, parts) = match parts.len() {
            4 => (None, &parts[..]),
            5 => {
                let g = parse_decimal(parts[0])
                    .and_then(|g| u32::try_from(g).ok())
                    .ok_or_else(|| TopicError::InvalidGeneration {
                        value: parts[0].to_owned(),
                    })?;
                (Some(g), &parts[1..])
            }
            count => return Err(TopicError::SegmentCount { count }),
        };
        if let Some(index) = parts.iter().position(|p| p.is_empty()) {
            return Err(TopicError::EmptySegment { index });
        }
        Ok(Self {
            generation,
            application: parts[0].to_owned(),
            version: parts[1].to_owned(),
            name: parts[2].to_owned(),
            encoding: parts[3].to_owned(),
        })
    }
}

impl fmt::Display for ContentTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(g) = self.generation {
            write!(f, "/{g}")?;
        }
        write!(
            f,
            "/{}/{}/{}/{}",
            self.application, self.version, self.name, self.encoding
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn pubsub_topics_round_trip() {
        for (s, cluster, shard) in [
            ("/waku/2/rs/16/32", 16, 32),
            ("/waku/2/rs/0/0", 0, 0),
            ("/waku/2/rs/65535/1023", 65535, 1023),
        ] {
            let t: PubsubTopic = s.parse().unwrap();
            assert_eq!(t, PubsubTopic::new(cluster, shard));
            assert_eq!(t.to_string(), s);
        }
    }

    #[test]
    fn every_pubsub_error_variant() {
        let err = |s: &str| s.parse::<PubsubTopic>().unwrap_err();
        assert_eq!(
            err("/waku/2/default-waku/proto"),
            TopicError::NotStaticSharding {
                topic: "/waku/2/default-waku/proto".into()
            }
        );
        assert_eq!(
            err("/waku/2/rs/16"),
            TopicError::ShardSegments { rest: "16".into() }
        );
        assert_eq!(
            err("/waku/2/rs/16/32/1"),
            TopicError::ShardSegments {
                rest: "16/32/1".into()
            }
        );
        assert_eq!(
            err("/waku/2/rs/65536/1"),
            TopicError::InvalidCluster {
                value: "65536".into()
            }
        );
        assert_eq!(
            err("/waku/2/rs/+1/1"),
            TopicError::InvalidCluster { value: "+1".into() }
        );
        assert_eq!(
            err("/waku/2/rs//1"),
            TopicError::InvalidCluster { value: "".into() }
        );
        assert_eq!(
            err("/waku/2/rs/16/1024"),
            TopicError::InvalidShard {
                value: "1024".into()
            }
        );
        assert_eq!(
            err("/waku/2/rs/16/-1"),
            TopicError::InvalidShard { value: "-1".into() }
        );
        assert_eq!(
            err("/waku/2/rs/16/ 3"),
            TopicError::InvalidShard { value: " 3".into() }
        );
        assert_eq!(
            err("/waku/2/rs/16/99999999999999999999"),
            TopicError::InvalidShard {
                value: "99999999999999999999".into()
            }
        );
    }

    #[test]
    fn content_topics_round_trip() {
        for s in [
            "/app/1/chat/proto",
            "/0/toychat/2/huilong/proto",
            "/waku/1/0x1234abcd/rfc26",
        ] {
            let t: ContentTopic = s.parse().unwrap();
            assert_eq!(t.to_string(), s);
        }
        let status: ContentTopic = "/waku/1/0x1234abcd/rfc26".parse().unwrap();
        assert_eq!(status.status_bytes(), Some([0x12, 0x34, 0xab, 0xcd]));
        assert_eq!(ContentTopic::status([0x12, 0x34, 0xab, 0xcd]), status);
        let generic: ContentTopic = "/app/1/chat/proto".parse().unwrap();
        assert_eq!(generic.status_bytes(), None);
        let short: ContentTopic = "/waku/1/0x1234/rfc26".parse().unwrap();
        assert_eq!(short.status_bytes(), None);
    }

    #[test]
    fn every_content_topic_error_variant() {
        let err = |s: &str| s.parse::<ContentTopic>().unwrap_err();
        assert_eq!(
            err("app/1/chat/proto"),
            TopicError::NotAbsolute {
                topic: "app/1/chat/proto".into()
            }
        );
        assert_eq!(err("/app/1/chat"), TopicError::SegmentCount { count: 3 });
        assert_eq!(err("/a/b/c/d/e/f"), TopicError::SegmentCount { count: 6 });
        assert_eq!(
            err("/app//chat/proto"),
            TopicError::EmptySegment { index: 1 }
        );
        assert_eq!(err("/app/1/chat/"), TopicError::EmptySegment { index: 3 });
        assert_eq!(
            err("/x/app/1/chat/proto"),
            TopicError::InvalidGeneration { value: "x".into() }
        );
    }
}
