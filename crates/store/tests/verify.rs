//! A run reads only files that are there with the size the ledger recorded.

mod common;

use common::{count_households, reader, two_snapshots};
use std::fs;
use vroeg_store::{Store, StoreError};

#[test]
fn both_snapshots_are_read_when_every_file_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (root, entries) = two_snapshots(dir.path());
    for e in &entries {
        let f = &e.files[0];
        assert_eq!(
            f.bytes,
            Some(fs::metadata(root.join(&f.path)).unwrap().len()),
            "the ledger records each file's size"
        );
    }
    assert_eq!(
        count_households(&reader(&root).view(), "2026-09-30").unwrap(),
        7
    );
    assert_eq!(
        count_households(&reader(&root).view(), "2026-08-31").unwrap(),
        3
    );
}

#[test]
fn a_missing_parquet_file_is_an_error_naming_it_and_its_ledger_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (root, entries) = two_snapshots(dir.path());
    let gone = root.join(&entries[1].files[0].path);
    fs::remove_file(&gone).unwrap();
    for view in [reader(&root).view(), Store::open(&root).unwrap().view()] {
        let e = count_households(&view, "2026-09-30").unwrap_err();
        match &e {
            StoreError::MissingFile { path, ledger } => {
                assert_eq!(path, &gone);
                assert_eq!(ledger, &root.join("ledger/000002.json"));
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains(&gone.display().to_string()), "{e}");
    }
    // a date before the missing file's first date does not read it
    assert_eq!(
        count_households(&reader(&root).view(), "2026-08-31").unwrap(),
        3
    );
}

#[test]
fn a_truncated_parquet_file_is_an_error_naming_it_with_both_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let (root, entries) = two_snapshots(dir.path());
    let cut = root.join(&entries[0].files[0].path);
    let size = fs::metadata(&cut).unwrap().len();
    let bytes = fs::read(&cut).unwrap();
    fs::write(&cut, &bytes[..100]).unwrap();
    let e = count_households(&reader(&root).view(), "2026-08-31").unwrap_err();
    match &e {
        StoreError::FileSize {
            path,
            expected,
            found,
            ..
        } => {
            assert_eq!(path, &cut);
            assert_eq!((*expected, *found), (size, 100));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains(&cut.display().to_string()), "{e}");
}

#[test]
fn a_ledger_entry_without_sizes_from_an_older_vroeg_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let (root, entries) = two_snapshots(dir.path());
    let path = root.join("ledger/000001.json");
    let mut json: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    json["files"][0]
        .as_object_mut()
        .unwrap()
        .remove("bytes")
        .unwrap();
    fs::write(&path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    let store = reader(&root);
    assert_eq!(store.ledger()[0].files[0].bytes, None);
    assert_eq!(count_households(&store.view(), "2026-09-30").unwrap(), 7);
    // and such a file is still checked to exist
    fs::remove_file(root.join(&entries[0].files[0].path)).unwrap();
    assert!(matches!(
        count_households(&store.view(), "2026-09-30"),
        Err(StoreError::MissingFile { .. })
    ));
}

#[test]
fn files_that_end_before_the_day_read_from_are_neither_listed_nor_opened() {
    let dir = tempfile::tempdir().unwrap();
    let (root, entries) = two_snapshots(dir.path());
    let view = reader(&root).view();
    // the latest snapshot on or before each day, as the ledger knows it
    let households = vroeg_contracts::Source::Households;
    assert_eq!(
        view.latest_at_least(households, common::date("2026-10-15")),
        Some(common::date("2026-09-30"))
    );
    assert_eq!(
        view.latest_at_least(households, common::date("2026-09-29")),
        Some(common::date("2026-08-31"))
    );
    assert_eq!(
        view.latest_at_least(households, common::date("2026-08-30")),
        None
    );
    // reading from 2026-09-30 only the second snapshot's file is read: the
    // first may even be gone
    fs::remove_file(root.join(&entries[0].files[0].path)).unwrap();
    let from = std::collections::BTreeMap::from([(households, common::date("2026-09-30"))]);
    let ctx = datafusion::prelude::SessionContext::new();
    let used = view
        .register_from(&ctx, Some(common::date("2026-10-31")), &from)
        .unwrap();
    // the manifest still names both deliveries live as of the day
    assert_eq!(used, std::collections::BTreeSet::from([1, 2]));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let n = rt.block_on(async {
        let b = ctx
            .sql("SELECT count(*) FROM households")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        use datafusion::arrow::array::AsArray;
        b[0].column(0)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .value(0)
    });
    assert_eq!(n, 4, "the 4 households of the second snapshot");
    // without the cut the missing file is an error, as before
    assert!(matches!(
        count_households(&view, "2026-10-31"),
        Err(StoreError::MissingFile { .. })
    ));
}

#[test]
fn a_batch_ledger_file_out_of_order_is_damage_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    // make the two entries one batch file, then break its order
    let one: serde_json::Value =
        serde_json::from_slice(&fs::read(root.join("ledger/000001.json")).unwrap()).unwrap();
    let two: serde_json::Value =
        serde_json::from_slice(&fs::read(root.join("ledger/000002.json")).unwrap()).unwrap();
    let mark = |v: &serde_json::Value| {
        let mut v = v.clone();
        v["batch"] = serde_json::json!(1);
        v["batch_size"] = serde_json::json!(2);
        v
    };
    fs::remove_file(root.join("ledger/000002.json")).unwrap();
    fs::write(
        root.join("ledger/000001.json"),
        serde_json::to_vec(&vec![mark(&two), mark(&one)]).unwrap(),
    )
    .unwrap();
    let err = Store::open_read_only(&root).unwrap_err().to_string();
    assert!(err.contains("000001.json"), "{err}");
    assert!(
        err.contains("holds a batch from delivery 2, not the one its name says"),
        "{err}"
    );
    // in order but with its last entry gone: damage, not a shorter batch
    fs::write(
        root.join("ledger/000001.json"),
        serde_json::to_vec(&vec![mark(&one)]).unwrap(),
    )
    .unwrap();
    let err = Store::open_read_only(&root).unwrap_err().to_string();
    assert!(
        err.contains("the batch from delivery 1 holds 1 entries, not the 2 its entries record"),
        "{err}"
    );
}
