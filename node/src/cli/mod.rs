//! One subcommand per file.

pub mod link;
pub mod node;
