//! `vroeg run`, the scheduled job, in its stages: load → ingest → score →
//! outputs → report → publish → record. A failing stage leaves the out
//! folder as it was (publishing is the one step that changes it) and the
//! store with whatever deliveries were committed.

use crate::{EngineChoice, JobError, engine::runtime, ingest, load};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use vroeg_contracts::text::escaped;
use vroeg_ingest::IngestReport;
use vroeg_outputs::{InputDelivery, Manifest, RefusedFile, Summary, publish, render, sha256};
use vroeg_pipeline::{FairnessBand, Pipeline, RuleSet, Teams};
use vroeg_report::{PreviousRun, ReportInput, RunIdentity};
use vroeg_scoring::{Counts, SignalList, StaleSupplier};
use vroeg_store::{DeliveryStatus, ListedRecord, RunRecord, Store};

/// What `vroeg run` is asked.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// The as-of date T: nothing dated after it is used.
    pub as_of: NaiveDate,
    /// Folders overriding the pipeline file's.
    pub paths: load::PathOverrides,
    /// The out folder as given; by default `<[paths] out>/<as-of date>/`.
    pub out: Option<PathBuf>,
    /// The engine's memory limit in bytes, overriding `[engine] memory_limit`.
    pub memory_limit: Option<u64>,
    /// Show household keys in the report's "what changed" section.
    pub report_keys: bool,
    /// Where the plan runs.
    pub engine: EngineChoice,
}

/// A published run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The run id (also in `manifest.json` and the run history).
    pub run_id: String,
    /// The counts of `summary.json`.
    pub counts: Counts,
    /// Where the outputs are.
    pub out_dir: PathBuf,
}

/// Runs the job. `on_ingested` is called once the inbox is taken in, so a
/// caller can show the deliveries before scoring starts.
pub fn run(
    req: &RunRequest,
    on_ingested: &mut dyn FnMut(&IngestReport),
) -> Result<RunOutcome, JobError> {
    let started = Utc::now();
    let mut p = load::pipeline(&req.pipeline, &req.paths)?;
    if let Some(limit) = req.memory_limit {
        p.engine.memory_limit = limit;
    }
    let out_dir = req
        .out
        .clone()
        .unwrap_or_else(|| p.out.join(req.as_of.to_string()));
    let rs = load::rule_set(&p)?.clone();
    let rt = runtime()?;
    rt.block_on(vroeg_scoring::check(&rs))?;
    vroeg_outputs::check_out_dir(&out_dir, &p.inbox, &p.store)?;
    let mut store = load::store(&p)?;
    if store.purge_journal()?.is_some() {
        tracing::warn!(
            "a purge was interrupted; the store reads as before it, and `vroeg purge` finishes it"
        );
    }

    let ingested = ingest::take(&mut store, &p)?;
    on_ingested(&ingested);

    crate::kept::require_kept(&store, &rs, req.as_of)?;
    let ctx = req.engine.session(&p.engine)?;
    crate::progress::stage("scoring");
    let used = crate::kept::register_for_scoring(&store.view(), &ctx, &rs, req.as_of)?;
    let list = rt.block_on(vroeg_scoring::score(&ctx, &rs, req.as_of))?;
    warn_unrouted(&p, &list);
    let stale = rt.block_on(vroeg_scoring::stale_suppliers(&ctx, &rs, req.as_of))?;
    let register = rt.block_on(vroeg_scoring::register_districts(&ctx, &rs, req.as_of))?;

    crate::progress::stage("writing outputs");
    let identity = identity(&p, &rs, req.as_of, started);
    let refused = refused_files(&ingested);
    let summary = Summary {
        as_of: req.as_of.to_string(),
        counts: &list.counts,
        refused_files: &refused,
    };
    let mut files = render(&list, &summary)?;

    let report = Report {
        identity: &identity,
        rules: &rs,
        teams: &p.teams,
        list: &list,
        ingested: &ingested,
        used: &used,
        refused: &refused,
        stale: &stale,
        show_keys: req.report_keys,
        register: &register,
        fairness_band: p.fairness,
        legitimacy: &p.legitimacy,
        register_url: p.register.as_ref().and_then(|r| r.entry_url.as_deref()),
    };
    files.extend(report.render(&store)?);

    let manifest = manifest(&identity, &store, &used, &files);
    let mut json = serde_json::to_vec_pretty(&manifest).map_err(JobError::Manifest)?;
    json.push(b'\n');
    files.insert("manifest.json".to_string(), json);
    publish(&out_dir, &identity.run_id, &files)?;

    let reads_from = crate::kept::reads_from(&rs, req.as_of, &crate::kept::known(&store))
        .into_iter()
        .map(|(s, d)| (s.name().to_string(), d.to_string()))
        .collect();
    let absolute_out = std::path::absolute(&out_dir).unwrap_or_else(|_| out_dir.clone());
    record(
        &mut store,
        &identity,
        &manifest,
        &list,
        reads_from,
        &absolute_out,
    )
    .map_err(|source| JobError::RecordRun {
        out: out_dir.clone(),
        source,
    })?;
    crate::progress::done();
    Ok(RunOutcome {
        run_id: identity.run_id,
        counts: list.counts,
        out_dir,
    })
}

/// Who this run is: names, hashes, start time and a run id unique to it.
fn identity(p: &Pipeline, rs: &RuleSet, as_of: NaiveDate, started: DateTime<Utc>) -> RunIdentity {
    let nanos = started.timestamp_nanos_opt().unwrap_or(0);
    let run_id = format!(
        "{}-{}",
        started.format("%Y%m%dT%H%M%SZ"),
        &sha256(format!("{}{as_of}{nanos}", p.sha256).as_bytes())[..8]
    );
    RunIdentity {
        pipeline: p.name.clone(),
        description: p.description.clone(),
        as_of: as_of.to_string(),
        run_id,
        rule_set_sha256: rs.sha256(),
        pipeline_sha256: p.sha256.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: started.to_rfc3339_opts(SecondsFormat::Millis, true),
    }
}

/// Listed households that no team visits (teams without a default team):
/// said in the log, and in the report's per-team table.
fn warn_unrouted(p: &Pipeline, list: &SignalList) {
    if p.teams.is_empty() {
        return;
    }
    let unrouted = list
        .listed()
        .filter(|(_, h)| p.teams.route(h.district_code.as_deref()).is_none())
        .count();
    if unrouted > 0 {
        tracing::warn!(
            households = unrouted,
            "listed households whose district is in no team, and the pipeline file has no [teams] default: they are on no worklist"
        );
    }
}

/// Deliveries refused or unreadable during this run's ingest.
fn refused_files(ingested: &IngestReport) -> Vec<RefusedFile> {
    ingested
        .refused()
        .map(|e| RefusedFile {
            file: format!("{}/{}", e.source, escaped(&e.file_name)),
            message: e.message.clone().unwrap_or_default(),
        })
        .chain(ingested.unreadable.iter().map(|(f, m)| RefusedFile {
            file: f.clone(),
            message: format!("cannot be read: {m}"),
        }))
        .collect()
}

/// What the report of one run is made of.
struct Report<'a> {
    identity: &'a RunIdentity,
    rules: &'a RuleSet,
    teams: &'a Teams,
    list: &'a SignalList,
    ingested: &'a IngestReport,
    used: &'a BTreeSet<u64>,
    refused: &'a [RefusedFile],
    stale: &'a [StaleSupplier],
    show_keys: bool,
    register: &'a BTreeMap<String, u64>,
    fairness_band: FairnessBand,
    legitimacy: &'a vroeg_pipeline::Legitimacy,
    register_url: Option<&'a str>,
}

impl Report<'_> {
    /// `report.html`, `report-data.json` and the notebook, compared with
    /// the previous recorded run of the same pipeline.
    fn render(&self, store: &Store) -> Result<BTreeMap<String, Vec<u8>>, JobError> {
        let history: Vec<RunRecord> = store
            .runs()?
            .into_iter()
            .filter(|r| r.pipeline == self.identity.pipeline)
            .collect();
        let previous =
            match RunRecord::previous(&history, &self.identity.pipeline, &self.identity.as_of) {
                Some(record) => Some(PreviousRun {
                    listed: store.run_listed(record)?,
                    record: record.clone(),
                }),
                None => None,
            };
        Ok(vroeg_report::render(&ReportInput {
            identity: self.identity.clone(),
            rules: self.rules,
            teams: self.teams,
            list: self.list,
            deliveries: store
                .ledger()
                .iter()
                .filter(|e| e.status != DeliveryStatus::Accepted || self.used.contains(&e.seq))
                .collect(),
            new_deliveries: self.ingested.entries.iter().map(|e| e.seq).collect(),
            refused: self.refused,
            stale: self.stale,
            previous,
            history: &history,
            show_keys: self.show_keys,
            register: self.register,
            fairness_band: self.fairness_band,
            legitimacy: self.legitimacy,
            register_url: self.register_url,
        })?)
    }
}

/// The manifest: inputs used, outputs written, with their hashes.
fn manifest(
    identity: &RunIdentity,
    store: &Store,
    used: &BTreeSet<u64>,
    files: &BTreeMap<String, Vec<u8>>,
) -> Manifest {
    let inputs = store
        .ledger()
        .iter()
        .filter(|e| e.status == DeliveryStatus::Accepted && used.contains(&e.seq))
        .map(|e| InputDelivery {
            seq: e.seq,
            file: format!("{}/{}", e.source, e.file_name),
            sha256: e.sha256.clone(),
        })
        .collect();
    Manifest {
        run_id: identity.run_id.clone(),
        pipeline: identity.pipeline.clone(),
        as_of: identity.as_of.clone(),
        pipeline_sha256: identity.pipeline_sha256.clone(),
        rule_set_sha256: identity.rule_set_sha256.clone(),
        inputs,
        outputs: files.iter().map(|(n, b)| (n.clone(), sha256(b))).collect(),
        tool_version: identity.tool_version.clone(),
        started_at: identity.started_at.clone(),
        finished_at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
    }
}

/// Adds the run and its listed households to the store's run history.
fn record(
    store: &mut Store,
    identity: &RunIdentity,
    manifest: &Manifest,
    list: &SignalList,
    reads_from: BTreeMap<String, String>,
    out_dir: &std::path::Path,
) -> Result<(), vroeg_store::StoreError> {
    let listed: Vec<ListedRecord> = list
        .listed()
        .map(|(rank, h)| ListedRecord {
            household_key: h.household_key.clone(),
            rank,
            score: h.score,
            rules: h.rules.clone(),
            total_arrears_eur: vroeg_contracts::value::format_decimal(h.total_arrears_cents, 2),
            district_code: h.district_code.clone().unwrap_or_default(),
        })
        .collect();
    store.record_run(
        RunRecord {
            seq: 0,
            run_id: identity.run_id.clone(),
            pipeline: identity.pipeline.clone(),
            as_of: identity.as_of.clone(),
            rule_set_sha256: identity.rule_set_sha256.clone(),
            finished_at: manifest.finished_at.clone(),
            listed: list.counts.listed,
            last_delivery: Some(store.ledger().last().map_or(0, |e| e.seq)),
            reads_from: Some(reads_from),
            out_dir: Some(out_dir.to_string_lossy().into_owned()),
        },
        &listed,
    )?;
    Ok(())
}
