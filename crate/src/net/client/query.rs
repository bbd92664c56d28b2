//! Store queries: one page from the best store peer with failover (an empty first page is checked
//! with a second store node), and the bounded walk along a peer's cursors.

use super::*;

/// Follows a store peer's cursors with a bound: each cursor at most once, at most `max_pages`
/// pages.
pub(super) struct CursorWalk {
    seen: HashSet<MessageHash>,
    pages: usize,
    max_pages: usize,
}

impl CursorWalk {
    pub(super) fn new(max_pages: usize) -> Self {
        Self {
            seen: HashSet::new(),
            pages: 0,
            max_pages: max_pages.max(1),
        }
    }

    /// The query for the page after `page`, `None` after the last page, or why the walk stops.
    pub(super) fn next(
        &mut self,
        peer: PeerId,
        query: &store::StoreQuery,
        page: &store::StorePage,
    ) -> Result<Option<store::StoreQuery>, ClientError> {
        self.pages += 1;
        let Some(cursor) = page.cursor else {
            return Ok(None);
        };
        if !self.seen.insert(cursor) || query.cursor == Some(cursor) {
            return Err(ClientError::AllFailed(vec![RequestError::new(
                peer,
                store::PROTOCOL,
                Cause::Malformed(format!("cursor {cursor} handed out twice")),
            )]));
        }
        if self.pages >= self.max_pages {
            return Err(ClientError::Invalid(format!(
                "query stopped after {} pages (ClientConfig::max_query_pages)",
                self.pages
            )));
        }
        Ok(Some(store::StoreQuery {
            cursor: Some(cursor),
            ..query.clone()
        }))
    }
}

/// One page from the best store peer that answers; the peer is returned with it.
pub(super) async fn query_page(
    shared: &Shared,
    query: &store::StoreQuery,
) -> Result<(PeerId, store::StorePage), ClientError> {
    if let Err(c) = query.validate() {
        return Err(ClientError::Invalid(c.to_string()));
    }
    let shard = query
        .pubsub_topic
        .as_deref()
        .and_then(|t| t.parse::<PubsubTopic>().ok())
        .map(|t| t.shard);
    let peers = shared.candidates(store::PROTOCOL, shard);
    if peers.is_empty() {
        return Err(ClientError::NoPeers {
            protocol: store::PROTOCOL,
        });
    }
    let mut errors = Vec::new();
    // An empty first page from one store node is not yet "nothing": a store that joined the mesh
    // after the messages went out has none of them. One other store node, when there is one, is
    // asked before nothing is believed; its answer (empty or not) is final.
    let mut empty: Option<(PeerId, store::StorePage)> = None;
    for peer in peers.into_iter().take(MAX_ATTEMPTS) {
        let id = runtime::request_id();
        let out = match shared
            .ask(
                peer,
                store::PROTOCOL,
                &query.encode_request(&id),
                shared.config.store_timeout,
            )
            .await
        {
            Ok(bytes) => store::decode_response(&bytes, &id)
                .map_err(|c| RequestError::new(peer, store::PROTOCOL, c)),
            Err(e) => Err(e),
        };
        match out {
            Ok(mut page) => {
                // nwaku sends every page oldest first, even when walking backwards; a newest-first
                // query should read newest first all the way through.
                if !query.forward {
                    page.messages.reverse();
                }
                let at_ms = runtime::SystemTime::now()
                    .duration_since(runtime::UNIX_EPOCH)
                    .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
                lock(&shared.book).on_store_answer(&peer, at_ms);
                shared.broadcast_health();
                if empty.is_none()
                    && query.cursor.is_none()
                    && page.messages.is_empty()
                    && page.cursor.is_none()
                {
                    empty = Some((peer, page));
                    continue;
                }
                return Ok((peer, page));
            }
            Err(e) => {
                let transient = e.cause.is_transient();
                errors.push(e);
                if !transient {
                    break;
                }
            }
        }
    }
    match empty {
        Some(answer) => Ok(answer),
        None => Err(ClientError::AllFailed(errors)),
    }
}
