//! One month's rows of a range of households, per delivery file.

use crate::household::{DISTRICTS, Household, Profile, rng};
use crate::{FileId, Month, SynthOptions, dialect};
use chrono::{Datelike, Days, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::ops::Range;
use vroeg_contracts::{Dialect, Source};

/// Landlords: three housing corporations and the private sector.
pub(crate) const LANDLORDS: &[&str] = &["vidomes", "degoedewoning", "wsdm", "particulier"];
/// Creditors with their type (the DDAS signal partners plus municipal tax).
pub(crate) const CREDITORS: &[(&str, &str)] = &[
    ("eneco", "energy"),
    ("vattenfall", "energy"),
    ("dunea", "water"),
    ("zilveren_kruis", "health_insurance"),
    ("cz", "health_insurance"),
    ("cak_zvw", "cak_health_insurance"),
    ("belastingdienst", "tax_authority"),
    ("dienst_toeslagen", "benefits_reclaim"),
    ("duo", "duo"),
    ("cak_eigen_bijdrage", "cak_own_contribution"),
    ("svhw", "municipal_tax"),
    ("hypotheekbank", "mortgage"),
    ("incasso_overig", "other"),
];
/// Attendance offices (leerplicht), by district half.
pub(crate) const SCHOOLS: &[&str] = &["leerplicht_noord", "leerplicht_zuid"];
/// Income services with the benefit types they stop.
pub(crate) const AGENCIES: &[(&str, &[&str])] = &[
    ("sociale_zaken", &["participatiewet", "ioaw"]),
    ("uwv", &["ww", "wia", "wajong"]),
    (
        "toeslagen",
        &[
            "zorgtoeslag",
            "huurtoeslag",
            "kinderopvangtoeslag",
            "kindgebonden_budget",
        ],
    ),
];
/// Outreach teams, by district half.
pub(crate) const TEAMS: &[&str] = &["vroeg_noord", "vroeg_zuid"];
/// The outcome of a case closed for a household with planted problems in
/// several domains (debts, and rent arrears or a pupil's absence): six in
/// eight needed help (quick fix or follow-up), as the Zoetermeer pilot
/// found for households with signals in several domains.
pub(crate) const PLANTED_OUTCOMES: [&str; 8] = [
    "followup_financial",
    "followup_financial",
    "followup_financial",
    "followup_nonfinancial",
    "followup_nonfinancial",
    "quick_fix",
    "known_to_debt_help",
    "no_contact",
];
/// The outcome of a case closed for a household with trouble in one domain
/// (planted debts alone, or passing trouble): two in eight needed help;
/// most had paid, or wanted none.
pub(crate) const PASSING_OUTCOMES: [&str; 8] = [
    "quick_fix",
    "followup_financial",
    "already_paid_or_arranged",
    "already_paid_or_arranged",
    "no_help_wanted",
    "no_help_wanted",
    "no_contact",
    "no_response_after_contact",
];
/// The register supplier name in file names.
pub(crate) const REGISTER: &str = "brp";

fn monthly(source: Source, month: &Month, supplier: &'static str) -> FileId {
    FileId {
        source,
        period: format!("{:04}-{:02}", month.first.year(), month.first.month()),
        supplier,
    }
}

fn weekly(monday: NaiveDate, supplier: &'static str) -> FileId {
    FileId {
        source: Source::SchoolAbsence,
        period: monday.to_string(),
        supplier,
    }
}

/// Every file a month delivers, rows or not: a supplier with nobody in
/// arrears still sends its (empty) snapshot.
pub(crate) fn expected_files(month: &Month) -> Vec<FileId> {
    let mut ids = Vec::new();
    ids.extend(
        LANDLORDS
            .iter()
            .map(|l| monthly(Source::RentArrears, month, l)),
    );
    ids.extend(
        CREDITORS
            .iter()
            .map(|c| monthly(Source::DebtArrears, month, c.0)),
    );
    for m in &month.mondays {
        ids.extend(SCHOOLS.iter().map(|s| weekly(*m, s)));
    }
    ids.extend(
        AGENCIES
            .iter()
            .map(|a| monthly(Source::BenefitStops, month, a.0)),
    );
    ids.extend(
        TEAMS
            .iter()
            .map(|t| monthly(Source::OutreachOutcomes, month, t)),
    );
    if month.register {
        ids.push(FileId {
            source: Source::Households,
            period: month.end.to_string(),
            supplier: REGISTER,
        });
    }
    ids
}

/// Formats cents as an amount in the dialect.
pub(crate) fn amount(cents: i64, d: &Dialect) -> String {
    format!(
        "{}{}{:02}",
        cents / 100,
        char::from(d.decimal.byte()),
        cents % 100
    )
}

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d - Days::new(n)
}

struct Out<'a> {
    files: BTreeMap<FileId, String>,
    month: &'a Month,
}

impl Out<'_> {
    fn row(&mut self, id: FileId, fields: &[&str]) {
        let d = char::from(dialect(id.source).delimiter);
        let s = self.files.entry(id).or_default();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                s.push(d);
            }
            s.push_str(f);
        }
        s.push('\n');
    }
}

/// The rows of households `range` in `month`, per file.
pub(crate) fn rows(
    opts: &SynthOptions,
    month: &Month,
    range: Range<u64>,
) -> BTreeMap<FileId, String> {
    let mut out = Out {
        files: BTreeMap::new(),
        month,
    };
    for i in range {
        let h = Household::generate(opts.seed, i, opts.months);
        let mut r = rng(opts.seed, i, u64::from(month.index));
        household_month(opts, &h, &mut r, &mut out);
    }
    out.files
}

fn household_month(opts: &SynthOptions, h: &Household, r: &mut ChaCha8Rng, out: &mut Out<'_>) {
    let month = out.month;
    let k = month.index;
    let n = h.trouble_months(k);
    let resident = h.resident(k);
    let mild = h.profile == Profile::Mild;
    let half = h.district % 2;

    // Rent arrears: landlords list every tenancy in arrears on the month's end.
    if let (Some(l), true) = (h.landlord, resident) {
        let d = dialect(Source::RentArrears);
        let chance = if mild { 0.10 } else { 0.012 };
        let arrears = if n > 0 {
            Some((
                (h.rent_cents as f64 * f64::from(n.min(6)) * r.random_range(0.7..1.05)) as i64,
                30 * u64::from(n) + r.random_range(0..10),
            ))
        } else if r.random_bool(chance) {
            Some((
                (h.rent_cents as f64 * r.random_range(0.15..0.95)) as i64,
                r.random_range(3..40),
            ))
        } else {
            None
        };
        if let Some((cents, age)) = arrears.map(|(c, a)| (c.max(100), a)) {
            let plan = if r.random_bool(0.12) { "ja" } else { "nee" };
            out.row(
                monthly(Source::RentArrears, month, LANDLORDS[l]),
                &[
                    &h.key,
                    &d.dates.format(month.end),
                    LANDLORDS[l],
                    &amount(cents, &d),
                    &amount(h.rent_cents, &d),
                    &d.dates.format(days_before(month.end, age)),
                    plan,
                ],
            );
        }
    }

    // Debt arrears: creditors keep sending after a move (they do not know).
    let d = dialect(Source::DebtArrears);
    let mut debts: Vec<(usize, i64, u64)> = Vec::new();
    if n > 0 {
        let count = 2 + (n as usize).min(2);
        for c in h.creditors.iter().take(count) {
            let cents = (r.random_range(6_000..25_000) as f64 * f64::from(n).powf(0.8)) as i64;
            debts.push((*c, cents, 30 * u64::from(n) + r.random_range(0..15)));
        }
    } else if r.random_bool(if mild { 0.06 } else { 0.015 }) {
        let c = h.creditors[r.random_range(0..h.creditors.len())];
        debts.push((c, r.random_range(3_000..40_000), r.random_range(10..70)));
    }
    for (c, cents, age) in debts {
        let plan = if r.random_bool(0.1) { "ja" } else { "nee" };
        out.row(
            monthly(Source::DebtArrears, month, CREDITORS[c].0),
            &[
                &h.key,
                &d.dates.format(month.end),
                CREDITORS[c].1,
                CREDITORS[c].0,
                &amount(cents, &d),
                &d.dates.format(days_before(month.end, age)),
                plan,
            ],
        );
    }

    // School absence: pupils of 4 to 17, week by week.
    if resident {
        let d = dialect(Source::SchoolAbsence);
        for monday in &month.mondays {
            for (j, (pupil, age0)) in h.minors.iter().enumerate() {
                let age = u32::from(*age0) + k / 12;
                if !(4..=17).contains(&age) {
                    continue;
                }
                let absence: Option<(&str, i64)> = if n > 0 && j == 0 && r.random_bool(0.65) {
                    Some((
                        "unauthorised",
                        [200, 350, 400, 550, 600, 800, 1200][r.random_range(0..7)],
                    ))
                } else {
                    match r.random_range(0..10_000) {
                        0..100 => Some(("late", r.random_range(1..5) * 50)),
                        100..180 => Some(("unauthorised", r.random_range(2..13) * 50)),
                        180..190 => Some(("luxury_leave", r.random_range(16..33) * 100)),
                        190..195 => Some(("long_term", r.random_range(24..41) * 100)),
                        _ => None,
                    }
                };
                if let Some((kind, centihours)) = absence {
                    let hours = format!(
                        "{}{}{}",
                        centihours / 100,
                        char::from(d.decimal.byte()),
                        (centihours % 100) / 10
                    );
                    out.row(
                        weekly(*monday, SCHOOLS[half]),
                        &[
                            &h.key,
                            pupil,
                            &d.dates.format(*monday),
                            SCHOOLS[half],
                            kind,
                            &hours,
                            &age.to_string(),
                        ],
                    );
                }
            }
        }
    }

    // Benefit stops: delivered monthly, dated the month's end.
    let stop = if n == 1 && r.random_bool(0.7) {
        Some(["sanction", "end_of_entitlement", "administrative", "other"][r.random_range(0..4)])
    } else if r.random_bool(0.003) {
        Some(
            [
                "work_income",
                "work_income",
                "moved_out",
                "end_of_entitlement",
                "other",
                "deceased",
            ][r.random_range(0..6)],
        )
    } else {
        None
    };
    if let Some(reason) = stop {
        let d = dialect(Source::BenefitStops);
        let (agency, types) = AGENCIES[r.random_range(0..AGENCIES.len())];
        let day = r.random_range(0..u64::from(month.end.day()));
        out.row(
            monthly(Source::BenefitStops, month, agency),
            &[
                &h.key,
                &h.recipient,
                agency,
                &d.dates.format(month.first + Days::new(day)),
                &d.dates.format(month.end),
                types[r.random_range(0..types.len())],
                reason,
                &amount(r.random_range(0..180_000), &d),
            ],
        );
    }

    // The register snapshot lists every resident household.
    if month.register && resident {
        let d = dialect(Source::Households);
        let minors = h
            .minors
            .iter()
            .filter(|(_, a)| u32::from(*a) + k / 12 < 18)
            .count()
            .to_string();
        out.row(
            FileId {
                source: Source::Households,
                period: month.end.to_string(),
                supplier: REGISTER,
            },
            &[
                &h.key,
                &d.dates.format(month.end),
                DISTRICTS[h.district].0,
                &h.adults.to_string(),
                &minors,
            ],
        );
    }

    // Outreach outcomes: the team closes some cases two months after onset.
    let contacted = (n == 3 && r.random_bool(0.45)) || (mild && r.random_bool(0.01));
    if contacted && resident {
        let d = dialect(Source::OutreachOutcomes);
        // trouble in several domains (debts, and rent or a pupil's
        // absence) mostly needed help; debts alone or passing trouble
        // mostly did not
        let pupil = h
            .minors
            .iter()
            .any(|(_, a)| (4..=17).contains(&(u32::from(*a) + k / 12)));
        let classes = if n > 0 && (h.landlord.is_some() || pupil) {
            &PLANTED_OUTCOMES
        } else {
            &PASSING_OUTCOMES
        };
        let outcome = classes[r.random_range(0..8)];
        let contact =
            ["home_visit", "home_visit", "letter", "phone", "card", ""][r.random_range(0..6)];
        let last = month.end.min(opts.as_of);
        let span = (last - month.first).num_days().max(0) as u64;
        let closed = month.first + Days::new(r.random_range(0..=span));
        out.row(
            monthly(Source::OutreachOutcomes, month, TEAMS[half]),
            &[
                &h.key,
                TEAMS[half],
                &d.dates.format(closed),
                outcome,
                contact,
            ],
        );
    }
}
