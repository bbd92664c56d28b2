//! Request rate limits per protocol and peer, configured with nwaku's `--rate-limit` syntax:
//! `[store|lightpush|filter|px:]<volume>/<period><h|m|s|ms>`.
//!
//! nwaku's defaults: filter 30 per minute per peer, everything else unlimited. A limited request is
//! not read: the service writes its canned 429 answer (`request_id` "N/A") and closes the stream.

use std::collections::HashMap;
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

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets per (protocol, peer). Buckets idle for two periods are forgotten, so memory
/// follows the number of active peers, not of peers ever seen.
pub struct RateLimiter {
    rates: HashMap<Limited, Rate>,
    buckets: Mutex<HashMap<(Limited, PeerId), Bucket>>,
}

impl RateLimiter {
    pub fn new(rates: HashMap<Limited, Rate>) -> Self {
        Self {
            rates,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// nwaku's defaults.
    pub fn default_rates() -> HashMap<Limited, Rate> {
        HashMap::from([(
            Limited::Filter,
            Rate {
                volume: 30,
                period: Duration::from_secs(60),
            },
        )])
    }

    /// Takes one token for `peer` on `proto`; false means answer 429.
    pub fn allow(&self, proto: Limited, peer: PeerId, now: Instant) -> bool {
        let Some(rate) = self.rates.get(&proto) else {
            return true;
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 10_000 {
            let horizon = rate.period * 2;
            buckets.retain(|_, b| now.duration_since(b.updated) < horizon);
        }
        let bucket = buckets.entry((proto, peer)).or_insert(Bucket {
            tokens: f64::from(rate.volume),
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() / rate.period.as_secs_f64();
        bucket.tokens =
            (bucket.tokens + refill * f64::from(rate.volume)).min(f64::from(rate.volume));
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
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
        assert!((0..3).all(|_| rl.allow(Limited::Store, p, t)));
        assert!(!rl.allow(Limited::Store, p, t));
        assert!(rl.allow(Limited::Store, PeerId::random(), t), "per peer");
        assert!(rl.allow(Limited::Lightpush, p, t), "unlimited protocol");
        assert!(
            rl.allow(Limited::Store, p, t + Duration::from_secs(1)),
            "refilled one token"
        );
    }
}
