//! 14/WAKU2-MESSAGE: validation, bounded decoding and the deterministic message hash.

use std::fmt;

use prost::Message as _;
use sha2::{Digest, Sha256};

pub use crate::proto::waku::message::v1::WakuMessage;

/// The Status fleet runs nwaku with `max-msg-size = 1024KiB` (infra-status group_vars), which is
/// also js-waku's own cap and gossipsub's. nwaku's default is 150 KiB: lower it for such nodes.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 1024 * 1024;

/// nwaku refuses longer `meta` (`MaxMetaAttrLength` in waku_core/message).
pub const MAX_META_LEN: usize = 64;

/// How large a message may be, on the wire, before we refuse to decode or send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageLimits {
    /// Upper bound on the encoded `WakuMessage`, in bytes (nwaku measures the encoded message).
    pub max_size: usize,
}

impl Default for MessageLimits {
    fn default() -> Self {
        Self {
            max_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}

/// What is wrong with a message we were given or asked to send.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MessageError {
    #[error("message is {size} bytes, over the limit of {max}")]
    TooLarge { size: usize, max: usize },
    #[error("meta is {len} bytes, over the limit of {MAX_META_LEN}")]
    MetaTooLong { len: usize },
    /// nwaku's decoder requires field 1 on the wire and protobuf encoders drop an empty one, so an
    /// empty payload would be refused by the service node: we refuse it first.
    #[error("payload is empty")]
    EmptyPayload,
    #[error("content topic is empty")]
    EmptyContentTopic,
    #[error("message does not decode: {0}")]
    Decode(#[from] prost::DecodeError),
}

impl WakuMessage {
    /// Decodes a message from untrusted bytes, checking the size before any allocation so that a
    /// peer cannot make us decode more than `limits` allows.
    pub fn decode_bounded(bytes: &[u8], limits: MessageLimits) -> Result<Self, MessageError> {
        if bytes.len() > limits.max_size {
            return Err(MessageError::TooLarge {
                size: bytes.len(),
                max: limits.max_size,
            });
        }
        Ok(Self::decode(bytes)?)
    }

    /// Checks what nwaku's relay validator and decoder would refuse, so that a refusal surfaces
    /// locally with a precise reason rather than as a remote status code.
    pub fn validate(&self, limits: MessageLimits) -> Result<(), MessageError> {
        if self.payload.is_empty() {
            return Err(MessageError::EmptyPayload);
        }
        if self.content_topic.is_empty() {
            return Err(MessageError::EmptyContentTopic);
        }
        if let Some(meta) = &self.meta
            && meta.len() > MAX_META_LEN
        {
            return Err(MessageError::MetaTooLong { len: meta.len() });
        }
        let size = self.encoded_len();
        if size > limits.max_size {
            return Err(MessageError::TooLarge {
                size,
                max: limits.max_size,
            });
        }
        Ok(())
    }

    /// The deterministic hash as nwaku computes it: it is the store key, the store cursor and the
    /// filter dedup key, so it must agree with the service nodes bit for bit.
    ///
    /// `sha256(pubsub_topic ‖ payload ‖ content_topic ‖ meta ‖ timestamp as u64 big-endian)`.
    /// The timestamp is always appended: 0 or absent gives eight zero bytes. js-waku omits those
    /// bytes for a zero timestamp and so disagrees with nwaku there (see the vector tests).
    pub fn hash(&self, pubsub_topic: &str) -> MessageHash {
        let mut h = Sha256::new();
        h.update(pubsub_topic.as_bytes());
        h.update(&self.payload);
        h.update(self.content_topic.as_bytes());
        if let Some(meta) = &self.meta {
            h.update(meta);
        }
        // nwaku: toBytesBE(uint64(timestamp)) — a negative timestamp wraps, as it does there.
        h.update((self.timestamp.unwrap_or(0) as u64).to_be_bytes());
        MessageHash(h.finalize().into())
    }
}

/// A 32-byte message hash. Shown as `0x`-prefixed lowercase hex, as nwaku logs it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageHash(pub [u8; 32]);

/// Why bytes or text are not a message hash.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum HashError {
    #[error("a message hash is 32 bytes, got {len}")]
    Length { len: usize },
    #[error("message hash is not hex: {0}")]
    Hex(#[from] hex::FromHexError),
}

impl MessageHash {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses `0x…` or bare hex, as hashes appear in logs, URLs and the command line.
    pub fn from_hex(s: &str) -> Result<Self, HashError> {
        let s = s.strip_prefix("0x").unwrap_or(s);
        Self::try_from(hex::decode(s)?.as_slice())
    }
}

impl TryFrom<&[u8]> for MessageHash {
    type Error = HashError;

    fn try_from(bytes: &[u8]) -> Result<Self, HashError> {
        <[u8; 32]>::try_from(bytes)
            .map(Self)
            .map_err(|_| HashError::Length { len: bytes.len() })
    }
}

impl fmt::Display for MessageHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for MessageHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageHash({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn message() -> WakuMessage {
        WakuMessage {
            payload: vec![1, 2, 3],
            content_topic: "/app/1/chat/proto".into(),
            timestamp: Some(1),
            ..Default::default()
        }
    }

    #[test]
    fn a_well_formed_message_validates() {
        assert_eq!(message().validate(MessageLimits::default()), Ok(()));
    }

    #[test]
    fn each_validation_error_names_its_cause() {
        let limits = MessageLimits::default();
        let empty = WakuMessage {
            payload: vec![],
            ..message()
        };
        assert_eq!(empty.validate(limits), Err(MessageError::EmptyPayload));

        let no_topic = WakuMessage {
            content_topic: String::new(),
            ..message()
        };
        assert_eq!(
            no_topic.validate(limits),
            Err(MessageError::EmptyContentTopic)
        );

        let meta = WakuMessage {
            meta: Some(vec![0; 65]),
            ..message()
        };
        assert_eq!(
            meta.validate(limits),
            Err(MessageError::MetaTooLong { len: 65 })
        );
        let meta_ok = WakuMessage {
            meta: Some(vec![0; 64]),
            ..message()
        };
        assert_eq!(meta_ok.validate(limits), Ok(()));

        let big = WakuMessage {
            payload: vec![7; 200],
            ..message()
        };
        let size = big.encoded_len();
        assert_eq!(
            big.validate(MessageLimits { max_size: 100 }),
            Err(MessageError::TooLarge { size, max: 100 })
        );
    }

    #[test]
    fn decode_refuses_oversize_input_before_parsing() {
        let bytes = message().encode_to_vec();
        let limits = MessageLimits {
            max_size: bytes.len() - 1,
        };
        assert_eq!(
            WakuMessage::decode_bounded(&bytes, limits),
            Err(MessageError::TooLarge {
                size: bytes.len(),
                max: bytes.len() - 1
            })
        );
        assert_eq!(
            WakuMessage::decode_bounded(&bytes, MessageLimits::default()),
            Ok(message())
        );
    }

    #[test]
    fn decode_reports_garbage_as_a_decode_error() {
        // Field 1 (payload) claims 100 bytes but only 2 follow.
        let err = WakuMessage::decode_bounded(&[0x0a, 100, 1, 2], MessageLimits::default());
        assert!(matches!(err, Err(MessageError::Decode(_))), "{err:?}");
    }

    #[test]
    fn hash_parse_errors() {
        assert_eq!(
            MessageHash::try_from(&[0u8; 31][..]),
            Err(HashError::Length { len: 31 })
        );
        assert_eq!(
            MessageHash::from_hex("0xabcd"),
            Err(HashError::Length { len: 2 })
        );
        assert!(matches!(
            MessageHash::from_hex("0xzz"),
            Err(HashError::Hex(_))
        ));
        let h = message().hash("/waku/2/rs/16/32");
        assert_eq!(MessageHash::from_hex(&h.to_string()), Ok(h));
        assert_eq!(
            MessageHash::from_hex(h.to_string().trim_start_matches("0x")),
            Ok(h)
        );
    }
}
