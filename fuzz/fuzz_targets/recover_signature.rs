#![no_main]
//! `recover_signature`: the property and the input layout are documented on `hearth_fuzz::status::recover_signature`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::recover_signature(data));
