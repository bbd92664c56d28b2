use std::rc::Rc;

use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Router;

use crate::components::identity_dialog::IdentityDialog;
use crate::live::Live;
use crate::routes::AppRoutes;
use crate::session::{ClientPhase, Restored, Session};

/// The root: starts the client (storage, then the network), shares the session every page uses,
/// the router, and the identity dialog any page can open.
#[component]
pub fn App() -> impl IntoView {
    let live = Live::start();
    let ready = live.ready();
    let restore = live.restore_identity();
    let session = Session::new(Rc::new(live), ClientPhase::Starting);
    provide_context(session);
    crate::components::settings::apply_saved_theme();
    spawn_local(async move {
        match ready.await {
            Ok(_) => {
                session.phase.set(ClientPhase::Ready);
                match restore.await {
                    Restored::Unlocked(identity) => session.identity.set(Some(identity)),
                    Restored::Locked(locked) => session.locked.set(Some(locked)),
                    Restored::None => {}
                }
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
            <a class="skip-link" href="#main">"Skip to content"</a>
            <AppRoutes />
            <IdentityDialog />
        </Router>
    }
}
