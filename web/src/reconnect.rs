//! Back online, the outbox goes out: the client resends what it holds only at start or on a
//! retry, so when the browser says the network is back (`online`), every message that failed
//! while offline is retried — every few seconds until the outbox is empty or a couple of minutes
//! pass (peers reconnect with backoff). A retry sends the same Waku messages (same hashes), so a
//! message that did get out before is not delivered twice.

use std::time::Duration;

use hearth::client::Client;
use hearth::net::runtime::sleep;
use hearth::storage::record::OutboxState;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// Between two rounds of retries.
const ROUND: Duration = Duration::from_secs(5);
/// Rounds after the network returns (2 minutes).
const ROUNDS: usize = 24;

async fn resend_failed(client: Client) {
    for _ in 0..ROUNDS {
        let Ok(entries) = client.outbox().await else {
            return;
        };
        if entries.is_empty() {
            return;
        }
        for entry in entries {
            if matches!(entry.state, OutboxState::Failed { .. }) {
                let _ = client.retry(&entry.id).await;
            }
        }
        sleep(ROUND).await;
    }
}

/// Watches the browser's `online` event for the page's lifetime (the app's one client).
pub fn resend_when_online(client: Client) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_online = Closure::<dyn FnMut()>::new(move || spawn_local(resend_failed(client.clone())));
    let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    on_online.forget();
}
