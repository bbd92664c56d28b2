//! Folding a chat message and everything that annotates it into one [`TimelineItem`]. Pure: the
//! same records give the same item whatever order they arrived in, which is what lets edits,
//! deletes, reactions and pins be stored as their own records and applied late.
//!
//! Who may do what (status-go's rules): only the author edits or deletes a message (an edit or
//! delete by anyone else is ignored); anyone reacts, and a newer reaction by the same author with
//! the same emoji replaces the older (retracting it when `retracted`); pins count only from the
//! community key or a privileged member.

use std::collections::BTreeMap;

use super::types::{InlineImage, ReactionCount, ReplyQuote, SendState, TimelineItem};
use crate::status::community::sniff_image;
use crate::storage::{MessageBody, MessageRecord};

/// What the fold needs to know about its surroundings.
pub struct FoldContext<'a> {
    /// Our own `0x04…` key, for `mine` and `mentions_me`.
    pub me: Option<&'a str>,
    /// Whether a key may pin (the community key, owners and admins).
    pub may_pin: &'a (dyn Fn(&str) -> bool + Sync),
}

/// Builds the item for `message` (a chat record). `annotations` are every record targeting it (in
/// any order, any author); `reply` is the replied-to message with its own annotations, if stored.
pub fn fold_item(
    message: &MessageRecord,
    annotations: &[MessageRecord],
    reply: Option<(&MessageRecord, &[MessageRecord])>,
    send_state: SendState,
    cx: &FoldContext<'_>,
) -> Option<TimelineItem> {
    let MessageBody::Chat {
        text,
        content_type,
        response_to,
        display_name,
        image,
    } = &message.body
    else {
        return None;
    };
    let (text, edited, deleted) = current_text(message, text, annotations);
    let mut reactions: BTreeMap<(String, String), (u64, bool)> = BTreeMap::new();
    let mut first_seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut pinned: Option<(u64, bool)> = None;
    for a in annotations {
        match &a.body {
            MessageBody::Reaction {
                emoji, retracted, ..
            } if !emoji.is_empty() => {
                let key = (emoji.clone(), a.author.clone());
                let newer = reactions.get(&key).is_none_or(|(c, _)| a.clock > *c);
                if newer {
                    reactions.insert(key, (a.clock, *retracted));
                }
                let first = first_seen.entry(emoji.clone()).or_insert(a.clock);
                *first = (*first).min(a.clock);
            }
            MessageBody::Pin { pinned: p, .. }
                if (cx.may_pin)(&a.author) && pinned.is_none_or(|(c, _)| a.clock > c) =>
            {
                pinned = Some((a.clock, *p));
            }
            _ => {}
        }
    }
    let mut counts: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for ((emoji, author), (clock, retracted)) in reactions {
        if !retracted {
            counts.entry(emoji).or_default().push((clock, author));
        }
    }
    let mut reactions: Vec<ReactionCount> = counts
        .into_iter()
        .map(|(emoji, mut authors)| {
            authors.sort();
            let authors: Vec<String> = authors.into_iter().map(|(_, a)| a).collect();
            ReactionCount {
                mine: cx.me.is_some_and(|me| authors.iter().any(|a| a == me)),
                count: authors.len(),
                emoji,
                authors,
            }
        })
        .collect();
    reactions.sort_by_key(|r| first_seen.get(&r.emoji).copied().unwrap_or(u64::MAX));

    let reply_to = response_to.as_ref().map(|id| match reply {
        Some((r, r_annotations)) => {
            let (t, _, d) = match &r.body {
                MessageBody::Chat { text, .. } => current_text(r, text, r_annotations),
                _ => (String::new(), false, false),
            };
            ReplyQuote {
                id: id.clone(),
                author: Some(r.author.clone()),
                text: (!d).then_some(t),
                deleted: d,
            }
        }
        None => ReplyQuote {
            id: id.clone(),
            author: None,
            text: None,
            deleted: false,
        },
    });
    let mentions_me = cx.me.is_some_and(|me| {
        text.contains(&format!("@{me}"))
            || reply_to
                .as_ref()
                .and_then(|r| r.author.as_deref())
                .is_some_and(|a| a == me && message.author != me)
    });
    let image = if deleted {
        None
    } else {
        image.as_ref().and_then(|bytes| {
            sniff_image(bytes).map(|mime| InlineImage {
                mime: mime.as_str().to_string(),
                bytes: bytes.clone(),
            })
        })
    };
    Some(TimelineItem {
        id: message.id.clone(),
        chat_id: message.chat_id.clone(),
        author: message.author.clone(),
        display_name: display_name.clone(),
        clock: message.clock,
        timestamp_ms: message.timestamp_ms,
        text,
        content_type: *content_type,
        image,
        reply_to,
        edited,
        deleted,
        pinned: pinned.is_some_and(|(_, p)| p),
        reactions: if deleted { Vec::new() } else { reactions },
        send_state,
        mentions_me,
    })
}

/// The text after the author's newest edit, and whether the author deleted it.
fn current_text(
    message: &MessageRecord,
    original: &str,
    annotations: &[MessageRecord],
) -> (String, bool, bool) {
    let mut text = original.to_string();
    let mut newest_edit = 0;
    let mut edited = false;
    let mut deleted = false;
    for a in annotations.iter().filter(|a| a.author == message.author) {
        match &a.body {
            MessageBody::Edit { text: t, .. } if a.clock >= newest_edit => {
                newest_edit = a.clock;
                text = t.clone();
                edited = true;
            }
            MessageBody::Delete { .. } => deleted = true,
            _ => {}
        }
    }
    if deleted {
        text.clear();
    }
    (text, edited, deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::RECORD_VERSION;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn rec(id: &str, author: &str, clock: u64, body: MessageBody) -> MessageRecord {
        MessageRecord {
            v: RECORD_VERSION,
            id: id.into(),
            community: "0x02c".into(),
            chat_id: "0x02cchan".into(),
            author: author.into(),
            clock,
            timestamp_ms: clock,
            hash: id.into(),
            body,
        }
    }

    fn chat(id: &str, author: &str, text: &str, reply: Option<&str>) -> MessageRecord {
        rec(
            id,
            author,
            1,
            MessageBody::Chat {
                text: text.into(),
                content_type: 1,
                response_to: reply.map(Into::into),
                display_name: None,
                image: None,
            },
        )
    }

    fn cx<'a>(me: Option<&'a str>, pin: &'a (dyn Fn(&str) -> bool + Sync)) -> FoldContext<'a> {
        FoldContext { me, may_pin: pin }
    }

    #[test]
    fn only_the_author_edits_and_deletes_and_order_does_not_matter() {
        let m = chat("0x1", "alice", "hello", None);
        let by_alice = rec(
            "0xe1",
            "alice",
            5,
            MessageBody::Edit {
                target: "0x1".into(),
                text: "hello!".into(),
            },
        );
        let older = rec(
            "0xe0",
            "alice",
            3,
            MessageBody::Edit {
                target: "0x1".into(),
                text: "hi".into(),
            },
        );
        let by_mallory = rec(
            "0xe2",
            "mallory",
            9,
            MessageBody::Edit {
                target: "0x1".into(),
                text: "pwned".into(),
            },
        );
        let no = |_: &str| false;
        for order in [
            vec![by_alice.clone(), older.clone(), by_mallory.clone()],
            vec![by_mallory.clone(), older.clone(), by_alice.clone()],
        ] {
            let item = fold_item(&m, &order, None, SendState::Received, &cx(None, &no)).unwrap();
            assert_eq!((item.text.as_str(), item.edited), ("hello!", true));
        }
        let fake_delete = rec(
            "0xd1",
            "mallory",
            9,
            MessageBody::Delete {
                target: "0x1".into(),
            },
        );
        let item = fold_item(
            &m,
            &[fake_delete],
            None,
            SendState::Received,
            &cx(None, &no),
        )
        .unwrap();
        assert!(!item.deleted);
        let delete = rec(
            "0xd2",
            "alice",
            9,
            MessageBody::Delete {
                target: "0x1".into(),
            },
        );
        let item = fold_item(&m, &[delete], None, SendState::Received, &cx(None, &no)).unwrap();
        assert!(item.deleted);
        assert_eq!(item.text, "");
    }

    #[test]
    fn reactions_count_by_emoji_and_author_and_retractions_win_when_newer() {
        let m = chat("0x1", "alice", "hello", None);
        let r = |id: &str, who: &str, clock, emoji: &str, retracted| {
            rec(
                id,
                who,
                clock,
                MessageBody::Reaction {
                    target: "0x1".into(),
                    emoji: emoji.into(),
                    retracted,
                },
            )
        };
        let all = [
            r("0xa", "bob", 1, "👍", false),
            r("0xb", "carol", 2, "👍", false),
            r("0xc", "bob", 3, "❤️", false),
            r("0xd", "carol", 4, "👍", true),
            r("0xe", "bob", 0, "👍", true), // older than bob's reaction: ignored
        ];
        let no = |_: &str| false;
        let item = fold_item(&m, &all, None, SendState::Received, &cx(Some("bob"), &no)).unwrap();
        let got: Vec<_> = item
            .reactions
            .iter()
            .map(|r| (r.emoji.as_str(), r.count, r.mine))
            .collect();
        assert_eq!(got, [("👍", 1, true), ("❤️", 1, true)]);
    }

    #[test]
    fn pins_count_only_from_those_who_may_pin_and_replies_quote_the_current_text() {
        let original = chat("0x1", "alice", "first", None);
        let reply = chat("0x2", "bob", "@alice yes", Some("0x1"));
        let edit = rec(
            "0xe",
            "alice",
            5,
            MessageBody::Edit {
                target: "0x1".into(),
                text: "first!".into(),
            },
        );
        let pin_by_bob = rec(
            "0xp",
            "bob",
            6,
            MessageBody::Pin {
                target: "0x2".into(),
                pinned: true,
            },
        );
        let admin = |k: &str| k == "owner";
        let item = fold_item(
            &reply,
            std::slice::from_ref(&pin_by_bob),
            Some((&original, &[edit])),
            SendState::Received,
            &cx(Some("alice"), &admin),
        )
        .unwrap();
        assert!(!item.pinned);
        let quote = item.reply_to.unwrap();
        assert_eq!(quote.text.as_deref(), Some("first!"));
        assert!(item.mentions_me, "a reply to one of my messages");
        let pin_by_owner = rec(
            "0xq",
            "owner",
            7,
            MessageBody::Pin {
                target: "0x2".into(),
                pinned: true,
            },
        );
        let item = fold_item(
            &reply,
            &[pin_by_bob, pin_by_owner],
            None,
            SendState::Received,
            &cx(None, &admin),
        )
        .unwrap();
        assert!(item.pinned);
        assert_eq!(
            item.reply_to.unwrap().author,
            None,
            "the replied-to message is not stored"
        );
    }
}
