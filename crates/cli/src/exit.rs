//! Errors at the edge: context for people, and the documented exit codes.

use std::io::Write;
use std::process::ExitCode;

/// A failed command with the exit code it maps to.
#[derive(Debug)]
pub enum Failure {
    /// Usage or pipeline-file error: exit 2.
    Usage(anyhow::Error),
    /// The inbox or the store cannot be read at all: exit 3.
    Unreadable(anyhow::Error),
    /// Anything else: exit 1.
    Other(anyhow::Error),
}

impl Failure {
    /// Prints the error chain on stderr and returns the exit code.
    pub fn report(self) -> ExitCode {
        let (code, err) = match self {
            Failure::Usage(e) => (2, e),
            Failure::Unreadable(e) => (3, e),
            Failure::Other(e) => (1, e),
        };
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "vroeg: error: {err}");
        for cause in err.chain().skip(1) {
            let _ = writeln!(stderr, "  caused by: {cause}");
        }
        ExitCode::from(code)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

/// Result of a subcommand.
pub type Outcome = Result<(), Failure>;
