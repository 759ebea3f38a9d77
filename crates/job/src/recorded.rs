//! What reveal and export read: runs the store recorded, read again as they
//! were. A run is used only when its history is complete (recorded by a
//! vroeg that keeps totals, districts and the ledger position) and its rule
//! set is the pipeline file's: the published rules are all that decides
//! who is revealed or sent. Its rows are read from the store as the run saw
//! it, up to the last delivery it read, so a later delivery or correction
//! changes no export of an earlier run.

use crate::JobError;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;
use vroeg_contracts::text::escaped;
use vroeg_pipeline::{Pipeline, RuleSet};
use vroeg_store::{ReadOnlyStore, RunRecord, StoreView};

/// The last recorded run of `pipeline` at each as-of date in [from, to].
pub(crate) fn runs_between(
    runs: &[RunRecord],
    pipeline: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<RunRecord> {
    let (from, to) = (from.to_string(), to.to_string());
    let mut last: BTreeMap<&str, &RunRecord> = BTreeMap::new();
    for r in runs
        .iter()
        .filter(|r| r.pipeline == pipeline && r.as_of >= from && r.as_of <= to)
    {
        let kept = last.entry(r.as_of.as_str()).or_insert(r);
        if r.seq > kept.seq {
            *kept = r;
        }
    }
    last.into_values().cloned().collect()
}

/// Refuses a run that cannot be read again as it was, or that scored with
/// other rules than the pipeline file's.
pub(crate) fn check_usable(run: &RunRecord, rs: &RuleSet) -> Result<(), JobError> {
    if run.last_delivery.is_none() {
        return Err(JobError::NoRecordedRun(format!(
            "run {} ({}) was recorded by an older vroeg that kept no districts, totals or ledger position; run `vroeg run --as-of {}` again",
            run.run_id, run.as_of, run.as_of
        )));
    }
    if run.rule_set_sha256 != rs.sha256() {
        return Err(JobError::Usage(format!(
            "run {} ({}) scored with other rules (rule set {}) than the pipeline file has now ({}): use the pipeline file that run used, or run the date again",
            run.run_id,
            run.as_of,
            short(&run.rule_set_sha256),
            short(&rs.sha256())
        )));
    }
    Ok(())
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The store as `run` read it: every delivery up to the last it read.
pub(crate) fn view_as_run(store: &ReadOnlyStore, run: &RunRecord) -> Result<StoreView, JobError> {
    let last = run.last_delivery.unwrap_or(0);
    let ledger: Vec<_> = store
        .ledger()
        .iter()
        .filter(|e| e.seq <= last)
        .cloned()
        .collect();
    Ok(StoreView::from_ledger(store.root(), &ledger)?)
}

/// The longest reason kept in the audit log.
const MAX_REASON: usize = 500;

/// A reason fit for the audit log: given, one line, at most 500 characters,
/// and holding nothing that looks like who it is about: a citizen service
/// number, a phone number or key (8 or more digits, also when grouped by
/// spaces, dots or hyphens; dates are allowed), a household key, a postcode,
/// an e-mail address, or digits other than 0-9. The log says why, never who.
pub(crate) fn check_reason(reason: &str) -> Result<(), JobError> {
    let refuse = |why: &str| Err(JobError::Usage(format!("--reason: {why}")));
    if reason.trim().is_empty() {
        return refuse("say why the addresses are needed; it is kept in the audit log");
    }
    if reason.chars().count() > MAX_REASON {
        return refuse("at most 500 characters");
    }
    if reason
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return refuse("one line of text, without control characters");
    }
    let who = "; the audit log says why, never who: leave out numbers, codes and addresses";
    if reason
        .chars()
        .any(|c| c.is_numeric() && !c.is_ascii_digit())
    {
        return refuse(&format!("it holds digits other than 0-9{who}"));
    }
    if reason.contains('@') {
        return refuse(&format!("it holds an e-mail address{who}"));
    }
    let chars: Vec<char> = without_dates(reason).chars().collect();
    if longest_number(&chars) >= 8 {
        return refuse(&format!(
            "it holds a long number (a citizen service number, phone number or key?){who}"
        ));
    }
    for w in reason.split(|c: char| !c.is_ascii_alphanumeric()) {
        if w.len() >= 32 && w.bytes().all(|b| b.is_ascii_hexdigit()) {
            return refuse(&format!("it holds a household key{who}"));
        }
    }
    if has_postcode(&chars) {
        return refuse(&format!("it holds a postcode{who}"));
    }
    Ok(())
}

/// The text with `YYYY-MM-DD` and `YYYY-MM` dates blanked out.
fn without_dates(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let digits = |from: usize, n: usize| {
        (from..from + n).all(|j| b.get(j).is_some_and(char::is_ascii_digit))
    };
    let bounded = |j: usize| b.get(j).is_none_or(|c| !c.is_ascii_alphanumeric());
    while i < b.len() {
        let start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if start && digits(i, 4) && b.get(i + 4) == Some(&'-') && digits(i + 5, 2) {
            let len = if b.get(i + 7) == Some(&'-') && digits(i + 8, 2) {
                10
            } else {
                7
            };
            if bounded(i + len) {
                out.push(' ');
                i += len;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The most digits in one number, counting digits grouped by one space,
/// dot or hyphen as one number (`123 456 782`, `06-12345678`).
fn longest_number(chars: &[char]) -> usize {
    let (mut best, mut run) = (0, 0);
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            run += 1;
            best = best.max(run);
        } else if matches!(c, ' ' | '.' | '-')
            && run > 0
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            continue;
        } else {
            run = 0;
        }
    }
    best
}

/// A Dutch postcode: 4 digits (not starting with 0), maybe one space, two
/// letters, standing alone.
fn has_postcode(chars: &[char]) -> bool {
    let alone = |j: Option<&char>| j.is_none_or(|c| !c.is_ascii_alphanumeric());
    (0..chars.len()).any(|i| {
        let digits = (i..i + 4).all(|j| chars.get(j).is_some_and(char::is_ascii_digit));
        if !digits || chars[i] == '0' || (i > 0 && !alone(chars.get(i - 1))) {
            return false;
        }
        let at = if chars.get(i + 4) == Some(&' ') {
            i + 5
        } else {
            i + 4
        };
        (at..at + 2).all(|j| chars.get(j).is_some_and(char::is_ascii_alphabetic))
            && alone(chars.get(at + 2))
    })
}

/// Refuses an `--out` inside the pipeline's inbox, store or out folder
/// (as overridden on the command line, and as the pipeline file names
/// them): addresses go to a file of their own, never among deliveries or
/// outputs.
pub(crate) fn check_out_place(out: &Path, p: &Pipeline) -> Result<(), JobError> {
    let folder = out
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match pipeline_folder_holding(folder, p)? {
        Some(what) => Err(JobError::Usage(format!(
            "--out {}: it is inside the pipeline's {what}; write addresses to a place of their own",
            escaped(&out.to_string_lossy())
        ))),
        None => Ok(()),
    }
}

/// Which of the pipeline's folders (inbox, store, out: as overridden on
/// the command line and as the pipeline file names them) holds `path`, an
/// existing folder (links and `..` resolved); `None` when none does or it
/// cannot be resolved.
pub(crate) fn pipeline_folder_holding(
    path: &Path,
    p: &Pipeline,
) -> Result<Option<&'static str>, JobError> {
    let Ok(real) = path.canonicalize() else {
        return Ok(None);
    };
    let named = Pipeline::load(&p.file)?;
    let places = [
        ("inbox", &p.inbox),
        ("store", &p.store),
        ("out folder", &p.out),
        ("inbox", &named.inbox),
        ("store", &named.store),
        ("out folder", &named.out),
    ];
    Ok(places
        .into_iter()
        .find(|(_, place)| {
            place
                .canonicalize()
                .is_ok_and(|place| real.starts_with(place))
        })
        .map(|(what, _)| what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_that_could_name_someone_are_refused() {
        for good in [
            "worklist november",
            "monthly worklist 2026-10, team noord",
            "run of 2026-10-31, 3 teams, 115 households",
            "quarter 2026 Q3 delivery",
            "follow-up 2",
        ] {
            assert!(check_reason(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "   ",
            "visit 123456782 first",
            "bsn 123 456 782",
            "bsn 1234.56.782",
            "bsn 12345678",
            "bsn 0123456782",
            "bsn １２３４５６７８２",
            "tel 06-00002572",
            "mail bewoner2025@example.invalid",
            "follow up a62c764e82f38b31764b412d5bb6a36b8ab2ece078d57a8a2af414722de1da1f",
            "family at 2711AB",
            "pc 2711 AB",
            "pc 2711ab",
            "two\nlines",
            "two\u{2028}lines",
            &"x".repeat(501),
        ] {
            let e = check_reason(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
            assert!(!e.to_string().contains("123456782"), "{e}");
        }
    }

    fn run(as_of: &str, seq: u64) -> RunRecord {
        RunRecord {
            seq,
            run_id: format!("r{seq}"),
            pipeline: "z".into(),
            as_of: as_of.into(),
            rule_set_sha256: String::new(),
            finished_at: String::new(),
            listed: 0,
            last_delivery: Some(1),
            reads_from: None,
            out_dir: None,
        }
    }

    #[test]
    fn a_rerun_replaces_the_run_of_its_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let runs = [
            run("2026-09-30", 1),
            run("2026-10-31", 2),
            run("2026-10-31", 3),
            run("2026-11-30", 4),
        ];
        let got: Vec<u64> = runs_between(&runs, "z", d("2026-09-01"), d("2026-10-31"))
            .iter()
            .map(|r| r.seq)
            .collect();
        assert_eq!(got, [1, 3]);
        assert!(runs_between(&runs, "other", d("2026-01-01"), d("2026-12-31")).is_empty());
    }
}
