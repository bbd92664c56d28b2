#![no_main]
//! `payload_frame`: the property and the input layout are documented on `hearth_fuzz::status::payload_frame`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::payload_frame(data));
