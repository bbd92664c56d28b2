//! `hearth::net::codec`: the varint-length-prefixed framing of every request/response protocol.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::executor::block_on;
use futures::io::{AsyncRead, Cursor};
use hearth::net::{FrameError, read_frame, read_message, write_frame};
use hearth::proto::waku::{filter, lightpush, store};

use crate::input::Reader;

/// A stream that hands out at most `chunk` bytes per read and can fail with an i/o error at a
/// chosen offset, as a real libp2p stream may: frames then arrive in pieces.
struct Stream<'a> {
    data: &'a [u8],
    pos: usize,
    chunk: usize,
    fail_at: Option<usize>,
}

impl AsyncRead for Stream<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.fail_at.is_some_and(|at| self.pos >= at) {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionReset, "fuzz")));
        }
        let n = buf.len().min(self.chunk).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Poll::Ready(Ok(n))
    }
}

/// Frames one read can yield at most: a filter push stream carries many.
const MAX_FRAMES: usize = 64;

/// `read_frame` over a chunked, possibly failing stream until it ends, then `read_message` as the
/// filter push, store and lightpush responses over a plain `Cursor`.
///
/// Layout: `u16` frame limit, `u8` read size (0 = 1 byte), `u16` failure offset (0 = never),
/// then the stream bytes.
///
/// Invariants: no frame is longer than the limit; a frame read is exactly what the next bytes of
/// the stream hold (re-framing it with `write_frame` and reading it back gives the same bytes);
/// a clean end before any frame byte is `Ok(None)`.
pub fn frame_codec(data: &[u8]) {
    let mut r = Reader::new(data);
    let max = usize::from(r.u16());
    let chunk = usize::from(r.u8()).max(1);
    let fail_at = match r.u16() {
        0 => None,
        at => Some(usize::from(at)),
    };
    let bytes = r.rest();

    let mut stream = Stream {
        data: bytes,
        pos: 0,
        chunk,
        fail_at,
    };
    for _ in 0..MAX_FRAMES {
        match block_on(read_frame(&mut stream, max)) {
            Ok(Some(frame)) => {
                assert!(frame.len() <= max, "frame of {} over {max}", frame.len());
                assert!(stream.data[..stream.pos].ends_with(&frame));
                let mut out = Cursor::new(Vec::new());
                block_on(write_frame(&mut out, &frame)).expect("writing to memory");
                let mut back = Cursor::new(out.into_inner());
                let again = block_on(read_frame(&mut back, max)).expect("re-read");
                assert_eq!(again.as_deref(), Some(frame.as_slice()));
            }
            Ok(None) => {
                assert_eq!(stream.pos, stream.data.len(), "Ok(None) before the end");
                break;
            }
            Err(FrameError::Io(_)) => break,
            Err(_) => break,
        }
    }

    let max = max.max(1 << 16);
    let _ = block_on(read_message::<filter::v2::MessagePush, _>(
        &mut Cursor::new(bytes),
        max,
    ));
    let _ = block_on(read_message::<store::v3::StoreQueryResponse, _>(
        &mut Cursor::new(bytes),
        max,
    ));
    let _ = block_on(read_message::<lightpush::v3::LightPushResponse, _>(
        &mut Cursor::new(bytes),
        max,
    ));
    let _ = block_on(read_message::<lightpush::v2::PushRpc, _>(
        &mut Cursor::new(bytes),
        max,
    ));
}

/// The light client's readers of service-node answers, on any bytes: lightpush v3 and v2, store,
/// filter (answer and push), metadata and peer exchange. The first byte picks the reader; the
/// request id they check against is fixed. Invariants: a store page's hashes and cursor are 32
/// bytes, a push's message passes validation, and a peer-exchange answer yields no more records
/// than nwaku's cap.
pub fn client_answers(data: &[u8]) {
    use hearth::protocols::{filter as f, lightpush as l, metadata, peer_exchange as px, store as s};
    use hearth::waku::MessageLimits;

    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    const ID: &str = "req-1";
    match which % 8 {
        0 => {
            let _ = l::decode_response_v3(bytes, ID);
        }
        1 => {
            let _ = l::decode_response_v2(bytes, ID);
        }
        2 => {
            if let Ok(page) = s::decode_response(bytes, ID) {
                for m in &page.messages {
                    assert_eq!(m.hash.as_bytes().len(), 32);
                }
            }
        }
        3 => {
            let _ = f::decode_response(bytes, ID);
        }
        4 => {
            let limits = MessageLimits { max_size: 64 * 1024 };
            if let Ok((_, message)) = f::decode_push(bytes, limits) {
                message.validate(limits).expect("a decoded push is valid");
            }
        }
        5 => {
            if let Ok((_, shards)) = metadata::decode_response(bytes) {
                assert!(shards.len() <= bytes.len());
            }
        }
        6 => {
            if let Ok((enrs, bad)) = px::decode_response(bytes) {
                assert!(enrs.len() + bad <= px::MAX_PEERS as usize);
            }
        }
        _ => {
            // A query built from the bytes encodes, whatever they say.
            let mut r = Reader::new(bytes);
            let q = s::StoreQuery::topics(
                String::from_utf8_lossy(r.chunk()).into_owned(),
                [String::from_utf8_lossy(r.chunk()).into_owned()],
            )
            .page_size(r.u64());
            let _ = q.validate();
            let _ = q.encode_request(ID);
        }
    }
}
