//! The archives themselves (`WakuMessageArchive`) and the link announcement, as status-go encodes
//! them (status-wire.md §7). An archived message is not a Waku message: `sig` is the 65-byte
//! public key of the RFC-26 signer, the timestamp is in seconds, the topic is the 4-byte content
//! topic and the payload is the already-decrypted RFC-26 data, ready for the segment layer.

use prost::Message as _;

use crate::proto::status::{
    ArchiveWakuMessage, CommunityMessageArchiveLink, WakuMessageArchive, WakuMessageArchiveMetadata,
};
use crate::status::keys::{KeyError, PublicKey};

/// Largest encoded archive we decode: status-go caps the payload+sig bytes of a chunk at
/// [`MAX_ARCHIVE_PAYLOAD`]; the protobuf framing and the other fields add well under 2×.
pub const MAX_ARCHIVE_BYTES: usize = 64 << 20;
/// status-go `maxArchiveSizeInBytes`: Σ(len(payload)+len(sig)) of one archive chunk.
pub const MAX_ARCHIVE_PAYLOAD: usize = 30_000_000;

/// Why an archive or an archived message is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("archive of {len} bytes is larger than {MAX_ARCHIVE_BYTES}")]
    TooLarge { len: usize },
    #[error("not a WakuMessageArchive: {0}")]
    Protobuf(String),
    #[error("archive has no metadata")]
    NoMetadata,
    #[error("message {index}: signer key is not a valid public key: {source}")]
    Signer { index: usize, source: KeyError },
    #[error("message {index}: topic is {len} bytes, not 4")]
    Topic { index: usize, len: usize },
    #[error("content topic of {len} bytes in the metadata, not 4")]
    MetadataTopic { len: usize },
    #[error("archive window {from}..{to} is empty or reversed")]
    Window { from: u64, to: u64 },
    #[error("not a CommunityMessageArchiveLink: {0}")]
    Link(String),
    #[error("archive link signed by {signer}, not by the community key {community}")]
    WrongSigner { signer: String, community: String },
}

/// One archived message, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedMessage {
    /// The RFC-26 signer (the archive's `sig` field).
    pub signer: PublicKey,
    /// Seconds since the epoch.
    pub timestamp_s: u64,
    pub topic: [u8; 4],
    /// The RFC-26 decrypted data: what `status::segment` / `status::envelope` take next.
    pub payload: Vec<u8>,
    /// The RFC-26 padding.
    pub padding: Vec<u8>,
    /// The Waku message hash (deterministic hash of the original message).
    pub hash: Vec<u8>,
    pub third_party_id: String,
}

impl ArchivedMessage {
    /// The bytes status-go counts against [`MAX_ARCHIVE_PAYLOAD`].
    pub fn counted_len(&self) -> usize {
        self.payload.len() + 65
    }

    pub fn to_proto(&self) -> ArchiveWakuMessage {
        ArchiveWakuMessage {
            sig: self.signer.to_uncompressed().to_vec(),
            timestamp: self.timestamp_s,
            topic: self.topic.to_vec(),
            payload: self.payload.clone(),
            padding: self.padding.clone(),
            hash: self.hash.clone(),
            third_party_id: self.third_party_id.clone(),
        }
    }

    /// The content topic as a string, `/waku/1/0x<topic>/rfc26`.
    pub fn content_topic(&self) -> String {
        format!("/waku/1/0x{}/rfc26", hex::encode(self.topic))
    }

    /// Decodes the message through the normal Status receive path from the segment layer on
    /// (`keys` matter only for community descriptions). Segments come back as
    /// [`StatusEvent::Segment`](crate::status::codec::StatusEvent::Segment) for a `SegmentBuffer`.
    pub fn decode_status(
        &self,
        keys: &crate::status::codec::Keys,
    ) -> Result<crate::status::codec::StatusEvent, crate::status::codec::StatusError> {
        crate::status::codec::decode_opened_data(
            &self.payload,
            self.signer,
            i64::try_from(self.timestamp_s.saturating_mul(1_000_000_000)).unwrap_or(i64::MAX),
            &self.content_topic(),
            keys,
        )
    }

    fn from_proto(index: usize, m: ArchiveWakuMessage) -> Result<Self, ArchiveError> {
        let signer = PublicKey::from_sec1(&m.sig)
            .map_err(|source| ArchiveError::Signer { index, source })?;
        let topic = m
            .topic
            .as_slice()
            .try_into()
            .map_err(|_| ArchiveError::Topic {
                index,
                len: m.topic.len(),
            })?;
        Ok(ArchivedMessage {
            signer,
            timestamp_s: m.timestamp,
            topic,
            payload: m.payload,
            padding: m.padding,
            hash: m.hash,
            third_party_id: m.third_party_id,
        })
    }
}

/// An archive: one chunk of one 7-day window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    /// Window start and end in seconds; status-go takes `from <= t < to`.
    pub from: u64,
    pub to: u64,
    /// The community's content topics the window covered.
    pub content_topics: Vec<[u8; 4]>,
    pub messages: Vec<ArchivedMessage>,
}

/// The metadata message shared by an archive and its index entry.
pub fn metadata_proto(from: u64, to: u64, topics: &[[u8; 4]]) -> WakuMessageArchiveMetadata {
    WakuMessageArchiveMetadata {
        version: 0,
        from,
        to,
        content_topic: topics.iter().map(|t| t.to_vec()).collect(),
    }
}

pub(crate) fn topics_from_proto(topics: &[Vec<u8>]) -> Result<Vec<[u8; 4]>, ArchiveError> {
    topics
        .iter()
        .map(|t| {
            t.as_slice()
                .try_into()
                .map_err(|_| ArchiveError::MetadataTopic { len: t.len() })
        })
        .collect()
}

impl Archive {
    /// status-go's encoding (`proto.Marshal(WakuMessageArchive)`; version 0, as status-go leaves it).
    pub fn encode(&self) -> Vec<u8> {
        WakuMessageArchive {
            version: 0,
            metadata: Some(metadata_proto(self.from, self.to, &self.content_topics)),
            messages: self
                .messages
                .iter()
                .map(ArchivedMessage::to_proto)
                .collect(),
        }
        .encode_to_vec()
    }

    /// Decodes an archive cut out of the data file (without its zero padding).
    pub fn decode(bytes: &[u8]) -> Result<Archive, ArchiveError> {
        if bytes.len() > MAX_ARCHIVE_BYTES {
            return Err(ArchiveError::TooLarge { len: bytes.len() });
        }
        let a =
            WakuMessageArchive::decode(bytes).map_err(|e| ArchiveError::Protobuf(e.to_string()))?;
        let meta = a.metadata.ok_or(ArchiveError::NoMetadata)?;
        if meta.from > meta.to {
            return Err(ArchiveError::Window {
                from: meta.from,
                to: meta.to,
            });
        }
        Ok(Archive {
            from: meta.from,
            to: meta.to,
            content_topics: topics_from_proto(&meta.content_topic)?,
            messages: a
                .messages
                .into_iter()
                .enumerate()
                .map(|(i, m)| ArchivedMessage::from_proto(i, m))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// Splits a window's messages the way status-go does: a message whose own counted size exceeds
/// the cap is dropped, and a chunk is closed before the message that would overflow it.
pub fn chunk_messages(messages: Vec<ArchivedMessage>, cap: usize) -> Vec<Vec<ArchivedMessage>> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut size = 0usize;
    for m in messages {
        let n = m.counted_len();
        if n > cap {
            continue;
        }
        if size + n > cap {
            chunks.push(std::mem::take(&mut current));
            size = 0;
        }
        current.push(m);
        size += n;
    }
    chunks.push(current);
    chunks
}

/// The announcement's payload (AMM type 43), under either of its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLinkMessage {
    /// The sender's clock (ms); the newest wins.
    pub clock: u64,
    /// A magnet URI (or, in status-go's Logos Storage mode, an index CID we do not read).
    pub link: String,
}

impl ArchiveLinkMessage {
    pub fn encode(&self) -> Vec<u8> {
        CommunityMessageArchiveLink {
            clock: self.clock,
            archive_link: self.link.clone(),
        }
        .encode_to_vec()
    }

    /// Decodes `CommunityMessageArchiveLink` / `CommunityMessageArchiveMagnetlink` (same wire).
    pub fn decode(payload: &[u8]) -> Result<Self, ArchiveError> {
        if payload.len() > super::magnet::MAX_MAGNET_LEN + 64 {
            return Err(ArchiveError::Link(format!("{} bytes", payload.len())));
        }
        let m = CommunityMessageArchiveLink::decode(payload)
            .map_err(|e| ArchiveError::Link(e.to_string()))?;
        Ok(ArchiveLinkMessage {
            clock: m.clock,
            link: m.archive_link,
        })
    }
}

/// A link counts only when the AMM signer is the community key itself.
pub fn check_link_signer(signer: &PublicKey, community: &PublicKey) -> Result<(), ArchiveError> {
    if signer == community {
        Ok(())
    } else {
        Err(ArchiveError::WrongSigner {
            signer: signer.to_compressed_hex(),
            community: community.to_compressed_hex(),
        })
    }
}

/// status-go 2022–24 `MagnetlinkMessageChannelID`: `<community id>-magnetlinks`.
pub fn magnetlinks_chat_id(community: &PublicKey) -> String {
    format!(
        "{}-magnetlinks",
        crate::status::keys::community_id(community)
    )
}

/// Every chat an archive link may arrive on: the universal `-memberUpdate` chat (where status-go
/// has published `CommunityMessageArchiveLink` since the universal-channel change, and where
/// current Desktop listens) and the older `-magnetlinks` chat.
pub fn archive_link_chat_ids(community: &PublicKey) -> [String; 2] {
    [
        crate::status::keys::member_update_chat_id(community),
        magnetlinks_chat_id(community),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::keys::PrivateKey;

    fn msg(key: &PrivateKey, ts: u64, payload: &[u8]) -> ArchivedMessage {
        ArchivedMessage {
            signer: key.public_key(),
            timestamp_s: ts,
            topic: [1, 2, 3, 4],
            payload: payload.to_vec(),
            padding: vec![0; 3],
            hash: vec![9; 32],
            third_party_id: String::new(),
        }
    }

    #[test]
    fn archive_bytes_are_status_go_field_numbers() {
        let key = PrivateKey::from_bytes(&[1; 32]).unwrap();
        let a = Archive {
            from: 1,
            to: 2,
            content_topics: vec![[1, 2, 3, 4]],
            messages: vec![msg(&key, 1, b"x")],
        };
        let bytes = a.encode();
        // metadata (field 2): from=1 (0x10 01), to=2 (0x18 02), contentTopic (0x22 04 ..).
        assert_eq!(
            &bytes[..12],
            &[0x12, 0x0a, 0x10, 1, 0x18, 2, 0x22, 4, 1, 2, 3, 4]
        );
        // messages (field 3): sig (0x0a 0x41 0x04 …).
        assert_eq!(&bytes[12..13], &[0x1a]);
        assert_eq!(&bytes[14..17], &[0x0a, 0x41, 0x04]);
        assert_eq!(Archive::decode(&bytes).unwrap(), a);
    }

    #[test]
    fn rejects_undecodable_messages() {
        let bad_sig = WakuMessageArchive {
            version: 0,
            metadata: Some(metadata_proto(0, 1, &[])),
            messages: vec![ArchiveWakuMessage {
                sig: vec![4; 65],
                topic: vec![0; 4],
                ..Default::default()
            }],
        };
        assert!(matches!(
            Archive::decode(&bad_sig.encode_to_vec()),
            Err(ArchiveError::Signer { index: 0, .. })
        ));
        assert!(matches!(
            Archive::decode(&[0xff, 0xff]),
            Err(ArchiveError::Protobuf(_))
        ));
        assert_eq!(Archive::decode(&[]), Err(ArchiveError::NoMetadata));
    }

    #[test]
    fn chunks_like_status_go() {
        let key = PrivateKey::from_bytes(&[1; 32]).unwrap();
        let ms = vec![
            msg(&key, 1, &[0; 35]),
            msg(&key, 2, &[0; 35]),
            msg(&key, 3, &[0; 500]),
        ];
        // Each counts 100; cap 150: [m1], [m2]; m3 (565) is dropped.
        let c = chunk_messages(ms, 150);
        assert_eq!(c.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 1]);
    }

    #[test]
    fn link_payload_and_signer() {
        let m = ArchiveLinkMessage {
            clock: 5,
            link: "magnet:?xt=urn:btih:00".into(),
        };
        let bytes = m.encode();
        assert_eq!(&bytes[..4], &[0x08, 5, 0x12, 22]);
        assert_eq!(ArchiveLinkMessage::decode(&bytes).unwrap(), m);
        let a = PrivateKey::from_bytes(&[1; 32]).unwrap().public_key();
        let b = PrivateKey::from_bytes(&[2; 32]).unwrap().public_key();
        assert!(check_link_signer(&a, &a).is_ok());
        assert!(matches!(
            check_link_signer(&b, &a),
            Err(ArchiveError::WrongSigner { .. })
        ));
    }
}
