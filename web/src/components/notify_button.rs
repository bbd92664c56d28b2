use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::notify::{ask, permission};

/// "Notify me": asks for notification permission on the reader's click (never by itself), then
/// says what the browser decided.
#[component]
pub fn NotifyButton() -> impl IntoView {
    let state = RwSignal::new(permission());
    let click = move |_| {
        spawn_local(async move {
            state.set(ask().await);
        });
    };
    view! {
        {move || match state.get().as_str() {
            "default" => Some(view! {
                <button class="button secondary small notify-button" title="Notify me of replies and mentions while Hearth is in the background" on:click=click>"🔔 Notify me"</button>
            }.into_any()),
            "granted" => Some(view! { <span class="small muted notify-state" title="Replies and mentions raise a notification while this tab is in the background">"🔔 On"</span> }.into_any()),
            "denied" => Some(view! { <span class="small muted notify-state" title="Allow notifications for this site in the browser's settings">"🔕 Blocked"</span> }.into_any()),
            _ => None,
        }}
    }
}
