//! `hearth::status`: keys, payload v1, segments and envelopes.

use std::borrow::Cow;

use hearth::proto::status::SegmentMessage;
use hearth::proto::status::application_metadata_message::Type as MessageType;
use hearth::status::envelope::{
    self, EnvelopeError, MAX_SDS_CONTENT_LEN, Opened, ProtocolLayer, Wrapping,
    decode_application_message, decode_sds, encode_application_message,
    encode_public_protocol_message, encode_sds, open_envelope, seal_public_message,
    unwrap_protocol_message, unwrap_sds,
};
use hearth::status::keys::{PublicKey, keccak256, recover_keccak};
use hearth::status::payload::{
    PayloadError, decode_frame, decrypt_asymmetric, decrypt_symmetric, encode_frame_with_padding,
    open_asymmetric, open_symmetric, padding_len, seal_asymmetric, seal_symmetric,
};
use hearth::status::segment::{
    ENTIRE_MESSAGE_HASH_LEN, MAX_DATA_SEGMENTS, Reassembly, ReassemblyLimits, Segment,
    SegmentBuffer, SegmentPart, decode_segment, encode_segments_with_size,
};
use prost::Message;

use crate::input::{ASYM_KEY, EPHEMERAL, Reader, SYM_KEY, public, round_trip, signer};

// ---------------------------------------------------------------------------------------------
// Keys

/// `PublicKey::from_sec1` on the bytes; `from_hex` and `from_serialized` on the bytes as text.
///
/// Invariant: a key that parses in any form converts to each of the three forms (compressed and
/// uncompressed SEC1, hex, `zQ3…`) and back to the same key.
pub fn public_key(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = [
        PublicKey::from_sec1(data),
        PublicKey::from_hex(&text),
        PublicKey::from_serialized(&text),
    ];
    for key in parsed.into_iter().flatten() {
        assert_eq!(PublicKey::from_sec1(&key.to_compressed()), Ok(key));
        assert_eq!(PublicKey::from_sec1(&key.to_uncompressed()), Ok(key));
        assert_eq!(PublicKey::from_hex(&key.to_compressed_hex()), Ok(key));
        assert_eq!(PublicKey::from_hex(&key.to_uncompressed_hex()), Ok(key));
        assert_eq!(PublicKey::from_serialized(&key.to_serialized()), Ok(key));
    }
}

/// `recover_keccak`: the input as `signature (65) ‖ message`, once as it stands and once with
/// `v` forced to 0/1 so that most inputs reach the curve arithmetic; and the whole input as a
/// signature of any length. Invariant: a recovered key survives its compressed round trip.
pub fn recover_signature(data: &[u8]) {
    let _ = recover_keccak(b"", data);
    let Some((signature, message)) = data.split_first_chunk::<65>() else {
        return;
    };
    let _ = recover_keccak(message, signature);
    let mut forced = *signature;
    forced[64] &= 1;
    if let Ok(key) = recover_keccak(message, &forced) {
        assert_eq!(PublicKey::from_sec1(&key.to_compressed()), Ok(key));
    }
}

// ---------------------------------------------------------------------------------------------
// Payload v1

/// `decode_frame` on the input; then the input as frame *data*, framed and signed by a fixed key.
///
/// Invariants: decoded data is shorter than the frame; a frame we encode decodes to the same
/// data and signer (for one input in four, see [`round_trip`]).
pub fn payload_frame(data: &[u8]) {
    if let Ok(decoded) = decode_frame(data) {
        assert!(decoded.data.len() < data.len());
    }
    if !round_trip(data) {
        return;
    }
    let key = signer(data.first().copied().unwrap_or(0));
    let padding = vec![0x5a; padding_len(data.len())];
    let frame = encode_frame_with_padding(data, &padding, key).expect("small data frames");
    assert_eq!(frame.len() % 256, 0, "frames end on a 256-byte boundary");
    let decoded = decode_frame(&frame).expect("our own frame decodes");
    assert_eq!(decoded.data, data);
    assert_eq!(decoded.signer, key.public_key());
}

/// `decrypt_symmetric` with a fixed key (the vector's: its payload is a seed); then the input as a
/// frame sealed under that key.
///
/// Invariants: sealing then opening gives the frame back; decrypting a sealed frame gives what
/// `decode_frame` gives for the frame itself; a sealed payload with one bit flipped is refused by
/// the AES-GCM tag.
pub fn payload_symmetric(data: &[u8]) {
    let key = &*SYM_KEY;
    let _ = decrypt_symmetric(data, key);

    let nonce = core::array::from_fn(|i| data.get(i).copied().unwrap_or(i as u8));
    let sealed = seal_symmetric(data, key, nonce).expect("the fixed key is not zero");
    assert_eq!(open_symmetric(&sealed, key).as_deref(), Ok(data));
    assert_eq!(decrypt_symmetric(&sealed, key), decode_frame(data));
    let mut flipped = sealed;
    let at = usize::from(data.first().copied().unwrap_or(0)) % flipped.len();
    flipped[at] ^= 0x01;
    assert_eq!(open_symmetric(&flipped, key), Err(PayloadError::Decrypt));
}

/// `decrypt_asymmetric` with a fixed key (the vector's recipient: its payload is a seed); then
/// the input as a frame sealed (ECIES) to that key with a fixed ephemeral key.
///
/// Invariants: sealing then opening gives the frame back; decrypting a sealed frame gives what
/// `decode_frame` gives for the frame itself.
pub fn payload_asymmetric(data: &[u8]) {
    let key = &*ASYM_KEY;
    let _ = decrypt_asymmetric(data, key);

    let iv = core::array::from_fn(|i| data.get(i).copied().unwrap_or(i as u8));
    let sealed = seal_asymmetric(data, &key.public_key(), &EPHEMERAL, iv);
    assert_eq!(open_asymmetric(&sealed, key).as_deref(), Ok(data));
    assert_eq!(decrypt_asymmetric(&sealed, key), decode_frame(data));
}

// ---------------------------------------------------------------------------------------------
// Segments

fn encode_segment(s: &Segment) -> Vec<u8> {
    let (index, segments_count, parity_segment_index, parity_segments_count) = match s.part {
        SegmentPart::Data { index, count } => (index, count, 0, 0),
        SegmentPart::Parity { index, count } => (0, 0, index, count),
    };
    SegmentMessage {
        entire_message_hash: s.entire_message_hash.to_vec(),
        index,
        segments_count,
        payload: s.payload.clone(),
        parity_segment_index,
        parity_segments_count,
        original_payload_length: s.original_len,
    }
    .encode_to_vec()
}

/// `decode_segment`. Invariants: what it accepts has the shape status-go accepts (index below
/// count; data count ≥ 2, parity count ≥ 1), and re-encodes to bytes that decode the same.
pub fn segment_decode(data: &[u8]) {
    let Ok(segment) = decode_segment(data) else {
        return;
    };
    match segment.part {
        SegmentPart::Data { index, count } => assert!(count >= 2 && index < count),
        SegmentPart::Parity { index, count } => assert!(count >= 1 && index < count),
    }
    assert_eq!(decode_segment(&encode_segment(&segment)), Ok(segment));
}

/// Hashes the structured segments of [`segment_buffer`] pick from: a few fixed ones, so that
/// pieces of the same message meet, and the hash of the scenario's own message.
fn fixed_hash(i: u8, own: &[u8; ENTIRE_MESSAGE_HASH_LEN]) -> [u8; ENTIRE_MESSAGE_HASH_LEN] {
    match i % 4 {
        0 => *own,
        n => [n; ENTIRE_MESSAGE_HASH_LEN],
    }
}

/// Most operations one run performs.
const MAX_OPS: usize = 2048;

/// `SegmentBuffer`: a flood of fuzzer-chosen segments against fuzzer-chosen (or default) limits,
/// plus a Reed–Solomon recovery check on a message of the fuzzer's.
///
/// Layout:
/// - limits: `u8` (odd = small limits from the next bytes: `u8` partial messages % 8, `u8` segments
///   % 40, `u16` buffered bytes, `u16` max age ms, `u8` completed % 4; even = defaults);
/// - own message: `u8` segment size (1 + n % 32), `chunk16` payload (≤ 2048 bytes, cut to 32
///   segments);
/// - recovery: `u8` pieces to drop (at most the parity count), that many `u8` indices, `u8` start
///   offset of the push order;
/// - then operations, each `u8` op (`op % 4`: 0 raw segment `chunk16` through `decode_segment`,
///   1 piece `u8` of the own message, 2 a `Segment` built field by field, bypassing
///   `decode_segment`, 3 `expire`; `(op >> 2) % 3` the signer) and `u8` clock step (`<< 8` when
///   `op & 0x80`).
///
/// Invariants, after every operation: `buffered_bytes() <= max_buffered_bytes` and
/// `partial_messages() <= max(1, max_partial_messages)`; a `Complete` payload hashes to its
/// `entire_message_hash` and, for the own message, equals it. Recovery: pushing the own message's
/// pieces, minus up to its parity count, in any rotation, into a default buffer yields exactly one
/// `Complete` with the original payload; every later piece is `AlreadyCompleted`.
pub fn segment_buffer(data: &[u8]) {
    let mut r = Reader::new(data);
    let limits = if r.bool() {
        ReassemblyLimits {
            max_partial_messages: usize::from(r.u8() % 8),
            max_segments: u32::from(r.u8() % 40),
            max_buffered_bytes: usize::from(r.u16()),
            max_age_ms: u64::from(r.u16()),
            max_completed: usize::from(r.u8() % 4),
        }
    } else {
        ReassemblyLimits::default()
    };
    let segment_size = 1 + usize::from(r.u8() % 32);
    let payload = r.chunk16(2048);
    // At most MAX_DATA_SEGMENTS pieces, so the recovery check always applies (and the
    // instrumented Reed–Solomon matrix inversion stays small).
    let payload = payload[..payload.len().min(segment_size * MAX_DATA_SEGMENTS as usize)].to_vec();
    let own_hash = keccak256(&payload);
    let own: Vec<Segment> = if payload.len() > segment_size {
        encode_segments_with_size(&payload, segment_size)
            .expect("small payloads segment")
            .iter()
            .map(|bytes| decode_segment(bytes).expect("our own segments decode"))
            .collect()
    } else {
        Vec::new()
    };
    let parity = own
        .iter()
        .filter(|s| matches!(s.part, SegmentPart::Parity { .. }))
        .count();

    // Recovery of the own message.
    let drops = usize::from(r.u8()) % (parity + 1);
    let dropped: Vec<usize> = (0..drops)
        .map(|_| usize::from(r.u8()) % own.len().max(1))
        .collect();
    let start = usize::from(r.u8());
    let data_count = own.len() - parity;
    if !own.is_empty() {
        let mut buffer = SegmentBuffer::new();
        let mut completed = 0;
        for k in 0..own.len() {
            let i = (start + k) % own.len();
            if dropped.contains(&i) {
                continue;
            }
            let result = buffer.push(own[i].clone(), &public(0), 0);
            match result {
                Ok(Reassembly::Complete(whole)) => {
                    assert_eq!(whole, payload, "recovered payload differs");
                    completed += 1;
                }
                Ok(Reassembly::Incomplete) => assert_eq!(completed, 0),
                Ok(Reassembly::AlreadyCompleted) => assert_eq!(completed, 1),
                other => panic!("piece {i} of the own message: {other:?}"),
            }
        }
        assert_eq!(
            completed, 1,
            "{data_count} data + {parity} parity pieces, dropped {dropped:?}: no Complete"
        );
    }

    // The flood.
    let mut buffer = SegmentBuffer::with_limits(limits);
    let mut now: u64 = 0;
    for _ in 0..MAX_OPS {
        if r.is_empty() {
            break;
        }
        let op = r.u8();
        let who = public(op >> 2);
        let step = u64::from(r.u8());
        now = now.saturating_add(if op & 0x80 != 0 { step << 8 } else { step });
        let segment = match op % 4 {
            0 => decode_segment(r.chunk16(2048)).ok(),
            1 => own.get(usize::from(r.u8()) % own.len().max(1)).cloned(),
            2 => {
                let hash = fixed_hash(r.u8(), &own_hash);
                let index = u32::from(r.u16());
                let count = u32::from(r.u16());
                let part = if r.bool() {
                    SegmentPart::Parity { index, count }
                } else {
                    SegmentPart::Data { index, count }
                };
                let len = usize::from(r.u8());
                let fill = r.u8();
                Some(Segment {
                    entire_message_hash: hash,
                    part,
                    payload: vec![fill; len],
                    original_len: u64::from(r.u16()),
                })
            }
            _ => {
                buffer.expire(now);
                None
            }
        };
        if let Some(segment) = segment {
            let hash = segment.entire_message_hash;
            if let Ok(Reassembly::Complete(whole)) = buffer.push(segment, &who, now) {
                assert_eq!(keccak256(&whole), hash, "Complete with the wrong hash");
                if hash == own_hash {
                    assert_eq!(whole, payload);
                }
            }
        }
        let l = buffer.limits();
        assert!(
            buffer.buffered_bytes() <= l.max_buffered_bytes,
            "{} bytes buffered, limit {}",
            buffer.buffered_bytes(),
            l.max_buffered_bytes
        );
        assert!(
            buffer.partial_messages() <= l.max_partial_messages.max(1),
            "{} partial messages, limit {}",
            buffer.partial_messages(),
            l.max_partial_messages
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Envelopes

fn message_type(b: u8) -> MessageType {
    MessageType::try_from(i32::from(b)).unwrap_or(MessageType::ChatMessage)
}

/// `unwrap_protocol_message`. Invariants: installation ids come back sorted; wrapping the input
/// with `encode_public_protocol_message` unwraps to the input (or to `NotWrapped` when empty).
pub fn protocol_message(data: &[u8]) {
    if let Ok(ProtocolLayer::Encrypted(info)) = unwrap_protocol_message(data) {
        assert!(info.installation_ids.is_sorted());
    }
    let wrapped = encode_public_protocol_message(data);
    let expected = if data.is_empty() {
        ProtocolLayer::NotWrapped
    } else {
        ProtocolLayer::Public(data.to_vec())
    };
    assert_eq!(unwrap_protocol_message(&wrapped), Ok(expected));
}

/// `unwrap_sds` and `decode_sds` on the input; then `encode_sds` of parts of the input.
///
/// Invariants: `unwrap_sds` gives the input back unchanged exactly when `decode_sds` refuses it,
/// else `decode_sds`'s content; what `encode_sds` writes decodes to the same fields.
pub fn sds(data: &[u8]) {
    let decoded = decode_sds(data);
    match (unwrap_sds(data), &decoded) {
        ((None, Cow::Borrowed(b)), Err(_)) => assert_eq!(b, data),
        ((Some(meta), content), Ok(sds)) => {
            assert_eq!(meta, sds.meta);
            assert_eq!(*content, *sds.content);
        }
        (got, want) => panic!("unwrap_sds {got:?} disagrees with decode_sds {want:?}"),
    }

    let mut r = Reader::new(data);
    let lamport = r.u64() as i64;
    let message_id = r.chunk();
    let channel_id = r.chunk();
    let content = r.rest();
    match encode_sds(content, message_id, channel_id, lamport) {
        Ok(bytes) => {
            let sds = decode_sds(&bytes).expect("encode_sds output decodes");
            assert_eq!(sds.content, content);
            assert_eq!(sds.meta.message_id, message_id);
            assert_eq!(sds.meta.channel_id, channel_id);
            assert_eq!(sds.meta.lamport_timestamp, lamport);
            assert!(sds.meta.causal_history.is_empty());
        }
        Err(e) => assert!(
            (content.is_empty() || content.len() > MAX_SDS_CONTENT_LEN)
                && matches!(e, EnvelopeError::SdsContentSize { .. }),
            "{e}"
        ),
    }
}

/// `decode_application_message`. Invariants: an accepted AMM's id is `message_id(signer, bytes)`;
/// an AMM we sign with `encode_application_message` decodes to its payload, type, signer and id
/// (for one input in four, see [`round_trip`]).
pub fn application_message(data: &[u8]) {
    if let Ok(msg) = decode_application_message(data) {
        assert_eq!(msg.id, envelope::message_id(&msg.signer, data));
    }
    if !round_trip(data) {
        return;
    }
    let kind = message_type(data.first().copied().unwrap_or(1));
    let key = signer(data.last().copied().unwrap_or(0));
    let sealed = encode_application_message(data, kind, key);
    let msg = decode_application_message(&sealed.bytes).expect("our own AMM decodes");
    assert_eq!(msg.payload, data);
    assert_eq!(msg.signer, key.public_key());
    assert_eq!(msg.message_type, kind as i32);
    assert_eq!(msg.id, sealed.id);
}

/// `open_envelope` (ProtocolMessage → SDS → AMM). Invariants: a bare, unwrapped AMM opens to what
/// `decode_application_message` gives; what `seal_public_message` builds opens to its payload,
/// signer and id, wrapped `Public`, without SDS (for one input in four, see [`round_trip`]).
pub fn envelope_open(data: &[u8]) {
    if let Ok(Opened::Message(opened)) = open_envelope(data)
        && opened.wrapping == Wrapping::Bare
        && opened.sds.is_none()
    {
        assert_eq!(decode_application_message(data), Ok(opened.message));
    }
    if !round_trip(data) {
        return;
    }
    let kind = message_type(data.first().copied().unwrap_or(1));
    let key = signer(data.last().copied().unwrap_or(0));
    let sealed = seal_public_message(data, kind, key);
    match open_envelope(&sealed.bytes) {
        Ok(Opened::Message(opened)) => {
            assert_eq!(opened.wrapping, Wrapping::Public);
            assert_eq!(opened.sds, None);
            assert_eq!(opened.message.payload, data);
            assert_eq!(opened.message.signer, key.public_key());
            assert_eq!(opened.message.id, sealed.id);
        }
        other => panic!("our own sealed message opens as {other:?}"),
    }
}
