//! The pipeline file as written: serde structs that mirror the TOML.
//! The doc comments here are the reference policy staff read.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The whole pipeline file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    /// `[pipeline]`: name and description.
    pub pipeline: RawIdentity,
    /// `[paths]`: where the inbox, the store and the outputs are.
    pub paths: RawPaths,
    /// `[sources.<name>]`: the CSV dialect of a source; sources not listed
    /// use `,`, `.` and `%Y-%m-%d`.
    #[serde(default)]
    pub sources: BTreeMap<String, RawSource>,
    /// `[params]`: named numbers, texts and lists that rules refer to as
    /// `{name}`.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    /// `[scoring]`: eligibility, suppression, list length.
    pub scoring: Option<RawScoring>,
    /// `[features.<name>]`: numbers per household.
    #[serde(default)]
    pub features: BTreeMap<String, RawFeature>,
    /// `[rules.<id>]`: conditions that add to the score.
    #[serde(default)]
    pub rules: BTreeMap<String, RawRule>,
    /// `[engine]`: how much memory the query engine may use.
    pub engine: Option<RawEngine>,
}

/// `[engine]`: resources of the query engine.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEngine {
    /// Memory the query engine may hold, e.g. `"8GiB"` or `"512MiB"`
    /// (units B, KiB, MiB, GiB, TiB); beyond it, sorts and aggregations
    /// spill to disk. Default `"8GiB"`.
    pub memory_limit: Option<String>,
    /// Folder for spill files, relative to the pipeline file; default the
    /// system's temporary folder.
    pub spill_dir: Option<String>,
}

/// `[pipeline]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    /// Short name: letters, digits, `_`, `-`. Names output folders.
    pub name: String,
    /// One sentence for people reading the report.
    #[serde(default)]
    pub description: String,
}

/// `[paths]`, relative to the pipeline file's folder.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPaths {
    /// The inbox: one folder per source with `.csv` deliveries.
    pub inbox: String,
    /// The Parquet store.
    pub store: String,
    /// Where runs write the signal list and reports.
    pub out: String,
}

/// `[sources.<name>]`: how the supplier writes its CSV.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Field delimiter, `","` (default) or e.g. `";"`.
    #[serde(default = "comma")]
    pub delimiter: String,
    /// Decimal separator of amounts and hours, `"."` (default) or `","`.
    #[serde(default = "dot")]
    pub decimal_separator: String,
    /// Date pattern: `%Y`, `%m`, `%d` and literal characters; default
    /// `"%Y-%m-%d"`.
    #[serde(default = "iso")]
    pub date_format: String,
}

fn comma() -> String {
    ",".into()
}
fn dot() -> String {
    ".".into()
}
fn iso() -> String {
    "%Y-%m-%d".into()
}

/// A number or a `{param}` reference, for settings such as window lengths.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawNumber {
    /// A literal whole number.
    Int(i64),
    /// A `{param}` reference.
    Param(String),
}

/// `[scoring]`: what makes a household listed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScoring {
    /// The domains rules may belong to, each once, e.g.
    /// `["housing", "fixed_costs"]`.
    pub domains: Vec<String>,
    /// A household is eligible when its score is at least this.
    pub eligible_min_score: RawNumber,
    /// An eligible household with an outreach outcome closed within this many
    /// days before the as-of date is left off the list.
    pub suppress_recent_contact_days: RawNumber,
    /// Keep only the first N of the list (optional).
    #[serde(default)]
    pub max_listed: Option<RawNumber>,
    /// An expression over features giving the list's `total_arrears_eur`
    /// (see docs/rule-language.md, "Expressions").
    pub total_arrears_eur: String,
}

/// `current_snapshot`: use only each supplier's latest delivery date on or
/// before the as-of date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSnapshot {
    /// The supplier column (e.g. `landlord_code`); absent means the whole
    /// source has one snapshot (the register).
    #[serde(default)]
    pub supplier: Option<String>,
    /// A supplier whose latest date is this many days or more before the
    /// as-of date is stale and counts for nothing (absent: never stale).
    #[serde(default)]
    pub max_age_days: Option<RawNumber>,
}

/// `window`: only rows whose `column` lies in (T - days, T].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    /// The date column the window applies to.
    pub column: String,
    /// The window length in days, 0 to 36,500.
    pub days: RawNumber,
}

/// `[features.<name>]`: one number per household, computed from a source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeature {
    /// What the feature means, for people.
    #[serde(default)]
    pub description: String,
    /// The source table it reads.
    pub from: String,
    /// Use only the current snapshot per supplier.
    #[serde(default)]
    pub current_snapshot: Option<RawSnapshot>,
    /// Use only rows in a date window.
    #[serde(default)]
    pub window: Option<RawWindow>,
    /// A condition on the source's rows, over its columns (`{param}`
    /// allowed; see docs/rule-language.md, "Expressions").
    #[serde(default, rename = "where")]
    pub filter: Option<String>,
    /// Compute `value` per value of this column first (e.g. per pupil), then
    /// combine with `combine`.
    #[serde(default)]
    pub per: Option<String>,
    /// How per-group values combine: `max`, `min`, `sum` or `count`.
    #[serde(default)]
    pub combine: Option<String>,
    /// An aggregate over the rows, e.g. `sum(arrears_eur)`: `count`,
    /// `count(DISTINCT …)`, `sum`, `min`, `max`, every column inside one.
    pub value: String,
    /// The value for a household without rows (default 0).
    #[serde(default)]
    pub default: Option<toml::Value>,
}

/// `[rules.<id>]`: a condition over features with a domain and a weight.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// What the rule means, for people and for the explanation.
    #[serde(default)]
    pub description: String,
    /// The domain (one of `[scoring] domains`); absent for rules about other
    /// rules, which may use `domains_fired`.
    #[serde(default)]
    pub domain: Option<String>,
    /// Points added to the score when the rule fires; all weights together
    /// must keep every possible score within a 64-bit whole number.
    pub weight: RawNumber,
    /// A condition over features (`{param}` allowed; `domains_fired` in a
    /// rule without a domain).
    pub when: String,
}
