//! The harness shared by the binary's integration tests: a temporary project
//! folder with a pipeline file and an inbox, and the `vroeg` binary run in it.
#![allow(dead_code)] // each test file uses a part of it

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

/// The header of a `rent_arrears` delivery.
pub const RENT: &str = "household_key,reference_date,landlord_code,arrears_eur,monthly_rent_eur,oldest_unpaid_date,payment_plan\n";

/// A temporary project: a pipeline file, an inbox, and later a store.
pub struct Project {
    dir: TempDir,
    pipeline: String,
}

impl Project {
    /// A project whose pipeline file `name` holds `text`.
    pub fn with_pipeline(name: &str, text: &str) -> Self {
        let p = Project {
            dir: tempfile::tempdir().unwrap(),
            pipeline: name.to_string(),
        };
        fs::write(p.path(name), text).unwrap();
        fs::create_dir_all(p.path("inbox")).unwrap();
        p
    }

    /// A path inside the project.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a delivery into the inbox folder of `source`.
    pub fn deliver(&self, source: &str, name: &str, body: &str) {
        let d = self.path("inbox").join(source);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join(name), body).unwrap();
    }

    /// Runs `vroeg` in the project folder with extra environment variables.
    pub fn vroeg_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vroeg"));
        cmd.args(args).current_dir(self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// Runs `vroeg` in the project folder.
    pub fn vroeg(&self, args: &[&str]) -> Output {
        self.vroeg_env(args, &[])
    }

    /// Runs `vroeg run` with the project's pipeline at `as_of`, `extra`
    /// flags added.
    pub fn run_at(&self, as_of: &str, extra: &[&str]) -> Output {
        let mut args = vec!["run", "--pipeline", &self.pipeline, "--as-of", as_of];
        args.extend_from_slice(extra);
        self.vroeg(&args)
    }

    /// Runs `vroeg explain` with the project's pipeline at `as_of`.
    pub fn explain_at(&self, as_of: &str, household: &str) -> Output {
        self.vroeg(&[
            "explain",
            "--pipeline",
            &self.pipeline,
            "--as-of",
            as_of,
            "--household",
            household,
        ])
    }

    /// Runs `vroeg synth` as of 2026-10-31 into the folder `out`.
    pub fn synth(
        &self,
        households: &str,
        months: &str,
        seed: &str,
        out: &str,
        mess: bool,
    ) -> Output {
        let mut args = vec![
            "synth",
            "--households",
            households,
            "--months",
            months,
            "--seed",
            seed,
            "--as-of",
            "2026-10-31",
            "--out",
            out,
        ];
        if mess {
            args.push("--mess");
        }
        self.vroeg(&args)
    }

    /// Runs `vroeg ingest` with the project's pipeline.
    pub fn ingest(&self, env: &[(&str, &str)]) -> Output {
        self.vroeg_env(&["ingest", "--pipeline", &self.pipeline], env)
    }
}

/// Every file below `dir`, appended to `out`.
pub fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Standard output and standard error of a run, together.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A project with a copy of pipelines/zoetermeer.toml whose paths point
/// inside it (`inbox`, `store`, `out`), `edit` applied to its text.
pub fn zoetermeer(edit: impl Fn(String) -> String) -> Project {
    let shipped = fs::read_to_string(repo("pipelines/zoetermeer.toml")).unwrap();
    let text = shipped
        .replace("../sample-data/inbox", "inbox")
        .replace("../store/zoetermeer", "store")
        .replace("../notebooks-out/zoetermeer", "out");
    Project::with_pipeline("zoetermeer.toml", &edit(text))
}

/// A path in the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// How `.ci/test` says to get the browser and notebook tools.
const INSTALL: &str = "run `.ci/test` once: it installs Debian's chromium and the notebook's Python packages (into target/py)";

/// Debian's Chromium: `$VROEG_CHROMIUM` or `/usr/bin/chromium`.
pub fn chromium() -> PathBuf {
    let path = std::env::var_os("VROEG_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "no Chromium at {}: {INSTALL}",
        path.display()
    );
    path
}

/// The Python with polars, nbclient and ipykernel: `$VROEG_PYTHON`, else
/// `target/py/bin/python` when `.ci/test` made it, else `python3`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VROEG_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo("target/py/bin/python");
    let python = if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    };
    let ok = Command::new(&python)
        .args([
            "-c",
            "import polars, nbclient, nbformat, ipykernel, matplotlib",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{} lacks polars, nbclient, nbformat, ipykernel or matplotlib: {INSTALL}",
        python.display()
    );
    python
}

/// Headless Chromium on a local page, as the machine's notes say it must be
/// started (no network, no first-run work). Returns stdout and the lines
/// Chromium logged from the page's console.
pub fn chromium_on(page: &Path, args: &[&str]) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium: {}", text(&out));
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}
