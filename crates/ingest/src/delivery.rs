//! One delivery file: read it, refuse it whole or validate its rows, and
//! write the accepted rows and the quarantine through the store (not yet
//! committed: see [`crate::commit`]).
//!
//! Validation runs in parallel chunks; everything that depends on the rows
//! before it (duplicate keys, quarantine order, Parquet) is taken in file
//! order by one [`Sink`].

use crate::commit::{as_duplicate, duplicate_of, refused};
use crate::error::IngestError;
use crate::header::{HeaderMap, read_header};
use crate::inbox::{Found, link_refusal};
use crate::parse::{LineCounter, Parsed, Segment, decode, parse_segment, reader, segments};
use crate::quarantine::{quarantine_header, quarantine_record};
use crate::unique::drop_duplicates;
use crate::validate::{ChunkOut, RowRules, validate_chunk};
use datafusion::arrow::array::RecordBatch;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Instant;
use vroeg_contracts::text::escaped;
use vroeg_contracts::{Contract, Dialect};
use vroeg_store::{DeliveryStatus, DeliveryWriter, FileSeen, LedgerEntry, Store, failpoint};

/// Rows read before a chunk is validated in parallel.
const CHUNK_ROWS: usize = 1 << 16;
/// Rows per parallel validation task.
const TASK_ROWS: usize = 1 << 13;

/// A new delivery file, read, and the sequence number it gets.
pub(crate) struct Job<'a> {
    pub found: Found,
    pub dialect: &'a Dialect,
    pub seq: u64,
    pub read: Read,
}

/// A delivery candidate after reading it.
pub(crate) enum Read {
    /// A regular file's bytes, their SHA-256 and how the file was seen.
    Bytes {
        bytes: Vec<u8>,
        sha256: String,
        seen: Option<FileSeen>,
    },
    /// A symbolic link: refused unread; where it points (escaped) and the
    /// fingerprint recorded in place of a hash.
    Link { target: String, fingerprint: String },
}

/// What preparing a delivery came to.
pub(crate) enum Prepared {
    /// Its ledger entry, ready to commit (accepted rows already moved into
    /// place), and when its work started.
    Entry(Box<LedgerEntry>, Instant),
    /// Its ledger entry and its validated rows held in memory, to be
    /// written with the other deliveries of its batch.
    Buffered(Box<LedgerEntry>, Buffered, Instant),
}

/// A small delivery's validated rows and quarantine records, held until
/// its batch is written.
#[derive(Default)]
pub(crate) struct Buffered {
    pub batches: Vec<RecordBatch>,
    pub quarantine: Vec<Vec<String>>,
}

/// Where validated rows go: straight to a delivery's files, or into memory
/// for a batch.
pub(crate) trait Target: Send {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), IngestError>;
    fn quarantine(
        &mut self,
        file_name: &str,
        header: &[&str],
        record: &[&str],
    ) -> Result<(), IngestError>;
}

impl Target for DeliveryWriter {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), IngestError> {
        Ok(DeliveryWriter::write_batch(self, batch)?)
    }

    fn quarantine(
        &mut self,
        file_name: &str,
        header: &[&str],
        record: &[&str],
    ) -> Result<(), IngestError> {
        Ok(DeliveryWriter::quarantine(self, file_name, header, record)?)
    }
}

impl Target for Buffered {
    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), IngestError> {
        if batch.num_rows() > 0 {
            self.batches.push(batch.clone());
        }
        Ok(())
    }

    fn quarantine(&mut self, _: &str, _: &[&str], record: &[&str]) -> Result<(), IngestError> {
        self.quarantine
            .push(record.iter().map(|v| v.to_string()).collect());
        Ok(())
    }
}

/// Why a segment of a large delivery did not parse.
enum SegmentError {
    /// The CSV is broken: the file is refused.
    Csv(csv::Error),
    /// Anything else stops the ingest.
    Ingest(IngestError),
}

/// The ledger entry of a new delivery before its rows are read.
fn new_entry(job: &Job<'_>, sha256: String, bytes: u64, seen: Option<FileSeen>) -> LedgerEntry {
    LedgerEntry {
        seq: job.seq,
        source: job.found.source,
        file_name: job.found.name.clone(),
        sha256,
        bytes,
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
        purged: None,
        batch: None,
        batch_size: None,
        seen,
    }
}

/// What a new delivery needs before its rows are read.
enum Settled<'j> {
    /// Nothing: a refused link, or a duplicate of a committed delivery.
    Done(Prepared),
    /// Validation of these bytes, for this entry.
    Rows(Box<LedgerEntry>, &'j [u8]),
}

/// Settles a delivery that needs no validation, or says what to validate.
fn settled<'j>(store: &Store, job: &'j Job<'_>, started: Instant) -> Settled<'j> {
    let shown_name = job.found.shown();
    let (bytes, sha256, seen) = match &job.read {
        Read::Link {
            target,
            fingerprint,
        } => {
            let entry = new_entry(job, fingerprint.clone(), 0, None);
            return Settled::Done(refused(entry, link_refusal(&shown_name, target), started));
        }
        Read::Bytes {
            bytes,
            sha256,
            seen,
        } => (bytes, sha256, seen),
    };
    let entry = new_entry(job, sha256.clone(), bytes.len() as u64, *seen);
    if let Some(message) = duplicate_of(store, job.found.source, &entry.sha256) {
        tracing::info!(file = %shown_name, "duplicate delivery; nothing changed");
        return Settled::Done(Prepared::Entry(
            Box::new(as_duplicate(entry, message)),
            started,
        ));
    }
    Settled::Rows(Box::new(entry), bytes)
}

/// Validates and writes one new delivery (its accepted rows moved into
/// place, not yet committed). A symbolic link is refused unread.
pub(crate) fn prepare(store: &Store, job: &Job<'_>) -> Result<Prepared, IngestError> {
    let started = Instant::now();
    let (entry, bytes) = match settled(store, job, started) {
        Settled::Done(done) => return Ok(done),
        Settled::Rows(entry, bytes) => (*entry, bytes),
    };
    let mut writer = store.begin_delivery(job.found.source, entry.seq)?;
    match take_rows(job, bytes, entry, started, &mut writer)? {
        Err(refused) => Ok(refused),
        Ok(mut entry) => {
            let (files, quarantine) = writer.finish()?;
            entry.files = files;
            entry.quarantine_file = quarantine;
            Ok(Prepared::Entry(Box::new(entry), started))
        }
    }
}

/// Validates one small delivery into memory, for its batch.
pub(crate) fn prepare_buffered(store: &Store, job: &Job<'_>) -> Result<Prepared, IngestError> {
    let started = Instant::now();
    let (entry, bytes) = match settled(store, job, started) {
        Settled::Done(done) => return Ok(done),
        Settled::Rows(entry, bytes) => (*entry, bytes),
    };
    let mut buffer = Buffered::default();
    Ok(match take_rows(job, bytes, entry, started, &mut buffer)? {
        Err(refused) => refused,
        Ok(entry) => Prepared::Buffered(Box::new(entry), buffer, started),
    })
}

/// Validates a delivery's rows and writes the accepted ones (or refuses the
/// file).
/// `Ok(Ok(entry))` with the rows taken, `Ok(Err(refused))` when the file
/// is refused whole.
fn take_rows<T: Target>(
    job: &Job<'_>,
    bytes: &[u8],
    mut entry: LedgerEntry,
    started: Instant,
    writer: &mut T,
) -> Result<Result<LedgerEntry, Prepared>, IngestError> {
    let (source, dialect) = (job.found.source, job.dialect);
    let shown_name = job.found.shown();
    let refused = |entry, msg| Ok(Err(refused(entry, msg, started)));
    let body = match decode(bytes, &shown_name) {
        Ok(body) => body,
        Err(msg) => return refused(entry, msg),
    };
    let mut reader = reader(dialect.delimiter, body.as_bytes());
    let contract = source.contract();
    let mut record = csv::StringRecord::new();
    let header = match reader.read_record(&mut record) {
        Ok(true) => {
            let names: Vec<&str> = record.iter().collect();
            match read_header(contract, &names, &shown_name) {
                Ok(h) => h,
                Err(msg) => return refused(entry, msg),
            }
        }
        Ok(false) => {
            let msg =
                format!("{shown_name} has no header row; a delivery starts with the column names");
            return refused(entry, msg);
        }
        Err(e) => return refused(entry, format!("{shown_name}: {e}")),
    };
    if !header.extra.is_empty() {
        let warning = format!(
            "extra column(s) {} in {shown_name} ignored",
            header
                .extra
                .iter()
                .map(|c| format!("`{}`", escaped(c)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        tracing::warn!("{warning}");
        entry.warnings.push(warning);
    }

    let rules = RowRules::new(contract, dialect, &header, entry.seq)?;
    let quarantine_header = quarantine_header(contract);
    let mut sink = Sink {
        entry: &mut entry,
        writer,
        // sized for the whole file up front: no rehashing of millions of keys
        seen: if contract.unique.is_some() {
            HashSet::with_capacity(body.len() / 48)
        } else {
            HashSet::new()
        },
        partitions: BTreeSet::new(),
        header: &header,
        dialect,
        contract,
        quarantine_header: &quarantine_header,
        shown_name: &shown_name,
    };
    let header_end = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
    if let Some(segments) = segments(body.as_bytes(), header_end) {
        // No quotes: every line end ends a record, so segments of the file
        // are parsed and validated in parallel while the previous group is
        // taken in order (duplicate keys, quarantine, Parquet).
        let group = rayon::current_num_threads().max(1) * 2;
        let parse = |batch: &[Segment]| -> Vec<Result<Parsed, SegmentError>> {
            batch
                .par_iter()
                .map(|seg| {
                    let rows = parse_segment(body.as_bytes(), seg, dialect.delimiter)
                        .map_err(SegmentError::Csv)?;
                    let out = validate_chunk(&rules, &rows).map_err(SegmentError::Ingest)?;
                    Ok((rows, out))
                })
                .collect()
        };
        let groups: Vec<&[Segment]> = segments.chunks(group).collect();
        let mut parsed = groups.first().map(|g| parse(g)).unwrap_or_default();
        for i in 0..groups.len() {
            let next = groups.get(i + 1).copied();
            let absorb = |sink: &mut Sink<'_, T>, parsed: Vec<Result<Parsed, SegmentError>>| {
                for p in parsed {
                    match p {
                        Ok((rows, out)) => sink.absorb(&rows, out)?,
                        Err(SegmentError::Csv(e)) => return Ok(Some(e)),
                        Err(SegmentError::Ingest(e)) => return Err(e),
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
                return refused(entry, format!("{shown_name}: {e}"));
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
                        return refused(entry, format!("{shown_name}: {e}"));
                    }
                }
            }
            let outs: Vec<Result<ChunkOut, IngestError>> = chunk
                .par_chunks(TASK_ROWS)
                .map(|rows| validate_chunk(&rules, rows))
                .collect();
            for (task, out) in outs.into_iter().enumerate() {
                let rows = chunk.get(task * TASK_ROWS..).unwrap_or_default();
                sink.absorb(rows, out?)?;
            }
            if first {
                failpoint("mid-write");
                first = false;
            }
        }
    }
    let partitions = std::mem::take(&mut sink.partitions);
    drop(sink);
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
    Ok(Ok(entry))
}

/// Where validated chunks of one delivery go, in file order.
struct Sink<'a, T: Target> {
    entry: &'a mut LedgerEntry,
    writer: &'a mut T,
    seen: HashSet<u128>,
    partitions: BTreeSet<Vec<String>>,
    header: &'a HeaderMap,
    dialect: &'a Dialect,
    contract: &'static Contract,
    quarantine_header: &'a [&'static str],
    shown_name: &'a str,
}

impl<T: Target> Sink<'_, T> {
    /// Takes one validated chunk: duplicate keys against earlier chunks,
    /// counts, quarantine records, accepted rows.
    fn absorb(
        &mut self,
        rows: &[(u64, csv::StringRecord)],
        mut out: ChunkOut,
    ) -> Result<(), IngestError> {
        if let Some(unique) = self.contract.unique {
            drop_duplicates(unique.first().copied(), &mut out, rows, &mut self.seen)?;
        }
        let entry = &mut *self.entry;
        entry.rows_read += (out.accepted.len() + out.rejected.len()) as u64;
        entry.rows_accepted += out.batch.num_rows() as u64;
        let empty = csv::StringRecord::new();
        for r in &out.rejected {
            entry.rows_quarantined += 1;
            *entry
                .quarantined_by_reason
                .entry(r.reason.code().to_string())
                .or_default() += 1;
            tracing::debug!(file = %self.shown_name, line = r.line, reason = %r.reason, column = r.column.unwrap_or(""), "row quarantined");
            let fields = rows.get(r.index).map_or(&empty, |row| &row.1);
            let record = quarantine_record(self.header, self.dialect, r, fields);
            let record: Vec<&str> = record.iter().map(String::as_str).collect();
            self.writer
                .quarantine(&entry.file_name, self.quarantine_header, &record)?;
        }
        self.writer.write_batch(&out.batch)?;
        self.partitions.extend(out.partitions);
        Ok(())
    }
}
