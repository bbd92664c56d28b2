#![no_main]
//! `preview_link`: the property and the input layout are documented on `hearth_fuzz::link::preview_link`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::link::preview_link(data));
