//! Building status.app links in the app without a brotli compressor. `hearth::status::link` builds
//! them with brotli quality 11, which links the whole encoder (about 1 MB of code and tables in the
//! wasm). Link data is a few hundred bytes at most, where compression gains little, so the app
//! writes it as a brotli stream of *uncompressed* meta-blocks (RFC 7932 §9.2, `ISUNCOMPRESSED`):
//! valid brotli that status-go, status.app and `hearth::status::link` all decode, built in a few
//! lines. The fields are checked against status.app's limits here first, as the library does.

use hearth::client::types::CommunityInfo;
use hearth::proto::status as pb;
use hearth::status::keys::PublicKey;
use hearth::status::link::community_tag_index;
use prost::Message;

const STATUS_APP: &str = "https://status.app";
/// status.app refuses encoded data longer than this.
const MAX_DATA_CHARS: usize = 500;
/// An uncompressed meta-block holds at most 2^16 bytes with the 4-nibble length used here.
const MAX_META_BLOCK: usize = 1 << 16;

struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn new() -> Self {
        Self {
            out: Vec::new(),
            acc: 0,
            n: 0,
        }
    }
    /// Writes `count` bits of `value`, least significant first (brotli's bit order).
    fn put(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.acc |= ((value >> i) & 1) << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
    }
    fn align(&mut self) {
        if self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.n = 0;
        }
    }
}

/// `bytes` as a brotli stream of stored meta-blocks.
pub fn brotli_stored(bytes: &[u8]) -> Vec<u8> {
    let mut w = Bits::new();
    w.put(0, 1); // WBITS = 16
    for chunk in bytes.chunks(MAX_META_BLOCK) {
        w.put(0, 1); // ISLAST = 0
        w.put(0, 2); // MNIBBLES = 4
        w.put((chunk.len() - 1) as u32, 16); // MLEN - 1
        w.put(1, 1); // ISUNCOMPRESSED
        w.align();
        w.out.extend_from_slice(chunk);
    }
    w.put(1, 1); // ISLAST
    w.put(1, 1); // ISLASTEMPTY
    w.align();
    w.out
}

fn url_data(content: Vec<u8>) -> Option<String> {
    let wrapped = pb::UrlData { content }.encode_to_vec();
    let data = data_encoding::BASE64URL.encode(&brotli_stored(&wrapped));
    (data.len() <= MAX_DATA_CHARS).then_some(data)
}

/// Cuts to `max` UTF-16 units (status.app counts JS string length), on a char boundary.
fn clip(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut units = 0;
    for c in s.chars() {
        units += c.len_utf16();
        if units > max {
            break;
        }
        out.push(c);
    }
    out
}

fn hex_colour(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
}

fn community_message(info: &CommunityInfo) -> Option<pb::Community> {
    let name = clip(info.name.trim(), 30);
    let description = clip(info.description.trim(), 140);
    (!name.is_empty() && !description.is_empty() && hex_colour(&info.color)).then(|| {
        pb::Community {
            display_name: name,
            description,
            members_count: u32::try_from(info.members).unwrap_or(u32::MAX),
            color: info.color.clone(),
            tag_indices: info
                .tags
                .iter()
                .filter_map(|t| community_tag_index(t))
                .collect(),
        }
    })
}

/// The status.app link for a community, or for one of its channels: with its data (name,
/// description, colour, tags, members) when every field fits status.app's limits, else the
/// key-only form, which every client opens too.
pub fn status_link(info: &CommunityInfo, channel_uuid: Option<&str>) -> Option<String> {
    let key = PublicKey::from_hex(&info.id).ok()?.to_serialized();
    let community = community_message(info);
    match channel_uuid {
        None => Some(match community.and_then(|c| url_data(c.encode_to_vec())) {
            Some(data) => format!("{STATUS_APP}/c/{data}#{key}"),
            None => format!("{STATUS_APP}/c#{key}"),
        }),
        Some(uuid) => {
            let ch = info.channels.iter().find(|c| c.uuid == uuid)?;
            let name = clip(ch.name.trim(), 24);
            let description = clip(ch.description.trim(), 140);
            let data = (!name.is_empty() && !description.is_empty() && hex_colour(&ch.color))
                .then_some(())
                .and(community)
                .and_then(|c| {
                    url_data(
                        pb::Channel {
                            display_name: name,
                            description,
                            emoji: ch.emoji.clone(),
                            color: ch.color.clone(),
                            community: Some(c),
                            uuid: uuid.to_string(),
                        }
                        .encode_to_vec(),
                    )
                });
            Some(format!(
                "{STATUS_APP}/cc/{}#{key}",
                data.unwrap_or_else(|| uuid.to_string())
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth::client::types::{ChannelInfo, DescriptionState, Membership};
    use hearth::status::link::{PreviewLink, decode_url_data, parse_preview_link};

    const KEY: &str = "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133";

    fn info() -> CommunityInfo {
        CommunityInfo {
            id: KEY.into(),
            name: "Hearth <b>demo</b> 🔥".into(),
            description: "A community on a Waku node".into(),
            color: "#E8590C".into(),
            tags: vec!["Privacy".into(), "Not a tag".into(), "Web3".into()],
            members: 12,
            requires_approval: true,
            token_gated: false,
            categories: vec![],
            channels: vec![ChannelInfo {
                uuid: "003cdcd5-e065-48f9-b166-b1a94ac75a11".into(),
                chat_id: format!("{KEY}003cdcd5-e065-48f9-b166-b1a94ac75a11"),
                name: "general".into(),
                description: "Talk".into(),
                emoji: "💬".into(),
                color: "#112233".into(),
                category_id: None,
                position: 0,
                can_post: true,
            }],
            logo: None,
            banner: None,
            state: DescriptionState::Verified { clock: 1 },
            membership: Membership::None,
        }
    }

    #[test]
    fn stored_brotli_decodes_with_the_library_decoder() {
        for len in [0usize, 1, 300, 3000] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let data = url_data(bytes.clone()).unwrap_or_else(|| {
                let wrapped = pb::UrlData {
                    content: bytes.clone(),
                }
                .encode_to_vec();
                data_encoding::BASE64URL.encode(&brotli_stored(&wrapped))
            });
            assert_eq!(decode_url_data(&data).unwrap(), bytes, "len {len}");
        }
        // Empty input is the 1-byte stream "last, empty".
        assert_eq!(brotli_stored(&[]), [0x06]);
    }

    #[test]
    fn community_link_round_trips_through_the_parser() {
        let url = status_link(&info(), None).unwrap();
        assert!(url.starts_with("https://status.app/c/"), "{url}");
        let PreviewLink::Community { key, hint } = parse_preview_link(&url).unwrap() else {
            panic!("not a community link: {url}")
        };
        assert_eq!(key.to_compressed_hex().trim_start_matches("0x"), &KEY[2..]);
        let hint = hint.unwrap().into_hint();
        assert_eq!(hint.display_name, "Hearth <b>demo</b> 🔥");
        assert_eq!(hint.members_count, 12);
        assert_eq!(hint.color, "#E8590C");
        let tags: Vec<&str> = hint.tags().map(|t| t.name).collect();
        assert_eq!(tags, ["Privacy", "Web3"]);
    }

    #[test]
    fn channel_link_round_trips_and_bad_fields_fall_back_to_key_only() {
        let url = status_link(&info(), Some("003cdcd5-e065-48f9-b166-b1a94ac75a11")).unwrap();
        let PreviewLink::Channel { uuid, hint, .. } = parse_preview_link(&url).unwrap() else {
            panic!("{url}")
        };
        assert_eq!(uuid, "003cdcd5-e065-48f9-b166-b1a94ac75a11");
        assert_eq!(hint.unwrap().into_hint().display_name, "general");
        let mut odd = info();
        odd.color = "red; background:url(x)".into();
        let url = status_link(&odd, None).unwrap();
        assert!(url.starts_with("https://status.app/c#zQ3sh"), "{url}");
        let long = CommunityInfo {
            name: "x".repeat(100),
            description: "é".repeat(400),
            ..info()
        };
        let PreviewLink::Community { hint, .. } =
            parse_preview_link(&status_link(&long, None).unwrap()).unwrap()
        else {
            panic!()
        };
        let hint = hint.unwrap().into_hint();
        assert_eq!(hint.display_name.len(), 30);
        assert_eq!(hint.description.chars().count(), 140);
    }
}
