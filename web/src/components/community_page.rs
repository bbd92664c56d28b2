use std::collections::HashMap;

use futures::StreamExt;
use futures::future::{AbortHandle, Abortable};
use hearth::client::types::{ChannelUnread, DescriptionState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use crate::browser::{pref, set_pref};

use crate::community::{CommunityFeed, Verification, read_mark_key};
use crate::components::channel_view::ChannelView;
use crate::components::community_overview::{CommunityOverview, safe_colour};
use crate::components::connection::ConnectionIndicator;
use crate::components::problem_notice::ProblemNotice;
use crate::components::sidebar::Sidebar;
use crate::routes::community_path;
use crate::session::{Problem, use_session};

/// What a verification state means for the reader, in words.
pub fn verification_problem(v: &Verification) -> Option<Problem> {
    match v {
        Verification::Waiting | Verification::Verified { .. } | Verification::Cancelled => None,
        Verification::NotFound => Some(Problem::new(
            "No store node has this community's description.",
            "Its owner may not have been online for weeks. Check the link, or try again later.",
        )),
        Verification::SignerMismatch { signer } => Some(Problem::new(
            format!(
                "A description for this community was signed by another key ({}), so it is not shown.",
                crate::person::short_key(signer)
            ),
            "Someone may be impersonating the community. Get the link again from a source you trust.",
        )),
        Verification::TimedOut => Some(Problem::new(
            "The network has not answered for 30 seconds.",
            "Check your connection, then try again.",
        )),
        Verification::Failed(p) => Some(p.clone()),
    }
}

/// `/community/<id>` and `/community/<id>/<channel uuid>`: the sidebar with the community and its
/// channels; the overview or a channel beside it. At 360 px the sidebar is a drawer.
#[component]
pub fn CommunityPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let uuid = Memo::new(move |_| params.with(|p| p.get("uuid")));
    let drawer = RwSignal::new(false);

    // One feed per community id; a new id (navigation) stops the old one. Moving between the
    // overview and channels keeps it (one route, optional channel segment).
    let feed = RwSignal::new(CommunityFeed::open(session, id.get_untracked()));
    Effect::new(move |_| {
        let id = id.get();
        let current = feed.get_untracked();
        if current.target() != id {
            current.stop();
            feed.set(CommunityFeed::open(session, id));
        }
    });
    on_cleanup(move || feed.get_untracked().stop());

    let info = Signal::derive(move || feed.get().info.get());

    // Unread counts for the channel list, from storage: now, on every change of channel or
    // description, and whenever messages of the community are stored (an open timeline stores
    // every channel's messages, so other channels fill up while one is read).
    let unread = RwSignal::new(Vec::<ChannelUnread>::new());
    let refresh = move || {
        let Some(chats) = info.with_untracked(|i| {
            i.as_ref()
                .filter(|i| matches!(i.state, DescriptionState::Verified { .. }))
                .map(|i| {
                    i.channels
                        .iter()
                        .map(|c| c.chat_id.clone())
                        .collect::<Vec<_>>()
                })
        }) else {
            return;
        };
        let marks: HashMap<String, u64> = chats
            .iter()
            .filter_map(|c| Some((c.clone(), pref(&read_mark_key(c))?.parse().ok()?)))
            .collect();
        let open = uuid.get_untracked();
        let fut = session.backend().unread(id.get_untracked(), marks);
        spawn_local(async move {
            let got = fut.await;
            // A channel never opened starts its mark now (Status clocks are milliseconds), or at
            // its newest message if that is later, so a first visit shows no history as unread
            // but counts what arrives from then on. The channel on screen keeps its own mark.
            let now = crate::browser::now_ms() as u64;
            for u in &got {
                let key = read_mark_key(&u.chat_id);
                if pref(&key).is_none() && open.as_deref() != Some(u.uuid.as_str()) {
                    set_pref(&key, &u.newest_clock.unwrap_or(0).max(now).to_string());
                }
            }
            let _ = unread.try_set(got);
        });
    };
    Effect::new(move |_| {
        uuid.track();
        info.track();
        refresh();
    });
    let following = StoredValue::new(None::<AbortHandle>);
    Effect::new(move |_| {
        let mut stored = session.backend().stored(id.get());
        let (abort, registration) = AbortHandle::new_pair();
        // A new community id (navigation) stops following the old one.
        if let Some(previous) = following.get_value() {
            previous.abort();
        }
        following.set_value(Some(abort));
        spawn_local(async move {
            let _ = Abortable::new(
                async move {
                    while stored.next().await.is_some() {
                        refresh();
                    }
                },
                registration,
            )
            .await;
        });
    });
    on_cleanup(move || {
        if let Some(handle) = following.try_get_value().flatten() {
            handle.abort();
        }
    });
    let verification = Signal::derive(move || feed.get().verification.get());
    let title = move || {
        info.with(|i| i.as_ref().map(|i| i.name.clone()))
            .unwrap_or_else(|| "Community".into())
    };
    let colour = move || {
        safe_colour(&info.with(|i| i.as_ref().map(|i| i.color.clone()).unwrap_or_default()))
    };
    let verified_badge = move || {
        info.with(|i| match i.as_ref().map(|i| &i.state) {
            Some(DescriptionState::Verified { .. }) => view! { <span class="badge verified" title="Signed by the community's key">"✓ Verified"</span> }.into_any(),
            Some(DescriptionState::Unverified) => view! { <span class="badge unverified" title="Not yet checked against the community's signature">"Unverified"</span> }.into_any(),
            None => view! { <span class="badge">"Loading…"</span> }.into_any(),
        })
    };
    let body = move || {
        let f = feed.get();
        match uuid.get() {
            Some(u) if f.info.with(Option::is_some) => {
                view! { <ChannelView feed=f uuid=u /> }.into_any()
            }
            Some(_) => view! { <p class="page-loading" role="status">"Loading the community…"</p> }
                .into_any(),
            None => view! { <CommunityOverview feed=f /> }.into_any(),
        }
    };
    view! {
        <div class="layout" class:drawer-open=move || drawer.get()>
            <aside id="sidebar" class="sidebar" aria-label="Community">
                <header class="sidebar-head">
                    <a class="community-title" href=move || community_path(&id.get())>
                        <span class="community-swatch" style:background-color=colour aria-hidden="true"></span>
                        <span class="community-title-name">{title}</span>
                    </a>
                    {verified_badge}
                </header>
                <Sidebar info=info current=uuid unread=unread on_pick=Callback::new(move |_| drawer.set(false)) />
                <footer class="sidebar-foot">
                    <a href="/">"Home"</a>
                    <a href="/settings">"Settings"</a>
                </footer>
            </aside>
            <div class="scrim" on:click=move |_| drawer.set(false) aria-hidden="true"></div>
            <main id="main" class="main" tabindex="-1">
                <header class="topbar">
                    <button class="icon-button drawer-toggle" aria-label="Channels" aria-controls="sidebar"
                        aria-expanded=move || drawer.get().to_string()
                        on:click=move |_| drawer.update(|d| *d = !*d)>"☰"</button>
                    <h1 class="topbar-title">{title}</h1>
                    <ConnectionIndicator />
                </header>
                {move || {
                    let v = verification.get();
                    let f = feed.get();
                    let waiting = matches!(v, Verification::Waiting) && info.with(Option::is_none);
                    view! {
                        {waiting.then(|| view! {
                            <div class="notice" role="status">
                                <p>"Looking for this community on the network…"</p>
                                <button class="button secondary small" on:click=move |_| f.cancel()>"Cancel"</button>
                            </div>
                        })}
                        {verification_problem(&v).map(|p| view! {
                            <ProblemNotice problem=p action=view! {
                                <button class="button secondary small" on:click=move |_| f.retry()>"Try again"</button>
                            }.into_any() />
                        })}
                        {matches!(v, Verification::Cancelled).then(|| view! {
                            <div class="notice" role="status">
                                <p>"Stopped looking."</p>
                                <button class="button secondary small" on:click=move |_| f.retry()>"Try again"</button>
                            </div>
                        })}
                    }
                }}
                {body}
            </main>
        </div>
    }
}
