#![no_main]
//! `link_data`: the property and the input layout are documented on `hearth_fuzz::link::link_data`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::link::link_data(data));
