//! Request rate limits per protocol and peer, configured with nwaku's `--rate-limit` syntax:
//! `[store|lightpush|filter|px:]<volume>/<period><h|m|s|ms>`.
//!
//! nwaku's defaults (`DefaultProtocolRateLimit`, `waku/common/rate_limit/setting.nim`): filter 30
//! per minute per peer, everything else unlimited. Ours limit every served protocol by default,
//! because a node facing the internet must not answer 500 store queries a second to one peer;
//! the figures leave an honest client far below them (see [`RateLimiter::default_rates`]).
//!
//! Peer ids are free, so each limit also holds per remote IP address, with a bucket
//! `ip_factor` times as large (by default nwaku's colocation limit, 5: as many peers as one IP
//! may connect). A limited request is not read: the service writes its canned 429 answer
//! (`request_id` "N/A") and closes the stream.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use libp2p::PeerId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limited {
    Store,
    Lightpush,
    Filter,
    PeerExchange,
}

/// `volume` requests per `period`, refilled continuously.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub volume: u32,
    pub period: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RateError {
    #[error("rate limit {0:?}: expected [store|lightpush|filter|px:]<volume>/<period>(h|m|s|ms)")]
    Syntax(String),
    #[error("rate limit {0:?}: unknown protocol (store, lightpush, filter, px)")]
    Protocol(String),
}

/// Parses one `--rate-limit` value. A bare rate applies to every protocol.
pub fn parse_rate_limit(s: &str) -> Result<(Option<Limited>, Rate), RateError> {
    let (proto, rate) = match s.split_once(':') {
        Some((p, r)) => (
            Some(match p {
                "store" | "storev3" => Limited::Store,
                "lightpush" => Limited::Lightpush,
                "filter" => Limited::Filter,
                "px" => Limited::PeerExchange,
                _ => return Err(RateError::Protocol(s.into())),
            }),
            r,
        ),
        None => (None, s),
    };
    let syntax = || RateError::Syntax(s.into());
    let (volume, period) = rate.split_once('/').ok_or_else(syntax)?;
    let volume: u32 = volume.parse().map_err(|_| syntax())?;
    let split = period
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(syntax)?;
    let (n, unit) = period.split_at(split);
    let n: u64 = n.parse().map_err(|_| syntax())?;
    let period = match unit {
        "h" => Duration::from_secs(n * 3600),
        "m" => Duration::from_secs(n * 60),
        "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        _ => return Err(syntax()),
    };
    if volume == 0 || period.is_zero() {
        return Err(syntax());
    }
    Ok((proto, Rate { volume, period }))
}

/// Whose bucket a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Peer(PeerId),
    Ip(IpAddr),
}

/// One token bucket, full at `volume` and refilled continuously over `period` (also what the
/// HTTP bridge limits each of its tokens with).
pub(crate) struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(crate) fn full(volume: u32, now: Instant) -> Self {
        Self {
            tokens: f64::from(volume),
            updated: now,
        }
    }

    /// How long until the next token, after a refused `take`.
    pub(crate) fn wait(&self, volume: f64, period: Duration) -> Duration {
        let missing = (1.0 - self.tokens).max(0.0);
        Duration::from_secs_f64(missing * period.as_secs_f64() / volume.max(1.0))
    }

    /// Refills for the time since the last call, then takes one token if there is one.
    pub(crate) fn take(&mut self, volume: f64, period: Duration, now: Instant) -> bool {
        let refill = now.duration_since(self.updated).as_secs_f64() / period.as_secs_f64();
        self.tokens = (self.tokens + refill * volume).min(volume);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Buckets kept before idle ones are swept.
const SWEEP_ABOVE: usize = 10_000;

/// Token buckets per (protocol, peer) and per (protocol, IP). Buckets idle for two periods are
/// forgotten, so memory follows the number of active peers, not of peers ever seen.
pub struct RateLimiter {
    rates: HashMap<Limited, Rate>,
    ip_factor: u32,
    buckets: Mutex<HashMap<(Limited, Who), Bucket>>,
}

/// Default per-IP bucket size, as a multiple of the per-peer one: nwaku's colocation limit.
pub const DEFAULT_IP_FACTOR: u32 = super::limits::DEFAULT_MAX_PER_IP;

impl RateLimiter {
    pub fn new(rates: HashMap<Limited, Rate>) -> Self {
        Self::with_ip_factor(rates, DEFAULT_IP_FACTOR)
    }

    /// `ip_factor` 0 turns the per-IP buckets off.
    pub fn with_ip_factor(rates: HashMap<Limited, Rate>, ip_factor: u32) -> Self {
        Self {
            rates,
            ip_factor,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Every protocol limited. Filter is nwaku's (`FilterDefaultPerPeerRateLimit`, 30 a minute,
    /// `waku/common/rate_limit/setting.nim`); nwaku leaves the others unlimited, we do not:
    /// store 20 pages a second (a browser reads a few pages per view), lightpush 1,000 a minute
    /// (a chat client sends a few a minute; a burst of a thousand still passes), peer exchange
    /// 10 a minute (our client asks once a minute while short of peers).
    pub fn default_rates() -> HashMap<Limited, Rate> {
        let rate = |volume, secs| Rate {
            volume,
            period: Duration::from_secs(secs),
        };
        HashMap::from([
            (Limited::Filter, rate(30, 60)),
            (Limited::Store, rate(20, 1)),
            (Limited::Lightpush, rate(1000, 60)),
            (Limited::PeerExchange, rate(10, 60)),
        ])
    }

    /// Takes one token for `peer` (and for its IP address, when known) on `proto`; false means
    /// answer 429.
    pub fn allow(&self, proto: Limited, peer: PeerId, ip: Option<IpAddr>, now: Instant) -> bool {
        let Some(rate) = self.rates.get(&proto) else {
            return true;
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > SWEEP_ABOVE {
            let horizon = rate.period * 2;
            buckets.retain(|_, b| now.duration_since(b.updated) < horizon);
        }
        let volume = f64::from(rate.volume);
        if let Some(ip) = ip.filter(|_| self.ip_factor > 0) {
            let ip_volume = volume * f64::from(self.ip_factor);
            let bucket = buckets.entry((proto, Who::Ip(ip))).or_insert(Bucket {
                tokens: ip_volume,
                updated: now,
            });
            if !bucket.take(ip_volume, rate.period, now) {
                return false;
            }
        }
        let bucket = buckets.entry((proto, Who::Peer(peer))).or_insert(Bucket {
            tokens: volume,
            updated: now,
        });
        bucket.take(volume, rate.period, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nwaku_syntax() {
        assert_eq!(
            parse_rate_limit("filter:30/1m"),
            Ok((
                Some(Limited::Filter),
                Rate {
                    volume: 30,
                    period: Duration::from_secs(60)
                }
            ))
        );
        assert_eq!(
            parse_rate_limit("100/500ms"),
            Ok((
                None,
                Rate {
                    volume: 100,
                    period: Duration::from_millis(500)
                }
            ))
        );
        assert!(matches!(
            parse_rate_limit("relay:1/1s"),
            Err(RateError::Protocol(_))
        ));
        for bad in ["1", "1/", "x/1s", "1/1d", "0/1s", "1/0s", "1/s"] {
            assert!(
                matches!(parse_rate_limit(bad), Err(RateError::Syntax(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn bucket_limits_then_refills() {
        let rl = RateLimiter::new(HashMap::from([(
            Limited::Store,
            Rate {
                volume: 3,
                period: Duration::from_secs(3),
            },
        )]));
        let p = PeerId::random();
        let t = Instant::now();
        assert!((0..3).all(|_| rl.allow(Limited::Store, p, None, t)));
        assert!(!rl.allow(Limited::Store, p, None, t));
        assert!(
            rl.allow(Limited::Store, PeerId::random(), None, t),
            "per peer"
        );
        assert!(
            rl.allow(Limited::Lightpush, p, None, t),
            "unlimited protocol"
        );
        assert!(
            rl.allow(Limited::Store, p, None, t + Duration::from_secs(1)),
            "refilled one token"
        );
    }

    #[test]
    fn fresh_peer_ids_share_their_ip_bucket() {
        let rl = RateLimiter::with_ip_factor(
            HashMap::from([(
                Limited::Store,
                Rate {
                    volume: 2,
                    period: Duration::from_secs(60),
                },
            )]),
            3,
        );
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let t = Instant::now();
        // Each fresh peer id has a full bucket of its own, but the IP's holds 2 × 3 = 6.
        let allowed = (0..20)
            .filter(|_| rl.allow(Limited::Store, PeerId::random(), Some(ip), t))
            .count();
        assert_eq!(allowed, 6);
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        assert!(rl.allow(Limited::Store, PeerId::random(), Some(other), t));
    }
}
