//! What the app knows beyond one page: the network client (through [`Live`], a thin layer that
//! waits for `hearth::Client` to start and turns its errors into [`Problem`]s), its health, the
//! identity, and the reader's own preferences. Provided once as context by the root component.

use std::rc::Rc;

use hearth::client::types::ClientHealth;
use leptos::prelude::*;

use crate::live::Live;

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

/// An identity sealed with a passphrase, known by its public parts until the reader unlocks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedIdentity {
    /// `0x04…`
    pub public_key: String,
    pub display_name: String,
}

/// What the app finds stored when it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    None,
    Unlocked(Identity),
    Locked(LockedIdentity),
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
    pub backend: StoredValue<Rc<Live>, LocalStorage>,
    pub phase: RwSignal<ClientPhase>,
    pub health: RwSignal<Option<ClientHealth>>,
    pub identity: RwSignal<Option<Identity>>,
    /// A stored identity waiting for its passphrase (then `identity` is `None`).
    pub locked: RwSignal<Option<LockedIdentity>>,
    /// Set when a send needs an identity first: the dialog opens, and runs this once one exists.
    pub identity_wanted: RwSignal<bool>,
}

impl Session {
    pub fn new(backend: Rc<Live>, phase: ClientPhase) -> Self {
        let identity = backend.identity();
        Self {
            backend: StoredValue::new_local(backend),
            phase: RwSignal::new(phase),
            health: RwSignal::new(None),
            identity: RwSignal::new(identity),
            locked: RwSignal::new(None),
            identity_wanted: RwSignal::new(false),
        }
    }

    /// The app's one handle on `hearth::Client` (see [`Live`]).
    pub fn backend(&self) -> Rc<Live> {
        self.backend.get_value()
    }
}

/// The session from context (the root component provides it).
pub fn use_session() -> Session {
    // The root component provides it before any page renders; a component outside the root is
    // a bug in this crate, not something a reader can cause.
    expect_context::<Session>()
}
