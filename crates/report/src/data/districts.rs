//! Listed households per district. The rows add up to the funnel's listed
//! count, so they are masked as one partition ([`mask_partition`]).

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

/// One row per district with a listed household, by district code.
pub(crate) fn districts(list: &SignalList) -> Vec<DistrictRow> {
    let mut per_district: BTreeMap<String, u64> = BTreeMap::new();
    for (h, s) in &list.candidates {
        if matches!(s, Status::Listed(_)) {
            let d = h
                .district_code
                .clone()
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "(unknown)".into());
            *per_district.entry(d).or_default() += 1;
        }
    }
    let shown = mask_partition(&per_district.values().copied().collect::<Vec<_>>());
    per_district
        .into_keys()
        .zip(shown)
        .map(|(district, listed)| DistrictRow { district, listed })
        .collect()
}
