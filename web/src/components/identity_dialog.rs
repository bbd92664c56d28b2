use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::problem_notice::ProblemNotice;
use crate::session::{Problem, use_session};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Hex,
    Phrase,
}

/// Asked on the first send (or from settings): create an identity, or import a hex key or a
/// recovery phrase; a passphrase is optional. A native `<dialog>`: focus moves in, Escape closes.
#[component]
pub fn IdentityDialog() -> impl IntoView {
    let session = use_session();
    let dialog = NodeRef::<Dialog>::new();
    let mode = RwSignal::new(Mode::Create);
    let name = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let pass = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);

    Effect::new(move |_| {
        let want = session.identity_wanted.get();
        if let Some(d) = dialog.get() {
            if want && !d.open() {
                let _ = d.show_modal();
            } else if !want && d.open() {
                d.close();
            }
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let n = name.get_untracked().trim().to_string();
        let p = Some(pass.get_untracked()).filter(|p| !p.is_empty());
        let s = secret.get_untracked().trim().to_string();
        let backend = session.backend();
        let fut = match mode.get_untracked() {
            Mode::Create => backend.create_identity(n, p),
            Mode::Hex => backend.import_identity_hex(s, n, p),
            Mode::Phrase => backend.import_identity_phrase(s, n, p),
        };
        busy.set(true);
        spawn_local(async move {
            match fut.await {
                Ok(id) => {
                    session.identity.set(Some(id));
                    session.identity_wanted.set(false);
                    secret.set(String::new());
                    pass.set(String::new());
                    problem.set(None);
                }
                Err(p) => problem.set(Some(p)),
            }
            busy.set(false);
        });
    };

    // A passphrase-sealed identity found at start: unlock it, or forget it and start over.
    let unlock_pass = RwSignal::new(String::new());
    let confirm_forget = RwSignal::new(false);
    let unlock = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let fut = session
            .backend()
            .unlock_identity(unlock_pass.get_untracked());
        busy.set(true);
        spawn_local(async move {
            match fut.await {
                Ok(id) => {
                    session.identity.set(Some(id));
                    session.locked.set(None);
                    session.identity_wanted.set(false);
                    unlock_pass.set(String::new());
                    problem.set(None);
                }
                Err(p) => problem.set(Some(p)),
            }
            busy.set(false);
        });
    };
    let forget = move |_| {
        if !confirm_forget.get_untracked() {
            confirm_forget.set(true);
            return;
        }
        let fut = session.backend().forget_identity();
        spawn_local(async move {
            match fut.await {
                Ok(()) => {
                    session.locked.set(None);
                    confirm_forget.set(false);
                    problem.set(None);
                }
                Err(p) => problem.set(Some(p)),
            }
        });
    };

    let tab = move |m: Mode, label: &'static str| {
        view! {
            <button type="button" role="tab" class="tab" aria-selected=move || (mode.get() == m).to_string()
                on:click=move |_| { mode.set(m); problem.set(None); }>{label}</button>
        }
    };

    view! {
        <dialog class="identity-dialog" node_ref=dialog aria-labelledby="identity-dialog-title"
            on:close=move |_| session.identity_wanted.set(false)>
            <Show when=move || session.locked.get().is_some()>
            <form on:submit=unlock class="unlock-form">
                <h2 id="identity-dialog-title">"Unlock your identity"</h2>
                {move || session.locked.get().map(|l| {
                    let p = crate::person::person(&l.public_key);
                    view! {
                        <p class="unlock-who">
                            <span class="emoji-hash" aria-hidden="true">{p.emoji_hash.clone()}</span>
                            <strong>{l.display_name.clone()}</strong>
                            <span class="muted small">{p.alias.clone()}</span>
                        </p>
                    }
                })}
                <p class="muted">"This identity is sealed with your passphrase. Enter it to write, react or join."</p>
                <div class="field">
                    <label for="unlock-pass">"Passphrase"</label>
                    <input id="unlock-pass" type="password" autocomplete="current-password" required autofocus
                        prop:value=move || unlock_pass.get() on:input=move |ev| unlock_pass.set(event_target_value(&ev)) />
                </div>
                {move || problem.get().map(|p| view! { <ProblemNotice problem=p /> })}
                <div class="button-row">
                    <button type="button" class="button secondary" on:click=move |_| session.identity_wanted.set(false)>"Not now"</button>
                    <button type="submit" class="button primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Unlocking…" } else { "Unlock" }}
                    </button>
                </div>
                <div class="forget-row">
                    <Show when=move || confirm_forget.get()>
                        <p class="small" role="alert">"Forgetting removes the sealed key from this browser. Without its recovery phrase or private key it cannot be brought back."</p>
                    </Show>
                    <button type="button" class="link-button danger" on:click=forget>
                        {move || if confirm_forget.get() { "Forget it: I have my key or phrase" } else { "Forgot the passphrase? Use another identity" }}
                    </button>
                </div>
            </form>
            </Show>
            <Show when=move || session.locked.get().is_none()>
            <form on:submit=submit>
                <h2 id="identity-dialog-title">"Who are you here?"</h2>
                <p class="muted">"Writing needs an identity: a key kept in this browser, sealed so that it is never stored in plain text."</p>
                <div class="tabs" role="tablist" aria-label="How to get an identity">
                    {tab(Mode::Create, "Create new")}
                    {tab(Mode::Hex, "Import key")}
                    {tab(Mode::Phrase, "Recovery phrase")}
                </div>
                <div class="field">
                    <label for="id-name">"Display name"</label>
                    <input id="id-name" type="text" minlength="5" maxlength="24" autocomplete="nickname" required
                        pattern="[A-Za-z0-9_\\- ]{5,24}" aria-describedby="id-name-help"
                        title="5 to 24 letters (A–Z), digits, spaces, hyphens or underscores"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    <p id="id-name-help" class="small muted">"5 to 24 letters (A–Z), digits, spaces, hyphens or underscores: the names Status accepts."</p>
                </div>
                <Show when=move || mode.get() != Mode::Create>
                    <div class="field">
                        <label for="id-secret">{move || if mode.get() == Mode::Hex { "Private key (hex)" } else { "Recovery phrase (12, 18 or 24 words)" }}</label>
                        <textarea id="id-secret" rows="2" spellcheck="false" autocomplete="off" required
                            prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev))></textarea>
                    </div>
                </Show>
                <div class="field">
                    <label for="id-pass">"Passphrase (optional)"</label>
                    <input id="id-pass" type="password" autocomplete="new-password" aria-describedby="id-pass-help"
                        prop:value=move || pass.get() on:input=move |ev| pass.set(event_target_value(&ev)) />
                    <p id="id-pass-help" class="small muted">"Asked again to unlock the key after a restart. Without one, the key is sealed with a key this browser keeps."</p>
                </div>
                {move || problem.get().map(|p| view! { <ProblemNotice problem=p /> })}
                <div class="button-row">
                    <button type="button" class="button secondary" on:click=move |_| session.identity_wanted.set(false)>"Not now"</button>
                    <button type="submit" class="button primary" disabled=move || busy.get()>
                        {move || match mode.get() { Mode::Create => "Create identity", _ => "Import" }}
                    </button>
                </div>
            </form>
            </Show>
        </dialog>
    }
}
