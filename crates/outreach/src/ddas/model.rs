//! The DDAS v1.2 document (`json_schema_Uitwisselmodel.json`) as serde
//! structs, with DDAS's exact field names.
//!
//! Every object of the schema is closed, so these structs are the whole
//! vocabulary we write: a field that is not here cannot be written, and
//! optional fields are left out when absent (never `null`). They also
//! deserialize (strictly), so tests can read a document back.

use serde::{Deserialize, Serialize};

/// The root of a DDAS delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uitwisselmodel {
    /// First day of the period, `YYYY-MM-DD`.
    #[serde(rename = "startdatumLevering")]
    pub startdatum_levering: String,
    /// Last day of the period, `YYYY-MM-DD`.
    #[serde(rename = "einddatumLevering")]
    pub einddatum_levering: String,
    /// When the document was made, UTC `YYYY-MM-DDTHH:MM:SSZ`.
    #[serde(rename = "aanleverdatumEnTijd")]
    pub aanleverdatum_en_tijd: String,
    /// The supplier code.
    #[serde(rename = "codeGegevensleverancier")]
    pub code_gegevensleverancier: String,
    /// The deliveries (we write one).
    pub leveringen: Vec<Levering>,
}

/// One delivery of one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Levering {
    /// Sequence number within the document, from 1.
    pub teller: u32,
    /// The municipality, `GM` and 4 digits.
    pub gemeentecode: String,
    /// The organisation delivering.
    #[serde(rename = "aanleverendeOrganisatie")]
    pub aanleverende_organisatie: Organisation,
    /// The signals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vroegsignalen: Vec<Vroegsignaal>,
    /// The closed cases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vroegsignaalzaken: Vec<Vroegsignaalzaak>,
}

/// The delivering organisation, as in the pipeline file's `[ddas]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Its name.
    pub naam: String,
    /// Its Chamber of Commerce number.
    #[serde(
        rename = "kvk-nummer",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub kvk_nummer: Option<String>,
    /// Its contact people (at least one).
    pub contactpersonen: Vec<ContactPerson>,
}

/// A contact person of the delivering organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPerson {
    /// Name.
    pub naam: String,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telefoonnummer: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functietitel: Option<String>,
}

/// One signal: one arrears row of one creditor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vroegsignaal {
    /// Stable ID, revealing no pseudonym.
    #[serde(rename = "ID")]
    pub id: String,
    /// Arrears in whole euros.
    pub bedrag: i64,
    /// Oldest unpaid date (debt rows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ontstaansdatum: Option<String>,
    /// The row's reference date.
    pub signaaldatum: String,
    /// The kind of creditor.
    pub signaalpartner: Signaalpartner,
    /// Where the household lives (the address form, never a BSN).
    pub client: Client,
}

/// The kind of creditor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signaalpartner {
    /// One of EnumSignaalpartner.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The household's address, the minimal form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// Postcode, `1234AB`.
    pub postcode: String,
    /// House number, as the contact table writes it (digits; a string in
    /// the DDAS schema).
    pub huisnummer: String,
    /// House number suffix, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub huisnummertoevoeging: Option<String>,
}

/// One closed case of a household with signals in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vroegsignaalzaak {
    /// One of EnumEindresultaat.
    pub resultaat: String,
    /// The household's signals in this document.
    pub vroegsignalen: Vec<SignaalRef>,
    /// The contact attempt, when the kind is known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contactpogingen: Vec<Contactpoging>,
}

/// A reference to a signal by ID.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignaalRef {
    /// The signal's ID.
    #[serde(rename = "ID")]
    pub id: String,
}

/// One contact attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contactpoging {
    /// One of EnumContactsoort.
    pub soort: String,
    /// Its date, `YYYY-MM-DD`.
    pub datum: String,
}
