//! The contact table: loaded when private and well-formed, refused whole
//! (exit 3, file, line and column named, never the value) otherwise.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use vroeg_outreach::{Contact, ContactTable};

const HEADER: &str =
    "household_key,street,house_number,house_number_suffix,postcode,city,phone,email\n";
const ROW: &str = "HH-00001,Dorpsstraat,12,A,2711AB,Zoetermeer,079-1234567,a@example.nl\n";

fn table(text: &[u8], mode: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contacts.csv");
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    (dir, path)
}

#[test]
fn a_private_well_formed_table_loads() {
    let text = format!("{HEADER}{ROW}HH-00002,Lange Weg,7,,9999ZZ,Zoetermeer,,\n");
    let (_dir, path) = table(text.as_bytes(), 0o600);
    let t = ContactTable::load(&path).unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(
        t.get("HH-00001"),
        Some(&Contact {
            household_key: "HH-00001".into(),
            street: "Dorpsstraat".into(),
            house_number: "12".into(),
            house_number_suffix: "A".into(),
            postcode: "2711AB".into(),
            city: "Zoetermeer".into(),
            phone: "079-1234567".into(),
            email: "a@example.nl".into(),
        })
    );
    assert_eq!(t.get("HH-00002").unwrap().house_number_suffix, "");
    assert_eq!(t.get("hh-00001"), None, "keys are case-sensitive");
}

#[test]
fn columns_are_matched_loosely_optional_ones_may_be_absent_extra_ones_ignored() {
    let text = "\u{feff} City ,POSTCODE,extra,house_number,street,Household_Key\nDelft,2611AA,x,1,Markt,HH-00003\n";
    let (_dir, path) = table(text.as_bytes(), 0o640);
    let t = ContactTable::load(&path).unwrap();
    let c = t.get("HH-00003").unwrap();
    assert_eq!((c.city.as_str(), c.street.as_str()), ("Delft", "Markt"));
    assert_eq!((c.phone.as_str(), c.email.as_str()), ("", ""));
}

#[test]
fn lengths_count_characters() {
    let street = "é".repeat(80);
    let text = format!("{HEADER}HH-00001,{street},1,,2711AB,Zoetermeer,,\n");
    let (_dir, path) = table(text.as_bytes(), 0o600);
    assert_eq!(ContactTable::load(&path).unwrap().len(), 1);
}

/// Loads `text` (mode 0600) and checks the refusal: exit 3, the file named,
/// each of `names` in the message and `value` not.
fn refused(text: &str, names: &[&str], value: &str) {
    let (_dir, path) = table(text.as_bytes(), 0o600);
    let e = ContactTable::load(&path).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 3, "{msg}");
    assert!(msg.contains("contacts.csv"), "{msg}");
    for name in names {
        assert!(msg.contains(name), "{msg} should name {name}");
    }
    if !value.is_empty() {
        assert!(!msg.contains(value), "{msg} shows {value}");
    }
}

#[test]
fn every_rule_of_the_table_is_enforced_naming_line_and_column() {
    let long = |n| "x".repeat(n);
    let cases: Vec<(usize, String, &str)> = vec![
        (0, "".into(), "household_key"),
        (0, "123456789".into(), "household_key"),
        (0, "HH 0001x".into(), "household_key"),
        (0, "short".into(), "household_key"),
        (1, "".into(), "street"),
        (1, long(81), "street"),
        (2, "".into(), "house_number"),
        (2, "12a".into(), "house_number"),
        (2, "123456".into(), "house_number"),
        (3, long(7), "house_number_suffix"),
        (4, "".into(), "postcode"),
        (4, "0711AB".into(), "postcode"),
        (4, "2711ab".into(), "postcode"),
        (4, "2711 AB".into(), "postcode"),
        (5, "".into(), "city"),
        (5, long(81), "city"),
        (6, long(21), "phone"),
        (7, long(121), "email"),
    ];
    for (column, value, name) in cases {
        let mut cells: Vec<String> = ROW.trim_end().split(',').map(String::from).collect();
        cells[0] = "HH-00002".into();
        cells[column] = value.clone();
        let text = format!("{HEADER}{ROW}{}\n", cells.join(","));
        refused(
            &text,
            &["line 3", &format!("column `{name}`")],
            if value.len() > 2 { &value } else { "" },
        );
    }
}

#[test]
fn a_repeated_key_names_both_lines() {
    let text = format!("{HEADER}{ROW}HH-00002,Weg,1,,2711AB,Delft,,\n{ROW}");
    refused(&text, &["line 4", "household_key", "line 2"], "HH-00001");
}

#[test]
fn structure_problems_are_refused() {
    refused(
        &format!("{HEADER}{ROW}HH-00002,Weg,1\n"),
        &["line 3", "3 fields"],
        "HH-00002",
    );
    refused("", &["header"], "");
    refused(
        "household_key,street,house_number,city\nHH-00001,Weg,1,Delft\n",
        &["line 1", "column `postcode`", "missing"],
        "",
    );
    refused(
        "household_key,street,street,house_number,postcode,city\n",
        &["line 1", "twice"],
        "",
    );
    let (_dir, path) = table(format!("{HEADER}{ROW}HH-00002,Caf\u{e9}").as_bytes(), 0o600);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(b"\xff,1,,2711AB,Delft,,\n");
    fs::write(&path, bytes).unwrap();
    let e = ContactTable::load(&path).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(e.to_string().contains("line 3"), "{e}");
    assert!(e.to_string().contains("UTF-8"), "{e}");
}

#[test]
fn a_table_others_may_read_is_refused() {
    for mode in [0o644, 0o606, 0o601] {
        let (_dir, path) = table(format!("{HEADER}{ROW}").as_bytes(), mode);
        let e = ContactTable::load(&path).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("chmod o-rwx"), "{e}");
    }
    let dir = tempfile::tempdir().unwrap();
    let e = ContactTable::load(&dir.path().join("none.csv")).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    let e = ContactTable::load(dir.path()).unwrap_err();
    assert_eq!(e.exit_code(), 3);
}
