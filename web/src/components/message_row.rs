use hearth::client::types::{SendState, TimelineItem};
use leptos::prelude::*;

use crate::browser::{object_url, revoke_object_url};
use crate::calendar::{clock_time, day_label};
use crate::components::avatar::Avatar;
use crate::components::markdown_view::MarkdownView;
use crate::components::reactions::{Reactions, STATUS_REACTIONS};
use crate::person::{person, short_key, shown_name};

/// What a row can ask the channel to do; provided by the channel view.
#[derive(Clone, Copy)]
pub struct MessageActions {
    pub reply: Callback<TimelineItem>,
    pub edit: Callback<TimelineItem>,
    pub delete: Callback<String>,
    /// (message id, emoji, add?)
    pub react: Callback<(String, String, bool)>,
    pub retry: Callback<String>,
    /// The reader's key, to know which messages are theirs.
    pub me: Signal<Option<String>>,
    /// The display name a key last sent in this channel, for reply quotes.
    pub name_of: Callback<String, Option<String>>,
}

/// How a row sits among its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowContext {
    /// First message of its day: draw the day separator above it.
    pub new_day: bool,
    /// Same author within a few minutes of the previous one: no repeated name and avatar.
    pub grouped: bool,
    /// The first unread message: draw the "new messages" line above it.
    pub first_unread: bool,
}

/// One message, with everything folded into it: reply quote, edits, deletion, image, reactions,
/// send state and the actions the reader may take.
#[component]
pub fn MessageRow(item: TimelineItem, context: RowContext) -> impl IntoView {
    let actions = use_context::<MessageActions>();
    let who = person(&item.author);
    let name = shown_name(item.display_name.as_deref(), &who);
    let has_name = item
        .display_name
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty());
    let author_key = item.author.clone();
    let mine = Memo::new(move |_| {
        actions
            .and_then(|a| a.me.get())
            .is_some_and(|me| me.eq_ignore_ascii_case(&author_key))
    });
    let time = clock_time(item.timestamp_ms);
    let datetime = crate::browser::iso_time(item.timestamp_ms);
    let day = context.new_day.then(|| day_label(item.timestamp_ms));

    let quote = item.reply_to.clone().map(|q| {
        let author = q.author.as_deref().map(|a| {
            let p = person(a);
            let sent = actions.and_then(|x| x.name_of.run(a.to_string()));
            shown_name(sent.as_deref(), &p)
        });
        let text = if q.deleted {
            "Message deleted".to_string()
        } else {
            q.text
                .clone()
                .unwrap_or_else(|| "Original message not loaded".into())
        };
        let preview: String = text.chars().take(140).collect();
        view! {
            <div class="reply-quote" aria-label="In reply to">
                <span class="reply-author">{author.unwrap_or_else(|| "Someone".into())}</span>
                <span class="reply-text">{preview}</span>
            </div>
        }
    });

    let body = if item.deleted {
        view! { <p class="deleted">"This message was deleted."</p> }.into_any()
    } else {
        view! { <MarkdownView text=item.text.clone() /> }.into_any()
    };

    let image = (!item.deleted)
        .then(|| item.image.clone())
        .flatten()
        .and_then(|img| {
            let url = object_url(&img.bytes, &img.mime)?;
            let cleanup = url.clone();
            on_cleanup(move || revoke_object_url(&cleanup));
            Some(view! { <img class="message-image" src=url alt="Image sent with the message" loading="lazy" /> })
        });

    let state = match &item.send_state {
        SendState::Received | SendState::Sent => None,
        SendState::Pending => Some(
            view! { <span class="send-state pending" role="status">"Sending…"</span> }.into_any(),
        ),
        SendState::Failed { reason } => {
            let id = item.id.clone();
            Some(
                view! {
                    <span class="send-state failed" role="alert">
                        {format!("Not sent: {reason}")}
                        <button class="link-button" on:click=move |_| {
                            if let Some(a) = actions { a.retry.run(id.clone()); }
                        }>"Retry"</button>
                    </span>
                }
                .into_any(),
            )
        }
    };

    let reactions = (!item.reactions.is_empty() && !item.deleted)
        .then(|| view! { <div class="reactions"><Reactions message_id=item.id.clone() reactions=item.reactions.clone() /></div> });

    let toolbar = (!item.deleted).then(|| {
        let for_reply = item.clone();
        let for_edit = item.clone();
        let id_delete = item.id.clone();
        let picks = STATUS_REACTIONS
            .iter()
            .map(|(emoji, label)| {
                let id = item.id.clone();
                let already = item.reactions.iter().any(|r| r.emoji == *emoji && r.mine);
                view! {
                    <button class="icon-button" aria-label=format!("React with {label}")
                        on:click=move |_| if let Some(a) = actions { a.react.run((id.clone(), emoji.to_string(), !already)); }>
                        {*emoji}
                    </button>
                }
            })
            .collect_view();
        let is_text = item.content_type == 1 || item.image.is_none();
        view! {
            <div class="message-tools" role="toolbar" aria-label="Message actions">
                {picks}
                <button class="icon-button" aria-label="Reply" on:click=move |_| if let Some(a) = actions { a.reply.run(for_reply.clone()); }>"↩"</button>
                <Show when=move || mine.get() && is_text>
                    {
                        let for_edit = for_edit.clone();
                        view! { <button class="icon-button" aria-label="Edit" on:click=move |_| if let Some(a) = actions { a.edit.run(for_edit.clone()); }>"✎"</button> }
                    }
                </Show>
                <Show when=move || mine.get()>
                    {
                        let id = id_delete.clone();
                        view! { <button class="icon-button danger" aria-label="Delete" on:click=move |_| if let Some(a) = actions { a.delete.run(id.clone()); }>"🗑"</button> }
                    }
                </Show>
            </div>
        }
    });

    let alias_line = has_name.then(|| who.alias.clone());
    let emoji_hash = who.emoji_hash.clone();
    let key_short = short_key(&item.author);
    let header = (!context.grouped).then(|| {
        view! {
            <header class="message-head">
                <span class="sender-name">{name.clone()}</span>
                {alias_line.map(|a| view! { <span class="sender-alias">{a}</span> })}
                <span class="emoji-hash" title=format!("Emoji hash of {key_short}") aria-label="emoji hash">{emoji_hash}</span>
                <time class="message-time" datetime=datetime>{time.clone()}</time>
                {item.edited.then(|| view! { <span class="edited">"(edited)"</span> })}
                {item.pinned.then(|| view! { <span class="pinned-mark">"📌 pinned"</span> })}
            </header>
        }
    });
    let grouped_extras = context.grouped.then(|| {
        view! {
            <span class="grouped-time" aria-hidden="true">{time.clone()}</span>
            {item.edited.then(|| view! { <span class="edited">"(edited)"</span> })}
        }
    });
    let avatar =
        (!context.grouped).then(|| view! { <Avatar person=who.clone() name=name.clone() /> });

    view! {
        {day.map(|d| view! { <div class="day-separator" role="separator"><span>{d}</span></div> })}
        {context.first_unread.then(|| view! { <div class="unread-marker" role="separator"><span>"New messages"</span></div> })}
        <article
            class="message"
            class:grouped=context.grouped
            class:mentions-me=item.mentions_me
            class:pending=matches!(item.send_state, SendState::Pending)
            class:failed=matches!(item.send_state, SendState::Failed { .. })
            tabindex="0"
            aria-label=format!("{} at {}", name, time)
        >
            <div class="message-gutter">{avatar}{grouped_extras}</div>
            <div class="message-main">
                {header}
                {quote}
                {body}
                {image}
                {reactions}
                {state}
            </div>
            {toolbar}
        </article>
    }
}
