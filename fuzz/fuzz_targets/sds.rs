#![no_main]
//! `sds`: the property and the input layout are documented on `hearth_fuzz::status::sds`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::sds(data));
