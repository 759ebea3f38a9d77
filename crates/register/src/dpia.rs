//! `dpia-annex.md`: the facts of the processing for a Data Protection
//! Impact Assessment, in Dutch (the language of the DPIA and of its readers,
//! the municipality's privacy officer and the Autoriteit Persoonsgegevens).
//!
//! The same facts as the register entry, without its length limits: every
//! source with basis, link, purposes and retention; every feature and rule
//! in Dutch and as the expression that runs, its parameters filled in; the
//! selection; who receives what; the safeguards; the hashes that tie the
//! annex to the runs. It states facts only: the weighing is the DPIA's.
//! No date or time is written, so the same pipeline file gives the same
//! bytes.

use crate::methods::{capacity_nl, domain_nl, exclusions_nl, order_nl, over_features, points};
use crate::sources::{self, Read};
use crate::{Entry, Input, sentence};
use std::collections::BTreeMap;
use std::fmt::Write;
use vroeg_pipeline::dutch::fill;
use vroeg_pipeline::{Combine, Expression, Feature, ParamValue, Rule};

/// Markdown-safe text: the characters that would start markup or end a
/// table cell are escaped, line breaks become spaces (`_` is kept: the
/// codes are full of it, and inside a word it starts nothing).
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '*' | '`' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Markdown code span holding `text` as is (a fence longer than any run
/// of backticks in it); `|` escaped, for table cells.
pub fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

/// An expression as the rule language writes it, parameters filled in as
/// SQL literals; `{as_of}` (the as-of date of a run) kept, and `{as_of -
/// name}` written with the parameter's number.
pub fn sql(e: &Expression, params: &BTreeMap<String, ParamValue>) -> String {
    let text = e.as_str();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|i| i + open) else {
            break;
        };
        out.push_str(&rest[..open]);
        let inner = rest[open + 1..close].trim();
        let shown = if inner == "as_of" {
            "{as_of}".to_string()
        } else if let Some(n) = inner
            .strip_prefix("as_of")
            .map(str::trim_start)
            .and_then(|s| s.strip_prefix('-'))
            .map(str::trim)
        {
            match params.get(n) {
                Some(v) => format!("{{as_of - {}}}", v.sql()),
                None => format!("{{as_of - {n}}}"),
            }
        } else {
            params
                .get(inner)
                .map(ParamValue::sql)
                .unwrap_or_else(|| rest[open..=close].to_string())
        };
        out.push_str(&shown);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A number of the pipeline in Dutch: decimal comma.
fn number_nl(x: f64) -> String {
    x.to_string().replace('.', ",")
}

/// Which rows of its source a feature reads, in Dutch.
pub fn selection_nl(f: &Feature) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &f.snapshot {
        let mut t = match &s.supplier {
            Some(col) => format!(
                "per leverancier ({}) alleen diens laatste levering op of voor de peildatum",
                code(col)
            ),
            None => "alleen de laatste levering op of voor de peildatum".to_string(),
        };
        if let Some(d) = s.max_age_days {
            let _ = write!(
                t,
                ", en alleen als die in de {d} dagen tot en met de peildatum ligt"
            );
        }
        parts.push(t);
    }
    if let Some(w) = &f.window {
        parts.push(format!(
            "alleen rijen met {} in de {} dagen tot en met de peildatum",
            code(&w.column),
            w.days
        ));
    }
    if parts.is_empty() {
        parts.push("alle rijen tot en met de peildatum".to_string());
    }
    parts.join("; ")
}

fn combine_nl(c: Combine) -> &'static str {
    match c {
        Combine::Max => "het maximum",
        Combine::Min => "het minimum",
        Combine::Sum => "de som",
        Combine::Count => "het aantal",
    }
}

fn feature(out: &mut String, input: &Input<'_>, f: &Feature) {
    let rs = input.rules;
    let columns = |n: &str| n.to_string();
    let _ = writeln!(out, "### {}\n", code(&f.name));
    if let Some(nl) = &f.description_nl {
        let _ = writeln!(
            out,
            "{}\n",
            md(&sentence(&upper_first(&fill(nl, &rs.params))))
        );
    }
    let _ = writeln!(
        out,
        "- Bron: {} ({})",
        md(f.source.dutch_name()),
        code(f.source.name())
    );
    let _ = writeln!(out, "- Rijen: {}", selection_nl(f));
    if let Some(w) = &f.filter {
        let _ = writeln!(
            out,
            "- Filter: {}; als expressie: {}",
            md(&w.in_dutch(&rs.params, &columns)),
            code(&sql(w, &rs.params))
        );
    }
    let value = md(&f.value.in_dutch(&rs.params, &columns));
    let value = match &f.per {
        Some((col, how)) => format!(
            "per {} {value}, en daarvan {} per huishouden",
            code(col),
            combine_nl(*how)
        ),
        None => value,
    };
    let _ = writeln!(
        out,
        "- Waarde: {value}; als expressie: {}",
        code(&sql(&f.value, &rs.params))
    );
    let _ = writeln!(out, "- Zonder rijen: {}", md(&f.default.replace('.', ",")));
    let _ = writeln!(
        out,
        "- Omschrijving in het pipelinebestand: {}\n",
        md(&f.description)
    );
}

fn rule(out: &mut String, input: &Input<'_>, r: &Rule) {
    let rs = input.rules;
    let _ = writeln!(out, "### {}\n", code(&r.id));
    if let Some(nl) = &r.description_nl {
        let _ = writeln!(out, "{}\n", md(&sentence(&fill(nl, &rs.params))));
    }
    let domain = match domain_nl(input, r) {
        Some(d) => format!(
            "{} ({})",
            md(d),
            code(r.domain.as_deref().unwrap_or_default())
        ),
        None => "geen: een regel over andere regels".to_string(),
    };
    let _ = writeln!(out, "- Domein: {domain}");
    let _ = writeln!(out, "- Gewicht: {}", points(r.weight));
    let _ = writeln!(
        out,
        "- Voorwaarde: {}; als expressie: {}",
        md(&over_features(rs, &r.when)),
        code(&sql(&r.when, &rs.params))
    );
    let _ = writeln!(
        out,
        "- Omschrijving in het pipelinebestand (ook in de werklijst van het team, kolom `why`): {}\n",
        md(&r.description)
    );
}

fn upper_first(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn sources_table(out: &mut String, read: &[Read<'_>]) {
    out.push_str("| Bron | Naam in vroeg | Wettelijke grondslag | Link | Doelen | Bewaartermijn | Gebruikt voor |\n|---|---|---|---|---|---|---|\n");
    for r in read {
        let d = r.declaration;
        let used = if r.features.is_empty() {
            md(&r.uses_nl())
        } else {
            let names: Vec<String> = r.features.iter().map(|n| code(n)).collect();
            let mut t = format!("kenmerken {}", names.join(", "));
            if let Some(u) = r.scoring_use {
                let _ = write!(t, "; {}", md(u));
            }
            t
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | <{}> | {} | {} dagen | {} |",
            md(r.source.dutch_name()),
            code(r.source.name()),
            md(&d.legal_basis),
            r.link,
            d.purposes
                .iter()
                .map(|p| code(p))
                .collect::<Vec<_>>()
                .join(", "),
            d.retention_days,
            used
        );
    }
}

/// The annex of a checked pipeline and its entry. `mask_below`: the
/// report's small-number threshold.
pub fn annex(input: &Input<'_>, entry: &Entry, mask_below: u64) -> String {
    let p = input.pipeline;
    let rs = input.rules;
    let reg = input.register;
    let read = sources::read(input).unwrap_or_default();
    let file_name = p
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "# DPIA-bijlage: {}\n", md(&reg.name));
    let _ = writeln!(
        out,
        "Gemaakt met `vroeg register` (vroeg {}) uit het pipelinebestand {}, het bestand dat de runs uitvoeren. Deze bijlage beschrijft de verwerking zoals die is ingesteld; de afweging van noodzaak, proportionaliteit en risico's staat in de DPIA zelf.\n",
        env!("CARGO_PKG_VERSION"),
        code(&file_name)
    );
    let _ = writeln!(out, "- Organisatie: {}", md(&reg.organization));
    let _ = writeln!(out, "- Contact: {}", md(&reg.contact_email));
    let _ = writeln!(out, "- Status: {}", md(&reg.status));
    let _ = writeln!(
        out,
        "- Publicatiecategorie: {}",
        md(&reg.publication_category)
    );
    let _ = writeln!(
        out,
        "- Doel (doelbinding): {}",
        p.legitimacy
            .purpose
            .as_deref()
            .map(code)
            .unwrap_or_else(|| "niet vastgelegd".into())
    );
    let _ = writeln!(out, "- Pipelinebestand SHA-256: `{}`", p.sha256);
    let _ = writeln!(
        out,
        "- Regelset SHA-256: `{}` (gelijk aan `rule_set_sha256` in `manifest.json` van elke run met deze regels)\n",
        rs.sha256()
    );

    out.push_str("## 1. Bronnen\n\nElke bron die een run leest, met de grondslag, doelen en bewaartermijn uit het pipelinebestand. Huishoudens en personen staan in alle bronnen alleen onder een pseudoniem (HMAC-SHA256 onder de gemeentelijke sleutel): geen BSN, naam, geboortedatum of adres.\n\n");
    sources_table(&mut out, &read);
    out.push('\n');
    let l = &p.legitimacy;
    let days = |d: Option<i64>| d.map_or("niet vastgelegd".to_string(), |n| format!("{n} dagen"));
    let _ = writeln!(
        out,
        "- Uitvoer van runs en de runhistorie: {}",
        days(l.outputs_retention_days)
    );
    let _ = writeln!(
        out,
        "- Afgekeurde regels (quarantaine): {}",
        days(l.quarantine_retention_days)
    );
    let unread: Vec<String> = l
        .sources
        .keys()
        .filter(|s| !read.iter().any(|r| r.source == **s))
        .map(|s| code(s.name()))
        .collect();
    if !unread.is_empty() {
        let _ = writeln!(
            out,
            "- Vastgelegd, maar door geen run gelezen: {}",
            unread.join(", ")
        );
    }
    out.push('\n');

    out.push_str("## 2. Kenmerken\n\nEen kenmerk is één getal per huishouden uit één bron. Nooit wordt iets gelezen dat na de peildatum van de run is gedateerd. In de expressies staat `{as_of}` voor de peildatum en `{as_of - n}` voor de datum n dagen ervoor.\n\n");
    for f in &rs.features {
        feature(&mut out, input, f);
    }

    out.push_str("## 3. Regels\n\nElke regel die opgaat, telt zijn gewicht op bij de score van het huishouden.\n\n");
    for r in &rs.rules {
        rule(&mut out, input, r);
    }

    out.push_str("## 4. Selectie\n\n");
    let _ = writeln!(
        out,
        "- Drempel: een huishouden komt in aanmerking bij een score van ten minste {} ({}).",
        points(rs.eligible_min_score),
        code("scoring.eligible_min_score")
    );
    for x in exclusions_nl(rs) {
        let _ = writeln!(out, "- Niet op de lijst: {}.", md(&x));
    }
    let _ = writeln!(out, "- {}", md(&order_nl(rs)));
    let _ = writeln!(
        out,
        "- Totale achterstand als expressie: {}",
        code(&sql(&rs.total_arrears_eur, &rs.params))
    );
    let _ = writeln!(out, "- {}\n", md(&capacity_nl(rs)));

    out.push_str("## 5. Wie ontvangt wat\n\n");
    out.push_str("- Analisten van de gemeente: de lijst (`signals.csv`, `signals.parquet`), `summary.json`, `manifest.json`, `report.html` en `analysis.ipynb` in de uitvoermap van de pipeline. Daarin staan pseudoniemen, score, regels, wijk en totale achterstand; geen adres.\n");
    if input.pipeline.teams.teams.is_empty() {
        out.push_str(
            "- Teams: geen ingesteld (`[teams]`); `vroeg reveal` maakt dan geen werklijst.\n",
        );
    } else {
        out.push_str("- De wijkteams: elk alleen de werklijst van de eigen huishoudens, met adres, telefoon en e-mail uit het contactbestand van de gemeente, de regels die opgingen en hun omschrijving, via `vroeg reveal` (één team, één vastgelegde run, met een reden, in het auditlog).\n\n");
        out.push_str("| Team | Wijken |\n|---|---|\n");
        for (team, districts) in &input.pipeline.teams.teams {
            let d: Vec<String> = districts.iter().map(|x| code(x)).collect();
            let _ = writeln!(out, "| {} | {} |", code(team), d.join(", "));
        }
        match &input.pipeline.teams.default {
            Some(t) => {
                let _ = writeln!(
                    out,
                    "| {} | huishoudens in een wijk zonder team of zonder bekende wijk |",
                    code(t)
                );
            }
            None => out.push_str(
                "\nHuishoudens in een wijk zonder team of zonder bekende wijk komen op geen werklijst.\n",
            ),
        }
        out.push('\n');
    }
    match &input.pipeline.ddas {
        Some(d) => {
            let _ = writeln!(
                out,
                "- De landelijke monitor (DDAS vroegsignalering v1.2): {} levert via `vroeg export ddas` per signaal het soort schuldeiser, het bedrag in hele euro's, de data, en postcode, huisnummer en toevoeging; per afgesloten zaak het resultaat. Nooit BSN, naam, geboortedatum of geslacht. Elke levering staat in het auditlog.\n",
                md(&d.naam)
            );
        }
        None => out
            .push_str("- De landelijke monitor: geen levering ingesteld (`[ddas]` ontbreekt).\n\n"),
    }

    out.push_str("## 6. Waarborgen\n\n");
    out.push_str("- Pseudoniemen: leveranciers pseudonimiseren met `vroeg pseudonymize` (HMAC-SHA256 onder de gemeentelijke sleutel); een rij met iets dat op een BSN lijkt in een sleutelkolom wordt afgekeurd (`raw_identifier`) en nooit getoond.\n");
    let _ = writeln!(
        out,
        "- Kleine aantallen: `report.html` en de pagina's van `whatif`, `sweep` en `backtest` tonen aantallen onder {mask_below} over een wijk of regel als `<{mask_below}`, met aanvullende maskering waar een totaal ze zou verraden."
    );
    out.push_str("- Adressen: alleen in het contactbestand van de gemeente (dat vroeg weigert als het voor anderen leesbaar is); ze komen alleen in een bestand via `vroeg reveal` (per team, met een reden, bestand 0600) en `vroeg export ddas` (postcode en huisnummer).\n");
    out.push_str("- Auditlog: elke reveal, export en purge voegt eerst een regel toe aan `audit.jsonl` in de store (wie, wanneer, waarom, hoeveel, een hash van de sleutels; nooit een sleutel of adres), in een hashketen die `vroeg audit verify` controleert.\n");
    out.push_str("- Bestandsrechten: alles wat vroeg schrijft is 0640 (mappen 0750), werklijsten en exports 0600: dicht voor andere gebruikers.\n");
    out.push_str("- Bewaartermijnen: `vroeg purge` verwijdert per bron de opgeslagen perioden waarvan de laatste dag langer dan de bewaartermijn geleden is, en uitvoer en runhistorie na hun bewaartermijn, en legt dat vast in het auditlog.\n");
    let _ = writeln!(
        out,
        "- Eerlijkheid: het rapport van elke run toont per wijk de verhouding van het aandeel op de lijst tot dat van de gemeente, en markeert een wijk buiten de band [{}, {}] ({}).",
        number_nl(p.fairness.low),
        number_nl(p.fairness.high),
        code("fairness.band")
    );
    out.push_str("- Uitlegbaarheid en reproduceerbaarheid: `vroeg explain` toont voor elk huishouden elke regel met drempels en waarden; `manifest.json` van elke run legt de hashes van invoer, pipelinebestand en regelset vast.\n");
    out.push_str("- Menselijke tussenkomst: de lijst is een werkvoorraad; een medewerker beslist of en hoe er contact komt.\n\n");

    out.push_str("## 7. Het registerbericht\n\n");
    let _ = writeln!(
        out,
        "`algorithm-register.json` (publicatiestandaard {}) bevat dezelfde bronnen en regels. Lengte van `methods_and_models`: {} van de 5000 tekens.",
        entry.standard_version,
        vroeg_pipeline::register::html_text_len(&entry.methods_and_models).unwrap_or(0)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::zoetermeer;

    #[test]
    fn expressions_are_shown_with_their_values() {
        let p = zoetermeer(&[]);
        let input = Input::new(&p).unwrap();
        let rs = input.rules;
        let f = rs
            .features
            .iter()
            .find(|f| f.name == "qualifying_debt_rows")
            .unwrap();
        assert_eq!(
            sql(f.filter.as_ref().unwrap(), &rs.params),
            "arrears_eur >= 75 AND oldest_unpaid_date <= {as_of - 30} AND NOT payment_plan"
        );
        let f = rs
            .features
            .iter()
            .find(|f| f.name == "benefit_stops_recent")
            .unwrap();
        assert_eq!(
            sql(f.filter.as_ref().unwrap(), &rs.params),
            "reason IN ('sanction', 'end_of_entitlement', 'administrative', 'other')"
        );
        assert_eq!(
            selection_nl(f),
            "alleen rijen met `stop_date` in de 90 dagen tot en met de peildatum"
        );
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(md("a|b *c* <d>\nx"), "a\\|b \\*c\\* &lt;d&gt; x");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }

    #[test]
    fn the_annex_names_every_source_rule_team_and_hash() {
        let p = zoetermeer(&[]);
        let input = Input::new(&p).unwrap();
        let entry = Entry::new(&input).unwrap();
        let a = annex(&input, &entry, 5);
        for s in vroeg_contracts::Source::ALL {
            assert!(a.contains(&format!("| `{}` |", s.name())), "{s}");
        }
        for r in &input.rules.rules {
            assert!(a.contains(&format!("### `{}`", r.id)), "{}", r.id);
        }
        for f in &input.rules.features {
            assert!(a.contains(&format!("### `{}`", f.name)), "{}", f.name);
        }
        assert!(a.contains("| `noord` | `WK063701`, `WK063702`, `WK063703` |"));
        assert!(a.contains("| `centraal` | huishoudens in een wijk zonder team"));
        assert!(a.contains("Gemeente Zoetermeer levert via `vroeg export ddas`"));
        assert!(a.contains(&input.rules.sha256()));
        assert!(a.contains(&p.sha256));
        assert!(a.contains("aantallen onder 5 over een wijk of regel als `<5`"));
        assert!(a.contains("buiten de band [0,5, 2]"));
        let mut no_ddas = p.clone();
        no_ddas.ddas = None;
        let input = Input::new(&no_ddas).unwrap();
        assert!(annex(&input, &entry, 5).contains("geen levering ingesteld"));
    }
}
