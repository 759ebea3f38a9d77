//! The backtest's tables as CSV, one file per table, exact counts (for
//! analysts, who load them in polars): the dates, the period per grouping,
//! and fairness per date and district. Cells a spreadsheet would run as a
//! formula are defused as in `signals.csv`.

use crate::backtest::{Backtest, DateLine, GroupLine};
use crate::wilson::Share;
use vroeg_contracts::sources::OUTCOMES;
use vroeg_contracts::text::spreadsheet_safe;
use vroeg_report::fairness::{DistrictRate, Flag};

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn share_cells(s: &Option<Share>) -> [String; 4] {
    match s {
        Some(s) => [
            s.k.to_string(),
            format!("{:.4}", s.share),
            format!("{:.4}", s.low),
            format!("{:.4}", s.high),
        ],
        None => Default::default(),
    }
}

fn ratio(v: Option<f64>) -> String {
    v.map(|r| format!("{r:.4}")).unwrap_or_default()
}

/// A table as CSV with `\n` line ends, every cell defused.
pub fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut all =
        std::iter::once(header.iter().map(|h| h.to_string()).collect::<Vec<_>>()).chain(rows);
    all.try_for_each(|r| w.write_record(r.iter().map(|c| spreadsheet_safe(c).into_owned())))
        .expect("writing CSV to memory");
    w.into_inner().expect("writing CSV to memory")
}

/// `backtest.csv`: one line per as-of date.
pub fn dates(lines: &[DateLine]) -> Vec<u8> {
    table(
        &[
            "as_of",
            "eligible",
            "listed",
            "still_listed",
            "outcomes_known",
            "reached",
            "needed_help",
            "needed_help_share",
            "needed_help_low",
            "needed_help_high",
            "median_days_to_outcome",
        ],
        lines.iter().map(|l| {
            let [k, share, low, high] = share_cells(&l.needed_help);
            vec![
                l.as_of.clone(),
                l.eligible.to_string(),
                l.listed.to_string(),
                opt(l.still_listed),
                l.outcomes_known.to_string(),
                l.reached.to_string(),
                k,
                share,
                low,
                high,
                opt(l.median_days_to_outcome),
            ]
        }),
    )
}

/// `backtest-<grouping>.csv`: the period's line per group, with one
/// column per outcome class of the contract.
pub fn groups(lines: &[GroupLine]) -> Vec<u8> {
    let mut header = vec![
        "group",
        "listed",
        "previously_listed",
        "still_listed",
        "outcomes_known",
        "reached",
        "needed_help",
        "needed_help_share",
        "needed_help_low",
        "needed_help_high",
        "median_days_to_outcome",
    ];
    header.extend(OUTCOMES.iter().copied());
    table(
        &header,
        lines.iter().map(|l| {
            let [k, share, low, high] = share_cells(&l.needed_help);
            let mut row = vec![
                l.group.clone(),
                l.listed.to_string(),
                opt(l.previously_listed),
                opt(l.still_listed),
                l.outcomes_known.to_string(),
                l.reached.to_string(),
                k,
                share,
                low,
                high,
                opt(l.median_days_to_outcome),
            ];
            row.extend(
                OUTCOMES
                    .iter()
                    .map(|c| l.outcomes.get(*c).copied().unwrap_or(0).to_string()),
            );
            row
        }),
    )
}

fn flag(f: Flag) -> &'static str {
    match f {
        Flag::Below => "below",
        Flag::Within => "within",
        Flag::Above => "above",
        Flag::Unknown => "unknown",
    }
}

/// `backtest-fairness.csv`: one line per as-of date and register district.
pub fn fairness(b: &Backtest) -> Vec<u8> {
    table(
        &[
            "as_of",
            "district",
            "register_households",
            "listed",
            "listed_rate",
            "ratio",
            "ratio_low",
            "ratio_high",
            "flag",
        ],
        b.dates.iter().flat_map(|d| {
            d.fairness.iter().map(|r: &DistrictRate| {
                vec![
                    d.as_of.clone(),
                    r.district.clone(),
                    r.register_households.to_string(),
                    r.listed.to_string(),
                    r.listed_rate.map(|v| format!("{v:.6}")).unwrap_or_default(),
                    ratio(r.ratio),
                    ratio(r.ratio_low),
                    ratio(r.ratio_high),
                    flag(r.flag).to_string(),
                ]
            })
        }),
    )
}

/// The CSV files of a backtest: the dates, the period per grouping (in
/// the order of [`GROUPINGS`](crate::backtest::GROUPINGS)), fairness.
pub const FILES: [&str; 6] = [
    "backtest.csv",
    "backtest-rule.csv",
    "backtest-score_band.csv",
    "backtest-domains.csv",
    "backtest-district.csv",
    "backtest-fairness.csv",
];

/// Every CSV file of a backtest, by name ([`FILES`]).
pub fn files(b: &Backtest) -> Vec<(&'static str, Vec<u8>)> {
    let mut out = vec![(FILES[0], dates(&b.dates))];
    for (grouping, name) in crate::backtest::GROUPINGS.iter().zip(&FILES[1..5]) {
        let lines = b
            .period
            .groups
            .get(*grouping)
            .map_or(&[][..], Vec::as_slice);
        out.push((*name, groups(lines)));
    }
    out.push((FILES[5], fairness(b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_defused() {
        let line = GroupLine {
            group: "=HYPERLINK(\"x\")".into(),
            listed: 3,
            previously_listed: None,
            still_listed: None,
            outcomes_known: 2,
            reached: 1,
            outcomes: [("quick_fix".to_string(), 1)].into(),
            needed_help: crate::wilson::wilson(1, 2),
            median_days_to_outcome: Some(12.5),
        };
        let text = String::from_utf8(groups(&[line])).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert!(
            header.starts_with("group,listed,previously_listed,"),
            "{header}"
        );
        assert_eq!(header.split(',').count(), 11 + OUTCOMES.len());
        let row = lines.next().unwrap();
        assert!(
            row.starts_with("\"'=HYPERLINK(\"\"x\"\")\",3,,,2,1,1,0.5000,"),
            "{row}"
        );
        assert!(row.contains(",12.5,"), "{row}");
        let quick = OUTCOMES.iter().position(|c| *c == "quick_fix").unwrap();
        assert_eq!(row.rsplit(',').nth(OUTCOMES.len() - 1 - quick), Some("1"));
    }
}
