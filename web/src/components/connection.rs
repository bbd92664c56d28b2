use leptos::prelude::*;

use crate::session::{ClientPhase, use_session};
use hearth::client::types::StorageBackend;

/// What the connection is doing, always visible: a dot and a word, with the details (peers per
/// protocol, transports, storage, outbox) one click away.
#[component]
pub fn ConnectionIndicator() -> impl IntoView {
    let session = use_session();
    let open = RwSignal::new(false);
    let online = crate::browser::online_signal();
    let summary = move || {
        let phase = session.phase.get();
        let health = session.health.get();
        match (phase, health) {
            (ClientPhase::Unavailable(_), _) => ("offline", "Offline".to_string(), String::new()),
            _ if !online.get() => ("offline", "Offline".to_string(), String::new()),
            (ClientPhase::Starting, None) => {
                ("connecting", "Connecting…".to_string(), String::new())
            }
            (_, Some(h)) if h.connected_peers == 0 => (
                "connecting",
                "Looking for peers…".to_string(),
                String::new(),
            ),
            (_, Some(h)) => {
                let transport = h
                    .transports
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(t, _)| match t.as_str() {
                        "websocket" => "WebSocket",
                        "webrtc-direct" => "WebRTC",
                        other => other,
                    })
                    .collect::<Vec<_>>()
                    .join(" + ");
                // The transport is a separate part so that narrow screens can drop it whole
                // (it stays in the details) instead of cutting a word in half.
                (
                    "online",
                    format!(
                        "{} peer{}",
                        h.connected_peers,
                        if h.connected_peers == 1 { "" } else { "s" },
                    ),
                    if transport.is_empty() {
                        String::new()
                    } else {
                        format!(" · {transport}")
                    },
                )
            }
            (ClientPhase::Ready, None) => ("connecting", "Connecting…".to_string(), String::new()),
        }
    };
    let details = move || {
        if let ClientPhase::Unavailable(p) = session.phase.get() {
            return view! {
                <p>{p.what}</p>
                <p class="muted">{p.next}</p>
            }
            .into_any();
        }
        match session.health.get() {
            None => {
                view! { <p>"Starting the client: opening storage, then connecting to peers."</p> }
                    .into_any()
            }
            Some(h) => {
                let protocols = h
                    .protocols
                    .iter()
                    .map(|(p, n)| {
                        let short = p.rsplit('/').nth(1).unwrap_or(p).to_string();
                        view! { <li><span>{short}</span>" "<strong>{*n}</strong></li> }
                    })
                    .collect_view();
                let transports = h
                    .transports
                    .iter()
                    .map(|(t, n)| view! { <li><span>{t.clone()}</span>" "<strong>{*n}</strong></li> })
                    .collect_view();
                let storage = match &h.storage {
                    StorageBackend::IndexedDb => "IndexedDB (kept between visits)".to_string(),
                    StorageBackend::Sqlite => "SQLite (kept between runs)".to_string(),
                    StorageBackend::Memory { reason } => format!(
                        "memory only: nothing is kept after this tab closes{}",
                        reason
                            .as_ref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    ),
                };
                let store = match &h.store_node {
                    Some(a) => format!(
                        "Store: {} answered {}",
                        short_addr(&a.address),
                        crate::browser::ago(a.answered_ms)
                    ),
                    None => "Store: no store node has answered yet".to_string(),
                };
                view! {
                    <h3>"Peers by protocol"</h3><ul class="kv">{protocols}</ul>
                    <p>{store}</p>
                    <h3>"Transports"</h3><ul class="kv">{transports}</ul>
                    <p>"Storage: " {storage}</p>
                    <p>{format!("Waiting to send: {}", h.outbox)}</p>
                }
                .into_any()
            }
        }
    };
    view! {
        <div class="connection">
            <button
                class="connection-button"
                aria-expanded=move || open.get().to_string()
                aria-controls="connection-details"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class=move || format!("dot dot-{}", summary().0) aria-hidden="true"></span>
                <span class="connection-text" role="status">
                    {move || summary().1}
                    <span class="connection-transport">{move || summary().2}</span>
                </span>
            </button>
            <Show when=move || open.get()>
                <div id="connection-details" class="popover" role="region" aria-label="Connection details">
                    {details}
                </div>
            </Show>
        </div>
    }
}

/// `/ip4/127.0.0.1/tcp/8000/ws/p2p/16Uiu2…Ab12` → `127.0.0.1:8000 (…Ab12)`: enough to tell nodes
/// apart in a small popover.
fn short_addr(addr: &str) -> String {
    let parts: Vec<&str> = addr.split('/').collect();
    let host = parts.get(2).copied().unwrap_or("");
    let port = parts
        .iter()
        .position(|p| *p == "tcp" || *p == "udp")
        .and_then(|i| parts.get(i + 1))
        .copied();
    let peer = parts
        .iter()
        .position(|p| *p == "p2p")
        .and_then(|i| parts.get(i + 1))
        .map(|id| format!(" (…{})", &id[id.len().saturating_sub(4)..]))
        .unwrap_or_default();
    match (host.is_empty(), port) {
        (false, Some(port)) => format!("{host}:{port}{peer}"),
        _ => addr.chars().take(24).collect(),
    }
}
