//! Placeholders in the text of an expression: `{param}`, `{as_of}` and
//! `{as_of - days}`. The text is what people read (the report and `vroeg
//! explain` show it with the values filled in); what runs is its parsed
//! form ([`crate::expr`]), in which each placeholder is a typed value.

use crate::did_you_mean;
use crate::model::ParamValue;
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// The largest number of days a window, an age or `{as_of - n}` may span:
/// a hundred years.
pub const MAX_DAYS: i64 = 36_500;

/// The days of `{as_of - …}`: a literal number or a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DaysBack {
    /// `{as_of - 7}`.
    Literal(i64),
    /// `{as_of - name}`.
    Param(String),
}

/// One placeholder of an expression's text, resolved against `[params]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placeholder {
    /// `{name}`: a parameter's value.
    Param(String),
    /// `{as_of}`: the as-of date T.
    AsOf,
    /// `{as_of - n}`: the date n days before T.
    AsOfMinus(DaysBack),
}

impl Placeholder {
    /// The date this placeholder stands for at `as_of`, if it is a date.
    pub fn date(
        &self,
        params: &BTreeMap<String, ParamValue>,
        as_of: NaiveDate,
    ) -> Option<Result<NaiveDate, String>> {
        let days = match self {
            Placeholder::Param(_) => return None,
            Placeholder::AsOf => return Some(Ok(as_of)),
            Placeholder::AsOfMinus(DaysBack::Literal(n)) => *n,
            Placeholder::AsOfMinus(DaysBack::Param(p)) => match params.get(p) {
                Some(ParamValue::Int(n)) => *n,
                _ => return Some(Err(format!("`{p}` is not a whole number of days"))),
            },
        };
        Some(days_before(as_of, days))
    }
}

/// `as_of - days`, or an error when `days` is outside 0..=MAX_DAYS or the
/// date leaves the calendar.
pub fn days_before(as_of: NaiveDate, days: i64) -> Result<NaiveDate, String> {
    u64::try_from(days)
        .ok()
        .filter(|d| *d <= MAX_DAYS as u64)
        .and_then(|d| as_of.checked_sub_days(Days::new(d)))
        .ok_or_else(|| format!("{days} days before {as_of} is not a date vroeg can use"))
}

/// A placeholder's place in the text: byte range and what it stands for.
pub(crate) type Spot = (usize, usize, Placeholder);

/// Finds and resolves every placeholder of `text`: each names a declared
/// parameter, and the days of `{as_of - …}` are a whole number within
/// 0..=[`MAX_DAYS`].
pub(crate) fn placeholders(
    text: &str,
    params: &BTreeMap<String, ParamValue>,
) -> Result<Vec<Spot>, String> {
    let names: Vec<&str> = params.keys().map(String::as_str).collect();
    let known = |name: &str| -> Result<&ParamValue, String> {
        params.get(name).ok_or_else(|| {
            format!(
                "unknown parameter `{{{name}}}`{}; define it under [params]",
                did_you_mean(name, &names)
            )
        })
    };
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find('{').map(|i| i + rest) {
        let close = text[open..]
            .find('}')
            .map(|i| i + open)
            .ok_or_else(|| format!("`{{` at character {} is never closed", open + 1))?;
        let inner = text[open + 1..close].trim();
        let p = if inner == "as_of" {
            Placeholder::AsOf
        } else if let Some(n) = inner
            .strip_prefix("as_of")
            .map(str::trim_start)
            .and_then(|s| s.strip_prefix('-'))
        {
            let n = n.trim();
            let days = if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                let d = n.parse::<i64>().unwrap_or(i64::MAX);
                check_days(d, &format!("`{{as_of - {n}}}`"))?;
                DaysBack::Literal(d)
            } else {
                match known(n)? {
                    ParamValue::Int(d) => {
                        check_days(*d, &format!("`{n}` in `{{as_of - {n}}}`"))?;
                    }
                    _ => {
                        return Err(format!(
                            "`{{as_of - {n}}}` needs a whole number of days, and `{n}` is not one"
                        ));
                    }
                }
                DaysBack::Param(n.to_string())
            };
            Placeholder::AsOfMinus(days)
        } else {
            known(inner)?;
            Placeholder::Param(inner.to_string())
        };
        out.push((open, close + 1, p));
        rest = close + 1;
    }
    Ok(out)
}

/// Checks a number of days: 0..=[`MAX_DAYS`]; negative windows are errors,
/// not clamped.
pub fn check_days(days: i64, what: &str) -> Result<i64, String> {
    if (0..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(format!(
            "{what} is {days}; a number of days is 0 to {MAX_DAYS} (a negative window is an error, not a zero one)"
        ))
    }
}

/// The text with every placeholder replaced by its value for `as_of`, for
/// people: parameters as SQL literals, dates as `DATE 'YYYY-MM-DD'`.
pub(crate) fn render(
    text: &str,
    spots: &[Spot],
    params: &BTreeMap<String, ParamValue>,
    as_of: NaiveDate,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, p) in spots {
        out.push_str(&text[last..*start]);
        let shown = match (p, p.date(params, as_of)) {
            (_, Some(Ok(d))) => format!("DATE '{d}'"),
            (Placeholder::Param(n), None) => params
                .get(n)
                .map(ParamValue::sql)
                .unwrap_or_else(|| text[*start..*end].to_string()),
            _ => text[*start..*end].to_string(),
        };
        out.push_str(&shown);
        last = *end;
    }
    out.push_str(&text[last..]);
    out
}
