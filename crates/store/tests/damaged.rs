//! A damaged ledger entry or run record is an error naming the file, never
//! a panic.

mod common;

use common::two_snapshots;
use std::fs;
use std::path::{Path, PathBuf};
use vroeg_store::{ListedRecord, RunRecord, Store, StoreError};

/// Both ways of opening the store fail with a ledger error naming `file`,
/// whose message contains `says`.
fn ledger_damage_is_reported(root: &Path, file: &Path, says: &str) {
    let errors = [
        Store::open(root).map(|_| ()).unwrap_err(),
        Store::open_read_only(root).map(|_| ()).unwrap_err(),
    ];
    for e in errors {
        match &e {
            StoreError::Ledger { path, .. } => assert_eq!(path, file),
            other => panic!("{other:?}"),
        }
        let message = e.to_string();
        assert!(message.contains(&file.display().to_string()), "{message}");
        assert!(message.contains(says), "{message}");
    }
}

fn edit_entry(root: &Path, seq: u64, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let path = root.join(format!("ledger/{seq:06}.json"));
    let mut json: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    edit(&mut json);
    fs::write(&path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    path
}

#[test]
fn a_truncated_ledger_entry_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    let path = root.join("ledger/000002.json");
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    ledger_damage_is_reported(&root, &path, "EOF");
}

#[test]
fn a_ledger_entry_that_is_not_json_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    let path = root.join("ledger/000001.json");
    fs::write(&path, b"\x00\xffnot json").unwrap();
    ledger_damage_is_reported(&root, &path, "damaged");
}

#[test]
fn a_ledger_entry_with_an_impossible_date_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    let path = edit_entry(&root, 1, |j| {
        j["files"][0]["min_date"] = "2026-13-45".into()
    });
    ledger_damage_is_reported(&root, &path, "\"2026-13-45\"");
    let path = edit_entry(&root, 1, |j| {
        j["files"][0]["min_date"] = "2026-08-31".into();
        j["partitions"][0][0] = "yesterday".into();
    });
    ledger_damage_is_reported(&root, &path, "\"yesterday\"");
    let path = edit_entry(&root, 1, |j| j["partitions"][0] = serde_json::json!([]));
    ledger_damage_is_reported(&root, &path, "does not fit the key");
}

#[test]
fn a_ledger_entry_naming_a_file_outside_the_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    let own = {
        let path = root.join("ledger/000001.json");
        let json: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
        json["files"][0]["path"].as_str().unwrap().to_string()
    };
    // outside the store, or another delivery's file, which a purge of
    // this entry would delete
    for outside in [
        "tables/../../secret.parquet",
        "/etc/passwd",
        "ledger/000001.json",
        own.as_str(),
    ] {
        let path = edit_entry(&root, 2, |j| j["files"][0]["path"] = outside.into());
        ledger_damage_is_reported(&root, &path, "is not where delivery 2 of");
    }
    let path = edit_entry(&root, 2, |j| j["files"][0]["period"] = "../x".into());
    ledger_damage_is_reported(&root, &path, "is not YYYY-MM");
}

#[test]
fn a_ledger_entry_under_another_number_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    let copy = root.join("ledger/000003.json");
    fs::copy(root.join("ledger/000002.json"), &copy).unwrap();
    ledger_damage_is_reported(&root, &copy, "holds delivery 2");
}

fn record(as_of: &str) -> RunRecord {
    RunRecord {
        seq: 0,
        run_id: format!("r-{as_of}"),
        pipeline: "z".into(),
        as_of: as_of.into(),
        rule_set_sha256: "abc".into(),
        finished_at: "2026-11-01T00:00:00Z".into(),
        listed: 1,
        last_delivery: Some(0),
        reads_from: None,
        out_dir: None,
    }
}

#[test]
fn a_damaged_run_record_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    let listed = [ListedRecord {
        household_key: "hh00100000".into(),
        rank: 1,
        score: 4,
        rules: "a".into(),
        ..Default::default()
    }];
    {
        let mut store = Store::open(&root).unwrap();
        store.record_run(record("2026-08-31"), &listed).unwrap();
        store.record_run(record("2026-09-30"), &listed).unwrap();
    }
    let path = root.join("runs/000002.json");
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    let store = Store::open_read_only(&root).unwrap();
    let e = store.runs().unwrap_err();
    assert!(
        matches!(&e, StoreError::RunRecord { path: p, .. } if p == &path),
        "{e:?}"
    );
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    assert!(e.to_string().contains("run record"), "{e}");
    // the writer refuses to number a new run past a damaged history
    let mut writer = Store::open(&root).unwrap();
    assert!(matches!(
        writer.record_run(record("2026-10-31"), &listed),
        Err(StoreError::RunRecord { .. })
    ));
}

#[test]
fn a_damaged_list_of_a_run_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    let mut store = Store::open(&root).unwrap();
    let listed = [ListedRecord {
        household_key: "hh00100000".into(),
        rank: 1,
        score: 4,
        rules: "a".into(),
        ..Default::default()
    }];
    let run = store.record_run(record("2026-08-31"), &listed).unwrap();
    let path = root.join("runs/000001.listed.csv");
    fs::write(
        &path,
        "household_key,rank,score,rules\nhh00100000,first,4,a\n",
    )
    .unwrap();
    let e = store.run_listed(&run).unwrap_err();
    assert!(
        matches!(&e, StoreError::RunRecord { path: p, .. } if p == &path),
        "{e:?}"
    );
    fs::remove_file(&path).unwrap();
    assert!(matches!(
        store.run_listed(&run),
        Err(StoreError::RunRecord { .. })
    ));
}

#[test]
fn a_ledger_entry_missing_below_the_last_is_damage_and_its_files_stay() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    let mut parquet = Vec::new();
    for e in fs::read_dir(root.join("tables/households")).unwrap() {
        for f in fs::read_dir(e.unwrap().path()).unwrap() {
            parquet.push(f.unwrap().path());
        }
    }
    let first: Vec<PathBuf> = parquet
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with("d000001.parquet"))
        .collect();
    assert_eq!(first.len(), 1, "{first:?}");
    let path = root.join("ledger/000001.json");
    fs::remove_file(&path).unwrap();
    ledger_damage_is_reported(&root, &path, "missing while later deliveries are recorded");
    assert!(
        first[0].exists(),
        "recovery deleted the files of a delivery whose entry is missing"
    );
}
