//! Logs on stderr: human by default, JSON lines for schedulers. Logs carry
//! file names, line numbers and counts, never a value from a row.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber.
pub fn init(format: &str, level: &str) {
    let filter = EnvFilter::try_new(format!(
        "vroeg={level},vroeg_ingest={level},vroeg_store={level},warn"
    ))
    .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    if format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.compact().init();
    }
}
