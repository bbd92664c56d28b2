#![no_main]
//! `history_formats`: the property and the input layout are documented on
//! `hearth_fuzz::history::history_formats`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::history::history_formats(data));
