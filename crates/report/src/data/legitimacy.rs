//! "Legal basis and retention": the pipeline file's declarations, as the
//! run used them. The same declarations make the algorithm-register entry
//! (`vroeg register`) and decide what `vroeg purge` deletes.

use crate::data::ReportInput;
use serde::Serialize;
use vroeg_contracts::Source;
use vroeg_pipeline::Legitimacy;

/// One source the run read, and what it is read under.
#[derive(Debug, Clone, Serialize)]
pub struct SourceBasis {
    /// The source.
    pub source: String,
    /// Why the run reads it: `features` (its features) or `suppression`
    /// (recent contacts).
    pub read_for: String,
    /// The legal basis, empty when not declared.
    pub legal_basis: String,
    /// The law on wetten.overheid.nl, empty when not declared.
    pub legal_basis_url: String,
    /// Its purposes, joined by `, `.
    pub purposes: String,
    /// Days a stored period is kept after its last day; `None`: not
    /// declared (kept until declared).
    pub retention_days: Option<i64>,
}

/// The section's data.
#[derive(Debug, Clone, Serialize)]
pub struct LegalBasis {
    /// `[pipeline] purpose`.
    pub purpose: String,
    /// Every source the run read.
    pub sources: Vec<SourceBasis>,
    /// `[outputs] retention_days`.
    pub outputs_retention_days: Option<i64>,
    /// `[quarantine] retention_days`.
    pub quarantine_retention_days: Option<i64>,
    /// Where the published algorithm-register entry is (`[register]
    /// entry_url`), empty when not given.
    pub register_url: String,
}

/// The section, from the declarations.
pub(crate) fn legal_basis(input: &ReportInput<'_>) -> LegalBasis {
    let l: &Legitimacy = input.legitimacy;
    let by_features = Legitimacy::sources_read(input.rules);
    let mut sources: Vec<(Source, &str)> = by_features.iter().map(|s| (*s, "features")).collect();
    if !by_features.contains(&Source::OutreachOutcomes) {
        sources.push((Source::OutreachOutcomes, "suppression"));
    }
    LegalBasis {
        purpose: l.purpose.clone().unwrap_or_default(),
        sources: sources
            .into_iter()
            .map(|(s, why)| {
                let d = l.sources.get(&s);
                SourceBasis {
                    source: s.name().to_string(),
                    read_for: why.to_string(),
                    legal_basis: d.map(|d| d.legal_basis.clone()).unwrap_or_default(),
                    legal_basis_url: d
                        .and_then(|d| d.legal_basis_url.clone())
                        .unwrap_or_default(),
                    purposes: d.map(|d| d.purposes.join(", ")).unwrap_or_default(),
                    retention_days: d.map(|d| d.retention_days),
                }
            })
            .collect(),
        outputs_retention_days: l.outputs_retention_days,
        quarantine_retention_days: l.quarantine_retention_days,
        register_url: input.register_url.unwrap_or_default().to_string(),
    }
}
