//! Taking the whole inbox: list it, number the new deliveries, prepare them
//! a window at a time in parallel, commit them one by one in order.
//!
//! Sequence numbers follow the name order within each source folder. A
//! window holds at most [`WINDOW_FILES`] files and [`WINDOW_BYTES`] bytes
//! (at least one file), which bounds the memory of parallel validation.

use crate::commit::commit_in_order;
use crate::delivery::{Job, Prepared, prepare};
use crate::error::IngestError;
use crate::inbox::{self, Found, Kind};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use vroeg_contracts::{Dialect, Source};
use vroeg_store::{DeliveryStatus, LedgerEntry, Store};

/// Bytes of delivery files prepared at once (at least one file): bounds the
/// memory of parallel validation.
const WINDOW_BYTES: u64 = 256 << 20;
/// Files prepared at once.
const WINDOW_FILES: usize = 16;

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
    let listing = inbox::list(inbox)?;
    let mut report = IngestReport {
        unreadable: listing.unreadable,
        ..IngestReport::default()
    };
    // A file under a name taken in before is new only if its bytes changed.
    let taken: Vec<Option<Option<(String, bool)>>> = listing
        .found
        .par_iter()
        .map(|f| {
            if !store.has_delivery_named(f.source, &f.name) {
                return None;
            }
            let sha = fingerprint(f)?;
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
    let mut seq = store.next_seq();
    let mut jobs = Vec::new();
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
        let dialect = dialects.get(&found.source).unwrap_or(&default);
        jobs.push(Job {
            found,
            dialect,
            seq,
        });
        seq += 1;
    }
    let mut start = 0;
    while start < jobs.len() {
        let end = window_end(&jobs, start);
        let shared: &Store = store;
        let prepared: Vec<Result<Prepared, IngestError>> = jobs[start..end]
            .par_iter()
            .map(|j| prepare(shared, j))
            .collect();
        for p in prepared {
            match p? {
                Prepared::Unreadable(file, error) => report.unreadable.push((file, error)),
                Prepared::Entry(entry, started) => {
                    commit_in_order(store, *entry, started, &mut report)?
                }
            }
        }
        start = end;
    }
    Ok(report)
}

/// The end of the window that starts at `start` (exclusive; at least one
/// job).
fn window_end(jobs: &[Job<'_>], start: usize) -> usize {
    let mut end = start + 1;
    let mut bytes = jobs.get(start).map_or(0, |j| j.found.bytes);
    while let Some(next) = jobs.get(end) {
        if end - start >= WINDOW_FILES || bytes.saturating_add(next.found.bytes) > WINDOW_BYTES {
            break;
        }
        bytes = bytes.saturating_add(next.found.bytes);
        end += 1;
    }
    end
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
