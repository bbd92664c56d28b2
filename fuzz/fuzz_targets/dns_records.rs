#![no_main]
//! `dns_records`: the property and the input layout are documented on `hearth_fuzz::discovery::dns_records`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::discovery::dns_records(data));
