use hearth::client::types::{CommunityInfo, Membership};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{object_url, revoke_object_url};
use crate::community::CommunityFeed;
use crate::components::problem_notice::ProblemNotice;
use crate::components::share::ShareLinks;
use crate::session::{Problem, use_session};

/// A `#RRGGBB` colour or the app's accent, for a style property (never raw text into CSS).
pub fn safe_colour(c: &str) -> String {
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok { c.to_string() } else { "#e8590c".into() }
}

/// The community's front page: banner, name, description, tags, member count, how to join, and
/// links to share it.
#[component]
pub fn CommunityOverview(feed: CommunityFeed) -> impl IntoView {
    let session = use_session();
    let join_problem = RwSignal::new(None::<Problem>);
    let joining = RwSignal::new(false);
    let info = feed.info;
    let request_join = move |_| {
        let Some(id) = info.with_untracked(|i| i.as_ref().map(|i| i.id.clone())) else {
            return;
        };
        if session.identity.get_untracked().is_none() {
            session.identity_wanted.set(true);
            return;
        }
        joining.set(true);
        join_problem.set(None);
        let fut = session.backend().request_to_join(id);
        spawn_local(async move {
            match fut.await {
                // The answer may already be here (a fast control node): never step back from
                // what the description said while the request was on its way.
                Ok(m) => info.update(|i| {
                    if let Some(i) = i
                        && matches!(i.membership, Membership::None | Membership::Declined)
                    {
                        i.membership = m;
                    }
                }),
                Err(p) => join_problem.set(Some(p)),
            }
            joining.set(false);
        });
    };
    let banner = move || {
        info.with(|i| {
            i.as_ref().and_then(|i| i.banner.clone()).and_then(|b| {
                let url = object_url(&b.bytes, &b.mime)?;
                let u2 = url.clone();
                on_cleanup(move || revoke_object_url(&u2));
                Some(view! { <img class="banner" src=url alt="" /> })
            })
        })
    };
    let body = move |i: CommunityInfo| {
        let colour = safe_colour(&i.color);
        let tags = i
            .tags
            .iter()
            .map(|t| view! { <li class="tag">{t.clone()}</li> })
            .collect_view();
        let membership = match i.membership.clone() {
            Membership::Member => view! { <p class="membership ok">"You are a member."</p> }.into_any(),
            Membership::Pending { .. } => view! { <p class="membership" role="status">"Request sent. Waiting for the community to accept it."</p> }.into_any(),
            Membership::Accepted => view! { <p class="membership ok" role="status">"Accepted. You will be listed as a member when the community next publishes its description."</p> }.into_any(),
            Membership::Declined => view! { <p class="membership bad" role="status">"Your request to join was declined."</p> }.into_any(),
            Membership::Banned => view! { <p class="membership bad">"You are banned from this community."</p> }.into_any(),
            Membership::None => view! {
                <button class="button primary" on:click=request_join disabled=move || joining.get()>
                    {move || if joining.get() { "Sending request…" } else if i.requires_approval { "Request to join" } else { "Join" }}
                </button>
            }.into_any(),
        };
        view! {
            <div class="overview-head">
                <span class="community-swatch large" style:background-color=colour aria-hidden="true"></span>
                <div>
                    <h2 class="community-name">{i.name.clone()}</h2>
                    <p class="members">{crate::community::members_label(i.members as u64)}</p>
                </div>
            </div>
            <p class="community-description">{i.description.clone()}</p>
            <ul class="tags" aria-label="Tags">{tags}</ul>
            {i.token_gated.then(|| view! { <p class="muted">"Some channels need tokens to join; Hearth cannot check tokens yet."</p> })}
            <div class="membership-row">{membership}</div>
        }
    };
    view! {
        <div class="overview">
            {banner}
            {move || info.get().map(body)}
            {move || join_problem.get().map(|p| view! { <ProblemNotice problem=p /> })}
            <Show when=move || info.with(Option::is_some)>
                <h3>"Share"</h3>
                <ShareLinks info=info channel=Signal::derive(|| None::<String>) />
            </Show>
        </div>
    }
}
