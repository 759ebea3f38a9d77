//! Small-number protection: counts below [`SMALL`] about a district, a rule
//! or another small group are never shown as they are.

use serde::{Serialize, Serializer};
use std::fmt;

/// Counts below this are shown as `<5`.
pub const SMALL: u64 = 5;

/// A count as people may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Five or more: shown as it is.
    Count(u64),
    /// Below five (zero included): shown as `<5`.
    Small,
    /// Five or more, but hidden (`x`) so that a `<5` in the same table cannot
    /// be worked out from the table's total.
    Hidden,
}

impl Shown {
    /// `n` shown as it is, or as `<5`.
    pub fn of(n: u64) -> Shown {
        if n < SMALL {
            Shown::Small
        } else {
            Shown::Count(n)
        }
    }

    /// The number, when it may be shown.
    pub fn count(self) -> Option<u64> {
        match self {
            Shown::Count(n) => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Count(n) => write!(f, "{n}"),
            Shown::Small => write!(f, "<{SMALL}"),
            Shown::Hidden => write!(f, "x"),
        }
    }
}

impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Count(n) => s.serialize_u64(*n),
            other => s.serialize_str(&other.to_string()),
        }
    }
}

/// Masks the cells of a table whose cells add up to a total shown elsewhere
/// (listed households per district add up to the listed count). Each count
/// below five becomes `<5`; when exactly one cell is masked, the smallest
/// other cell (the first of equals) is hidden too, or the masked one would
/// be the total minus the rest.
///
/// ```
/// use vroeg_report::{Shown, mask_partition};
/// assert_eq!(
///     mask_partition(&[12, 3, 7, 9]),
///     vec![Shown::Count(12), Shown::Small, Shown::Hidden, Shown::Count(9)]
/// );
/// ```
pub fn mask_partition(counts: &[u64]) -> Vec<Shown> {
    let mut shown: Vec<Shown> = counts.iter().map(|&n| Shown::of(n)).collect();
    if shown.iter().filter(|s| **s == Shown::Small).count() == 1
        && let Some((i, _)) = counts
            .iter()
            .enumerate()
            .filter(|(i, _)| shown[*i] != Shown::Small)
            .min_by_key(|(i, n)| (**n, *i))
    {
        shown[i] = Shown::Hidden;
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_five_including_zero_is_small() {
        let shown: Vec<String> = [0, 1, 4, 5, 6]
            .iter()
            .map(|&n| Shown::of(n).to_string())
            .collect();
        assert_eq!(shown, ["<5", "<5", "<5", "5", "6"]);
        assert_eq!(
            serde_json::to_string(&[Shown::of(3), Shown::of(7), Shown::Hidden]).unwrap(),
            r#"["<5",7,"x"]"#
        );
    }

    #[test]
    fn one_small_cell_hides_the_smallest_other() {
        assert_eq!(
            mask_partition(&[9, 6, 2, 6]),
            vec![
                Shown::Count(9),
                Shown::Hidden,
                Shown::Small,
                Shown::Count(6)
            ]
        );
        // two small cells: their sum is still unknown, nothing more hidden
        assert_eq!(
            mask_partition(&[9, 1, 2]),
            vec![Shown::Count(9), Shown::Small, Shown::Small]
        );
        // nothing small, or a single cell: nothing hidden
        assert_eq!(
            mask_partition(&[5, 8]),
            vec![Shown::Count(5), Shown::Count(8)]
        );
        assert_eq!(mask_partition(&[3]), vec![Shown::Small]);
        assert_eq!(mask_partition(&[]), vec![]);
    }
}
