//! Matching a delivery's header to its contract.

use vroeg_contracts::Contract;

/// Where each contract column sits in a delivery's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    /// For each contract column (contract order), its field position, or
    /// `None` for an optional column absent from the header.
    pub positions: Vec<Option<usize>>,
    /// The number of fields in the header.
    pub width: usize,
    /// Header names that are not in the contract (ignored, warned once).
    pub extra: Vec<String>,
}

/// Matches header names to contract columns, case-insensitively after
/// trimming. Returns the refusal message when a required column is missing
/// or a column appears twice.
pub fn read_header(contract: &Contract, names: &[&str], file: &str) -> Result<HeaderMap, String> {
    let normalised: Vec<String> = names.iter().map(|n| n.trim().to_lowercase()).collect();
    let mut positions = Vec::with_capacity(contract.columns.len());
    for column in contract.columns {
        let found: Vec<usize> = normalised
            .iter()
            .enumerate()
            .filter(|(_, n)| *n == column.name)
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [] if column.required => {
                return Err(format!(
                    "column `{}` missing in {file} (required by contract {}); add it to the header or ask the supplier for a corrected file",
                    column.name,
                    contract.source.name()
                ));
            }
            [] => positions.push(None),
            [i] => positions.push(Some(*i)),
            _ => {
                return Err(format!(
                    "column `{}` appears {} times in the header of {file}; it must appear once",
                    column.name,
                    found.len()
                ));
            }
        }
    }
    let extra = normalised
        .iter()
        .filter(|n| contract.index_of(n).is_none())
        .cloned()
        .collect();
    Ok(HeaderMap {
        positions,
        width: names.len(),
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vroeg_contracts::Source;

    #[test]
    fn header_is_matched_case_insensitively_in_any_order() {
        let c = Source::Households.contract();
        let h = read_header(
            c,
            &[
                " Minors",
                "ADULTS",
                "district_code ",
                "Reference_Date",
                "household_key",
                "note",
            ],
            "x.csv",
        )
        .unwrap();
        assert_eq!(
            h.positions,
            vec![Some(4), Some(3), Some(2), Some(1), Some(0)]
        );
        assert_eq!(h.extra, vec!["note".to_string()]);
    }

    #[test]
    fn missing_and_repeated_columns_refuse_the_file() {
        let c = Source::RentArrears.contract();
        let err = read_header(
            c,
            &["household_key", "reference_date"],
            "inbox/rent_arrears/a.csv",
        )
        .unwrap_err();
        assert!(err.starts_with("column `landlord_code` missing in inbox/rent_arrears/a.csv (required by contract rent_arrears)"), "{err}");
        let c = Source::Households.contract();
        let err = read_header(
            c,
            &[
                "household_key",
                "HOUSEHOLD_KEY",
                "reference_date",
                "district_code",
                "adults",
                "minors",
            ],
            "h.csv",
        )
        .unwrap_err();
        assert!(err.contains("appears 2 times"), "{err}");
    }
}
