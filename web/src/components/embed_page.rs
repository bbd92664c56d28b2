use std::time::Duration;

use futures::StreamExt;
use futures::future::{AbortHandle, Abortable};
use hearth::client::types::{TimelineEvent, TimelineItem};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_params_map, use_query_map};
use wasm_bindgen::{JsCast, JsValue};

use crate::community::{CommunityFeed, Verification};
use crate::components::community_overview::safe_colour;
use crate::components::community_page::verification_problem;
use crate::components::composer::Composer;
use crate::components::message_row::MessageActions;
use crate::components::problem_notice::ProblemNotice;
use crate::components::timeline_view::TimelineView;
use crate::embed::{EMBED_MESSAGE_VERSION, EmbedOptions, EmbedTheme, MAX_HEIGHT, is_channel_uuid};
use crate::routes::channel_path;
use crate::session::{ChannelRef, ClientPhase, OlderFn, Problem, use_session};
use crate::timeline::Timeline;

/// How often the page measures itself for the host (a few layout reads; posted only on change).
const MEASURE_EVERY: Duration = Duration::from_millis(250);
/// Older messages asked for per page when the reader scrolls up.
const OLDER_PAGE: usize = 50;

/// Applies the embedder's theme and accent to the page: `data-theme` for the scheme, the accent
/// through CSSOM (never a style string), and `embedded` so the app's chrome steps aside.
fn apply_look(options: &EmbedOptions) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = root.class_list().add_1("embedded");
    match options.theme {
        EmbedTheme::Auto => {
            let _ = root.remove_attribute("data-theme");
        }
        t => {
            let _ = root.set_attribute("data-theme", t.as_str());
        }
    }
    if let (Some(accent), Ok(el)) = (&options.accent, root.dyn_into::<web_sys::HtmlElement>()) {
        let style = el.style();
        let _ = style.set_property("--accent", accent);
        let _ = style.set_property("--accent-strong", accent);
    }
}

/// The height the page wants to be shown at: its chrome plus everything in the timeline region
/// (the rows' full height, not the part that fits now), so the host can grow the frame to it.
fn wanted_height() -> Option<i32> {
    let doc = web_sys::window()?.document()?;
    let root = doc.document_element()?;
    // A dialog (the identity one) needs room: ask for all the host allows.
    if doc.query_selector("dialog[open]").ok()?.is_some() {
        return Some(MAX_HEIGHT as i32);
    }
    let region = doc.query_selector(".embed-body").ok()??;
    let mut content = 0;
    let children = region.children();
    for i in 0..children.length() {
        let Some(child) = children.item(i) else {
            continue;
        };
        let Ok(el) = child.dyn_into::<web_sys::HtmlElement>() else {
            continue;
        };
        if el.class_list().contains("timeline") {
            let inner = el.children();
            let mut sum = 20; // the timeline's own padding
            for j in 0..inner.length() {
                if let Some(e) = inner
                    .item(j)
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    sum += e.offset_height();
                }
            }
            content += sum;
        } else {
            content += el.offset_height() + 16;
        }
    }
    Some(root.client_height() - region.client_height() + content)
}

/// Tells the host how tall the page wants to be: to the host's origin only (as the embedder
/// declared it), and only when framed.
fn post_height(host: &str, height: i32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    if js_sys::Object::is(&parent, &window) {
        return;
    }
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &message,
        &"hearth".into(),
        &JsValue::from(EMBED_MESSAGE_VERSION),
    );
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"resize".into());
    let _ = js_sys::Reflect::set(&message, &"height".into(), &JsValue::from(height));
    let _ = parent.post_message(&message, host);
}

/// `/embed/<community id>/<channel uuid>`: one channel for another site's page. Minimal chrome
/// (community, channel, connection, "Open in Hearth"); read-only unless the embedder allowed
/// posting. The identity stays in this origin's storage; the host page only ever receives the
/// height this page wants.
#[component]
pub fn EmbedPage() -> impl IntoView {
    embed_page(Some(posting))
}

/// The embed page of the read-only build (`dist/embed/`): the same page with no way to post, so
/// neither the composer nor the identity code is in its wasm.
#[component]
pub fn ReadOnlyEmbedPage() -> impl IntoView {
    embed_page(None)
}

/// Builds the posting part of an embed (actions on messages, then the composer or a Join
/// button) for a channel; provided as a function so a build without it links none of its code.
pub type Posting =
    fn(ChannelRef, Signal<String>, Signal<bool>, RwSignal<Option<Problem>>) -> AnyView;

fn embed_page(posting: Option<Posting>) -> AnyView {
    let session = use_session();
    let params = use_params_map();
    let query = use_query_map();
    let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let uuid = params.with_untracked(|p| p.get("uuid").unwrap_or_default());
    let options = query.with_untracked(|q| EmbedOptions::from_query(|k| q.get(k)));
    apply_look(&options);

    if let Some(host) = options.host.clone() {
        let last = StoredValue::new(0i32);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if let Some(h) = wanted_height()
                    && h != last.get_value()
                {
                    last.set_value(h);
                    post_height(&host, h);
                }
            },
            MEASURE_EVERY,
        ) {
            on_cleanup(move || handle.clear());
        }
    }

    let open_href = format!("{}{}", crate::browser::origin(), channel_path(&id, &uuid));
    if !is_channel_uuid(&uuid) {
        return view! {
            <div class="embed" data-state="bad-link">
                <div class="embed-body embed-state">
                    <p><strong>"This embed's channel address is not valid."</strong></p>
                    <p class="muted">"The page that shows it has a broken snippet: ask its owner to copy it again from Hearth."</p>
                </div>
            </div>
        }
        .into_any();
    }

    let feed = CommunityFeed::open(session, id.clone());
    on_cleanup(move || feed.stop());
    let channel_info = {
        let uuid = uuid.clone();
        Memo::new(move |_| {
            feed.info.with(|i| {
                i.as_ref()
                    .and_then(|i| i.channels.iter().find(|c| c.uuid == uuid).cloned())
            })
        })
    };
    let community_name = move || {
        feed.info
            .with(|i| i.as_ref().map(|i| i.name.clone()))
            .unwrap_or_else(|| "Hearth".into())
    };
    let colour = move || {
        safe_colour(
            &feed
                .info
                .with(|i| i.as_ref().map(|i| i.color.clone()).unwrap_or_default()),
        )
    };
    let channel_name = Signal::derive(move || {
        channel_info
            .get()
            .map(|c| c.name)
            .unwrap_or_else(|| "channel".into())
    });
    let online = crate::browser::online_signal();
    let connection = move || match (session.phase.get(), session.health.get()) {
        (ClientPhase::Unavailable(_), _) => ("offline", "Offline"),
        _ if !online.get() => ("offline", "Offline"),
        (_, Some(h)) if h.connected_peers > 0 => ("online", "Live"),
        _ => ("connecting", "Connecting…"),
    };
    // A memo: the body below is rebuilt only when the state changes, not on every description.
    let state = Memo::new(move |_| {
        let v = feed.verification.get();
        let loaded = feed.info.with(Option::is_some);
        if loaded && channel_info.with(Option::is_none) {
            "no-channel"
        } else if loaded {
            "ready"
        } else if matches!(v, Verification::Waiting) {
            "loading"
        } else {
            "not-found"
        }
    });
    let channel = ChannelRef {
        community: id.clone(),
        uuid: uuid.clone(),
    };
    let post = options.post.then_some(posting).flatten();
    let body = move || {
        match state.get() {
        "ready" => view! { <EmbedChannel channel=channel.clone() name=channel_name post=post can_post=Signal::derive(move || channel_info.get().is_some_and(|c| c.can_post)) /> }.into_any(),
        "no-channel" => view! {
            <div class="embed-body embed-state">
                <p><strong>"This community has no such channel."</strong></p>
                <p class="muted">"It may have been removed. The community is still on Hearth."</p>
            </div>
        }
        .into_any(),
        "loading" => view! {
            <div class="embed-body embed-state">
                <p role="status">"Looking for this community on the network…"</p>
            </div>
        }
        .into_any(),
        _ => {
            let p = verification_problem(&feed.verification.get()).unwrap_or_else(|| {
                Problem::new("This community could not be found.", "Try again later.")
            });
            view! {
                <div class="embed-body embed-state">
                    <ProblemNotice problem=p action=view! {
                        <button class="button secondary small" on:click=move |_| feed.retry()>"Try again"</button>
                    }.into_any() />
                </div>
            }
            .into_any()
        }
    }
    };
    view! {
        <div class="embed" class:read-only=post.is_none() data-state=move || state.get()>
            <header class="embed-head">
                <span class="community-swatch" style:background-color=colour aria-hidden="true"></span>
                <span class="embed-names">
                    <span class="embed-community">{community_name}</span>
                    <span class="embed-channel">{move || format!("#{}", channel_name.get())}</span>
                </span>
                <span class="embed-connection" role="status">
                    <span class=move || format!("dot dot-{}", connection().0) aria-hidden="true"></span>
                    <span class="connection-text">{move || connection().1}</span>
                </span>
                <a class="embed-open" href=open_href target="_blank" rel="noopener">"Open in Hearth"</a>
            </header>
            {body}
        </div>
    }
    .into_any()
}

/// The channel inside the embed: the timeline, and the composer when posting is allowed.
#[component]
fn EmbedChannel(
    channel: ChannelRef,
    name: Signal<String>,
    post: Option<Posting>,
    can_post: Signal<bool>,
) -> impl IntoView {
    let session = use_session();
    let timeline = RwSignal::new(Timeline::default());
    let problem = RwSignal::new(None::<Problem>);
    let abort = StoredValue::new(None::<AbortHandle>);
    let older_fn = StoredValue::new_local(None::<OlderFn>);
    let loading_older = StoredValue::new(false);
    match session.backend().timeline(&channel) {
        Ok((stream, older)) => {
            // Kept for as long as the view lives: dropping it ends the timeline.
            older_fn.set_value(Some(older));
            let (handle, reg) = AbortHandle::new_pair();
            abort.set_value(Some(handle));
            spawn_local(async move {
                let task = async move {
                    let mut stream = stream;
                    while let Some(event) = stream.next().await {
                        if matches!(event, TimelineEvent::Older { .. }) {
                            loading_older.set_value(false);
                        }
                        timeline.update(|t| {
                            t.apply(event);
                        });
                    }
                };
                let _ = Abortable::new(task, reg).await;
            });
        }
        Err(p) => problem.set(Some(p)),
    }
    on_cleanup(move || {
        if let Some(h) = abort.try_update_value(|a| a.take()).flatten() {
            h.abort();
        }
    });

    let on_older = Callback::new(move |_| {
        let (done, loaded) = timeline.with_untracked(|t| (t.complete, t.loaded));
        if loading_older.get_value() || done || !loaded {
            return;
        }
        let asked = older_fn.with_value(|f| f.as_ref().is_some_and(|f| f(OLDER_PAGE)));
        loading_older.set_value(asked);
    });
    // Before the timeline's view: the message actions it uses are provided here.
    let footer = post.map(|f| f(channel.clone(), name, can_post, problem));
    view! {
        <div class="embed-body">
            <Show
                when=move || timeline.with(|t| t.loaded)
                fallback=|| view! { <p class="timeline-loading" role="status">"Loading messages…"</p> }
            >
                <Show
                    when=move || !timeline.with(Timeline::is_empty)
                    fallback=|| view! { <p class="timeline-empty muted">"No messages yet."</p> }
                >
                    <TimelineView timeline=timeline first_unread=Signal::derive(|| None) on_older=on_older on_bottom=Callback::new(|_| ()) />
                </Show>
            </Show>
        </div>
        {move || problem.get().map(|p| view! { <ProblemNotice problem=p /> })}
        {footer}
    }
}

/// The posting part of the full build's embed: reply, edit, delete, react and retry on messages;
/// then a Join button while the identity may not post here, else the app's composer. The first
/// send or join asks for an identity (kept in this origin's storage, never the host's).
fn posting(
    channel: ChannelRef,
    name: Signal<String>,
    can_post: Signal<bool>,
    problem: RwSignal<Option<Problem>>,
) -> AnyView {
    let session = use_session();
    let reply_to = RwSignal::new(None::<TimelineItem>);
    let editing = RwSignal::new(None::<TimelineItem>);
    let ch = StoredValue::new(channel.clone());
    let run = move |fut: futures::future::LocalBoxFuture<'static, Result<(), Problem>>| {
        spawn_local(async move {
            if let Err(p) = fut.await {
                problem.set(Some(p));
            }
        });
    };
    {
        provide_context(MessageActions {
            reply: Callback::new(move |item: TimelineItem| {
                editing.set(None);
                reply_to.set(Some(item));
            }),
            edit: Callback::new(move |item: TimelineItem| {
                reply_to.set(None);
                editing.set(Some(item));
            }),
            delete: Callback::new(move |id: String| {
                run(session.backend().delete(ch.get_value(), id));
            }),
            react: Callback::new(move |(id, emoji, on): (String, String, bool)| {
                if session.identity.get_untracked().is_none() {
                    session.identity_wanted.set(true);
                    return;
                }
                run(session.backend().react(ch.get_value(), id, emoji, on));
            }),
            retry: Callback::new(move |id: String| {
                run(session.backend().retry(ch.get_value(), id))
            }),
            me: Signal::derive(move || session.identity.get().map(|i| i.public_key)),
            name_of: Callback::new(move |_: String| None),
        });
    }

    let joining = RwSignal::new(false);
    let join = move |_| {
        if session.identity.get_untracked().is_none() {
            session.identity_wanted.set(true);
            return;
        }
        joining.set(true);
        let fut = session.backend().request_to_join(ch.get_value().community);
        spawn_local(async move {
            if let Err(p) = fut.await {
                problem.set(Some(p));
                joining.set(false);
            }
        });
    };
    let footer = move || {
        let has_identity = session.identity.with(Option::is_some);
        if has_identity && !can_post.get() {
            view! {
                <div class="embed-join">
                    <span class="muted">{move || if joining.get() { "Asked to join. Waiting for the community…" } else { "Join this community to write here." }}</span>
                    <button class="button primary small" disabled=move || joining.get() on:click=join>"Join"</button>
                </div>
            }
            .into_any()
        } else {
            view! { <Composer channel=ch.get_value() channel_name=name reply_to=reply_to editing=editing /> }
                .into_any()
        }
    };
    footer.into_any()
}
