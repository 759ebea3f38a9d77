//! The six sources of contracts v1, one table each.

use crate::file::{self, Role};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::OnceLock;

/// What a column holds and which grammar its values follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A pseudonymous key (`household_key`, `person_key`); the 9-digit
    /// raw-identifier check applies.
    Key,
    /// A date in the source's pattern; `monday` requires a Monday.
    Date {
        /// Whether the date must be a Monday (`week_start`).
        monday: bool,
    },
    /// A string of 1 to `max` characters.
    Text {
        /// The maximum length in characters.
        max: usize,
    },
    /// One of a fixed set of values, case-sensitive.
    Enum(&'static [&'static str]),
    /// A boolean (optional columns default to false).
    Bool,
    /// Euros with at most 2 decimals; `positive` demands > 0, else >= 0.
    Amount {
        /// Whether zero is out of range.
        positive: bool,
    },
    /// Hours of absence: > 0 and <= 40, any number of decimals.
    Hours,
    /// A whole number within `min..=max`.
    Integer {
        /// The smallest allowed value.
        min: i64,
        /// The largest allowed value.
        max: i64,
    },
}

/// One column of a contract table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The column name as in the contract (lowercase).
    pub name: &'static str,
    /// Its kind and grammar.
    pub kind: ColumnKind,
    /// Whether the column must be in the header and non-empty in a row.
    pub required: bool,
}

/// The creditor types of `debt_arrears`.
pub const CREDITOR_TYPES: &[&str] = &[
    "energy",
    "water",
    "health_insurance",
    "cak_health_insurance",
    "mortgage",
    "tax_authority",
    "benefits_reclaim",
    "duo",
    "cak_own_contribution",
    "municipal_tax",
    "other",
];
/// The kinds of school absence.
pub const ABSENCE_KINDS: &[&str] = &["unauthorised", "luxury_leave", "long_term", "late"];
/// The benefit types of `benefit_stops`.
pub const BENEFIT_TYPES: &[&str] = &[
    "participatiewet",
    "ww",
    "wia",
    "wajong",
    "ioaw",
    "zorgtoeslag",
    "huurtoeslag",
    "kinderopvangtoeslag",
    "kindgebonden_budget",
    "other",
];
/// The reasons a benefit stops.
pub const STOP_REASONS: &[&str] = &[
    "work_income",
    "sanction",
    "end_of_entitlement",
    "moved_out",
    "detention",
    "administrative",
    "deceased",
    "other",
];
/// The outcomes of an outreach case (EnumEindresultaat).
pub const OUTCOMES: &[&str] = &[
    "not_picked_up_repeat",
    "not_picked_up_wrong_signal",
    "not_picked_up_other",
    "deceased",
    "not_resident",
    "known_to_debt_help",
    "other_support_ongoing",
    "no_contact",
    "no_response_after_contact",
    "no_help_wanted",
    "already_paid_or_arranged",
    "quick_fix",
    "followup_financial",
    "followup_nonfinancial",
    "referral_without_contact",
];

/// The outcomes that mean the household needed help: a quick fix or a
/// follow-up (the DDAS outcome classes the backtest counts).
pub const NEEDED_HELP: [&str; 3] = ["quick_fix", "followup_financial", "followup_nonfinancial"];
/// How the outreach team made contact.
pub const CONTACT_KINDS: &[&str] = &[
    "mail",
    "letter",
    "text_message",
    "phone",
    "home_visit",
    "card",
    "administrative",
    "other",
];

/// The fixed description of one source, read from its contract file.
#[derive(Debug, PartialEq, Eq)]
pub struct Contract {
    /// Which source this is.
    pub source: Source,
    /// Columns in contract-table order (the order reasons are tried in).
    pub columns: &'static [Column],
    /// The partition key: a delivery replaces earlier rows with the same
    /// values of these columns.
    pub partition_key: &'static [&'static str],
    /// The date column that places a row in time: the store's period and the
    /// as-of cut-off (nothing after T is used).
    pub time_column: &'static str,
    /// `(earlier, later)`: `earlier` after `later` is `date_order`.
    pub date_order: Option<(&'static str, &'static str)>,
    /// Columns whose values must be unique within one partition key value
    /// (`duplicate_key`).
    pub unique: Option<&'static [&'static str]>,
    /// The column naming the supplier, if the source has one.
    pub supplier_column: Option<&'static str>,
    /// What scoring needs the source for, beyond its features.
    pub role: Option<Role>,
}

impl Contract {
    /// The index of a column by its contract name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// One of the sources of the data contract; also the inbox folder name and
/// the store table name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Rent arrears from landlords (huurachterstand), monthly snapshots.
    RentArrears,
    /// Arrears on fixed costs from creditors (betalingsachterstand vaste
    /// lasten), monthly snapshots.
    DebtArrears,
    /// School absence (schoolverzuim), weekly.
    SchoolAbsence,
    /// Stopped benefits and allowances (beëindiging uitkering of toeslag).
    BenefitStops,
    /// The household register snapshot (huishoudens).
    Households,
    /// Outcomes of earlier outreach (uitkomsten).
    OutreachOutcomes,
}

impl Source {
    /// Every source, in contract order.
    pub const ALL: [Source; 6] = [
        Source::RentArrears,
        Source::DebtArrears,
        Source::SchoolAbsence,
        Source::BenefitStops,
        Source::Households,
        Source::OutreachOutcomes,
    ];

    /// The folder, table and pipeline-file name of the source.
    pub fn name(self) -> &'static str {
        match self {
            Source::RentArrears => "rent_arrears",
            Source::DebtArrears => "debt_arrears",
            Source::SchoolAbsence => "school_absence",
            Source::BenefitStops => "benefit_stops",
            Source::Households => "households",
            Source::OutreachOutcomes => "outreach_outcomes",
        }
    }

    /// The source's name in Dutch, for the algorithm register and the DPIA
    /// annex (`vroeg register`).
    pub fn dutch_name(self) -> &'static str {
        match self {
            Source::RentArrears => "huurachterstand",
            Source::DebtArrears => "betalingsachterstand vaste lasten",
            Source::SchoolAbsence => "schoolverzuim",
            Source::BenefitStops => "beëindiging uitkering of toeslag",
            Source::Households => "huishoudens (basisregistratie personen)",
            Source::OutreachOutcomes => "uitkomsten outreach",
        }
    }

    /// The source of a folder or table name.
    pub fn from_name(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The contract of this source, from its shipped contract file.
    pub fn contract(self) -> &'static Contract {
        static CONTRACTS: OnceLock<Vec<Contract>> = OnceLock::new();
        let all = CONTRACTS.get_or_init(|| Source::ALL.into_iter().map(shipped).collect());
        &all[self as usize]
    }

    /// The text of the source's shipped contract file
    /// (`contracts/<name>.toml`).
    pub fn contract_file(self) -> &'static str {
        match self {
            Source::RentArrears => include_str!("../../../contracts/rent_arrears.toml"),
            Source::DebtArrears => include_str!("../../../contracts/debt_arrears.toml"),
            Source::SchoolAbsence => include_str!("../../../contracts/school_absence.toml"),
            Source::BenefitStops => include_str!("../../../contracts/benefit_stops.toml"),
            Source::Households => include_str!("../../../contracts/households.toml"),
            Source::OutreachOutcomes => {
                include_str!("../../../contracts/outreach_outcomes.toml")
            }
        }
    }
}

/// The contract of a built-in source. Its file is part of the binary and
/// checked by this crate's tests, so it cannot be malformed at run time.
fn shipped(source: Source) -> Contract {
    let parsed = file::parse(source.contract_file()).unwrap_or_else(|m| {
        panic!(
            "the shipped contract of {} is malformed at {}: {}",
            source.name(),
            m.key,
            m.message
        )
    });
    Contract {
        source,
        columns: parsed.columns,
        partition_key: parsed.partition_key,
        time_column: parsed.time_column,
        date_order: parsed.date_order,
        unique: parsed.unique,
        supplier_column: parsed.supplier_column,
        role: parsed.role,
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn req(name: &'static str, kind: ColumnKind) -> Column {
        Column {
            name,
            kind,
            required: true,
        }
    }

    const fn opt(name: &'static str, kind: ColumnKind) -> Column {
        Column {
            name,
            kind,
            required: false,
        }
    }

    const KEY: ColumnKind = ColumnKind::Key;
    const DATE: ColumnKind = ColumnKind::Date { monday: false };
    const SUPPLIER: ColumnKind = ColumnKind::Text { max: 32 };

    // The contracts as they were written in Rust before they became files:
    // the shipped files must give exactly these.
    static V1_RENT_ARREARS: Contract = Contract {
        source: Source::RentArrears,
        columns: &[
            req("household_key", KEY),
            req("reference_date", DATE),
            req("landlord_code", SUPPLIER),
            req("arrears_eur", ColumnKind::Amount { positive: true }),
            req("monthly_rent_eur", ColumnKind::Amount { positive: true }),
            req("oldest_unpaid_date", DATE),
            opt("payment_plan", ColumnKind::Bool),
        ],
        partition_key: &["landlord_code", "reference_date"],
        time_column: "reference_date",
        date_order: Some(("oldest_unpaid_date", "reference_date")),
        unique: None,
        supplier_column: Some("landlord_code"),
        role: None,
    };

    static V1_DEBT_ARREARS: Contract = Contract {
        source: Source::DebtArrears,
        columns: &[
            req("household_key", KEY),
            req("reference_date", DATE),
            req("creditor_type", ColumnKind::Enum(CREDITOR_TYPES)),
            req("creditor_code", SUPPLIER),
            req("arrears_eur", ColumnKind::Amount { positive: true }),
            req("oldest_unpaid_date", DATE),
            opt("payment_plan", ColumnKind::Bool),
        ],
        partition_key: &["creditor_code", "reference_date"],
        time_column: "reference_date",
        date_order: Some(("oldest_unpaid_date", "reference_date")),
        unique: None,
        supplier_column: Some("creditor_code"),
        role: None,
    };

    static V1_SCHOOL_ABSENCE: Contract = Contract {
        source: Source::SchoolAbsence,
        columns: &[
            req("household_key", KEY),
            req("person_key", KEY),
            req("week_start", ColumnKind::Date { monday: true }),
            req("school_code", SUPPLIER),
            req("absence_kind", ColumnKind::Enum(ABSENCE_KINDS)),
            req("hours", ColumnKind::Hours),
            req("pupil_age", ColumnKind::Integer { min: 4, max: 23 }),
        ],
        partition_key: &["school_code", "week_start"],
        time_column: "week_start",
        date_order: None,
        unique: None,
        supplier_column: Some("school_code"),
        role: None,
    };

    static V1_BENEFIT_STOPS: Contract = Contract {
        source: Source::BenefitStops,
        columns: &[
            req("household_key", KEY),
            req("person_key", KEY),
            req("agency_code", SUPPLIER),
            req("stop_date", DATE),
            req("reference_date", DATE),
            req("benefit_type", ColumnKind::Enum(BENEFIT_TYPES)),
            req("reason", ColumnKind::Enum(STOP_REASONS)),
            req("monthly_amount_eur", ColumnKind::Amount { positive: false }),
        ],
        partition_key: &["agency_code", "reference_date"],
        time_column: "reference_date",
        date_order: Some(("stop_date", "reference_date")),
        unique: None,
        supplier_column: Some("agency_code"),
        role: None,
    };

    static V1_HOUSEHOLDS: Contract = Contract {
        source: Source::Households,
        columns: &[
            req("household_key", KEY),
            req("reference_date", DATE),
            req("district_code", ColumnKind::Text { max: 16 }),
            req("adults", ColumnKind::Integer { min: 0, max: 20 }),
            req("minors", ColumnKind::Integer { min: 0, max: 20 }),
        ],
        partition_key: &["reference_date"],
        time_column: "reference_date",
        date_order: None,
        unique: Some(&["household_key"]),
        supplier_column: None,
        role: Some(Role::Register),
    };

    static V1_OUTREACH_OUTCOMES: Contract = Contract {
        source: Source::OutreachOutcomes,
        columns: &[
            req("household_key", KEY),
            req("team_code", SUPPLIER),
            req("closed_date", DATE),
            req("outcome", ColumnKind::Enum(OUTCOMES)),
            opt("contact_kind", ColumnKind::Enum(CONTACT_KINDS)),
        ],
        partition_key: &["team_code", "closed_date"],
        time_column: "closed_date",
        date_order: None,
        unique: None,
        supplier_column: Some("team_code"),
        role: Some(Role::Outcomes),
    };

    #[test]
    fn the_shipped_files_give_the_contracts_of_v1() {
        let v1 = [
            &V1_RENT_ARREARS,
            &V1_DEBT_ARREARS,
            &V1_SCHOOL_ABSENCE,
            &V1_BENEFIT_STOPS,
            &V1_HOUSEHOLDS,
            &V1_OUTREACH_OUTCOMES,
        ];
        for (source, expected) in Source::ALL.into_iter().zip(v1) {
            assert_eq!(source.contract(), expected, "{source}");
            let parsed = file::parse(source.contract_file()).unwrap();
            assert_eq!(parsed.name, source.name());
            assert_eq!(parsed.dutch_name, source.dutch_name());
        }
    }

    #[test]
    fn every_contract_names_real_columns() {
        for source in Source::ALL {
            let c = source.contract();
            assert_eq!(c.source, source);
            assert_eq!(Source::from_name(source.name()), Some(source));
            for col in c.partition_key {
                assert!(c.index_of(col).is_some(), "{source}: {col}");
            }
            assert!(c.index_of(c.time_column).is_some());
            if let Some((a, b)) = c.date_order {
                assert!(c.index_of(a).is_some() && c.index_of(b).is_some());
            }
            assert_eq!(c.columns[0].name, "household_key");
        }
    }
}
