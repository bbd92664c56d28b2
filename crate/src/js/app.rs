//! `Client` for JavaScript: `hearth::Client` behind promises, with its events as plain objects
//! (the shapes in `hearth-events.d.ts`, kept by hand beside the generated types because
//! wasm-bindgen cannot type serde values). This is what the npm package offers an app:
//!
//! ```js
//! import init, { Client } from "hearth";
//! await init();
//! const client = await Client.start({ peers: ["/dns4/node.example/tcp/443/wss/p2p/16U…"] });
//! client.setIdentity(privateKeyHex, "Ada");
//! const community = client.community("https://status.app/c/…#zQ3…");
//! const timeline = community.timeline(channelUuid);
//! for (let e; (e = await timeline.next()) !== null; ) render(e);
//! await community.send(channelUuid, "hello");
//! ```

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::lock::Mutex;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::js_error;
use crate::client::{self, ClientError};
use crate::net::ClientConfig;
use crate::status::keys::PrivateKey;
use crate::storage::{self, Storage, StorageConfig};

#[wasm_bindgen(typescript_custom_section)]
const EVENTS_TS: &str = r#"
export * from "./hearth-events";
import type { ClientOptions, ClientHealth, CommunityEvent, CommunityInfo, TimelineEvent, TimelineItem, SendState, Membership, PreviewLinkInfo } from "./hearth-events";
"#;

/// A value as a plain JS object, through JSON (values are strings, numbers, arrays and objects).
fn to_js(value: &impl Serialize) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|s| js_sys::JSON::parse(&s).ok())
        .unwrap_or(JsValue::NULL)
}

/// A client error as a JS `Error` whose message is the sentence and whose `hint` says what to do.
fn client_error(e: ClientError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    let _ = js_sys::Reflect::set(&err, &"hint".into(), &e.hint().into());
    err.into()
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Options {
    /// Service nodes to dial (multiaddrs ending in `/p2p/<id>`). Without any, the Status fleet.
    #[serde(default)]
    peers: Vec<String>,
    /// IndexedDB database name (default "hearth"); `memory: true` keeps nothing.
    db_name: Option<String>,
    #[serde(default)]
    memory: bool,
    /// How long `start` waits for a store node before resolving anyway. Default 0: resolve at
    /// once, so that what storage holds is shown before any network answer.
    timeout_ms: Option<u32>,
}

/// See the module docs.
#[wasm_bindgen(js_name = Client)]
pub struct JsClient {
    inner: client::Client,
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// Opens storage (IndexedDB, or memory when the browser refuses it — `health().storage` says
    /// which) and starts the network; with `timeoutMs`, resolves only once a store node answers
    /// or that time passes.
    #[allow(clippy::arc_with_non_send_sync)] // the browser's storage is single-threaded
    pub async fn start(
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: JsValue,
    ) -> Result<JsClient, JsValue> {
        let options: Options = if options.is_undefined() || options.is_null() {
            Options::default()
        } else {
            js_sys::JSON::stringify(&options)
                .ok()
                .and_then(|s| s.as_string())
                .and_then(|s| serde_json::from_str(&s).ok())
                .ok_or_else(|| JsValue::from(js_sys::Error::new("options must be an object")))?
        };
        let config = if options.peers.is_empty() {
            ClientConfig::status_prod()
        } else {
            let addrs = options
                .peers
                .iter()
                .map(|p| p.parse().map_err(|e| js_error(format!("{p}: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            ClientConfig::local(addrs)
        };
        let storage: Arc<dyn Storage> = if options.memory {
            Arc::new(storage::memory::MemoryStorage::new(StorageConfig::default()))
        } else {
            storage::open_default(
                options.db_name.as_deref().unwrap_or("hearth"),
                StorageConfig::default(),
            )
            .await
        };
        let inner = client::Client::start(config, storage)
            .await
            .map_err(client_error)?;
        if let Some(ms) = options.timeout_ms.filter(|ms| *ms > 0) {
            let within = Duration::from_millis(u64::from(ms));
            let _ = inner
                .net()
                .wait_for_peers(crate::protocols::store::PROTOCOL, 1, within)
                .await;
        }
        Ok(Self { inner })
    }

    /// Signs what this client sends with a hex private key, under `displayName`.
    #[wasm_bindgen(js_name = setIdentity)]
    pub fn set_identity(
        &self,
        #[wasm_bindgen(js_name = privateKeyHex)] private_key_hex: &str,
        #[wasm_bindgen(js_name = displayName)] display_name: Option<String>,
    ) -> Result<(), JsError> {
        let hex_part = private_key_hex.trim().trim_start_matches("0x");
        let bytes = hex::decode(hex_part).map_err(js_error)?;
        let key = PrivateKey::from_bytes(&bytes).map_err(js_error)?;
        self.inner.set_identity(key, display_name);
        Ok(())
    }

    /// Where the identity stands: `{ state: "none" | "locked" | "unlocked", … }`.
    #[wasm_bindgen(js_name = identityState)]
    pub async fn identity_state(&self) -> JsValue {
        to_js(&self.inner.identity_state().await)
    }

    /// Makes a new identity (a fresh 12-word recovery phrase), stored sealed: with the device key,
    /// or with `passphrase` when given. Resolves with `{ private_key_hex, phrase }` to show once.
    #[wasm_bindgen(js_name = createIdentity)]
    pub async fn create_identity(
        &self,
        name: String,
        passphrase: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let out = self
            .inner
            .create_identity(&name, passphrase.as_deref())
            .await
            .map_err(client_error)?;
        Ok(to_js(&out))
    }

    /// Imports a hex private key, stored sealed.
    #[wasm_bindgen(js_name = importIdentityHex)]
    pub async fn import_identity_hex(
        &self,
        #[wasm_bindgen(js_name = privateKeyHex)] private_key_hex: String,
        name: String,
        passphrase: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let out = self
            .inner
            .import_identity_hex(&private_key_hex, &name, passphrase.as_deref())
            .await
            .map_err(client_error)?;
        Ok(to_js(&out))
    }

    /// Restores a Status profile's chat key from its recovery phrase, stored sealed.
    #[wasm_bindgen(js_name = importIdentityPhrase)]
    pub async fn import_identity_phrase(
        &self,
        phrase: String,
        name: String,
        passphrase: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let out = self
            .inner
            .import_identity_phrase(&phrase, &name, passphrase.as_deref())
            .await
            .map_err(client_error)?;
        Ok(to_js(&out))
    }

    /// Opens a passphrase-sealed identity.
    #[wasm_bindgen(js_name = unlockIdentity)]
    pub async fn unlock_identity(&self, passphrase: String) -> Result<(), JsValue> {
        self.inner
            .unlock_identity(&passphrase)
            .await
            .map_err(client_error)
    }

    /// The identity's private key (and phrase) for the user to keep.
    #[wasm_bindgen(js_name = exportIdentity)]
    pub fn export_identity(&self) -> Result<JsValue, JsValue> {
        Ok(to_js(&self.inner.export_identity().map_err(client_error)?))
    }

    /// Our `0x04…` public key, once an identity is set.
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Option<String> {
        self.inner.public_key()
    }

    /// Peers per protocol, transports, the storage backend and the outbox size.
    #[wasm_bindgen(unchecked_return_type = "ClientHealth")]
    pub async fn health(&self) -> JsValue {
        to_js(&self.inner.health_now().await)
    }

    /// Communities in storage, most recently opened first.
    #[wasm_bindgen(js_name = recentCommunities, unchecked_return_type = "CommunityInfo[]")]
    pub async fn recent_communities(&self) -> Result<JsValue, JsValue> {
        let all = self
            .inner
            .recent_communities()
            .await
            .map_err(client_error)?;
        Ok(to_js(&all))
    }

    /// A community by id (`0x02…`, `zQ3…`) or preview link.
    pub fn community(
        &self,
        #[wasm_bindgen(js_name = idOrLink)] id_or_link: &str,
    ) -> Result<JsCommunity, JsValue> {
        let inner = self.inner.community(id_or_link).map_err(client_error)?;
        Ok(JsCommunity { inner })
    }
}

/// A community: its events, its channels' timelines, posting and joining.
#[wasm_bindgen(js_name = Community)]
pub struct JsCommunity {
    inner: client::Community,
}

#[wasm_bindgen(js_class = Community)]
impl JsCommunity {
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// The description as it becomes known: stored, link data (unverified), verified, live.
    /// Read with `await events.next()` until it returns `null`; `close()` stops it.
    pub fn events(&self) -> EventStream {
        EventStream {
            inner: Rc::new(Mutex::new(Some(
                self.inner.events().map(|e| to_js(&e)).boxed_local(),
            ))),
        }
    }

    /// A channel's timeline: stored items first, then the offline inbox, then live.
    pub fn timeline(&self, uuid: &str) -> JsTimeline {
        let timeline = self.inner.channel(uuid).timeline();
        JsTimeline {
            inner: Rc::new(Mutex::new(Some(timeline))),
        }
    }

    /// Sends a message to a channel; resolves with the item (its `send_state` says how far it got).
    #[wasm_bindgen(unchecked_return_type = "TimelineItem")]
    pub async fn send(
        &self,
        uuid: String,
        text: String,
        #[wasm_bindgen(js_name = replyTo)] reply_to: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let item = self
            .inner
            .channel(&uuid)
            .send(&text, reply_to.as_deref())
            .await
            .map_err(client_error)?;
        Ok(to_js(&item))
    }

    /// Reacts to a message (or withdraws the reaction).
    #[wasm_bindgen(unchecked_return_type = "SendState")]
    pub async fn react(
        &self,
        uuid: String,
        #[wasm_bindgen(js_name = messageId)] message_id: String,
        emoji: String,
        retract: Option<bool>,
    ) -> Result<JsValue, JsValue> {
        let state = self
            .inner
            .channel(&uuid)
            .react(&message_id, &emoji, retract.unwrap_or(false))
            .await
            .map_err(client_error)?;
        Ok(to_js(&state))
    }

    /// Asks the control node to admit us; resolves with the pending state.
    #[wasm_bindgen(js_name = requestToJoin, unchecked_return_type = "Membership")]
    pub async fn request_to_join(&self) -> Result<JsValue, JsValue> {
        let m = self.inner.request_to_join().await.map_err(client_error)?;
        Ok(to_js(&m))
    }
}

/// Community events, pulled one at a time.
#[wasm_bindgen]
pub struct EventStream {
    inner: Rc<Mutex<Option<futures::stream::LocalBoxStream<'static, JsValue>>>>,
}

#[wasm_bindgen]
impl EventStream {
    /// The next event, or `null` once closed.
    #[wasm_bindgen(unchecked_return_type = "CommunityEvent | null")]
    pub async fn next(&self) -> JsValue {
        let inner = self.inner.clone();
        let mut guard = inner.lock().await;
        match guard.as_mut() {
            Some(s) => s.next().await.unwrap_or(JsValue::NULL),
            None => JsValue::NULL,
        }
    }

    /// Stops the events (and the network work behind them).
    pub fn close(&self) {
        if let Some(mut g) = self.inner.try_lock() {
            g.take();
        }
    }
}

/// A timeline, pulled one event at a time.
#[wasm_bindgen(js_name = Timeline)]
pub struct JsTimeline {
    inner: Rc<Mutex<Option<client::Timeline>>>,
}

#[wasm_bindgen(js_class = Timeline)]
impl JsTimeline {
    /// The next event, or `null` once closed.
    #[wasm_bindgen(unchecked_return_type = "TimelineEvent | null")]
    pub async fn next(&self) -> JsValue {
        let inner = self.inner.clone();
        let mut guard = inner.lock().await;
        match guard.as_mut() {
            Some(t) => t.next().await.map_or(JsValue::NULL, |e| to_js(&e)),
            None => JsValue::NULL,
        }
    }

    /// Asks for `n` older items (they arrive as an `older` event).
    #[wasm_bindgen(js_name = loadOlder)]
    pub fn load_older(&self, n: usize) -> bool {
        self.inner
            .try_lock()
            .and_then(|g| g.as_ref().map(|t| t.load_older(n)))
            .unwrap_or(false)
    }

    /// Stops the timeline and its subscription.
    pub fn close(&self) {
        if let Some(mut g) = self.inner.try_lock() {
            g.take();
        }
    }
}

/// Decodes a status.app preview link (or a Hearth one) without the network: the community key and
/// the link's unverified data.
#[wasm_bindgen(js_name = decodeLink, unchecked_return_type = "PreviewLinkInfo")]
pub fn decode_link(link: &str) -> Result<JsValue, JsValue> {
    let parsed = client::parse_community(link).map_err(client_error)?;
    #[derive(Serialize)]
    struct Info {
        community: String,
        name: Option<String>,
        description: Option<String>,
        members: Option<u32>,
        color: Option<String>,
        channel: Option<String>,
    }
    let hint = parsed.hint.as_ref();
    Ok(to_js(&Info {
        community: crate::status::keys::community_id(&parsed.key),
        name: hint.map(|h| h.display_name.clone()),
        description: hint.map(|h| h.description.clone()),
        members: hint.map(|h| h.members_count),
        color: hint.and_then(|h| h.checked_color().map(str::to_string)),
        channel: parsed.channel.map(|(uuid, _)| uuid),
    }))
}

/// For `tests/bench/state`: writes `n` chat message records to a fresh IndexedDB database
/// `dbName` in batches of `batch` and resolves with the milliseconds it took. Not part of the API.
#[doc(hidden)]
#[wasm_bindgen(js_name = benchStorageWrites)]
pub async fn bench_storage_writes(
    #[wasm_bindgen(js_name = dbName)] db_name: String,
    n: u32,
    batch: u32,
) -> Result<f64, JsValue> {
    use crate::storage::{MessageBody, MessageRecord, RECORD_VERSION};
    let err = |e: crate::storage::StorageError| JsValue::from(js_sys::Error::new(&e.to_string()));
    storage::indexeddb::IndexedDbStorage::delete(&db_name)
        .await
        .map_err(err)?;
    let db = storage::indexeddb::IndexedDbStorage::open(&db_name, StorageConfig::default())
        .await
        .map_err(err)?;
    let record = |i: u32| MessageRecord {
        v: RECORD_VERSION,
        id: format!("0x{i:064x}"),
        community: "0x02bench".into(),
        chat_id: "0x02benchchannel".into(),
        author: format!("0x04{:0128x}", i % 7),
        clock: 1_700_000_000_000 + u64::from(i),
        timestamp_ms: 1_700_000_000_000 + u64::from(i),
        hash: format!("0x{:064x}", i + 1),
        body: MessageBody::Chat {
            text: format!("message {i}: the quick brown fox jumps over the lazy dog"),
            content_type: 1,
            response_to: None,
            display_name: Some("bench".into()),
            image: None,
        },
    };
    let now = || js_sys::Date::now();
    let t0 = now();
    let mut i = 0;
    while i < n {
        let end = (i + batch.max(1)).min(n);
        db.put_messages((i..end).map(record).collect())
            .await
            .map_err(err)?;
        i = end;
    }
    let took = now() - t0;
    db.close();
    Ok(took)
}
