//! Purpose limitation and retention: the declarations of `[pipeline]
//! purpose`, `[sources.<name>]` and `[outputs]`/`[quarantine]
//! retention_days`, and the check that every feature reads a source
//! declared for the pipeline's purpose (see docs/legal-basis.md).

use crate::model::RuleSet;
use crate::raw::{RawRetention, RawSource};
use serde::Serialize;
use std::collections::BTreeMap;
use vroeg_contracts::Source;

/// The longest legal basis: the register's `lawful_basis_grouping` title.
pub const LEGAL_BASIS_MAX: usize = 100;

/// The longest URL the register takes.
pub const URL_MAX: usize = 500;

/// The longest retention, in days: a hundred years.
pub const RETENTION_MAX_DAYS: i64 = 36_500;

/// What a source is used under: its legal basis, purposes and retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declaration {
    /// The law and articles (wettelijke grondslag).
    pub legal_basis: String,
    /// The law on wetten.overheid.nl.
    pub legal_basis_url: Option<String>,
    /// The purposes it may serve (doelbinding).
    pub purposes: Vec<String>,
    /// Days a stored period is kept after its last day.
    pub retention_days: i64,
}

/// Every declaration of the pipeline file, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Legitimacy {
    /// `[pipeline] purpose`.
    pub purpose: Option<String>,
    /// The declared sources.
    pub sources: BTreeMap<Source, Declaration>,
    /// `[outputs] retention_days`: run outputs and run records.
    pub outputs_retention_days: Option<i64>,
    /// `[quarantine] retention_days`.
    pub quarantine_retention_days: Option<i64>,
}

impl Legitimacy {
    /// The sources the rule set's features read, each once, in source order.
    pub fn sources_read(rule_set: &RuleSet) -> Vec<Source> {
        let mut read: Vec<Source> = rule_set.features.iter().map(|f| f.source).collect();
        read.sort();
        read.dedup();
        read
    }
}

/// An error: the dotted key and what is wrong.
type KeyError = (String, String);

fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn retention(key: &str, days: i64) -> Result<i64, KeyError> {
    if (1..=RETENTION_MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err((
            key.to_string(),
            format!("{days} days: a retention is 1 to {RETENTION_MAX_DAYS} days"),
        ))
    }
}

/// Checks a URL as the register takes it: `https://` or `http://`, no
/// spaces, at most [`URL_MAX`] characters.
pub fn check_url(url: &str) -> Result<(), String> {
    let scheme = url.starts_with("https://") || url.starts_with("http://");
    let odd = |c: char| c.is_whitespace() || c.is_control() || "\"'<>`\\".contains(c);
    if !scheme || url.chars().any(odd) || url.len() <= 8 {
        return Err(format!(
            "{url:?} is not a web address; write e.g. \"https://wetten.overheid.nl/BWBR0031331\""
        ));
    }
    if url.chars().count() > URL_MAX {
        return Err(format!("is longer than {URL_MAX} characters"));
    }
    Ok(())
}

/// One source's declaration, or `None` when it declares nothing. A
/// declaration with some keys but not all is an error naming the missing key.
pub(crate) fn declaration(key: &str, raw: &RawSource) -> Result<Option<Declaration>, KeyError> {
    let given = [
        raw.legal_basis.is_some(),
        raw.purposes.is_some(),
        raw.retention_days.is_some(),
        raw.legal_basis_url.is_some(),
    ];
    if !given.contains(&true) {
        return Ok(None);
    }
    let missing = |what: &str| {
        (
            format!("{key}.{what}"),
            "missing: a source that declares any of legal_basis, legal_basis_url, purposes and retention_days declares legal_basis, purposes and retention_days".to_string(),
        )
    };
    let legal_basis = raw
        .legal_basis
        .clone()
        .ok_or_else(|| missing("legal_basis"))?;
    let purposes = raw.purposes.clone().ok_or_else(|| missing("purposes"))?;
    let days = raw
        .retention_days
        .ok_or_else(|| missing("retention_days"))?;
    let trimmed = legal_basis.trim();
    if trimmed.is_empty() {
        return Err((format!("{key}.legal_basis"), "is empty".into()));
    }
    if trimmed.chars().count() > LEGAL_BASIS_MAX {
        return Err((
            format!("{key}.legal_basis"),
            format!(
                "is {} characters; the algorithm register takes at most {LEGAL_BASIS_MAX} (name the law and its articles; the link goes in legal_basis_url)",
                trimmed.chars().count()
            ),
        ));
    }
    if let Some(c) = crate::register::odd_char(trimmed, false) {
        return Err((
            format!("{key}.legal_basis"),
            format!(
                "holds the invisible or control character U+{:04X}",
                c as u32
            ),
        ));
    }
    if trimmed.contains(['<', '>']) {
        return Err((
            format!("{key}.legal_basis"),
            "may not hold `<` or `>`".into(),
        ));
    }
    if let Some(url) = &raw.legal_basis_url {
        check_url(url).map_err(|m| (format!("{key}.legal_basis_url"), m))?;
    }
    if purposes.is_empty() {
        return Err((
            format!("{key}.purposes"),
            "is empty: name at least the pipeline's purpose".into(),
        ));
    }
    for (i, p) in purposes.iter().enumerate() {
        if !name_ok(p) {
            return Err((
                format!("{key}.purposes"),
                format!("{p:?} must be lowercase letters, digits or `_`"),
            ));
        }
        if purposes[..i].contains(p) {
            return Err((format!("{key}.purposes"), format!("{p:?} is listed twice")));
        }
    }
    Ok(Some(Declaration {
        legal_basis: trimmed.to_string(),
        legal_basis_url: raw.legal_basis_url.clone(),
        purposes,
        retention_days: retention(&format!("{key}.retention_days"), days)?,
    }))
}

/// Validates `[pipeline] purpose` and the retention tables, and checks that
/// every feature reads a source declared for the purpose.
pub(crate) fn legitimacy(
    purpose: Option<&str>,
    sources: BTreeMap<Source, Declaration>,
    outputs: Option<&RawRetention>,
    quarantine: Option<&RawRetention>,
    rule_set: Option<&RuleSet>,
) -> Result<Legitimacy, KeyError> {
    if let Some(p) = purpose
        && !name_ok(p)
    {
        return Err((
            "pipeline.purpose".into(),
            format!(
                "{p:?} must be lowercase letters, digits or `_`, e.g. \"early_debt_signalling\""
            ),
        ));
    }
    let outputs_retention_days = outputs
        .map(|r| retention("outputs.retention_days", r.retention_days))
        .transpose()?;
    let quarantine_retention_days = quarantine
        .map(|r| retention("quarantine.retention_days", r.retention_days))
        .transpose()?;
    if let Some(rs) = rule_set {
        for (key, days) in [
            ("outputs.retention_days", outputs_retention_days),
            ("quarantine.retention_days", quarantine_retention_days),
        ] {
            if days.is_none() {
                return Err((
                    key.into(),
                    "missing: a pipeline with features keeps its run outputs and quarantined rows only as long as it declares ([outputs] and [quarantine] retention_days)".into(),
                ));
            }
        }
        for f in &rs.features {
            let source = f.source.name();
            let Some(purpose) = purpose else {
                return Err((
                    "pipeline.purpose".into(),
                    format!(
                        "missing: feature `{}` reads source `{source}`, and data may only be used for a declared purpose; add e.g. purpose = \"early_debt_signalling\" to [pipeline]",
                        f.name
                    ),
                ));
            };
            let Some(d) = sources.get(&f.source) else {
                return Err((
                    format!("features.{}.from", f.name),
                    format!(
                        "feature `{}` reads source `{source}`, which declares no legal basis for purpose `{purpose}`: add legal_basis, purposes and retention_days to [sources.{source}] (see docs/legal-basis.md)",
                        f.name
                    ),
                ));
            };
            if !d.purposes.iter().any(|p| p == purpose) {
                return Err((
                    format!("features.{}.from", f.name),
                    format!(
                        "feature `{}` reads source `{source}`, whose purposes [{}] do not include the pipeline's purpose `{purpose}`",
                        f.name,
                        d.purposes.join(", ")
                    ),
                ));
            }
        }
        // Every run reads these two besides the features: the register for
        // residency and districts, the outcomes for the suppression.
        for (source, why) in [
            (Source::Households, "for residency and districts"),
            (
                Source::OutreachOutcomes,
                "for the suppression after a recent contact",
            ),
        ] {
            let name = source.name();
            let purpose = purpose.unwrap_or_default();
            match sources.get(&source) {
                None => {
                    return Err((
                        format!("sources.{name}"),
                        format!(
                            "every run reads source `{name}` {why}, and it declares no legal basis for purpose `{purpose}`: add legal_basis, purposes and retention_days to [sources.{name}] (see docs/legal-basis.md)"
                        ),
                    ));
                }
                Some(d) if !d.purposes.iter().any(|p| p == purpose) => {
                    return Err((
                        format!("sources.{name}.purposes"),
                        format!(
                            "every run reads source `{name}` {why}, and its purposes [{}] do not include the pipeline's purpose `{purpose}`",
                            d.purposes.join(", ")
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(Legitimacy {
        purpose: purpose.map(str::to_string),
        sources,
        outputs_retention_days,
        quarantine_retention_days,
    })
}

#[cfg(test)]
mod tests {
    use crate::{Pipeline, PipelineError};
    use std::path::Path;

    const SMALL: &str = r#"
[pipeline]
name = "t"
purpose = "early_debt_signalling"
[paths]
inbox = "i"
store = "s"
out = "o"
[sources.rent_arrears]
legal_basis = "Wet gemeentelijke schuldhulpverlening, art. 3"
legal_basis_url = "https://wetten.overheid.nl/BWBR0031331"
purposes = ["early_debt_signalling"]
retention_days = 730
[sources.households]
legal_basis = "Wet basisregistratie personen, art. 1.7"
purposes = ["early_debt_signalling"]
retention_days = 730
[sources.outreach_outcomes]
legal_basis = "Wet gemeentelijke schuldhulpverlening, art. 3"
purposes = ["early_debt_signalling"]
retention_days = 730
[outputs]
retention_days = 365
[quarantine]
retention_days = 90
[scoring]
domains = ["housing"]
eligible_min_score = 1
suppress_recent_contact_days = 180
total_arrears_eur = "rent_eur"
[features.rent_eur]
from = "rent_arrears"
value = "sum(arrears_eur)"
[rules.rent]
domain = "housing"
weight = 3
when = "rent_eur > 0"
"#;

    fn load(edit: &[(&str, &str)]) -> Result<Pipeline, PipelineError> {
        let mut text = SMALL.to_string();
        for (old, new) in edit {
            assert!(text.contains(old), "{old}");
            text = text.replacen(old, new, 1);
        }
        Pipeline::from_toml(&text, Path::new("/p/x.toml"))
    }

    fn refused(edit: &[(&str, &str)]) -> String {
        load(edit).unwrap_err().to_string()
    }

    #[test]
    fn declarations_are_read() {
        let p = load(&[]).unwrap();
        let l = &p.legitimacy;
        assert_eq!(l.purpose.as_deref(), Some("early_debt_signalling"));
        assert_eq!(l.outputs_retention_days, Some(365));
        assert_eq!(l.quarantine_retention_days, Some(90));
        let d = &l.sources[&vroeg_contracts::Source::RentArrears];
        assert_eq!(d.retention_days, 730);
        assert_eq!(d.purposes, ["early_debt_signalling"]);
        assert_eq!(
            d.legal_basis_url.as_deref(),
            Some("https://wetten.overheid.nl/BWBR0031331")
        );
        assert_eq!(l.sources.len(), 3);
    }

    #[test]
    fn a_feature_on_an_undeclared_source_is_refused() {
        let e = refused(&[("from = \"rent_arrears\"", "from = \"debt_arrears\"")]);
        assert_eq!(
            e,
            "pipeline file /p/x.toml: `features.rent_eur.from`: feature `rent_eur` reads source `debt_arrears`, which declares no legal basis for purpose `early_debt_signalling`: add legal_basis, purposes and retention_days to [sources.debt_arrears] (see docs/legal-basis.md)"
        );
    }

    #[test]
    fn a_feature_outside_its_sources_purposes_is_refused() {
        let e = refused(&[(
            "purposes = [\"early_debt_signalling\"]",
            "purposes = [\"school_attendance\", \"income_support\"]",
        )]);
        assert_eq!(
            e,
            "pipeline file /p/x.toml: `features.rent_eur.from`: feature `rent_eur` reads source `rent_arrears`, whose purposes [school_attendance, income_support] do not include the pipeline's purpose `early_debt_signalling`"
        );
        let e = refused(&[(
            "purpose = \"early_debt_signalling\"",
            "purpose = \"fraud_detection\"",
        )]);
        assert!(
            e.contains("do not include the pipeline's purpose `fraud_detection`"),
            "{e}"
        );
    }

    #[test]
    fn the_register_and_the_outcomes_are_read_by_every_run() {
        let e = refused(&[(
            "[sources.outreach_outcomes]\nlegal_basis = \"Wet gemeentelijke schuldhulpverlening, art. 3\"\npurposes = [\"early_debt_signalling\"]\nretention_days = 730\n",
            "",
        )]);
        assert_eq!(
            e,
            "pipeline file /p/x.toml: `sources.outreach_outcomes`: every run reads source `outreach_outcomes` for the suppression after a recent contact, and it declares no legal basis for purpose `early_debt_signalling`: add legal_basis, purposes and retention_days to [sources.outreach_outcomes] (see docs/legal-basis.md)"
        );
        let e = refused(&[(
            "legal_basis = \"Wet basisregistratie personen, art. 1.7\"\npurposes = [\"early_debt_signalling\"]",
            "legal_basis = \"Wet basisregistratie personen, art. 1.7\"\npurposes = [\"census\"]",
        )]);
        assert!(
            e.contains("`sources.households.purposes`: every run reads source `households` for residency and districts, and its purposes [census] do not include"),
            "{e}"
        );
        for table in ["[outputs]", "[quarantine]"] {
            let e = refused(&[(&format!("{table}\n"), "[elsewhere]\n")]);
            assert!(e.contains("unknown field `elsewhere`"), "{e}");
        }
        let e = refused(&[("[outputs]\nretention_days = 365\n", "")]);
        assert!(e.contains("`outputs.retention_days`: missing"), "{e}");
        let e = refused(&[("[quarantine]\nretention_days = 90\n", "")]);
        assert!(e.contains("`quarantine.retention_days`: missing"), "{e}");
    }

    #[test]
    fn a_pipeline_with_features_declares_its_purpose() {
        let e = refused(&[("purpose = \"early_debt_signalling\"\n", "")]);
        assert!(
            e.starts_with("pipeline file /p/x.toml: `pipeline.purpose`: missing: feature `rent_eur` reads source `rent_arrears`"),
            "{e}"
        );
        let e = refused(&[(
            "purpose = \"early_debt_signalling\"",
            "purpose = \"Early debt\"",
        )]);
        assert!(
            e.contains("`pipeline.purpose`: \"Early debt\" must be lowercase"),
            "{e}"
        );
    }

    #[test]
    fn incomplete_or_bad_declarations_name_the_key() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "retention_days = 730\n",
                "",
                "`sources.rent_arrears.retention_days`: missing",
            ),
            (
                "legal_basis = \"Wet gemeentelijke schuldhulpverlening, art. 3\"\n",
                "",
                "`sources.rent_arrears.legal_basis`: missing",
            ),
            (
                "purposes = [\"early_debt_signalling\"]\n",
                "",
                "`sources.rent_arrears.purposes`: missing",
            ),
            (
                "retention_days = 730",
                "retention_days = 0",
                "`sources.rent_arrears.retention_days`: 0 days",
            ),
            (
                "retention_days = 730",
                "retention_days = 36501",
                "36501 days",
            ),
            (
                "retention_days = 365",
                "retention_days = -1",
                "`outputs.retention_days`: -1 days",
            ),
            (
                "retention_days = 90",
                "retention_days = 0",
                "`quarantine.retention_days`: 0 days",
            ),
            (
                "https://wetten.overheid.nl/BWBR0031331",
                "wetten.overheid.nl",
                "`sources.rent_arrears.legal_basis_url`: \"wetten.overheid.nl\" is not a web address",
            ),
            (
                "https://wetten.overheid.nl/BWBR0031331",
                "https://wetten.overheid.nl/a'onclick=b",
                "is not a web address",
            ),
            (
                "purposes = [\"early_debt_signalling\"]",
                "purposes = []",
                "`sources.rent_arrears.purposes`: is empty",
            ),
            (
                "purposes = [\"early_debt_signalling\"]",
                "purposes = [\"early_debt_signalling\", \"early_debt_signalling\"]",
                "listed twice",
            ),
            (
                "legal_basis = \"Wet",
                "legal_basis = \"<b>Wet",
                "may not hold `<`",
            ),
        ];
        for (old, new, expected) in cases {
            let e = refused(&[(old, new)]);
            assert!(e.contains(expected), "{old} -> {new}: {e}");
        }
        let long = format!("legal_basis = \"{}\"", "x".repeat(101));
        let e = refused(&[(
            "legal_basis = \"Wet gemeentelijke schuldhulpverlening, art. 3\"",
            &long,
        )]);
        assert!(
            e.contains("is 101 characters; the algorithm register takes at most 100"),
            "{e}"
        );
        let e = refused(&[(
            "retention_days = 730",
            "retention_days = 730\nretention = 1",
        )]);
        assert!(e.contains("unknown field `retention`"), "{e}");
    }

    #[test]
    fn an_ingest_only_pipeline_needs_no_declaration() {
        let text = SMALL
            .split("[scoring]")
            .next()
            .unwrap()
            .replace("purpose = \"early_debt_signalling\"\n", "");
        let p = Pipeline::from_toml(&text, Path::new("/p/x.toml")).unwrap();
        assert!(p.rule_set.is_none());
        assert_eq!(p.legitimacy.purpose, None);
    }
}
