//! The out folder is vroeg's own: a run never deletes or moves a file it
//! did not write, and never writes into the inbox or the store.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use vroeg_outputs::{OutputError, check_out_dir, publish};

/// An output set as `vroeg run` publishes it: files and a manifest listing
/// them.
fn output_set(run_id: &str, names: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let mut files: BTreeMap<String, Vec<u8>> = names
        .iter()
        .map(|n| (n.to_string(), format!("{run_id} {n}").into_bytes()))
        .collect();
    let outputs: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .map(|n| (n.to_string(), "hash".into()))
        .collect();
    let manifest = serde_json::json!({"run_id": run_id, "as_of": "2026-10-31", "outputs": outputs});
    files.insert(
        "manifest.json".into(),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    );
    files
}

/// Every path under `dir` with its bytes (folders as empty), sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let meta = fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            out.push((p.clone(), vec![]));
            walk(&p, out);
        } else {
            out.push((p.clone(), fs::read(&p).unwrap_or_default()));
        }
    }
}

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("inbox/rent_arrears")).unwrap();
        fs::write(dir.path().join("inbox/rent_arrears/a.csv"), "x").unwrap();
        fs::create_dir_all(dir.path().join("store/ledger")).unwrap();
        fs::write(dir.path().join("store/FORMAT"), "vroeg-store-1\n").unwrap();
        Project { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn check(&self, out: &str) -> Result<(), OutputError> {
        check_out_dir(&self.path(out), &self.path("inbox"), &self.path("store"))
    }
}

#[test]
fn a_folder_of_documents_is_refused_and_left_untouched() {
    let p = Project::new();
    let docs = p.path("documents");
    fs::create_dir_all(docs.join("letters")).unwrap();
    fs::write(docs.join("thesis.docx"), "years of work").unwrap();
    fs::write(docs.join("letters/mum.txt"), "hi").unwrap();
    let before = tree(p.dir.path());
    let e = p.check("documents").unwrap_err();
    assert!(
        matches!(&e, OutputError::OutNotOwned { path, .. } if path == &docs),
        "{e:?}"
    );
    let message = e.to_string();
    assert!(
        message.contains("`letters`") && message.contains("`thesis.docx`"),
        "{message}"
    );
    assert!(message.contains("changed nothing"), "{message}");
    let e = publish(&docs, "r1", &output_set("r1", &["signals.csv"])).unwrap_err();
    assert!(matches!(e, OutputError::OutNotOwned { .. }), "{e:?}");
    assert_eq!(
        tree(p.dir.path()),
        before,
        "nothing written, moved or deleted"
    );
}

#[test]
fn files_without_a_vroeg_manifest_are_refused() {
    let p = Project::new();
    let out = p.path("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("signals.csv"), "someone's list").unwrap();
    fs::write(out.join("manifest.json"), r#"{"name": "another tool"}"#).unwrap();
    let before = tree(p.dir.path());
    let e = p.check("out").unwrap_err();
    assert!(
        e.to_string().contains("no manifest.json of a vroeg run"),
        "{e}"
    );
    assert!(publish(&out, "r1", &output_set("r1", &["signals.csv"])).is_err());
    assert_eq!(tree(p.dir.path()), before);
}

#[test]
fn the_inbox_as_out_is_refused_and_so_is_out_inside_it_or_around_it() {
    let p = Project::new();
    for out in ["inbox", "inbox/rent_arrears", "inbox/new/deeper", "."] {
        let e = p.check(out).unwrap_err();
        assert!(
            matches!(&e, OutputError::OutOverlaps { role: "inbox", .. }),
            "{out}: {e:?}"
        );
    }
    // the whole project folder holds the inbox
    let e = check_out_dir(p.dir.path(), &p.path("inbox"), &p.path("store")).unwrap_err();
    assert!(
        matches!(e, OutputError::OutOverlaps { role: "inbox", .. }),
        "{e:?}"
    );
    assert!(p.path("inbox/rent_arrears/a.csv").exists());
    assert!(!p.path("inbox/new").exists());
}

#[test]
fn the_store_as_out_is_refused_and_so_is_out_inside_it() {
    let p = Project::new();
    let before = tree(p.dir.path());
    for out in ["store", "store/ledger", "store/out/2026-10-31"] {
        let e = p.check(out).unwrap_err();
        assert!(
            matches!(&e, OutputError::OutOverlaps { role: "store", .. }),
            "{out}: {e:?}"
        );
        assert!(
            e.to_string().contains("outside the inbox and the store"),
            "{e}"
        );
    }
    // a store that does not exist yet, inside the out folder
    let e = check_out_dir(&p.path("out"), &p.path("inbox"), &p.path("out/store")).unwrap_err();
    assert!(
        matches!(e, OutputError::OutOverlaps { role: "store", .. }),
        "{e:?}"
    );
    // and through a link to the store
    std::os::unix::fs::symlink(p.path("store"), p.path("link")).unwrap();
    let e = p.check("link/new").unwrap_err();
    assert!(
        matches!(e, OutputError::OutOverlaps { role: "store", .. }),
        "{e:?}"
    );
    fs::remove_file(p.path("link")).unwrap();
    assert_eq!(tree(p.dir.path()), before);
    // and publish refuses the store itself: it is not an output set
    assert!(matches!(
        publish(&p.path("store"), "r1", &output_set("r1", &["a"])),
        Err(OutputError::OutNotOwned { .. })
    ));
    assert_eq!(tree(p.dir.path()), before);
}

#[test]
fn an_out_folder_beside_the_inbox_and_the_store_is_accepted() {
    let p = Project::new();
    p.check("out/2026-10-31").unwrap();
    p.check("inbox-out").unwrap();
    assert!(!p.path("out").exists(), "checking creates nothing");
}

#[test]
fn an_existing_file_as_out_is_refused_and_left_where_it_is() {
    let p = Project::new();
    let file = p.path("report.pdf");
    fs::write(&file, "keep me").unwrap();
    let before = tree(p.dir.path());
    let e = p.check("report.pdf").unwrap_err();
    assert!(
        matches!(&e, OutputError::OutNotAFolder { path, what: "a file" } if path == &file),
        "{e:?}"
    );
    let e = publish(&file, "r1", &output_set("r1", &["signals.csv"])).unwrap_err();
    assert!(matches!(e, OutputError::OutNotAFolder { .. }), "{e:?}");
    assert_eq!(tree(p.dir.path()), before, "not moved to a hidden name");
}

#[test]
fn a_link_as_out_is_refused() {
    let p = Project::new();
    fs::create_dir(p.path("elsewhere")).unwrap();
    std::os::unix::fs::symlink(p.path("elsewhere"), p.path("out")).unwrap();
    let e = publish(&p.path("out"), "r1", &output_set("r1", &["a"])).unwrap_err();
    assert!(
        matches!(
            e,
            OutputError::OutNotAFolder {
                what: "a symbolic link",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(fs::symlink_metadata(p.path("out")).unwrap().is_symlink());
}

#[test]
fn a_previous_output_set_is_replaced_whole() {
    let p = Project::new();
    let out = p.path("out/2026-10-31");
    publish(&out, "a", &output_set("a", &["signals.csv", "old.txt"])).unwrap();
    p.check("out/2026-10-31").unwrap();
    publish(&out, "b", &output_set("b", &["signals.csv"])).unwrap();
    assert_eq!(fs::read(out.join("signals.csv")).unwrap(), b"b signals.csv");
    assert!(
        !out.join("old.txt").exists(),
        "nothing of the previous set is left"
    );
    let mut names: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["manifest.json", "signals.csv"]);
    let beside: Vec<_> = fs::read_dir(p.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["2026-10-31"], "no staging folder is left");
}

#[test]
fn an_empty_folder_is_used() {
    let p = Project::new();
    let out = p.path("out");
    fs::create_dir(&out).unwrap();
    publish(&out, "a", &output_set("a", &["signals.csv"])).unwrap();
    assert_eq!(fs::read(out.join("signals.csv")).unwrap(), b"a signals.csv");
    assert_eq!(fs::read_dir(p.dir.path()).unwrap().count(), 3);
}

#[test]
fn an_output_set_with_a_note_added_is_refused() {
    let p = Project::new();
    let out = p.path("out");
    publish(&out, "a", &output_set("a", &["signals.csv"])).unwrap();
    fs::write(out.join("my-notes.txt"), "called 3 of them").unwrap();
    let before = tree(p.dir.path());
    let e = publish(&out, "b", &output_set("b", &["signals.csv"])).unwrap_err();
    assert!(e.to_string().contains("`my-notes.txt`"), "{e}");
    assert_eq!(tree(p.dir.path()), before);
}

#[test]
fn a_stale_staging_folder_is_removed_only_when_it_holds_only_vroegs_files() {
    let p = Project::new();
    let ours = p.path(".out.staging-crashed");
    fs::create_dir(&ours).unwrap();
    fs::write(ours.join("signals.csv"), "partial").unwrap();
    let foreign = p.path(".out.staging-other");
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("diary.txt"), "mine").unwrap();
    publish(&p.path("out"), "a", &output_set("a", &["signals.csv"])).unwrap();
    assert!(!ours.exists());
    assert_eq!(fs::read(foreign.join("diary.txt")).unwrap(), b"mine");
}

#[test]
fn out_paths_that_name_no_folder_are_refused() {
    let p = Project::new();
    for out in [".", "..", "/"] {
        let e = publish(Path::new(out), "a", &output_set("a", &["x"])).unwrap_err();
        assert!(matches!(e, OutputError::OutPath { .. }), "{out}: {e:?}");
    }
    let e = publish(&p.path("out"), "a", &output_set("a", &["../escape"])).unwrap_err();
    assert!(matches!(e, OutputError::Io { .. }), "{e:?}");
    assert!(!p.path("escape").exists() && !p.path("out").exists());
}
