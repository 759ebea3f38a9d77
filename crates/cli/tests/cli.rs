//! The `vroeg` binary end to end: exit codes, crash safety, and raw
//! identifiers never leaving the input.

mod common;

use common::{Project, RENT, all_files, text};
use std::fs;
use std::path::PathBuf;
use vroeg_store::Store;

/// A project with a pipeline that only names its folders.
fn project() -> Project {
    Project::with_pipeline(
        "pipeline.toml",
        "[pipeline]\nname = \"t\"\n[paths]\ninbox = \"inbox\"\nstore = \"store\"\nout = \"out\"\n",
    )
}

/// A project whose store already holds one rent delivery (`1.csv`).
fn project_with_one_delivery() -> Project {
    let p = project();
    p.deliver(
        "rent_arrears",
        "1.csv",
        &format!("{RENT}hh000001,2026-09-30,LA,1,700.00,2026-08-01,nee\n"),
    );
    assert_eq!(p.ingest(&[]).status.code(), Some(0));
    p
}

#[test]
fn exit_codes_follow_the_contract() {
    let p = project_with_one_delivery();

    fs::write(
        p.path("bad.toml"),
        "[pipeline]\nname = \"t\"\n[paths]\ninbox = \"i\"\nstore = \"s\"\nout = \"o\"\nextra = 1\n",
    )
    .unwrap();
    let out = p.vroeg_env(&["ingest", "--pipeline", "bad.toml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("unknown field `extra`"),
        "{err}"
    );

    let out = p.vroeg_env(
        &[
            "ingest",
            "--pipeline",
            "pipeline.toml",
            "--inbox",
            "nowhere",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the inbox"));

    let out = p.vroeg_env(&["ingest", "--pipeline", "missing.toml"], &[]);
    assert_eq!(out.status.code(), Some(2));

    let out = p.vroeg_env(&["ingest"], &[]);
    assert_eq!(out.status.code(), Some(2), "usage error");

    // a store held by another process
    let held = Store::open(&p.path("store")).unwrap();
    let out = p.ingest(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use by another vroeg process"));
    drop(held);
}

#[test]
fn a_kill_at_any_point_of_a_delivery_leaves_the_store_as_before() {
    for point in ["mid-write", "after-stage", "mid-move", "before-ledger"] {
        let p = project_with_one_delivery();
        // the second delivery spans two periods, so it writes two Parquet files and a quarantine
        p.deliver(
            "rent_arrears",
            "2.csv",
            &format!("{RENT}hh000002,2026-09-30,LB,1,700.00,2026-08-01,nee\nhh000003,2026-10-31,LB,1,700.00,2026-08-01,nee\nbad\n"),
        );
        let crashed = p.ingest(&[("VROEG_FAILPOINT", point)]);
        assert!(
            crashed.status.code().is_none(),
            "{point}: the process was aborted by a signal"
        );
        let before: Vec<PathBuf> = {
            let mut v = Vec::new();
            all_files(&p.path("store/tables"), &mut v);
            v
        };
        if point == "mid-move" || point == "before-ledger" {
            assert!(
                before.len() > 1,
                "{point}: files of the unfinished delivery are on disk before recovery"
            );
        }
        {
            let store = Store::open(&p.path("store")).unwrap();
            assert_eq!(store.ledger().len(), 1, "{point}");
            let mut files = Vec::new();
            all_files(&p.path("store/tables"), &mut files);
            all_files(&p.path("store/quarantine"), &mut files);
            all_files(&p.path("store/staging"), &mut files);
            assert_eq!(
                files.len(),
                1,
                "{point}: only delivery 1's file is left: {files:?}"
            );
            assert!(files[0].ends_with("tables/rent_arrears/period=2026-09/d000001.parquet"));
        }
        // and the next ingest takes the delivery in whole
        let o = p.ingest(&[]);
        assert_eq!(o.status.code(), Some(0), "{point}: {}", text(&o));
        let store = Store::open(&p.path("store")).unwrap();
        let e = &store.ledger()[1];
        assert_eq!(
            (e.file_name.as_str(), e.rows_accepted, e.rows_quarantined),
            ("2.csv", 2, 1),
            "{point}"
        );
        assert!(e.reconciles());
    }
}

#[test]
fn a_raw_citizen_service_number_never_leaves_the_input() {
    const BSN: &str = "123456782";
    let p = project();
    p.deliver(
        "rent_arrears",
        "a.csv",
        &format!(
            "{}{BSN},2026-09-30,LA,1,700.00,2026-08-01,nee\nhh000001,2026-09-30,LA,1,700.00,2026-08-01,nee,{BSN}\n",
            RENT
        ),
    );
    p.deliver(
        "school_absence",
        "w.csv",
        &format!("household_key,person_key,week_start,school_code,absence_kind,hours,pupil_age,bsn\nhh000001,{BSN},2026-09-28,S1,late,1,12,{BSN}\nhh000001,pp000001,2026-09-28,S1,late,99,12,{BSN}\n"),
    );
    // debug logs, human and JSON, each ingesting the rows into its own store
    for (format, store) in [("human", "store"), ("json", "store-json")] {
        let out = p.vroeg(&[
            "--log-format",
            format,
            "--log-level",
            "debug",
            "ingest",
            "--pipeline",
            "pipeline.toml",
            "--store",
            store,
        ]);
        assert_eq!(out.status.code(), Some(0), "{format}");
        let shown = text(&out);
        assert!(
            shown.contains("row quarantined"),
            "{format} debug logs were on"
        );
        assert!(!shown.contains(BSN), "{format} logs: {shown}");
    }
    let mut files = Vec::new();
    all_files(&p.path("store"), &mut files);
    all_files(&p.path("store-json"), &mut files);
    let mut quarantined = 0;
    for f in files {
        let bytes = fs::read(&f).unwrap();
        assert!(
            !bytes.windows(BSN.len()).any(|w| w == BSN.as_bytes()),
            "{}",
            f.display()
        );
        if f.starts_with(p.path("store/quarantine")) {
            let text = String::from_utf8(bytes).unwrap();
            quarantined += text.matches("<redacted>").count();
        }
    }
    // rent: the key; malformed row: the extra field; school: the person key; bad hours row: its extra column is not shown at all
    assert_eq!(quarantined, 3);
}

#[test]
fn synth_writes_the_same_bytes_for_the_same_seed() {
    let p = project();
    for out in ["a", "b"] {
        let o = p.synth("500", "3", "9", out, true);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    all_files(&p.path("a"), &mut a);
    all_files(&p.path("b"), &mut b);
    a.sort();
    b.sort();
    assert_eq!(a.len(), b.len());
    assert!(a.len() > 30);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            fs::read(x).unwrap(),
            fs::read(y).unwrap(),
            "{}",
            x.display()
        );
    }
    let o = p.synth("0", "3", "9", "c", false);
    assert_eq!(o.status.code(), Some(2));
    // absurd sizes are usage errors before anything is written, not a
    // panic, an abort or a full disk
    for (households, months, says) in [
        (
            "18446744073709551615",
            "1",
            "--households is at most 100000000",
        ),
        ("100", "4294967295", "--months at most 600"),
    ] {
        let o = p.synth(households, months, "9", "d", false);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(says), "{}", text(&o));
        assert!(!p.path("d").exists());
    }
    for (extra, says) in [
        (
            ["--as-of", "0001-01-15"].as_slice(),
            "--as-of must be on or after 1950-01-01",
        ),
        (
            ["--as-of", "2026-10-31", "--register-every", "0"].as_slice(),
            "--register-every must be at least 1",
        ),
    ] {
        let mut args = vec![
            "synth",
            "--households",
            "10",
            "--months",
            "2",
            "--seed",
            "1",
        ];
        args.extend(extra);
        args.extend(["--out", "e"]);
        let o = p.vroeg_env(&args, &[]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(says), "{}", text(&o));
        assert!(!p.path("e").exists());
    }
}

#[test]
fn help_shows_examples() {
    let p = project();
    let out = p.vroeg_env(&["--help"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Examples:")
            && text.contains("vroeg ingest --pipeline pipelines/zoetermeer.toml"),
        "{text}"
    );
}

#[test]
fn a_store_of_another_format_or_with_a_damaged_ledger_is_unreadable() {
    let p = project_with_one_delivery();
    fs::write(p.path("store/ledger/000001.json"), "{ not json").unwrap();
    let out = p.ingest(&[]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ledger entry") && err.contains("000001.json is damaged"),
        "{err}"
    );

    let q = project();
    fs::create_dir_all(q.path("store")).unwrap();
    fs::write(q.path("store/FORMAT"), "vroeg-store-0\n").unwrap();
    let out = q.ingest(&[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a store of format vroeg-store-0"));
}

#[test]
fn log_level_takes_level_names_only() {
    let p = project_with_one_delivery();
    for level in [
        "debug,datafusion=trace",
        "parquet=debug",
        "info,warn",
        "loud",
    ] {
        let o = p.vroeg(&[
            "--log-level",
            level,
            "ingest",
            "--pipeline",
            "pipeline.toml",
        ]);
        assert_eq!(o.status.code(), Some(2), "{level}: {}", text(&o));
        assert!(text(&o).contains("--log-level"), "{level}: {}", text(&o));
    }
    let o = p.vroeg(&[
        "--log-level",
        "trace",
        "ingest",
        "--pipeline",
        "pipeline.toml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let logs = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        !logs.contains("datafusion") && !logs.contains("parquet::"),
        "a dependency logged below warn: {logs}"
    );
}

#[test]
fn a_closed_stdout_is_a_quiet_success() {
    let p = project();
    p.deliver(
        "rent_arrears",
        "1.csv",
        &format!("{RENT}hhaaaaaa,2026-09-30,LA,700.00,700.00,2026-09-01,nee\n"),
    );
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_vroeg"))
        .args(["ingest", "--pipeline", "pipeline.toml"])
        .current_dir(p.path(""))
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(o.stderr.is_empty(), "{}", text(&o));
    // The delivery was taken in all the same.
    assert_eq!(Store::open(&p.path("store")).unwrap().ledger().len(), 1);
}

#[test]
fn as_of_must_be_written_yyyy_mm_dd() {
    let p = project();
    for date in [
        "2025-8-31",
        "+2025-08-31",
        "2025-08-31T00:00",
        "31-08-2025",
        "2025-02-30",
    ] {
        let o = p.vroeg(&["run", "--pipeline", "pipeline.toml", "--as-of", date]);
        assert_eq!(o.status.code(), Some(2), "{date}: {}", text(&o));
        assert!(text(&o).contains("--as-of"), "{date}: {}", text(&o));
    }
    assert!(
        !p.path("store").exists(),
        "a refused date touched the store"
    );
}

#[test]
fn check_takes_store_and_refuses_one_it_cannot_read() {
    let p = common::zoetermeer(|t| t);
    fs::create_dir_all(p.path("documents")).unwrap();
    fs::write(p.path("documents/letter.txt"), "dear sir").unwrap();
    let o = p.vroeg(&[
        "check",
        "--pipeline",
        "zoetermeer.toml",
        "--store",
        "documents",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("documents"), "{}", text(&o));
    assert_eq!(fs::read_dir(p.path("documents")).unwrap().count(), 1);
    let o = p.vroeg(&["ingest", "--pipeline", "zoetermeer.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = p.vroeg(&["check", "--pipeline", "zoetermeer.toml", "--store", "store"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
