//! The value grammar of the contract: one function per column kind, each
//! returning the typed value or the [`Reason`] that rejects it.
//!
//! Values are never trimmed: `" 12.50"` is not an amount. Decimals are exact
//! integers of a fixed scale (cents for amounts), never binary floating point.

use crate::dialect::{DatePattern, DecimalSeparator};
use crate::reason::Reason;
use chrono::{Datelike, NaiveDate, Weekday};

/// The scale of amounts in euros: cents.
pub const AMOUNT_SCALE: u32 = 2;
/// The precision of amounts as Arrow `Decimal128`.
pub const AMOUNT_PRECISION: u8 = 18;
/// The scale of school-absence hours. The contract allows any number of
/// decimals; more than 18 is treated as `too_many_decimals` (documented in
/// `docs/contract-readings.md`).
pub const HOURS_SCALE: u32 = 18;
/// The precision of hours as Arrow `Decimal128`.
pub const HOURS_PRECISION: u8 = 38;
/// The largest amount in cents that fits [`AMOUNT_PRECISION`]:
/// 99,999,999,999,999.99 euros.
pub const MAX_AMOUNT_CENTS: i128 = 10i128.pow(AMOUNT_PRECISION as u32 - AMOUNT_SCALE) - 1;
/// The most hours of absence in one row (40), at [`HOURS_SCALE`].
pub const MAX_HOURS: i128 = 40 * 10i128.pow(HOURS_SCALE);

/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
const EPOCH_FROM_CE: i32 = 719_163;

/// Days from 1970-01-01, the Arrow `Date32` representation. Every date
/// chrono can hold fits, so this cannot overflow.
pub fn days_since_epoch(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - EPOCH_FROM_CE
}

/// The date of an Arrow `Date32` value, or `None` when it is outside the
/// dates chrono can hold (values not written by vroeg).
pub fn checked_date_from_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_FROM_CE)?)
}

/// The date of an Arrow `Date32` value that vroeg wrote itself (a date
/// parsed from a delivery, years 0000..=9999).
///
/// # Panics
///
/// For a value outside chrono's range; use [`checked_date_from_days`] for
/// values read from anywhere else.
pub fn date_from_days(days: i32) -> NaiveDate {
    checked_date_from_days(days).expect("a Date32 value written by vroeg is in chrono's range")
}

/// True when the value is exactly 9 ASCII digits: a raw citizen service
/// number (BSN) where a pseudonym belongs.
pub fn is_raw_identifier(s: &str) -> bool {
    s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a pseudonymous key: 8 to 128 characters of `[0-9A-Za-z_-]`,
/// starting with a letter or digit.
pub fn check_key(s: &str) -> Result<(), Reason> {
    let b = s.as_bytes();
    let ok = (8..=128).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-');
    if ok { Ok(()) } else { Err(Reason::InvalidKey) }
}

/// Parses a date in the pattern; `monday` adds the `not_a_monday` check.
pub fn parse_date(s: &str, pattern: &DatePattern, monday: bool) -> Result<NaiveDate, Reason> {
    let date = pattern.parse_date(s).ok_or(Reason::InvalidDate)?;
    if monday && date.weekday() != Weekday::Mon {
        return Err(Reason::NotAMonday);
    }
    Ok(date)
}

/// Checks a string of at most `max` characters (the minimum of 1 is the
/// missing-value check).
pub fn check_text(s: &str, max: usize) -> Result<(), Reason> {
    if s.chars().count() <= max {
        Ok(())
    } else {
        Err(Reason::InvalidString)
    }
}

/// Checks an enum value, exactly and case-sensitively.
pub fn check_enum(s: &str, values: &[&str]) -> Result<(), Reason> {
    if values.contains(&s) {
        Ok(())
    } else {
        Err(Reason::InvalidEnum)
    }
}

/// Parses `true/false`, `ja/nee`, `yes/no`, `1/0`, case-insensitively.
pub fn parse_bool(s: &str) -> Result<bool, Reason> {
    const TRUE: [&str; 4] = ["true", "ja", "yes", "1"];
    const FALSE: [&str; 4] = ["false", "nee", "no", "0"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Ok(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(s)) {
        Ok(false)
    } else {
        Err(Reason::InvalidBool)
    }
}

/// Parses `[0-9]+(SEP[0-9]{1,max_decimals})?`, with an optional leading `-`
/// reported as `negative_amount` once the rest is well formed, into an
/// integer of `scale` decimals. Too large to hold is `out_of_range`.
pub fn parse_decimal(
    s: &str,
    sep: DecimalSeparator,
    max_decimals: u32,
    scale: u32,
) -> Result<i128, Reason> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let b = body.as_bytes();
    let split = b.iter().position(|c| *c == sep.byte());
    let (whole, frac) = match split {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    if whole.is_empty() || !whole.iter().all(u8::is_ascii_digit) {
        return Err(Reason::InvalidNumber);
    }
    let frac = frac.unwrap_or(&[]);
    if split.is_some() && frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
        return Err(Reason::InvalidNumber);
    }
    if frac.len() > max_decimals as usize {
        return Err(Reason::TooManyDecimals);
    }
    if negative {
        return Err(Reason::NegativeAmount);
    }
    let mut v: i128 = 0;
    for &c in whole {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(c - b'0')))
            .ok_or(Reason::OutOfRange)?;
    }
    for i in 0..scale as usize {
        let digit = frac.get(i).map_or(0, |c| i128::from(c - b'0'));
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit))
            .ok_or(Reason::OutOfRange)?;
    }
    Ok(v)
}

/// Parses an amount in euros (at most 2 decimals) into cents: the decimal
/// grammar of [`parse_decimal`], then `out_of_range` above
/// [`MAX_AMOUNT_CENTS`], or at zero when `positive`.
pub fn parse_amount(s: &str, sep: DecimalSeparator, positive: bool) -> Result<i128, Reason> {
    let v = parse_decimal(s, sep, AMOUNT_SCALE, AMOUNT_SCALE)?;
    if v > MAX_AMOUNT_CENTS || (positive && v == 0) {
        return Err(Reason::OutOfRange);
    }
    Ok(v)
}

/// Parses hours of absence at [`HOURS_SCALE`]: the decimal grammar, then
/// `out_of_range` unless > 0 and <= 40.
pub fn parse_hours(s: &str, sep: DecimalSeparator) -> Result<i128, Reason> {
    let v = parse_decimal(s, sep, HOURS_SCALE, HOURS_SCALE)?;
    if v == 0 || v > MAX_HOURS {
        return Err(Reason::OutOfRange);
    }
    Ok(v)
}

/// Parses an integer `[0-9]+` within `min..=max`.
pub fn parse_integer(s: &str, min: i64, max: i64) -> Result<i64, Reason> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Reason::InvalidNumber);
    }
    let v: i64 = s.parse().map_err(|_| Reason::OutOfRange)?;
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(Reason::OutOfRange)
    }
}

/// Formats an integer of `scale` decimals as a plain decimal string with
/// exactly `scale` decimals (`1250`, 2 → `"12.50"`). Total for every `i128`
/// and every scale: no power of ten is computed, so nothing can overflow.
pub fn format_decimal(v: i128, scale: u32) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let digits = v.unsigned_abs().to_string();
    let scale = scale as usize;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use DecimalSeparator::{Comma, Dot};

    #[test]
    fn amounts_follow_the_grammar() {
        assert_eq!(parse_decimal("12.50", Dot, 2, 2), Ok(1250));
        assert_eq!(parse_decimal("12.5", Dot, 2, 2), Ok(1250));
        assert_eq!(parse_decimal("7", Dot, 2, 2), Ok(700));
        assert_eq!(parse_decimal("0", Dot, 2, 2), Ok(0));
        assert_eq!(parse_decimal("12,50", Comma, 2, 2), Ok(1250));
        for bad in [
            "+5", ".5", "1e3", "1,900.00", " 12.50", "12.", "12.50 ", "", "1.2.3",
        ] {
            assert_eq!(
                parse_decimal(bad, Dot, 2, 2),
                Err(Reason::InvalidNumber),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_decimal("12.50", Comma, 2, 2),
            Err(Reason::InvalidNumber)
        );
        assert_eq!(
            parse_decimal("5.100", Dot, 2, 2),
            Err(Reason::TooManyDecimals)
        );
        assert_eq!(parse_decimal("-5", Dot, 2, 2), Err(Reason::NegativeAmount));
        assert_eq!(
            parse_decimal("-5.00", Dot, 2, 2),
            Err(Reason::NegativeAmount)
        );
        assert_eq!(parse_decimal("-x", Dot, 2, 2), Err(Reason::InvalidNumber));
        assert_eq!(
            parse_decimal("99999999999999999999999999999999999999999", Dot, 2, 2),
            Err(Reason::OutOfRange)
        );
    }

    #[test]
    fn hours_keep_every_decimal_exactly() {
        let h = |s| parse_decimal(s, Dot, HOURS_SCALE, HOURS_SCALE).unwrap();
        let sum = h("3.3") + h("3.3") + h("3.3") + h("6.1");
        assert_eq!(sum, h("16"));
        assert_eq!(h("0.333333333333333333"), 333_333_333_333_333_333);
    }

    #[test]
    fn keys_and_raw_identifiers() {
        assert!(is_raw_identifier("123456789"));
        assert!(!is_raw_identifier("1234567890"));
        assert!(!is_raw_identifier("12345678a"));
        assert_eq!(check_key("a1b2c3d4"), Ok(()));
        assert_eq!(check_key("1234567890"), Ok(()));
        assert_eq!(check_key("a1b2c3d"), Err(Reason::InvalidKey));
        assert_eq!(check_key("_a1b2c3d4"), Err(Reason::InvalidKey));
        assert_eq!(check_key("-a1b2c3d4"), Err(Reason::InvalidKey));
        assert_eq!(check_key("a1b2 c3d4"), Err(Reason::InvalidKey));
        assert_eq!(check_key(&"a".repeat(128)), Ok(()));
        assert_eq!(check_key(&"a".repeat(129)), Err(Reason::InvalidKey));
    }

    #[test]
    fn booleans_integers_enums() {
        assert_eq!(parse_bool("JA"), Ok(true));
        assert_eq!(parse_bool("No"), Ok(false));
        assert_eq!(parse_bool("0"), Ok(false));
        assert_eq!(parse_bool("y"), Err(Reason::InvalidBool));
        assert_eq!(parse_integer("23", 4, 23), Ok(23));
        assert_eq!(parse_integer("24", 4, 23), Err(Reason::OutOfRange));
        assert_eq!(parse_integer("-3", 4, 23), Err(Reason::InvalidNumber));
        assert_eq!(parse_integer("1.0", 4, 23), Err(Reason::InvalidNumber));
        assert_eq!(check_enum("late", &["late"]), Ok(()));
        assert_eq!(check_enum("Late", &["late"]), Err(Reason::InvalidEnum));
    }

    #[test]
    fn mondays_and_epoch_days() {
        let p = DatePattern::default();
        assert!(parse_date("2026-11-16", &p, true).is_ok());
        assert_eq!(parse_date("2026-11-17", &p, true), Err(Reason::NotAMonday));
        let d = NaiveDate::from_ymd_opt(1970, 1, 2).unwrap();
        assert_eq!(days_since_epoch(d), 1);
        assert_eq!(date_from_days(1), d);
        assert_eq!(format_decimal(1250, 2), "12.50");
        assert_eq!(format_decimal(5, 2), "0.05");
        assert_eq!(format_decimal(-5, 2), "-0.05");
        assert_eq!(format_decimal(i128::MIN, 0), i128::MIN.to_string());
        assert_eq!(format_decimal(7, 40), format!("0.{}7", "0".repeat(39)));
        assert_eq!(checked_date_from_days(i32::MAX), None);
        assert_eq!(checked_date_from_days(i32::MIN), None);
    }
}
