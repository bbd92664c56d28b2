use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{copy_text, origin};
use crate::embed::{
    DEFAULT_HEIGHT, EmbedOptions, EmbedTheme, clamp_height, embed_url, parse_accent, snippets,
};

/// "Embed this channel": the options a site owner picks (theme, accent, height, posting), the
/// two snippets to paste (a plain iframe, and the `<hearth-channel>` element), each with a copy
/// button, and a live preview of the embed as configured.
#[component]
pub fn EmbedDialog(
    community: String,
    uuid: String,
    #[prop(into)] name: Signal<String>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let theme = RwSignal::new(EmbedTheme::Auto);
    let accent = RwSignal::new(String::new());
    let height = RwSignal::new(DEFAULT_HEIGHT.to_string());
    let post = RwSignal::new(false);
    let copied = RwSignal::new("");
    // The preview (a whole embed: wasm and a client) exists only while the dialog is open.
    let shown = RwSignal::new(false);
    let base = origin();

    let options = Memo::new(move |_| EmbedOptions {
        theme: theme.get(),
        accent: accent.with(|a| parse_accent(a.trim())),
        post: post.get(),
        host: None,
    });
    let accent_bad =
        move || accent.with(|a| !a.trim().is_empty() && parse_accent(a.trim()).is_none());
    let shown_height = move || height.with(|h| clamp_height(h));
    let pair = {
        let (base, community, uuid) = (base.clone(), community.clone(), uuid.clone());
        Memo::new(move |_| {
            snippets(
                &base,
                &community,
                &uuid,
                &name.get(),
                &options.get(),
                shown_height(),
            )
        })
    };
    let preview_src = {
        let (base, community, uuid) = (base.clone(), community.clone(), uuid.clone());
        move || embed_url(&base, &community, &uuid, &options.get())
    };
    let copy = move |which: &'static str, text: String| {
        spawn_local(async move {
            let ok = copy_text(&text).await;
            copied.set(if ok { which } else { "failed" });
        });
    };
    let open = move |_| {
        copied.set("");
        shown.set(true);
        if let Some(d) = dialog.get() {
            let _ = d.show_modal();
        }
    };
    let close = move |_| {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };
    view! {
        <button class="button secondary small embed-button" on:click=open>"Embed"</button>
        <dialog class="embed-dialog" node_ref=dialog aria-labelledby="embed-title" on:close=move |_| shown.set(false)>
            <h2 id="embed-title">{move || format!("Embed #{}", name.get())}</h2>
            <p class="muted small">"Show this channel on any web page. Readers see it live; with posting allowed, members can write from it. Their identity stays with Hearth, never with the page."</p>
            <div class="embed-options">
                <label>"Theme "
                    <select on:change=move |ev| theme.set(EmbedTheme::parse(&event_target_value(&ev)))>
                        <option value="auto" selected>"Auto"</option>
                        <option value="dark">"Dark"</option>
                        <option value="light">"Light"</option>
                    </select>
                </label>
                <label>"Accent "
                    <input type="text" class="embed-accent" placeholder="#e8590c" maxlength="7" size="8"
                        prop:value=move || accent.get() on:input=move |ev| accent.set(event_target_value(&ev)) />
                </label>
                <label>"Height "
                    <input type="number" class="embed-height" min="160" max="2000" step="10"
                        prop:value=move || height.get() on:input=move |ev| height.set(event_target_value(&ev)) />
                </label>
                <label class="check"><input type="checkbox" class="embed-post"
                    prop:checked=move || post.get() on:change=move |ev| post.set(event_target_checked(&ev)) />" Allow posting"</label>
            </div>
            {move || accent_bad().then(|| view! { <p class="form-error small">"An accent is a colour as #rgb or #rrggbb."</p> })}
            <label class="embed-snippet">
                <span>"Custom element (resizes, loads when scrolled into view)"</span>
                <textarea class="embed-element" readonly rows="4" prop:value=move || pair.get().1></textarea>
            </label>
            <button class="button small" on:click=move |_| copy("element", pair.get_untracked().1)>"Copy element"</button>
            <label class="embed-snippet">
                <span>"Plain iframe (no script, fixed height)"</span>
                <textarea class="embed-iframe" readonly rows="3" prop:value=move || pair.get().0></textarea>
            </label>
            <button class="button small" on:click=move |_| copy("iframe", pair.get_untracked().0)>"Copy iframe"</button>
            <p class="small muted" role="status">{move || match copied.get() {
                "" => "",
                "failed" => "The browser did not allow copying. Select the snippet and copy it by hand.",
                _ => "Copied.",
            }}</p>
            <h3>"Preview"</h3>
            <Show when=move || shown.get()>
                <iframe class="embed-preview" title="Embed preview" src=preview_src.clone() height=move || shown_height().min(480).to_string()></iframe>
            </Show>
            <div class="dialog-actions">
                <button class="button" on:click=close>"Close"</button>
            </div>
        </dialog>
    }
}
