use hearth::client::types::ReactionCount;
use leptos::prelude::*;

use crate::components::message_row::MessageActions;

/// Status's six reactions, in its picker's order (status-go `ConvertEmojiIDToString`).
pub const STATUS_REACTIONS: [(&str, &str); 6] = [
    ("\u{2764}\u{fe0f}", "love"),
    ("👍", "thumbs up"),
    ("👎", "thumbs down"),
    ("😂", "laugh"),
    ("😢", "sad"),
    ("😠", "angry"),
];

/// The reactions under a message; a click adds or removes one's own.
#[component]
pub fn Reactions(message_id: String, reactions: Vec<ReactionCount>) -> impl IntoView {
    let actions = use_context::<MessageActions>();
    reactions
        .into_iter()
        .map(|r| {
            let id = message_id.clone();
            let emoji = r.emoji.clone();
            let mine = r.mine;
            let label = format!(
                "{} {}, {} reaction{}{}",
                r.emoji,
                STATUS_REACTIONS
                    .iter()
                    .find(|(e, _)| *e == r.emoji)
                    .map(|(_, n)| *n)
                    .unwrap_or(""),
                r.count,
                if r.count == 1 { "" } else { "s" },
                if mine { ", including yours" } else { "" }
            );
            view! {
                <button
                    class="reaction"
                    class:mine=mine
                    aria-pressed=mine.to_string()
                    aria-label=label
                    on:click=move |_| {
                        if let Some(a) = actions {
                            a.react.run((id.clone(), emoji.clone(), !mine));
                        }
                    }
                >
                    <span class="reaction-emoji">{r.emoji.clone()}</span>
                    <span class="reaction-count">{r.count}</span>
                </button>
            }
        })
        .collect_view()
}
