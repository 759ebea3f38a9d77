//! `methods_and_models`: every rule in plain Dutch with its weight and
//! thresholds, then eligibility, exclusions, capacity and the rule-set
//! hash, within the register's 5,000 characters.
//!
//! A rule's condition is read out from its parsed `when`
//! ([`vroeg_pipeline::Expression::in_dutch`]), each feature replaced by the
//! feature's own Dutch text: the features are not listed separately (the
//! DPIA annex has them in full), which keeps the field short enough.

use crate::{Input, escape, sentence};
use vroeg_pipeline::dutch::fill;
use vroeg_pipeline::{DOMAINS_FIRED, Expression, Rule, RuleSet};

/// The Dutch words for `domains_fired`.
pub const DOMAINS_FIRED_NL: &str = "het aantal levensdomeinen waarin een regel opging";

/// An expression over features read out in Dutch: each feature by its
/// filled `description_nl` (its name when it has none).
pub fn over_features(rs: &RuleSet, e: &Expression) -> String {
    e.in_dutch(&rs.params, &|name| {
        if name == DOMAINS_FIRED {
            return DOMAINS_FIRED_NL.to_string();
        }
        rs.features
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.description_nl.as_deref())
            .map(|t| fill(t, &rs.params))
            .unwrap_or_else(|| name.to_string())
    })
}

/// The domain of a rule in Dutch (`[register] domain_names`, else its code),
/// or `None` for a rule over other rules.
pub fn domain_nl<'a>(input: &Input<'a>, rule: &'a Rule) -> Option<&'a str> {
    let d = rule.domain.as_deref()?;
    Some(
        input
            .register
            .domain_names
            .get(d)
            .map(String::as_str)
            .unwrap_or(d),
    )
}

/// `1 punt`, `3 punten`.
pub fn points(n: i64) -> String {
    if n == 1 {
        "1 punt".into()
    } else {
        format!("{n} punten")
    }
}

/// One rule as plain text: id, domain, weight, its Dutch text filled in,
/// and its condition.
pub fn rule_nl(input: &Input<'_>, rule: &Rule) -> String {
    let rs = input.rules;
    let domain = match domain_nl(input, rule) {
        Some(d) => format!("domein {d}"),
        None => "over andere regels".to_string(),
    };
    let meaning = rule
        .description_nl
        .as_deref()
        .map(|t| sentence(&fill(t, &rs.params)))
        .unwrap_or_else(|| sentence(&rule.description));
    format!(
        "{} ({domain}, {}): {meaning} Voorwaarde: {}.",
        rule.id,
        points(rule.weight),
        over_features(rs, &rule.when)
    )
}

/// A whole number of cents as Dutch euros: `250,00`.
pub fn euros_nl(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{},{:02}", c / 100, c % 100)
}

/// The exclusions, in the order the list applies them, as plain text.
pub fn exclusions_nl(rs: &RuleSet) -> Vec<String> {
    let mut out =
        vec!["wie niet in de laatste opgave van de basisregistratie personen staat".to_string()];
    if rs.suppress_recent_contact_days > 0 {
        let mut s = format!(
            "wie een contact had dat in de {} dagen voor de peildatum is afgesloten",
            rs.suppress_recent_contact_days
        );
        if let Some(c) = rs.repeat_min_rise_cents {
            s.push_str(&format!(
                ", tenzij de totale achterstand sinds dat contact met ten minste € {} is gestegen (herhaalde melding)",
                euros_nl(c)
            ));
        }
        out.push(s);
    }
    out
}

/// Every parameter of the rule set with its value: each threshold of the
/// features' filters, windows and snapshots is one, so each shows here even
/// where no Dutch text names it.
pub fn parameters_nl(rs: &RuleSet) -> String {
    let all: Vec<String> = rs
        .params
        .iter()
        .map(|(name, v)| format!("{name} = {}", vroeg_pipeline::dutch::value_nl(v)))
        .collect();
    format!("Parameters van de regels: {}.", all.join("; "))
}

/// The capacity limit as plain text.
pub fn capacity_nl(rs: &RuleSet) -> String {
    match rs.max_listed {
        Some(n) => format!("Capaciteitsgrens: ten hoogste {n} huishoudens per lijst."),
        None => "Capaciteitsgrens: geen.".into(),
    }
}

/// The ordering of the list as plain text.
pub fn order_nl(rs: &RuleSet) -> String {
    format!(
        "Volgorde: de hoogste score eerst, dan de meeste levensdomeinen, dan de hoogste totale achterstand ({}).",
        over_features(rs, &rs.total_arrears_eur)
    )
}

/// The whole `methods_and_models` field (HTML).
pub fn methods_and_models(input: &Input<'_>) -> String {
    let rs = input.rules;
    let mut html = String::from(
        "<p>Vaste, gepubliceerde regels; geen zelflerend model. Per huishouden worden kenmerken uit de bronnen berekend. Elke regel die opgaat, telt zijn punten op bij de score.</p><ul>",
    );
    for r in &rs.rules {
        html.push_str(&format!("<li>{}</li>", escape(&rule_nl(input, r))));
    }
    html.push_str(&format!(
        "</ul><p>Een huishouden komt in aanmerking bij een score van ten minste {}. Niet op de lijst komt:</p><ul>",
        points(rs.eligible_min_score)
    ));
    for x in exclusions_nl(rs) {
        html.push_str(&format!("<li>{}.</li>", escape(&x)));
    }
    html.push_str(&format!(
        "</ul><p>{}</p><p>{} {}</p><p>Regelset SHA-256: {}</p>",
        escape(&parameters_nl(rs)),
        escape(&order_nl(rs)),
        escape(&capacity_nl(rs)),
        rs.sha256()
    ));
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::zoetermeer;
    use vroeg_pipeline::register::html_text_len;

    fn rule<'a>(input: &Input<'a>, id: &str) -> &'a Rule {
        input.rules.rules.iter().find(|r| r.id == id).unwrap()
    }

    #[test]
    fn shipped_rules_read_out_in_dutch_with_their_thresholds() {
        let p = zoetermeer(&[]);
        let input = Input::new(&p).unwrap();
        assert_eq!(
            rule_nl(&input, rule(&input, "fixed_cost_arrears")),
            "fixed_cost_arrears (domein vaste lasten, 2 punten): Ten minste één achterstand op vaste lasten (energie, water, zorgverzekering, telecom) van ten minste € 75 die ten minste 30 dagen openstaat, zonder betalingsregeling. Voorwaarde: het aantal achterstanden op vaste lasten van ten minste € 75, ten minste 30 dagen onbetaald, zonder betalingsregeling is ten minste 1."
        );
        assert_eq!(
            rule_nl(&input, rule(&input, "rent_arrears")),
            "rent_arrears (domein wonen, 3 punten): Een huurachterstand van ten minste 1 maandhuur, zonder betalingsregeling. Voorwaarde: het aantal huurachterstanden in de actuele opgave van de verhuurders is meer dan 0 en de huurachterstand in euro is ten minste 1 maal de maandhuur in euro en het aantal huurachterstanden met een betalingsregeling is 0."
        );
        assert_eq!(
            rule_nl(&input, rule(&input, "school_absence")),
            "school_absence (domein school, 2 punten): Een kind met ten minste 16 uur ongeoorloofd verzuim in 28 dagen (de meldplicht van de Leerplichtwet). Voorwaarde: de uren ongeoorloofd verzuim of luxe verzuim van het meest afwezige kind in de laatste 28 dagen is ten minste 16."
        );
        assert_eq!(
            rule_nl(&input, rule(&input, "multi_domain")),
            "multi_domain (over andere regels, 4 punten): Signalen uit ten minste 2 levensdomeinen. Voorwaarde: het aantal levensdomeinen waarin een regel opging is ten minste 2."
        );
        assert_eq!(
            rule_nl(&input, rule(&input, "children_in_household")),
            "children_in_household (over andere regels, 1 punt): Minderjarige kinderen in het huishouden, en ten minste één signaal. Voorwaarde: het aantal minderjarige kinderen volgens de basisregistratie is ten minste 1 en het aantal levensdomeinen waarin een regel opging is ten minste 1."
        );
    }

    #[test]
    fn a_changed_threshold_shows_in_the_text() {
        // A decimal parameter is shown as TOML read it: `75.00` is 75.
        let p = zoetermeer(&[
            ("debt_min_eur = 75.00", "debt_min_eur = 100.50"),
            (
                "rent_months_in_arrears = 1.0",
                "rent_months_in_arrears = 1.5",
            ),
        ]);
        let input = Input::new(&p).unwrap();
        let text = rule_nl(&input, rule(&input, "fixed_cost_arrears"));
        assert!(text.contains("van ten minste € 100,5 die"), "{text}");
        assert!(!text.contains("€ 75"), "{text}");
        let text = rule_nl(&input, rule(&input, "rent_arrears"));
        assert!(
            text.contains("ten minste 1,5 maandhuur")
                && text.contains("is ten minste 1,5 maal de maandhuur in euro"),
            "{text}"
        );
    }

    #[test]
    fn eligibility_exclusions_capacity_and_hash() {
        let p = zoetermeer(&[]);
        let input = Input::new(&p).unwrap();
        let html = methods_and_models(&input);
        assert!(
            html.contains("bij een score van ten minste 5 punten."),
            "{html}"
        );
        assert!(
            html.contains(
                "<li>wie een contact had dat in de 180 dagen voor de peildatum is afgesloten.</li>"
            ),
            "{html}"
        );
        assert!(!html.contains("herhaalde melding"));
        assert!(html.contains("Capaciteitsgrens: geen."));
        assert!(
            html.contains(
                "(de huurachterstand in euro plus de achterstand op vaste lasten in euro)"
            )
        );
        assert!(html.ends_with(&format!(
            "<p>Regelset SHA-256: {}</p>",
            input.rules.sha256()
        )));
        let n = html_text_len(&html).unwrap();
        assert!(n <= 5_000, "{n}");
        let p = zoetermeer(&[(
            "# max_listed = 250",
            "max_listed = 250\nrepeat_min_rise_eur = 250.5",
        )]);
        let input = Input::new(&p).unwrap();
        let html = methods_and_models(&input);
        assert!(html.contains(", tenzij de totale achterstand sinds dat contact met ten minste € 250,50 is gestegen (herhaalde melding).</li>"), "{html}");
        assert!(html.contains("Capaciteitsgrens: ten hoogste 250 huishoudens per lijst."));
        assert_eq!(euros_nl(25_000), "250,00");
        assert_eq!(euros_nl(7), "0,07");
    }
}
