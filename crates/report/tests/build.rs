//! `ReportData::build` on a hand-made scored list: every reason a household
//! drops off, the funnel, unknown districts and the history.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use vroeg_pipeline::Pipeline;
use vroeg_report::{PreviousRun, ReportData, ReportInput, RunIdentity, Shown};
use vroeg_scoring::{Counts, ScoredHousehold, SignalList, Status};
use vroeg_store::{ListedRecord, RunRecord};

fn household(key: &str, score: i64, rules: &str, district: Option<&str>) -> ScoredHousehold {
    ScoredHousehold {
        household_key: key.into(),
        score,
        domains: 1,
        rules: rules.into(),
        total_arrears_cents: 0,
        district_code: district.map(str::to_string),
        in_register: true,
        recent_contact: false,
        last_contact: None,
        arrears_at_contact_cents: None,
    }
}

fn record(as_of: &str, listed: u64) -> RunRecord {
    RunRecord {
        seq: 1,
        run_id: format!("run-{as_of}"),
        pipeline: "zoetermeer".into(),
        as_of: as_of.into(),
        rule_set_sha256: "old".into(),
        finished_at: String::new(),
        listed,
        last_delivery: Some(0),
        reads_from: None,
        out_dir: None,
    }
}

fn listed(key: &str, rank: u64) -> ListedRecord {
    ListedRecord {
        household_key: key.into(),
        rank,
        score: 5,
        rules: "rent_arrears".into(),
        ..Default::default()
    }
}

#[test]
fn dropped_households_get_their_reason_and_the_funnel_counts_every_step() {
    let pipeline = Pipeline::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/zoetermeer.toml"),
    )
    .unwrap();
    let legitimacy = pipeline.legitimacy.clone();
    let rs = pipeline.rule_set.unwrap();
    let r = "rent_arrears|rent_arrears_persistent";
    let list = SignalList {
        candidates: vec![
            (household("hh000001", 9, r, Some("WK01")), Status::Listed(1)),
            (household("hh000002", 5, r, None), Status::Listed(2)),
            (
                household("hh000003", 5, r, Some("WK01")),
                Status::NotResident,
            ),
            (
                household("hh000004", 5, r, Some("WK01")),
                Status::SuppressedRecentContact,
            ),
            (
                household("hh000005", 5, r, Some("WK01")),
                Status::BeyondMaxListed,
            ),
            (
                household("hh000006", 3, "rent_arrears", Some("WK01")),
                Status::NotEligible,
            ),
        ],
        counts: Counts {
            households_with_rule: 6,
            eligible: 5,
            not_resident: 1,
            suppressed_recent_contact: 1,
            listed: 2,
            rule_counts: BTreeMap::from([
                ("rent_arrears".into(), 6),
                ("rent_arrears_persistent".into(), 5),
            ]),
        },
        register_present: true,
    };
    let history = [
        record("2026-08-31", 4),
        record("2026-09-30", 7),
        record("2026-12-31", 1),
    ];
    let previous = PreviousRun {
        record: record("2026-09-30", 7),
        listed: [
            "hh000001", "hh000003", "hh000004", "hh000005", "hh000006", "hh000007",
        ]
        .iter()
        .enumerate()
        .map(|(i, k)| listed(k, i as u64 + 1))
        .collect(),
    };
    let input = ReportInput {
        teams: &NO_TEAMS,
        identity: RunIdentity {
            pipeline: "zoetermeer".into(),
            description: String::new(),
            as_of: "2026-10-31".into(),
            run_id: "run-now".into(),
            rule_set_sha256: rs.sha256(),
            pipeline_sha256: String::new(),
            tool_version: "0".into(),
            started_at: String::new(),
        },
        rules: &rs,
        list: &list,
        deliveries: vec![],
        new_deliveries: BTreeSet::new(),
        refused: &[],
        stale: &[],
        previous: Some(previous),
        history: &history,
        show_keys: true,
        register: &BTreeMap::from([("WK01".to_string(), 400), ("WK02".to_string(), 600)]),
        fairness_band: vroeg_pipeline::FairnessBand::default(),
        legitimacy: &legitimacy,
        register_url: Some("https://algoritmes.overheid.nl/nl/algoritme/example"),
    };
    let d = ReportData::build(&input);
    let lb = &d.legal_basis;
    assert_eq!(lb.purpose, "early_debt_signalling");
    let rows: Vec<(&str, &str, Option<i64>)> = lb
        .sources
        .iter()
        .map(|s| (s.source.as_str(), s.read_for.as_str(), s.retention_days))
        .collect();
    assert_eq!(
        rows,
        [
            ("rent_arrears", "features", Some(730)),
            ("debt_arrears", "features", Some(730)),
            ("school_absence", "features", Some(365)),
            ("benefit_stops", "features", Some(730)),
            ("households", "features", Some(730)),
            ("outreach_outcomes", "suppression", Some(1095)),
        ]
    );
    assert_eq!(
        lb.sources[2].legal_basis,
        "Leerplichtwet 1969, art. 16 en 21a"
    );
    assert_eq!(
        lb.sources[2].legal_basis_url,
        "https://wetten.overheid.nl/BWBR0002628"
    );
    assert_eq!(
        (lb.outputs_retention_days, lb.quarantine_retention_days),
        (Some(730), Some(90))
    );
    let funnel: Vec<(&str, u64)> = d.funnel.iter().map(|s| (s.step, s.households)).collect();
    assert_eq!(
        funnel,
        [
            ("households_with_rule", 6),
            ("eligible", 5),
            ("not_resident", 1),
            ("suppressed_recent_contact", 1),
            ("beyond_max_listed", 1),
            ("listed", 2)
        ]
    );
    let districts: Vec<(&str, Shown)> = d
        .districts
        .iter()
        .map(|r| (r.district.as_str(), r.listed))
        .collect();
    assert_eq!(
        districts,
        [("(unknown)", Shown::Small), ("WK01", Shown::Small)]
    );
    // fairness: every register district, listed as the districts table
    // masks it (WK02, with nobody listed, `<5`); 1 listed of 1,000 register
    // households, so no ratio is shown and both masks leave any flag open
    let f = d.fairness.as_ref().unwrap();
    assert_eq!((f.register_households, f.listed), (1000, 1));
    let rows: Vec<_> = f
        .rows
        .iter()
        .map(|r| {
            (
                r.district.as_str(),
                r.register_households,
                r.listed,
                r.ratio,
                r.flag,
            )
        })
        .collect();
    use vroeg_report::fairness::Flag;
    assert_eq!(
        rows,
        [
            ("WK01", Shown::Count(400), Shown::Small, None, Flag::Unknown),
            ("WK02", Shown::Count(600), Shown::Small, None, Flag::Unknown)
        ]
    );
    let scores: Vec<(i64, Shown, bool)> = d
        .scores
        .iter()
        .map(|s| (s.score, s.households, s.eligible))
        .collect();
    assert_eq!(
        scores,
        [
            (3, Shown::Small, false),
            (5, Shown::Small, true),
            (9, Shown::Small, true)
        ]
    );

    let c = d.changes.as_ref().unwrap();
    assert_eq!(
        (c.new, c.dropped, c.still_listed, c.rule_set_changed),
        (1, 5, 1, true)
    );
    let why: Vec<&str> = c.dropped_why.iter().map(|w| w.why.as_str()).collect();
    assert_eq!(
        why,
        [
            "beyond max_listed",
            "no rule fires any more",
            "not in the register (moved away)",
            "outreach contact in the last 180 days",
            "score below 5"
        ]
    );
    let rows: Vec<(&str, &str, Option<u64>, Option<u64>)> = c
        .households
        .as_ref()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h.household_key.as_str(),
                h.change,
                h.rank_before,
                h.rank_now,
            )
        })
        .collect();
    assert_eq!(
        rows[..2],
        [
            ("hh000001", "still listed", Some(1), Some(1)),
            ("hh000002", "new", None, Some(2))
        ]
    );
    assert_eq!(rows[6], ("hh000007", "dropped", Some(6), None));
    // later as-of dates are not history; this run comes last
    let history: Vec<(&str, u64)> = d
        .history
        .iter()
        .map(|h| (h.as_of.as_str(), h.listed))
        .collect();
    assert_eq!(
        history,
        [("2026-08-31", 4), ("2026-09-30", 7), ("2026-10-31", 2)]
    );
    // keys never reach report-data.json
    let json = serde_json::to_string(&d).unwrap();
    assert!(!json.contains("hh0000"), "{json}");
}

/// No outreach teams.
static NO_TEAMS: std::sync::LazyLock<vroeg_pipeline::Teams> =
    std::sync::LazyLock::new(vroeg_pipeline::Teams::default);
