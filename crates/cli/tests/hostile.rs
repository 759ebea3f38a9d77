//! Hostile pipeline files: each edit of the reference pipeline that once
//! ran (reading other tables, cancelling a window, a volatile function, a
//! plan that exhausts the machine, a stack overflow, an overflowing score)
//! is refused by `check`, `run` and `explain` alike, with exit 2 and the key.

mod common;

use common::{text, zoetermeer};

/// `(what, edit of the reference pipeline's text, the key the error names,
/// a part of the message)`.
type Case = (
    &'static str,
    Box<dyn Fn(String) -> String>,
    &'static str,
    &'static str,
);

fn cases() -> Vec<Case> {
    let swap = |old: &'static str, new: String| -> Box<dyn Fn(String) -> String> {
        Box::new(move |t: String| {
            assert!(t.contains(old), "{old}");
            t.replacen(old, &new, 1)
        })
    };
    vec![
        (
            "a feature reads another table through a subquery",
            swap(
                "IN {benefit_stop_reasons}\"\nvalue = \"count(*)\"\n",
                "IN {benefit_stop_reasons}\"\nvalue = \"count(*) + (SELECT count(*) FROM households)\"\n"
                    .into(),
            ),
            "features.benefit_stops_recent.value",
            "subqueries are not part of the rule language",
        ),
        (
            "a UNION ALL appended to a value",
            swap(
                "value = \"sum(arrears_eur)\"\n",
                "value = \"sum(arrears_eur) UNION ALL SELECT household_key FROM households\"\n"
                    .into(),
            ),
            "features.rent_arrears_eur.value",
            "after the end of the expression",
        ),
        (
            "a where that cancels its window",
            swap(
                "where = \"reason IN {benefit_stop_reasons}\"",
                "where = \"true) OR (true\"".into(),
            ),
            "features.benefit_stops_recent.where",
            "cannot be read",
        ),
        (
            "a volatile function",
            swap(
                "when = \"benefit_stops_recent >= 1\"",
                "when = \"benefit_stops_recent >= 1 OR random() < 0.5\"".into(),
            ),
            "rules.benefit_stop.when",
            "function `random` is not part of the rule language",
        ),
        (
            "a table function that would run past any memory limit",
            swap(
                "IN {benefit_stop_reasons}\"\nvalue = \"count(*)\"\n",
                "IN {benefit_stop_reasons}\"\nvalue = \"count(*) + (SELECT count(*) FROM generate_series(1, 100000000000))\"\n"
                    .into(),
            ),
            "features.benefit_stops_recent.value",
            "subqueries are not part of the rule language",
        ),
        (
            "5,000 terms that overflowed the stack",
            swap(
                "when = \"benefit_stops_recent >= 1\"",
                format!("when = \"benefit_stops_recent{} >= 1\"", " + 1".repeat(5000)),
            ),
            "rules.benefit_stop.when",
            "an expression may have at most 2000",
        ),
        (
            "deep nesting",
            swap(
                "when = \"benefit_stops_recent >= 1\"",
                format!("when = \"{}benefit_stops_recent{} >= 1\"", "(".repeat(100), ")".repeat(100)),
            ),
            "rules.benefit_stop.when",
            "cannot be read",
        ),
        (
            "a weight that wraps the score",
            swap("weight = 3\n", "weight = 9223372036854775807\n".into()),
            ".weight",
            "a score could exceed",
        ),
        (
            "a negative window",
            swap(
                "benefit_window_days = 90",
                "benefit_window_days = -90".into(),
            ),
            "features.benefit_stops_recent.window.days",
            "0 to 36500",
        ),
        (
            "a domain listed twice",
            swap(
                "domains = [\"housing\", \"fixed_costs\", \"school\", \"income\"]",
                "domains = [\"housing\", \"fixed_costs\", \"school\", \"income\", \"housing\"]"
                    .into(),
            ),
            "scoring.domains",
            "listed twice",
        ),
        (
            "a when that is not true or false",
            swap(
                "when = \"benefit_stops_recent >= 1\"",
                "when = \"benefit_stops_recent + 1\"".into(),
            ),
            "rules.benefit_stop.when",
            "must be true or false",
        ),
        (
            "a sum of a text",
            swap(
                "value = \"count(DISTINCT creditor_type)\"",
                "value = \"sum(creditor_type)\"".into(),
            ),
            "features.qualifying_debt_types",
            "",
        ),
    ]
}

#[test]
fn hostile_pipelines_are_refused_by_check_run_and_explain() {
    for (what, edit, key, part) in cases() {
        let p = zoetermeer(edit);
        for args in [
            vec!["check", "--pipeline", "zoetermeer.toml"],
            vec![
                "run",
                "--pipeline",
                "zoetermeer.toml",
                "--as-of",
                "2026-10-31",
            ],
            vec![
                "explain",
                "--pipeline",
                "zoetermeer.toml",
                "--as-of",
                "2026-10-31",
                "--household",
                "hh00000001",
            ],
        ] {
            let o = p.vroeg(&args);
            let t = text(&o);
            assert_eq!(o.status.code(), Some(2), "{what}, {}: {t}", args[0]);
            assert!(t.contains(key), "{what}, {}: names {key}: {t}", args[0]);
            assert!(t.contains(part), "{what}, {}: says {part}: {t}", args[0]);
            assert!(!t.contains("panicked"), "{what}: {t}");
        }
        assert!(
            !p.path("out").exists(),
            "{what}: a refused pipeline writes nothing"
        );
    }
}
