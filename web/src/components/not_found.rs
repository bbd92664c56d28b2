use leptos::prelude::*;

/// Any path the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main id="main" class="page page-narrow" tabindex="-1">
            <h1>"Nothing here"</h1>
            <p>"This address is not a page of Hearth. Check the link, or start again from the home page."</p>
            <p><a class="button" href="/">"Go to the home page"</a></p>
        </main>
    }
}
