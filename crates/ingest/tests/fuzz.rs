//! Fuzz-style: random bytes and random mutations of valid deliveries
//! (delimiters deleted or doubled, stray quotes, truncated lines, invalid
//! UTF-8, byte-order marks, CR/LF mixes, huge fields, …) fed to ingest. Ingest
//! must not panic, and every file must reconcile: rows read = accepted +
//! quarantined, as counted independently from the bytes and from the files
//! written, or the file is refused whole with a message that names it.
//!
//! Seeded, so a failure reproduces: the message names the seed, the file and
//! the mutations applied.

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use vroeg_contracts::{Dialect, Source};
use vroeg_ingest::ingest;
use vroeg_store::{DELIVERY_COLUMN, DeliveryStatus, LedgerEntry, Store};

const RENT: &str = "household_key,reference_date,landlord_code,arrears_eur,monthly_rent_eur,oldest_unpaid_date,payment_plan";
const HOUSEHOLDS: &str = "household_key,reference_date,district_code,adults,minors";
const DEBT: &str = "household_key;reference_date;creditor_type;creditor_code;arrears_eur;oldest_unpaid_date;payment_plan";

/// A delivery's source, its dialect and a valid row generator.
struct Kind {
    source: Source,
    delimiter: u8,
    header: &'static str,
    row: fn(&mut ChaCha8Rng, usize) -> String,
}

fn rent_row(rng: &mut ChaCha8Rng, i: usize) -> String {
    format!(
        "hh{:06},2026-{:02}-{:02},L{},{}.{:02},700.00,2026-0{}-01,{}",
        rng.random_range(0..50) + i,
        rng.random_range(8..=10),
        rng.random_range(1..=28),
        rng.random_range(0..3),
        rng.random_range(1..5000),
        rng.random_range(0..100),
        rng.random_range(1..=7),
        ["ja", "nee", "", "1"][rng.random_range(0..4)]
    )
}

fn household_row(rng: &mut ChaCha8Rng, _: usize) -> String {
    // few keys: duplicates within a snapshot are likely
    format!(
        "hh{:06},2026-09-30,WK{:02},{},{}",
        rng.random_range(0..20),
        rng.random_range(0..10),
        rng.random_range(0..5),
        rng.random_range(0..5)
    )
}

fn debt_row(rng: &mut ChaCha8Rng, i: usize) -> String {
    format!(
        "hh{:06};30-09-2026;{};éneco;{},{:02};01-0{}-2026;nee",
        i,
        ["energy", "water", "duo"][rng.random_range(0..3)],
        rng.random_range(1..900),
        rng.random_range(0..100),
        rng.random_range(1..=9)
    )
}

const KINDS: [Kind; 3] = [
    Kind {
        source: Source::RentArrears,
        delimiter: b',',
        header: RENT,
        row: rent_row,
    },
    Kind {
        source: Source::Households,
        delimiter: b',',
        header: HOUSEHOLDS,
        row: household_row,
    },
    Kind {
        source: Source::DebtArrears,
        delimiter: b';',
        header: DEBT,
        row: debt_row,
    },
];

fn valid(rng: &mut ChaCha8Rng, kind: &Kind, rows: usize) -> Vec<u8> {
    let mut body = format!("{}\n", kind.header);
    for i in 0..rows {
        body.push_str(&(kind.row)(rng, i));
        body.push('\n');
    }
    body.into_bytes()
}

/// Positions of `byte` in `b`.
fn positions(b: &[u8], byte: u8) -> Vec<usize> {
    b.iter()
        .enumerate()
        .filter(|(_, c)| **c == byte)
        .map(|(i, _)| i)
        .collect()
}

fn pick(rng: &mut ChaCha8Rng, at: &[usize]) -> Option<usize> {
    (!at.is_empty()).then(|| at[rng.random_range(0..at.len())])
}

/// Every mutation.
const ALL: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/// The mutations that add no quote, no bare `\r`, no invalid UTF-8 and do
/// not end the header with `\r\n`, so that a large file still takes the
/// segmented parser.
const SEGMENT_SAFE: [u8; 9] = [0, 1, 4, 6, 9, 10, 13, 14, 15];

/// Applies one random mutation of `allowed`; returns its name.
fn mutate(rng: &mut ChaCha8Rng, b: &mut Vec<u8>, delimiter: u8, allowed: &[u8]) -> &'static str {
    let anywhere = rng.random_range(0..=b.len());
    match allowed[rng.random_range(0..allowed.len())] {
        0 => {
            if let Some(i) = pick(rng, &positions(b, delimiter)) {
                b.remove(i);
            }
            "delimiter deleted"
        }
        1 => {
            if let Some(i) = pick(rng, &positions(b, delimiter)) {
                b.insert(i, delimiter);
            }
            "delimiter doubled"
        }
        2 => {
            b.insert(anywhere, b'"');
            "stray quote"
        }
        3 => {
            // a quoted field, perhaps with the delimiter and a line end inside
            let inner: &[u8] = [&b"x,y"[..], b"a\nb", b"\"\"", b""][rng.random_range(0..4)];
            let mut q = vec![b'"'];
            q.extend_from_slice(inner);
            q.push(b'"');
            b.splice(anywhere..anywhere, q);
            "quoted field"
        }
        4 => {
            b.truncate(anywhere);
            "truncated"
        }
        5 => {
            let bad: &[u8] =
                [&[0xff][..], &[0xc3], &[0xed, 0xa0, 0x80], &[0xe9]][rng.random_range(0..4)];
            b.splice(anywhere..anywhere, bad.iter().copied());
            "invalid UTF-8"
        }
        6 => {
            let at = if rng.random_bool(0.5) { 0 } else { anywhere };
            b.splice(at..at, "\u{feff}".bytes());
            "byte-order mark"
        }
        7 => {
            if let Some(i) = pick(rng, &positions(b, b'\n')) {
                let end: &[u8] = [&b"\r\n"[..], b"\r", b"\n\n", b"\r\r\n"][rng.random_range(0..4)];
                b.splice(i..=i, end.iter().copied());
            }
            "line end changed"
        }
        8 => {
            let all = String::from_utf8_lossy(b).replace('\n', "\r\n");
            *b = all.into_bytes();
            "all line ends CRLF"
        }
        9 => {
            let n = rng.random_range(10_000..200_000);
            let fill = [b'x', b'7', b' '][rng.random_range(0..3)];
            b.splice(anywhere..anywhere, std::iter::repeat_n(fill, n));
            "huge field"
        }
        10 => {
            let lines = positions(b, b'\n');
            if let (Some(s), Some(e)) = (pick(rng, &lines), pick(rng, &lines))
                && s < e
            {
                if rng.random_bool(0.5) {
                    b.drain(s..e);
                } else {
                    let copy = b[s..e].to_vec();
                    b.splice(e..e, copy);
                }
            }
            "lines deleted or duplicated"
        }
        11 => {
            b.insert(anywhere, rng.random_range(0..128));
            "ASCII byte inserted"
        }
        12 => {
            if !b.is_empty() {
                let i = rng.random_range(0..b.len());
                b[i] = rng.random();
            }
            "byte replaced"
        }
        13 => {
            if let Some(i) = b.iter().position(|c| *c == b'\n') {
                b.drain(..=i);
            }
            "header removed"
        }
        14 => {
            b.splice(anywhere..anywhere, b"\n\n\r\n".iter().copied());
            "blank lines"
        }
        _ => {
            b.splice(anywhere..anywhere, b"123456789".iter().copied());
            "nine digits"
        }
    }
}

/// Random bytes, or a valid header followed by noise from a CSV-ish alphabet.
fn noise(rng: &mut ChaCha8Rng, kind: &Kind) -> (Vec<u8>, &'static str) {
    let n = rng.random_range(0..3000);
    if rng.random_bool(0.3) {
        ((0..n).map(|_| rng.random()).collect(), "random bytes")
    } else {
        const ALPHABET: &[u8] = b"abh0123456789,;\"\r\n .-_\t";
        let mut b = format!("{}\n", kind.header).into_bytes();
        b.extend((0..n).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())]));
        (b, "header and noise")
    }
}

/// Records of the body after the header, counted by a plain csv reader:
/// what ingest must account for. `None` when the csv is broken (then the
/// file must have been refused).
fn records(bytes: &[u8], delimiter: u8) -> Option<u64> {
    let text = std::str::from_utf8(bytes).ok()?;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let mut n = 0u64;
    for r in reader.records() {
        r.ok()?;
        n += 1;
    }
    Some(n.saturating_sub(1))
}

/// Rows in the Parquet files and the quarantine file of an entry.
fn stored_rows(store: &Path, entry: &LedgerEntry) -> (u64, u64) {
    // a batch's file holds several deliveries: count this one's rows
    let parquet = entry
        .files
        .iter()
        .map(|f| {
            let file = fs::File::open(store.join(&f.path)).unwrap();
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap()
                .build()
                .unwrap();
            let mut n = 0;
            for batch in reader {
                let batch = batch.unwrap();
                let delivery = batch
                    .column_by_name(DELIVERY_COLUMN)
                    .unwrap()
                    .as_primitive::<Int64Type>();
                n += delivery
                    .values()
                    .iter()
                    .filter(|d| **d == entry.seq as i64)
                    .count() as u64;
            }
            n
        })
        .sum();
    let quarantined = entry.quarantine_file.as_ref().map_or(0, |q| {
        let mut r = csv::Reader::from_path(store.join(q)).unwrap();
        let mut n = 0;
        for record in r.records() {
            record.unwrap();
            n += 1;
        }
        n
    });
    (parquet, quarantined)
}

/// Writes `files` deliveries of the given kinds, mutated by the `allowed`
/// mutations, into a fresh inbox, ingests them and checks that each one
/// reconciles or is refused whole.
fn round(seed: u64, files: usize, rows: std::ops::Range<usize>, kinds: &[Kind], allowed: &[u8]) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    let mut delivered = BTreeMap::new();
    for i in 0..files {
        let kind = &kinds[rng.random_range(0..kinds.len())];
        let (bytes, how) = if allowed == ALL && rng.random_bool(0.15) {
            let (b, how) = noise(&mut rng, kind);
            (b, vec![how])
        } else {
            let n = rng.random_range(rows.clone());
            let mut b = valid(&mut rng, kind, n);
            let how: Vec<&str> = (0..rng.random_range(1..=4))
                .map(|_| mutate(&mut rng, &mut b, kind.delimiter, allowed))
                .collect();
            (b, how)
        };
        let folder = inbox.join(kind.source.name());
        fs::create_dir_all(&folder).unwrap();
        let name = format!("f{i:04}.csv");
        fs::write(folder.join(&name), &bytes).unwrap();
        delivered.insert((kind.source, name), (bytes, how, kind.delimiter));
    }
    let dialects = BTreeMap::from([(
        Source::DebtArrears,
        Dialect::new(";", ",", "%d-%m-%Y").unwrap(),
    )]);
    let store_path = dir.path().join("store");
    let mut store = Store::open(&store_path).unwrap();
    let report = ingest(&mut store, &inbox, &dialects).unwrap();
    assert!(
        report.unreadable.is_empty(),
        "seed {seed}: {:?}",
        report.unreadable
    );
    assert_eq!(report.skipped, 0);
    assert_eq!(
        report.entries.len(),
        files,
        "seed {seed}: one entry per file"
    );
    for e in &report.entries {
        let (bytes, how, delimiter) = &delivered[&(e.source, e.file_name.clone())];
        let at = format!("seed {seed}, {}/{} after {how:?}", e.source, e.file_name);
        assert_eq!(e.bytes, bytes.len() as u64, "{at}");
        match e.status {
            DeliveryStatus::Accepted => {
                assert!(e.reconciles(), "{at}: {e:?}");
                assert_eq!(
                    Some(e.rows_read),
                    records(bytes, *delimiter),
                    "{at}: every record read"
                );
                assert_eq!(
                    stored_rows(&store_path, e),
                    (e.rows_accepted, e.rows_quarantined),
                    "{at}: rows in the files written"
                );
            }
            DeliveryStatus::Refused => {
                let message = e.message.as_deref().unwrap_or_default();
                assert!(
                    message.contains(&format!("{}/{}", e.source, e.file_name)),
                    "{at}: the refusal names the file: {message:?}"
                );
                assert_eq!(
                    (e.rows_read, e.rows_accepted, e.rows_quarantined),
                    (0, 0, 0)
                );
                assert!(e.files.is_empty() && e.quarantine_file.is_none(), "{at}");
            }
            DeliveryStatus::Duplicate => {
                let message = e.message.as_deref().unwrap_or_default();
                assert!(message.starts_with("byte-identical to delivery"), "{at}");
                assert!(e.files.is_empty() && e.rows_read == 0, "{at}");
            }
        }
    }
}

#[test]
fn mutated_deliveries_never_panic_and_always_reconcile() {
    for seed in 0..6 {
        round(seed, 60, 0..40, &KINDS, &ALL);
    }
}

#[test]
fn a_large_mutated_delivery_reconciles_through_the_parallel_parser() {
    // rent rows of about 50 bytes: more than two 4 MiB segments, so
    // quote-free mutations take the segmented parser, the others the
    // sequential one
    round(100, 2, 200_000..210_000, &KINDS[..1], &SEGMENT_SAFE);
    round(101, 1, 200_000..210_000, &KINDS[..1], &ALL);
}
