//! Committing prepared deliveries in sequence order, and the ledger
//! entries of deliveries that store nothing (refused, duplicate).
//!
//! Deliveries are prepared in parallel but committed one at a time in
//! sequence order, so a crash leaves the store at a delivery boundary. A
//! delivery prepared beside an earlier one with the same bytes (both new in
//! this ingest) only becomes a duplicate here, where the earlier one is
//! known to have been committed.

use crate::delivery::Prepared;
use crate::error::IngestError;
use crate::ingest::IngestReport;
use crate::quarantine::quarantine_header;
use std::collections::HashMap;
use std::fs;
use std::time::Instant;
use vroeg_contracts::Source;
use vroeg_contracts::text::escaped;
use vroeg_store::{DeliveryStatus, LedgerEntry, Store};

/// The message of a duplicate: an earlier accepted delivery of the source,
/// with rows, has the same bytes. (Header-only files of two suppliers are
/// byte-identical too, but they are empty deliveries, not resends.)
pub(crate) fn duplicate_of(store: &Store, source: Source, sha256: &str) -> Option<String> {
    store
        .same_bytes(source, sha256)
        .filter(|e| e.rows_read > 0)
        .map(|earlier| match &earlier.purged {
            Some(p) => format!(
                "byte-identical to delivery {} ({}), purged on {} after its retention; not taken in again",
                earlier.seq,
                escaped(&earlier.file_name),
                p.date
            ),
            None => unchanged_resend(earlier.seq, &earlier.file_name),
        })
}

/// The message of a resend of delivery `seq`, still in the store.
fn unchanged_resend(seq: u64, file_name: &str) -> String {
    format!(
        "byte-identical to delivery {seq} ({}); nothing changed",
        escaped(file_name)
    )
}

/// The entry of a duplicate delivery: no rows, no warnings.
pub(crate) fn as_duplicate(entry: LedgerEntry, message: String) -> LedgerEntry {
    let mut entry = without_rows(entry, DeliveryStatus::Duplicate, message);
    entry.warnings.clear();
    entry
}

/// A delivery that stores nothing: refused or a duplicate.
fn without_rows(mut entry: LedgerEntry, status: DeliveryStatus, message: String) -> LedgerEntry {
    entry.status = status;
    entry.message = Some(message);
    entry.rows_read = 0;
    entry.rows_accepted = 0;
    entry.rows_quarantined = 0;
    entry.quarantined_by_reason.clear();
    entry.partitions.clear();
    entry.files.clear();
    entry.quarantine_file = None;
    entry
}

/// A delivery refused whole, with the message that says why.
pub(crate) fn refused(entry: LedgerEntry, message: String, started: Instant) -> Prepared {
    tracing::warn!(seq = entry.seq, "delivery refused: {message}");
    let entry = without_rows(entry, DeliveryStatus::Refused, message);
    Prepared::Entry(Box::new(entry), started)
}

/// Commits a prepared delivery. A delivery prepared beside an earlier one
/// with the same bytes (both new in this ingest) becomes a duplicate here:
/// its files are removed before the commit.
pub(crate) fn commit_in_order(
    store: &mut Store,
    entry: LedgerEntry,
    started: Instant,
    report: &mut IngestReport,
) -> Result<(), IngestError> {
    if entry.status == DeliveryStatus::Accepted
        && let Some(message) = duplicate_of(store, entry.source, &entry.sha256)
    {
        let written = entry
            .files
            .iter()
            .map(|f| f.path.clone())
            .chain(entry.quarantine_file.clone());
        for rel in written {
            let path = store.root().join(rel);
            fs::remove_file(&path).map_err(|e| {
                IngestError::Store(vroeg_store::StoreError::Io {
                    action: "removing a duplicate's file",
                    path: path.clone(),
                    source: e,
                })
            })?;
        }
        tracing::info!(seq = entry.seq, file = %escaped(&entry.file_name), "duplicate delivery; nothing changed");
        return commit(store, as_duplicate(entry, message), started, report);
    }
    commit(store, entry, started, report)
}

/// Writes the ledger entry (the commit point) and adds it to the report.
fn commit(
    store: &mut Store,
    mut entry: LedgerEntry,
    started: Instant,
    report: &mut IngestReport,
) -> Result<(), IngestError> {
    entry.ingested_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    entry.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    store.commit(entry.clone())?;
    report.entries.push(entry);
    Ok(())
}

/// Writes and commits a batch of small deliveries of one source, prepared
/// side by side, in sequence order: a delivery byte-identical to an earlier
/// one of the batch becomes a duplicate, the rows of the others go into the
/// batch's files, and one ledger file commits them all. Returns the rows
/// read and bytes of each delivery.
pub(crate) fn commit_batch_in_order(
    store: &mut Store,
    prepared: Vec<Prepared>,
    report: &mut IngestReport,
) -> Result<Vec<(u64, u64)>, IngestError> {
    let Some(head) = prepared.first().map(|p| match p {
        Prepared::Entry(e, _) | Prepared::Buffered(e, _, _) => (e.seq, e.source),
    }) else {
        return Ok(Vec::new());
    };
    let (first, source) = head;
    let header = quarantine_header(source.contract());
    let mut writer = store.begin_batch(source, first)?;
    let mut entries = Vec::with_capacity(prepared.len());
    let mut earlier: HashMap<String, (u64, String)> = HashMap::new();
    for p in prepared {
        let (entry, started) = match p {
            Prepared::Entry(e, started) => (*e, started),
            Prepared::Buffered(e, rows, started) => {
                let in_batch = earlier
                    .get(&e.sha256)
                    .map(|(seq, name)| unchanged_resend(*seq, name));
                match in_batch.or_else(|| duplicate_of(store, e.source, &e.sha256)) {
                    Some(message) => {
                        tracing::info!(seq = e.seq, file = %escaped(&e.file_name), "duplicate delivery; nothing changed");
                        (as_duplicate(*e, message), started)
                    }
                    None => {
                        writer.add(
                            e.seq,
                            &e.file_name,
                            &rows.batches,
                            (&header, &rows.quarantine),
                        )?;
                        if e.rows_read > 0 {
                            earlier
                                .entry(e.sha256.clone())
                                .or_insert_with(|| (e.seq, e.file_name.clone()));
                        }
                        (*e, started)
                    }
                }
            }
        };
        entries.push((entry, started));
    }
    let mut written = writer.finish()?;
    let many = entries.len() > 1;
    let size = entries.len() as u64;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let entries: Vec<LedgerEntry> = entries
        .into_iter()
        .map(|(mut e, started)| {
            if let Some((files, quarantine)) = written.remove(&e.seq) {
                e.files = files;
                e.quarantine_file = quarantine;
            }
            if many {
                e.batch = Some(first);
                e.batch_size = Some(size);
            }
            e.ingested_at = now.clone();
            e.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            e
        })
        .collect();
    store.commit_batch(entries.clone())?;
    let done = entries.iter().map(|e| (e.rows_read, e.bytes)).collect();
    report.entries.extend(entries);
    Ok(done)
}
