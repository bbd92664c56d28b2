#![no_main]
//! `waku_proto`: the property and the input layout are documented on `hearth_fuzz::waku::proto`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::waku::proto(data));
