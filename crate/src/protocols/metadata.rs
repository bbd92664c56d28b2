//! Metadata: `/vac/waku/metadata/1.0.0`. nwaku opens it towards every peer that connects and
//! disconnects (and forgets) a peer that does not answer with its own cluster id.

pub const PROTOCOL: &str = "/vac/waku/metadata/1.0.0";

/// nwaku `RpcResponseMaxBytes` for the metadata answer.
pub const MAX_FRAME: usize = 1024;
