//! The Waku core: messages and their deterministic hash, pubsub and content topics, sharding.
//!
//! Everything here is pure and total: parsers return a typed error naming what was wrong and never
//! panic, so the same code serves the browser client, the native node and the fuzzers.

pub mod dns_discovery;
pub mod enr;
pub mod message;
pub mod sharding;
pub mod topic;

pub use message::{HashError, MessageError, MessageHash, MessageLimits, WakuMessage};
pub use sharding::{ShardingError, autoshard};
pub use topic::{ContentTopic, PubsubTopic, TopicError};
