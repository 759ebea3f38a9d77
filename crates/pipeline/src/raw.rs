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
