#![no_main]
//! `identity_input`: the property and the input layout are documented on `hearth_fuzz::identity::identity_input`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::identity::identity_input(data));
