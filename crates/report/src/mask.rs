//! Small-number protection: counts below [`SMALL`] about a district, a rule,
//! a score or a reason for dropping off are never shown as they are.
//!
//! Masking a cell is not enough when the cells of a table add up to a total
//! the report shows: the masked cell is then the total minus the others.
//! Every such table is masked as a partition ([`mask_partition`], a simple
//! complementary suppression): each count below five becomes `<5`, and when
//! exactly one cell of a partition is `<5`, the smallest other one (the first
//! of equals) is hidden as `x`, so that at least two cells are unknown and
//! only their sum can be worked out. The totals themselves (the funnel, the
//! history, the changes' new/dropped/still) are counts for the whole
//! pipeline and shown as they are.
//!
//! Which table of `report-data.json` adds up to which shown total:
//!
//! | cells | partition | add up to |
//! |---|---|---|
//! | `districts[].listed` | all rows | funnel `listed` (and this run's `history` point) |
//! | `scores[].households` | rows with `eligible` | funnel `eligible` |
//! | `scores[].households` | rows without `eligible` | funnel `households_with_rule` − `eligible` |
//! | `scores[].listed` | rows with `eligible` | funnel `listed` |
//! | `scores[].listed` | rows without `eligible` | 0: never listed, by the rules |
//! | `changes.dropped_why[].households` | all rows | `changes.dropped` |
//! | `rules[].fired`, `rules[].listed` | none | no total: a household fires several rules |
//!
//! The scores table is two partitions because both of its sub-totals are
//! shown: a cell hidden among the rows below the eligibility score does not
//! protect a `<5` among the eligible rows. Its `listed` cells below that
//! score are zero and known to be, so they are `<5` like any zero but
//! protect nothing.
//!
//! `audit.rs` checks the written `report-data.json` against this table (its
//! `TABLES` list is the same table as data); [`render`](crate::render)
//! refuses to write a report that fails it.
//!
//! Known limits, both because the totals are shown on purpose:
//! - a partition of one row is its total (one district, one reason for
//!   dropping off): it is shown as `<5`, but the total says what it is;
//! - the bounds of `<5` (0 to 4) and `x` (5 or more) can pin masked cells
//!   when every cell of a partition is masked: two `<5` adding up to 8 are
//!   4 each. Closing that would mean masking totals the spec shows.

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
/// below five becomes `<5`; then the smallest other cell (the first of
/// equals) is hidden as `x`, and the next, for as long as
/// - exactly one cell is masked: it would be the total minus the rest, or
/// - the masked cells are pinned: their sum (the total minus the rest)
///   leaves each of them one value (two `<5` adding up to 8 are 4 each; a
///   `<5` and an `x` adding up to 5 are 0 and 5).
///
/// When every cell is masked and they are still pinned, the shown total
/// itself gives them away; that limit is in the module header.
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
    loop {
        let masked = shown.iter().filter(|s| s.count().is_none()).count();
        let values = || counts.iter().zip(&shown).map(|(&n, &s)| (n, s));
        if !(masked == 1 && counts.len() >= 2 || pinned(values())) {
            return shown;
        }
        let Some((i, _)) = counts
            .iter()
            .enumerate()
            .filter(|(i, _)| shown[*i].count().is_some())
            .min_by_key(|(i, n)| (**n, *i))
        else {
            return shown;
        };
        shown[i] = Shown::Hidden;
    }
}

/// Whether the masked cells of a partition, given their true values, are
/// pinned by their sum (which the shown total and cells give away) and
/// their bounds (`<5`: 0 to 4, `x`: 5 or more): each is then the only value
/// it can have. The range of sums of the masked cells is contiguous, so that
/// happens exactly when the sum is the least or the most they can add up to.
fn pinned(cells: impl IntoIterator<Item = (u64, Shown)>) -> bool {
    let (mut sum, mut least, mut most, mut any) = (0, 0, Some(0), false);
    for (n, s) in cells {
        match s {
            Shown::Count(_) => continue,
            Shown::Small => most = most.map(|m| m + SMALL - 1),
            Shown::Hidden => {
                least += SMALL;
                most = None;
            }
        }
        sum += n;
        any = true;
    }
    any && (sum == least || Some(sum) == most)
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

    /// Whether some masked cell of `t` can have one value only, tried value
    /// by value: the other masked cells must make up the rest within their
    /// bounds (`x` at most the whole sum).
    fn leaves_one_value(t: &[u64], shown: &[Shown]) -> bool {
        let masked: Vec<usize> = (0..t.len())
            .filter(|&i| shown[i].count().is_none())
            .collect();
        let sum: u64 = masked.iter().map(|&i| t[i]).sum();
        let bounds = |i: usize| match shown[i] {
            Shown::Small => (0, SMALL - 1),
            _ => (SMALL, sum),
        };
        masked.iter().any(|&i| {
            let (lo, hi) = bounds(i);
            let rest = masked.iter().filter(|&&j| j != i);
            let (rest_lo, rest_hi) = rest.fold((0, 0), |(a, b), &j| {
                let (l, h) = bounds(j);
                (a + l, b + h)
            });
            (lo..=hi)
                .filter(|v| v + rest_lo <= sum && sum <= v + rest_hi)
                .count()
                == 1
        })
    }

    #[test]
    fn hidden_cells_close_the_bounds_of_the_masked_ones() {
        // 0 and 5 adding up to 5: both pinned, so 9 goes too
        assert_eq!(
            mask_partition(&[0, 5, 9]),
            vec![Shown::Small, Shown::Hidden, Shown::Hidden]
        );
        // 4 and 4 adding up to 8
        assert_eq!(
            mask_partition(&[4, 4, 9, 12]),
            vec![Shown::Small, Shown::Small, Shown::Hidden, Shown::Count(12)]
        );
        // nothing left to hide: the total gives them away (the known limit)
        assert_eq!(mask_partition(&[4, 4]), vec![Shown::Small, Shown::Small]);
        assert!(pinned([(4, Shown::Small), (4, Shown::Small)]));
        assert!(!pinned([(3, Shown::Small), (4, Shown::Small)]));
        assert!(!pinned([(7, Shown::Count(7))]));
    }

    #[test]
    fn no_partition_of_two_or_more_cells_has_a_lone_masked_cell() {
        // every table of up to four cells from these counts
        let values = [0, 1, 4, 5, 6, 9, 30];
        let mut tables: Vec<Vec<u64>> = vec![vec![]];
        for _ in 0..4 {
            let longer: Vec<Vec<u64>> = tables
                .iter()
                .filter(|t| t.len() == tables.last().map_or(0, Vec::len))
                .flat_map(|t| {
                    values.iter().map(move |&v| {
                        let mut t = t.clone();
                        t.push(v);
                        t
                    })
                })
                .collect();
            tables.extend(longer);
        }
        assert_eq!(tables.len(), 1 + 7 + 49 + 343 + 2401);
        for t in &tables {
            let shown = mask_partition(t);
            let masked = shown.iter().filter(|s| s.count().is_none()).count();
            let small = t.iter().filter(|&&n| n < SMALL).count();
            // what is small is `<5`; what is shown is the count itself
            for (s, &n) in shown.iter().zip(t) {
                assert!(n >= SMALL || *s == Shown::Small, "{t:?}: {shown:?}");
                assert!(s.count().is_none_or(|c| c == n), "{t:?}: {shown:?}");
            }
            if t.len() >= 2 {
                assert_ne!(masked, 1, "{t:?}: {shown:?}");
            }
            if masked < t.len() {
                assert!(!leaves_one_value(t, &shown), "{t:?}: {shown:?}");
            }
            // the smallest are hidden first: no hidden cell above a shown one
            let hidden = t.iter().zip(&shown).filter(|(_, s)| **s == Shown::Hidden);
            let least_shown = shown.iter().filter_map(|s| s.count()).min();
            for (&n, _) in hidden {
                assert!(least_shown.is_none_or(|m| n <= m), "{t:?}: {shown:?}");
            }
            assert!(masked >= small, "{t:?}: {shown:?}");
        }
    }
}
