#![no_main]
//! `payload_symmetric`: the property and the input layout are documented on `hearth_fuzz::status::payload_symmetric`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::payload_symmetric(data));
