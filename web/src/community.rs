//! An open community as the pages follow it: the description on screen, whether it is the signed
//! one, and what the client is waiting for, with a deadline so a page never waits in silence.

use std::time::Duration;

use futures::StreamExt;
use futures::future::{AbortHandle, Abortable};
use hearth::client::types::{CommunityEvent, CommunityInfo, DescriptionState, SyncProgress};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::session::{Problem, Session};

/// How long a page waits for the signed description before it offers to try again.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the description on screen stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Asking the network; nothing signed yet.
    Waiting,
    /// Signed by the community key.
    Verified { clock: u64 },
    /// No description on any store node or shard.
    NotFound,
    /// A description claiming this community was signed by another key: not shown.
    SignerMismatch { signer: String },
    /// Nothing signed within [`VERIFY_TIMEOUT`].
    TimedOut,
    /// The reader stopped waiting.
    Cancelled,
    /// The client could not even start looking.
    Failed(Problem),
}

/// A followed community. Dropping it does not stop the task: call [`CommunityFeed::stop`] (the
/// pages do it on cleanup).
#[derive(Clone, Copy)]
pub struct CommunityFeed {
    pub info: RwSignal<Option<CommunityInfo>>,
    pub verification: RwSignal<Verification>,
    pub progress: RwSignal<Option<SyncProgress>>,
    handle: StoredValue<Option<AbortHandle>>,
    timer: StoredValue<Option<TimeoutHandle>>,
    target: StoredValue<String>,
    session: Session,
}

impl CommunityFeed {
    /// Starts following `id_or_link` (a `0x02…` id or any preview link form).
    pub fn open(session: Session, id_or_link: String) -> Self {
        let feed = Self {
            info: RwSignal::new(None),
            verification: RwSignal::new(Verification::Waiting),
            progress: RwSignal::new(None),
            handle: StoredValue::new(None),
            timer: StoredValue::new(None),
            target: StoredValue::new(id_or_link),
            session,
        };
        feed.start();
        feed
    }

    fn start(self) {
        self.stop_task();
        self.verification.set(Verification::Waiting);
        let target = self.target.get_value();
        let stream = match self.session.backend().community(&target) {
            Ok(s) => s,
            Err(problem) => {
                self.verification.set(Verification::Failed(problem));
                return;
            }
        };
        let (abort, registration) = AbortHandle::new_pair();
        self.handle.set_value(Some(abort));
        let timer = set_timeout_with_handle(
            move || {
                if self.verification.get_untracked() == Verification::Waiting {
                    self.stop_task();
                    self.verification.set(Verification::TimedOut);
                }
            },
            VERIFY_TIMEOUT,
        )
        .ok();
        self.timer.set_value(timer);
        let task = async move {
            let mut stream = stream;
            while let Some(event) = stream.next().await {
                self.apply(event);
            }
        };
        spawn_local(async move {
            let _ = Abortable::new(task, registration).await;
        });
    }

    fn apply(self, event: CommunityEvent) {
        match event {
            CommunityEvent::Description { info } => {
                if let DescriptionState::Verified { clock } = info.state {
                    self.verification.set(Verification::Verified { clock });
                    self.clear_timer();
                }
                // An unverified description never replaces a verified one on screen.
                let keep_verified = matches!(info.state, DescriptionState::Unverified)
                    && self.info.with_untracked(|i| {
                        i.as_ref()
                            .is_some_and(|i| matches!(i.state, DescriptionState::Verified { .. }))
                    });
                if !keep_verified {
                    self.info.set(Some(*info));
                }
            }
            CommunityEvent::NotFound => {
                if !matches!(
                    self.verification.get_untracked(),
                    Verification::Verified { .. }
                ) {
                    self.verification.set(Verification::NotFound);
                    self.clear_timer();
                }
            }
            CommunityEvent::SignerMismatch { signer } => {
                if !matches!(
                    self.verification.get_untracked(),
                    Verification::Verified { .. }
                ) {
                    self.verification
                        .set(Verification::SignerMismatch { signer });
                    self.clear_timer();
                }
            }
            CommunityEvent::Progress { progress } => self.progress.set(Some(progress)),
        }
    }

    fn clear_timer(self) {
        if let Some(t) = self.timer.try_update_value(|t| t.take()).flatten() {
            t.clear();
        }
    }

    fn stop_task(self) {
        self.clear_timer();
        if let Some(h) = self.handle.try_update_value(|h| h.take()).flatten() {
            h.abort();
        }
    }

    /// What this feed follows (id or link).
    pub fn target(self) -> String {
        self.target.get_value()
    }

    /// The reader stopped waiting.
    pub fn cancel(self) {
        self.stop_task();
        self.verification.set(Verification::Cancelled);
    }

    /// Try again after a timeout, a cancel or "not found".
    pub fn retry(self) {
        self.start();
    }

    /// Stops following (page left).
    pub fn stop(self) {
        self.stop_task();
    }
}

/// Where the newest clock the reader has seen in a channel is kept (this browser's
/// localStorage): the channel view writes it at the bottom, the channel list counts after it.
pub fn read_mark_key(chat_id: &str) -> String {
    format!("hearth.read.{chat_id}")
}

/// "1 member", "446,744 members": a count a reader takes in at a glance, the way Status and
/// status.app print it (digits grouped by three).
pub fn members_label(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped} member{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::members_label;

    #[test]
    fn member_counts_are_grouped_by_three() {
        for (n, want) in [
            (0, "0 members"),
            (1, "1 member"),
            (999, "999 members"),
            (1_000, "1,000 members"),
            (446_744, "446,744 members"),
            (1_234_567, "1,234,567 members"),
            (u64::MAX, "18,446,744,073,709,551,615 members"),
        ] {
            assert_eq!(members_label(n), want);
        }
    }
}
