use leptos::prelude::*;

use crate::session::Problem;

/// An error in words, with what to do next; `role="alert"` so a screen reader says it at once.
#[component]
pub fn ProblemNotice(problem: Problem, #[prop(optional)] action: Option<AnyView>) -> impl IntoView {
    view! {
        <div class="notice notice-error" role="alert">
            <p class="notice-what">{problem.what}</p>
            <p class="notice-next">{problem.next}</p>
            {action}
        </div>
    }
}
