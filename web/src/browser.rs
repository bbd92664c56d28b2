//! The few browser facilities the view needs beyond Leptos (clock, clipboard, local preferences,
//! object URLs for images, the storage estimate), each failing soft: a browser that refuses one
//! gives `None`, never a panic.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A small preference (theme, read marks). Not for secrets: localStorage is plain text.
pub fn pref(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

pub fn set_pref(key: &str, value: &str) {
    if let Some(s) = local_storage() {
        let _ = s.set_item(key, value);
    }
}

/// Copies text; `false` when the browser refused (no permission, insecure context).
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// An object URL for image bytes, typed with the mime sniffed from them. Revoke with
/// [`revoke_object_url`] when the image leaves the page.
pub fn object_url(bytes: &[u8], mime: &str) -> Option<String> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

pub fn revoke_object_url(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// (bytes used, quota) for this origin, from `navigator.storage.estimate()`.
pub async fn storage_estimate() -> Option<(u64, u64)> {
    let window = web_sys::window()?;
    let promise = window.navigator().storage().estimate().ok()?;
    let value = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let estimate: web_sys::StorageEstimate = value.unchecked_into();
    let usage = estimate.get_usage().unwrap_or(0.0);
    let quota = estimate.get_quota().unwrap_or(0.0);
    Some((usage as u64, quota as u64))
}

/// The page's current path and fragment (`/c/…`, `#zQ3…`).
pub fn location() -> (String, String) {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return (String::new(), String::new());
    };
    (
        loc.pathname().unwrap_or_default(),
        loc.hash().unwrap_or_default(),
    )
}

/// The page's origin (`http://127.0.0.1:8080`).
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// A time as `<time datetime>` wants it (ISO 8601, UTC): machine-readable, for assistive
/// technology and tests.
pub fn iso_time(ms: u64) -> String {
    js_sys::Date::new(&JsValue::from_f64(ms as f64))
        .to_iso_string()
        .into()
}

/// Local calendar parts of a time: (year, month 0-11, day of month, weekday 0-6, hour, minute).
pub fn local_parts(ms: f64) -> (u32, u32, u32, u32, u32, u32) {
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    (
        d.get_full_year(),
        d.get_month(),
        d.get_date(),
        d.get_day(),
        d.get_hours(),
        d.get_minutes(),
    )
}

/// The serving node's description of itself (`/hearth.json`: the same fields
/// `hearth serve --demo` prints: `community`, `link`, `hearth_link`, `ws`, `channels`), when the
/// app is served by a node that has one.
pub async fn node_config() -> Option<serde_json::Value> {
    let window = web_sys::window()?;
    let promise = window.fetch_with_str("/hearth.json");
    let response: web_sys::Response = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let text = wasm_bindgen_futures::JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    if text.len() > 64 * 1024 {
        return None;
    }
    serde_json::from_str(&text).ok()
}

/// "3 min ago" for a time in ms since the epoch.
pub fn ago(ms: u64) -> String {
    let secs = ((now_ms() - ms as f64) / 1000.0).max(0.0) as u64;
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

/// Whether the browser believes it has a network (`navigator.onLine`); `true` when it cannot say.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// `navigator.onLine` as a signal, kept current by the window's `online`/`offline` events for as
/// long as the calling component lives.
pub fn online_signal() -> leptos::prelude::ReadSignal<bool> {
    use leptos::prelude::*;
    let (online_now, set) = signal(online());
    let up = window_event_listener_untyped("online", move |_| set.set(true));
    let down = window_event_listener_untyped("offline", move |_| set.set(false));
    on_cleanup(move || {
        up.remove();
        down.remove();
    });
    online_now
}
