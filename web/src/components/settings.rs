use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{pref, set_pref};
use crate::components::connection::ConnectionIndicator;
use crate::components::problem_notice::ProblemNotice;
use crate::person::person;
use crate::session::{ExportedIdentity, Problem, StoreNode, use_session};
use hearth::client::types::StorageBackend;

const THEME_PREF: &str = "hearth.theme";

fn set_theme_attr(theme: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        match theme {
            "light" | "dark" => {
                let _ = root.set_attribute("data-theme", theme);
            }
            _ => {
                let _ = root.remove_attribute("data-theme");
            }
        }
    }
}

/// Applies the saved light/dark choice; with none, the page follows `prefers-color-scheme`.
pub fn apply_saved_theme() {
    set_theme_attr(&pref(THEME_PREF).unwrap_or_default());
}

fn bytes_text(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.0} KB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}

/// `/settings`: identity (create, import, export), store nodes (add, remove, which answer),
/// storage in use, appearance.
#[component]
pub fn Settings() -> impl IntoView {
    let session = use_session();
    let problem = RwSignal::new(None::<Problem>);
    let exported = RwSignal::new(None::<ExportedIdentity>);
    let export_pass = RwSignal::new(String::new());
    let nodes = RwSignal::new(Vec::<StoreNode>::new());
    let refresh_nodes = move || {
        let fut = session.backend().store_nodes();
        spawn_local(async move {
            match fut.await {
                Ok(list) => nodes.set(list),
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    refresh_nodes();
    let new_node = RwSignal::new(String::new());
    let estimate = RwSignal::new(None::<(u64, u64)>);
    let theme = RwSignal::new(pref(THEME_PREF).unwrap_or_else(|| "system".into()));
    let fut = session.backend().storage_estimate();
    spawn_local(async move { estimate.set(fut.await) });

    let export = move |_| {
        let pass = export_pass.get_untracked();
        let fut = session
            .backend()
            .export_identity(Some(pass).filter(|p| !p.is_empty()));
        spawn_local(async move {
            match fut.await {
                Ok(e) => {
                    problem.set(None);
                    exported.set(Some(e));
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    let add_node = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let addr = new_node.get_untracked().trim().to_string();
        if addr.is_empty() {
            return;
        }
        let fut = session.backend().add_store_node(addr);
        spawn_local(async move {
            match fut.await {
                Ok(()) => {
                    new_node.set(String::new());
                    problem.set(None);
                    refresh_nodes();
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    let remove_node = move |addr: String| {
        let fut = session.backend().remove_store_node(addr);
        spawn_local(async move {
            match fut.await {
                Ok(()) => refresh_nodes(),
                Err(p) => problem.set(Some(p)),
            }
        });
    };
    let pick_theme = move |t: &'static str| {
        theme.set(t.to_string());
        set_pref(THEME_PREF, t);
        set_theme_attr(t);
    };

    let identity = move || {
        match (session.identity.get(), session.locked.get()) {
        (None, Some(l)) => {
            let p = person(&l.public_key);
            view! {
                <dl class="kv-list">
                    <dt>"Name"</dt><dd>{l.display_name.clone()}</dd>
                    <dt>"Three-word name"</dt><dd>{p.alias.clone()}</dd>
                    <dt>"Emoji hash"</dt><dd class="emoji-hash">{p.emoji_hash.clone()}</dd>
                </dl>
                <p>"Locked: sealed with your passphrase."</p>
                <div class="button-row">
                    <button class="button primary" on:click=move |_| session.identity_wanted.set(true)>"Unlock"</button>
                </div>
            }
            .into_any()
        }
        (None, None) => view! {
            <p>"You have no identity yet. You need one to write, react or join; reading needs none."</p>
            <div class="button-row">
                <button class="button primary" on:click=move |_| session.identity_wanted.set(true)>"Create or import an identity"</button>
            </div>
        }
        .into_any(),
        (Some(id), _) => {
            let p = person(&id.public_key);
            view! {
                <dl class="kv-list">
                    <dt>"Name"</dt><dd>{id.display_name.clone()}</dd>
                    <dt>"Three-word name"</dt><dd>{p.alias.clone()}</dd>
                    <dt>"Emoji hash"</dt><dd class="emoji-hash">{p.emoji_hash.clone()}</dd>
                    <dt>"Chat key"</dt><dd class="key-text">{id.compressed.clone()}</dd>
                </dl>
                <h3>"Export"</h3>
                <p class="muted">"Anyone with this key can write as you. Show it only to copy it somewhere safe."</p>
                <div class="field">
                    <label for="export-pass">"Passphrase (if you set one)"</label>
                    <input id="export-pass" type="password" autocomplete="current-password"
                        prop:value=move || export_pass.get()
                        on:input=move |ev| export_pass.set(event_target_value(&ev)) />
                </div>
                <button class="button secondary" on:click=export>"Show my key"</button>
                {move || exported.get().map(|e| view! {
                    <div class="secret" role="region" aria-label="Your secret key">
                        <p><strong>"Private key: "</strong><code class="key-text">{e.hex.clone()}</code></p>
                        {e.phrase.clone().map(|ph| view! { <p><strong>"Recovery phrase: "</strong><code>{ph}</code></p> })}
                        <button class="button secondary small" on:click=move |_| exported.set(None)>"Hide"</button>
                    </div>
                })}
            }
            .into_any()
        }
    }
    };

    view! {
        <div class="page-settings">
            <header class="topbar home-bar">
                <a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>"Hearth"</a>
                <ConnectionIndicator />
            </header>
            <main id="main" class="page page-narrow" tabindex="-1">
                <h1>"Settings"</h1>
                {move || problem.get().map(|p| view! { <ProblemNotice problem=p /> })}
                <section class="card" aria-labelledby="identity-title">
                    <h2 id="identity-title">"Identity"</h2>
                    {identity}
                </section>
                <section class="card" aria-labelledby="store-title">
                    <h2 id="store-title">"Store nodes"</h2>
                    <p class="muted">"Store nodes keep messages for when you were away. The community names its own; you can add yours."</p>
                    {move || {
                        let list: Vec<StoreNode> = nodes.get();
                        if list.is_empty() {
                            return view! { <p class="muted">"No store nodes known yet (the client lists them once connected)."</p> }.into_any();
                        }
                        view! {
                            <ul class="node-list">
                                {list.into_iter().map(|n| {
                                    let addr = n.address.clone();
                                    view! {
                                        <li>
                                            <code class="node-addr">{n.address.clone()}</code>
                                            <span class="muted small">{match (n.pinned, n.last_answer_ms) {
                                                (true, Some(ms)) => format!("yours · last answered {}", crate::browser::ago(ms)),
                                                (true, None) => "yours · no answer yet".into(),
                                                (false, Some(ms)) => format!("last answered {}", crate::browser::ago(ms)),
                                                (false, None) => "no answer yet".into(),
                                            }}</span>
                                            <button class="button secondary small" aria-label=format!("Remove {}", n.address)
                                                on:click=move |_| remove_node(addr.clone())>"Remove"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <form class="open-row" on:submit=add_node>
                        <label class="visually-hidden" for="node-input">"Store node address"</label>
                        <input id="node-input" type="text" spellcheck="false" placeholder="/dns4/store.example/tcp/443/wss/p2p/16Uiu2…"
                            prop:value=move || new_node.get() on:input=move |ev| new_node.set(event_target_value(&ev)) />
                        <button class="button secondary" type="submit">"Add"</button>
                    </form>
                </section>
                <section class="card" aria-labelledby="storage-title">
                    <h2 id="storage-title">"Storage"</h2>
                    <p>{move || match estimate.get() {
                        Some((used, quota)) if quota > 0 => format!("{} used of {} this browser allows.", bytes_text(used), bytes_text(quota)),
                        Some((used, _)) => format!("{} used.", bytes_text(used)),
                        None => "This browser does not say how much storage is in use.".into(),
                    }}</p>
                    <p class="muted">{move || match session.health.get().map(|h| h.storage) {
                        Some(StorageBackend::IndexedDb) => "Messages and communities are kept in this browser (IndexedDB).".to_string(),
                        Some(StorageBackend::Sqlite) => "Messages and communities are kept in a file (SQLite).".to_string(),
                        Some(StorageBackend::Memory { reason }) => format!("Nothing is kept after this tab closes: IndexedDB is unavailable{}.", reason.map(|r| format!(" ({r})")).unwrap_or_default()),
                        None => String::new(),
                    }}</p>
                </section>
                <section class="card" aria-labelledby="theme-title">
                    <h2 id="theme-title">"Appearance"</h2>
                    <fieldset class="theme-choice">
                        <legend>"Theme"</legend>
                        {[("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")].into_iter().map(|(value, label)| view! {
                            <label class="radio">
                                <input type="radio" name="theme" value=value
                                    prop:checked=move || theme.get() == value
                                    on:change=move |_| pick_theme(value) />
                                {label}
                            </label>
                        }).collect_view()}
                    </fieldset>
                </section>
            </main>
        </div>
    }
}
