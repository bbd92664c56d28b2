#![no_main]
//! `community_description`: the property and the input layout are documented on `hearth_fuzz::typed::community_description`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::typed::community_description(data));
