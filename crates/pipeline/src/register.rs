//! `[register]`: the human texts of the algorithm-register entry, checked
//! against the publication standard 1.0 (lengths, enumerations, HTML).

use crate::raw::RawRegister;
use std::collections::BTreeMap;

/// `status` of the standard.
pub const STATUSES: &[&str] = &["In ontwikkeling", "In gebruik", "Buiten gebruik"];

/// `publication_category` of the standard.
pub const PUBLICATION_CATEGORIES: &[&str] = &[
    "Hoog-risico AI-systeem",
    "Impactvolle algoritmes",
    "Overige algoritmes",
];

/// `category`: the standard's themes.
pub const THEMES: &[&str] = &[
    "Organisatie en bedrijfsvoering",
    "Cultuur en recreatie",
    "Economie",
    "Overheidsfinanciën",
    "Wonen",
    "Internationaal",
    "Migratie en integratie",
    "Natuur en milieu",
    "Onderwijs en wetenschap",
    "Openbare orde en veiligheid",
    "Recht",
    "Ruimte en infrastructuur",
    "Sociale zekerheid",
    "Verkeer",
    "Werk",
    "Zorg en gezondheid",
];

/// The HTML tags the standard's text fields may use.
pub const HTML_TAGS: &[&str] = &["div", "br", "p", "ul", "ol", "li"];

/// The longest text of an HTML field (`methods_and_models` has 5,000).
pub const TEXT_MAX: usize = 2_500;

/// The human texts of the entry, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// `name`.
    pub name: String,
    /// `description_short`.
    pub description_short: String,
    /// `organization`.
    pub organization: String,
    /// `contact_email`.
    pub contact_email: String,
    /// `status`.
    pub status: String,
    /// `publication_category`.
    pub publication_category: String,
    /// `category`.
    pub category: Vec<String>,
    /// `begin_date`, `yyyy-mm`.
    pub begin_date: Option<String>,
    /// `goal` (HTML).
    pub goal: Option<String>,
    /// `proportionality` (HTML).
    pub proportionality: Option<String>,
    /// `human_intervention` (HTML).
    pub human_intervention: Option<String>,
    /// `risks` (HTML).
    pub risks: Option<String>,
    /// `impacttoetsen` (HTML).
    pub impacttoetsen: Option<String>,
    /// Where the published entry is (for the report's link).
    pub entry_url: Option<String>,
    /// Dutch names of the scoring domains.
    pub domain_names: BTreeMap<String, String>,
}

type KeyError = (String, String);

/// The length of an HTML text as the register counts it: the text between
/// tags (text pieces joined by one space), or what is wrong: a tag other
/// than [`HTML_TAGS`], an attribute, or a stray `<`.
pub fn html_text_len(text: &str) -> Result<usize, String> {
    let mut pieces: Vec<usize> = Vec::new();
    let mut rest = text;
    loop {
        let (before, after) = match rest.find('<') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        if !before.is_empty() {
            pieces.push(before.chars().count());
        }
        let Some(after) = after else { break };
        let close = after
            .find('>')
            .ok_or("a `<` that opens no tag; write &lt; for the character")?;
        let tag = after[..close].trim();
        let name = tag.trim_start_matches('/').trim_end_matches('/').trim();
        if !HTML_TAGS.contains(&name) {
            return Err(format!(
                "the tag <{tag}> is not allowed; the register takes only {} (without attributes)",
                HTML_TAGS.join(", ")
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(pieces.iter().sum::<usize>() + pieces.len().saturating_sub(1))
}

/// Whether `d` is a month as the register writes it, `yyyy-mm`.
pub fn is_year_month(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(d[5..].parse::<u32>(), Ok(1..=12))
}

fn plain(key: &str, text: &str, max: usize) -> Result<String, KeyError> {
    let t = text.trim();
    if t.is_empty() {
        return Err((key.into(), "is empty".into()));
    }
    if t.contains(['<', '>']) {
        return Err((key.into(), "is plain text: no `<` or `>`".into()));
    }
    let n = t.chars().count();
    if n > max {
        return Err((
            key.into(),
            format!("is {n} characters; the register takes at most {max}"),
        ));
    }
    Ok(t.to_string())
}

fn html(key: &str, text: &Option<String>) -> Result<Option<String>, KeyError> {
    let Some(t) = text else { return Ok(None) };
    let n = html_text_len(t).map_err(|m| (key.to_string(), m))?;
    if n == 0 {
        return Err((key.into(), "is empty; leave it out or write it".into()));
    }
    let raw = t.trim().chars().count();
    if raw > TEXT_MAX {
        return Err((
            key.into(),
            format!("is {raw} characters, tags included; the register takes at most {TEXT_MAX}"),
        ));
    }
    Ok(Some(t.trim().to_string()))
}

fn one_of(key: &str, value: &str, allowed: &[&str]) -> Result<String, KeyError> {
    if allowed.contains(&value) {
        Ok(value.to_string())
    } else {
        Err((
            key.into(),
            format!(
                "{value:?}{} is not one of the standard's values: {}",
                crate::did_you_mean(value, allowed),
                allowed
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

/// Validates `[register]` against the standard.
pub(crate) fn register(raw: &RawRegister) -> Result<Register, KeyError> {
    let k = |name: &str| format!("register.{name}");
    let mut category = Vec::new();
    for c in &raw.category {
        let c = one_of(&k("category"), c, THEMES)?;
        if category.contains(&c) {
            return Err((k("category"), format!("{c:?} is listed twice")));
        }
        category.push(c);
    }
    if let Some(d) = &raw.begin_date
        && !is_year_month(d)
    {
        return Err((
            k("begin_date"),
            format!("{d:?} is not yyyy-mm, e.g. \"2026-01\""),
        ));
    }
    let contact_email = plain(&k("contact_email"), &raw.contact_email, 500)?;
    if !contact_email.contains('@') || contact_email.contains(char::is_whitespace) {
        return Err((
            k("contact_email"),
            format!("{contact_email:?} is not an e-mail address"),
        ));
    }
    if let Some(url) = &raw.entry_url {
        crate::legitimacy::check_url(url).map_err(|m| (k("entry_url"), m))?;
    }
    for (domain, nl) in &raw.domain_names {
        plain(&format!("register.domain_names.{domain}"), nl, 100)?;
    }
    Ok(Register {
        name: plain(&k("name"), &raw.name, 100)?,
        description_short: plain(&k("description_short"), &raw.description_short, 400)?,
        organization: plain(&k("organization"), &raw.organization, 100)?,
        contact_email,
        status: one_of(&k("status"), &raw.status, STATUSES)?,
        publication_category: one_of(
            &k("publication_category"),
            &raw.publication_category,
            PUBLICATION_CATEGORIES,
        )?,
        category,
        begin_date: raw.begin_date.clone(),
        goal: html(&k("goal"), &raw.goal)?,
        proportionality: html(&k("proportionality"), &raw.proportionality)?,
        human_intervention: html(&k("human_intervention"), &raw.human_intervention)?,
        risks: html(&k("risks"), &raw.risks)?,
        impacttoetsen: html(&k("impacttoetsen"), &raw.impacttoetsen)?,
        entry_url: raw.entry_url.clone(),
        domain_names: raw
            .domain_names
            .iter()
            .map(|(d, n)| (d.clone(), n.trim().to_string()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_lengths_count_text_and_refuse_other_tags() {
        assert_eq!(html_text_len("<p>abc</p><ul><li>de</li></ul>"), Ok(6));
        assert_eq!(html_text_len("plain"), Ok(5));
        assert_eq!(html_text_len("a<br/>b"), Ok(3));
        assert!(html_text_len("<b>x</b>").unwrap_err().contains("<b>"));
        assert!(html_text_len("<p class=\"x\">y</p>").is_err());
        assert!(html_text_len("a < b").is_err());
        assert!(html_text_len("<script>x</script>").is_err());
    }
}
