use hearth::client::types::TimelineItem;
use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::problem_notice::ProblemNotice;
use crate::person::{person, shown_name};
use crate::session::{ChannelRef, Problem, use_session};

/// Largest message the composer sends (status-go accepts more, but a message this long is a
/// paste accident, and it would take many segments).
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// Writing a message: reply and edit modes, Enter to send (Shift+Enter for a new line), Escape to
/// leave a mode. The first send asks for an identity; the draft waits.
#[component]
pub fn Composer(
    channel: ChannelRef,
    #[prop(into)] channel_name: Signal<String>,
    reply_to: RwSignal<Option<TimelineItem>>,
    editing: RwSignal<Option<TimelineItem>>,
) -> impl IntoView {
    let session = use_session();
    let draft = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<Textarea>::new();
    let channel = StoredValue::new(channel);

    // Entering edit mode fills the draft with the message; leaving it clears.
    Effect::new(move |_| {
        if let Some(item) = editing.get() {
            draft.set(item.text.clone());
            if let Some(el) = input.get_untracked() {
                let _ = el.focus();
            }
        }
    });
    Effect::new(move |_| {
        if reply_to.get().is_some()
            && let Some(el) = input.get_untracked()
        {
            let _ = el.focus();
        }
    });

    let submit = move || {
        let text = draft.get_untracked().trim().to_string();
        if text.is_empty() || busy.get_untracked() {
            return;
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            problem.set(Some(Problem::new(
                format!(
                    "This message is {} characters long; the limit is {MAX_MESSAGE_CHARS}.",
                    text.chars().count()
                ),
                "Shorten it, or split it into several messages.",
            )));
            return;
        }
        if session.identity.get_untracked().is_none() {
            session.identity_wanted.set(true);
            return;
        }
        problem.set(None);
        let backend = session.backend();
        let ch = channel.get_value();
        if let Some(item) = editing.get_untracked() {
            busy.set(true);
            let fut = backend.edit(ch, item.id.clone(), text);
            spawn_local(async move {
                match fut.await {
                    Ok(()) => {
                        draft.set(String::new());
                        editing.set(None);
                    }
                    Err(p) => problem.set(Some(p)),
                }
                busy.set(false);
            });
            return;
        }
        let reply = reply_to.get_untracked().map(|r| r.id);
        // The item appears at once as pending (the client's outbox): clear the draft now.
        draft.set(String::new());
        reply_to.set(None);
        let fut = backend.send(ch, text.clone(), reply);
        spawn_local(async move {
            if let Err(p) = fut.await {
                // Nothing written is lost: the text comes back to the composer.
                draft.update(|d| {
                    if d.is_empty() {
                        *d = text;
                    }
                });
                problem.set(Some(p));
            }
        });
    };

    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        } else if ev.key() == "Escape" {
            if editing.get_untracked().is_some() {
                editing.set(None);
                draft.set(String::new());
            }
            reply_to.set(None);
        }
    };

    let mode = move || {
        if let Some(item) = editing.get() {
            let _ = item;
            Some(view! {
                <div class="composer-mode">
                    <span>"Editing your message"</span>
                    <button class="link-button" on:click=move |_| { editing.set(None); draft.set(String::new()); }>"Cancel"</button>
                </div>
            }.into_any())
        } else {
            reply_to.get().map(|r| {
                let who = person(&r.author);
                let name = shown_name(r.display_name.as_deref(), &who);
                let text: String = r.text.chars().take(80).collect();
                view! {
                    <div class="composer-mode">
                        <span>"Replying to " <strong>{name}</strong> ": " <span class="muted">{text}</span></span>
                        <button class="link-button" aria-label="Cancel reply" on:click=move |_| reply_to.set(None)>"Cancel"</button>
                    </div>
                }.into_any()
            })
        }
    };

    let label = move || format!("Message #{}", channel_name.get());
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            {mode}
            {move || problem.get().map(|p| view! { <ProblemNotice problem=p /> })}
            <div class="composer-row">
                <label class="visually-hidden" for="composer-input">{label}</label>
                <textarea
                    id="composer-input"
                    node_ref=input
                    rows="1"
                    placeholder=label
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown=on_keydown
                ></textarea>
                <button class="button primary send" type="submit" disabled=move || busy.get() || draft.with(|d| d.trim().is_empty())>
                    {move || if editing.get().is_some() { "Save" } else { "Send" }}
                </button>
            </div>
        </form>
    }
}
