//! The rows behind a list, read back for the national export: the rent and
//! debt rows a run's `total_arrears_eur` added up for its listed households
//! (each feature's snapshot, window and `where` as the pipeline file says),
//! and the outreach outcomes closed in a period. Typed rows, so that the
//! export never handles Arrow arrays.

use crate::ScoringError;
use crate::list::column;
use crate::plan::{Latest, Planner, date};
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Date32Type, Decimal128Type};
use datafusion::prelude::{SessionContext, col};
use vroeg_contracts::Source;
use vroeg_contracts::value::date_from_days;
use vroeg_pipeline::{Feature, RuleSet};

/// A rent or debt row a list counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedRow {
    /// `rent_arrears` or `debt_arrears`.
    pub source: Source,
    /// The pseudonym.
    pub household_key: String,
    /// The landlord or creditor code.
    pub supplier_code: String,
    /// The creditor type (debt rows only).
    pub creditor_type: Option<String>,
    /// The snapshot date (peildatum).
    pub reference_date: NaiveDate,
    /// The oldest unpaid date.
    pub oldest_unpaid_date: NaiveDate,
    /// Arrears in cents.
    pub arrears_cents: i128,
}

/// An outreach outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedOutcome {
    /// The pseudonym.
    pub household_key: String,
    /// When the case closed.
    pub closed_date: NaiveDate,
    /// The outcome code of the contract.
    pub outcome: String,
    /// The kind of contact, when recorded.
    pub contact_kind: Option<String>,
}

/// The features whose rows are counted: those `total_arrears_eur` refers
/// to that read rent or debt arrears.
fn counted_features(rs: &RuleSet) -> Vec<&Feature> {
    let names = rs.total_arrears_eur.names();
    rs.features
        .iter()
        .filter(|f| names.contains(&f.name))
        .filter(|f| matches!(f.source, Source::RentArrears | Source::DebtArrears))
        .collect()
}

fn texts(b: &RecordBatch, name: &str) -> Result<Vec<Option<String>>, ScoringError> {
    let a = column(b, name, &DataType::Utf8)?;
    let a = a.as_string::<i32>();
    Ok((0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i).to_string()))
        .collect())
}

fn dates(b: &RecordBatch, name: &str) -> Result<Vec<Option<NaiveDate>>, ScoringError> {
    let a = column(b, name, &DataType::Date32)?;
    let a = a.as_primitive::<Date32Type>();
    Ok((0..a.len())
        .map(|i| (!a.is_null(i)).then(|| date_from_days(a.value(i))))
        .collect())
}

/// The rows `total_arrears_eur` added up at `as_of` for `households`, with
/// the tables of `ctx` as the run read them.
pub async fn counted_rows(
    ctx: &SessionContext,
    rs: &RuleSet,
    as_of: NaiveDate,
    households: &[&str],
) -> Result<Vec<CountedRow>, ScoringError> {
    let none = Latest::new();
    let planner = Planner::before(ctx, rs, as_of, &none).only(households);
    let mut out = Vec::new();
    for f in counted_features(rs) {
        let batches = planner.feature_rows(f).await?.collect().await?;
        let supplier = match f.source {
            Source::RentArrears => "landlord_code",
            _ => "creditor_code",
        };
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
                // every column is required by the contract: never null
                let (Some(key), Some(supplier_code), Some(reference_date), Some(oldest)) =
                    (keys[i].clone(), suppliers[i].clone(), refs[i], oldest[i])
                else {
                    continue;
                };
                out.push(CountedRow {
                    source: f.source,
                    household_key: key,
                    supplier_code,
                    creditor_type: types[i].clone(),
                    reference_date,
                    oldest_unpaid_date: oldest,
                    arrears_cents: amounts.value(i),
                });
            }
        }
    }
    Ok(out)
}

/// The outreach outcomes closed in [from, to].
pub async fn closed_outcomes(
    ctx: &SessionContext,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ClosedOutcome>, ScoringError> {
    let batches = ctx
        .table(Source::OutreachOutcomes.name())
        .await?
        .filter(
            col("closed_date")
                .gt_eq(date(from))
                .and(col("closed_date").lt_eq(date(to))),
        )?
        .collect()
        .await?;
    let mut out = Vec::new();
    for b in &batches {
        let keys = texts(b, "household_key")?;
        let closed = dates(b, "closed_date")?;
        let outcomes = texts(b, "outcome")?;
        let kinds = texts(b, "contact_kind")?;
        for i in 0..b.num_rows() {
            if let (Some(k), Some(c), Some(o)) = (keys[i].clone(), closed[i], outcomes[i].clone()) {
                out.push(ClosedOutcome {
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
