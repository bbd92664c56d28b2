//! How a sender is shown, as Status shows them: the display name they sent when there is one, else
//! the three-word alias of their key; always with the emoji hash and the colour ring, so two
//! people with the same name still look different. Computed once per key.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use hearth::status::alias::{alias, parse_display_key};
use hearth::status::identicon::{RingSegment, colour_hash, emoji_hash};

/// What the view draws for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub key: String,
    /// The three-word alias; the key itself (shortened) when it is not a valid key.
    pub alias: String,
    pub emoji_hash: String,
    pub ring: Vec<RingSegment>,
}

thread_local! {
    static PEOPLE: RefCell<HashMap<String, Rc<Person>>> = RefCell::new(HashMap::new());
}

/// Keys remembered at most; a channel with more distinct authors just recomputes.
const CACHE_LIMIT: usize = 4096;

/// The person behind a `0x04…` key.
pub fn person(key: &str) -> Rc<Person> {
    if let Some(p) = PEOPLE.with(|m| m.borrow().get(key).cloned()) {
        return p;
    }
    let p = Rc::new(match parse_display_key(key) {
        Ok(k) => Person {
            key: key.to_string(),
            alias: alias(&k),
            emoji_hash: emoji_hash(&k).concat(),
            ring: colour_hash(&k),
        },
        Err(_) => Person {
            key: key.to_string(),
            alias: short_key(key),
            emoji_hash: String::new(),
            ring: Vec::new(),
        },
    });
    PEOPLE.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= CACHE_LIMIT {
            m.clear();
        }
        m.insert(key.to_string(), p.clone());
    });
    p
}

/// `0x04ab…cdef`
pub fn short_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 14 {
        return key.to_string();
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// The name to show: the sent display name (trimmed, bounded) or the alias.
pub fn shown_name(display_name: Option<&str>, p: &Person) -> String {
    match display_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.chars().take(48).collect(),
        None => p.alias.clone(),
    }
}
