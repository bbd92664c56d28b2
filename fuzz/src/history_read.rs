//! `hearth::history::fetch` and the archive-link choice of `hearth::client::archives`: what a web
//! seed's answer head and a store node's link messages can make the browser reader do.

use hearth::client::archives::{LinkError, newest_link};
use hearth::client::ingest::Ingested;
use hearth::history::fetch::{FetchError, FetchRequest, resolve_url};
use hearth::status::keys::PrivateKey;

use crate::input::Reader;

/// Layout: `u64` range start, `u64` range length, `u16` status, `u64` declared length, `u8`
/// split, then text (the first `split` bytes a URL base, the rest a reference and a
/// Content-Range value) — the same bytes also as an archive-link payload.
///
/// Invariants: an answer head accepted for a range declares at most (and, when declared, exactly)
/// the range's length; a Content-Range accepted names exactly the range asked; a body length
/// accepted is within the limit; `resolve_url` of an absolute reference is the reference; a link
/// is chosen only when signed by the community key.
pub fn history_read(data: &[u8]) {
    let mut r = Reader::new(data);
    let u64_ = |r: &mut Reader| u64::from_le_bytes(r.bytes(8).try_into().unwrap_or([0; 8]));
    let start = u64_(&mut r) % (1 << 42);
    let len = u64_(&mut r) % (1 << 30);
    let status = u16::from_le_bytes(r.bytes(2).try_into().unwrap_or([0; 2]));
    let declared = u64_(&mut r);
    let split = r.u8() as usize;
    let rest = r.rest();
    let text = String::from_utf8_lossy(rest);

    let request = FetchRequest::range("http://seed/data", start..start + len);
    if request.check_head(status, Some(declared)).is_ok() {
        assert!(declared <= len, "declared {declared} for a range of {len}");
        assert!(declared == len, "a short range accepted");
    }
    if request.check_content_range(&text).is_ok() {
        let span = text.trim().strip_prefix("bytes ").unwrap().split('/').next().unwrap();
        let (a, b) = span.split_once('-').unwrap();
        assert_eq!(a.trim().parse::<u64>().ok(), Some(start));
        assert_eq!(b.trim().parse::<u64>().ok().map(|b| b + 1), Some(start + len));
    }
    match request.check_body_len(declared) {
        Ok(()) => assert_eq!(declared, len),
        Err(FetchError::TooLarge { .. } | FetchError::Truncated { .. }) => {}
        Err(e) => panic!("unexpected {e}"),
    }
    let whole = FetchRequest::whole("http://seed/t", len);
    if whole.check_body_len(declared).is_ok() {
        assert!(declared <= len);
    }

    let cut = text
        .char_indices()
        .map(|(i, _)| i)
        .find(|&i| i >= split.min(text.len()))
        .unwrap_or(text.len());
    let (base, reference) = text.split_at(cut);
    let resolved = resolve_url(base, reference);
    if reference.contains("://") {
        assert_eq!(resolved, reference);
    }

    let community = PrivateKey::from_bytes(&[1; 32]).unwrap();
    let other = PrivateKey::from_bytes(&[2; 32]).unwrap();
    let link = |k: &PrivateKey| Ingested::Other {
        message_type: 43,
        payload: rest.to_vec(),
        signer: k.public_key(),
    };
    match newest_link(&community.public_key(), [link(&other)]) {
        Ok(l) => panic!("a link signed by another key was taken: {l:?}"),
        Err(LinkError::Forged { .. } | LinkError::NotFound) => {}
        Err(e) => panic!("a foreign link was read: {e}"),
    }
    let _ = newest_link(&community.public_key(), [link(&community), link(&other)]);
}
