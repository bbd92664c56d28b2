use std::collections::HashMap;

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::calendar::day_of;
use crate::components::message_row::{MessageRow, RowContext};
use crate::timeline::{Row, Timeline};

/// A row's height before it has been measured.
const ESTIMATED_ROW_PX: f64 = 64.0;
/// Rows rendered above and below the viewport.
const OVERSCAN_PX: f64 = 800.0;
/// Closer than this to the top asks for older history.
const LOAD_OLDER_PX: f64 = 600.0;
/// Closer than this to the bottom counts as "at the bottom" (new messages keep it pinned).
const BOTTOM_SLACK_PX: f64 = 48.0;
/// Messages by the same author this close together share one header.
const GROUP_MS: u64 = 5 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Window {
    start: usize,
    end: usize,
    top: f64,
    bottom: f64,
}

/// The channel's messages, newest at the bottom, virtualized: only the rows near the viewport are
/// in the page, above and below them two spacers as tall as the rows they stand for (measured
/// once seen, estimated before). Keeps the reader's place when older history arrives above, and
/// follows new messages while the reader is at the bottom.
#[component]
pub fn TimelineView(
    timeline: RwSignal<Timeline>,
    /// Index of the first unread row, if any.
    #[prop(into)]
    first_unread: Signal<Option<usize>>,
    /// Asked when the reader nears the top.
    on_older: Callback<()>,
    /// Called with `true` whenever the reader is at the bottom (to move the read mark).
    on_bottom: Callback<bool>,
) -> impl IntoView {
    let scroller = NodeRef::<Div>::new();
    let rows_ref = NodeRef::<Div>::new();
    let heights: StoredValue<HashMap<String, f64>> = StoredValue::new(HashMap::new());
    let layout = RwSignal::new(0u32);
    let scroll_top = RwSignal::new(0.0f64);
    let viewport = RwSignal::new(800.0f64);
    // Whether to follow new messages. Only the reader moving up turns it off (scrollTop going
    // down); content growing below, measurements and our own pinning never do.
    let at_bottom = StoredValue::new(true);
    let last_top = StoredValue::new(0.0f64);
    // When the reader last touched the timeline (wheel, touch, keys, scrollbar): only then does
    // a move up mean "stop following". Layout settling can move scrollTop too.
    let user_input = StoredValue::new(f64::MIN);
    let touched = move || user_input.set_value(crate::browser::now_ms());
    let first_id = StoredValue::new(None::<String>);

    let height_of = move |h: &HashMap<String, f64>, row: &Row| {
        h.get(&row.item.id).copied().unwrap_or(ESTIMATED_ROW_PX)
    };

    let window = Memo::new(move |_| {
        layout.track();
        let top_edge = scroll_top.get() - OVERSCAN_PX;
        let bottom_edge = scroll_top.get() + viewport.get() + OVERSCAN_PX;
        timeline.with(|t| {
            heights.with_value(|h| {
                let rows = t.rows();
                let n = rows.len();
                let (mut start, mut end, mut y, mut top) = (n, n, 0.0, 0.0);
                for (i, row) in rows.iter().enumerate() {
                    let rh = height_of(h, row);
                    if start == n && y + rh >= top_edge {
                        start = i;
                        top = y;
                    }
                    if end == n && y > bottom_edge {
                        end = i;
                    }
                    y += rh;
                }
                let mut below = 0.0;
                if end < n {
                    for row in &rows[end..] {
                        below += height_of(h, row);
                    }
                }
                if start > end {
                    start = end;
                }
                Window {
                    start,
                    end,
                    top,
                    bottom: below,
                }
            })
        })
    });

    // Animation frames, scroll and resize events can arrive after the view is gone (a channel
    // switch disposes it between a frame's request and the frame): every entry point reads the
    // scroller with `try_` and does nothing once it is disposed.
    let pin_to_bottom = move || {
        if let Some(el) = scroller.try_get_untracked().flatten() {
            el.set_scroll_top(el.scroll_height());
            let top = f64::from(el.scroll_top());
            last_top.set_value(top);
            scroll_top.set(top);
        }
    };

    // Measures the rendered rows; corrects the spacer estimates, and the scroll position by what
    // changed above the viewport so the text under the reader's eyes does not move.
    let measure = move || {
        let (Some(el), Some(rows_el)) = (
            scroller.try_get_untracked().flatten(),
            rows_ref.try_get_untracked().flatten(),
        ) else {
            return;
        };
        let view_top = el.get_bounding_client_rect().top();
        let children = rows_el.children();
        let mut changed = false;
        let mut shift_above = 0.0;
        heights.update_value(|h| {
            for i in 0..children.length() {
                let Some(child) = children.item(i) else {
                    continue;
                };
                let Some(id) = child.get_attribute("data-id") else {
                    continue;
                };
                let rect = child.get_bounding_client_rect();
                let measured = rect.height();
                let old = h.get(&id).copied().unwrap_or(ESTIMATED_ROW_PX);
                if (measured - old).abs() > 0.5 {
                    if rect.bottom() <= view_top {
                        shift_above += measured - old;
                    }
                    h.insert(id, measured);
                    changed = true;
                }
            }
        });
        if changed {
            layout.update(|v| *v = v.wrapping_add(1));
            if at_bottom.get_value() {
                request_animation_frame(pin_to_bottom);
            } else if shift_above != 0.0 {
                let top = f64::from(el.scroll_top()) + shift_above;
                el.set_scroll_top(top as i32);
                last_top.set_value(top);
                scroll_top.set(top);
            }
        }
    };

    // After each render of the window: measure.
    Effect::new(move |_| {
        window.track();
        request_animation_frame(measure);
    });

    // Rows arriving: keep the place when older ones were added above; follow when at the bottom.
    Effect::new(move |_| {
        let (len, first, newest) = timeline.with(|t| {
            (
                t.len(),
                t.rows().first().map(|r| r.item.id.clone()),
                t.rows().last().map(|r| r.item.id.clone()),
            )
        });
        let _ = (len, newest);
        let previous_first = first_id.get_value();
        first_id.set_value(first.clone());
        if at_bottom.get_value() {
            request_animation_frame(pin_to_bottom);
            return;
        }
        let Some(prev) = previous_first else { return };
        if first.as_deref() == Some(prev.as_str()) {
            return;
        }
        let added = timeline.with_untracked(|t| {
            heights.with_value(|h| {
                t.rows()
                    .iter()
                    .take_while(|r| r.item.id != prev)
                    .map(|r| height_of(h, r))
                    .sum::<f64>()
            })
        });
        if added > 0.0
            && let Some(el) = scroller.try_get_untracked().flatten()
        {
            let top = f64::from(el.scroll_top()) + added;
            el.set_scroll_top(top as i32);
            last_top.set_value(top);
            scroll_top.set(top);
        }
    });

    let on_scroll = move |_| {
        let Some(el) = scroller.try_get_untracked().flatten() else {
            return;
        };
        let top = f64::from(el.scroll_top());
        let client = f64::from(el.client_height());
        scroll_top.set(top);
        viewport.set(client);
        let bottom = f64::from(el.scroll_height()) - top - client < BOTTOM_SLACK_PX;
        let by_reader = crate::browser::now_ms() - user_input.get_value() < 1000.0;
        let moved_up = by_reader && top < last_top.get_value() - 1.0;
        last_top.set_value(top);
        if bottom {
            at_bottom.set_value(true);
        } else if moved_up {
            at_bottom.set_value(false);
        }
        on_bottom.run(bottom);
        if top < LOAD_OLDER_PX {
            on_older.run(());
        }
    };

    // At the very top a wheel or key moving up scrolls nothing, so no scroll event asks for
    // older history: ask here.
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        if ev.delta_y() < 0.0
            && scroller
                .get_untracked()
                .is_some_and(|el| f64::from(el.scroll_top()) < LOAD_OLDER_PX)
        {
            on_older.run(());
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if matches!(ev.key().as_str(), "PageUp" | "Home" | "ArrowUp")
            && scroller
                .get_untracked()
                .is_some_and(|el| f64::from(el.scroll_top()) < LOAD_OLDER_PX)
        {
            on_older.run(());
        }
    };

    // The viewport's height, once mounted and when the window resizes.
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            viewport.set(f64::from(el.client_height()));
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| {
        if let Some(el) = scroller.try_get_untracked().flatten() {
            viewport.set(f64::from(el.client_height()));
        }
    });
    on_cleanup(move || resize.remove());

    let visible = move || {
        let w = window.get();
        let unread = first_unread.get();
        timeline.with(|t| {
            let rows = t.rows();
            (w.start..w.end.min(rows.len()))
                .map(|i| {
                    let row = &rows[i];
                    let prev = i.checked_sub(1).and_then(|p| rows.get(p));
                    let new_day = prev.is_none_or(|p| {
                        day_of(p.item.timestamp_ms) != day_of(row.item.timestamp_ms)
                    });
                    let first_unread = unread == Some(i);
                    let grouped = !new_day
                        && !first_unread
                        && row.item.reply_to.is_none()
                        && prev.is_some_and(|p| {
                            p.item.author == row.item.author
                                && !p.item.deleted
                                && row.item.timestamp_ms.saturating_sub(p.item.timestamp_ms)
                                    < GROUP_MS
                        });
                    (
                        row.clone(),
                        RowContext {
                            new_day,
                            grouped,
                            first_unread,
                        },
                    )
                })
                .collect::<Vec<_>>()
        })
    };

    let top_pad = move || format!("{}px", window.get().top);
    let bottom_pad = move || format!("{}px", window.get().bottom);

    view! {
        <div
            class="timeline"
            node_ref=scroller
            on:scroll=on_scroll
            on:wheel=move |ev| { touched(); on_wheel(ev) }
            on:touchmove=move |_| touched()
            on:keydown=move |ev| { touched(); on_key(ev) }
            on:pointerdown=move |_| touched()
            role="log"
            aria-live="polite"
            aria-relevant="additions"
            aria-label="Messages"
            tabindex="0"
        >
            <div class="timeline-spacer" style:height=top_pad></div>
            <div class="timeline-rows" node_ref=rows_ref>
                <For
                    each=visible
                    key=|(row, ctx)| (row.key(), *ctx)
                    children=move |(row, ctx)| {
                        let id = row.item.id.clone();
                        view! {
                            <div class="timeline-row" data-id=id>
                                <MessageRow item=row.item context=ctx />
                            </div>
                        }
                    }
                />
            </div>
            <div class="timeline-spacer" style:height=bottom_pad></div>
        </div>
    }
}

/// Scrolls the element with `id` into view (the pinned list's "jump to").
pub fn reveal(id: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let selector = format!("[data-id=\"{}\"]", id.replace('"', ""));
    if let Ok(Some(el)) = doc.query_selector(&selector)
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        el.scroll_into_view();
        let _ = el.focus();
    }
}
