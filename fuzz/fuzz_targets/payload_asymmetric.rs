#![no_main]
//! `payload_asymmetric`: the property and the input layout are documented on `hearth_fuzz::status::payload_asymmetric`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::payload_asymmetric(data));
