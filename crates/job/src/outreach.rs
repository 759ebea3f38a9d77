//! `vroeg pseudonymize` and `vroeg audit verify`: thin steps over the
//! outreach crate, here so that every command's exit code comes from
//! [`JobError::exit_code`](crate::JobError::exit_code).

use crate::{JobError, load};
use std::path::PathBuf;
use vroeg_outreach::{ColumnMapping, Key, PseudonymizeSummary, pseudonymize_file};

/// What `vroeg pseudonymize` is asked.
#[derive(Debug, Clone)]
pub struct PseudonymizeRequest {
    /// The municipal key file.
    pub key_file: PathBuf,
    /// The supplier's CSV.
    pub input: PathBuf,
    /// The CSV to write.
    pub output: PathBuf,
    /// `NAME=household_key` / `NAME=person_key`, as given.
    pub columns: Vec<String>,
    /// The input's delimiter, kept in the output.
    pub delimiter: String,
}

/// Replaces the named columns of a CSV by their keyed pseudonyms.
pub fn pseudonymize(req: &PseudonymizeRequest) -> Result<PseudonymizeSummary, JobError> {
    let delimiter = match req.delimiter.as_bytes() {
        [b] if *b != b'"' && *b != b'\n' && *b != b'\r' && b.is_ascii() => *b,
        _ => {
            return Err(JobError::Usage(format!(
                "--delimiter {:?}: give one ASCII character, e.g. , or ; (not a quote or a line break)",
                req.delimiter
            )));
        }
    };
    if req.columns.is_empty() {
        return Err(JobError::Usage(
            "--column: name at least one column, e.g. --column bsn=household_key".into(),
        ));
    }
    let columns = req
        .columns
        .iter()
        .map(|c| ColumnMapping::parse(c))
        .collect::<Result<Vec<_>, _>>()?;
    let key = Key::from_file(&req.key_file)?;
    Ok(pseudonymize_file(
        &key,
        &req.input,
        &req.output,
        delimiter,
        &columns,
    )?)
}

/// What `vroeg audit verify` is asked.
#[derive(Debug, Clone)]
pub struct AuditVerifyRequest {
    /// The pipeline file (for the store's place).
    pub pipeline: PathBuf,
    /// Folders overriding the pipeline file's.
    pub paths: load::PathOverrides,
}

/// What `vroeg audit verify` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditVerified {
    /// Entries in the chain.
    pub entries: u64,
    /// An append was cut short by a crash (the next one completes it).
    pub interrupted: bool,
}

/// Recomputes the audit log's chain. An empty log in a store that has
/// exported (its signal-ID key exists) is a lost log, exit 3.
pub fn audit_verify(req: &AuditVerifyRequest) -> Result<AuditVerified, JobError> {
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let store = load::store_read_only(&p)?;
    let root = store.root();
    let entries = vroeg_outreach::audit::verify(root)?;
    if entries == 0 && root.join(vroeg_outreach::ddas::ID_KEY_FILE).exists() {
        return Err(JobError::AuditLost(format!(
            "the audit log of {} is empty or missing, but the store has exported ({} exists): restore audit.jsonl and audit.head from a backup",
            vroeg_contracts::text::escaped_path(root),
            vroeg_outreach::ddas::ID_KEY_FILE
        )));
    }
    Ok(AuditVerified {
        entries,
        interrupted: vroeg_outreach::audit::interrupted(root),
    })
}
