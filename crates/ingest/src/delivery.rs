//! Taking deliveries from the inbox. Sequence numbers follow the name order
//! within each source folder; deliveries are validated and written several
//! at a time (a window of files, in parallel) and committed one by one in
//! sequence order, so a crash leaves the store at a delivery boundary.

use crate::error::IngestError;
use crate::header::{HeaderMap, read_header};
use crate::validate::{ChunkOut, Rejected, RowRules, validate_chunk};
use datafusion::arrow::array::{Array, BooleanArray, Date32Array, StringArray};
use datafusion::arrow::compute::filter_record_batch;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;
use vroeg_contracts::text::shown;
use vroeg_contracts::{Contract, Dialect, Reason, Source};
use vroeg_store::{DeliveryStatus, LedgerEntry, Store, failpoint};

/// Rows read before a chunk is validated in parallel.
const CHUNK_ROWS: usize = 1 << 16;
/// Rows per parallel validation task.
const TASK_ROWS: usize = 1 << 13;
/// Bytes of delivery files prepared at once (at least one file): bounds the
/// memory of parallel validation.
const WINDOW_BYTES: u64 = 256 << 20;
/// Files prepared at once.
const WINDOW_FILES: usize = 16;

/// A new delivery file and the sequence number it gets.
struct Job<'a> {
    source: Source,
    path: PathBuf,
    dialect: &'a Dialect,
    seq: u64,
    bytes: u64,
}

/// What preparing a delivery came to.
enum Prepared {
    /// The file could not be read: `source/file` and the error.
    Unreadable(String, String),
    /// Its ledger entry, ready to commit (accepted rows already moved into
    /// place), and when its work started.
    Entry(Box<LedgerEntry>, Instant),
}

/// What one ingest did.
#[derive(Debug, Default)]
pub struct IngestReport {
    /// The ledger entries written by this ingest, in order: accepted,
    /// refused and duplicate deliveries.
    pub entries: Vec<LedgerEntry>,
    /// Files skipped because they were taken in before (same name, same
    /// bytes).
    pub skipped: usize,
    /// Files that could not be read at all (retried next time), with the
    /// error.
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
pub fn ingest(
    store: &mut Store,
    inbox: &Path,
    dialects: &BTreeMap<Source, Dialect>,
) -> Result<IngestReport, IngestError> {
    let listing = fs::read_dir(inbox).map_err(|source| IngestError::Inbox {
        path: inbox.to_path_buf(),
        source,
    })?;
    for entry in listing.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && Source::from_name(&name).is_none() && !name.starts_with('.') {
            tracing::warn!(folder = %name, "inbox folder is not a source of the contract; ignored");
        }
    }
    let mut report = IngestReport::default();
    let default = Dialect::default();
    let mut found = Vec::new();
    for source in Source::ALL {
        let folder = inbox.join(source.name());
        if !folder.is_dir() {
            continue;
        }
        let mut files: Vec<_> = fs::read_dir(&folder)
            .map_err(|e| IngestError::Inbox {
                path: folder.clone(),
                source: e,
            })?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        for path in files {
            if path.extension().and_then(|e| e.to_str()) != Some("csv") {
                tracing::warn!(file = %path.display(), "not a .csv file; ignored");
                continue;
            }
            found.push((source, path));
        }
    }
    // A file under a name taken in before is new only if its bytes changed.
    let taken: Vec<bool> = found
        .par_iter()
        .map(|(source, path)| {
            let name = file_name(path);
            store.has_delivery_named(*source, &name)
                && fs::read(path).is_ok_and(|b| {
                    let sha = hex::encode(Sha256::digest(&b));
                    store.already_taken(*source, &name, &sha).is_some()
                })
        })
        .collect();
    let mut seq = store.next_seq();
    let mut jobs = Vec::new();
    for ((source, path), taken) in found.into_iter().zip(taken) {
        if taken {
            report.skipped += 1;
            continue;
        }
        let bytes = fs::metadata(&path).map_or(0, |m| m.len());
        let dialect = dialects.get(&source).unwrap_or(&default);
        jobs.push(Job {
            source,
            path,
            dialect,
            seq,
            bytes,
        });
        seq += 1;
    }
    let mut start = 0;
    while start < jobs.len() {
        let mut end = start + 1;
        let mut bytes = jobs[start].bytes;
        while end < jobs.len()
            && end - start < WINDOW_FILES
            && bytes + jobs[end].bytes <= WINDOW_BYTES
        {
            bytes += jobs[end].bytes;
            end += 1;
        }
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

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The message of a duplicate: an earlier accepted delivery of the source,
/// with rows, has the same bytes. (Header-only files of two suppliers are
/// byte-identical too, but they are empty deliveries, not resends.)
fn duplicate_of(store: &Store, source: Source, sha256: &str) -> Option<String> {
    store
        .same_bytes(source, sha256)
        .filter(|e| e.rows_read > 0)
        .map(|earlier| {
            format!(
                "byte-identical to delivery {} ({}); nothing changed",
                earlier.seq, earlier.file_name
            )
        })
}

fn as_duplicate(mut entry: LedgerEntry, message: String) -> LedgerEntry {
    entry.status = DeliveryStatus::Duplicate;
    entry.message = Some(message);
    entry.rows_read = 0;
    entry.rows_accepted = 0;
    entry.rows_quarantined = 0;
    entry.quarantined_by_reason.clear();
    entry.partitions.clear();
    entry.warnings.clear();
    entry.files.clear();
    entry.quarantine_file = None;
    entry
}

/// Commits a prepared delivery. A delivery prepared beside an earlier one
/// with the same bytes (both new in this ingest) becomes a duplicate here:
/// its files are removed before the commit.
fn commit_in_order(
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
        tracing::info!(seq = entry.seq, file = %entry.file_name, "duplicate delivery; nothing changed");
        return commit(store, as_duplicate(entry, message), started, report);
    }
    commit(store, entry, started, report)
}

/// Reads, validates and writes one new delivery (its accepted rows moved
/// into place, not yet committed).
fn prepare(store: &Store, job: &Job<'_>) -> Result<Prepared, IngestError> {
    let started = Instant::now();
    let (source, dialect) = (job.source, job.dialect);
    let file_name = file_name(&job.path);
    let shown_name = format!("{}/{}", source.name(), file_name);
    let bytes = match fs::read(&job.path) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(file = %shown_name, error = %e, "cannot read delivery; it will be tried again next time");
            return Ok(Prepared::Unreadable(shown_name, e.to_string()));
        }
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let entry = LedgerEntry {
        seq: job.seq,
        source,
        file_name,
        sha256,
        bytes: bytes.len() as u64,
        status: DeliveryStatus::Accepted,
        rows_read: 0,
        rows_accepted: 0,
        rows_quarantined: 0,
        quarantined_by_reason: BTreeMap::new(),
        message: None,
        warnings: Vec::new(),
        partitions: Vec::new(),
        files: Vec::new(),
        quarantine_file: None,
        ingested_at: String::new(),
        duration_ms: 0,
    };
    if let Some(message) = duplicate_of(store, source, &entry.sha256) {
        tracing::info!(file = %shown_name, "duplicate delivery; nothing changed");
        return Ok(Prepared::Entry(
            Box::new(as_duplicate(entry, message)),
            started,
        ));
    }
    let mut entry = entry;
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            let msg = format!(
                "{shown_name} is not valid UTF-8 (first invalid byte on line {line}); ask the supplier to export it as UTF-8"
            );
            return Ok(refused(entry, msg, started));
        }
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(dialect.delimiter)
        .from_reader(body.as_bytes());
    let contract = source.contract();
    let mut record = csv::StringRecord::new();
    let header = match reader.read_record(&mut record) {
        Ok(true) => {
            let names: Vec<&str> = record.iter().collect();
            match read_header(contract, &names, &shown_name) {
                Ok(h) => h,
                Err(msg) => return Ok(refused(entry, msg, started)),
            }
        }
        Ok(false) => {
            let msg =
                format!("{shown_name} has no header row; a delivery starts with the column names");
            return Ok(refused(entry, msg, started));
        }
        Err(e) => return Ok(refused(entry, format!("{shown_name}: {e}"), started)),
    };
    if !header.extra.is_empty() {
        let warning = format!(
            "extra column(s) {} in {shown_name} ignored",
            header
                .extra
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        tracing::warn!("{warning}");
        entry.warnings.push(warning);
    }

    let rules = RowRules::new(contract, dialect, &header, entry.seq);
    let mut writer = store.begin_delivery(source, entry.seq)?;
    let quarantine_header = quarantine_header(contract);
    let mut seen = HashSet::new();
    let mut partitions = std::collections::BTreeSet::new();
    let mut chunk: Vec<(u64, csv::StringRecord)> = Vec::with_capacity(CHUNK_ROWS);
    let mut done = false;
    let mut first = true;
    let mut lines = LineCounter::new(body.as_bytes());
    while !done {
        chunk.clear();
        while chunk.len() < CHUNK_ROWS {
            let mut rec = csv::StringRecord::new();
            match reader.read_record(&mut rec) {
                Ok(true) => {
                    let line = lines.line_at(rec.position().map_or(0, |p| p.byte()));
                    chunk.push((line, rec));
                }
                Ok(false) => {
                    done = true;
                    break;
                }
                Err(e) => {
                    drop(writer);
                    return Ok(refused(entry, format!("{shown_name}: {e}"), started));
                }
            }
        }
        let outs: Vec<ChunkOut> = chunk
            .par_chunks(TASK_ROWS)
            .map(|rows| validate_chunk(&rules, rows))
            .collect();
        for (task, mut out) in outs.into_iter().enumerate() {
            let rows = &chunk[task * TASK_ROWS..];
            if let Some(unique) = contract.unique {
                drop_duplicates(contract, unique, &mut out, rows, &mut seen)?;
            }
            entry.rows_read += (out.accepted.len() + out.rejected.len()) as u64;
            entry.rows_accepted += out.batch.num_rows() as u64;
            for r in &out.rejected {
                entry.rows_quarantined += 1;
                *entry
                    .quarantined_by_reason
                    .entry(r.reason.code().to_string())
                    .or_default() += 1;
                tracing::debug!(file = %shown_name, line = r.line, reason = %r.reason, column = r.column.unwrap_or(""), "row quarantined");
                let record = quarantine_record(&header, dialect, r, &rows[r.index].1);
                let record: Vec<&str> = record.iter().map(String::as_str).collect();
                writer.quarantine(&entry.file_name, &quarantine_header, &record)?;
            }
            writer.write_batch(&out.batch)?;
            partitions.extend(out.partitions);
        }
        if first {
            failpoint("mid-write");
            first = false;
        }
    }
    let (files, quarantine) = writer.finish()?;
    entry.files = files;
    entry.quarantine_file = quarantine;
    entry.partitions = partitions.into_iter().collect();
    if entry.rows_quarantined > 0 {
        tracing::info!(
            file = %shown_name,
            seq = entry.seq,
            read = entry.rows_read,
            accepted = entry.rows_accepted,
            quarantined = entry.rows_quarantined,
            "delivery taken in, with quarantined rows"
        );
    } else {
        tracing::debug!(file = %shown_name, seq = entry.seq, read = entry.rows_read, "delivery taken in");
    }
    Ok(Prepared::Entry(Box::new(entry), started))
}

/// Physical line numbers from byte offsets, counted incrementally. (The csv
/// crate's own line counter does not count `\r\n` and blank lines the way
/// people number lines in an editor.)
struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            byte: 0,
            line: 1,
        }
    }

    /// The line of the byte at `offset`; offsets must not decrease.
    fn line_at(&mut self, offset: u64) -> u64 {
        let offset = (offset as usize).min(self.text.len());
        self.line += self.text[self.byte..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.byte = offset;
        // a record never starts on a blank line: skip line ends at its start
        let mut line = self.line;
        for b in &self.text[offset..] {
            match b {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
        }
        line
    }
}

/// Moves rows whose unique columns repeat within one partition value (an
/// earlier accepted row has them) to the rejected list as `duplicate_key`.
fn drop_duplicates(
    contract: &Contract,
    unique: &'static [&'static str],
    out: &mut ChunkOut,
    rows: &[(u64, csv::StringRecord)],
    seen: &mut HashSet<u128>,
) -> Result<(), IngestError> {
    let batch = &out.batch;
    let strings: Vec<&StringArray> = unique
        .iter()
        .map(|c| {
            batch
                .column(contract.index_of(c).expect("contract column"))
                .as_any()
                .downcast_ref::<StringArray>()
                .expect("unique columns are strings")
        })
        .collect();
    let dates: Vec<&Date32Array> = contract
        .partition_key
        .iter()
        .map(|c| {
            batch
                .column(contract.index_of(c).expect("contract column"))
                .as_any()
                .downcast_ref::<Date32Array>()
                .expect("this partition key is a date")
        })
        .collect();
    let mut keep = Vec::with_capacity(batch.num_rows());
    let mut accepted = Vec::with_capacity(batch.num_rows());
    for (i, index) in out.accepted.iter().enumerate() {
        let mut a = DefaultHasher::new();
        let mut b = DefaultHasher::new();
        b.write_u8(0x5a);
        for s in &strings {
            s.value(i).hash(&mut a);
            s.value(i).hash(&mut b);
        }
        for d in &dates {
            d.value(i).hash(&mut a);
            d.value(i).hash(&mut b);
        }
        let key = (u128::from(a.finish()) << 64) | u128::from(b.finish());
        let fresh = seen.insert(key);
        keep.push(fresh);
        if fresh {
            accepted.push(*index);
        } else {
            let column = unique.first().copied();
            out.rejected.push(Rejected {
                line: rows[*index].0,
                reason: Reason::DuplicateKey,
                column: column.and_then(|c| {
                    contract
                        .columns
                        .iter()
                        .find(|k| k.name == c)
                        .map(|k| k.name)
                }),
                index: *index,
            });
        }
    }
    if accepted.len() != out.accepted.len() {
        out.batch = filter_record_batch(batch, &BooleanArray::from(keep))
            .map_err(vroeg_store::StoreError::from)?;
        out.accepted = accepted;
        out.rejected.sort_by_key(|r| r.line);
    }
    Ok(())
}

/// The quarantine file's columns: where and why, then the row.
fn quarantine_header(contract: &Contract) -> Vec<&'static str> {
    let mut h = vec!["line", "reason", "column"];
    h.extend(contract.columns.iter().map(|c| c.name));
    h.push("unmapped");
    h
}

/// One quarantine row: the contract columns as delivered (the unmapped
/// fields for a malformed row), with anything that looks like a citizen
/// service number redacted and formulas defused.
fn quarantine_record(
    header: &HeaderMap,
    dialect: &Dialect,
    r: &Rejected,
    fields: &csv::StringRecord,
) -> Vec<String> {
    let mut rec = vec![
        r.line.to_string(),
        r.reason.code().to_string(),
        r.column.unwrap_or("").to_string(),
    ];
    if r.reason == Reason::MalformedRow {
        rec.extend(header.positions.iter().map(|_| String::new()));
        let sep = char::from(dialect.delimiter).to_string();
        rec.push(
            fields
                .iter()
                .map(|f| shown(f).into_owned())
                .collect::<Vec<_>>()
                .join(&sep),
        );
    } else {
        rec.extend(header.positions.iter().map(|p| {
            p.map(|p| shown(&fields[p]).into_owned())
                .unwrap_or_default()
        }));
        rec.push(String::new());
    }
    rec
}

fn refused(mut entry: LedgerEntry, message: String, started: Instant) -> Prepared {
    tracing::warn!(seq = entry.seq, "delivery refused: {message}");
    entry.status = DeliveryStatus::Refused;
    entry.message = Some(message);
    entry.rows_read = 0;
    entry.rows_accepted = 0;
    entry.rows_quarantined = 0;
    entry.quarantined_by_reason.clear();
    Prepared::Entry(Box::new(entry), started)
}

fn commit(
    store: &mut Store,
    mut entry: LedgerEntry,
    started: Instant,
    report: &mut IngestReport,
) -> Result<(), IngestError> {
    entry.ingested_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    entry.duration_ms = started.elapsed().as_millis() as u64;
    store.commit(entry.clone())?;
    report.entries.push(entry);
    Ok(())
}
