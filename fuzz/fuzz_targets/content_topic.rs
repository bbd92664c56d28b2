#![no_main]
//! `content_topic`: the property and the input layout are documented on `hearth_fuzz::waku::content_topic`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::waku::content_topic(data));
