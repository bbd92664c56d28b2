#![no_main]
//! `protocol_message`: the property and the input layout are documented on `hearth_fuzz::status::protocol_message`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::protocol_message(data));
