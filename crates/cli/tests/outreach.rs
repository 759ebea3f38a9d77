//! The outreach commands end to end, through the binary: a hand-built
//! inbox whose list, worklists and DDAS document are computed by hand, the
//! sample data's whole routine (pseudonymize is in `pseudonymize.rs`), and
//! every refusal with its exit code.
//!
//! Hand-built inbox, T = 2026-10-31, pipeline zoetermeer-ddas (repeat rise
//! 250.00; teams noord: WK063701-03, midden: WK063704-06, zuid:
//! WK063707-10, default centraal). LA's rent snapshots are 09-30 and 10-31;
//! creditors ENECO and ZK deliver 10-15.
//!
//! | household  | district | score                                        | contact 10-2x | total then → at T    | list        |
//! |------------|----------|----------------------------------------------|---------------|----------------------|-------------|
//! | hh_noord_a | WK063701 | rent 3, persistent 2, fixed 2, creditors 3, multi 4 = 14 | 10-20 | 1075.99 → 1510.49 (+434.50) | 1 (lifted) |
//! | hh_zuid_b  | WK063708 | rent 3, persistent 2 = 5                     | 10-21         | 800.00 → 900.00 (+100) | suppressed |
//! | hh_nowhere | WK099999 | rent 3, persistent 2 = 5                     | -             | 600.00               | 2           |
//! | hh_small   | WK063702 | rent 3 = 3                                   | -             | 700.00               | no          |
//!
//! Totals then: at 10-20 LA's current snapshot is 09-30 (800.00) and the
//! debt rows of 10-15 count (75.49 + 200.50). The contact table has rows
//! for every household but hh_nowhere.

mod common;

use common::{Project, repo, text};
use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

const RENT: &str = "household_key,reference_date,landlord_code,arrears_eur,monthly_rent_eur,oldest_unpaid_date,payment_plan\n";
const DEBT: &str = "household_key;reference_date;creditor_type;creditor_code;arrears_eur;oldest_unpaid_date;payment_plan\n";
const REGISTER: &str = "household_key,reference_date,district_code,adults,minors\n";
const OUTCOMES: &str = "household_key,team_code,closed_date,outcome,contact_kind\n";
const CONTACTS: &str =
    "household_key,street,house_number,house_number_suffix,postcode,city,phone,email\n";

fn ddas_project() -> Project {
    let shipped = fs::read_to_string(repo("pipelines/zoetermeer-ddas.toml")).unwrap();
    let text = shipped
        .replace("../sample-data/inbox", "inbox")
        .replace("../store/zoetermeer", "store")
        .replace("../notebooks-out/zoetermeer-ddas", "out");
    Project::with_pipeline("ddas.toml", &text)
}

/// The hand-built inbox of the header.
fn inbox(p: &Project) {
    p.deliver(
        "rent_arrears",
        "2026-09_LA.csv",
        &format!(
            "{RENT}hh_noord_a,2026-09-30,LA,800.00,700.00,2026-08-01,nee\n\
             hh_zuid_b,2026-09-30,LA,800.00,700.00,2026-08-01,nee\n\
             hh_nowhere,2026-09-30,LA,600.00,500.00,2026-08-01,nee\n"
        ),
    );
    p.deliver(
        "rent_arrears",
        "2026-10_LA.csv",
        &format!(
            "{RENT}hh_noord_a,2026-10-31,LA,1234.50,700.00,2026-08-01,nee\n\
             hh_zuid_b,2026-10-31,LA,900.00,700.00,2026-08-01,nee\n\
             hh_nowhere,2026-10-31,LA,600.00,500.00,2026-08-01,nee\n\
             hh_small,2026-10-31,LA,700.00,700.00,2026-10-01,nee\n"
        ),
    );
    // debt: Dutch spreadsheet dialect (;, decimal comma, dd-mm-yyyy)
    p.deliver(
        "debt_arrears",
        "2026-10_ENECO.csv",
        &format!(
            "{DEBT}hh_noord_a;15-10-2026;energy;ENECO;75,49;01-09-2026;nee\n\
             hh_noord_a;15-10-2026;health_insurance;ZK;200,50;01-08-2026;nee\n"
        ),
    );
    p.deliver(
        "households",
        "2026-10_brp.csv",
        &format!(
            "{REGISTER}hh_noord_a,2026-10-31,WK063701,2,0\n\
             hh_zuid_b,2026-10-31,WK063708,1,0\n\
             hh_nowhere,2026-10-31,WK099999,1,0\n\
             hh_small,2026-10-31,WK063702,1,0\n"
        ),
    );
    p.deliver(
        "outreach_outcomes",
        "2026-10_noord.csv",
        &format!(
            "{OUTCOMES}hh_noord_a,noord,2026-10-20,followup_financial,home_visit\n\
             hh_zuid_b,zuid,2026-10-21,no_contact,\n"
        ),
    );
}

/// A contact table with mode 0600; hh_nowhere has no row.
fn contacts(p: &Project) -> std::path::PathBuf {
    let path = p.path("contacts.csv");
    fs::write(
        &path,
        format!(
            "{CONTACTS}hh_noord_a,Denkbeeldlaan,12,A,9901AB,Zoetermeer,06-00001234,a@example.invalid\n\
             hh_zuid_b,Proefstraat,7,,9902CD,Zoetermeer,,\n\
             hh_small,Testpad,1,,9903EF,Zoetermeer,,\n"
        ),
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn ok(o: &std::process::Output) {
    assert!(o.status.success(), "{}", text(o));
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn reveal(p: &Project, team: &str, out: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "reveal",
        "--pipeline",
        "ddas.toml",
        "--as-of",
        "2026-10-31",
        "--team",
        team,
        "--contacts",
        "contacts.csv",
        "--reason",
        "monthly worklist",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    p.vroeg(&args)
}

fn export(p: &Project, out: &str, extra: &[&str]) -> std::process::Output {
    export_for(p, "GM0637", out, extra)
}

fn export_for(p: &Project, code: &str, out: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "export",
        "ddas",
        "--pipeline",
        "ddas.toml",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--contacts",
        "contacts.csv",
        "--municipality-code",
        code,
        "--supplier-code",
        "VROEG",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    p.vroeg(&args)
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn ready() -> Project {
    let p = ddas_project();
    inbox(&p);
    contacts(&p);
    ok(&p.run_at("2026-10-31", &[]));
    p
}

#[test]
fn worklists_hold_only_the_teams_listed_households_in_rank_order() {
    let p = ready();
    let signals = fs::read_to_string(p.path("out/2026-10-31/signals.csv")).unwrap();
    let lines: Vec<&str> = signals.lines().collect();
    assert_eq!(lines.len(), 3, "{signals}");
    assert!(lines[1].starts_with("1,hh_noord_a,14,2,"), "{signals}");
    assert!(lines[2].starts_with("2,hh_nowhere,5,1,"), "{signals}");

    let o = reveal(&p, "noord", "noord.csv", &[]);
    ok(&o);
    assert!(
        text(&o).contains(": 1 households to noord.csv"),
        "{}",
        text(&o)
    );
    let noord = fs::read_to_string(p.path("noord.csv")).unwrap();
    assert_eq!(
        noord,
        "rank,household_key,score,rules,why,district_code,total_arrears_eur,street,house_number,house_number_suffix,postcode,city,phone,email\n\
         1,hh_noord_a,14,fixed_cost_arrears|multi_domain|multiple_creditors|rent_arrears|rent_arrears_persistent,\"At least one qualifying arrear on fixed costs; Signals from at least two domains; Qualifying arrears with creditors of several types; Rent arrears of at least a month's rent, without a payment plan; Rent arrears now, and seen in at least two calendar months of the last 90 days\",WK063701,1510.49,Denkbeeldlaan,12,A,9901AB,Zoetermeer,06-00001234,a@example.invalid\n"
    );
    assert_eq!(
        fs::metadata(p.path("noord.csv")).unwrap().mode() & 0o777,
        0o600
    );

    // an unknown district goes to the default team; no contact row: listed
    // with empty contact columns, and counted
    let o = reveal(&p, "centraal", "centraal.csv", &[]);
    ok(&o);
    assert!(
        text(&o).contains("1 of them without a row in the contact table"),
        "{}",
        text(&o)
    );
    let centraal = rows(&p.path("centraal.csv"));
    assert_eq!(centraal.len(), 1);
    assert_eq!(
        centraal[0][..7],
        [
            "2",
            "hh_nowhere",
            "5",
            "rent_arrears|rent_arrears_persistent",
            "Rent arrears of at least a month's rent, without a payment plan; Rent arrears now, and seen in at least two calendar months of the last 90 days",
            "WK099999",
            "600.00"
        ]
    );
    assert_eq!(centraal[0][7..], ["", "", "", "", "", "", ""]);

    // zuid's only household is suppressed, midden has nobody: headers only;
    // households not listed are in no worklist though they have a contact row
    ok(&reveal(&p, "zuid", "zuid.csv", &[]));
    ok(&reveal(&p, "midden", "midden.csv", &[]));
    assert_eq!(rows(&p.path("zuid.csv")).len(), 0);
    assert_eq!(rows(&p.path("midden.csv")).len(), 0);
    let mut all = String::new();
    for f in ["noord.csv", "zuid.csv", "centraal.csv", "midden.csv"] {
        all.push_str(&fs::read_to_string(p.path(f)).unwrap());
    }
    assert!(
        !all.contains("hh_small") && !all.contains("hh_zuid_b"),
        "{all}"
    );

    // four reveals, chained, with no key, name or address in the log
    let o = p.vroeg(&["audit", "verify", "--pipeline", "ddas.toml"]);
    ok(&o);
    assert!(
        text(&o).contains("audit log intact: 4 entries"),
        "{}",
        text(&o)
    );
    let log = fs::read_to_string(p.path("store/audit.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(first["command"], "reveal");
    assert_eq!(first["team"], "noord");
    assert_eq!(first["households"], 1);
    assert_eq!(first["reason"], "monthly worklist");
    assert_eq!(first["as_of"], "2026-10-31");
    assert_eq!(first["pipeline"], "zoetermeer-ddas");
    assert_eq!(first["prev"], "0".repeat(64));
    // one key: SHA-256 of it alone
    assert_eq!(first["keys_sha256"], sha256_hex(b"hh_noord_a"));
    let second: serde_json::Value = serde_json::from_str(log.lines().nth(1).unwrap()).unwrap();
    assert_eq!(
        second["prev"],
        sha256_hex(log.lines().next().unwrap().as_bytes())
    );
    for needle in ["hh_noord_a", "hh_nowhere", "Denkbeeldlaan", "9901AB"] {
        assert!(!log.contains(needle), "audit log holds {needle}");
    }
}

#[test]
fn explain_tells_whether_a_repeat_signal_lifted_the_suppression() {
    let p = ready();
    let explain = |key: &str| {
        let o = p.vroeg(&[
            "explain",
            "--pipeline",
            "ddas.toml",
            "--as-of",
            "2026-10-31",
            "--household",
            key,
        ]);
        ok(&o);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let lifted = explain("hh_noord_a");
    assert!(lifted.contains("listed at rank 1"), "{lifted}");
    assert!(
        lifted.contains("contact closed 2026-10-20: total arrears then 1075.99 euros, a rise of 434.50 euros since, at least 250.00 euros: the suppression is lifted (repeat signal)"),
        "{lifted}"
    );
    let stands = explain("hh_zuid_b");
    assert!(
        stands.contains("not listed: outreach outcome closed in the last 180 days"),
        "{stands}"
    );
    assert!(
        stands.contains("contact closed 2026-10-21: total arrears then 800.00 euros, a rise of 100.00 euros since, less than 250.00 euros: the suppression stands"),
        "{stands}"
    );
}

#[test]
fn the_ddas_export_is_computed_by_hand_and_validates() {
    let p = ready();
    let o = export(&p, "ddas.json", &[]);
    ok(&o);
    let t = text(&o);
    assert!(
        t.contains("wrote 3 signals of 1 households and 1 cases from 1 recorded runs"),
        "{t}"
    );
    assert!(
        t.contains("1 listed households left out for want of a contact row"),
        "{t}"
    );
    let json = fs::read_to_string(p.path("ddas.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    validate(&doc);
    assert_eq!(doc["startdatumLevering"], "2026-10-01");
    assert_eq!(doc["einddatumLevering"], "2026-10-31");
    assert_eq!(doc["codeGegevensleverancier"], "VROEG");
    let l = &doc["leveringen"][0];
    assert_eq!(l["teller"], 1);
    assert_eq!(l["gemeentecode"], "GM0637");
    assert_eq!(l["aanleverendeOrganisatie"]["kvk-nummer"], "12345678");
    let client =
        serde_json::json!({"postcode": "9901AB", "huisnummer": "12", "huisnummertoevoeging": "A"});
    let mut signals: Vec<serde_json::Value> = l["vroegsignalen"].as_array().unwrap().clone();
    signals.sort_by_key(|s| s["bedrag"].as_i64());
    let ids: Vec<String> = signals
        .iter()
        .map(|s| s["ID"].as_str().unwrap().to_string())
        .collect();
    let without_id = |s: &serde_json::Value| {
        let mut s = s.clone();
        s.as_object_mut().unwrap().remove("ID");
        s
    };
    // 75.49 -> 75, 200.50 -> 201 (half away from zero), 1234.50 -> 1235
    assert_eq!(
        without_id(&signals[0]),
        serde_json::json!({"bedrag": 75, "ontstaansdatum": "2026-09-01", "signaaldatum": "2026-10-15", "signaalpartner": {"type": "Energie"}, "client": client})
    );
    assert_eq!(
        without_id(&signals[1]),
        serde_json::json!({"bedrag": 201, "ontstaansdatum": "2026-08-01", "signaaldatum": "2026-10-15", "signaalpartner": {"type": "Zorg"}, "client": client})
    );
    assert_eq!(
        without_id(&signals[2]),
        serde_json::json!({"bedrag": 1235, "signaaldatum": "2026-10-31", "signaalpartner": {"type": "Huur"}, "client": client})
    );
    let mut sorted = ids.clone();
    sorted.sort();
    let cases = l["vroegsignaalzaken"].as_array().unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(
        cases[0],
        serde_json::json!({
            "resultaat": "Vervolghulp en/of verwijzing financieel",
            "vroegsignalen": sorted.iter().map(|id| serde_json::json!({"ID": id})).collect::<Vec<_>>(),
            "contactpogingen": [{"soort": "Huisbezoek", "datum": "2026-10-20"}],
        })
    );
    for needle in ["hh_", "Denkbeeldlaan", "06-0000", "example.invalid"] {
        assert!(!json.contains(needle), "the export holds {needle}");
    }
    assert_eq!(
        fs::metadata(p.path("ddas.json")).unwrap().mode() & 0o777,
        0o600
    );

    // the same rows get the same IDs in a later export
    ok(&export(&p, "again.json", &[]));
    let again: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(p.path("again.json")).unwrap()).unwrap();
    let again_ids: BTreeSet<&str> = again["leveringen"][0]["vroegsignalen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ID"].as_str().unwrap())
        .collect();
    assert_eq!(again_ids, sorted.iter().map(String::as_str).collect());

    // reveal-free exports are audited too
    let log = fs::read_to_string(p.path("store/audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["command"], "export ddas");
    assert_eq!(last["as_of"], "2026-10-01/2026-10-31");
    assert_eq!(last["households"], 1);
    assert_eq!(last["keys_sha256"], sha256_hex(b"hh_noord_a"));
}

/// Validates against the schema fixture written from outreach.md.
fn validate(doc: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(repo(
            "crates/outreach/tests/fixtures/ddas-v1.2-constraints.schema.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn refusals_have_their_exit_codes_and_change_nothing() {
    let p = ready();
    let refused = |o: std::process::Output, want: i32, says: &str| {
        assert_eq!(code(&o), want, "{}", text(&o));
        assert!(text(&o).contains(says), "wanted {says:?} in {}", text(&o));
    };
    refused(
        reveal(&p, "oost", "x.csv", &[]),
        2,
        "no such team in the pipeline file; the teams are centraal, midden, noord, zuid",
    );
    refused(
        p.vroeg(&[
            "reveal",
            "--pipeline",
            "ddas.toml",
            "--as-of",
            "2026-10-31",
            "--team",
            "noord",
            "--contacts",
            "contacts.csv",
            "--out",
            "x.csv",
        ]),
        2,
        "--reason",
    );
    refused(
        p.vroeg(&[
            "reveal",
            "--pipeline",
            "ddas.toml",
            "--as-of",
            "2026-10-31",
            "--team",
            "noord",
            "--contacts",
            "contacts.csv",
            "--reason",
            " ",
            "--out",
            "x.csv",
        ]),
        2,
        "--reason: say why",
    );
    refused(
        p.vroeg(&[
            "reveal",
            "--pipeline",
            "ddas.toml",
            "--as-of",
            "2026-09-30",
            "--team",
            "noord",
            "--contacts",
            "contacts.csv",
            "--reason",
            "r",
            "--out",
            "x.csv",
        ]),
        3,
        "no recorded run of pipeline `zoetermeer-ddas` for 2026-09-30",
    );
    fs::write(p.path("exists.csv"), "mine").unwrap();
    refused(reveal(&p, "noord", "exists.csv", &[]), 2, "already exists");
    assert_eq!(fs::read_to_string(p.path("exists.csv")).unwrap(), "mine");
    refused(
        reveal(&p, "noord", "no/such/folder.csv", &[]),
        2,
        "does not exist",
    );
    fs::set_permissions(p.path("contacts.csv"), fs::Permissions::from_mode(0o644)).unwrap();
    refused(reveal(&p, "noord", "x.csv", &[]), 3, "chmod o-rwx");
    refused(export(&p, "x.json", &[]), 3, "chmod o-rwx");
    fs::set_permissions(p.path("contacts.csv"), fs::Permissions::from_mode(0o600)).unwrap();
    let missing = p.vroeg(&[
        "reveal",
        "--pipeline",
        "ddas.toml",
        "--as-of",
        "2026-10-31",
        "--team",
        "noord",
        "--contacts",
        "nope.csv",
        "--reason",
        "r",
        "--out",
        "x.csv",
    ]);
    assert_eq!(code(&missing), 3, "{}", text(&missing));
    refused(export_for(&p, "0637", "x.json", &[]), 2, "GM");
    refused(
        p.vroeg(&[
            "export",
            "ddas",
            "--pipeline",
            "ddas.toml",
            "--from",
            "2026-10-31",
            "--to",
            "2026-10-01",
            "--contacts",
            "contacts.csv",
            "--municipality-code",
            "GM0637",
            "--supplier-code",
            "V",
            "--out",
            "x.json",
        ]),
        2,
        "is after --to",
    );
    // nothing was written, and no refused command reached the audit log
    assert!(!p.path("x.csv").exists() && !p.path("x.json").exists());
    assert!(!p.path("store/audit.jsonl").exists());
    // a pipeline file without [ddas] cannot export
    let text_no_ddas = fs::read_to_string(p.path("ddas.toml")).unwrap();
    let cut = text_no_ddas.find("[ddas]").unwrap();
    fs::write(p.path("noddas.toml"), &text_no_ddas[..cut]).unwrap();
    let o = p.vroeg(&[
        "export",
        "ddas",
        "--pipeline",
        "noddas.toml",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--contacts",
        "contacts.csv",
        "--municipality-code",
        "GM0637",
        "--supplier-code",
        "V",
        "--out",
        "x.json",
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("no [ddas] section"), "{}", text(&o));
}

#[test]
fn a_changed_byte_in_the_audit_log_is_found_and_named() {
    let p = ready();
    for team in ["noord", "zuid", "centraal"] {
        ok(&reveal(&p, team, &format!("{team}.csv"), &[]));
    }
    let log = p.path("store/audit.jsonl");
    let original = fs::read(&log).unwrap();
    let second_line_start = original.iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut tampered = original.clone();
    // "monthly worklist" -> "monthly workliss" in the second entry
    let at = second_line_start
        + String::from_utf8_lossy(&original[second_line_start..])
            .find("worklist")
            .unwrap()
        + 7;
    tampered[at] = b's';
    fs::write(&log, &tampered).unwrap();
    let o = p.vroeg(&["audit", "verify", "--pipeline", "ddas.toml"]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(text(&o).contains("line 2"), "{}", text(&o));
    // and the next reveal refuses to extend a damaged log
    let o = reveal(&p, "midden", "midden.csv", &[]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(!p.path("midden.csv").exists());
    fs::write(&log, &original).unwrap();
    ok(&p.vroeg(&["audit", "verify", "--pipeline", "ddas.toml"]));
}

/// The routine of docs/outreach.md on the shipped sample data: run, a
/// worklist per team, the export, audit verify. Worklists hold exactly the
/// run's listed households, each in its own team's; the export validates;
/// no output or log line holds anything of a contact row.
#[test]
fn the_sample_data_routine() {
    let inbox = repo("sample-data/inbox").display().to_string();
    let p = common::zoetermeer(|t| t.replace("inbox = \"inbox\"", &format!("inbox = \"{inbox}\"")));
    let contacts = p.path("contacts.csv");
    fs::copy(repo("sample-data/contacts.csv"), &contacts).unwrap();
    fs::set_permissions(&contacts, fs::Permissions::from_mode(0o600)).unwrap();
    let mut logs = String::new();
    let o = p.run_at("2026-10-31", &[]);
    ok(&o);
    logs.push_str(&text(&o));
    let signals = rows(&p.path("out/2026-10-31/signals.csv"));
    let listed: BTreeSet<String> = signals.iter().map(|r| r[1].clone()).collect();
    assert!(listed.len() > 50, "{}", listed.len());
    let teams = [
        ("noord", vec!["WK063701", "WK063702", "WK063703"]),
        ("midden", vec!["WK063704", "WK063705", "WK063706"]),
        ("zuid", vec!["WK063707", "WK063708", "WK063709", "WK063710"]),
        ("centraal", vec![]),
    ];
    let mut revealed = BTreeSet::new();
    for (team, districts) in &teams {
        let out = format!("{team}.csv");
        let o = p.vroeg(&[
            "reveal",
            "--pipeline",
            "zoetermeer.toml",
            "--as-of",
            "2026-10-31",
            "--team",
            team,
            "--contacts",
            "contacts.csv",
            "--reason",
            "monthly worklist",
            "--out",
            &out,
        ]);
        ok(&o);
        logs.push_str(&text(&o));
        for r in rows(&p.path(&out)) {
            assert!(
                listed.contains(&r[1]),
                "{team} holds a household not listed"
            );
            assert!(
                districts.is_empty() || districts.contains(&r[5].as_str()),
                "{team}: {}",
                r[5]
            );
            assert!(revealed.insert(r[1].clone()), "in two worklists");
        }
    }
    assert_eq!(
        revealed, listed,
        "every listed household is on exactly one worklist"
    );
    let o = p.vroeg(&[
        "export",
        "ddas",
        "--pipeline",
        "zoetermeer.toml",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--contacts",
        "contacts.csv",
        "--municipality-code",
        "GM0637",
        "--supplier-code",
        "VROEG",
        "--out",
        "ddas.json",
    ]);
    ok(&o);
    logs.push_str(&text(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(p.path("ddas.json")).unwrap()).unwrap();
    validate(&doc);
    let o = p.vroeg(&["audit", "verify", "--pipeline", "zoetermeer.toml"]);
    ok(&o);
    assert!(
        text(&o).contains("audit log intact: 5 entries"),
        "{}",
        text(&o)
    );
    // nothing of a contact row in any log, nor in the audit log
    logs.push_str(&fs::read_to_string(p.path("store/audit.jsonl")).unwrap());
    let table = fs::read_to_string(&contacts).unwrap();
    for line in table.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        for cell in &cells[1..] {
            if cell.len() >= 4 && *cell != "Zoetermeer" {
                assert!(!logs.contains(cell), "a log holds {cell:?}");
            }
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// Routing is for worklists only: the list is the same byte for byte with
/// and without teams, and only the report gains the per-team table.
#[test]
fn teams_change_no_list() {
    let inbox = repo("sample-data/inbox").display().to_string();
    let with_inbox = |t: String| t.replace("inbox = \"inbox\"", &format!("inbox = \"{inbox}\""));
    let with = common::zoetermeer(with_inbox);
    let without = common::zoetermeer(|t| {
        let t = with_inbox(t);
        let cut = t.find("[teams.noord]").unwrap();
        t[..cut].to_string()
    });
    ok(&with.run_at("2026-10-31", &[]));
    ok(&without.run_at("2026-10-31", &[]));
    for f in ["signals.csv", "summary.json"] {
        assert_eq!(
            fs::read(with.path("out/2026-10-31").join(f)).unwrap(),
            fs::read(without.path("out/2026-10-31").join(f)).unwrap(),
            "{f}"
        );
    }
    let report = |p: &Project| fs::read_to_string(p.path("out/2026-10-31/report.html")).unwrap();
    assert!(report(&with).contains("Listed households per outreach team"));
    assert!(!report(&without).contains("Listed households per outreach team"));
}

/// Reveal and export read a run as it was, or refuse: a run recorded by an
/// older vroeg (no ledger position, no districts), a run scored with other
/// rules, a period without runs; a rerun replaces its day's run; a delivery
/// taken in after the run changes nothing of its export.
#[test]
fn runs_are_read_as_they_were_or_refused() {
    let p = ready();
    ok(&export(&p, "first.json", &[]));
    let first = fs::read_to_string(p.path("first.json")).unwrap();
    // a late delivery for a period on or before T, taken in after the run:
    // a new rent row for hh_noord_a at LB
    p.deliver(
        "rent_arrears",
        "2026-10_LB.csv",
        &format!("{RENT}hh_noord_a,2026-10-31,LB,999.00,700.00,2026-09-01,nee\n"),
    );
    ok(&p.vroeg(&["ingest", "--pipeline", "ddas.toml"]));
    ok(&export(&p, "late.json", &[]));
    let strip = |t: &str| {
        let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
        v.as_object_mut().unwrap().remove("aanleverdatumEnTijd");
        v
    };
    assert_eq!(
        strip(&first),
        strip(&fs::read_to_string(p.path("late.json")).unwrap()),
        "the run's export does not change with a later delivery"
    );
    // a rerun of the day takes in the late row: now 4 signals
    ok(&p.run_at("2026-10-31", &[]));
    let o = export(&p, "rerun.json", &[]);
    ok(&o);
    assert!(
        text(&o).contains("wrote 4 signals of 1 households and 1 cases from 1 recorded runs"),
        "{}",
        text(&o)
    );

    // other rules than the run's: exit 2, nothing written
    let edited = fs::read_to_string(p.path("ddas.toml"))
        .unwrap()
        .replace("eligible_min_score = 5", "eligible_min_score = 6");
    fs::write(p.path("edited.toml"), edited).unwrap();
    let o = p.vroeg(&[
        "reveal",
        "--pipeline",
        "edited.toml",
        "--as-of",
        "2026-10-31",
        "--team",
        "noord",
        "--contacts",
        "contacts.csv",
        "--reason",
        "r",
        "--out",
        "x.csv",
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("scored with other rules"), "{}", text(&o));
    assert!(!p.path("x.csv").exists());

    // a period without runs: exit 3
    let o = p.vroeg(&[
        "export",
        "ddas",
        "--pipeline",
        "ddas.toml",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
        "--contacts",
        "contacts.csv",
        "--municipality-code",
        "GM0637",
        "--supplier-code",
        "VROEG",
        "--out",
        "none.json",
    ]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(text(&o).contains("no recorded run"), "{}", text(&o));

    // a run recorded by an older vroeg: no ledger position in its record
    let runs = p.path("store/runs");
    for e in fs::read_dir(&runs).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let mut v: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
            v.as_object_mut().unwrap().remove("last_delivery");
            fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        }
    }
    let o = reveal(&p, "centraal", "old.csv", &[]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(
        text(&o).contains("recorded by an older vroeg"),
        "{}",
        text(&o)
    );
    assert!(!p.path("old.csv").exists());
}

#[test]
fn worklists_go_to_a_place_of_their_own_and_reveals_may_run_together() {
    let p = ready();
    let o = reveal(&p, "noord", "store/noord.csv", &[]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(
        text(&o).contains("inside the pipeline's store"),
        "{}",
        text(&o)
    );
    let o = reveal(&p, "noord", "inbox/noord.csv", &[]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    // four reveals at once: each written and audited, the chain whole
    let bin = env!("CARGO_BIN_EXE_vroeg");
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let dir = p.path("");
            std::thread::spawn(move || {
                std::process::Command::new(bin)
                    .current_dir(dir)
                    .args([
                        "reveal",
                        "--pipeline",
                        "ddas.toml",
                        "--as-of",
                        "2026-10-31",
                        "--team",
                        "noord",
                        "--contacts",
                        "contacts.csv",
                        "--reason",
                        "parallel",
                        "--out",
                        &format!("p{i}.csv"),
                    ])
                    .output()
                    .unwrap()
            })
        })
        .collect();
    for h in handles {
        ok(&h.join().unwrap());
    }
    let o = p.vroeg(&["audit", "verify", "--pipeline", "ddas.toml"]);
    ok(&o);
    assert!(
        text(&o).contains("audit log intact: 4 entries"),
        "{}",
        text(&o)
    );
}

/// The store's signal-ID key and audit log are part of its history: a
/// missing key after exports is refused unless a new one is asked for; a
/// missing log in a store that exported is damage; an interrupted append is
/// reported as such.
#[test]
fn the_id_key_and_the_audit_log_cannot_silently_start_over() {
    let p = ready();
    ok(&export(&p, "one.json", &[]));
    fs::remove_file(p.path("store/ddas-id.key")).unwrap();
    let o = export(&p, "two.json", &[]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(text(&o).contains("ddas-id.key is missing"), "{}", text(&o));
    assert!(!p.path("two.json").exists());
    let o = export(&p, "two.json", &["--new-id-key"]);
    ok(&o);
    let ids = |f: &str| -> BTreeSet<String> {
        let v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(p.path(f)).unwrap()).unwrap();
        v["leveringen"][0]["vroegsignalen"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["ID"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        ids("one.json").is_disjoint(&ids("two.json")),
        "a new key, new IDs"
    );

    // an append cut short: verify says so, and stays exit 0
    let head = fs::read_to_string(p.path("store/audit.head")).unwrap();
    fs::write(
        p.path("store/audit.head"),
        format!("pending {} {}\n", head.trim(), "f".repeat(64)),
    )
    .unwrap();
    let o = p.vroeg(&["audit", "verify", "--pipeline", "ddas.toml"]);
    ok(&o);
    assert!(
        text(&o).contains("the last append was cut short"),
        "{}",
        text(&o)
    );

    // both audit files gone in a store that exported
    fs::remove_file(p.path("store/audit.jsonl")).unwrap();
    fs::remove_file(p.path("store/audit.head")).unwrap();
    let o = p.vroeg(&["audit", "verify", "--pipeline", "ddas.toml"]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(text(&o).contains("empty or missing"), "{}", text(&o));
}

#[test]
fn an_out_inside_the_pipeline_files_own_store_is_refused_under_another_store() {
    let p = ready();
    let copy = p.path("store-copy");
    let status = std::process::Command::new("cp")
        .args([
            "-a",
            p.path("store").to_str().unwrap(),
            copy.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let o = reveal(&p, "noord", "store/x.csv", &["--store", "store-copy"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(!p.path("store/x.csv").exists());
}
