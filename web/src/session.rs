//! What the app knows beyond one page: the network client (behind [`Backend`], so the view is
//! written against `hearth::Client`'s shape), its health, the identity, and the reader's own
//! preferences. Provided once as context by the root component.

use std::rc::Rc;

use futures::future::LocalBoxFuture;
use futures::stream::LocalBoxStream;
use hearth::client::types::{
    ClientHealth, CommunityEvent, CommunityInfo, Membership, TimelineEvent, TimelineItem,
};
use leptos::prelude::*;

/// An error as the reader sees it: what happened, and what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub what: String,
    pub next: String,
}

impl Problem {
    pub fn new(what: impl Into<String>, next: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            next: next.into(),
        }
    }
}

/// The identity as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `0x04…`
    pub public_key: String,
    pub display_name: String,
    /// `zQ3sh…`
    pub compressed: String,
}

/// A secret the reader asked to see, to write down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedIdentity {
    pub hex: String,
    pub phrase: Option<String>,
}

/// A store node and when it last answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreNode {
    pub address: String,
    pub last_answer_ms: Option<u64>,
    /// Added by the reader (kept until removed), not learnt.
    pub pinned: bool,
}

/// Asks a timeline for `n` older items.
pub type OlderFn = Rc<dyn Fn(usize) -> bool>;

/// Where a channel lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelRef {
    pub community: String,
    pub uuid: String,
}

/// Everything the app asks of the network client, in the shape of `hearth::Client`'s API. One
/// implementation wraps the real client; [`Unwired`] stands in where none runs, and says so.
pub trait Backend {
    fn health(&self) -> LocalBoxStream<'static, ClientHealth>;
    fn identity(&self) -> Option<Identity>;
    fn create_identity(
        &self,
        name: String,
        passphrase: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>>;
    fn import_identity_hex(
        &self,
        hex: String,
        name: String,
        passphrase: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>>;
    fn import_identity_phrase(
        &self,
        phrase: String,
        name: String,
        passphrase: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>>;
    fn export_identity(
        &self,
        passphrase: Option<String>,
    ) -> LocalBoxFuture<'static, Result<ExportedIdentity, Problem>>;
    fn recent_communities(&self) -> LocalBoxFuture<'static, Vec<CommunityInfo>>;
    fn store_nodes(&self) -> LocalBoxFuture<'static, Result<Vec<StoreNode>, Problem>>;
    fn add_store_node(&self, address: String) -> LocalBoxFuture<'static, Result<(), Problem>>;
    fn remove_store_node(&self, address: String) -> LocalBoxFuture<'static, Result<(), Problem>>;
    /// A community by id or link: stored description at once, then the link's hint, then the
    /// verified one, then live changes.
    fn community(
        &self,
        id_or_link: &str,
    ) -> Result<LocalBoxStream<'static, CommunityEvent>, Problem>;
    fn request_to_join(
        &self,
        community: String,
    ) -> LocalBoxFuture<'static, Result<Membership, Problem>>;
    /// The channel's timeline, and how to ask it for older items (they arrive on the stream as
    /// `Older`; the function says false once the timeline has stopped).
    fn timeline(
        &self,
        channel: &ChannelRef,
    ) -> Result<(LocalBoxStream<'static, TimelineEvent>, OlderFn), Problem>;
    fn send(
        &self,
        channel: ChannelRef,
        text: String,
        reply_to: Option<String>,
    ) -> LocalBoxFuture<'static, Result<TimelineItem, Problem>>;
    fn react(
        &self,
        channel: ChannelRef,
        message_id: String,
        emoji: String,
        on: bool,
    ) -> LocalBoxFuture<'static, Result<(), Problem>>;
    fn edit(
        &self,
        channel: ChannelRef,
        message_id: String,
        text: String,
    ) -> LocalBoxFuture<'static, Result<(), Problem>>;
    fn delete(
        &self,
        channel: ChannelRef,
        message_id: String,
    ) -> LocalBoxFuture<'static, Result<(), Problem>>;
    fn retry(
        &self,
        channel: ChannelRef,
        message_id: String,
    ) -> LocalBoxFuture<'static, Result<(), Problem>>;
    /// Bytes the app's storage holds, and the browser's quota, when known.
    fn storage_estimate(&self) -> LocalBoxFuture<'static, Option<(u64, u64)>>;
}

/// The stand-in when the network client could not start: everything that needs the network
/// says so in words, nothing pretends to work.
pub struct Unwired;

fn unwired() -> Problem {
    Problem::new(
        "Hearth's network client is not running, so it cannot reach Waku.",
        "Reload the page; if it keeps happening, your browser may block WebSockets or storage for this site.",
    )
}

impl Backend for Unwired {
    fn health(&self) -> LocalBoxStream<'static, ClientHealth> {
        Box::pin(futures::stream::pending())
    }
    fn identity(&self) -> Option<Identity> {
        None
    }
    fn create_identity(
        &self,
        _: String,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn import_identity_hex(
        &self,
        _: String,
        _: String,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn import_identity_phrase(
        &self,
        _: String,
        _: String,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn export_identity(
        &self,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<ExportedIdentity, Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn recent_communities(&self) -> LocalBoxFuture<'static, Vec<CommunityInfo>> {
        Box::pin(async { Vec::new() })
    }
    fn store_nodes(&self) -> LocalBoxFuture<'static, Result<Vec<StoreNode>, Problem>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn add_store_node(&self, _: String) -> LocalBoxFuture<'static, Result<(), Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn remove_store_node(&self, _: String) -> LocalBoxFuture<'static, Result<(), Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn community(&self, _: &str) -> Result<LocalBoxStream<'static, CommunityEvent>, Problem> {
        Err(unwired())
    }
    fn request_to_join(&self, _: String) -> LocalBoxFuture<'static, Result<Membership, Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn timeline(
        &self,
        _: &ChannelRef,
    ) -> Result<(LocalBoxStream<'static, TimelineEvent>, OlderFn), Problem> {
        Err(unwired())
    }
    fn send(
        &self,
        _: ChannelRef,
        _: String,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<TimelineItem, Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn react(
        &self,
        _: ChannelRef,
        _: String,
        _: String,
        _: bool,
    ) -> LocalBoxFuture<'static, Result<(), Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn edit(
        &self,
        _: ChannelRef,
        _: String,
        _: String,
    ) -> LocalBoxFuture<'static, Result<(), Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn delete(&self, _: ChannelRef, _: String) -> LocalBoxFuture<'static, Result<(), Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn retry(&self, _: ChannelRef, _: String) -> LocalBoxFuture<'static, Result<(), Problem>> {
        Box::pin(async { Err(unwired()) })
    }
    fn storage_estimate(&self) -> LocalBoxFuture<'static, Option<(u64, u64)>> {
        Box::pin(crate::browser::storage_estimate())
    }
}

/// How far the client has got since the page opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientPhase {
    Starting,
    Ready,
    Unavailable(Problem),
}

/// The app-wide state, shared through context. Cheap to copy (signals and a shared backend).
#[derive(Clone, Copy)]
pub struct Session {
    pub backend: StoredValue<Rc<dyn Backend>, LocalStorage>,
    pub phase: RwSignal<ClientPhase>,
    pub health: RwSignal<Option<ClientHealth>>,
    pub identity: RwSignal<Option<Identity>>,
    /// Set when a send needs an identity first: the dialog opens, and runs this once one exists.
    pub identity_wanted: RwSignal<bool>,
}

impl Session {
    pub fn new(backend: Rc<dyn Backend>, phase: ClientPhase) -> Self {
        let identity = backend.identity();
        Self {
            backend: StoredValue::new_local(backend),
            phase: RwSignal::new(phase),
            health: RwSignal::new(None),
            identity: RwSignal::new(identity),
            identity_wanted: RwSignal::new(false),
        }
    }

    pub fn backend(&self) -> Rc<dyn Backend> {
        self.backend.get_value()
    }
}

/// The session from context (the root component provides it).
pub fn use_session() -> Session {
    use_context::<Session>()
        .unwrap_or_else(|| Session::new(Rc::new(Unwired), ClientPhase::Starting))
}
