//! `vroeg sweep` on the shipped sample data: every line equals `vroeg
//! whatif` with that value (itself tested equal to a run with an edited
//! file), for a rule-only parameter (features shared) and a feature
//! parameter (features scored anew); bad ranges are exit 2.

mod common;

use common::{Project, repo, text, zoetermeer};
use std::fs;

fn sample() -> Project {
    let inbox = repo("sample-data/inbox").display().to_string();
    let p = zoetermeer(|t| t.replace("inbox = \"inbox\"", &format!("inbox = \"{inbox}\"")));
    let o = p.vroeg(&["ingest", "--pipeline", "zoetermeer.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    p
}

fn whatif(p: &Project, set: &str) -> serde_json::Value {
    let out = format!("wi-{}", set.replace(['=', '.'], "_"));
    let o = p.vroeg(&[
        "whatif",
        "--pipeline",
        "zoetermeer.toml",
        "--as-of",
        "2026-10-31",
        "--set",
        set,
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_str(&fs::read_to_string(p.path(&out).join("whatif.json")).unwrap()).unwrap()
}

#[test]
fn every_line_equals_a_whatif_with_that_value() {
    let p = sample();
    for (param, name, values) in [
        (
            "eligible_min_score=4..7/1",
            "eligible_min_score",
            vec!["4", "5", "6", "7"],
        ),
        (
            "debt_min_eur=25..125/50",
            "debt_min_eur",
            vec!["25", "75", "125"],
        ),
    ] {
        let o = p.vroeg(&[
            "--log-format",
            "json",
            "sweep",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            "2026-10-31",
            "--param",
            param,
            "--out",
            "sw",
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let stdout = String::from_utf8(o.stdout.clone()).unwrap();
        let mut r = csv::Reader::from_reader(stdout.as_bytes());
        let header = r.headers().unwrap().clone();
        assert_eq!(&header[0], name);
        assert_eq!(
            (&header[1], &header[2], &header[3]),
            ("eligible", "listed", "overlap")
        );
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(
            rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(),
            values
        );
        for row in &rows {
            let w = whatif(&p, &format!("{name}={}", &row[0]));
            assert_eq!(
                row[1].parse::<u64>().unwrap(),
                w["after"]["eligible"].as_u64().unwrap(),
                "{param} {}",
                &row[0]
            );
            let listed: u64 = row[2].parse().unwrap();
            assert_eq!(
                listed,
                w["after"]["listed"].as_u64().unwrap(),
                "{param} {}",
                &row[0]
            );
            // overlap with today's list: listed after minus added
            assert_eq!(
                row[3].parse::<u64>().unwrap(),
                listed - w["added"].as_u64().unwrap(),
                "{param} {}",
                &row[0]
            );
            // per team adds up to listed
            let teams: u64 = (4..row.len()).map(|i| row[i].parse::<u64>().unwrap()).sum();
            assert_eq!(teams, listed);
        }
        // a rule-only parameter shares the features; a feature parameter
        // only at today's value (75)
        let log = String::from_utf8_lossy(&o.stderr);
        let shared = if name == "eligible_min_score" {
            values.len()
        } else {
            1
        };
        assert!(
            log.contains(&format!("\"shared\":{shared}")),
            "{name}: {log}"
        );
        let html = fs::read_to_string(p.path("sw/sweep.html")).unwrap();
        assert!(html.contains("<svg"), "the chart");
        assert_eq!(fs::read_to_string(p.path("sw/sweep.csv")).unwrap(), stdout);
    }
}

#[test]
fn bad_ranges_and_names_are_exit_2() {
    let p = sample();
    for (param, says) in [
        ("eligible_min_score=9..3/1", "FROM is at most TO"),
        (
            "eligible_min_score=3..9/0",
            "--param eligible_min_score=3..9/0: STEP is more than 0",
        ),
        ("eligible_min_score=3..9", "/STEP"),
        (
            "eligible_min_scor=3..9/1",
            "did you mean `eligible_min_score`",
        ),
    ] {
        let o = p.vroeg(&[
            "sweep",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            "2026-10-31",
            "--param",
            param,
        ]);
        assert_eq!(o.status.code(), Some(2), "{param}: {}", text(&o));
        assert!(
            text(&o).contains(says),
            "{param}: wanted {says:?} in {}",
            text(&o)
        );
    }
}
