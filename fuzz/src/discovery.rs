//! DNS discovery's parsers (`hearth::waku::dns_discovery`, `hearth::net::doh`): what a DNS
//! server or a DoH endpoint sends, on any bytes.

use hearth::net::doh::{parse_doh_json, parse_txt_data};
use hearth::waku::dns_discovery::{EnrTreeUrl, parse_entry};

/// The input as a DoH JSON answer, as TXT data, as a tree record and as an `enrtree://` URL.
/// Invariant: a URL that parses prints back to one that parses to the same URL.
pub fn dns_records(data: &[u8]) {
    let _ = parse_doh_json(data);
    let text = String::from_utf8_lossy(data);
    let _ = parse_txt_data(&text);
    let _ = parse_entry(&text);
    if let Ok(url) = EnrTreeUrl::parse(&text) {
        let again = EnrTreeUrl::parse(&url.to_string()).expect("a printed URL parses");
        assert_eq!(again, url);
    }
}
