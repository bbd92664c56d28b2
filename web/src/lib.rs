//! The Leptos (client-side rendered) app. Components live one per file under `components/`;
//! everything that is not presentation belongs in the `hearth` library.

pub mod browser;
pub mod calendar;
pub mod community;
pub mod components;
pub mod embed;
pub mod embed_app;
pub mod live;
pub mod markdown;
pub mod notify;
pub mod person;
pub mod reconnect;
pub mod routes;
pub mod session;
pub mod share_link;
pub mod timeline;

pub use components::app::App;
