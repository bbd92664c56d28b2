//! Back online, the outbox goes out. The client resends what it holds at start and on a retry;
//! a message that failed while the network was away (offline, or no peer) stays failed. So while
//! the client has peers again, every failed message is retried — every few seconds, and at most
//! [`MAX_ATTEMPTS`] times in all, so a message that can never go out does not retry forever
//! (its Retry button stays). A retry sends the same Waku messages (same hashes), so a message
//! that did get out before is not delivered twice.

use std::time::Duration;

use futures::StreamExt;
use hearth::client::Client;
use hearth::net::runtime::sleep;
use hearth::storage::record::OutboxState;
use leptos::task::spawn_local;

/// Between two looks at the outbox.
const ROUND: Duration = Duration::from_secs(5);
/// Tries per message (the client's own first try included) before it is left to the reader.
const MAX_ATTEMPTS: u32 = 12;

async fn retry_failed(client: &Client) {
    let Ok(entries) = client.outbox().await else {
        return;
    };
    for entry in entries {
        if matches!(entry.state, OutboxState::Failed { .. }) && entry.attempts < MAX_ATTEMPTS {
            let _ = client.retry(&entry.id).await;
        }
    }
}

/// Watches the client's health for the page's lifetime (the app's one client): with peers, looks
/// at the outbox every few seconds and retries what failed.
pub fn resend_when_online(client: Client) {
    spawn_local(async move {
        let connected = std::rc::Rc::new(std::cell::Cell::new(false));
        let c = connected.clone();
        let mut health = Box::pin(client.health());
        spawn_local(async move {
            while let Some(h) = health.next().await {
                c.set(h.connected_peers > 0);
            }
        });
        loop {
            sleep(ROUND).await;
            // (Health's outbox count leaves failed messages out: the outbox itself is read.)
            if connected.get() && crate::browser::online() {
                retry_failed(&client).await;
            }
        }
    });
}
