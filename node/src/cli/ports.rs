//! Ports: a taken port is named with the flag that changes it, before libp2p or the HTTP server
//! would fail on it with a bare error; `hearth serve` moves to free ports instead.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};

use libp2p::Multiaddr;
use libp2p::multiaddr::Protocol;

/// The socket a listen multiaddr binds, and whether it is UDP.
fn socket_of(addr: &Multiaddr) -> Option<(SocketAddr, bool)> {
    let mut ip = None;
    for p in addr.iter() {
        match p {
            Protocol::Ip4(a) => ip = Some(std::net::IpAddr::V4(a)),
            Protocol::Ip6(a) => ip = Some(std::net::IpAddr::V6(a)),
            Protocol::Tcp(port) => return ip.map(|ip| (SocketAddr::new(ip, port), false)),
            Protocol::Udp(port) => return ip.map(|ip| (SocketAddr::new(ip, port), true)),
            _ => {}
        }
    }
    None
}

/// Whether `addr` can be bound now (port 0 always can).
pub fn is_free(addr: SocketAddr, udp: bool) -> bool {
    if addr.port() == 0 {
        return true;
    }
    if udp {
        UdpSocket::bind(addr).is_ok()
    } else {
        TcpListener::bind(addr).is_ok()
    }
}

/// Checks every listener and the HTTP address; the first taken one is an error that says which
/// flag moves it.
pub fn check_free(listen: &[Multiaddr], http: Option<SocketAddr>) -> Result<(), String> {
    for addr in listen {
        if let Some((sock, udp)) = socket_of(addr)
            && !is_free(sock, udp)
        {
            return Err(format!(
                "{} port {} is in use (another program holds it); listen elsewhere with \
                 --listen {}",
                if udp { "UDP" } else { "TCP" },
                sock.port(),
                addr.to_string()
                    .replace(&sock.port().to_string(), "<free port>")
            ));
        }
    }
    if let Some(http) = http
        && !is_free(http, false)
    {
        return Err(format!(
            "HTTP port {} is in use (another program holds it); choose another with --http {}:<port> \
             (or --http off)",
            http.port(),
            http.ip()
        ));
    }
    Ok(())
}

/// `preferred` on loopback if free, else the next free port above it, else any the OS gives.
pub fn free_port(preferred: u16, udp: bool) -> u16 {
    for port in preferred..preferred.saturating_add(20) {
        if is_free(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), udp) {
            return port;
        }
    }
    let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let port = if udp {
        UdpSocket::bind(any).and_then(|s| s.local_addr())
    } else {
        TcpListener::bind(any).and_then(|s| s.local_addr())
    };
    port.map(|a| a.port()).unwrap_or(preferred)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_names_its_flag() {
        let held = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = held.local_addr().unwrap().port();
        let ws: Multiaddr = format!("/ip4/127.0.0.1/tcp/{port}/ws").parse().unwrap();
        let e = check_free(&[ws], None).unwrap_err();
        assert!(e.contains(&format!("port {port} is in use")), "{e}");
        assert!(
            e.contains("--listen /ip4/127.0.0.1/tcp/<free port>/ws"),
            "{e}"
        );
        let e = check_free(&[], Some(held.local_addr().unwrap())).unwrap_err();
        assert!(e.contains("--http"), "{e}");
        assert_ne!(free_port(port, false), port);
    }
}
