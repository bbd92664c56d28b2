#![no_main]
//! `pubsub_topic`: the property and the input layout are documented on `hearth_fuzz::waku::pubsub_topic`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::waku::pubsub_topic(data));
