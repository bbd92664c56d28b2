#![no_main]
//! `application_message`: the property and the input layout are documented on `hearth_fuzz::status::application_message`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::status::application_message(data));
