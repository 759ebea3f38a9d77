//! Fairness per district: is a district listed more or less often than
//! its share of the register's households?
//!
//! A district's listed rate is its listed households per household in the
//! register snapshot the list used; the ratio is that rate over the whole
//! municipality's, so 1 means its share of the list equals its share of
//! the register. Its 95% interval is the Wilson interval of the district's
//! rate divided by the municipality's rate (taken as known: it is the
//! whole population, not a sample). A ratio outside the pipeline file's
//! band (`[fairness] band`, default 0.5 to 2.0) is flagged.
//!
//! [`rates`] gives the exact numbers (for analysts: `backtest.json`);
//! [`masked`] the numbers people see. There a ratio is shown only when the
//! district's listed count and its register count are both shown, since
//! either would follow from it; a masked district is still flagged when
//! every count its mask allows (`<5`: 0 to 4, `x`: 5 or more) puts it on
//! the same side of the band, which tells nothing its mask does not.

use crate::mask::{SMALL, Shown, mask_partition};
use crate::wilson::wilson;
use serde::Serialize;
use std::collections::BTreeMap;
use vroeg_pipeline::FairnessBand;

/// Where a district's ratio lies against the band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Below the band: listed less often than its share of the register.
    Below,
    /// Within the band.
    Within,
    /// Above the band: listed more often than its share of the register.
    Above,
    /// Not known: nothing listed anywhere, no register households, or a
    /// mask that leaves both sides possible.
    Unknown,
}

/// One district's exact numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistrictRate {
    /// The district code.
    pub district: String,
    /// Households of the district in the register snapshot.
    pub register_households: u64,
    /// Listed households of the district.
    pub listed: u64,
    /// Listed per register household (`None` without register households).
    pub listed_rate: Option<f64>,
    /// The listed rate over the municipality's (`None` when either is
    /// unknown or nothing is listed).
    pub ratio: Option<f64>,
    /// Lower bound of the ratio's 95% interval.
    pub ratio_low: Option<f64>,
    /// Upper bound of the ratio's 95% interval.
    pub ratio_high: Option<f64>,
    /// Where the ratio lies against the band.
    pub flag: Flag,
}

fn flag_of(ratio: f64, band: FairnessBand) -> Flag {
    if ratio < band.low {
        Flag::Below
    } else if ratio > band.high {
        Flag::Above
    } else {
        Flag::Within
    }
}

/// The municipality's listed rate: listed over register households, both
/// over the register's districts.
fn overall(rates: &[DistrictRate]) -> Option<f64> {
    let listed: u64 = rates.iter().map(|r| r.listed).sum();
    let register: u64 = rates.iter().map(|r| r.register_households).sum();
    (register > 0 && listed > 0).then(|| listed as f64 / register as f64)
}

/// Every district of the register, by code, with its exact rate, ratio and
/// flag. Listed households of a district the register does not hold are
/// left out (with a register, such households are not resident, so not
/// listed); without a register the result is empty.
pub fn rates(
    listed: &BTreeMap<String, u64>,
    register: &BTreeMap<String, u64>,
    band: FairnessBand,
) -> Vec<DistrictRate> {
    let mut rows: Vec<DistrictRate> = register
        .iter()
        .map(|(d, &n)| {
            let l = listed.get(d).copied().unwrap_or(0);
            DistrictRate {
                district: d.clone(),
                register_households: n,
                listed: l,
                listed_rate: (n > 0).then(|| l as f64 / n as f64),
                ratio: None,
                ratio_low: None,
                ratio_high: None,
                flag: Flag::Unknown,
            }
        })
        .collect();
    let Some(all) = overall(&rows) else {
        return rows;
    };
    for r in &mut rows {
        if let Some(w) = wilson(r.listed, r.register_households) {
            let ratio = w.share / all;
            r.ratio = Some(ratio);
            r.ratio_low = Some(w.low / all);
            r.ratio_high = Some(w.high / all);
            r.flag = flag_of(ratio, band);
        }
    }
    rows
}

/// One district as people see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FairnessRow {
    /// The district code.
    pub district: String,
    /// Households in the register, masked as one partition of the register
    /// total.
    pub register_households: Shown,
    /// Listed households, masked as the caller's table of listed per
    /// district masks them.
    pub listed: Shown,
    /// The ratio, when both counts are shown.
    pub ratio: Option<f64>,
    /// Its interval's lower bound, likewise.
    pub ratio_low: Option<f64>,
    /// Its interval's upper bound, likewise.
    pub ratio_high: Option<f64>,
    /// Where the ratio lies, as far as the shown counts tell.
    pub flag: Flag,
}

/// The fairness table people see.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fairness {
    /// The band's lower end.
    pub band_low: f64,
    /// The band's upper end.
    pub band_high: f64,
    /// Households in the register snapshot (the rows' total).
    pub register_households: u64,
    /// Listed households of the register's districts.
    pub listed: u64,
    /// One row per district of the register.
    pub rows: Vec<FairnessRow>,
}

/// The bounds a shown count allows, up to `most`.
fn bounds(s: Shown, most: u64) -> (u64, u64) {
    match s {
        Shown::Count(n) => (n, n),
        Shown::Small => (0, (SMALL - 1).min(most)),
        Shown::Hidden => (SMALL, most.max(SMALL)),
    }
}

/// The table people see. `listed_shown` gives each district's listed
/// count as another table of the same page shows it (a district missing
/// from it is masked as `<5`), so that both tables mask alike.
pub fn masked(
    rates: &[DistrictRate],
    listed_shown: &BTreeMap<String, Shown>,
    band: FairnessBand,
) -> Fairness {
    let registers = mask_partition(
        &rates
            .iter()
            .map(|r| r.register_households)
            .collect::<Vec<_>>(),
    );
    let all = overall(rates);
    let rows = rates
        .iter()
        .zip(registers)
        .map(|(r, register_households)| {
            let listed = listed_shown
                .get(&r.district)
                .copied()
                .unwrap_or(Shown::of(r.listed));
            let shown = listed.count().is_some() && register_households.count().is_some();
            let flag = match (shown, register_households.count(), all) {
                (true, _, _) => r.flag,
                (false, Some(n), Some(all)) if n > 0 => {
                    let (lo, hi) = bounds(listed, n);
                    let (a, b) = (
                        flag_of(lo as f64 / n as f64 / all, band),
                        flag_of(hi as f64 / n as f64 / all, band),
                    );
                    if a == b { a } else { Flag::Unknown }
                }
                _ => Flag::Unknown,
            };
            FairnessRow {
                district: r.district.clone(),
                register_households,
                listed,
                ratio: r.ratio.filter(|_| shown),
                ratio_low: r.ratio_low.filter(|_| shown),
                ratio_high: r.ratio_high.filter(|_| shown),
                flag,
            }
        })
        .collect();
    Fairness {
        band_low: band.low,
        band_high: band.high,
        register_households: rates.iter().map(|r| r.register_households).sum(),
        listed: rates.iter().map(|r| r.listed).sum(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn ratios_and_intervals_by_hand() {
        // register 1000 + 1000 + 2000 = 4000, listed 30 + 10 + 40 = 80:
        // the municipality's rate is 0.02
        let r = rates(
            &map(&[("A", 30), ("B", 10), ("C", 40)]),
            &map(&[("A", 1000), ("B", 1000), ("C", 2000)]),
            FairnessBand::default(),
        );
        assert_eq!(r[0].listed_rate, Some(0.03));
        assert!((r[0].ratio.unwrap() - 1.5).abs() < 1e-12);
        assert!((r[1].ratio.unwrap() - 0.5).abs() < 1e-12);
        assert!((r[2].ratio.unwrap() - 1.0).abs() < 1e-12);
        // A: Wilson 30/1000 is 0.021094 to 0.042503 (closed form by hand:
        // centre 0.031799, half-width 0.010705), over 0.02
        assert!(
            (r[0].ratio_low.unwrap() - 1.05469).abs() < 1e-4,
            "{:?}",
            r[0]
        );
        assert!(
            (r[0].ratio_high.unwrap() - 2.12517).abs() < 1e-4,
            "{:?}",
            r[0]
        );
        assert_eq!(
            r.iter().map(|x| x.flag).collect::<Vec<_>>(),
            [Flag::Within, Flag::Within, Flag::Within]
        );
        // the band's ends belong to it; just outside them is flagged
        let band = FairnessBand {
            low: 0.51,
            high: 1.49,
        };
        let r = rates(
            &map(&[("A", 30), ("B", 10), ("C", 40)]),
            &map(&[("A", 1000), ("B", 1000), ("C", 2000)]),
            band,
        );
        assert_eq!(
            r.iter().map(|x| x.flag).collect::<Vec<_>>(),
            [Flag::Above, Flag::Below, Flag::Within]
        );
    }

    #[test]
    fn nothing_listed_or_no_register_is_unknown() {
        let r = rates(&map(&[]), &map(&[("A", 10)]), FairnessBand::default());
        assert_eq!((r[0].ratio, r[0].flag), (None, Flag::Unknown));
        assert!(rates(&map(&[("A", 3)]), &map(&[]), FairnessBand::default()).is_empty());
    }

    #[test]
    fn a_masked_district_shows_no_ratio_but_a_flag_its_bounds_decide() {
        // A: 2 of 1000 listed (<5), B: 200 of 1000, C: 3 of 10 (<5)
        let r = rates(
            &map(&[("A", 2), ("B", 200), ("C", 3)]),
            &map(&[("A", 1000), ("B", 1000), ("C", 10)]),
            FairnessBand::default(),
        );
        let shown: BTreeMap<String, Shown> = [
            ("A".to_string(), Shown::Small),
            ("B".to_string(), Shown::Hidden),
            ("C".to_string(), Shown::Small),
        ]
        .into();
        let f = masked(&r, &shown, FairnessBand::default());
        assert_eq!(f.register_households, 2010);
        assert_eq!(f.listed, 205);
        for row in &f.rows {
            assert_eq!(
                (row.ratio, row.ratio_low, row.ratio_high),
                (None, None, None)
            );
        }
        // overall 205/2010 = 0.102: A at most 4/1000 is far below the band;
        // B, 5 or more of 1000, could be anywhere; C, 0 to 4 of 10 (the
        // register count 10 shown), could be below or above
        assert_eq!(
            f.rows.iter().map(|x| x.flag).collect::<Vec<_>>(),
            [Flag::Below, Flag::Unknown, Flag::Unknown]
        );
        assert_eq!(f.rows[2].register_households, Shown::Count(10));
    }

    #[test]
    fn register_counts_are_one_partition() {
        let r = rates(
            &map(&[("A", 10), ("B", 10)]),
            &map(&[("A", 3), ("B", 900), ("C", 800)]),
            FairnessBand::default(),
        );
        let f = masked(&r, &BTreeMap::new(), FairnessBand::default());
        assert_eq!(
            f.rows
                .iter()
                .map(|x| x.register_households)
                .collect::<Vec<_>>(),
            [Shown::Small, Shown::Count(900), Shown::Hidden]
        );
        // B shown in both counts: its ratio is shown
        assert!(f.rows[1].ratio.is_some() && f.rows[0].ratio.is_none());
    }
}
