//! Store files are 0640 and folders 0750 whatever the umask: the store holds
//! personal data. One test in its own process, because the umask is
//! process-wide.

mod common;

use common::deliver;
use rustix::fs::Mode;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use vroeg_store::{ListedRecord, RunRecord, Store};

#[test]
fn store_files_are_0640_and_folders_0750_whatever_the_umask() {
    for umask in [0o000, 0o077, 0o022] {
        rustix::process::umask(Mode::from_raw_mode(umask));
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("new/store");
        let mut store = Store::open(&root).unwrap();
        deliver(&mut store, "2026-09-30", 2);
        store
            .record_run(
                RunRecord {
                    seq: 0,
                    run_id: "r".into(),
                    pipeline: "z".into(),
                    as_of: "2026-09-30".into(),
                    rule_set_sha256: "abc".into(),
                    finished_at: "2026-11-01T00:00:00Z".into(),
                    listed: 0,
                    last_delivery: Some(0),
                    reads_from: None,
                    out_dir: None,
                },
                &[] as &[ListedRecord],
            )
            .unwrap();
        let mut seen = (0, 0);
        check(dir.path().join("new").as_path(), umask, &mut seen);
        // new, store, ledger, tables, tables/households, period=…, quarantine,
        // quarantine/households, staging, runs; FORMAT, ledger entry,
        // Parquet, quarantine, run record, listed
        assert_eq!(seen, (10, 6), "umask {umask:o}");
    }
}

fn check(path: &Path, umask: u32, seen: &mut (usize, usize)) {
    let meta = fs::symlink_metadata(path).unwrap();
    let mode = meta.permissions().mode() & 0o7777;
    if meta.is_dir() {
        assert_eq!(mode, 0o750, "{} with umask {umask:o}", path.display());
        seen.0 += 1;
        for e in fs::read_dir(path).unwrap() {
            check(&e.unwrap().path(), umask, seen);
        }
    } else {
        assert_eq!(mode, 0o640, "{} with umask {umask:o}", path.display());
        seen.1 += 1;
    }
}
