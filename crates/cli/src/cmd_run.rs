//! `vroeg run`, `vroeg check` and `vroeg explain`: scoring an as-of date.

use crate::cmd_ingest::{load_pipeline, open_store, print_report, take_deliveries};
use crate::exit::{Failure, Outcome};
use anyhow::anyhow;
use chrono::{NaiveDate, SecondsFormat, Utc};
use std::collections::BTreeSet;
use std::path::PathBuf;
use vroeg_outputs::{InputDelivery, Manifest, RefusedFile, Summary, publish, render, sha256};
use vroeg_pipeline::{Engine, Pipeline, RuleSet, parse_bytes};
use vroeg_report::{PreviousRun, ReportInput, RunIdentity};
use vroeg_scoring::{ScoringError, Status};
use vroeg_store::{DeliveryStatus, ListedRecord, RunRecord, Store};

/// Arguments of `vroeg run`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg run --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31"
)]
pub struct RunArgs {
    /// The pipeline file (TOML).
    #[arg(long)]
    pipeline: PathBuf,
    /// The as-of date T (YYYY-MM-DD): nothing dated after it is used.
    #[arg(long)]
    as_of: NaiveDate,
    /// Inbox folder, overriding the pipeline file's.
    #[arg(long)]
    inbox: Option<PathBuf>,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
    /// Out folder, used as it is; by default the run writes to
    /// `<the pipeline file's out>/<as-of date>/`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The query engine's memory limit (e.g. `4GiB`), overriding the
    /// pipeline file's `[engine] memory_limit`.
    #[arg(long, value_parser = parse_bytes)]
    memory_limit: Option<u64>,
    /// Show household keys in the report's "what changed" section (for
    /// authorised staff only: the report then holds personal data).
    #[arg(long)]
    report_keys: bool,
    /// `local` (DataFusion in this process) or `df://HOST:PORT` of a Ballista scheduler.
    #[arg(long, default_value = "local")]
    engine: String,
}

/// Arguments of `vroeg check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The pipeline file (TOML).
    #[arg(long)]
    pipeline: PathBuf,
}

/// Arguments of `vroeg explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg explain --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31 --household 3f2a..."
)]
pub struct ExplainArgs {
    /// The pipeline file (TOML).
    #[arg(long)]
    pipeline: PathBuf,
    /// The as-of date T.
    #[arg(long)]
    as_of: NaiveDate,
    /// The household pseudonym.
    #[arg(long)]
    household: String,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))
}

fn rule_set(p: &Pipeline) -> Result<&RuleSet, Failure> {
    p.rule_set
        .as_ref()
        .ok_or_else(|| Failure::Usage(ScoringError::NoRules.into()))
}

fn scoring_failure(e: ScoringError) -> Failure {
    match e {
        ScoringError::Rule { .. } | ScoringError::NoRules => Failure::Usage(e.into()),
        _ => Failure::Other(e.into()),
    }
}

fn check_engine(engine: &str) -> Result<(), Failure> {
    if engine == "local" {
        return Ok(());
    }
    if engine.starts_with("df://") {
        return Err(Failure::Usage(anyhow!(
            "--engine {engine}: this vroeg was built without the Ballista engine; build it with `cargo build --release --features distributed`"
        )));
    }
    Err(Failure::Usage(anyhow!(
        "--engine {engine}: use `local` or `df://HOST:PORT`"
    )))
}

/// Runs `vroeg check`.
pub fn check(args: CheckArgs) -> Outcome {
    let pipeline = load_pipeline(&args.pipeline, None, None)?;
    let rs = rule_set(&pipeline)?;
    runtime()?
        .block_on(vroeg_scoring::check(rs))
        .map_err(scoring_failure)?;
    println!(
        "{}: ok ({} parameters, {} features, {} rules; rule set {})",
        args.pipeline.display(),
        rs.params.len(),
        rs.features.len(),
        rs.rules.len(),
        &rs.sha256()[..12]
    );
    Ok(())
}

fn register(
    store: &Store,
    engine: &Engine,
    as_of: NaiveDate,
) -> Result<(datafusion::prelude::SessionContext, BTreeSet<u64>), Failure> {
    let ctx = vroeg_scoring::session(engine).map_err(scoring_failure)?;
    let used = store
        .view()
        .register(&ctx, Some(as_of))
        .map_err(|e| Failure::Other(e.into()))?;
    Ok((ctx, used))
}

/// Runs `vroeg run`: ingest, score, publish.
pub fn run(args: RunArgs) -> Outcome {
    let started = Utc::now();
    check_engine(&args.engine)?;
    let mut pipeline = load_pipeline(&args.pipeline, args.inbox, args.store)?;
    if let Some(limit) = args.memory_limit {
        pipeline.engine.memory_limit = limit;
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| pipeline.out.join(args.as_of.to_string()));
    let rs = rule_set(&pipeline)?.clone();
    let rt = runtime()?;
    rt.block_on(vroeg_scoring::check(&rs))
        .map_err(scoring_failure)?;
    let mut store = open_store(&pipeline)?;
    let report = take_deliveries(&mut store, &pipeline)?;
    print_report(&report);
    let (ctx, used) = register(&store, &pipeline.engine, args.as_of)?;
    let list = rt
        .block_on(vroeg_scoring::score(&ctx, &rs, args.as_of))
        .map_err(scoring_failure)?;
    let refused: Vec<RefusedFile> = report
        .refused()
        .map(|e| RefusedFile {
            file: format!("{}/{}", e.source, e.file_name),
            message: e.message.clone().unwrap_or_default(),
        })
        .chain(report.unreadable.iter().map(|(f, m)| RefusedFile {
            file: f.clone(),
            message: format!("cannot be read: {m}"),
        }))
        .collect();
    let summary = Summary {
        as_of: args.as_of.to_string(),
        counts: &list.counts,
        refused_files: &refused,
    };
    let mut files = render(&list, &summary).map_err(|e| Failure::Other(e.into()))?;
    let stale = rt
        .block_on(vroeg_scoring::stale_suppliers(&ctx, &rs, args.as_of))
        .map_err(scoring_failure)?;
    let run_id = format!(
        "{}-{}",
        started.format("%Y%m%dT%H%M%SZ"),
        &sha256(
            format!(
                "{}{}{}",
                pipeline.sha256,
                args.as_of,
                started.timestamp_nanos_opt().unwrap_or(0)
            )
            .as_bytes()
        )[..8]
    );
    let identity = RunIdentity {
        pipeline: pipeline.name.clone(),
        description: pipeline.description.clone(),
        as_of: args.as_of.to_string(),
        run_id: run_id.clone(),
        rule_set_sha256: rs.sha256(),
        pipeline_sha256: pipeline.sha256.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: started.to_rfc3339_opts(SecondsFormat::Millis, true),
    };
    let (history, previous) = run_history(&store, &identity)?;
    let report_files = vroeg_report::render(&ReportInput {
        identity: identity.clone(),
        rules: &rs,
        list: &list,
        deliveries: store
            .ledger()
            .iter()
            .filter(|e| e.status != DeliveryStatus::Accepted || used.contains(&e.seq))
            .collect(),
        new_deliveries: report.entries.iter().map(|e| e.seq).collect(),
        refused: &refused,
        stale: &stale,
        previous,
        history: &history,
        show_keys: args.report_keys,
    })
    .map_err(|e| Failure::Other(e.into()))?;
    files.extend(report_files);
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
    let manifest = Manifest {
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
    };
    let mut json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
    json.push(b'\n');
    files.insert("manifest.json".to_string(), json);
    publish(&out_dir, &run_id, &files).map_err(|e| Failure::Other(e.into()))?;
    let listed: Vec<ListedRecord> = list
        .listed()
        .map(|(rank, h)| ListedRecord {
            household_key: h.household_key.clone(),
            rank,
            score: h.score,
            rules: h.rules.clone(),
        })
        .collect();
    store
        .record_run(
            RunRecord {
                seq: 0,
                run_id: identity.run_id,
                pipeline: identity.pipeline,
                as_of: identity.as_of,
                rule_set_sha256: identity.rule_set_sha256,
                finished_at: manifest.finished_at.clone(),
                listed: list.counts.listed,
            },
            &listed,
        )
        .map_err(|e| {
            Failure::Other(anyhow!(
                "the outputs are published in {}, but the run could not be added to the store's run history (the next report will not compare with it): {e}",
                out_dir.display()
            ))
        })?;
    let c = &list.counts;
    println!(
        "as of {}: {} households with a rule, {} eligible, {} not resident, {} suppressed (recent contact), {} listed -> {}",
        args.as_of,
        c.households_with_rule,
        c.eligible,
        c.not_resident,
        c.suppressed_recent_contact,
        c.listed,
        out_dir.display()
    );
    Ok(())
}

/// The recorded runs of this run's pipeline and the one it compares with.
fn run_history(
    store: &Store,
    identity: &RunIdentity,
) -> Result<(Vec<RunRecord>, Option<PreviousRun>), Failure> {
    let history: Vec<RunRecord> = store
        .runs()
        .map_err(|e| Failure::Other(e.into()))?
        .into_iter()
        .filter(|r| r.pipeline == identity.pipeline)
        .collect();
    let previous = match RunRecord::previous(&history, &identity.pipeline, &identity.as_of) {
        Some(record) => Some(PreviousRun {
            listed: store
                .run_listed(record)
                .map_err(|e| Failure::Other(e.into()))?,
            record: record.clone(),
        }),
        None => None,
    };
    Ok((history, previous))
}

/// Runs `vroeg explain`.
pub fn explain(args: ExplainArgs) -> Outcome {
    if vroeg_contracts::value::is_raw_identifier(&args.household)
        || vroeg_contracts::value::check_key(&args.household).is_err()
    {
        return Err(Failure::Usage(anyhow!(
            "--household: not a household pseudonym (8 to 128 of 0-9 A-Z a-z _ -); a raw identifier is never accepted here"
        )));
    }
    let pipeline = load_pipeline(&args.pipeline, None, args.store)?;
    let rs = rule_set(&pipeline)?;
    let store = open_store(&pipeline)?;
    let (ctx, _) = register(&store, &pipeline.engine, args.as_of)?;
    let rt = runtime()?;
    let e = rt
        .block_on(vroeg_scoring::explain(
            &ctx,
            rs,
            args.as_of,
            &args.household,
        ))
        .map_err(scoring_failure)?;
    println!("household {} as of {}", args.household, args.as_of);
    match &e.scored {
        None => println!("no rule fired: not on the list"),
        Some((h, status)) => {
            let verdict = match status {
                Status::Listed(r) => format!("listed at rank {r}"),
                Status::NotEligible => format!("not listed: score below {}", rs.eligible_min_score),
                Status::NotResident => {
                    "not listed: not in the latest register snapshot (moved away)".into()
                }
                Status::SuppressedRecentContact => format!(
                    "not listed: outreach outcome closed in the last {} days",
                    rs.suppress_recent_contact_days
                ),
                Status::BeyondMaxListed => "not listed: beyond max_listed".into(),
            };
            println!(
                "score {} (eligible from {}), {} domain(s), total arrears {} euros: {verdict}",
                h.score,
                rs.eligible_min_score,
                h.domains,
                vroeg_contracts::value::format_decimal(h.total_arrears_cents, 2)
            );
        }
    }
    println!("\nrules:");
    for r in &e.rules {
        println!(
            "  [{}] {:<26} {:>2} pts  {:<12} {}\n        when {}",
            if r.fired { "x" } else { " " },
            r.id,
            r.weight,
            r.domain.as_deref().unwrap_or("-"),
            r.description,
            r.condition
        );
    }
    println!("\nfeatures:");
    for (name, value, description) in &e.features {
        println!("  {name:<26} = {value:<12} {description}");
    }
    Ok(())
}
