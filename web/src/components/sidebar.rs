use hearth::client::types::{CategoryInfo, ChannelInfo, ChannelUnread, CommunityInfo, UNREAD_SCAN};
use leptos::prelude::*;

use crate::routes::channel_path;

/// Channels grouped as Status shows them: uncategorised ones first, then each category by
/// position, channels by position inside it.
pub fn group_channels(info: &CommunityInfo) -> Vec<(Option<CategoryInfo>, Vec<ChannelInfo>)> {
    let mut categories = info.categories.clone();
    categories.sort_by_key(|c| c.position);
    let known = |id: &Option<String>| {
        id.as_ref()
            .is_some_and(|id| categories.iter().any(|c| &c.id == id))
    };
    let mut loose: Vec<ChannelInfo> = info
        .channels
        .iter()
        .filter(|c| !known(&c.category_id))
        .cloned()
        .collect();
    loose.sort_by_key(|c| c.position);
    let mut groups = Vec::new();
    if !loose.is_empty() {
        groups.push((None, loose));
    }
    for cat in categories {
        let mut chans: Vec<ChannelInfo> = info
            .channels
            .iter()
            .filter(|c| c.category_id.as_deref() == Some(cat.id.as_str()))
            .cloned()
            .collect();
        chans.sort_by_key(|c| c.position);
        groups.push((Some(cat), chans));
    }
    groups
}

/// A count as a badge shows it: the count stops at [`UNREAD_SCAN`], which reads "99+".
fn badge_count(n: usize) -> String {
    if n >= UNREAD_SCAN {
        format!("{}+", UNREAD_SCAN - 1)
    } else {
        n.to_string()
    }
}

/// The community's channel list, by category. The current channel is marked for screen readers;
/// the others are bold while they hold unread messages, with a badge counting mentions.
#[component]
pub fn Sidebar(
    #[prop(into)] info: Signal<Option<CommunityInfo>>,
    #[prop(into)] current: Signal<Option<String>>,
    #[prop(into)] unread: Signal<Vec<ChannelUnread>>,
    /// Called after a channel is chosen (closes the drawer on narrow screens).
    on_pick: Callback<()>,
) -> impl IntoView {
    let groups = move || {
        info.with(|i| {
            i.as_ref()
                .map(|i| (i.id.clone(), group_channels(i)))
                .unwrap_or_default()
        })
    };
    view! {
        <nav class="channel-list" aria-label="Channels">
            {move || {
                let (id, groups) = groups();
                if groups.is_empty() {
                    return view! { <p class="muted small">"No channels yet."</p> }.into_any();
                }
                groups
                    .into_iter()
                    .map(|(cat, chans)| {
                        let id = id.clone();
                        let heading = cat.map(|c| view! { <h2 class="category">{c.name}</h2> });
                        let items = chans
                            .into_iter()
                            .map(|ch| {
                                let href = channel_path(&id, &ch.uuid);
                                let uuid = ch.uuid.clone();
                                let is_current = move || current.get().as_deref() == Some(uuid.as_str());
                                let emoji = if ch.emoji.is_empty() { "#".to_string() } else { ch.emoji.clone() };
                                let chat = ch.chat_id.clone();
                                let current_now = is_current.clone();
                                // The channel being read has nothing unread, whatever the count says.
                                let counts = move || {
                                    if current_now() {
                                        return (0, 0);
                                    }
                                    unread.with(|u| {
                                        u.iter()
                                            .find(|x| x.chat_id == chat)
                                            .map_or((0, 0), |x| (x.unread, x.mentions))
                                    })
                                };
                                let counts_label = counts.clone();
                                let counts_badge = counts.clone();
                                view! {
                                    <li>
                                        <a
                                            class="channel-link"
                                            class:current=is_current.clone()
                                            class:unread=move || counts().0 != 0
                                            href=href
                                            aria-current=move || is_current().then_some("page")
                                            on:click=move |_| on_pick.run(())
                                        >
                                            <span class="channel-emoji" aria-hidden="true">{emoji}</span>
                                            <span class="channel-name">{ch.name.clone()}</span>
                                            <span class="visually-hidden">
                                                {move || match counts_label() {
                                                    (0, _) => String::new(),
                                                    (n, 0) => format!(", {} unread", badge_count(n)),
                                                    (n, m) => format!(", {} unread, {} mentioning you", badge_count(n), badge_count(m)),
                                                }}
                                            </span>
                                            {move || {
                                                let (_, m) = counts_badge();
                                                (m > 0).then(|| view! { <span class="mention-badge" aria-hidden="true">{badge_count(m)}</span> })
                                            }}
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view();
                        view! {
                            <section class="channel-group">
                                {heading}
                                <ul>{items}</ul>
                            </section>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </nav>
    }
}
