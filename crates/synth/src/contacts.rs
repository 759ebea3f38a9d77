//! A synthetic contact table for a synthetic inbox: one row per household
//! of the inbox, except a few (a real table always misses some), with
//! invented streets, postcodes in a range no real address uses here, and
//! phone numbers and e-mail addresses that cannot reach anyone.
//!
//! It is written *beside* the inbox, never in it: the contact table is the
//! municipality's, and a supplier's delivery never holds addresses. Like
//! the real one it is readable by its owner only (mode 0600).

use crate::household::{Household, rng};
use crate::{SynthError, SynthOptions, io};
use rand::Rng;
use rayon::prelude::*;
use std::fs::{self, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Invented street names.
const STREETS: &[&str] = &[
    "Denkbeeldlaan",
    "Proefstraat",
    "Voorbeeldweg",
    "Fictiefhof",
    "Nergenshof",
    "Testpad",
    "Verzinselplein",
    "Droombeeldsingel",
    "Schijnkade",
    "Papieren Dreef",
    "Modelstraat",
    "Oefenlaan",
];

/// House number suffixes, with "" most often.
const SUFFIXES: &[&str] = &["A", "B", "bis", "1", "2-hg"];

/// The stream of a household's generator that the contact row draws from.
const CONTACT_STREAM: u64 = u64::MAX - 1;

/// Households per parallel task.
const CHUNK: u64 = 8192;

/// The header of the contact table (shared/spec/outreach.md).
pub const CONTACT_HEADER: &str =
    "household_key,street,house_number,house_number_suffix,postcode,city,phone,email";

fn row(seed: u64, i: u64, months: u32) -> Option<String> {
    let h = Household::generate(seed, i, months);
    let mut r = rng(seed, i, CONTACT_STREAM);
    if r.random_range(0..100) < 3 {
        return None;
    }
    let street = STREETS[r.random_range(0..STREETS.len())];
    let number = r.random_range(1..400u32);
    let suffix = if r.random_range(0..100) < 15 {
        SUFFIXES[r.random_range(0..SUFFIXES.len())]
    } else {
        ""
    };
    let letters: String = (0..2)
        .map(|_| char::from(b'A' + r.random_range(0..26u8)))
        .collect();
    let postcode = format!("99{:02}{letters}", r.random_range(0..100u32));
    let phone = if r.random_range(0..100) < 70 {
        format!("06-0000{:04}", r.random_range(0..10_000u32))
    } else {
        String::new()
    };
    let email = if r.random_range(0..100) < 40 {
        format!("bewoner{i}@example.invalid")
    } else {
        String::new()
    };
    Some(format!(
        "{},{street},{number},{suffix},{postcode},Zoetermeer,{phone},{email}\n",
        h.key
    ))
}

/// Writes the contact table of the inbox `opts` describes to `path`, a new
/// file (mode 0600; nothing is left of it when writing fails); returns the
/// number of rows.
pub fn write_contacts(opts: &SynthOptions, path: &Path) -> Result<u64, SynthError> {
    let chunks: Vec<u64> = (0..opts.households.div_ceil(CHUNK)).collect();
    let parts: Vec<(String, u64)> = chunks
        .par_iter()
        .map(|c| {
            let lo = c * CHUNK;
            let hi = (lo + CHUNK).min(opts.households);
            let mut text = String::new();
            let mut n = 0;
            for i in lo..hi {
                if let Some(line) = row(opts.seed, i, opts.months) {
                    text.push_str(&line);
                    n += 1;
                }
            }
            (text, n)
        })
        .collect();
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io(path, e))?;
    let written = write_rows(&mut file, parts);
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    let rows = written.map_err(|e| io(path, e))?;
    Ok(rows)
}

/// The header and the rows, flushed to disk.
fn write_rows(file: &mut fs::File, parts: Vec<(String, u64)>) -> std::io::Result<u64> {
    file.set_permissions(Permissions::from_mode(0o600))?;
    let mut rows = 0;
    let mut out = std::io::BufWriter::new(&mut *file);
    writeln!(out, "{CONTACT_HEADER}")?;
    for (text, n) in parts {
        out.write_all(text.as_bytes())?;
        rows += n;
    }
    out.flush()?;
    drop(out);
    file.sync_all()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::os::unix::fs::MetadataExt;

    fn opts(out: &Path) -> SynthOptions {
        SynthOptions {
            households: 500,
            months: 3,
            seed: 9,
            as_of: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
            out: out.to_path_buf(),
            mess: false,
            register_every: 1,
            contacts: None,
            shape: crate::Shape::Monthly,
        }
    }

    #[test]
    fn one_private_row_per_household_but_a_few_with_valid_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contacts.csv");
        let o = opts(&dir.path().join("inbox"));
        let n = write_contacts(&o, &path).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        let text = fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(CONTACT_HEADER));
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len() as u64, n);
        assert!((450..500).contains(&n), "{n} of 500 households have a row");
        let keys: std::collections::BTreeSet<String> =
            (0..500).map(|i| Household::generate(9, i, 3).key).collect();
        for r in &rows {
            assert_eq!(r.len(), 8);
            assert!(keys.contains(r[0]), "a key of the inbox's households");
            let pc = r[4].as_bytes();
            assert!(pc.len() == 6 && pc[..4].iter().all(u8::is_ascii_digit) && pc[0] != b'0');
            assert!(pc[4..].iter().all(u8::is_ascii_uppercase));
            assert!(r[2].bytes().all(|b| b.is_ascii_digit()) && r[2].len() <= 5);
        }
        // same seed, same bytes
        let again = dir.path().join("again.csv");
        write_contacts(&o, &again).unwrap();
        assert_eq!(fs::read(&again).unwrap(), text.into_bytes());
    }

    #[test]
    fn the_table_is_refused_inside_the_inbox_over_a_file_or_in_no_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("real")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
        let cases = [
            ("link", "real/c.csv", "inside the inbox"),
            ("inbox", "inbox/../inbox/c.csv", "inside the inbox"),
            ("inbox2", "existing.csv", "it exists"),
            ("inbox3", "nope/c.csv", "its folder does not exist"),
            ("inbox4", "inbox4", "inside the inbox"),
        ];
        fs::write(root.join("existing.csv"), "mine").unwrap();
        for (inbox, contacts, says) in cases {
            let mut o = opts(&root.join(inbox));
            o.contacts = Some(root.join(contacts));
            if inbox == "inbox" {
                fs::create_dir_all(root.join("inbox")).unwrap();
            }
            let e = crate::synthesize(&o).unwrap_err();
            assert!(matches!(e, SynthError::Options(_)), "{contacts}: {e}");
            assert!(e.to_string().contains(says), "{contacts}: {e}");
        }
        assert_eq!(
            fs::read_to_string(root.join("existing.csv")).unwrap(),
            "mine"
        );
        assert!(
            !root.join("inbox2").exists(),
            "nothing written before the check"
        );
        assert!(fs::read_dir(root.join("real")).unwrap().next().is_none());
    }
}
