//! Repeat signals (`scoring.repeat_min_rise_eur`, `pipelines/zoetermeer-ddas.toml`,
//! rise 250.00) on a hand-built inbox, T = 2026-10-31.
//!
//! Landlord LA delivers snapshots on 07-31, 09-30 and 10-31 (monthly rent
//! 500.00 everywhere). Both households were contacted on 08-15, when LA's
//! current snapshot was 07-31 (arrears 1,000.00; the 09-30 and 10-31 rows
//! lie after the contact and must not count). At T both score 5
//! (rent_arrears 3: ratio >= 1; rent_arrears_persistent 2: September and
//! October), so both are eligible and recently contacted:
//!
//! | household     | total at 08-15 | total at T | rise    | ddas pipeline | default pipeline |
//! |---------------|----------------|------------|---------|---------------|------------------|
//! | hh_rise_full  | 1000.00        | 1250.00    | 250.00  | listed, rank 1| suppressed       |
//! | hh_rise_short | 1000.00        | 1249.99    | 249.99  | suppressed    | suppressed       |
//! | hh_no_contact | -              | 600.00     | -       | listed, rank 2| listed, rank 1   |

use chrono::NaiveDate;
use std::fs;
use std::path::{Path, PathBuf};
use vroeg_pipeline::Pipeline;
use vroeg_scoring::{SignalList, Status};
use vroeg_store::Store;

const RENT: &str = "household_key,reference_date,landlord_code,arrears_eur,monthly_rent_eur,oldest_unpaid_date,payment_plan";
const OUTCOMES: &str = "household_key,team_code,closed_date,outcome,contact_kind";

fn pipeline(name: &str) -> Pipeline {
    let file: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../pipelines")
        .join(name);
    Pipeline::load(&file).unwrap()
}

fn deliver(dir: &Path, source: &str, name: &str, header: &str, rows: &[&str]) {
    let d = dir.join("inbox").join(source);
    fs::create_dir_all(&d).unwrap();
    let mut body = format!("{header}\n");
    for r in rows {
        body.push_str(r);
        body.push('\n');
    }
    fs::write(d.join(name), body).unwrap();
}

fn inbox(last_short: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    deliver(
        p,
        "rent_arrears",
        "2026-07_LA.csv",
        RENT,
        &[
            "hh_rise_full,2026-07-31,LA,1000.00,500.00,2026-05-01,nee",
            "hh_rise_short,2026-07-31,LA,1000.00,500.00,2026-05-01,nee",
        ],
    );
    deliver(
        p,
        "rent_arrears",
        "2026-09_LA.csv",
        RENT,
        &[
            "hh_rise_full,2026-09-30,LA,1100.00,500.00,2026-05-01,nee",
            "hh_rise_short,2026-09-30,LA,1100.00,500.00,2026-05-01,nee",
            "hh_no_contact,2026-09-30,LA,600.00,500.00,2026-08-01,nee",
        ],
    );
    let short = format!("hh_rise_short,2026-10-31,LA,{last_short},500.00,2026-05-01,nee");
    deliver(
        p,
        "rent_arrears",
        "2026-10_LA.csv",
        RENT,
        &[
            "hh_rise_full,2026-10-31,LA,1250.00,500.00,2026-05-01,nee",
            &short,
            "hh_no_contact,2026-10-31,LA,600.00,500.00,2026-08-01,nee",
        ],
    );
    deliver(
        p,
        "outreach_outcomes",
        "2026-08_T1.csv",
        OUTCOMES,
        &[
            "hh_rise_full,T1,2026-08-15,no_help_wanted,phone",
            "hh_rise_short,T1,2026-08-15,no_help_wanted,",
        ],
    );
    dir
}

fn score(dir: &Path, p: &Pipeline) -> SignalList {
    let mut store = Store::open(&dir.join("store")).unwrap();
    vroeg_ingest::ingest(&mut store, &dir.join("inbox"), &p.dialects).unwrap();
    let as_of: NaiveDate = "2026-10-31".parse().unwrap();
    let ctx = vroeg_scoring::session(&vroeg_pipeline::Engine::default()).unwrap();
    store.view().register(&ctx, Some(as_of)).unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(vroeg_scoring::score(
            &ctx,
            p.rule_set.as_ref().unwrap(),
            as_of,
        ))
        .unwrap()
}

fn status(list: &SignalList, key: &str) -> Status {
    list.candidates
        .iter()
        .find(|(h, _)| h.household_key == key)
        .map(|(_, s)| *s)
        .unwrap()
}

#[test]
fn a_rise_of_exactly_the_minimum_lists_the_household_again() {
    let dir = inbox("1249.99");
    let list = score(dir.path(), &pipeline("zoetermeer-ddas.toml"));
    assert_eq!(status(&list, "hh_rise_full"), Status::Listed(1));
    assert_eq!(
        status(&list, "hh_rise_short"),
        Status::SuppressedRecentContact
    );
    assert_eq!(status(&list, "hh_no_contact"), Status::Listed(2));
    assert_eq!(list.counts.eligible, 3);
    assert_eq!(list.counts.suppressed_recent_contact, 1);
    assert_eq!(list.counts.listed, 2);
    let full = &list.candidates[0].0;
    assert_eq!(full.household_key, "hh_rise_full");
    assert_eq!(full.last_contact, "2026-08-15".parse().ok());
    assert_eq!(full.arrears_at_contact_cents, Some(100_000));
    assert_eq!(full.total_arrears_cents, 125_000);
    let short = list
        .candidates
        .iter()
        .find(|(h, _)| h.household_key == "hh_rise_short")
        .unwrap();
    assert_eq!(short.0.arrears_at_contact_cents, Some(100_000));
}

#[test]
fn one_cent_more_lifts_the_other_too() {
    let dir = inbox("1250.00");
    let list = score(dir.path(), &pipeline("zoetermeer-ddas.toml"));
    assert_eq!(list.counts.suppressed_recent_contact, 0);
    assert_eq!(list.counts.listed, 3);
    // equal score, domains and arrears: household_key ascending
    assert_eq!(status(&list, "hh_rise_full"), Status::Listed(1));
    assert_eq!(status(&list, "hh_rise_short"), Status::Listed(2));
}

#[test]
fn the_default_pipeline_still_suppresses_every_recent_contact() {
    let dir = inbox("1250.00");
    let list = score(dir.path(), &pipeline("zoetermeer.toml"));
    assert_eq!(
        status(&list, "hh_rise_full"),
        Status::SuppressedRecentContact
    );
    assert_eq!(
        status(&list, "hh_rise_short"),
        Status::SuppressedRecentContact
    );
    assert_eq!(status(&list, "hh_no_contact"), Status::Listed(1));
    assert_eq!(list.counts.suppressed_recent_contact, 2);
    let full = &list
        .candidates
        .iter()
        .find(|(h, _)| h.household_key == "hh_rise_full")
        .unwrap()
        .0;
    assert_eq!(full.arrears_at_contact_cents, None);
}

/// At the contact day of 09-20, LA's latest snapshot (07-31) is stale
/// (09-20 - 45 days = 08-06), so the household had no current arrears then:
/// total 0.00 (the features' defaults), 1,250.00 at T, lifted. Counting the
/// stale snapshot (1,250.00) would leave a rise of 0 and keep it suppressed.
#[test]
fn a_snapshot_stale_on_the_contact_day_counts_for_nothing_then() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    deliver(
        p,
        "rent_arrears",
        "2026-07_LA.csv",
        RENT,
        &["hh_stale_then,2026-07-31,LA,1250.00,500.00,2026-05-01,nee"],
    );
    deliver(
        p,
        "rent_arrears",
        "2026-09_LA.csv",
        RENT,
        &["hh_stale_then,2026-09-30,LA,1250.00,500.00,2026-05-01,nee"],
    );
    deliver(
        p,
        "rent_arrears",
        "2026-10_LA.csv",
        RENT,
        &["hh_stale_then,2026-10-31,LA,1250.00,500.00,2026-05-01,nee"],
    );
    deliver(
        p,
        "outreach_outcomes",
        "2026-09_T1.csv",
        OUTCOMES,
        &["hh_stale_then,T1,2026-09-20,no_contact,letter"],
    );
    let list = score(p, &pipeline("zoetermeer-ddas.toml"));
    let h = &list.candidates[0].0;
    assert_eq!(h.household_key, "hh_stale_then");
    assert_eq!(h.arrears_at_contact_cents, Some(0));
    assert_eq!(status(&list, "hh_stale_then"), Status::Listed(1));
}
