//! Reading a community's archives over HTTP web seeds, trusting nothing a server sends.
//!
//! The chain of trust: the magnet link is signed by the community key (checked by the caller,
//! see [`crate::client`]), it pins the `.torrent` by its info hash, and the torrent pins every
//! 100 KiB piece by its SHA-1. So the `.torrent` may come from anywhere (`xs=`, or next to a web
//! seed), and every byte of the index and the archives is used only once the piece holding it
//! has matched. A piece that does not match is asked from the next web seed, and the seed that
//! sent it is not asked again; a seed that does not answer is skipped for that request only.
//!
//! Nothing here decodes Status messages or touches storage: [`ArchiveReader::read`] returns
//! decoded [`Archive`]s, and the client feeds their messages into its receive path.

use std::ops::Range;

use super::fetch::{FetchError, FetchRequest, HttpFetcher, resolve_url};
use super::plan::{
    DATA_FILE, INDEX_FILE, PlannedArchive, file_slices, index_pieces, piece_range, plan,
    verify_piece, web_seed_url,
};
use super::{Archive, ArchiveIndex, HistoryError, MagnetLink, Torrent};
use crate::history::torrent::MAX_TORRENT_BYTES;

/// At most this many pieces (10 MB at status-go's 100 KiB) are asked for in one request: a
/// failed request then costs little, and memory per request stays bounded.
pub const MAX_PIECES_PER_REQUEST: usize = 100;

/// Why one source (a URL) was not used. The reader goes on with the next one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Format(#[from] HistoryError),
}

/// One source that failed, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFailure {
    pub url: String,
    pub error: SourceError,
}

/// Why archives could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReaderError {
    /// Every source was tried for `step` and none gave verified bytes; each one's failure is
    /// listed, in the order tried.
    #[error("{step}: no source gave verified bytes ({})", failures_text(.failures))]
    NoSource {
        step: String,
        failures: Vec<SourceFailure>,
    },
    /// The magnet link names neither `xs=` nor any web seed.
    #[error("the archive link names no HTTP source (no xs= and no ws=)")]
    NoHttpSource,
    /// Verified bytes that do not make a valid index or archive: the community published it so,
    /// and no other seed can give other bytes.
    #[error(transparent)]
    Format(#[from] HistoryError),
}

fn failures_text(failures: &[SourceFailure]) -> String {
    if failures.is_empty() {
        return "none left to try".into();
    }
    failures
        .iter()
        .map(|f| match &f.error {
            // A fetch error names its URL already.
            SourceError::Fetch(e) => e.to_string(),
            SourceError::Format(e) => format!("{}: {e}", f.url),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What reading has cost so far, for progress lines and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Body bytes received, good or bad.
    pub bytes_fetched: u64,
    /// Pieces whose SHA-1 matched.
    pub pieces_verified: u64,
    /// Pieces that failed their check (each then asked from the next seed).
    pub pieces_rejected: u64,
    /// Web seeds no longer asked, with why.
    pub dropped_seeds: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
struct Seed {
    base: String,
    dropped: bool,
}

/// A verified torrent and its index, and the web seeds still trusted: what is needed to read any
/// archive of the community.
#[derive(Debug, Clone)]
pub struct OpenedArchives {
    pub torrent: Torrent,
    pub index: ArchiveIndex,
    seeds: Vec<Seed>,
    pub stats: ReadStats,
}

impl OpenedArchives {
    /// The archives overlapping `[from_s, to_s)`, newest first.
    pub fn plan(&self, from_s: u64, to_s: u64) -> Result<Vec<PlannedArchive>, ReaderError> {
        Ok(plan(&self.torrent.info, &self.index, from_s, to_s).map_err(HistoryError::from)?)
    }

    /// The web seeds still asked, in order.
    pub fn seeds(&self) -> Vec<&str> {
        self.seeds
            .iter()
            .filter(|s| !s.dropped)
            .map(|s| s.base.as_str())
            .collect()
    }

    /// The total size of the data file (every archive, padded), for "bytes fetched of …".
    pub fn data_len(&self) -> u64 {
        self.torrent
            .info
            .file_span(DATA_FILE)
            .map_or(0, |s| s.length)
    }
}

/// Reads archives over HTTP. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ArchiveReader {
    fetcher: HttpFetcher,
}

impl ArchiveReader {
    pub fn new(fetcher: HttpFetcher) -> Self {
        Self { fetcher }
    }

    /// Fetches the `.torrent` the magnet link pins (from `xs=`, else next to each web seed),
    /// then the index, every piece checked. `base` resolves relative `xs=`/`ws=` URLs (the
    /// page's address in the browser).
    pub async fn open(
        &self,
        magnet: &MagnetLink,
        base: Option<&str>,
    ) -> Result<OpenedArchives, ReaderError> {
        let resolve = |u: &str| base.map_or_else(|| u.to_string(), |b| resolve_url(b, u));
        let seeds: Vec<Seed> = magnet
            .web_seeds
            .iter()
            .map(|w| Seed {
                base: resolve(w),
                dropped: false,
            })
            .collect();
        let mut sources: Vec<String> = magnet.exact_source.iter().map(|x| resolve(x)).collect();
        if let Some(name) = &magnet.display_name {
            for s in seeds.iter().filter(|s| s.base.ends_with('/')) {
                let url = format!("{}{}.torrent", s.base, super::magnet::percent_encode(name));
                if !sources.contains(&url) {
                    sources.push(url);
                }
            }
        }
        if sources.is_empty() || seeds.is_empty() {
            return Err(ReaderError::NoHttpSource);
        }
        let mut stats = ReadStats::default();
        let mut failures = Vec::new();
        let mut torrent = None;
        for url in sources {
            let request = FetchRequest::whole(&url, MAX_TORRENT_BYTES as u64);
            let result = match self.fetcher.get(&request).await {
                Ok(bytes) => {
                    stats.bytes_fetched += bytes.len() as u64;
                    Torrent::parse_pinned(&bytes, &magnet.info_hash)
                        .map_err(|e| SourceError::Format(e.into()))
                }
                Err(e) => Err(e.into()),
            };
            match result {
                Ok(t) => {
                    torrent = Some(t);
                    break;
                }
                Err(error) => {
                    tracing::debug!(%url, %error, "torrent source failed");
                    failures.push(SourceFailure { url, error });
                }
            }
        }
        let Some(torrent) = torrent else {
            return Err(ReaderError::NoSource {
                step: "the .torrent".into(),
                failures,
            });
        };
        let mut opened = OpenedArchives {
            index: ArchiveIndex {
                entries: Vec::new(),
            },
            torrent,
            seeds,
            stats,
        };
        let info = &opened.torrent.info;
        let span =
            info.file_span(INDEX_FILE)
                .ok_or(HistoryError::from(super::PlanError::MissingFile(
                    INDEX_FILE,
                )))?;
        let data_len = info.file_span(DATA_FILE).map(|s| s.length);
        let pieces = index_pieces(info).map_err(HistoryError::from)?;
        let (bytes, start) = self.fetch_pieces(&mut opened, pieces).await?;
        let from = usize::try_from(span.offset - start).unwrap_or(usize::MAX);
        let index_bytes = bytes
            .get(from..from.saturating_add(usize::try_from(span.length).unwrap_or(usize::MAX)))
            .unwrap_or_default();
        opened.index = ArchiveIndex::decode(index_bytes, data_len).map_err(HistoryError::from)?;
        Ok(opened)
    }

    /// Fetches one planned archive's pieces, checks them, and decodes the archive.
    pub async fn read(
        &self,
        opened: &mut OpenedArchives,
        planned: &PlannedArchive,
    ) -> Result<Archive, ReaderError> {
        let (bytes, start) = self.fetch_pieces(opened, planned.pieces.clone()).await?;
        let data_offset = opened
            .torrent
            .info
            .file_span(DATA_FILE)
            .map_or(0, |s| s.offset);
        let raw = planned
            .entry
            .extract(&bytes, start.saturating_sub(data_offset))
            .map_err(HistoryError::from)?;
        Ok(Archive::decode(raw).map_err(HistoryError::from)?)
    }

    /// Whole pieces `pieces`, each verified, concatenated; with the torrent offset they start at.
    async fn fetch_pieces(
        &self,
        opened: &mut OpenedArchives,
        pieces: Range<usize>,
    ) -> Result<(Vec<u8>, u64), ReaderError> {
        let info = opened.torrent.info.clone();
        let fmt = |e: super::PlanError| ReaderError::Format(e.into());
        let start = piece_range(&info, pieces.start).map_err(fmt)?.start;
        let mut have: Vec<Option<Vec<u8>>> = vec![None; pieces.len()];
        let mut failures = Vec::new();
        for s in 0..opened.seeds.len() {
            if opened.seeds[s].dropped {
                continue;
            }
            let base = opened.seeds[s].base.clone();
            'runs: for run in missing_runs(&have, pieces.start) {
                let first = piece_range(&info, run.start).map_err(fmt)?.start;
                let end = piece_range(&info, run.end - 1).map_err(fmt)?.end;
                let mut bytes = Vec::with_capacity(usize::try_from(end - first).unwrap_or(0));
                for slice in file_slices(&info, &(first..end)) {
                    let url = web_seed_url(&base, &info, &slice.path);
                    match self
                        .fetcher
                        .get(&FetchRequest::range(&url, slice.range))
                        .await
                    {
                        Ok(b) => {
                            opened.stats.bytes_fetched += b.len() as u64;
                            bytes.extend_from_slice(&b);
                        }
                        Err(e) => {
                            tracing::debug!(%url, error = %e, "web seed failed");
                            failures.push(SourceFailure {
                                url,
                                error: e.into(),
                            });
                            // This seed is skipped for this request, not dropped: it may only
                            // have been slow.
                            break 'runs;
                        }
                    }
                }
                let mut at = 0usize;
                for i in run {
                    let r = piece_range(&info, i).map_err(fmt)?;
                    let len = usize::try_from(r.end - r.start).unwrap_or(usize::MAX);
                    let piece = bytes.get(at..at + len).unwrap_or_default();
                    at += len;
                    match verify_piece(&info, i, piece) {
                        Ok(()) => {
                            opened.stats.pieces_verified += 1;
                            have[i - pieces.start] = Some(piece.to_vec());
                        }
                        Err(e) => {
                            opened.stats.pieces_rejected += 1;
                            if !opened.seeds[s].dropped {
                                opened.seeds[s].dropped = true;
                                opened
                                    .stats
                                    .dropped_seeds
                                    .push((base.clone(), e.to_string()));
                            }
                            failures.push(SourceFailure {
                                url: web_seed_url(&base, &info, DATA_FILE),
                                error: SourceError::Format(e.into()),
                            });
                        }
                    }
                }
                if opened.seeds[s].dropped {
                    break 'runs;
                }
            }
            if have.iter().all(Option::is_some) {
                break;
            }
        }
        if !have.iter().all(Option::is_some) {
            return Err(ReaderError::NoSource {
                step: format!("pieces {}..{}", pieces.start, pieces.end),
                failures,
            });
        }
        Ok((have.into_iter().flatten().flatten().collect(), start))
    }
}

/// Runs of missing pieces (absolute indices), each at most [`MAX_PIECES_PER_REQUEST`] long.
fn missing_runs(have: &[Option<Vec<u8>>], first: usize) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for (i, h) in have.iter().enumerate() {
        if h.is_some() {
            continue;
        }
        let i = first + i;
        match runs.last_mut() {
            Some(r) if r.end == i && r.len() < MAX_PIECES_PER_REQUEST => r.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn missing_pieces_come_in_bounded_runs() {
        let have = vec![Some(vec![]), None, None, Some(vec![]), None];
        assert_eq!(missing_runs(&have, 10), vec![11..13, 14..15]);
        let many = vec![None; MAX_PIECES_PER_REQUEST + 5];
        let runs = missing_runs(&many, 0);
        assert_eq!(
            runs,
            vec![
                0..MAX_PIECES_PER_REQUEST,
                MAX_PIECES_PER_REQUEST..MAX_PIECES_PER_REQUEST + 5
            ]
        );
    }
}
