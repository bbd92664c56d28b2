use hearth::client::types::{CommunityInfo, DescriptionState};
use hearth::status::link::{
    ChannelHint, CommunityHint, LinkError, PreviewLink, UserId, parse_preview_link,
};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::community::{CommunityFeed, Verification};
use crate::components::community_overview::safe_colour;
use crate::components::community_page::verification_problem;
use crate::components::connection::ConnectionIndicator;
use crate::components::problem_notice::ProblemNotice;
use crate::components::sidebar::group_channels;
use crate::person::{person, short_key};
use crate::routes::{channel_path, community_path};
use crate::session::{Problem, use_session};

/// What the card shows: the link's unverified hint, or the signed description once it is here.
#[derive(Debug, Clone, PartialEq)]
struct Card {
    name: String,
    description: String,
    colour: String,
    tags: Vec<String>,
    members: Option<usize>,
    verified: bool,
}

fn card_from_hint(h: &CommunityHint) -> Card {
    Card {
        name: h.display_name.clone(),
        description: h.description.clone(),
        colour: h.checked_color().unwrap_or("").to_string(),
        tags: h
            .tags()
            .map(|t| format!("{} {}", t.emoji, t.name))
            .collect(),
        members: Some(h.members_count as usize),
        verified: false,
    }
}

fn card_from_info(i: &CommunityInfo) -> Card {
    Card {
        name: i.name.clone(),
        description: i.description.clone(),
        colour: i.color.clone(),
        tags: i.tags.clone(),
        members: Some(i.members),
        verified: matches!(i.state, DescriptionState::Verified { .. }),
    }
}

fn link_problem(e: &LinkError) -> Problem {
    Problem::new(
        format!("This link cannot be opened: {e}."),
        "It may have been cut off when it was copied. Ask for the link again, or paste it on the home page.",
    )
}

/// `/c/…`, `/cc/…`, `/u/…` and their key-only forms, exactly as status.app's links: the data in
/// the link shows at once, marked unverified; the signed description replaces it, marked
/// verified. Loading can be cancelled, a timeout offers to try again, a link whose description
/// is signed by another key says so, and "Open in Status" hands the link to the Status app.
#[component]
pub fn Preview() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    // The key lives in the fragment, which the router does not match on: read both.
    let link_text = Memo::new(move |_| {
        format!(
            "https://status.app{}{}",
            location.pathname.get(),
            location.hash.get()
        )
    });
    let parsed = Memo::new(move |_| parse_preview_link(&link_text.get()));
    let status_app = Memo::new(move |_| {
        format!(
            "status-app://{}{}",
            location.pathname.get().trim_start_matches('/'),
            location.hash.get()
        )
    });

    // The network side: follow the community the link names (not for profile links).
    let feed = RwSignal::new(None::<CommunityFeed>);
    Effect::new(move |_| {
        let link = link_text.get();
        let wants = parsed.with(|p| {
            matches!(
                p,
                Ok(PreviewLink::Community { .. } | PreviewLink::Channel { .. })
            )
        });
        if let Some(f) = feed.get_untracked() {
            f.stop();
        }
        feed.set(wants.then(|| CommunityFeed::open(session, link)));
    });
    on_cleanup(move || {
        if let Some(f) = feed.get_untracked() {
            f.stop();
        }
    });
    let info = Signal::derive(move || feed.get().and_then(|f| f.info.get()));
    let verification = Signal::derive(move || feed.get().map(|f| f.verification.get()));

    let card = move || -> Option<Card> {
        if let Some(i) = info.get()
            && matches!(i.state, DescriptionState::Verified { .. })
        {
            return Some(card_from_info(&i));
        }
        parsed
            .with(|p| match p {
                Ok(PreviewLink::Community { hint: Some(h), .. }) => Some(card_from_hint(h.hint())),
                Ok(PreviewLink::Channel { hint: Some(h), .. }) => {
                    Some(card_from_hint(&h.hint().community))
                }
                _ => None,
            })
            .or_else(|| info.get().map(|i| card_from_info(&i)))
    };
    let channel_hint = move || -> Option<ChannelHint> {
        parsed.with(|p| match p {
            Ok(PreviewLink::Channel { hint: Some(h), .. }) => Some(h.hint().clone()),
            _ => None,
        })
    };
    let channel_uuid = move || {
        parsed.with(|p| match p {
            Ok(PreviewLink::Channel { uuid, .. }) => Some(uuid.clone()),
            _ => None,
        })
    };
    let community_id = move || parsed.with(|p| p.as_ref().ok().and_then(PreviewLink::community_id));
    let hearth_path = move || {
        community_id().map(|id| match channel_uuid() {
            Some(u) => channel_path(&id, &u),
            None => community_path(&id),
        })
    };

    let state_banner = move || {
        let v = verification.get();
        let f = feed.get();
        let verified = card().is_some_and(|c| c.verified);
        if verified {
            return view! {
                <p class="state state-verified" role="status" data-state="verified">
                    "✓ Verified: this description is signed by the community's key."
                </p>
            }
            .into_any();
        }
        match v {
            None => ().into_any(),
            Some(Verification::Waiting) | Some(Verification::Verified { .. }) => view! {
                <div class="state state-unverified" role="status" data-state="loading">
                    <span class="spinner" aria-hidden="true"></span>
                    <p>
                        <strong>"Unverified. "</strong>
                        "This is what the link says. Checking it against the community's signed description on Waku…"
                    </p>
                    <button class="button secondary small" on:click=move |_| if let Some(f) = f { f.cancel() }>"Cancel"</button>
                </div>
            }
            .into_any(),
            Some(Verification::Cancelled) => view! {
                <div class="state state-unverified" role="status" data-state="cancelled">
                    <p><strong>"Unverified. "</strong>"You stopped the check; what you see is only what the link says."</p>
                    <button class="button secondary small" on:click=move |_| if let Some(f) = f { f.retry() }>"Check again"</button>
                </div>
            }
            .into_any(),
            Some(other) => {
                let state = match &other {
                    Verification::NotFound => "not-found",
                    Verification::SignerMismatch { .. } => "signer-mismatch",
                    Verification::TimedOut => "timeout",
                    _ => "failed",
                };
                let problem = verification_problem(&other);
                view! {
                    <div class="state state-problem" data-state=state>
                        <p class="unverified-label"><strong>"Unverified."</strong></p>
                        {problem.map(|p| view! {
                            <ProblemNotice problem=p action=view! {
                                <button class="button secondary small" on:click=move |_| if let Some(f) = f { f.retry() }>"Try again"</button>
                            }.into_any() />
                        })}
                    </div>
                }
                .into_any()
            }
        }
    };

    let channels = move || {
        info.get()
            .filter(|i| matches!(i.state, DescriptionState::Verified { .. }))
            .map(|i| {
                let id = i.id.clone();
                let groups = group_channels(&i);
                view! {
                    <section class="preview-channels" aria-labelledby="preview-channels-title">
                        <h2 id="preview-channels-title">"Channels"</h2>
                        {groups.into_iter().map(|(cat, chans)| {
                            let id = id.clone();
                            view! {
                                {cat.map(|c| view! { <h3 class="category">{c.name}</h3> })}
                                <ul class="preview-channel-list">
                                    {chans.into_iter().map(|c| view! {
                                        <li><a href=channel_path(&id, &c.uuid)>
                                            <span aria-hidden="true">{if c.emoji.is_empty() { "#".to_string() } else { c.emoji.clone() }}</span>
                                            " " {c.name.clone()}
                                        </a>
                                        <span class="muted small">{c.description.clone()}</span></li>
                                    }).collect_view()}
                                </ul>
                            }
                        }).collect_view()}
                    </section>
                }
            })
    };

    let body = move || match parsed.get() {
        Err(e) => view! {
            <div data-state="malformed">
                <h1>"This link is damaged"</h1>
                <ProblemNotice problem=link_problem(&e) />
                <p><a class="button" href="/">"Go to the home page"</a></p>
            </div>
        }
        .into_any(),
        Ok(PreviewLink::User { user, hint }) => {
            let (key_text, who) = match &user {
                UserId::Key(k) => (k.to_serialized(), Some(person(&k.to_uncompressed_hex()))),
                UserId::Ens(name) => (name.clone(), None),
            };
            let name = hint
                .as_ref()
                .map(|h| h.hint().display_name.clone())
                .filter(|n| !n.is_empty())
                .or_else(|| who.as_ref().map(|p| p.alias.clone()))
                .unwrap_or_else(|| key_text.clone());
            let name_shown = name.clone();
            let bio = hint
                .as_ref()
                .map(|h| h.hint().description.clone())
                .unwrap_or_default();
            view! {
                <article class="preview-card" data-kind="profile">
                    <p class="kind-label">"Profile"</p>
                    <h1 class="preview-name">{name_shown}</h1>
                    {who.as_ref().map(|p| view! {
                        {(p.alias != name).then(|| view! { <p class="sender-alias">{p.alias.clone()}</p> })}
                        <p class="emoji-hash large" aria-label="emoji hash">{p.emoji_hash.clone()}</p>
                    })}
                    <p class="preview-description">{bio}</p>
                    <p class="state state-unverified" data-state="unverified"><strong>"Unverified. "</strong>"Profiles are shown as the link describes them; Hearth does not look them up on Waku yet."</p>
                    <p class="muted small key-text">{short_key(&key_text)}</p>
                </article>
            }
            .into_any()
        }
        Ok(_) => {
            let ch = channel_hint();
            let kind = if ch.is_some() || channel_uuid().is_some() {
                "channel"
            } else {
                "community"
            };
            view! {
                <article class="preview-card" data-kind=kind>
                    {move || card().map(|c| {
                        let colour = safe_colour(&c.colour);
                        view! {
                            <div class="preview-head">
                                <span class="community-swatch large" style:background-color=colour aria-hidden="true"></span>
                                <div>
                                    <p class="kind-label">"Community"</p>
                                    <h1 class="preview-name">{c.name.clone()}</h1>
                                    {c.members.map(|m| view! { <p class="members">{crate::community::members_label(m as u64)}</p> })}
                                </div>
                                {if c.verified {
                                    view! { <span class="badge verified">"✓ Verified"</span> }.into_any()
                                } else {
                                    view! { <span class="badge unverified">"Unverified"</span> }.into_any()
                                }}
                            </div>
                            <p class="preview-description">{c.description.clone()}</p>
                            <ul class="tags" aria-label="Tags">{c.tags.iter().map(|t| view! { <li class="tag">{t.clone()}</li> }).collect_view()}</ul>
                        }.into_any()
                    }).unwrap_or_else(|| view! {
                        <div class="preview-head">
                            <span class="community-swatch large" aria-hidden="true"></span>
                            <div>
                                <p class="kind-label">"Community"</p>
                                <h1 class="preview-name">{community_id().map(|i| short_key(&i)).unwrap_or_default()}</h1>
                                <p class="muted">"This link carries only the community's key."</p>
                            </div>
                        </div>
                        <p></p>
                        <ul class="tags"></ul>
                    }.into_any())}
                    {ch.map(|h| view! {
                        <div class="preview-channel">
                            <p class="kind-label">"Channel"</p>
                            <p class="preview-channel-name"><span aria-hidden="true">{h.emoji.clone()}</span>" #" {h.display_name.clone()}</p>
                            <p class="muted">{h.description.clone()}</p>
                        </div>
                    })}
                    {state_banner}
                    <div class="preview-actions">
                        {move || hearth_path().map(|p| view! { <a class="button primary" href=p>"Open in Hearth"</a> })}
                        <a class="button secondary" href=move || status_app.get()>"Open in Status"</a>
                    </div>
                    {channels}
                </article>
            }
            .into_any()
        }
    };

    view! {
        <div class="page-preview">
            <header class="topbar home-bar">
                <a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>"Hearth"</a>
                <ConnectionIndicator />
            </header>
            <main id="main" class="page page-narrow" tabindex="-1">{body}</main>
        </div>
    }
}
