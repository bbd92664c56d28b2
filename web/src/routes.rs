//! Every page the app has, by path. The preview-link forms are status.app's, so a status.app link
//! with its host swapped for Hearth's opens here: `/c/<data>#<key>`, `/c#<key>`,
//! `/cc/<data or uuid>#<key>`, `/u/<data>#<key>`, `/u#<key>`, `/u/#<key>`. The `#<key>` part never
//! reaches a server; the preview page reads it from the browser.

use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::path;

use crate::components::community_page::CommunityPage;
use crate::components::embed_page::EmbedPage;
use crate::components::home::Home;
use crate::components::not_found::NotFound;
use crate::components::preview::Preview;
use crate::components::settings::Settings;

/// The route table.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <NotFound /> }>
            <Route path=path!("/") view=Home />
            <Route path=path!("/c") view=Preview />
            <Route path=path!("/c/:data") view=Preview />
            <Route path=path!("/cc/:data") view=Preview />
            <Route path=path!("/u") view=Preview />
            <Route path=path!("/u/") view=Preview />
            <Route path=path!("/u/:data") view=Preview />
            <Route path=path!("/community/:id/:uuid?") view=CommunityPage />
            <Route path=path!("/settings") view=Settings />
            <Route path=path!("/embed/:id/:uuid") view=EmbedPage />
        </Routes>
    }
}

/// The Hearth path of a community's page.
pub fn community_path(id: &str) -> String {
    format!("/community/{id}")
}

/// The Hearth path of a channel.
pub fn channel_path(id: &str, uuid: &str) -> String {
    format!("/community/{id}/{uuid}")
}
