//! HTTP beside the node: `/health` for scripts and monitoring, and the built web app when the
//! node is started with `--web <dir>`, so one command serves everything a browser needs.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
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
    let archive = hub.archive.clone();
    let (messages, bytes) = tokio::task::spawn_blocking(move || {
        let a = lock(&archive);
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
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' blob: data:; connect-src {}; font-src 'self'; manifest-src 'self'; \
         frame-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
        connect.join(" ")
    )
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

async fn static_file(State(hub): State<Arc<Hub>>, uri: Uri) -> Response {
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
    let response = match tokio::fs::read(&path).await {
        Ok(body) if mime(&path).starts_with("text/html") => html(&hub, body),
        Ok(body) => ([(header::CONTENT_TYPE, mime(&path))], body).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    };
    embed_headers(&hub, uri.path(), response)
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
