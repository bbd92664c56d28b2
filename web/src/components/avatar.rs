use leptos::prelude::*;

use crate::person::Person;
use hearth::status::identicon::ring_colour;

/// A round avatar with the key's colour ring around the name's first letter. The ring is SVG
/// arcs drawn with presentation attributes (no inline style, so a strict CSP holds).
#[component]
pub fn Avatar(
    person: std::rc::Rc<Person>,
    name: String,
    #[prop(default = 40)] size: u32,
) -> impl IntoView {
    let initial: String = name
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".into());
    let total: u32 = person.ring.iter().map(|s| u32::from(s.units)).sum();
    // Circle of radius 15.9155 has a circumference of 100: dash lengths are percentages.
    let mut offset = 0.0f64;
    let arcs = person
        .ring
        .iter()
        .map(|seg| {
            let len = if total == 0 {
                0.0
            } else {
                f64::from(seg.units) * 100.0 / f64::from(total)
            };
            let view = view! {
                <circle
                    cx="18" cy="18" r="15.9155" fill="none" stroke-width="4"
                    stroke=ring_colour(seg.colour)
                    stroke-dasharray=format!("{len:.3} {:.3}", 100.0 - len)
                    stroke-dashoffset=format!("{:.3}", 25.0 - offset)
                />
            };
            offset += len;
            view
        })
        .collect_view();
    let hue = person
        .key
        .bytes()
        .skip(4)
        .take(4)
        .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 8;
    view! {
        <svg class="avatar" width=size height=size viewBox="0 0 36 36" aria-hidden="true">
            {arcs}
            <circle cx="18" cy="18" r="13" class=format!("avatar-fill hue-{hue}") />
            <text x="18" y="18" class="avatar-letter" text-anchor="middle" dominant-baseline="central">{initial}</text>
        </svg>
    }
}
