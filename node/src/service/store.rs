//! Store v3 server: reads one query, answers from the message store, closes (nwaku `waku_store/`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hearth::net::rpc::FrameBody;
use hearth::proto::waku::store::v3::{StoreQueryRequest, StoreQueryResponse};
use hearth::protocols::RATE_LIMITED_REQUEST_ID;
use hearth::protocols::store::StatusCode;
use libp2p::PeerId;
use prost::Message;

use super::message_store::error_response;
use super::rate_limit::Limited;
use super::{Hub, lock, now_ns};

/// Store v3: one `StoreQueryRequest` in, one `StoreQueryResponse` out.
pub async fn handle(hub: &Hub, peer: PeerId, body: FrameBody) -> Option<Vec<u8>> {
    if !hub.allow(Limited::Store, peer) {
        hub.stats.refused.fetch_add(1, Ordering::Relaxed);
        let res = StoreQueryResponse {
            request_id: RATE_LIMITED_REQUEST_ID.into(),
            status_code: Some(StatusCode::TooManyRequests.code()),
            status_desc: Some("TOO_MANY_REQUESTS".into()),
            ..Default::default()
        };
        return Some(res.encode_to_vec());
    }
    let response = match body {
        FrameBody::Oversize { len } => error_response(
            StatusCode::BadRequest,
            format!("decoding rpc failed: {len} bytes is too large"),
        ),
        FrameBody::Malformed(why) => error_response(
            StatusCode::BadRequest,
            format!("decoding rpc failed: {why}"),
        ),
        FrameBody::Empty => return None,
        FrameBody::Bytes(bytes) => match StoreQueryRequest::decode(bytes.as_slice()) {
            Err(e) => error_response(StatusCode::BadRequest, format!("decoding rpc failed: {e}")),
            Ok(req) => {
                hub.stats.queries.fetch_add(1, Ordering::Relaxed);
                let messages = hub.messages.clone();
                tokio::task::spawn_blocking(move || lock(&messages).query(&req))
                    .await
                    .unwrap_or_else(|e| {
                        error_response(StatusCode::BadResponse, format!("store task failed: {e}"))
                    })
            }
        },
    };
    Some(response.encode_to_vec())
}

/// Applies the retention policy every few minutes (nwaku runs its policy periodically too).
pub fn spawn_retention(hub: Arc<Hub>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            let messages = hub.messages.clone();
            let retention = hub.config.retention;
            match tokio::task::spawn_blocking(move || {
                lock(&messages).apply_retention(&retention, now_ns())
            })
            .await
            {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(deleted = n, "retention applied"),
                Ok(Err(e)) => tracing::error!("retention failed: {e}"),
                Err(e) => tracing::error!("retention task failed: {e}"),
            }
        }
    });
}
