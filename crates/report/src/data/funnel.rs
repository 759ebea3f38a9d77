//! The funnel from "any rule fired" to "listed": counts for the whole
//! pipeline, shown as they are (the same numbers as `summary.json`). Other
//! tables add up to its steps, which is why they need complementary
//! suppression (see `mask.rs`).

use serde::Serialize;
use vroeg_pipeline::RuleSet;
use vroeg_scoring::{SignalList, Status};

/// One step of the funnel from "any rule" to "listed".
#[derive(Debug, Clone, Serialize)]
pub struct FunnelStep {
    /// The count's key (as in `summary.json`).
    pub step: &'static str,
    /// What it counts, for people.
    pub label: String,
    /// Households.
    pub households: u64,
}

/// The funnel's steps, in order.
pub(crate) fn funnel(list: &SignalList, rs: &RuleSet) -> Vec<FunnelStep> {
    let c = &list.counts;
    let beyond = list
        .candidates
        .iter()
        .filter(|(_, s)| *s == Status::BeyondMaxListed)
        .count() as u64;
    vec![
        FunnelStep {
            step: "households_with_rule",
            label: "Households with any rule fired".into(),
            households: c.households_with_rule,
        },
        FunnelStep {
            step: "eligible",
            label: format!("Eligible (score at least {})", rs.eligible_min_score),
            households: c.eligible,
        },
        FunnelStep {
            step: "not_resident",
            label: "Not resident: left out (moved away)".into(),
            households: c.not_resident,
        },
        FunnelStep {
            step: "suppressed_recent_contact",
            label: format!(
                "Outreach contact in the last {} days: left out",
                rs.suppress_recent_contact_days
            ),
            households: c.suppressed_recent_contact,
        },
        FunnelStep {
            step: "beyond_max_listed",
            label: "Beyond max_listed: left out".into(),
            households: beyond,
        },
        FunnelStep {
            step: "listed",
            label: "Listed".into(),
            households: c.listed,
        },
    ]
}
