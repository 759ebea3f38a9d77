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

use crate::kept::{describe, gone_with, stored};
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
    /// The folder's name in the out folder.
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
    /// This purge's account (deleted, or with `--dry-run` what would be).
    pub account: PurgeAccount,
    /// Sources with stored rows but no `retention_days`: kept.
    pub without_retention: Vec<Source>,
    /// Whether nothing was deleted because of `--dry-run`.
    pub dry_run: bool,
}

/// Runs `vroeg purge`.
pub fn purge(req: &PurgeRequest) -> Result<PurgeOutcome, JobError> {
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let out_root = req.out.clone().unwrap_or_else(|| p.out.clone());
    if req.dry_run {
        let store = load::store_read_only(&p)?;
        let account = plan(&p, &store, &out_root, req.today)?;
        return Ok(PurgeOutcome {
            resumed: store
                .purge_journal()?
                .map(|b| journal(&store, &b))
                .transpose()?,
            without_retention: without_retention(&p, &store),
            account,
            dry_run: true,
        });
    }
    let mut store = load::store(&p)?;
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
        account,
        dry_run: false,
    })
}

/// The journal of an interrupted purge.
fn journal(store: &ReadOnlyStore, bytes: &[u8]) -> Result<PurgeAccount, JobError> {
    serde_json::from_slice(bytes).map_err(|e| {
        JobError::Store(vroeg_store::StoreError::RunRecord {
            path: store.root().join(vroeg_store::JOURNAL),
            message: format!("the journal of an interrupted purge cannot be read: {e}"),
        })
    })
}

/// Steps 2 to 5: ledger, files, output folders, audit line, journal.
fn carry_out(p: &Pipeline, store: &mut Store, account: &PurgeAccount) -> Result<(), JobError> {
    let today: NaiveDate = account
        .today
        .parse()
        .map_err(|_| JobError::Usage(format!("purge date {:?} is not a date", account.today)))?;
    store.forget_purged(&account.store, today)?;
    store.delete_purged(&account.store)?;
    let out = Path::new(&account.out);
    for o in &account.outputs {
        let folder = out.join(&o.folder);
        match fs::remove_dir_all(&folder) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(JobError::WriteFile {
                    path: folder,
                    message: format!("cannot delete the output folder: {e}"),
                });
            }
        }
        vroeg_store::failpoint("purge-outputs");
    }
    if out.is_dir() {
        vroeg_store::durable::sync_dir(out).map_err(|e| JobError::WriteFile {
            path: out.to_path_buf(),
            message: e.to_string(),
        })?;
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
    // The periods purged once this purge is done, and those still stored.
    let mut purged = store.purged_periods();
    for period in &store_plan.periods {
        purged
            .entry(period.source)
            .or_default()
            .insert(period.period.clone());
    }
    let mut still = stored(store);
    for (source, list) in still.iter_mut() {
        list.retain(|(period, _)| !purged.get(source).is_some_and(|s| s.contains(period)));
    }
    let why = |pipeline: &str, as_of: &str, finished_at: &str| -> Option<String> {
        if let Some(days) = p.legitimacy.outputs_retention_days
            && let Some(finished) = finished_at
                .get(..10)
                .and_then(|d| d.parse::<NaiveDate>().ok())
            && (today - finished).num_days() > days
        {
            return Some(format!(
                "finished on {finished}, more than {days} days ago ([outputs] retention_days)"
            ));
        }
        let rs = p.rule_set.as_ref().filter(|_| pipeline == p.name)?;
        let as_of: NaiveDate = as_of.parse().ok()?;
        let gone = gone_with(rs, as_of, &purged, &still);
        (!gone.is_empty())
            .then(|| format!("its as-of date needs purged periods: {}", describe(&gone)))
    };
    let mut runs: Vec<(RunRecord, String)> = Vec::new();
    let mut run_ids: BTreeMap<String, String> = BTreeMap::new();
    for r in store.runs()? {
        if let Some(w) = why(&r.pipeline, &r.as_of, &r.finished_at) {
            run_ids.insert(r.run_id.clone(), w.clone());
            runs.push((r, w));
        }
    }
    store_plan.runs = store.plan_run_purge(&runs)?;
    let outputs = output_folders(out_root, &run_ids, &why)?;
    let body = serde_json::to_vec(&(&store_plan, &outputs, today.to_string(), &p.sha256))
        .unwrap_or_default();
    Ok(PurgeAccount {
        id: format!("purge-{}", &hex::encode(Sha256::digest(&body))[..16]),
        today: today.to_string(),
        store: store_plan,
        outputs,
        out: out_root.to_string_lossy().into_owned(),
    })
}

/// The run output folders in `out` (those with a `manifest.json`) to
/// delete: of a run being purged, or judged on their own manifest.
fn output_folders(
    out: &Path,
    run_ids: &BTreeMap<String, String>,
    why: &dyn Fn(&str, &str, &str) -> Option<String>,
) -> Result<Vec<OutputPurge>, JobError> {
    let listing = match fs::read_dir(out) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(JobError::WriteFile {
                path: out.to_path_buf(),
                message: format!("cannot list the out folder: {e}"),
            });
        }
    };
    let unreadable = |path: &Path, e: &dyn std::fmt::Display| JobError::WriteFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut found = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|e| unreadable(out, &e))?;
        let folder = entry.path();
        let is_dir = fs::symlink_metadata(&folder).is_ok_and(|m| m.is_dir());
        let manifest = folder.join("manifest.json");
        if !is_dir || !manifest.is_file() {
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
        let reason = run_ids
            .get(&run_id)
            .cloned()
            .or_else(|| why(&field("pipeline"), &field("as_of"), &field("finished_at")));
        let Some(reason) = reason else { continue };
        let mut files = Vec::new();
        hash_tree(&folder, &folder, &mut files)?;
        found.push(OutputPurge {
            folder: entry.file_name().to_string_lossy().into_owned(),
            run_id,
            as_of: field("as_of"),
            why: reason,
            files,
        });
    }
    found.sort_by(|a, b| a.folder.cmp(&b.folder));
    Ok(found)
}

/// Every regular file under `dir`, hashed, paths relative to `base`.
fn hash_tree(base: &Path, dir: &Path, out: &mut Vec<DeletedFile>) -> Result<(), JobError> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| JobError::WriteFile {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let meta = fs::symlink_metadata(&path).map_err(|e| JobError::WriteFile {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            hash_tree(base, &path, out)?;
        } else if meta.is_file() {
            let (sha256, bytes) = hash_file(&path)?;
            out.push(DeletedFile {
                path: path
                    .strip_prefix(base)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned(),
                rows: None,
                bytes,
                sha256,
            });
        }
    }
    Ok(())
}
