//! `vroeg pseudonymize` through the binary, and the chain it starts: a
//! landlord pseudonymizes its delivery and the municipality its contact
//! table with the same key file; the run lists the household under the
//! pseudonym, and reveal joins it back to its address.

mod common;

use common::{text, zoetermeer};
use sha2::{Digest, Sha256};
use std::fs;
use std::os::unix::fs::PermissionsExt;

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef-municipal-test-key\n";

/// HMAC-SHA256 written out from RFC 2104, independently of the binary's crate.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::digest([ipad.as_slice(), msg].concat());
    hex::encode(Sha256::digest([opad.as_slice(), inner.as_slice()].concat()))
}

fn write_private(path: &std::path::Path, bytes: &[u8], mode: u32) {
    fs::write(path, bytes).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_pseudonymized_delivery_and_contact_table_meet_in_the_worklist() {
    let p = zoetermeer(|t| t);
    write_private(&p.path("municipal.key"), KEY, 0o600);
    let raw_rent = "adrescode,reference_date,landlord_code,arrears_eur,monthly_rent_eur,oldest_unpaid_date,payment_plan\r\n\
                    0637010000012345,2026-09-30,LA,800.00,700.00,2026-08-01,nee\r\n\
                    0637010000012345,2026-10-31,LA,1400.00,700.00,2026-08-01,nee\r\n\
                    \"0637010000099999\",2026-10-31,LA,10.00,700.00,2026-10-01,nee\r\n";
    fs::write(p.path("raw-rent.csv"), raw_rent).unwrap();
    fs::create_dir_all(p.path("inbox/rent_arrears")).unwrap();
    let o = p.vroeg(&[
        "pseudonymize",
        "--key-file",
        "municipal.key",
        "--in",
        "raw-rent.csv",
        "--out",
        "inbox/rent_arrears/2026-10_LA.csv",
        "--column",
        "adrescode=household_key",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("pseudonymized 3 cells in 3 rows"),
        "{}",
        text(&o)
    );
    let a = hmac_sha256(KEY, b"0637010000012345");
    let b = hmac_sha256(KEY, b"0637010000099999");
    assert_eq!(
        fs::read_to_string(p.path("inbox/rent_arrears/2026-10_LA.csv")).unwrap(),
        format!(
            "household_key,reference_date,landlord_code,arrears_eur,monthly_rent_eur,oldest_unpaid_date,payment_plan\r\n\
             {a},2026-09-30,LA,800.00,700.00,2026-08-01,nee\r\n\
             {a},2026-10-31,LA,1400.00,700.00,2026-08-01,nee\r\n\
             \"{b}\",2026-10-31,LA,10.00,700.00,2026-10-01,nee\r\n"
        ),
        "quoting and CRLF kept, the column renamed"
    );
    // the municipality's own contact table, with a `;` and the same key
    fs::write(
        p.path("raw-contacts.csv"),
        "adrescode;street;house_number;house_number_suffix;postcode;city;phone;email\n\
         0637010000012345;Denkbeeldlaan;12;;9901AB;Zoetermeer;;\n",
    )
    .unwrap();
    let o = p.vroeg(&[
        "pseudonymize",
        "--key-file",
        "municipal.key",
        "--in",
        "raw-contacts.csv",
        "--out",
        "contacts-semicolon.csv",
        "--column",
        "adrescode=household_key",
        "--delimiter",
        ";",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let pseudonymized = fs::read_to_string(p.path("contacts-semicolon.csv")).unwrap();
    assert!(
        pseudonymized.starts_with("household_key;street;"),
        "{pseudonymized}"
    );
    write_private(
        &p.path("contacts.csv"),
        pseudonymized.replace(';', ",").as_bytes(),
        0o600,
    );

    let o = p.run_at("2026-10-31", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let signals = fs::read_to_string(p.path("out/2026-10-31/signals.csv")).unwrap();
    assert!(signals.contains(&format!("1,{a},5,1,")), "{signals}");
    let o = p.vroeg(&[
        "reveal",
        "--pipeline",
        "zoetermeer.toml",
        "--as-of",
        "2026-10-31",
        "--team",
        "centraal",
        "--contacts",
        "contacts.csv",
        "--reason",
        "test",
        "--out",
        "centraal.csv",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let worklist = fs::read_to_string(p.path("centraal.csv")).unwrap();
    assert!(
        worklist.contains(&format!(",{a},5,rent_arrears|rent_arrears_persistent,")),
        "{worklist}"
    );
    assert!(
        worklist.contains(",Denkbeeldlaan,12,,9901AB,Zoetermeer,,"),
        "{worklist}"
    );
    assert!(
        !worklist.contains(&b),
        "a household not listed is not revealed"
    );
}

#[test]
fn refusals_have_their_exit_codes_and_never_show_a_value_or_the_key() {
    let p = zoetermeer(|t| t);
    write_private(&p.path("ok.key"), KEY, 0o600);
    write_private(&p.path("short.key"), &KEY[..31], 0o600);
    write_private(&p.path("shared.key"), KEY, 0o644);
    fs::write(p.path("in.csv"), "bsn,amount\n123456782,1.00\n").unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["pseudonymize"];
        all.extend_from_slice(args);
        p.vroeg(&all)
    };
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec![
                "--key-file",
                "short.key",
                "--in",
                "in.csv",
                "--out",
                "o.csv",
                "--column",
                "bsn=household_key",
            ],
            3,
            "32",
        ),
        (
            vec![
                "--key-file",
                "shared.key",
                "--in",
                "in.csv",
                "--out",
                "o.csv",
                "--column",
                "bsn=household_key",
            ],
            3,
            "chmod o-rwx",
        ),
        (
            vec![
                "--key-file",
                "none.key",
                "--in",
                "in.csv",
                "--out",
                "o.csv",
                "--column",
                "bsn=household_key",
            ],
            3,
            "none.key",
        ),
        (
            vec![
                "--key-file",
                "ok.key",
                "--in",
                "none.csv",
                "--out",
                "o.csv",
                "--column",
                "bsn=household_key",
            ],
            3,
            "none.csv",
        ),
        (
            vec![
                "--key-file",
                "ok.key",
                "--in",
                "in.csv",
                "--out",
                "o.csv",
                "--column",
                "sofi=household_key",
            ],
            2,
            "`sofi`",
        ),
        (
            vec![
                "--key-file",
                "ok.key",
                "--in",
                "in.csv",
                "--out",
                "o.csv",
                "--column",
                "bsn=citizen",
            ],
            2,
            "--column",
        ),
        (
            vec![
                "--key-file",
                "ok.key",
                "--in",
                "in.csv",
                "--out",
                "o.csv",
                "--column",
                "bsn=household_key",
                "--delimiter",
                ";;",
            ],
            2,
            "--delimiter",
        ),
        (
            vec![
                "--key-file",
                "ok.key",
                "--in",
                "in.csv",
                "--out",
                "in.csv",
                "--column",
                "bsn=household_key",
            ],
            2,
            "both the input and the output",
        ),
        (
            vec!["--key-file", "ok.key", "--in", "in.csv", "--out", "o.csv"],
            2,
            "--column",
        ),
    ];
    for (args, want, says) in cases {
        let o = run(&args);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(want), "{args:?}: {t}");
        assert!(t.contains(says), "{args:?}: wanted {says:?} in {t}");
        assert!(
            !t.contains("123456782") && !t.contains("0123456789abcdef"),
            "{t}"
        );
        assert!(!p.path("o.csv").exists());
    }
    assert_eq!(
        fs::read_to_string(p.path("in.csv")).unwrap(),
        "bsn,amount\n123456782,1.00\n"
    );
}
