//! The engine seam: where a plan runs. Local DataFusion today; a Ballista
//! cluster (`df://HOST:PORT`, cargo feature `distributed`) adds a variant.

use crate::JobError;
use datafusion::prelude::SessionContext;
use std::str::FromStr;
use vroeg_pipeline::Engine;

/// The engine named by `--engine`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EngineChoice {
    /// DataFusion in this process.
    #[default]
    Local,
}

impl FromStr for EngineChoice {
    type Err = JobError;

    fn from_str(s: &str) -> Result<Self, JobError> {
        if s == "local" {
            return Ok(EngineChoice::Local);
        }
        if s.starts_with("df://") {
            return Err(JobError::Usage(format!(
                "--engine {s}: this vroeg was built without the Ballista engine; build it with `cargo build --release --features distributed`"
            )));
        }
        Err(JobError::Usage(format!(
            "--engine {s}: use `local` or `df://HOST:PORT`"
        )))
    }
}

impl EngineChoice {
    /// A session for one command, bounded by `engine`'s memory limit.
    pub fn session(&self, engine: &Engine) -> Result<SessionContext, JobError> {
        match self {
            EngineChoice::Local => Ok(vroeg_scoring::session(engine)?),
        }
    }
}

/// The async runtime a command plans and executes in.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, JobError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(JobError::Runtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_is_the_only_engine_without_the_distributed_feature() {
        assert_eq!(
            "local".parse::<EngineChoice>().unwrap(),
            EngineChoice::Local
        );
        let e = "df://localhost:50050".parse::<EngineChoice>().unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--features distributed"), "{e}");
        let e = "spark".parse::<EngineChoice>().unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("use `local` or `df://HOST:PORT`"),
            "{e}"
        );
    }
}
