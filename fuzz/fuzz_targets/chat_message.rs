#![no_main]
//! `chat_message`: the property and the input layout are documented on `hearth_fuzz::typed::chat_message`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::typed::chat_message(data));
