//! Purpose limitation and retention through the binary: `check` and `run`
//! refuse a feature on an undeclared source or outside its purposes, and
//! `vroeg purge` deletes exactly what is past its retention, accounts for
//! it in the audit log, survives a kill and leaves no byte of a purged row.

mod common;

use common::{Project, all_files, text, zoetermeer};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The shipped pipeline with every source kept `days` days.
fn kept_for(days: &str) -> Project {
    zoetermeer(|t| {
        let mut out = String::new();
        for line in t.lines() {
            if line.starts_with("retention_days = ") && !out.ends_with("[outputs]\n") {
                out.push_str(&format!("retention_days = {days}\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    })
}

fn purge(p: &Project, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "purge",
        "--pipeline",
        "zoetermeer.toml",
        "--today",
        "2026-11-01",
    ];
    args.extend_from_slice(extra);
    p.vroeg(&args)
}

/// The period folders per source.
fn periods(p: &Project) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for source in fs::read_dir(p.path("store/tables")).unwrap() {
        let source = source.unwrap();
        let set = fs::read_dir(source.path())
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .trim_start_matches("period=")
                    .to_string()
            })
            .collect();
        out.insert(source.file_name().to_string_lossy().into_owned(), set);
    }
    out
}

/// Every file's path and bytes below `dir`.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = Vec::new();
    all_files(dir, &mut files);
    files
        .into_iter()
        .map(|f| (f.to_string_lossy().into_owned(), fs::read(&f).unwrap()))
        .collect()
}

/// The pseudonyms in a CSV file: every cell of 16 or more hex digits.
fn keys_in(path: &Path) -> BTreeSet<String> {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.split([',', ';', '\n', '\r', '"'])
        .filter(|t| t.len() >= 16 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .collect()
}

/// Keys held only by deliveries the purge deleted whole (tombstones), and
/// never by a delivery whose rows are still stored.
fn purged_only_keys(p: &Project) -> BTreeSet<String> {
    let mut purged = BTreeSet::new();
    let mut kept = BTreeSet::new();
    let mut entries = Vec::new();
    for entry in fs::read_dir(p.path("store/ledger")).unwrap() {
        let v: serde_json::Value =
            serde_json::from_slice(&fs::read(entry.unwrap().path()).unwrap()).unwrap();
        // one delivery, or a batch of them
        match v {
            serde_json::Value::Array(batch) => entries.extend(batch),
            one => entries.push(one),
        }
    }
    for e in entries {
        if e["status"] != "accepted" {
            continue;
        }
        let file = p
            .path("inbox")
            .join(e["source"].as_str().unwrap())
            .join(e["file_name"].as_str().unwrap());
        let tombstone = e["files"].as_array().unwrap().is_empty() && e.get("purged").is_some();
        if tombstone {
            purged.extend(keys_in(&file));
        } else {
            kept.extend(keys_in(&file));
        }
    }
    purged.difference(&kept).cloned().collect()
}

fn months(from: &str, to: &str) -> BTreeSet<String> {
    let (mut y, mut m): (i32, u32) = (from[..4].parse().unwrap(), from[5..].parse().unwrap());
    let mut out = BTreeSet::new();
    loop {
        let p = format!("{y:04}-{m:02}");
        out.insert(p.clone());
        if p == to {
            return out;
        }
        m += 1;
        if m == 13 {
            y += 1;
            m = 1;
        }
    }
}

#[test]
fn check_and_run_refuse_an_undeclared_source_or_purpose() {
    let p = zoetermeer(|t| {
        t.replace(
            "purposes = [\"school_attendance\", \"early_debt_signalling\"]",
            "purposes = [\"school_attendance\"]",
        )
    });
    for args in [
        vec!["check", "--pipeline", "zoetermeer.toml"],
        vec![
            "run",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            "2026-10-31",
        ],
    ] {
        let o = p.vroeg(&args);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(
            text(&o).contains("`features.pupil_absence_hours.from`: feature `pupil_absence_hours` reads source `school_absence`, whose purposes [school_attendance] do not include the pipeline's purpose `early_debt_signalling`"),
            "{}",
            text(&o)
        );
    }
    assert!(!p.path("store").exists(), "a refused run touches no store");
    let p = zoetermeer(|t| {
        let start = t.find("[sources.benefit_stops]").unwrap();
        let end = start + t[start..].find("\n\n").unwrap();
        format!("{}{}", &t[..start], &t[end..])
    });
    let o = p.vroeg(&["check", "--pipeline", "zoetermeer.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("`features.benefit_stops_recent.from`: feature `benefit_stops_recent` reads source `benefit_stops`, which declares no legal basis for purpose `early_debt_signalling`"),
        "{}",
        text(&o)
    );
    let shipped = common::repo("pipelines/zoetermeer.toml");
    for file in [shipped, common::repo("pipelines/zoetermeer-ddas.toml")] {
        let o = p.vroeg(&["check", "--pipeline", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
}

#[test]
fn a_purge_of_24_months_with_12_months_retention_leaves_the_last_12() {
    let p = kept_for("365");
    assert!(p.synth("600", "24", "7", "inbox", true).status.success());
    let o = p.run_at("2026-10-31", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let listed = fs::read(p.path("out/2026-10-31/signals.csv")).unwrap();
    let o = p.run_at("2025-06-30", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let before = periods(&p);
    assert_eq!(before["rent_arrears"], months("2024-11", "2026-10"));

    // the dry run prints the account and changes nothing
    let store_before = snapshot(&p.path("store"));
    let out_before = snapshot(&p.path("out"));
    let o = purge(&p, &["--dry-run"]);
    assert!(o.status.success(), "{}", text(&o));
    let dry = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        dry.contains("would delete rent_arrears period 2025-10: "),
        "{dry}"
    );
    assert!(!dry.contains("period 2025-11"), "{dry}");
    assert_eq!(snapshot(&p.path("store")), store_before);
    assert_eq!(snapshot(&p.path("out")), out_before);
    let o = purge(&p, &["--dry-run", "--json"]);
    let account: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let account = account[0].clone();
    let first = &account["periods"][0]["files"][0];
    let deleted_path = p.path("store").join(first["path"].as_str().unwrap());
    let deleted_sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        fs::read(&deleted_path).unwrap(),
    ));
    assert_eq!(first["sha256"], deleted_sha.as_str());

    let o = purge(&p, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let done = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(done, dry.replace("would delete", "deleted"));
    let last_12 = months("2025-11", "2026-10");
    for (source, kept) in periods(&p) {
        let expected: BTreeSet<String> = before[&source].intersection(&last_12).cloned().collect();
        assert_eq!(kept, expected, "{source}");
    }
    assert!(!deleted_path.exists());

    // the account is in the audit log, once
    let o = p.vroeg(&["audit", "verify", "--pipeline", "zoetermeer.toml"]);
    assert!(text(&o).contains("intact: 1 entries"), "{}", text(&o));
    let line: serde_json::Value = serde_json::from_str(
        fs::read_to_string(p.path("store/audit.jsonl"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    assert_eq!(line["command"], "purge");
    assert_eq!(line["as_of"], "2026-11-01");
    assert_eq!(line["deleted"], account);
    assert!(!line["user"].as_str().unwrap().is_empty());

    // the run whose as-of needs purged periods is gone, with its outputs
    assert!(!p.path("out/2025-06-30").exists());
    assert!(p.path("out/2026-10-31/signals.csv").exists());
    let runs: Vec<String> = fs::read_dir(p.path("store/runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        runs.iter().filter(|r| r.ends_with(".json")).count(),
        1,
        "{runs:?}"
    );
    assert!(runs.contains(&"000002.purged".to_string()), "{runs:?}");

    // a run after the purge reads what is left: the same list
    let o = p.run_at("2026-10-31", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        fs::read(p.path("out/2026-10-31/signals.csv")).unwrap(),
        listed
    );
    assert!(
        text(&o).contains("purged on 2026-11-01 after its retention; not taken in again"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("0 new deliveries"), "{}", text(&o));
    // one whose as-of needs purged periods says which are gone
    let o = p.run_at("2025-06-30", &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("as of 2025-06-30 the run needs periods that were purged after their retention and are gone: rent_arrears 2025-04, 2025-05, 2025-06;"),
        "{}",
        text(&o)
    );
    assert!(!p.path("out/2025-06-30").exists());

    // no byte of a purged row is left
    let gone = purged_only_keys(&p);
    assert!(gone.len() > 20, "{}", gone.len());
    let mut files = Vec::new();
    all_files(&p.path("store"), &mut files);
    all_files(&p.path("out"), &mut files);
    for f in files {
        let bytes = fs::read(&f).unwrap();
        let hay = String::from_utf8_lossy(&bytes);
        for key in &gone {
            assert!(!hay.contains(key.as_str()), "{key} in {}", f.display());
        }
    }
    // and a second purge finds nothing to do
    let o = purge(&p, &[]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("nothing is past its retention on 2026-11-01"),
        "{}",
        text(&o)
    );
    let o = p.vroeg(&["audit", "verify", "--pipeline", "zoetermeer.toml"]);
    assert!(text(&o).contains("intact: 1 entries"), "{}", text(&o));
}

#[test]
fn a_killed_purge_leaves_a_readable_store_and_finishes_when_run_again() {
    for failpoint in [
        "purge-ledger",
        "purge-delete",
        "purge-outputs",
        "purge-audit",
    ] {
        let p = kept_for("365");
        assert!(p.synth("200", "24", "3", "inbox", false).status.success());
        assert!(p.run_at("2026-10-31", &[]).status.success());
        assert!(p.run_at("2025-03-31", &[]).status.success());
        let listed = fs::read(p.path("out/2026-10-31/signals.csv")).unwrap();
        let o = p.vroeg_env(
            &[
                "purge",
                "--pipeline",
                "zoetermeer.toml",
                "--today",
                "2026-11-01",
            ],
            &[("VROEG_FAILPOINT", failpoint)],
        );
        assert!(!o.status.success(), "{failpoint}: {}", text(&o));
        assert!(p.path("store/purge-pending.json").exists(), "{failpoint}");
        let o = purge(&p, &["--dry-run"]);
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            s.starts_with("an interrupted purge is pending and is finished first by `vroeg purge`")
                && s.contains("what else is past its retention is planned once"),
            "{failpoint}: {s}"
        );
        // readable: the list is the same
        let o = p.run_at("2026-10-31", &[]);
        assert!(o.status.success(), "{failpoint}: {}", text(&o));
        assert!(text(&o).contains("a purge was interrupted"), "{}", text(&o));
        assert_eq!(
            fs::read(p.path("out/2026-10-31/signals.csv")).unwrap(),
            listed,
            "{failpoint}"
        );
        let o = purge(&p, &[]);
        assert!(o.status.success(), "{failpoint}: {}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("finished an interrupted purge"),
            "{failpoint}: {}",
            text(&o)
        );
        assert!(!p.path("store/purge-pending.json").exists());
        // the run made between the kill and the resume is kept whole
        let records: Vec<String> = fs::read_dir(p.path("store/runs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        assert_eq!(records.len(), 2, "{failpoint}: {records:?}");
        assert!(p.path("out/2026-10-31/report.html").exists(), "{failpoint}");
        let last_12 = months("2025-11", "2026-10");
        for (source, kept) in periods(&p) {
            assert!(kept.is_subset(&last_12), "{failpoint} {source}: {kept:?}");
        }
        assert!(!p.path("out/2025-03-31").exists(), "{failpoint}");
        let o = p.vroeg(&["audit", "verify", "--pipeline", "zoetermeer.toml"]);
        assert!(
            text(&o).contains("intact: 1 entries"),
            "{failpoint}: {}",
            text(&o)
        );
        let o = p.run_at("2026-10-31", &[]);
        assert!(o.status.success(), "{failpoint}: {}", text(&o));
        assert_eq!(
            fs::read(p.path("out/2026-10-31/signals.csv")).unwrap(),
            listed
        );
    }
}

#[test]
fn outputs_and_quarantine_go_after_their_own_retention() {
    let p = zoetermeer(|t| {
        t.replace(
            "[outputs]\nretention_days = 730",
            "[outputs]\nretention_days = 1",
        )
        .replace(
            "[quarantine]\nretention_days = 90",
            "[quarantine]\nretention_days = 1",
        )
    });
    assert!(p.synth("200", "3", "5", "inbox", true).status.success());
    assert!(p.run_at("2026-10-31", &[]).status.success());
    let quarantined = {
        let mut f = Vec::new();
        all_files(&p.path("store/quarantine"), &mut f);
        f
    };
    assert!(!quarantined.is_empty());
    // today: nothing is older than a day
    let today = chrono::Utc::now().date_naive().to_string();
    let o = p.vroeg(&["purge", "--pipeline", "zoetermeer.toml", "--today", &today]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("nothing is past its retention"),
        "{}",
        text(&o)
    );
    let later = (chrono::Utc::now().date_naive() + chrono::Days::new(3)).to_string();
    let o = p.vroeg(&["purge", "--pipeline", "zoetermeer.toml", "--today", &later]);
    assert!(o.status.success(), "{}", text(&o));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("(rent_arrears, quarantine retention): 12 rows"),
        "{s}"
    );
    assert!(
        s.contains("more than 1 days ago ([outputs] retention_days)"),
        "{s}"
    );
    assert!(quarantined.iter().all(|f| !f.exists()));
    assert!(!p.path("out/2026-10-31").exists());
    assert!(!p.path("store/runs/000001.json").exists());
    assert_eq!(periods(&p)["rent_arrears"], months("2026-08", "2026-10"));
}

#[test]
fn a_source_without_retention_is_kept_and_said() {
    // an ingest-only pipeline (no features) may leave sources undeclared
    let p = Project::with_pipeline(
        "zoetermeer.toml",
        r#"
[pipeline]
name = "zoetermeer"
[paths]
inbox = "inbox"
store = "store"
out = "out"
[sources.rent_arrears]
legal_basis = "Wet gemeentelijke schuldhulpverlening, art. 3"
purposes = ["early_debt_signalling"]
retention_days = 30
[sources.debt_arrears]
delimiter = ";"
decimal_separator = ","
date_format = "%d-%m-%Y"
"#,
    );
    assert!(p.synth("200", "3", "3", "inbox", false).status.success());
    assert!(p.ingest(&[]).status.success());
    let o = purge(&p, &["--dry-run"]);
    assert!(o.status.success(), "{}", text(&o));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("would delete rent_arrears period 2026-08: "),
        "{s}"
    );
    assert!(!s.contains("would delete debt_arrears"), "{s}");
    assert!(
        s.contains(
            "kept: debt_arrears declares no retention_days ([sources.debt_arrears]), so nothing of it is purged"
        ),
        "{s}"
    );
    let o = p.vroeg(&[
        "purge",
        "--pipeline",
        "zoetermeer.toml",
        "--today",
        "2026-02-30",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn purge_follows_no_link_checks_the_audit_log_first_and_leaves_what_is_not_the_runs() {
    let p = kept_for("365");
    assert!(p.synth("200", "24", "9", "inbox", false).status.success());
    assert!(p.run_at("2026-10-31", &[]).status.success());
    assert!(p.run_at("2025-03-31", &[]).status.success());
    fs::write(p.path("out/2025-03-31/notes.txt"), "mine").unwrap();

    // a period folder that is a link to elsewhere: refused, nothing deleted
    let period = p.path("store/tables/rent_arrears/period=2024-11");
    let elsewhere = p.path("elsewhere");
    fs::rename(&period, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &period).unwrap();
    fs::write(elsewhere.join("precious.txt"), "keep").unwrap();
    let before = snapshot(&p.path("store"));
    let names = |d: &Path| {
        let mut n: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    let there = names(&elsewhere);
    let o = purge(&p, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains(
            "period=2024-11 is a symbolic link; a store holds only regular files and folders"
        ),
        "{}",
        text(&o)
    );
    assert!(elsewhere.join("precious.txt").exists());
    assert_eq!(names(&elsewhere), there, "nothing deleted through the link");
    assert_eq!(snapshot(&p.path("store")), before);
    fs::remove_file(&period).unwrap();
    fs::remove_file(elsewhere.join("precious.txt")).unwrap();
    fs::rename(&elsewhere, &period).unwrap();

    // an output folder of another store in --out is not this store's
    let other = kept_for("365");
    assert!(
        other
            .synth("100", "24", "2", "inbox", false)
            .status
            .success()
    );
    assert!(other.run_at("2025-01-31", &[]).status.success());
    let foreign = other.path("out");

    let o = purge(&p, &["--out", foreign.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(other.path("out/2025-01-31/signals.csv").exists());
    // outside the out folder given: left, and said
    assert!(p.path("out/2025-03-31/signals.csv").exists());
    assert!(
        text(&o).contains("is outside the out folder"),
        "{}",
        text(&o)
    );
    // the next purge finds it by its purged run; only what the run wrote goes
    let o = purge(&p, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("its run record was purged before"),
        "{}",
        text(&o)
    );
    assert!(!p.path("out/2025-03-31/signals.csv").exists());
    assert_eq!(
        fs::read_to_string(p.path("out/2025-03-31/notes.txt")).unwrap(),
        "mine"
    );

    // a store that is not there is a wrong path: refused, not made
    let o = purge(&p, &["--store", "nowhere"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(!p.path("nowhere").exists());

    // a damaged audit log stops the next purge before it deletes anything
    let log = p.path("store/audit.jsonl");
    let damaged = fs::read_to_string(&log)
        .unwrap()
        .replace("\"retention\"", "\"retentioN\"");
    fs::write(&log, damaged).unwrap();
    let before = snapshot(&p.path("store"));
    let o = p.vroeg(&[
        "purge",
        "--pipeline",
        "zoetermeer.toml",
        "--today",
        "2027-01-05",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("audit"), "{}", text(&o));
    assert_eq!(snapshot(&p.path("store")), before);
    let o = purge(&p, &["--dry-run"]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "the dry run says so too: {}",
        text(&o)
    );
    // and so does a lost one, once the store shows a purge
    fs::remove_file(&log).unwrap();
    fs::remove_file(p.path("store/audit.head")).unwrap();
    let o = p.vroeg(&[
        "purge",
        "--pipeline",
        "zoetermeer.toml",
        "--today",
        "2027-01-05",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("shows earlier purges"), "{}", text(&o));
}
