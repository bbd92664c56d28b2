//! The Status layers on top of Waku, each a pure function from bytes to a typed value or a typed
//! error (and back), byte-compatible with status-go.
//!
//! Receive order, outermost first (see DESIGN.md, "How a message flows"):
//! [`payload`] (26/WAKU2-PAYLOAD v1) → [`segment`] → [`envelope`] (ProtocolMessage, SDS,
//! ApplicationMetadataMessage) → [`chat`] / [`community`]. [`codec`] walks all of them in one call;
//! [`keys`] holds the ids, key formats, topics and symmetric keys they share; [`link`] parses and
//! builds status.app preview links. [`outgoing`] encodes any message we send; [`join`] is the request
//! to join and its answer, both ways; [`storenodes`] the community's signed store-node list.
//! [`alias`] and [`identicon`] give a key the three-word name, emoji hash and colour ring Status
//! shows beside it.

pub mod alias;
pub mod chat;
pub mod codec;
pub mod community;
pub mod envelope;
pub mod eth;
pub mod identicon;
pub mod join;
pub mod keys;
pub mod link;
pub mod outgoing;
pub mod payload;
pub mod segment;
pub mod storenodes;
