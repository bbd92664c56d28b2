//! A channel's timeline as the view holds it: the items in order, folded from the Client's
//! `TimelineEvent`s. Pure, so the ordering, upsert and paging rules are tested without a browser.

use hearth::client::types::{SyncProgress, TimelineEvent, TimelineItem};

/// One item and a revision that changes whenever the item does, so a keyed list re-renders only
/// the rows that changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub item: TimelineItem,
    pub rev: u32,
}

impl Row {
    /// The key the view lists rows by.
    pub fn key(&self) -> (String, u32) {
        (self.item.id.clone(), self.rev)
    }
}

fn order(item: &TimelineItem) -> (u64, u64, &str) {
    (item.clock, item.timestamp_ms, item.id.as_str())
}

/// The folded timeline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    rows: Vec<Row>,
    next_rev: u32,
    /// Nothing older exists (the last `Older` said so).
    pub complete: bool,
    /// The newest progress report.
    pub progress: Option<SyncProgress>,
    /// Whether `Stored` has arrived (until then the view shows a loading state, not "empty").
    pub loaded: bool,
}

/// What an event changed, so the view can keep the reader's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Rows were replaced wholesale (the stored items).
    Reset,
    /// `n` rows were added before the first one.
    Prepended(usize),
    /// Rows were added or changed at or after the first one.
    Updated,
    Nothing,
}

impl Timeline {
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&TimelineItem> {
        self.position(id).map(|i| &self.rows[i].item)
    }

    /// Pinned items, newest first.
    pub fn pinned(&self) -> Vec<TimelineItem> {
        self.rows
            .iter()
            .rev()
            .filter(|r| r.item.pinned && !r.item.deleted)
            .map(|r| r.item.clone())
            .collect()
    }

    fn position(&self, id: &str) -> Option<usize> {
        // New and changed items are nearly always recent: search from the end.
        self.rows.iter().rposition(|r| r.item.id == id)
    }

    fn rev(&mut self) -> u32 {
        self.next_rev = self.next_rev.wrapping_add(1);
        self.next_rev
    }

    fn insert_sorted(&mut self, item: TimelineItem) -> usize {
        let rev = self.rev();
        let at = self.rows.partition_point(|r| order(&r.item) < order(&item));
        self.rows.insert(at, Row { item, rev });
        at
    }

    /// Adds or replaces one item; returns where it ended up.
    pub fn upsert(&mut self, item: TimelineItem) -> usize {
        if let Some(i) = self.position(&item.id) {
            if order(&self.rows[i].item) == order(&item) {
                let rev = self.rev();
                self.rows[i] = Row { item, rev };
                return i;
            }
            self.rows.remove(i);
        }
        self.insert_sorted(item)
    }

    /// Folds one event in.
    pub fn apply(&mut self, event: TimelineEvent) -> Change {
        match event {
            TimelineEvent::Stored { items } => {
                self.rows.clear();
                let mut items = items;
                items.sort_by(|a, b| order(a).cmp(&order(b)));
                items.dedup_by(|a, b| a.id == b.id);
                for item in items {
                    let rev = self.rev();
                    self.rows.push(Row { item, rev });
                }
                self.loaded = true;
                Change::Reset
            }
            TimelineEvent::Upsert { item } => {
                let at = self.upsert(item);
                if at == 0 && self.rows.len() > 1 {
                    Change::Prepended(1)
                } else {
                    Change::Updated
                }
            }
            TimelineEvent::Older { items, complete } => {
                self.complete |= complete;
                let before = self.rows.len();
                let first = self
                    .rows
                    .first()
                    .map(|r| order(&r.item))
                    .map(|(c, t, id)| (c, t, id.to_string()));
                let mut fresh: Vec<TimelineItem> = items
                    .into_iter()
                    .filter(|i| self.position(&i.id).is_none())
                    .collect();
                fresh.sort_by(|a, b| order(a).cmp(&order(b)));
                fresh.dedup_by(|a, b| a.id == b.id);
                let all_older = match (&first, fresh.last()) {
                    (Some((c, t, id)), Some(last)) => order(last) < (*c, *t, id.as_str()),
                    _ => true,
                };
                if all_older {
                    let mut rows: Vec<Row> = Vec::with_capacity(fresh.len() + self.rows.len());
                    for item in fresh {
                        let rev = self.rev();
                        rows.push(Row { item, rev });
                    }
                    rows.append(&mut self.rows);
                    self.rows = rows;
                } else {
                    for item in fresh {
                        self.insert_sorted(item);
                    }
                }
                match self.rows.len() - before {
                    0 => Change::Nothing,
                    n => Change::Prepended(n),
                }
            }
            TimelineEvent::Progress { progress } => {
                self.progress = Some(progress);
                Change::Nothing
            }
        }
    }

    /// Index of the first item newer than the read mark that someone else wrote: where the
    /// "new messages" line goes. `None` when nothing is unread (or there is no mark yet: a first
    /// visit has nothing "since last time").
    pub fn first_unread(&self, read_clock: Option<u64>, me: Option<&str>) -> Option<usize> {
        let mark = read_clock?;
        let i = self.rows.partition_point(|r| r.item.clock <= mark);
        self.rows[i..]
            .iter()
            .position(|r| Some(r.item.author.as_str()) != me)
            .map(|p| p + i)
    }

    /// The newest clock, to store as the read mark when the reader has seen the bottom.
    pub fn newest_clock(&self) -> Option<u64> {
        self.rows.last().map(|r| r.item.clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth::client::types::SendState;

    fn item(id: &str, clock: u64) -> TimelineItem {
        TimelineItem {
            id: id.into(),
            chat_id: "c".into(),
            author: "0x04aa".into(),
            display_name: None,
            clock,
            timestamp_ms: clock,
            text: format!("m{id}"),
            content_type: 1,
            image: None,
            reply_to: None,
            edited: false,
            deleted: false,
            pinned: false,
            reactions: vec![],
            send_state: SendState::Received,
            mentions_me: false,
        }
    }

    fn ids(t: &Timeline) -> Vec<&str> {
        t.rows().iter().map(|r| r.item.id.as_str()).collect()
    }

    #[test]
    fn stored_then_live_then_older_keeps_order() {
        let mut t = Timeline::default();
        assert!(!t.loaded);
        t.apply(TimelineEvent::Stored {
            items: vec![item("b", 20), item("a", 10)],
        });
        assert!(t.loaded);
        assert_eq!(ids(&t), ["a", "b"]);
        assert_eq!(
            t.apply(TimelineEvent::Upsert {
                item: item("c", 30)
            }),
            Change::Updated
        );
        let ch = t.apply(TimelineEvent::Older {
            items: vec![item("y", 2), item("z", 5), item("a", 10)],
            complete: false,
        });
        assert_eq!(ch, Change::Prepended(2));
        assert_eq!(ids(&t), ["y", "z", "a", "b", "c"]);
        // An older page that interleaves (another store node's answer) still sorts.
        t.apply(TimelineEvent::Older {
            items: vec![item("x", 15)],
            complete: true,
        });
        assert_eq!(ids(&t), ["y", "z", "a", "x", "b", "c"]);
        assert!(t.complete);
    }

    #[test]
    fn upsert_replaces_and_bumps_revision() {
        let mut t = Timeline::default();
        t.apply(TimelineEvent::Stored {
            items: vec![item("a", 1), item("b", 2)],
        });
        let rev = t.rows()[0].rev;
        let mut edited = item("a", 1);
        edited.text = "new".into();
        edited.edited = true;
        t.apply(TimelineEvent::Upsert { item: edited });
        assert_eq!(t.len(), 2);
        assert_eq!(t.get("a").unwrap().text, "new");
        assert_ne!(t.rows()[0].rev, rev);
        // A pending item whose clock changes when sent moves to its place.
        let mut moved = item("a", 9);
        moved.pinned = true;
        t.apply(TimelineEvent::Upsert { item: moved });
        assert_eq!(ids(&t), ["b", "a"]);
        assert_eq!(t.pinned().len(), 1);
    }

    #[test]
    fn unread_marker_skips_own_messages() {
        let mut t = Timeline::default();
        let mut mine = item("m", 15);
        mine.author = "0x04me".into();
        t.apply(TimelineEvent::Stored {
            items: vec![item("a", 10), mine, item("b", 20)],
        });
        assert_eq!(t.first_unread(None, Some("0x04me")), None);
        assert_eq!(t.first_unread(Some(10), Some("0x04me")), Some(2));
        assert_eq!(t.first_unread(Some(20), Some("0x04me")), None);
        assert_eq!(t.newest_clock(), Some(20));
    }
}
