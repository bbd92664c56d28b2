//! Hearth's web app entry point: mounts the root component on the page.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(hearth_web::App);
}
