//! `/archives/…`: the community history archives as static files (`<data dir>/archives/`), for
//! BitTorrent web-seed clients and browsers alike: single `Range` requests (206, or 416 past the
//! end; a multi-range request gets the whole file, which RFC 9110 allows), CORS for any origin
//! with the range headers exposed, an ETag on every file, and `immutable` for the
//! content-addressed `torrents/<info hash>.torrent`. Nothing here is generated per request, so a
//! copy of the folder on any web server is an equivalent mirror.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::Hub;

/// Bytes read from disk per chunk of a response body.
const CHUNK: usize = 64 * 1024;

/// The routes, for `http.rs` to merge.
pub(super) fn routes() -> Router<Arc<Hub>> {
    Router::new().route("/archives/{*path}", get(file).options(preflight))
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No (usable) range: the whole file, 200.
    Full,
    /// Bytes `start..=end`, 206.
    Single { start: u64, end: u64 },
    /// 416.
    Unsatisfiable,
}

/// Reads a `Range` header (RFC 9110 §14). A header that is not `bytes=`, is malformed, or asks
/// for several ranges is ignored (the whole file is sent), as the RFC allows.
pub fn parse_range(value: Option<&str>, len: u64) -> RangeRequest {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Full;
    };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeRequest::Full;
    };
    let num = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (a.trim(), b.trim()) {
        ("", suffix) => match num(suffix) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if len == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Single {
                start: len - n.min(len),
                end: len - 1,
            },
            None => RangeRequest::Full,
        },
        (first, "") => match num(first) {
            Some(s) if s >= len => RangeRequest::Unsatisfiable,
            Some(s) => RangeRequest::Single {
                start: s,
                end: len - 1,
            },
            None => RangeRequest::Full,
        },
        (first, last) => match (num(first), num(last)) {
            (Some(s), Some(e)) if s <= e => {
                if s >= len {
                    RangeRequest::Unsatisfiable
                } else {
                    RangeRequest::Single {
                        start: s,
                        end: e.min(len - 1),
                    }
                }
            }
            _ => RangeRequest::Full,
        },
    }
}

/// `path` under `root`, or `None` when it tries to leave it.
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    for part in Path::new(path).components() {
        match part {
            Component::Normal(p) => out.push(p),
            _ => return None,
        }
    }
    Some(out)
}

/// A content-addressed torrent: `torrents/<40 hex>.torrent`. Its bytes never change.
fn content_addressed(path: &str) -> Option<&str> {
    let hash = path.strip_prefix("torrents/")?.strip_suffix(".torrent")?;
    (hash.len() == 40 && hash.bytes().all(|c| c.is_ascii_hexdigit())).then_some(hash)
}

fn cors(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Content-Range, Content-Length, Accept-Ranges, ETag"),
    );
}

async fn preflight() -> Response {
    let mut headers = HeaderMap::new();
    cors(&mut headers);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Range, If-None-Match, If-Range"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    (StatusCode::NO_CONTENT, headers).into_response()
}

fn status(code: StatusCode) -> Response {
    let mut headers = HeaderMap::new();
    cors(&mut headers);
    (code, headers).into_response()
}

async fn file(
    State(hub): State<Arc<Hub>>,
    UrlPath(path): UrlPath<String>,
    request: HeaderMap,
) -> Response {
    let root = crate::community::history::archives_root(&hub.config.data_dir);
    let Some(full) = resolve(&root, &path) else {
        return status(StatusCode::FORBIDDEN);
    };
    let Ok(mut f) = tokio::fs::File::open(&full).await else {
        return status(StatusCode::NOT_FOUND);
    };
    let Ok(meta) = f.metadata().await else {
        return status(StatusCode::NOT_FOUND);
    };
    if !meta.is_file() {
        return status(StatusCode::NOT_FOUND);
    }
    let len = meta.len();
    let mut headers = HeaderMap::new();
    cors(&mut headers);
    let etag = match content_addressed(&path) {
        Some(hash) => {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            format!("\"{hash}\"")
        }
        None => {
            // `data` only grows and `index` is replaced whole: length and mtime change together
            // with the content. Revalidated on every use (cheap: 304).
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!("\"{len:x}-{mtime:x}\"")
        }
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let content_type = if path.ends_with(".torrent") {
        "application/x-bittorrent"
    } else {
        "application/octet-stream"
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let text = |name| {
        request
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(inm) = text(header::IF_NONE_MATCH)
        && (inm.trim() == "*" || inm.split(',').any(|t| t.trim() == etag))
    {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    // If-Range with another validator: the file changed, send all of it.
    let range_header = match text(header::IF_RANGE) {
        Some(v) if v.trim() != etag => None,
        _ => text(header::RANGE),
    };
    let (code, start, count) = match parse_range(range_header, len) {
        RangeRequest::Full => (StatusCode::OK, 0, len),
        RangeRequest::Single { start, end } => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                headers.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        RangeRequest::Unsatisfiable => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                headers.insert(header::CONTENT_RANGE, v);
            }
            return (StatusCode::RANGE_NOT_SATISFIABLE, headers).into_response();
        }
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    if f.seek(std::io::SeekFrom::Start(start)).await.is_err() {
        return status(StatusCode::INTERNAL_SERVER_ERROR);
    }
    // Streamed in chunks: a whole `data` file is never held in memory.
    let body = futures::stream::unfold((f, count), |(mut f, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; CHUNK.min(left as usize)];
        match f.read(&mut buf).await {
            Ok(0) => Some((
                Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
                (f, 0),
            )),
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), (f, left - n as u64)))
            }
            Err(e) => Some((Err(e), (f, 0))),
        }
    });
    (code, headers, Body::from_stream(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeRequest::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), Full);
        assert_eq!(
            parse_range(Some("bytes=0-4"), 10),
            Single { start: 0, end: 4 }
        );
        assert_eq!(
            parse_range(Some("bytes=5-"), 10),
            Single { start: 5, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-3"), 10),
            Single { start: 7, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-30"), 10),
            Single { start: 0, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=8-100"), 10),
            Single { start: 8, end: 9 }
        );
        assert_eq!(parse_range(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=10-12"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-0"), 0), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=4-2"), 10), Full);
        assert_eq!(parse_range(Some("bytes=0-1,3-4"), 10), Full);
        assert_eq!(parse_range(Some("items=0-1"), 10), Full);
        assert_eq!(parse_range(Some("bytes=x-1"), 10), Full);
        assert_eq!(
            parse_range(Some("bytes=99999999999999999999999-"), 10),
            Full
        );
    }

    #[test]
    fn paths() {
        let root = Path::new("/r");
        assert_eq!(resolve(root, "a/data"), Some(PathBuf::from("/r/a/data")));
        assert_eq!(resolve(root, "../x"), None);
        assert_eq!(resolve(root, "/etc/passwd"), None);
        assert_eq!(
            content_addressed(&format!("torrents/{}.torrent", "ab".repeat(20))),
            Some("ab".repeat(20).as_str())
        );
        assert_eq!(content_addressed("0x02.torrent"), None);
    }
}
