//! `vroeg export ddas`: the national exchange document (DDAS v1.2) of the
//! recorded runs in a period.
//!
//! The signals are the rows the runs counted: for every household a
//! recorded run with as-of date in [from, to] listed, its rows of
//! `rent_arrears` and `debt_arrears` that the features summed into
//! `total_arrears_eur` aggregate at that run's as-of date (current
//! snapshot, window and `where` as the pipeline file says). They are read
//! again from the store, which keeps replaced rows out as every run does.
//! The cases are the outreach outcomes closed in [from, to].

use crate::{JobError, engine::runtime, load, recorded};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeSet;
use std::path::PathBuf;
use vroeg_contracts::Source;
use vroeg_outreach::ContactTable;
use vroeg_outreach::audit::{self, AuditRecord};
use vroeg_outreach::ddas::{
    self, ContactPerson, ExportRequest, Organisation, OutcomeRow, SignalRow, SignalSource,
};
use vroeg_pipeline::Pipeline;
use vroeg_scoring::counted::{CountedRow, closed_outcomes, counted_rows};

/// What `vroeg export ddas` is asked.
#[derive(Debug, Clone)]
pub struct ExportDdasRequest {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// The municipality's contact table.
    pub contacts: PathBuf,
    /// `GMxxxx`.
    pub municipality_code: String,
    /// The supplier code (codeGegevensleverancier).
    pub supplier_code: String,
    /// Why the export is made (written to the audit log).
    pub reason: String,
    /// The JSON file to create.
    pub out: PathBuf,
    /// Folders overriding the pipeline file's.
    pub paths: load::PathOverrides,
    /// The delivery time written (`aanleverdatumEnTijd`); now when `None`.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Make a new signal-ID key although earlier exports used one that is
    /// gone (every signal then gets a new ID).
    pub new_id_key: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportDdasOutcome {
    /// Recorded runs in the period.
    pub runs: u64,
    /// The document's counts.
    pub summary: ddas::ExportSummary,
}

/// Whether the signal-ID key is missing while the audit log records an
/// export made with it.
fn id_key_lost(store_root: &std::path::Path) -> bool {
    std::fs::symlink_metadata(store_root.join(ddas::ID_KEY_FILE)).is_err()
        && std::fs::read_to_string(store_root.join(audit::LOG_FILE))
            .is_ok_and(|log| log.contains("\"command\":\"export ddas\""))
}

/// A counted row as a DDAS signal row.
fn signal_row(r: CountedRow) -> SignalRow {
    SignalRow {
        source: match r.creditor_type {
            Some(creditor_type) if r.source == Source::DebtArrears => {
                SignalSource::Debt { creditor_type }
            }
            _ => SignalSource::Rent,
        },
        household_key: r.household_key,
        supplier_code: r.supplier_code,
        reference_date: r.reference_date,
        oldest_unpaid_date: r.oldest_unpaid_date,
        arrears_cents: r.arrears_cents,
    }
}

fn organisation(p: &Pipeline) -> Result<Organisation, JobError> {
    let d = p.ddas.as_ref().ok_or_else(|| {
        JobError::Usage(format!(
            "{}: the pipeline file has no [ddas] section naming the delivering organisation; add one (docs/outreach.md)",
            p.file.display()
        ))
    })?;
    Ok(Organisation {
        naam: d.naam.clone(),
        kvk_nummer: Some(d.kvk_nummer.clone()),
        contactpersonen: d
            .contactpersonen
            .iter()
            .map(|c| ContactPerson {
                naam: c.naam.clone(),
                telefoonnummer: c.telefoonnummer.clone(),
                email: c.email.clone(),
                functietitel: c.functietitel.clone(),
            })
            .collect(),
    })
}

/// Writes the DDAS document of the recorded runs with as-of in [from, to].
pub fn export_ddas(req: &ExportDdasRequest) -> Result<ExportDdasOutcome, JobError> {
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let rs = load::rule_set(&p)?;
    if req.from > req.to {
        return Err(JobError::Usage(format!(
            "--from {} is after --to {}",
            req.from, req.to
        )));
    }
    ddas::check_municipality_code(&req.municipality_code)?;
    let code = req.supplier_code.as_str();
    if code.trim().is_empty() || code.chars().count() > 80 || code.chars().any(char::is_control) {
        return Err(JobError::Usage(
            "--supplier-code: give the code of the supplier of the data (codeGegevensleverancier), 1 to 80 characters on one line"
                .into(),
        ));
    }
    recorded::check_reason(&req.reason)?;
    let organisation = organisation(&p)?;
    vroeg_outreach::files::check_new_file(&req.out)?;
    recorded::check_out_place(&req.out, &p)?;
    let store = load::store_read_only(&p)?;
    let runs = recorded::runs_between(&store.runs()?, &p.name, req.from, req.to);
    if runs.is_empty() {
        return Err(JobError::NoRecordedRun(format!(
            "no recorded run of pipeline `{}` with an as-of date from {} to {}: nothing to export",
            vroeg_contracts::text::escaped(&p.name),
            req.from,
            req.to
        )));
    }
    for run in &runs {
        recorded::check_usable(run, rs)?;
    }
    let contacts = ContactTable::load(&req.contacts)?;
    let rt = runtime()?;
    let mut signals = Vec::new();
    for run in &runs {
        let as_of: NaiveDate = run.as_of.parse().map_err(|_| {
            JobError::Store(vroeg_store::StoreError::RunRecord {
                path: store.root().join("runs"),
                message: format!("run {} has as-of date {:?}", run.seq, run.as_of),
            })
        })?;
        let listed = store.run_listed(run)?;
        if listed.is_empty() {
            continue;
        }
        let keys: Vec<&str> = listed.iter().map(|h| h.household_key.as_str()).collect();
        let ctx = crate::EngineChoice::Local.session(&p.engine)?;
        recorded::view_as_run(&store, run)?.register(&ctx, Some(as_of))?;
        let counted = rt.block_on(counted_rows(&ctx, rs, as_of, &keys))?;
        signals.extend(counted.into_iter().map(signal_row));
    }
    let ctx = crate::EngineChoice::Local.session(&p.engine)?;
    store.view().register(&ctx, Some(req.to))?;
    let outcomes = rt
        .block_on(closed_outcomes(&ctx, req.from, req.to))?
        .into_iter()
        .map(|o| OutcomeRow {
            household_key: o.household_key,
            closed_date: o.closed_date,
            outcome: o.outcome,
            contact_kind: o.contact_kind,
        })
        .collect();
    let request = ExportRequest {
        from: req.from,
        to: req.to,
        delivered_at: req.delivered_at.unwrap_or_else(Utc::now),
        municipality_code: req.municipality_code.clone(),
        supplier_code: req.supplier_code.clone(),
        organisation,
        signals,
        outcomes,
    };
    if !req.new_id_key && id_key_lost(store.root()) {
        return Err(JobError::NoRecordedRun(format!(
            "the store's {} is missing, but its audit log records earlier exports: restore it from a backup, or pass --new-id-key to start new signal IDs (the monitor will see every signal as new)",
            ddas::ID_KEY_FILE
        )));
    }
    let id_key = ddas::id_key(store.root())?;
    let (document, summary) = ddas::build(&request, &contacts, &id_key)?;
    let exported: BTreeSet<&str> = request
        .signals
        .iter()
        .map(|s| s.household_key.as_str())
        .filter(|k| contacts.get(k).is_some())
        .collect();
    audit::append(
        store.root(),
        &AuditRecord {
            command: "export ddas".into(),
            pipeline: p.name.clone(),
            as_of: format!("{}/{}", req.from, req.to),
            run_id: runs
                .iter()
                .map(|r| r.run_id.as_str())
                .collect::<Vec<_>>()
                .join(","),
            team: String::new(),
            reason: req.reason.clone(),
            households: summary.households,
            keys_sha256: audit::keys_sha256(exported),
            deleted: None,
        },
    )?;
    ddas::write_document(&req.out, &document)?;
    Ok(ExportDdasOutcome {
        runs: runs.len() as u64,
        summary,
    })
}
