use hearth::client::types::CommunityInfo;
use hearth::status::keys::{PublicKey, community_id};
use hearth::status::link::parse_preview_link;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::browser::node_config;
use crate::components::community_overview::safe_colour;
use crate::components::connection::ConnectionIndicator;
use crate::routes::{channel_path, community_path};
use crate::session::use_session;

/// Where a pasted link, id or key leads in Hearth, or why it leads nowhere.
pub fn destination(input: &str) -> Result<String, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("Paste a community link, id or key first.".into());
    }
    let hexish = input.strip_prefix("0x").unwrap_or(input);
    if hexish.len() == 66 && hexish.chars().all(|c| c.is_ascii_hexdigit()) {
        return PublicKey::from_hex(input)
            .map(|k| community_path(&community_id(&k)))
            .map_err(|e| format!("That id is not a valid community key ({e})."));
    }
    if input.starts_with("zQ3") {
        return PublicKey::from_serialized(input)
            .map(|k| community_path(&community_id(&k)))
            .map_err(|e| format!("That key is not a valid community key ({e})."));
    }
    match parse_preview_link(input) {
        Ok(_) => {
            // Keep the link's own path and key: the preview page shows its data at once.
            let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
            let after_scheme = compact
                .split_once("://")
                .map(|(_, r)| r)
                .unwrap_or(&compact);
            let path = after_scheme
                .find('/')
                .map(|i| &after_scheme[i..])
                .unwrap_or("/");
            let path = match path.split_once('?') {
                Some((p, rest)) => {
                    format!("{p}{}", rest.find('#').map(|i| &rest[i..]).unwrap_or(""))
                }
                None => path.to_string(),
            };
            Ok(path)
        }
        Err(e) => Err(format!("That is not a link Hearth can open: {e}.")),
    }
}

/// `/`: open a community by link, id or key; recent communities; the serving node's demo.
#[component]
pub fn Home() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let input = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let recent = RwSignal::new(Vec::<CommunityInfo>::new());
    let demo = RwSignal::new(None::<(String, Vec<(String, String)>)>);
    let fut = session.backend().recent_communities();
    spawn_local(async move {
        recent.set(fut.await);
    });
    spawn_local(async move {
        if let Some(cfg) = node_config().await
            && let Some(id) = cfg.get("community").and_then(|v| v.as_str())
        {
            let channels = cfg
                .get("channels")
                .and_then(|c| c.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|c| {
                            Some((
                                c.get("uuid")?.as_str()?.to_string(),
                                c.get("name")?.as_str()?.to_string(),
                            ))
                        })
                        .take(20)
                        .collect()
                })
                .unwrap_or_default();
            demo.set(Some((id.to_string(), channels)));
        }
    });
    let open = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match destination(&input.get_untracked()) {
            Ok(path) => {
                error.set(None);
                navigate(&path, NavigateOptions::default());
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <div class="page-home">
            <header class="topbar home-bar">
                <span class="brand"><span class="brand-mark" aria-hidden="true"></span>"Hearth"</span>
                <nav class="home-nav" aria-label="Main"><a href="/settings">"Settings"</a></nav>
                <ConnectionIndicator />
            </header>
            <main id="main" class="page page-narrow" tabindex="-1">
                <h1>"Status Communities in your browser"</h1>
                <p class="lede">"Read and join Status communities straight from Waku, with nothing to install."</p>
                <form class="open-form" on:submit=open>
                    <label for="open-input">"Community link, id or key"</label>
                    <div class="open-row">
                        <input
                            id="open-input"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            placeholder="https://status.app/c/…#zQ3sh…"
                            aria-describedby="open-help"
                            aria-invalid=move || error.with(Option::is_some).to_string()
                            prop:value=move || input.get()
                            on:input=move |ev| input.set(event_target_value(&ev))
                        />
                        <button class="button primary" type="submit">"Open"</button>
                    </div>
                    <p id="open-help" class="small muted">"A status.app link (/c/, /cc/ or /u/), a community id (0x02…) or a key (zQ3sh…)."</p>
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                </form>
                {move || demo.get().map(|(id, channels)| view! {
                    <section class="card demo-card" aria-labelledby="demo-title">
                        <h2 id="demo-title">"This node's demo community"</h2>
                        <p><a class="button primary" href=community_path(&id)>"Open the demo community"</a></p>
                        <ul class="chips">
                            {channels.into_iter().map(|(uuid, name)| view! {
                                <li><a class="chip" href=channel_path(&id, &uuid)>{format!("#{name}")}</a></li>
                            }).collect_view()}
                        </ul>
                    </section>
                })}
                <section aria-labelledby="recent-title">
                    <h2 id="recent-title">"Recent communities"</h2>
                    {move || {
                        let list = recent.get();
                        if list.is_empty() {
                            return view! { <p class="muted">"Communities you open appear here, read from this browser's storage."</p> }.into_any();
                        }
                        view! {
                            <ul class="recent-list">
                                {list.into_iter().map(|c| {
                                    let colour = safe_colour(&c.color);
                                    view! {
                                        <li>
                                            <a class="recent-item" href=community_path(&c.id)>
                                                <span class="community-swatch" style:background-color=colour aria-hidden="true"></span>
                                                <span class="recent-name">{c.name.clone()}</span>
                                                <span class="muted small">{crate::community::members_label(c.members as u64)}</span>
                                            </a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            </main>
        </div>
    }
}
