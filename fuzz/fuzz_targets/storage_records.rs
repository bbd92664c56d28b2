#![no_main]
//! `storage_records`: every kind of stored record, from any bytes (body:
//! `hearth_fuzz::storage::storage_records`). Invariants: no panic; what decodes round-trips; a
//! newer schema is refused as such.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::storage::storage_records(data));
