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
    /// `[teams.<code>]` and `[teams] default`: which outreach team visits
    /// which district (see docs/outreach.md).
    pub teams: Option<RawTeams>,
    /// `[ddas]`: the municipality as it delivers to the national monitor
    /// (DDAS vroegsignalering v1.2); needed by `vroeg export ddas`.
    pub ddas: Option<RawDdas>,
    /// `[fairness]`: when a district's listed rate counts as out of line
    /// with the municipality's (the report's and the backtest's fairness
    /// per district).
    pub fairness: Option<RawFairness>,
    /// `[outputs]`: how long run outputs and the run history are kept;
    /// required when the file has features.
    pub outputs: Option<RawRetention>,
    /// `[quarantine]`: how long quarantined rows are kept; required when the
    /// file has features.
    pub quarantine: Option<RawRetention>,
    /// `[register]`: the human texts of the public algorithm-register entry
    /// (`vroeg register`, docs/register.md).
    pub register: Option<RawRegister>,
}

/// `[outputs]` or `[quarantine]`: a retention period, enforced by `vroeg
/// purge`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetention {
    /// Days, 1 to 36,500. For `[outputs]`: a run output folder and its run
    /// record are purged once the run finished more than this many days ago.
    /// For `[quarantine]`: a quarantine file once its delivery was taken in
    /// more than this many days ago (sooner when its rows' periods are
    /// purged).
    pub retention_days: i64,
}

/// `[register]`: what the algorithm register (algoritmeregister,
/// publication standard 1.0) says about this pipeline that only people can
/// write. Everything about sources, legal bases and rules is generated from
/// the rest of the file. Text fields marked HTML may use only the tags
/// `div`, `br`, `p`, `ul`, `ol` and `li`, without attributes; their lengths
/// count the text without tags.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegister {
    /// `name`: the algorithm's name, at most 100 characters.
    pub name: String,
    /// `description_short`: what it does, at most 400 characters.
    pub description_short: String,
    /// `organization`: the responsible organisation, at most 100 characters.
    pub organization: String,
    /// `contact_email`: where the public can ask, at most 500 characters.
    pub contact_email: String,
    /// `status`: `"In ontwikkeling"`, `"In gebruik"` or `"Buiten gebruik"`.
    pub status: String,
    /// `publication_category`: `"Hoog-risico AI-systeem"`, `"Impactvolle
    /// algoritmes"` or `"Overige algoritmes"`.
    pub publication_category: String,
    /// `category`: themes of the standard, e.g. `["Sociale zekerheid",
    /// "Wonen"]`.
    #[serde(default)]
    pub category: Vec<String>,
    /// `begin_date`: when it was taken into use, `"yyyy-mm"`.
    #[serde(default)]
    pub begin_date: Option<String>,
    /// `goal`: the purpose and its impact (HTML, at most 2,500 characters).
    #[serde(default)]
    pub goal: Option<String>,
    /// `proportionality`: why the means fit the end (HTML, at most 2,500).
    #[serde(default)]
    pub proportionality: Option<String>,
    /// `human_intervention`: what people decide (HTML, at most 2,500).
    #[serde(default)]
    pub human_intervention: Option<String>,
    /// `risks`: the risks and how they are managed (HTML, at most 2,500).
    #[serde(default)]
    pub risks: Option<String>,
    /// `impacttoetsen`: impact assessments done, e.g. the DPIA (HTML, at
    /// most 2,500).
    #[serde(default)]
    pub impacttoetsen: Option<String>,
    /// Where the published entry is, e.g. its page on
    /// algoritmes.overheid.nl; the report links the rule-set hash to it.
    /// Not part of the entry itself.
    #[serde(default)]
    pub entry_url: Option<String>,
    /// Dutch names of the `[scoring] domains` for the entry's text, e.g.
    /// `{ housing = "wonen" }`; a domain without one is shown by its name.
    #[serde(default)]
    pub domain_names: BTreeMap<String, String>,
}

/// `[fairness]`: the band of the fairness ratio per district. The ratio is
/// a district's listed rate (listed households per household in the
/// register) over the whole municipality's; a district outside the band is
/// flagged in the report and the backtest. It changes no list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFairness {
    /// `[low, high]`: ratios below `low` or above `high` are flagged;
    /// `low` from 0 to 1, `high` from 1 to 100. Default `[0.5, 2.0]`.
    pub band: Option<Vec<f64>>,
}

/// `[teams]`: outreach teams by district. Each `[teams.<code>]` lists its
/// districts; a district may belong to one team only. The code is letters,
/// digits, `_` or `-` (not `default`).
#[derive(Debug, Deserialize)]
pub struct RawTeams {
    /// The team of listed households whose district is in no team, or
    /// unknown. Without it such households are routed to no team: the
    /// report counts them as "no team" and no worklist holds them.
    #[serde(default)]
    pub default: Option<String>,
    /// `[teams.<code>]`: one table per team.
    #[serde(flatten)]
    pub teams: BTreeMap<String, RawTeam>,
}

/// `[teams.<code>]`: one outreach team.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    /// The district codes (wijkcodes, as in the register) the team visits.
    pub districts: Vec<String>,
}

/// `[ddas]`: the delivering organisation (aanleverende organisatie) of the
/// DDAS export, exactly as the national exchange format names it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDdas {
    /// The organisation's name, e.g. `"Gemeente Zoetermeer"`.
    pub naam: String,
    /// Its Chamber of Commerce number (KvK-nummer), 8 digits.
    #[serde(rename = "kvk-nummer")]
    pub kvk_nummer: String,
    /// `[[ddas.contactpersonen]]`: at least one contact person.
    pub contactpersonen: Vec<RawDdasContact>,
}

/// `[[ddas.contactpersonen]]`: a contact person for the national monitor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDdasContact {
    /// Name.
    pub naam: String,
    /// Telephone number.
    #[serde(default)]
    pub telefoonnummer: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Job title.
    #[serde(default)]
    pub functietitel: Option<String>,
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
    /// The purpose (doelbinding) the pipeline processes data for, a name
    /// such as `"early_debt_signalling"`: every source a feature reads must
    /// list it in its `purposes`. Required when the file has features.
    #[serde(default)]
    pub purpose: Option<String>,
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

/// `[sources.<name>]`: how the supplier writes its CSV, and on what legal
/// basis, for which purposes and how long the municipality keeps it. A
/// source that a feature reads must declare `legal_basis`, `purposes` and
/// `retention_days` for the pipeline's purpose, and so must `households`
/// and `outreach_outcomes`, which every run reads (see
/// docs/legal-basis.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// The legal basis (wettelijke grondslag), the law and its articles,
    /// e.g. `"Wet gemeentelijke schuldhulpverlening, art. 3"`; at most 100
    /// characters (the register's limit).
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// The law on wetten.overheid.nl, e.g.
    /// `"https://wetten.overheid.nl/BWBR0031331"` (optional).
    #[serde(default)]
    pub legal_basis_url: Option<String>,
    /// The purposes this source may be used for, names as in `[pipeline]
    /// purpose`.
    #[serde(default)]
    pub purposes: Option<Vec<String>>,
    /// Days a stored period is kept after its last day, 1 to 36,500; `vroeg
    /// purge` deletes what is older.
    #[serde(default)]
    pub retention_days: Option<i64>,
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

/// An amount in euros or a `{param}` reference.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawAmount {
    /// A literal whole number of euros.
    Int(i64),
    /// A literal decimal number of euros.
    Decimal(f64),
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
    /// Repeat signals (herhaalde melding): a household suppressed after a
    /// recent contact is listed again when its `total_arrears_eur` rose by
    /// at least this many euros since that contact, the total then being
    /// computed as of the contact's `closed_date` (its latest in the
    /// window) with the same features. Euros, at most 2
    /// decimals, at least 0.01 (arrears that did not rise stay suppressed),
    /// or `"{param}"`. Absent: a recent contact always suppresses.
    #[serde(default)]
    pub repeat_min_rise_eur: Option<RawAmount>,
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
    /// The feature in Dutch, a short noun phrase for the algorithm register
    /// (`vroeg register`), e.g. `"het aantal actuele huurachterstanden"`;
    /// `{param}` is filled in.
    #[serde(default)]
    pub description_nl: Option<String>,
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
    /// The rule in Dutch, one sentence for the algorithm register (`vroeg
    /// register`); `{param}` is filled in. The register adds the condition
    /// itself, generated from `when`.
    #[serde(default)]
    pub description_nl: Option<String>,
}
