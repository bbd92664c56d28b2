//! The Waku protocols a light client and its service node speak. Each module holds the protocol
//! id, the limits nwaku enforces (named, with where nwaku sets them) and the status codes, shared
//! by the client in this crate and the service node in `node/`.

mod cause;
pub mod filter;
pub mod lightpush;
pub mod metadata;
pub mod peer_exchange;
pub mod store;

pub use cause::Cause;

/// Largest request and response frame per protocol, checked before anything is allocated (and
/// read only as bytes arrive, `net::codec`).
pub fn frame_limits(protocol: &str) -> (usize, usize) {
    match protocol {
        lightpush::PROTOCOL_V3 | lightpush::PROTOCOL_V2 => (lightpush::MAX_FRAME, 64 * 1024),
        store::PROTOCOL => (store::MAX_REQUEST_FRAME, store::MAX_RESPONSE_FRAME),
        filter::SUBSCRIBE_PROTOCOL => (filter::MAX_REQUEST_FRAME, filter::MAX_REQUEST_FRAME),
        metadata::PROTOCOL => (metadata::MAX_FRAME, metadata::MAX_FRAME),
        peer_exchange::PROTOCOL => (1024, peer_exchange::MAX_FRAME),
        _ => (64 * 1024, 64 * 1024),
    }
}

/// `request_id` nwaku writes into every rate-limited (429) answer, whatever the request said.
pub const RATE_LIMITED_REQUEST_ID: &str = "N/A";

/// Defines a status-code enum over the `u32` on the wire, keeping unknown codes rather than
/// failing, so a newer service node's code still reaches the caller.
macro_rules! status_codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A code this version does not know.
            Other(u32),
        }

        impl $name {
            pub const fn code(self) -> u32 {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Other(c) => c,
                }
            }

            pub const fn from_code(code: u32) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    c => Self::Other(c),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    Self::Other(c) => write!(f, "{c}"),
                    s => write!(f, "{} {:?}", s.code(), s),
                }
            }
        }
    };
}
pub(crate) use status_codes;
