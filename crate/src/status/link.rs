//! Status preview links: `https://status.app/c/<data>#<key>` and their relatives.
//!
//! A preview link names a community, a channel or a profile by public key and may carry a small,
//! compressed copy of its name, description, colour and so on, so that a page can show something
//! before Waku answers (link unfurlers and web servers cannot speak Waku at all). That copy is
//! **unsigned**: anyone can put any name and any member count next to any key. So every value read
//! from a link comes back wrapped in [`Unverified`]; the UI shows it as a hint and replaces it when
//! the community's signed `CommunityDescription` (or the profile's `ContactCodeAdvertisement`)
//! arrives and passes the signer check (DESIGN.md, "Verify before trust").
//!
//! Forms read ([`parse_preview_link`]), after status-go `services/sharedurls` (`ParseSharedURL`)
//! and status.app `apps/status.app/src/app/(sharing)` (`shared/reference/status-links-widgets.md`
//! §1–§2):
//!
//! | link | gives |
//! |---|---|
//! | `https://status.app/c/<data>#<key>`, `/c#<key>` | community |
//! | `https://status.app/cc/<data>#<key>`, `/cc/<uuid>#<key>` | channel (key = community's) |
//! | `https://status.app/u/<data>#<key>`, `/u#<key>`, `/u#<name>.eth` | profile |
//! | the same on `www.status.app`, `http://`, or the app's own `status-app://` scheme | same |
//! | `…#<base64url signature>` (Jun–Aug 2023 signed links) | key recovered from the signature |
//! | `https://join.status.im/c/<0x id>[/<cluster>/<index>]`, `/cc/<chat id>`, `/u/<key or ENS>` (2021–23) and `status-im://…` | same, no data |
//! | `status-app://c/<0x id>`, `cc/<chat id>`, `u/<key>` (desktop before the 2023 format) | same, no data |
//!
//! Data pipeline, both ways: protobuf `Community`/`Channel`/`User` → `URLData.content` → brotli →
//! base64url (padded on output, either on input) (`proto/status/url_data.proto`).
//!
//! Everything here is a pure function of its input and total: no input panics, and every size is
//! bounded before work or allocation scales with it ([`MAX_LINK_LEN`], [`MAX_URL_DATA_LEN`], the
//! brotli window clamp in [`decode_url_data`]).

use std::borrow::Cow;
use std::io::Read;
use std::sync::LazyLock;

use prost::Message;

use crate::proto::status as pb;
use crate::status::keys::{self, KeyError, PublicKey};

// ---------------------------------------------------------------------------------------------
// Limits

/// The longest link read at all, in bytes. The longest link status.app accepts is about 580 bytes
/// (500 characters of data, the path, `#` and a 49-character key); 4 KiB leaves room for
/// percent-encoding (up to 3×), tracking query strings and a long ENS name, while keeping base58,
/// base64 and brotli work on hostile input small.
pub const MAX_LINK_LEN: usize = 4096;

/// The most bytes URL data may decompress to. status-go reads URL data with a single 4096-byte
/// `Read` (`services/sharedurls` `decodeDataURL`), so no link it can read is larger; the biggest
/// payload status.app's field limits allow is under 2 KiB. 16 KiB is 4× status-go's buffer and
/// still stops a brotli bomb (a 3 KiB stream can expand to megabytes) after 16 KiB of output.
pub const MAX_URL_DATA_LEN: usize = 16 * 1024;

/// The longest encoded data status.app reads (`packages/status-js/src/utils/encode-url-data.ts`,
/// `z.string().max(500)`). Links we build must stay within it; links we read may exceed it,
/// because status-go reads longer ones.
pub const MAX_ENCODED_DATA_LEN: usize = 500;

/// status-go's read buffer for decompressed URL data: data we build must fit or status-go would
/// silently cut it.
const STATUS_GO_URL_DATA_BUFFER: usize = 4096;

/// How much of an offending input an error message quotes.
const QUOTE_LEN: usize = 64;

/// Brotli quality and window for building links: the Node `zlib` defaults status.app's
/// `encodeURLData` runs with (quality 11, window 2^22). Any valid brotli stream decodes the same;
/// these reproduce status.app's own links byte for byte and give the shortest data.
const BROTLI_QUALITY: i32 = 11;
const BROTLI_LGWIN: i32 = 22;

// ---------------------------------------------------------------------------------------------
// Errors

/// What is wrong with a preview link, or with values to build one from.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("link is {len} bytes long; links over {max} bytes are refused unread")]
    TooLong { len: usize, max: usize },
    #[error("{scheme:?} is not a Status link scheme (https, http, status-app, status-im)")]
    UnknownScheme { scheme: String },
    #[error("{host:?} is not a Status link host (status.app, join.status.im)")]
    UnknownHost { host: String },
    #[error("{path:?} is not a preview link path (/c, /cc, /u)")]
    UnknownPath { path: String },
    #[error("link has no '#<key>' part; status.app and status-go both need the key after '#'")]
    MissingKey,
    #[error("channel link has nothing after /cc/; it needs a channel uuid or channel data")]
    MissingChannel,
    #[error("bad percent-encoding at byte {at}")]
    PercentEncoding { at: usize },
    #[error("URL data is not base64url: {0}")]
    Base64(String),
    #[error("URL data is not a valid brotli stream: {0}")]
    Brotli(String),
    #[error("URL data decompresses to more than {max} bytes")]
    TooLarge { max: usize },
    #[error("URL data is not a valid protobuf message: {0}")]
    Protobuf(String),
    #[error("{field} is not valid UTF-8")]
    InvalidUtf8 { field: &'static str },
    #[error("channel uuid {found:?} is not a UUID")]
    ChannelUuid { found: String },
    #[error("{found:?} is not an ENS name")]
    EnsName { found: String },
    #[error("key: {0}")]
    Key(#[from] KeyError),
    #[error("{field} must be {min} to {max} characters (UTF-16 units), got {len}")]
    FieldLength {
        field: &'static str,
        len: usize,
        min: usize,
        max: usize,
    },
    #[error("{field} must be '#' and six hex digits, got {found:?}")]
    Color { field: &'static str, found: String },
    #[error("channel emoji {found:?} is not an emoji")]
    Emoji { found: String },
    #[error("tag index {index} is not one of the {} community tags", COMMUNITY_TAGS.len())]
    TagIndex { index: u32 },
    #[error("encoded data is {len} characters; status.app reads at most {max}")]
    DataTooLong { len: usize, max: usize },
    #[error(
        "a profile link with data needs a public key; status.app cannot pair data with the ENS name {name:?}"
    )]
    EnsWithData { name: String },
}

// ---------------------------------------------------------------------------------------------
// Values

/// A value that came from a link, not from a message its owner signed.
///
/// It exists so that "unverified" is visible in every signature and at every use site: there is
/// no `Deref`, reading needs [`Unverified::hint`]. Nothing proves the name, member count or colour
/// belong to the key beside them — a link can claim any community is called anything. Show it
/// labelled as unverified, and replace it with the signed description once that arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverified<T>(T);

impl<T> Unverified<T> {
    /// Marks a value as coming from an unauthenticated source.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value, to show as a hint until the signed original replaces it.
    pub fn hint(&self) -> &T {
        &self.0
    }

    pub fn into_hint(self) -> T {
        self.0
    }
}

/// One of the fixed community tags. URL data carries tags as indices into [`COMMUNITY_TAGS`]
/// (three of them fit in four bytes); `CommunityDescription.tags` carries the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommunityTag {
    pub name: &'static str,
    pub emoji: &'static str,
}

/// The community tags in protocol order: a URL's tag index is a position in this list, so the
/// order is wire format. Facts from status-go `protocol/requests/community_tags.go` (`allTags`),
/// identical to status-web `packages/status-js/src/request-client/tags.ts`.
#[rustfmt::skip]
pub const COMMUNITY_TAGS: [CommunityTag; 52] = [
    CommunityTag { name: "Activism", emoji: "\u{270a}" },
    CommunityTag { name: "Art", emoji: "🎨" },
    CommunityTag { name: "Blockchain", emoji: "🔗" },
    CommunityTag { name: "Books & blogs", emoji: "📚" },
    CommunityTag { name: "Career", emoji: "💼" },
    CommunityTag { name: "Collaboration", emoji: "🤝" },
    CommunityTag { name: "Commerce", emoji: "🛒" },
    CommunityTag { name: "Culture", emoji: "🎎" },
    CommunityTag { name: "DAO", emoji: "🚀" },
    CommunityTag { name: "DeFi", emoji: "📈" },
    CommunityTag { name: "Design", emoji: "🧩" },
    CommunityTag { name: "DIY", emoji: "🔨" },
    CommunityTag { name: "Environment", emoji: "🌿" },
    CommunityTag { name: "Education", emoji: "🎒" },
    CommunityTag { name: "Entertainment", emoji: "🍿" },
    CommunityTag { name: "Ethereum", emoji: "Ξ" },
    CommunityTag { name: "Event", emoji: "🗓" },
    CommunityTag { name: "Fantasy", emoji: "🧙\u{200d}\u{2642}\u{fe0f}" },
    CommunityTag { name: "Fashion", emoji: "🧦" },
    CommunityTag { name: "Food", emoji: "🌶" },
    CommunityTag { name: "Gaming", emoji: "🎮" },
    CommunityTag { name: "Global", emoji: "🌍" },
    CommunityTag { name: "Health", emoji: "🧠" },
    CommunityTag { name: "Hobby", emoji: "📐" },
    CommunityTag { name: "Innovation", emoji: "🧪" },
    CommunityTag { name: "Language", emoji: "📜" },
    CommunityTag { name: "Lifestyle", emoji: "\u{2728}" },
    CommunityTag { name: "Local", emoji: "📍" },
    CommunityTag { name: "Love", emoji: "\u{2764}\u{fe0f}" },
    CommunityTag { name: "Markets", emoji: "💎" },
    CommunityTag { name: "Movies & TV", emoji: "🎞" },
    CommunityTag { name: "Music", emoji: "🎶" },
    CommunityTag { name: "News", emoji: "🗞" },
    CommunityTag { name: "NFT", emoji: "🖼" },
    CommunityTag { name: "Non-profit", emoji: "🙏" },
    CommunityTag { name: "NSFW", emoji: "🍆" },
    CommunityTag { name: "Org", emoji: "🏢" },
    CommunityTag { name: "Pets", emoji: "🐶" },
    CommunityTag { name: "Play", emoji: "🎲" },
    CommunityTag { name: "Podcast", emoji: "🎙\u{fe0f}" },
    CommunityTag { name: "Politics", emoji: "🗳\u{fe0f}" },
    CommunityTag { name: "Product", emoji: "🍱" },
    CommunityTag { name: "Psyche", emoji: "🍁" },
    CommunityTag { name: "Privacy", emoji: "👻" },
    CommunityTag { name: "Security", emoji: "🔒" },
    CommunityTag { name: "Social", emoji: "\u{2615}" },
    CommunityTag { name: "Software dev", emoji: "👩\u{200d}💻" },
    CommunityTag { name: "Sports", emoji: "\u{26bd}\u{fe0f}" },
    CommunityTag { name: "Tech", emoji: "📱" },
    CommunityTag { name: "Travel", emoji: "🗺" },
    CommunityTag { name: "Vehicles", emoji: "🚕" },
    CommunityTag { name: "Web3", emoji: "🌐" },
];

/// The tag at a URL tag index; `None` past the list (status.app drops those, status-go would
/// panic on them).
pub fn community_tag(index: u32) -> Option<&'static CommunityTag> {
    COMMUNITY_TAGS.get(usize::try_from(index).ok()?)
}

/// The URL index of a tag name, ignoring ASCII case: for building links from names people type.
pub fn community_tag_index(name: &str) -> Option<u32> {
    COMMUNITY_TAGS
        .iter()
        .position(|t| t.name.eq_ignore_ascii_case(name.trim()))
        .and_then(|i| u32::try_from(i).ok())
}

/// What a `/c` link (or the community part of a `/cc` link) says about a community.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommunityHint {
    pub display_name: String,
    pub description: String,
    pub members_count: u32,
    /// Meant to be `#RRGGBB`, but unchecked: use [`CommunityHint::checked_color`] before putting
    /// it in a style.
    pub color: String,
    /// Indices into [`COMMUNITY_TAGS`], unknown ones kept as read.
    pub tag_indices: Vec<u32>,
}

impl CommunityHint {
    /// The known tags, in link order; unknown indices are skipped as status.app does.
    pub fn tags(&self) -> impl Iterator<Item = &'static CommunityTag> + '_ {
        self.tag_indices.iter().filter_map(|&i| community_tag(i))
    }

    /// The colour only if it is `#RRGGBB`, so a crafted link cannot smuggle CSS into a style.
    pub fn checked_color(&self) -> Option<&str> {
        is_hex_color(&self.color).then_some(self.color.as_str())
    }
}

/// What a `/cc` link with data says about a channel and its community. The channel's uuid is not
/// here but on [`PreviewLink::Channel`], because uuid-only links carry it too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelHint {
    pub display_name: String,
    pub description: String,
    pub emoji: String,
    /// Unchecked, see [`ChannelHint::checked_color`].
    pub color: String,
    /// status.app fills only the name; status-go fills every field.
    pub community: CommunityHint,
}

impl ChannelHint {
    /// The colour only if it is `#RRGGBB`.
    pub fn checked_color(&self) -> Option<&str> {
        is_hex_color(&self.color).then_some(self.color.as_str())
    }
}

/// What a `/u` link with data says about a profile. status-go leaves `color` empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserHint {
    pub display_name: String,
    pub description: String,
    /// Unchecked, see [`UserHint::checked_color`].
    pub color: String,
}

impl UserHint {
    /// The colour only if it is `#RRGGBB`.
    pub fn checked_color(&self) -> Option<&str> {
        is_hex_color(&self.color).then_some(self.color.as_str())
    }
}

/// Who a profile link points at: a key, or an ENS name that still has to be resolved (status.app
/// asks an Ethereum node for the name's `pubkey` record; Hearth leaves that to the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserId {
    Key(PublicKey),
    /// Lowercased, ending in `.eth`.
    Ens(String),
}

/// A parsed preview link. Keys and uuids say where to look on Waku; `hint`s are the unsigned
/// copies the link carried, `None` when it carried none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewLink {
    Community {
        /// The community's key: its id is `0x` + the compressed hex ([`keys::community_id`]).
        key: PublicKey,
        hint: Option<Unverified<CommunityHint>>,
    },
    Channel {
        community_key: PublicKey,
        /// Lowercase UUID, the channel's key in `CommunityDescription.chats`.
        uuid: String,
        hint: Option<Unverified<ChannelHint>>,
    },
    User {
        user: UserId,
        hint: Option<Unverified<UserHint>>,
    },
}

impl PreviewLink {
    /// The link's community id (`0x` + compressed hex), for community and channel links.
    pub fn community_id(&self) -> Option<String> {
        match self {
            Self::Community { key, .. }
            | Self::Channel {
                community_key: key, ..
            } => Some(keys::community_id(key)),
            Self::User { .. } => None,
        }
    }

    /// The link as status.app and status-go build it today: `https://status.app/…`, data brotli'd
    /// and base64url'd with padding (status-go's decoder insists on it), the key serialized
    /// (`zQ3sh…`). Values are checked against status.app's limits first, because status.app
    /// refuses a whole page over one field too long.
    pub fn to_url(&self) -> Result<String, LinkError> {
        match self {
            Self::Community { key, hint: None } => {
                Ok(format!("{STATUS_APP}/c#{}", key.to_serialized()))
            }
            Self::Community {
                key,
                hint: Some(hint),
            } => Ok(format!(
                "{STATUS_APP}/c/{}#{}",
                encode_community_data(hint.hint())?,
                key.to_serialized()
            )),
            Self::Channel {
                community_key,
                uuid,
                hint,
            } => {
                let uuid = checked_uuid(uuid)?;
                let data = match hint {
                    None => uuid,
                    Some(hint) => encode_channel_data(&uuid, hint.hint())?,
                };
                Ok(format!(
                    "{STATUS_APP}/cc/{data}#{}",
                    community_key.to_serialized()
                ))
            }
            Self::User {
                user: UserId::Ens(name),
                hint: None,
            } => Ok(format!("{STATUS_APP}/u#{}", checked_ens(name)?)),
            Self::User {
                user: UserId::Ens(name),
                hint: Some(_),
            } => Err(LinkError::EnsWithData { name: quote(name) }),
            Self::User {
                user: UserId::Key(key),
                hint: None,
            } => Ok(format!("{STATUS_APP}/u#{}", key.to_serialized())),
            Self::User {
                user: UserId::Key(key),
                hint: Some(hint),
            } => Ok(format!(
                "{STATUS_APP}/u/{}#{}",
                encode_user_data(hint.hint())?,
                key.to_serialized()
            )),
        }
    }
}

const STATUS_APP: &str = "https://status.app";

// ---------------------------------------------------------------------------------------------
// Parsing links

/// Which family of links the host or scheme belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Site {
    /// status.app and `status-app://` with the 2023 format; `status_app_scheme` allows the older
    /// desktop deep links as a fallback.
    StatusApp { status_app_scheme: bool },
    /// join.status.im and `status-im://` (2021–2023): ids in the path, no data.
    JoinStatusIm,
}

/// Reads any preview link form into typed values (see the module table). Total: every input gives
/// a value or a [`LinkError`], never a panic, with work bounded by [`MAX_LINK_LEN`].
///
/// Tolerated as status.app or the apps tolerate them: whitespace anywhere (line-wrapped pastes,
/// as the desktop app strips it), a missing scheme, `www.`, `http://`, upper-case scheme and host,
/// trailing slashes, query strings, percent-encoding (`%3D` padding, `%23` for `#`), padded or
/// unpadded base64url, hex keys where a serialized key is expected.
pub fn parse_preview_link(link: &str) -> Result<PreviewLink, LinkError> {
    if link.len() > MAX_LINK_LEN {
        return Err(LinkError::TooLong {
            len: link.len(),
            max: MAX_LINK_LEN,
        });
    }
    let compact: String = link.chars().filter(|c| !c.is_whitespace()).collect();
    let (site, rest) = split_site(&compact)?;
    let (path, fragment) = split_path_and_fragment(rest);
    let fragment = match fragment {
        Some(f) => Some(percent_decode(clean_fragment(f))?),
        None => None,
    };
    let fragment = fragment.as_deref().filter(|f| !f.is_empty());
    let segments: Vec<&str> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .collect();
    match site {
        Site::StatusApp { status_app_scheme } => {
            parse_status_app(&segments, fragment, status_app_scheme, path)
        }
        Site::JoinStatusIm => parse_legacy(&segments, path, true),
    }
}

/// Splits off the scheme and host, leaving the path, query and fragment.
fn split_site(link: &str) -> Result<(Site, &str), LinkError> {
    // A scheme is the token before the first ':', if that comes before any '/' (so that
    // `status.app/c#…` has none). The `//` after it is optional: the old mobile router took
    // `status-im:u/…` too.
    let (scheme, rest) = match link.find(':') {
        Some(i) if link.find('/').is_none_or(|slash| i < slash) => {
            let rest = &link[i + 1..];
            (Some(&link[..i]), rest.strip_prefix("//").unwrap_or(rest))
        }
        _ => (None, link),
    };
    match scheme.map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("status-app") => {
            return Ok((
                Site::StatusApp {
                    status_app_scheme: true,
                },
                rest,
            ));
        }
        Some("status-im") => return Ok((Site::JoinStatusIm, rest)),
        Some("https" | "http") | None => {}
        Some(other) => {
            return Err(LinkError::UnknownScheme {
                scheme: quote(other),
            });
        }
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..host_end].to_ascii_lowercase();
    let site = match host.as_str() {
        "status.app" | "www.status.app" => Site::StatusApp {
            status_app_scheme: false,
        },
        "join.status.im" | "www.join.status.im" => Site::JoinStatusIm,
        _ => return Err(LinkError::UnknownHost { host: quote(&host) }),
    };
    Ok((site, &rest[host_end..]))
}

/// Splits `/c/DATA?q#KEY` into the path without query (`/c/DATA`) and the raw fragment (`KEY`).
/// A `%23` in the path stands for `#` when the link has no literal one: links that went through
/// an over-eager encoder arrive that way.
fn split_path_and_fragment(rest: &str) -> (&str, Option<&str>) {
    let (before, fragment) = match rest.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => match find_encoded_hash(rest) {
            Some(i) => (&rest[..i], Some(&rest[i + 3..])),
            None => (rest, None),
        },
    };
    let path = before.split('?').next().unwrap_or(before);
    (path, fragment)
}

/// Drops what can follow a key in a fragment but is not part of it: a query someone appended
/// after the `#`, trailing slashes.
fn clean_fragment(fragment: &str) -> &str {
    let end = fragment.find(['?', '&']).unwrap_or(fragment.len());
    fragment[..end].trim_end_matches('/')
}

/// Where `%23` (an encoded `#`, either case) starts.
fn find_encoded_hash(s: &str) -> Option<usize> {
    s.as_bytes()
        .windows(3)
        .position(|w| w.eq_ignore_ascii_case(b"%23"))
}

fn parse_status_app(
    segments: &[&str],
    fragment: Option<&str>,
    status_app_scheme: bool,
    path: &str,
) -> Result<PreviewLink, LinkError> {
    let unknown = || LinkError::UnknownPath { path: quote(path) };
    let (kind, data) = match segments {
        [kind] => (*kind, None),
        [kind, data] => (*kind, Some(percent_decode(data)?)),
        _ => return Err(unknown()),
    };
    if !matches!(kind, "c" | "cc" | "u") {
        return Err(unknown());
    }
    // `/u/#key` is how status-go writes a profile link without data; treat `/x/` like `/x`.
    let data = data.as_deref().filter(|d| !d.is_empty());
    let Some(fragment) = fragment else {
        // The desktop app's deep links before the 2023 format put the id in the path.
        if status_app_scheme
            && let Some(data) = data
            && let Some(link) = parse_old_desktop(kind, data, segments, path)
        {
            return link;
        }
        return Err(if kind == "cc" && data.is_none() {
            LinkError::MissingChannel
        } else {
            LinkError::MissingKey
        });
    };
    match kind {
        "c" => {
            let key = parse_key(fragment, data)?;
            let hint = data.map(decode_community_data).transpose()?;
            Ok(PreviewLink::Community { key, hint })
        }
        "cc" => {
            let data = data.ok_or(LinkError::MissingChannel)?;
            let community_key = parse_key(fragment, Some(data))?;
            if is_uuid(data) {
                return Ok(PreviewLink::Channel {
                    community_key,
                    uuid: data.to_ascii_lowercase(),
                    hint: None,
                });
            }
            let (uuid, hint) = decode_channel_data(data)?;
            Ok(PreviewLink::Channel {
                community_key,
                uuid,
                hint: Some(hint),
            })
        }
        _ => {
            let user = if fragment.to_ascii_lowercase().ends_with(".eth") {
                UserId::Ens(checked_ens(fragment)?)
            } else {
                UserId::Key(parse_key(fragment, data)?)
            };
            let hint = data.map(decode_user_data).transpose()?;
            Ok(PreviewLink::User { user, hint })
        }
    }
}

/// `status-app://c/0x…`, `cc/<chat id>`, `u/<key>`: only when the path holds an id, so that a
/// 2023-format link missing its `#key` still reports [`LinkError::MissingKey`].
fn parse_old_desktop(
    kind: &str,
    id: &str,
    raw: &[&str],
    path: &str,
) -> Option<Result<PreviewLink, LinkError>> {
    let looks_like_id = id.starts_with("0x")
        || (kind != "cc" && PublicKey::from_serialized(id).is_ok())
        || (kind == "u" && id.to_ascii_lowercase().ends_with(".eth"));
    looks_like_id.then(|| parse_legacy(raw, path, false))
}

/// join.status.im / `status-im://` paths (status-mobile `src/status_im/router/core.cljs`):
/// `c/<community id>` (status-go appended `/<cluster>/<index>` while communities had shards),
/// `cc/<community id><uuid>`, `u/` or `user/` + a key or an ENS name, a bare name meaning
/// `<name>.stateofus.eth` there.
fn parse_legacy(segments: &[&str], path: &str, bare_ens: bool) -> Result<PreviewLink, LinkError> {
    let unknown = || LinkError::UnknownPath { path: quote(path) };
    let segments: Vec<Cow<'_, str>> = segments
        .iter()
        .map(|s| percent_decode(s))
        .collect::<Result<_, _>>()?;
    match segments
        .iter()
        .map(|s| s.as_ref())
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["c", id, shard @ ..]
            if shard.len() <= 2
                && shard
                    .iter()
                    .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())) =>
        {
            Ok(PreviewLink::Community {
                key: parse_key(id, None)?,
                hint: None,
            })
        }
        ["cc", chat_id] => {
            let split =
                chat_id
                    .len()
                    .checked_sub(UUID_LEN)
                    .ok_or_else(|| LinkError::ChannelUuid {
                        found: quote(chat_id),
                    })?;
            let (id, uuid) = match (chat_id.get(..split), chat_id.get(split..)) {
                (Some(id), Some(uuid)) if is_uuid(uuid) => (id, uuid),
                (_, tail) => {
                    return Err(LinkError::ChannelUuid {
                        found: quote(tail.unwrap_or(chat_id)),
                    });
                }
            };
            Ok(PreviewLink::Channel {
                community_key: parse_key(id, None)?,
                uuid: uuid.to_ascii_lowercase(),
                hint: None,
            })
        }
        ["u" | "user", id] if !id.is_empty() => {
            let user = if let Some(hex) = id.strip_prefix("0x").or(id.strip_prefix("0X")) {
                UserId::Key(PublicKey::from_hex(hex)?)
            } else if let Ok(key) = PublicKey::from_serialized(id) {
                UserId::Key(key)
            } else if id.contains('.') {
                UserId::Ens(checked_ens(id)?)
            } else if bare_ens {
                UserId::Ens(checked_ens(&format!("{id}.stateofus.eth"))?)
            } else {
                return Err(LinkError::Key(KeyError::MultibasePrefix {
                    found: id.chars().next(),
                }));
            };
            Ok(PreviewLink::User { user, hint: None })
        }
        _ => Err(unknown()),
    }
}

/// The key of a link: serialized `zQ3sh…`, or hex (status.app's deserializer takes both), or —
/// for links from June to August 2023 — a base64url 65-byte signature by the key over
/// keccak256 of the encoded data string, from which the key is recovered (status-web
/// `sign-url-data.ts` at `8ec5bf3bc`).
fn parse_key(fragment: &str, data: Option<&str>) -> Result<PublicKey, LinkError> {
    if let Some(hex) = fragment.strip_prefix("0x").or(fragment.strip_prefix("0X")) {
        return Ok(PublicKey::from_hex(hex)?);
    }
    if let Some(data) = data
        && !fragment.starts_with('z')
        && let Ok(signature) = decode_base64url(fragment)
        && signature.len() == keys::SIGNATURE_LEN
    {
        return Ok(keys::recover_keccak(data.as_bytes(), &signature)?);
    }
    Ok(PublicKey::from_serialized(fragment)?)
}

// ---------------------------------------------------------------------------------------------
// Decoding data

/// Turns the `<data>` of a link into the bytes of the `Community`, `Channel` or `User` message:
/// base64url → brotli → `URLData.content`. Output is capped at [`MAX_URL_DATA_LEN`].
///
/// Brotli lets a stream ask for a 16 MiB window, which the decoder allocates up front — from a
/// ten-byte input, and in wasm memory never shrinks. URL data is at most [`MAX_URL_DATA_LEN`], so
/// the window is clamped to 2^18 by rewriting the header's window bits in the 18–24 class (same
/// bit width, so nothing after it moves). Decoding is unchanged: while the output is shorter than
/// the smaller window, every back-reference and dictionary reference means the same. The
/// decoder's Huffman tables stay bounded by the format (a few MiB at worst).
///
/// Bytes after the end of the brotli stream are ignored, as status-go's single `Read` ignores
/// them; a stream that ends early is an error.
pub fn decode_url_data(encoded: &str) -> Result<Vec<u8>, LinkError> {
    let mut compressed = decode_base64url(encoded)?;
    clamp_brotli_window(&mut compressed);
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(&compressed[..], 4096)
        .take(MAX_URL_DATA_LEN as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| LinkError::Brotli(e.to_string()))?;
    if out.len() > MAX_URL_DATA_LEN {
        return Err(LinkError::TooLarge {
            max: MAX_URL_DATA_LEN,
        });
    }
    // Field 2 (a shard in status-go, a varint in the archived spec) is unknown here and skipped.
    let url_data = pb::UrlData::decode(&out[..]).map_err(|e| LinkError::Protobuf(e.to_string()))?;
    Ok(url_data.content)
}

/// The window bits (RFC 7932 §9.1) live in the first bits of the stream: bit 0 set and a nonzero
/// 3-bit value in bits 1–3 means WBITS = 17 + value. Setting that value to 1 gives WBITS 18.
fn clamp_brotli_window(stream: &mut [u8]) {
    if let Some(first) = stream.first_mut()
        && *first & 1 == 1
        && (*first >> 1) & 0b111 > 1
    {
        *first = (*first & !0b1110) | 0b0010;
    }
}

/// The community data of a `/c` link.
pub fn decode_community_data(encoded: &str) -> Result<Unverified<CommunityHint>, LinkError> {
    let content = decode_url_data(encoded)?;
    let community = decode_message::<pb::Community>(&content, &COMMUNITY_STRINGS)?;
    Ok(Unverified::new(community_hint(community)))
}

/// The channel data of a `/cc` link: the channel's uuid (lowercased) and the rest as a hint. A
/// uuid that is not a UUID is an error, since the channel could not be found with it.
pub fn decode_channel_data(encoded: &str) -> Result<(String, Unverified<ChannelHint>), LinkError> {
    let content = decode_url_data(encoded)?;
    let channel = decode_message::<pb::Channel>(&content, &CHANNEL_STRINGS)?;
    if !is_uuid(&channel.uuid) {
        return Err(LinkError::ChannelUuid {
            found: quote(&channel.uuid),
        });
    }
    let hint = ChannelHint {
        display_name: channel.display_name,
        description: channel.description,
        emoji: channel.emoji,
        color: channel.color,
        community: channel.community.map(community_hint).unwrap_or_default(),
    };
    Ok((channel.uuid.to_ascii_lowercase(), Unverified::new(hint)))
}

/// The profile data of a `/u` link.
pub fn decode_user_data(encoded: &str) -> Result<Unverified<UserHint>, LinkError> {
    let content = decode_url_data(encoded)?;
    let user = decode_message::<pb::User>(&content, &USER_STRINGS)?;
    Ok(Unverified::new(UserHint {
        display_name: user.display_name,
        description: user.description,
        color: user.color,
    }))
}

fn community_hint(c: pb::Community) -> CommunityHint {
    CommunityHint {
        display_name: c.display_name,
        description: c.description,
        members_count: c.members_count,
        color: c.color,
        tag_indices: c.tag_indices,
    }
}

/// String fields of a message by field number, for naming the one that is not UTF-8; a nested
/// message field points at its own table.
struct StringFields {
    strings: &'static [(u32, &'static str)],
    nested: Option<(u32, &'static StringFields)>,
}

const COMMUNITY_STRINGS: StringFields = StringFields {
    strings: &[(1, "display_name"), (2, "description"), (4, "color")],
    nested: None,
};
const CHANNEL_COMMUNITY_STRINGS: StringFields = StringFields {
    strings: &[
        (1, "community.display_name"),
        (2, "community.description"),
        (4, "community.color"),
    ],
    nested: None,
};
const CHANNEL_STRINGS: StringFields = StringFields {
    strings: &[
        (1, "display_name"),
        (2, "description"),
        (3, "emoji"),
        (4, "color"),
        (6, "uuid"),
    ],
    nested: Some((5, &CHANNEL_COMMUNITY_STRINGS)),
};
const USER_STRINGS: StringFields = StringFields {
    strings: &[(1, "display_name"), (2, "description"), (3, "color")],
    nested: None,
};

/// prost decodes; when it fails, a second look names the field if the cause was invalid UTF-8.
fn decode_message<M: Message + Default>(
    bytes: &[u8],
    fields: &StringFields,
) -> Result<M, LinkError> {
    M::decode(bytes).map_err(|e| match first_non_utf8_field(bytes, fields) {
        Some(field) => LinkError::InvalidUtf8 { field },
        None => LinkError::Protobuf(e.to_string()),
    })
}

/// Walks the protobuf fields and returns the name of the first string field that is not UTF-8;
/// `None` when there is none or the bytes are malformed in another way (prost names that).
fn first_non_utf8_field(mut buf: &[u8], fields: &StringFields) -> Option<&'static str> {
    while !buf.is_empty() {
        let key = read_varint(&mut buf)?;
        let number = u32::try_from(key >> 3).ok()?;
        match key & 7 {
            0 => {
                read_varint(&mut buf)?;
            }
            1 => buf = buf.get(8..)?,
            5 => buf = buf.get(4..)?,
            2 => {
                let len = usize::try_from(read_varint(&mut buf)?).ok()?;
                let value = buf.get(..len)?;
                buf = &buf[len..];
                if let Some((_, name)) = fields.strings.iter().find(|(n, _)| *n == number) {
                    if std::str::from_utf8(value).is_err() {
                        return Some(name);
                    }
                } else if let Some((n, nested)) = fields.nested
                    && n == number
                    && let Some(name) = first_non_utf8_field(value, nested)
                {
                    return Some(name);
                }
            }
            _ => return None,
        }
    }
    None
}

fn read_varint(buf: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for i in 0..10 {
        let (&byte, rest) = buf.split_first()?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// base64url with or without `=` padding, ignoring nonzero trailing bits as Go's decoder does
/// (status-go reads with `base64.URLEncoding`).
fn decode_base64url(s: &str) -> Result<Vec<u8>, LinkError> {
    static LENIENT: LazyLock<data_encoding::Encoding> = LazyLock::new(|| {
        let mut spec = data_encoding::BASE64URL_NOPAD.specification();
        spec.check_trailing_bits = false;
        spec.encoding()
            .unwrap_or_else(|_| data_encoding::BASE64URL_NOPAD.clone())
    });
    let unpadded = s
        .strip_suffix("==")
        .or_else(|| s.strip_suffix('='))
        .unwrap_or(s);
    LENIENT
        .decode(unpadded.as_bytes())
        .map_err(|e| LinkError::Base64(e.to_string()))
}

/// `decodeURIComponent`, as status.app applies to the path: `%XX` to bytes, the result UTF-8.
fn percent_decode(s: &str) -> Result<Cow<'_, str>, LinkError> {
    if !s.contains('%') {
        return Ok(Cow::Borrowed(s));
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(LinkError::PercentEncoding { at: i })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| LinkError::InvalidUtf8 {
            field: "percent-decoded link",
        })
}

// ---------------------------------------------------------------------------------------------
// Encoding data

/// The `<data>` of a `/c` link, checked against status.app's limits
/// (`packages/status-js/src/utils/encode-url-data.ts`): name 1–30, description 1–140, `#RRGGBB`
/// colour; tag indices must exist, because status-go's `TagByIndex` panics on unknown ones.
pub fn encode_community_data(hint: &CommunityHint) -> Result<String, LinkError> {
    check_community(hint, "display_name", "description", "color")?;
    encode_url_data(&community_message(hint).encode_to_vec())
}

/// The `<data>` of a `/cc` link: channel name 1–24, description 1–140, `#RRGGBB` colour, an
/// emoji if any, the community's name 1–30 (status.app reads only that; the rest is written when
/// given, as status-go does).
pub fn encode_channel_data(uuid: &str, hint: &ChannelHint) -> Result<String, LinkError> {
    let uuid = checked_uuid(uuid)?;
    check_len("display_name", &hint.display_name, 1, 24)?;
    check_len("description", &hint.description, 1, 140)?;
    check_color("color", &hint.color)?;
    if !hint.emoji.is_empty() && !looks_like_emoji(&hint.emoji) {
        return Err(LinkError::Emoji {
            found: quote(&hint.emoji),
        });
    }
    let c = &hint.community;
    check_len("community.display_name", &c.display_name, 1, 30)?;
    check_len("community.description", &c.description, 0, 140)?;
    if !c.color.is_empty() {
        check_color("community.color", &c.color)?;
    }
    check_tags(&c.tag_indices)?;
    let channel = pb::Channel {
        display_name: hint.display_name.clone(),
        description: hint.description.clone(),
        emoji: hint.emoji.clone(),
        color: hint.color.clone(),
        community: Some(community_message(c)),
        uuid,
    };
    encode_url_data(&channel.encode_to_vec())
}

/// The `<data>` of a `/u` link: name 1–24, description up to 240, colour optional.
pub fn encode_user_data(hint: &UserHint) -> Result<String, LinkError> {
    check_len("display_name", &hint.display_name, 1, 24)?;
    check_len("description", &hint.description, 0, 240)?;
    if !hint.color.is_empty() {
        check_color("color", &hint.color)?;
    }
    let user = pb::User {
        display_name: hint.display_name.clone(),
        description: hint.description.clone(),
        color: hint.color.clone(),
    };
    encode_url_data(&user.encode_to_vec())
}

fn community_message(c: &CommunityHint) -> pb::Community {
    pb::Community {
        display_name: c.display_name.clone(),
        description: c.description.clone(),
        members_count: c.members_count,
        color: c.color.clone(),
        tag_indices: c.tag_indices.clone(),
    }
}

fn check_community(
    c: &CommunityHint,
    name: &'static str,
    description: &'static str,
    color: &'static str,
) -> Result<(), LinkError> {
    check_len(name, &c.display_name, 1, 30)?;
    check_len(description, &c.description, 1, 140)?;
    check_color(color, &c.color)?;
    check_tags(&c.tag_indices)
}

/// Lengths as status.app counts them: UTF-16 code units (JavaScript string length).
fn check_len(field: &'static str, value: &str, min: usize, max: usize) -> Result<(), LinkError> {
    let len = value.encode_utf16().count();
    if len < min || len > max {
        return Err(LinkError::FieldLength {
            field,
            len,
            min,
            max,
        });
    }
    Ok(())
}

fn check_color(field: &'static str, value: &str) -> Result<(), LinkError> {
    if is_hex_color(value) {
        Ok(())
    } else {
        Err(LinkError::Color {
            field,
            found: quote(value),
        })
    }
}

fn check_tags(indices: &[u32]) -> Result<(), LinkError> {
    match indices.iter().find(|&&i| community_tag(i).is_none()) {
        Some(&index) => Err(LinkError::TagIndex { index }),
        None => Ok(()),
    }
}

/// status.app's `^#[0-9A-Fa-f]{6}$`.
fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s.bytes().skip(1).all(|b| b.is_ascii_hexdigit())
}

/// A rough stand-in for status.app's emoji check (zod `.emoji()`, Unicode
/// `Extended_Pictographic`/`Emoji_Component`), which needs Unicode tables: no letters, no
/// whitespace, no ASCII punctuation beyond the keycap bases `#` and `*`, and short.
fn looks_like_emoji(s: &str) -> bool {
    s.chars().count() <= 16
        && s.chars().all(|c| {
            !c.is_alphabetic()
                && !c.is_whitespace()
                && !c.is_control()
                && (!c.is_ascii() || c.is_ascii_digit() || c == '#' || c == '*')
        })
}

/// protobuf bytes → `URLData` → brotli (status.app's settings) → padded base64url, refused when
/// longer than status.app reads or larger than status-go's read buffer.
fn encode_url_data(content: &[u8]) -> Result<String, LinkError> {
    let url_data = pb::UrlData {
        content: content.to_vec(),
    }
    .encode_to_vec();
    if url_data.len() > STATUS_GO_URL_DATA_BUFFER {
        return Err(LinkError::DataTooLong {
            len: url_data.len(),
            max: STATUS_GO_URL_DATA_BUFFER,
        });
    }
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_LGWIN,
        ..Default::default()
    };
    let mut compressed = Vec::new();
    brotli::BrotliCompress(&mut &url_data[..], &mut compressed, &params)
        .map_err(|e| LinkError::Brotli(e.to_string()))?;
    let encoded = data_encoding::BASE64URL.encode(&compressed);
    if encoded.len() > MAX_ENCODED_DATA_LEN {
        return Err(LinkError::DataTooLong {
            len: encoded.len(),
            max: MAX_ENCODED_DATA_LEN,
        });
    }
    Ok(encoded)
}

// ---------------------------------------------------------------------------------------------
// Shared checks

const UUID_LEN: usize = 36;

/// status-go's channel uuid pattern
/// (`^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$`), case-insensitive
/// as status.app applies it. It is also how a `/cc/` path tells a bare uuid from data.
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == UUID_LEN
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            14 => matches!(c, b'0'..=b'5'),
            19 => matches!(c.to_ascii_lowercase(), b'0' | b'8' | b'9' | b'a' | b'b'),
            _ => c.is_ascii_hexdigit(),
        })
}

fn checked_uuid(uuid: &str) -> Result<String, LinkError> {
    if is_uuid(uuid) {
        Ok(uuid.to_ascii_lowercase())
    } else {
        Err(LinkError::ChannelUuid { found: quote(uuid) })
    }
}

/// An ENS name as status.app recognises one (`/^.+\.eth$/`), lowercased, with the characters a
/// URL or a name can never hold refused; full ENS normalisation (UTS-46) is the resolver's job.
fn checked_ens(name: &str) -> Result<String, LinkError> {
    let lower = name.to_lowercase();
    let ok = lower.len() > ".eth".len()
        && lower.len() <= 255
        && lower.ends_with(".eth")
        && !lower.starts_with('.')
        && !lower.contains("..")
        && lower.chars().all(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(c, '/' | '#' | '?' | '&' | '%' | ':' | '@' | '\\')
        });
    if ok {
        Ok(lower)
    } else {
        Err(LinkError::EnsName { found: quote(name) })
    }
}

/// At most [`QUOTE_LEN`] characters of hostile input, for error messages.
fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTE_LEN) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const DOODLES_KEY: &str = "zQ3shYSHp7GoiXaauJMnDcjwU2yNjdzpXLosAWapPS4CFxc11";

    #[test]
    fn tag_table_matches_the_protocol_order() {
        assert_eq!(COMMUNITY_TAGS.len(), 52);
        assert_eq!(community_tag(0).map(|t| t.name), Some("Activism"));
        assert_eq!(community_tag(33).map(|t| t.name), Some("NFT"));
        assert_eq!(community_tag(51).map(|t| t.name), Some("Web3"));
        assert_eq!(community_tag(52), None);
        assert_eq!(community_tag(u32::MAX), None);
        assert_eq!(community_tag_index("software DEV"), Some(46));
        assert_eq!(community_tag_index("nope"), None);
    }

    #[test]
    fn uuid_pattern_is_status_go_s() {
        assert!(is_uuid("003cdcd5-e065-48f9-b166-b1a94ac75a11"));
        assert!(is_uuid("003CDCD5-E065-48F9-B166-B1A94AC75A11"));
        assert!(
            !is_uuid("003cdcd5-e065-68f9-b166-b1a94ac75a11"),
            "version 6"
        );
        assert!(
            !is_uuid("003cdcd5-e065-48f9-c166-b1a94ac75a11"),
            "variant c"
        );
        assert!(!is_uuid("003cdcd5e065-48f9-b166-b1a94ac75a11-"));
        assert!(!is_uuid(""));
    }

    #[test]
    fn window_clamp_only_touches_large_windows() {
        // WBITS 22 (0x1b: bit0 = 1, value 5) and 24 (0x0f: value 7) become WBITS 18 (value 1);
        // the other bits are kept.
        for (before, after) in [(0x1b, 0x13), (0x0f, 0x03), (0xff, 0xf3)] {
            let mut s = [before, 0xff];
            clamp_brotli_window(&mut s);
            assert_eq!(s, [after, 0xff], "{before:#04x}");
        }
        // WBITS 16 (bit0 = 0), 17 and 10–15 (value 0, 7 bits) and 18 (value 1) are left alone.
        for b in [0x00u8, 0x02, 0xfe, 0x01, 0x11, 0xf1, 0x03, 0xf3] {
            let mut s = [b];
            clamp_brotli_window(&mut s);
            assert_eq!(s, [b], "{b:#04x}");
        }
        clamp_brotli_window(&mut []);
    }

    #[test]
    fn clamped_window_decodes_the_same() {
        // A stream written with a 16 MiB window (WBITS 24) decodes to the same bytes.
        let content = b"the quick brown fox jumps over the lazy dog, again and again and again";
        let url_data = pb::UrlData {
            content: content.to_vec(),
        }
        .encode_to_vec();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 24,
            ..Default::default()
        };
        let mut compressed = Vec::new();
        brotli::BrotliCompress(&mut &url_data[..], &mut compressed, &params).unwrap();
        assert_eq!((compressed[0] >> 1) & 7, 7, "header says WBITS 24");
        let encoded = data_encoding::BASE64URL.encode(&compressed);
        assert_eq!(decode_url_data(&encoded).unwrap(), content);
    }

    #[test]
    fn percent_decoding_is_decode_uri_component() {
        assert_eq!(percent_decode("Ow%3D%3d").unwrap(), "Ow==");
        assert_eq!(percent_decode("plain").unwrap(), "plain");
        assert_eq!(
            percent_decode("ab%2").unwrap_err(),
            LinkError::PercentEncoding { at: 2 }
        );
        assert_eq!(
            percent_decode("%zz").unwrap_err(),
            LinkError::PercentEncoding { at: 0 }
        );
        assert_eq!(
            percent_decode("%ff").unwrap_err(),
            LinkError::InvalidUtf8 {
                field: "percent-decoded link"
            }
        );
        // A multi-byte character right after '%' must not split inside it.
        assert_eq!(
            percent_decode("%é").unwrap_err(),
            LinkError::PercentEncoding { at: 0 }
        );
    }

    #[test]
    fn base64_takes_padded_unpadded_and_loose_trailing_bits() {
        assert_eq!(decode_base64url("Ow==").unwrap(), [0x3b]);
        assert_eq!(decode_base64url("Ow").unwrap(), [0x3b]);
        assert_eq!(
            decode_base64url("Ox").unwrap(),
            [0x3b],
            "Go ignores trailing bits"
        );
        assert!(matches!(decode_base64url("O"), Err(LinkError::Base64(_))));
        assert!(matches!(
            decode_base64url("O+/="),
            Err(LinkError::Base64(_))
        ));
        assert!(matches!(
            decode_base64url("Ow==="),
            Err(LinkError::Base64(_))
        ));
    }

    #[test]
    fn utf8_walker_names_the_field() {
        let mut bad = pb::Channel {
            display_name: "x".into(),
            community: Some(pb::Community {
                display_name: "y".into(),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec();
        // Patch the community's name byte ("y") into a lone continuation byte.
        let at = bad.iter().rposition(|&b| b == b'y').unwrap();
        bad[at] = 0x80;
        assert_eq!(
            decode_message::<pb::Channel>(&bad, &CHANNEL_STRINGS).unwrap_err(),
            LinkError::InvalidUtf8 {
                field: "community.display_name"
            }
        );
        assert_eq!(first_non_utf8_field(&[0x0a, 0x05], &USER_STRINGS), None);
        assert_eq!(first_non_utf8_field(&[0xff; 11], &USER_STRINGS), None);
        assert!(matches!(
            decode_message::<pb::User>(&[0x0a, 0x05], &USER_STRINGS),
            Err(LinkError::Protobuf(_))
        ));
    }

    #[test]
    fn quote_cuts_long_input_on_a_char_boundary() {
        assert_eq!(quote("short"), "short");
        let long = "é".repeat(100);
        let q = quote(&long);
        assert_eq!(q.chars().count(), QUOTE_LEN + 1);
        assert!(q.ends_with('…'));
    }

    #[test]
    fn ens_names() {
        assert_eq!(checked_ens("Alice.ETH").unwrap(), "alice.eth");
        for bad in [".eth", "a..eth", "a b.eth", "a/b.eth", "alice", "..eth"] {
            assert!(
                matches!(checked_ens(bad), Err(LinkError::EnsName { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn emoji_check_is_rough_but_refuses_text() {
        assert!(looks_like_emoji("🍿"));
        assert!(looks_like_emoji(
            "🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}"
        ));
        assert!(looks_like_emoji("#\u{fe0f}\u{20e3}"));
        assert!(!looks_like_emoji("abc"));
        assert!(!looks_like_emoji("🍿 x"));
        assert!(!looks_like_emoji("<b>"));
    }

    #[test]
    fn key_only_links_round_trip() {
        let key = PublicKey::from_serialized(DOODLES_KEY).unwrap();
        let link = PreviewLink::Community { key, hint: None };
        let url = link.to_url().unwrap();
        assert_eq!(url, format!("https://status.app/c#{DOODLES_KEY}"));
        assert_eq!(parse_preview_link(&url).unwrap(), link);
    }
}
