//! The outreach part of a pipeline file: which team visits which district,
//! and who the municipality is towards the national monitor (DDAS). Neither
//! changes the list, so neither is part of the rule-set hash.

use crate::raw::{RawDdas, RawTeams};
use std::collections::BTreeMap;

type Invalid = (String, String);

/// Outreach teams by district.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Teams {
    /// Team code → its districts.
    pub teams: BTreeMap<String, Vec<String>>,
    /// The team of households whose district is in no team or unknown.
    pub default: Option<String>,
    by_district: BTreeMap<String, String>,
}

impl Teams {
    /// The team a household of `district` is routed to; `None` when no team
    /// covers it and there is no default team.
    pub fn route(&self, district: Option<&str>) -> Option<&str> {
        district
            .and_then(|d| self.by_district.get(d))
            .or(self.default.as_ref())
            .map(String::as_str)
    }

    /// Whether `code` is a team of this pipeline (the default team included).
    pub fn contains(&self, code: &str) -> bool {
        self.teams.contains_key(code) || self.default.as_deref() == Some(code)
    }

    /// Every team code, the default team included, in byte order.
    pub fn codes(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = self.teams.keys().map(String::as_str).collect();
        if let Some(d) = &self.default
            && !codes.contains(&d.as_str())
        {
            codes.push(d);
            codes.sort_unstable();
        }
        codes
    }

    /// True when the pipeline file has no teams.
    pub fn is_empty(&self) -> bool {
        self.teams.is_empty() && self.default.is_none()
    }
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Resolves `[teams]`: codes checked, each district in one team only.
pub(crate) fn teams(raw: Option<&RawTeams>) -> Result<Teams, Invalid> {
    let Some(raw) = raw else {
        return Ok(Teams::default());
    };
    let mut out = Teams {
        default: raw.default.clone(),
        ..Teams::default()
    };
    if let Some(d) = &raw.default
        && !is_code(d)
    {
        return Err((
            "teams.default".into(),
            format!("{d:?}: a team code is 1 to 32 letters, digits, `_` or `-`"),
        ));
    }
    for (code, team) in &raw.teams {
        let key = format!("teams.{}", vroeg_contracts::text::escaped(code));
        if !is_code(code) {
            return Err((
                key,
                "a team code is 1 to 32 letters, digits, `_` or `-`".into(),
            ));
        }
        if team.districts.is_empty() {
            return Err((
                format!("{key}.districts"),
                "list the districts (wijkcodes) this team visits".into(),
            ));
        }
        for d in &team.districts {
            if d.is_empty() || d.chars().count() > 16 {
                return Err((
                    format!("{key}.districts"),
                    format!("{d:?}: a district code is 1 to 16 characters, as in the register"),
                ));
            }
            if let Some(other) = out.by_district.insert(d.clone(), code.clone()) {
                return Err((
                    format!("{key}.districts"),
                    format!(
                        "district {d:?} is also in team `{other}`; a district belongs to one team"
                    ),
                ));
            }
        }
        out.teams.insert(code.clone(), team.districts.clone());
    }
    Ok(out)
}

/// The municipality as the delivering organisation of a DDAS export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdasOrganisation {
    /// Name (naam).
    pub naam: String,
    /// Chamber of Commerce number (kvk-nummer).
    pub kvk_nummer: String,
    /// Contact persons, at least one.
    pub contactpersonen: Vec<DdasContact>,
}

/// A contact person of a DDAS export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdasContact {
    /// Name.
    pub naam: String,
    /// Telephone number.
    pub telefoonnummer: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Job title.
    pub functietitel: Option<String>,
}

/// A plain check of an e-mail address: one `@` with text on both sides, a
/// dot in the domain, no spaces.
fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Resolves `[ddas]`.
pub(crate) fn ddas(raw: Option<&RawDdas>) -> Result<Option<DdasOrganisation>, Invalid> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.naam.trim().is_empty() {
        return Err(("ddas.naam".into(), "give the organisation's name".into()));
    }
    if raw.kvk_nummer.len() != 8 || !raw.kvk_nummer.bytes().all(|b| b.is_ascii_digit()) {
        return Err((
            "ddas.kvk-nummer".into(),
            format!("{:?}: a KvK-nummer is 8 digits", raw.kvk_nummer),
        ));
    }
    if raw.contactpersonen.is_empty() {
        return Err((
            "ddas.contactpersonen".into(),
            "the national format needs at least one contact person ([[ddas.contactpersonen]])"
                .into(),
        ));
    }
    let mut people = Vec::new();
    for (i, c) in raw.contactpersonen.iter().enumerate() {
        let key = format!("ddas.contactpersonen[{}]", i + 1);
        if c.naam.trim().is_empty() {
            return Err((
                format!("{key}.naam"),
                "give the contact person's name".into(),
            ));
        }
        if let Some(e) = &c.email
            && !is_email(e)
        {
            return Err((
                format!("{key}.email"),
                format!("{e:?} is not an e-mail address"),
            ));
        }
        let person = DdasContact {
            naam: c.naam.clone(),
            telefoonnummer: c.telefoonnummer.clone(),
            email: c.email.clone(),
            functietitel: c.functietitel.clone(),
        };
        if people.contains(&person) {
            return Err((
                key,
                "the same contact person is listed twice; each appears once".into(),
            ));
        }
        people.push(person);
    }
    Ok(Some(DdasOrganisation {
        naam: raw.naam.clone(),
        kvk_nummer: raw.kvk_nummer.clone(),
        contactpersonen: people,
    }))
}

#[cfg(test)]
mod tests {
    use crate::{Pipeline, PipelineError};
    use std::path::Path;

    fn load(extra: &str) -> Result<Pipeline, PipelineError> {
        let text = format!(
            "[pipeline]\nname = \"t\"\n[paths]\ninbox = \"i\"\nstore = \"s\"\nout = \"o\"\n{extra}"
        );
        Pipeline::from_toml(&text, Path::new("/p/x.toml"))
    }

    const TEAMS: &str = r#"
[teams.noord]
districts = ["WK063700", "WK063701"]
[teams.zuid]
districts = ["WK063702"]
[teams]
default = "centraal"
"#;

    #[test]
    fn teams_route_by_district_with_a_default() {
        let p = load(TEAMS).unwrap();
        let t = &p.teams;
        assert_eq!(t.route(Some("WK063701")), Some("noord"));
        assert_eq!(t.route(Some("WK063702")), Some("zuid"));
        assert_eq!(t.route(Some("WK099999")), Some("centraal"));
        assert_eq!(t.route(None), Some("centraal"));
        assert_eq!(t.codes(), vec!["centraal", "noord", "zuid"]);
        assert!(t.contains("centraal") && t.contains("zuid") && !t.contains("oost"));
    }

    #[test]
    fn without_a_default_an_unknown_district_goes_to_no_team() {
        let p = load("[teams.noord]\ndistricts = [\"WK1\"]\n").unwrap();
        assert_eq!(p.teams.route(Some("WK2")), None);
        assert_eq!(p.teams.route(None), None);
        assert!(load("").unwrap().teams.is_empty());
    }

    #[test]
    fn a_district_in_two_teams_is_refused_naming_both() {
        let e = load(
            "[teams.noord]\ndistricts = [\"WK1\", \"WK2\"]\n[teams.zuid]\ndistricts = [\"WK2\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "pipeline file /p/x.toml: `teams.zuid.districts`: district \"WK2\" is also in team `noord`; a district belongs to one team"
        );
    }

    #[test]
    fn bad_team_tables_name_their_key() {
        let e = load("[teams.noord]\ndistrict = [\"WK1\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `district`"), "{e}");
        let e = load("[teams.\"no ord\"]\ndistricts = [\"WK1\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`teams.no ord`: a team code"), "{e}");
        let e = load("[teams.noord]\ndistricts = []\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`teams.noord.districts`: list the districts"),
            "{e}"
        );
        let e = load("[teams]\ndefault = \"\"\n").unwrap_err().to_string();
        assert!(e.contains("`teams.default`"), "{e}");
    }

    const DDAS: &str = r#"
[ddas]
naam = "Gemeente Zoetermeer"
kvk-nummer = "12345678"
[[ddas.contactpersonen]]
naam = "A. de Vries"
telefoonnummer = "079-0000000"
email = "vroegsignalering@example.nl"
functietitel = "Coordinator vroegsignalering"
"#;

    #[test]
    fn ddas_section_as_the_spec_writes_it() {
        let d = load(DDAS).unwrap().ddas.unwrap();
        assert_eq!(d.naam, "Gemeente Zoetermeer");
        assert_eq!(d.kvk_nummer, "12345678");
        assert_eq!(d.contactpersonen.len(), 1);
        assert_eq!(
            d.contactpersonen[0].email.as_deref(),
            Some("vroegsignalering@example.nl")
        );
        assert!(load("").unwrap().ddas.is_none());
    }

    #[test]
    fn ddas_errors_name_the_key() {
        let e = load(&DDAS.replace("12345678", "1234"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`ddas.kvk-nummer`: \"1234\": a KvK-nummer is 8 digits"),
            "{e}"
        );
        let e = load(&DDAS.replace("vroegsignalering@example.nl", "nobody"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`ddas.contactpersonen[1].email`"), "{e}");
        let e = load("[ddas]\nnaam = \"G\"\nkvk-nummer = \"12345678\"\ncontactpersonen = []\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`ddas.contactpersonen`: the national format needs"),
            "{e}"
        );
        let e = load(&DDAS.replace("naam = \"Gemeente Zoetermeer\"", "naam = \"G\"\nextra = 1"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `extra`"), "{e}");
    }
}
