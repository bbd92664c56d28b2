//! Community descriptions: decoded, checked the way status-go checks them, and verified against
//! the community key before anything in them is believed.
//!
//! On the wire a description is an ApplicationMetadataMessage of type `COMMUNITY_DESCRIPTION` (25)
//! signed by the community's private key, sent without an encryption layer (`SkipEncryptionLayer:
//! true`) — or, for token-gated communities, as the plaintext payload of a hash-ratchet message with
//! `seq_no` 0 — in an RFC-26 frame sealed with pbkdf2(community id) on the community id's topic
//! (status-go `protocol/messenger_communities.go` `publishOrg` @ `c72f4913`). The AMM signature is
//! the only proof of authorship; the RFC-26 frame is signed by whichever node sent it.
//!
//! Verification ([`verify_community_description`]) gives one of three outcomes:
//! - [`DescriptionCheck::Verified`]: signed by the community key. Only this module can build a
//!   [`VerifiedDescription`], so holding one is the proof.
//! - [`DescriptionCheck::OwnerTokenUnverifiable`]: the description names an owner token, so the
//!   rightful signer is whoever the token's on-chain registry says — which we do not ask. Kept apart,
//!   never upgraded silently.
//! - an error ([`CommunityError`]): forged, malformed, or with a clock from the future.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;

use crate::proto::status as wire;
use crate::status::chat::invalid_utf8_field;
use crate::status::keys::{KeyError, PublicKey, channel_chat_id, community_id};
use crate::status::link::COMMUNITY_TAGS;

pub use wire::community_member::Roles as MemberRole;
pub use wire::community_permissions::Access;
pub use wire::community_token_permission::Type as PermissionKind;

/// How far a description's clock may run ahead of its Waku timestamp. status-go's clock is ms
/// (`Community.nextClock` takes `Transport.GetCurrentTime`, "unix timestamp in milliseconds",
/// `protocol/transport/transport.go` @ `c72f4913`); status-web refuses `clock > timestamp_ms +
/// 120000` (`packages/status-js/src/utils/is-clock-valid.ts` @ `630fe059`). Without the bound, a
/// description with a far-future clock would win "highest clock" forever.
pub const MAX_DESCRIPTION_CLOCK_DRIFT_MS: u64 = 120_000;

/// The identity image keys status-go writes (`images/meta.go` @ `c72f4913`).
const THUMBNAIL: &str = "thumbnail";
const LARGE: &str = "large";
const BANNER: &str = "banner";

/// What is wrong with a community description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommunityError {
    #[error("CommunityDescription does not decode: {0}")]
    Decode(prost::DecodeError),
    #[error("CommunityDescription: field {field} is not valid UTF-8")]
    InvalidUtf8 { field: String },
    #[error("CommunityDescription has clock 0")]
    ZeroClock,
    #[error(
        "CommunityDescription clock {clock} is more than {MAX_DESCRIPTION_CLOCK_DRIFT_MS} ms after \
         its Waku timestamp {timestamp_ms} ms"
    )]
    ClockInFuture { clock: u64, timestamp_ms: u64 },
    #[error("CommunityDescription ID {id:?} is not a community key: {reason}")]
    InvalidId { id: String, reason: KeyError },
    /// Keys as community ids (`0x` + compressed hex), so the error stays small.
    #[error("CommunityDescription claims to be community {claimed}, but {expected} was expected")]
    IdMismatch { expected: String, claimed: String },
    /// `expected` is the community id, `got` the signer's key in the same form.
    #[error("CommunityDescription for {expected} is signed by {got}, not by the community key")]
    ForgedSigner { expected: String, got: String },
    #[error("CommunityDescription has no permissions")]
    NoPermissions,
    #[error("CommunityDescription has access UNKNOWN_ACCESS")]
    UnknownAccess,
    #[error("category under key {key:?} has no category id")]
    CategoryWithoutId { key: String },
    #[error("category {id:?} has no name")]
    CategoryWithoutName { id: String },
    #[error("channel {uuid:?} has no permissions")]
    ChannelWithoutPermissions { uuid: String },
    #[error("channel {uuid:?} has access UNKNOWN_ACCESS")]
    ChannelUnknownAccess { uuid: String },
    #[error("channel {uuid:?} has no identity")]
    ChannelWithoutIdentity { uuid: String },
    #[error("channel {uuid:?} is in category {category_id:?}, which does not exist")]
    ChannelUnknownCategory { uuid: String, category_id: String },
    #[error("channel {uuid:?} lists member {member:?}, who is not a community member")]
    ChannelMemberNotInCommunity { uuid: String, member: String },
}

// ---------------------------------------------------------------------------------------------
// The decoded description

/// A raster image format recognised by its first bytes. The format field on the wire is the
/// sender's claim; a `data:` URL built from a wrong claim is how images become attacks, so we look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageMime {
    Png,
    Jpeg,
    Webp,
    Gif,
}

impl ImageMime {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }
}

/// The format of an image by its magic bytes: PNG `89 50 4E 47 0D 0A 1A 0A`, JPEG `FF D8 FF`,
/// GIF `GIF87a`/`GIF89a`, WebP `RIFF <size> WEBP`.
pub fn sniff_image(bytes: &[u8]) -> Option<ImageMime> {
    match bytes {
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some(ImageMime::Png),
        [0xff, 0xd8, 0xff, ..] => Some(ImageMime::Jpeg),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(ImageMime::Gif),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some(ImageMime::Webp),
        _ => None,
    }
}

/// Image bytes whose format was recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub bytes: Vec<u8>,
    pub mime: ImageMime,
}

impl Image {
    /// Only images whose bytes are a format we recognise: anything else is left out rather than
    /// handed to a renderer under a guessed type.
    fn from_identity(image: &wire::IdentityImage) -> Option<Self> {
        let mime = sniff_image(&image.payload)?;
        Some(Self {
            bytes: image.payload.clone(),
            mime,
        })
    }
}

/// The community's pictures, by the names status-go gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommunityImages {
    pub thumbnail: Option<Image>,
    pub large: Option<Image>,
    pub banner: Option<Image>,
}

/// A category of channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: String,
    pub name: String,
    pub position: i32,
    /// The uuids of its channels, in display order.
    pub channel_uuids: Vec<String>,
}

/// A channel of the community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Its key in the description.
    pub uuid: String,
    /// Community id + uuid: the `chat_id` its messages carry.
    pub chat_id: String,
    pub name: String,
    pub description: String,
    pub emoji: String,
    /// `#RRGGBB`, or `None` when the sender wrote anything else.
    pub color: Option<String>,
    pub category_id: Option<String>,
    pub position: i32,
    /// A token permission names this channel: reading or posting needs a token.
    pub token_gated: bool,
    pub viewers_can_post_reactions: bool,
    pub hide_if_permissions_not_met: bool,
}

/// A token gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPermission {
    pub id: String,
    pub kind: PermissionKind,
    /// The channels (chat ids) a channel-level permission applies to.
    pub chat_ids: Vec<String>,
    pub is_private: bool,
}

/// The owner token a description names (the first key of a criterion's `contract_addresses`, as
/// status-go `CommunityDescriptionTokenOwnerChainID` reads it; the lowest chain id when several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerToken {
    pub chain_id: u64,
    pub contract_address: String,
}

/// A community as its description presents it. This type says nothing about trust; whether it may
/// be believed is what [`DescriptionCheck`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityDescription {
    /// The community key: the description's `ID` field, or its signer when that is empty (status-go
    /// `HandleCommunityDescriptionMessage`, "backward compatibility").
    pub community: PublicKey,
    /// ms; the highest clock wins.
    pub clock: u64,
    pub name: String,
    pub description: String,
    pub emoji: String,
    /// `#RRGGBB`, or `None` when the sender wrote anything else.
    pub color: Option<String>,
    /// Known tags, first occurrence kept, unknown ones dropped (status-go
    /// `RemoveUnknownAndDeduplicateTags`).
    pub tags: Vec<String>,
    pub images: CommunityImages,
    /// `members` when listed, else `active_members_count` (encrypted communities hide the list).
    pub member_count: u64,
    /// Members by `0x04…` key, with their roles (unknown roles dropped).
    pub members: BTreeMap<String, Vec<MemberRole>>,
    pub active_members_count: u64,
    pub access: Access,
    pub ens_only: bool,
    /// In display order: by position, then id.
    pub categories: Vec<Category>,
    /// In display order: uncategorized first, then by category order; within each, by position,
    /// then uuid.
    pub channels: Vec<Channel>,
    pub token_permissions: Vec<TokenPermission>,
    pub intro_message: String,
    pub outro_message: String,
    pub banned_members: BTreeSet<String>,
    /// Encrypted parts (members, channels… of a token-gated community), keyed by hash-ratchet key
    /// id + seq no. Opaque without the group key.
    pub private_data: BTreeMap<String, Vec<u8>>,
}

impl CommunityDescription {
    /// The community id string (`0x` + compressed key hex).
    pub fn id(&self) -> String {
        community_id(&self.community)
    }

    /// A `BECOME_MEMBER` gate makes status-go encrypt the community (`Community.Encrypted`).
    pub fn is_token_gated(&self) -> bool {
        self.token_permissions
            .iter()
            .any(|p| p.kind == PermissionKind::BecomeMember)
    }

    /// The channels of one category (or, with `None`, the uncategorized ones), in display order.
    pub fn channels_in<'a>(
        &'a self,
        category_id: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Channel> {
        self.channels
            .iter()
            .filter(move |c| c.category_id.as_deref() == category_id)
    }
}

// ---------------------------------------------------------------------------------------------
// The verdict

/// A description signed by its community key. Fields are private and there is no constructor
/// outside this module: a `VerifiedDescription` exists only if the signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDescription {
    description: CommunityDescription,
}

impl VerifiedDescription {
    pub fn description(&self) -> &CommunityDescription {
        &self.description
    }

    pub fn into_description(self) -> CommunityDescription {
        self.description
    }

    pub fn community(&self) -> &PublicKey {
        &self.description.community
    }

    pub fn clock(&self) -> u64 {
        self.description.clock
    }
}

/// A description whose rightful signer is decided on chain by an owner token. We call no chain,
/// so it stays unverified — show it labelled so, or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiableDescription {
    description: CommunityDescription,
    signer: PublicKey,
    owner_token: Option<OwnerToken>,
}

impl UnverifiableDescription {
    /// What the description says; nothing in it is verified.
    pub fn unverified_description(&self) -> &CommunityDescription {
        &self.description
    }

    /// Who signed it (the community key, or whoever holds the owner token — or neither).
    pub fn signer(&self) -> &PublicKey {
        &self.signer
    }

    /// Whether the community key itself signed: a hint, not proof, once an owner token exists.
    pub fn signed_by_community_key(&self) -> bool {
        self.signer == self.description.community
    }

    /// Where to check the owner, if the permission names a contract.
    pub fn owner_token(&self) -> Option<&OwnerToken> {
        self.owner_token.as_ref()
    }
}

/// The outcome of verifying a well-formed description. `#[must_use]`, and only the `Verified` arm
/// hands out a [`VerifiedDescription`].
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DescriptionCheck {
    Verified(VerifiedDescription),
    /// status-go would ask the chain (`CommunityOwnerTokenRegistry`) who the owner is; we cannot.
    OwnerTokenUnverifiable(UnverifiableDescription),
}

impl DescriptionCheck {
    pub fn verified(&self) -> Option<&VerifiedDescription> {
        match self {
            Self::Verified(v) => Some(v),
            Self::OwnerTokenUnverifiable(_) => None,
        }
    }

    pub fn into_verified(self) -> Option<VerifiedDescription> {
        match self {
            Self::Verified(v) => Some(v),
            Self::OwnerTokenUnverifiable(_) => None,
        }
    }

    pub fn is_verified(&self) -> bool {
        matches!(self, Self::Verified(_))
    }

    /// The community the description is about (verified or not).
    pub fn community(&self) -> &PublicKey {
        &self.unverified_description().community
    }

    /// The description without regard to its verdict. Named so that every use reads as what it is.
    pub fn unverified_description(&self) -> &CommunityDescription {
        match self {
            Self::Verified(v) => &v.description,
            Self::OwnerTokenUnverifiable(u) => &u.description,
        }
    }
}

/// Decodes, validates and verifies a `CommunityDescription` AMM payload.
///
/// - `signer`: the key recovered from the AMM signature (not the RFC-26 frame signer).
/// - `waku_timestamp_ms`: the Waku message's timestamp in ms; the clock may not exceed it by more
///   than [`MAX_DESCRIPTION_CLOCK_DRIFT_MS`].
/// - `expected`: the community whose topic this came from, when known. A description naming
///   another community is refused ([`CommunityError::IdMismatch`]), as is one signed by anyone but
///   the community ([`CommunityError::ForgedSigner`]).
///
/// Structure is checked as status-go's `ValidateCommunityDescription` does (`protocol/communities/
/// validator.go` @ `c72f4913`). Unlike status-go, which trusts the first signer it sees for an
/// unknown community, the signer must always be the community key.
pub fn verify_community_description(
    payload: &[u8],
    signer: &PublicKey,
    waku_timestamp_ms: u64,
    expected: Option<&PublicKey>,
) -> Result<DescriptionCheck, CommunityError> {
    let d =
        wire::CommunityDescription::decode(payload).map_err(|e| match invalid_utf8_field(&e) {
            Some(field) => CommunityError::InvalidUtf8 { field },
            None => CommunityError::Decode(e),
        })?;
    if d.clock == 0 {
        return Err(CommunityError::ZeroClock);
    }
    if d.clock.saturating_sub(waku_timestamp_ms) > MAX_DESCRIPTION_CLOCK_DRIFT_MS {
        return Err(CommunityError::ClockInFuture {
            clock: d.clock,
            timestamp_ms: waku_timestamp_ms,
        });
    }
    validate(&d)?;

    let claimed = if d.id.is_empty() {
        None
    } else {
        Some(
            PublicKey::from_hex(&d.id).map_err(|reason| CommunityError::InvalidId {
                id: d.id.clone(),
                reason,
            })?,
        )
    };
    let community = match (expected, claimed) {
        (Some(expected), Some(claimed)) if claimed != *expected => {
            return Err(CommunityError::IdMismatch {
                expected: community_id(expected),
                claimed: community_id(&claimed),
            });
        }
        (Some(&key), _) | (None, Some(key)) => key,
        (None, None) => *signer,
    };

    let owner_token = owner_token(&d);
    let description = typed(d, community);
    if let Some(owner_token) = owner_token {
        return Ok(DescriptionCheck::OwnerTokenUnverifiable(
            UnverifiableDescription {
                description,
                signer: *signer,
                owner_token,
            },
        ));
    }
    if *signer != community {
        return Err(CommunityError::ForgedSigner {
            expected: community_id(&community),
            got: community_id(signer),
        });
    }
    Ok(DescriptionCheck::Verified(VerifiedDescription {
        description,
    }))
}

/// `Some` when any `BECOME_TOKEN_OWNER` permission exists — with the contract when it names one.
/// status-go ignores a permission without criteria (`HasTokenOwnership` is false then) and
/// status-web refuses the description; we side with caution and keep it unverified.
fn owner_token(d: &wire::CommunityDescription) -> Option<Option<OwnerToken>> {
    let owner = PermissionKind::BecomeTokenOwner as i32;
    let mut found = false;
    let mut best: Option<OwnerToken> = None;
    for p in d.token_permissions.values().filter(|p| p.r#type == owner) {
        found = true;
        for (&chain_id, address) in p.token_criteria.iter().flat_map(|c| &c.contract_addresses) {
            if best.as_ref().is_none_or(|b| chain_id < b.chain_id) {
                best = Some(OwnerToken {
                    chain_id,
                    contract_address: address.clone(),
                });
            }
        }
    }
    found.then_some(best)
}

/// status-go `ValidateCommunityDescription`, with errors that name the offending part.
fn validate(d: &wire::CommunityDescription) -> Result<(), CommunityError> {
    let unknown = Access::UnknownAccess as i32;
    let permissions = d
        .permissions
        .as_ref()
        .ok_or(CommunityError::NoPermissions)?;
    if permissions.access == unknown {
        return Err(CommunityError::UnknownAccess);
    }
    for (key, category) in sorted(&d.categories) {
        if category.category_id.is_empty() {
            return Err(CommunityError::CategoryWithoutId { key: key.clone() });
        }
        if category.name.is_empty() {
            return Err(CommunityError::CategoryWithoutName {
                id: category.category_id.clone(),
            });
        }
    }
    for (uuid, chat) in sorted(&d.chats) {
        let uuid = || uuid.clone();
        let permissions = chat
            .permissions
            .as_ref()
            .ok_or_else(|| CommunityError::ChannelWithoutPermissions { uuid: uuid() })?;
        if permissions.access == unknown {
            return Err(CommunityError::ChannelUnknownAccess { uuid: uuid() });
        }
        if !chat.category_id.is_empty() && !d.categories.contains_key(&chat.category_id) {
            return Err(CommunityError::ChannelUnknownCategory {
                uuid: uuid(),
                category_id: chat.category_id.clone(),
            });
        }
        if chat.identity.is_none() {
            return Err(CommunityError::ChannelWithoutIdentity { uuid: uuid() });
        }
        if let Some(member) = chat.members.keys().find(|m| !d.members.contains_key(*m)) {
            return Err(CommunityError::ChannelMemberNotInCommunity {
                uuid: uuid(),
                member: member.clone(),
            });
        }
    }
    Ok(())
}

/// A map's entries in key order, so that which error is reported does not depend on hashing.
fn sorted<V>(map: &std::collections::HashMap<String, V>) -> Vec<(&String, &V)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn checked_color(color: &str) -> Option<String> {
    let hex = color.strip_prefix('#')?;
    (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| color.to_owned())
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// The typed view of a validated wire description.
fn typed(d: wire::CommunityDescription, community: PublicKey) -> CommunityDescription {
    let identity = d.identity.unwrap_or_default();
    let image = |name: &str| identity.images.get(name).and_then(Image::from_identity);
    let images = CommunityImages {
        thumbnail: image(THUMBNAIL),
        large: image(LARGE),
        banner: image(BANNER),
    };

    let mut tags: Vec<String> = Vec::new();
    for tag in d.tags {
        if COMMUNITY_TAGS.iter().any(|t| t.name == tag) && !tags.contains(&tag) {
            tags.push(tag);
        }
    }

    let token_permissions: Vec<TokenPermission> = sorted(&d.token_permissions)
        .into_iter()
        .map(|(_, p)| TokenPermission {
            id: p.id.clone(),
            kind: PermissionKind::try_from(p.r#type)
                .unwrap_or(PermissionKind::UnknownTokenPermission),
            chat_ids: p.chat_ids.clone(),
            is_private: p.is_private,
        })
        .collect();
    let gated: BTreeSet<&str> = token_permissions
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                PermissionKind::CanViewChannel | PermissionKind::CanViewAndPostChannel
            )
        })
        .flat_map(|p| p.chat_ids.iter().map(String::as_str))
        .collect();

    let mut categories: Vec<Category> = d
        .categories
        .into_values()
        .map(|c| Category {
            id: c.category_id,
            name: c.name,
            position: c.position,
            channel_uuids: Vec::new(),
        })
        .collect();
    categories.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
    let category_rank: BTreeMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();

    let mut channels: Vec<(Option<usize>, Channel)> = d
        .chats
        .into_iter()
        .map(|(uuid, chat)| {
            let id = chat.identity.unwrap_or_default();
            let chat_id = channel_chat_id(&community, &uuid);
            let category_id = non_empty(&chat.category_id);
            let rank = category_id
                .as_deref()
                .and_then(|c| category_rank.get(c).copied());
            let channel = Channel {
                token_gated: gated.contains(chat_id.as_str()),
                chat_id,
                uuid,
                name: id.display_name,
                description: id.description,
                emoji: id.emoji,
                color: checked_color(&id.color),
                category_id,
                position: chat.position,
                viewers_can_post_reactions: chat.viewers_can_post_reactions,
                hide_if_permissions_not_met: chat.hide_if_permissions_not_met,
            };
            (rank, channel)
        })
        .collect();
    // `None` (uncategorized) sorts before every category.
    channels.sort_by(|(ra, a), (rb, b)| (ra, a.position, &a.uuid).cmp(&(rb, b.position, &b.uuid)));
    let channels: Vec<Channel> = channels.into_iter().map(|(_, c)| c).collect();
    for category in &mut categories {
        category.channel_uuids = channels
            .iter()
            .filter(|c| c.category_id.as_deref() == Some(category.id.as_str()))
            .map(|c| c.uuid.clone())
            .collect();
    }

    let members: BTreeMap<String, Vec<MemberRole>> = d
        .members
        .into_iter()
        .map(|(key, m)| {
            let roles = m
                .roles
                .into_iter()
                .filter_map(|r| MemberRole::try_from(r).ok())
                .collect();
            (key, roles)
        })
        .collect();
    let member_count = if members.is_empty() {
        d.active_members_count
    } else {
        members.len() as u64
    };
    let permissions = d.permissions.unwrap_or_default();

    CommunityDescription {
        community,
        clock: d.clock,
        name: identity.display_name,
        description: identity.description,
        emoji: identity.emoji,
        color: checked_color(&identity.color),
        tags,
        images,
        member_count,
        members,
        active_members_count: d.active_members_count,
        access: Access::try_from(permissions.access).unwrap_or(Access::UnknownAccess),
        ens_only: permissions.ens_only,
        categories,
        channels,
        token_permissions,
        intro_message: d.intro_message,
        outro_message: d.outro_message,
        banned_members: d.banned_members.into_keys().collect(),
        private_data: d.private_data.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::keys::PrivateKey;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW_MS: u64 = 1_700_000_000_000;

    fn key(n: u8) -> PrivateKey {
        PrivateKey::from_bytes(&[n; 32]).unwrap()
    }

    fn open() -> wire::CommunityPermissions {
        wire::CommunityPermissions {
            access: Access::AutoAccept as i32,
            ..Default::default()
        }
    }

    fn chat(name: &str, category: &str, position: i32) -> wire::CommunityChat {
        wire::CommunityChat {
            permissions: Some(open()),
            identity: Some(wire::ChatIdentity {
                display_name: name.into(),
                color: "#887af9".into(),
                ..Default::default()
            }),
            category_id: category.into(),
            position,
            ..Default::default()
        }
    }

    fn description() -> wire::CommunityDescription {
        let category = |id: &str, position| wire::CommunityCategory {
            category_id: id.into(),
            name: id.to_uppercase(),
            position,
        };
        wire::CommunityDescription {
            clock: NOW_MS,
            permissions: Some(open()),
            identity: Some(wire::ChatIdentity {
                display_name: "Hearth".into(),
                color: "red; background: url(x)".into(),
                ..Default::default()
            }),
            chats: [
                ("u2".into(), chat("second", "b", 0)),
                ("u1".into(), chat("first", "a", 1)),
                ("u0".into(), chat("zeroth", "a", 0)),
                ("u9".into(), chat("loose", "", 5)),
            ]
            .into(),
            categories: [
                ("a".into(), category("a", 0)),
                ("b".into(), category("b", 1)),
            ]
            .into(),
            tags: vec![
                "Ethereum".into(),
                "Nope".into(),
                "Ethereum".into(),
                "Art".into(),
            ],
            active_members_count: 42,
            ..Default::default()
        }
    }

    #[test]
    fn verified_description_is_ordered_and_typed() {
        let k = key(7);
        let bytes = description().encode_to_vec();
        let check = verify_community_description(&bytes, &k.public_key(), NOW_MS, None).unwrap();
        let v = check.verified().expect("verified");
        let d = v.description();
        assert_eq!(d.community, k.public_key());
        assert_eq!(d.name, "Hearth");
        assert_eq!(d.color, None, "only #RRGGBB survives");
        assert_eq!(d.tags, ["Ethereum", "Art"]);
        assert_eq!(d.member_count, 42);
        let order: Vec<&str> = d.channels.iter().map(|c| c.uuid.as_str()).collect();
        assert_eq!(order, ["u9", "u0", "u1", "u2"]);
        assert_eq!(d.categories[0].channel_uuids, ["u0", "u1"]);
        assert_eq!(d.channels[1].color.as_deref(), Some("#887af9"));
        assert_eq!(d.channels[1].chat_id, format!("{}u0", d.id()));
        assert_eq!(d.channels_in(Some("b")).count(), 1);
    }

    #[test]
    fn images_are_sniffed_not_trusted() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some(ImageMime::Png));
        assert_eq!(
            sniff_image(&[0xff, 0xd8, 0xff, 0xe0]),
            Some(ImageMime::Jpeg)
        );
        assert_eq!(sniff_image(b"GIF89a.."), Some(ImageMime::Gif));
        assert_eq!(sniff_image(b"GIF87a.."), Some(ImageMime::Gif));
        assert_eq!(
            sniff_image(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(ImageMime::Webp)
        );
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WAVE"), None);
        assert_eq!(sniff_image(b"<svg"), None);
        assert_eq!(sniff_image(&[]), None);
        assert_eq!(ImageMime::Webp.as_str(), "image/webp");
    }

    #[test]
    fn structure_errors_name_the_part() {
        let k = key(7).public_key();
        let check = |f: &dyn Fn(&mut wire::CommunityDescription), want: CommunityError| {
            let mut d = description();
            f(&mut d);
            assert_eq!(
                verify_community_description(&d.encode_to_vec(), &k, NOW_MS, None),
                Err(want)
            );
        };
        check(&|d| d.permissions = None, CommunityError::NoPermissions);
        check(
            &|d| d.permissions = Some(Default::default()),
            CommunityError::UnknownAccess,
        );
        check(
            &|d| {
                d.categories.get_mut("a").unwrap().name.clear();
            },
            CommunityError::CategoryWithoutName { id: "a".into() },
        );
        check(
            &|d| {
                d.categories.get_mut("b").unwrap().category_id.clear();
            },
            CommunityError::CategoryWithoutId { key: "b".into() },
        );
        check(
            &|d| {
                d.chats.get_mut("u1").unwrap().category_id = "zz".into();
            },
            CommunityError::ChannelUnknownCategory {
                uuid: "u1".into(),
                category_id: "zz".into(),
            },
        );
        check(
            &|d| {
                d.chats.get_mut("u1").unwrap().identity = None;
            },
            CommunityError::ChannelWithoutIdentity { uuid: "u1".into() },
        );
        check(
            &|d| {
                d.chats.get_mut("u1").unwrap().permissions = None;
            },
            CommunityError::ChannelWithoutPermissions { uuid: "u1".into() },
        );
        check(
            &|d| {
                d.chats.get_mut("u1").unwrap().permissions = Some(Default::default());
            },
            CommunityError::ChannelUnknownAccess { uuid: "u1".into() },
        );
        check(
            &|d| {
                d.chats
                    .get_mut("u1")
                    .unwrap()
                    .members
                    .insert("0x04aa".into(), Default::default());
            },
            CommunityError::ChannelMemberNotInCommunity {
                uuid: "u1".into(),
                member: "0x04aa".into(),
            },
        );
        check(
            &|d| d.id = "0x1234".into(),
            CommunityError::InvalidId {
                id: "0x1234".into(),
                reason: KeyError::PublicKeyLength { len: 2 },
            },
        );
    }

    #[test]
    fn id_field_names_the_community() {
        let community = key(7).public_key();
        let other = key(8).public_key();
        let mut d = description();
        d.id = community_id(&community);
        let bytes = d.encode_to_vec();
        assert!(
            verify_community_description(&bytes, &community, NOW_MS, Some(&community))
                .unwrap()
                .is_verified()
        );
        assert_eq!(
            verify_community_description(&bytes, &community, NOW_MS, Some(&other)),
            Err(CommunityError::IdMismatch {
                expected: community_id(&other),
                claimed: community_id(&community)
            })
        );
        // No ID, but we know which community's topic it came from.
        let bare = description().encode_to_vec();
        assert_eq!(
            verify_community_description(&bare, &other, NOW_MS, Some(&community)),
            Err(CommunityError::ForgedSigner {
                expected: community_id(&community),
                got: community_id(&other)
            })
        );
    }

    #[test]
    fn owner_token_without_criteria_is_still_unverifiable() {
        let k = key(7).public_key();
        let mut d = description();
        d.token_permissions.insert(
            "p".into(),
            wire::CommunityTokenPermission {
                id: "p".into(),
                r#type: PermissionKind::BecomeTokenOwner as i32,
                ..Default::default()
            },
        );
        let check = verify_community_description(&d.encode_to_vec(), &k, NOW_MS, None).unwrap();
        let DescriptionCheck::OwnerTokenUnverifiable(u) = &check else {
            panic!("{check:?}");
        };
        assert_eq!(u.owner_token(), None);
        assert!(u.signed_by_community_key());
        assert!(check.verified().is_none());
        assert_eq!(check.community(), &k);
    }
}
