//! Runs that cannot hurt, end to end: `--out` never replaces what vroeg did
//! not write, a run refuses a store whose files are missing or changed,
//! and what a run writes is not readable by other users.

mod common;

use common::{Project, RENT, all_files, text, zoetermeer};
use std::fs;
use std::os::unix::fs::PermissionsExt;

/// A project with two rent deliveries; `vroeg run` lists one household.
fn project() -> Project {
    let p = zoetermeer(|t| t);
    p.deliver(
        "rent_arrears",
        "2026-09_LA.csv",
        &format!("{RENT}hhaaaaaa,2026-09-30,LA,700.00,700.00,2026-09-01,nee\n"),
    );
    p.deliver(
        "rent_arrears",
        "2026-10_LA.csv",
        &format!("{RENT}hhaaaaaa,2026-10-31,LA,1400.00,700.00,2026-09-01,nee\n"),
    );
    p
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    all_files(dir, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let b = fs::read(&f).unwrap();
            (f, b)
        })
        .collect()
}

#[test]
fn out_never_replaces_what_vroeg_did_not_write() {
    let p = project();
    fs::create_dir_all(p.path("documents")).unwrap();
    fs::write(p.path("documents/letter.txt"), "dear sir").unwrap();
    let before = snapshot(&p.path("documents"));
    let o = p.run_at("2026-10-31", &["--out", "documents"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("documents"), "{}", text(&o));
    assert_eq!(
        snapshot(&p.path("documents")),
        before,
        "a folder of documents was changed"
    );

    fs::write(p.path("a-file"), "mine").unwrap();
    let o = p.run_at("2026-10-31", &["--out", "a-file"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(fs::read_to_string(p.path("a-file")).unwrap(), "mine");
    let mut names: Vec<String> = fs::read_dir(p.path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with(".a-file") || n.contains("a-file.")),
        "{names:?}"
    );

    let inbox = snapshot(&p.path("inbox"));
    for out in ["inbox", "inbox/rent_arrears", "store", "store/x", "."] {
        let o = p.run_at("2026-10-31", &["--out", out]);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {}", text(&o));
    }
    assert_eq!(snapshot(&p.path("inbox")), inbox, "the inbox was changed");

    // A previous output set is vroeg's own: a second run replaces it.
    let o = p.run_at("2026-10-31", &["--out", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = p.run_at("2026-10-31", &["--out", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(p.path("list/signals.csv").exists());
}

#[test]
fn a_missing_or_changed_store_file_is_exit_3_naming_it() {
    let p = project();
    let o = p.run_at("2026-10-31", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut parquet = Vec::new();
    all_files(&p.path("store/tables"), &mut parquet);
    parquet.retain(|f| f.extension().is_some_and(|e| e == "parquet"));
    assert_eq!(parquet.len(), 2, "{parquet:?}");
    let name = |f: &std::path::Path| f.file_name().unwrap().to_string_lossy().into_owned();

    fs::remove_file(&parquet[0]).unwrap();
    let o = p.run_at("2026-10-31", &["--out", "after-removal"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains(&name(&parquet[0])), "{}", text(&o));
    assert!(!p.path("after-removal").exists());
    let o = p.explain_at("2026-10-31", "hhaaaaaa");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));

    let p = project();
    assert_eq!(p.run_at("2026-10-31", &[]).status.code(), Some(0));
    let mut parquet = Vec::new();
    all_files(&p.path("store/tables"), &mut parquet);
    parquet.retain(|f| f.extension().is_some_and(|e| e == "parquet"));
    let bytes = fs::read(&parquet[1]).unwrap();
    fs::write(&parquet[1], &bytes[..bytes.len() / 2]).unwrap();
    let o = p.run_at("2026-10-31", &["--out", "after-truncation"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains(&name(&parquet[1])), "{}", text(&o));
    assert!(!p.path("after-truncation").exists());

    // Same size, other bytes: the engine cannot decode it.
    let p = project();
    assert_eq!(p.run_at("2026-10-31", &[]).status.code(), Some(0));
    let mut parquet = Vec::new();
    all_files(&p.path("store/tables"), &mut parquet);
    parquet.retain(|f| f.extension().is_some_and(|e| e == "parquet"));
    let size = fs::metadata(&parquet[0]).unwrap().len() as usize;
    fs::write(&parquet[0], vec![0x5a; size]).unwrap();
    let o = p.run_at("2026-10-31", &["--out", "after-overwrite"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(!p.path("after-overwrite").exists());
}

#[test]
fn nothing_a_run_writes_is_readable_by_other_users() {
    let p = project();
    let o = p.run_at("2026-10-31", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for dir in ["store", "out"] {
        let mut files = Vec::new();
        all_files(&p.path(dir), &mut files);
        assert!(!files.is_empty());
        for f in files {
            let mode = fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o027, 0, "{} has mode {mode:o}", f.display());
            let parent = fs::metadata(f.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(
                parent & 0o027,
                0,
                "{} has mode {parent:o}",
                f.parent().unwrap().display()
            );
        }
    }
}
