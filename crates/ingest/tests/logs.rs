//! File names with control characters never reach a log line raw. (Its own
//! test binary: the log collector is the process-wide default subscriber,
//! so that events from rayon's threads are caught too.)

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::process::Command;
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use vroeg_store::Store;

/// Every event as one line of `field=value` pairs.
static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Collector;

struct Line(String);

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Collector {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = Line(event.metadata().level().to_string());
        event.record(&mut line);
        LINES.lock().unwrap().push(line.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn names_with_control_characters_are_escaped_in_every_log_line() {
    tracing::subscriber::set_global_default(Collector).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    let rent = inbox.join("rent_arrears");
    fs::create_dir_all(&rent).unwrap();
    fs::create_dir_all(inbox.join("\u{1b}]0;owned\u{7}")).unwrap();
    let header = "household_key,reference_date,landlord_code,arrears_eur,monthly_rent_eur,oldest_unpaid_date,payment_plan";
    // quarantined rows, a refused file, an ignored file, a pipe, a link
    fs::write(
        rent.join("a\u{1b}[31m.csv"),
        format!("{header},n\u{8}b\nhh000001,2026-09-30,LA,0,700.00,2026-08-01,nee,x\n"),
    )
    .unwrap();
    fs::write(rent.join("b\r\n.csv"), "household_key\n").unwrap();
    fs::write(rent.join("c\u{202e}.txt"), "x").unwrap();
    let status = Command::new("mkfifo")
        .arg(rent.join("d\u{85}.csv"))
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink("/etc/\u{1b}passwd", rent.join("e\u{9b}.csv")).unwrap();
    let mut store = Store::open(&dir.path().join("store")).unwrap();
    let report = vroeg_ingest::ingest(&mut store, &inbox, &BTreeMap::new()).unwrap();
    assert_eq!(report.entries.len(), 3);
    assert_eq!(report.unreadable.len(), 1);

    let lines = LINES.lock().unwrap();
    let raw: Vec<&String> = lines
        .iter()
        .filter(|l| l.chars().any(|c| c.is_control() || c == '\u{202e}'))
        .collect();
    assert!(
        raw.is_empty(),
        "log lines with raw control characters: {raw:?}"
    );
    let escaped = |needle: &str| lines.iter().filter(|l| l.contains(needle)).count();
    for needle in [
        "a\\u{1b}[31m.csv",
        "b\\u{d}\\u{a}.csv",
        "c\\u{202e}.txt",
        "d\\u{85}.csv",
        "e\\u{9b}.csv",
        "\\u{1b}]0;owned\\u{7}",
        "n\\u{8}b",
    ] {
        assert!(
            escaped(needle) > 0,
            "no log line names {needle}: {lines:#?}"
        );
    }
}
