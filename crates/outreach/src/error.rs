//! The crate's one error type and its exit codes.
//!
//! Every variant names where the problem is (file, physical line, column)
//! and what to do, and never the value found there: the inputs are keys,
//! citizen service numbers and addresses of vulnerable households, and an
//! error message ends up in logs and terminals. The exit code is decided
//! here, once, so the job layer only calls [`OutreachError::exit_code`].

use std::io;
use std::path::{Path, PathBuf};

use vroeg_contracts::text::escaped_path;

/// The result of every fallible function of the crate.
pub type Result<T, E = OutreachError> = std::result::Result<T, E>;

/// Everything that can go wrong while pseudonymizing, loading contacts,
/// writing a worklist, keeping the audit log or building a DDAS export.
#[derive(Debug, thiserror::Error)]
pub enum OutreachError {
    /// A `--column` argument is not `NAME=household_key` or `NAME=person_key`.
    #[error("--column `{}`: {why}; write it as NAME=household_key or NAME=person_key", esc(.arg))]
    ColumnMapping {
        /// The argument as given (a column name, never a cell).
        arg: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A column named by the user is not in the file's header.
    #[error("column `{}` is not in the header of {}; check the name given with --column", esc(.column), show(.file))]
    ColumnNotFound {
        /// The file whose header lacks it.
        file: PathBuf,
        /// The column name as given.
        column: String,
    },
    /// The column mappings or the header are ambiguous.
    #[error("{} : {why}; name every column and every target once", show(.file))]
    AmbiguousColumns {
        /// The input file.
        file: PathBuf,
        /// Which name is used twice (a column or target name, never a cell).
        why: String,
    },
    /// The output path is the input file itself.
    #[error("{} is both the input and the output; choose another output file", show(.file))]
    OutputIsInput {
        /// The file.
        file: PathBuf,
    },
    /// A file that must be new already exists.
    #[error("{} already exists; remove it or choose another name", show(.file))]
    OutputExists {
        /// The file.
        file: PathBuf,
    },
    /// The folder an output file should go into does not exist.
    #[error("the folder of {} does not exist; create it or choose another path", show(.file))]
    OutputFolderMissing {
        /// The output file.
        file: PathBuf,
    },
    /// A command-line value is malformed (municipality code, date range,
    /// DDAS organisation).
    #[error("{what}: {why}")]
    Usage {
        /// The option or pipeline-file section.
        what: &'static str,
        /// What is expected.
        why: &'static str,
    },
    /// A key file or contact table is refused before its content is used:
    /// readable by others, not a regular file, too short.
    #[error("{what} {} refused: {why}", show(.file))]
    Refused {
        /// `key file` or `contact table`.
        what: &'static str,
        /// The file.
        file: PathBuf,
        /// Why, with what to do.
        why: String,
    },
    /// An input file could not be read.
    #[error("cannot read {what} {}: {source}; check that it exists and is readable", show(.file))]
    Unreadable {
        /// What the file is (`input file`, `key file`, `contact table`, `audit log`).
        what: &'static str,
        /// The file.
        file: PathBuf,
        /// The operating system's error (it never holds file content).
        source: io::Error,
    },
    /// An input CSV breaks its structure or a column's rule at one line.
    #[error("{} line {line}{}: {why}; correct the file and try again", show(.file), column_part(.column))]
    BadRow {
        /// The file.
        file: PathBuf,
        /// The physical line (header = 1).
        line: u64,
        /// The column, when one column is at fault.
        column: Option<String>,
        /// The rule broken (never the value).
        why: String,
    },
    /// The audit log or its head does not chain.
    #[error("audit log {} damaged{}: {why}; run vroeg audit verify and restore the store's audit files from a backup", show(.file), line_part(*.line))]
    AuditDamaged {
        /// `audit.jsonl` (or `audit.head`).
        file: PathBuf,
        /// The first broken line (1-based; 0 when no line is at fault, e.g.
        /// an unreadable `audit.head`).
        line: u64,
        /// What breaks the chain there.
        why: String,
    },
    /// The store holds a code outside the contract (a damaged store).
    #[error(
        "the store holds a {field} that is not one of the contract's values; the store may be damaged: run vroeg ingest again or restore it"
    )]
    UnknownCode {
        /// `creditor_type`, `outcome` or `contact_kind`.
        field: &'static str,
    },
    /// Writing an output or store file failed.
    #[error("cannot write {}: {source}; check free space and permissions", show(.file))]
    Write {
        /// The file.
        file: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
}

impl OutreachError {
    /// The documented exit code: 2 usage, 3 an input, key file, contact
    /// table or store file unreadable or refused, 1 anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::ColumnMapping { .. }
            | Self::ColumnNotFound { .. }
            | Self::AmbiguousColumns { .. }
            | Self::OutputIsInput { .. }
            | Self::OutputExists { .. }
            | Self::OutputFolderMissing { .. }
            | Self::Usage { .. } => 2,
            Self::Refused { .. }
            | Self::Unreadable { .. }
            | Self::BadRow { .. }
            | Self::AuditDamaged { .. }
            | Self::UnknownCode { .. } => 3,
            Self::Write { .. } => 1,
        }
    }

    /// A [`OutreachError::Write`] for `file`.
    pub(crate) fn write(file: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| Self::Write {
            file: file.to_path_buf(),
            source,
        }
    }
}

/// A path as shown in a message: control characters escaped.
fn show(path: &Path) -> String {
    escaped_path(path)
}

/// A name (a column or an argument, never a cell) as shown in a message.
fn esc(text: &str) -> String {
    vroeg_contracts::text::escaped(text).into_owned()
}

/// ` at line N`, or nothing for line 0.
fn line_part(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" at line {line}")
    }
}

/// `, column NAME` or nothing.
fn column_part(column: &Option<String>) -> String {
    column
        .as_deref()
        .map(|c| format!(", column `{}`", esc(c)))
        .unwrap_or_default()
}
