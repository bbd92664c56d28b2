//! `LightClient` for JavaScript: the wasm light client (`net::LightClient`) behind promises, as
//! `tests/bench/light-client` drives it against js-waku. Store pages come back as message counts
//! (the messages stay in the wasm); lightpush takes raw payloads, version 0.

use std::time::Duration;

use futures::StreamExt;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::js_sys::{Array, Function};

use super::js_error;
use crate::net::{ClientConfig, LightClient};
use crate::protocols::store::{self, StoreQuery};
use crate::waku::WakuMessage;

/// How long `start` waits for a store peer when the caller gives no limit.
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(20);

/// A Waku light client for local or known service nodes (`hearth node` or nwaku).
#[wasm_bindgen(js_name = LightClient)]
pub struct JsLightClient {
    inner: LightClient,
}

#[wasm_bindgen(js_class = LightClient)]
impl JsLightClient {
    /// Starts a client on the Status cluster (16, shards 32 and 64) that dials `peers` (multiaddrs
    /// ending in `/p2p/<id>`, e.g. a node's `/ws` address) and resolves once one of them is
    /// connected and identified as a store node — within `timeoutMs` (default 20 s).
    pub async fn start(
        peers: Vec<String>,
        #[wasm_bindgen(js_name = timeoutMs)] timeout_ms: Option<u32>,
    ) -> Result<JsLightClient, JsError> {
        let addrs = peers
            .iter()
            .map(|p| p.parse().map_err(|e| js_error(format!("{p}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let inner = LightClient::start(ClientConfig::local(addrs)).map_err(js_error)?;
        let within = timeout_ms.map_or(DEFAULT_START_TIMEOUT, |ms| {
            Duration::from_millis(u64::from(ms))
        });
        inner
            .wait_for_peers(store::PROTOCOL, 1, within)
            .await
            .map_err(js_error)?;
        Ok(Self { inner })
    }

    /// Our peer id, `16Uiu2…`.
    #[wasm_bindgen(getter, js_name = peerId)]
    pub fn peer_id(&self) -> String {
        self.inner.local_peer_id().to_string()
    }

    /// Reads up to `maxPages` pages (store v3, oldest first, `pageSize` messages each, at most
    /// 100) following the node's cursor, and resolves with the number of messages in each page.
    /// `onPage(count, index)`, when given, is called as each page arrives.
    #[wasm_bindgen(js_name = queryPages)]
    pub async fn query_pages(
        &self,
        #[wasm_bindgen(js_name = pubsubTopic)] pubsub_topic: String,
        #[wasm_bindgen(js_name = contentTopics)] content_topics: Vec<String>,
        #[wasm_bindgen(js_name = pageSize)] page_size: u32,
        #[wasm_bindgen(js_name = maxPages)] max_pages: u32,
        #[wasm_bindgen(js_name = onPage)] on_page: Option<Function>,
    ) -> Result<Vec<u32>, JsError> {
        let query = StoreQuery::topics(pubsub_topic, content_topics)
            .forward(true)
            .page_size(u64::from(page_size));
        let mut pages = std::pin::pin!(self.inner.query(query).take(max_pages as usize));
        let mut counts = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(js_error)?;
            let count = page.messages.iter().filter(|m| m.message.is_some()).count() as u32;
            if let Some(f) = &on_page {
                f.call2(
                    &JsValue::UNDEFINED,
                    &JsValue::from(count),
                    &JsValue::from(counts.len() as u32),
                )
                .map_err(|e| js_error(format!("onPage threw: {e:?}")))?;
            }
            counts.push(count);
        }
        Ok(counts)
    }

    /// Publishes a version-0 message through lightpush and resolves with its hash (`0x…`) once a
    /// service node took it. `timestampNs` (a BigInt) defaults to now.
    pub async fn push(
        &self,
        #[wasm_bindgen(js_name = pubsubTopic)] pubsub_topic: String,
        #[wasm_bindgen(js_name = contentTopic)] content_topic: String,
        payload: Vec<u8>,
        #[wasm_bindgen(js_name = timestampNs)] timestamp_ns: Option<i64>,
    ) -> Result<String, JsError> {
        let message = WakuMessage {
            payload,
            content_topic,
            timestamp: Some(timestamp_ns.unwrap_or_else(crate::net::runtime::now_ns)),
            ..WakuMessage::default()
        };
        let report = self
            .inner
            .push(&pubsub_topic, &message)
            .await
            .map_err(js_error)?;
        Ok(report.hash.to_string())
    }

    /// Connected peers per protocol right now, as `[protocol, count]` pairs.
    pub fn protocols(&self) -> Array {
        self.inner
            .health_now()
            .protocols
            .into_iter()
            .map(|(p, n)| Array::of2(&JsValue::from(p), &JsValue::from(n as u32)))
            .collect()
    }
}
