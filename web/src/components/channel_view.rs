use futures::StreamExt;
use futures::future::{AbortHandle, Abortable};
use hearth::client::types::{SyncProgress, TimelineEvent, TimelineItem};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{pref, set_pref};
use crate::community::CommunityFeed;
use crate::components::composer::Composer;
use crate::components::embed_dialog::EmbedDialog;
use crate::components::message_row::MessageActions;
use crate::components::notify_button::NotifyButton;
use crate::components::pinned_list::PinnedList;
use crate::components::problem_notice::ProblemNotice;
use crate::components::timeline_view::TimelineView;
use crate::session::{ChannelRef, OlderFn, Problem, use_session};
use crate::timeline::Timeline;

/// Older messages asked for per page.
const OLDER_PAGE: usize = 50;
/// Older-history walks in a row that may come back empty (only other channels' messages) before
/// the view waits for the reader to scroll again.
const MAX_EMPTY_WALKS: u32 = 20;

use crate::community::read_mark_key;

fn progress_text(p: &SyncProgress) -> Option<String> {
    match p {
        SyncProgress::Stored => Some("Reading saved messages…".into()),
        SyncProgress::Inbox { pages, messages } => Some(format!(
            "Catching up: {messages} message{} from {pages} page{}…",
            if *messages == 1 { "" } else { "s" },
            if *pages == 1 { "" } else { "s" }
        )),
        SyncProgress::Older { pages, messages } => Some(format!(
            "Loading older messages: {messages} so far ({pages} page{})…",
            if *pages == 1 { "" } else { "s" }
        )),
        SyncProgress::Archive { from_s, to_s, .. } => Some(format!(
            "Reading the archive of {}…",
            crate::calendar::span_label(from_s.saturating_mul(1000), to_s.saturating_mul(1000))
        )),
        SyncProgress::Live => None,
        SyncProgress::Failed {
            step,
            reason,
            retry_in_ms,
        } => Some(match retry_in_ms {
            Some(ms) => format!(
                "{step} failed: {reason}. Trying again in {} s.",
                ms.div_ceil(1000)
            ),
            None => format!("{step} failed: {reason}."),
        }),
    }
}

/// One channel: its header, the timeline, the pinned list and the composer.
#[component]
pub fn ChannelView(feed: CommunityFeed, uuid: String) -> impl IntoView {
    let session = use_session();
    let community_id = feed
        .info
        .with_untracked(|i| i.as_ref().map(|i| i.id.clone()));
    let channel = ChannelRef {
        community: community_id.unwrap_or_default(),
        uuid: uuid.clone(),
    };
    let channel_info = {
        let uuid = uuid.clone();
        Memo::new(move |_| {
            feed.info.with(|i| {
                i.as_ref()
                    .and_then(|i| i.channels.iter().find(|c| c.uuid == uuid).cloned())
            })
        })
    };
    let timeline = RwSignal::new(Timeline::default());
    let problem = RwSignal::new(None::<Problem>);
    let loading_older = RwSignal::new(false);
    let show_pinned = RwSignal::new(false);
    let reply_to = RwSignal::new(None::<TimelineItem>);
    let editing = RwSignal::new(None::<TimelineItem>);
    let chat_id = StoredValue::new(String::new());
    let read_mark = RwSignal::new(None::<u64>);
    let unread_at = RwSignal::new(None::<usize>);
    let unread_fixed = StoredValue::new(false);

    // Follow the timeline: stored items first, then the network.
    let abort = StoredValue::new(None::<AbortHandle>);
    let older_fn = StoredValue::new_local(None::<OlderFn>);
    let empty_walks = StoredValue::new(0u32);
    match session.backend().timeline(&channel) {
        Ok((stream, older)) => {
            older_fn.set_value(Some(older));
            let (handle, reg) = AbortHandle::new_pair();
            abort.set_value(Some(handle));
            spawn_local(async move {
                let task = async move {
                    let mut stream = stream;
                    while let Some(event) = stream.next().await {
                        let ends_older = matches!(
                            event,
                            TimelineEvent::Older { .. }
                                | TimelineEvent::Progress {
                                    progress: SyncProgress::Failed { .. }
                                }
                        );
                        // A walk that found only other channels' messages (they share the
                        // universal topic) adds no row, so the reader's scroll position does not
                        // move and no scroll event would ask again: ask again here, a bounded
                        // number of times in a row.
                        let empty_older = matches!(
                            &event,
                            TimelineEvent::Older { items, complete: false } if items.is_empty()
                        );
                        if let TimelineEvent::Upsert { item } = &event {
                            let me = session
                                .identity
                                .with_untracked(|i| i.as_ref().map(|i| i.public_key.clone()));
                            let shown = channel_info
                                .with_untracked(|c| c.as_ref().map(|c| c.name.clone()))
                                .unwrap_or_default();
                            crate::notify::announce(item, me.as_deref(), &shown);
                        }
                        timeline.update(|t| {
                            t.apply(event);
                        });
                        if ends_older {
                            loading_older.set(false);
                            if empty_older && empty_walks.get_value() < MAX_EMPTY_WALKS {
                                empty_walks.update_value(|n| *n += 1);
                                if let Some(f) = older_fn.with_value(Clone::clone) {
                                    loading_older.set(f(OLDER_PAGE));
                                }
                            } else {
                                empty_walks.set_value(0);
                            }
                        }
                        // The chat id and the read mark come with the first item.
                        if chat_id.with_value(String::is_empty)
                            && let Some(c) = timeline.with_untracked(|t| {
                                t.rows().first().map(|r| r.item.chat_id.clone())
                            })
                        {
                            read_mark.set(pref(&read_mark_key(&c)).and_then(|v| v.parse().ok()));
                            chat_id.set_value(c);
                        }
                        // The "new messages" line is placed once per visit, where the reader left.
                        if !unread_fixed.get_value() && timeline.with_untracked(|t| t.loaded) {
                            unread_fixed.set_value(true);
                            let me = session.identity.get_untracked().map(|i| i.public_key);
                            unread_at.set(timeline.with_untracked(|t| {
                                t.first_unread(read_mark.get_untracked(), me.as_deref())
                            }));
                        }
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

    let ch_for = StoredValue::new(channel.clone());
    let run = move |fut: futures::future::LocalBoxFuture<'static, Result<(), Problem>>| {
        spawn_local(async move {
            if let Err(p) = fut.await {
                problem.set(Some(p));
            }
        });
    };
    let actions = MessageActions {
        reply: Callback::new(move |item: TimelineItem| {
            editing.set(None);
            reply_to.set(Some(item));
        }),
        edit: Callback::new(move |item: TimelineItem| {
            reply_to.set(None);
            editing.set(Some(item));
        }),
        delete: Callback::new(move |id: String| {
            let ok = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message("Delete this message for everyone?")
                        .ok()
                })
                .unwrap_or(false);
            if ok {
                run(session.backend().delete(ch_for.get_value(), id));
            }
        }),
        react: Callback::new(move |(id, emoji, on): (String, String, bool)| {
            if session.identity.get_untracked().is_none() {
                session.identity_wanted.set(true);
                return;
            }
            run(session.backend().react(ch_for.get_value(), id, emoji, on));
        }),
        retry: Callback::new(move |id: String| {
            run(session.backend().retry(ch_for.get_value(), id))
        }),
        me: Signal::derive(move || session.identity.get().map(|i| i.public_key)),
        name_of: Callback::new(move |author: String| {
            timeline.with_untracked(|t| {
                t.rows()
                    .iter()
                    .rev()
                    .find(|r| r.item.author == author && r.item.display_name.is_some())
                    .and_then(|r| r.item.display_name.clone())
            })
        }),
    };
    provide_context(actions);

    let on_older = Callback::new(move |_| {
        let Some((done, loaded)) = timeline.try_with_untracked(|t| (t.complete, t.loaded)) else {
            return;
        };
        if loading_older.get_untracked() || done || !loaded {
            return;
        }
        let asked = older_fn.with_value(|f| f.as_ref().is_some_and(|f| f(OLDER_PAGE)));
        loading_older.set(asked);
    });
    let on_bottom = Callback::new(move |bottom: bool| {
        if !bottom {
            return;
        }
        let Some(newest) = timeline.try_with_untracked(|t| t.newest_clock()) else {
            return;
        };
        let Some(chat) = chat_id.try_get_value() else {
            return;
        };
        if let (Some(clock), false) = (newest, chat.is_empty()) {
            set_pref(&read_mark_key(&chat), &clock.to_string());
        }
    });

    let pinned = Signal::derive(move || timeline.with(|t| t.pinned()));
    let name = Signal::derive(move || {
        channel_info
            .get()
            .map(|c| c.name)
            .unwrap_or_else(|| "channel".into())
    });
    let status_line = move || {
        let t_progress = timeline.with(|t| t.progress.clone());
        let older = loading_older.get();
        match t_progress {
            // A finished page of older history needs no words.
            Some(SyncProgress::Older { .. } | SyncProgress::Archive { .. }) if !older => None,
            Some(p) => progress_text(&p),
            None if older => Some("Loading older messages…".to_string()),
            None => None,
        }
    };
    let history_top = move || {
        timeline.with(|t| {
            if !t.loaded {
                None
            } else if t.complete {
                Some("This is the beginning of the channel's history that Hearth can reach.")
            } else {
                None
            }
        })
    };
    view! {
        <section class="channel" aria-label=move || format!("Channel {}", name.get())>
            <header class="channel-head">
                <h2 class="channel-title">
                    <span aria-hidden="true">{move || channel_info.get().map(|c| if c.emoji.is_empty() { "#".to_string() } else { c.emoji }).unwrap_or_else(|| "#".into())}</span>
                    {move || name.get()}
                </h2>
                <p class="channel-topic muted">{move || channel_info.get().map(|c| c.description).unwrap_or_default()}</p>
                <button class="button secondary small" aria-expanded=move || show_pinned.get().to_string()
                    on:click=move |_| show_pinned.update(|s| *s = !*s)>
                    {move || format!("📌 Pinned ({})", pinned.with(Vec::len))}
                </button>
                <NotifyButton />
                <EmbedDialog community=channel.community.clone() uuid=uuid.clone() name=name />
            </header>
            <p class="sync-status" role="status" aria-live="polite">{status_line}</p>
            <Show when=move || loading_older.get()>
                <div class="older-progress" role="progressbar" aria-label="Loading older messages"><span></span></div>
            </Show>
            {move || problem.get().map(|p| view! { <ProblemNotice problem=p /> })}
            <div class="channel-body">
                <div class="channel-timeline">
                    {move || history_top().map(|t| view! { <p class="history-top muted">{t}</p> })}
                    <Show
                        when=move || timeline.with(|t| t.loaded)
                        fallback=|| view! { <p class="timeline-loading" role="status">"Loading messages…"</p> }
                    >
                        <Show
                            when=move || !timeline.with(Timeline::is_empty)
                            fallback=|| view! { <p class="timeline-empty muted">"No messages yet. Say hello!"</p> }
                        >
                            <TimelineView timeline=timeline first_unread=unread_at on_older=on_older on_bottom=on_bottom />
                        </Show>
                    </Show>
                </div>
                <Show when=move || show_pinned.get()>
                    <PinnedList pinned=pinned on_close=Callback::new(move |_| show_pinned.set(false)) />
                </Show>
            </div>
            <Composer channel=channel.clone() channel_name=name reply_to=reply_to editing=editing />
        </section>
    }
}
