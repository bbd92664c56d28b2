//! Where DNS discovery's TXT records come from ([`TxtResolver`] implementations).
//!
//! * In the browser, `DohResolver`: DNS-over-HTTPS through `fetch`, using the JSON API that
//!   Google and Cloudflare serve with CORS, because a web page cannot send DNS packets. Each
//!   endpoint sees which trees the user looks up; the defaults are the two js-waku also uses
//!   (through `dns-over-http-resolver`), and an app can name its own.
//! * Natively, `SystemResolver`: plain DNS through hickory-resolver, the resolver libp2p's
//!   `dns` transport already links, honouring the system's configuration.
//! * Anywhere, [`StaticResolver`]: a fixed map, so tests and the offline demo discover nodes
//!   with no network at all.
//!
//! The JSON answer is decoded by a pure function ([`parse_doh_json`]) so its corner cases
//! (quoted and split strings, NXDOMAIN, a missing `Answer`) are tested natively; only the
//! `fetch` around it is browser-only. The records DNS discovery needs are a few hundred bytes,
//! so answers over [`MAX_RESPONSE_BYTES`] are refused before being parsed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::waku::dns_discovery::{EnrTree, ResolveError, TxtResolver};

/// Google Public DNS's JSON API.
pub const GOOGLE: &str = "https://dns.google/resolve";
/// Cloudflare's JSON API (it wants `Accept: application/dns-json`).
pub const CLOUDFLARE: &str = "https://cloudflare-dns.com/dns-query";
/// Tried in order; the second answers when the first is blocked or down.
pub const DEFAULT_ENDPOINTS: &[&str] = &[GOOGLE, CLOUDFLARE];
/// A TXT answer for one tree record is under 1 KiB; 64 KiB leaves room for a name with many
/// unrelated records and still bounds what a hostile endpoint can make us parse.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// Per endpoint. DoH answers in tens of milliseconds when it works; a stalled endpoint should
/// hand over to the next quickly.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// The media type of the JSON API.
pub const DNS_JSON: &str = "application/dns-json";

/// RR type number of TXT (RFC 1035).
const TYPE_TXT: u64 = 16;
/// DNS response code NXDOMAIN (RFC 1035).
const RCODE_NXDOMAIN: u64 = 3;

/// What went wrong fetching or decoding a DNS-over-HTTPS answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DohError {
    #[error("answer is {len} bytes, over the {limit}-byte limit")]
    TooLarge { len: usize, limit: usize },
    #[error("answer is not JSON: {0}")]
    Json(String),
    #[error("answer has no numeric \"Status\"")]
    MissingStatus,
    #[error("no such name (NXDOMAIN)")]
    NxDomain,
    #[error("DNS response code {code}")]
    Status { code: u64 },
    #[error("\"Answer\" is not a list")]
    AnswerNotList,
    #[error("answer {index} has no string \"data\"")]
    MissingData { index: usize },
    #[error("answer {index}: TXT data {reason}")]
    BadTxt { index: usize, reason: &'static str },
    #[error("HTTP status {status} from {endpoint}")]
    Http { status: u16, endpoint: String },
    #[error("fetch failed: {0}")]
    Fetch(String),
    #[error("this JavaScript global scope has no fetch")]
    NoFetch,
    #[error("no answer within {ms} ms")]
    Timeout { ms: u128 },
    #[error("no DoH endpoints configured")]
    NoEndpoints,
}

impl From<DohError> for ResolveError {
    fn from(e: DohError) -> Self {
        match e {
            DohError::NxDomain => ResolveError::NxDomain,
            DohError::Status { code } => ResolveError::ResponseCode {
                code: u16::try_from(code).unwrap_or(u16::MAX),
            },
            DohError::TooLarge { limit, .. } => ResolveError::TooLarge { limit },
            DohError::Json(_)
            | DohError::MissingStatus
            | DohError::AnswerNotList
            | DohError::MissingData { .. }
            | DohError::BadTxt { .. } => ResolveError::Malformed(e.to_string()),
            DohError::Http { .. }
            | DohError::Fetch(_)
            | DohError::NoFetch
            | DohError::Timeout { .. }
            | DohError::NoEndpoints => ResolveError::Transport(e.to_string()),
        }
    }
}

/// The query URL for `name`'s TXT records at a JSON-API endpoint. The name is percent-encoded
/// (names are ASCII, but nothing stops a caller passing `&`).
pub fn query_url(endpoint: &str, name: &str) -> String {
    let mut url = String::with_capacity(endpoint.len() + name.len() + 16);
    url.push_str(endpoint);
    url.push(if endpoint.contains('?') { '&' } else { '?' });
    url.push_str("name=");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url.push_str("&type=TXT");
    url
}

/// Decodes a JSON-API answer into TXT records, one string per record with its
/// character-strings joined, as [`TxtResolver`] promises.
///
/// `Status` 3 is [`DohError::NxDomain`]; any other non-zero status is [`DohError::Status`];
/// status 0 without an `Answer` is a name with no records (`Ok(vec![])`). Answers of other
/// types (the CNAMEs a resolver follows on the way) are skipped.
pub fn parse_doh_json(body: &[u8]) -> Result<Vec<String>, DohError> {
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(DohError::TooLarge {
            len: body.len(),
            limit: MAX_RESPONSE_BYTES,
        });
    }
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| DohError::Json(e.to_string()))?;
    match json.get("Status").and_then(serde_json::Value::as_u64) {
        None => return Err(DohError::MissingStatus),
        Some(0) => {}
        Some(RCODE_NXDOMAIN) => return Err(DohError::NxDomain),
        Some(code) => return Err(DohError::Status { code }),
    }
    let answers = match json.get("Answer") {
        None | Some(serde_json::Value::Null) => return Ok(Vec::new()),
        Some(serde_json::Value::Array(answers)) => answers,
        Some(_) => return Err(DohError::AnswerNotList),
    };
    let mut records = Vec::new();
    for (index, answer) in answers.iter().enumerate() {
        if answer.get("type").and_then(serde_json::Value::as_u64) != Some(TYPE_TXT) {
            continue;
        }
        let data = answer
            .get("data")
            .and_then(serde_json::Value::as_str)
            .ok_or(DohError::MissingData { index })?;
        records.push(parse_txt_data(data).map_err(|reason| DohError::BadTxt { index, reason })?);
    }
    Ok(records)
}

/// One record's `data` in presentation form, joined into its text.
///
/// Cloudflare quotes each character-string (`"abc" "def"`, with `\"`, `\\` and `\DDD`
/// escapes); Google has been seen to send a lone string unquoted. Quoted data is unquoted and
/// its strings concatenated without separator (EIP-1459 hashes the joined text); unquoted data
/// is taken as it is.
pub fn parse_txt_data(data: &str) -> Result<String, &'static str> {
    let data = data.trim();
    if !data.starts_with('"') {
        return Ok(data.to_owned());
    }
    let mut out: Vec<u8> = Vec::with_capacity(data.len());
    let mut bytes = data.bytes().peekable();
    loop {
        while bytes.next_if(u8::is_ascii_whitespace).is_some() {}
        match bytes.next() {
            None => break,
            Some(b'"') => {}
            Some(_) => return Err("has text outside quotes"),
        }
        loop {
            match bytes.next() {
                None => return Err("has an unterminated quote"),
                Some(b'"') => break,
                Some(b'\\') => match bytes.next() {
                    None => return Err("ends inside an escape"),
                    Some(d @ b'0'..=b'9') => {
                        let mut value = u32::from(d - b'0');
                        for _ in 0..2 {
                            match bytes.next() {
                                Some(d @ b'0'..=b'9') => value = value * 10 + u32::from(d - b'0'),
                                _ => return Err("has a \\DDD escape without three digits"),
                            }
                        }
                        out.push(u8::try_from(value).map_err(|_| "has a \\DDD escape over 255")?);
                    }
                    Some(b) => out.push(b),
                },
                Some(b) => out.push(b),
            }
        }
    }
    String::from_utf8(out).map_err(|_| "is not UTF-8")
}

// ---------------------------------------------------------------------------------------------
// In memory

/// TXT records from a map: for tests, the offline demo, and anyone who wants discovery from a
/// zone they already hold. Names match case-insensitively and with or without a trailing dot,
/// as in DNS; an unknown name is [`ResolveError::NxDomain`].
#[derive(Debug, Default)]
pub struct StaticResolver {
    records: HashMap<String, Vec<String>>,
    lookups: AtomicUsize,
}

impl StaticResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// A resolver serving `(name, record)` pairs; a name listed twice has two records.
    pub fn from_records<N: AsRef<str>, R: Into<String>>(
        records: impl IntoIterator<Item = (N, R)>,
    ) -> Self {
        let mut resolver = Self::new();
        for (name, record) in records {
            resolver.insert(name.as_ref(), record);
        }
        resolver
    }

    /// A resolver serving a built tree, so its URL discovers its nodes offline.
    pub fn from_tree(tree: &EnrTree) -> Self {
        Self::from_records(tree.records.iter().map(|(n, r)| (n, r.clone())))
    }

    /// Adds one record (already joined) at `name`, after any it has.
    pub fn insert(&mut self, name: &str, record: impl Into<String>) -> &mut Self {
        self.records
            .entry(normalize(name))
            .or_default()
            .push(record.into());
        self
    }

    /// Replaces every record at `name`; an empty list makes it a name without records.
    pub fn set(&mut self, name: &str, records: Vec<String>) -> &mut Self {
        self.records.insert(normalize(name), records);
        self
    }

    /// Lookups answered so far, so tests can check how much a walk costs.
    pub fn lookups(&self) -> usize {
        self.lookups.load(Ordering::Relaxed)
    }
}

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl TxtResolver for StaticResolver {
    async fn txt(&self, name: &str) -> Result<Vec<String>, ResolveError> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        self.records
            .get(&normalize(name))
            .cloned()
            .ok_or(ResolveError::NxDomain)
    }
}

// ---------------------------------------------------------------------------------------------
// Native: the system resolver

#[cfg(not(target_arch = "wasm32"))]
pub use native::SystemResolver;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use hickory_resolver::TokioResolver;
    use hickory_resolver::config::ResolverConfig;
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    use hickory_resolver::proto::rr::RData;

    use super::MAX_RESPONSE_BYTES;
    use crate::waku::dns_discovery::{ResolveError, TxtResolver};

    /// Plain DNS TXT lookups for the native node and CLI. Lookups need a Tokio runtime (hickory
    /// runs its sockets on it).
    #[derive(Clone)]
    pub struct SystemResolver {
        inner: TokioResolver,
    }

    impl std::fmt::Debug for SystemResolver {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("SystemResolver").finish_non_exhaustive()
        }
    }

    impl SystemResolver {
        /// Uses the OS's resolver configuration (`/etc/resolv.conf`, the Windows registry), so
        /// discovery works wherever the machine's own lookups do.
        pub fn system() -> Result<Self, ResolveError> {
            let inner = TokioResolver::builder_tokio()
                .and_then(|b| b.build())
                .map_err(|e| ResolveError::Transport(e.to_string()))?;
            Ok(Self { inner })
        }

        /// Uses the given servers, for machines whose configuration cannot be read (containers
        /// without one) or should not be used.
        pub fn from_config(config: ResolverConfig) -> Result<Self, ResolveError> {
            let inner = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
                .build()
                .map_err(|e| ResolveError::Transport(e.to_string()))?;
            Ok(Self { inner })
        }
    }

    impl TxtResolver for SystemResolver {
        async fn txt(&self, name: &str) -> Result<Vec<String>, ResolveError> {
            // Fully qualified, so the search list is not tried first.
            let fqdn = if name.ends_with('.') {
                name.to_owned()
            } else {
                format!("{name}.")
            };
            let lookup = match self.inner.txt_lookup(fqdn).await {
                Ok(lookup) => lookup,
                Err(e) if e.is_nx_domain() => return Err(ResolveError::NxDomain),
                Err(e) if e.is_no_records_found() => return Ok(Vec::new()),
                Err(e) => return Err(ResolveError::Transport(e.to_string())),
            };
            let mut total = 0;
            let mut records = Vec::new();
            for record in lookup.answers() {
                if let RData::TXT(txt) = &record.data {
                    total += txt.txt_data.iter().map(|s| s.len()).sum::<usize>();
                    if total > MAX_RESPONSE_BYTES {
                        return Err(ResolveError::TooLarge {
                            limit: MAX_RESPONSE_BYTES,
                        });
                    }
                    records.push(join_character_strings(&txt.txt_data)?);
                }
            }
            Ok(records)
        }
    }

    /// A record's character-strings, concatenated without separator.
    pub(super) fn join_character_strings(parts: &[Box<[u8]>]) -> Result<String, ResolveError> {
        String::from_utf8(parts.concat())
            .map_err(|_| ResolveError::Malformed("TXT record is not UTF-8".into()))
    }
}

// ---------------------------------------------------------------------------------------------
// Browser: DNS-over-HTTPS through fetch

#[cfg(target_arch = "wasm32")]
pub use browser::DohResolver;

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::time::Duration;

    use futures::future::{Either, select};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::{
        DEFAULT_ENDPOINTS, DEFAULT_TIMEOUT, DNS_JSON, DohError, MAX_RESPONSE_BYTES, parse_doh_json,
        query_url,
    };
    use crate::waku::dns_discovery::{ResolveError, TxtResolver};

    /// TXT lookups over DNS-over-HTTPS (JSON API) with the page's or worker's `fetch`.
    ///
    /// Endpoints are tried in order until one answers; NXDOMAIN is an answer and is not retried
    /// elsewhere.
    #[derive(Debug, Clone)]
    pub struct DohResolver {
        endpoints: Vec<String>,
        timeout: Duration,
        max_response_bytes: usize,
    }

    impl Default for DohResolver {
        fn default() -> Self {
            Self::new(DEFAULT_ENDPOINTS.iter().copied())
        }
    }

    impl DohResolver {
        /// Endpoints are JSON-API base URLs such as [`super::GOOGLE`]; the query is appended.
        pub fn new<S: Into<String>>(endpoints: impl IntoIterator<Item = S>) -> Self {
            Self {
                endpoints: endpoints.into_iter().map(Into::into).collect(),
                timeout: DEFAULT_TIMEOUT,
                max_response_bytes: MAX_RESPONSE_BYTES,
            }
        }

        pub fn with_timeout(mut self, timeout: Duration) -> Self {
            self.timeout = timeout;
            self
        }

        /// Lowers (never raises) the bound [`MAX_RESPONSE_BYTES`] puts on one answer.
        pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
            self.max_response_bytes = limit.min(MAX_RESPONSE_BYTES);
            self
        }

        pub fn endpoints(&self) -> &[String] {
            &self.endpoints
        }

        /// One endpoint, one query: the records, or why not.
        pub async fn query(&self, endpoint: &str, name: &str) -> Result<Vec<String>, DohError> {
            let controller = web_sys::AbortController::new().map_err(fetch_error)?;
            let init = web_sys::RequestInit::new();
            init.set_method("GET");
            init.set_signal(Some(&controller.signal()));
            let headers = web_sys::Headers::new().map_err(fetch_error)?;
            headers.set("Accept", DNS_JSON).map_err(fetch_error)?;
            init.set_headers(&headers);
            let request =
                web_sys::Request::new_with_str_and_init(&query_url(endpoint, name), &init)
                    .map_err(fetch_error)?;
            let promise = fetch(&request)?;
            let limit = self.max_response_bytes;
            let exchange = async move {
                let response: web_sys::Response = JsFuture::from(promise)
                    .await
                    .map_err(fetch_error)?
                    .dyn_into()
                    .map_err(fetch_error)?;
                if !response.ok() {
                    return Err(DohError::Http {
                        status: response.status(),
                        endpoint: endpoint.to_owned(),
                    });
                }
                // Refuse what announces itself as too large before reading it.
                if let Ok(Some(len)) = response.headers().get("Content-Length")
                    && let Ok(len) = len.trim().parse::<usize>()
                    && len > limit
                {
                    return Err(DohError::TooLarge { len, limit });
                }
                let buffer = JsFuture::from(response.array_buffer().map_err(fetch_error)?)
                    .await
                    .map_err(fetch_error)?;
                let bytes = js_sys::Uint8Array::new(&buffer);
                let len = bytes.length() as usize;
                if len > limit {
                    return Err(DohError::TooLarge { len, limit });
                }
                parse_doh_json(&bytes.to_vec())
            };
            let timer = futures_timer::Delay::new(self.timeout);
            futures::pin_mut!(exchange);
            match select(exchange, timer).await {
                Either::Left((result, _)) => result,
                Either::Right(((), _)) => {
                    controller.abort();
                    Err(DohError::Timeout {
                        ms: self.timeout.as_millis(),
                    })
                }
            }
        }
    }

    impl TxtResolver for DohResolver {
        async fn txt(&self, name: &str) -> Result<Vec<String>, ResolveError> {
            let mut last = DohError::NoEndpoints;
            for endpoint in &self.endpoints {
                match self.query(endpoint, name).await {
                    Ok(records) => return Ok(records),
                    Err(DohError::NxDomain) => return Err(ResolveError::NxDomain),
                    Err(e) => {
                        tracing::debug!(%endpoint, name, error = %e, "DoH lookup failed");
                        last = e;
                    }
                }
            }
            Err(last.into())
        }
    }

    /// `fetch` from whichever global this runs in: a page or a (shared, service) worker.
    fn fetch(request: &web_sys::Request) -> Result<js_sys::Promise, DohError> {
        let global = js_sys::global();
        if let Some(window) = global.dyn_ref::<web_sys::Window>() {
            Ok(window.fetch_with_request(request))
        } else if let Some(worker) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
            Ok(worker.fetch_with_request(request))
        } else {
            Err(DohError::NoFetch)
        }
    }

    fn fetch_error(value: JsValue) -> DohError {
        DohError::Fetch(
            value
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .or_else(|| value.as_string())
                .unwrap_or_else(|| format!("{value:?}")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use crate::waku::dns_discovery::{self, DiscoveryError, EnrTree};
    use crate::waku::enr::{EnrBuilder, SigningKey, Waku2};

    const ROOT: &str = "enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=o908WmNp7LibOfPsr4btQwatZJ5URBr2ZAuxvK4UWHlsB9sUOTJQaGAlLPVAhM__XJesCHxLISo94z5Z2a463gA";

    /// A JSON answer shaped like the resolvers' (RFC 8427-style keys), with `data` as given.
    fn answer(status: u64, data: &[&str]) -> Vec<u8> {
        let answers: Vec<serde_json::Value> = data
            .iter()
            .map(|d| {
                serde_json::json!({
                    "name": "nodes.example.org.", "type": 16, "TTL": 60, "data": d
                })
            })
            .collect();
        serde_json::json!({
            "Status": status, "TC": false, "RD": true, "RA": true, "AD": false, "CD": false,
            "Question": [{"name": "nodes.example.org.", "type": 16}],
            "Answer": answers,
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn quoted_data_is_unquoted() {
        let quoted = format!("\"{ROOT}\"");
        assert_eq!(parse_doh_json(&answer(0, &[&quoted])).unwrap(), vec![ROOT]);
    }

    #[test]
    fn unquoted_data_is_taken_as_is() {
        assert_eq!(parse_doh_json(&answer(0, &[ROOT])).unwrap(), vec![ROOT]);
    }

    #[test]
    fn split_strings_are_joined_without_separator() {
        let (a, b) = ROOT.split_at(100);
        let data = format!("\"{a}\" \"{b}\"");
        assert_eq!(parse_doh_json(&answer(0, &[&data])).unwrap(), vec![ROOT]);
        // Any whitespace between strings, and more than two strings.
        assert_eq!(parse_txt_data("\"ab\"\t \"c\"\"d\"").unwrap(), "abcd");
    }

    #[test]
    fn several_records_stay_separate() {
        let got = parse_doh_json(&answer(0, &["\"v=spf1 -all\"", &format!("\"{ROOT}\"")])).unwrap();
        assert_eq!(got, vec!["v=spf1 -all".to_owned(), ROOT.to_owned()]);
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(parse_txt_data(r#""a\"b\\c\065\;""#).unwrap(), "a\"b\\cA;");
        // \DDD builds bytes, which may form UTF-8 together.
        assert_eq!(parse_txt_data(r#""\195\169""#).unwrap(), "é");
    }

    #[test]
    fn bad_txt_data_is_refused() {
        for (data, reason) in [
            (r#""abc"#, "has an unterminated quote"),
            (r#""abc" def"#, "has text outside quotes"),
            (r#""abc\"#, "ends inside an escape"),
            (r#""\12""#, "has a \\DDD escape without three digits"),
            (r#""\256""#, "has a \\DDD escape over 255"),
            (r#""\255""#, "is not UTF-8"),
        ] {
            assert_eq!(parse_txt_data(data), Err(reason), "{data}");
        }
        let body = answer(0, &[r#""abc"#]);
        assert_eq!(
            parse_doh_json(&body),
            Err(DohError::BadTxt {
                index: 0,
                reason: "has an unterminated quote"
            })
        );
    }

    #[test]
    fn nxdomain_is_typed() {
        let body = br#"{"Status": 3, "TC": false, "Question": [{"name": "x.example.org.", "type": 16}],
            "Authority": [{"name": "example.org.", "type": 6, "TTL": 300, "data": "ns. host. 1 2 3 4 5"}]}"#;
        assert_eq!(parse_doh_json(body), Err(DohError::NxDomain));
        assert_eq!(
            ResolveError::from(DohError::NxDomain),
            ResolveError::NxDomain
        );
    }

    #[test]
    fn other_status_is_typed() {
        assert_eq!(
            parse_doh_json(br#"{"Status": 2}"#),
            Err(DohError::Status { code: 2 })
        );
        assert_eq!(
            ResolveError::from(DohError::Status { code: 2 }),
            ResolveError::ResponseCode { code: 2 }
        );
    }

    #[test]
    fn missing_answer_is_no_records() {
        assert_eq!(
            parse_doh_json(br#"{"Status": 0, "Question": []}"#),
            Ok(vec![])
        );
        assert_eq!(
            parse_doh_json(br#"{"Status": 0, "Answer": null}"#),
            Ok(vec![])
        );
    }

    #[test]
    fn other_types_are_skipped() {
        let body = serde_json::json!({
            "Status": 0,
            "Answer": [
                {"name": "a.example.org.", "type": 5, "TTL": 60, "data": "b.example.org."},
                {"name": "b.example.org.", "type": 16, "TTL": 60, "data": "\"hello\""},
            ],
        })
        .to_string();
        assert_eq!(
            parse_doh_json(body.as_bytes()),
            Ok(vec!["hello".to_owned()])
        );
    }

    #[test]
    fn malformed_answers_are_typed() {
        assert!(matches!(parse_doh_json(b"<html>"), Err(DohError::Json(_))));
        assert_eq!(parse_doh_json(b"{}"), Err(DohError::MissingStatus));
        assert_eq!(
            parse_doh_json(br#"{"Status": "0"}"#),
            Err(DohError::MissingStatus)
        );
        assert_eq!(
            parse_doh_json(br#"{"Status": 0, "Answer": {}}"#),
            Err(DohError::AnswerNotList)
        );
        assert_eq!(
            parse_doh_json(br#"{"Status": 0, "Answer": [{"type": 16}]}"#),
            Err(DohError::MissingData { index: 0 })
        );
        assert!(matches!(
            ResolveError::from(DohError::AnswerNotList),
            ResolveError::Malformed(_)
        ));
        assert!(matches!(
            ResolveError::from(DohError::Timeout { ms: 5 }),
            ResolveError::Transport(_)
        ));
    }

    #[test]
    fn oversized_answers_are_refused_before_parsing() {
        let body = vec![b' '; MAX_RESPONSE_BYTES + 1];
        assert_eq!(
            parse_doh_json(&body),
            Err(DohError::TooLarge {
                len: MAX_RESPONSE_BYTES + 1,
                limit: MAX_RESPONSE_BYTES
            })
        );
        assert_eq!(
            ResolveError::from(DohError::TooLarge { len: 1, limit: 2 }),
            ResolveError::TooLarge { limit: 2 }
        );
    }

    #[test]
    fn query_urls() {
        assert_eq!(
            query_url(GOOGLE, "nodes.example.org"),
            "https://dns.google/resolve?name=nodes.example.org&type=TXT"
        );
        assert_eq!(
            query_url(CLOUDFLARE, "JWXYDBPXYWG6FX3GMDIBFA6CJ4.nodes.example.org"),
            "https://cloudflare-dns.com/dns-query?name=JWXYDBPXYWG6FX3GMDIBFA6CJ4.nodes.example.org&type=TXT"
        );
        assert_eq!(
            query_url("https://doh.test/q?ct=json", "a&b c"),
            "https://doh.test/q?ct=json&name=a%26b%20c&type=TXT"
        );
    }

    #[test]
    fn static_resolver_answers_like_dns() {
        let mut resolver = StaticResolver::from_records([("Nodes.Example.org", ROOT)]);
        resolver.set("empty.example.org", vec![]);
        assert_eq!(
            block_on(resolver.txt("nodes.example.org.")),
            Ok(vec![ROOT.to_owned()])
        );
        assert_eq!(block_on(resolver.txt("empty.example.org")), Ok(vec![]));
        assert_eq!(
            block_on(resolver.txt("missing.example.org")),
            Err(ResolveError::NxDomain)
        );
        resolver.insert("nodes.example.org", "v=spf1 -all");
        assert_eq!(
            block_on(resolver.txt("NODES.EXAMPLE.ORG")).unwrap().len(),
            2
        );
        assert_eq!(resolver.lookups(), 4);
    }

    #[test]
    fn static_resolver_serves_a_built_tree() {
        let key = SigningKey::from_slice(&[42; 32]).unwrap();
        let enrs: Vec<_> = (1..=20u8)
            .map(|n| {
                EnrBuilder::new(1)
                    .ip4(std::net::Ipv4Addr::new(10, 0, 0, n))
                    .tcp(60000)
                    .waku2(Waku2::STORE | Waku2::FILTER)
                    .sign(&SigningKey::from_slice(&[n; 32]).unwrap())
                    .unwrap()
            })
            .collect();
        let tree = EnrTree::build(&key, "demo.hearth.test", 1, &enrs).unwrap();
        let resolver = StaticResolver::from_tree(&tree);
        let url = tree.url.to_string().parse().unwrap();
        let found = block_on(dns_discovery::discover(&url, &resolver, 5)).unwrap();
        assert_eq!(found.len(), 5);
        assert!(found.iter().all(|e| enrs.contains(e)));
        // Root, the top branch, at most one more branch level, five leaves.
        assert!(resolver.lookups() <= 9, "{}", resolver.lookups());
        // A different key's URL for the same domain finds nothing.
        let other = SigningKey::from_slice(&[43; 32]).unwrap();
        let wrong =
            dns_discovery::EnrTreeUrl::new(other.verifying_key(), "demo.hearth.test").unwrap();
        assert!(matches!(
            block_on(dns_discovery::discover(&wrong, &resolver, 5)),
            Err(DiscoveryError::BadSignature { .. })
        ));
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn system_resolver_joins_character_strings() {
        let parts: Vec<Box<[u8]>> = vec![b"enrtree-".to_vec().into(), b"branch:".to_vec().into()];
        assert_eq!(
            native::join_character_strings(&parts),
            Ok("enrtree-branch:".to_owned())
        );
        let bad: Vec<Box<[u8]>> = vec![vec![0xff].into()];
        assert!(matches!(
            native::join_character_strings(&bad),
            Err(ResolveError::Malformed(_))
        ));
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn system_resolver_builds_from_a_config() {
        // Building opens no socket; no lookup is made (there is no network here).
        let config = hickory_resolver::config::ResolverConfig::udp_and_tcp(
            &hickory_resolver::config::GOOGLE,
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            assert!(SystemResolver::from_config(config).is_ok());
        });
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn native_discovery_can_be_spawned() {
        // The trait does not demand Send (browser futures are not), but with a Send resolver
        // the walk is Send too, so the node can hand it to tokio::spawn. Checked at compile
        // time; nothing is polled.
        fn assert_send<T: Send>(_: &T) {}
        let url: dns_discovery::EnrTreeUrl =
            "enrtree://AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2@nodes.example.org"
                .parse()
                .unwrap();
        let resolver = StaticResolver::new();
        assert_send(&dns_discovery::discover(&url, &resolver, 1));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let config = hickory_resolver::config::ResolverConfig::udp_and_tcp(
                &hickory_resolver::config::GOOGLE,
            );
            let system = SystemResolver::from_config(config).unwrap();
            assert_send(&dns_discovery::discover(&url, &system, 1));
        });
    }

    #[cfg(target_arch = "wasm32")]
    #[test]
    fn doh_resolver_defaults() {
        let resolver = DohResolver::default();
        assert_eq!(resolver.endpoints(), [GOOGLE, CLOUDFLARE]);
        // No endpoints: a typed transport error, without touching the network.
        let none = DohResolver::new(Vec::<String>::new());
        assert!(matches!(
            block_on(none.txt("nodes.example.org")),
            Err(ResolveError::Transport(_))
        ));
    }

    /// An "endpoint" that answers `body` through the browser's real fetch without a network:
    /// a `data:` URL ending in `#`, so the query the resolver appends lands in the fragment,
    /// which fetch drops.
    #[cfg(target_arch = "wasm32")]
    fn data_endpoint(body: &[u8]) -> String {
        let mut url = String::from("data:application/json,");
        for &b in body {
            if b.is_ascii_alphanumeric() {
                url.push(b as char);
            } else {
                url.push_str(&format!("%{b:02X}"));
            }
        }
        url.push('#');
        url
    }

    #[cfg(target_arch = "wasm32")]
    #[test]
    async fn doh_resolver_fetches_and_falls_back() {
        // Port 1 on loopback refuses (or CORS-fails) at once: a dead first endpoint.
        let resolver = DohResolver::new([
            "http://127.0.0.1:1/resolve".to_owned(),
            data_endpoint(&answer(0, &[&format!("\"{ROOT}\"")])),
        ]);
        assert_eq!(
            resolver.txt("nodes.example.org").await,
            Ok(vec![ROOT.to_owned()])
        );
        assert!(matches!(
            resolver
                .query("http://127.0.0.1:1/resolve", "nodes.example.org")
                .await,
            Err(DohError::Fetch(_))
        ));
    }

    #[cfg(target_arch = "wasm32")]
    #[test]
    async fn doh_resolver_does_not_retry_nxdomain() {
        let resolver = DohResolver::new([
            data_endpoint(br#"{"Status": 3}"#),
            data_endpoint(&answer(0, &[ROOT])),
        ]);
        assert_eq!(
            resolver.txt("missing.example.org").await,
            Err(ResolveError::NxDomain)
        );
    }

    #[cfg(target_arch = "wasm32")]
    #[test]
    async fn doh_resolver_bounds_the_answer() {
        let body = answer(0, &[ROOT]);
        let resolver = DohResolver::new([data_endpoint(&body)]).with_max_response_bytes(64);
        assert_eq!(
            resolver.query(resolver.endpoints()[0].as_str(), "x").await,
            Err(DohError::TooLarge {
                len: body.len(),
                limit: 64
            })
        );
    }
}
