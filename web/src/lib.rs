//! The Leptos (client-side rendered) app. Components live one per file under `components/`;
//! everything that is not presentation belongs in the `hearth` library.

pub mod components;

pub use components::app::App;
