//! `vroeg register`: arguments and printing; the work is `vroeg_job`'s.

use std::io::Write;
use std::path::PathBuf;
use vroeg_contracts::text::escaped_path;
use vroeg_job::PathOverrides;

/// Arguments of `vroeg register`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg register --pipeline pipelines/zoetermeer.toml --out /tmp/register"
)]
pub struct Args {
    /// The pipeline file (TOML), with a [register] section.
    #[arg(long)]
    pipeline: PathBuf,
    /// Folder for algorithm-register.json and dpia-annex.md (new, empty, or
    /// written by an earlier `vroeg register`).
    #[arg(long)]
    out: PathBuf,
}

/// Runs `vroeg register`: one line per file written.
pub fn run(args: Args) -> anyhow::Result<()> {
    let outcome = vroeg_job::register(&vroeg_job::RegisterRequest {
        pipeline: args.pipeline,
        paths: PathOverrides::default(),
        out: args.out,
    })?;
    let mut out = std::io::stdout().lock();
    for (i, file) in outcome.files.iter().enumerate() {
        if i == 0 {
            writeln!(
                out,
                "wrote {} (methods_and_models {} of 5000 characters)",
                escaped_path(file),
                outcome.methods_and_models_chars
            )?;
        } else {
            writeln!(out, "wrote {}", escaped_path(file))?;
        }
    }
    Ok(())
}
