//! The progress bar on a terminal: files, rows and bytes of an ingest with
//! its rate, then a spinner with the stage of a run. Off when stderr is not
//! a terminal or logs are JSON (schedulers read stderr). Log lines are
//! printed above the bar, never through it ([`suspend`]).

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use vroeg_ingest::Progress;
use vroeg_job::progress::Observer;

static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// Installs the bar when stderr is a terminal and `log_format` is human.
pub fn init(log_format: &str) {
    if log_format == "json" || !std::io::stderr().is_terminal() {
        return;
    }
    let multi = BARS.get_or_init(MultiProgress::new);
    vroeg_job::progress::install(Box::new(Bar {
        multi: multi.clone(),
        bar: Mutex::new(None),
        files: AtomicU64::new(0),
        total_files: AtomicU64::new(0),
        rows: AtomicU64::new(0),
    }));
}

/// Runs `f` (writing a log line) with the bar out of the way.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    match BARS.get() {
        Some(m) => m.suspend(f),
        None => f(),
    }
}

/// Clears the bar (at exit, after an error too).
pub fn clear() {
    if let Some(m) = BARS.get() {
        let _ = m.clear();
    }
}

struct Bar {
    multi: MultiProgress,
    bar: Mutex<Option<ProgressBar>>,
    files: AtomicU64,
    total_files: AtomicU64,
    rows: AtomicU64,
}

impl Bar {
    /// Clears the current bar or spinner and shows `next` in its place.
    fn replace(&self, next: Option<ProgressBar>) {
        if let Ok(mut bar) = self.bar.lock() {
            if let Some(old) = bar.take() {
                old.finish_and_clear();
                self.multi.remove(&old);
            }
            *bar = next;
        }
    }

    fn with(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(bar) = self.bar.lock()
            && let Some(b) = bar.as_ref()
        {
            f(b);
        }
    }

    fn message(&self) -> String {
        format!(
            "{}/{} files {} rows",
            self.files.load(Ordering::Relaxed),
            self.total_files.load(Ordering::Relaxed),
            self.rows.load(Ordering::Relaxed)
        )
    }
}

impl Progress for Bar {
    fn start(&self, files: u64, bytes: u64) {
        if files == 0 {
            return;
        }
        self.total_files.store(files, Ordering::Relaxed);
        let bar = self.multi.add(ProgressBar::new(bytes));
        let style = ProgressStyle::with_template(
            "ingest [{bar:20}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(self.message());
        bar.enable_steady_tick(Duration::from_millis(200));
        self.replace(Some(bar));
    }

    fn delivery(&self, rows: u64, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.rows.fetch_add(rows, Ordering::Relaxed);
        let message = self.message();
        self.with(|b| {
            b.inc(bytes);
            b.set_message(message);
        });
    }

    fn finish(&self) {
        self.replace(None);
    }
}

impl Observer for Bar {
    fn stage(&self, what: &str) {
        let spinner = self.multi.add(ProgressBar::new_spinner());
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.set_message(what.to_string());
        spinner.enable_steady_tick(Duration::from_millis(120));
        self.replace(Some(spinner));
    }

    fn done(&self) {
        self.replace(None);
    }
}
