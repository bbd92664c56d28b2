//! More peers: node records (ENR) from DNS discovery and peer exchange, and asking for them
//! while the client has fewer than it wants.

use super::*;

pub(super) fn add_enr(shared: &Shared, enr: &Enr, source: Source) -> Result<usize, ClientError> {
    let peer = enr.peer_id();
    if peer == shared.local_peer {
        return Ok(0);
    }
    let addrs: Vec<Multiaddr> = enr
        .dialable_multiaddrs()
        .into_iter()
        .filter_map(|a| split_peer(&a).map(|(_, bare)| bare))
        .filter(Shared::dialable)
        .collect();
    if addrs.is_empty() {
        return Ok(0);
    }
    // Into the book first, with the shards the record announces; the network task then gives
    // the swarm the addresses and dials.
    {
        let mut book = lock(&shared.book);
        for addr in &addrs {
            book.add(peer, addr.clone(), source);
        }
        if let Ok(Some(rs)) = enr.relay_shards() {
            book.set_shards(&peer, rs.cluster, rs.shards);
        }
    }
    let n = addrs.len();
    for addr in addrs {
        shared
            .commands
            .unbounded_send(Command::AddPeer(peer, addr, source))
            .map_err(|_| ClientError::Start("the network task has stopped".into()))?;
    }
    Ok(n)
}

pub(super) async fn peer_exchange_once(shared: &Shared, want: u64) -> Result<usize, ClientError> {
    let peers = shared.candidates(peer_exchange::PROTOCOL, None);
    if peers.is_empty() {
        return Err(ClientError::NoPeers {
            protocol: peer_exchange::PROTOCOL,
        });
    }
    let mut errors = Vec::new();
    for peer in peers.into_iter().take(MAX_ATTEMPTS) {
        let out = match shared
            .ask(
                peer,
                peer_exchange::PROTOCOL,
                &peer_exchange::encode_request(want),
                shared.config.request_timeout,
            )
            .await
        {
            Ok(bytes) => peer_exchange::decode_response(&bytes)
                .map_err(|c| RequestError::new(peer, peer_exchange::PROTOCOL, c)),
            Err(e) => Err(e),
        };
        match out {
            Ok((enrs, bad)) => {
                if bad > 0 {
                    tracing::debug!(%peer, bad, "peer exchange: records that do not verify");
                }
                let mut usable = 0;
                for enr in &enrs {
                    usable += usize::from(add_enr(shared, enr, Source::PeerExchange)? > 0);
                }
                return Ok(usable);
            }
            Err(e) => errors.push(e),
        }
    }
    Err(ClientError::AllFailed(errors))
}

/// While the client holds fewer service peers than it wants (two for lightpush, two for filter,
/// one more for store), it asks for more by peer exchange now and then.
pub(super) async fn keep_discovering(shared: std::sync::Weak<Shared>) {
    runtime::sleep(Duration::from_secs(2)).await;
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        let wanted = strong.config.lightpush_peers + strong.config.filter_peers + 1;
        if lock(&strong.book).health(&[]).connected < wanted
            && let Err(e) = peer_exchange_once(&strong, 2 * wanted as u64).await
        {
            tracing::debug!("peer exchange: {e}");
        }
        drop(strong);
        runtime::sleep(PEER_EXCHANGE_INTERVAL).await;
    }
}
