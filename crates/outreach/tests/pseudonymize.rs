//! `vroeg pseudonymize`: the keyed hash against RFC 4231 and a hand-made
//! HMAC, the key file's refusals, and files that keep every byte but the
//! replaced cells.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use vroeg_outreach::{
    ColumnMapping, Key, KeyColumn, OutreachError, PseudonymizeSummary, hmac_sha256_hex, pseudonym,
    pseudonymize_file,
};

/// RFC 4231 section 4, test cases 1-4, 6 and 7 (case 5 truncates the output).
#[test]
fn hmac_matches_the_rfc_4231_vectors() {
    let cases: [(Vec<u8>, Vec<u8>, &str); 6] = [
        (
            vec![0x0b; 20],
            b"Hi There".to_vec(),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            b"Jefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            vec![0xaa; 20],
            vec![0xdd; 50],
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        ),
        (
            (0x01..=0x19).collect(),
            vec![0xcd; 50],
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        ),
        (
            vec![0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
        (
            vec![0xaa; 131],
            b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ),
    ];
    for (i, (key, msg, expected)) in cases.iter().enumerate() {
        assert_eq!(hmac_sha256_hex(key, msg), *expected, "case {i}");
        assert_eq!(
            pseudonym(&Key::from_bytes_for_test(key), msg),
            *expected,
            "case {i} through pseudonym"
        );
    }
}

/// HMAC as RFC 2104 defines it, from SHA-256 alone.
fn hand_hmac(key: &[u8], msg: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_key: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_key: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::digest([inner_key.as_slice(), msg].concat());
    hex::encode(Sha256::digest(
        [outer_key.as_slice(), inner.as_slice()].concat(),
    ))
}

#[test]
fn a_pseudonym_equals_a_hmac_computed_by_hand() {
    let key = b"0123456789abcdef0123456789abcdef-municipal\n";
    let p = pseudonym(&Key::from_bytes_for_test(key), b"123456782");
    assert_eq!(p, hand_hmac(key, b"123456782"));
    assert_eq!(p.len(), 64);
    assert!(p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    let long = [7u8; 100];
    assert_eq!(
        pseudonym(&Key::from_bytes_for_test(&long), b"x"),
        hand_hmac(&long, b"x")
    );
}

const KEY: &[u8] = b"an example key of 32+ random bytes\n";

fn key_file(dir: &Path, bytes: &[u8], mode: u32) -> PathBuf {
    let path = dir.join("municipal.key");
    fs::write(&path, bytes).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[test]
fn the_key_is_the_files_bytes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let key = Key::from_file(&key_file(dir.path(), KEY, 0o600)).unwrap();
    assert_eq!(pseudonym(&key, b"abc"), hand_hmac(KEY, b"abc"));
    let trimmed = KEY.strip_suffix(b"\n").unwrap();
    assert_ne!(pseudonym(&key, b"abc"), hand_hmac(trimmed, b"abc"));
    let group = Key::from_file(&key_file(dir.path(), KEY, 0o640));
    assert!(group.is_ok(), "the group may read it");
    assert_eq!(format!("{key:?}"), "Key(<secret>)");
}

#[test]
fn a_short_or_shared_or_odd_key_file_is_refused_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let short = Key::from_file(&key_file(dir.path(), &[b'k'; 31], 0o600)).unwrap_err();
    assert_eq!(short.exit_code(), 3);
    assert!(short.to_string().contains("fewer than 32 bytes"), "{short}");
    assert!(Key::from_file(&key_file(dir.path(), &[b'k'; 32], 0o600)).is_ok());
    for mode in [0o604, 0o602, 0o601, 0o644] {
        let e = Key::from_file(&key_file(dir.path(), KEY, mode)).unwrap_err();
        assert_eq!(e.exit_code(), 3, "{mode:o}");
        assert!(e.to_string().contains("chmod o-rwx"), "{e}");
        assert!(!e.to_string().contains("random bytes"), "{e}");
    }
    let folder = Key::from_file(dir.path()).unwrap_err();
    assert_eq!(folder.exit_code(), 3);
    assert!(
        folder.to_string().contains("not a regular file"),
        "{folder}"
    );
    let missing = Key::from_file(&dir.path().join("nope")).unwrap_err();
    assert_eq!(missing.exit_code(), 3);
}

#[test]
fn column_mappings_parse_and_bad_ones_are_usage_errors() {
    assert_eq!(
        ColumnMapping::parse("bsn=household_key").unwrap(),
        ColumnMapping {
            source: "bsn".into(),
            target: KeyColumn::Household
        }
    );
    assert_eq!(
        ColumnMapping::parse("Person BSN=person_key")
            .unwrap()
            .target,
        KeyColumn::Person
    );
    for bad in [
        "bsn",
        "=household_key",
        "bsn=district_code",
        "bsn=Household_Key",
        "",
    ] {
        let e = ColumnMapping::parse(bad).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{bad}");
    }
}

/// A temp folder with `in.csv` holding `input`.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(input: &[u8]) -> Case {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("in.csv"), input).unwrap();
        Case { dir }
    }

    fn input(&self) -> PathBuf {
        self.dir.path().join("in.csv")
    }

    fn output(&self) -> PathBuf {
        self.dir.path().join("out.csv")
    }

    fn run(&self, delimiter: u8, columns: &[&str]) -> Result<PseudonymizeSummary, OutreachError> {
        let columns: Vec<_> = columns
            .iter()
            .map(|c| ColumnMapping::parse(c).unwrap())
            .collect();
        let key = Key::from_bytes_for_test(KEY);
        pseudonymize_file(&key, &self.input(), &self.output(), delimiter, &columns)
    }

    fn out(&self) -> Vec<u8> {
        fs::read(self.output()).unwrap()
    }

    /// The names in the folder besides the input.
    fn others(&self) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "in.csv")
            .collect();
        names.sort();
        names
    }
}

fn p(value: &str) -> String {
    hand_hmac(KEY, value.as_bytes())
}

#[test]
fn quoting_header_order_and_other_columns_are_kept() {
    let case = Case::new(b"id,\"BSN \",name\n1,\"123456789\",x\n2,123456782,\"a,b\"\n");
    let summary = case.run(b',', &["bsn=household_key"]).unwrap();
    let expected = format!(
        "id,\"household_key\",name\n1,\"{}\",x\n2,{},\"a,b\"\n",
        p("123456789"),
        p("123456782")
    );
    assert_eq!(String::from_utf8(case.out()).unwrap(), expected);
    assert_eq!(
        summary,
        PseudonymizeSummary {
            rows: 2,
            cells: 2,
            empty_cells: 0
        }
    );
    let mode = fs::metadata(case.output()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn an_existing_output_is_never_replaced_and_bare_carriage_returns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = Key::from_bytes_for_test(KEY);
    let input = dir.path().join("in.csv");
    fs::write(&input, "bsn,naam\n123456782,Jan\n").unwrap();
    let mapping = [ColumnMapping::parse("bsn=person_key").unwrap()];
    // an existing file, the key file say
    let existing = dir.path().join("municipal.key");
    fs::write(&existing, KEY).unwrap();
    let e = pseudonymize_file(&key, &input, &existing, b',', &mapping).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(fs::read(&existing).unwrap(), KEY);
    // a folder as output
    let e = pseudonymize_file(&key, &input, dir.path(), b',', &mapping).unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    // old Mac line ends: the records cannot be told apart, so nothing is written
    let cr = dir.path().join("cr.csv");
    fs::write(&cr, "bsn,naam\r123456782,Jan\r").unwrap();
    let out = dir.path().join("out.csv");
    let e = pseudonymize_file(&key, &cr, &out, b',', &mapping).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    let msg = e.to_string();
    assert!(
        msg.contains("line 1") && msg.contains("carriage return"),
        "{msg}"
    );
    assert!(!msg.contains("123456782"), "{msg}");
    assert!(!out.exists());
}

#[test]
fn semicolons_crlf_and_a_bom_are_kept() {
    let case = Case::new(b"\xEF\xBB\xBFbsn;amount;person\r\n123456789;1,50;P1\r\n");
    case.run(b';', &["BSN=household_key", "person=person_key"])
        .unwrap();
    let expected = format!(
        "\u{feff}household_key;amount;person_key\r\n{};1,50;{}\r\n",
        p("123456789"),
        p("P1")
    );
    assert_eq!(String::from_utf8(case.out()).unwrap(), expected);
}

#[test]
fn empty_cells_stay_empty_and_values_are_not_trimmed() {
    let case = Case::new(b"bsn,x\n,1\n\"\",2\n 123,3\n123,4");
    let summary = case.run(b',', &["bsn=household_key"]).unwrap();
    let expected = format!(
        "household_key,x\n,1\n\"\",2\n{},3\n{},4",
        p(" 123"),
        p("123")
    );
    assert_eq!(String::from_utf8(case.out()).unwrap(), expected);
    assert_ne!(p(" 123"), p("123"));
    assert_eq!(
        summary,
        PseudonymizeSummary {
            rows: 4,
            cells: 2,
            empty_cells: 2
        }
    );
}

#[test]
fn multi_line_quoted_fields_escaped_quotes_and_blank_lines_are_kept() {
    let case =
        Case::new(b"note,bsn\n\"line 1\nline 2\",\"12\n3\"\n\n\"say \"\"hi\"\"\",\"a\"\"b\"\n");
    let summary = case.run(b',', &["bsn=household_key"]).unwrap();
    let expected = format!(
        "note,household_key\n\"line 1\nline 2\",\"{}\"\n\n\"say \"\"hi\"\"\",\"{}\"\n",
        p("12\n3"),
        p("a\"b")
    );
    assert_eq!(String::from_utf8(case.out()).unwrap(), expected);
    assert_eq!(summary.rows, 2);
}

#[test]
fn bytes_that_are_not_utf8_outside_replaced_columns_are_kept() {
    let case = Case::new(b"bsn,name\nk1,caf\xe9\n");
    case.run(b',', &["bsn=household_key"]).unwrap();
    let mut expected = format!("household_key,name\n{},caf", p("k1")).into_bytes();
    expected.extend_from_slice(b"\xe9\n");
    assert_eq!(case.out(), expected);
}

/// Runs a refused case: checks the exit code, that the message names what
/// it should and holds no value, and that nothing was written.
fn refused(input: &[u8], columns: &[&str], code: u8, names: &[&str], values: &[&str]) {
    let case = Case::new(input);
    let e = case.run(b',', columns).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.exit_code(), code, "{msg}");
    for name in names {
        assert!(msg.contains(name), "{msg} should name {name}");
    }
    for value in values {
        assert!(!msg.contains(value), "{msg} shows {value}");
    }
    assert!(case.others().is_empty(), "left behind: {:?}", case.others());
}

#[test]
fn malformed_files_are_refused_naming_file_and_line() {
    refused(
        b"bsn,x\n123456789,1\n\"987654321,2\n",
        &["bsn=household_key"],
        3,
        &["in.csv", "line 3", "never closed"],
        &["987654321"],
    );
    refused(
        b"bsn,x\n123456789,1\n987654321,2,3\n",
        &["bsn=household_key"],
        3,
        &["in.csv", "line 3", "3 fields where the header has 2"],
        &["987654321"],
    );
    refused(
        b"bsn,x\n\"123\"456789,1\n",
        &["bsn=household_key"],
        3,
        &["line 2"],
        &["456789"],
    );
    refused(
        b"bsn,x\n12345\xff6789,1\n",
        &["bsn=household_key"],
        3,
        &["line 2", "column `bsn`", "not UTF-8"],
        &["12345"],
    );
    refused(b"", &["bsn=household_key"], 3, &["header"], &[]);
    refused(b"\nbsn\n1\n", &["bsn=household_key"], 3, &["line 1"], &[]);
}

#[test]
fn column_problems_are_usage_errors() {
    let input = b"bsn,partner_bsn,household_key\n123456789,111222333,k\n";
    refused(
        input,
        &["nin=household_key"],
        2,
        &["nin", "in.csv"],
        &["123456789"],
    );
    refused(
        input,
        &["bsn=household_key", "BSN=person_key"],
        2,
        &["named twice"],
        &[],
    );
    refused(
        input,
        &["bsn=person_key", "partner_bsn=person_key"],
        2,
        &["person_key"],
        &[],
    );
    refused(
        input,
        &["bsn=household_key"],
        2,
        &["already has a column household_key"],
        &["123456789"],
    );
    refused(
        b"bsn,BSN\n1,2\n",
        &["bsn=household_key"],
        2,
        &["twice in the header"],
        &[],
    );
}

#[test]
fn the_output_may_not_be_the_input_and_its_folder_must_exist() {
    let case = Case::new(b"bsn\n123456789\n");
    let key = Key::from_bytes_for_test(KEY);
    let columns = [ColumnMapping::parse("bsn=household_key").unwrap()];
    let same = case.dir.path().join(".").join("in.csv");
    let e = pseudonymize_file(&key, &case.input(), &same, b',', &columns).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert_eq!(fs::read(case.input()).unwrap(), b"bsn\n123456789\n");
    let no_folder = case.dir.path().join("missing/out.csv");
    let e = pseudonymize_file(&key, &case.input(), &no_folder, b',', &columns).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let no_input = case.dir.path().join("nope.csv");
    let e = pseudonymize_file(&key, &no_input, &case.output(), b',', &columns).unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(case.others().is_empty());
}
