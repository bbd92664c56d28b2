#![no_main]
//! `frame_codec`: the property and the input layout are documented on `hearth_fuzz::net::frame_codec`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::net::frame_codec(data));
