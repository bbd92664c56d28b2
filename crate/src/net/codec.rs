//! One unsigned-varint-length-prefixed protobuf per frame, as nim-libp2p's `readLp`/`writeLp` and
//! js-waku's `it-length-prefixed` write them. Every Waku request/response protocol sends one frame
//! each way on a fresh stream; filter push sends many frames on one long-lived stream.

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use prost::Message;

/// A varint longer than this cannot describe a length we would accept anyway.
const MAX_VARINT_BYTES: usize = 10;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("stream i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("frame of {len} bytes is over the limit of {max}")]
    TooLarge { len: u64, max: usize },
    #[error("frame length prefix is not a valid varint")]
    BadLength,
    #[error("stream ended {got} bytes into a frame of {expected}")]
    Truncated { expected: usize, got: usize },
    #[error("frame does not decode as {message}: {source}")]
    Decode {
        message: &'static str,
        source: prost::DecodeError,
    },
}

/// Reads one frame of at most `max` bytes. `Ok(None)` means the stream ended cleanly before a
/// frame began: js-waku opens some streams ahead of time and closes them unused, which is not an
/// error. The length is checked against `max` before anything is allocated, and the buffer grows
/// only with the bytes that arrive, so memory follows what a peer sends, not what it claims.
pub async fn read_frame<R: AsyncRead + Unpin>(
    io: &mut R,
    max: usize,
) -> Result<Option<Vec<u8>>, FrameError> {
    let mut len: u64 = 0;
    let mut byte = [0u8; 1];
    for i in 0..MAX_VARINT_BYTES {
        if io.read(&mut byte).await? == 0 {
            return if i == 0 {
                Ok(None)
            } else {
                Err(FrameError::Truncated {
                    expected: 0,
                    got: 0,
                })
            };
        }
        let b = byte[0];
        len |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            // A non-minimal encoding such as 0x80 0x00 is still the same length; accept it.
            if len > max as u64 {
                return Err(FrameError::TooLarge { len, max });
            }
            let len = len as usize;
            // Grown as bytes arrive (doubling, from nothing), never to the claimed length up
            // front: a peer that claims a large frame and sends nothing costs us nothing.
            let mut buf = Vec::new();
            (&mut *io).take(len as u64).read_to_end(&mut buf).await?;
            if buf.len() < len {
                return Err(FrameError::Truncated {
                    expected: len,
                    got: buf.len(),
                });
            }
            return Ok(Some(buf));
        }
    }
    Err(FrameError::BadLength)
}

/// Writes one frame and flushes it.
pub async fn write_frame<W: AsyncWrite + Unpin>(
    io: &mut W,
    bytes: &[u8],
) -> Result<(), FrameError> {
    let mut prefix = Vec::with_capacity(MAX_VARINT_BYTES + bytes.len());
    prost::encoding::encode_varint(bytes.len() as u64, &mut prefix);
    prefix.extend_from_slice(bytes);
    io.write_all(&prefix).await?;
    io.flush().await?;
    Ok(())
}

/// Reads and decodes one protobuf frame; `Ok(None)` on a clean end before any byte.
pub async fn read_message<M: Message + Default, R: AsyncRead + Unpin>(
    io: &mut R,
    max: usize,
) -> Result<Option<M>, FrameError> {
    match read_frame(io, max).await? {
        None => Ok(None),
        Some(bytes) => M::decode(bytes.as_slice())
            .map(Some)
            .map_err(|source| FrameError::Decode {
                message: std::any::type_name::<M>(),
                source,
            }),
    }
}

/// Encodes and writes one protobuf frame.
pub async fn write_message<M: Message, W: AsyncWrite + Unpin>(
    io: &mut W,
    message: &M,
) -> Result<(), FrameError> {
    write_frame(io, &message.encode_to_vec()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::io::Cursor;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn read(bytes: &[u8], max: usize) -> Result<Option<Vec<u8>>, FrameError> {
        block_on(read_frame(&mut Cursor::new(bytes.to_vec()), max))
    }

    #[test]
    fn frames_round_trip_back_to_back() {
        let mut out = Cursor::new(Vec::new());
        block_on(async {
            write_frame(&mut out, b"hello").await.unwrap();
            write_frame(&mut out, &[7u8; 300]).await.unwrap();
        });
        let bytes = out.into_inner();
        assert_eq!(&bytes[..6], b"\x05hello");
        assert_eq!(&bytes[6..8], &[0xac, 0x02]);
        let mut cur = Cursor::new(bytes);
        block_on(async {
            assert_eq!(
                read_frame(&mut cur, 1000).await.unwrap(),
                Some(b"hello".to_vec())
            );
            assert_eq!(
                read_frame(&mut cur, 1000).await.unwrap(),
                Some(vec![7u8; 300])
            );
            assert_eq!(read_frame(&mut cur, 1000).await.unwrap(), None);
        });
    }

    #[test]
    fn every_frame_error() {
        assert!(matches!(
            read(&[0xac, 0x02], 299),
            Err(FrameError::TooLarge { len: 300, max: 299 })
        ));
        assert!(matches!(
            read(&[0xff; 11], 1 << 20),
            Err(FrameError::BadLength)
        ));
        assert!(matches!(
            read(&[5, b'a', b'b'], 10),
            Err(FrameError::Truncated {
                expected: 5,
                got: 2
            })
        ));
        assert!(matches!(
            read(&[0x80], 10),
            Err(FrameError::Truncated { .. })
        ));
        // A length of 2^63 is refused without trying to allocate it.
        let huge = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
        assert!(matches!(
            read(&huge, 1 << 20),
            Err(FrameError::TooLarge { .. })
        ));
        let bad = block_on(read_message::<crate::waku::WakuMessage, _>(
            &mut Cursor::new(vec![2, 0x0a, 0x05]),
            10,
        ));
        assert!(matches!(bad, Err(FrameError::Decode { .. })), "{bad:?}");
        // A claim of 100 MiB followed by a few bytes allocates for the bytes, not the claim.
        let mut claim = Vec::new();
        prost::encoding::encode_varint(100 << 20, &mut claim);
        claim.extend_from_slice(&[1, 2, 3]);
        assert!(matches!(
            read(&claim, 128 << 20),
            Err(FrameError::Truncated {
                expected: 104_857_600,
                got: 3
            })
        ));
        let io = FrameError::from(std::io::Error::other("reset"));
        assert!(io.to_string().contains("reset"));
    }
}
