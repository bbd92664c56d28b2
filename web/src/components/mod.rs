//! One `#[component]` per file.

pub mod app;
pub mod avatar;
pub mod channel_view;
pub mod community_overview;
pub mod community_page;
pub mod composer;
pub mod connection;
pub mod embed_dialog;
pub mod embed_page;
pub mod home;
pub mod identity_dialog;
pub mod markdown_view;
pub mod message_row;
pub mod not_found;
pub mod notify_button;
pub mod pinned_list;
pub mod preview;
pub mod problem_notice;
pub mod reactions;
pub mod settings;
pub mod share;
pub mod sidebar;
pub mod timeline_view;
