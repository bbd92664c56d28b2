//! How times read in the timeline: a day separator ("Today", "Yesterday", "Monday, 3 December")
//! and a clock time on each message, in the reader's time zone.

use crate::browser::{local_parts, now_ms};

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A day, comparable: (year, month, day) in local time.
pub fn day_of(ms: u64) -> (u32, u32, u32) {
    let (y, m, d, ..) = local_parts(ms as f64);
    (y, m, d)
}

/// The separator text for the day of `ms`.
pub fn day_label(ms: u64) -> String {
    let (y, m, d, wd, ..) = local_parts(ms as f64);
    let now = now_ms();
    let today = local_parts(now);
    let yesterday = local_parts(now - 86_400_000.0);
    if (y, m, d) == (today.0, today.1, today.2) {
        return "Today".into();
    }
    if (y, m, d) == (yesterday.0, yesterday.1, yesterday.2) {
        return "Yesterday".into();
    }
    let weekday = WEEKDAYS.get(wd as usize).copied().unwrap_or("");
    let month = MONTHS.get(m as usize).copied().unwrap_or("");
    if y == today.0 {
        format!("{weekday}, {d} {month}")
    } else {
        format!("{weekday}, {d} {month} {y}")
    }
}

/// "14:05"
pub fn clock_time(ms: u64) -> String {
    let (.., h, min) = local_parts(ms as f64);
    format!("{h:02}:{min:02}")
}

/// A span of days as a progress line names it: "12–19 October", "28 September – 5 October",
/// with the year when it is not this one. `to_ms` is exclusive (an archive's window end).
pub fn span_label(from_ms: u64, to_ms: u64) -> String {
    let (y1, m1, d1, ..) = local_parts(from_ms as f64);
    let (y2, m2, d2, ..) = local_parts(to_ms.saturating_sub(1).max(from_ms) as f64);
    let month = |m: u32| MONTHS.get(m as usize).copied().unwrap_or("");
    let this_year = local_parts(now_ms()).0;
    let year = if y2 == this_year {
        String::new()
    } else {
        format!(" {y2}")
    };
    if (y1, m1) == (y2, m2) {
        if d1 == d2 {
            format!("{d1} {}{year}", month(m1))
        } else {
            format!("{d1}–{d2} {}{year}", month(m1))
        }
    } else if y1 == y2 {
        format!("{d1} {} – {d2} {}{year}", month(m1), month(m2))
    } else {
        format!("{d1} {} {y1} – {d2} {}{year}", month(m1), month(m2))
    }
}
