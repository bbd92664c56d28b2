//! Moving bytes: transports, the framing every Waku request/response protocol shares, the peer
//! book, and the light client that puts them together.

pub mod client;
pub mod codec;
pub mod config;
pub mod doh;
pub mod inbound;
pub mod peers;
pub mod request;
pub mod rpc;
pub mod runtime;
pub mod transport;

pub use client::{ClientError, LightClient, PushReport, Received, Subscription};
pub use codec::{FrameError, read_frame, read_message, write_frame, write_message};
pub use config::ClientConfig;
pub use request::{Cause, RequestError};
