//! The audit log: one hash-chained JSON line per reveal, export and purge.
//!
//! `audit.jsonl` in the store holds one line per command that showed or sent
//! personal data; each line carries `prev`, the SHA-256 of the previous
//! line's bytes (64 zeros for the first), and `audit.head` holds the SHA-256
//! of the last line, so a change to any line, a removed, swapped or added
//! line is found by [`verify`]. No key, name or address is written: only a
//! hash of the sorted revealed keys.
//!
//! An append, under an exclusive lock of the log: check the whole chain;
//! write the head as `pending <old> <new>` (the hashes of the last line and
//! of the line about to be written); append the line (`O_APPEND`, fsync);
//! write the head as `<new>`. A crash between those steps leaves a pending
//! head, and only then does the next append complete what it finds (the
//! new line whole: the head moves to it; nothing or a fragment after the
//! old line: the fragment is cut and the head stays). A line added or cut
//! without a pending head is damage, found by [`verify`] and never extended.

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
    /// For `purge`: the account of what was deleted (sources, periods,
    /// deliveries, files with their SHA-256 and rows); never row data.
    pub deleted: Option<serde_json::Value>,
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
    /// See [`AuditRecord`]; only on `purge` lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<serde_json::Value>,
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
    if fs::symlink_metadata(&log_path).is_ok_and(|m| !m.is_file()) {
        return Err(damaged(&log_path, 0, "audit.jsonl is not a regular file"));
    }
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
        deleted: record.deleted.clone(),
        prev: prev.0,
    };
    let line = serde_json::to_string(&entry)
        .map_err(|e| OutreachError::write(&log_path)(io::Error::other(e)))?;
    let new = sha256_hex(line.as_bytes());
    write_head(
        &head_path,
        &Head::Pending {
            old: entry.prev.clone(),
            new: new.clone(),
        },
    )?;
    let mut bytes = line.into_bytes();
    bytes.push(b'\n');
    log.write_all(&bytes)
        .and_then(|()| log.sync_all())
        .map_err(OutreachError::write(&log_path))?;
    write_head(&head_path, &Head::Committed(new))?;
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

/// Completes an append that a crash cut short (as the next append would),
/// without appending; a log without a pending head is left as it is.
pub fn complete(store_root: &Path) -> Result<()> {
    if !interrupted(store_root) {
        return Ok(());
    }
    let log_path = store_root.join(LOG_FILE);
    let head_path = store_root.join(HEAD_FILE);
    let mut log = open_log(&log_path)?;
    log.lock().map_err(OutreachError::write(&log_path))?;
    let mut content = Vec::new();
    log.read_to_end(&mut content)
        .map_err(unreadable(&log_path))?;
    let head = read_head(&head_path)?;
    repair_tail(&log, &log_path, &head_path, &content, head)?;
    Ok(())
}

/// Whether the log holds a line of `command` with this `run_id` (an
/// interrupted purge that already wrote its account). No log: no.
pub fn contains(store_root: &Path, command: &str, run_id: &str) -> Result<bool> {
    let log_path = store_root.join(LOG_FILE);
    let log = match fs::read(&log_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(unreadable(&log_path)(e)),
    };
    Ok(log
        .split(|&b| b == b'\n')
        .filter_map(|l| serde_json::from_slice::<AuditEntry>(l).ok())
        .any(|e| e.command == command && e.run_id == run_id))
}

/// Whether `audit.head` says an append was under way (a crash before it
/// finished; the next append completes it).
pub fn interrupted(store_root: &Path) -> bool {
    matches!(
        read_head(&store_root.join(HEAD_FILE)),
        Ok(Some(Head::Pending { .. }))
    )
}

/// What `audit.head` says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Head {
    /// The hash of the last line.
    Committed(String),
    /// An append under way: the last line's hash before it, and the hash of
    /// the line it appends.
    Pending { old: String, new: String },
}

/// The head, or `None` when there is no head file.
fn read_head(path: &Path) -> Result<Option<Head>> {
    match fs::symlink_metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(damaged(path, 0, "audit.head is not a regular file"));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    match fs::read(path) {
        Ok(bytes) => Ok(Some(parse_head(path, &bytes)?)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(unreadable(path)(e)),
    }
}

fn is_hash(h: &[u8]) -> bool {
    h.len() == 64 && h.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A head file is a hash, or `pending`, the old and the new hash, each
/// separated by one space; then a newline.
fn parse_head(path: &Path, bytes: &[u8]) -> Result<Head> {
    let text = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let parts: Vec<&[u8]> = text.split(|&b| b == b' ').collect();
    let own = |h: &[u8]| String::from_utf8_lossy(h).into_owned();
    match parts.as_slice() {
        [h] if is_hash(h) => Ok(Head::Committed(own(h))),
        [b"pending", old, new] if is_hash(old) && is_hash(new) => Ok(Head::Pending {
            old: own(old),
            new: own(new),
        }),
        _ => Err(damaged(path, 0, "audit.head is not a SHA-256 hash")),
    }
}

/// The hash the head vouches for, given the log's complete lines (their
/// hashes) and whether a fragment follows them: a pending append is judged
/// by what it left. `Err` names what is wrong.
fn vouched(
    head: &Head,
    hashes: &[String],
    fragment: bool,
) -> std::result::Result<String, &'static str> {
    let last = hashes.last().map_or(GENESIS, String::as_str);
    match head {
        Head::Committed(_) if fragment => {
            Err("the last line has no newline (cut short or appended to)")
        }
        Head::Committed(h) if h == last => Ok(h.clone()),
        Head::Committed(_) => Err(
            "the last line was changed, or lines were added or removed at the end (audit.head does not match)",
        ),
        Head::Pending { new, .. } if !fragment && new == last => Ok(new.clone()),
        Head::Pending { old, .. } if old == last => Ok(old.clone()),
        Head::Pending { .. } => {
            Err("an interrupted append left lines that audit.head does not name")
        }
    }
}

/// Writes the head atomically.
fn write_head(path: &Path, head: &Head) -> Result<()> {
    let text = match head {
        Head::Committed(h) => format!("{h}\n"),
        Head::Pending { old, new } => format!("pending {old} {new}\n"),
    };
    durable::write_atomic(path, text.as_bytes()).map_err(OutreachError::write(path))
}

/// Checks the tail against the head, completing an interrupted append
/// (only when the head says one was under way); returns the `prev` of the
/// next line and the number of lines.
fn repair_tail(
    log: &File,
    log_path: &Path,
    head_path: &Path,
    content: &[u8],
    head: Option<Head>,
) -> Result<(String, u64)> {
    let complete_len = content
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let hashes: Vec<String> = match complete_len {
        0 => Vec::new(),
        len => content[..len - 1]
            .split(|&b| b == b'\n')
            .map(sha256_hex)
            .collect(),
    };
    let n = hashes.len() as u64;
    let fragment = complete_len < content.len();
    let Some(head) = head else {
        if content.is_empty() {
            return Ok((GENESIS.to_string(), 0));
        }
        return Err(damaged(log_path, n.max(1), "audit.head is missing"));
    };
    let last = vouched(&head, &hashes, fragment)
        .map_err(|why| damaged(log_path, n + u64::from(fragment), why))?;
    if fragment {
        log.set_len(complete_len as u64)
            .and_then(|()| log.sync_all())
            .map_err(OutreachError::write(log_path))?;
    }
    if head != Head::Committed(last.clone()) {
        write_head(head_path, &Head::Committed(last.clone()))?;
    }
    Ok((last, n))
}

/// Recomputes the whole chain; returns the number of entries, or the first
/// broken line (exit 3). No log and no head is an empty log.
pub fn verify(store_root: &Path) -> Result<u64> {
    let log_path = store_root.join(LOG_FILE);
    let head_path = store_root.join(HEAD_FILE);
    if fs::symlink_metadata(&log_path).is_ok_and(|m| !m.is_file()) {
        return Err(damaged(&log_path, 0, "audit.jsonl is not a regular file"));
    }
    let log = match fs::read(&log_path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(unreadable(&log_path)(e)),
    };
    let head = read_head(&head_path)?;
    let (log, head) = match (log, head) {
        (None, None) => return Ok(0),
        (Some(log), None) if log.is_empty() => return Ok(0),
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
    let complete_len = log.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let fragment = complete_len < log.len();
    let lines: Vec<&[u8]> = match complete_len {
        0 => Vec::new(),
        len => log[..len - 1].split(|&b| b == b'\n').collect(),
    };
    let hashes: Vec<String> = lines.iter().map(|l| sha256_hex(l)).collect();
    // The chain is judged first, so that the first broken line is named;
    // then what the head vouches for.
    let head_says = vouched(&head, &hashes, fragment)
        .map_err(|why| damaged(&log_path, lines.len() as u64 + u64::from(fragment), why));
    let head = head_says.as_ref().cloned().unwrap_or_default();
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
    head_says?;
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
