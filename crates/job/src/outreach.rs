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

/// Recomputes the audit log's chain; the number of entries when whole.
pub fn audit_verify(req: &AuditVerifyRequest) -> Result<u64, JobError> {
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let store = load::store_read_only(&p)?;
    Ok(vroeg_outreach::audit::verify(store.root())?)
}
