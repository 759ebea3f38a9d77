//! The team worklist: exact bytes, spreadsheet safety, mode 0600, and the
//! refusal to replace a file or write into a missing folder.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use vroeg_outreach::{Contact, WorklistRow, write_worklist};

fn rows() -> Vec<WorklistRow> {
    vec![
        WorklistRow {
            rank: 1,
            household_key: "HH-00001".into(),
            score: 7,
            rules: "R01|R04".into(),
            why: "Rent arrears of two months; Energy debt".into(),
            district_code: "WK063700".into(),
            total_arrears_eur: "1234.50".into(),
            contact: Some(Contact {
                household_key: "HH-00001".into(),
                street: "=HYPERLINK(\"x\")".into(),
                house_number: "12".into(),
                house_number_suffix: "A".into(),
                postcode: "2711AB".into(),
                city: "Zoetermeer".into(),
                phone: "+31612345678".into(),
                email: "@me".into(),
            }),
        },
        WorklistRow {
            rank: 2,
            household_key: "HH-00002".into(),
            score: -1,
            rules: "R02".into(),
            why: "School absence".into(),
            district_code: "".into(),
            total_arrears_eur: "0.00".into(),
            contact: None,
        },
    ]
}

#[test]
fn the_worklist_is_exact_spreadsheet_safe_and_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noord.csv");
    write_worklist(&path, &rows()).unwrap();
    let expected = "rank,household_key,score,rules,why,district_code,total_arrears_eur,street,house_number,house_number_suffix,postcode,city,phone,email\n\
        1,HH-00001,7,R01|R04,Rent arrears of two months; Energy debt,WK063700,1234.50,\"'=HYPERLINK(\"\"x\"\")\",12,A,2711AB,Zoetermeer,'+31612345678,'@me\n\
        2,HH-00002,'-1,R02,School absence,,0.00,,,,,,,\n";
    assert_eq!(fs::read_to_string(&path).unwrap(), expected);
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["noord.csv"], "no temporary file left");
}

#[test]
fn an_empty_worklist_has_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zuid.csv");
    write_worklist(&path, &[]).unwrap();
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .starts_with("rank,household_key,")
    );
    assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 1);
}

#[test]
fn an_existing_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noord.csv");
    fs::write(&path, "a colleague's list").unwrap();
    let e = write_worklist(&path, &rows()).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string().contains("remove it or choose another name"),
        "{e}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "a colleague's list");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(dir.path().join("nowhere.csv"), &link).unwrap();
    assert_eq!(write_worklist(&link, &rows()).unwrap_err().exit_code(), 2);
    assert!(!dir.path().join("nowhere.csv").exists());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn a_missing_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = write_worklist(&dir.path().join("no/such/list.csv"), &rows()).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("does not exist"), "{e}");
}
