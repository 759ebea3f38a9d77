//! Listed households per outreach team: the size of each team's worklist.
//!
//! A team's count is the sum of its districts' counts, so it is shown only
//! when every one of its districts is shown in the district table (then it
//! tells nothing new); a team with a masked district is masked as `x`
//! whatever its size, so that no team count and district counts together
//! pin a masked district. Households routed to no team are a row of their
//! own, so that nobody listed is silently without a team.

use crate::data::DistrictRow;
use crate::mask::Shown;
use serde::Serialize;
use std::collections::BTreeMap;
use vroeg_pipeline::Teams;
use vroeg_scoring::{SignalList, Status};

/// The row of listed households that no team visits.
pub const NO_TEAM: &str = "(no team)";

/// Listed households of one team.
#[derive(Debug, Clone, Serialize)]
pub struct TeamRow {
    /// The team code, or [`NO_TEAM`].
    pub team: String,
    /// Its districts as the pipeline file lists them (`default team` for
    /// the default team's share).
    pub districts: String,
    /// Listed households routed to it.
    pub listed: Shown,
}

/// One row per team with a listed household (and every team of the
/// pipeline file), by team code; empty when the pipeline has no teams.
pub(crate) fn teams(list: &SignalList, teams: &Teams, districts: &[DistrictRow]) -> Vec<TeamRow> {
    if teams.is_empty() {
        return Vec::new();
    }
    let shown: BTreeMap<&str, Shown> = districts
        .iter()
        .map(|d| (d.district.as_str(), d.listed))
        .collect();
    let mut rows: BTreeMap<String, (u64, bool)> = teams
        .codes()
        .into_iter()
        .map(|c| (c.to_string(), (0, false)))
        .collect();
    for (h, s) in &list.candidates {
        if !matches!(s, Status::Listed(_)) {
            continue;
        }
        let district = h.district_code.as_deref().filter(|d| !d.is_empty());
        let team = teams.route(district).unwrap_or(NO_TEAM).to_string();
        let shown_district = district.unwrap_or(crate::data::UNKNOWN_DISTRICT);
        let masked = shown
            .get(shown_district)
            .is_none_or(|s| s.count().is_none());
        let row = rows.entry(team).or_default();
        row.0 += 1;
        row.1 |= masked;
    }
    rows.into_iter()
        .map(|(team, (n, any_masked))| TeamRow {
            districts: match teams.teams.get(&team) {
                Some(d) if teams.default.as_deref() == Some(team.as_str()) => {
                    format!("{} and the default team's share", d.join(", "))
                }
                Some(d) => d.join(", "),
                None if team == NO_TEAM => {
                    "no team covers them and there is no default team".into()
                }
                None => "default team: districts in no team, or unknown".into(),
            },
            listed: if any_masked {
                Shown::Hidden
            } else {
                Shown::Count(n)
            },
            team,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vroeg_pipeline::Pipeline;
    use vroeg_scoring::ScoredHousehold;

    fn household(i: usize, district: Option<&str>) -> ScoredHousehold {
        ScoredHousehold {
            household_key: format!("hh_{i:08}"),
            score: 5,
            domains: 1,
            rules: "r".into(),
            district_code: district.map(str::to_string),
            in_register: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_team_is_shown_only_when_all_its_districts_are() {
        let p = Pipeline::from_toml(
            "[pipeline]\nname = \"t\"\n[paths]\ninbox = \"i\"\nstore = \"s\"\nout = \"o\"\n\
             [teams.noord]\ndistricts = [\"D1\", \"D2\"]\n[teams.zuid]\ndistricts = [\"D3\"]\n\
             [teams]\ndefault = \"centraal\"\n",
            std::path::Path::new("/p/x.toml"),
        )
        .unwrap();
        // D1 6, D2 7, D3 2, unknown 5 listed; one more household not listed
        let mut list = SignalList::default();
        let spec = [(Some("D1"), 6), (Some("D2"), 7), (Some("D3"), 2), (None, 5)];
        let mut i = 0;
        for (district, n) in spec {
            for _ in 0..n {
                i += 1;
                list.candidates
                    .push((household(i, district), Status::Listed(i as u64)));
            }
        }
        list.candidates
            .push((household(99, Some("D3")), Status::NotEligible));
        let districts = crate::data::districts::districts(&list);
        let shown: Vec<String> = districts.iter().map(|d| d.listed.to_string()).collect();
        // (unknown) 5 hidden to protect D3's <5; D1 6, D2 7 shown
        assert_eq!(shown, ["x", "6", "7", "<5"]);
        let rows = teams(&list, &p.teams, &districts);
        let got: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r.team.clone(), r.listed.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("centraal".to_string(), "x".to_string()),
                ("noord".to_string(), "13".to_string()),
                ("zuid".to_string(), "x".to_string()),
            ]
        );
        assert_eq!(rows[1].districts, "D1, D2");
        assert!(teams(&list, &vroeg_pipeline::Teams::default(), &districts).is_empty());
    }
}
