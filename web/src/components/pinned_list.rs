use hearth::client::types::TimelineItem;
use leptos::prelude::*;

use crate::components::timeline_view::reveal;
use crate::person::{person, shown_name};

/// The channel's pinned messages, newest first; each jumps to its message when loaded.
#[component]
pub fn PinnedList(
    #[prop(into)] pinned: Signal<Vec<TimelineItem>>,
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <section class="pinned-panel" aria-label="Pinned messages">
            <header class="panel-head">
                <h2>"Pinned messages"</h2>
                <button class="icon-button" aria-label="Close pinned messages" on:click=move |_| on_close.run(())>"✕"</button>
            </header>
            {move || {
                let items = pinned.get();
                if items.is_empty() {
                    return view! { <p class="muted">"Nothing is pinned in this channel."</p> }.into_any();
                }
                view! {
                    <ul class="pinned-items">
                        {items.into_iter().map(|it| {
                            let who = person(&it.author);
                            let name = shown_name(it.display_name.as_deref(), &who);
                            let text: String = it.text.chars().take(200).collect();
                            let id = it.id.clone();
                            view! {
                                <li>
                                    <button class="pinned-item" on:click=move |_| reveal(&id)>
                                        <span class="sender-name">{name}</span>
                                        <span class="pinned-text">{text}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
