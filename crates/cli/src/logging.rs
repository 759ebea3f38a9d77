//! Logs on stderr: human by default, JSON lines for schedulers. Logs carry
//! file names, line numbers and counts, never a value from a row. The level
//! is a level name only (no filter directives), and applies to vroeg's own
//! crates: libraries log warnings only, so no `--log-level` can enable a
//! dependency's debug output (Parquet's debug output prints statistics,
//! which hold household keys).

use tracing_subscriber::EnvFilter;

/// The level names `--log-level` accepts.
pub const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// vroeg's own log targets.
const TARGETS: [&str; 11] = [
    "vroeg",
    "vroeg_contracts",
    "vroeg_ingest",
    "vroeg_store",
    "vroeg_pipeline",
    "vroeg_scoring",
    "vroeg_outputs",
    "vroeg_report",
    "vroeg_synth",
    "vroeg_job",
    "vroeg_outreach",
];

/// Installs the global subscriber; `level` is one of [`LEVELS`].
pub fn init(format: &str, level: &str) {
    let level = LEVELS.iter().find(|l| **l == level).unwrap_or(&"info");
    let mut directives: Vec<String> = TARGETS.iter().map(|t| format!("{t}={level}")).collect();
    directives.push("warn".into());
    let filter = EnvFilter::builder()
        .with_regex(false)
        .parse_lossy(directives.join(","));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| AboveTheBar)
        .with_target(false);
    if format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.compact().init();
    }
}

/// stderr, with the progress bar out of the way while a line is written.
struct AboveTheBar;

impl std::io::Write for AboveTheBar {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        crate::progress::suspend(|| std::io::stderr().write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
