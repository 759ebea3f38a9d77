//! Many small deliveries of a source taken in together as one batch: one
//! Parquet file per period and one ledger file for the batch, each
//! delivery still recorded, corrected and de-duplicated on its own; files
//! seen before recognised without reading them; progress reported.

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Mutex;
use vroeg_ingest::{Progress, ingest, ingest_with};
use vroeg_store::{DeliveryStatus, Store};

const SCHOOL: &str =
    "household_key,person_key,week_start,school_code,absence_kind,hours,pupil_age\n";

/// A week's file of school `s`: `n` pupils with 2.5 hours each.
fn week(s: &str, monday: &str, n: usize) -> String {
    let mut body = SCHOOL.to_string();
    for i in 0..n {
        body.push_str(&format!(
            "hh{s}{i:04},pp{s}{i:04},{monday},{s},unauthorised,2.5,12\n"
        ));
    }
    body
}

fn deliver(inbox: &Path, name: &str, body: &str) {
    let d = inbox.join("school_absence");
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join(name), body).unwrap();
}

fn files_under(dir: &Path, out: &mut Vec<String>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p.display().to_string());
        }
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    let ctx = SessionContext::new();
    store.view().register(&ctx, None).unwrap();
    let b = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    b[0].column(0).as_primitive::<Int64Type>().value(0)
}

#[test]
fn small_files_of_a_source_share_one_file_per_period_and_one_ledger_file() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    // three schools, two weeks in September and one in October
    for s in ["S1", "S2", "S3"] {
        deliver(
            &inbox,
            &format!("2026-09-07_{s}.csv"),
            &week(s, "2026-09-07", 3),
        );
        deliver(
            &inbox,
            &format!("2026-09-14_{s}.csv"),
            &week(s, "2026-09-14", 2),
        );
        deliver(
            &inbox,
            &format!("2026-10-05_{s}.csv"),
            &week(s, "2026-10-05", 1),
        );
    }
    // S1 corrects its first week in the same ingest: 1 pupil instead of 3
    deliver(
        &inbox,
        "2026-09-07_S1_correction.csv",
        &week("S1", "2026-09-07", 1),
    );
    // S2 sends its October file twice under another name
    deliver(
        &inbox,
        "2026-10-05_S2_resend.csv",
        &week("S2", "2026-10-05", 1),
    );
    let store_path = dir.path().join("store");
    let mut store = Store::open(&store_path).unwrap();
    let report = ingest(&mut store, &inbox, &BTreeMap::new()).unwrap();
    assert_eq!(report.entries.len(), 11);
    let statuses: Vec<DeliveryStatus> = report.entries.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == DeliveryStatus::Duplicate)
            .count(),
        1
    );
    let dup = report
        .entries
        .iter()
        .find(|e| e.status == DeliveryStatus::Duplicate)
        .unwrap();
    assert_eq!(dup.file_name, "2026-10-05_S2_resend.csv");
    assert!(
        dup.message
            .as_deref()
            .unwrap()
            .contains("2026-10-05_S2.csv"),
        "{:?}",
        dup.message
    );
    // one batch: every entry names the first, one ledger file holds them
    assert!(
        report
            .entries
            .iter()
            .all(|e| e.batch == Some(1) && e.batch_size == Some(11))
    );
    let mut ledger = Vec::new();
    files_under(&store_path.join("ledger"), &mut ledger);
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    // two periods, one Parquet file each, for all ten deliveries with rows
    let mut tables = Vec::new();
    files_under(&store_path.join("tables"), &mut tables);
    tables.sort();
    assert_eq!(
        tables,
        vec![
            store_path
                .join("tables/school_absence/period=2026-09/d000001.parquet")
                .display()
                .to_string(),
            store_path
                .join("tables/school_absence/period=2026-10/d000001.parquet")
                .display()
                .to_string(),
        ]
    );
    for e in &report.entries {
        assert!(e.reconciles(), "{e:?}");
    }
    drop(store);
    // reopened, the ledger reads back; the correction replaced S1's first
    // week: 3 + 3 + 1 rows live in week 1 (S1 corrected to 1), 2 × 3 in
    // week 2, 3 in October (the resend stored nothing)
    let store = Store::open(&store_path).unwrap();
    assert_eq!(store.ledger().len(), 11);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let live = |sql: &str| rt.block_on(count(&store, sql));
    assert_eq!(
        live("select count(*) from school_absence where week_start = '2026-09-07'"),
        7
    );
    assert_eq!(
        live("select count(*) from school_absence where week_start = '2026-09-14'"),
        6
    );
    assert_eq!(
        live("select count(*) from school_absence where week_start = '2026-10-05'"),
        3
    );
    assert_eq!(
        live(
            "select count(*) from school_absence where school_code = 'S1' and week_start = '2026-09-07'"
        ),
        1
    );
}

#[test]
fn a_file_as_it_was_seen_is_not_read_again_and_a_touched_one_is_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    deliver(&inbox, "2026-09-07_S1.csv", &week("S1", "2026-09-07", 3));
    let store_path = dir.path().join("store");
    let mut store = Store::open(&store_path).unwrap();
    let first = ingest(&mut store, &inbox, &BTreeMap::new()).unwrap();
    let seen = first.entries[0].seen.expect("the file is recorded as seen");
    let path = inbox.join("school_absence/2026-09-07_S1.csv");
    assert_eq!(seen.len, fs::metadata(&path).unwrap().len());

    // new bytes of the same size, written in place with the old time: the
    // file looks as it was seen, so it is not read (nothing new)
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    let changed = week("S1", "2026-09-07", 3).replace("2.5", "3.5");
    assert_eq!(changed.len() as u64, seen.len);
    let f = fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::io::Write::write_all(&mut &f, changed.as_bytes()).unwrap();
    f.set_modified(modified).unwrap();
    drop(f);
    let again = ingest(&mut store, &inbox, &BTreeMap::new()).unwrap();
    assert_eq!((again.entries.len(), again.skipped), (0, 1));

    // touched (a new time): read and hashed; its bytes changed, so it is a
    // new delivery under the same name
    let f = fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(modified + std::time::Duration::from_secs(60))
        .unwrap();
    drop(f);
    let third = ingest(&mut store, &inbox, &BTreeMap::new()).unwrap();
    assert_eq!(third.entries.len(), 1);
    assert_eq!(third.entries[0].seq, 2);

    // touched again with the same bytes: hashed, recognised, skipped
    let f = fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(modified + std::time::Duration::from_secs(120))
        .unwrap();
    drop(f);
    let fourth = ingest(&mut store, &inbox, &BTreeMap::new()).unwrap();
    assert_eq!((fourth.entries.len(), fourth.skipped), (0, 1));
}

#[derive(Default)]
struct Counted {
    started: Mutex<Vec<(u64, u64)>>,
    done: Mutex<(u64, u64, u64)>,
    finished: Mutex<u32>,
}

impl Progress for Counted {
    fn start(&self, files: u64, bytes: u64) {
        self.started.lock().unwrap().push((files, bytes));
    }
    fn delivery(&self, rows: u64, bytes: u64) {
        let mut d = self.done.lock().unwrap();
        *d = (d.0 + 1, d.1 + rows, d.2 + bytes);
    }
    fn finish(&self) {
        *self.finished.lock().unwrap() += 1;
    }
}

#[test]
fn progress_hears_every_file_its_rows_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    let (a, b) = (week("S1", "2026-09-07", 3), week("S2", "2026-09-07", 2));
    deliver(&inbox, "2026-09-07_S1.csv", &a);
    deliver(&inbox, "2026-09-07_S2.csv", &b);
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let progress = Counted::default();
    ingest_with(&mut store, &inbox, &BTreeMap::new(), &progress).unwrap();
    let bytes = (a.len() + b.len()) as u64;
    assert_eq!(*progress.started.lock().unwrap(), vec![(2, bytes)]);
    assert_eq!(*progress.done.lock().unwrap(), (2, 5, bytes));
    assert_eq!(*progress.finished.lock().unwrap(), 1);
    // nothing new: started with nothing, finished
    let progress = Counted::default();
    ingest_with(&mut store, &inbox, &BTreeMap::new(), &progress).unwrap();
    assert_eq!(*progress.started.lock().unwrap(), vec![(0, 0)]);
    assert_eq!(*progress.done.lock().unwrap(), (0, 0, 0));
}

#[test]
fn a_delivery_with_a_name_of_255_bytes_keeps_its_quarantine() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    let name = format!("{}.csv", "L".repeat(251));
    let mut body = week("S1", "2026-09-07", 1);
    body.push_str("123456789,pp1,2026-09-07,S1,unauthorised,2.5,12\n");
    deliver(&inbox, &name, &body);
    deliver(&inbox, "2026-09-07_S2.csv", &week("S2", "2026-09-07", 1));
    let store_path = dir.path().join("store");
    let mut store = Store::open(&store_path).unwrap();
    let report = ingest(&mut store, &inbox, &BTreeMap::new()).unwrap();
    let e = report.entries.iter().find(|e| e.file_name == name).unwrap();
    assert_eq!((e.rows_accepted, e.rows_quarantined), (1, 1));
    let q = e.quarantine_file.as_deref().unwrap();
    let file = std::path::Path::new(q).file_name().unwrap().len();
    assert_eq!(file, "000002-".len() + 200, "{q}");
    assert!(store_path.join(q).is_file());
}
