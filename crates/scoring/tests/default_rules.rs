//! The shipped pipeline (`pipelines/zoetermeer.toml`) on a hand-built inbox,
//! against a list computed by hand from `shared/spec/default-rules.md`.
//! T = 2026-10-31, so T-28 = 10-03, T-30 = 10-01, T-45 = 09-16, T-60 = 09-01,
//! T-90 = 08-02, T-180 = 05-04.

use chrono::NaiveDate;
use std::fs;
use std::path::{Path, PathBuf};
use vroeg_pipeline::{Pipeline, RuleSet};
use vroeg_scoring::{SignalList, Status};
use vroeg_store::Store;

const RENT: &str = "household_key,reference_date,landlord_code,arrears_eur,monthly_rent_eur,oldest_unpaid_date,payment_plan";
const DEBT: &str = "household_key;reference_date;creditor_type;creditor_code;arrears_eur;oldest_unpaid_date;payment_plan";
const SCHOOL: &str = "household_key,person_key,week_start,school_code,absence_kind,hours,pupil_age";
const BENEFIT: &str = "household_key,person_key,agency_code,stop_date,reference_date,benefit_type,reason,monthly_amount_eur";
const REGISTER: &str = "household_key,reference_date,district_code,adults,minors";
const OUTCOMES: &str = "household_key,team_code,closed_date,outcome,contact_kind";

fn pipeline_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/zoetermeer.toml")
}

struct Inbox {
    dir: tempfile::TempDir,
}

impl Inbox {
    fn new() -> Self {
        Inbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn deliver(&self, source: &str, name: &str, header: &str, rows: &[&str]) {
        let d = self.dir.path().join("inbox").join(source);
        fs::create_dir_all(&d).unwrap();
        let mut body = format!("{header}\n");
        for r in rows {
            body.push_str(r);
            body.push('\n');
        }
        fs::write(d.join(name), body).unwrap();
    }
    /// Ingests everything new and scores `as_of` with `rs`.
    fn score(&self, pipeline: &Pipeline, rs: &RuleSet, as_of: &str) -> SignalList {
        let mut store = Store::open(&self.dir.path().join("store")).unwrap();
        fs::create_dir_all(self.dir.path().join("inbox")).unwrap();
        let report = vroeg_ingest::ingest(
            &mut store,
            &self.dir.path().join("inbox"),
            &pipeline.dialects,
        )
        .unwrap();
        for e in &report.entries {
            assert_eq!(
                e.rows_quarantined, 0,
                "{}: {:?}",
                e.file_name, e.quarantined_by_reason
            );
        }
        let as_of: NaiveDate = as_of.parse().unwrap();
        let ctx = vroeg_scoring::session(&vroeg_pipeline::Engine::default()).unwrap();
        store.view().register(&ctx, Some(as_of)).unwrap();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(vroeg_scoring::score(&ctx, rs, as_of))
            .unwrap()
    }
}

/// The hand-built inbox.
fn inbox() -> Inbox {
    let i = Inbox::new();
    // Landlord LA, current snapshot 10-31 (and 09-30 for the persistence rule).
    i.deliver(
        "rent_arrears",
        "2026-09_LA.csv",
        RENT,
        &["hh_rent1,2026-09-30,LA,350.00,700.00,2026-09-01,nee"],
    );
    i.deliver(
        "rent_arrears",
        "2026-10_LA.csv",
        RENT,
        &[
            "hh_rent1,2026-10-31,LA,700.00,700.00,2026-09-01,nee", // ratio exactly 1.0 fires
            "hh_ratio,2026-10-31,LA,699.99,700.00,2026-09-01,nee", // just below
            "hh_planned,2026-10-31,LA,1400.00,700.00,2026-09-01,ja", // payment plan
            "hh_multi,2026-10-31,LA,400.00,500.00,2026-09-01,nee", // 0.8 alone ...
            "hh_combo,2026-10-31,LA,900.00,600.00,2026-09-01,nee",
            "hh_twodom,2026-10-31,LA,5000.00,700.00,2026-06-01,nee",
            "hh_corrected,2026-10-31,LA,5000.00,700.00,2026-06-01,nee",
        ],
    );
    // a correction of LA 10-31 that drops hh_corrected
    i.deliver(
        "rent_arrears",
        "2026-10_LA_v2.csv",
        RENT,
        &[
            "hh_rent1,2026-10-31,LA,700.00,700.00,2026-09-01,nee",
            "hh_ratio,2026-10-31,LA,699.99,700.00,2026-09-01,nee",
            "hh_planned,2026-10-31,LA,1400.00,700.00,2026-09-01,ja",
            "hh_multi,2026-10-31,LA,400.00,500.00,2026-09-01,nee",
            "hh_combo,2026-10-31,LA,900.00,600.00,2026-09-01,nee",
            "hh_twodom,2026-10-31,LA,5000.00,700.00,2026-06-01,nee",
        ],
    );
    // LA after T: never used
    i.deliver(
        "rent_arrears",
        "2026-11_LA.csv",
        RENT,
        &["hh_ratio,2026-11-30,LA,9000.00,700.00,2026-09-01,nee"],
    );
    // ... plus 1.33 at LB: together 800 / 800 = 1.0 fires; LB also holds hh_twodom's September row
    i.deliver(
        "rent_arrears",
        "2026-10_LB.csv",
        RENT,
        &[
            "hh_multi,2026-10-31,LB,400.00,300.00,2026-09-01,nee",
            "hh_twodom,2026-09-20,LB,10.00,700.00,2026-09-01,nee",
        ],
    );
    // LC's latest snapshot is T-45: stale. LD's is T-44: current.
    i.deliver(
        "rent_arrears",
        "2026-09_LC.csv",
        RENT,
        &["hh_stale,2026-09-16,LC,2000.00,700.00,2026-08-01,nee"],
    );
    i.deliver(
        "rent_arrears",
        "2026-09_LD.csv",
        RENT,
        &["hh_fresh,2026-09-17,LD,2000.00,700.00,2026-08-01,nee"],
    );

    // Creditors: E1 current, W1 stale (T-60), W2 current (T-59).
    i.deliver(
        "debt_arrears",
        "2026-10_E1.csv",
        DEBT,
        &[
            "hh_debt1;31-10-2026;energy;E1;75,00;01-10-2026;nee", // exactly 75 and 30 days: qualifies
            "hh_debt2;31-10-2026;energy;E1;74,99;01-08-2026;nee", // below the amount
            "hh_debt2;31-10-2026;energy;E1;500,00;02-10-2026;nee", // 29 days
            "hh_debt2;31-10-2026;energy;E1;500,00;01-08-2026;ja", // payment plan
            "hh_moved;31-10-2026;energy;E1;100,00;01-08-2026;nee",
            "hh_contacted;31-10-2026;energy;E1;100,00;01-08-2026;nee",
            "hh_contacted_old;31-10-2026;energy;E1;100,00;01-08-2026;nee",
            "hh_Zedkey;31-10-2026;energy;E1;100,00;01-08-2026;nee",
            "hh_tie_a;31-10-2026;energy;E1;100,00;01-08-2026;nee",
            "hh_tie_b;31-10-2026;energy;E1;100,00;01-08-2026;nee",
            "hh_twodom;31-10-2026;energy;E1;100,00;01-08-2026;nee",
            "hh_three;31-10-2026;energy;E1;100,00;01-08-2026;nee",
        ],
    );
    i.deliver(
        "debt_arrears",
        "2026-09_W1.csv",
        DEBT,
        &["hh_debt2;01-09-2026;water;W1;500,00;01-06-2026;nee"],
    );
    i.deliver(
        "debt_arrears",
        "2026-09_W2.csv",
        DEBT,
        &[
            "hh_debt1;02-09-2026;water;W2;80,00;01-08-2026;nee",
            "hh_moved;02-09-2026;water;W2;100,00;01-08-2026;nee",
            "hh_contacted;02-09-2026;water;W2;100,00;01-08-2026;nee",
            "hh_contacted_old;02-09-2026;water;W2;100,00;01-08-2026;nee",
            "hh_Zedkey;02-09-2026;water;W2;100,00;01-08-2026;nee",
            "hh_tie_a;02-09-2026;water;W2;100,00;01-08-2026;nee",
            "hh_tie_b;02-09-2026;water;W2;100,00;01-08-2026;nee",
        ],
    );

    // School: 3.3 + 3.3 + 3.3 + 6.1 = 16 exactly in (10-03, 10-31].
    i.deliver(
        "school_absence",
        "2026-10.csv",
        SCHOOL,
        &[
            "hh_school,pupil_01,2026-10-05,S1,unauthorised,3.3,12",
            "hh_school,pupil_01,2026-10-12,S1,unauthorised,3.3,12",
            "hh_school,pupil_01,2026-10-19,S1,unauthorised,3.3,12",
            "hh_school,pupil_01,2026-10-26,S1,luxury_leave,6.1,12",
            "hh_school,pupil_01,2026-10-26,S1,late,10,12", // late does not count
            "hh_school2,pupil_02,2026-09-28,S1,unauthorised,20,12", // before the window
            "hh_school2,pupil_02,2026-10-05,S1,unauthorised,15,12",
            "hh_school3,pupil_03,2026-10-05,S1,unauthorised,8,12", // two pupils of 8: no
            "hh_school3,pupil_04,2026-10-05,S1,unauthorised,8,9",
            "hh_three,pupil_05,2026-10-05,S1,unauthorised,16,9",
        ],
    );

    // Benefit stops: T-90 = 08-02 is outside, 08-03 inside.
    i.deliver(
        "benefit_stops",
        "2026-08.csv",
        BENEFIT,
        &[
            "hh_benefit,person_01,SZ,2026-08-03,2026-08-31,participatiewet,sanction,900.00",
            "hh_benefit2,person_02,SZ,2026-08-02,2026-08-31,participatiewet,sanction,900.00",
            "hh_benefit3,person_03,SZ,2026-08-10,2026-08-31,ww,work_income,900.00",
            "hh_combo,person_04,SZ,2026-08-10,2026-08-31,zorgtoeslag,administrative,90.00",
            "hh_three,person_05,SZ,2026-08-10,2026-08-31,ww,end_of_entitlement,90.00",
        ],
    );

    // The register: an old snapshot with hh_moved, the latest without.
    i.deliver(
        "households",
        "2026-04-30.csv",
        REGISTER,
        &["hh_moved,2026-04-30,WK01,1,0"],
    );
    let mut resident = vec![];
    for (key, minors) in [
        ("hh_rent1", 0),
        ("hh_ratio", 0),
        ("hh_planned", 0),
        ("hh_multi", 0),
        ("hh_combo", 2),
        ("hh_twodom", 0),
        ("hh_fresh", 0),
        ("hh_debt1", 0),
        ("hh_contacted", 0),
        ("hh_contacted_old", 0),
        ("hh_Zedkey", 0),
        ("hh_tie_a", 0),
        ("hh_tie_b", 0),
        ("hh_school", 1),
        ("hh_benefit", 0),
        ("hh_three", 0),
    ] {
        resident.push(format!("{key},2026-10-31,WK02,2,{minors}"));
    }
    let rows: Vec<&str> = resident.iter().map(String::as_str).collect();
    i.deliver("households", "2026-10-31.csv", REGISTER, &rows);

    // Outreach: 05-05 is inside (T-180, T], 05-04 is not.
    i.deliver(
        "outreach_outcomes",
        "2026-05.csv",
        OUTCOMES,
        &[
            "hh_contacted,T1,2026-05-05,quick_fix,phone",
            "hh_contacted_old,T1,2026-05-04,quick_fix,phone",
            "hh_moved,T1,2026-05-10,no_contact,",
        ],
    );
    i
}

fn table(list: &SignalList) -> Vec<(String, i64, i64, String, String, Status)> {
    list.candidates
        .iter()
        .map(|(h, s)| {
            (
                h.household_key.clone(),
                h.score,
                h.domains,
                h.rules.clone(),
                vroeg_contracts::value::format_decimal(h.total_arrears_cents, 2),
                *s,
            )
        })
        .collect()
}

fn row(
    key: &str,
    score: i64,
    domains: i64,
    rules: &str,
    total: &str,
    status: Status,
) -> (String, i64, i64, String, String, Status) {
    (
        key.into(),
        score,
        domains,
        rules.into(),
        total.into(),
        status,
    )
}

#[test]
fn the_default_pipeline_computes_the_hand_made_list() {
    let pipeline = Pipeline::load(&pipeline_file()).unwrap();
    let rs = pipeline.rule_set.clone().unwrap();
    let list = inbox().score(&pipeline, &rs, "2026-10-31");
    use Status::*;
    let expected = vec![
        // fixed 2 + school 2 + benefit 3 + multi 4; 3 domains beat hh_twodom's larger total
        row(
            "hh_three",
            11,
            3,
            "benefit_stop|fixed_cost_arrears|multi_domain|school_absence",
            "100.00",
            Listed(1),
        ),
        // rent 3 + persistent 2 (LA October, LB September) + fixed 2 + multi 4; LB's 09-20 row is not current
        row(
            "hh_twodom",
            11,
            2,
            "fixed_cost_arrears|multi_domain|rent_arrears|rent_arrears_persistent",
            "5100.00",
            Listed(2),
        ),
        // rent 3 + benefit 3 + multi 4 + children 1
        row(
            "hh_combo",
            11,
            2,
            "benefit_stop|children_in_household|multi_domain|rent_arrears",
            "900.00",
            Listed(3),
        ),
        row(
            "hh_rent1",
            5,
            1,
            "rent_arrears|rent_arrears_persistent",
            "700.00",
            Listed(4),
        ),
        // ties on score, domains and total: byte order of the key (Z < c)
        row(
            "hh_Zedkey",
            5,
            1,
            "fixed_cost_arrears|multiple_creditors",
            "200.00",
            Listed(5),
        ),
        row(
            "hh_contacted",
            5,
            1,
            "fixed_cost_arrears|multiple_creditors",
            "200.00",
            SuppressedRecentContact,
        ),
        row(
            "hh_contacted_old",
            5,
            1,
            "fixed_cost_arrears|multiple_creditors",
            "200.00",
            Listed(6),
        ),
        row(
            "hh_moved",
            5,
            1,
            "fixed_cost_arrears|multiple_creditors",
            "200.00",
            NotResident,
        ),
        row(
            "hh_tie_a",
            5,
            1,
            "fixed_cost_arrears|multiple_creditors",
            "200.00",
            Listed(7),
        ),
        row(
            "hh_tie_b",
            5,
            1,
            "fixed_cost_arrears|multiple_creditors",
            "200.00",
            Listed(8),
        ),
        row(
            "hh_debt1",
            5,
            1,
            "fixed_cost_arrears|multiple_creditors",
            "155.00",
            Listed(9),
        ),
        row("hh_fresh", 3, 1, "rent_arrears", "2000.00", NotEligible),
        row("hh_multi", 3, 1, "rent_arrears", "800.00", NotEligible),
        row("hh_benefit", 3, 1, "benefit_stop", "0.00", NotEligible),
        row(
            "hh_school",
            3,
            1,
            "children_in_household|school_absence",
            "0.00",
            NotEligible,
        ),
    ];
    assert_eq!(table(&list), expected);
    let c = &list.counts;
    assert_eq!(
        (
            c.households_with_rule,
            c.eligible,
            c.not_resident,
            c.suppressed_recent_contact,
            c.listed
        ),
        (15, 11, 1, 1, 9)
    );
    let counts: Vec<(&str, u64)> = c
        .rule_counts
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("benefit_stop", 3),
            ("children_in_household", 2),
            ("fixed_cost_arrears", 9),
            ("multi_domain", 3),
            ("multiple_creditors", 7),
            ("rent_arrears", 5),
            ("rent_arrears_persistent", 2),
            ("school_absence", 2),
        ]
    );
}

fn fired(list: &SignalList, rule: &str) -> Vec<String> {
    list.candidates
        .iter()
        .filter(|(h, _)| h.rules.split('|').any(|r| r == rule))
        .map(|(h, _)| h.household_key.clone())
        .collect()
}

#[test]
fn max_listed_keeps_the_first_n_and_counts_them() {
    let pipeline = Pipeline::load(&pipeline_file()).unwrap();
    let mut rs = pipeline.rule_set.clone().unwrap();
    rs.max_listed = Some(3);
    let list = inbox().score(&pipeline, &rs, "2026-10-31");
    let listed: Vec<(u64, &str)> = list
        .listed()
        .map(|(r, h)| (r, h.household_key.as_str()))
        .collect();
    assert_eq!(
        listed,
        vec![(1, "hh_three"), (2, "hh_twodom"), (3, "hh_combo")]
    );
    assert_eq!((list.counts.eligible, list.counts.listed), (11, 3));
    let rent1 = list
        .candidates
        .iter()
        .find(|(h, _)| h.household_key == "hh_rent1")
        .unwrap();
    assert_eq!(rent1.1, Status::BeyondMaxListed);
}

#[test]
fn a_rule_edited_in_a_copy_of_the_pipeline_file_changes_the_list() {
    let text = fs::read_to_string(pipeline_file()).unwrap();
    let edited = text
        .replace("school_min_hours = 16", "school_min_hours = 17")
        .replace("eligible_min_score = 5", "eligible_min_score = 3")
        + "\n[rules.large_rent_arrears]\ndescription = \"More than 4000 euros of rent arrears\"\ndomain = \"housing\"\nweight = 1\nwhen = \"rent_arrears_eur > 4000\"\n";
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("edited.toml");
    fs::write(&copy, edited).unwrap();
    let pipeline = Pipeline::load(&copy).unwrap();
    let rs = pipeline.rule_set.clone().unwrap();
    let list = inbox().score(&pipeline, &rs, "2026-10-31");
    // 16 hours no longer reach 17: hh_school drops out (children needs a domain), hh_three loses 2
    assert!(fired(&list, "school_absence").is_empty());
    assert!(
        !list
            .candidates
            .iter()
            .any(|(h, _)| h.household_key == "hh_school")
    );
    let three = list
        .candidates
        .iter()
        .find(|(h, _)| h.household_key == "hh_three")
        .unwrap();
    assert_eq!((three.0.score, three.0.domains), (9, 2));
    assert_eq!(
        fired(&list, "large_rent_arrears"),
        vec!["hh_twodom".to_string()]
    );
    assert_eq!(list.candidates[0].0.household_key, "hh_twodom");
    assert_eq!(list.candidates[0].0.score, 12);
    // eligible from 3 now: the score-3 households are listed too
    assert_eq!(list.counts.eligible, 14);
    assert_eq!(list.counts.rule_counts["large_rent_arrears"], 1);
}

#[test]
fn the_school_window_excludes_t_minus_28_and_includes_t() {
    let pipeline = Pipeline::load(&pipeline_file()).unwrap();
    let rs = pipeline.rule_set.clone().unwrap();
    let i = inbox();
    i.deliver(
        "school_absence",
        "2026-10b.csv",
        SCHOOL,
        &["hh_edge_t,pupil_09,2026-10-26,S2,unauthorised,16,10"],
    );
    // another school (S1 would replace S1's week of 10-26, as a correction)
    // T = 2026-10-26 (a Monday): T-28 = 09-28 is outside, T itself inside
    let list = i.score(&pipeline, &rs, "2026-10-26");
    assert_eq!(
        fired(&list, "school_absence"),
        vec![
            "hh_three".to_string(),
            "hh_edge_t".to_string(),
            "hh_school".to_string()
        ]
    );
}

#[test]
fn a_run_for_an_earlier_date_ignores_later_deliveries() {
    let pipeline = Pipeline::load(&pipeline_file()).unwrap();
    let rs = pipeline.rule_set.clone().unwrap();
    let full = inbox();
    let early = Inbox::new();
    let src = full.dir.path().join("inbox");
    let early_names = [
        "2026-09_LA.csv",
        "2026-09_LC.csv",
        "2026-09_LD.csv",
        "2026-09_W1.csv",
        "2026-09_W2.csv",
        "2026-08.csv",
        "2026-04-30.csv",
        "2026-05.csv",
    ];
    let copy = |to: &Inbox, only_early: bool| {
        for source in fs::read_dir(&src).unwrap() {
            let source = source.unwrap().path();
            for f in fs::read_dir(&source).unwrap() {
                let f = f.unwrap().path();
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                // the school file also holds a row of 09-28: a late delivery of
                // earlier data, which rightly changes the earlier list
                let late = name == "2026-10.csv";
                if early_names.contains(&name.as_str()) == only_early && !late {
                    let d = to
                        .dir
                        .path()
                        .join("inbox")
                        .join(source.file_name().unwrap());
                    fs::create_dir_all(&d).unwrap();
                    fs::copy(&f, d.join(&name)).unwrap();
                }
            }
        }
    };
    copy(&early, true);
    let before = table(&early.score(&pipeline, &rs, "2026-09-30"));
    assert!(before.len() >= 3, "{before:?}");
    copy(&early, false);
    let after = table(&early.score(&pipeline, &rs, "2026-09-30"));
    assert_eq!(before, after);
    // and the later data does change a later date
    assert_ne!(table(&early.score(&pipeline, &rs, "2026-10-31")), before);
}

#[test]
fn a_rule_on_register_features_alone_lists_a_household_with_no_signal() {
    // the register's households are folded apart from the signals and
    // joined back: one with no signal must still be scored on its own
    let text = fs::read_to_string(pipeline_file()).unwrap();
    let edited = text
        + "\n[rules.large_family]\ndescription = \"Three or more children\"\ndomain = \"income\"\nweight = 1\nwhen = \"minors >= 3\"\n";
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("edited.toml");
    fs::write(&copy, edited).unwrap();
    let i = Inbox::new();
    i.deliver(
        "rent_arrears",
        "2026-10_LA.csv",
        RENT,
        &["hh_renter,2026-10-31,LA,700.00,700.00,2026-09-01,nee"],
    );
    i.deliver(
        "households",
        "2026-10-31.csv",
        REGISTER,
        &[
            "hh_renter,2026-10-31,WK01,2,0",
            "hh_bigfam,2026-10-31,WK01,2,4",
            "hh_smallf,2026-10-31,WK02,2,2",
        ],
    );
    let default = Pipeline::load(&pipeline_file()).unwrap();
    let list = i.score(&default, default.rule_set.as_ref().unwrap(), "2026-10-31");
    let keys: Vec<&str> = list
        .candidates
        .iter()
        .map(|(h, _)| h.household_key.as_str())
        .collect();
    assert_eq!(keys, vec!["hh_renter"]);
    let edited = Pipeline::load(&copy).unwrap();
    let list = i.score(&edited, edited.rule_set.as_ref().unwrap(), "2026-10-31");
    let got: Vec<(String, i64, i64, String)> = list
        .candidates
        .iter()
        .map(|(h, _)| (h.household_key.clone(), h.score, h.domains, h.rules.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("hh_renter".to_string(), 3, 1, "rent_arrears".to_string()),
            // large_family fires a domain, so children_in_household fires too
            (
                "hh_bigfam".to_string(),
                2,
                1,
                "children_in_household|large_family".to_string()
            ),
        ]
    );
}
