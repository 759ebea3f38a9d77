//! Inbox hygiene with real files: symbolic links, named pipes, sockets,
//! devices and folders named `*.csv`, source folders that are not folders or
//! cannot be read, and file names with control characters.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;
use tempfile::TempDir;
use vroeg_ingest::{IngestReport, ingest};
use vroeg_store::{DeliveryStatus, Store};

const RENT: &str = "household_key,reference_date,landlord_code,arrears_eur,monthly_rent_eur,oldest_unpaid_date,payment_plan\n";
const GOOD_RENT: &str = "hh000001,2026-09-30,LA,812.50,700.00,2026-08-01,nee\n";
const HOUSEHOLDS: &str =
    "household_key,reference_date,district_code,adults,minors\nhh000001,2026-09-30,WK01,2,1\n";
const NOT_A_FILE: &str = ", not a regular file; a delivery must be a regular file: replace it with the file itself or rename it so it does not end in .csv";

struct Harness {
    dir: TempDir,
}

impl Harness {
    fn new() -> Self {
        let h = Harness {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(h.inbox()).unwrap();
        h
    }
    fn inbox(&self) -> PathBuf {
        self.dir.path().join("inbox")
    }
    fn folder(&self, source: &str) -> PathBuf {
        let d = self.inbox().join(source);
        fs::create_dir_all(&d).unwrap();
        d
    }
    fn deliver(&self, source: &str, name: &str, body: &str) -> PathBuf {
        let path = self.folder(source).join(name);
        fs::write(&path, body).unwrap();
        path
    }
    /// Ingests on another thread, failing the test if ingest blocks (as it
    /// would when it opened a named pipe).
    fn ingest(&self) -> IngestReport {
        let (inbox, store) = (self.inbox(), self.dir.path().join("store"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut store = Store::open(&store).unwrap();
            let report = ingest(&mut store, &inbox, &BTreeMap::new()).unwrap();
            drop(store); // its lock is free for the next ingest
            let _ = tx.send(report);
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("ingest finished (it blocks if it opens a named pipe)")
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn statuses(report: &IngestReport) -> Vec<(&str, DeliveryStatus, u64)> {
    report
        .entries
        .iter()
        .map(|e| (e.file_name.as_str(), e.status, e.rows_accepted))
        .collect()
}

#[test]
fn a_symbolic_link_is_refused_and_recorded_and_never_followed() {
    let h = Harness::new();
    // a valid delivery outside the inbox, and links to it and to a device
    let outside = h.dir.path().join("secret.csv");
    fs::write(&outside, format!("{RENT}{GOOD_RENT}")).unwrap();
    let folder = h.folder("rent_arrears");
    symlink(&outside, folder.join("a_link.csv")).unwrap();
    symlink("/dev/zero", folder.join("b_device.csv")).unwrap();
    h.deliver("rent_arrears", "c_real.csv", &format!("{RENT}{GOOD_RENT}"));
    let report = h.ingest();
    assert_eq!(
        statuses(&report),
        [
            ("a_link.csv", DeliveryStatus::Refused, 0),
            ("b_device.csv", DeliveryStatus::Refused, 0),
            ("c_real.csv", DeliveryStatus::Accepted, 1),
        ]
    );
    let link = &report.entries[0];
    assert_eq!(
        link.message.as_deref(),
        Some(
            format!(
                "rent_arrears/a_link.csv is a symbolic link (to {}); vroeg does not follow links out of the inbox: put the file itself in the folder",
                outside.display()
            )
            .as_str()
        )
    );
    assert_eq!((link.bytes, link.rows_read), (0, 0));
    assert!(link.files.is_empty() && link.quarantine_file.is_none());
    assert_eq!(
        report.entries[1].message.as_deref(),
        Some(
            "rent_arrears/b_device.csv is a symbolic link (to /dev/zero); vroeg does not follow links out of the inbox: put the file itself in the folder"
        )
    );
    assert_eq!(report.refused().count(), 2);
    assert!(report.unreadable.is_empty());

    // recorded like any refused file: not refused again
    let again = h.ingest();
    assert_eq!((again.entries.len(), again.skipped), (0, 3));
    // a link that now points elsewhere is a new delivery, refused again
    fs::remove_file(folder.join("a_link.csv")).unwrap();
    symlink(folder.join("c_real.csv"), folder.join("a_link.csv")).unwrap();
    let moved = h.ingest();
    assert_eq!(
        statuses(&moved),
        [("a_link.csv", DeliveryStatus::Refused, 0)]
    );
    assert_eq!(moved.skipped, 2);
}

#[test]
fn a_named_pipe_named_csv_is_reported_and_never_opened() {
    let h = Harness::new();
    h.deliver("rent_arrears", "a.csv", &format!("{RENT}{GOOD_RENT}"));
    mkfifo(&h.folder("rent_arrears").join("b_pipe.csv"));
    h.deliver(
        "rent_arrears",
        "c.csv",
        &format!("{RENT}{GOOD_RENT}").replace("hh000001", "hh000002"),
    );
    let report = h.ingest();
    assert_eq!(
        statuses(&report),
        [
            ("a.csv", DeliveryStatus::Accepted, 1),
            ("c.csv", DeliveryStatus::Accepted, 1)
        ]
    );
    assert_eq!(
        report.unreadable,
        [(
            "rent_arrears/b_pipe.csv".to_string(),
            format!("a named pipe (FIFO){NOT_A_FILE}")
        )]
    );
    // nothing recorded: reported again on the next ingest
    let again = h.ingest();
    assert_eq!(again.unreadable.len(), 1);
    assert_eq!((again.entries.len(), again.skipped), (0, 2));
}

#[test]
fn sockets_devices_and_folders_named_csv_are_reported() {
    let h = Harness::new();
    let folder = h.folder("households");
    let _socket = std::os::unix::net::UnixListener::bind(folder.join("a_socket.csv")).unwrap();
    fs::create_dir(folder.join("b_folder.csv")).unwrap();
    fs::write(folder.join("b_folder.csv").join("inside.csv"), HOUSEHOLDS).unwrap();
    h.deliver("households", "c.csv", HOUSEHOLDS);
    // a character device like /dev/null, where the container allows mknod
    let device = Command::new("mknod")
        .arg(folder.join("d_device.csv"))
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    let report = h.ingest();
    assert_eq!(statuses(&report), [("c.csv", DeliveryStatus::Accepted, 1)]);
    let mut expected = vec![
        (
            "households/a_socket.csv".to_string(),
            format!("a socket{NOT_A_FILE}"),
        ),
        (
            "households/b_folder.csv".to_string(),
            format!("a folder{NOT_A_FILE}"),
        ),
    ];
    if device {
        expected.push((
            "households/d_device.csv".to_string(),
            format!("a character device{NOT_A_FILE}"),
        ));
    } else {
        eprintln!(
            "mknod not permitted here: the device case is covered by the unit test on /dev/null"
        );
    }
    assert_eq!(report.unreadable, expected);
}

#[test]
fn a_source_folder_that_is_a_link_or_a_file_is_reported_and_the_others_go_on() {
    let h = Harness::new();
    let elsewhere = h.dir.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(elsewhere.join("x.csv"), format!("{RENT}{GOOD_RENT}")).unwrap();
    symlink(&elsewhere, h.inbox().join("rent_arrears")).unwrap();
    fs::write(h.inbox().join("debt_arrears"), "not a folder").unwrap();
    h.deliver("households", "h.csv", HOUSEHOLDS);
    let report = h.ingest();
    assert_eq!(statuses(&report), [("h.csv", DeliveryStatus::Accepted, 1)]);
    assert_eq!(
        report.unreadable,
        [
            (
                "rent_arrears/".to_string(),
                "the source folder is a symbolic link; vroeg does not follow links out of the inbox: make it a real folder".to_string()
            ),
            (
                "debt_arrears/".to_string(),
                "a regular file where the source folder should be; make it a folder".to_string()
            ),
        ]
    );
}

const UNPRIVILEGED: &str = "VROEG_TEST_UNPRIVILEGED";

#[test]
fn an_unreadable_source_folder_does_not_stop_the_others() {
    let h = Harness::new();
    h.deliver("rent_arrears", "a.csv", &format!("{RENT}{GOOD_RENT}"));
    h.deliver("households", "h.csv", HOUSEHOLDS);
    let locked = h.folder("rent_arrears");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read_dir(&locked).is_ok() {
        // root reads any folder: run this test again as an ordinary user
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(
            std::env::var_os(UNPRIVILEGED).is_none(),
            "still privileged after setpriv"
        );
        let status = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "an_unreadable_source_folder_does_not_stop_the_others",
                "--test-threads=1",
            ])
            .env(UNPRIVILEGED, "1")
            .status();
        match status {
            Ok(s) => assert!(s.success(), "the test as user nobody failed: {s}"),
            Err(e) => eprintln!("setpriv unavailable ({e}): cannot drop root to test this"),
        }
        return;
    }
    let report = h.ingest();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(statuses(&report), [("h.csv", DeliveryStatus::Accepted, 1)]);
    assert_eq!(
        report.unreadable,
        [(
            "rent_arrears/".to_string(),
            "Permission denied (os error 13); give the user that runs vroeg read access to the folder".to_string()
        )]
    );
}

#[test]
fn names_with_control_characters_are_shown_escaped() {
    let h = Harness::new();
    let name = "2026-09\u{1b}[2J\u{202e}vsc.csv";
    // refused (a required column is missing): the message names the file
    h.deliver(
        "rent_arrears",
        name,
        "household_key,reference_date,landlord_code\nhh000001,2026-09-30,LA\n",
    );
    // accepted with a warning about an extra column with an escape in it
    h.deliver(
        "households",
        "h\u{7}.csv",
        &HOUSEHOLDS
            .replace("minors\n", "minors,no\u{1b}te\n")
            .replace(",1\n", ",1,x\n"),
    );
    mkfifo(&h.folder("households").join("p\u{9b}ipe.csv"));
    let report = h.ingest();
    let refused = &report.entries[0];
    assert_eq!(refused.file_name, name, "the ledger keeps the real name");
    assert_eq!(
        refused.message.as_deref(),
        Some(
            "column `arrears_eur` missing in rent_arrears/2026-09\\u{1b}[2J\\u{202e}vsc.csv (required by contract rent_arrears); add it to the header or ask the supplier for a corrected file"
        )
    );
    assert_eq!(
        report.entries[1].warnings,
        ["extra column(s) `no\\u{1b}te` in households/h\\u{7}.csv ignored"]
    );
    assert_eq!(report.unreadable[0].0, "households/p\\u{9b}ipe.csv");
    // a duplicate names its earlier delivery escaped too
    h.deliver(
        "households",
        "h2.csv",
        &fs::read_to_string(h.inbox().join("households").join("h\u{7}.csv")).unwrap(),
    );
    let again = h.ingest();
    assert_eq!(
        again.entries[0].message.as_deref(),
        Some("byte-identical to delivery 2 (h\\u{7}.csv); nothing changed")
    );
}
