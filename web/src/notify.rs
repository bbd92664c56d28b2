//! Browser notifications for what is addressed to the reader (a reply to them, a mention of
//! them) while Hearth is in a background tab. Opt-in: permission is only asked on a click, and
//! nothing leaves the browser (there is no push server). Clicking one brings the tab forward and
//! shows the message.

use std::cell::RefCell;
use std::collections::VecDeque;

use hearth::client::types::TimelineItem;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// Only items this recent are news; older ones arriving (history catch-up) are not announced.
const FRESH_MS: f64 = 10.0 * 60.0 * 1000.0;
/// Ids already announced (edits and reactions re-deliver an item), oldest dropped first.
const REMEMBERED: usize = 256;

thread_local! {
    static SHOWN: RefCell<VecDeque<String>> = const { RefCell::new(VecDeque::new()) };
}

/// `"granted"`, `"denied"`, `"default"` (not asked yet), or `"unsupported"`.
pub fn permission() -> String {
    let supported = web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false));
    if !supported {
        return "unsupported".into();
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => "granted",
        web_sys::NotificationPermission::Denied => "denied",
        _ => "default",
    }
    .into()
}

/// Asks for permission (call from a click); resolves to [`permission`]'s answer.
pub async fn ask() -> String {
    if permission() == "unsupported" {
        return permission();
    }
    if let Ok(p) = web_sys::Notification::request_permission() {
        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
    }
    permission()
}

fn background() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Whether `item` should be announced to `me`: addressed to them, by someone else, fresh, not
/// deleted, not announced before.
pub fn is_news(item: &TimelineItem, me: Option<&str>, now_ms: f64) -> bool {
    item.mentions_me
        && !item.deleted
        && me.is_some_and(|me| !me.eq_ignore_ascii_case(&item.author))
        && (now_ms - item.timestamp_ms as f64) < FRESH_MS
        && !SHOWN.with(|s| s.borrow().contains(&item.id))
}

/// Announces `item` if it is news and the tab is in the background with permission granted.
pub fn announce(item: &TimelineItem, me: Option<&str>, channel_name: &str) {
    if !background() || permission() != "granted" || !is_news(item, me, crate::browser::now_ms()) {
        return;
    }
    SHOWN.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() >= REMEMBERED {
            s.pop_front();
        }
        s.push_back(item.id.clone());
    });
    let who = item
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| crate::person::short_key(&item.author));
    let what = if item.reply_to.is_some() {
        "replied to you"
    } else {
        "mentioned you"
    };
    let options = web_sys::NotificationOptions::new();
    options.set_body(&item.text.chars().take(140).collect::<String>());
    options.set_tag(&item.id);
    let Ok(n) = web_sys::Notification::new_with_options(
        &format!("{who} {what} in #{channel_name}"),
        &options,
    ) else {
        return;
    };
    let id = item.id.clone();
    let click = Closure::<dyn FnMut()>::new(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.focus();
        }
        crate::components::timeline_view::reveal(&id);
    });
    n.set_onclick(Some(click.as_ref().unchecked_ref()));
    click.forget();
}
