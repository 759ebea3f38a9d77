//! Outputs for people: `report.html` (one self-contained page with SVG
//! charts), `report-data.json` (its tables) and `analysis.ipynb` (a polars
//! notebook that recomputes them from the run's Parquet).
//!
//! Every count about a district, a rule, a score or a reason is masked below
//! five ([`Shown`]); household keys appear only in the "what changed"
//! section, and only when the run was asked for them (`--report-keys`).

mod charts;
mod data;
mod html;
mod mask;
mod notebook;

pub use data::{
    ChangeRow, Changes, DeliveryQuality, DistrictRow, FunnelStep, HistoryPoint, PreviousRun,
    Quality, ReportData, ReportInput, RuleRow, RunIdentity, ScoreRow, SourceQuality, WhyRow,
};
pub use html::{charts, render_html};
pub use mask::{SMALL, Shown, mask_partition};
pub use notebook::render_notebook;

use std::collections::BTreeMap;
use thiserror::Error;

/// Rendering the report failed.
#[derive(Debug, Error)]
pub enum ReportError {
    /// The template could not be rendered.
    #[error("rendering report.html: {0}")]
    Template(#[from] minijinja::Error),
}

/// The report's files of one run: `report.html`, `report-data.json` and
/// `analysis.ipynb`, by name.
pub fn render(input: &ReportInput<'_>) -> Result<BTreeMap<String, Vec<u8>>, ReportError> {
    let data = ReportData::build(input);
    let charts = html::charts(&data);
    let mut files = BTreeMap::new();
    files.insert(
        "report.html".to_string(),
        render_html(&data, &charts)?.into_bytes(),
    );
    let mut json = serde_json::to_vec_pretty(&data).expect("report data serialises");
    json.push(b'\n');
    files.insert("report-data.json".to_string(), json);
    files.insert(
        "analysis.ipynb".to_string(),
        render_notebook(&data, &charts["districts"]).into_bytes(),
    );
    Ok(files)
}
