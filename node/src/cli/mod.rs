//! One subcommand per file.

pub mod channel;
pub mod link;
pub mod network;
pub mod node;
pub mod publish;
pub mod query;
pub mod subscribe;
