//! The sources read and their declarations, as the entry's `lawful_basis`,
//! `lawful_basis_grouping`, `source_data` and `source_data_grouping`.
//!
//! "Read" is what a run reads, not only what features read: every run also
//! reads `households` (who still lives in the municipality, and in which
//! district) and `outreach_outcomes` (suppression after a recent contact),
//! so those are published too, and must be declared for `vroeg register`.

use crate::entry::Grouping;
use crate::{Input, RegisterError, escape, sentence};
use vroeg_contracts::Source;
use vroeg_pipeline::Declaration;

/// One source a run reads, with its declaration.
#[derive(Debug, Clone)]
pub struct Read<'a> {
    /// The source.
    pub source: Source,
    /// Its legal basis, purposes and retention.
    pub declaration: &'a Declaration,
    /// Its `legal_basis_url` (required by `vroeg register`).
    pub link: &'a str,
    /// The features that read it, by name.
    pub features: Vec<&'a str>,
    /// What scoring itself reads it for, in Dutch, if anything.
    pub scoring_use: Option<&'static str>,
}

impl Read<'_> {
    /// What the source is used for, in Dutch: `3 kenmerken; ...`.
    pub fn uses_nl(&self) -> String {
        let mut parts = Vec::new();
        match self.features.len() {
            0 => {}
            1 => parts.push("1 kenmerk".to_string()),
            n => parts.push(format!("{n} kenmerken")),
        }
        parts.extend(self.scoring_use.map(str::to_string));
        parts.join("; ")
    }
}

/// What every run reads a source for, apart from features.
pub fn scoring_use(source: Source) -> Option<&'static str> {
    match source {
        Source::Households => Some(
            "nagaan of het huishouden nog in de gemeente woont en in welke wijk (voor het team)",
        ),
        Source::OutreachOutcomes => Some("uitsluiting na een recent afgesloten contact"),
        _ => None,
    }
}

/// Every source a run of the pipeline reads, in contract order; an error
/// names the first one without a declaration or without a link.
pub fn read<'a>(input: &Input<'a>) -> Result<Vec<Read<'a>>, RegisterError> {
    let p = input.pipeline;
    let mut out = Vec::new();
    for source in Source::ALL {
        let features: Vec<&str> = input
            .rules
            .features
            .iter()
            .filter(|f| f.source == source)
            .map(|f| f.name.as_str())
            .collect();
        let scoring_use = scoring_use(source);
        if features.is_empty() && scoring_use.is_none() {
            continue;
        }
        let name = source.name();
        let Some(declaration) = p.legitimacy.sources.get(&source) else {
            let why = match (features.first(), source) {
                (Some(f), _) => format!("feature `{f}` reads it"),
                (None, Source::Households) => {
                    "every run reads it (who still lives in the municipality, and in which district)".to_string()
                }
                (None, _) => "every run reads it (suppression after a recent contact)".to_string(),
            };
            return Err(RegisterError::Required {
                file: p.file.clone(),
                key: format!("sources.{name}.legal_basis"),
                message: format!(
                    "missing: {why}, and `vroeg register` publishes every source read with its legal basis; declare legal_basis, legal_basis_url, purposes and retention_days in [sources.{name}]"
                ),
            });
        };
        let Some(link) = declaration.legal_basis_url.as_deref() else {
            return Err(RegisterError::Required {
                file: p.file.clone(),
                key: format!("sources.{name}.legal_basis_url"),
                message: "missing: required by `vroeg register`: the register's lawful_basis_grouping and source_data_grouping give a link for every legal basis; give the law on wetten.overheid.nl, e.g. \"https://wetten.overheid.nl/BWBR0031331\"".into(),
            });
        };
        out.push(Read {
            source,
            declaration,
            link,
            features,
            scoring_use,
        });
    }
    Ok(out)
}

/// `lawful_basis`: the purpose, then each distinct legal basis with the
/// sources read under it.
pub fn lawful_basis(purpose: Option<&str>, read: &[Read<'_>]) -> String {
    let mut bases: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in read {
        let basis = r.declaration.legal_basis.as_str();
        match bases.iter_mut().find(|(b, _)| *b == basis) {
            Some((_, sources)) => sources.push(r.source.dutch_name()),
            None => bases.push((basis, vec![r.source.dutch_name()])),
        }
    }
    let mut html = format!(
        "<p>Doel van de verwerking: {}. Elke bron wordt alleen gebruikt op grond van een wettelijke grondslag die voor dit doel is vastgelegd:</p><ul>",
        escape(purpose.unwrap_or("niet vastgelegd"))
    );
    for (basis, sources) in bases {
        html.push_str(&format!(
            "<li>{}: {}.</li>",
            escape(basis),
            escape(&sources.join(", "))
        ));
    }
    html.push_str("</ul>");
    html
}

/// `lawful_basis_grouping`: each distinct (legal basis, link).
pub fn lawful_basis_grouping(read: &[Read<'_>]) -> Vec<Grouping> {
    distinct(read.iter().map(|r| Grouping {
        title: r.declaration.legal_basis.clone(),
        link: r.link.to_string(),
    }))
}

/// `source_data`: every source read with its Dutch name, legal basis,
/// purposes, retention and use; then the retention of outputs and
/// quarantine when declared.
pub fn source_data(
    read: &[Read<'_>],
    outputs_days: Option<i64>,
    quarantine_days: Option<i64>,
) -> String {
    let mut html = String::from("<ul>");
    for r in read {
        let d = r.declaration;
        html.push_str(&format!(
            "<li>{}, bron {}: grondslag {}; doelen: {}; bewaartermijn {} dagen; gebruikt voor: {}.</li>",
            escape(r.source.dutch_name()),
            r.source.name(),
            escape(&d.legal_basis),
            escape(&d.purposes.join(", ")),
            d.retention_days,
            escape(&r.uses_nl()),
        ));
    }
    html.push_str("</ul><p>Huishoudens en personen staan in alle bronnen alleen onder een pseudoniem: geen BSN, naam of adres.");
    let mut kept = Vec::new();
    if let Some(n) = outputs_days {
        kept.push(format!("uitvoer van runs en de runhistorie {n} dagen"));
    }
    if let Some(n) = quarantine_days {
        kept.push(format!("afgekeurde regels (quarantaine) {n} dagen"));
    }
    if !kept.is_empty() {
        html.push(' ');
        html.push_str(&sentence(&format!("Bewaartermijnen: {}", kept.join(", "))));
    }
    html.push_str("</p>");
    html
}

/// `source_data_grouping`: each source read as "Dutch name: legal basis"
/// with the law's link, each distinct pair once.
pub fn source_data_grouping(read: &[Read<'_>]) -> Vec<Grouping> {
    distinct(read.iter().map(|r| Grouping {
        title: format!("{}: {}", r.source.dutch_name(), r.declaration.legal_basis),
        link: r.link.to_string(),
    }))
}

/// The items in their first order, each once.
pub fn distinct(items: impl IntoIterator<Item = Grouping>) -> Vec<Grouping> {
    let mut out: Vec<Grouping> = Vec::new();
    for g in items {
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::zoetermeer;

    fn g(title: &str, link: &str) -> Grouping {
        Grouping {
            title: title.into(),
            link: link.into(),
        }
    }

    #[test]
    fn groupings_hold_each_basis_and_link_once() {
        let p = zoetermeer(&[]);
        let input = Input::new(&p).unwrap();
        let read = read(&input).unwrap();
        let names: Vec<&str> = read.iter().map(|r| r.source.name()).collect();
        assert_eq!(
            names,
            [
                "rent_arrears",
                "debt_arrears",
                "school_absence",
                "benefit_stops",
                "households",
                "outreach_outcomes"
            ]
        );
        let wgs = "https://wetten.overheid.nl/BWBR0031331";
        assert_eq!(
            lawful_basis_grouping(&read),
            [
                g(
                    "Wet gemeentelijke schuldhulpverlening, art. 3; Besluit gemeentelijke schuldhulpverlening, art. 2",
                    wgs
                ),
                g(
                    "Wet gemeentelijke schuldhulpverlening, art. 3; Besluit gemeentelijke schuldhulpverlening, art. 3",
                    wgs
                ),
                g(
                    "Leerplichtwet 1969, art. 16 en 21a",
                    "https://wetten.overheid.nl/BWBR0002628"
                ),
                g(
                    "Participatiewet, art. 7; Wet gemeentelijke schuldhulpverlening, art. 3",
                    "https://wetten.overheid.nl/BWBR0015703"
                ),
                g(
                    "Wet basisregistratie personen, art. 1.7 en 3.2",
                    "https://wetten.overheid.nl/BWBR0033715"
                ),
                g("Wet gemeentelijke schuldhulpverlening, art. 3", wgs),
            ]
        );
        // Two sources under one basis and link: one grouping item, and one
        // list item of lawful_basis naming both sources.
        let same = "legal_basis = \"Wet gemeentelijke schuldhulpverlening, art. 3; Besluit gemeentelijke schuldhulpverlening, art. 2\"";
        let p = zoetermeer(&[(
            "legal_basis = \"Wet gemeentelijke schuldhulpverlening, art. 3; Besluit gemeentelijke schuldhulpverlening, art. 3\"",
            same,
        )]);
        let input = Input::new(&p).unwrap();
        let read = super::read(&input).unwrap();
        let grouping = lawful_basis_grouping(&read);
        assert_eq!(grouping.len(), 5);
        assert_eq!(
            grouping
                .iter()
                .filter(|x| x.title.ends_with("art. 2"))
                .count(),
            1
        );
        let html = lawful_basis(Some("early_debt_signalling"), &read);
        assert!(
            html.contains("<li>Wet gemeentelijke schuldhulpverlening, art. 3; Besluit gemeentelijke schuldhulpverlening, art. 2: huurachterstand, betalingsachterstand vaste lasten.</li>"),
            "{html}"
        );
        // source_data_grouping keeps the sources apart (their titles differ).
        assert_eq!(source_data_grouping(&read).len(), 6);
        assert_eq!(
            distinct([g("a", "x"), g("b", "x"), g("a", "x"), g("a", "y")]),
            [g("a", "x"), g("b", "x"), g("a", "y")]
        );
    }

    #[test]
    fn configured_text_is_escaped() {
        let p = zoetermeer(&[(
            "legal_basis = \"Leerplichtwet 1969, art. 16 en 21a\"",
            "legal_basis = \"Leerplichtwet 1969, art. 16 & 21a\"",
        )]);
        let input = Input::new(&p).unwrap();
        let read = super::read(&input).unwrap();
        let html = source_data(&read, Some(730), Some(90));
        assert!(
            html.contains("<li>schoolverzuim, bron school_absence: grondslag Leerplichtwet 1969, art. 16 &amp; 21a; doelen: school_attendance, early_debt_signalling; bewaartermijn 365 dagen; gebruikt voor: 1 kenmerk.</li>"),
            "{html}"
        );
        assert!(lawful_basis(None, &read).contains("16 &amp; 21a: schoolverzuim.</li>"));
        assert!(html.ends_with(
            "Bewaartermijnen: uitvoer van runs en de runhistorie 730 dagen, afgekeurde regels (quarantaine) 90 dagen.</p>"
        ));
        // The JSON titles are not HTML: kept as written.
        assert!(
            lawful_basis_grouping(&read)
                .iter()
                .any(|x| x.title == "Leerplichtwet 1969, art. 16 & 21a")
        );
    }

    #[test]
    fn a_source_read_without_declaration_or_link_is_refused() {
        let p = zoetermeer(&[(
            "legal_basis_url = \"https://wetten.overheid.nl/BWBR0002628\"\n",
            "",
        )]);
        let e = Input::new(&p).unwrap_err().to_string();
        assert!(
            e.contains(
                "`sources.school_absence.legal_basis_url`: missing: required by `vroeg register`"
            ),
            "{e}"
        );
    }
}
