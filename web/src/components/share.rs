use hearth::client::types::CommunityInfo;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{copy_text, origin};
use crate::share_link::status_link;

/// The status.app link for a community (or one of its channels), and the same link on this
/// Hearth (its host swapped for this page's origin).
pub fn share_links(info: &CommunityInfo, channel: Option<&str>) -> Option<(String, String)> {
    let url = status_link(info, channel)?;
    let hearth = url.replacen("https://status.app", &origin(), 1);
    Some((url, hearth))
}

/// "Copy link" for a community or channel: both links, each with its own button.
#[component]
pub fn ShareLinks(
    #[prop(into)] info: Signal<Option<CommunityInfo>>,
    #[prop(into)] channel: Signal<Option<String>>,
) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let links = move || {
        info.with(|i| {
            i.as_ref()
                .and_then(|i| share_links(i, channel.get().as_deref()))
        })
    };
    let copy = move |which: &'static str, text: String| {
        spawn_local(async move {
            let ok = copy_text(&text).await;
            copied.set(Some(if ok { which } else { "failed" }));
        });
    };
    view! {
        <div class="share">
            {move || links().map(|(status, hearth)| {
                let s2 = status.clone();
                let h2 = hearth.clone();
                view! {
                    <label class="share-row">
                        <span>"Status link"</span>
                        <input type="text" class="share-url" readonly value=status.clone() aria-label="Status link" />
                        <button class="button" on:click=move |_| copy("status", s2.clone())>"Copy link"</button>
                    </label>
                    <label class="share-row">
                        <span>"Hearth link"</span>
                        <input type="text" class="share-url" readonly value=hearth.clone() aria-label="Hearth link" />
                        <button class="button secondary" on:click=move |_| copy("hearth", h2.clone())>"Copy"</button>
                    </label>
                }
            })}
            <p class="small muted" role="status">{move || match copied.get() {
                Some("failed") => "The browser did not allow copying. Select the link and copy it by hand.",
                Some(_) => "Copied.",
                None => "",
            }}</p>
        </div>
    }
}
