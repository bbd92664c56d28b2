//! The read-only embed build (`hearth-embed`, built by `scripts/build-web` into `dist/embed/`):
//! only the `/embed/…` page, over a backend that can read and nothing else. Nothing here names
//! the composer, the identity dialog or the client's identity and posting calls, so the linker
//! leaves them out of this wasm; `hearth node` serves this build for embeds without `post=1`.

use std::rc::Rc;

use futures::StreamExt;
use futures::future::LocalBoxFuture;
use futures::stream::LocalBoxStream;
use hearth::client::types::{
    ClientHealth, CommunityEvent, CommunityInfo, Membership, TimelineEvent, TimelineItem,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::embed_page::ReadOnlyEmbedPage;
use crate::live::Live;
use crate::session::{
    Backend, ChannelRef, ClientPhase, ExportedIdentity, Identity, OlderFn, Problem, Session,
    StoreNode,
};

/// Reading through the live client; every writing call says this build cannot.
pub struct ReadOnly(pub Live);

fn read_only() -> Problem {
    Problem::new(
        "This embed is read-only.",
        "Open the channel in Hearth to write.",
    )
}

fn refuse<T: 'static>() -> LocalBoxFuture<'static, Result<T, Problem>> {
    Box::pin(async { Err(read_only()) })
}

impl Backend for ReadOnly {
    fn health(&self) -> LocalBoxStream<'static, ClientHealth> {
        self.0.health()
    }
    fn identity(&self) -> Option<Identity> {
        None
    }
    fn create_identity(
        &self,
        _: String,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        refuse()
    }
    fn import_identity_hex(
        &self,
        _: String,
        _: String,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        refuse()
    }
    fn import_identity_phrase(
        &self,
        _: String,
        _: String,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        refuse()
    }
    fn export_identity(
        &self,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<ExportedIdentity, Problem>> {
        refuse()
    }
    fn recent_communities(&self) -> LocalBoxFuture<'static, Vec<CommunityInfo>> {
        self.0.recent_communities()
    }
    fn store_nodes(&self) -> LocalBoxFuture<'static, Result<Vec<StoreNode>, Problem>> {
        refuse()
    }
    fn add_store_node(&self, _: String) -> LocalBoxFuture<'static, Result<(), Problem>> {
        refuse()
    }
    fn remove_store_node(&self, _: String) -> LocalBoxFuture<'static, Result<(), Problem>> {
        refuse()
    }
    fn community(
        &self,
        id_or_link: &str,
    ) -> Result<LocalBoxStream<'static, CommunityEvent>, Problem> {
        self.0.community(id_or_link)
    }
    fn request_to_join(&self, _: String) -> LocalBoxFuture<'static, Result<Membership, Problem>> {
        refuse()
    }
    fn timeline(
        &self,
        channel: &ChannelRef,
    ) -> Result<(LocalBoxStream<'static, TimelineEvent>, OlderFn), Problem> {
        self.0.timeline(channel)
    }
    fn send(
        &self,
        _: ChannelRef,
        _: String,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<TimelineItem, Problem>> {
        refuse()
    }
    fn react(
        &self,
        _: ChannelRef,
        _: String,
        _: String,
        _: bool,
    ) -> LocalBoxFuture<'static, Result<(), Problem>> {
        refuse()
    }
    fn edit(
        &self,
        _: ChannelRef,
        _: String,
        _: String,
    ) -> LocalBoxFuture<'static, Result<(), Problem>> {
        refuse()
    }
    fn delete(&self, _: ChannelRef, _: String) -> LocalBoxFuture<'static, Result<(), Problem>> {
        refuse()
    }
    fn retry(&self, _: ChannelRef, _: String) -> LocalBoxFuture<'static, Result<(), Problem>> {
        refuse()
    }
    fn storage_estimate(&self) -> LocalBoxFuture<'static, Option<(u64, u64)>> {
        self.0.storage_estimate()
    }
}

/// The read-only build's root: the client (storage, then the network), its health, and the
/// embed route only.
#[component]
pub fn EmbedApp() -> impl IntoView {
    let live = Live::start();
    let ready = live.ready();
    let session = Session::new(Rc::new(ReadOnly(live)), ClientPhase::Starting);
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
