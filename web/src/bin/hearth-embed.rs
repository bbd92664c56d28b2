//! The read-only embed's entry point (`dist/embed/`): mounts the embed page alone.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(hearth_web::embed_app::EmbedApp);
}
