//! History older than the store window, from the community's archives (issue #13 §2): the
//! newest archive link signed by the community key, found with a store query; the archives that
//! cover what the timeline asks for, read by [`crate::history::reader`]; their messages through
//! the same receive path as the network's, into storage (where ids already stored are skipped).

use std::collections::HashSet;
use std::time::Duration;

use futures::StreamExt;

use super::community::{Community, shard_topic};
use super::ingest::{Ingested, ingest, ingest_archived};
use super::{Client, STEP_TIMEOUT, lock, now_ms};
use crate::history::reader::{ArchiveReader, OpenedArchives, ReaderError};
use crate::history::{
    Archive, ArchiveLinkMessage, MagnetLink, PlannedArchive, archive_link_chat_ids,
    check_link_signer,
};
use crate::net::runtime;
use crate::proto::status::application_metadata_message::Type as AmmType;
use crate::protocols::store::StoreQuery;
use crate::status::codec::ChatKey;
use crate::status::keys::content_topic;
use crate::storage::MessageRecord;

/// Archive links are republished with every new archive (weekly); look back as far as store
/// nodes keep.
pub const LINK_LOOKBACK: Duration = Duration::from_secs(31 * 24 * 3600);
/// Store pages read when looking for the link.
const LINK_PAGES: usize = 10;
/// Records written to storage per batch while importing an archive.
const IMPORT_BATCH: usize = 500;

/// Why no archive link could be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("no archive link was found for this community")]
    NotFound,
    /// Links were found, but none signed by the community key.
    #[error("the only archive links found are signed by {signer}, not by the community key")]
    Forged { signer: String },
    #[error("the archive link does not parse: {0}")]
    Invalid(String),
    #[error("looking for the archive link: {0}")]
    Network(String),
}

/// The newest archive link signed by the community key, and its clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLink {
    pub clock: u64,
    pub magnet: MagnetLink,
}

/// Picks the newest link signed by `community` among decoded messages of the link topics.
/// Links from other signers are set aside (and named when nothing else was found).
pub fn newest_link(
    community: &crate::status::keys::PublicKey,
    candidates: impl IntoIterator<Item = Ingested>,
) -> Result<ArchiveLink, LinkError> {
    let mut best: Option<ArchiveLinkMessage> = None;
    let mut forged = None;
    let mut invalid = None;
    for c in candidates {
        let Ingested::Other {
            message_type,
            payload,
            signer,
        } = c
        else {
            continue;
        };
        if message_type != AmmType::CommunityMessageArchiveLink as i32 {
            continue;
        }
        if check_link_signer(&signer, community).is_err() {
            forged = Some(signer.to_compressed_hex());
            continue;
        }
        match ArchiveLinkMessage::decode(&payload) {
            Ok(m) if best.as_ref().is_none_or(|b| m.clock > b.clock) => best = Some(m),
            Ok(_) => {}
            Err(e) => invalid = Some(e.to_string()),
        }
    }
    match (best, forged, invalid) {
        (Some(m), _, _) => {
            let magnet =
                MagnetLink::parse(&m.link).map_err(|e| LinkError::Invalid(e.to_string()))?;
            Ok(ArchiveLink {
                clock: m.clock,
                magnet,
            })
        }
        (None, _, Some(e)) => Err(LinkError::Invalid(e)),
        (None, Some(signer), None) => Err(LinkError::Forged { signer }),
        (None, None, None) => Err(LinkError::NotFound),
    }
}

impl Community {
    /// The newest archive link signed by the community key, from store (on the universal chat
    /// and the older `-magnetlinks` chat, both content shards Status has used).
    pub async fn archive_link(&self) -> Result<ArchiveLink, LinkError> {
        let client = self.client();
        let chats = archive_link_chat_ids(self.key());
        let mut keys = client.keys_for(self.key(), &self.channel_uuids());
        for chat in &chats {
            keys.add_chat(ChatKey::derive(chat));
        }
        let topics: Vec<String> = chats.iter().map(|c| content_topic(c).to_string()).collect();
        let now = runtime::now_ns();
        let start = now - i64::try_from(LINK_LOOKBACK.as_nanos()).unwrap_or(i64::MAX);
        let mut found = Vec::new();
        let mut errors = Vec::new();
        let mut answered = false;
        for shard in [32u16, 64] {
            let pubsub = shard_topic(shard);
            let query = StoreQuery::topics(pubsub.clone(), topics.clone())
                .time_range(Some(start), Some(now + 60_000_000_000))
                .page_size(20);
            let net = client.inner.net.clone();
            let pages = async {
                let mut out = Vec::new();
                let mut pages = std::pin::pin!(net.query(query));
                for _ in 0..LINK_PAGES {
                    match pages.next().await {
                        Some(Ok(page)) => out.extend(page.messages),
                        Some(Err(e)) => return Err(e.to_string()),
                        None => break,
                    }
                }
                Ok(out)
            };
            match runtime::timeout(STEP_TIMEOUT, pages).await {
                Some(Ok(messages)) => {
                    answered = true;
                    for stored in messages {
                        let Some(msg) = stored.message else { continue };
                        let mut segments = lock(&client.inner.segments);
                        found.push(ingest(
                            &msg,
                            &pubsub,
                            &stored.hash.to_string(),
                            self.key(),
                            &keys,
                            &mut segments,
                            now_ms(),
                        ));
                    }
                }
                Some(Err(e)) => errors.push(e),
                None => errors.push(format!("no answer within {} s", STEP_TIMEOUT.as_secs())),
            }
        }
        match newest_link(self.key(), found) {
            Err(LinkError::NotFound) if !answered => Err(LinkError::Network(errors.join("; "))),
            other => other,
        }
    }

    /// Decodes an archive's messages for this community and keeps them; returns how many were
    /// new. Messages store already gave are skipped by storage (same id).
    pub(crate) async fn import_archive(&self, archive: &Archive) -> usize {
        let client = self.client();
        let keys = client.keys_for(self.key(), &self.channel_uuids());
        let mut records: Vec<MessageRecord> = Vec::new();
        let mut inserted = 0;
        for m in &archive.messages {
            let ingested = {
                let mut segments = lock(&client.inner.segments);
                ingest_archived(m, self.key(), &keys, &mut segments, now_ms())
            };
            if let Ingested::Message(r) = ingested {
                records.push(*r);
            }
            if records.len() >= IMPORT_BATCH {
                inserted += import(client, std::mem::take(&mut records)).await;
            }
        }
        inserted + import(client, records).await
    }
}

async fn import(client: &Client, records: Vec<MessageRecord>) -> usize {
    let n = records.len();
    match client.accept(records).await {
        Ok(()) => n,
        Err(e) => {
            tracing::debug!(error = %e, "storing archived messages failed");
            0
        }
    }
}

/// Where a timeline is in the community's archives: the link and index once found, and which
/// archives it has read.
#[derive(Default)]
pub(crate) struct ArchiveCursor {
    /// The oldest message time (ns) store gave this timeline's older-history walks: where the
    /// next walk ends, and where the archives take over when store has nothing older.
    pub store_oldest_ns: Option<i64>,
    opened: Option<OpenedArchives>,
    /// Why archives are unavailable (no link, a forged one, no seed answered), once known: not
    /// asked again for this timeline.
    unavailable: Option<String>,
    read: HashSet<String>,
}

/// One step of reading archives, for progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArchiveStep {
    /// About to read the archive of `[from_s, to_s)`; `bytes_fetched` so far of `data_len`.
    Reading {
        from_s: u64,
        to_s: u64,
        bytes_fetched: u64,
        data_len: u64,
    },
}

impl ArchiveCursor {
    /// The newest unread archive that starts before `before_s` (finding the link and opening
    /// the torrent and index the first time), with the step to show while it is read;
    /// `Ok(None)` when none is left or the community has no archives.
    pub async fn next(
        &mut self,
        community: &Community,
        before_s: u64,
    ) -> Result<Option<(PlannedArchive, ArchiveStep)>, String> {
        if let Some(why) = &self.unavailable {
            return Err(why.clone());
        }
        if self.opened.is_none() {
            let opened = match community.archive_link().await {
                Ok(link) => ArchiveReader::default()
                    .open(&link.magnet, page_base().as_deref())
                    .await
                    .map_err(|e| e.to_string()),
                Err(LinkError::NotFound) => return Ok(None),
                Err(e @ LinkError::Network(_)) => return Err(e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match opened {
                Ok(o) => self.opened = Some(o),
                Err(why) => {
                    self.unavailable = Some(why.clone());
                    return Err(why);
                }
            }
        }
        let Some(opened) = self.opened.as_ref() else {
            return Ok(None);
        };
        let planned = opened
            .plan(0, before_s)
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|p| !self.read.contains(&p.entry.id));
        Ok(planned.map(|p| {
            let step = ArchiveStep::Reading {
                from_s: p.entry.from,
                to_s: p.entry.to,
                bytes_fetched: opened.stats.bytes_fetched,
                data_len: opened.data_len(),
            };
            (p, step)
        }))
    }

    /// Reads one planned archive into storage; returns how many of its messages were kept.
    pub async fn read(
        &mut self,
        community: &Community,
        planned: &PlannedArchive,
    ) -> Result<usize, String> {
        let Some(opened) = self.opened.as_mut() else {
            return Ok(0);
        };
        let archive = match ArchiveReader::default().read(opened, planned).await {
            Ok(a) => a,
            // Verified bytes that do not decode will not change: not asked again (the archives
            // before it still can be read).
            Err(ReaderError::Format(f)) => {
                self.read.insert(planned.entry.id.clone());
                return Err(format!("the archive of {}: {f}", planned.entry.id));
            }
            // No seed gave good bytes: asked again next time (a seed may come back), and the
            // archives before it wait, so that history has no silent gap.
            Err(e) => return Err(e.to_string()),
        };
        self.read.insert(planned.entry.id.clone());
        Ok(community.import_archive(&archive).await)
    }
}

/// The page's address, against which relative `xs=`/`ws=` URLs resolve (browser only).
fn page_base() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        js_sys::global()
            .dyn_ref::<web_sys::Window>()
            .and_then(|w| w.location().href().ok())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::keys::PrivateKey;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn link(signer: &PrivateKey, clock: u64, uri: &str) -> Ingested {
        Ingested::Other {
            message_type: AmmType::CommunityMessageArchiveLink as i32,
            payload: ArchiveLinkMessage {
                clock,
                link: uri.to_string(),
            }
            .encode(),
            signer: signer.public_key(),
        }
    }

    const URI: &str = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=c&ws=http%3A%2F%2Fh%2Farchives%2F";

    #[test]
    fn the_newest_link_signed_by_the_community_wins() {
        let community = PrivateKey::generate().unwrap();
        let other = PrivateKey::generate().unwrap();
        let newer_forged = URI.replace("0123", "ffff");
        let got = newest_link(
            &community.public_key(),
            [
                link(&community, 5, URI),
                link(&other, 9, &newer_forged),
                link(&community, 3, "magnet:?xt=urn:btih:00"),
            ],
        )
        .unwrap();
        assert_eq!(got.clock, 5);
        assert_eq!(got.magnet.web_seeds, vec!["http://h/archives/".to_string()]);
    }

    #[test]
    fn a_link_signed_by_someone_else_is_refused() {
        let community = PrivateKey::generate().unwrap();
        let other = PrivateKey::generate().unwrap();
        let err = newest_link(&community.public_key(), [link(&other, 9, URI)]).unwrap_err();
        assert_eq!(
            err,
            LinkError::Forged {
                signer: other.public_key().to_compressed_hex()
            }
        );
        assert_eq!(
            newest_link(&community.public_key(), []).unwrap_err(),
            LinkError::NotFound
        );
        let bad = newest_link(&community.public_key(), [link(&community, 1, "http://x")]);
        assert!(matches!(bad, Err(LinkError::Invalid(_))), "{bad:?}");
    }
}
