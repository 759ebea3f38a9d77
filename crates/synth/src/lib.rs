//! Synthetic inboxes: every source of the contract, realistic and
//! deterministic.
//!
//! Each household's character (district, tenure, children, risk profile) and
//! each month's events are drawn from a ChaCha generator seeded by
//! `(seed, household, month)` alone, so the output does not depend on the
//! number of threads: same seed, same bytes. Months are generated one at a
//! time, households in parallel chunks whose rows are concatenated in order.
//!
//! A planted share of households develops multi-domain problems from an
//! onset month on (growing rent arrears, several creditors, a child's
//! absence, a stopped benefit); a larger share has passing single-domain
//! trouble; the rest rarely shows up at all. Outreach outcomes follow the
//! same character: most cases of planted households with trouble in several
//! domains needed help (a quick fix or follow-up), most cases of debts
//! alone or of passing trouble did not, so that a backtest of a synthetic
//! inbox has something true to find.

mod contacts;
mod household;
mod mess;
mod month;
mod school_weekly;

use chrono::{Datelike, Days, NaiveDate};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use thiserror::Error;
use vroeg_contracts::{Dialect, Source};

pub use contacts::{CONTACT_HEADER, write_contacts};
pub use household::Household;
pub use school_weekly::{HOUSEHOLDS_PER_SCHOOL, school_count};

/// How the inbox's deliveries are cut into files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Monthly files per supplier, school absence weekly per attendance
    /// office, a register snapshot every `register_every` months.
    #[default]
    Monthly,
    /// The inbox as municipalities have it: a full register snapshot every
    /// month (whatever `register_every` says) and school absence from every
    /// school, one small file per school per ISO week; every other source as
    /// in [`Shape::Monthly`], byte for byte.
    SchoolWeekly,
}

impl Shape {
    /// Every shape, the default first.
    pub const ALL: [Shape; 2] = [Shape::Monthly, Shape::SchoolWeekly];

    /// The shape's name on the command line (`--shape`).
    pub fn name(self) -> &'static str {
        match self {
            Shape::Monthly => "monthly",
            Shape::SchoolWeekly => "school-weekly",
        }
    }

    /// The shape named `name` (exactly as [`Shape::name`] spells it).
    pub fn from_name(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Shape {
    type Err = String;

    fn from_str(s: &str) -> Result<Shape, String> {
        Shape::from_name(s).ok_or_else(|| {
            let names: Vec<&str> = Shape::ALL.iter().map(|s| s.name()).collect();
            format!(
                "unknown shape \"{}\"; the shapes are {}",
                vroeg_contracts::text::escaped(s),
                names.join(", ")
            )
        })
    }
}

/// What `vroeg synth` should write.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Number of households.
    pub households: u64,
    /// Number of months of deliveries, ending with the last full month on or
    /// before `as_of`.
    pub months: u32,
    /// The seed: same seed and options, same bytes.
    pub seed: u64,
    /// The date the inbox is as of: nothing later is written.
    pub as_of: NaiveDate,
    /// The inbox folder to write (one folder per source).
    pub out: PathBuf,
    /// Add realistic mess: bad rows of every reason, header case and order,
    /// a BOM, an extra column, a correction, a duplicate and a refused file.
    pub mess: bool,
    /// A register snapshot every this many months (counting back from the
    /// last month).
    pub register_every: u32,
    /// Where to write a synthetic contact table of the same households
    /// (beside the inbox, never inside it); `None`: none.
    pub contacts: Option<PathBuf>,
    /// How the deliveries are cut into files; [`Shape::Monthly`] by default.
    pub shape: Shape,
}

/// What was written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SynthSummary {
    /// Delivery files written.
    pub files: u64,
    /// Data rows written.
    pub rows: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Rows of the contact table written (0 when none was asked).
    pub contacts: u64,
}

/// Writing the inbox failed.
#[derive(Debug, Error)]
pub enum SynthError {
    /// A file or folder could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The options cannot produce an inbox.
    #[error("{0}")]
    Options(String),
}

/// The dialect the generator writes each source in; `pipelines/zoetermeer.toml`
/// declares the same. `debt_arrears` comes as a Dutch export: `;`, decimal
/// comma, `dd-mm-yyyy`.
pub fn dialect(source: Source) -> Dialect {
    match source {
        Source::DebtArrears => Dialect::new(";", ",", "%d-%m-%Y").expect("valid dialect"),
        _ => Dialect::default(),
    }
}

/// One delivery file: source, supplier and period name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FileId {
    pub source: Source,
    /// `YYYY-MM` for monthly, `YYYY-MM-DD` for weekly deliveries and register
    /// snapshots.
    pub period: String,
    pub supplier: &'static str,
}

impl FileId {
    pub(crate) fn file_name(&self) -> String {
        format!("{}_{}.csv", self.period, self.supplier)
    }
}

/// The calendar of one generated month.
#[derive(Debug, Clone)]
pub(crate) struct Month {
    /// 0 for the first month.
    pub index: u32,
    pub first: NaiveDate,
    /// The reference date of monthly snapshots: the month's last day.
    pub end: NaiveDate,
    /// Mondays of the month on or before the as-of date.
    pub mondays: Vec<NaiveDate>,
    /// Whether a register snapshot is delivered this month.
    pub register: bool,
}

fn months(opts: &SynthOptions) -> Vec<Month> {
    let t = opts.as_of;
    let next_first = |d: NaiveDate| {
        let (y, m) = if d.month() == 12 {
            (d.year() + 1, 1)
        } else {
            (d.year(), d.month() + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("first of month")
    };
    let mut first = NaiveDate::from_ymd_opt(t.year(), t.month(), 1).expect("first of month");
    if next_first(first) - Days::new(1) > t {
        first = (first - Days::new(1)).with_day(1).expect("first of month");
    }
    let mut firsts = vec![first];
    for _ in 1..opts.months {
        let prev = (firsts[firsts.len() - 1] - Days::new(1))
            .with_day(1)
            .expect("first of month");
        firsts.push(prev);
    }
    firsts.reverse();
    let n = firsts.len() as u32;
    firsts
        .into_iter()
        .enumerate()
        .map(|(i, first)| {
            let end = next_first(first) - Days::new(1);
            let mondays = first
                .iter_days()
                .take_while(|d| *d <= end && *d <= t)
                .filter(|d| d.weekday() == chrono::Weekday::Mon)
                .collect();
            let index = i as u32;
            Month {
                index,
                first,
                end,
                mondays,
                register: (n - 1 - index).is_multiple_of(opts.register_every.max(1)),
            }
        })
        .collect()
}

/// Households per parallel task.
const CHUNK: u64 = 8192;

/// The most households `vroeg synth` writes (the Netherlands has about 8
/// million).
pub const MAX_HOUSEHOLDS: u64 = 100_000_000;
/// The most months `vroeg synth` writes.
pub const MAX_MONTHS: u32 = 600;

/// Writes a synthetic inbox.
pub fn synthesize(opts: &SynthOptions) -> Result<SynthSummary, SynthError> {
    if opts.households == 0 || opts.months == 0 {
        return Err(SynthError::Options(
            "--households and --months must be at least 1".into(),
        ));
    }
    if opts.households > MAX_HOUSEHOLDS || opts.months > MAX_MONTHS {
        return Err(SynthError::Options(format!(
            "--households is at most {MAX_HOUSEHOLDS} and --months at most {MAX_MONTHS} (50 years)"
        )));
    }
    if opts.register_every == 0 {
        return Err(SynthError::Options(
            "--register-every must be at least 1 (a snapshot every N months)".into(),
        ));
    }
    let first = chrono::NaiveDate::from_ymd_opt(1900 + MAX_MONTHS as i32 / 12, 1, 1);
    if first.is_some_and(|f| opts.as_of < f) {
        return Err(SynthError::Options(format!(
            "--as-of must be on or after {} so that every delivery is dated after 1900",
            first.map(|f| f.to_string()).unwrap_or_default()
        )));
    }
    if let Some(c) = &opts.contacts {
        check_contacts_place(c, &opts.out)?;
    }
    if opts.shape == Shape::SchoolWeekly {
        return school_weekly::synthesize(opts);
    }
    let months = months(opts);
    let mut summary = SynthSummary::default();
    for source in Source::ALL {
        let dir = opts.out.join(source.name());
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    }
    let chunks: Vec<u64> = (0..opts.households.div_ceil(CHUNK)).collect();
    for month in &months {
        let parts: Vec<BTreeMap<FileId, String>> = chunks
            .par_iter()
            .map(|c| {
                let lo = c * CHUNK;
                let hi = (lo + CHUNK).min(opts.households);
                month::rows(opts, month, lo..hi)
            })
            .collect();
        let mut files: BTreeMap<FileId, String> = BTreeMap::new();
        for part in parts {
            for (id, rows) in part {
                files.entry(id).or_default().push_str(&rows);
            }
        }
        for id in month::expected_files(month) {
            files.entry(id).or_default();
        }
        for (id, rows) in files {
            let mut deliveries = vec![(id.file_name(), render(&id, &rows))];
            if opts.mess {
                mess::apply(opts, month, months.len() as u32, &id, &mut deliveries);
            }
            for (name, body) in deliveries {
                let path = opts.out.join(id.source.name()).join(name);
                summary.rows += body.iter().filter(|b| **b == b'\n').count() as u64 - 1;
                summary.bytes += body.len() as u64;
                summary.files += 1;
                fs::write(&path, &body).map_err(|e| io(&path, e))?;
            }
        }
    }
    if let Some(c) = &opts.contacts {
        summary.contacts = contacts::write_contacts(opts, c)?;
    }
    Ok(summary)
}

/// The contact table is a new file beside the inbox: its folder exists,
/// the file does not, and it is not inside the inbox (links and `..`
/// resolved). Checked before anything is written.
fn check_contacts_place(contacts: &Path, inbox: &Path) -> Result<(), SynthError> {
    let refuse = |why: &str| {
        Err(SynthError::Options(format!(
            "--contacts {}: {why}",
            vroeg_contracts::text::escaped_path(contacts)
        )))
    };
    if fs::symlink_metadata(contacts).is_ok() {
        return refuse(
            "it exists; remove it or choose another name (a contact table is never replaced)",
        );
    }
    let folder = contacts
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(folder) = folder.canonicalize() else {
        return refuse("its folder does not exist; create it first");
    };
    let mut inbox_real = inbox.to_path_buf();
    if let Ok(real) = inbox.canonicalize() {
        inbox_real = real;
    } else if let Some(parent) = inbox.parent().filter(|p| !p.as_os_str().is_empty())
        && let (Ok(parent), Some(name)) = (parent.canonicalize(), inbox.file_name())
    {
        inbox_real = parent.join(name);
    }
    let table = folder.join(contacts.file_name().unwrap_or_default());
    if folder.starts_with(&inbox_real) || table == inbox_real {
        return refuse(
            "it would be inside the inbox; write it beside the inbox (no supplier delivery holds addresses)",
        );
    }
    Ok(())
}

/// The header line and rows of a file, in the source's dialect.
fn render(id: &FileId, rows: &str) -> Vec<u8> {
    let d = char::from(dialect(id.source).delimiter).to_string();
    let header: Vec<&str> = id
        .source
        .contract()
        .columns
        .iter()
        .map(|c| c.name)
        .collect();
    let mut out = header.join(&d);
    out.push('\n');
    out.push_str(rows);
    out.into_bytes()
}

pub(crate) fn io(path: &Path, source: std::io::Error) -> SynthError {
    SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(out: &Path) -> SynthOptions {
        SynthOptions {
            households: 3000,
            months: 4,
            seed: 7,
            as_of: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
            out: out.to_path_buf(),
            mess: true,
            register_every: 2,
            contacts: None,
            shape: Shape::Monthly,
        }
    }

    fn read_all(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut m = BTreeMap::new();
        for s in Source::ALL {
            for e in fs::read_dir(dir.join(s.name())).unwrap() {
                let p = e.unwrap().path();
                m.insert(
                    format!("{}/{}", s.name(), p.file_name().unwrap().to_string_lossy()),
                    fs::read(p).unwrap(),
                );
            }
        }
        m
    }

    #[test]
    fn same_seed_same_bytes_and_another_seed_differs() {
        for shape in Shape::ALL {
            let (a, b, c) = (
                tempfile::tempdir().unwrap(),
                tempfile::tempdir().unwrap(),
                tempfile::tempdir().unwrap(),
            );
            let with = |dir: &Path| SynthOptions {
                shape,
                // two schools in the school-weekly shape
                households: if shape == Shape::Monthly {
                    3000
                } else {
                    11_000
                },
                ..opts(dir)
            };
            let first = synthesize(&with(a.path())).unwrap();
            // another number of threads, the same bytes
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(3)
                .build()
                .unwrap();
            let second = pool.install(|| synthesize(&with(b.path()))).unwrap();
            let mut o = with(c.path());
            o.seed = 8;
            synthesize(&o).unwrap();
            assert_eq!(first, second, "{shape}");
            assert_eq!(read_all(a.path()), read_all(b.path()), "{shape}");
            assert_ne!(read_all(a.path()), read_all(c.path()), "{shape}");
        }
    }

    #[test]
    fn planted_households_need_help_more_often_than_passing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(dir.path());
        o.months = 24;
        o.mess = false;
        synthesize(&o).unwrap();
        // 0: not planted; 1: planted with a landlord (rent arrears besides
        // debts: trouble in several domains); 2: other planted households
        // (debts alone unless a child is of school age), left out
        let profiles: BTreeMap<String, usize> = (0..o.households)
            .map(|i| {
                let h = Household::generate(o.seed, i, o.months);
                let class = match (h.profile, h.landlord) {
                    (household::Profile::Planted { .. }, Some(_)) => 1,
                    (household::Profile::Planted { .. }, None) => 2,
                    _ => 0,
                };
                (h.key, class)
            })
            .collect();
        // (needed help, cases) per class
        let mut tally = [(0u32, 0u32); 3];
        for (name, bytes) in read_all(dir.path()) {
            if !name.starts_with("outreach_outcomes/") {
                continue;
            }
            for line in String::from_utf8(bytes).unwrap().lines().skip(1) {
                let cells: Vec<&str> = line.split(',').collect();
                let t = &mut tally[profiles[cells[0]]];
                t.1 += 1;
                if vroeg_contracts::sources::NEEDED_HELP.contains(&cells[3]) {
                    t.0 += 1;
                }
            }
        }
        let share = |(k, n): (u32, u32)| f64::from(k) / f64::from(n);
        let (passing, planted) = (tally[0], tally[1]);
        assert!(planted.1 >= 20 && passing.1 >= 50, "{tally:?}");
        // six in eight and two in eight, give or take the draw
        assert!(share(planted) > 0.6, "{tally:?}");
        assert!(share(passing) < 0.4, "{tally:?}");
    }

    #[test]
    fn calendar_ends_with_the_last_full_month() {
        let mut o = opts(Path::new("/nonexistent"));
        o.as_of = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let m = months(&o);
        assert_eq!(m.len(), 4);
        assert_eq!(m[3].end, NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
        assert_eq!(m[0].first, NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(m[3].mondays.len(), 4);
        assert!(m[3].register && !m[2].register && m[1].register);
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    /// The committed sample inbox (and contact table) are the default
    /// shape's bytes, made as its README says: a shape added must leave
    /// them alone.
    #[test]
    fn the_sample_inbox_is_the_monthly_shape() {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data");
        let dir = tempfile::tempdir().unwrap();
        let o = SynthOptions {
            households: 3000,
            months: 24,
            seed: 42,
            as_of: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
            out: dir.path().join("inbox"),
            mess: true,
            register_every: 6,
            contacts: Some(dir.path().join("contacts.csv")),
            shape: Shape::default(),
        };
        synthesize(&o).unwrap();
        let mut differ = Vec::new();
        let mut n = 0;
        for s in Source::ALL {
            let mut names: Vec<_> = fs::read_dir(o.out.join(s.name()))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            let mut theirs: Vec<_> = fs::read_dir(sample.join("inbox").join(s.name()))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            theirs.sort();
            assert_eq!(names, theirs, "{}", s.name());
            for name in names {
                n += 1;
                let a = fs::read(o.out.join(s.name()).join(&name)).unwrap();
                let b = fs::read(sample.join("inbox").join(s.name()).join(&name)).unwrap();
                if a != b {
                    differ.push(name);
                }
            }
        }
        assert!(differ.is_empty(), "{differ:?}");
        assert!(n > 700, "{n} files");
        assert_eq!(
            fs::read(dir.path().join("contacts.csv")).unwrap(),
            fs::read(sample.join("contacts.csv")).unwrap()
        );
    }
}
