//! Hearth: a light client for Status Communities over Waku v2.
//!
//! The library is sans-IO at its core: each wire layer is a pure function from bytes to a typed
//! value or a typed error, so it can be tested without a network and reused by the native node.

pub mod client;
pub mod history;
pub mod identity;
// The JS API (wasm-bindgen exports) only when asked for: an app that links the library must not
// carry every export.
#[cfg(all(target_arch = "wasm32", feature = "js"))]
pub mod js;
pub mod net;
pub mod proto;
pub mod protocols;
pub mod status;
pub mod storage;
pub mod waku;

/// The crate version, shown by the app and sent as the libp2p agent version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

// Unit tests run in headless Chromium too (`cargo test --target wasm32-unknown-unknown`).
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
