//! Store v3: `/vac/waku/store-query/3.0.0`.

use super::status_codes;

pub const PROTOCOL: &str = "/vac/waku/store-query/3.0.0";

/// nwaku `DefaultPageSize`: used when the request says 0 or nothing.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// nwaku `MaxPageSize`: larger requests are capped silently.
pub const MAX_PAGE_SIZE: u64 = 100;
/// nwaku `MaxContentTopicsPerQuery`.
pub const MAX_CONTENT_TOPICS: usize = 10;
/// nwaku postgres driver `MaxHashesPerQuery`: clients send at most this many per request.
pub const MAX_HASHES: usize = 100;
/// nwaku `MaxMessageTimestampVariance`: the archive refuses messages further from its clock.
pub const MAX_TIMESTAMP_VARIANCE_NS: i64 = 20_000_000_000;
/// What one stored entry adds around its message: the 32-byte hash, the pubsub topic, and the
/// protobuf tags and lengths.
pub const ENTRY_OVERHEAD: usize = 1024;
/// The largest legal answer: a full page ([`MAX_PAGE_SIZE`] messages, each at the message size
/// limit, with its entry overhead), plus 64 KiB for the cursor, status and request id. nwaku reads
/// store frames without a bound (`DefaultMaxRpcSize = -1`, `waku_store/rpc_codec.nim`); we bound
/// them by what an honest node can send, and read only what arrives (`net::codec`).
pub const MAX_RESPONSE_FRAME: usize = MAX_PAGE_SIZE as usize
    * (crate::waku::message::DEFAULT_MAX_MESSAGE_SIZE + ENTRY_OVERHEAD)
    + 64 * 1024;
pub const MAX_REQUEST_FRAME: usize = 64 * 1024;

status_codes! {
    /// nwaku's store v3 codes (`waku_store/common.nim`).
    StatusCode {
        Ok = 200,
        /// Archive errors ("archive error: …"), and too many content topics with a cursor.
        BadResponse = 300,
        BadRequest = 400,
        TooManyRequests = 429,
        ServiceUnavailable = 503,
        /// Client side: the store node could not be reached.
        PeerDialFailure = 504,
    }
}

// ---------------------------------------------------------------------------------------------
// Client side (sans-IO): the query a caller builds, and the page an answer becomes.

use prost::Message as _;

use super::Cause;
use crate::proto::waku::store::v3::{StoreQueryRequest, StoreQueryResponse};
use crate::waku::{MessageHash, WakuMessage};

/// A store query, built by chaining. Newest first unless [`StoreQuery::forward`] says otherwise,
/// because a reader wants the latest messages before the old ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreQuery {
    pub pubsub_topic: Option<String>,
    pub content_topics: Vec<String>,
    pub time_start_ns: Option<i64>,
    pub time_end_ns: Option<i64>,
    pub hashes: Vec<MessageHash>,
    pub forward: bool,
    pub page_size: u64,
    pub include_data: bool,
    /// Where to resume: the cursor of the last page read.
    pub cursor: Option<MessageHash>,
}

impl Default for StoreQuery {
    fn default() -> Self {
        Self {
            pubsub_topic: None,
            content_topics: Vec::new(),
            time_start_ns: None,
            time_end_ns: None,
            hashes: Vec::new(),
            forward: false,
            page_size: DEFAULT_PAGE_SIZE,
            include_data: true,
            cursor: None,
        }
    }
}

impl StoreQuery {
    /// Messages on `pubsub_topic` with any of `content_topics` (at most [`MAX_CONTENT_TOPICS`]).
    pub fn topics(
        pubsub_topic: impl Into<String>,
        content_topics: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            pubsub_topic: Some(pubsub_topic.into()),
            content_topics: content_topics.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// The messages with these hashes, wherever they were published.
    pub fn hashes(hashes: impl IntoIterator<Item = MessageHash>) -> Self {
        Self {
            hashes: hashes.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Only messages stamped at or after `start_ns` and before or at `end_ns` (nanoseconds).
    pub fn time_range(mut self, start_ns: Option<i64>, end_ns: Option<i64>) -> Self {
        self.time_start_ns = start_ns;
        self.time_end_ns = end_ns;
        self
    }

    pub fn forward(mut self, forward: bool) -> Self {
        self.forward = forward;
        self
    }

    /// Messages per page; nodes cap it at [`MAX_PAGE_SIZE`] and treat 0 as [`DEFAULT_PAGE_SIZE`].
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = size;
        self
    }

    /// Hashes only, no message bodies: enough to learn what is missing.
    pub fn include_data(mut self, include: bool) -> Self {
        self.include_data = include;
        self
    }

    /// Checks what every store node would refuse, before anything is sent.
    pub fn validate(&self) -> Result<(), Cause> {
        let bad = |why: String| {
            Err(Cause::Store {
                code: StatusCode::BadRequest,
                desc: Some(why),
            })
        };
        if self.hashes.is_empty() && self.pubsub_topic.is_none() {
            return bad("a query needs a pubsub topic or message hashes".into());
        }
        if !self.hashes.is_empty()
            && (self.pubsub_topic.is_some() || !self.content_topics.is_empty())
        {
            return bad("a hash query takes no topics".into());
        }
        if self.pubsub_topic.is_some() && self.content_topics.is_empty() {
            return bad("a topic query needs at least one content topic".into());
        }
        if self.content_topics.len() > MAX_CONTENT_TOPICS {
            return bad(format!(
                "{} content topics; a node takes at most {MAX_CONTENT_TOPICS}",
                self.content_topics.len()
            ));
        }
        if self.hashes.len() > MAX_HASHES {
            return bad(format!(
                "{} hashes; a node takes at most {MAX_HASHES}",
                self.hashes.len()
            ));
        }
        if let (Some(s), Some(e)) = (self.time_start_ns, self.time_end_ns)
            && s > e
        {
            return bad(format!("time range starts ({s}) after it ends ({e})"));
        }
        Ok(())
    }

    pub fn encode_request(&self, request_id: &str) -> Vec<u8> {
        StoreQueryRequest {
            request_id: request_id.into(),
            include_data: self.include_data,
            pubsub_topic: self.pubsub_topic.clone(),
            content_topics: self.content_topics.clone(),
            time_start: self.time_start_ns,
            time_end: self.time_end_ns,
            message_hashes: self.hashes.iter().map(|h| h.as_bytes().to_vec()).collect(),
            pagination_cursor: self.cursor.map(|c| c.as_bytes().to_vec()),
            pagination_forward: self.forward,
            pagination_limit: Some(self.page_size),
        }
        .encode_to_vec()
    }
}

/// One message of a page: its hash as the node gave it, and the message when data was asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage {
    pub hash: MessageHash,
    pub pubsub_topic: Option<String>,
    pub message: Option<WakuMessage>,
}

/// One answer: its messages in the order asked for, and where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct StorePage {
    pub messages: Vec<StoredMessage>,
    pub cursor: Option<MessageHash>,
}

/// Reads an answer. A message whose hash is not 32 bytes is an error; so is a cursor.
pub fn decode_response(bytes: &[u8], request_id: &str) -> Result<StorePage, Cause> {
    let res = StoreQueryResponse::decode(bytes).map_err(|e| Cause::Malformed(e.to_string()))?;
    let code = StatusCode::from_code(res.status_code.unwrap_or(0));
    if code != StatusCode::TooManyRequests && res.request_id != request_id {
        return Err(Cause::WrongRequestId {
            sent: request_id.into(),
            got: res.request_id,
        });
    }
    if code != StatusCode::Ok {
        return Err(Cause::Store {
            code,
            desc: res.status_desc,
        });
    }
    let hash = |bytes: Vec<u8>, what: &str| {
        <[u8; 32]>::try_from(bytes.as_slice())
            .map(MessageHash)
            .map_err(|_| Cause::Malformed(format!("{what} is {} bytes, not 32", bytes.len())))
    };
    let mut messages = Vec::with_capacity(res.messages.len());
    for kv in res.messages {
        messages.push(StoredMessage {
            hash: hash(kv.message_hash.unwrap_or_default(), "a message hash")?,
            pubsub_topic: kv.pubsub_topic,
            message: kv.message,
        });
    }
    let cursor = res
        .pagination_cursor
        .map(|c| hash(c, "the cursor"))
        .transpose()?;
    Ok(StorePage { messages, cursor })
}
