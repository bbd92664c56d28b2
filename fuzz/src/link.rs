//! `hearth::status::link`: preview links and their URL data.

use data_encoding::{BASE64URL, BASE64URL_NOPAD};
use hearth::proto::status::UrlData;
use hearth::status::link::{
    ChannelHint, CommunityHint, MAX_URL_DATA_LEN, PreviewLink, Unverified, UserHint, UserId,
    decode_channel_data, decode_community_data, decode_url_data, decode_user_data,
    parse_preview_link,
};
use prost::Message;

use crate::input::{Reader, public};

/// `parse_preview_link` on the input as text (invalid UTF-8 replaced, so every input is tried).
///
/// Invariant: a link that parses and can be rebuilt (`to_url`; it refuses hints over status.app's
/// limits) re-parses to the same value.
pub fn preview_link(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(link) = parse_preview_link(&text) else {
        return;
    };
    let _ = link.community_id();
    if let Ok(url) = link.to_url() {
        assert_eq!(parse_preview_link(&url), Ok(link), "rebuilt as {url}");
    }
}

fn decode_all(encoded: &str) {
    if let Ok(content) = decode_url_data(encoded) {
        assert!(content.len() <= MAX_URL_DATA_LEN);
    }
    let _ = decode_community_data(encoded);
    let _ = decode_channel_data(encoded);
    let _ = decode_user_data(encoded);
}

/// The `<data>` decoders (base64url → brotli → `URLData` → `Community`/`Channel`/`User`), reached
/// three ways. Layout: `u8` mode, then the bytes.
///
/// 1. the bytes as text, as the data part of a link;
/// 2. the bytes base64url-encoded (padded or not: mode bit 0), so the fuzzer drives the brotli
///    decoder directly;
/// 3. the bytes as `URLData.content`, brotli-compressed (quality `(mode >> 4) % 10`, window
///    `10 + 2 × ((mode >> 1) & 7)` bits) and encoded: the protobuf decoders see fuzzer bytes.
///
/// Invariants: decoded URL data is at most `MAX_URL_DATA_LEN`; in (3), any window size (the
/// decoder clamps large ones) decodes back to the same content.
pub fn link_data(data: &[u8]) {
    let mut r = Reader::new(data);
    let mode = r.u8();
    let bytes = r.rest();

    decode_all(&String::from_utf8_lossy(bytes));

    let b64 = if mode & 1 == 1 {
        &BASE64URL
    } else {
        &BASE64URL_NOPAD
    };
    decode_all(&b64.encode(bytes));

    let url_data = UrlData {
        content: bytes.to_vec(),
    }
    .encode_to_vec();
    let params = brotli::enc::BrotliEncoderParams {
        // Quality 10 and 11 cost tens of ms per run; the streams they write add nothing the
        // base64 path above does not reach.
        quality: i32::from(mode >> 4) % 10,
        lgwin: 10 + 2 * i32::from((mode >> 1) & 7),
        ..Default::default()
    };
    let mut compressed = Vec::new();
    brotli::BrotliCompress(&mut &url_data[..], &mut compressed, &params)
        .expect("compressing to memory");
    let encoded = b64.encode(&compressed);
    let decoded = decode_url_data(&encoded);
    if url_data.len() <= MAX_URL_DATA_LEN {
        assert_eq!(
            decoded.as_deref(),
            Ok(bytes),
            "lgwin {}, quality {}",
            params.lgwin,
            params.quality
        );
    }
    decode_all(&encoded);
}

// ---------------------------------------------------------------------------------------------
// Building links

/// A string: `u8` form (low bits) and length, then bytes. Forms: 0 lossy UTF-8; 1 lowercase
/// letters; 2 letters, digits and a few symbols; 3 a fixed non-ASCII sample (UTF-16 lengths).
fn string(r: &mut Reader<'_>) -> String {
    let head = r.u8();
    let len = usize::from(head >> 2);
    match head & 3 {
        0 => String::from_utf8_lossy(r.bytes(len)).into_owned(),
        1 => r
            .bytes(len)
            .iter()
            .map(|b| char::from(b'a' + b % 26))
            .collect(),
        2 => {
            const ALPHABET: &[u8] = b"abcXYZ019 -_.#%&?/=+";
            r.bytes(len)
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
                .collect()
        }
        _ => ["é", "日本", "🎨", "𝕏", "Ⅻ", "İ"]
            .iter()
            .cycle()
            .take(len)
            .copied()
            .collect(),
    }
}

fn color(r: &mut Reader<'_>) -> String {
    match r.u8() % 4 {
        0 => String::new(),
        1 => format!("#{:06x}", r.u32() & 0xff_ffff),
        2 => format!("#{:06X}", r.u32() & 0xff_ffff),
        _ => string(r),
    }
}

fn community_hint(r: &mut Reader<'_>) -> CommunityHint {
    CommunityHint {
        display_name: string(r),
        description: string(r),
        members_count: r.u32(),
        color: color(r),
        tag_indices: (0..r.u8() % 5).map(|_| u32::from(r.u8() % 64)).collect(),
    }
}

fn uuid(r: &mut Reader<'_>) -> String {
    let head = r.u8();
    if head % 4 == 3 {
        return string(r);
    }
    let mut b = [0u8; 16];
    let got = r.bytes(16);
    b[..got.len()].copy_from_slice(got);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    let u = format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    );
    if head & 1 == 1 {
        u.to_ascii_uppercase()
    } else {
        u
    }
}

fn emoji(r: &mut Reader<'_>) -> String {
    match r.u8() % 6 {
        0 => String::new(),
        1 => "🎨".into(),
        2 => "#\u{fe0f}\u{20e3}".into(),
        3 => "🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}".into(),
        4 => "👩\u{200d}💻".into(),
        _ => string(r),
    }
}

/// What `to_url` then `parse_preview_link` should give for `link`: the same value, except that
/// uuids and ENS names come back lowercased.
fn normalized(link: &PreviewLink) -> PreviewLink {
    match link.clone() {
        PreviewLink::Channel {
            community_key,
            uuid,
            hint,
        } => PreviewLink::Channel {
            community_key,
            uuid: uuid.to_ascii_lowercase(),
            hint,
        },
        PreviewLink::User {
            user: UserId::Ens(name),
            hint,
        } => PreviewLink::User {
            user: UserId::Ens(name.to_lowercase()),
            hint,
        },
        other => other,
    }
}

/// `PreviewLink::to_url` on links built field by field from the input, then
/// `parse_preview_link` on the result.
///
/// Layout: `u8` head (bits 0–1: community, channel, user, user; bit 2: with a hint; bits 3–7: which
/// of three keys),
/// then the fields (strings as in `string`, colours, tag indices, uuid, emoji, ENS name).
///
/// Invariant: every link `to_url` builds parses back to the same link (uuids and ENS names
/// lowercased), and rebuilding that gives the same URL.
pub fn link_build(data: &[u8]) {
    build_link(data);
}

/// [`link_build`], returning the URL built, if any: `make_seeds` checks that seeds get that far.
pub fn build_link(data: &[u8]) -> Option<String> {
    let mut r = Reader::new(data);
    let head = r.u8();
    let with_hint = head & 4 != 0;
    let key = public(head >> 3);
    let link = match head & 3 {
        0 => PreviewLink::Community {
            key,
            hint: with_hint.then(|| Unverified::new(community_hint(&mut r))),
        },
        1 => PreviewLink::Channel {
            community_key: key,
            uuid: uuid(&mut r),
            hint: with_hint.then(|| {
                Unverified::new(ChannelHint {
                    display_name: string(&mut r),
                    description: string(&mut r),
                    emoji: emoji(&mut r),
                    color: color(&mut r),
                    community: community_hint(&mut r),
                })
            }),
        },
        _ => PreviewLink::User {
            user: if r.bool() {
                UserId::Ens(format!("{}.eth", string(&mut r)))
            } else {
                UserId::Key(key)
            },
            hint: with_hint.then(|| {
                Unverified::new(UserHint {
                    display_name: string(&mut r),
                    description: string(&mut r),
                    color: color(&mut r),
                })
            }),
        },
    };
    let url = link.to_url().ok()?;
    let parsed = parse_preview_link(&url);
    assert_eq!(parsed, Ok(normalized(&link)), "built {url}");
    if let Ok(parsed) = parsed {
        assert_eq!(parsed.to_url().as_ref(), Ok(&url));
    }
    Some(url)
}
