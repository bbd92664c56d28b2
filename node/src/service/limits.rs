//! How much of the node one remote party can take: connections in total, per peer and per IP
//! address, streams per connection, and the process memory above which new connections are
//! refused. Peer ids are free, so every per-peer limit has a per-IP twin.
//!
//! Each default is nwaku's where nwaku has one (cited on the field); where nwaku has none, the
//! field says so and why ours is what it is.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::IpAddr;
use std::task::{Context, Poll};

use libp2p::core::transport::PortUse;
use libp2p::core::{Endpoint, Multiaddr};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{
    ConnectionClosed, ConnectionDenied, ConnectionId, FromSwarm, ListenFailure, NetworkBehaviour,
    THandler, THandlerInEvent, THandlerOutEvent, ToSwarm, dummy,
};
use libp2p::{PeerId, connection_limits};

/// nwaku `--max-connections` (`tools/confutils/cli_args.nim`, `defaultValue: 50`).
pub const DEFAULT_MAX_CONNECTIONS: u32 = 50;
/// nwaku `--ip-colocation-limit` (`DefaultColocationLimit = 5`,
/// `waku/node/peer_manager/peer_manager.nim`).
pub const DEFAULT_MAX_PER_IP: u32 = 5;
/// A browser may hold a WebSocket and a WebRTC-direct connection to us at once. nwaku sets no
/// such limit in its own code (nim-libp2p's switch keeps one per peer in practice).
pub const DEFAULT_MAX_PER_PEER: u32 = 2;
/// Handshakes under way at once. nwaku has no separate figure; handshakes cost memory before a
/// peer is known, so we allow no more of them than of established connections.
pub const DEFAULT_MAX_PENDING: u32 = DEFAULT_MAX_CONNECTIONS;
/// Inbound request streams open at once on one connection. rust-libp2p's `request_response`
/// default (`Config::default`, 100); nwaku's own code sets none.
pub const DEFAULT_MAX_STREAMS: usize = 100;
/// Above this resident memory the node takes no new connection (libp2p
/// `memory_connection_limits`). nwaku has no such limit.
pub const DEFAULT_MAX_MEMORY_MIB: usize = 1024;

/// The connection limits the swarm enforces; built from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub max_connections: u32,
    pub max_pending: u32,
    pub max_per_peer: u32,
    /// 0 turns the per-IP limit off, as nwaku's `--ip-colocation-limit=0` does.
    pub max_per_ip: u32,
    pub max_streams: usize,
    pub max_memory_mib: usize,
    /// Whether per-IP limits (connections and rates) also count loopback addresses. Off by
    /// default: behind a local TLS proxy (the usual way to offer `/wss`) every peer arrives
    /// from 127.0.0.1, and a per-IP limit there would be a limit on everyone.
    pub limit_loopback: bool,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_pending: DEFAULT_MAX_PENDING,
            max_per_peer: DEFAULT_MAX_PER_PEER,
            max_per_ip: DEFAULT_MAX_PER_IP,
            max_streams: DEFAULT_MAX_STREAMS,
            max_memory_mib: DEFAULT_MAX_MEMORY_MIB,
            limit_loopback: false,
        }
    }
}

impl ConnectionLimits {
    /// rust-libp2p's totals and per-peer counts.
    pub fn behaviour(&self) -> connection_limits::Behaviour {
        connection_limits::Behaviour::new(
            connection_limits::ConnectionLimits::default()
                .with_max_established(Some(self.max_connections))
                .with_max_pending_incoming(Some(self.max_pending))
                .with_max_established_per_peer(Some(self.max_per_peer)),
        )
    }

    /// The address per-IP limits count `addr` under, if any.
    pub fn ip_key(&self, addr: &Multiaddr) -> Option<IpAddr> {
        ip_of(addr).filter(|ip| self.limit_loopback || !ip.is_loopback())
    }

    pub fn memory_behaviour(&self) -> libp2p::memory_connection_limits::Behaviour {
        libp2p::memory_connection_limits::Behaviour::with_max_bytes(
            self.max_memory_mib.saturating_mul(1024 * 1024),
        )
    }
}

/// The IP address a connection comes from, if its address names one.
pub fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

/// Why a connection was refused by [`PerIp`].
#[derive(Debug, thiserror::Error)]
#[error("{ip} already holds {limit} connections")]
pub struct TooManyFromIp {
    pub ip: IpAddr,
    pub limit: u32,
}

/// Inbound connections per remote IP address, pending and established together, so a flood of
/// fresh peer ids from one host is refused before its handshakes cost anything.
pub struct PerIp {
    limits: ConnectionLimits,
    limit: u32,
    connections: HashMap<ConnectionId, IpAddr>,
    per_ip: HashMap<IpAddr, u32>,
}

impl PerIp {
    pub fn new(limits: ConnectionLimits) -> Self {
        Self {
            limits,
            limit: limits.max_per_ip,
            connections: HashMap::new(),
            per_ip: HashMap::new(),
        }
    }

    fn forget(&mut self, id: ConnectionId) {
        if let Some(ip) = self.connections.remove(&id)
            && let Some(n) = self.per_ip.get_mut(&ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_ip.remove(&ip);
            }
        }
    }

    /// Connections counted against `ip` now.
    pub fn count(&self, ip: &IpAddr) -> u32 {
        self.per_ip.get(ip).copied().unwrap_or(0)
    }
}

impl NetworkBehaviour for PerIp {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    fn handle_pending_inbound_connection(
        &mut self,
        id: ConnectionId,
        _local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        let Some(ip) = self.limits.ip_key(remote) else {
            return Ok(());
        };
        if self.limit > 0 && self.count(&ip) >= self.limit {
            return Err(ConnectionDenied::new(TooManyFromIp {
                ip,
                limit: self.limit,
            }));
        }
        self.connections.insert(id, ip);
        *self.per_ip.entry(ip).or_default() += 1;
        Ok(())
    }

    fn handle_established_inbound_connection(
        &mut self,
        _id: ConnectionId,
        _peer: PeerId,
        _local: &Multiaddr,
        _remote: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _id: ConnectionId,
        _peer: PeerId,
        _addr: &Multiaddr,
        _role: Endpoint,
        _port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionClosed(ConnectionClosed { connection_id, .. })
            | FromSwarm::ListenFailure(ListenFailure { connection_id, .. }) => {
                self.forget(connection_id)
            }
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        _peer: PeerId,
        _id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}
