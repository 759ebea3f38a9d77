//! The run history: what each published run listed, so that the next run
//! can say what changed and the report can draw the listed count over time.
//!
//! ```text
//! runs/000007.listed.csv   the listed households of run 7 (key, rank, score, rules,
//!                          total arrears, district)
//! runs/000007.json         the run's record, written last (the commit point)
//! ```

use crate::durable;
use crate::error::StoreError;
use crate::layout::Store;
use crate::reader::{ReadOnlyStore, read_json_dir};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// One published run of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Sequence number among the store's runs, from 1.
    pub seq: u64,
    /// The run id (as in `manifest.json`).
    pub run_id: String,
    /// The pipeline's name.
    pub pipeline: String,
    /// The as-of date, `YYYY-MM-DD`.
    pub as_of: String,
    /// SHA-256 of the rule set the run scored with.
    pub rule_set_sha256: String,
    /// When the run finished (RFC 3339, UTC).
    pub finished_at: String,
    /// Households on the list.
    pub listed: u64,
    /// The last ledger entry when the run read the store: what it read, so
    /// that an export reads the same rows later. `None` in runs recorded
    /// before it was kept (their history holds no totals or districts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_delivery: Option<u64>,
    /// Per source read, the earliest day the list depends on
    /// (`YYYY-MM-DD`): `vroeg purge` deletes the run with the first period
    /// it needs. `None` in runs recorded before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads_from: Option<BTreeMap<String, String>>,
    /// The folder the run published its outputs in, absolute; `vroeg
    /// purge` deletes them there. `None` in older runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_dir: Option<String>,
}

/// One household a run listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedRecord {
    /// The pseudonym.
    pub household_key: String,
    /// Its rank.
    pub rank: u64,
    /// Its score.
    pub score: i64,
    /// The rules that fired, joined with `|`.
    pub rules: String,
    /// Total arrears, 2 decimals, as in `signals.csv` (empty in runs
    /// recorded before it was kept).
    #[serde(default)]
    pub total_arrears_eur: String,
    /// The district from the register, empty when unknown.
    #[serde(default)]
    pub district_code: String,
}

impl RunRecord {
    /// The run a new run of `pipeline` at `as_of` compares with: the last
    /// recorded run of the same pipeline with the latest as-of date before
    /// `as_of`.
    pub fn previous<'a>(
        runs: &'a [RunRecord],
        pipeline: &str,
        as_of: &str,
    ) -> Option<&'a RunRecord> {
        runs.iter()
            .filter(|r| r.pipeline == pipeline && r.as_of.as_str() < as_of)
            .max_by(|a, b| a.as_of.cmp(&b.as_of).then(a.seq.cmp(&b.seq)))
    }
}

fn damaged(path: &Path, message: String) -> StoreError {
    StoreError::RunRecord {
        path: path.to_path_buf(),
        message,
    }
}

impl ReadOnlyStore {
    /// Every recorded run, in sequence order. A damaged record is an error
    /// naming its file.
    pub fn runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        let dir = self.root().join("runs");
        let mut runs = Vec::new();
        for (path, run) in read_json_dir::<RunRecord>(&dir, damaged)? {
            if path != record_path(self.root(), run.seq) {
                return Err(damaged(
                    &path,
                    format!("it holds run {}, not the one its name says", run.seq),
                ));
            }
            runs.push(run);
        }
        runs.sort_by_key(|r| r.seq);
        Ok(runs)
    }

    /// The households a recorded run listed, by rank.
    pub fn run_listed(&self, run: &RunRecord) -> Result<Vec<ListedRecord>, StoreError> {
        let path = listed_path(self.root(), run.seq);
        let mut reader =
            csv::Reader::from_path(&path).map_err(|e| damaged(&path, e.to_string()))?;
        reader
            .deserialize()
            .map(|r| r.map_err(|e| damaged(&path, e.to_string())))
            .collect()
    }
}

impl Store {
    /// Records a published run: its listed households first, then the record
    /// (the commit point). `record.seq` is set to the next free number.
    pub fn record_run(
        &mut self,
        mut record: RunRecord,
        listed: &[ListedRecord],
    ) -> Result<RunRecord, StoreError> {
        let dir = self.root().join("runs");
        durable::create_dir_all(&dir).map_err(StoreError::io("creating", &dir))?;
        record.seq = self
            .runs()?
            .last()
            .map_or(0, |r| r.seq)
            .max(last_purged_run(&dir)?)
            + 1;
        let listed_file = listed_path(self.root(), record.seq);
        let written = |e: &dyn std::fmt::Display| damaged(&listed_file, e.to_string());
        let mut csv = csv::Writer::from_writer(Vec::new());
        for row in listed {
            csv.serialize(row).map_err(|e| written(&e))?;
        }
        if listed.is_empty() {
            csv.write_record([
                "household_key",
                "rank",
                "score",
                "rules",
                "total_arrears_eur",
                "district_code",
            ])
            .map_err(|e| written(&e))?;
        }
        let body = csv.into_inner().map_err(|e| written(&e))?;
        durable::write_atomic(&listed_file, &body)
            .map_err(StoreError::io("writing", &listed_file))?;
        let target = record_path(self.root(), record.seq);
        let json =
            serde_json::to_vec_pretty(&record).map_err(|e| damaged(&target, e.to_string()))?;
        durable::write_atomic(&target, &json)
            .map_err(StoreError::io("committing run record", &target))?;
        Ok(record)
    }
}

/// The marker of a purged run record: its number is not given again.
pub(crate) fn purged_marker(root: &Path, seq: u64) -> PathBuf {
    root.join("runs").join(format!("{seq:06}.purged"))
}

/// The highest number of a purged run record (0 when none).
fn last_purged_run(dir: &Path) -> Result<u64, StoreError> {
    let mut last = 0;
    for entry in fs::read_dir(dir).map_err(StoreError::io("listing", dir))? {
        let name = entry.map_err(StoreError::io("listing", dir))?.file_name();
        if let Some(seq) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".purged"))
            .and_then(|n| n.parse::<u64>().ok())
        {
            last = last.max(seq);
        }
    }
    Ok(last)
}

fn record_path(root: &Path, seq: u64) -> PathBuf {
    root.join("runs").join(format!("{seq:06}.json"))
}

fn listed_path(root: &Path, seq: u64) -> PathBuf {
    root.join("runs").join(format!("{seq:06}.listed.csv"))
}

/// Removes listed files whose run record was never written, and the
/// temporary files of interrupted writes.
pub(crate) fn recover_runs(root: &Path) -> Result<(), StoreError> {
    let dir = root.join("runs");
    if !dir.exists() {
        return Ok(());
    }
    durable::remove_temp_files(&dir)
        .map_err(StoreError::io("removing an interrupted write in", &dir))?;
    for entry in fs::read_dir(&dir).map_err(StoreError::io("listing", &dir))? {
        let path = entry.map_err(StoreError::io("listing", &dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(seq) = name.strip_suffix(".listed.csv")
            && !dir.join(format!("{seq}.json")).exists()
        {
            fs::remove_file(&path).map_err(StoreError::io("removing unrecorded run", &path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(as_of: &str, pipeline: &str) -> RunRecord {
        RunRecord {
            seq: 0,
            run_id: format!("r-{as_of}"),
            pipeline: pipeline.into(),
            as_of: as_of.into(),
            rule_set_sha256: "abc".into(),
            finished_at: "2026-11-01T00:00:00Z".into(),
            listed: 1,
            last_delivery: Some(0),
            reads_from: None,
            out_dir: None,
        }
    }

    #[test]
    fn previous_run_is_the_latest_earlier_as_of_of_the_same_pipeline() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let listed = vec![ListedRecord {
            household_key: "hh_00000001".into(),
            rank: 1,
            score: 5,
            rules: "a|b".into(),
            total_arrears_eur: "12.50".into(),
            district_code: String::new(),
        }];
        store
            .record_run(record("2026-09-30", "z"), &listed)
            .unwrap();
        store.record_run(record("2026-08-31", "z"), &[]).unwrap();
        store
            .record_run(record("2026-10-31", "other"), &[])
            .unwrap();
        let again = store
            .record_run(record("2026-09-30", "z"), &listed)
            .unwrap();
        store.record_run(record("2026-10-31", "z"), &[]).unwrap();
        let runs = store.runs().unwrap();
        let prev = RunRecord::previous(&runs, "z", "2026-10-31").unwrap();
        assert_eq!((prev.seq, prev.as_of.as_str()), (again.seq, "2026-09-30"));
        assert_eq!(again.seq, 4);
        assert_eq!(store.run_listed(prev).unwrap(), listed);
        assert_eq!(RunRecord::previous(&runs, "z", "2026-08-31"), None);
        let empty = RunRecord::previous(&runs, "z", "2026-09-01").unwrap();
        assert_eq!(store.run_listed(empty).unwrap(), vec![]);
    }

    #[test]
    fn an_unrecorded_listed_file_is_removed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let runs = dir.path().join("runs");
        fs::write(runs.join("000001.listed.csv"), "household_key\n").unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(!runs.join("000001.listed.csv").exists());
        assert_eq!(store.runs().unwrap(), vec![]);
    }
}
