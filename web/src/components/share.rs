use hearth::client::types::CommunityInfo;
use hearth::status::keys::PublicKey;
use hearth::status::link::{
    ChannelHint, CommunityHint, PreviewLink, Unverified, community_tag_index,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{copy_text, origin};

/// The status.app link for a community (or one of its channels), carrying its current name,
/// description, colour, tags and member count as status.app does, and the same link on this
/// Hearth.
pub fn share_links(info: &CommunityInfo, channel: Option<&str>) -> Option<(String, String)> {
    let key = PublicKey::from_hex(&info.id).ok()?;
    let clip = |s: &str, max: usize| -> String {
        // status.app's limits are in UTF-16 units; trim by chars until it fits.
        let mut out: String = s.chars().take(max).collect();
        while out.encode_utf16().count() > max {
            out.pop();
        }
        out
    };
    let community = CommunityHint {
        display_name: clip(&info.name, 30),
        description: clip(&info.description, 140),
        members_count: u32::try_from(info.members).unwrap_or(u32::MAX),
        color: info.color.clone(),
        tag_indices: info.tags.iter().filter_map(|t| community_tag_index(t)).collect(),
    };
    let link = match channel.and_then(|u| info.channels.iter().find(|c| c.uuid == u)) {
        Some(ch) => PreviewLink::Channel {
            community_key: key,
            uuid: ch.uuid.clone(),
            hint: Some(Unverified::new(ChannelHint {
                display_name: clip(&ch.name, 24),
                description: clip(&ch.description, 140),
                emoji: ch.emoji.clone(),
                color: ch.color.clone(),
                community,
            })),
        },
        None => PreviewLink::Community {
            key,
            hint: Some(Unverified::new(community)),
        },
    };
    // A field status.app would refuse (empty description, odd colour) falls back to the key-only
    // form, which every client opens.
    let url = link.to_url().or_else(|_| match &link {
        PreviewLink::Channel {
            community_key, uuid, ..
        } => PreviewLink::Channel {
            community_key: *community_key,
            uuid: uuid.clone(),
            hint: None,
        }
        .to_url(),
        _ => PreviewLink::Community { key, hint: None }.to_url(),
    });
    let url = url.ok()?;
    let hearth = url.replacen("https://status.app", &origin(), 1);
    Some((url, hearth))
}

/// "Copy link" for a community or channel: both links, each with its own button.
#[component]
pub fn ShareLinks(#[prop(into)] info: Signal<Option<CommunityInfo>>, #[prop(into)] channel: Signal<Option<String>>) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let links = move || info.with(|i| i.as_ref().and_then(|i| share_links(i, channel.get().as_deref())));
    let copy = move |which: &'static str, text: String| {
        spawn_local(async move {
            let ok = copy_text(&text).await;
            copied.set(Some(if ok { which } else { "failed" }));
        });
    };
    view! {
        <div class="share">
            {move || links().map(|(status, hearth)| {
                let s2 = status.clone();
                let h2 = hearth.clone();
                view! {
                    <label class="share-row">
                        <span>"Status link"</span>
                        <input class="share-url" readonly value=status.clone() aria-label="Status link" />
                        <button class="button" on:click=move |_| copy("status", s2.clone())>"Copy link"</button>
                    </label>
                    <label class="share-row">
                        <span>"Hearth link"</span>
                        <input class="share-url" readonly value=hearth.clone() aria-label="Hearth link" />
                        <button class="button secondary" on:click=move |_| copy("hearth", h2.clone())>"Copy"</button>
                    </label>
                }
            })}
            <p class="small muted" role="status">{move || match copied.get() {
                Some("failed") => "The browser did not allow copying. Select the link and copy it by hand.",
                Some(_) => "Copied.",
                None => "",
            }}</p>
        </div>
    }
}
