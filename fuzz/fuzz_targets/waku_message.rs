#![no_main]
//! `waku_message`: the property and the input layout are documented on `hearth_fuzz::waku::message`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::waku::message(data));
