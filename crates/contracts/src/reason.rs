//! Quarantine reason codes, in the order in which they are tried.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a row went to quarantine. Exactly one per row: the first that applies
/// in the order of the contract's "precise readings".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A `household_key` or `person_key` that is exactly 9 digits: a raw
    /// citizen service number (BSN). The value is never written anywhere.
    RawIdentifier,
    /// A required column is empty.
    MissingValue,
    /// Not a pseudonymous key (8..128 of `[0-9A-Za-z_-]`, starting with a
    /// letter or digit).
    InvalidKey,
    /// Not a real calendar date in the source's pattern.
    InvalidDate,
    /// A string longer than its column allows.
    InvalidString,
    /// Not one of the column's enum values (case-sensitive).
    InvalidEnum,
    /// Not one of true/false, ja/nee, yes/no, 1/0.
    InvalidBool,
    /// Not a number in the contract's grammar.
    InvalidNumber,
    /// An amount with more than 2 decimals.
    TooManyDecimals,
    /// An amount or number of hours with a leading `-`.
    NegativeAmount,
    /// A number outside its column's range.
    OutOfRange,
    /// A `week_start` that is not a Monday.
    NotAMonday,
    /// `oldest_unpaid_date` or `stop_date` after `reference_date`.
    DateOrder,
    /// A household listed twice in one register snapshot.
    DuplicateKey,
    /// A row with the wrong number of fields.
    MalformedRow,
}

impl Reason {
    /// Every reason code, in contract order.
    pub const ALL: [Reason; 15] = [
        Reason::RawIdentifier,
        Reason::MissingValue,
        Reason::InvalidKey,
        Reason::InvalidDate,
        Reason::InvalidString,
        Reason::InvalidEnum,
        Reason::InvalidBool,
        Reason::InvalidNumber,
        Reason::TooManyDecimals,
        Reason::NegativeAmount,
        Reason::OutOfRange,
        Reason::NotAMonday,
        Reason::DateOrder,
        Reason::DuplicateKey,
        Reason::MalformedRow,
    ];

    /// The reason code as written in quarantine files and ledgers.
    pub fn code(self) -> &'static str {
        match self {
            Reason::RawIdentifier => "raw_identifier",
            Reason::MissingValue => "missing_value",
            Reason::InvalidKey => "invalid_key",
            Reason::InvalidDate => "invalid_date",
            Reason::InvalidString => "invalid_string",
            Reason::InvalidEnum => "invalid_enum",
            Reason::InvalidBool => "invalid_bool",
            Reason::InvalidNumber => "invalid_number",
            Reason::TooManyDecimals => "too_many_decimals",
            Reason::NegativeAmount => "negative_amount",
            Reason::OutOfRange => "out_of_range",
            Reason::NotAMonday => "not_a_monday",
            Reason::DateOrder => "date_order",
            Reason::DuplicateKey => "duplicate_key",
            Reason::MalformedRow => "malformed_row",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
