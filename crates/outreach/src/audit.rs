//! The audit log: one hash-chained JSON line per reveal, export and purge.
//!
//! `audit.jsonl` in the store holds one line per command that showed or sent
//! personal data; each line carries `prev`, the SHA-256 of the previous
//! line's bytes (64 zeros for the first), and `audit.head` holds the SHA-256
//! of the last line, so a change to any line, a removed, swapped or added
//! line is found by [`verify`]. No key, name or address is written: only a
//! hash of the sorted revealed keys.
//!
//! An append is: check the tail, append the line (`O_APPEND`, fsync), write
//! the head atomically, under an exclusive lock of the log. A crash between
//! those steps leaves one of two shapes, which the next append completes
//! rather than refuses (a complete chained last line the head does not yet
//! name; a fragment without newline after the line the head names). Every
//! other mismatch is damage and is refused.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vroeg_contracts::durable;

use crate::error::{OutreachError, Result};
use crate::os_user::current_user;

/// The log's file name in the store root.
pub const LOG_FILE: &str = "audit.jsonl";
/// The head's file name in the store root.
pub const HEAD_FILE: &str = "audit.head";
/// `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What the caller records: the command and what it revealed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditRecord {
    /// `reveal`, `export ddas` or `purge`.
    pub command: String,
    /// The pipeline's name.
    pub pipeline: String,
    /// The as-of date of the run (or the export's range), as text.
    pub as_of: String,
    /// The run's id.
    pub run_id: String,
    /// The team code; empty when the command has none.
    pub team: String,
    /// The reason the user gave.
    pub reason: String,
    /// How many households were revealed or sent.
    pub households: u64,
    /// [`keys_sha256`] of those households' keys.
    pub keys_sha256: String,
}

/// One line of the log, fields in the order written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// The line number (1-based); not written.
    #[serde(skip)]
    pub line: u64,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: String,
    /// The operating-system user.
    pub user: String,
    /// See [`AuditRecord`].
    pub command: String,
    /// See [`AuditRecord`].
    pub pipeline: String,
    /// See [`AuditRecord`].
    pub as_of: String,
    /// See [`AuditRecord`].
    pub run_id: String,
    /// See [`AuditRecord`].
    pub team: String,
    /// See [`AuditRecord`].
    pub reason: String,
    /// See [`AuditRecord`].
    pub households: u64,
    /// See [`AuditRecord`].
    pub keys_sha256: String,
    /// SHA-256 hex of the previous line's bytes (without its newline).
    pub prev: String,
}

/// SHA-256 hex of the keys sorted bytewise and joined by `\n`.
pub fn keys_sha256<I>(keys: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut keys: Vec<I::Item> = keys.into_iter().collect();
    keys.sort_by(|a, b| a.as_ref().as_bytes().cmp(b.as_ref().as_bytes()));
    let mut hasher = Sha256::new();
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            hasher.update(b"\n");
        }
        hasher.update(key.as_ref().as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// SHA-256 hex of bytes.
fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Appends one entry for `record` to the store's audit log and moves the
/// head to it. Refuses (exit 3) when the log's tail and head do not agree,
/// except for the two shapes an interrupted append leaves, which it
/// completes first.
pub fn append(store_root: &Path, record: &AuditRecord) -> Result<AuditEntry> {
    let log_path = store_root.join(LOG_FILE);
    let head_path = store_root.join(HEAD_FILE);
    durable::create_dir_all(store_root).map_err(OutreachError::write(store_root))?;
    let mut log = open_log(&log_path)?;
    log.lock().map_err(OutreachError::write(&log_path))?;
    let mut content = Vec::new();
    log.read_to_end(&mut content)
        .map_err(unreadable(&log_path))?;
    let head = read_head(&head_path)?;
    let prev = repair_tail(&log, &log_path, &head_path, &content, head)?;
    // A log damaged anywhere is not extended: the chain would hide where.
    if prev.1 > 0 {
        verify(store_root)?;
    }
    let entry = AuditEntry {
        line: prev.1 + 1,
        time: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        user: current_user(),
        command: record.command.clone(),
        pipeline: record.pipeline.clone(),
        as_of: record.as_of.clone(),
        run_id: record.run_id.clone(),
        team: record.team.clone(),
        reason: record.reason.clone(),
        households: record.households,
        keys_sha256: record.keys_sha256.clone(),
        prev: prev.0,
    };
    let line = serde_json::to_string(&entry)
        .map_err(|e| OutreachError::write(&log_path)(io::Error::other(e)))?;
    let mut bytes = line.clone().into_bytes();
    bytes.push(b'\n');
    log.write_all(&bytes)
        .and_then(|()| log.sync_all())
        .map_err(OutreachError::write(&log_path))?;
    write_head(&head_path, &sha256_hex(line.as_bytes()))?;
    Ok(entry)
}

/// Opens (creating, 0640) the log for reading and appending.
fn open_log(path: &Path) -> Result<File> {
    let created = OpenOptions::new()
        .read(true)
        .append(true)
        .create_new(true)
        .mode(durable::FILE_MODE)
        .open(path);
    match created {
        Ok(file) => {
            file.set_permissions(Permissions::from_mode(durable::FILE_MODE))
                .map_err(OutreachError::write(path))?;
            if let Some(dir) = path.parent() {
                durable::sync_dir(dir).map_err(OutreachError::write(path))?;
            }
            Ok(file)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(unreadable(path)),
        Err(e) => Err(OutreachError::write(path)(e)),
    }
}

/// The head's hash, or `None` when there is no head file.
fn read_head(path: &Path) -> Result<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(parse_head(path, &bytes)?)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(unreadable(path)(e)),
    }
}

/// A head file is 64 lowercase hex characters and a newline.
fn parse_head(path: &Path, bytes: &[u8]) -> Result<String> {
    let hash = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let ok = hash.len() == 64 && hash.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !ok {
        return Err(damaged(path, 0, "audit.head is not a SHA-256 hash"));
    }
    Ok(String::from_utf8_lossy(hash).into_owned())
}

/// Writes the head atomically.
fn write_head(path: &Path, hash: &str) -> Result<()> {
    durable::write_atomic(path, format!("{hash}\n").as_bytes()).map_err(OutreachError::write(path))
}

/// Checks the tail against the head, completing an interrupted append;
/// returns the `prev` of the next line and the number of lines.
fn repair_tail(
    log: &File,
    log_path: &Path,
    head_path: &Path,
    content: &[u8],
    head: Option<String>,
) -> Result<(String, u64)> {
    let complete_len = content
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let lines: Vec<&[u8]> = match complete_len {
        0 => Vec::new(),
        len => content[..len - 1].split(|&b| b == b'\n').collect(),
    };
    let n = lines.len() as u64;
    let hash_last = lines.last().map(|l| sha256_hex(l));
    let hash_before = (lines.len() >= 2).then(|| sha256_hex(lines[lines.len() - 2]));
    let next = |hash: Option<String>| (hash.unwrap_or_else(|| GENESIS.to_string()), n);
    if complete_len < content.len() {
        // a fragment: an append cut short after the head's line
        if head != hash_last {
            return Err(damaged(
                log_path,
                n + 1,
                "the last line is incomplete and audit.head does not name the line before it",
            ));
        }
        log.set_len(complete_len as u64)
            .and_then(|()| log.sync_all())
            .map_err(OutreachError::write(log_path))?;
        return Ok(next(hash_last));
    }
    if head == hash_last {
        return Ok(next(hash_last));
    }
    if let Some(last) = lines.last()
        && head == hash_before
    {
        // the last line was appended but the head not yet moved
        let expected = hash_before.as_deref().unwrap_or(GENESIS);
        let chained = serde_json::from_slice::<AuditEntry>(last).is_ok_and(|e| e.prev == expected);
        if chained {
            write_head(head_path, hash_last.as_deref().unwrap_or(GENESIS))?;
            return Ok(next(hash_last));
        }
    }
    Err(damaged(
        log_path,
        n.max(1),
        "the last line does not match audit.head",
    ))
}

/// Recomputes the whole chain; returns the number of entries, or the first
/// broken line (exit 3). No log and no head is an empty log.
pub fn verify(store_root: &Path) -> Result<u64> {
    let log_path = store_root.join(LOG_FILE);
    let head_path = store_root.join(HEAD_FILE);
    let log = match fs::read(&log_path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(unreadable(&log_path)(e)),
    };
    let head = read_head(&head_path)?;
    let (log, head) = match (log, head) {
        (None, None) => return Ok(0),
        (None, Some(_)) => {
            return Err(damaged(
                &log_path,
                1,
                "audit.jsonl is missing but audit.head exists",
            ));
        }
        (Some(log), None) => {
            let line = log.iter().filter(|&&b| b == b'\n').count().max(1) as u64;
            return Err(damaged(&log_path, line, "audit.head is missing"));
        }
        (Some(log), Some(head)) => (log, head),
    };
    if log.is_empty() {
        return Err(damaged(
            &log_path,
            1,
            "the log is empty but audit.head names a line",
        ));
    }
    let body = match log.strip_suffix(b"\n") {
        Some(body) => body,
        None => {
            let line = log.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            return Err(damaged(
                &log_path,
                line,
                "the last line has no newline (cut short or appended to)",
            ));
        }
    };
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    let hashes: Vec<String> = lines.iter().map(|l| sha256_hex(l)).collect();
    let parse = |i: usize| serde_json::from_slice::<AuditEntry>(lines[i]);
    // whether the next line (or the head) vouches for line i's bytes
    let vouched = |i: usize| match lines.get(i + 1) {
        Some(_) => parse(i + 1).is_ok_and(|e| e.prev == hashes[i]),
        None => head == hashes[i],
    };
    for i in 0..lines.len() {
        let line = i as u64 + 1;
        let entry = parse(i).map_err(|e| damaged(&log_path, line, parse_problem(&e)))?;
        let expected = if i == 0 {
            GENESIS
        } else {
            hashes[i - 1].as_str()
        };
        if entry.prev != expected {
            if i > 0 && vouched(i) {
                return Err(damaged(
                    &log_path,
                    line - 1,
                    "the line was changed (the next line's prev does not match it), or lines after it were removed",
                ));
            }
            return Err(damaged(
                &log_path,
                line,
                "its prev does not match the line before it",
            ));
        }
    }
    if head != hashes[hashes.len() - 1] {
        return Err(damaged(
            &log_path,
            lines.len() as u64,
            "the last line was changed, or lines were added or removed at the end (audit.head does not match)",
        ));
    }
    Ok(lines.len() as u64)
}

/// What is wrong with a line that does not parse (never its content).
fn parse_problem(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Data => "a field is missing, unknown or of the wrong type",
        _ => "the line is not one JSON object",
    }
}

/// An [`OutreachError::AuditDamaged`].
fn damaged(file: &Path, line: u64, why: &str) -> OutreachError {
    OutreachError::AuditDamaged {
        file: PathBuf::from(file),
        line,
        why: why.to_string(),
    }
}

/// An [`OutreachError::Unreadable`] for a store audit file.
fn unreadable(file: &Path) -> impl FnOnce(io::Error) -> OutreachError + '_ {
    move |source| OutreachError::Unreadable {
        what: "audit file",
        file: file.to_path_buf(),
        source,
    }
}
