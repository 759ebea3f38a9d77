//! `vroeg backtest`: each month's line equals a fresh run at that as-of
//! date on a store that holds only rows dated up to it (no look-ahead), and
//! its calendar and refusals.

mod common;

use common::{Project, text, zoetermeer};
use std::fs;
use vroeg_contracts::Source;

/// A clean synthetic inbox (synth's dialects: debt `;` and `dd-mm-yyyy`).
fn project() -> Project {
    let p = zoetermeer(|t| t);
    let o = p.synth("1500", "12", "3", "inbox", false);
    assert!(o.status.success(), "{}", text(&o));
    p
}

/// A copy of `inbox` into `to` holding only rows whose time column is on
/// or before `as_of`.
fn inbox_up_to(p: &Project, to: &str, as_of: &str) {
    for source in Source::ALL {
        let from = p.path("inbox").join(source.name());
        let dest = p.path(to).join(source.name());
        fs::create_dir_all(&dest).unwrap();
        let Ok(entries) = fs::read_dir(&from) else {
            continue;
        };
        let debt = source == Source::DebtArrears;
        let sep = if debt { ';' } else { ',' };
        for e in entries {
            let path = e.unwrap().path();
            let body = fs::read_to_string(&path).unwrap();
            let mut lines = body.lines();
            let header = lines.next().unwrap();
            let col = header
                .split(sep)
                .position(|c| c == source.contract().time_column)
                .unwrap();
            let mut out = format!("{header}\n");
            for l in lines {
                let day = l.split(sep).nth(col).unwrap();
                let iso = if debt {
                    format!("{}-{}-{}", &day[6..10], &day[3..5], &day[0..2])
                } else {
                    day.to_string()
                };
                if iso.as_str() <= as_of {
                    out.push_str(l);
                    out.push('\n');
                }
            }
            fs::write(dest.join(path.file_name().unwrap()), out).unwrap();
        }
    }
}

#[test]
fn each_month_equals_a_fresh_run_on_the_store_as_it_was() {
    let p = project();
    let o = p.vroeg(&["ingest", "--pipeline", "zoetermeer.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = p.vroeg(&[
        "backtest",
        "--pipeline",
        "zoetermeer.toml",
        "--from",
        "2026-07-15",
        "--to",
        "2026-10-31",
        "--every",
        "month",
        "--out",
        "bt",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(p.path("bt/backtest.json")).unwrap()).unwrap();
    let dates = json["dates"].as_array().unwrap();
    let as_of: Vec<&str> = dates.iter().map(|d| d["as_of"].as_str().unwrap()).collect();
    assert_eq!(
        as_of,
        ["2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31"]
    );
    assert_eq!(
        String::from_utf8(o.stdout.clone()).unwrap(),
        fs::read_to_string(p.path("bt/backtest.csv")).unwrap()
    );
    for (i, day) in [(1, "2026-08-31"), (3, "2026-10-31")] {
        let inbox = format!("inbox-{day}");
        inbox_up_to(&p, &inbox, day);
        let store = format!("store-{day}");
        let out = format!("run-{day}");
        let o = p.vroeg(&[
            "run",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            day,
            "--inbox",
            &inbox,
            "--store",
            &store,
            "--out",
            &out,
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let summary: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(p.path(&out).join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(dates[i]["listed"], summary["listed"], "{day}");
        assert_eq!(dates[i]["eligible"], summary["eligible"], "{day}");
        assert!(summary["listed"].as_u64().unwrap() > 0, "{day}");
    }
    // still listed counts the previous month's list
    assert!(dates[0]["still_listed"].is_null());
    assert!(dates[1]["still_listed"].as_u64().unwrap() <= dates[0]["listed"].as_u64().unwrap());
}

#[test]
fn refusals_are_exit_2() {
    let p = project();
    let o = p.vroeg(&["ingest", "--pipeline", "zoetermeer.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    for (args, says) in [
        (
            vec!["--from", "2026-10-31", "--to", "2026-01-31"],
            "is after --to",
        ),
        (
            vec!["--from", "2026-10-01", "--to", "2026-10-30"],
            "no month ends",
        ),
        (
            vec![
                "--from",
                "2026-01-01",
                "--to",
                "2026-10-31",
                "--every",
                "week",
            ],
            "only `month`",
        ),
        (
            vec![
                "--from",
                "2026-01-01",
                "--to",
                "2026-10-31",
                "--follow-up-days",
                "0",
            ],
            "--follow-up-days",
        ),
    ] {
        let mut all = vec!["backtest", "--pipeline", "zoetermeer.toml"];
        all.extend_from_slice(&args);
        let o = p.vroeg(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(says), "{args:?}: {}", text(&o));
    }
}

#[test]
fn out_is_written_again_only_when_it_holds_this_commands_marker() {
    let p = project();
    let o = p.vroeg(&["ingest", "--pipeline", "zoetermeer.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let backtest = |out: &str| {
        p.vroeg(&[
            "backtest",
            "--pipeline",
            "zoetermeer.toml",
            "--from",
            "2026-09-01",
            "--to",
            "2026-10-31",
            "--out",
            out,
        ])
    };
    // somebody's file that has one of the names is never replaced
    fs::create_dir_all(p.path("theirs")).unwrap();
    fs::write(p.path("theirs/backtest.csv"), "precious").unwrap();
    let o = backtest("theirs");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("vroeg-pages.json"), "{}", text(&o));
    assert_eq!(
        fs::read_to_string(p.path("theirs/backtest.csv")).unwrap(),
        "precious"
    );
    // a folder where a file goes
    fs::create_dir_all(p.path("odd/backtest.json")).unwrap();
    fs::write(p.path("odd/vroeg-pages.json"), r#"{"command": "backtest"}"#).unwrap();
    let o = backtest("odd");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // another command's pages are not this one's
    fs::create_dir_all(p.path("sweep")).unwrap();
    fs::write(p.path("sweep/vroeg-pages.json"), r#"{"command": "sweep"}"#).unwrap();
    let o = backtest("sweep");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // its own folder, twice
    for _ in 0..2 {
        let o = backtest("mine");
        assert!(o.status.success(), "{}", text(&o));
    }
    let marker: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(p.path("mine/vroeg-pages.json")).unwrap())
            .unwrap();
    assert_eq!(marker["command"], "backtest");
    assert_eq!(marker["files"].as_array().unwrap().len(), 8);
}
