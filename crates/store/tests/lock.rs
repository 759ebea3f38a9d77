//! One writer at a time, by an OS lock that dies with its holder; readers
//! need no lock and never write.

mod common;

use common::{count_households, deliver, two_snapshots};
use std::fs;
use std::path::{Path, PathBuf};
use vroeg_store::{Store, StoreError};

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let first = Store::open(&root).unwrap();
    let second = Store::open(&root).unwrap_err();
    assert!(
        matches!(&second, StoreError::Locked(p) if p == &root),
        "{second:?}"
    );
    let message = second.to_string();
    assert!(
        message.contains("in use by another vroeg process"),
        "{message}"
    );
    for invitation in ["remove", "delete", "stale"] {
        assert!(
            !message.contains(invitation),
            "the message must not invite removing anything: {message}"
        );
    }
    drop(first);
    Store::open(&root).expect("the lock ends with its holder");
}

#[test]
fn deleting_files_of_the_store_does_not_let_a_second_writer_in() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let mut first = Store::open(&root).unwrap();
    deliver(&mut first, "2026-09-30", 2);
    // whatever a user deletes or replaces, the lock is on the folder itself
    fs::remove_file(root.join("FORMAT")).unwrap();
    fs::write(root.join(".lock"), "").unwrap();
    fs::remove_file(root.join(".lock")).unwrap();
    assert!(matches!(Store::open(&root), Err(StoreError::Locked(_))));
    assert_eq!(first.ledger().len(), 1);
}

#[test]
fn a_legacy_lock_file_is_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(Store::open(&root).unwrap());
    fs::write(root.join(".lock"), "").unwrap();
    drop(Store::open(&root).unwrap());
    assert!(!root.join(".lock").exists());
}

#[test]
fn a_writer_refuses_a_folder_of_documents_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("documents");
    fs::create_dir(&docs).unwrap();
    fs::create_dir(docs.join("staging")).unwrap();
    fs::write(docs.join("staging/letter.txt"), "dear").unwrap();
    fs::write(docs.join("notes.txt"), "mine").unwrap();
    let before = tree(&docs);
    let e = Store::open(&docs).unwrap_err();
    assert!(
        matches!(&e, StoreError::NotAStore { path, .. } if path == &docs),
        "{e:?}"
    );
    assert!(e.to_string().contains("no FORMAT file"), "{e}");
    assert_eq!(tree(&docs), before);
    assert_eq!(fs::read(docs.join("staging/letter.txt")).unwrap(), b"dear");
}

#[test]
fn a_read_only_store_opens_while_a_writer_holds_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = two_snapshots(dir.path());
    let mut writer = Store::open(&root).unwrap();
    // what a writer's recovery would remove: a reader must leave it
    fs::create_dir_all(root.join("staging/000099")).unwrap();
    fs::write(root.join("staging/000099/part.parquet"), "x").unwrap();
    fs::write(root.join("tables/households/d000099.parquet"), "x").unwrap();
    fs::write(root.join("ledger/.000099.json.tmp-1-0"), "{").unwrap();
    let before = tree(&root);
    let reader = Store::open_read_only(&root).unwrap();
    assert_eq!(reader.ledger().len(), 2);
    assert_eq!(count_households(&reader.view(), "2026-09-30").unwrap(), 7);
    assert_eq!(reader.runs().unwrap(), vec![]);
    assert_eq!(tree(&root), before, "a reader writes and removes nothing");
    // the writer is unaffected and goes on; a new reader sees its commit
    deliver(&mut writer, "2026-10-31", 1);
    assert_eq!(reader.ledger().len(), 2, "a reader is a snapshot");
    assert_eq!(Store::open_read_only(&root).unwrap().ledger().len(), 3);
}

#[test]
fn a_read_only_open_of_a_missing_or_foreign_folder_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let e = Store::open_read_only(&missing).unwrap_err();
    assert!(matches!(e, StoreError::NotAStore { .. }), "{e:?}");
    assert!(!missing.exists());
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let e = Store::open_read_only(&empty).unwrap_err();
    assert!(e.to_string().contains("no FORMAT file"), "{e}");
    assert_eq!(tree(&empty), vec![]);
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    assert!(matches!(
        Store::open_read_only(&file),
        Err(StoreError::NotAStore { .. })
    ));
}

/// Every path under `dir` with its size, sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, u64)>) {
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let meta = e.metadata().unwrap();
        out.push((e.path(), if meta.is_dir() { 0 } else { meta.len() }));
        if meta.is_dir() {
            walk(&e.path(), out);
        }
    }
}
