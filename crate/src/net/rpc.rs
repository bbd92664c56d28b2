//! The request/response codec every Waku req/resp protocol shares, for rust-libp2p's
//! `request_response`: one length-prefixed frame each way, the protocol chosen by multistream.
//!
//! Frames stay bytes here; each protocol module decodes its own protobuf, so that a frame that
//! does not decode can still get the protocol's own "bad request" answer, as nwaku gives it.

use std::io;

use futures::{AsyncRead, AsyncWrite};
use libp2p::StreamProtocol;

use super::codec::{FrameError, read_frame, write_frame};

/// One request as read off a stream: the protocol it came on and its bytes, or the length it
/// claimed when that was over the protocol's limit (so the service can still answer "too large").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub protocol: StreamProtocol,
    pub body: FrameBody,
}

/// Every way a request can arrive. Malformed and empty requests are values, not read errors:
/// a read error only resets the stream when the connection is next polled, which over mplex can
/// be seconds later, while an answered or refused request is closed at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameBody {
    Bytes(Vec<u8>),
    /// The length prefix claimed more than the protocol allows; nothing was read past it.
    Oversize {
        len: u64,
    },
    /// The stream ended inside the frame, or the length prefix was not a varint.
    Malformed(String),
    /// The stream closed before a request began (js-waku opens some streams ahead of time).
    Empty,
}

pub use crate::protocols::frame_limits;

fn to_io(e: FrameError) -> io::Error {
    match e {
        FrameError::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}

/// The codec value handed to `request_response::Behaviour::with_codec`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameCodec;

impl libp2p::request_response::Codec for FrameCodec {
    type Protocol = StreamProtocol;
    type Request = Frame;
    type Response = Vec<u8>;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Frame> {
        let (max, _) = frame_limits(protocol.as_ref());
        let body = match read_frame(io, max).await {
            Ok(Some(bytes)) => FrameBody::Bytes(bytes),
            Ok(None) => FrameBody::Empty,
            Err(FrameError::TooLarge { len, .. }) => FrameBody::Oversize { len },
            Err(e @ (FrameError::Truncated { .. } | FrameError::BadLength)) => {
                FrameBody::Malformed(e.to_string())
            }
            Err(e) => return Err(to_io(e)),
        };
        Ok(Frame {
            protocol: protocol.clone(),
            body,
        })
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Vec<u8>> {
        let (_, max) = frame_limits(protocol.as_ref());
        read_frame(io, max)
            .await
            .map_err(to_io)?
            .ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Frame,
    ) -> io::Result<()> {
        match req.body {
            FrameBody::Bytes(bytes) => write_frame(io, &bytes).await.map_err(to_io),
            other => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not a sendable request: {other:?}"),
            )),
        }
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Vec<u8>,
    ) -> io::Result<()> {
        write_frame(io, &res).await.map_err(to_io)
    }
}
