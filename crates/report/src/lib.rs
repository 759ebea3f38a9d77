//! Outputs for people: `report.html` (one self-contained page with SVG
//! charts), `report-data.json` (its tables) and `analysis.ipynb` (a polars
//! notebook that recomputes them from the run's Parquet).
//!
//! Every count about a district, a rule, a score or a reason is masked below
//! five ([`Shown`]), with a second cell hidden where a table's shown total
//! would give a masked one away; [`audit`] checks that no masked count can be
//! worked out, and [`render`] writes nothing that fails it. Household keys
//! appear only in the "what changed" section, and only when the run was
//! asked for them (`--report-keys`).

mod audit;
mod charts;
mod data;
pub mod fairness;
mod html;
mod mask;
mod notebook;
pub mod wilson;

pub use audit::{Leak, audit};
pub use charts::{ShareBounds, line, shares};
pub use data::{
    ChangeRow, Changes, DeliveryQuality, DistrictRow, FunnelStep, HistoryPoint, LegalBasis,
    NO_TEAM, PreviousRun, Quality, ReportData, ReportInput, RuleRow, RunIdentity, ScoreRow,
    SourceBasis, SourceQuality, TeamRow, UNKNOWN_DISTRICT, WhyRow,
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
    /// A masked count could be worked out from the report's other numbers:
    /// a bug in the masking, so nothing is written.
    #[error(
        "report-data.json would give away masked counts ({}); this is a bug in vroeg's masking, please report it with the run's summary.json",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Leak(Vec<Leak>),
    /// A chart could not be drawn.
    #[error("drawing a chart of report.html: {0}")]
    Chart(String),
}

/// The report's files of one run: `report.html`, `report-data.json` and
/// `analysis.ipynb`, by name.
pub fn render(input: &ReportInput<'_>) -> Result<BTreeMap<String, Vec<u8>>, ReportError> {
    let data = ReportData::build(input);
    let charts = html::charts(&data)?;
    let mut files = BTreeMap::new();
    files.insert(
        "report.html".to_string(),
        render_html(&data, &charts)?.into_bytes(),
    );
    let mut json = serde_json::to_vec_pretty(&data).expect("report data serialises");
    let leaks = serde_json::from_slice::<serde_json::Value>(&json)
        .map_or_else(|_| Vec::new(), |v| audit(&v));
    if !leaks.is_empty() {
        return Err(ReportError::Leak(leaks));
    }
    json.push(b'\n');
    files.insert("report-data.json".to_string(), json);
    files.insert(
        "analysis.ipynb".to_string(),
        render_notebook(&data, &charts["districts"]).into_bytes(),
    );
    Ok(files)
}
