//! One subcommand per file.

pub mod link;
