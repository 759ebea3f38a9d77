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
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Decimal128Type};
use datafusion::prelude::{SessionContext, col, lit};
use std::collections::BTreeSet;
use std::path::PathBuf;
use vroeg_contracts::Source;
use vroeg_contracts::value::date_from_days;
use vroeg_outreach::ContactTable;
use vroeg_outreach::audit::{self, AuditRecord};
use vroeg_outreach::ddas::{
    self, ContactPerson, ExportRequest, Organisation, OutcomeRow, SignalRow, SignalSource,
};
use vroeg_pipeline::{Feature, Pipeline, RuleSet};
use vroeg_scoring::plan::{Latest, Planner};

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
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportDdasOutcome {
    /// Recorded runs in the period.
    pub runs: u64,
    /// The document's counts.
    pub summary: ddas::ExportSummary,
}

/// The features whose rows become signals: those `total_arrears_eur`
/// refers to that read rent or debt arrears.
fn signal_features(rs: &RuleSet) -> Vec<&Feature> {
    let names = rs.total_arrears_eur.names();
    rs.features
        .iter()
        .filter(|f| names.contains(&f.name))
        .filter(|f| matches!(f.source, Source::RentArrears | Source::DebtArrears))
        .collect()
}

fn dates(batch: &RecordBatch, name: &str) -> Result<Vec<Option<NaiveDate>>, JobError> {
    let a = column(batch, name, &DataType::Date32)?;
    let a = a.as_primitive::<Date32Type>();
    Ok((0..a.len())
        .map(|i| (!a.is_null(i)).then(|| date_from_days(a.value(i))))
        .collect())
}

fn texts(batch: &RecordBatch, name: &str) -> Result<Vec<Option<String>>, JobError> {
    let a = column(batch, name, &DataType::Utf8)?;
    let a = a.as_string::<i32>();
    Ok((0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i).to_string()))
        .collect())
}

fn column(
    batch: &RecordBatch,
    name: &str,
    to: &DataType,
) -> Result<datafusion::arrow::array::ArrayRef, JobError> {
    let idx = batch
        .schema()
        .index_of(name)
        .map_err(|e| JobError::Scoring(datafusion::error::DataFusionError::from(e).into()))?;
    cast(batch.column(idx), to)
        .map_err(|e| JobError::Scoring(datafusion::error::DataFusionError::from(e).into()))
}

/// The rows of `f` at `as_of` of the listed `keys`.
async fn signal_rows(
    ctx: &SessionContext,
    rs: &RuleSet,
    as_of: NaiveDate,
    f: &Feature,
    keys: &BTreeSet<String>,
) -> Result<Vec<SignalRow>, JobError> {
    let none = Latest::new();
    let planner = Planner::before(ctx, rs, as_of, &none);
    let listed: Vec<_> = keys.iter().map(|k| lit(k.as_str())).collect();
    let rows = planner
        .feature_rows(f)
        .await?
        .filter(col("household_key").in_list(listed, false))
        .map_err(|e| JobError::Scoring(e.into()))?;
    let batches = rows
        .collect()
        .await
        .map_err(|e| JobError::Scoring(e.into()))?;
    let supplier = match f.source {
        Source::RentArrears => "landlord_code",
        _ => "creditor_code",
    };
    let mut out = Vec::new();
    for b in &batches {
        let keys = texts(b, "household_key")?;
        let suppliers = texts(b, supplier)?;
        let refs = dates(b, "reference_date")?;
        let oldest = dates(b, "oldest_unpaid_date")?;
        let types = match f.source {
            Source::DebtArrears => texts(b, "creditor_type")?,
            _ => vec![None; b.num_rows()],
        };
        let amounts = column(b, "arrears_eur", &DataType::Decimal128(38, 2))?;
        let amounts = amounts.as_primitive::<Decimal128Type>();
        for i in 0..b.num_rows() {
            let (Some(key), Some(supplier_code), Some(reference_date), Some(oldest)) =
                (keys[i].clone(), suppliers[i].clone(), refs[i], oldest[i])
            else {
                continue;
            };
            out.push(SignalRow {
                source: match &types[i] {
                    Some(t) => SignalSource::Debt {
                        creditor_type: t.clone(),
                    },
                    None => SignalSource::Rent,
                },
                household_key: key,
                supplier_code,
                reference_date,
                oldest_unpaid_date: oldest,
                arrears_cents: amounts.value(i),
            });
        }
    }
    Ok(out)
}

/// Outcomes closed in [from, to].
async fn outcome_rows(
    ctx: &SessionContext,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<OutcomeRow>, JobError> {
    let day = |d: NaiveDate| {
        lit(datafusion::common::ScalarValue::Date32(Some(
            vroeg_contracts::value::days_since_epoch(d),
        )))
    };
    let batches = ctx
        .table(Source::OutreachOutcomes.name())
        .await
        .map_err(|e| JobError::Scoring(e.into()))?
        .filter(
            col("closed_date")
                .gt_eq(day(from))
                .and(col("closed_date").lt_eq(day(to))),
        )
        .map_err(|e| JobError::Scoring(e.into()))?
        .collect()
        .await
        .map_err(|e| JobError::Scoring(e.into()))?;
    let mut out = Vec::new();
    for b in &batches {
        let keys = texts(b, "household_key")?;
        let closed = dates(b, "closed_date")?;
        let outcomes = texts(b, "outcome")?;
        let kinds = texts(b, "contact_kind")?;
        for i in 0..b.num_rows() {
            if let (Some(k), Some(c), Some(o)) = (keys[i].clone(), closed[i], outcomes[i].clone()) {
                out.push(OutcomeRow {
                    household_key: k,
                    closed_date: c,
                    outcome: o,
                    contact_kind: kinds[i].clone().filter(|s| !s.is_empty()),
                });
            }
        }
    }
    Ok(out)
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
    let features = signal_features(rs);
    for run in &runs {
        let as_of: NaiveDate = run.as_of.parse().map_err(|_| {
            JobError::Store(vroeg_store::StoreError::RunRecord {
                path: store.root().join("runs"),
                message: format!("run {} has as-of date {:?}", run.seq, run.as_of),
            })
        })?;
        let keys: BTreeSet<String> = store
            .run_listed(run)?
            .into_iter()
            .map(|h| h.household_key)
            .collect();
        if keys.is_empty() {
            continue;
        }
        let ctx = crate::EngineChoice::Local.session(&p.engine)?;
        recorded::view_as_run(&store, run)?.register(&ctx, Some(as_of))?;
        for f in &features {
            signals.extend(rt.block_on(signal_rows(&ctx, rs, as_of, f, &keys))?);
        }
    }
    let ctx = crate::EngineChoice::Local.session(&p.engine)?;
    store.view().register(&ctx, Some(req.to))?;
    let outcomes = rt.block_on(outcome_rows(&ctx, req.from, req.to))?;
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
        },
    )?;
    ddas::write_document(&req.out, &document)?;
    Ok(ExportDdasOutcome {
        runs: runs.len() as u64,
        summary,
    })
}
