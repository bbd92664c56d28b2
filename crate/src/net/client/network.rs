//! The task that owns the swarm (dials, redials, connection events, identify), and the
//! answers to what service nodes open towards us (metadata, filter pushes).

use super::*;

pub(super) fn dial(swarm: &mut libp2p::Swarm<Behaviour>, shared: &Shared, peer: PeerId) {
    let addrs: Vec<Multiaddr> = lock(&shared.book)
        .get(&peer)
        .map(|r| {
            r.addrs
                .iter()
                .filter(|a| Shared::dialable(a))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if addrs.is_empty() {
        return;
    }
    let opts = DialOpts::peer_id(peer)
        .addresses(addrs)
        .condition(PeerCondition::DisconnectedAndNotDialing)
        .build();
    if let Err(e) = swarm.dial(opts) {
        tracing::debug!(%peer, "dial: {e}");
    }
}

/// Kept peers (bootstrap and store) are redialed after a backoff when they drop or fail.
pub(super) fn schedule_redial(shared: &Arc<Shared>, peer: PeerId) {
    let wait = {
        let mut book = lock(&shared.book);
        let kept = book.get(&peer).is_some_and(|r| {
            r.sources.contains(&Source::Bootstrap) || r.sources.contains(&Source::Store)
        });
        if !kept || !lock(&shared.redialing).insert(peer) {
            return;
        }
        book.on_failure(&peer, Instant::now())
    };
    let commands = shared.commands.clone();
    runtime::spawn(async move {
        runtime::sleep(wait).await;
        let _ = commands.unbounded_send(Command::Redial(peer));
    });
}

pub(super) async fn drive(
    mut swarm: libp2p::Swarm<Behaviour>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    shared: std::sync::Weak<Shared>,
) {
    loop {
        let event = futures::select! {
            cmd = commands.next() => match cmd {
                Some(c) => Ok(c),
                None => return,
            },
            ev = swarm.select_next_some() => Err(ev),
        };
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match event {
            Ok(Command::Redial(peer)) => {
                lock(&shared.redialing).remove(&peer);
                dial(&mut swarm, &shared, peer)
            }
            Ok(Command::AddPeer(peer, addr, source)) => {
                lock(&shared.book).add(peer, addr.clone(), source);
                swarm.add_peer_address(peer, addr);
                dial(&mut swarm, &shared, peer);
            }
            Err(SwarmEvent::ConnectionEstablished {
                peer_id, endpoint, ..
            }) => {
                tracing::debug!(peer = %peer_id, addr = %endpoint.get_remote_address(), "connected");
                lock(&shared.book).on_connected(peer_id, endpoint.get_remote_address());
                shared.broadcast_peer(PeerEvent::Connected);
                shared.broadcast_health();
                runtime::spawn(ask_metadata(std::sync::Arc::downgrade(&shared), peer_id));
            }
            Err(SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                cause,
                ..
            }) => {
                tracing::debug!(peer = %peer_id, ?cause, "disconnected");
                lock(&shared.book).on_disconnected(&peer_id);
                shared.broadcast_peer(PeerEvent::Disconnected(peer_id));
                shared.broadcast_health();
                schedule_redial(&shared, peer_id);
            }
            Err(SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer),
                error,
                ..
            }) => {
                tracing::debug!(%peer, "dial failed: {error}");
                let connected = lock(&shared.book)
                    .get(&peer)
                    .is_some_and(|r| r.connected.is_some());
                if !connected {
                    schedule_redial(&shared, peer);
                }
            }
            Err(SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            }))) => {
                lock(&shared.book)
                    .on_identified(&peer_id, info.protocols.iter().map(|p| p.to_string()));
                shared.broadcast_health();
            }
            Err(_) => {}
        }
    }
}

/// nwaku asks every peer that connects for its cluster and drops those that do not answer.
pub(super) async fn answer_metadata(
    mut incoming: mpsc::UnboundedReceiver<crate::net::inbound::Incoming>,
    cluster: u16,
    shards: Vec<u16>,
) {
    let answer = metadata::encode_response(cluster, &shards);
    while let Some((peer, mut stream)) = incoming.next().await {
        let answer = answer.clone();
        runtime::spawn(async move {
            let exchange = async {
                read_frame(&mut stream, metadata::MAX_FRAME).await.ok()?;
                write_frame(&mut stream, &answer).await.ok()?;
                futures::AsyncWriteExt::close(&mut stream).await.ok()
            };
            if runtime::timeout(Duration::from_secs(10), exchange)
                .await
                .flatten()
                .is_none()
            {
                tracing::debug!(%peer, "metadata question not answered");
            }
        });
    }
}

/// Each filter peer opens one push stream and keeps it; every frame on it is one message.
pub(super) async fn read_pushes(
    mut incoming: mpsc::UnboundedReceiver<crate::net::inbound::Incoming>,
    shared: std::sync::Weak<Shared>,
) {
    while let Some((peer, mut stream)) = incoming.next().await {
        let shared = shared.clone();
        runtime::spawn(async move {
            loop {
                let frame = match read_frame(&mut stream, filter::MAX_PUSH_FRAME).await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!(%peer, "push stream: {e}");
                        break;
                    }
                };
                let Some(shared) = shared.upgrade() else {
                    break;
                };
                let limits = MessageLimits {
                    max_size: shared.config.max_message_size,
                };
                match filter::decode_push(&frame, limits) {
                    Ok((topic, message)) => shared.dispatch_push(peer, topic, message),
                    Err(e) => tracing::debug!(%peer, "push dropped: {e}"),
                }
            }
        });
    }
}

/// Asks a new peer for its cluster and shards, as nwaku and js-waku do, so that peer choice can
/// leave out a node of another cluster. A peer that does not answer is kept (not every service
/// node serves metadata) and learned about through identify instead.
pub(super) async fn ask_metadata(shared: std::sync::Weak<Shared>, peer: PeerId) {
    let Some(strong) = shared.upgrade() else {
        return;
    };
    let body = metadata::encode_request(strong.config.cluster, &strong.config.shards);
    let mut control = strong.control();
    let deadline = strong.config.request_timeout;
    drop(strong);
    let answer = request(&mut control, peer, metadata::PROTOCOL, &body, deadline).await;
    let Some(shared) = shared.upgrade() else {
        return;
    };
    match answer.map(|b| metadata::decode_response(&b)) {
        Ok(Ok((cluster, shards))) => {
            if cluster != shared.config.cluster {
                tracing::info!(%peer, cluster, "peer serves another cluster; not using it");
            }
            lock(&shared.book).set_shards(&peer, cluster, shards);
        }
        Ok(Err(e)) => tracing::debug!(%peer, "metadata answer: {e}"),
        Err(e) => tracing::debug!("{e}"),
    }
}
