#![no_main]
//! `client_answers`: the property and the input layout are documented on `hearth_fuzz::net::client_answers`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::net::client_answers(data));
