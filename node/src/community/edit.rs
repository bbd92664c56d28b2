//! Building and changing a description, with the limits status-go's UI and requests apply
//! (`protocol/requests/create_community_request.go` @ `c72f4913`: name ≤ 30 bytes, description
//! ≤ 140, intro ≤ 1400, a colour, known tags) and a few of ours (no HTML in names, bounded channel
//! and category counts, images that are images). Every edit ends with [`validate`], so nothing the
//! control node publishes can be refused by a receiver.

use hearth::proto::status as wire;
use hearth::status::community::sniff_image;
use hearth::status::link::community_tag_index;

use super::{CommunityStoreError, category_id_by_name, channel_uuid_by_name, new_uuid};

pub const MAX_NAME_LEN: usize = 30;
pub const MAX_DESCRIPTION_LEN: usize = 140;
pub const MAX_INTRO_LEN: usize = 1400;
/// Status Desktop's limit for a channel name.
pub const MAX_CHANNEL_NAME_LEN: usize = 24;
pub const MAX_CHANNEL_DESCRIPTION_LEN: usize = 140;
/// Far more than any community uses, far fewer than would make the description too large to send.
pub const MAX_CHANNELS: usize = 200;
pub const MAX_CATEGORIES: usize = 50;
/// status-go resizes community images to a few hundred pixels; a raw file beyond this would make
/// every description publication heavy.
pub const MAX_IMAGE_BYTES: usize = 256 * 1024;

fn invalid(msg: impl Into<String>) -> CommunityStoreError {
    CommunityStoreError::Invalid(msg.into())
}

/// Text that a careless renderer would turn into markup: refused in names rather than published.
fn looks_like_html(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
        || s.contains("&#")
}

fn check_text(what: &str, s: &str, max: usize, required: bool) -> Result<(), CommunityStoreError> {
    if required && s.trim().is_empty() {
        return Err(invalid(format!("{what} is empty")));
    }
    if s.len() > max {
        return Err(invalid(format!(
            "{what} is {} bytes; the limit is {max}",
            s.len()
        )));
    }
    if looks_like_html(s) {
        return Err(invalid(format!(
            "{what} {s:?} contains HTML; write plain text"
        )));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(format!("{what} contains control characters")));
    }
    Ok(())
}

pub fn check_color(c: &str) -> Result<(), CommunityStoreError> {
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(invalid(format!("colour {c:?} is not #RRGGBB")))
    }
}

/// The whole description, as receivers and status-go's create request would check it.
pub fn validate(d: &wire::CommunityDescription) -> Result<(), CommunityStoreError> {
    let id = d.identity.clone().unwrap_or_default();
    check_text("the community name", &id.display_name, MAX_NAME_LEN, true)?;
    check_text(
        "the community description",
        &id.description,
        MAX_DESCRIPTION_LEN,
        true,
    )?;
    check_color(&id.color)?;
    check_text("the intro message", &d.intro_message, MAX_INTRO_LEN, false)?;
    for tag in &d.tags {
        if community_tag_index(tag).is_none() {
            return Err(invalid(format!(
                "tag {tag:?} is not one of Status's community tags"
            )));
        }
    }
    for (name, image) in &id.images {
        if image.payload.len() > MAX_IMAGE_BYTES {
            return Err(invalid(format!(
                "image {name:?} is {} bytes; the limit is {MAX_IMAGE_BYTES}",
                image.payload.len()
            )));
        }
        if sniff_image(&image.payload).is_none() {
            return Err(invalid(format!(
                "image {name:?} is not a PNG, JPEG, WebP or GIF"
            )));
        }
    }
    if d.chats.len() > MAX_CHANNELS {
        return Err(invalid(format!(
            "{} channels; the limit is {MAX_CHANNELS}",
            d.chats.len()
        )));
    }
    if d.categories.len() > MAX_CATEGORIES {
        return Err(invalid(format!(
            "{} categories; the limit is {MAX_CATEGORIES}",
            d.categories.len()
        )));
    }
    for c in d.categories.values() {
        check_text("a category name", &c.name, MAX_CHANNEL_NAME_LEN, true)?;
    }
    let mut names = std::collections::HashSet::new();
    for c in d.chats.values() {
        let ci = c.identity.clone().unwrap_or_default();
        check_text(
            "a channel name",
            &ci.display_name,
            MAX_CHANNEL_NAME_LEN,
            true,
        )?;
        check_text(
            "a channel description",
            &ci.description,
            MAX_CHANNEL_DESCRIPTION_LEN,
            false,
        )?;
        if !ci.color.is_empty() {
            check_color(&ci.color)?;
        }
        if !c.category_id.is_empty() && !d.categories.contains_key(&c.category_id) {
            return Err(invalid(format!(
                "channel {:?} is in a category that does not exist",
                ci.display_name
            )));
        }
        if !names.insert(ci.display_name.clone()) {
            return Err(invalid(format!(
                "two channels are named {:?}",
                ci.display_name
            )));
        }
    }
    Ok(())
}

/// A channel as the command line describes it: `general` or
/// `name=general,category=Talk,emoji=💬,color=#4360df,description=Say hi`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelSpec {
    pub name: Option<String>,
    pub category: Option<String>,
    pub emoji: Option<String>,
    pub color: Option<String>,
    pub description: Option<String>,
    pub position: Option<i32>,
}

impl std::str::FromStr for ChannelSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut spec = ChannelSpec::default();
        if !s.contains('=') {
            spec.name = Some(s.trim().to_owned());
            return Ok(spec);
        }
        for part in s.split(',') {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not key=value"))?;
            let v = v.trim().to_owned();
            match k.trim() {
                "name" => spec.name = Some(v),
                "category" => spec.category = Some(v),
                "emoji" => spec.emoji = Some(v),
                "color" | "colour" => spec.color = Some(v),
                "description" => spec.description = Some(v),
                "position" => {
                    spec.position = Some(v.parse().map_err(|_| format!("position {v:?}"))?)
                }
                other => {
                    return Err(format!(
                        "unknown channel field {other:?} (name, category, emoji, color, description, position)"
                    ));
                }
            }
        }
        Ok(spec)
    }
}

fn open_permissions() -> wire::CommunityPermissions {
    wire::CommunityPermissions {
        access: wire::community_permissions::Access::AutoAccept as i32,
        ..Default::default()
    }
}

/// What `hearth community create` asks for.
#[derive(Debug, Clone, Default)]
pub struct CommunitySpec {
    pub name: String,
    pub description: String,
    pub color: String,
    pub tags: Vec<String>,
    pub intro: String,
    pub manual_accept: bool,
    pub categories: Vec<String>,
    pub channels: Vec<ChannelSpec>,
}

pub fn build_description(
    spec: &CommunitySpec,
) -> Result<wire::CommunityDescription, CommunityStoreError> {
    let mut d = wire::CommunityDescription {
        permissions: Some(wire::CommunityPermissions {
            access: if spec.manual_accept {
                wire::community_permissions::Access::ManualAccept as i32
            } else {
                wire::community_permissions::Access::AutoAccept as i32
            },
            ..Default::default()
        }),
        identity: Some(wire::ChatIdentity {
            display_name: spec.name.clone(),
            description: spec.description.clone(),
            color: spec.color.clone(),
            ..Default::default()
        }),
        intro_message: spec.intro.clone(),
        tags: spec.tags.clone(),
        admin_settings: Some(wire::CommunityAdminSettings::default()),
        ..Default::default()
    };
    if spec.channels.len() > MAX_CHANNELS {
        return Err(invalid(format!(
            "{} channels; the limit is {MAX_CHANNELS}",
            spec.channels.len()
        )));
    }
    for c in &spec.categories {
        add_category(&mut d, c)?;
    }
    for c in &spec.channels {
        add_channel(&mut d, c)?;
    }
    validate(&d)?;
    Ok(d)
}

pub fn add_category(
    d: &mut wire::CommunityDescription,
    name: &str,
) -> Result<String, CommunityStoreError> {
    if category_id_by_name(d, name).is_some() {
        return Err(invalid(format!("category {name:?} exists")));
    }
    let id = new_uuid();
    let position = d.categories.len() as i32;
    d.categories.insert(
        id.clone(),
        wire::CommunityCategory {
            category_id: id.clone(),
            name: name.to_owned(),
            position,
        },
    );
    validate_partial(d)?;
    Ok(id)
}

pub fn edit_category(
    d: &mut wire::CommunityDescription,
    which: &str,
    name: Option<&str>,
    position: Option<i32>,
) -> Result<(), CommunityStoreError> {
    let id =
        category_id_by_name(d, which).ok_or_else(|| invalid(format!("no category {which:?}")))?;
    if let Some(c) = d.categories.get_mut(&id) {
        if let Some(n) = name {
            c.name = n.to_owned();
        }
        if let Some(p) = position {
            c.position = p;
        }
    }
    Ok(())
}

/// Removes a category; its channels stay, uncategorized.
pub fn remove_category(
    d: &mut wire::CommunityDescription,
    which: &str,
) -> Result<(), CommunityStoreError> {
    let id =
        category_id_by_name(d, which).ok_or_else(|| invalid(format!("no category {which:?}")))?;
    d.categories.remove(&id);
    for c in d.chats.values_mut() {
        if c.category_id == id {
            c.category_id.clear();
        }
    }
    Ok(())
}

pub fn add_channel(
    d: &mut wire::CommunityDescription,
    spec: &ChannelSpec,
) -> Result<String, CommunityStoreError> {
    let name = spec
        .name
        .clone()
        .ok_or_else(|| invalid("a channel needs a name"))?;
    if channel_uuid_by_name(d, &name).is_some() {
        return Err(invalid(format!("channel {name:?} exists")));
    }
    if d.chats.len() >= MAX_CHANNELS {
        return Err(invalid(format!(
            "the community has {MAX_CHANNELS} channels already"
        )));
    }
    let category_id = match &spec.category {
        Some(c) => category_id_by_name(d, c)
            .ok_or_else(|| invalid(format!("no category {c:?} for channel {name:?}")))?,
        None => String::new(),
    };
    let position = spec.position.unwrap_or_else(|| {
        d.chats
            .values()
            .filter(|c| c.category_id == category_id)
            .count() as i32
    });
    let uuid = new_uuid();
    let color = spec.color.clone().unwrap_or_else(|| {
        d.identity
            .as_ref()
            .map(|i| i.color.clone())
            .unwrap_or_default()
    });
    d.chats.insert(
        uuid.clone(),
        wire::CommunityChat {
            permissions: Some(open_permissions()),
            identity: Some(wire::ChatIdentity {
                display_name: name,
                description: spec.description.clone().unwrap_or_default(),
                emoji: spec.emoji.clone().unwrap_or_default(),
                color,
                ..Default::default()
            }),
            category_id,
            position,
            viewers_can_post_reactions: true,
            ..Default::default()
        },
    );
    validate_partial(d)?;
    Ok(uuid)
}

pub fn edit_channel(
    d: &mut wire::CommunityDescription,
    which: &str,
    spec: &ChannelSpec,
) -> Result<(), CommunityStoreError> {
    let uuid =
        channel_uuid_by_name(d, which).ok_or_else(|| invalid(format!("no channel {which:?}")))?;
    let category_id = match &spec.category {
        Some(c) if c.is_empty() => Some(String::new()),
        Some(c) => {
            Some(category_id_by_name(d, c).ok_or_else(|| invalid(format!("no category {c:?}")))?)
        }
        None => None,
    };
    let Some(chat) = d.chats.get_mut(&uuid) else {
        return Err(invalid(format!("no channel {which:?}")));
    };
    let identity = chat.identity.get_or_insert_with(Default::default);
    if let Some(v) = &spec.name {
        identity.display_name = v.clone();
    }
    if let Some(v) = &spec.description {
        identity.description = v.clone();
    }
    if let Some(v) = &spec.emoji {
        identity.emoji = v.clone();
    }
    if let Some(v) = &spec.color {
        identity.color = v.clone();
    }
    if let Some(c) = category_id {
        chat.category_id = c;
    }
    if let Some(p) = spec.position {
        chat.position = p;
    }
    Ok(())
}

pub fn remove_channel(
    d: &mut wire::CommunityDescription,
    which: &str,
) -> Result<(), CommunityStoreError> {
    let uuid =
        channel_uuid_by_name(d, which).ok_or_else(|| invalid(format!("no channel {which:?}")))?;
    d.chats.remove(&uuid);
    Ok(())
}

/// Reads an image file for the description: refused unless its bytes are an image.
pub fn image_from_file(path: &std::path::Path) -> Result<wire::IdentityImage, CommunityStoreError> {
    let meta = std::fs::metadata(path).map_err(|source| CommunityStoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > MAX_IMAGE_BYTES as u64 {
        return Err(invalid(format!(
            "{}: {} bytes; the limit is {MAX_IMAGE_BYTES}",
            path.display(),
            meta.len()
        )));
    }
    let payload = std::fs::read(path).map_err(|source| CommunityStoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let Some(mime) = sniff_image(&payload) else {
        return Err(invalid(format!(
            "{} is not a PNG, JPEG, WebP or GIF image",
            path.display()
        )));
    };
    use hearth::status::community::ImageMime;
    let format = match mime {
        ImageMime::Png => wire::ImageFormat::Png,
        ImageMime::Jpeg => wire::ImageFormat::Jpeg,
        ImageMime::Webp => wire::ImageFormat::Webp,
        ImageMime::Gif => wire::ImageFormat::Gif,
    };
    Ok(wire::IdentityImage {
        payload,
        source_type: wire::identity_image::SourceType::RawPayload as i32,
        image_format: format as i32,
        ..Default::default()
    })
}

/// Removes a member (kick): they may ask again.
pub fn kick(d: &mut wire::CommunityDescription, key: &str) -> Result<(), CommunityStoreError> {
    if d.members.remove(key).is_none() {
        return Err(invalid(format!("{key} is not a member")));
    }
    Ok(())
}

/// Removes a member and refuses their requests until unbanned.
pub fn ban(d: &mut wire::CommunityDescription, key: &str) {
    d.members.remove(key);
    d.banned_members
        .insert(key.to_owned(), wire::CommunityBanInfo::default());
}

pub fn unban(d: &mut wire::CommunityDescription, key: &str) -> Result<(), CommunityStoreError> {
    if d.banned_members.remove(key).is_none() {
        return Err(invalid(format!("{key} is not banned")));
    }
    Ok(())
}

/// Checks of what an edit step may leave half-built (the identity is filled in later on create).
fn validate_partial(d: &wire::CommunityDescription) -> Result<(), CommunityStoreError> {
    if d.identity
        .as_ref()
        .is_some_and(|i| !i.display_name.is_empty())
    {
        validate(d)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> CommunitySpec {
        CommunitySpec {
            name: "Hearth".into(),
            description: "A test".into(),
            color: "#4360df".into(),
            tags: vec!["Ethereum".into()],
            categories: vec!["Talk".into()],
            channels: vec![
                "name=general,category=Talk,emoji=💬".parse().unwrap(),
                "random".parse().unwrap(),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_spec_becomes_a_valid_description() {
        let d = build_description(&spec()).unwrap();
        assert_eq!(d.chats.len(), 2);
        assert_eq!(d.categories.len(), 1);
        let general = &d.chats[&channel_uuid_by_name(&d, "general").unwrap()];
        assert_eq!(general.identity.as_ref().unwrap().emoji, "💬");
        assert_eq!(
            general.category_id,
            category_id_by_name(&d, "Talk").unwrap()
        );
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        let mut s = spec();
        s.name = "<script>alert(1)</script>".into();
        let e = build_description(&s).unwrap_err().to_string();
        assert!(e.contains("HTML"), "{e}");
        let mut s = spec();
        s.description = "<img src=x onerror=alert(1)>".into();
        assert!(
            build_description(&s)
                .unwrap_err()
                .to_string()
                .contains("HTML")
        );
        let mut s = spec();
        s.channels = (0..10_000)
            .map(|i| ChannelSpec {
                name: Some(format!("c{i}")),
                ..Default::default()
            })
            .collect();
        let e = build_description(&s).unwrap_err().to_string();
        assert!(e.contains("limit is 200"), "{e}");
        let mut s = spec();
        s.tags = vec!["NotATag".into()];
        assert!(build_description(&s).is_err());
        let mut s = spec();
        s.color = "red".into();
        assert!(build_description(&s).is_err());
        let mut s = spec();
        s.channels.push("name=x,category=Nope".parse().unwrap());
        assert!(
            build_description(&s)
                .unwrap_err()
                .to_string()
                .contains("Nope")
        );
    }

    #[test]
    fn an_image_that_is_not_an_image_is_refused() {
        let dir = std::env::temp_dir().join(format!("hearth-img-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fake.png");
        std::fs::write(&path, b"<html>not an image</html>").unwrap();
        let e = image_from_file(&path).unwrap_err().to_string();
        assert!(e.contains("not a PNG"), "{e}");
        let png = dir.join("ok.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n rest").unwrap();
        assert!(image_from_file(&png).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn channels_and_categories_edit_in_place() {
        let mut d = build_description(&spec()).unwrap();
        edit_channel(&mut d, "#general", &"name=lobby,category=".parse().unwrap()).unwrap();
        let uuid = channel_uuid_by_name(&d, "lobby").unwrap();
        assert!(d.chats[&uuid].category_id.is_empty());
        remove_category(&mut d, "Talk").unwrap();
        assert!(d.categories.is_empty());
        remove_channel(&mut d, "lobby").unwrap();
        assert_eq!(d.chats.len(), 1);
        let key = "0x04ab".to_string();
        super::super::add_member(&mut d, &key);
        ban(&mut d, &key);
        assert!(d.members.is_empty() && d.banned_members.contains_key(&key));
        unban(&mut d, &key).unwrap();
        assert!(unban(&mut d, &key).is_err());
    }
}
