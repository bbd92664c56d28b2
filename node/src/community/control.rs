//! The control node: a `hearth node` whose data dir holds a community publishes that community and
//! answers for it, so the community lives as long as the node runs, not as long as an owner's
//! desktop app (status-legacy #18624, #17175).
//!
//! - The description goes out at start, within a second of every change (made here or by
//!   `hearth community …` in another process: both write the same SQLite file), and every
//!   [`REPUBLISH_EVERY`] so it never leaves the 30-day store window. It is injected into the node's
//!   own store and relay, exactly as a lightpushed message would be.
//! - Requests to join reach it through its own relay and lightpush (ECIES to the community key, on
//!   the control-node topic); each is checked (`hearth::status::join`), refused with a reason on
//!   stderr, or recorded. Open communities accept at once unless the node runs with
//!   `--manual-accept`; then `hearth community accept|decline` decides. An accepted requester is
//!   added to `members`, answered with a `CommunityRequestToJoinResponse` on its partitioned
//!   topic, and the description republished.
//! - The signed store-node list (AMM type 83) names this node.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hearth::proto::status::community_permissions::Access;
use hearth::status::codec::{ChatKey, Outgoing};
use hearth::status::join::{JoinError, open_request_to_join};
use hearth::status::keys::{PublicKey, community_id, content_topic, control_node_chat_id};
use hearth::status::outgoing::encode_community_description_with;
use hearth::status::storenodes::{Storenode, encode_storenodes};
use hearth::waku::{PubsubTopic, WakuMessage};
use tokio::sync::mpsc;

use super::{CommunityStore, CommunityStoreError, MAX_PENDING_REQUESTS, now_ms};
use crate::service::{Hub, Origin, Tap, now_ns};

/// At least daily, as the issue asks; status-go checks every 5 minutes whether to republish.
pub const REPUBLISH_EVERY: Duration = Duration::from_secs(6 * 3600);

/// How often the shared database is looked at for changes made by the command line.
pub const POLL_EVERY: Duration = Duration::from_millis(500);

/// Requests waiting to be checked; beyond this, new ones are dropped (the sender retries).
const TAP_CAPACITY: usize = 256;

/// How the control node decides.
#[derive(Debug, Clone, Copy, Default)]
pub struct ControlOptions {
    /// Leave every request pending for `hearth community accept|decline`.
    pub manual_accept: bool,
}

/// The content pubsub topic descriptions, lists and answers go on: shard 32 of the node's cluster
/// when served, else its first shard.
fn content_pubsub(hub: &Hub) -> PubsubTopic {
    let shard = if hub.config.shards.contains(&32) {
        32
    } else {
        hub.config.shards.first().copied().unwrap_or(32)
    };
    PubsubTopic::new(hub.config.cluster, shard)
}

/// Starts the control node if the data dir holds a community. A damaged community is reported
/// and left alone; the node keeps serving.
pub(crate) fn spawn(hub: Arc<Hub>, dir: PathBuf, options: ControlOptions) {
    if !CommunityStore::exists(&dir) {
        return;
    }
    let store = match CommunityStore::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "hearth: the community in {} is not served: {e}",
                dir.display()
            );
            return;
        }
    };
    let community = store.public_key();
    let (tx, rx) = mpsc::channel(TAP_CAPACITY);
    let _ = hub.tap.set(Tap {
        content_topics: vec![content_topic(&control_node_chat_id(&community)).to_string()],
        tx,
    });
    eprintln!(
        "hearth: control node of community {} ({})",
        store.id(),
        if options.manual_accept {
            "requests wait for `hearth community accept`"
        } else {
            "requests are accepted automatically"
        }
    );
    tokio::spawn(async move {
        let chat = {
            let id = community_id(&community);
            tokio::task::spawn_blocking(move || ChatKey::derive(&id))
                .await
                .ok()
        };
        let Some(chat) = chat else { return };
        let mut control = Control {
            hub,
            key: store.key().clone(),
            id: store.id(),
            store: std::sync::Mutex::new(store),
            chat,
            options,
            community,
            last_publish: None,
            storenodes_published: false,
        };
        control.run(rx).await;
    });
}

struct Control {
    hub: Arc<Hub>,
    /// Behind a lock only so the task is `Send`; never held across an await.
    store: std::sync::Mutex<CommunityStore>,
    key: hearth::status::keys::PrivateKey,
    id: String,
    chat: ChatKey,
    options: ControlOptions,
    community: PublicKey,
    last_publish: Option<tokio::time::Instant>,
    storenodes_published: bool,
}

impl Control {
    async fn run(&mut self, mut requests: mpsc::Receiver<WakuMessage>) {
        let mut poll = tokio::time::interval(POLL_EVERY);
        loop {
            tokio::select! {
                _ = poll.tick() => {}
                Some(msg) = requests.recv() => self.on_request(&msg),
            }
            if let Err(e) = self.step().await {
                eprintln!("hearth: control node: {e}");
            }
        }
    }

    /// Publishes what changed and answers who was accepted.
    async fn step(&mut self) -> Result<(), CommunityStoreError> {
        let description = self.db().description()?;
        let due = self
            .last_publish
            .is_none_or(|t| t.elapsed() >= REPUBLISH_EVERY);
        if due || description.clock > self.db().published_clock()? {
            let out =
                encode_community_description_with(&description, &self.key, &self.chat, now_ns())
                    .map_err(|e| {
                        CommunityStoreError::Invalid(format!("description not published: {e}"))
                    })?;
            self.publish(out).await;
            self.db().set_published_clock(description.clock)?;
            self.last_publish = Some(tokio::time::Instant::now());
            self.storenodes_published = false;
            eprintln!(
                "hearth: published the description of {} (clock {}, {} members)",
                self.id,
                description.clock,
                description.members.len()
            );
        }
        if !self.storenodes_published {
            self.publish_storenodes().await;
        }
        let unanswered = self.db().unanswered()?;
        for requester in unanswered {
            let Ok(key) = PublicKey::from_hex(&requester) else {
                self.db().mark_answered(&requester)?;
                continue;
            };
            match hearth::status::join::encode_request_to_join_response(
                &description,
                true,
                &self.key,
                &key,
                now_ns(),
            ) {
                Ok(out) => {
                    self.publish(out).await;
                    eprintln!("hearth: {requester} joined; answered on its partitioned topic");
                }
                Err(e) => eprintln!("hearth: no answer to {requester}: {e}"),
            }
            self.db().mark_answered(&requester)?;
        }
        Ok(())
    }

    fn db(&self) -> std::sync::MutexGuard<'_, CommunityStore> {
        crate::service::lock(&self.store)
    }

    async fn publish(&self, out: Outgoing) {
        let topic = content_pubsub(&self.hub);
        for msg in out.messages {
            self.hub.accept(&topic, msg, Origin::Lightpush).await;
        }
    }

    /// The store-node list naming this node, once its listeners are known.
    async fn publish_storenodes(&mut self) {
        let addrs = crate::service::lock(&self.hub.listen_addrs).clone();
        let Some(ws) = addrs
            .iter()
            .find(|a| a.to_string().contains("/ws/"))
            .or(addrs.first())
        else {
            return;
        };
        let node = Storenode {
            peer_id: self.hub.peer_id.to_string(),
            name: "hearth".into(),
            address: ws.to_string(),
            fleet: "hearth".into(),
            version: 2,
            removed: false,
        };
        match encode_storenodes(&[node], now_ms(), &self.key, &self.chat, now_ns()) {
            Ok(out) => {
                self.publish(out).await;
                self.storenodes_published = true;
            }
            Err(e) => eprintln!("hearth: store-node list not published: {e}"),
        }
    }

    fn on_request(&mut self, msg: &WakuMessage) {
        let now_s = now_ms() / 1000;
        match self.check_request(msg, now_s) {
            Ok(Some(who)) => eprintln!("hearth: request to join from {who}"),
            Ok(None) => {}
            Err(reason) => eprintln!("hearth: refused a request to join: {reason}"),
        }
    }

    /// Checks and records one request; `Ok(None)` when the message was not for us to act on.
    fn check_request(&mut self, msg: &WakuMessage, now_s: u64) -> Result<Option<String>, String> {
        let request = match open_request_to_join(msg, &self.key, now_s) {
            Ok(r) => r,
            // Other messages on the control topic (leave, shared addresses) are not ours yet.
            Err(JoinError::WrongType { .. }) => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        debug_assert_eq!(request.community, self.community);
        let who = request.member_key();
        let description = self.db().description().map_err(|e| e.to_string())?;
        if description.banned_members.contains_key(&who) {
            return Err(format!("{who} is banned"));
        }
        let last = self
            .db()
            .last_request_clock(&who)
            .map_err(|e| e.to_string())?;
        request
            .check_not_replayed(last)
            .map_err(|e| format!("from {who}: {e}"))?;
        let already_member = description.members.contains_key(&who);
        if !already_member
            && self.db().pending_count().map_err(|e| e.to_string())? >= MAX_PENDING_REQUESTS
        {
            return Err(format!(
                "from {who}: {MAX_PENDING_REQUESTS} requests are already pending"
            ));
        }
        self.db()
            .record_request(&who, request.clock_s, &request.display_name)
            .map_err(|e| e.to_string())?;
        let open = description
            .permissions
            .as_ref()
            .is_some_and(|p| p.access == Access::AutoAccept as i32);
        // status-go accepts a returning member automatically, whatever the setting.
        if already_member || (open && !self.options.manual_accept) {
            self.db().accept(&who).map_err(|e| e.to_string())?;
        }
        Ok(Some(who))
    }
}
