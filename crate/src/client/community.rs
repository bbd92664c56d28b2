//! A community: its signed description (stored first, then the newest from store on every shard
//! Status has used, then live), what the UI shows of it, and joining it.

use std::time::Duration;

use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt};
use prost::Message as _;

use super::ingest::{Ingested, SetAside, ingest};
use super::types::*;
use super::{Change, Client, ClientError, STEP_TIMEOUT, lock, now_ms};
use crate::net::runtime;
use crate::protocols::store::StoreQuery;
use crate::status::community::{Access, MemberRole, VerifiedDescription};
use crate::status::join::{self, JoinRequestDraft, RevealedAccount};
use crate::status::keys::{PrivateKey, PublicKey, community_id, content_topic};
use crate::status::link::{ChannelHint, CommunityHint, PreviewLink, parse_preview_link};
use crate::storage::{CommunityRecord, RECORD_VERSION, SecretRecord};
use crate::waku::WakuMessage;

/// Every shard a description may be on: 32 (content) and 64 (control) today, and 128/256, which
/// status-go listened to in 2025 and status-web still queries (status-wire.md §3.3).
pub const DESCRIPTION_SHARDS: [u16; 4] = [32, 64, 128, 256];
/// Descriptions are republished at least daily by a live owner, but one gone for weeks leaves only
/// old copies: look back as far as store nodes keep (status-go looks 31 days back).
pub const DESCRIPTION_LOOKBACK: Duration = Duration::from_secs(31 * 24 * 3600);
/// Requests to the control node go to both shards while status-go migrates from 64 to 32.
pub const CONTROL_SHARDS: [u16; 2] = [32, 64];
/// How long the client listens for the control node's answer to a request to join.
pub const JOIN_ANSWER_WINDOW: Duration = Duration::from_secs(300);

/// A community id or link, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCommunity {
    pub key: PublicKey,
    /// What a preview link said about the community, unverified.
    pub hint: Option<CommunityHint>,
    /// The channel a `/cc/` link points at, with what it said.
    pub channel: Option<(String, Option<ChannelHint>)>,
}

/// Reads `0x02…`/`0x03…`/`0x04…` keys, `zQ3…` serialized keys, status.app links, and the same
/// links on any other host (Hearth's own `http://host/c/…#…`).
pub fn parse_community(input: &str) -> Result<ParsedCommunity, ClientError> {
    let s = input.trim();
    let bad = |why: String| ClientError::InvalidCommunity(why);
    if let Ok(key) = PublicKey::from_hex(s).or_else(|_| PublicKey::from_serialized(s)) {
        return Ok(ParsedCommunity {
            key,
            hint: None,
            channel: None,
        });
    }
    let link = match parse_preview_link(s) {
        Ok(l) => l,
        Err(first) => {
            // Another host: keep the path and fragment, read them as status.app's.
            let path = s
                .split_once("://")
                .map_or(s, |(_, rest)| rest)
                .split_once('/')
                .map(|(_, p)| p)
                .ok_or_else(|| bad(first.to_string()))?;
            parse_preview_link(&format!("https://status.app/{path}"))
                .map_err(|_| bad(first.to_string()))?
        }
    };
    match link {
        PreviewLink::Community { key, hint } => Ok(ParsedCommunity {
            key,
            hint: hint.map(|h| h.into_hint()),
            channel: None,
        }),
        PreviewLink::Channel {
            community_key,
            uuid,
            hint,
        } => {
            let hint = hint.map(|h| h.into_hint());
            Ok(ParsedCommunity {
                key: community_key,
                hint: hint.as_ref().map(|h| h.community.clone()),
                channel: Some((uuid, hint)),
            })
        }
        PreviewLink::User { .. } => Err(bad("a profile link, not a community".into())),
    }
}

/// See the module docs. Cheap to clone.
#[derive(Clone)]
pub struct Community {
    client: Client,
    parsed: ParsedCommunity,
    id: String,
}

impl Community {
    pub(crate) fn new(client: Client, parsed: ParsedCommunity) -> Self {
        let id = community_id(&parsed.key);
        Self { client, parsed, id }
    }

    /// `0x02…`: the compressed community key.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn key(&self) -> &PublicKey {
        &self.parsed.key
    }

    /// The channel a `/cc/` link pointed at.
    pub fn linked_channel(&self) -> Option<&str> {
        self.parsed.channel.as_ref().map(|(uuid, _)| uuid.as_str())
    }

    /// The newest verified description held in memory.
    pub async fn info_now(&self) -> Option<CommunityInfo> {
        let v = self.client.description(&self.id)?;
        Some(community_info(&self.client, &v, &self.parsed.key).await)
    }

    /// Each channel of the verified description against the reader's read marks (chat id →
    /// newest clock read), from storage alone. Any open timeline of the community stores every
    /// channel's messages (they share the universal topic), so the counts move while the reader
    /// is elsewhere. A channel without a mark counts nothing; messages from the reader, from
    /// non-members and from banned keys never count, as the timeline does not show them.
    pub async fn unread(
        &self,
        marks: &std::collections::HashMap<String, u64>,
    ) -> Result<Vec<ChannelUnread>, ClientError> {
        let Some(v) = self.client.description(&self.id) else {
            return Ok(Vec::new());
        };
        let me = self.client.public_key();
        let mention = me.as_deref().map(|k| format!("@{k}"));
        let mut out = Vec::with_capacity(v.description().channels.len());
        for c in &v.description().channels {
            let recent = self
                .client
                .storage()
                .messages(&c.chat_id, None, UNREAD_SCAN)
                .await?;
            let mut unread = 0;
            let mut mentions = 0;
            if let Some(mark) = marks.get(&c.chat_id) {
                for r in recent.iter().filter(|r| r.clock > *mark) {
                    if Some(r.author.as_str()) == me.as_deref() || !may_post(&v, &r.author) {
                        continue;
                    }
                    unread += 1;
                    if let (Some(m), crate::storage::MessageBody::Chat { text, .. }) =
                        (&mention, &r.body)
                        && text.contains(m.as_str())
                    {
                        mentions += 1;
                    }
                }
            }
            out.push(ChannelUnread {
                uuid: c.uuid.clone(),
                chat_id: c.chat_id.clone(),
                newest_clock: recent.last().map(|r| r.clock),
                unread,
                mentions,
            });
        }
        Ok(out)
    }

    /// Ticks each time messages of this community are stored (from any open timeline, the
    /// inbox or an archive), so a channel list re-counts [`Community::unread`] when something
    /// changed rather than on a timer. A batch stored at once is one tick.
    pub fn stored(&self) -> impl Stream<Item = ()> + use<> {
        let prefix = self.id.clone();
        let mut changes = self.client.watch();
        futures::stream::poll_fn(move |cx| {
            let mut ours = false;
            loop {
                match changes.poll_next_unpin(cx) {
                    std::task::Poll::Ready(Some(c)) => ours |= c.chat_id.starts_with(&prefix),
                    std::task::Poll::Ready(None) => {
                        return std::task::Poll::Ready(ours.then_some(()));
                    }
                    std::task::Poll::Pending if ours => return std::task::Poll::Ready(Some(())),
                    std::task::Poll::Pending => return std::task::Poll::Pending,
                }
            }
        })
    }

    /// A channel by uuid. Messages can be read before the description arrives; posting needs it.
    pub fn channel(&self, uuid: &str) -> super::Channel {
        super::Channel::new(self.clone(), uuid.to_string())
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The channel uuids the newest description lists (for their keys).
    pub(crate) fn channel_uuids(&self) -> Vec<String> {
        self.client
            .description(&self.id)
            .map(|v| {
                v.description()
                    .channels
                    .iter()
                    .map(|c| c.uuid.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What to show, as it becomes known: the stored description at once (verified again), else
    /// the link's data marked unverified; then the newest signed description from store, asked on
    /// every shard at once with a deadline each; then live updates. Dropping the stream stops it.
    pub fn events(&self) -> impl Stream<Item = CommunityEvent> + use<> {
        let (tx, rx) = mpsc::channel(16);
        let this = self.clone();
        runtime::spawn(async move {
            this.run_events(tx).await;
        });
        rx
    }

    async fn run_events(self, mut tx: mpsc::Sender<CommunityEvent>) {
        let client = &self.client;
        let progress = |p| CommunityEvent::Progress { progress: p };
        let _ = tx.send(progress(SyncProgress::Stored)).await;
        let _ = client.storage().touch_community(&self.id, now_ms()).await;
        let mut have = false;
        if let Ok(Some(record)) = client.storage().community(&self.id).await
            && let Some(v) = reverify(client, &self.parsed.key, &record)
        {
            client.remember_description(&v);
            have = true;
            if tx.send(self.description_event(&v).await).await.is_err() {
                return;
            }
        }
        if !have && let Some(hint) = &self.parsed.hint {
            let info = hint_info(&self.id, hint, self.parsed.channel.as_ref());
            let _ = tx
                .send(CommunityEvent::Description {
                    info: Box::new(info),
                })
                .await;
        }
        let mut watch = client.watch();
        let topic = content_topic(&self.id).to_string();
        let live = client
            .inner
            .net
            .subscribe(&shard_topic(32), vec![topic.clone()])
            .await;
        let _ = tx
            .send(progress(SyncProgress::Inbox {
                pages: 0,
                messages: 0,
            }))
            .await;
        match self.fetch_newest().await {
            Fetched::Found(v) if client.remember_description(&v) || !have => {
                let _ = tx.send(self.description_event(&v).await).await;
            }
            Fetched::Forged(signer) if !have => {
                let _ = tx.send(CommunityEvent::SignerMismatch { signer }).await;
            }
            Fetched::Failed(reason) if !have => {
                let _ = tx
                    .send(progress(SyncProgress::Failed {
                        step: "finding the community's description".into(),
                        reason,
                        retry_in_ms: None,
                    }))
                    .await;
                let _ = tx.send(CommunityEvent::NotFound).await;
            }
            Fetched::None if !have => {
                let _ = tx.send(CommunityEvent::NotFound).await;
            }
            _ => {}
        }
        let _ = tx.send(progress(SyncProgress::Live)).await;
        let mut live = match live {
            Ok(sub) => sub.boxed(),
            Err(e) => {
                let _ = tx
                    .send(progress(SyncProgress::Failed {
                        step: "live updates".into(),
                        reason: e.to_string(),
                        retry_in_ms: None,
                    }))
                    .await;
                futures::stream::pending().boxed()
            }
        }
        .fuse();
        loop {
            futures::select! {
                received = live.next() => {
                    let Some(r) = received else { break };
                    if let Some(v) = self.take_description(&r.pubsub_topic, &r.message).await
                        && client.remember_description(&v)
                        && tx.send(self.description_event(&v).await).await.is_err()
                    {
                        return;
                    }
                }
                change = watch.next() => {
                    let Some(change) = change else { break };
                    if change.chat_id == self.id
                        && let Some(v) = client.description(&self.id)
                        && tx.send(self.description_event(&v).await).await.is_err()
                    {
                        return;
                    }
                }
                complete => break,
            }
            if tx.is_closed() {
                return;
            }
        }
    }

    async fn description_event(&self, v: &VerifiedDescription) -> CommunityEvent {
        CommunityEvent::Description {
            info: Box::new(community_info(&self.client, v, &self.parsed.key).await),
        }
    }

    /// Decodes one message of the description topic; stores it when it is a newer verified one.
    async fn take_description(
        &self,
        pubsub_topic: &str,
        msg: &WakuMessage,
    ) -> Option<VerifiedDescription> {
        match self.ingest(pubsub_topic, msg) {
            Ingested::Description { record, verified } => {
                let _ = self.client.storage().put_community(*record).await;
                Some(*verified)
            }
            Ingested::Other {
                message_type,
                payload,
                ..
            } => {
                self.take_other(message_type, &payload).await;
                None
            }
            _ => None,
        }
    }

    fn ingest(&self, pubsub_topic: &str, msg: &WakuMessage) -> Ingested {
        let keys = self.client.keys_for(&self.parsed.key, &[]);
        let hash = msg.hash(pubsub_topic).to_string();
        let mut segments = lock(&self.client.inner.segments);
        ingest(
            msg,
            pubsub_topic,
            &hash,
            &self.parsed.key,
            &keys,
            &mut segments,
            now_ms(),
        )
    }

    /// The community's own store nodes (AMM type 83, signed by the community key): they join the
    /// store set (seed 000).
    async fn take_other(&self, message_type: i32, payload: &[u8]) {
        use crate::proto::status::application_metadata_message::Type;
        if message_type != Type::CommunityPublicStorenodesInfo as i32 {
            return;
        }
        let Ok(list) =
            crate::status::storenodes::verify_storenodes(payload, Some(&self.parsed.key))
        else {
            return;
        };
        for node in list.storenodes.iter().filter(|n| !n.removed) {
            if let Ok(addr) = node.address.parse() {
                let _ = self
                    .client
                    .inner
                    .net
                    .add_peer(addr, crate::net::peers::Source::Store);
            }
        }
    }

    /// The newest verified description on any shard, each shard's query time-boxed.
    async fn fetch_newest(&self) -> Fetched {
        let topic = content_topic(&self.id).to_string();
        let now = runtime::now_ns();
        let start = now - i64::try_from(DESCRIPTION_LOOKBACK.as_nanos()).unwrap_or(i64::MAX);
        let queries = DESCRIPTION_SHARDS.map(|shard| {
            let pubsub = shard_topic(shard);
            let query = StoreQuery::topics(pubsub.clone(), [topic.clone()])
                .time_range(Some(start), Some(now + 60_000_000_000))
                .page_size(20);
            let net = self.client.inner.net.clone();
            async move {
                let pages = async {
                    let mut out = Vec::new();
                    let mut pages = std::pin::pin!(net.query(query));
                    // A few pages are plenty: descriptions are republished, the newest comes first.
                    for _ in 0..5 {
                        match pages.next().await {
                            Some(Ok(page)) => out.extend(
                                page.messages
                                    .into_iter()
                                    .filter_map(|m| m.message.map(|msg| (pubsub.clone(), msg))),
                            ),
                            Some(Err(e)) => return Err(e.to_string()),
                            None => break,
                        }
                    }
                    Ok(out)
                };
                runtime::timeout(STEP_TIMEOUT, pages)
                    .await
                    .unwrap_or_else(|| {
                        Err(format!("no answer within {} s", STEP_TIMEOUT.as_secs()))
                    })
            }
        });
        let answers = futures::future::join_all(queries).await;
        let mut best: Option<VerifiedDescription> = None;
        let mut forged = None;
        let mut errors = Vec::new();
        let mut answered = false;
        for answer in answers {
            match answer {
                Err(e) => errors.push(e),
                Ok(messages) => {
                    answered = true;
                    for (pubsub, msg) in messages {
                        match self.ingest(&pubsub, &msg) {
                            Ingested::Description { record, verified }
                                if best.as_ref().is_none_or(|b| verified.clock() > b.clock()) =>
                            {
                                let _ = self.client.storage().put_community(*record).await;
                                best = Some(*verified);
                            }
                            Ingested::SetAside(SetAside::ForgedDescription { signer }) => {
                                forged = Some(signer);
                            }
                            Ingested::Other {
                                message_type,
                                payload,
                                ..
                            } => self.take_other(message_type, &payload).await,
                            _ => {}
                        }
                    }
                }
            }
        }
        match (best, forged) {
            (Some(v), _) => Fetched::Found(Box::new(v)),
            (None, Some(signer)) => Fetched::Forged(signer),
            (None, None) if answered => Fetched::None,
            (None, None) => Fetched::Failed(errors.join("; ")),
        }
    }

    /// Asks the control node to admit us: a `CommunityRequestToJoin` sealed to the community key,
    /// with one revealed wallet address and its EIP-191 signature (status-go refuses a request
    /// without one, and refuses the chat key as the wallet). Returns at once with the pending
    /// state; the answer, and the description listing us, arrive through [`Community::events`].
    pub async fn request_to_join(&self) -> Result<Membership, ClientError> {
        let me = self.client.me().ok_or(ClientError::NoIdentity)?;
        if let Some(v) = self.client.description(&self.id) {
            let my_key = me.key.public_key().to_uncompressed_hex();
            let d = v.description();
            if d.banned_members.contains(&my_key) {
                return Err(ClientError::Banned);
            }
            if d.members.contains_key(&my_key) {
                return Ok(Membership::Member);
            }
        }
        let wallet = self.client.wallet_key()?;
        let requester = me.key.public_key();
        let now_s = now_ms() / 1000;
        let draft = JoinRequestDraft {
            clock_s: now_s,
            display_name: me.display_name.clone().unwrap_or_default(),
            ens_name: String::new(),
            revealed_accounts: vec![RevealedAccount::sign(
                &wallet,
                &requester,
                &self.parsed.key,
                vec![1],
                true,
            )],
            customization_color: 0,
        };
        let out =
            join::encode_request_to_join(&draft, &me.key, &self.parsed.key, runtime::now_ns())?;
        let mut last_error = None;
        let mut sent = false;
        for shard in CONTROL_SHARDS {
            for msg in &out.messages {
                match self.client.inner.net.push(&shard_topic(shard), msg).await {
                    Ok(_) => sent = true,
                    Err(e) => last_error = Some(e),
                }
            }
        }
        if !sent {
            return Err(last_error
                .map(ClientError::from)
                .unwrap_or(ClientError::CommunityNotLoaded));
        }
        let state = Membership::Pending { clock: now_s };
        self.save_membership(&state).await?;
        let this = self.clone();
        let key = me.key.clone();
        runtime::spawn(async move {
            this.await_join_answer(key).await;
        });
        Ok(state)
    }

    /// Listens on our partitioned topic for the control node's answer.
    async fn await_join_answer(self, key: PrivateKey) {
        let topic = content_topic(&join::partitioned_chat_id(&key.public_key())).to_string();
        let mut subs = Vec::new();
        for shard in CONTROL_SHARDS {
            if let Ok(s) = self
                .client
                .inner
                .net
                .subscribe(&shard_topic(shard), vec![topic.clone()])
                .await
            {
                subs.push(s);
            }
        }
        let mut all = futures::stream::select_all(subs);
        let answer = async {
            while let Some(r) = all.next().await {
                if let Ok(resp) = join::open_request_to_join_response(&r.message, &key)
                    && resp.community == self.parsed.key
                {
                    return Some(resp);
                }
            }
            None
        };
        let Some(resp) = runtime::timeout(JOIN_ANSWER_WINDOW, answer).await.flatten() else {
            return;
        };
        if let Some(v) = resp.description.as_ref().and_then(|d| d.verified()) {
            self.client.remember_description(v);
        }
        let state = if resp.accepted {
            Membership::Accepted
        } else {
            Membership::Declined
        };
        let _ = self.save_membership(&state).await;
        self.client.notify(&[Change {
            chat_id: self.id.clone(),
            id: "membership".into(),
        }]);
    }

    async fn save_membership(&self, state: &Membership) -> Result<(), ClientError> {
        let data = serde_json::to_vec(state).unwrap_or_default();
        self.client
            .storage()
            .put_secret(SecretRecord {
                v: RECORD_VERSION,
                name: membership_key(&self.id),
                data,
            })
            .await?;
        Ok(())
    }
}

enum Fetched {
    Found(Box<VerifiedDescription>),
    Forged(String),
    None,
    Failed(String),
}

fn membership_key(community: &str) -> String {
    format!("membership:{community}")
}

/// `/waku/2/rs/16/<shard>`.
pub fn shard_topic(shard: u16) -> String {
    crate::waku::PubsubTopic::new(crate::net::config::STATUS_CLUSTER, shard).to_string()
}

/// Verifies a stored description again: a database edited by hand cannot forge a community.
pub(crate) fn reverify(
    client: &Client,
    key: &PublicKey,
    record: &CommunityRecord,
) -> Option<VerifiedDescription> {
    let msg = WakuMessage::decode(record.waku_message.as_slice()).ok()?;
    let keys = client.keys_for(key, &[]);
    let hash = msg.hash(&record.pubsub_topic).to_string();
    let mut segments = crate::status::segment::SegmentBuffer::new();
    match ingest(
        &msg,
        &record.pubsub_topic,
        &hash,
        key,
        &keys,
        &mut segments,
        now_ms(),
    ) {
        Ingested::Description { verified, .. } => Some(*verified),
        _ => None,
    }
}

fn image(img: Option<&crate::status::community::Image>) -> Option<InlineImage> {
    img.map(|i| InlineImage {
        mime: i.mime.as_str().to_string(),
        bytes: i.bytes.clone(),
    })
}

/// What the UI shows of a verified description, with our standing in it.
pub(crate) async fn community_info(
    client: &Client,
    v: &VerifiedDescription,
    key: &PublicKey,
) -> CommunityInfo {
    let d = v.description();
    let id = community_id(key);
    let me = client.public_key();
    let membership = membership(client, v, me.as_deref()).await;
    let member = matches!(membership, Membership::Member);
    let mut channels: Vec<ChannelInfo> = d
        .channels
        .iter()
        .map(|c| ChannelInfo {
            uuid: c.uuid.clone(),
            chat_id: c.chat_id.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            emoji: c.emoji.clone(),
            color: c.color.clone().unwrap_or_default(),
            category_id: c.category_id.clone(),
            position: c.position,
            can_post: member && !c.token_gated,
        })
        .collect();
    // Display order: uncategorised first, then by category position, then channel position.
    let cat_pos = |cat: &Option<String>| {
        cat.as_ref().map_or(i64::MIN, |id| {
            d.categories
                .iter()
                .find(|c| &c.id == id)
                .map_or(i64::MAX, |c| i64::from(c.position))
        })
    };
    channels.sort_by(|a, b| {
        cat_pos(&a.category_id)
            .cmp(&cat_pos(&b.category_id))
            .then(a.position.cmp(&b.position))
            .then(a.uuid.cmp(&b.uuid))
    });
    CommunityInfo {
        id,
        name: d.name.clone(),
        description: d.description.clone(),
        color: d.color.clone().unwrap_or_default(),
        tags: d.tags.clone(),
        members: usize::try_from(d.member_count).unwrap_or(usize::MAX),
        requires_approval: d.access == Access::ManualAccept,
        token_gated: d.is_token_gated(),
        categories: d
            .categories
            .iter()
            .map(|c| CategoryInfo {
                id: c.id.clone(),
                name: c.name.clone(),
                position: c.position,
            })
            .collect(),
        channels,
        logo: image(d.images.thumbnail.as_ref().or(d.images.large.as_ref())),
        banner: image(d.images.banner.as_ref()),
        state: DescriptionState::Verified { clock: v.clock() },
        membership,
    }
}

async fn membership(client: &Client, v: &VerifiedDescription, me: Option<&str>) -> Membership {
    let Some(me) = me else {
        return Membership::None;
    };
    let d = v.description();
    if d.banned_members.contains(me) {
        return Membership::Banned;
    }
    if d.members.contains_key(me) {
        return Membership::Member;
    }
    let stored = client
        .storage()
        .secret(&membership_key(&d.id()))
        .await
        .ok()
        .flatten()
        .and_then(|s| serde_json::from_slice::<Membership>(&s.data).ok());
    match stored {
        // Accepted but the description does not list us yet: still accepted.
        Some(m @ (Membership::Pending { .. } | Membership::Accepted | Membership::Declined)) => m,
        _ => Membership::None,
    }
}

/// Whether `key` may pin in this community: the community key, owners and admins.
pub(crate) fn may_pin(v: Option<&VerifiedDescription>, key: &str) -> bool {
    let Some(v) = v else { return false };
    if v.community().to_uncompressed_hex() == key {
        return true;
    }
    v.description().members.get(key).is_some_and(|roles| {
        roles.iter().any(|r| {
            matches!(
                r,
                MemberRole::RoleOwner | MemberRole::RoleAdmin | MemberRole::RoleTokenMaster
            )
        })
    })
}

/// Whether messages signed by `key` (`0x04…`) are shown, as Status Desktop decides on receipt
/// (`CanPost` in status-go, app-notes §6): the community key always; a banned key never; otherwise
/// only members the verified description lists. A description that lists no members (an
/// encrypted, token-gated one hides them) cannot tell, so nothing is hidden for it. Channels are
/// open to every member: channel permissions come only with token gating, which Hearth does not
/// read.
pub(crate) fn may_post(v: &VerifiedDescription, key: &str) -> bool {
    if v.community().to_uncompressed_hex() == key {
        return true;
    }
    let d = v.description();
    if d.banned_members.contains(key) {
        return false;
    }
    d.members.is_empty() || d.members.contains_key(key)
}

/// A preview link's data as a `CommunityInfo` marked unverified.
fn hint_info(
    id: &str,
    hint: &CommunityHint,
    channel: Option<&(String, Option<ChannelHint>)>,
) -> CommunityInfo {
    let channels = channel
        .and_then(|(uuid, h)| {
            h.as_ref().map(|h| ChannelInfo {
                uuid: uuid.clone(),
                chat_id: format!("{id}{uuid}"),
                name: h.display_name.clone(),
                description: h.description.clone(),
                emoji: h.emoji.clone(),
                color: h.checked_color().unwrap_or_default().to_string(),
                category_id: None,
                position: 0,
                can_post: false,
            })
        })
        .into_iter()
        .collect();
    CommunityInfo {
        id: id.to_string(),
        name: hint.display_name.clone(),
        description: hint.description.clone(),
        color: hint.checked_color().unwrap_or_default().to_string(),
        tags: hint.tags().map(|t| t.name.to_string()).collect(),
        members: hint.members_count as usize,
        requires_approval: false,
        token_gated: false,
        categories: Vec::new(),
        channels,
        logo: None,
        banner: None,
        state: DescriptionState::Unverified,
        membership: Membership::None,
    }
}
