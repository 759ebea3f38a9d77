//! Retention: which stored periods, quarantine files and run records are
//! past their retention, and deleting them so that a kill at any moment
//! leaves the store readable and the purge resumable.
//!
//! A purge is planned first ([`ReadOnlyStore::plan_purge`]): every file to
//! delete with its SHA-256 and rows, which is the account. Then:
//!
//! 1. the caller writes the plan to the journal ([`Store::write_purge_journal`]);
//! 2. [`Store::forget_purged`] rewrites the ledger entries of the deliveries
//!    concerned, one atomic rename each, in sequence order: the purged files
//!    and partition values leave the entry and its `purged` record names
//!    them. A partition value leaves the older deliveries first, so at no
//!    moment does a replaced row become live again;
//! 3. [`Store::delete_purged`] deletes the files, which no entry names any
//!    more, and the run records (leaving `runs/NNNNNN.purged`, so that their
//!    numbers are never given again);
//! 4. the caller appends the account to the audit log and clears the
//!    journal.
//!
//! Every step skips what is already done, so running the plan again from
//! the journal finishes an interrupted purge.

use crate::durable;
use crate::error::StoreError;
use crate::layout::Store;
use crate::ledger::{DeliveryStatus, LedgerEntry, Purged, PurgedFile};
use crate::reader::{LedgerFile, ReadOnlyStore, ledger_path};
use crate::runs::RunRecord;
use crate::view::StoreView;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::Path;
use vroeg_contracts::Source;

/// The journal of a purge under way, in the store root.
pub const JOURNAL: &str = "purge-pending.json";

/// What the pipeline file allows the store to keep.
#[derive(Debug, Clone)]
pub struct Retention {
    /// The day the retention is counted back from.
    pub today: NaiveDate,
    /// Days a stored period is kept after its last day, per source; a
    /// source not named is kept.
    pub sources: BTreeMap<Source, i64>,
    /// Days a quarantine file is kept after its delivery was taken in;
    /// `None`: until its delivery's periods are purged.
    pub quarantine_days: Option<i64>,
}

/// One deleted file: where it was, its rows and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedFile {
    /// Path relative to the store root (or, for outputs, the out folder).
    pub path: String,
    /// Rows in it (for data files; absent for outputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// One stored period of a source, past its retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodPurge {
    /// The source.
    pub source: Source,
    /// `YYYY-MM`.
    pub period: String,
    /// The deliveries with rows in it.
    pub deliveries: Vec<u64>,
    /// Rows stored in it (replaced ones included).
    pub rows: u64,
    /// Its files.
    pub files: Vec<DeletedFile>,
}

/// A quarantine file past its retention or of a delivery with a purged
/// period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinePurge {
    /// The source.
    pub source: Source,
    /// The delivery.
    pub delivery: u64,
    /// Why: `period purged` or `quarantine retention`.
    pub why: String,
    /// The file (rows: the quarantined rows).
    pub file: DeletedFile,
}

/// A run record past the outputs' retention, or whose as-of needs purged
/// periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunPurge {
    /// Its number in the run history.
    pub seq: u64,
    /// The run id.
    pub run_id: String,
    /// The pipeline.
    pub pipeline: String,
    /// The as-of date.
    pub as_of: String,
    /// When it finished.
    pub finished_at: String,
    /// Why it goes.
    pub why: String,
    /// The record and its listed households.
    pub files: Vec<DeletedFile>,
}

/// What a purge deletes from the store: the account, before anything is
/// deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorePurge {
    /// Stored periods, by source and period.
    pub periods: Vec<PeriodPurge>,
    /// Quarantine files.
    pub quarantine: Vec<QuarantinePurge>,
    /// Run records.
    pub runs: Vec<RunPurge>,
}

impl StorePurge {
    /// Whether nothing is to be deleted.
    pub fn is_empty(&self) -> bool {
        self.periods.is_empty() && self.quarantine.is_empty() && self.runs.is_empty()
    }

    /// Checks that every path of a plan read back from the journal is a
    /// store path (`tables/`, `quarantine/`, `runs/`, no `..`).
    pub fn check_paths(&self) -> Result<(), String> {
        let paths = self
            .periods
            .iter()
            .flat_map(|p| p.files.iter().map(|f| (f, "tables/")))
            .chain(self.quarantine.iter().map(|q| (&q.file, "quarantine/")))
            .chain(
                self.runs
                    .iter()
                    .flat_map(|r| r.files.iter().map(|f| (f, "runs/"))),
            );
        for (f, folder) in paths {
            let inside = f.path.starts_with(folder)
                && Path::new(&f.path)
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside {
                return Err(format!("{:?} is not a path under {folder}", f.path));
            }
        }
        Ok(())
    }
}

/// The last day of a `YYYY-MM` period.
pub fn period_last_day(period: &str) -> Option<NaiveDate> {
    let first = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok()?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    next.pred_opt()
}

/// SHA-256 and size of a file, read in blocks.
pub fn hash_file(path: &Path) -> Result<(String, u64), StoreError> {
    let mut file = fs::File::open(path).map_err(StoreError::io("reading", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .map_err(StoreError::io("reading", path))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), bytes))
}

/// Refuses a store path reached through a symbolic link (any part of it).
pub(crate) fn no_link(root: &Path, rel: &str) -> Result<(), StoreError> {
    let mut at = root.to_path_buf();
    for part in Path::new(rel).components() {
        at.push(part);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return Err(StoreError::Link { path: at }),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io("reading", &at)(e)),
        }
    }
    Ok(())
}

fn deleted(root: &Path, rel: &str, rows: Option<u64>) -> Result<DeletedFile, StoreError> {
    no_link(root, rel)?;
    let (sha256, bytes) = hash_file(&root.join(rel))?;
    Ok(DeletedFile {
        path: rel.to_string(),
        rows,
        bytes,
        sha256,
    })
}

/// Days from `earlier` to `later`.
fn days_between(earlier: NaiveDate, later: NaiveDate) -> i64 {
    (later - earlier).num_days()
}

impl ReadOnlyStore {
    /// Every stored period past its retention (its last day more than the
    /// source's `retention_days` before today), and the quarantine files
    /// that go with them or are past the quarantine's retention. Files are
    /// hashed here: the plan is the account.
    pub fn plan_purge(&self, retention: &Retention) -> Result<StorePurge, StoreError> {
        let mut periods: BTreeMap<(Source, String), PeriodPurge> = BTreeMap::new();
        let mut touched: BTreeSet<u64> = BTreeSet::new();
        for e in &self.ledger {
            let Some(days) = retention.sources.get(&e.source) else {
                continue;
            };
            for f in &e.files {
                let Some(last) = period_last_day(&f.period) else {
                    return Err(StoreError::Ledger {
                        path: ledger_path(&self.root, e.ledger_file()),
                        message: format!("period {:?} of {} is not YYYY-MM", f.period, f.path),
                    });
                };
                if days_between(last, retention.today) <= *days {
                    continue;
                }
                let p = periods
                    .entry((e.source, f.period.clone()))
                    .or_insert_with(|| PeriodPurge {
                        source: e.source,
                        period: f.period.clone(),
                        deliveries: Vec::new(),
                        rows: 0,
                        files: Vec::new(),
                    });
                if !p.deliveries.contains(&e.seq) {
                    p.deliveries.push(e.seq);
                }
                p.rows += f.rows;
                // a batch's file holds the rows of several deliveries: it is
                // hashed and accounted once, with all their rows
                match p.files.iter_mut().find(|d| d.path == f.path) {
                    Some(d) => d.rows = Some(d.rows.unwrap_or(0) + f.rows),
                    None => p.files.push(deleted(&self.root, &f.path, Some(f.rows))?),
                }
                touched.insert(e.seq);
            }
        }
        let mut quarantine = Vec::new();
        for e in &self.ledger {
            let Some(q) = &e.quarantine_file else {
                continue;
            };
            let why = if touched.contains(&e.seq) {
                "period purged"
            } else if retention.quarantine_days.is_some_and(|days| {
                ingested_on(e).is_some_and(|d| days_between(d, retention.today) > days)
            }) {
                "quarantine retention"
            } else {
                continue;
            };
            quarantine.push(QuarantinePurge {
                source: e.source,
                delivery: e.seq,
                why: why.to_string(),
                file: deleted(&self.root, q, Some(e.rows_quarantined))?,
            });
        }
        Ok(StorePurge {
            periods: periods.into_values().collect(),
            quarantine,
            runs: Vec::new(),
        })
    }

    /// The account of run records to delete: each with its files hashed.
    pub fn plan_run_purge(
        &self,
        runs: &[(RunRecord, String)],
    ) -> Result<Vec<RunPurge>, StoreError> {
        let mut out = Vec::new();
        for (r, why) in runs {
            let mut files = Vec::new();
            for rel in [
                format!("runs/{:06}.json", r.seq),
                format!("runs/{:06}.listed.csv", r.seq),
            ] {
                if self.root.join(&rel).is_file() {
                    files.push(deleted(&self.root, &rel, None)?);
                }
            }
            out.push(RunPurge {
                seq: r.seq,
                run_id: r.run_id.clone(),
                pipeline: r.pipeline.clone(),
                as_of: r.as_of.clone(),
                finished_at: r.finished_at.clone(),
                why: why.clone(),
                files,
            });
        }
        Ok(out)
    }

    /// The periods purged so far, per source.
    pub fn purged_periods(&self) -> BTreeMap<Source, BTreeSet<String>> {
        let mut out: BTreeMap<Source, BTreeSet<String>> = BTreeMap::new();
        for e in &self.ledger {
            for f in e.purged.iter().flat_map(|p| &p.files) {
                out.entry(e.source).or_default().insert(f.period.clone());
            }
        }
        out
    }

    /// The run ids of run records purged before (their `runs/*.purged`
    /// markers).
    pub fn purged_runs(&self) -> Result<BTreeSet<String>, StoreError> {
        let dir = self.root.join("runs");
        let mut ids = BTreeSet::new();
        let listing = match fs::read_dir(&dir) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ids),
            Err(e) => return Err(StoreError::io("listing", &dir)(e)),
        };
        for entry in listing {
            let path = entry.map_err(StoreError::io("listing", &dir))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("purged") {
                continue;
            }
            let text = fs::read(&path).map_err(StoreError::io("reading", &path))?;
            if let Some(id) = serde_json::from_slice::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("run_id")?.as_str().map(str::to_string))
            {
                ids.insert(id);
            }
        }
        Ok(ids)
    }

    /// Whether the store shows an earlier purge: a tombstone in the ledger
    /// or a purged run record.
    pub fn was_purged(&self) -> Result<bool, StoreError> {
        Ok(self.ledger.iter().any(|e| e.purged.is_some()) || !self.purged_runs()?.is_empty())
    }

    /// The journal of an interrupted purge, if any.
    pub fn purge_journal(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.root.join(JOURNAL);
        match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io("reading", &path)(e)),
        }
    }
}

/// The day a delivery was taken in.
fn ingested_on(e: &LedgerEntry) -> Option<NaiveDate> {
    e.ingested_at.get(..10)?.parse().ok()
}

impl Store {
    /// Writes the journal of the purge about to start (atomically).
    pub fn write_purge_journal(&self, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.root.join(JOURNAL);
        durable::write_atomic(&path, bytes).map_err(StoreError::io("writing", &path))
    }

    /// Removes the journal: the purge is complete.
    pub fn clear_purge_journal(&self) -> Result<(), StoreError> {
        let path = self.root.join(JOURNAL);
        match fs::remove_file(&path) {
            Ok(()) => durable::sync_dir(&self.root).map_err(StoreError::io("removing", &path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io("removing", &path)(e)),
        }
    }

    /// Step 2: every ledger entry concerned stops naming its purged files,
    /// partition values and quarantine file, and records them under
    /// `purged`, dated `today`. Entries already rewritten are left alone.
    pub fn forget_purged(&mut self, plan: &StorePurge, today: NaiveDate) -> Result<(), StoreError> {
        let mut files: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        let mut periods: BTreeSet<(Source, &str)> = BTreeSet::new();
        for p in &plan.periods {
            periods.insert((p.source, p.period.as_str()));
            for f in &p.files {
                files.insert(&f.path, (&p.period, f.sha256.as_str()));
            }
        }
        let quarantine: BTreeMap<&str, &QuarantinePurge> = plan
            .quarantine
            .iter()
            .map(|q| (q.file.path.as_str(), q))
            .collect();
        let planned: BTreeSet<u64> = plan
            .periods
            .iter()
            .flat_map(|p| p.deliveries.iter().copied())
            .chain(plan.quarantine.iter().map(|q| q.delivery))
            .collect();
        let mut ledger = self.reader.ledger.clone();
        let mut rewritten = BTreeSet::new();
        for e in ledger.iter_mut().filter(|e| planned.contains(&e.seq)) {
            let gone_files: Vec<PurgedFile> = e
                .files
                .iter()
                .filter_map(|f| {
                    files.get(f.path.as_str()).map(|(period, sha)| PurgedFile {
                        path: f.path.clone(),
                        period: period.to_string(),
                        rows: f.rows,
                        sha256: sha.to_string(),
                    })
                })
                .collect();
            let gone_quarantine = e
                .quarantine_file
                .as_deref()
                .and_then(|q| quarantine.get(q))
                .map(|q| PurgedFile {
                    path: q.file.path.clone(),
                    period: e
                        .files
                        .iter()
                        .map(|f| f.period.clone())
                        .max()
                        .unwrap_or_default(),
                    rows: q.file.rows.unwrap_or(0),
                    sha256: q.file.sha256.clone(),
                });
            let time = e.source.contract().time_column;
            let at = e
                .source
                .contract()
                .partition_key
                .iter()
                .position(|c| *c == time);
            let in_purged = |value: &Vec<String>| {
                at.and_then(|i| value.get(i))
                    .and_then(|d| d.get(..7))
                    .is_some_and(|p| periods.contains(&(e.source, p)))
            };
            let gone_partitions =
                e.status == DeliveryStatus::Accepted && e.partitions.iter().any(in_purged);
            if gone_files.is_empty() && gone_quarantine.is_none() && !gone_partitions {
                continue;
            }
            e.files.retain(|f| !files.contains_key(f.path.as_str()));
            e.partitions.retain(|v| !in_purged(v));
            if gone_quarantine.is_some() {
                e.quarantine_file = None;
            }
            let record = e.purged.get_or_insert_with(|| Purged {
                date: today.to_string(),
                files: Vec::new(),
                quarantine: None,
            });
            record.date = today.to_string();
            record.files.extend(gone_files);
            if gone_quarantine.is_some() {
                record.quarantine = gone_quarantine;
            }
            rewritten.insert(e.ledger_file());
        }
        let mut held: BTreeMap<u64, Vec<&LedgerEntry>> =
            rewritten.into_iter().map(|f| (f, Vec::new())).collect();
        for e in &ledger {
            if let Some(entries) = held.get_mut(&e.ledger_file()) {
                entries.push(e);
            }
        }
        for (file, entries) in held {
            let target = ledger_path(&self.root, file);
            let body = LedgerFile::body(&entries).map_err(|err| StoreError::Ledger {
                path: target.clone(),
                message: err.to_string(),
            })?;
            durable::write_atomic(&target, &body)
                .map_err(StoreError::io("rewriting ledger entry", &target))?;
            crate::writer::failpoint("purge-ledger");
        }
        let view = StoreView::from_ledger(&self.root, &ledger)?;
        self.reader.set_ledger(ledger, view);
        Ok(())
    }
    /// Step 3: deletes the purged files (those already gone are skipped),
    /// the period folders left empty, and the run records (record first,
    /// then its listed households).
    pub fn delete_purged(&self, plan: &StorePurge) -> Result<(), StoreError> {
        for p in &plan.periods {
            for f in &p.files {
                remove_in(&self.root, &f.path)?;
                crate::writer::failpoint("purge-delete");
            }
            let folder = self
                .root
                .join("tables")
                .join(p.source.name())
                .join(format!("period={}", p.period));
            match fs::remove_dir(&folder) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(folder = %folder.display(), error = %e, "a purged period folder still holds files vroeg did not write; it is left")
                }
            }
        }
        for q in &plan.quarantine {
            remove_in(&self.root, &q.file.path)?;
        }
        for r in &plan.runs {
            let marker = crate::runs::purged_marker(&self.root, r.seq);
            if !marker.exists() {
                let body = format!(
                    "{{\"seq\":{},\"run_id\":{},\"purged\":true}}\n",
                    r.seq,
                    serde_json::Value::String(r.run_id.clone())
                );
                durable::write_atomic(&marker, body.as_bytes())
                    .map_err(StoreError::io("writing", &marker))?;
            }
            for f in &r.files {
                remove_in(&self.root, &f.path)?;
            }
        }
        for dir in ["tables", "quarantine", "runs"] {
            sync_tree(&self.root.join(dir))?;
        }
        Ok(())
    }
}

/// Deletes a store file, never through a link; one already gone is fine.
fn remove_in(root: &Path, rel: &str) -> Result<(), StoreError> {
    no_link(root, rel)?;
    remove(&root.join(rel))
}

/// Deletes a file; one already gone is fine.
fn remove(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io("deleting", path)(e)),
    }
}

/// Flushes a folder and its subfolders, so that the deletions are durable.
fn sync_tree(dir: &Path) -> Result<(), StoreError> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(dir).map_err(StoreError::io("listing", dir))? {
        let path = entry.map_err(StoreError::io("listing", dir))?.path();
        if path.is_dir() {
            sync_tree(&path)?;
        }
    }
    durable::sync_dir(dir).map_err(StoreError::io("flushing", dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_ends_on_its_last_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(period_last_day("2024-02"), Some(d("2024-02-29")));
        assert_eq!(period_last_day("2025-12"), Some(d("2025-12-31")));
        assert_eq!(period_last_day("2025-13"), None);
        assert_eq!(period_last_day("x"), None);
        assert_eq!(days_between(d("2025-10-31"), d("2026-10-31")), 365);
    }
}
