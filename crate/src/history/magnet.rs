//! Magnet links (BEP 9) as the archive link carries them: `xt=urn:btih:<info hash>` pins the
//! torrent, `xs=` (exact source) says where the `.torrent` itself can be fetched over HTTP, and each
//! `ws=` (BEP 19) is a web seed serving the files. status-go writes `xt`, `dn` and `tr`; Hearth adds
//! `xs` and `ws`, which anacrolix and other clients read too.

use std::fmt;

use super::torrent::InfoHash;

/// Longest magnet link we parse: a handful of URLs.
pub const MAX_MAGNET_LEN: usize = 16 * 1024;
/// Most web seeds / trackers kept from one link.
pub const MAX_SOURCES: usize = 32;

/// Why a string is not a usable magnet link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MagnetError {
    #[error("magnet link of {len} bytes is longer than {MAX_MAGNET_LEN}")]
    TooLong { len: usize },
    #[error("not a magnet link (must start with `magnet:?`)")]
    NotMagnet,
    #[error("no `xt=urn:btih:` exact topic")]
    NoInfoHash,
    #[error("btih `{0}` is neither 40 hex nor 32 base32 characters")]
    BadInfoHash(String),
    #[error("bad percent-encoding in `{0}`")]
    BadEncoding(String),
    #[error("more than {MAX_SOURCES} `{0}` entries")]
    TooManySources(&'static str),
}

/// A parsed magnet link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MagnetLink {
    pub info_hash: InfoHash,
    /// `dn`: display name (status-go: the community id).
    pub display_name: Option<String>,
    /// `xs`: where the `.torrent` can be downloaded directly.
    pub exact_source: Option<String>,
    /// `ws`: BEP 19 web seeds, in order of preference.
    pub web_seeds: Vec<String>,
    /// `tr`: trackers.
    pub trackers: Vec<String>,
}

impl MagnetLink {
    /// Parses `magnet:?…`. Unknown parameters are ignored; the first `btih` wins.
    pub fn parse(s: &str) -> Result<MagnetLink, MagnetError> {
        if s.len() > MAX_MAGNET_LEN {
            return Err(MagnetError::TooLong { len: s.len() });
        }
        let query = s
            .strip_prefix("magnet:?")
            .or_else(|| s.strip_prefix("MAGNET:?"))
            .ok_or(MagnetError::NotMagnet)?;
        let mut link = MagnetLink::default();
        let mut have_hash = false;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(raw)?;
            // Some writers number repeated keys: `ws.1=`, `tr.2=`.
            let key = key.split('.').next().unwrap_or(key);
            match key {
                "xt" if !have_hash => {
                    if let Some(h) = value.strip_prefix("urn:btih:") {
                        link.info_hash = parse_btih(h)?;
                        have_hash = true;
                    }
                }
                "dn" => link.display_name = Some(value),
                "xs" if link.exact_source.is_none() => link.exact_source = Some(value),
                "ws" => push_bounded(&mut link.web_seeds, value, "ws")?,
                "tr" => push_bounded(&mut link.trackers, value, "tr")?,
                _ => {}
            }
        }
        if !have_hash {
            return Err(MagnetError::NoInfoHash);
        }
        Ok(link)
    }
}

fn push_bounded(list: &mut Vec<String>, v: String, key: &'static str) -> Result<(), MagnetError> {
    if list.len() >= MAX_SOURCES {
        return Err(MagnetError::TooManySources(key));
    }
    list.push(v);
    Ok(())
}

fn parse_btih(h: &str) -> Result<InfoHash, MagnetError> {
    let bad = || MagnetError::BadInfoHash(h.chars().take(64).collect());
    let bytes = match h.len() {
        40 => hex::decode(h).map_err(|_| bad())?,
        32 => data_encoding::BASE32_NOPAD
            .decode(h.to_ascii_uppercase().as_bytes())
            .map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    bytes.try_into().map_err(|_| bad())
}

impl fmt::Display for MagnetLink {
    /// `magnet:?xt=urn:btih:<hex>&dn=…&xs=…&ws=…&tr=…`, values percent-encoded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "magnet:?xt=urn:btih:{}", hex::encode(self.info_hash))?;
        if let Some(dn) = &self.display_name {
            write!(f, "&dn={}", percent_encode(dn))?;
        }
        if let Some(xs) = &self.exact_source {
            write!(f, "&xs={}", percent_encode(xs))?;
        }
        for ws in &self.web_seeds {
            write!(f, "&ws={}", percent_encode(ws))?;
        }
        for tr in &self.trackers {
            write!(f, "&tr={}", percent_encode(tr))?;
        }
        Ok(())
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (a space in query strings); the result must be UTF-8.
pub fn percent_decode(s: &str) -> Result<String, MagnetError> {
    let bad = || MagnetError::BadEncoding(s.chars().take(64).collect());
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_exact_string() {
        let link = MagnetLink {
            info_hash: [0xab; 20],
            display_name: Some("0x02ff".into()),
            exact_source: Some("http://h:1/a b.torrent".into()),
            web_seeds: vec!["http://h:1/archives/".into(), "https://m.example/x/".into()],
            trackers: vec![],
        };
        let s = link.to_string();
        assert_eq!(
            s,
            "magnet:?xt=urn:btih:abababababababababababababababababababab&dn=0x02ff\
             &xs=http%3A%2F%2Fh%3A1%2Fa%20b.torrent&ws=http%3A%2F%2Fh%3A1%2Farchives%2F\
             &ws=https%3A%2F%2Fm.example%2Fx%2F"
        );
        assert_eq!(MagnetLink::parse(&s).unwrap(), link);
    }

    #[test]
    fn parses_status_go_style_and_base32() {
        // status-go (anacrolix Magnet.String): xt, dn, tr with raw `:` and `/`.
        let s = "magnet:?xt=urn:btih:3D2F4B8E1A0C9F7E6D5C4B3A2918070605040302&dn=0x02aa&tr=udp%3A%2F%2Ftracker.opentrackr.org%3A1337%2Fannounce";
        let m = MagnetLink::parse(s).unwrap();
        assert_eq!(m.info_hash[0], 0x3d);
        assert_eq!(
            m.trackers,
            vec!["udp://tracker.opentrackr.org:1337/announce"]
        );
        let b32 = data_encoding::BASE32_NOPAD.encode(&[7u8; 20]);
        let m = MagnetLink::parse(&format!("magnet:?xt=urn:btih:{b32}")).unwrap();
        assert_eq!(m.info_hash, [7u8; 20]);
    }

    #[test]
    fn rejects_bad_links() {
        assert_eq!(MagnetLink::parse("http://x"), Err(MagnetError::NotMagnet));
        assert_eq!(
            MagnetLink::parse("magnet:?dn=x"),
            Err(MagnetError::NoInfoHash)
        );
        assert!(matches!(
            MagnetLink::parse("magnet:?xt=urn:btih:zz"),
            Err(MagnetError::BadInfoHash(_))
        ));
        assert!(matches!(
            MagnetLink::parse(&format!("magnet:?xt=urn:btih:{}&dn=%g1", "a".repeat(40))),
            Err(MagnetError::BadEncoding(_))
        ));
        let many = "&ws=x".repeat(MAX_SOURCES + 1);
        assert_eq!(
            MagnetLink::parse(&format!("magnet:?xt=urn:btih:{}{many}", "a".repeat(40))),
            Err(MagnetError::TooManySources("ws"))
        );
    }
}
