//! The run's outputs for people: `report.html` opened in headless Chromium,
//! small-number masking and household keys on a crafted run, the notebook
//! executed headless, and snapshots of the report's tables.

mod common;

use common::{Project, RENT, chromium_on, python, repo, text, zoetermeer};
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const REGISTER: &str = "household_key,reference_date,district_code,adults,minors\n";

/// The sections every report has, by element id.
const SECTIONS: [&str; 9] = [
    "identity",
    "funnel",
    "districts",
    "rules",
    "scores",
    "quality",
    "legal-basis",
    "changes",
    "history",
];

fn run(p: &Project, as_of: &str, extra: &[&str]) -> Output {
    let out = p.run_at(as_of, extra);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    out
}

/// A project on the shipped sample inbox, run for September and October.
fn sample_runs() -> Project {
    let inbox = repo("sample-data/inbox").canonicalize().unwrap();
    let p = zoetermeer(|t| {
        t.replace(
            "inbox = \"inbox\"",
            &format!("inbox = \"{}\"", inbox.display()),
        )
    });
    run(&p, "2026-09-30", &[]);
    run(&p, "2026-10-31", &[]);
    p
}

#[test]
fn console_messages_of_a_page_are_caught() {
    // the check below can fail: a page that logs is seen to log
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    fs::write(
        &page,
        "<!DOCTYPE html><p>x</p><script>console.error('boom'); missing();</script>",
    )
    .unwrap();
    let (_, console) = chromium_on(&page, &["--dump-dom"]);
    assert_eq!(console.len(), 2, "{console:?}");
    assert!(console[0].contains("\"boom\""), "{console:?}");
    assert!(
        console[1].contains("Uncaught ReferenceError"),
        "{console:?}"
    );
}

#[test]
fn the_sample_report_opens_in_chromium_with_its_charts() {
    let p = sample_runs();
    let page = p.path("out/2026-10-31/report.html");
    let html = fs::read_to_string(&page).unwrap();
    // self-contained: nothing to fetch, nothing to run
    for banned in [
        "<script", "<link", "<img", "<iframe", "@import", "url(", "src=",
    ] {
        assert!(!html.contains(banned), "report.html contains {banned}");
    }
    // links only within the page and to the laws it reads under
    let hrefs: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert!(hrefs.contains(&"#legal-basis"), "{hrefs:?}");
    for h in &hrefs {
        assert!(
            *h == "#legal-basis" || h.starts_with("https://wetten.overheid.nl/"),
            "{h}"
        );
    }
    assert!(html.contains("<h2>Legal basis and retention</h2>"));
    assert!(html.contains(
        "<a href=\"https://wetten.overheid.nl/BWBR0002628\">Leerplichtwet 1969, art. 16 en 21a</a>"
    ));

    let (dom, console) = chromium_on(&page, &["--dump-dom"]);
    assert_eq!(console, Vec::<String>::new(), "console messages");
    assert!(dom.contains("<h1>Vroegsignaal: zoetermeer, as of 2026-10-31</h1>"));
    for id in SECTIONS {
        let tag = if id == "identity" {
            "header"
        } else {
            "section"
        };
        assert!(
            dom.contains(&format!("<{tag} id=\"{id}\">")),
            "section {id}"
        );
    }
    let charts: Vec<&str> = dom.split("<svg ").skip(1).collect();
    assert_eq!(charts.len(), 5, "five charts");
    for (chart, label) in charts.iter().zip([
        "From signals to the list (households)",
        "Listed households per district",
        "Households per rule: fired (dark), listed (light)",
        "Households per score (light: below 5)",
        "Listed households per as-of date",
    ]) {
        assert!(
            chart.starts_with(&format!(
                "class=\"chart\" role=\"img\" aria-label=\"{label}\""
            )),
            "{label}"
        );
        assert!(
            chart.contains("<rect") || chart.contains("<circle"),
            "{label} draws marks"
        );
    }
    // the funnel of the sample (as in its README) and both runs in the history
    assert!(dom.contains("<tr><td>Listed</td><td class=\"n\">115</td></tr>"));
    assert!(dom.contains("<tr><td>2026-09-30</td>"));

    let shot = p.path("report.png");
    let (_, console) = chromium_on(
        &page,
        &[
            "--window-size=1200,3000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert_eq!(console, Vec::<String>::new());
    let png = fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), (1200, 3000), "IHDR width, height");
    // a blank page compresses to a few KB; tables and charts do not
    assert!(png.len() > 100_000, "screenshot is {} bytes", png.len());
    fs::copy(
        &shot,
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("sample-report.png"),
    )
    .unwrap();
}

#[test]
fn the_notebook_runs_headless_and_matches_the_report() {
    let p = sample_runs();
    let dir = p.path("out/2026-10-31");
    let nb: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("analysis.ipynb")).unwrap()).unwrap();
    let prefilled: String = nb["cells"][1]["outputs"][0]["text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(prefilled, "115 listed households as of 2026-10-31\n");

    let execute = |dir: &Path| {
        Command::new(python())
            .arg(repo(".ci/run_notebook.py"))
            .arg(dir)
            .output()
            .unwrap()
    };
    let out = execute(&dir);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(&prefilled), "{stdout}");
    for table in ["funnel", "districts", "rules"] {
        assert!(
            stdout.contains(&format!("{table}: matches report.html\n")),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("---- image/png text/plain\n"),
        "the chart cell draws: {stdout}"
    );

    // the notebook's own check fails when the report says otherwise
    let mut data: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("report-data.json")).unwrap()).unwrap();
    data["districts"][0]["listed"] = 999.into();
    fs::write(
        dir.join("report-data.json"),
        serde_json::to_vec(&data).unwrap(),
    )
    .unwrap();
    let out = execute(&dir);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("districts: DIFFERS from report.html"),
        "{}",
        text(&out)
    );
}

/// 15 listed households with rent arrears in September and October: 6 in
/// WK01, 2 in WK02, 7 in WK03.
fn crafted() -> (Project, Vec<String>) {
    let p = zoetermeer(|t| t);
    let mut keys = Vec::new();
    let (mut sep, mut oct, mut reg) = (RENT.to_string(), RENT.to_string(), REGISTER.to_string());
    for (district, n) in [("WK01", 6), ("WK02", 2), ("WK03", 7)] {
        for i in 0..n {
            let key = format!("hh{}x{i:04}", &district[3..]);
            sep.push_str(&format!(
                "{key},2026-09-30,LA,700.00,700.00,2026-09-01,nee\n"
            ));
            oct.push_str(&format!(
                "{key},2026-10-31,LA,1400.00,700.00,2026-09-01,nee\n"
            ));
            reg.push_str(&format!("{key},2026-10-31,{district},1,0\n"));
            keys.push(key);
        }
    }
    p.deliver("rent_arrears", "2026-09_LA.csv", &sep);
    p.deliver("rent_arrears", "2026-10_LA.csv", &oct);
    p.deliver("households", "2026-10-31.csv", &reg);
    (p, keys)
}

#[test]
fn small_counts_are_masked_and_keys_stay_out_of_the_report() {
    let (p, keys) = crafted();
    run(&p, "2026-10-31", &[]);
    let dir = p.path("out/2026-10-31");
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let json = fs::read_to_string(dir.join("report-data.json")).unwrap();
    assert!(audited(&dir) > 0);
    // WK02 has 2: "<5"; WK01 (6, the smallest other) is hidden, or 15 - 6 - 7
    // would give WK02 away; WK03 shows its 7
    for row in [
        "<tr><td>WK01</td><td class=\"n\">x</td></tr>",
        "<tr><td>WK02</td><td class=\"n\">&lt;5</td></tr>",
        "<tr><td>WK03</td><td class=\"n\">7</td></tr>",
    ] {
        assert!(html.contains(row), "{row}");
    }
    assert!(
        html.contains("WK02 (&lt;5)"),
        "the chart labels the masked bar"
    );
    let data: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        data["districts"],
        serde_json::json!([
            {"district": "WK01", "listed": "x"},
            {"district": "WK02", "listed": "<5"},
            {"district": "WK03", "listed": 7}
        ])
    );
    let rules: Vec<(String, String, String)> = data["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().into(),
                r["fired"].to_string(),
                r["listed"].to_string(),
            )
        })
        .collect();
    assert_eq!(
        rules[0],
        ("benefit_stop".into(), "\"<5\"".into(), "\"<5\"".into())
    );
    assert_eq!(rules[5], ("rent_arrears".into(), "15".into(), "15".into()));
    assert_eq!(
        rules[6],
        ("rent_arrears_persistent".into(), "15".into(), "15".into())
    );
    assert_eq!(
        data["scores"],
        serde_json::json!([{"score": 5, "households": 15, "listed": 15, "eligible": true}])
    );
    // the funnel is about the whole municipality: shown as it is
    assert_eq!(data["funnel"][5]["households"], 15);
    assert_eq!(data["changes"], serde_json::Value::Null);
    for key in &keys {
        assert!(
            !html.contains(key.as_str()) && !json.contains(key.as_str()),
            "{key} leaked"
        );
    }

    // November: one household paid (no rent row), one new in WK03
    let mut nov = RENT.to_string();
    for key in keys.iter().skip(1) {
        nov.push_str(&format!(
            "{key},2026-11-30,LA,2100.00,700.00,2026-09-01,nee\n"
        ));
    }
    nov.push_str("hhnew0001,2026-11-30,LA,1400.00,700.00,2026-10-01,nee\n");
    let oct_new = "hhnew0001,2026-10-31,LA,700.00,700.00,2026-10-01,nee\n";
    p.deliver(
        "rent_arrears",
        "2026-10_LA_late.csv",
        &format!("{RENT}{oct_new}"),
    );
    p.deliver("rent_arrears", "2026-11_LA.csv", &nov);
    // the register is a full snapshot: everyone, and the new household
    let mut reg = REGISTER.to_string();
    for (i, key) in keys.iter().enumerate() {
        let district = ["WK01", "WK02", "WK03"][usize::from(i >= 6) + usize::from(i >= 8)];
        reg.push_str(&format!("{key},2026-11-30,{district},1,0\n"));
    }
    reg.push_str("hhnew0001,2026-11-30,WK03,1,0\n");
    p.deliver("households", "2026-11-30.csv", &reg);
    run(&p, "2026-11-30", &[]);
    let dir = p.path("out/2026-11-30");
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let data: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("report-data.json")).unwrap()).unwrap();
    let c = &data["changes"];
    assert_eq!(
        (
            c["new"].as_u64(),
            c["dropped"].as_u64(),
            c["still_listed"].as_u64()
        ),
        (Some(1), Some(1), Some(14))
    );
    assert_eq!(c["previous_as_of"], "2026-10-31");
    assert_eq!(c["rule_set_changed"], false);
    assert_eq!(
        c["dropped_why"],
        serde_json::json!([{"why": "no rule fires any more", "households": "<5"}])
    );
    assert_eq!(
        data["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["listed"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [15, 15]
    );
    assert!(!html.contains("hhnew0001") && !html.contains(&keys[0]));
    assert!(html.contains("<code>vroeg run --report-keys</code> adds them"));

    // with --report-keys, the keys appear in the changes table and only there
    run(&p, "2026-11-30", &["--report-keys"]);
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let json = fs::read_to_string(dir.join("report-data.json")).unwrap();
    let start = html
        .find("<table id=\"changed-households\">")
        .expect("the per-household table");
    let end = start + html[start..].find("</table>").unwrap();
    let (outside, inside) = (
        format!("{}{}", &html[..start], &html[end..]),
        &html[start..end],
    );
    assert!(inside.contains(
        "<tr><td><code>hhnew0001</code></td><td>new</td><td class=\"n\"></td><td class=\"n\">"
    ));
    assert!(inside.contains(&format!(
        "<tr><td><code>{}</code></td><td>dropped</td><td class=\"n\">",
        keys[0]
    )));
    assert!(inside.contains("no rule fires any more"));
    assert_eq!(inside.matches("still listed").count(), 14);
    for key in keys.iter().chain([&"hhnew0001".to_string()]) {
        assert!(
            !outside.contains(key.as_str()) && !json.contains(key.as_str()),
            "{key} outside the changes table"
        );
    }
}

/// The report's tables of a run, one row per line, without what differs
/// between runs (identity, run ids, times).
fn tables(dir: &Path) -> String {
    let mut data: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("report-data.json")).unwrap()).unwrap();
    data.as_object_mut().unwrap().remove("identity");
    if let Some(c) = data["changes"].as_object_mut() {
        c.insert("previous_run_id".into(), "<run id>".into());
    }
    for h in data["history"].as_array_mut().unwrap() {
        h["run_id"] = "<run id>".into();
    }
    let mut out = String::new();
    fn walk(out: &mut String, path: &str, v: &serde_json::Value) {
        match v {
            serde_json::Value::Object(m) if m.values().any(|x| x.is_array() || x.is_object()) => {
                for (k, x) in m {
                    walk(out, &format!("{path}.{k}"), x);
                }
            }
            serde_json::Value::Array(rows) => {
                out.push_str(&format!("{path}:\n"));
                for r in rows {
                    out.push_str(&format!("  {r}\n"));
                }
            }
            other => out.push_str(&format!("{path} = {other}\n")),
        }
    }
    walk(&mut out, "", &data);
    out
}

/// `report-data.json` of a run, checked: no masked count can be worked out
/// from the shown cells and totals. Returns how many cells are masked, so
/// that a caller can tell the check had something to judge.
fn audited(dir: &Path) -> usize {
    let json = fs::read_to_string(dir.join("report-data.json")).unwrap();
    let data: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(vroeg_report::audit(&data), [], "{}", dir.display());
    json.matches("\"<5\"").count() + json.matches("\"x\"").count()
}

#[test]
fn no_masked_count_of_the_sample_runs_can_be_worked_out() {
    let p = sample_runs();
    let masked: usize = ["2026-09-30", "2026-10-31"]
        .iter()
        .map(|d| audited(&p.path(&format!("out/{d}"))))
        .sum();
    assert!(
        masked > 0,
        "the sample runs mask nothing: the check judged nothing"
    );
}

#[test]
fn report_tables_of_a_synthetic_run() {
    let p = zoetermeer(|t| t);
    let synth = p.synth("400", "4", "5", "inbox", true);
    assert_eq!(synth.status.code(), Some(0), "{}", text(&synth));
    run(&p, "2026-09-30", &[]);
    run(&p, "2026-10-31", &[]);
    assert!(audited(&p.path("out/2026-09-30")) + audited(&p.path("out/2026-10-31")) > 0);
    insta::assert_snapshot!("synthetic-2026-10-31", tables(&p.path("out/2026-10-31")));
}
