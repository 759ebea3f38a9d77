//! kill -9 at many points of `vroeg ingest` and `vroeg run` on one store:
//! after every kill the next command recovers, and at the end the store
//! holds each delivery exactly once (the ledger equals a clean ingest's)
//! and the list is byte for byte the list of a run that was never killed.

mod common;

use common::{Project, zoetermeer};
use std::collections::BTreeSet;
use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KILLS: u64 = 24;

/// A project with a small messy synthetic inbox.
fn project() -> Project {
    let p = zoetermeer(|t| t);
    let o = p.synth("300", "6", "11", "inbox", true);
    assert!(o.status.success(), "{}", common::text(&o));
    p
}

/// Every ledger entry without its sequence number, as comparable text.
fn ledger(p: &Project) -> BTreeSet<String> {
    let mut entries = BTreeSet::new();
    for e in fs::read_dir(p.path("store/ledger")).unwrap() {
        let text = fs::read_to_string(e.unwrap().path()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        // a ledger file holds one delivery, or a batch of them; how the
        // deliveries fell into batches depends on where the kills were
        let held = match v {
            serde_json::Value::Array(batch) => batch,
            one => vec![one],
        };
        for mut v in held {
            let o = v.as_object_mut().unwrap();
            o.remove("seq");
            o.remove("files");
            for k in [
                "ingested_at",
                "duration_ms",
                "quarantine_file",
                "batch",
                "seen",
            ] {
                o.remove(k);
            }
            entries.insert(v.to_string());
        }
    }
    entries
}

fn args(command: &str) -> Vec<&'static str> {
    match command {
        "ingest" => vec!["ingest", "--pipeline", "zoetermeer.toml"],
        _ => vec![
            "run",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            "2026-10-31",
        ],
    }
}

/// Starts `vroeg <command>` and kills it with SIGKILL after `after`.
fn kill_after(p: &Project, command: &str, after: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vroeg"))
        .args(args(command))
        .current_dir(p.path(""))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn kill_9_at_random_points_loses_and_doubles_nothing() {
    let clean = project();
    let started = Instant::now();
    let o = clean.run_at("2026-10-31", &[]);
    assert!(o.status.success(), "{}", common::text(&o));
    let whole = started.elapsed();
    let expected = fs::read(clean.path("out/2026-10-31/signals.csv")).unwrap();

    let killed = project();
    // A small linear congruential generator: the points differ from kill
    // to kill but are the same in every CI run.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for i in 0..KILLS {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let fraction = (seed >> 33) as f64 / (1u64 << 31) as f64;
        let command = if i % 2 == 0 { "ingest" } else { "run" };
        kill_after(&killed, command, whole.mul_f64(fraction));
    }
    let o = killed.run_at("2026-10-31", &[]);
    assert!(o.status.success(), "{}", common::text(&o));
    assert_eq!(
        fs::read(killed.path("out/2026-10-31/signals.csv")).unwrap(),
        expected,
        "the list after {KILLS} kills differs from a clean run's"
    );
    assert_eq!(
        ledger(&killed),
        ledger(&clean),
        "deliveries lost or doubled"
    );
    let staging = killed.path("store/staging");
    assert!(
        !staging.exists() || fs::read_dir(&staging).unwrap().next().is_none(),
        "staging left behind"
    );
}
