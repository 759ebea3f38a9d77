//! Listed households per district. The rows add up to the funnel's listed
//! count, so they are masked as one partition ([`mask_partition`]). The
//! fairness table repeats these cells, masked alike, beside each
//! district's households in the register.

use crate::data::ReportInput;
use crate::fairness::{Fairness, masked, rates};
use crate::mask::{Shown, mask_partition};
use serde::Serialize;
use std::collections::BTreeMap;
use vroeg_scoring::{SignalList, Status};

/// Listed households of one district.
#[derive(Debug, Clone, Serialize)]
pub struct DistrictRow {
    /// The district code, `(unknown)` without a register row.
    pub district: String,
    /// Listed households.
    pub listed: Shown,
}

/// The district of a listed household without one in the register.
pub const UNKNOWN_DISTRICT: &str = "(unknown)";

/// Listed households per district code ([`UNKNOWN_DISTRICT`] without one).
fn listed_per_district(list: &SignalList) -> BTreeMap<String, u64> {
    let mut per_district: BTreeMap<String, u64> = BTreeMap::new();
    for (h, s) in &list.candidates {
        if matches!(s, Status::Listed(_)) {
            let d = h
                .district_code
                .clone()
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| UNKNOWN_DISTRICT.into());
            *per_district.entry(d).or_default() += 1;
        }
    }
    per_district
}

/// One row per district with a listed household, by district code.
pub(crate) fn districts(list: &SignalList) -> Vec<DistrictRow> {
    let per_district = listed_per_district(list);
    let shown = mask_partition(&per_district.values().copied().collect::<Vec<_>>());
    per_district
        .into_keys()
        .zip(shown)
        .map(|(district, listed)| DistrictRow { district, listed })
        .collect()
}

/// The fairness table: every district of the register with its listed
/// count as [`districts`] masks it; `None` without a register snapshot.
pub(crate) fn fairness(input: &ReportInput<'_>, rows: &[DistrictRow]) -> Option<Fairness> {
    if !input.list.register_present || input.register.is_empty() {
        return None;
    }
    // households without a district are in no district of the register,
    // which is all `rates` reads
    let listed = listed_per_district(input.list);
    let shown: BTreeMap<String, Shown> = rows
        .iter()
        .map(|r| (r.district.clone(), r.listed))
        .collect();
    let exact = rates(&listed, input.register, input.fairness_band);
    Some(masked(&exact, &shown, input.fairness_band))
}
