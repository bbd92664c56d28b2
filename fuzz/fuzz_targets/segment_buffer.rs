#![no_main]
//! `segment_buffer`: the property and the input layout are documented on `hearth_fuzz::status::segment_buffer`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::segment_buffer(data));
