//! Properties of the value grammars of `contracts.md`: generated valid
//! values parse to what was generated, generated invalid values are refused
//! with the right reason, and the decimal code is total (no panic, no
//! silent overflow) up to and past the limits of `i128`.

use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;
use vroeg_contracts::sources::{ABSENCE_KINDS, BENEFIT_TYPES, CREDITOR_TYPES, OUTCOMES};
use vroeg_contracts::value::{
    MAX_AMOUNT_CENTS, MAX_HOURS, check_enum, check_key, check_text, checked_date_from_days,
    days_since_epoch, format_decimal, is_raw_identifier, parse_amount, parse_bool, parse_date,
    parse_decimal, parse_hours, parse_integer,
};
use vroeg_contracts::{DatePattern, DecimalSeparator, Reason};

const PATTERNS: [&str; 5] = ["%Y-%m-%d", "%d-%m-%Y", "%Y%m%d", "%d/%m/%Y", "%m.%d.%Y"];

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 400,
        ..ProptestConfig::default()
    }
}

/// A character that is not allowed in a key.
fn non_key_char() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("outside [0-9A-Za-z_-]", |c| {
        !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
    })
}

/// A date of the contract's range (years 0000..=9999), as epoch days.
fn date() -> impl Strategy<Value = NaiveDate> {
    let first = days_since_epoch(NaiveDate::from_ymd_opt(0, 1, 1).unwrap());
    let last = days_since_epoch(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap());
    (first..=last).prop_map(|d| checked_date_from_days(d).unwrap())
}

fn pattern() -> impl Strategy<Value = DatePattern> {
    proptest::sample::select(PATTERNS.to_vec()).prop_map(|p| DatePattern::parse(p).unwrap())
}

fn separator() -> impl Strategy<Value = DecimalSeparator> {
    prop_oneof![Just(DecimalSeparator::Dot), Just(DecimalSeparator::Comma)]
}

/// `format_decimal`'s text with the separator of `sep`.
fn written(v: i128, scale: u32, sep: DecimalSeparator) -> String {
    let s = format_decimal(v, scale);
    match sep {
        DecimalSeparator::Dot => s,
        DecimalSeparator::Comma => s.replace('.', ","),
    }
}

/// The canonical decimal of `whole` and `frac` digits at `scale` (leading
/// zeros dropped, fraction padded), or `None` when it has more significant
/// digits than `i128::MAX` or is larger: computed on strings, independently
/// of the parser's integer arithmetic.
fn exact(whole: &str, frac: &str, scale: usize) -> Option<String> {
    let mut digits = format!("{whole}{frac:0<scale$}");
    let trimmed = digits.trim_start_matches('0');
    digits = if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    };
    let max = i128::MAX.to_string();
    if digits.len() > max.len() || (digits.len() == max.len() && digits > max) {
        return None;
    }
    Some(digits)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn valid_keys_are_keys(key in "[0-9A-Za-z][0-9A-Za-z_-]{7,127}") {
        prop_assert_eq!(check_key(&key), Ok(()));
    }

    #[test]
    fn keys_of_the_wrong_length_are_invalid(
        short in "[0-9A-Za-z][0-9A-Za-z_-]{0,6}",
        long in "[0-9A-Za-z][0-9A-Za-z_-]{128,200}",
    ) {
        prop_assert_eq!(check_key(&short), Err(Reason::InvalidKey));
        prop_assert_eq!(check_key(&long), Err(Reason::InvalidKey));
        prop_assert_eq!(check_key(""), Err(Reason::InvalidKey));
    }

    #[test]
    fn keys_starting_with_a_mark_or_holding_a_stranger_are_invalid(
        key in "[0-9A-Za-z][0-9A-Za-z_-]{7,120}",
        mark in "[_-]",
        bad in non_key_char(),
        at in any::<prop::sample::Index>(),
    ) {
        prop_assert_eq!(check_key(&format!("{mark}{key}")), Err(Reason::InvalidKey));
        let mut chars: Vec<char> = key.chars().collect();
        let at = at.index(chars.len()) ;
        chars.insert(at, bad);
        let with_bad: String = chars.into_iter().collect();
        prop_assert_eq!(check_key(&with_bad), Err(Reason::InvalidKey));
    }

    #[test]
    fn exactly_nine_digits_is_a_raw_identifier(
        nine in "[0-9]{9}",
        other in "[0-9]{1,8}|[0-9]{10,20}",
        letter in "[0-9]{8}[A-Za-z_-]",
    ) {
        prop_assert!(is_raw_identifier(&nine));
        prop_assert!(!is_raw_identifier(&other));
        prop_assert!(!is_raw_identifier(&letter));
    }

    #[test]
    fn dates_round_trip_in_every_pattern(d in date(), p in pattern()) {
        let text = p.format(d);
        prop_assert_eq!(parse_date(&text, &p, false), Ok(d));
        prop_assert_eq!(checked_date_from_days(days_since_epoch(d)), Some(d));
        let monday = parse_date(&text, &p, true);
        if d.weekday() == Weekday::Mon {
            prop_assert_eq!(monday, Ok(d));
        } else {
            prop_assert_eq!(monday, Err(Reason::NotAMonday));
        }
    }

    #[test]
    fn damaged_dates_are_invalid(
        d in date(),
        p in pattern(),
        at in any::<prop::sample::Index>(),
        stranger in "[^0-9]",
        pad in "[ \t]",
    ) {
        let text = p.format(d);
        // a digit replaced by something else
        let digits: Vec<usize> = text.char_indices().filter(|(_, c)| c.is_ascii_digit()).map(|(i, _)| i).collect();
        let i = digits[at.index(digits.len())];
        let replaced = format!("{}{stranger}{}", &text[..i], &text[i + 1..]);
        prop_assert_eq!(parse_date(&replaced, &p, false), Err(Reason::InvalidDate));
        // a character dropped, or padding added
        let i = at.index(text.len());
        let dropped = format!("{}{}", &text[..i], &text[i + 1..]);
        prop_assert_eq!(parse_date(&dropped, &p, false), Err(Reason::InvalidDate));
        prop_assert_eq!(parse_date(&format!("{pad}{text}"), &p, false), Err(Reason::InvalidDate));
        prop_assert_eq!(parse_date(&format!("{text}{pad}"), &p, false), Err(Reason::InvalidDate));
    }

    #[test]
    fn days_past_the_end_of_the_month_are_invalid(
        year in 0i32..=9999,
        month in 1u32..=12,
        over in 1u32..=(99 - 31),
    ) {
        let next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) };
        let days_in_month = next.unwrap().pred_opt().unwrap().day();
        let day = days_in_month + over.min(99 - days_in_month);
        let p = DatePattern::default();
        let text = format!("{year:04}-{month:02}-{day:02}");
        prop_assert_eq!(parse_date(&text, &p, false), Err(Reason::InvalidDate));
        for bad_month in [0, 13, 99] {
            let text = format!("{year:04}-{bad_month:02}-01");
            prop_assert_eq!(parse_date(&text, &p, false), Err(Reason::InvalidDate));
        }
        prop_assert_eq!(parse_date(&format!("{year:04}-{month:02}-00"), &p, false), Err(Reason::InvalidDate));
    }

    #[test]
    fn any_date_pattern_text_is_parsed_or_refused_without_panic(text in ".{0,24}", d in date()) {
        if let Ok(p) = DatePattern::parse(&text) {
            prop_assert_eq!(p.parse_date(&p.format(d)), Some(d));
        }
    }

    #[test]
    fn amounts_round_trip(cents in 0..=MAX_AMOUNT_CENTS, sep in separator()) {
        let text = written(cents, 2, sep);
        prop_assert_eq!(parse_decimal(&text, sep, 2, 2), Ok(cents));
        prop_assert_eq!(parse_amount(&text, sep, false), Ok(cents));
        let positive = parse_amount(&text, sep, true);
        prop_assert_eq!(positive, if cents == 0 { Err(Reason::OutOfRange) } else { Ok(cents) });
        // fewer decimals mean the same amount
        if cents % 100 == 0 {
            prop_assert_eq!(parse_amount(&(cents / 100).to_string(), sep, false), Ok(cents));
        }
        if cents % 10 == 0 {
            let one = written(cents / 10, 1, sep);
            prop_assert_eq!(parse_amount(&one, sep, false), Ok(cents));
        }
    }

    #[test]
    fn amounts_past_the_limit_are_out_of_range(cents in (MAX_AMOUNT_CENTS + 1)..=(i128::MAX / 100)) {
        let text = format_decimal(cents, 2);
        prop_assert_eq!(parse_decimal(&text, DecimalSeparator::Dot, 2, 2), Ok(cents));
        prop_assert_eq!(parse_amount(&text, DecimalSeparator::Dot, false), Err(Reason::OutOfRange));
    }

    #[test]
    fn amounts_with_a_third_decimal_a_sign_or_a_stranger_are_refused(
        cents in 0..=MAX_AMOUNT_CENTS,
        sep in separator(),
        extra in 0u8..=9,
        stranger in "[^0-9.,-]",
        at in any::<prop::sample::Index>(),
    ) {
        let text = written(cents, 2, sep);
        prop_assert_eq!(parse_amount(&format!("{text}{extra}"), sep, false), Err(Reason::TooManyDecimals));
        prop_assert_eq!(parse_amount(&format!("-{text}"), sep, false), Err(Reason::NegativeAmount));
        let i = at.index(text.len() + 1);
        let bad = format!("{}{stranger}{}", &text[..i], &text[i..]);
        prop_assert_eq!(parse_amount(&bad, sep, false), Err(Reason::InvalidNumber));
        prop_assert_eq!(parse_amount(&format!("-{bad}"), sep, false), Err(Reason::InvalidNumber));
        // the other separator is a stranger too
        let other = match sep { DecimalSeparator::Dot => ',', DecimalSeparator::Comma => '.' };
        let bad = format!("{}{other}{}", &text[..i], &text[i..]);
        prop_assert_eq!(parse_amount(&bad, sep, false), Err(Reason::InvalidNumber));
    }

    #[test]
    fn separators_out_of_place_are_invalid(whole in "[0-9]{1,10}", frac in "[0-9]{1,2}", sep in separator()) {
        let s = char::from(sep.byte());
        for bad in [format!("{s}{frac}"), format!("{whole}{s}"), format!("{whole}{s}{frac}{s}"), format!("{whole}{s}{s}{frac}")] {
            prop_assert_eq!(parse_decimal(&bad, sep, 2, 2), Err(Reason::InvalidNumber), "{:?}", bad);
        }
    }

    #[test]
    fn any_digits_at_any_scale_are_exact_or_out_of_range(
        whole in "[0-9]{1,60}",
        frac in proptest::option::of("[0-9]{1,40}"),
        scale in 0u32..=40,
    ) {
        let text = match &frac { Some(f) => format!("{whole}.{f}"), None => whole.clone() };
        let frac = frac.unwrap_or_default();
        let got = parse_decimal(&text, DecimalSeparator::Dot, scale, scale);
        if frac.len() > scale as usize {
            prop_assert_eq!(got, Err(Reason::TooManyDecimals));
        } else {
            match exact(&whole, &frac, scale as usize) {
                Some(digits) => prop_assert_eq!(got.map(|v| v.to_string()), Ok(digits)),
                None => prop_assert_eq!(got, Err(Reason::OutOfRange)),
            }
        }
    }

    #[test]
    fn any_text_is_parsed_or_refused_without_panic(text in "\\PC{0,50}|[0-9.,-]{0,50}", scale in 0u32..=40) {
        if let Ok(v) = parse_decimal(&text, DecimalSeparator::Dot, scale, scale) {
            // only the grammar's own shape parses
            prop_assert!(v >= 0);
            let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
            prop_assert!(!whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(frac.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(text.contains('.') != frac.is_empty());
        }
        let _ = parse_integer(&text, 0, i64::MAX);
    }

    #[test]
    fn formatting_is_total_and_parses_back(v in any::<i128>(), scale in 0u32..=60) {
        let text = format_decimal(v, scale);
        let digits = text.trim_start_matches('-');
        prop_assert_eq!(text.starts_with('-'), v < 0);
        if scale > 0 {
            let (whole, frac) = digits.split_once('.').unwrap();
            prop_assert_eq!(frac.len(), scale as usize);
            prop_assert!(!whole.is_empty());
        }
        if v >= 0 {
            prop_assert_eq!(parse_decimal(&text, DecimalSeparator::Dot, scale, scale), Ok(v));
        } else {
            prop_assert_eq!(parse_decimal(&text, DecimalSeparator::Dot, scale, scale), Err(Reason::NegativeAmount));
        }
    }

    #[test]
    fn hours_round_trip_with_every_decimal(hours in 1..=MAX_HOURS, sep in separator()) {
        let text = written(hours, 18, sep);
        prop_assert_eq!(parse_hours(&text, sep), Ok(hours));
        // trailing zeros do not change the value
        let s = char::from(sep.byte());
        let trimmed = text.trim_end_matches('0').trim_end_matches(s);
        prop_assert_eq!(parse_hours(trimmed, sep), Ok(hours));
    }

    #[test]
    fn hours_outside_zero_to_forty_or_too_precise_are_refused(
        over in (MAX_HOURS + 1)..=(MAX_HOURS * 1_000_000),
        hours in 1..=MAX_HOURS,
        digit in 0u8..=9,
    ) {
        let sep = DecimalSeparator::Dot;
        prop_assert_eq!(parse_hours(&format_decimal(over, 18), sep), Err(Reason::OutOfRange));
        prop_assert_eq!(parse_hours(&format!("{}{digit}", format_decimal(hours, 18)), sep), Err(Reason::TooManyDecimals));
        prop_assert_eq!(parse_hours(&format!("-{}", format_decimal(hours, 18)), sep), Err(Reason::NegativeAmount));
    }

    #[test]
    fn integers_in_and_out_of_range(
        min in 0i64..100,
        span in 0i64..1000,
        v in 0i64..2000,
        zeros in "0{0,5}",
        huge in "[1-9][0-9]{19,40}",
        sign in "[+-]",
    ) {
        let max = min + span;
        let got = parse_integer(&format!("{zeros}{v}"), min, max);
        if (min..=max).contains(&v) {
            prop_assert_eq!(got, Ok(v));
        } else {
            prop_assert_eq!(got, Err(Reason::OutOfRange));
        }
        prop_assert_eq!(parse_integer(&huge, min, max), Err(Reason::OutOfRange));
        prop_assert_eq!(parse_integer(&format!("{sign}{v}"), min, max), Err(Reason::InvalidNumber));
        prop_assert_eq!(parse_integer(&format!("{v}.0"), min, max), Err(Reason::InvalidNumber));
        prop_assert_eq!(parse_integer(&format!(" {v}"), min, max), Err(Reason::InvalidNumber));
    }

    #[test]
    fn enums_are_exact_and_case_sensitive(
        values in proptest::sample::select(vec![CREDITOR_TYPES, ABSENCE_KINDS, BENEFIT_TYPES, OUTCOMES]),
        at in any::<prop::sample::Index>(),
        pad in "[ \t]",
    ) {
        let v = values[at.index(values.len())];
        prop_assert_eq!(check_enum(v, values), Ok(()));
        prop_assert_eq!(check_enum(&v.to_uppercase(), values), Err(Reason::InvalidEnum));
        prop_assert_eq!(check_enum(&format!("{v}{pad}"), values), Err(Reason::InvalidEnum));
        prop_assert_eq!(check_enum(&format!("{pad}{v}"), values), Err(Reason::InvalidEnum));
    }

    #[test]
    fn booleans_in_any_case(
        word in proptest::sample::select(vec![("true", true), ("ja", true), ("yes", true), ("1", true), ("false", false), ("nee", false), ("no", false), ("0", false)]),
        upper in proptest::collection::vec(any::<bool>(), 5),
        other in "[a-zA-Z0-9]{1,6}",
    ) {
        let (text, value) = word;
        let cased: String = text.chars().zip(&upper).map(|(c, u)| if *u { c.to_ascii_uppercase() } else { c }).collect();
        prop_assert_eq!(parse_bool(&cased), Ok(value));
        let known = ["true", "ja", "yes", "1", "false", "nee", "no", "0"];
        if !known.iter().any(|k| k.eq_ignore_ascii_case(&other)) {
            prop_assert_eq!(parse_bool(&other), Err(Reason::InvalidBool));
        }
        prop_assert_eq!(parse_bool(&format!(" {text}")), Err(Reason::InvalidBool));
    }

    #[test]
    fn text_is_measured_in_characters(s in "\\PC{0,40}", max in 0usize..40) {
        let n = s.chars().count();
        prop_assert_eq!(check_text(&s, max), if n <= max { Ok(()) } else { Err(Reason::InvalidString) });
    }
}

#[test]
fn the_limits_of_i128_and_of_amounts_are_exact() {
    let dot = DecimalSeparator::Dot;
    let max = i128::MAX.to_string();
    assert_eq!(parse_decimal(&max, dot, 0, 0), Ok(i128::MAX));
    let over = "170141183460469231731687303715884105728";
    assert_eq!(parse_decimal(over, dot, 0, 0), Err(Reason::OutOfRange));
    let (w, f) = max.split_at(max.len() - 2);
    assert_eq!(parse_decimal(&format!("{w}.{f}"), dot, 2, 2), Ok(i128::MAX));
    assert_eq!(
        parse_decimal(&format!("{w}.{}", "28"), dot, 2, 2),
        Err(Reason::OutOfRange)
    );
    assert_eq!(
        parse_amount("99999999999999.99", dot, true),
        Ok(MAX_AMOUNT_CENTS)
    );
    assert_eq!(
        parse_amount("100000000000000", dot, true),
        Err(Reason::OutOfRange)
    );
    assert_eq!(parse_amount("0.00", dot, true), Err(Reason::OutOfRange));
    assert_eq!(parse_hours("40", dot), Ok(MAX_HOURS));
    assert_eq!(
        parse_hours("40.000000000000000001", dot),
        Err(Reason::OutOfRange)
    );
    assert_eq!(parse_hours("0.000000000000000001", dot), Ok(1));
    assert_eq!(parse_hours("0", dot), Err(Reason::OutOfRange));
    assert_eq!(
        format_decimal(i128::MIN, 2),
        "-1701411834604692317316873037158841057.28"
    );
    assert_eq!(format_decimal(i128::MAX, 38), format!("1.{}", &max[1..]));
    // sums of amounts at the limit stay exact in i128: 10^20 rows would fit
    let total = (0..1000).try_fold(0i128, |acc, _| acc.checked_add(MAX_AMOUNT_CENTS));
    assert_eq!(total, Some(1000 * MAX_AMOUNT_CENTS));
}
