//! `hearth::Client`: see `types` for what it hands to apps.

pub mod types;

pub use types::*;
