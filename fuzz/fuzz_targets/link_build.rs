#![no_main]
//! `link_build`: the property and the input layout are documented on `hearth_fuzz::link::link_build`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::link::link_build(data));
