#![no_main]
//! `envelope_open`: the property and the input layout are documented on `hearth_fuzz::status::envelope_open`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::envelope_open(data));
