//! Taking the whole inbox: list it, read the new files a group at a time,
//! number them, validate them in parallel and commit them in order.
//!
//! Sequence numbers follow the name order within each source folder. Small
//! files of one source (at most [`SMALL_BYTES`] each) are taken in as one
//! batch: validated into memory side by side, written as one Parquet file
//! per period and committed in one ledger step, so that thousands of weekly
//! files cost neither thousands of small Parquet files nor thousands of
//! flushes. Larger files are validated a window at a time, each streamed to
//! its own files and committed one by one. Batches and windows are bounded
//! in files and bytes, which bounds memory.

use crate::commit::{commit_batch_in_order, commit_in_order};
use crate::delivery::{Job, Prepared, Read, prepare, prepare_buffered};
use crate::error::IngestError;
use crate::inbox::{self, Found, Kind};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use vroeg_contracts::{Dialect, Source};
use vroeg_store::{DeliveryStatus, LedgerEntry, Store};

/// Bytes of larger delivery files prepared at once (at least one file):
/// bounds the memory of parallel validation.
const WINDOW_BYTES: u64 = 256 << 20;
/// Larger files prepared at once.
const WINDOW_FILES: usize = 16;
/// A file up to this size is taken in with the other small files of its
/// source, as a batch.
const SMALL_BYTES: u64 = 8 << 20;
/// Bytes of one batch of small files: their rows are held in memory until
/// the batch is written.
const BATCH_BYTES: u64 = 128 << 20;
/// Files in one batch.
const BATCH_FILES: usize = 20_000;

/// What one ingest did.
#[derive(Debug, Default)]
pub struct IngestReport {
    /// The ledger entries written by this ingest, in order: accepted,
    /// refused (symbolic links among them) and duplicate deliveries.
    pub entries: Vec<LedgerEntry>,
    /// Files skipped because they were taken in before (same name, same
    /// bytes).
    pub skipped: usize,
    /// Of the skipped files, those whose delivery was purged (whole or in
    /// part) after its retention: the name (`source/file`, escaped for
    /// display), the purge date and whether all of it was purged. Never
    /// taken in again.
    pub purged: Vec<(String, String, bool)>,
    /// What could not be read at all, with the reason: files that failed to
    /// read, `.csv` entries that are not regular files (pipes, devices,
    /// sockets, folders), source folders that cannot be listed. Nothing is
    /// recorded for them, so they are reported again next time. Names are
    /// `source/file` (a folder ends in `/`), already escaped for display.
    pub unreadable: Vec<(String, String)>,
}

impl IngestReport {
    /// The entries of refused deliveries.
    pub fn refused(&self) -> impl Iterator<Item = &LedgerEntry> {
        self.entries
            .iter()
            .filter(|e| e.status == DeliveryStatus::Refused)
    }
}

/// Takes every new delivery from `inbox` into the store: for each source
/// folder, its `.csv` files in the lexicographic order of their names.
/// Sources without a dialect in `dialects` use the contract's defaults.
///
/// Only an inbox that cannot be listed, or a store that fails, is an error;
/// a bad file or source folder is refused or reported and the others go on.
pub fn ingest(
    store: &mut Store,
    inbox: &Path,
    dialects: &BTreeMap<Source, Dialect>,
) -> Result<IngestReport, IngestError> {
    ingest_with(store, inbox, dialects, &NoProgress)
}

/// [`ingest`], telling `progress` what it takes in.
pub fn ingest_with(
    store: &mut Store,
    inbox: &Path,
    dialects: &BTreeMap<Source, Dialect>,
    progress: &dyn Progress,
) -> Result<IngestReport, IngestError> {
    let listing = inbox::list(inbox)?;
    let mut report = IngestReport {
        unreadable: listing.unreadable,
        ..IngestReport::default()
    };
    // A file under a name taken in before is new only if its bytes changed;
    // a file as it was seen at intake (size, time, inode) is not read again.
    let taken: Vec<Option<Option<(String, bool)>>> = listing
        .found
        .par_iter()
        .map(|f| {
            if !store.has_delivery_named(f.source, &f.name) {
                return None;
            }
            let sha = match unchanged(store, f) {
                Some(sha) => sha,
                None => fingerprint(f)?,
            };
            let e = store.already_taken(f.source, &f.name, &sha)?;
            Some(
                e.purged
                    .as_ref()
                    .filter(|p| !p.files.is_empty())
                    .map(|p| (p.date.clone(), e.is_tombstone())),
            )
        })
        .collect();
    let default = Dialect::default();
    let mut new = Vec::new();
    for (found, taken) in listing.found.into_iter().zip(taken) {
        if let Some(purged) = taken {
            report.skipped += 1;
            if let Some((date, whole)) = purged {
                report.purged.push((
                    format!(
                        "{}/{}",
                        found.source,
                        vroeg_contracts::text::escaped(&found.name)
                    ),
                    date,
                    whole,
                ));
            }
            continue;
        }
        new.push(found);
    }
    progress.start(new.len() as u64, new.iter().map(|f| f.bytes).sum());
    let mut rest = new.into_iter().peekable();
    while rest.peek().is_some() {
        let group = next_group(&mut rest);
        let small = group.small;
        let read = read_all(group.files);
        let mut jobs = Vec::new();
        let mut seq = store.next_seq();
        for r in read {
            match r {
                Err((file, error, bytes)) => {
                    progress.delivery(0, bytes);
                    report.unreadable.push((file, error));
                }
                Ok((found, read)) => {
                    let dialect = dialects.get(&found.source).unwrap_or(&default);
                    jobs.push(Job {
                        found,
                        dialect,
                        seq,
                        read,
                    });
                    seq += 1;
                }
            }
        }
        let shared: &Store = store;
        if small {
            let prepared: Vec<Result<Prepared, IngestError>> = jobs
                .par_iter()
                .map(|j| prepare_buffered(shared, j))
                .collect();
            drop(jobs);
            let prepared = prepared.into_iter().collect::<Result<Vec<_>, _>>()?;
            for (rows, bytes) in commit_batch_in_order(store, prepared, &mut report)? {
                progress.delivery(rows, bytes);
            }
        } else {
            let prepared: Vec<Result<Prepared, IngestError>> =
                jobs.par_iter().map(|j| prepare(shared, j)).collect();
            drop(jobs);
            for p in prepared {
                if let Prepared::Entry(entry, started) = p? {
                    let (rows, bytes) = (entry.rows_read, entry.bytes);
                    commit_in_order(store, *entry, started, &mut report)?;
                    progress.delivery(rows, bytes);
                }
            }
        }
    }
    progress.finish();
    Ok(report)
}

/// Hears how an ingest goes (a progress bar on a terminal).
pub trait Progress: Sync {
    /// The new files to take in, and their bytes.
    fn start(&self, files: u64, bytes: u64);
    /// One file done: its data rows and bytes.
    fn delivery(&self, rows: u64, bytes: u64);
    /// All done.
    fn finish(&self);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64, _: u64) {}
    fn delivery(&self, _: u64, _: u64) {}
    fn finish(&self) {}
}

/// Files taken in together: a batch of small deliveries of one source, or
/// a window of larger ones.
struct Group {
    files: Vec<Found>,
    small: bool,
}

/// Whether a file is small enough to be held in memory with its batch: a
/// link is (it is refused unread).
fn is_small(f: &Found) -> bool {
    matches!(f.kind, Kind::Link { .. }) || f.bytes <= SMALL_BYTES
}

/// The next group of files, in inbox order: consecutive small files of one
/// source up to [`BATCH_BYTES`] and [`BATCH_FILES`], or consecutive larger
/// files up to [`WINDOW_BYTES`] and [`WINDOW_FILES`] (at least one file).
fn next_group(rest: &mut std::iter::Peekable<impl Iterator<Item = Found>>) -> Group {
    let Some(first) = rest.next() else {
        return Group {
            files: Vec::new(),
            small: false,
        };
    };
    let small = is_small(&first);
    let (max_files, max_bytes) = if small {
        (BATCH_FILES, BATCH_BYTES)
    } else {
        (WINDOW_FILES, WINDOW_BYTES)
    };
    let source = first.source;
    let mut bytes = first.bytes;
    let mut files = vec![first];
    while let Some(next) = rest.peek() {
        let fits = is_small(next) == small
            && (!small || next.source == source)
            && files.len() < max_files
            && bytes.saturating_add(next.bytes) <= max_bytes;
        if !fits {
            break;
        }
        bytes = bytes.saturating_add(next.bytes);
        files.extend(rest.next());
    }
    Group { files, small }
}

/// A file read: the candidate and its bytes, or why it could not be read
/// (`source/file`, the error, its listed size).
type ReadOne = Result<(Found, Read), (String, String, u64)>;

/// Reads every file of a group, in parallel, keeping their order. A file
/// that cannot be read gets no sequence number, so the ledger has no gap.
fn read_all(files: Vec<Found>) -> Vec<ReadOne> {
    files
        .into_par_iter()
        .map(|found| {
            if let Kind::Link {
                target,
                fingerprint,
            } = &found.kind
            {
                let read = Read::Link {
                    target: target.clone(),
                    fingerprint: fingerprint.clone(),
                };
                return Ok((found, read));
            }
            match inbox::read_seen(&found.path) {
                Ok((bytes, seen)) => {
                    let sha256 = hex::encode(Sha256::digest(&bytes));
                    Ok((
                        found,
                        Read::Bytes {
                            bytes,
                            sha256,
                            seen,
                        },
                    ))
                }
                Err(e) => {
                    let shown = found.shown();
                    tracing::error!(file = %shown, error = %e, "cannot read delivery; it will be tried again next time");
                    Err((shown, e.to_string(), found.bytes))
                }
            }
        })
        .collect()
}

/// The SHA-256 recorded for a file that is as it was seen when a delivery
/// under its name was taken in (same size, modification time, inode and
/// device), without reading it.
fn unchanged(store: &Store, found: &Found) -> Option<String> {
    let seen = found.seen?;
    store
        .named(found.source, &found.name)
        .find(|e| e.seen == Some(seen))
        .map(|e| e.sha256.clone())
}

/// The SHA-256 a candidate would be recorded under: of its bytes, or of its
/// link target. `None` when the file cannot be read (it is then prepared,
/// and reported as unreadable there).
fn fingerprint(found: &Found) -> Option<String> {
    match &found.kind {
        Kind::File => inbox::read_regular(&found.path)
            .ok()
            .map(|b| hex::encode(Sha256::digest(&b))),
        Kind::Link { fingerprint, .. } => Some(fingerprint.clone()),
    }
}
