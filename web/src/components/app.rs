use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::components::Router;

use crate::components::identity_dialog::IdentityDialog;
use crate::routes::AppRoutes;
use crate::session::{ClientPhase, Session, Unwired};

/// The root: the session every page shares, the router, and the identity dialog any page can
/// open.
#[component]
pub fn App() -> impl IntoView {
    let session = Session::new(Rc::new(Unwired), ClientPhase::Starting);
    provide_context(session);
    crate::components::settings::apply_saved_theme();
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <AppRoutes />
            <IdentityDialog />
        </Router>
    }
}
