//! The app's handle on the real `hearth::Client`. The client starts asynchronously (storage, then
//! the network), so every call waits for it; a call made before it is ready simply resolves once
//! it is. Peers come from the serving node's `/hearth.json` (`ws`: its WebSocket address) when
//! there is one, else Status's production fleet.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc;
use futures::future::{LocalBoxFuture, Shared};
use futures::stream::LocalBoxStream;
use futures::{FutureExt, StreamExt};
use hearth::client::keystore::IdentityState;
use hearth::client::types::{
    ChannelUnread, ClientHealth, CommunityEvent, CommunityInfo, Membership, SyncProgress,
    TimelineEvent, TimelineItem,
};
use hearth::client::{Client, ClientError, parse_community};
use hearth::net::ClientConfig;
use hearth::status::keys::PublicKey;
use hearth::storage::{StorageConfig, open_default};
use leptos::task::spawn_local;

use crate::session::{
    ChannelRef, ExportedIdentity, Identity, LockedIdentity, OlderFn, Problem, Restored, StoreNode,
};

/// A client error in the words the reader sees: its sentence, and its hint.
pub fn problem(e: &ClientError) -> Problem {
    let text = e.to_string();
    let mut chars = text.chars();
    let what = match chars.next() {
        Some(first) => {
            let mut s: String = first.to_uppercase().collect();
            s.push_str(chars.as_str());
            if !s.ends_with('.') {
                s.push('.');
            }
            s
        }
        None => "Something went wrong.".into(),
    };
    Problem::new(what, e.hint())
}

type Ready = Shared<LocalBoxFuture<'static, Result<Client, Problem>>>;

/// The live backend.
pub struct Live {
    ready: Ready,
    me: Rc<RefCell<Option<Identity>>>,
}

/// The peers to use: the serving node's, when it says.
pub fn config_from(node: Option<&serde_json::Value>) -> ClientConfig {
    let peers: Vec<_> = node
        .and_then(|n| n.get("ws"))
        .and_then(|w| match w {
            serde_json::Value::String(s) => Some(vec![s.clone()]),
            serde_json::Value::Array(a) => Some(
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| a.parse().ok())
        .collect();
    if peers.is_empty() {
        ClientConfig::status_prod()
    } else {
        ClientConfig::local(peers)
    }
}

impl Live {
    /// Starts the client (storage first, then the network) in the background.
    pub fn start() -> Self {
        let fut: LocalBoxFuture<'static, Result<Client, Problem>> = Box::pin(async move {
            let node = crate::browser::node_config().await;
            let storage = open_default("hearth", StorageConfig::default()).await;
            let client = Client::start(config_from(node.as_ref()), storage)
                .await
                .map_err(|e| problem(&e))?;
            crate::reconnect::resend_when_online(client.clone());
            Ok(client)
        });
        Self {
            ready: fut.shared(),
            me: Rc::new(RefCell::new(None)),
        }
    }

    /// Resolves when the client is up (or failed to start).
    pub fn ready(&self) -> Ready {
        self.ready.clone()
    }

    fn with_client<T: 'static>(
        &self,
        f: impl FnOnce(Client) -> LocalBoxFuture<'static, Result<T, Problem>> + 'static,
    ) -> LocalBoxFuture<'static, Result<T, Problem>> {
        let ready = self.ready.clone();
        Box::pin(async move { f(ready.await?).await })
    }

    /// Runs a create or import on the client (which stores the identity sealed), then reads back
    /// what the app shows.
    fn adopt(
        &self,
        name: String,
        op: impl FnOnce(Client, String) -> LocalBoxFuture<'static, Result<(), ClientError>> + 'static,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        let me = self.me.clone();
        self.with_client(move |client| {
            Box::pin(async move {
                let name = name.trim().to_string();
                op(client.clone(), name.clone())
                    .await
                    .map_err(|e| problem(&e))?;
                let identity = identity_of(&client, &name).ok_or_else(|| {
                    Problem::new(
                        "The identity was made but could not be read back.",
                        "Reload the page.",
                    )
                })?;
                *me.borrow_mut() = Some(identity.clone());
                Ok(identity)
            })
        })
    }

    /// The stored identity, opened at start (device-sealed ones need no prompt; a passphrase-sealed
    /// one is reported locked, for the unlock screen).
    pub fn restore_identity(&self) -> LocalBoxFuture<'static, Restored> {
        let ready = self.ready.clone();
        let me = self.me.clone();
        Box::pin(async move {
            let Ok(client) = ready.await else {
                return Restored::None;
            };
            match client.identity_state().await {
                IdentityState::Unlocked { name, .. } => match identity_of(&client, &name) {
                    Some(identity) => {
                        *me.borrow_mut() = Some(identity.clone());
                        Restored::Unlocked(identity)
                    }
                    None => Restored::None,
                },
                IdentityState::Locked { public_key, name } => Restored::Locked(LockedIdentity {
                    // The app's sender helpers take the uncompressed `0x04…` form.
                    public_key: PublicKey::from_hex(&public_key)
                        .map(|k| k.to_uncompressed_hex())
                        .unwrap_or(public_key),
                    display_name: name,
                }),
                IdentityState::None => Restored::None,
            }
        })
    }

    fn channel_do<T: 'static>(
        &self,
        ch: ChannelRef,
        f: impl FnOnce(hearth::client::Channel) -> LocalBoxFuture<'static, Result<T, ClientError>>
        + 'static,
    ) -> LocalBoxFuture<'static, Result<T, Problem>> {
        self.with_client(move |client| {
            Box::pin(async move {
                let community = client.community(&ch.community).map_err(|e| problem(&e))?;
                f(community.channel(&ch.uuid))
                    .await
                    .map_err(|e| problem(&e))
            })
        })
    }
}

/// The identity as the app shows it, from what the client holds now.
fn identity_of(client: &Client, name: &str) -> Option<Identity> {
    let public_key = client.public_key()?;
    let compressed = PublicKey::from_hex(&public_key).ok()?.to_serialized();
    Some(Identity {
        public_key,
        display_name: name.to_string(),
        compressed,
    })
}

/// Everything the app asks of the client, in the shape of `hearth::Client`'s API, with errors as
/// [`Problem`]s the reader can act on.
impl Live {
    pub fn health(&self) -> LocalBoxStream<'static, ClientHealth> {
        let ready = self.ready.clone();
        Box::pin(
            futures::stream::once(async move { ready.await.ok() })
                .filter_map(|c| async move { c })
                .flat_map(|c| c.health()),
        )
    }

    pub fn identity(&self) -> Option<Identity> {
        self.me.borrow().clone()
    }

    pub fn create_identity(
        &self,
        name: String,
        passphrase: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        self.adopt(name, move |c, n| {
            Box::pin(async move {
                c.create_identity(&n, passphrase.as_deref())
                    .await
                    .map(|_| ())
            })
        })
    }

    pub fn import_identity_hex(
        &self,
        hex_key: String,
        name: String,
        passphrase: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        let digits = hex_key.trim().trim_start_matches("0x").to_string();
        self.adopt(name, move |c, n| {
            Box::pin(async move {
                c.import_identity_hex(&digits, &n, passphrase.as_deref())
                    .await
                    .map(|_| ())
            })
        })
    }

    pub fn import_identity_phrase(
        &self,
        phrase: String,
        name: String,
        passphrase: Option<String>,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
        self.adopt(name, move |c, n| {
            Box::pin(async move {
                c.import_identity_phrase(&phrase, &n, passphrase.as_deref())
                    .await
                    .map(|_| ())
            })
        })
    }

    pub fn export_identity(
        &self,
        _passphrase: Option<String>,
    ) -> LocalBoxFuture<'static, Result<ExportedIdentity, Problem>> {
        self.with_client(|c| {
            Box::pin(async move {
                let e = c.export_identity().map_err(|e| problem(&e))?;
                Ok(ExportedIdentity {
                    hex: format!("0x{}", e.private_key_hex.trim_start_matches("0x")),
                    phrase: e.phrase,
                })
            })
        })
    }

    pub fn unlock_identity(
        &self,
        passphrase: String,
    ) -> LocalBoxFuture<'static, Result<Identity, Problem>> {
        let me = self.me.clone();
        self.with_client(move |client| {
            Box::pin(async move {
                client.unlock_identity(&passphrase).await.map_err(|e| {
                    let p = problem(&e);
                    if e.to_string().contains("wrong passphrase") {
                        Problem::new(
                            "That passphrase does not open this identity.",
                            "Check Caps Lock and try again. If it is lost, use your recovery phrase or key: forget this identity and import it again.",
                        )
                    } else {
                        p
                    }
                })?;
                let name = match client.identity_state().await {
                    IdentityState::Unlocked { name, .. } => name,
                    _ => String::new(),
                };
                let identity = identity_of(&client, &name).ok_or_else(|| {
                    Problem::new(
                        "The identity opened but could not be read back.",
                        "Reload the page and try again.",
                    )
                })?;
                *me.borrow_mut() = Some(identity.clone());
                Ok(identity)
            })
        })
    }

    pub fn forget_identity(&self) -> LocalBoxFuture<'static, Result<(), Problem>> {
        let me = self.me.clone();
        self.with_client(move |client| {
            Box::pin(async move {
                client.forget_identity().await.map_err(|e| problem(&e))?;
                *me.borrow_mut() = None;
                Ok(())
            })
        })
    }

    pub fn recent_communities(&self) -> LocalBoxFuture<'static, Vec<CommunityInfo>> {
        let ready = self.ready.clone();
        Box::pin(async move {
            match ready.await {
                Ok(c) => c.recent_communities().await.unwrap_or_default(),
                Err(_) => Vec::new(),
            }
        })
    }

    pub fn store_nodes(&self) -> LocalBoxFuture<'static, Result<Vec<StoreNode>, Problem>> {
        self.with_client(|c| {
            Box::pin(async move {
                let list = c.store_nodes().await.map_err(|e| problem(&e))?;
                Ok(list
                    .into_iter()
                    .map(|p| StoreNode {
                        address: p.multiaddr,
                        last_answer_ms: (p.last_answer_ms > 0).then_some(p.last_answer_ms),
                        pinned: p.pinned,
                    })
                    .collect())
            })
        })
    }

    pub fn add_store_node(&self, address: String) -> LocalBoxFuture<'static, Result<(), Problem>> {
        self.with_client(move |c| {
            Box::pin(async move { c.add_store_node(&address).await.map_err(|e| problem(&e)) })
        })
    }

    pub fn remove_store_node(
        &self,
        address: String,
    ) -> LocalBoxFuture<'static, Result<(), Problem>> {
        self.with_client(move |c| {
            Box::pin(async move { c.remove_store_node(&address).await.map_err(|e| problem(&e)) })
        })
    }

    /// A community by id or link: stored description at once, then the link's hint, then the
    /// verified one, then live changes.
    pub fn community(
        &self,
        id_or_link: &str,
    ) -> Result<LocalBoxStream<'static, CommunityEvent>, Problem> {
        // Checked now, so a bad link is a clear state at once, not a silent stream.
        parse_community(id_or_link).map_err(|e| problem(&e))?;
        let ready = self.ready.clone();
        let target = id_or_link.to_string();
        Ok(Box::pin(
            futures::stream::once(async move {
                match ready.await {
                    Ok(c) => match c.community(&target) {
                        Ok(community) => community.events().boxed_local(),
                        Err(e) => {
                            futures::stream::once(async move { failed("open", &e) }).boxed_local()
                        }
                    },
                    Err(p) => futures::stream::once(async move {
                        CommunityEvent::Progress {
                            progress: SyncProgress::Failed {
                                step: "start".into(),
                                reason: p.what,
                                retry_in_ms: None,
                            },
                        }
                    })
                    .boxed_local(),
                }
            })
            .flatten(),
        ))
    }

    /// Each channel's unread and mention counts against the read marks (chat id → clock), from
    /// storage; nothing while the client is not ready or the description is not verified yet.
    pub fn unread(
        &self,
        community: String,
        marks: std::collections::HashMap<String, u64>,
    ) -> LocalBoxFuture<'static, Vec<ChannelUnread>> {
        let ready = self.ready.clone();
        Box::pin(async move {
            let Ok(c) = ready.await else {
                return Vec::new();
            };
            match c.community(&community) {
                Ok(community) => community.unread(&marks).await.unwrap_or_default(),
                Err(_) => Vec::new(),
            }
        })
    }

    /// Ticks whenever messages of `community` are stored (see `Community::stored`); empty once
    /// the client cannot start.
    pub fn stored(&self, community: String) -> LocalBoxStream<'static, ()> {
        let ready = self.ready.clone();
        futures::stream::once(async move {
            match ready.await.map(|c| c.community(&community)) {
                Ok(Ok(community)) => community.stored().boxed_local(),
                _ => futures::stream::empty().boxed_local(),
            }
        })
        .flatten()
        .boxed_local()
    }

    pub fn request_to_join(
        &self,
        community: String,
    ) -> LocalBoxFuture<'static, Result<Membership, Problem>> {
        self.with_client(move |c| {
            Box::pin(async move {
                let community = c.community(&community).map_err(|e| problem(&e))?;
                community.request_to_join().await.map_err(|e| problem(&e))
            })
        })
    }

    /// The channel's timeline, and how to ask it for older items (they arrive on the stream as
    /// `Older`; the function says false once the timeline has stopped).
    pub fn timeline(
        &self,
        channel: &ChannelRef,
    ) -> Result<(LocalBoxStream<'static, TimelineEvent>, OlderFn), Problem> {
        let (events_tx, events_rx) = mpsc::unbounded::<TimelineEvent>();
        let (older_tx, mut older_rx) = mpsc::unbounded::<usize>();
        let ready = self.ready.clone();
        let ch = channel.clone();
        spawn_local(async move {
            let client = match ready.await {
                Ok(c) => c,
                Err(p) => {
                    let _ = events_tx.unbounded_send(progress_failed("start", &p.what));
                    return;
                }
            };
            let community = match client.community(&ch.community) {
                Ok(c) => c,
                Err(e) => {
                    let _ = events_tx.unbounded_send(progress_failed("open", &e.to_string()));
                    return;
                }
            };
            let mut timeline = community.channel(&ch.uuid).timeline().fuse();
            loop {
                futures::select! {
                    event = timeline.next() => match event {
                        Some(event) => {
                            if events_tx.unbounded_send(event).is_err() {
                                return; // the view is gone: dropping the timeline stops its work
                            }
                        }
                        None => return,
                    },
                    n = older_rx.next() => match n {
                        Some(n) => { timeline.get_ref().load_older(n); }
                        None => return,
                    },
                }
            }
        });
        let older: OlderFn = Rc::new(move |n| older_tx.unbounded_send(n).is_ok());
        Ok((events_rx.boxed_local(), older))
    }

    pub fn send(
        &self,
        channel: ChannelRef,
        text: String,
        reply_to: Option<String>,
    ) -> LocalBoxFuture<'static, Result<TimelineItem, Problem>> {
        self.channel_do(channel, move |ch| {
            Box::pin(async move { ch.send(&text, reply_to.as_deref()).await })
        })
    }

    pub fn react(
        &self,
        channel: ChannelRef,
        message_id: String,
        emoji: String,
        on: bool,
    ) -> LocalBoxFuture<'static, Result<(), Problem>> {
        self.channel_do(channel, move |ch| {
            Box::pin(async move { ch.react(&message_id, &emoji, !on).await.map(|_| ()) })
        })
    }

    pub fn edit(
        &self,
        channel: ChannelRef,
        message_id: String,
        text: String,
    ) -> LocalBoxFuture<'static, Result<(), Problem>> {
        self.channel_do(channel, move |ch| {
            Box::pin(async move { ch.edit(&message_id, &text).await.map(|_| ()) })
        })
    }

    pub fn delete(
        &self,
        channel: ChannelRef,
        message_id: String,
    ) -> LocalBoxFuture<'static, Result<(), Problem>> {
        self.channel_do(channel, move |ch| {
            Box::pin(async move { ch.delete(&message_id).await.map(|_| ()) })
        })
    }

    pub fn retry(
        &self,
        _channel: ChannelRef,
        message_id: String,
    ) -> LocalBoxFuture<'static, Result<(), Problem>> {
        self.with_client(move |c| {
            Box::pin(async move {
                c.retry(&message_id)
                    .await
                    .map(|_| ())
                    .map_err(|e| problem(&e))
            })
        })
    }

    /// Bytes the app's storage holds, and the browser's quota, when known.
    pub fn storage_estimate(&self) -> LocalBoxFuture<'static, Option<(u64, u64)>> {
        Box::pin(crate::browser::storage_estimate())
    }
}

fn progress_failed(step: &str, reason: &str) -> TimelineEvent {
    TimelineEvent::Progress {
        progress: SyncProgress::Failed {
            step: step.into(),
            reason: reason.into(),
            retry_in_ms: None,
        },
    }
}

fn failed(step: &str, e: &ClientError) -> CommunityEvent {
    CommunityEvent::Progress {
        progress: SyncProgress::Failed {
            step: step.into(),
            reason: e.to_string(),
            retry_in_ms: None,
        },
    }
}
