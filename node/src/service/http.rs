//! HTTP beside the node: `/health` for scripts and monitoring, and the built web app when the
//! node is started with `--web <dir>`, so one command serves everything a browser needs.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::json;

use super::{Hub, lock};

pub async fn spawn(hub: Arc<Hub>, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    eprintln!("hearth: health at http://{bound}/health");
    if hub.config.web_dir.is_some() {
        eprintln!("hearth: web app at http://{bound}/");
    }
    let app = Router::new()
        .route("/health", get(health))
        .route("/hearth.json", get(site))
        // Community history archives (issue #13): static files with Range, CORS and caching.
        .merge(super::archive_files::routes());
    // The bridge for other programs (`--bridge`): its routes and state live in `crate::bridge`.
    let app = crate::bridge::mount(app, &hub)
        .fallback(get(static_file))
        .with_state(hub);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("http server stopped: {e}");
        }
    });
    Ok(())
}

async fn health(State(hub): State<Arc<Hub>>) -> Json<serde_json::Value> {
    let messages = hub.messages.clone();
    let (messages, bytes) = tokio::task::spawn_blocking(move || {
        let a = lock(&messages);
        (a.count().unwrap_or(0), a.stored_bytes().unwrap_or(0))
    })
    .await
    .unwrap_or((0, 0));
    let peers: Vec<serde_json::Value> = lock(&hub.peers)
        .iter()
        .map(|(id, p)| json!({ "peer_id": id.to_string(), "agent": p.agent, "addr": p.addr.as_ref().map(|a| a.to_string()) }))
        .collect();
    let filter = lock(&hub.filter);
    Json(json!({
        "status": "ok",
        "version": hearth::VERSION,
        "peer_id": hub.peer_id.to_string(),
        "listen": lock(&hub.listen_addrs).iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "cluster": hub.config.cluster,
        "shards": hub.config.shards,
        "enr": hub.own_enr.get().map(|e| e.to_base64()),
        "peer_exchange": { "records": lock(&hub.px_cache).len() },
        "peers": peers,
        "filter": { "subscribers": filter.subscriber_count(), "criteria": filter.criteria_count() },
        "store": { "messages": messages, "bytes": bytes },
        "counters": {
            "lightpushed": hub.stats.lightpushed.load(Ordering::Relaxed),
            "relayed": hub.stats.relayed.load(Ordering::Relaxed),
            "pushed": hub.stats.pushed.load(Ordering::Relaxed),
            "store_queries": hub.stats.queries.load(Ordering::Relaxed),
            "rate_limited": hub.stats.refused.load(Ordering::Relaxed),
        },
    }))
}

/// A request path as a file under `root`, or `None` if it tries to leave it.
fn resolve(root: &Path, uri_path: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for part in Path::new(uri_path.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => path.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if path.is_dir() {
        path.push("index.html");
    }
    Some(path)
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// What the app needs to know about the node serving it: its WebSocket address (and, with
/// `hearth serve`, the community it hosts), so that a page served here talks to this node first.
async fn site(State(hub): State<Arc<Hub>>) -> Json<serde_json::Value> {
    if let Some(site) = &hub.config.site {
        return Json(site.clone());
    }
    let ws = lock(&hub.listen_addrs)
        .iter()
        .find(|a| a.to_string().contains("/ws"))
        .map(|a| {
            let a = a.to_string();
            if a.contains("/p2p/") {
                a
            } else {
                format!("{a}/p2p/{}", hub.peer_id)
            }
        });
    Json(json!({ "ws": ws }))
}

/// The Content-Security-Policy of the app's pages: no inline script; wasm may be compiled;
/// connections only to this node (its own WebSocket listeners), the Status fleet the app falls
/// back to, and the DNS-over-HTTPS resolvers of DNS discovery. WebRTC is outside `connect-src`
/// (app-notes §10). Framing is refused (the embed pages of a later issue will open it for
/// themselves only).
fn content_security_policy(hub: &Hub) -> String {
    let mut connect = vec!["'self'".to_string()];
    for addr in lock(&hub.listen_addrs).iter() {
        let text = addr.to_string();
        let parts: Vec<&str> = text.split('/').collect();
        // /ip4/<host>/tcp/<port>/ws  or  /dns4/<host>/tcp/<port>/wss
        if let [_, _, host, "tcp", port, proto, ..] = parts.as_slice()
            && (*proto == "ws" || *proto == "wss")
        {
            let host = if *host == "0.0.0.0" {
                "127.0.0.1"
            } else {
                host
            };
            connect.push(format!("{proto}://{host}:{port}"));
            if host == "127.0.0.1" {
                connect.push(format!("{proto}://localhost:{port}"));
            }
        }
    }
    connect.push("wss://*.status.im".into());
    connect.push("https://dns.google".into());
    connect.push("https://cloudflare-dns.com".into());
    // The archive's web seeds (`--archive-mirror`, `--archive-url`): the app fetches pieces there.
    let history = &hub.config.control.history;
    for url in std::iter::once(&history.base_url).chain(&history.mirrors) {
        if let Some(origin) = origin_of(url)
            && !connect.contains(&origin)
        {
            connect.push(origin);
        }
    }
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' blob: data:; connect-src {}; font-src 'self'; manifest-src 'self'; \
         frame-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
        connect.join(" ")
    )
}

/// `https://mirror.example:8443/archives/` → `https://mirror.example:8443`; `None` for anything
/// but an http(s) URL with a host of safe characters (a CSP source must not break the header).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let safe = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    safe.then(|| format!("{scheme}://{host}"))
}

fn html(hub: &Hub, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                content_security_policy(hub),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::REFERRER_POLICY, "no-referrer".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn static_file(State(hub): State<Arc<Hub>>, headers: HeaderMap, uri: Uri) -> Response {
    if let Some(preview) = super::unfurl::preview_for_path(uri.path()) {
        let index = match &hub.config.web_dir {
            Some(root) => tokio::fs::read_to_string(root.join("index.html"))
                .await
                .ok(),
            None => None,
        };
        let body = super::unfurl::page(index.as_deref(), &preview);
        return html(&hub, body);
    }
    let Some(root) = &hub.config.web_dir else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(path) = resolve(root, uri.path()) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    // A client-side route (no file extension) gets the app's index.html.
    let path = if !path.exists() && path.extension().is_none() {
        read_only_embed(root, &uri).unwrap_or_else(|| root.join("index.html"))
    } else {
        path
    };
    let response = if mime(&path).starts_with("text/html") {
        match tokio::fs::read(&path).await {
            Ok(body) => html(&hub, body),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        }
    } else {
        asset(&path, &headers).await
    };
    embed_headers(&hub, uri.path(), response)
}

/// The encodings a request accepts, best first, among those `scripts/build-web` writes beside
/// each asset (`x.wasm.br`, `x.wasm.gz`).
fn accepted_encodings(headers: &HeaderMap) -> Vec<(&'static str, &'static str)> {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let offers = |name: &str| {
        accept.split(',').any(|part| {
            let mut it = part.split(';');
            let token = it.next().unwrap_or("").trim();
            let refused = it.any(|q| matches!(q.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            token.eq_ignore_ascii_case(name) && !refused
        })
    };
    [("br", "br"), ("gzip", "gz")]
        .into_iter()
        .filter(|(name, _)| offers(name))
        .collect()
}

/// A static asset: its precompressed twin when the browser takes it (the app's wasm is a third
/// of its size in brotli), an ETag from size and time so a revisit costs a 304, and `no-cache`
/// because the file names are not content-hashed (a new build must be picked up at once).
async fn asset(path: &Path, headers: &HeaderMap) -> Response {
    let mut chosen = None;
    for (encoding, ext) in accepted_encodings(headers) {
        let mut twin = path.as_os_str().to_owned();
        twin.push(format!(".{ext}"));
        let twin = PathBuf::from(twin);
        if let Ok(meta) = tokio::fs::metadata(&twin).await
            && meta.is_file()
        {
            chosen = Some((twin, Some(encoding), meta));
            break;
        }
    }
    let (file, encoding, meta) = match chosen {
        Some(c) => c,
        None => match tokio::fs::metadata(path).await {
            Ok(meta) if meta.is_file() => (path.to_path_buf(), None, meta),
            _ => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let etag = format!(
        "\"{:x}-{:x}{}\"",
        meta.len(),
        modified,
        encoding.map(|e| format!("-{e}")).unwrap_or_default()
    );
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut out = vec![
        (header::CONTENT_TYPE, mime(path).to_string()),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, "no-cache".to_string()),
        (header::VARY, "Accept-Encoding".to_string()),
    ];
    if let Some(e) = encoding {
        out.push((header::CONTENT_ENCODING, e.to_string()));
    }
    if fresh {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        for (k, v) in out {
            if let Ok(v) = v.parse() {
                response.headers_mut().insert(k, v);
            }
        }
        return response;
    }
    match tokio::fs::read(&file).await {
        Ok(body) => {
            let mut response = body.into_response();
            for (k, v) in out {
                if let Ok(v) = v.parse() {
                    response.headers_mut().insert(k, v);
                }
            }
            response
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

// ---- The embed pages, the widget script and the offline app (issue 14) ----

/// A `--embed-ancestors` value that cannot be a CSP source list.
#[derive(Debug, thiserror::Error)]
#[error(
    "--embed-ancestors {0:?}: a CSP source list has no ';', ',', quotes other than keywords, or control characters"
)]
pub struct EmbedAncestorsError(String);

/// Checks a `frame-ancestors` source list for the embed pages: it is pasted into a header, so
/// nothing that ends the directive (`;`), splits the header (`,`) or breaks the line gets in.
pub fn embed_ancestors(text: &str) -> Result<String, EmbedAncestorsError> {
    let text = text.trim();
    let bad = text.is_empty()
        || text
            .chars()
            .any(|c| c == ';' || c == ',' || c.is_control() || !c.is_ascii());
    if bad {
        return Err(EmbedAncestorsError(text.to_string()));
    }
    Ok(text.to_string())
}

/// The read-only embed build's page (`embed/index.html`, no composer or identity code) for an
/// embed page that does not post, when the build has it.
fn read_only_embed(root: &Path, uri: &Uri) -> Option<PathBuf> {
    let posts = uri
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair == "post=1"));
    let page = root.join("embed").join("index.html");
    (uri.path().starts_with("/embed/") && !posts && page.is_file()).then_some(page)
}

/// Framing is allowed for `/embed/…` pages only (to `--embed-ancestors`); `/embed.js` may be
/// loaded as a module from any site (CORS); the service worker and manifest are never cached
/// stale, so a new build replaces the old app at the next visit.
fn embed_headers(hub: &Hub, path: &str, mut response: Response) -> Response {
    let headers = response.headers_mut();
    if path.starts_with("/embed/")
        && let Some(policy) = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
    {
        let opened = policy.replace(
            "frame-ancestors 'none'",
            &format!("frame-ancestors {}", hub.config.embed_ancestors),
        );
        if let Ok(v) = header::HeaderValue::from_str(&opened) {
            headers.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    if path == "/embed.js" {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::HeaderValue::from_static("*"),
        );
    }
    if matches!(path, "/sw.js" | "/manifest.webmanifest" | "/build.json") {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-cache"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn a_web_seed_becomes_a_csp_origin_and_nothing_else_does() {
        assert_eq!(
            origin_of("https://mirror.example:8443/archives/").as_deref(),
            Some("https://mirror.example:8443")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080/archives/").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        for bad in [
            "ftp://x/",
            "javascript:alert(1)",
            "https://a b/",
            "https://evil; script-src *",
            "https:///",
            "mirror.example/archives/",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }
}
