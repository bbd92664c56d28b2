#![no_main]
//! `history_read`: the property and the input layout are documented on
//! `hearth_fuzz::history_read::history_read`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::history_read::history_read(data));
