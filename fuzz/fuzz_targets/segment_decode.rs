#![no_main]
//! `segment_decode`: the property and the input layout are documented on `hearth_fuzz::status::segment_decode`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::segment_decode(data));
