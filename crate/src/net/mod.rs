//! Moving bytes: the framing every Waku request/response protocol shares. (Transports, the peer
//! book and reconnection join this module with the light client.)

pub mod codec;
pub mod rpc;

pub use codec::{FrameError, read_frame, read_message, write_frame, write_message};
