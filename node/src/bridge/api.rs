//! The bridge's HTTP API: every answer is JSON, every refusal `{"error": reason}` with a 4xx or 5xx
//! status, and nothing is sent when a request is refused.
//!
//! Order of checks on a post: token (401 missing or unknown, 403 revoked), rate (429 with
//! `Retry-After`), body size (413), JSON (400), text (400 blank, 413 over status-go's 4,096
//! characters), community (404), channel (404), membership (403 while the community has not
//! listed the bridge yet), then the client's outbox.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hearth::client::{ClientError, Membership, SendState, TimelineItem};
use hearth::status::chat::MAX_TEXT_CHARS;
use hearth::storage::{MessageRecord, OrderKey};
use serde::Deserialize;
use serde_json::{Value, json};

use super::tokens::Refusal;
use super::{Bridge, FollowError, Followed, JOIN_RETRY, JOIN_WAIT, LOAD_TIMEOUT, Loaded};
use crate::service::{Hub, lock};

/// The largest request body read: room for [`MAX_TEXT_CHARS`] characters even when every one is
/// escaped as `\uXXXX\uXXXX` (12 bytes), plus the rest of the JSON.
pub const MAX_BODY: usize = 64 * 1024;
/// Messages per page of a read, by default and at most.
pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 100;
/// Storage pages walked back to find where `since` starts (storage keeps 20,000 per community).
const STORAGE_PAGE: usize = 100;
const MAX_STORAGE_PAGES: usize = 250;

/// The OpenAPI 3 description of these routes, written by hand.
pub const OPENAPI: &str = include_str!("openapi.json");

pub(crate) fn router(bridge: Arc<Bridge>) -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1", get(openapi))
        .route("/api/v1/", get(openapi))
        .route("/api/v1/identity", get(identity))
        .route(
            "/api/v1/communities/{community}/channels/{uuid}/messages",
            get(read).post(post),
        )
        .route("/api/v1/{*rest}", axum::routing::any(no_route))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(bridge)
}

/// A refusal: its status, the reason, and how long to wait when that is known.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    reason: String,
    retry_after: Option<Duration>,
}

fn refuse(status: StatusCode, reason: impl Into<String>) -> ApiError {
    ApiError {
        status,
        reason: reason.into(),
        retry_after: None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(json!({ "error": self.reason }))).into_response();
        if let Some(wait) = self.retry_after {
            // Whole seconds, rounded up: a client that waits this long gets through.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI.to_string(),
    )
        .into_response()
}

async fn no_route() -> ApiError {
    refuse(
        StatusCode::NOT_FOUND,
        "no such route; the API is described at /api/v1/",
    )
}

/// Token, then rate: a request past either is refused before anything else is read.
async fn admit(bridge: &Arc<Bridge>, headers: &HeaderMap) -> Result<String, ApiError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    let verified = match presented {
        None => Err(Refusal::Missing),
        Some(token) => {
            let b = bridge.clone();
            tokio::task::spawn_blocking(move || b.tokens.verify(&token))
                .await
                .unwrap_or(Err(Refusal::Unknown))
        }
    };
    let id = verified.map_err(|r| {
        let status = if r == Refusal::Revoked {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        };
        refuse(status, r.to_string())
    })?;
    bridge.take(&id).map_err(|wait| ApiError {
        status: StatusCode::TOO_MANY_REQUESTS,
        reason: format!(
            "this token is limited to {} requests per {} s",
            bridge.config.rate.volume,
            bridge.config.rate.period.as_secs()
        ),
        retry_after: Some(wait),
    })?;
    Ok(id)
}

async fn client(bridge: &Bridge) -> Result<hearth::client::Client, ApiError> {
    bridge.client().await.map_err(|e| ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        reason: format!("the bridge is not connected to its node: {e}"),
        retry_after: Some(Duration::from_secs(5)),
    })
}

async fn identity(State(bridge): State<Arc<Bridge>>, headers: HeaderMap) -> Response {
    if let Err(e) = admit(&bridge, &headers).await {
        return e.into_response();
    }
    axum::Json(json!({
        "public_key": bridge.key.public_key().to_uncompressed_hex(),
        "display_name": bridge.config.display_name,
        "community": bridge.own_community(),
    }))
    .into_response()
}

/// The community, once its signed description is known, and the channel checked against it.
async fn channel_of(
    bridge: &Arc<Bridge>,
    community: &str,
    uuid: &str,
) -> Result<Arc<Followed>, ApiError> {
    let client = client(bridge).await?;
    let followed = bridge.follow(&client, community).map_err(|e| match e {
        FollowError::NotACommunity => refuse(
            StatusCode::NOT_FOUND,
            format!("{community} is not a community id"),
        ),
        FollowError::Full => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            reason: "the bridge follows as many communities as it may".into(),
            retry_after: Some(Duration::from_secs(60)),
        },
    })?;
    let mut state = followed.state.clone();
    let loaded: Option<Loaded> = tokio::time::timeout(LOAD_TIMEOUT, async {
        state
            .wait_for(|s| *s != Loaded::Loading)
            .await
            .ok()
            .map(|s| s.clone())
    })
    .await
    .ok()
    .flatten();
    match loaded {
        Some(Loaded::Found) => {}
        Some(Loaded::NotFound(reason)) => {
            return Err(refuse(
                StatusCode::NOT_FOUND,
                format!("community {}: {reason}", followed.community.id()),
            ));
        }
        _ => {
            return Err(ApiError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                reason: format!(
                    "community {}: no description yet; try again",
                    followed.community.id()
                ),
                retry_after: Some(Duration::from_secs(5)),
            });
        }
    }
    let info = followed.community.info_now().await;
    if !info.is_some_and(|i| i.channels.iter().any(|c| c.uuid == uuid)) {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            format!(
                "community {} has no channel {uuid}",
                followed.community.id()
            ),
        ));
    }
    Ok(followed)
}

async fn membership(followed: &Followed) -> Membership {
    followed
        .community
        .info_now()
        .await
        .map_or(Membership::None, |i| i.membership)
}

/// Makes sure the bridge may post: a member already, or asks to join (on its own community the
/// bridge admitted itself at start) and waits a little for the community to list it.
async fn ensure_member(bridge: &Bridge, followed: &Followed) -> Result<(), ApiError> {
    match membership(followed).await {
        Membership::Member => return Ok(()),
        Membership::Banned => {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "the bridge is banned from this community",
            ));
        }
        _ => {}
    }
    let own = bridge.own_community().as_deref() == Some(followed.community.id());
    let ask = !own && {
        let mut asked = lock(&followed.asked_to_join);
        let due = asked.is_none_or(|t| t.elapsed() >= JOIN_RETRY);
        if due {
            *asked = Some(Instant::now());
        }
        due
    };
    if ask && let Err(e) = followed.community.request_to_join().await {
        return Err(refuse(
            StatusCode::BAD_GATEWAY,
            format!("the bridge could not ask to join: {e}"),
        ));
    }
    let started = Instant::now();
    loop {
        match membership(followed).await {
            Membership::Member => return Ok(()),
            Membership::Declined => {
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    "the community declined the bridge's request to join",
                ));
            }
            _ if started.elapsed() >= JOIN_WAIT => {
                return Err(ApiError {
                    status: StatusCode::FORBIDDEN,
                    reason: "the bridge is not a member of this community yet: it asked to join \
                             and waits for the control node"
                        .into(),
                    retry_after: Some(Duration::from_secs(30)),
                });
            }
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostBody {
    text: String,
    #[serde(default)]
    reply_to: Option<String>,
}

/// `0x` and 64 hex digits: a status-go message id.
fn is_message_id(s: &str) -> bool {
    s.strip_prefix("0x")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A post's body, checked as far as it can be without the network: the JSON's shape, the text
/// (not blank, within status-go's limit) and `reply_to`.
fn parse_post(body: &[u8]) -> Result<PostBody, ApiError> {
    let body: PostBody = serde_json::from_slice(body).map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON of the form {{\"text\": …, \"reply_to\": …}}: {e}"),
        )
    })?;
    if body.text.trim().is_empty() {
        return Err(refuse(StatusCode::BAD_REQUEST, "the text is empty"));
    }
    let chars = body.text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the text is {chars} characters; Status takes at most {MAX_TEXT_CHARS}"),
        ));
    }
    if let Some(r) = &body.reply_to
        && !is_message_id(r)
    {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "reply_to is not a message id (0x and 64 hex digits)",
        ));
    }
    Ok(body)
}

async fn post(
    State(bridge): State<Arc<Bridge>>,
    Path((community, uuid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match post_message(&bridge, &community, &uuid, &headers, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn post_message(
    bridge: &Arc<Bridge>,
    community: &str,
    uuid: &str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    admit(bridge, headers).await?;
    let body = body.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            refuse(status, format!("the body is over {MAX_BODY} bytes"))
        } else {
            refuse(status, e.body_text())
        }
    })?;
    let body = parse_post(&body)?;
    let followed = channel_of(bridge, community, uuid).await?;
    ensure_member(bridge, &followed).await?;
    let channel = followed.community.channel(uuid);
    let item = channel
        .send(&body.text, body.reply_to.as_deref())
        .await
        .map_err(|e| {
            let status = match &e {
                ClientError::NotMember | ClientError::Banned => StatusCode::FORBIDDEN,
                ClientError::UnknownChannel { .. } => StatusCode::NOT_FOUND,
                ClientError::Status(_) => StatusCode::BAD_REQUEST,
                ClientError::CommunityNotLoaded => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_GATEWAY,
            };
            refuse(status, e.to_string())
        })?;
    let hash = hash_of(bridge, &item.id).await;
    let (status, state) = match &item.send_state {
        SendState::Sent => (StatusCode::CREATED, "sent"),
        SendState::Pending => (StatusCode::ACCEPTED, "pending"),
        SendState::Failed { .. } => (StatusCode::BAD_GATEWAY, "failed"),
        SendState::Received => (StatusCode::CREATED, "sent"),
    };
    let mut answer = json!({
        "id": item.id,
        "hash": hash,
        "state": state,
        "chat_id": item.chat_id,
        "author": item.author,
        "clock": item.clock,
        "timestamp_ms": item.timestamp_ms,
    });
    if let SendState::Failed { reason } = &item.send_state {
        answer["error"] = json!(format!(
            "not delivered yet: {reason}; it stays in the outbox"
        ));
    }
    Ok((status, axum::Json(answer)).into_response())
}

/// The Waku hash of a message the bridge sent: from storage once confirmed, else from the outbox.
async fn hash_of(bridge: &Bridge, id: &str) -> Option<String> {
    let client = bridge.client().await.ok()?;
    if let Ok(Some(r)) = client.storage().message(id).await {
        return Some(r.hash);
    }
    client
        .outbox()
        .await
        .ok()?
        .into_iter()
        .find(|e| e.id == id)
        .map(|e| e.record.hash)
}

async fn read(
    State(bridge): State<Arc<Bridge>>,
    Path((community, uuid)): Path<(String, String)>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    match read_messages(&bridge, &community, &uuid, &headers, query).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn number(query: &HashMap<String, String>, name: &str) -> Result<Option<u64>, ApiError> {
    query
        .get(name)
        .map(|v| {
            v.parse::<u64>().map_err(|_| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    format!("{name} is not a whole number"),
                )
            })
        })
        .transpose()
}

async fn read_messages(
    bridge: &Arc<Bridge>,
    community: &str,
    uuid: &str,
    headers: &HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    admit(bridge, headers).await?;
    let Query(query) = query.map_err(|e| refuse(StatusCode::BAD_REQUEST, e.body_text()))?;
    let since = number(&query, "since")?.unwrap_or(0);
    let limit = number(&query, "limit")?.unwrap_or(DEFAULT_PAGE as u64);
    if limit == 0 || limit > MAX_PAGE as u64 {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            format!("limit is 1 to {MAX_PAGE}"),
        ));
    }
    let followed = channel_of(bridge, community, uuid).await?;
    let reading = bridge.read(&followed, uuid).map_err(|_| ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        reason: "the bridge reads as many channels as it may".into(),
        retry_after: Some(Duration::from_secs(60)),
    })?;
    let mut live = reading.live.clone();
    let _ = tokio::time::timeout(LOAD_TIMEOUT, live.wait_for(|l| *l)).await;
    reading.cover(since).await;
    let client = client(bridge).await?;
    let (records, more) = after(
        client.storage().as_ref(),
        reading.channel.chat_id(),
        since,
        limit as usize,
    )
    .await;
    let mut messages = Vec::new();
    for r in &records {
        if let Some(item) = reading.channel.item(&r.id).await {
            messages.push(message_json(&item, &r.hash));
        }
    }
    let next_since = records.last().map(|r| r.timestamp_ms);
    Ok(axum::Json(json!({
        "messages": messages,
        "more": more,
        "next_since": next_since,
    }))
    .into_response())
}

/// The chat messages of `chat_id` stamped after `since` (ms), oldest first, at most `limit`, and
/// whether more follow. A page never ends inside a millisecond that has more messages, so asking
/// again with `since` = the last one's timestamp misses none.
async fn after(
    storage: &dyn hearth::storage::Storage,
    chat_id: &str,
    since: u64,
    limit: usize,
) -> (Vec<MessageRecord>, bool) {
    let mut newer: Vec<MessageRecord> = Vec::new();
    let mut before: Option<OrderKey> = None;
    for _ in 0..MAX_STORAGE_PAGES {
        let page = storage
            .messages(chat_id, before.as_ref(), STORAGE_PAGE)
            .await
            .unwrap_or_default();
        let Some(first) = page.first() else { break };
        before = Some(first.order_key());
        let reached = page.iter().any(|r| r.timestamp_ms <= since);
        let full = page.len() == STORAGE_PAGE;
        // Pages come oldest first, walking back: prepend.
        let mut kept: Vec<MessageRecord> = page
            .into_iter()
            .filter(|r| r.timestamp_ms > since)
            .collect();
        kept.append(&mut newer);
        newer = kept;
        if reached || !full {
            break;
        }
    }
    // Clocks order the channel; `since` is wall time: order what passed by time, then clock.
    newer.sort_by(|a, b| (a.timestamp_ms, a.clock, &a.id).cmp(&(b.timestamp_ms, b.clock, &b.id)));
    if newer.len() <= limit {
        return (newer, false);
    }
    let cut_ms = newer[limit].timestamp_ms;
    let mut end = limit;
    while end > 0 && newer[end - 1].timestamp_ms == cut_ms {
        end -= 1;
    }
    // One millisecond holding more than a page: return it whole rather than loop forever.
    if end == 0 {
        end = newer
            .iter()
            .take_while(|r| r.timestamp_ms == cut_ms)
            .count();
    }
    newer.truncate(end);
    (newer, true)
}

fn message_json(item: &TimelineItem, hash: &str) -> Value {
    json!({
        "id": item.id,
        "hash": hash,
        "author": item.author,
        "display_name": item.display_name,
        "text": item.text,
        "content_type": item.content_type,
        "timestamp_ms": item.timestamp_ms,
        "clock": item.clock,
        "reply_to": item.reply_to.as_ref().map(|r| r.id.clone()),
        "edited": item.edited,
        "deleted": item.deleted,
        "pinned": item.pinned,
        "image": item.image.as_ref().map(|i| i.mime.clone()),
        "reactions": item.reactions.iter().map(|r| json!({"emoji": r.emoji, "count": r.count})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth::storage::memory::MemoryStorage;
    use hearth::storage::{MessageBody, RECORD_VERSION, Storage, StorageConfig};

    fn record(n: u64, ms: u64) -> MessageRecord {
        MessageRecord {
            v: RECORD_VERSION,
            id: format!("0x{n:064x}"),
            community: "c".into(),
            chat_id: "chat".into(),
            author: "a".into(),
            clock: ms,
            timestamp_ms: ms,
            hash: format!("{n:064x}"),
            body: MessageBody::Chat {
                text: format!("m{n}"),
                content_type: 1,
                response_to: None,
                display_name: None,
                image: None,
            },
        }
    }

    #[tokio::test]
    async fn pages_after_since_never_split_a_millisecond() {
        let s = MemoryStorage::new(StorageConfig::default());
        // 250 messages, two per millisecond from 1000.
        let records: Vec<_> = (0..250).map(|n| record(n, 1000 + n / 2)).collect();
        s.put_messages(records).await.unwrap();
        let mut since = 0;
        let mut seen = Vec::new();
        loop {
            let (page, more) = after(&s, "chat", since, 7).await;
            assert!(page.len() <= 8, "{}", page.len());
            seen.extend(page.iter().map(|r| r.id.clone()));
            if !more {
                break;
            }
            since = page.last().unwrap().timestamp_ms;
        }
        assert_eq!(seen.len(), 250);
        let (page, more) = after(&s, "chat", 1000 + 124, 50).await;
        assert!(page.is_empty() && !more);
        let (page, _) = after(&s, "chat", 1000 + 120, 50).await;
        assert_eq!(page.len(), 8);
        assert!(
            page.windows(2)
                .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms)
        );
    }

    /// The hand-written description stays JSON and names every route the router serves, with
    /// the statuses the handlers answer.
    #[test]
    fn openapi_describes_the_routes() {
        let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let messages = &doc["paths"]["/api/v1/communities/{community}/channels/{uuid}/messages"];
        for code in [
            "201", "202", "400", "401", "403", "404", "413", "429", "502", "503",
        ] {
            assert!(
                messages["post"]["responses"][code].is_object(),
                "post {code}"
            );
        }
        for code in ["200", "400", "401", "403", "404", "429", "503"] {
            assert!(messages["get"]["responses"][code].is_object(), "get {code}");
        }
        assert!(doc["paths"]["/api/v1/identity"]["get"].is_object());
        assert!(doc["paths"]["/api/v1/"]["get"].is_object());
        let max = &doc["components"]["schemas"]["PostMessage"]["properties"]["text"]["maxLength"];
        assert_eq!(max.as_u64(), Some(MAX_TEXT_CHARS as u64));
    }

    /// Each row: a body and the status it gets (0: accepted).
    #[test]
    fn post_bodies() {
        let id = format!("0x{}", "ab".repeat(32));
        let long = format!("{{\"text\": \"{}\"}}", "é".repeat(MAX_TEXT_CHARS + 1));
        let longest = format!("{{\"text\": \"{}\"}}", "é".repeat(MAX_TEXT_CHARS));
        let reply = format!("{{\"text\": \"hi\", \"reply_to\": \"{id}\"}}");
        let rows: &[(&str, u16)] = &[
            (r#"{"text": "hi"}"#, 0),
            (r#"{"text": "hi", "reply_to": null}"#, 0),
            (&reply, 0),
            (&longest, 0),
            (&long, 413),
            (r#"{"text": "  \n"}"#, 400),
            (r#"{"text": ""}"#, 400),
            (r#"{"txt": "hi"}"#, 400),
            (r#"{"text": "hi", "extra": 1}"#, 400),
            (r#"{"text": 5}"#, 400),
            (r#"{"text": "hi", "reply_to": "0x12"}"#, 400),
            (r#"{"text": "hi""#, 400),
            ("", 400),
            ("[]", 400),
            ("\u{0}", 400),
        ];
        for (body, want) in rows {
            let got = parse_post(body.as_bytes())
                .err()
                .map_or(0, |e| e.status.as_u16());
            assert_eq!(got, *want, "{body:.60}");
        }
    }

    /// Mutations of valid bodies never panic and are either accepted or refused with a 4xx.
    #[test]
    fn post_bodies_mutated() {
        let seeds: [&[u8]; 2] = [
            br#"{"text": "build **#42** passed", "reply_to": null}"#,
            br#"{"text": "\u00e9\ud83d\ude00", "reply_to": "0xabababababababababababababababababababababababababababababababab"}"#,
        ];
        for n in 0..20_000u32 {
            let mut body = seeds[(n % 2) as usize].to_vec();
            for _ in 0..(1 + n % 4) {
                let at = rand::random_range(0..body.len());
                match rand::random_range(0..3) {
                    0 => body[at] = rand::random(),
                    1 => {
                        body.remove(at);
                    }
                    _ => body.insert(at, rand::random()),
                }
            }
            if let Err(e) = parse_post(&body) {
                assert!(e.status.is_client_error(), "{}", e.status);
            }
        }
    }

    #[test]
    fn message_ids() {
        assert!(is_message_id(&format!("0x{}", "ab".repeat(32))));
        assert!(!is_message_id("0x12"));
        assert!(!is_message_id(&"ab".repeat(33)));
    }
}
