//! The read-only embed build (`hearth-embed`, built by `scripts/build-web` into `dist/embed/`):
//! only the `/embed/…` page. Nothing reachable from here calls the composer, the identity dialog
//! or [`Live`]'s identity and posting methods (statically dispatched), so the linker leaves them
//! out of this wasm; `hearth node` serves this build for embeds without `post=1`.

use std::rc::Rc;

use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::embed_page::ReadOnlyEmbedPage;
use crate::live::Live;
use crate::session::{ClientPhase, Session};

/// The read-only build's root: the client (storage, then the network), its health, and the
/// embed route only.
#[component]
pub fn EmbedApp() -> impl IntoView {
    let live = Live::start();
    let ready = live.ready();
    let session = Session::new(Rc::new(live), ClientPhase::Starting);
    provide_context(session);
    spawn_local(async move {
        match ready.await {
            Ok(_) => {
                session.phase.set(ClientPhase::Ready);
                let mut health = session.backend().health();
                while let Some(h) = health.next().await {
                    session.health.set(Some(h));
                }
            }
            Err(p) => session.phase.set(ClientPhase::Unavailable(p)),
        }
    });
    view! {
        <Router>
            <Routes fallback=|| view! { <p class="embed-state">"Not an embed address."</p> }>
                <Route path=path!("/embed/:id/:uuid") view=ReadOnlyEmbedPage />
            </Routes>
        </Router>
    }
}
