//! Realistic mess for `--mess`: what real deliveries get wrong.
//!
//! Placed at fixed months and suppliers so that the messy sample inbox
//! exercises every quarantine reason, a BOM, header case and order, an extra
//! column, a correction, a byte-identical re-delivery and a refused file.

use crate::month::amount;
use crate::{FileId, Month, SynthOptions, dialect};
use chrono::Days;
use vroeg_contracts::Source;

const KEY: &str = "0badc0ffee0badc0ffee0badc0ffee0badc0ffee0badc0ffee0badc0ffee0bad";
const PUPIL: &str = "0badf00d0badf00d0badf00d0badf00d0badf00d0badf00d0badf00d0badf00d";
/// A planted raw citizen service number (it passes no check digit; it only
/// has the shape).
pub const PLANTED_BSN: &str = "123456782";

fn append(body: &mut Vec<u8>, rows: &[String]) {
    for r in rows {
        body.extend_from_slice(r.as_bytes());
        body.push(b'\n');
    }
}

/// Adds mess to the deliveries of file `id` in `month` (of `n` months).
pub(crate) fn apply(
    _opts: &SynthOptions,
    month: &Month,
    n: u32,
    id: &FileId,
    deliveries: &mut Vec<(String, Vec<u8>)>,
) {
    let k = month.index;
    let d = dialect(id.source);
    let end = d.dates.format(month.end);
    let body = &mut deliveries[0].1;
    match (id.source, id.supplier) {
        (Source::RentArrears, "vidomes") if k == 0 => {
            body.splice(0..0, "\u{feff}".bytes());
            let old = d.dates.format(month.end - Days::new(40));
            let after = d.dates.format(month.end + Days::new(1));
            let row =
                |key: &str, landlord: &str, arrears: &str, rent: &str, oldest: &str, plan: &str| {
                    format!("{key},{end},{landlord},{arrears},{rent},{oldest},{plan}")
                };
            append(
                body,
                &[
                    row(PLANTED_BSN, "vidomes", "812.00", "700.00", &old, "nee"),
                    row(KEY, "vidomes", "812.00", "", &old, "nee"),
                    row("short", "vidomes", "812.00", "700.00", &old, "nee"),
                    row(KEY, &"v".repeat(40), "812.00", "700.00", &old, "nee"),
                    row(KEY, "vidomes", "1,900.00", "700.00", &old, "nee"),
                    row(KEY, "vidomes", "5.100", "700.00", &old, "nee"),
                    row(KEY, "vidomes", "-5.00", "700.00", &old, "nee"),
                    row(KEY, "vidomes", "0", "700.00", &old, "nee"),
                    row(KEY, "vidomes", "812.00", "700.00", &after, "nee"),
                    row(KEY, "vidomes", "812.00", "700.00", &old, "misschien"),
                    format!("{KEY},{end},vidomes,812.00,700.00,{old},nee,extra"),
                    format!("{KEY},31-12-2024,vidomes,812.00,700.00,{old},nee"),
                ],
            );
        }
        (Source::RentArrears, "degoedewoning") if k + 2 == n => {
            let text = String::from_utf8(body.clone()).expect("generated text is UTF-8");
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            if lines.len() >= 3 {
                lines.pop();
                let mut first: Vec<String> = lines[1].split(',').map(str::to_string).collect();
                first[3] = amount(99_999, &d);
                lines[1] = first.join(",");
                let mut corrected = lines.join("\n");
                corrected.push('\n');
                let name = id.file_name().replace(".csv", "_correction.csv");
                deliveries.push((name, corrected.into_bytes()));
            }
        }
        (Source::DebtArrears, "dunea") if k + 3 == n || (n < 3 && k == 0) => {
            let copy = body.clone();
            deliveries.push((id.file_name().replace(".csv", "_resend.csv"), copy));
        }
        (Source::DebtArrears, "eneco") if k == 1.min(n - 1) => {
            let old = d.dates.format(month.end - Days::new(45));
            let row = |key: &str, kind: &str, arrears: &str, oldest: &str| {
                format!("{key};{end};{kind};eneco;{arrears};{oldest};nee")
            };
            append(
                body,
                &[
                    row(KEY, "Energy", "120,00", &old),
                    row(KEY, "energy", "120,00", "30-02-2024"),
                    row(KEY, "energy", "0", &old),
                    row(PLANTED_BSN, "energy", "120,00", &old),
                    row(KEY, "energy", "5,100", &old),
                    row(KEY, "energy", "120.00", &old),
                ],
            );
        }
        (Source::SchoolAbsence, "leerplicht_noord")
            if k == 1.min(n - 1)
                && month
                    .mondays
                    .first()
                    .is_some_and(|m| id.period == m.to_string()) =>
        {
            let tuesday = d.dates.format(month.mondays[0] + Days::new(1));
            let monday = &id.period;
            let row = |pupil: &str, week: &str, kind: &str, hours: &str, age: &str| {
                format!("{KEY},{pupil},{week},leerplicht_noord,{kind},{hours},{age}")
            };
            append(
                body,
                &[
                    row(PUPIL, &tuesday, "unauthorised", "4", "12"),
                    row(PUPIL, monday, "unauthorised", "4", "30"),
                    row(PUPIL, monday, "Unauthorised", "4", "12"),
                    row(PUPIL, monday, "unauthorised", "41", "12"),
                    row(PUPIL, monday, "unauthorised", "0", "12"),
                    row("ab", monday, "unauthorised", "4", "12"),
                    row(PLANTED_BSN, monday, "unauthorised", "4", "12"),
                    row(PUPIL, monday, "late", "-1", "12"),
                ],
            );
        }
        (Source::Households, _) => {
            let text = String::from_utf8(body.clone()).expect("generated text is UTF-8");
            let mut lines: Vec<String> = text
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    let mut f: Vec<&str> = l.split(',').collect();
                    f.reverse();
                    let l = f.join(",");
                    if i == 0 { l.to_uppercase() } else { l }
                })
                .collect();
            if k + 1 == n && lines.len() > 1 {
                let dup = lines[1].clone();
                lines.push(dup);
                lines.push(format!("1,25,WK063701,{end},{KEY}"));
                lines.push(format!("1,2,,{end},{KEY}"));
            }
            let mut out = lines.join("\n");
            out.push('\n');
            *body = out.into_bytes();
        }
        (Source::BenefitStops, "uwv") if k == 0 => {
            let text = String::from_utf8(body.clone()).expect("generated text is UTF-8");
            let mut out = String::new();
            for (i, l) in text.lines().enumerate() {
                out.push_str(l);
                out.push_str(if i == 0 { ",opmerking\n" } else { ",\n" });
            }
            let later = d.dates.format(month.end + Days::new(3));
            out.push_str(&format!(
                "{KEY},{PUPIL},uwv,{later},{end},ww,sanction,650.00,\n"
            ));
            *body = out.into_bytes();
        }
        (Source::OutreachOutcomes, "vroeg_noord") if k + 1 == n => {
            append(body, &[format!("{KEY},vroeg_noord,{end},Quick_Fix,phone")]);
            let refused = format!(
                "household_key,team_code,closed_date,contact_kind\n{KEY},vroeg_noord,{end},phone\n"
            );
            deliveries.push((
                id.file_name().replace(".csv", "_export.csv"),
                refused.into_bytes(),
            ));
        }
        _ => {}
    }
}

/// The bad rows the monthly shape adds to an attendance office's first
/// week of the second month, for school `school`'s file of the week of
/// `monday` in the school-weekly shape: one row for each of a Tuesday, an
/// age, a kind, too many and zero hours, a short key, a raw citizen service
/// number and negative hours.
pub(crate) fn school_week(monday: chrono::NaiveDate, school: &str) -> Vec<String> {
    let d = dialect(Source::SchoolAbsence);
    let tuesday = d.dates.format(monday + Days::new(1));
    let monday = d.dates.format(monday);
    let row = |pupil: &str, week: &str, kind: &str, hours: &str, age: &str| {
        format!("{KEY},{pupil},{week},{school},{kind},{hours},{age}")
    };
    vec![
        row(PUPIL, &tuesday, "unauthorised", "4", "12"),
        row(PUPIL, &monday, "unauthorised", "4", "30"),
        row(PUPIL, &monday, "Unauthorised", "4", "12"),
        row(PUPIL, &monday, "unauthorised", "41", "12"),
        row(PUPIL, &monday, "unauthorised", "0", "12"),
        row("ab", &monday, "unauthorised", "4", "12"),
        row(PLANTED_BSN, &monday, "unauthorised", "4", "12"),
        row(PUPIL, &monday, "late", "-1", "12"),
    ]
}
