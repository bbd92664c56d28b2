#![no_main]
//! `status_codec`: the property and the input layout are documented on `hearth_fuzz::typed::status_codec`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::typed::status_codec(data));
