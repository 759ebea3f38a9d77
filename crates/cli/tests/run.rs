//! `vroeg run`, `check` and `explain` end to end on a small project that uses
//! a copy of the shipped pipeline.

mod common;

use common::{Project, RENT, text, zoetermeer};
use std::fs;
use std::process::Output;

const REGISTER: &str = "household_key,reference_date,district_code,adults,minors\n";

/// What these tests do with a project.
trait Scoring {
    fn run(&self, as_of: &str) -> Output;
    fn explain(&self, household: &str) -> Output;
    fn with_two_listed(self) -> Self;
}

impl Scoring for Project {
    fn run(&self, as_of: &str) -> Output {
        self.run_at(as_of, &[])
    }
    fn explain(&self, household: &str) -> Output {
        self.explain_at("2026-10-31", household)
    }
    /// Two households with rent arrears in September and October (score 5),
    /// one of them in a district whose code looks like a formula.
    fn with_two_listed(self) -> Self {
        self.deliver("rent_arrears", "2026-09_LA.csv", &format!("{RENT}hhaaaaaa,2026-09-30,LA,700.00,700.00,2026-09-01,nee\nhhbbbbbb,2026-09-30,LA,700.00,700.00,2026-09-01,nee\n"));
        self.deliver("rent_arrears", "2026-10_LA.csv", &format!("{RENT}hhaaaaaa,2026-10-31,LA,1400.00,700.00,2026-09-01,nee\nhhbbbbbb,2026-10-31,LA,700.00,700.00,2026-09-01,nee\nhhcccccc,2026-10-31,LA,100.00,700.00,2026-10-01,nee\n"));
        self.deliver(
            "households",
            "2026-10-31.csv",
            &format!(
                "{REGISTER}hhaaaaaa,2026-10-31,=HYPERLINK(1),1,0\nhhbbbbbb,2026-10-31,WK02,1,0\n"
            ),
        );
        self
    }
}

fn sha256(bytes: &[u8]) -> String {
    vroeg_outputs::sha256(bytes)
}

#[test]
fn run_writes_the_list_summary_and_manifest() {
    let p = zoetermeer(|t| t).with_two_listed();
    let out = p.run("2026-10-31");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let csv = fs::read_to_string(p.path("out/2026-10-31/signals.csv")).unwrap();
    assert_eq!(
        csv,
        "rank,household_key,score,domains,rules,total_arrears_eur,district_code\n\
         1,hhaaaaaa,5,1,rent_arrears|rent_arrears_persistent,1400.00,'=HYPERLINK(1)\n\
         2,hhbbbbbb,5,1,rent_arrears|rent_arrears_persistent,700.00,WK02\n"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(p.path("out/2026-10-31/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["households_with_rule"], 2);
    assert_eq!(summary["eligible"], 2);
    assert_eq!(summary["listed"], 2);
    assert_eq!(summary["rule_counts"]["rent_arrears"], 2);
    assert_eq!(summary["rule_counts"]["benefit_stop"], 0);
    assert_eq!(summary["rule_counts"].as_object().unwrap().len(), 8);
    assert_eq!(summary["refused_files"].as_array().unwrap().len(), 0);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(p.path("out/2026-10-31/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["as_of"], "2026-10-31");
    assert_eq!(
        manifest["pipeline_sha256"],
        sha256(&fs::read(p.path("zoetermeer.toml")).unwrap())
    );
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 3);
    for f in [
        "signals.csv",
        "signals.parquet",
        "summary.json",
        "report.html",
        "report-data.json",
        "analysis.ipynb",
    ] {
        assert_eq!(
            manifest["outputs"][f],
            sha256(&fs::read(p.path("out/2026-10-31").join(f)).unwrap()),
            "{f}"
        );
    }
    // the same run again gives the same list, byte for byte
    let first = fs::read(p.path("out/2026-10-31/signals.parquet")).unwrap();
    assert_eq!(p.run("2026-10-31").status.code(), Some(0));
    assert_eq!(
        fs::read(p.path("out/2026-10-31/signals.parquet")).unwrap(),
        first
    );
}

#[test]
fn a_failed_run_leaves_the_previous_outputs_untouched() {
    let p = zoetermeer(|t| t).with_two_listed();
    assert_eq!(p.run("2026-10-31").status.code(), Some(0));
    let before: Vec<(String, Vec<u8>)> = [
        "signals.csv",
        "signals.parquet",
        "summary.json",
        "manifest.json",
        "report.html",
        "report-data.json",
        "analysis.ipynb",
    ]
    .iter()
    .map(|f| {
        (
            f.to_string(),
            fs::read(p.path("out/2026-10-31").join(f)).unwrap(),
        )
    })
    .collect();
    // the store is held by another process: the run fails before writing
    let held = vroeg_store::Store::open(&p.path("store")).unwrap();
    let out = p.run("2026-10-31");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    drop(held);
    // a broken rule: usage error
    fs::write(
        p.path("zoetermeer.toml"),
        fs::read_to_string(p.path("zoetermeer.toml"))
            .unwrap()
            .replace(
                "weight = 3\nwhen = \"rent_current_rows > 0",
                "weight = 3\nwhen = \"rent_curent_rows > 0",
            ),
    )
    .unwrap();
    let out = p.run("2026-10-31");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let entries: Vec<_> = fs::read_dir(p.path("out/2026-10-31"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries.len(), 7, "{entries:?}");
    for (f, bytes) in before {
        assert_eq!(
            fs::read(p.path("out/2026-10-31").join(&f)).unwrap(),
            bytes,
            "{f}"
        );
    }
    // a failed first run of another date leaves no folder, no report
    let out = p.run("2026-09-30");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!p.path("out/2026-09-30").exists());
    // only the published run is in the store's run history
    let store = vroeg_store::Store::open(&p.path("store")).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!((runs[0].as_of.as_str(), runs[0].listed), ("2026-10-31", 2));
}

/// `vroeg check` on the shipped pipeline with `from` replaced by `to`: exit
/// code 2 and a message containing `expected`.
fn check_says(from: &str, to: &str, expected: &str) {
    let p = zoetermeer(|t| {
        assert!(t.contains(from), "{from}");
        t.replace(from, to)
    });
    let out = p.vroeg(&["check", "--pipeline", "zoetermeer.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains(expected), "{}", text(&out));
}

#[test]
fn check_points_at_the_rule_and_suggests_the_closest_name() {
    check_says(
        "when = \"qualifying_debt_rows >= 1\"",
        "when = \"qualifying_debt_row >= 1\"",
        "`rules.fixed_cost_arrears.when`: unknown name `qualifying_debt_row` (did you mean `qualifying_debt_rows`?)",
    );
    check_says(
        "domain = \"school\"",
        "domain = \"schol\"",
        "`rules.school_absence.domain`: unknown domain `schol` (did you mean `school`?)",
    );
    check_says(
        "{school_min_hours}",
        "{school_min_hour}",
        "unknown parameter `{school_min_hour}` (did you mean `school_min_hours`?)",
    );
    check_says(
        "value = \"sum(arrears_eur)\"",
        "value = \"sum(arears_eur)\"",
        "`features.debt_arrears_eur.value`: unknown name `arears_eur` (did you mean `arrears_eur`?)",
    );
    check_says(
        "when = \"benefit_stops_recent >= 1\"",
        "when = \"benefit_stops_recent + 1\"",
        "rule `benefit_stop` (`rules.benefit_stop.when`): `when` must be true or false",
    );
    check_says(
        "when = \"qualifying_debt_rows >= 1\"",
        "when = \"qualifying_debt_rows >= 1 AND domains_fired > 0\"",
        "only rules without a domain may use domains_fired",
    );
    check_says(
        "from = \"benefit_stops\"",
        "from = \"benefit_stop\"",
        "no such source `benefit_stop` (did you mean `benefit_stops`?)",
    );
    let ok = zoetermeer(|t| t);
    let out = ok.vroeg(&["check", "--pipeline", "zoetermeer.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("11 features, 8 rules"));
}

#[test]
fn explain_shows_every_rule_with_thresholds_and_values() {
    let p = zoetermeer(|t| t).with_two_listed();
    assert_eq!(p.run("2026-10-31").status.code(), Some(0));
    let out = p.explain("hhaaaaaa");
    let t = text(&out);
    assert!(
        t.contains(
            "score 5 (eligible from 5), 1 domain(s), total arrears 1400.00 euros: listed at rank 1"
        ),
        "{t}"
    );
    assert!(t.contains("[x] rent_arrears"), "{t}");
    assert!(t.contains("when rent_current_rows > 0 AND rent_arrears_eur >= 1 * rent_monthly_eur AND rent_rows_with_plan = 0"), "{t}");
    assert!(t.contains("[ ] benefit_stop"), "{t}");
    assert!(t.contains("rent_arrears_eur           = 1400.00"), "{t}");
    let out = p.explain("hhcccccc");
    let t = text(&out);
    assert!(t.contains("no rule fired: not on the list"), "{t}");
    assert!(t.contains("rent_arrears_eur           = 100.00"), "{t}");
    let out = p.explain("123456782");
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out).contains("123456782"));
}

#[test]
fn a_ballista_url_without_the_distributed_build_is_a_usage_error() {
    let p = zoetermeer(|t| t);
    let out = p.run_at("2026-10-31", &["--engine", "df://127.0.0.1:50050"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("--features distributed"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_bad_memory_limit_is_a_usage_error_that_names_the_key() {
    let p = zoetermeer(|t| t.replace("memory_limit = \"8GiB\"", "memory_limit = \"8GB\""));
    let out = p.run("2026-10-31");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("`engine.memory_limit`: \"8GB\": unknown unit"),
        "{}",
        text(&out)
    );
    let out = p.run_at("2026-10-31", &["--memory-limit", "1MiB"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("at least 64MiB"), "{}", text(&out));
}
