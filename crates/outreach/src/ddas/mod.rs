//! `vroeg export ddas`: the DDAS v1.2 document for the national monitor.
//!
//! The caller (the job layer) gathers what the recorded runs counted and
//! the outcomes; this module turns them into the document, with the
//! contact table supplying the one piece of address the schema asks for.
//! Shaped for reproducibility and minimal disclosure: the same inputs give
//! the same bytes (everything sorted, no map iteration order leaks in), a
//! signal's ID is a hash that is the same for the same row in every export
//! but shows no pseudonym, and the address form is the minimal one
//! (postcode, house number, suffix).

mod map;
mod model;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use crate::contacts::ContactTable;
use crate::error::{OutreachError, Result};
use crate::key::Key;

pub use map::{contactsoort, resultaat, signaalpartner, whole_euros};
pub use model::{
    Client, ContactPerson, Contactpoging, Levering, Organisation, SignaalRef, Signaalpartner,
    Uitwisselmodel, Vroegsignaal, Vroegsignaalzaak,
};

/// Where a signal row comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignalSource {
    /// A `rent_arrears` row.
    Rent,
    /// A `debt_arrears` row and its creditor type.
    Debt {
        /// The row's `creditor_type`.
        creditor_type: String,
    },
}

/// A rent or debt row a recorded run counted for a listed household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalRow {
    /// Rent or debt (with its creditor type).
    pub source: SignalSource,
    /// The household.
    pub household_key: String,
    /// `landlord_code` or `creditor_code`.
    pub supplier_code: String,
    /// The row's `reference_date`.
    pub reference_date: NaiveDate,
    /// The row's `oldest_unpaid_date`.
    pub oldest_unpaid_date: NaiveDate,
    /// The row's `arrears_eur` in cents.
    pub arrears_cents: i128,
}

/// An `outreach_outcomes` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRow {
    /// The household.
    pub household_key: String,
    /// When the case was closed.
    pub closed_date: NaiveDate,
    /// The `outcome` code.
    pub outcome: String,
    /// The `contact_kind` code, when given.
    pub contact_kind: Option<String>,
}

/// Everything an export needs besides the contact table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// When the document is made.
    pub delivered_at: DateTime<Utc>,
    /// `GM` and 4 digits.
    pub municipality_code: String,
    /// `codeGegevensleverancier`.
    pub supplier_code: String,
    /// The pipeline file's `[ddas]`.
    pub organisation: Organisation,
    /// The rows the recorded runs counted (a row counted by two runs may
    /// appear twice: it is one signal).
    pub signals: Vec<SignalRow>,
    /// The outcome rows (those outside [from, to] are ignored).
    pub outcomes: Vec<OutcomeRow>,
}

/// What an export holds and what it left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// Signals in the document.
    pub signals: u64,
    /// Households with signals in the document.
    pub households: u64,
    /// Households left out for want of a contact row.
    pub households_without_contact: u64,
    /// Distinct signals left out with them.
    pub signals_without_contact: u64,
    /// Cases in the document.
    pub cases: u64,
}

/// Checks a municipality code: `GM` and 4 digits (exit 2).
pub fn check_municipality_code(code: &str) -> Result<()> {
    let b = code.as_bytes();
    if b.len() == 6 && b.starts_with(b"GM") && b[2..].iter().all(u8::is_ascii_digit) {
        Ok(())
    } else {
        Err(OutreachError::Usage {
            what: "--municipality-code",
            why: "must be GM followed by 4 digits, e.g. GM0637",
        })
    }
}

/// The file in the store that holds the secret of the signal IDs.
pub const ID_KEY_FILE: &str = "ddas-id.key";

/// The secret the signal IDs are keyed with: `ddas-id.key` in the store,
/// 32 random bytes made at the first export (mode 0600), the same for every
/// later export so that IDs stay stable. Without it nobody holding the list
/// or a delivery can recompute an ID and so tie an address to a pseudonym.
pub fn id_key(store_root: &Path) -> Result<Key> {
    let path = store_root.join(ID_KEY_FILE);
    if fs::symlink_metadata(&path).is_err() {
        let mut bytes = [0u8; 32];
        fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(|e| OutreachError::Unreadable {
                what: "random source",
                file: "/dev/urandom".into(),
                source: e,
            })?;
        match crate::files::create_private(&path, &bytes) {
            Ok(()) | Err(OutreachError::OutputExists { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Key::from_file(&path)
}

/// The stable ID of a signal row: HMAC-SHA256 under the store's ID key
/// ([`id_key`]) over a versioned, length-prefixed encoding of every field
/// of the row. The same row gets the same ID in every export of the store;
/// without the key it cannot be recomputed, and it shows no field.
pub fn signal_id(key: &Key, row: &SignalRow) -> String {
    let (source, creditor_type) = match &row.source {
        SignalSource::Rent => ("rent_arrears", ""),
        SignalSource::Debt { creditor_type } => ("debt_arrears", creditor_type.as_str()),
    };
    let reference_date = date(row.reference_date);
    let oldest_unpaid_date = date(row.oldest_unpaid_date);
    let cents = row.arrears_cents.to_string();
    let fields: [&str; 7] = [
        source,
        creditor_type,
        &row.supplier_code,
        &reference_date,
        &row.household_key,
        &oldest_unpaid_date,
        &cents,
    ];
    let mut message = b"vroeg-ddas-vroegsignaal-id-v1\0".to_vec();
    for field in fields {
        message.extend_from_slice(&(field.len() as u64).to_be_bytes());
        message.extend_from_slice(field.as_bytes());
    }
    crate::key::pseudonym(key, &message)
}

/// Builds the document. Exit 2 for a bad municipality code, range,
/// supplier code or organisation; exit 3 for a code outside the contract.
pub fn build(
    req: &ExportRequest,
    contacts: &ContactTable,
    id_key: &Key,
) -> Result<(Uitwisselmodel, ExportSummary)> {
    check_request(req)?;
    let mut signals: BTreeMap<String, Vroegsignaal> = BTreeMap::new();
    let mut ids_of: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut left_out: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for row in &req.signals {
        let code = match &row.source {
            SignalSource::Rent => "rent_arrears",
            SignalSource::Debt { creditor_type } => creditor_type.as_str(),
        };
        let partner = signaalpartner(code).ok_or(OutreachError::UnknownCode {
            field: "creditor_type",
        })?;
        let id = signal_id(id_key, row);
        let client = contacts.get(&row.household_key).map(|c| Client {
            postcode: c.postcode.clone(),
            huisnummer: c.house_number.clone(),
            huisnummertoevoeging: Some(c.house_number_suffix.clone()).filter(|s| !s.is_empty()),
        });
        let Some(client) = client else {
            left_out.entry(&row.household_key).or_default().insert(id);
            continue;
        };
        ids_of
            .entry(&row.household_key)
            .or_default()
            .insert(id.clone());
        signals.entry(id.clone()).or_insert_with(|| Vroegsignaal {
            id,
            bedrag: whole_euros(row.arrears_cents),
            ontstaansdatum: matches!(row.source, SignalSource::Debt { .. })
                .then(|| date(row.oldest_unpaid_date)),
            signaaldatum: date(row.reference_date),
            signaalpartner: Signaalpartner {
                kind: partner.to_string(),
            },
            client,
        });
    }
    let mut cases = Vec::new();
    for outcome in &req.outcomes {
        if outcome.closed_date < req.from || outcome.closed_date > req.to {
            continue;
        }
        let Some(ids) = ids_of.get(outcome.household_key.as_str()) else {
            continue;
        };
        let resultaat =
            resultaat(&outcome.outcome).ok_or(OutreachError::UnknownCode { field: "outcome" })?;
        let contactpogingen = match &outcome.contact_kind {
            None => Vec::new(),
            Some(kind) => vec![Contactpoging {
                soort: contactsoort(kind)
                    .ok_or(OutreachError::UnknownCode {
                        field: "contact_kind",
                    })?
                    .to_string(),
                datum: date(outcome.closed_date),
            }],
        };
        let zaak = Vroegsignaalzaak {
            resultaat: resultaat.to_string(),
            vroegsignalen: ids.iter().map(|id| SignaalRef { id: id.clone() }).collect(),
            contactpogingen,
        };
        cases.push((outcome.closed_date, zaak));
    }
    cases.sort_by(|(da, a), (db, b)| {
        (da, &a.vroegsignalen, &a.resultaat, soorten(a)).cmp(&(
            db,
            &b.vroegsignalen,
            &b.resultaat,
            soorten(b),
        ))
    });
    let summary = ExportSummary {
        signals: signals.len() as u64,
        households: ids_of.len() as u64,
        households_without_contact: left_out.len() as u64,
        signals_without_contact: left_out.values().map(|ids| ids.len() as u64).sum(),
        cases: cases.len() as u64,
    };
    let document = Uitwisselmodel {
        startdatum_levering: date(req.from),
        einddatum_levering: date(req.to),
        aanleverdatum_en_tijd: req.delivered_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        code_gegevensleverancier: req.supplier_code.clone(),
        leveringen: vec![Levering {
            teller: 1,
            gemeentecode: req.municipality_code.clone(),
            aanleverende_organisatie: req.organisation.clone(),
            vroegsignalen: signals.into_values().collect(),
            vroegsignaalzaken: cases.into_iter().map(|(_, zaak)| zaak).collect(),
        }],
    };
    Ok((document, summary))
}

/// Writes the document as pretty JSON to a new file, whole or not at all,
/// mode 0600 like a worklist: it holds addresses.
pub fn write_document(path: &Path, document: &Uitwisselmodel) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(document)
        .map_err(|e| OutreachError::write(path)(std::io::Error::other(e)))?;
    bytes.push(b'\n');
    crate::files::create_private(path, &bytes)
}

/// The request checks that are the user's to fix (exit 2).
fn check_request(req: &ExportRequest) -> Result<()> {
    check_municipality_code(&req.municipality_code)?;
    let usage = |what, why| Err(OutreachError::Usage { what, why });
    if req.from > req.to {
        return usage("--from/--to", "--from must not be after --to");
    }
    if req.supplier_code.trim().is_empty() {
        return usage("--supplier-code", "must not be empty");
    }
    if req.organisation.naam.trim().is_empty() {
        return usage("[ddas] naam in the pipeline file", "must not be empty");
    }
    if req.organisation.contactpersonen.is_empty() {
        return usage(
            "[ddas] in the pipeline file",
            "needs at least one [[ddas.contactpersonen]]",
        );
    }
    Ok(())
}

/// The contact kinds of a case, for ordering.
fn soorten(zaak: &Vroegsignaalzaak) -> Vec<&str> {
    zaak.contactpogingen
        .iter()
        .map(|c| c.soort.as_str())
        .collect()
}

/// A date as DDAS writes it.
fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}
