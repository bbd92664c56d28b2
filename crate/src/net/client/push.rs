//! One lightpush to one peer: v3, or v2 for a peer without v3.

use super::*;

pub(super) async fn push_one(
    shared: &Shared,
    peer: PeerId,
    topic: &str,
    message: &WakuMessage,
) -> Result<lightpush::Accepted, RequestError> {
    let id = runtime::request_id();
    let deadline = shared.config.request_timeout;
    let v3 = lightpush::encode_request_v3(&id, topic, message);
    let supports_v3 = lock(&shared.book)
        .get(&peer)
        .and_then(|r| r.supports(lightpush::PROTOCOL_V3));
    if supports_v3 != Some(false) {
        match shared
            .ask(peer, lightpush::PROTOCOL_V3, &v3, deadline)
            .await
        {
            Ok(bytes) => {
                return lightpush::decode_response_v3(&bytes, &id)
                    .map_err(|c| RequestError::new(peer, lightpush::PROTOCOL_V3, c));
            }
            Err(e) if e.cause != Cause::Unsupported => return Err(e),
            Err(_) => {}
        }
    }
    let v2 = lightpush::encode_request_v2(&id, topic, message);
    let bytes = shared
        .ask(peer, lightpush::PROTOCOL_V2, &v2, deadline)
        .await?;
    lightpush::decode_response_v2(&bytes, &id)
        .map_err(|c| RequestError::new(peer, lightpush::PROTOCOL_V2, c))
}
