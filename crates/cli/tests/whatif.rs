//! `vroeg whatif` on the shipped sample data: its "after" equals what
//! `vroeg run` writes with an edited copy of the pipeline file, for several
//! parameters; it changes no store; its page is masked; bad changes are
//! refused with exit 2.

mod common;

use common::{Project, repo, text, zoetermeer};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;

fn sample() -> Project {
    let inbox = repo("sample-data/inbox").display().to_string();
    zoetermeer(|t| t.replace("inbox = \"inbox\"", &format!("inbox = \"{inbox}\"")))
}

/// Listed households of a run's signals.csv, with their districts.
fn listed(p: &Project, out: &str) -> BTreeMap<String, String> {
    let mut r = csv::Reader::from_path(p.path(out).join("signals.csv")).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            let d = if x[6].is_empty() {
                "(unknown)".to_string()
            } else {
                x[6].to_string()
            };
            (x[1].to_string(), d)
        })
        .collect()
}

fn summary(p: &Project, out: &str) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(p.path(out).join("summary.json")).unwrap()).unwrap()
}

#[test]
fn after_equals_a_run_with_an_edited_pipeline_file() {
    let p = sample();
    let o = p.run_at("2026-10-31", &["--out", "base"]);
    assert!(o.status.success(), "{}", text(&o));
    let base = listed(&p, "base");
    let shipped = fs::read_to_string(p.path("zoetermeer.toml")).unwrap();
    let cases = [
        (
            "eligible_min_score=6",
            "eligible_min_score = 5",
            "eligible_min_score = 6",
        ),
        (
            "debt_min_eur=150.00",
            "debt_min_eur = 75.00",
            "debt_min_eur = 150.00",
        ),
        (
            "school_min_hours=12",
            "school_min_hours = 16",
            "school_min_hours = 12",
        ),
        (
            "suppress_recent_contact_days=60",
            "suppress_recent_contact_days = 180",
            "suppress_recent_contact_days = 60",
        ),
        (
            "scoring.max_listed=50",
            "# max_listed = 250",
            "max_listed = 50",
        ),
    ];
    let mut changed_something = 0;
    for (i, (set, from, to)) in cases.iter().enumerate() {
        let store_before: Vec<String> = dir_listing(&p.path("store"));
        let wi = format!("wi{i}");
        let o = p.vroeg(&[
            "whatif",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            "2026-10-31",
            "--set",
            set,
            "--out",
            &wi,
        ]);
        assert!(o.status.success(), "{set}: {}", text(&o));
        assert_eq!(
            dir_listing(&p.path("store")),
            store_before,
            "{set}: whatif changed the store"
        );
        let w: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(p.path(&wi).join("whatif.json")).unwrap())
                .unwrap();

        assert!(shipped.contains(from), "{from}");
        fs::write(p.path("edited.toml"), shipped.replace(from, to)).unwrap();
        let out = format!("edited{i}");
        let o = p.vroeg(&[
            "run",
            "--pipeline",
            "edited.toml",
            "--as-of",
            "2026-10-31",
            "--out",
            &out,
        ]);
        assert!(o.status.success(), "{set}: {}", text(&o));
        let after = listed(&p, &out);
        let s = summary(&p, &out);
        assert_eq!(w["after"]["listed"], s["listed"], "{set}");
        assert_eq!(w["after"]["eligible"], s["eligible"], "{set}");
        assert_eq!(
            w["before"]["listed"].as_u64().unwrap(),
            base.len() as u64,
            "{set}"
        );
        let (a, b): (BTreeSet<&String>, BTreeSet<&String>) =
            (after.keys().collect(), base.keys().collect());
        let added: Vec<&&String> = a.difference(&b).collect();
        let removed: Vec<&&String> = b.difference(&a).collect();
        assert_eq!(w["added"].as_u64().unwrap(), added.len() as u64, "{set}");
        assert_eq!(
            w["removed"].as_u64().unwrap(),
            removed.len() as u64,
            "{set}"
        );
        let mut per_district: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for k in &added {
            per_district.entry(after[**k].clone()).or_default().0 += 1;
        }
        for k in &removed {
            per_district.entry(base[**k].clone()).or_default().1 += 1;
        }
        let got: BTreeMap<String, (u64, u64)> = w["districts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["name"].as_str().unwrap().to_string(),
                    (d["added"].as_u64().unwrap(), d["removed"].as_u64().unwrap()),
                )
            })
            .collect();
        assert_eq!(got, per_district, "{set}");
        if !added.is_empty() || !removed.is_empty() {
            changed_something += 1;
        }
        // the page masks the per-district cells below five
        let html = fs::read_to_string(p.path(&wi).join("whatif.html")).unwrap();
        let section = html.split("<section id=\"districts\">").nth(1).unwrap();
        let section = section.split("</section>").next().unwrap();
        for cell in section.split("<td class=\"n\">").skip(1) {
            let value = cell.split("</td>").next().unwrap();
            if let Ok(n) = value.parse::<u64>() {
                assert!(n == 0 || n >= 5, "{set}: a count of {n} shown in {section}");
            }
        }
    }
    assert!(changed_something >= 3, "the cases must move households");
}

fn dir_listing(dir: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    common::all_files(dir, &mut files);
    let mut out: Vec<String> = files
        .iter()
        .map(|f| format!("{} {}", f.display(), fs::metadata(f).unwrap().len()))
        .collect();
    out.sort();
    out
}

#[test]
fn bad_changes_are_refused_with_exit_2() {
    let p = sample();
    let o = p.run_at("2026-10-31", &[]);
    assert!(o.status.success(), "{}", text(&o));
    fs::write(p.path("cand.toml"), "not toml [").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--set", "eligible_min_scor=6"],
            "did you mean `eligible_min_score`",
        ),
        (
            vec!["--set", "eligible_min_score=\"x\""],
            "eligible_min_score",
        ),
        (vec!["--set", "debt_min_eur"], "NAME=VALUE"),
        (vec![], "--set NAME=VALUE"),
        (
            vec!["--set", "eligible_min_score=6", "--candidate", "cand.toml"],
            "not both",
        ),
        (vec!["--candidate", "cand.toml"], "cand.toml"),
        (
            vec!["--set", "rules.rent_arrears.weight=9"],
            "only [params] and [scoring]",
        ),
    ];
    for (extra, says) in cases {
        let mut args = vec![
            "whatif",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            "2026-10-31",
        ];
        args.extend_from_slice(&extra);
        let o = p.vroeg(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", text(&o));
        assert!(
            text(&o).contains(says),
            "{extra:?}: wanted {says:?} in {}",
            text(&o)
        );
    }
}

/// A candidate file is the same change as the `--set` that makes it.
#[test]
fn a_candidate_file_equals_the_set_that_makes_it() {
    let p = sample();
    let o = p.vroeg(&["ingest", "--pipeline", "zoetermeer.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let shipped = fs::read_to_string(p.path("zoetermeer.toml")).unwrap();
    fs::write(
        p.path("candidate.toml"),
        shipped.replace("eligible_min_score = 5", "eligible_min_score = 7"),
    )
    .unwrap();
    let run = |extra: &[&str], out: &str| -> serde_json::Value {
        let mut args = vec![
            "whatif",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            "2026-10-31",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let o = p.vroeg(&args);
        assert!(o.status.success(), "{}", text(&o));
        let mut v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(p.path(out).join("whatif.json")).unwrap())
                .unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("changes");
        o.remove("candidate");
        v
    };
    let by_set = run(&["--set", "eligible_min_score=7"], "a");
    let by_file = run(&["--candidate", "candidate.toml"], "b");
    assert_eq!(by_set, by_file);
    assert!(by_set["removed"].as_u64().unwrap() > 0);
}

/// The pages go to a folder of their own and mask every small count, the
/// headline totals too.
#[test]
fn out_folders_are_checked_and_small_totals_masked() {
    let p = sample();
    let o = p.run_at("2026-10-31", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let whatif = |out: &str| {
        p.vroeg(&[
            "whatif",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            "2026-10-31",
            "--set",
            "scoring.max_listed=3",
            "--out",
            out,
        ])
    };
    fs::create_dir_all(p.path("mine")).unwrap();
    fs::write(p.path("mine/whatif.json"), "precious").unwrap();
    fs::write(p.path("mine/notes.txt"), "mine").unwrap();
    for out in ["mine", "store/pages", "out/2026-10-31/pages"] {
        let o = whatif(out);
        assert_eq!(o.status.code(), Some(2), "{out}: {}", text(&o));
    }
    assert_eq!(
        fs::read_to_string(p.path("mine/whatif.json")).unwrap(),
        "precious"
    );
    assert!(!p.path("store/pages").exists());
    let o = whatif("pages");
    assert!(o.status.success(), "{}", text(&o));
    let o = whatif("pages");
    assert!(
        o.status.success(),
        "a folder holding only its own pages is written again: {}",
        text(&o)
    );
    let html = fs::read_to_string(p.path("pages/whatif.html")).unwrap();
    let counts = html.split("<section id=\"counts\">").nth(1).unwrap();
    let counts = counts.split("</section>").next().unwrap();
    assert!(
        counts.contains("<td class=\"n\">&lt;5</td>"),
        "listed after = 3 is masked: {counts}"
    );
    assert!(!counts.contains(">3<"), "{counts}");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(p.path("pages/whatif.json")).unwrap()).unwrap();
    assert_eq!(json["after"]["listed"], 3, "the JSON is exact");
}
