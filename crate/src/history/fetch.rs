//! Bytes of an archive's files over plain HTTP: the whole `.torrent` or index, or one range of the
//! data file (`Range: bytes=a-b`, BEP 19 web seeds).
//!
//! One [`HttpFetcher`] for both targets: the page's or worker's `fetch` in the browser, and
//! natively a small HTTP/1.1 client over a tokio `TcpStream` (plain `http://` only: the node and
//! mirrors on a LAN or loopback; nothing here needs TLS natively, and no HTTP crate is linked for
//! it). Every answer is bounded before it is read: a body larger than asked for, a declared
//! `Content-Length` above the limit, a range the server ignored, a short body and a slow server
//! are each a typed [`FetchError`], never a panic, a hang or unbounded memory.

use std::ops::Range;
use std::time::Duration;

/// One exchange (connect, headers, body) may take at most this long by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Response headers larger than this are refused (natively; the browser bounds its own).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// What went wrong fetching one URL. Each variant names the URL, so a reader can say which web
/// seed failed and move on to the next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not a URL this client can fetch ({reason})")]
    InvalidUrl { url: String, reason: String },
    #[error("{url}: could not connect: {reason}")]
    Connect { url: String, reason: String },
    #[error("{url}: no complete answer within {ms} ms")]
    Timeout { url: String, ms: u128 },
    #[error("{url}: HTTP status {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: {len} bytes is more than the {limit} asked for")]
    TooLarge { url: String, len: u64, limit: u64 },
    #[error("{url}: the body ended after {got} of {expected} bytes")]
    Truncated {
        url: String,
        got: u64,
        expected: u64,
    },
    #[error("{url}: asked for bytes {start}..{end}, the server sent something else ({reason})")]
    WrongRange {
        url: String,
        start: u64,
        end: u64,
        reason: String,
    },
    #[error("{url}: malformed HTTP answer: {reason}")]
    Malformed { url: String, reason: String },
    #[error("this JavaScript global scope has no fetch")]
    NoFetch,
}

/// One GET: the whole resource (`range: None`), or `range` of it. `limit` bounds the body of a
/// whole-resource GET; a range GET is bounded by the range's length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    pub url: String,
    pub range: Option<Range<u64>>,
    pub limit: u64,
}

impl FetchRequest {
    pub fn whole(url: impl Into<String>, limit: u64) -> Self {
        Self {
            url: url.into(),
            range: None,
            limit,
        }
    }

    pub fn range(url: impl Into<String>, range: Range<u64>) -> Self {
        let limit = range.end.saturating_sub(range.start);
        Self {
            url: url.into(),
            range: Some(range),
            limit,
        }
    }

    /// The `Range` header's value (`bytes=a-b`, inclusive), when a range is asked for.
    pub fn range_header(&self) -> Option<String> {
        self.range
            .as_ref()
            .filter(|r| r.end > r.start)
            .map(|r| format!("bytes={}-{}", r.start, r.end - 1))
    }

    /// Checks an answer's status and declared length against what was asked, before any of the
    /// body is read. `declared` is the `Content-Length`, when sent.
    pub fn check_head(&self, status: u16, declared: Option<u64>) -> Result<(), FetchError> {
        let url = || self.url.clone();
        match (&self.range, status) {
            (None, 200) | (Some(_), 206) => {}
            // A server that ignores `Range` sends the whole file: acceptable only when the whole
            // file is exactly the range asked for.
            (Some(r), 200) if r.start == 0 && declared == Some(r.end) => {}
            (Some(r), 200) => {
                return Err(FetchError::WrongRange {
                    url: url(),
                    start: r.start,
                    end: r.end,
                    reason: "the whole file instead of the range (200)".into(),
                });
            }
            (_, status) => return Err(FetchError::Status { url: url(), status }),
        }
        if let Some(len) = declared {
            if len > self.limit {
                return Err(FetchError::TooLarge {
                    url: url(),
                    len,
                    limit: self.limit,
                });
            }
            if self.range.is_some() && len < self.limit {
                return Err(FetchError::Truncated {
                    url: url(),
                    got: len,
                    expected: self.limit,
                });
            }
        }
        Ok(())
    }

    /// Checks a `Content-Range: bytes a-b/total` answer against the range asked for.
    pub fn check_content_range(&self, value: &str) -> Result<(), FetchError> {
        let Some(r) = &self.range else { return Ok(()) };
        let wrong = |reason: String| FetchError::WrongRange {
            url: self.url.clone(),
            start: r.start,
            end: r.end,
            reason,
        };
        let spec = value
            .trim()
            .strip_prefix("bytes ")
            .ok_or_else(|| wrong(format!("Content-Range {value:?}")))?;
        let (span, _total) = spec
            .split_once('/')
            .ok_or_else(|| wrong(format!("Content-Range {value:?}")))?;
        let (a, b) = span
            .split_once('-')
            .ok_or_else(|| wrong(format!("Content-Range {value:?}")))?;
        let (a, b) = (a.trim().parse::<u64>().ok(), b.trim().parse::<u64>().ok());
        if a != Some(r.start) || b.map(|b| b.saturating_add(1)) != Some(r.end) {
            return Err(wrong(format!("Content-Range {value:?}")));
        }
        Ok(())
    }

    /// Checks the body as read: never more than the limit, and a range read in full.
    pub fn check_body_len(&self, got: u64) -> Result<(), FetchError> {
        if got > self.limit {
            return Err(FetchError::TooLarge {
                url: self.url.clone(),
                len: got,
                limit: self.limit,
            });
        }
        if self.range.is_some() && got < self.limit {
            return Err(FetchError::Truncated {
                url: self.url.clone(),
                got,
                expected: self.limit,
            });
        }
        Ok(())
    }
}

/// Fetches over HTTP with a deadline per exchange. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    timeout: Duration,
}

impl Default for HttpFetcher {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl HttpFetcher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// One GET, bounded as the module docs say.
    pub async fn get(&self, request: &FetchRequest) -> Result<Vec<u8>, FetchError> {
        imp::get(request, self.timeout).await
    }
}

/// Resolves `reference` (absolute, or a path) against `base`, as a browser would for the `xs=`
/// and `ws=` of a magnet link served next to the page.
pub fn resolve_url(base: &str, reference: &str) -> String {
    if reference.contains("://") {
        return reference.to_string();
    }
    let origin_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|i| base[i..].find('/').map(|j| i + j))
        .unwrap_or(base.len());
    if reference.starts_with('/') {
        format!("{}{reference}", &base[..origin_end])
    } else {
        let dir_end = base
            .rfind('/')
            .filter(|&i| i >= origin_end)
            .unwrap_or(base.len());
        format!("{}/{reference}", &base[..dir_end])
    }
}

// ---------------------------------------------------------------------------------------------
// Native: HTTP/1.1 over tokio

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::{FetchError, FetchRequest, MAX_HEADER_BYTES};

    /// Host, port and path of an `http://` URL.
    pub(super) fn split_url(url: &str) -> Result<(String, u16, String), FetchError> {
        let invalid = |reason: &str| FetchError::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| invalid("natively only http:// URLs are fetched"))?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        let path = path.split('#').next().unwrap_or("/").to_string();
        if authority.is_empty() || authority.contains('@') {
            return Err(invalid("no host, or credentials in the URL"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
                let port = p.parse::<u16>().map_err(|_| invalid("bad port"))?;
                (h.to_string(), port)
            }
            _ => (authority.to_string(), 80),
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        if host.is_empty() || path.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid("bad host or path"));
        }
        Ok((host, port, path))
    }

    pub(super) async fn get(
        request: &FetchRequest,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        match tokio::time::timeout(timeout, exchange(request)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout {
                url: request.url.clone(),
                ms: timeout.as_millis(),
            }),
        }
    }

    async fn exchange(request: &FetchRequest) -> Result<Vec<u8>, FetchError> {
        let url = &request.url;
        let (host, port, path) = split_url(url)?;
        let connect = |e: std::io::Error| FetchError::Connect {
            url: url.clone(),
            reason: e.to_string(),
        };
        let mut stream = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(connect)?;
        let host_header = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let mut head = format!(
            "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nAccept-Encoding: identity\r\nConnection: close\r\n"
        );
        if let Some(range) = request.range_header() {
            head.push_str(&format!("Range: {range}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.map_err(connect)?;

        // Headers: read until the blank line, never more than MAX_HEADER_BYTES.
        let malformed = |reason: String| FetchError::Malformed {
            url: url.clone(),
            reason,
        };
        let mut buf = Vec::with_capacity(4096);
        let mut chunk = [0u8; 8192];
        let (status, declared, chunked, content_range, body_start) = loop {
            let n = stream.read(&mut chunk).await.map_err(connect)?;
            if n == 0 {
                return Err(malformed("the connection closed inside the headers".into()));
            }
            buf.extend_from_slice(&chunk[..n]);
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = response.code.unwrap_or(0);
                    let mut declared = None;
                    let mut chunked = false;
                    let mut content_range = None;
                    for h in response.headers.iter() {
                        let value = std::str::from_utf8(h.value).unwrap_or("").trim();
                        if h.name.eq_ignore_ascii_case("content-length") {
                            let v = value
                                .parse::<u64>()
                                .map_err(|_| malformed(format!("Content-Length {value:?}")))?;
                            declared = Some(v);
                        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                            chunked = value.to_ascii_lowercase().contains("chunked");
                        } else if h.name.eq_ignore_ascii_case("content-range") {
                            content_range = Some(value.to_string());
                        }
                    }
                    break (status, declared, chunked, content_range, len);
                }
                Ok(httparse::Status::Partial) if buf.len() <= MAX_HEADER_BYTES => {}
                Ok(httparse::Status::Partial) => {
                    return Err(malformed(format!(
                        "headers longer than {MAX_HEADER_BYTES} bytes"
                    )));
                }
                Err(e) => return Err(malformed(e.to_string())),
            }
        };
        // A chunked body has no Content-Length to check up front; the running count still is.
        request.check_head(status, if chunked { None } else { declared })?;
        if status == 206
            && let Some(value) = &content_range
        {
            request.check_content_range(value)?;
        }
        let rest = buf.split_off(body_start);
        let body = if chunked {
            read_chunked(&mut stream, rest, request).await?
        } else {
            read_plain(&mut stream, rest, declared, request).await?
        };
        request.check_body_len(body.len() as u64)?;
        Ok(body)
    }

    /// A body delimited by Content-Length (already checked against the limit), or by the
    /// connection's end (read until it passes the limit at most).
    async fn read_plain(
        stream: &mut TcpStream,
        mut body: Vec<u8>,
        declared: Option<u64>,
        request: &FetchRequest,
    ) -> Result<Vec<u8>, FetchError> {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match declared {
                Some(d) if body.len() as u64 >= d => {
                    // Bytes past Content-Length are not part of the answer.
                    body.truncate(usize::try_from(d).unwrap_or(usize::MAX));
                    return Ok(body);
                }
                None if body.len() as u64 > request.limit => return Ok(body),
                _ => {}
            }
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|e| FetchError::Connect {
                    url: request.url.clone(),
                    reason: e.to_string(),
                })?;
            if n == 0 {
                return match declared {
                    Some(d) => Err(FetchError::Truncated {
                        url: request.url.clone(),
                        got: body.len() as u64,
                        expected: d,
                    }),
                    None => Ok(body),
                };
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }

    /// `Transfer-Encoding: chunked`, stopping as soon as the body passes the limit.
    async fn read_chunked(
        stream: &mut TcpStream,
        mut raw: Vec<u8>,
        request: &FetchRequest,
    ) -> Result<Vec<u8>, FetchError> {
        let malformed = |reason: &str| FetchError::Malformed {
            url: request.url.clone(),
            reason: format!("chunked body: {reason}"),
        };
        let mut body = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        let mut pos = 0usize;
        loop {
            // A size line.
            let line_end = loop {
                if let Some(i) = raw[pos..].windows(2).position(|w| w == b"\r\n") {
                    break pos + i;
                }
                if raw.len() - pos > 1024 {
                    return Err(malformed("a chunk size line longer than 1 KiB"));
                }
                let n = stream
                    .read(&mut chunk)
                    .await
                    .map_err(|e| FetchError::Connect {
                        url: request.url.clone(),
                        reason: e.to_string(),
                    })?;
                if n == 0 {
                    return Err(malformed("the connection closed inside a size line"));
                }
                raw.extend_from_slice(&chunk[..n]);
            };
            let line = std::str::from_utf8(&raw[pos..line_end]).map_err(|_| malformed("size"))?;
            let size = u64::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| malformed("size"))?;
            pos = line_end + 2;
            if size == 0 {
                return Ok(body);
            }
            if (body.len() as u64).saturating_add(size) > request.limit {
                return Err(FetchError::TooLarge {
                    url: request.url.clone(),
                    len: body.len() as u64 + size,
                    limit: request.limit,
                });
            }
            let size = usize::try_from(size).map_err(|_| malformed("size"))?;
            while raw.len() < pos + size + 2 {
                let n = stream
                    .read(&mut chunk)
                    .await
                    .map_err(|e| FetchError::Connect {
                        url: request.url.clone(),
                        reason: e.to_string(),
                    })?;
                if n == 0 {
                    return Err(FetchError::Truncated {
                        url: request.url.clone(),
                        got: (body.len() + raw.len().saturating_sub(pos)) as u64,
                        expected: (body.len() + size) as u64,
                    });
                }
                raw.extend_from_slice(&chunk[..n]);
            }
            body.extend_from_slice(&raw[pos..pos + size]);
            pos += size + 2;
            // Keep the unread tail only.
            raw.drain(..pos);
            pos = 0;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Browser: fetch, the body read as a stream so that it can be cut off at the limit

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::time::Duration;

    use futures::future::{Either, select};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::{FetchError, FetchRequest};

    pub(super) async fn get(
        request: &FetchRequest,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        let controller = web_sys::AbortController::new().map_err(|e| err(request, e))?;
        let exchange = exchange(request, &controller);
        let timer = futures_timer::Delay::new(timeout);
        futures::pin_mut!(exchange);
        match select(exchange, timer).await {
            Either::Left((result, _)) => {
                if result.is_err() {
                    controller.abort();
                }
                result
            }
            Either::Right(((), _)) => {
                controller.abort();
                Err(FetchError::Timeout {
                    url: request.url.clone(),
                    ms: timeout.as_millis(),
                })
            }
        }
    }

    async fn exchange(
        request: &FetchRequest,
        controller: &web_sys::AbortController,
    ) -> Result<Vec<u8>, FetchError> {
        let e = |v: JsValue| err(request, v);
        let init = web_sys::RequestInit::new();
        init.set_method("GET");
        init.set_signal(Some(&controller.signal()));
        let headers = web_sys::Headers::new().map_err(e)?;
        if let Some(range) = request.range_header() {
            headers.set("Range", &range).map_err(e)?;
        }
        init.set_headers(&headers);
        let req = web_sys::Request::new_with_str_and_init(&request.url, &init).map_err(e)?;
        let global = js_sys::global();
        let promise = if let Some(window) = global.dyn_ref::<web_sys::Window>() {
            window.fetch_with_request(&req)
        } else if let Some(worker) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
            worker.fetch_with_request(&req)
        } else {
            return Err(FetchError::NoFetch);
        };
        let response: web_sys::Response = JsFuture::from(promise)
            .await
            .map_err(|v| FetchError::Connect {
                url: request.url.clone(),
                reason: message(&v),
            })?
            .dyn_into()
            .map_err(e)?;
        let declared = response
            .headers()
            .get("Content-Length")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse::<u64>().ok());
        request.check_head(response.status(), declared)?;
        // Content-Range is readable cross-origin only when the server exposes it.
        if response.status() == 206
            && let Ok(Some(value)) = response.headers().get("Content-Range")
        {
            request.check_content_range(&value)?;
        }
        let mut body = Vec::new();
        if let Some(stream) = response.body() {
            let reader: web_sys::ReadableStreamDefaultReader = stream
                .get_reader()
                .dyn_into()
                .map_err(|o: js_sys::Object| e(o.into()))?;
            loop {
                let chunk = JsFuture::from(reader.read()).await.map_err(e)?;
                let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
                    .map_err(e)?
                    .as_bool()
                    .unwrap_or(true);
                if done {
                    break;
                }
                let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")).map_err(e)?;
                let bytes: js_sys::Uint8Array = value.dyn_into().map_err(e)?;
                let len = bytes.length() as usize;
                if (body.len() + len) as u64 > request.limit {
                    let _ = reader.cancel();
                    return Err(FetchError::TooLarge {
                        url: request.url.clone(),
                        len: (body.len() + len) as u64,
                        limit: request.limit,
                    });
                }
                let at = body.len();
                body.resize(at + len, 0);
                bytes.copy_to(&mut body[at..]);
            }
        }
        request.check_body_len(body.len() as u64)?;
        Ok(body)
    }

    fn message(value: &JsValue) -> String {
        value
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| value.as_string())
            .unwrap_or_else(|| format!("{value:?}"))
    }

    fn err(request: &FetchRequest, value: JsValue) -> FetchError {
        FetchError::Malformed {
            url: request.url.clone(),
            reason: message(&value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn range_header_is_inclusive() {
        let r = FetchRequest::range("http://h/data", 102_400..204_800);
        assert_eq!(r.range_header().as_deref(), Some("bytes=102400-204799"));
        assert_eq!(r.limit, 102_400);
        assert_eq!(FetchRequest::whole("http://h/x", 10).range_header(), None);
    }

    #[test]
    fn heads_are_checked_before_the_body() {
        let r = FetchRequest::range("http://h/data", 0..100);
        assert!(r.check_head(206, Some(100)).is_ok());
        assert!(r.check_head(200, Some(100)).is_ok(), "whole file == range");
        assert!(matches!(
            r.check_head(200, Some(5000)),
            Err(FetchError::WrongRange { .. })
        ));
        assert!(matches!(
            r.check_head(206, Some(1 << 40)),
            Err(FetchError::TooLarge { .. })
        ));
        assert!(matches!(
            r.check_head(206, Some(99)),
            Err(FetchError::Truncated { .. })
        ));
        assert!(matches!(
            r.check_head(404, None),
            Err(FetchError::Status { status: 404, .. })
        ));
        let w = FetchRequest::whole("http://h/t", 1000);
        assert!(matches!(
            w.check_head(200, Some(1001)),
            Err(FetchError::TooLarge { .. })
        ));
        assert!(matches!(
            w.check_head(206, Some(10)),
            Err(FetchError::Status { .. })
        ));
        assert!(w.check_head(200, None).is_ok());
        assert!(matches!(
            w.check_body_len(1001),
            Err(FetchError::TooLarge { .. })
        ));
    }

    #[test]
    fn content_range_must_match() {
        let r = FetchRequest::range("http://h/data", 100..200);
        assert!(r.check_content_range("bytes 100-199/1000").is_ok());
        assert!(r.check_content_range("bytes 100-199/*").is_ok());
        for bad in [
            "bytes 0-99/1000",
            "bytes 100-200/1000",
            "items 100-199/1",
            "bytes x",
            "",
        ] {
            assert!(
                matches!(
                    r.check_content_range(bad),
                    Err(FetchError::WrongRange { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn urls_resolve_like_a_browser() {
        let base = "http://127.0.0.1:8080/archives/0x02ab/index";
        assert_eq!(
            resolve_url(base, "/a/b.torrent"),
            "http://127.0.0.1:8080/a/b.torrent"
        );
        assert_eq!(
            resolve_url(base, "data"),
            "http://127.0.0.1:8080/archives/0x02ab/data"
        );
        assert_eq!(
            resolve_url(base, "https://m.example/x"),
            "https://m.example/x"
        );
        assert_eq!(resolve_url("http://h:1", "/x"), "http://h:1/x");
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn native_urls_split() {
        assert_eq!(
            imp::split_url("http://127.0.0.1:8080/a/b?c#d").unwrap(),
            ("127.0.0.1".into(), 8080, "/a/b?c".into())
        );
        assert_eq!(
            imp::split_url("http://[::1]:9/x").unwrap(),
            ("::1".into(), 9, "/x".into())
        );
        assert_eq!(
            imp::split_url("http://h").unwrap(),
            ("h".into(), 80, "/".into())
        );
        for bad in [
            "https://h/x",
            "ftp://h",
            "http://",
            "http://u@h/",
            "http://h:99999/",
            "http://h/a b",
        ] {
            assert!(
                matches!(imp::split_url(bad), Err(FetchError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }
}

/// The native client against a real socket that answers badly on purpose.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod socket_tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Serves one connection with `answer` and returns the request head it read.
    async fn serve_once(answer: Vec<u8>) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/data", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut b = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut b).await.unwrap();
                if n == 0 {
                    break;
                }
                head.extend_from_slice(&b[..n]);
            }
            let _ = s.write_all(&answer).await;
            let _ = s.shutdown().await;
            String::from_utf8_lossy(&head).into_owned()
        });
        (url, task)
    }

    fn answer(head: &str, body: &[u8]) -> Vec<u8> {
        let mut v = head.replace('\n', "\r\n").into_bytes();
        v.extend_from_slice(b"\r\n");
        v.extend_from_slice(body);
        v
    }

    #[tokio::test]
    async fn a_range_is_asked_and_read() {
        let body = vec![7u8; 100];
        let (url, task) = serve_once(answer(
            "HTTP/1.1 206 Partial Content\nContent-Length: 100\nContent-Range: bytes 100-199/1000\n",
            &body,
        ))
        .await;
        let got = HttpFetcher::new()
            .get(&FetchRequest::range(&url, 100..200))
            .await
            .unwrap();
        assert_eq!(got, body);
        let head = task.await.unwrap();
        assert!(head.contains("Range: bytes=100-199\r\n"), "{head}");
        assert!(head.starts_with("GET /data HTTP/1.1\r\n"), "{head}");
    }

    #[tokio::test]
    async fn a_chunked_whole_file_is_read() {
        let (url, _t) = serve_once(answer(
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
            b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n",
        ))
        .await;
        let got = HttpFetcher::new()
            .get(&FetchRequest::whole(&url, 100))
            .await
            .unwrap();
        assert_eq!(got, b"hello world");
    }

    #[tokio::test]
    async fn bad_answers_are_typed_errors() {
        let cases: Vec<(Vec<u8>, FetchRequest, &str)> = vec![
            (
                answer("HTTP/1.1 200 OK\nContent-Length: 99999999999\n", b"xx"),
                FetchRequest::whole("", 1000),
                "too large",
            ),
            (
                answer("HTTP/1.1 206 Partial\nContent-Length: 100\n", &[1u8; 40]),
                FetchRequest::range("", 0..100),
                "truncated",
            ),
            (
                answer("HTTP/1.1 200 OK\n", &[1u8; 5000]),
                FetchRequest::whole("", 1000),
                "too large",
            ),
            (
                answer(
                    "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n",
                    b"ffffff\r\nab",
                ),
                FetchRequest::whole("", 1000),
                "too large",
            ),
            (
                answer(
                    "HTTP/1.1 206 Partial\nContent-Length: 10\nContent-Range: bytes 0-9/10\n",
                    &[0u8; 10],
                ),
                FetchRequest::range("", 10..20),
                "wrong range",
            ),
            (
                answer("HTTP/1.1 404 Not Found\nContent-Length: 0\n", b""),
                FetchRequest::whole("", 10),
                "status",
            ),
            (
                b"garbage\r\n\r\n".to_vec(),
                FetchRequest::whole("", 10),
                "malformed",
            ),
        ];
        for (bytes, mut request, want) in cases {
            let (url, _t) = serve_once(bytes).await;
            request.url = url;
            let err = HttpFetcher::new().get(&request).await.unwrap_err();
            let kind = match err {
                FetchError::TooLarge { .. } => "too large",
                FetchError::Truncated { .. } => "truncated",
                FetchError::WrongRange { .. } => "wrong range",
                FetchError::Status { .. } => "status",
                FetchError::Malformed { .. } => "malformed",
                _ => "other",
            };
            assert_eq!(kind, want, "{err}");
        }
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/x", listener.local_addr().unwrap());
        let _hold = tokio::spawn(async move {
            let (_s, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let err = HttpFetcher::new()
            .with_timeout(Duration::from_millis(300))
            .get(&FetchRequest::whole(&url, 10))
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
    }
}
