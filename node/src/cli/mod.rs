//! One subcommand per file.

pub mod archive;
pub mod category;
pub mod channel;
pub mod chat;
pub mod community;
pub mod link;
pub mod network;
pub mod node;
pub mod ports;
pub mod publish;
pub mod query;
pub mod serve;
pub mod subscribe;
