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

fn as_duplicate(entry: LedgerEntry, message: String) -> LedgerEntry {
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
    let source = job.source;
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
    take_rows(store, job, &bytes, entry, started, shown_name)
}

/// Validates a delivery's rows and writes the accepted ones (or refuses the
/// file).
fn take_rows(
    store: &Store,
    job: &Job<'_>,
    bytes: &[u8],
    mut entry: LedgerEntry,
    started: Instant,
    shown_name: String,
) -> Result<Prepared, IngestError> {
    let (source, dialect) = (job.source, job.dialect);
    let text = match std::str::from_utf8(bytes) {
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
    let mut sink = Sink {
        entry: &mut entry,
        writer: &mut writer,
        // sized for the whole file up front: no rehashing of millions of keys
        seen: if contract.unique.is_some() {
            HashSet::with_capacity(body.len() / 48)
        } else {
            HashSet::new()
        },
        partitions: std::collections::BTreeSet::new(),
        header: &header,
        dialect,
        contract,
        quarantine_header: &quarantine_header,
        shown_name: &shown_name,
    };
    let header_end = reader.position().byte() as usize;
    if let Some(segments) = segments(body.as_bytes(), header_end) {
        // No quotes: every line end ends a record, so segments of the file
        // are parsed and validated in parallel while the previous group is
        // taken in order (duplicate keys, quarantine, Parquet).
        let group = rayon::current_num_threads() * 2;
        let parse = |batch: &[Segment]| -> Vec<Result<Parsed, csv::Error>> {
            batch
                .par_iter()
                .map(|seg| {
                    let rows = parse_segment(body.as_bytes(), seg, dialect.delimiter)?;
                    let out = validate_chunk(&rules, &rows);
                    let hashes = unique_hashes(contract, &out);
                    Ok((rows, (out, hashes)))
                })
                .collect()
        };
        let groups: Vec<&[Segment]> = segments.chunks(group).collect();
        let mut parsed = parse(groups[0]);
        for i in 0..groups.len() {
            let next = groups.get(i + 1).copied();
            let absorb = |sink: &mut Sink<'_>, parsed: Vec<Result<Parsed, csv::Error>>| {
                for p in parsed {
                    match p {
                        Ok((rows, out)) => sink.absorb(&rows, out)?,
                        Err(e) => return Ok(Some(e)),
                    }
                }
                Ok::<_, IngestError>(None)
            };
            let (taken, following) = rayon::join(
                || absorb(&mut sink, std::mem::take(&mut parsed)),
                || next.map(parse).unwrap_or_default(),
            );
            if let Some(e) = taken? {
                drop(sink);
                drop(writer);
                return Ok(refused(entry, format!("{shown_name}: {e}"), started));
            }
            parsed = following;
            if i == 0 {
                failpoint("mid-write");
            }
        }
    } else {
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
                        drop(sink);
                        drop(writer);
                        return Ok(refused(entry, format!("{shown_name}: {e}"), started));
                    }
                }
            }
            let outs: Vec<(ChunkOut, Vec<u128>)> = chunk
                .par_chunks(TASK_ROWS)
                .map(|rows| {
                    let out = validate_chunk(&rules, rows);
                    let hashes = unique_hashes(contract, &out);
                    (out, hashes)
                })
                .collect();
            for (task, out) in outs.into_iter().enumerate() {
                sink.absorb(&chunk[task * TASK_ROWS..], out)?;
            }
            if first {
                failpoint("mid-write");
                first = false;
            }
        }
    }
    let partitions = std::mem::take(&mut sink.partitions);
    drop(sink);
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

/// Where validated chunks of one delivery go, in file order.
struct Sink<'a> {
    entry: &'a mut LedgerEntry,
    writer: &'a mut vroeg_store::DeliveryWriter,
    seen: HashSet<u128>,
    partitions: std::collections::BTreeSet<Vec<String>>,
    header: &'a HeaderMap,
    dialect: &'a Dialect,
    contract: &'static Contract,
    quarantine_header: &'a [&'static str],
    shown_name: &'a str,
}

impl Sink<'_> {
    /// Takes one validated chunk: duplicate keys against earlier chunks,
    /// counts, quarantine records, accepted rows.
    fn absorb(
        &mut self,
        rows: &[(u64, csv::StringRecord)],
        (mut out, hashes): (ChunkOut, Vec<u128>),
    ) -> Result<(), IngestError> {
        if let Some(unique) = self.contract.unique {
            drop_duplicates(
                self.contract,
                unique,
                &mut out,
                &hashes,
                rows,
                &mut self.seen,
            )?;
        }
        let entry = &mut *self.entry;
        entry.rows_read += (out.accepted.len() + out.rejected.len()) as u64;
        entry.rows_accepted += out.batch.num_rows() as u64;
        for r in &out.rejected {
            entry.rows_quarantined += 1;
            *entry
                .quarantined_by_reason
                .entry(r.reason.code().to_string())
                .or_default() += 1;
            tracing::debug!(file = %self.shown_name, line = r.line, reason = %r.reason, column = r.column.unwrap_or(""), "row quarantined");
            let record = quarantine_record(self.header, self.dialect, r, &rows[r.index].1);
            let record: Vec<&str> = record.iter().map(String::as_str).collect();
            self.writer
                .quarantine(&entry.file_name, self.quarantine_header, &record)?;
        }
        self.writer.write_batch(&out.batch)?;
        self.partitions.extend(out.partitions);
        Ok(())
    }
}

/// One parsed and validated segment: its rows, the validation result and
/// the rows' unique-key hashes.
type Parsed = (Vec<(u64, csv::StringRecord)>, (ChunkOut, Vec<u128>));

/// Bytes per segment of a large quote-free delivery.
const SEGMENT_BYTES: usize = 4 << 20;

/// A part of a delivery's body that ends at a line end: its byte range and
/// the physical line number of its first byte.
struct Segment {
    start: usize,
    end: usize,
    line: u64,
}

/// Splits the records after the header into segments at line ends, when
/// that is safe: no `"` anywhere (so no quoted line end) and no `\r` that
/// is not followed by `\n` (the csv crate ends records there too). `None`
/// otherwise, or when the body is small.
fn segments(body: &[u8], header_end: usize) -> Option<Vec<Segment>> {
    if body.len() - header_end.min(body.len()) < 2 * SEGMENT_BYTES {
        return None;
    }
    let unsafe_split = body.par_chunks(1 << 20).enumerate().any(|(i, c)| {
        c.iter().enumerate().any(|(j, &b)| {
            b == b'"' || (b == b'\r' && body.get(i * (1 << 20) + j + 1) != Some(&b'\n'))
        })
    });
    if unsafe_split || header_end == 0 || body[header_end - 1] != b'\n' {
        return None;
    }
    let mut bounds = Vec::new();
    let mut start = header_end;
    while start < body.len() {
        let end = match body[(start + SEGMENT_BYTES).min(body.len())..]
            .iter()
            .position(|&b| b == b'\n')
        {
            Some(i) => (start + SEGMENT_BYTES).min(body.len()) + i + 1,
            None => body.len(),
        };
        bounds.push((start, end));
        start = end;
    }
    let newlines: Vec<u64> = bounds
        .par_iter()
        .map(|&(s, e)| body[s..e].iter().filter(|&&b| b == b'\n').count() as u64)
        .collect();
    let mut line = 1 + body[..header_end].iter().filter(|&&b| b == b'\n').count() as u64;
    let mut out = Vec::with_capacity(bounds.len());
    for ((start, end), n) in bounds.into_iter().zip(newlines) {
        out.push(Segment { start, end, line });
        line += n;
    }
    Some(out)
}

/// The records of one segment with their physical line numbers.
fn parse_segment(
    body: &[u8],
    seg: &Segment,
    delimiter: u8,
) -> Result<Vec<(u64, csv::StringRecord)>, csv::Error> {
    let text = &body[seg.start..seg.end];
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    let mut lines = LineCounter {
        text,
        byte: 0,
        line: seg.line,
    };
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    while reader.read_record(&mut rec)? {
        let line = lines.line_at(rec.position().map_or(0, |p| p.byte()));
        rows.push((line, std::mem::take(&mut rec)));
    }
    Ok(rows)
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

/// A 128-bit hash of each accepted row's unique columns and partition
/// date, computed in the parallel part; empty for sources without unique
/// columns.
fn unique_hashes(contract: &Contract, out: &ChunkOut) -> Vec<u128> {
    let Some(unique) = contract.unique else {
        return Vec::new();
    };
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
    (0..out.accepted.len())
        .map(|i| {
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
            (u128::from(a.finish()) << 64) | u128::from(b.finish())
        })
        .collect()
}

/// Moves rows whose unique columns repeat within one partition value (an
/// earlier accepted row has them) to the rejected list as `duplicate_key`.
fn drop_duplicates(
    contract: &Contract,
    unique: &'static [&'static str],
    out: &mut ChunkOut,
    hashes: &[u128],
    rows: &[(u64, csv::StringRecord)],
    seen: &mut HashSet<u128>,
) -> Result<(), IngestError> {
    let batch = &out.batch;
    let mut keep = Vec::with_capacity(batch.num_rows());
    let mut accepted = Vec::with_capacity(batch.num_rows());
    for (index, key) in out.accepted.iter().zip(hashes) {
        let fresh = seen.insert(*key);
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

fn refused(entry: LedgerEntry, message: String, started: Instant) -> Prepared {
    tracing::warn!(seq = entry.seq, "delivery refused: {message}");
    let entry = without_rows(entry, DeliveryStatus::Refused, message);
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

#[cfg(test)]
mod segment_tests {
    use super::*;

    fn body(lines: usize) -> Vec<u8> {
        let mut b = b"a,b\n".to_vec();
        for i in 0..lines {
            b.extend_from_slice(format!("{i:0>30},x\r\n").as_bytes());
        }
        b
    }

    #[test]
    fn segments_split_at_line_ends_and_know_their_lines() {
        let b = body(300_000); // 33 bytes a line: about 9.4 MiB
        let segs = segments(&b, 4).expect("quote-free and large");
        assert!(segs.len() >= 2);
        assert_eq!((segs[0].start, segs[0].line), (4, 2));
        for w in segs.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert_eq!(b[w[0].end - 1], b'\n');
            let lines_before = b[..w[1].start].iter().filter(|&&c| c == b'\n').count() as u64;
            assert_eq!(w[1].line, lines_before + 1);
        }
        assert_eq!(segs.last().unwrap().end, b.len());
        let rows: usize = segs
            .iter()
            .map(|s| parse_segment(&b, s, b',').unwrap().len())
            .sum();
        assert_eq!(rows, 300_000);
        let last = parse_segment(&b, segs.last().unwrap(), b',').unwrap();
        assert_eq!(
            last.last().unwrap().0,
            300_001,
            "the last row's physical line"
        );
    }

    #[test]
    fn quotes_bare_carriage_returns_and_small_bodies_are_not_split() {
        let mut quoted = body(300_000);
        quoted[5_000_000] = b'"';
        assert!(segments(&quoted, 4).is_none());
        let mut bare_cr = body(300_000);
        let at = bare_cr.len() - 1; // the last "\r\n" loses its "\n"
        bare_cr[at] = b'x';
        assert!(segments(&bare_cr, 4).is_none());
        assert!(segments(&body(1_000), 4).is_none());
    }
}
