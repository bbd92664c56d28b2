use leptos::prelude::*;

/// The root of the page. For now it only proves the app mounts and knows which library it runs.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="hearth">
            <h1>"Hearth"</h1>
            <p class="tagline">"Status Communities in your browser, over Waku."</p>
            <p class="version">"version " {hearth::VERSION}</p>
        </main>
    }
}
