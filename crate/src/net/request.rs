//! One request, one answer: open a stream to a service peer for a protocol, write one frame, read
//! one frame, all under one deadline. Every failure says which peer, which protocol and why, so
//! the caller can fail over and the user can be told something true.

use std::time::Duration;

use futures::AsyncWriteExt;
use libp2p::{PeerId, StreamProtocol};
use libp2p_stream::{Control, OpenStreamError};

use super::codec::{FrameError, read_frame, write_frame};
use super::rpc::frame_limits;
use super::runtime;

pub use crate::protocols::Cause;

/// A failed exchange with one service peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{protocol} with {peer}: {cause}")]
pub struct RequestError {
    pub peer: PeerId,
    pub protocol: &'static str,
    pub cause: Cause,
}

impl RequestError {
    pub fn new(peer: PeerId, protocol: &'static str, cause: Cause) -> Self {
        Self {
            peer,
            protocol,
            cause,
        }
    }
}

fn frame_cause(e: FrameError) -> Cause {
    match e {
        FrameError::Io(e) => Cause::Stream(e.to_string()),
        other => Cause::Malformed(other.to_string()),
    }
}

/// Sends `body` on a fresh stream and returns the answer frame. Dials the peer when there is no
/// connection (its addresses must be known to the swarm). Dropping the future resets the stream.
pub async fn request(
    control: &mut Control,
    peer: PeerId,
    protocol: &'static str,
    body: &[u8],
    deadline: Duration,
) -> Result<Vec<u8>, RequestError> {
    let err = |cause| RequestError::new(peer, protocol, cause);
    let exchange = async {
        let mut stream = control
            .open_stream(peer, StreamProtocol::new(protocol))
            .await
            .map_err(|e| match e {
                OpenStreamError::UnsupportedProtocol(_) => Cause::Unsupported,
                other => Cause::Unreachable(other.to_string()),
            })?;
        write_frame(&mut stream, body).await.map_err(frame_cause)?;
        // Half-close: nim-libp2p and our node answer either way, but it tells the peer we are done.
        let _ = stream.close().await;
        let (_, max) = frame_limits(protocol);
        read_frame(&mut stream, max)
            .await
            .map_err(frame_cause)?
            .ok_or_else(|| Cause::Stream("closed without an answer".into()))
    };
    match runtime::timeout(deadline, exchange).await {
        Some(Ok(bytes)) => Ok(bytes),
        Some(Err(cause)) => Err(err(cause)),
        None => Err(err(Cause::Timeout(deadline))),
    }
}
