//! The DDAS v1.2 export: every mapping row, whole euros, stable IDs that
//! show no pseudonym, households without a contact row, and documents
//! checked against our own constraints fixture (which must have teeth).

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use vroeg_outreach::ddas::{
    self, ContactPerson, ExportRequest, ExportSummary, Organisation, OutcomeRow, SignalRow,
    SignalSource, Uitwisselmodel, check_municipality_code, contactsoort, resultaat, signaalpartner,
    signal_id, whole_euros,
};
use vroeg_outreach::{Contact, ContactTable};

const CREDITORS: [(&str, &str); 11] = [
    ("energy", "Energie"),
    ("water", "Water"),
    ("health_insurance", "Zorg"),
    ("cak_health_insurance", "CAK Zorgverzekeringen"),
    ("mortgage", "Hypotheek"),
    ("tax_authority", "Belastingdienst"),
    ("benefits_reclaim", "Dienst Toeslagen"),
    ("duo", "DUO"),
    ("cak_own_contribution", "CAK Eigen bijdrage"),
    ("municipal_tax", "Overige"),
    ("other", "Overige"),
];

const OUTCOMES: [(&str, &str); 15] = [
    ("not_picked_up_repeat", "Niet opgepakt: herhaalde melding"),
    (
        "not_picked_up_wrong_signal",
        "Niet opgepakt: onterecht signaal",
    ),
    ("not_picked_up_other", "Niet opgepakt: andere reden"),
    ("deceased", "Inwoner is overleden"),
    (
        "not_resident",
        "Persoon is geen inwoner (meer) in de gemeente",
    ),
    (
        "known_to_debt_help",
        "Inwoner al bekend bij schuldhulpverlening",
    ),
    (
        "other_support_ongoing",
        "Inwoner heeft al een ander lopend traject",
    ),
    ("no_contact", "Definitief geen contact kunnen krijgen"),
    (
        "no_response_after_contact",
        "Geen reactie na eerder contact",
    ),
    (
        "no_help_wanted",
        "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
    ),
    (
        "already_paid_or_arranged",
        "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    ),
    ("quick_fix", "(Budget)advies en/of quick fix"),
    (
        "followup_financial",
        "Vervolghulp en/of verwijzing financieel",
    ),
    (
        "followup_nonfinancial",
        "Vervolghulp en/of verwijzing niet financieel",
    ),
    (
        "referral_without_contact",
        "Verwijzing zonder tussenkomst inwoner",
    ),
];

const CONTACT_KINDS: [(&str, &str); 8] = [
    ("mail", "Mail"),
    ("letter", "Brief"),
    ("text_message", "SMS/Whatsapp"),
    ("phone", "Telefoon"),
    ("home_visit", "Huisbezoek"),
    ("card", "Kaartje"),
    ("administrative", "Administratief"),
    ("other", "Overige"),
];

#[test]
fn every_mapping_row_is_exactly_as_in_outreach_md() {
    assert_eq!(signaalpartner("rent_arrears"), Some("Huur"));
    for (ours, theirs) in CREDITORS {
        assert_eq!(signaalpartner(ours), Some(theirs), "{ours}");
    }
    for (ours, theirs) in OUTCOMES {
        assert_eq!(resultaat(ours), Some(theirs), "{ours}");
    }
    for (ours, theirs) in CONTACT_KINDS {
        assert_eq!(contactsoort(ours), Some(theirs), "{ours}");
    }
    assert_eq!(signaalpartner("Energy"), None);
    assert_eq!(resultaat("quick fix"), None);
    assert_eq!(contactsoort("email"), None);
}

#[test]
fn whole_euros_round_half_away_from_zero() {
    assert_eq!(whole_euros(0), 0);
    assert_eq!(whole_euros(49), 0, "0.49");
    assert_eq!(whole_euros(50), 1, "0.50");
    assert_eq!(whole_euros(150), 2, "1.50");
    assert_eq!(whole_euros(250), 3, "2.50");
    assert_eq!(whole_euros(19_999), 200, "199.99");
    assert_eq!(whole_euros(123_449), 1234, "1234.49");
    assert_eq!(whole_euros(-49), 0, "-0.49");
    assert_eq!(whole_euros(-50), -1, "-0.50");
    assert_eq!(whole_euros(-250), -3, "-2.50");
    assert_eq!(whole_euros(i128::MAX), i64::MAX);
    assert_eq!(whole_euros(i128::MIN), -i64::MAX);
}

#[test]
fn municipality_codes_are_gm_and_four_digits() {
    assert!(check_municipality_code("GM0637").is_ok());
    for bad in [
        "gm0637",
        "GM637",
        "GM06370",
        "XX0637",
        "GM06a7",
        "",
        "GM０６３７",
    ] {
        assert_eq!(
            check_municipality_code(bad).unwrap_err().exit_code(),
            2,
            "{bad}"
        );
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn contact(key: &str, number: &str, suffix: &str) -> Contact {
    Contact {
        household_key: key.into(),
        street: "Dorpsstraat".into(),
        house_number: number.into(),
        house_number_suffix: suffix.into(),
        postcode: "2711AB".into(),
        city: "Zoetermeer".into(),
        phone: "0791234567".into(),
        email: "x@example.nl".into(),
    }
}

fn rent(key: &str, cents: i128) -> SignalRow {
    SignalRow {
        source: SignalSource::Rent,
        household_key: key.into(),
        supplier_code: "WBV01".into(),
        reference_date: d("2026-10-01"),
        oldest_unpaid_date: d("2026-08-01"),
        arrears_cents: cents,
    }
}

fn debt(key: &str, creditor_type: &str, cents: i128) -> SignalRow {
    SignalRow {
        source: SignalSource::Debt {
            creditor_type: creditor_type.into(),
        },
        household_key: key.into(),
        supplier_code: "CRED7".into(),
        reference_date: d("2026-10-15"),
        oldest_unpaid_date: d("2026-06-30"),
        arrears_cents: cents,
    }
}

fn outcome(key: &str, closed: &str, outcome: &str, kind: Option<&str>) -> OutcomeRow {
    OutcomeRow {
        household_key: key.into(),
        closed_date: d(closed),
        outcome: outcome.into(),
        contact_kind: kind.map(String::from),
    }
}

fn organisation() -> Organisation {
    Organisation {
        naam: "Gemeente Zoetermeer".into(),
        kvk_nummer: Some("12345678".into()),
        contactpersonen: vec![ContactPerson {
            naam: "A. de Vries".into(),
            telefoonnummer: Some("079-0000000".into()),
            email: Some("vroegsignalering@example.nl".into()),
            functietitel: Some("Coordinator vroegsignalering".into()),
        }],
    }
}

fn request(signals: Vec<SignalRow>, outcomes: Vec<OutcomeRow>) -> ExportRequest {
    ExportRequest {
        from: d("2026-10-01"),
        to: d("2026-10-31"),
        delivered_at: Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap(),
        municipality_code: "GM0637".into(),
        supplier_code: "ZTM".into(),
        organisation: organisation(),
        signals,
        outcomes,
    }
}

/// A request that uses every mapping row: one household per creditor type
/// (and one with rent), one outcome per outcome code, contact kinds
/// cycling through all eight.
fn everything() -> (ExportRequest, ContactTable) {
    let mut signals = vec![rent("HH-RENT-01", 123_450)];
    let mut contacts = vec![contact("HH-RENT-01", "1", "")];
    for (i, (creditor, _)) in CREDITORS.iter().enumerate() {
        let key = format!("HH-DEBT-{i:02}");
        signals.push(debt(&key, creditor, 10_000 + i as i128 * 50));
        contacts.push(contact(
            &key,
            &format!("{}", i + 2),
            if i % 2 == 0 { "A" } else { "" },
        ));
    }
    let keys: Vec<String> = contacts.iter().map(|c| c.household_key.clone()).collect();
    let outcomes = OUTCOMES
        .iter()
        .enumerate()
        .map(|(i, (code, _))| {
            let kind = (i < 14).then(|| CONTACT_KINDS[i % 8].0);
            outcome(
                &keys[i % keys.len()],
                &format!("2026-10-{:02}", i + 2),
                code,
                kind,
            )
        })
        .collect();
    (
        request(signals, outcomes),
        ContactTable::from_contacts(contacts),
    )
}

fn validator() -> jsonschema::Validator {
    let text = include_str!("fixtures/ddas-v1.2-constraints.schema.json");
    let schema: Value = serde_json::from_str(text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| e.to_string())
        .collect()
}

fn json_of(doc: &Uitwisselmodel) -> Value {
    serde_json::from_slice(&serde_json::to_vec_pretty(doc).unwrap()).unwrap()
}

#[test]
fn a_document_with_every_mapping_validates() {
    let (req, contacts) = everything();
    let (doc, summary) = ddas::build(&req, &contacts, &id_key()).unwrap();
    let value = json_of(&doc);
    assert_eq!(errors(&value), Vec::<String>::new());
    assert_eq!(
        summary,
        ExportSummary {
            signals: 12,
            households: 12,
            households_without_contact: 0,
            signals_without_contact: 0,
            cases: 15,
        }
    );
    let levering = &doc.leveringen[0];
    let partners: BTreeSet<&str> = levering
        .vroegsignalen
        .iter()
        .map(|s| s.signaalpartner.kind.as_str())
        .collect();
    let mut expected: BTreeSet<&str> = CREDITORS.iter().map(|(_, t)| *t).collect();
    expected.insert("Huur");
    assert_eq!(partners, expected);
    let results: BTreeSet<&str> = levering
        .vroegsignaalzaken
        .iter()
        .map(|z| z.resultaat.as_str())
        .collect();
    assert_eq!(results, OUTCOMES.iter().map(|(_, t)| *t).collect());
    let kinds: BTreeSet<&str> = levering
        .vroegsignaalzaken
        .iter()
        .flat_map(|z| z.contactpogingen.iter().map(|c| c.soort.as_str()))
        .collect();
    assert_eq!(kinds, CONTACT_KINDS.iter().map(|(_, t)| *t).collect());
    assert_eq!(
        levering
            .vroegsignaalzaken
            .last()
            .unwrap()
            .contactpogingen
            .len(),
        0,
        "no contact kind, no contactpoging"
    );
    assert!(
        value["leveringen"][0]["vroegsignaalzaken"][14]
            .get("contactpogingen")
            .is_none()
    );
}

#[test]
fn the_root_and_the_signals_carry_the_documented_values() {
    let contacts = ContactTable::from_contacts([contact("HH-00000001", "12", "bis")]);
    let req = request(
        vec![
            rent("HH-00000001", 123_450),
            debt("HH-00000001", "energy", 19_999),
        ],
        vec![outcome(
            "HH-00000001",
            "2026-10-20",
            "quick_fix",
            Some("home_visit"),
        )],
    );
    let (doc, _) = ddas::build(&req, &contacts, &id_key()).unwrap();
    let value = json_of(&doc);
    assert_eq!(value["startdatumLevering"], "2026-10-01");
    assert_eq!(value["einddatumLevering"], "2026-10-31");
    assert_eq!(value["aanleverdatumEnTijd"], "2026-11-02T09:30:00Z");
    assert_eq!(value["codeGegevensleverancier"], "ZTM");
    let levering = &value["leveringen"][0];
    assert_eq!(levering["teller"], 1);
    assert_eq!(levering["gemeentecode"], "GM0637");
    assert_eq!(
        levering["aanleverendeOrganisatie"]["kvk-nummer"],
        "12345678"
    );
    let rent_id = signal_id(&id_key(), &req.signals[0]);
    let debt_id = signal_id(&id_key(), &req.signals[1]);
    let by_id = |id: &str| -> Value {
        levering["vroegsignalen"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["ID"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_id(&rent_id),
        json!({"ID": rent_id, "bedrag": 1235, "signaaldatum": "2026-10-01",
               "signaalpartner": {"type": "Huur"},
               "client": {"postcode": "2711AB", "huisnummer": "12", "huisnummertoevoeging": "bis"}})
    );
    assert_eq!(
        by_id(&debt_id),
        json!({"ID": debt_id, "bedrag": 200, "ontstaansdatum": "2026-06-30",
               "signaaldatum": "2026-10-15", "signaalpartner": {"type": "Energie"},
               "client": {"postcode": "2711AB", "huisnummer": "12", "huisnummertoevoeging": "bis"}})
    );
    let mut ids = [rent_id.clone(), debt_id.clone()];
    ids.sort();
    assert_eq!(
        levering["vroegsignaalzaken"],
        json!([{"resultaat": "(Budget)advies en/of quick fix",
                "vroegsignalen": [{"ID": ids[0]}, {"ID": ids[1]}],
                "contactpogingen": [{"soort": "Huisbezoek", "datum": "2026-10-20"}]}])
    );
    assert_eq!(errors(&value), Vec::<String>::new());
}

#[test]
fn ids_are_stable_show_no_pseudonym_and_one_row_is_one_signal() {
    let key = "HH-SECRET-7731";
    let row = debt(key, "water", 5_000);
    let id = signal_id(&id_key(), &row);
    assert_eq!(id, signal_id(&id_key(), &row.clone()));
    assert_eq!(id.len(), 64);
    assert!(id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    // keyed: neither the unkeyed hash of the same encoding nor the ID under
    // another store's key
    assert_ne!(id, unkeyed_id(&row));
    let other = vroeg_outreach::Key::from_bytes_for_test(&[7u8; 32]);
    assert_ne!(id, signal_id(&other, &row));
    assert_ne!(
        id,
        signal_id(&id_key(), &debt(key, "water", 5_001)),
        "amount"
    );
    assert_ne!(
        id,
        signal_id(&id_key(), &debt(key, "energy", 5_000)),
        "creditor type"
    );
    assert_ne!(
        id,
        signal_id(&id_key(), &debt("HH-OTHER-0001", "water", 5_000)),
        "household"
    );
    let mut later = row.clone();
    later.reference_date = d("2026-10-16");
    assert_ne!(id, signal_id(&id_key(), &later), "reference date");

    let contacts = ContactTable::from_contacts([contact(key, "3", "")]);
    let twice = request(vec![row.clone(), rent(key, 100), row.clone()], vec![]);
    let (doc, summary) = ddas::build(&twice, &contacts, &id_key()).unwrap();
    assert_eq!(
        summary.signals, 2,
        "a row counted by two runs is one signal"
    );
    let once = request(vec![rent(key, 100), row], vec![]);
    let (again, _) = ddas::build(&once, &contacts, &id_key()).unwrap();
    assert_eq!(
        serde_json::to_vec_pretty(&doc).unwrap(),
        serde_json::to_vec_pretty(&again).unwrap(),
        "same rows, same bytes, whatever the order"
    );
    let text = String::from_utf8(serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    assert!(!text.contains(key), "no pseudonym in the document");
}

#[test]
fn households_without_a_contact_row_are_left_out_and_counted() {
    let contacts = ContactTable::from_contacts([contact("HH-00000001", "5", "")]);
    let req = request(
        vec![
            rent("HH-00000001", 50_000),
            rent("HH-00000002", 60_000),
            debt("HH-00000002", "duo", 70_000),
            debt("HH-00000003", "duo", 80_000),
        ],
        vec![
            outcome("HH-00000001", "2026-10-10", "no_contact", None),
            outcome("HH-00000002", "2026-10-11", "quick_fix", None),
            outcome("HH-00000001", "2026-09-30", "deceased", None),
            outcome("HH-00000001", "2026-11-01", "deceased", None),
            outcome("HH-00000009", "2026-10-12", "deceased", None),
        ],
    );
    let (doc, summary) = ddas::build(&req, &contacts, &id_key()).unwrap();
    assert_eq!(
        summary,
        ExportSummary {
            signals: 1,
            households: 1,
            households_without_contact: 2,
            signals_without_contact: 3,
            cases: 1,
        }
    );
    assert_eq!(doc.leveringen[0].vroegsignaalzaken.len(), 1);
    assert_eq!(
        doc.leveringen[0].vroegsignaalzaken[0].resultaat,
        "Definitief geen contact kunnen krijgen"
    );
    assert_eq!(errors(&json_of(&doc)), Vec::<String>::new());
}

#[test]
fn an_export_without_signals_still_validates() {
    let (doc, summary) = ddas::build(
        &request(vec![], vec![]),
        &ContactTable::default(),
        &id_key(),
    )
    .unwrap();
    assert_eq!(summary, ExportSummary::default());
    assert_eq!(errors(&json_of(&doc)), Vec::<String>::new());
}

#[test]
fn bad_requests_and_codes_outside_the_contract_are_refused() {
    let contacts = ContactTable::from_contacts([contact("HH-00000001", "5", "")]);
    let mut req = request(vec![], vec![]);
    req.from = d("2026-11-01");
    assert_eq!(
        ddas::build(&req, &contacts, &id_key())
            .unwrap_err()
            .exit_code(),
        2
    );
    let mut req = request(vec![], vec![]);
    req.organisation.contactpersonen.clear();
    assert_eq!(
        ddas::build(&req, &contacts, &id_key())
            .unwrap_err()
            .exit_code(),
        2
    );
    let mut req = request(vec![], vec![]);
    req.municipality_code = "0637".into();
    assert_eq!(
        ddas::build(&req, &contacts, &id_key())
            .unwrap_err()
            .exit_code(),
        2
    );
    let mut req = request(vec![], vec![]);
    req.supplier_code = " ".into();
    assert_eq!(
        ddas::build(&req, &contacts, &id_key())
            .unwrap_err()
            .exit_code(),
        2
    );

    let req = request(vec![debt("HH-00000001", "gambling", 100)], vec![]);
    let e = ddas::build(&req, &contacts, &id_key()).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(!e.to_string().contains("gambling"), "{e}");
    let req = request(
        vec![rent("HH-00000001", 100)],
        vec![outcome("HH-00000001", "2026-10-03", "sorted", None)],
    );
    assert_eq!(
        ddas::build(&req, &contacts, &id_key())
            .unwrap_err()
            .exit_code(),
        3
    );
    let req = request(
        vec![rent("HH-00000001", 100)],
        vec![outcome(
            "HH-00000001",
            "2026-10-03",
            "quick_fix",
            Some("pigeon"),
        )],
    );
    assert_eq!(
        ddas::build(&req, &contacts, &id_key())
            .unwrap_err()
            .exit_code(),
        3
    );
}

#[test]
fn the_written_document_reads_back_strictly() {
    let (req, contacts) = everything();
    let (doc, _) = ddas::build(&req, &contacts, &id_key()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    ddas::write_document(&path, &doc).unwrap();
    let back: Uitwisselmodel = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(back, doc);
}

/// The valid document with one change, which the fixture must reject.
fn rejected(change: impl FnOnce(&mut Value), what: &str) {
    let (req, contacts) = everything();
    let (doc, _) = ddas::build(&req, &contacts, &id_key()).unwrap();
    let mut value = json_of(&doc);
    change(&mut value);
    assert!(!errors(&value).is_empty(), "the fixture accepts {what}");
}

#[test]
fn the_fixture_has_teeth() {
    rejected(|v| v["extra"] = json!(1), "an extra root field");
    rejected(
        |v| v["leveringen"][0]["vroegsignalen"][0]["crisissignaal"] = json!(true),
        "a field we never write",
    );
    rejected(
        |v| v["leveringen"][0]["vroegsignaalzaken"][0]["status"] = json!("x"),
        "an extra case field",
    );
    rejected(
        |v| v["leveringen"][0]["vroegsignalen"][0]["bedrag"] = json!(12.5),
        "a float bedrag",
    );
    rejected(
        |v| {
            v["leveringen"][0]["vroegsignalen"][0]["client"]["burgerservicenummer"] =
                json!("123456782")
        },
        "a client with a BSN and a postcode",
    );
    rejected(
        |v| {
            v["leveringen"][0]["vroegsignalen"][0]["client"] =
                json!({"burgerservicenummer": "12345678"})
        },
        "a BSN of 8 characters",
    );
    rejected(
        |v| v["leveringen"][0]["vroegsignaalzaken"][0]["vroegsignalen"] = json!([]),
        "a case without signals",
    );
    rejected(
        |v| v["leveringen"][0]["vroegsignalen"][0]["signaaldatum"] = json!("2026-02-30"),
        "an impossible date",
    );
    rejected(
        |v| v["startdatumLevering"] = json!("01-10-2026"),
        "a date in another pattern",
    );
    rejected(
        |v| v["aanleverdatumEnTijd"] = json!("2026-11-02 09:30"),
        "a date-time without T and zone",
    );
    rejected(
        |v| v["leveringen"][0]["vroegsignalen"][0]["signaalpartner"]["type"] = json!("Gas"),
        "a signaalpartner outside the enum",
    );
    rejected(
        |v| {
            v["leveringen"][0]["vroegsignaalzaken"][0]["contactpogingen"][0]["soort"] =
                json!("E-mail")
        },
        "a soort outside the enum",
    );
    rejected(
        |v| v["leveringen"][0]["aanleverendeOrganisatie"]["contactpersonen"] = json!([]),
        "no contact person",
    );
    rejected(
        |v| {
            v["leveringen"][0]["vroegsignalen"][0]
                .as_object_mut()
                .unwrap()
                .remove("ID")
                .map(drop)
                .unwrap_or(())
        },
        "a signal without ID",
    );
    rejected(|v| v["leveringen"] = json!([]), "no levering");
    rejected(
        |v| v["leveringen"][0]["vroegsignalen"][0]["client"]["huisnummer"] = json!(12),
        "a house number as a JSON number (the schema says string)",
    );
}

/// The ID key of the tests' store.
fn id_key() -> vroeg_outreach::Key {
    vroeg_outreach::Key::from_bytes_for_test(b"0123456789abcdef0123456789abcdef")
}

/// SHA-256 of the ID's message without a key: what anyone holding the
/// rows could compute if the ID were not keyed.
fn unkeyed_id(row: &SignalRow) -> String {
    use sha2::{Digest, Sha256};
    let SignalSource::Debt { creditor_type } = &row.source else {
        unreachable!("a debt row")
    };
    let fields = [
        "debt_arrears".to_string(),
        creditor_type.clone(),
        row.supplier_code.clone(),
        row.reference_date.to_string(),
        row.household_key.clone(),
        row.oldest_unpaid_date.to_string(),
        row.arrears_cents.to_string(),
    ];
    let mut message = b"vroeg-ddas-vroegsignaal-id-v1\0".to_vec();
    for f in &fields {
        message.extend_from_slice(&(f.len() as u64).to_be_bytes());
        message.extend_from_slice(f.as_bytes());
    }
    hex::encode(Sha256::digest(&message))
}

#[test]
fn the_store_id_key_is_made_once_private_and_kept() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let first = ddas::id_key(dir.path()).unwrap();
    let path = dir.path().join(ddas::ID_KEY_FILE);
    assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read(&path).unwrap().len(), 32);
    let row = debt("HH-00000001", "water", 5_000);
    let again = ddas::id_key(dir.path()).unwrap();
    assert_eq!(signal_id(&first, &row), signal_id(&again, &row));
    let other = tempfile::tempdir().unwrap();
    assert_ne!(
        signal_id(&first, &row),
        signal_id(&ddas::id_key(other.path()).unwrap(), &row),
        "each store its own secret"
    );
}
