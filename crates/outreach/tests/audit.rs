//! The audit log: its chain, what verify finds (a changed byte anywhere, a
//! removed, swapped, cut or forged line) and how an interrupted append is
//! completed.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sha2::{Digest, Sha256};
use vroeg_outreach::audit::{self, GENESIS, HEAD_FILE, LOG_FILE};
use vroeg_outreach::{AuditRecord, OutreachError, keys_sha256};

fn record(n: u64) -> AuditRecord {
    AuditRecord {
        command: "reveal".into(),
        pipeline: "zoetermeer".into(),
        as_of: "2026-10-31".into(),
        run_id: "run-1".into(),
        team: "noord".into(),
        reason: format!("monthly visits {n}"),
        households: n,
        keys_sha256: keys_sha256(["HH-00002", "HH-00001"]),
        deleted: None,
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn log(root: &Path) -> Vec<u8> {
    fs::read(root.join(LOG_FILE)).unwrap()
}

fn lines(root: &Path) -> Vec<Vec<u8>> {
    let log = log(root);
    log.strip_suffix(b"\n")
        .unwrap()
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn write_lines(root: &Path, lines: &[Vec<u8>]) {
    let mut bytes = Vec::new();
    for line in lines {
        bytes.extend_from_slice(line);
        bytes.push(b'\n');
    }
    fs::write(root.join(LOG_FILE), bytes).unwrap();
}

/// The line verify names, checking the error is damage with exit 3.
fn broken_line(root: &Path) -> u64 {
    match audit::verify(root) {
        Err(e @ OutreachError::AuditDamaged { .. }) => {
            assert_eq!(e.exit_code(), 3);
            let OutreachError::AuditDamaged { line, .. } = e else {
                unreachable!()
            };
            line
        }
        other => panic!("expected damage, got {other:?}"),
    }
}

/// A store with three entries.
fn three() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for n in 1..=3 {
        audit::append(dir.path(), &record(n)).unwrap();
    }
    dir
}

#[test]
fn keys_are_hashed_sorted_bytewise_and_joined_by_newlines() {
    assert_eq!(
        keys_sha256(["b", "_", "A"]),
        sha(b"A\n_\nb"),
        "byte order: A < _ < b"
    );
    assert_eq!(
        keys_sha256(Vec::<String>::new()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn entries_are_chained_lines_with_fields_in_order() {
    let dir = three();
    let root = dir.path();
    let lines = lines(root);
    assert_eq!(lines.len(), 3);
    let first: serde_json::Value = serde_json::from_slice(&lines[0]).unwrap();
    assert_eq!(first["prev"], GENESIS);
    assert_eq!(first["households"], 1);
    assert_eq!(first["team"], "noord");
    let text = String::from_utf8(lines[0].clone()).unwrap();
    let order = [
        "time",
        "user",
        "command",
        "pipeline",
        "as_of",
        "run_id",
        "team",
        "reason",
        "households",
        "keys_sha256",
        "prev",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|f| text.find(&format!("\"{f}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    let time = first["time"].as_str().unwrap();
    assert_eq!(time.len(), 20);
    assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{time}");
    assert!(!first["user"].as_str().unwrap().is_empty());
    for i in 1..3 {
        let entry: serde_json::Value = serde_json::from_slice(&lines[i]).unwrap();
        assert_eq!(entry["prev"], sha(&lines[i - 1]));
    }
    let head = fs::read_to_string(root.join(HEAD_FILE)).unwrap();
    assert_eq!(head, format!("{}\n", sha(&lines[2])));
    assert_eq!(audit::verify(root).unwrap(), 3);
    for file in [LOG_FILE, HEAD_FILE] {
        let mode = fs::metadata(root.join(file)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "{file}");
    }
}

#[test]
fn append_returns_the_entry_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let entry = audit::append(dir.path(), &record(7)).unwrap();
    assert_eq!(entry.line, 1);
    assert_eq!(entry.prev, GENESIS);
    assert_eq!(entry.households, 7);
    let second = audit::append(dir.path(), &record(8)).unwrap();
    assert_eq!(second.line, 2);
}

#[test]
fn a_changed_byte_anywhere_is_found_and_its_line_named() {
    let dir = three();
    let root = dir.path();
    let original = log(root);
    for flip in [0x01u8, 0x80] {
        for pos in 0..original.len() {
            let mut bytes = original.clone();
            bytes[pos] ^= flip;
            fs::write(root.join(LOG_FILE), &bytes).unwrap();
            let expected = 1 + original[..pos].iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(broken_line(root), expected, "byte {pos} ^ {flip:#x}");
        }
    }
    fs::write(root.join(LOG_FILE), &original).unwrap();
    assert_eq!(audit::verify(root).unwrap(), 3);
}

#[test]
fn removed_swapped_cut_and_forged_lines_are_found() {
    let dir = three();
    let root = dir.path();
    let original = lines(root);

    write_lines(root, &[original[1].clone(), original[2].clone()]);
    assert_eq!(broken_line(root), 1, "first line removed");
    write_lines(root, &[original[0].clone(), original[2].clone()]);
    assert_eq!(
        broken_line(root),
        1,
        "middle line removed: the line before the gap"
    );
    let msg = audit::verify(root).unwrap_err().to_string();
    assert!(msg.contains("removed"), "{msg}");
    write_lines(root, &[original[0].clone(), original[1].clone()]);
    assert_eq!(broken_line(root), 2, "last line removed");
    write_lines(
        root,
        &[
            original[0].clone(),
            original[2].clone(),
            original[1].clone(),
        ],
    );
    assert_eq!(broken_line(root), 2, "lines swapped");

    write_lines(root, &original);
    let full = log(root);
    let cut = &full[..full.len() - 10];
    fs::write(root.join(LOG_FILE), cut).unwrap();
    assert_eq!(broken_line(root), 3, "cut short");

    let mut forged: serde_json::Value = serde_json::from_slice(&original[2]).unwrap();
    forged["prev"] = sha(&original[2]).into();
    forged["reason"] = "nothing to see".into();
    let mut with_forged = original.clone();
    with_forged.push(serde_json::to_vec(&forged).unwrap());
    write_lines(root, &with_forged);
    assert_eq!(broken_line(root), 4, "a line added without moving the head");

    write_lines(root, &original);
    assert_eq!(audit::verify(root).unwrap(), 3);
}

#[test]
fn missing_files_are_an_empty_log_or_damage() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(audit::verify(dir.path()).unwrap(), 0);
    let dir = three();
    fs::remove_file(dir.path().join(HEAD_FILE)).unwrap();
    assert_eq!(broken_line(dir.path()), 3);
    let dir = three();
    fs::remove_file(dir.path().join(LOG_FILE)).unwrap();
    assert_eq!(broken_line(dir.path()), 1);
    let dir = three();
    fs::write(dir.path().join(HEAD_FILE), "not a hash\n").unwrap();
    assert!(audit::verify(dir.path()).is_err());
}

/// The head an append writes before its line: `pending <old> <new>`.
fn pending(old: &str, new: &str) -> String {
    format!("pending {old} {new}\n")
}

#[test]
fn an_append_cut_after_its_line_is_completed() {
    let dir = three();
    let root = dir.path();
    let l = lines(root);
    // the crash: line 3 written, the head still pending
    fs::write(root.join(HEAD_FILE), pending(&sha(&l[1]), &sha(&l[2]))).unwrap();
    assert_eq!(
        audit::verify(root).unwrap(),
        3,
        "an interrupted append is not damage"
    );
    let entry = audit::append(root, &record(4)).unwrap();
    assert_eq!(entry.line, 4);
    assert_eq!(entry.prev, sha(&l[2]));
    assert_eq!(audit::verify(root).unwrap(), 4);
}

#[test]
fn an_append_cut_before_its_line_leaves_the_log_as_it_was() {
    let dir = three();
    let root = dir.path();
    let l = lines(root);
    let never_written = "f".repeat(64);
    fs::write(root.join(HEAD_FILE), pending(&sha(&l[2]), &never_written)).unwrap();
    assert_eq!(audit::verify(root).unwrap(), 3);
    assert_eq!(audit::append(root, &record(4)).unwrap().line, 4);
    assert_eq!(audit::verify(root).unwrap(), 4);
    // the very first append, cut before its line
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join(LOG_FILE), b"").unwrap();
    fs::write(
        root.join(HEAD_FILE),
        pending(audit::GENESIS, &never_written),
    )
    .unwrap();
    assert_eq!(audit::verify(root).unwrap(), 0);
    assert_eq!(audit::append(root, &record(1)).unwrap().line, 1);
    assert_eq!(audit::verify(root).unwrap(), 1);
}

#[test]
fn a_fragment_left_by_a_cut_append_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    audit::append(root, &record(1)).unwrap();
    audit::append(root, &record(2)).unwrap();
    let l = lines(root);
    let mut bytes = log(root);
    bytes.extend_from_slice(b"{\"time\":\"2026-");
    fs::write(root.join(LOG_FILE), &bytes).unwrap();
    fs::write(root.join(HEAD_FILE), pending(&sha(&l[1]), &"e".repeat(64))).unwrap();
    assert_eq!(audit::verify(root).unwrap(), 2);
    audit::append(root, &record(3)).unwrap();
    assert_eq!(audit::verify(root).unwrap(), 3);
    assert!(
        !String::from_utf8(log(root))
            .unwrap()
            .contains("{\"time\":\"2026-{")
    );
}

#[test]
fn a_line_added_or_cut_without_a_pending_head_is_damage_and_never_extended() {
    // a well-formed, chained line appended behind the head's back
    let dir = three();
    let root = dir.path();
    let l = lines(root);
    let forged = format!(
        "{{\"time\":\"2026-11-02T09:30:00Z\",\"user\":\"x\",\"command\":\"reveal\",\"pipeline\":\"p\",\"as_of\":\"2026-10-31\",\"run_id\":\"r\",\"team\":\"t\",\"reason\":\"r\",\"households\":0,\"keys_sha256\":\"{}\",\"prev\":\"{}\"}}",
        audit::GENESIS,
        sha(&l[2])
    );
    let mut with_forged = l.clone();
    with_forged.push(forged.into_bytes());
    write_lines(root, &with_forged);
    assert_eq!(broken_line(root), 4);
    assert_eq!(audit::append(root, &record(5)).unwrap_err().exit_code(), 3);
    assert_eq!(broken_line(root), 4, "still found after the refused append");
    // a fragment behind a committed head
    let dir = three();
    let root = dir.path();
    let mut bytes = log(root);
    bytes.extend_from_slice(b"{\"time\"");
    fs::write(root.join(LOG_FILE), &bytes).unwrap();
    assert_eq!(broken_line(root), 4);
    assert_eq!(audit::append(root, &record(4)).unwrap_err().exit_code(), 3);
    assert_eq!(log(root), bytes, "nothing cut");
    // a head removed from a log with lines
    let dir = three();
    let root = dir.path();
    fs::remove_file(root.join(HEAD_FILE)).unwrap();
    assert_eq!(broken_line(root), 3);
    assert_eq!(audit::append(root, &record(4)).unwrap_err().exit_code(), 3);
}

#[test]
fn any_other_damage_at_the_tail_refuses_the_append() {
    let dir = three();
    let root = dir.path();
    let mut changed = lines(root);
    changed[2][10] ^= 0x01;
    write_lines(root, &changed);
    let before = log(root);
    let e = audit::append(root, &record(4)).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    let msg = e.to_string();
    assert!(msg.contains("damaged at line 3"), "{msg}");
    assert!(msg.contains("vroeg audit verify"), "{msg}");
    assert_eq!(log(root), before, "nothing appended");

    let dir = three();
    let root = dir.path();
    let original = lines(root);
    let head_after_one = sha(&original[0]);
    fs::write(root.join(HEAD_FILE), format!("{head_after_one}\n")).unwrap();
    assert!(
        audit::append(root, &record(4)).is_err(),
        "head two lines back"
    );
}

#[test]
fn audit_files_that_are_not_regular_files_are_damage_not_a_hang() {
    for file in [LOG_FILE, HEAD_FILE] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let path = root.join(file);
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        let e = audit::verify(root).unwrap_err();
        assert_eq!(e.exit_code(), 3, "{file}: {e}");
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let e = audit::append(root, &record(1)).unwrap_err();
        assert_eq!(e.exit_code(), 3, "{file}: {e}");
    }
}
