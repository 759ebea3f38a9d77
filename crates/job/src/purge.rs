//! `vroeg purge`: deletes what is past its retention, and nothing else.
//!
//! ```text
//! load → open the store (lock) → finish an interrupted purge →
//! plan (periods, quarantine, run records, output folders; every file hashed) →
//! journal → ledger → files → output folders → audit log → clear journal
//! ```
//!
//! A stored period goes when its last day is more than its source's
//! `retention_days` before today; with it go the quarantine files of its
//! deliveries. A quarantine file also goes `[quarantine] retention_days`
//! after its delivery was taken in. A run record and its output folder go
//! when the run finished more than `[outputs] retention_days` ago, or when
//! its as-of date needs a purged period: its list was made of purged rows.
//! The store's half of the work is [`vroeg_store`]'s purge; see there for
//! why a kill at any moment leaves a readable store and a resumable purge.

use crate::kept::{describe, gone_with, known, reads_from};
use crate::{JobError, load};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use vroeg_contracts::Source;
use vroeg_outreach::audit::{self, AuditRecord};
use vroeg_pipeline::Pipeline;
use vroeg_store::{DeletedFile, ReadOnlyStore, Retention, RunRecord, Store, StorePurge, hash_file};

/// What `vroeg purge` is asked.
#[derive(Debug, Clone)]
pub struct PurgeRequest {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// `--store`.
    pub paths: load::PathOverrides,
    /// `--out`: the folder holding the run output folders (default `[paths]
    /// out`).
    pub out: Option<PathBuf>,
    /// The day retention counts back from.
    pub today: NaiveDate,
    /// Print the account, delete nothing.
    pub dry_run: bool,
}

/// A run output folder past its retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputPurge {
    /// The folder, absolute.
    pub folder: String,
    /// The run id of its manifest.
    pub run_id: String,
    /// Its as-of date.
    pub as_of: String,
    /// Why it goes.
    pub why: String,
    /// Its files, relative to the folder.
    pub files: Vec<DeletedFile>,
}

/// The account of one purge: what goes, before anything goes. The audit
/// log's `deleted` is this object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeAccount {
    /// `purge-` and 16 hex digits; the audit line's `run_id`.
    pub id: String,
    /// The day retention counted back from.
    pub today: String,
    /// The store's part.
    #[serde(flatten)]
    pub store: StorePurge,
    /// Run output folders.
    pub outputs: Vec<OutputPurge>,
    /// The out folder the output folders are in.
    pub out: String,
}

impl PurgeAccount {
    /// Whether nothing is to be deleted.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty() && self.outputs.is_empty()
    }

    /// Stored rows deleted.
    pub fn rows(&self) -> u64 {
        self.store.periods.iter().map(|p| p.rows).sum()
    }

    /// Files deleted, all kinds.
    pub fn files(&self) -> usize {
        self.store
            .periods
            .iter()
            .map(|p| p.files.len())
            .sum::<usize>()
            + self.store.quarantine.len()
            + self.store.runs.iter().map(|r| r.files.len()).sum::<usize>()
            + self.outputs.iter().map(|o| o.files.len()).sum::<usize>()
    }
}

/// What a purge did.
#[derive(Debug, Clone)]
pub struct PurgeOutcome {
    /// An interrupted purge finished first.
    pub resumed: Option<PurgeAccount>,
    /// This purge's account (deleted, or with `--dry-run` what would be);
    /// `None` for a dry run while an interrupted purge is pending.
    pub account: Option<PurgeAccount>,
    /// Sources with stored rows but no `retention_days`: kept.
    pub without_retention: Vec<Source>,
    /// Whether nothing was deleted because of `--dry-run`.
    pub dry_run: bool,
}

/// Runs `vroeg purge`.
pub fn purge(req: &PurgeRequest) -> Result<PurgeOutcome, JobError> {
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let out_root = req.out.clone().unwrap_or_else(|| p.out.clone());
    let out_root = std::path::absolute(&out_root).unwrap_or(out_root);
    if req.today > chrono::Utc::now().date_naive() {
        tracing::warn!(today = %req.today, "--today is later than today: purge counts retention from that day (use --dry-run to see what goes)");
    }
    // a store that is not there is a wrong path, not an empty store
    let existing = load::store_read_only(&p)?;
    if req.dry_run {
        let store = existing;
        check_audit(&store)?;
        // An interrupted purge is finished first: what else is due can be
        // planned only after it.
        if let Some(bytes) = store.purge_journal()? {
            return Ok(PurgeOutcome {
                resumed: Some(journal(&store, &bytes)?),
                without_retention: without_retention(&p, &store),
                account: None,
                dry_run: true,
            });
        }
        let account = plan(&p, &store, &out_root, req.today)?;
        return Ok(PurgeOutcome {
            resumed: None,
            without_retention: without_retention(&p, &store),
            account: Some(account),
            dry_run: true,
        });
    }
    drop(existing);
    let mut store = load::store(&p)?;
    check_audit(&store)?;
    audit::complete(store.root())?;
    let resumed = match store.purge_journal()? {
        Some(bytes) => {
            let account = journal(&store, &bytes)?;
            carry_out(&p, &mut store, &account)?;
            Some(account)
        }
        None => None,
    };
    let account = plan(&p, &store, &out_root, req.today)?;
    if !account.is_empty() {
        let mut body = serde_json::to_vec_pretty(&account).map_err(|e| JobError::WriteFile {
            path: store.root().join(vroeg_store::JOURNAL),
            message: e.to_string(),
        })?;
        body.push(b'\n');
        store.write_purge_journal(&body)?;
        carry_out(&p, &mut store, &account)?;
    }
    Ok(PurgeOutcome {
        resumed,
        without_retention: without_retention(&p, &store),
        account: Some(account),
        dry_run: false,
    })
}

/// The account must reach the audit log: a damaged or lost log is found
/// before anything is deleted.
fn check_audit(store: &ReadOnlyStore) -> Result<(), JobError> {
    let entries = audit::verify(store.root())?;
    if entries == 0 && store.purge_journal()?.is_none() && store.was_purged()? {
        return Err(JobError::AuditLost(format!(
            "the store {} shows earlier purges (tombstones in its ledger), but its audit log {} is empty or gone: restore it from backup before purging again",
            store.root().display(),
            store.root().join(audit::LOG_FILE).display()
        )));
    }
    Ok(())
}

/// The journal of an interrupted purge.
fn journal(store: &ReadOnlyStore, bytes: &[u8]) -> Result<PurgeAccount, JobError> {
    let damaged = |message: String| {
        JobError::Store(vroeg_store::StoreError::PurgeJournal {
            path: store.root().join(vroeg_store::JOURNAL),
            message,
        })
    };
    let account: PurgeAccount =
        serde_json::from_slice(bytes).map_err(|e| damaged(e.to_string()))?;
    if account.today.parse::<NaiveDate>().is_err() {
        return Err(damaged(format!(
            "its date {:?} is not a date",
            account.today
        )));
    }
    account.store.check_paths().map_err(damaged)?;
    let names_ok = account.outputs.iter().all(|o| {
        Path::new(&o.folder).is_absolute()
            && o.files.iter().all(|f| {
                Path::new(&f.path)
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)))
            })
    });
    if !names_ok || !account.id.starts_with("purge-") {
        return Err(damaged(
            "it names an output file outside its folder, or an id that is not a purge's".into(),
        ));
    }
    Ok(account)
}

/// Steps 2 to 5: ledger, files, output folders, audit line, journal.
fn carry_out(p: &Pipeline, store: &mut Store, account: &PurgeAccount) -> Result<(), JobError> {
    let today: NaiveDate = account.today.parse().unwrap_or_default();
    store.forget_purged(&account.store, today)?;
    store.delete_purged(&account.store)?;
    for o in &account.outputs {
        delete_output(o)?;
        vroeg_store::failpoint("purge-outputs");
    }
    if !audit::contains(store.root(), "purge", &account.id)? {
        let deleted = serde_json::to_value(account).map_err(|e| JobError::WriteFile {
            path: store.root().join(audit::LOG_FILE),
            message: e.to_string(),
        })?;
        audit::append(
            store.root(),
            &AuditRecord {
                command: "purge".into(),
                pipeline: p.name.clone(),
                as_of: account.today.clone(),
                run_id: account.id.clone(),
                team: String::new(),
                reason: "retention".into(),
                households: 0,
                keys_sha256: audit::keys_sha256(Vec::<&str>::new()),
                deleted: Some(deleted),
            },
        )?;
        vroeg_store::failpoint("purge-audit");
    }
    store.clear_purge_journal()?;
    tracing::info!(
        purge = %account.id,
        rows = account.rows(),
        files = account.files(),
        "purged what is past its retention"
    );
    Ok(())
}

/// Deletes the files of an output folder that the account names with the
/// same SHA-256, then the folder if that empties it. A file written again
/// since the purge was planned (a new run at the same as-of date, between
/// a kill and the resumed purge) is the new run's and is left.
fn delete_output(o: &OutputPurge) -> Result<(), JobError> {
    let folder = Path::new(&o.folder);
    let failed = |path: &Path, e: std::io::Error| JobError::WriteFile {
        path: path.to_path_buf(),
        message: format!("cannot delete a purged output file: {e}"),
    };
    for f in &o.files {
        let path = folder.join(&f.path);
        match hash_file(&path) {
            Ok((sha, _)) if sha == f.sha256 => {
                fs::remove_file(&path).map_err(|e| failed(&path, e))?;
            }
            Ok(_) => {
                tracing::warn!(file = %path.display(), "an output file was written again after the purge was planned; it is left")
            }
            Err(_) if !path.exists() => {}
            Err(e) => return Err(JobError::Store(e)),
        }
    }
    remove_empty_dirs(folder).map_err(|e| failed(folder, e))?;
    if let Some(parent) = folder.parent()
        && parent.is_dir()
    {
        vroeg_store::durable::sync_dir(parent).map_err(|e| failed(parent, e))?;
    }
    Ok(())
}

/// Removes `dir` and the folders below it that hold nothing.
fn remove_empty_dirs(dir: &Path) -> std::io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            remove_empty_dirs(&path)?;
        }
    }
    match fs::remove_dir(dir) {
        Ok(()) => Ok(()),
        Err(_) if fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) => {
            tracing::warn!(folder = %dir.display(), "a purged output folder holds files the purge did not plan to delete; it is left with them");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Sources the store holds rows of that declare no retention.
fn without_retention(p: &Pipeline, store: &ReadOnlyStore) -> Vec<Source> {
    let mut out: BTreeSet<Source> = BTreeSet::new();
    for e in store.ledger() {
        if !e.files.is_empty() && !p.legitimacy.sources.contains_key(&e.source) {
            out.insert(e.source);
        }
    }
    out.into_iter().collect()
}

/// Everything past its retention at `today`, every file hashed.
fn plan(
    p: &Pipeline,
    store: &ReadOnlyStore,
    out_root: &Path,
    today: NaiveDate,
) -> Result<PurgeAccount, JobError> {
    let retention = Retention {
        today,
        sources: p
            .legitimacy
            .sources
            .iter()
            .map(|(s, d)| (*s, d.retention_days))
            .collect(),
        quarantine_days: p.legitimacy.quarantine_retention_days,
    };
    let mut store_plan = store.plan_purge(&retention)?;
    // The periods purged once this purge is done.
    let mut purged = store.purged_periods();
    for period in &store_plan.periods {
        purged
            .entry(period.source)
            .or_default()
            .insert(period.period.clone());
    }
    let known = known(store);
    let judge = Judge {
        p,
        today,
        purged: &purged,
        known: &known,
    };
    let mut runs: Vec<(RunRecord, String)> = Vec::new();
    let mut folders: BTreeMap<PathBuf, (String, String)> = BTreeMap::new();
    for r in store.runs()? {
        let from = r.reads_from.as_ref().map(|m| {
            m.iter()
                .filter_map(|(s, d)| Some((Source::from_name(s)?, d.parse().ok()?)))
                .collect::<BTreeMap<Source, NaiveDate>>()
        });
        if let Some(w) = judge.why(&r.pipeline, &r.as_of, &r.finished_at, from.as_ref()) {
            if let Some(dir) = &r.out_dir {
                folders.insert(PathBuf::from(dir), (r.run_id.clone(), w.clone()));
            }
            runs.push((r, w));
        }
    }
    store_plan.runs = store.plan_run_purge(&runs)?;
    let purging: BTreeMap<String, String> = runs
        .iter()
        .map(|(r, w)| (r.run_id.clone(), w.clone()))
        .collect();
    let outputs = output_folders(out_root, &folders, &purging, &store.purged_runs()?)?;
    let body = serde_json::to_vec(&(&store_plan, &outputs, today.to_string(), &p.sha256)).map_err(
        |e| JobError::WriteFile {
            path: store.root().join(vroeg_store::JOURNAL),
            message: e.to_string(),
        },
    )?;
    Ok(PurgeAccount {
        id: format!("purge-{}", &hex::encode(Sha256::digest(&body))[..16]),
        today: today.to_string(),
        store: store_plan,
        outputs,
        out: out_root.to_string_lossy().into_owned(),
    })
}

/// Why a run (its record or its output folder) goes, if it does.
struct Judge<'a> {
    p: &'a Pipeline,
    today: NaiveDate,
    purged: &'a BTreeMap<Source, BTreeSet<String>>,
    known: &'a crate::kept::Periods,
}

impl Judge<'_> {
    /// Past the outputs' retention, or its as-of date needs a purged
    /// period: by what the run recorded it reads, or, for runs recorded
    /// before that was kept, by this pipeline's rule set.
    fn why(
        &self,
        pipeline: &str,
        as_of: &str,
        finished_at: &str,
        from: Option<&BTreeMap<Source, NaiveDate>>,
    ) -> Option<String> {
        if let Some(days) = self.p.legitimacy.outputs_retention_days
            && let Some(finished) = finished_at
                .get(..10)
                .and_then(|d| d.parse::<NaiveDate>().ok())
            && (self.today - finished).num_days() > days
        {
            return Some(format!(
                "finished on {finished}, more than {days} days ago ([outputs] retention_days)"
            ));
        }
        let as_of: NaiveDate = as_of.parse().ok()?;
        let computed;
        let from = match from {
            Some(f) => f,
            None => {
                let rs = self
                    .p
                    .rule_set
                    .as_ref()
                    .filter(|_| pipeline == self.p.name)?;
                computed = reads_from(rs, as_of, self.known);
                &computed
            }
        };
        let gone = gone_with(as_of, from, self.purged);
        (!gone.is_empty())
            .then(|| format!("its as-of date needs purged periods: {}", describe(&gone)))
    }
}

/// The run output folders to delete: those the purged runs recorded, and
/// the folders of `out` whose `manifest.json` names a run of this store
/// that is purged now (`purging`, run id → why) or was before (`earlier`).
/// Of a folder only the files its manifest lists with their SHA-256, and
/// the manifest, are taken: anything else in it is not the run's and stays.
fn output_folders(
    out: &Path,
    recorded: &BTreeMap<PathBuf, (String, String)>,
    purging: &BTreeMap<String, String>,
    earlier: &BTreeSet<String>,
) -> Result<Vec<OutputPurge>, JobError> {
    let same = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    // Only inside the out folder: a store copied or restored elsewhere
    // records the original's folders, which are not this purge's to delete.
    let root = same(out);
    let mut recorded_here: BTreeMap<PathBuf, &(String, String)> = BTreeMap::new();
    for (k, v) in recorded {
        let k = same(k);
        if k.starts_with(&root) {
            recorded_here.insert(k, v);
        } else if k.exists() {
            tracing::warn!(folder = %k.display(), run = %v.0, "the output folder of a purged run is outside the out folder; give `vroeg purge --out` its parent folder to delete it");
        }
    }
    let recorded = recorded_here;
    let mut candidates: BTreeSet<PathBuf> = recorded.keys().cloned().collect();
    match fs::read_dir(out) {
        Ok(listing) => {
            for entry in listing.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    candidates.insert(same(&entry.path()));
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(JobError::Store(vroeg_store::StoreError::Io {
                action: "listing the out folder",
                path: out.to_path_buf(),
                source: e,
            }));
        }
    }
    let mut found = Vec::new();
    for folder in candidates {
        let manifest = folder.join("manifest.json");
        let is_dir = fs::symlink_metadata(&folder).is_ok_and(|m| m.is_dir());
        let regular = fs::symlink_metadata(&manifest).is_ok_and(|m| m.is_file());
        if !is_dir || !regular {
            if let Some((id, _)) = recorded.get(&folder)
                && folder.exists()
            {
                tracing::warn!(folder = %folder.display(), run = %id, "the output folder of a purged run has no manifest.json; vroeg cannot tell its files, so it is left: delete it by hand");
            }
            continue;
        }
        let Ok(m) = fs::read(&manifest)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string())
            })
        else {
            tracing::warn!(folder = %folder.display(), "an output folder whose manifest.json cannot be read is left");
            continue;
        };
        let field = |k: &str| m.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let run_id = field("run_id");
        let reason = match recorded.get(&folder) {
            Some((id, why)) if *id == run_id => Some(why.to_string()),
            _ => purging.get(&run_id).cloned().or_else(|| {
                earlier
                    .contains(&run_id)
                    .then(|| "its run record was purged before".to_string())
            }),
        };
        let Some(reason) = reason else { continue };
        let mut files = Vec::new();
        let listed = m.get("outputs").and_then(|o| o.as_object());
        for (name, sha) in listed.into_iter().flatten() {
            let flat = Path::new(name)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            let path = folder.join(name);
            if !flat || !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                continue;
            }
            let (sha256, bytes) = hash_file(&path)?;
            if Some(sha256.as_str()) == sha.as_str() {
                files.push(DeletedFile {
                    path: name.clone(),
                    rows: None,
                    bytes,
                    sha256,
                });
            }
        }
        let (sha256, bytes) = hash_file(&manifest)?;
        files.push(DeletedFile {
            path: "manifest.json".into(),
            rows: None,
            bytes,
            sha256,
        });
        found.push(OutputPurge {
            folder: folder.to_string_lossy().into_owned(),
            run_id,
            as_of: field("as_of"),
            why: reason,
            files,
        });
    }
    Ok(found)
}
