//! `--param NAME=FROM..TO/STEP`: the values of a sweep, stepped exactly in
//! decimal (0.1 + 0.2 is 0.3 here), and one line of results per value.

use crate::PolicyError;
use serde::Serialize;
use std::collections::BTreeMap;

/// The most values one sweep may have.
pub const MAX_VALUES: usize = 1000;

/// A parsed `--param`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sweep {
    /// The name as given (for `--set`).
    pub name: String,
    /// The values, as decimal text, from FROM up to TO.
    pub values: Vec<String>,
}

/// A decimal as an integer count of `10^-scale`.
fn scaled(text: &str, scale: u32) -> Option<i128> {
    let (neg, t) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 15 {
        return None;
    }
    if frac.len() as u32 > scale || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i128 = whole.parse().ok()?;
    for i in 0..scale as usize {
        v = v * 10 + frac.as_bytes().get(i).map_or(0, |b| i128::from(b - b'0'));
    }
    Some(if neg { -v } else { v })
}

fn decimals(text: &str) -> u32 {
    text.split_once('.').map_or(0, |(_, f)| f.len() as u32)
}

fn text_of(v: i128, scale: u32) -> String {
    if scale == 0 {
        return v.to_string();
    }
    let sign = if v < 0 { "-" } else { "" };
    let p = 10i128.pow(scale);
    let a = v.abs();
    format!("{sign}{}.{:0width$}", a / p, a % p, width = scale as usize)
}

/// Parses `NAME=FROM..TO/STEP` (STEP > 0, FROM <= TO).
pub fn parse(arg: &str) -> Result<Sweep, PolicyError> {
    let bad = |why: &str| PolicyError::Param {
        arg: arg.to_string(),
        why: format!("{why}; write NAME=FROM..TO/STEP, e.g. eligible_min_score=4..8/1"),
    };
    let (name, range) = arg.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let (span, step) = range.split_once('/').ok_or_else(|| bad("no `/STEP`"))?;
    let (from, to) = span.split_once("..").ok_or_else(|| bad("no `..`"))?;
    let (from, to, step) = (from.trim(), to.trim(), step.trim());
    let scale = decimals(from).max(decimals(to)).max(decimals(step));
    let (Some(f), Some(t), Some(s)) = (scaled(from, scale), scaled(to, scale), scaled(step, scale))
    else {
        return Err(bad("FROM, TO and STEP are numbers"));
    };
    if s <= 0 {
        return Err(bad("STEP is more than 0"));
    }
    if f > t {
        return Err(bad("FROM is at most TO"));
    }
    let n = (t - f) / s + 1;
    if n > MAX_VALUES as i128 {
        return Err(bad(&format!(
            "that is {n} values; a sweep has at most {MAX_VALUES}"
        )));
    }
    Ok(Sweep {
        name: name.trim().to_string(),
        values: (0..n).map(|i| text_of(f + i * s, scale)).collect(),
    })
}

/// One value's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweepLine {
    /// The value, as set.
    pub value: String,
    /// Eligible households.
    pub eligible: u64,
    /// Listed households.
    pub listed: u64,
    /// Listed both under this value and on today's list.
    pub overlap: u64,
    /// Listed per team (when the pipeline has teams) or per district.
    pub listed_by: BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_stepped_exactly() {
        let s = parse("eligible_min_score=4..8/1").unwrap();
        assert_eq!(s.name, "eligible_min_score");
        assert_eq!(s.values, ["4", "5", "6", "7", "8"]);
        let s = parse("debt_min_eur=0.1..0.5/0.1").unwrap();
        assert_eq!(s.values, ["0.1", "0.2", "0.3", "0.4", "0.5"]);
        let s = parse("x=50..100/20").unwrap();
        assert_eq!(s.values, ["50", "70", "90"], "TO is a bound, not a value");
        let s = parse("x=75.00..100/12.5").unwrap();
        assert_eq!(s.values, ["75.00", "87.50", "100.00"]);
    }

    #[test]
    fn bad_ranges_are_usage_errors() {
        for bad in [
            "x",
            "x=1..2",
            "x=1/1",
            "x=a..2/1",
            "x=2..1/1",
            "x=1..2/0",
            "x=1..2/-1",
            "x=0..100000/1",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }
}
