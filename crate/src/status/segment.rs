//! Segmentation: how status-go carries a payload too large for one Waku message, and how we put it
//! back together without letting a stranger fill our memory.
//!
//! A payload above [`SEGMENT_SIZE`] is cut into `SegmentMessage`s, each the RFC-26 data of its own
//! Waku message, all carrying `keccak256(payload)` as `entire_message_hash`. From 8 data segments on
//! the sender adds `floor(n / 8)` Reed–Solomon parity segments (klauspost/reedsolomon's default
//! code), so a receiver can rebuild the payload from any `n` of the `n + parity` pieces.
//!
//! Sources (status-go): `protocol/common/message_segmentation.go` @ `c72f4913` (Oct 2024) and its
//! successor `pkg/messaging/layers/segmentation/segmenter.go` @ `d4f47e10` plus `message.go` @
//! `0fcf4ceb` (2025–2026), which adds `original_payload_length` (fix for status-go #7444) and the
//! stricter `IsValid` shape check (status-go PR #6717).
//!
//! Reed–Solomon compatibility: klauspost/reedsolomon's `New(data, parity)` with default options
//! builds a Vandermonde matrix `m[r][c] = r^c` over GF(2^8) with generator polynomial 29 (0x11d) and
//! multiplies it by the inverse of its top square (`reedsolomon.go` `buildMatrix`, `galois.go`
//! `generatingPolynomial = 29`, `galExp`, @ `0596408d`). `reed-solomon-erasure` 6's `galois_8`
//! builds the same matrix the same way (`core.rs` `build_matrix`, `matrix.rs` `vandermonde`,
//! `build.rs` `GENERATING_POLYNOMIAL = 29`), so parity written by status-go recovers here; the
//! known-answer test `klauspost_one_encode_vector` pins it.
//!
//! Everything here is sans-IO: time comes in as `now_ms`, never from a clock.

use std::collections::{BTreeMap, VecDeque};

use prost::Message;
use reed_solomon_erasure::galois_8::ReedSolomon;

use crate::proto::status::SegmentMessage;
use crate::status::keys::{PublicKey, keccak256};

/// status-go's default maximum Waku message size, 1 MiB (`wakuv2/common/const.go`
/// `DefaultMaxMessageSize = uint32(1 << 20)` @ `c72f4913`). A segment rides in one Waku message, so
/// no segment can be larger.
pub const MAX_WAKU_MESSAGE_SIZE: usize = 1 << 20;

/// The data carried by one segment: 3/4 of the maximum message size, leaving room for the segment
/// header and the RFC-26 frame (status-go `MaxMessageSize()/4*3` in `message_segmentation.go`,
/// `MaxMessageSize() * 3 / 4` in `sender_segmentation.go` @ `5542b013`). A payload of at most this
/// many bytes is sent unsegmented.
pub const SEGMENT_SIZE: usize = MAX_WAKU_MESSAGE_SIZE / 4 * 3;

/// Parity segments per data segment, as a divisor: status-go's `segmentsParityRate = 0.125`, i.e.
/// `parity = floor(data × 0.125) = data / 8`.
pub const PARITY_RATE_DIVISOR: usize = 8;

/// The most shards (data + parity) GF(2^8) Reed–Solomon can address; status-go skips parity rather
/// than exceed it (`segmentsReedsolomonMaxCount = 256`).
pub const MAX_TOTAL_SHARDS: usize = 256;

/// `entire_message_hash` is a keccak256 digest.
pub const ENTIRE_MESSAGE_HASH_LEN: usize = 32;

/// Default cap on messages being reassembled at once. status-go has none (segments live in SQLite);
/// we keep partial messages in memory, so a flood of first segments evicts the oldest partial
/// message instead of growing without bound.
pub const MAX_PARTIAL_MESSAGES: usize = 16;

/// Default cap on data segments (and, separately, parity segments) of one message: 32 × 768 KiB =
/// 24 MiB, far above the largest community description seen in the wild (about 0.5 MiB, status-go
/// #4922) while keeping a browser tab's memory bounded. status-go itself has no cap.
pub const MAX_DATA_SEGMENTS: u32 = 32;

/// Default cap on payload bytes held by all partial messages together: one message of
/// [`MAX_DATA_SEGMENTS`] full segments plus its parity (27 MiB) fits; a flood beyond it evicts the
/// oldest partial messages first.
pub const MAX_BUFFERED_BYTES: usize = 32 << 20;

/// Default age after which a partial message is dropped, measured from its first segment. status-go
/// keeps segments for a month (`CleanupSegments`: `time.Now().AddDate(0, -1, 0)` @ `c72f4913`);
/// ours live in memory and the segments of one message are published together, so an hour is
/// plenty even when they straddle two store pages.
pub const MAX_PARTIAL_AGE_MS: u64 = 60 * 60 * 1000;

/// Default number of reassembled `entire_message_hash`es remembered, so that late duplicates (a
/// parity segment arriving after the data) are recognised instead of starting a new partial message
/// (status-go's `message_segments_completed` table; it keeps them a month).
pub const MAX_COMPLETED_REMEMBERED: usize = 1024;

/// What is wrong with a segment, or why a message could not be put back together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentError {
    #[error("segment is {len} bytes, more than the {max} a Waku message can carry")]
    SegmentTooLarge { len: usize, max: usize },
    #[error("not a SegmentMessage: {0}")]
    Decode(prost::DecodeError),
    #[error("entire_message_hash must be {ENTIRE_MESSAGE_HASH_LEN} bytes, got {len}")]
    HashLength { len: usize },
    #[error("segment index {index} is not below segments_count {count}")]
    IndexOutOfRange { index: u32, count: u32 },
    #[error("parity segment index {index} is not below parity_segments_count {count}")]
    ParityIndexOutOfRange { index: u32, count: u32 },
    #[error(
        "neither a data segment (segments_count >= 2) nor a parity segment (segments_count 0, \
         parity_segments_count > 0): segments_count {segments_count}, parity_segments_count \
         {parity_segments_count}"
    )]
    Counts {
        segments_count: u32,
        parity_segments_count: u32,
    },
    #[error("segment payload is empty")]
    EmptyPayload,
    #[error("message declares {count} segments of one kind, more than the limit of {max}")]
    TooManySegments { count: u32, max: u32 },
    #[error("message would need {len} bytes, more than the buffer limit of {max}")]
    MessageTooLarge { len: u64, max: u64 },
    #[error("segment disagrees with earlier segments of the same message on {field}")]
    Inconsistent { field: &'static str },
    #[error("reassembled bytes do not hash to entire_message_hash")]
    HashMismatch,
    #[error("Reed–Solomon: {0}")]
    ErasureCode(reed_solomon_erasure::Error),
    #[error("segment size must be at least 1 byte")]
    SegmentSizeZero,
}

/// Which piece of the message a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentPart {
    /// Piece `index` of `count` data pieces (`count >= 2`).
    Data { index: u32, count: u32 },
    /// Reed–Solomon parity piece `index` of `count` (the data count is not carried; status-go marks
    /// parity with `segments_count = 0`).
    Parity { index: u32, count: u32 },
}

/// A checked segment: its shape is one status-go accepts and produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub entire_message_hash: [u8; ENTIRE_MESSAGE_HASH_LEN],
    pub part: SegmentPart,
    pub payload: Vec<u8>,
    /// Length of the whole payload, sent by newer status-go so a receiver can cut the zero padding
    /// of a last segment rebuilt from parity; 0 from older senders.
    pub original_len: u64,
}

/// Tells a segment from any other RFC-26 data, with the shape check status-go applies
/// (`pkg/messaging/layers/segmentation/message.go` `IsValid` @ `0fcf4ceb`): a 32-byte hash, an
/// index below its count, and either `segments_count >= 2` (data) or `segments_count == 0` with
/// parity (parity). We are stricter in one place: status-go also takes `segments_count == 1` with a
/// parity count as a one-piece "data" segment, which its own encoder never writes.
///
/// The hash length is what keeps a bare ApplicationMetadataMessage (65-byte signature in field 1,
/// its type as a varint in field 3) from passing for a segment; status-go before PR #6717 lacked it.
/// Any `Err` here means "not a segment": status-go hands such bytes on unsegmented.
pub fn decode_segment(bytes: &[u8]) -> Result<Segment, SegmentError> {
    if bytes.len() > MAX_WAKU_MESSAGE_SIZE {
        return Err(SegmentError::SegmentTooLarge {
            len: bytes.len(),
            max: MAX_WAKU_MESSAGE_SIZE,
        });
    }
    let msg = SegmentMessage::decode(bytes).map_err(SegmentError::Decode)?;
    let entire_message_hash: [u8; ENTIRE_MESSAGE_HASH_LEN] = msg
        .entire_message_hash
        .as_slice()
        .try_into()
        .map_err(|_| SegmentError::HashLength {
            len: msg.entire_message_hash.len(),
        })?;
    if msg.segments_count > 0 && msg.index >= msg.segments_count {
        return Err(SegmentError::IndexOutOfRange {
            index: msg.index,
            count: msg.segments_count,
        });
    }
    if msg.parity_segments_count > 0 && msg.parity_segment_index >= msg.parity_segments_count {
        return Err(SegmentError::ParityIndexOutOfRange {
            index: msg.parity_segment_index,
            count: msg.parity_segments_count,
        });
    }
    let part = match (msg.segments_count, msg.parity_segments_count) {
        (0, count @ 1..) => SegmentPart::Parity {
            index: msg.parity_segment_index,
            count,
        },
        (count @ 2.., _) => SegmentPart::Data {
            index: msg.index,
            count,
        },
        (segments_count, parity_segments_count) => {
            return Err(SegmentError::Counts {
                segments_count,
                parity_segments_count,
            });
        }
    };
    Ok(Segment {
        entire_message_hash,
        part,
        payload: msg.payload,
        original_len: msg.original_payload_length,
    })
}

/// Splits `payload` the way status-go does before sending, with its default [`SEGMENT_SIZE`].
/// Returns the RFC-26 data of each Waku message to send: just `payload` when it fits in one, else
/// the data segments followed by the parity segments.
pub fn encode_segments(payload: &[u8]) -> Result<Vec<Vec<u8>>, SegmentError> {
    encode_segments_with_size(payload, SEGMENT_SIZE)
}

/// [`encode_segments`] with another segment size (status-go derives it from the node's maximum
/// message size; tests use small sizes to stay fast).
///
/// Byte-for-byte what status-go's `Segment` emits: the same fields in field order, default values
/// omitted, `original_payload_length` on every segment, parity only when there are at least 8 data
/// segments and no more than 256 shards in all, the last data segment zero-padded for encoding.
pub fn encode_segments_with_size(
    payload: &[u8],
    segment_size: usize,
) -> Result<Vec<Vec<u8>>, SegmentError> {
    if segment_size == 0 {
        return Err(SegmentError::SegmentSizeZero);
    }
    if payload.len() <= segment_size {
        return Ok(vec![payload.to_vec()]);
    }
    let hash = keccak256(payload).to_vec();
    let chunks: Vec<&[u8]> = payload.chunks(segment_size).collect();
    let count = chunks.len();
    let count_u32 = u32::try_from(count).map_err(|_| SegmentError::MessageTooLarge {
        len: payload.len() as u64,
        max: u64::from(u32::MAX) * segment_size as u64,
    })?;
    let original_payload_length = payload.len() as u64;
    let mut out = Vec::with_capacity(count + count / PARITY_RATE_DIVISOR);
    for (index, chunk) in (0u32..).zip(&chunks) {
        let segment = SegmentMessage {
            entire_message_hash: hash.clone(),
            index,
            segments_count: count_u32,
            payload: chunk.to_vec(),
            parity_segment_index: 0,
            parity_segments_count: 0,
            original_payload_length,
        };
        out.push(segment.encode_to_vec());
    }
    let parity = count / PARITY_RATE_DIVISOR;
    if parity == 0 || count + parity > MAX_TOTAL_SHARDS {
        return Ok(out);
    }
    let mut shards: Vec<Vec<u8>> = Vec::with_capacity(count + parity);
    for chunk in &chunks {
        let mut shard = chunk.to_vec();
        shard.resize(segment_size, 0);
        shards.push(shard);
    }
    shards.resize(count + parity, vec![0; segment_size]);
    let rs = ReedSolomon::new(count, parity).map_err(SegmentError::ErasureCode)?;
    rs.encode(&mut shards).map_err(SegmentError::ErasureCode)?;
    // `parity <= 32` here (count + parity <= 256), so the index fits.
    for (parity_segment_index, shard) in (0u32..).zip(shards.drain(count..)) {
        let segment = SegmentMessage {
            entire_message_hash: hash.clone(),
            index: 0,
            segments_count: 0,
            payload: shard,
            parity_segment_index,
            parity_segments_count: parity as u32,
            original_payload_length,
        };
        out.push(segment.encode_to_vec());
    }
    Ok(out)
}

/// The bounds of a [`SegmentBuffer`]; [`Default`] gives the constants above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyLimits {
    /// Messages being reassembled at once; the oldest is evicted to make room.
    pub max_partial_messages: usize,
    /// Data segments of one message, and parity segments of one message.
    pub max_segments: u32,
    /// Payload bytes held by all partial messages; the oldest are evicted to stay under it, and a
    /// message that alone would exceed it is refused.
    pub max_buffered_bytes: usize,
    /// A partial message is dropped this long after its first segment arrived.
    pub max_age_ms: u64,
    /// Reassembled hashes remembered to recognise late duplicates.
    pub max_completed: usize,
}

impl Default for ReassemblyLimits {
    fn default() -> Self {
        Self {
            max_partial_messages: MAX_PARTIAL_MESSAGES,
            max_segments: MAX_DATA_SEGMENTS,
            max_buffered_bytes: MAX_BUFFERED_BYTES,
            max_age_ms: MAX_PARTIAL_AGE_MS,
            max_completed: MAX_COMPLETED_REMEMBERED,
        }
    }
}

/// What happened to a segment pushed into a [`SegmentBuffer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reassembly {
    /// Kept; the message still lacks pieces.
    Incomplete,
    /// The whole payload, its hash verified: hand it to the next layer (the encryption layer).
    Complete(Vec<u8>),
    /// This piece was already held; nothing changed.
    Duplicate,
    /// The message was already reassembled; a late piece, ignored.
    AlreadyCompleted,
}

/// Reassembles segmented messages, keyed like status-go by `(entire_message_hash, RFC-26 signer)`,
/// within fixed bounds so a flood of partial segments costs at most
/// [`ReassemblyLimits::max_buffered_bytes`].
#[derive(Debug, Default)]
pub struct SegmentBuffer {
    limits: ReassemblyLimits,
    /// Ordered by first arrival, oldest first: evictions take the front.
    partials: Vec<Partial>,
    buffered_bytes: usize,
    completed: VecDeque<[u8; ENTIRE_MESSAGE_HASH_LEN]>,
}

#[derive(Debug)]
struct Partial {
    hash: [u8; ENTIRE_MESSAGE_HASH_LEN],
    signer: [u8; 33],
    first_seen_ms: u64,
    segments_count: Option<u32>,
    parity_count: Option<u32>,
    /// Length every non-last data segment and every parity segment has.
    shard_len: Option<usize>,
    original_len: u64,
    data: BTreeMap<u32, Vec<u8>>,
    parity: BTreeMap<u32, Vec<u8>>,
    bytes: usize,
}

enum Added {
    New,
    Duplicate,
}

impl SegmentBuffer {
    /// A buffer with the default limits, sized for a browser tab.
    pub fn new() -> Self {
        Self::default()
    }

    /// A buffer with other limits (a native node may afford more; tests use less).
    pub fn with_limits(limits: ReassemblyLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &ReassemblyLimits {
        &self.limits
    }

    /// Messages currently being reassembled.
    pub fn partial_messages(&self) -> usize {
        self.partials.len()
    }

    /// Segment payload bytes currently held.
    pub fn buffered_bytes(&self) -> usize {
        self.buffered_bytes
    }

    /// Drops partial messages whose first segment is at least `max_age_ms` older than `now_ms`.
    pub fn expire(&mut self, now_ms: u64) {
        let max_age = self.limits.max_age_ms;
        let mut freed = 0;
        self.partials.retain(|p| {
            let keep = now_ms.saturating_sub(p.first_seen_ms) < max_age;
            if !keep {
                freed += p.bytes;
            }
            keep
        });
        self.buffered_bytes -= freed;
    }

    /// Takes one segment, received in an RFC-26 frame signed by `signer` at `now_ms` (any
    /// millisecond clock; only differences matter). Returns the whole payload once enough pieces
    /// are in, rebuilding missing data from parity as status-go does.
    ///
    /// An `Err` rejects this segment only; earlier pieces of the same message stay, except after
    /// [`SegmentError::MessageTooLarge`] and failed reassembly ([`SegmentError::HashMismatch`],
    /// [`SegmentError::ErasureCode`]), which drop the message.
    pub fn push(
        &mut self,
        segment: Segment,
        signer: &PublicKey,
        now_ms: u64,
    ) -> Result<Reassembly, SegmentError> {
        self.expire(now_ms);
        let hash = segment.entire_message_hash;
        // status-go checks completion by hash alone (`IsMessageAlreadyCompleted`).
        if self.completed.contains(&hash) {
            return Ok(Reassembly::AlreadyCompleted);
        }
        if segment.payload.is_empty() {
            return Err(SegmentError::EmptyPayload);
        }
        // `Segment`'s fields are public, so check again what `decode_segment` guarantees.
        let (index, count, min_count) = match segment.part {
            SegmentPart::Data { index, count } => (index, count, 2),
            SegmentPart::Parity { index, count } => (index, count, 1),
        };
        if count < min_count {
            return Err(SegmentError::Counts {
                segments_count: if min_count == 2 { count } else { 0 },
                parity_segments_count: if min_count == 1 { count } else { 0 },
            });
        }
        if index >= count {
            return Err(match segment.part {
                SegmentPart::Data { .. } => SegmentError::IndexOutOfRange { index, count },
                SegmentPart::Parity { .. } => SegmentError::ParityIndexOutOfRange { index, count },
            });
        }
        let max_segments = self.limits.max_segments.min(MAX_TOTAL_SHARDS as u32);
        if count > max_segments {
            return Err(SegmentError::TooManySegments {
                count,
                max: max_segments,
            });
        }

        let signer = signer.to_compressed();
        let existing = self
            .partials
            .iter()
            .position(|p| p.hash == hash && p.signer == signer);
        let is_new = existing.is_none();
        let mut partial = match existing {
            Some(i) => {
                let p = self.partials.remove(i);
                self.buffered_bytes -= p.bytes;
                p
            }
            None => Partial::new(hash, signer, now_ms),
        };

        match partial.add(segment, &self.limits) {
            Ok(Added::Duplicate) => {
                self.put_back(partial);
                return Ok(Reassembly::Duplicate);
            }
            Ok(Added::New) => {}
            Err(e @ SegmentError::MessageTooLarge { .. }) => return Err(e),
            Err(e) => {
                if !partial.is_empty() {
                    self.put_back(partial);
                }
                return Err(e);
            }
        }

        match partial.reassemble()? {
            Some(payload) => {
                if self.limits.max_completed > 0 {
                    if self.completed.len() >= self.limits.max_completed {
                        self.completed.pop_front();
                    }
                    self.completed.push_back(hash);
                }
                Ok(Reassembly::Complete(payload))
            }
            None => {
                if is_new {
                    while self.partials.len() >= self.limits.max_partial_messages.max(1) {
                        self.evict_oldest();
                    }
                }
                // `partial.bytes` is at most `max_buffered_bytes` (checked in `add`), so evicting
                // every other message always makes room.
                while self.buffered_bytes + partial.bytes > self.limits.max_buffered_bytes
                    && !self.partials.is_empty()
                {
                    self.evict_oldest();
                }
                self.put_back(partial);
                Ok(Reassembly::Incomplete)
            }
        }
    }

    /// Keeps `partials` ordered by first arrival, so the front is always the oldest.
    fn put_back(&mut self, partial: Partial) {
        self.buffered_bytes += partial.bytes;
        let at = self
            .partials
            .partition_point(|p| p.first_seen_ms <= partial.first_seen_ms);
        self.partials.insert(at, partial);
    }

    fn evict_oldest(&mut self) {
        if !self.partials.is_empty() {
            let p = self.partials.remove(0);
            self.buffered_bytes -= p.bytes;
        }
    }
}

impl Partial {
    fn new(hash: [u8; ENTIRE_MESSAGE_HASH_LEN], signer: [u8; 33], now_ms: u64) -> Self {
        Self {
            hash,
            signer,
            first_seen_ms: now_ms,
            segments_count: None,
            parity_count: None,
            shard_len: None,
            original_len: 0,
            data: BTreeMap::new(),
            parity: BTreeMap::new(),
            bytes: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty() && self.parity.is_empty()
    }

    /// Checks `segment` against what earlier pieces said, then keeps it. Leaves `self` unchanged
    /// on error.
    fn add(&mut self, segment: Segment, limits: &ReassemblyLimits) -> Result<Added, SegmentError> {
        let len = segment.payload.len();
        if len > MAX_WAKU_MESSAGE_SIZE {
            return Err(SegmentError::SegmentTooLarge {
                len,
                max: MAX_WAKU_MESSAGE_SIZE,
            });
        }
        if segment.original_len != 0
            && self.original_len != 0
            && segment.original_len != self.original_len
        {
            return Err(SegmentError::Inconsistent {
                field: "original_payload_length",
            });
        }
        let mut segments_count = self.segments_count;
        let mut parity_count = self.parity_count;
        let mut shard_len = self.shard_len;
        match segment.part {
            SegmentPart::Data { index, count } => {
                if segments_count.is_some_and(|c| c != count) {
                    return Err(SegmentError::Inconsistent {
                        field: "segments_count",
                    });
                }
                if self.data.contains_key(&index) {
                    return Ok(Added::Duplicate);
                }
                segments_count = Some(count);
                if index + 1 < count {
                    match shard_len {
                        Some(s) if s != len => {
                            return Err(SegmentError::Inconsistent {
                                field: "segment payload length",
                            });
                        }
                        _ => shard_len = Some(len),
                    }
                }
            }
            SegmentPart::Parity { index, count } => {
                if parity_count.is_some_and(|c| c != count) {
                    return Err(SegmentError::Inconsistent {
                        field: "parity_segments_count",
                    });
                }
                if self.parity.contains_key(&index) {
                    return Ok(Added::Duplicate);
                }
                parity_count = Some(count);
                match shard_len {
                    Some(s) if s != len => {
                        return Err(SegmentError::Inconsistent {
                            field: "segment payload length",
                        });
                    }
                    _ => shard_len = Some(len),
                }
            }
        }
        // The last data segment may be short, never longer than the others.
        if let (Some(count), Some(shard)) = (segments_count, shard_len) {
            let last_len = match segment.part {
                SegmentPart::Data { index, .. } if index + 1 == count => Some(len),
                _ => self.data.get(&(count - 1)).map(Vec::len),
            };
            if last_len.is_some_and(|l| l > shard) {
                return Err(SegmentError::Inconsistent {
                    field: "last segment payload length",
                });
            }
        }
        if let (Some(data), Some(parity)) = (segments_count, parity_count)
            && data as usize + parity as usize > MAX_TOTAL_SHARDS
        {
            return Err(SegmentError::TooManySegments {
                count: data + parity,
                max: MAX_TOTAL_SHARDS as u32,
            });
        }
        // What the whole message will hold once every piece is in: refuse it now if that cannot
        // fit, before storing anything.
        let piece = shard_len.unwrap_or(len) as u64;
        let pieces = u64::from(segments_count.unwrap_or(1)) + u64::from(parity_count.unwrap_or(0));
        let need = pieces * piece;
        let max = limits.max_buffered_bytes as u64;
        if need > max || (self.bytes + len) as u64 > max {
            return Err(SegmentError::MessageTooLarge {
                len: need.max((self.bytes + len) as u64),
                max,
            });
        }

        if segment.original_len != 0 {
            self.original_len = segment.original_len;
        }
        self.segments_count = segments_count;
        self.parity_count = parity_count;
        self.shard_len = shard_len;
        self.bytes += len;
        match segment.part {
            SegmentPart::Data { index, .. } => self.data.insert(index, segment.payload),
            SegmentPart::Parity { index, .. } => self.parity.insert(index, segment.payload),
        };
        Ok(Added::New)
    }

    /// The whole payload if enough pieces are in, mirroring status-go's `Reconstruct`: all data
    /// segments concatenated, or Reed–Solomon over data + parity once their number reaches
    /// `segments_count`; then truncation to `original_payload_length` and the hash check.
    fn reassemble(&self) -> Result<Option<Vec<u8>>, SegmentError> {
        let Some(count) = self.segments_count else {
            return Ok(None);
        };
        let count_usize = count as usize;
        let mut whole = if self.data.len() == count_usize {
            let mut whole = Vec::with_capacity(self.bytes);
            for piece in self.data.values() {
                whole.extend_from_slice(piece);
            }
            whole
        } else {
            let (Some(parity), Some(shard_len)) = (self.parity_count, self.shard_len) else {
                return Ok(None);
            };
            if self.data.len() + self.parity.len() < count_usize {
                return Ok(None);
            }
            let last = self.data.get(&(count - 1));
            // Without original_payload_length a rebuilt last segment keeps its zero padding and
            // the hash cannot match (status-go #7444); wait for the real last segment instead.
            if last.is_none() && self.original_len == 0 {
                return Ok(None);
            }
            let parity = parity as usize;
            let mut shards: Vec<Option<Vec<u8>>> = vec![None; count_usize + parity];
            for (&i, piece) in &self.data {
                let mut shard = piece.clone();
                shard.resize(shard_len, 0);
                shards[i as usize] = Some(shard);
            }
            for (&i, piece) in &self.parity {
                shards[count_usize + i as usize] = Some(piece.clone());
            }
            let rs = ReedSolomon::new(count_usize, parity).map_err(SegmentError::ErasureCode)?;
            rs.reconstruct_data(&mut shards)
                .map_err(SegmentError::ErasureCode)?;
            let mut whole = Vec::with_capacity(count_usize * shard_len);
            for (i, shard) in shards.into_iter().take(count_usize).enumerate() {
                match (i + 1 == count_usize, last) {
                    // Bring back the received last segment at its own length.
                    (true, Some(last)) => whole.extend_from_slice(last),
                    _ => whole.extend_from_slice(shard.as_deref().unwrap_or_default()),
                }
            }
            whole
        };
        if self.original_len > 0 && (whole.len() as u64) > self.original_len {
            whole.truncate(self.original_len as usize);
        }
        if keccak256(&whole) != self.hash {
            return Err(SegmentError::HashMismatch);
        }
        Ok(Some(whole))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::keys::PrivateKey;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn signer(n: u8) -> PublicKey {
        PrivateKey::from_bytes(&[n; 32]).unwrap().public_key()
    }

    fn payload(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    fn segments(bytes: &[u8], size: usize) -> Vec<Segment> {
        encode_segments_with_size(bytes, size)
            .unwrap()
            .iter()
            .map(|s| decode_segment(s).unwrap())
            .collect()
    }

    #[test]
    fn klauspost_one_encode_vector() {
        // klauspost/reedsolomon reedsolomon_test.go `TestOneEncode` @ 0596408d: New(5, 5).
        let rs = ReedSolomon::new(5, 5).unwrap();
        let mut shards: Vec<Vec<u8>> =
            vec![vec![0, 1], vec![4, 5], vec![2, 3], vec![6, 7], vec![8, 9]];
        shards.resize(10, vec![0, 0]);
        rs.encode(&mut shards).unwrap();
        assert_eq!(
            shards[5..],
            [
                vec![12, 13],
                vec![10, 11],
                vec![14, 15],
                vec![90, 91],
                vec![94, 95]
            ]
        );
    }

    #[test]
    fn erasure_code_errors_surface() {
        // A state `add` never lets in (a parity piece of the wrong length) reaches the codec.
        let mut p = Partial::new([0; 32], [2; 33], 0);
        p.segments_count = Some(2);
        p.parity_count = Some(1);
        p.shard_len = Some(4);
        p.original_len = 6;
        p.data.insert(0, vec![1; 4]);
        p.parity.insert(0, vec![1; 3]);
        assert_eq!(
            p.reassemble(),
            Err(SegmentError::ErasureCode(
                reed_solomon_erasure::Error::IncorrectShardSize
            ))
        );
    }

    #[test]
    fn small_payload_is_not_segmented() {
        let p = payload(100);
        assert_eq!(encode_segments_with_size(&p, 100).unwrap(), vec![p]);
    }

    #[test]
    fn parity_count_follows_status_go() {
        for (data, parity) in [(2, 0), (7, 0), (8, 1), (15, 1), (16, 2)] {
            let segs = segments(&payload(data * 10), 10);
            let got = segs
                .iter()
                .filter(|s| matches!(s.part, SegmentPart::Parity { .. }))
                .count();
            assert_eq!((segs.len() - got, got), (data, parity));
        }
    }

    #[test]
    fn recovers_a_missing_middle_and_last_segment() {
        let p = payload(8 * 64 - 5);
        for missing in [0u32, 3, 7] {
            let mut buf = SegmentBuffer::new();
            let mut out = None;
            for s in segments(&p, 64) {
                if s.part
                    == (SegmentPart::Data {
                        index: missing,
                        count: 8,
                    })
                {
                    continue;
                }
                if let Reassembly::Complete(b) = buf.push(s, &signer(1), 0).unwrap() {
                    out = Some(b);
                }
            }
            assert_eq!(out.as_deref(), Some(&p[..]), "missing {missing}");
            assert_eq!(buf.buffered_bytes(), 0);
        }
    }
}
