#![no_main]
//! `enr_decode`: `hearth::waku::enr`, on any bytes (body: `hearth_fuzz::enr::enr_decode`).
//!
//! 1. The input as an RLP record (`Enr::decode`). Invariants: a record that decodes is exactly
//!    its input when re-encoded (the signature covers those bytes), its text form parses back to
//!    the same record, and no accessor panics.
//! 2. The input as text (`Enr::from_base64`, invalid UTF-8 made lossy): same invariants.
//! 3. For one input in four (by length; ECDSA is slow under ASan), the input as fields signed
//!    with a fixed key, so the accessors see arbitrary values under a valid signature. Layout:
//!    u64 seq, then repeated { u8 key selector, chunk value }. Invariants: signing fails only as
//!    `DuplicateKey` (a key twice, or `id`/`secp256k1`) or `TooLarge` (over 300 bytes); what it
//!    signs decodes to the same record with the same seq and values.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::enr::enr_decode(data));
