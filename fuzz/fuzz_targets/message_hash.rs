#![no_main]
//! `message_hash`: the property and the input layout are documented on `hearth_fuzz::waku::message_hash`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::waku::message_hash(data));
