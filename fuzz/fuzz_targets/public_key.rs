#![no_main]
//! `public_key`: the property and the input layout are documented on `hearth_fuzz::status::public_key`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::public_key(data));
