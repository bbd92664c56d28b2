//! Why one exchange with a service peer failed: below the protocol (no connection, no answer,
//! a broken stream) or in its answer (a refusal with the protocol's status code). Lives with
//! the protocols, whose answer checks produce it; `net` wraps it with the peer and protocol
//! (`net::RequestError`), so neither layer imports the other in a loop.

use std::time::Duration;

use super::{filter, lightpush, peer_exchange, store};

/// What went wrong, below the protocol's own answer or in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Cause {
    #[error("no connection: {0}")]
    Unreachable(String),
    #[error("the peer does not speak this protocol")]
    Unsupported,
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("stream failed: {0}")]
    Stream(String),
    #[error("answer does not decode: {0}")]
    Malformed(String),
    #[error("answer is for request {got:?}, not {sent:?}")]
    WrongRequestId { sent: String, got: String },
    #[error("refused with lightpush {code}{}", desc_suffix(.desc))]
    Lightpush {
        code: lightpush::StatusCode,
        desc: Option<String>,
    },
    #[error("refused with store {code}{}", desc_suffix(.desc))]
    Store {
        code: store::StatusCode,
        desc: Option<String>,
    },
    #[error("refused with filter {code}{}", desc_suffix(.desc))]
    Filter {
        code: filter::StatusCode,
        desc: Option<String>,
    },
    #[error("refused with peer exchange {code}{}", desc_suffix(.desc))]
    PeerExchange {
        code: peer_exchange::StatusCode,
        desc: Option<String>,
    },
    #[error("no peer offers this protocol")]
    NoPeers,
}

fn desc_suffix(desc: &Option<String>) -> String {
    desc.as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

impl Cause {
    /// The service node rate-limited us (status 429): back off from this peer for a while.
    pub fn is_rate_limited(&self) -> bool {
        match self {
            Self::Lightpush { code, .. } => *code == lightpush::StatusCode::TooManyRequests,
            Self::Store { code, .. } => *code == store::StatusCode::TooManyRequests,
            Self::Filter { code, .. } => *code == filter::StatusCode::TooManyRequests,
            Self::PeerExchange { code, .. } => *code == peer_exchange::StatusCode::TooManyRequests,
            _ => false,
        }
    }

    /// The same request may succeed on another peer: the request itself was not at fault.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Lightpush { code, .. } => code.is_transient(),
            Self::Store { code, .. } => !matches!(code, store::StatusCode::BadRequest),
            Self::Filter { code, .. } => !matches!(code, filter::StatusCode::BadRequest),
            Self::PeerExchange { code, .. } => {
                !matches!(code, peer_exchange::StatusCode::BadRequest)
            }
            Self::NoPeers => false,
            _ => true,
        }
    }
}
