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

/// A character no published text may hold: a control character (line
/// breaks and tabs only where `breaks`) or an invisible format character
/// (zero-width spaces and joiners, bidirectional overrides, a byte-order
/// mark), which would make the text read otherwise than it is.
pub fn odd_char(text: &str, breaks: bool) -> Option<char> {
    text.chars().find(|&c| {
        let control = c.is_control() && !(breaks && matches!(c, '\n' | '\r' | '\t'));
        let invisible = matches!(c,
            '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        control || invisible
    })
}

/// The message for [`odd_char`]'s find.
fn odd_message(c: char) -> String {
    format!(
        "holds the invisible or control character U+{:04X}; write plain text",
        c as u32
    )
}

/// The length of an HTML text as the register counts it: the text between
/// tags (text pieces joined by one space), or what is wrong: a tag other
/// than [`HTML_TAGS`], an attribute, a tag not closed or closed out of
/// order, a list or paragraph holding what it may not, a `<` or `&` that
/// starts no tag or entity.
pub fn html_text_len(text: &str) -> Result<usize, String> {
    let mut pieces: Vec<usize> = Vec::new();
    let mut open: Vec<&str> = Vec::new();
    let mut rest = text;
    loop {
        let (before, after) = match rest.find('<') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        check_entities(before)?;
        if !before.trim().is_empty() && matches!(open.last(), Some(&"ul" | &"ol")) {
            return Err("text directly inside <ul> or <ol>; put it in <li>".into());
        }
        if !before.is_empty() {
            pieces.push(before.chars().count());
        }
        let Some(after) = after else { break };
        let close = after
            .find(['>', '<'])
            .filter(|i| after.as_bytes()[*i] == b'>')
            .ok_or("a `<` that opens no tag; write &lt; for the character")?;
        let tag = after[..close].trim();
        let closing = tag.starts_with('/');
        let name = tag.trim_start_matches('/').trim_end_matches('/').trim();
        if !HTML_TAGS.contains(&name) {
            let shown: String = tag.chars().take(20).collect();
            return Err(format!(
                "the tag <{shown}> is not allowed; the register takes only {} (without attributes)",
                HTML_TAGS.join(", ")
            ));
        }
        if name == "br" {
            if closing {
                return Err("</br> closes nothing; write <br>".into());
            }
        } else if closing {
            match open.pop() {
                Some(o) if o == name => {}
                Some(o) => return Err(format!("</{name}> closes <{o}>")),
                None => return Err(format!("</{name}> closes nothing")),
            }
        } else if tag.ends_with('/') {
            return Err(format!(
                "<{name}/> is not a tag of its own; write <{name}>…</{name}>"
            ));
        } else {
            match (open.last(), name) {
                (Some(&"p"), _) => return Err(format!("<{name}> inside <p>; close the <p> first")),
                (Some(&"ul" | &"ol"), n) if n != "li" => {
                    return Err(format!("<{n}> directly inside a list; put it in <li>"));
                }
                (_, "li") if !matches!(open.last(), Some(&"ul" | &"ol")) => {
                    return Err("<li> outside <ul> or <ol>".into());
                }
                _ => open.push(name),
            }
        }
        rest = &after[close + 1..];
    }
    if let Some(o) = open.last() {
        return Err(format!("<{o}> is not closed"));
    }
    Ok(pieces.iter().sum::<usize>() + pieces.len().saturating_sub(1))
}

/// Every `&` starts an entity: `&name;`, `&#123;` or `&#x1F;`.
fn check_entities(text: &str) -> Result<(), String> {
    for (i, _) in text.match_indices('&') {
        let rest = &text[i + 1..];
        let end = rest.find(';').filter(|e| *e <= 10);
        let ok = end.is_some_and(|e| {
            let body = &rest[..e];
            let digits = |s: &str, hex: bool| {
                !s.is_empty()
                    && s.chars().all(|c| {
                        if hex {
                            c.is_ascii_hexdigit()
                        } else {
                            c.is_ascii_digit()
                        }
                    })
            };
            match body.strip_prefix('#') {
                Some(n) => match n.strip_prefix(['x', 'X']) {
                    Some(h) => digits(h, true),
                    None => digits(n, false),
                },
                None => !body.is_empty() && body.chars().all(|c| c.is_ascii_alphabetic()),
            }
        });
        if !ok {
            return Err("a `&` that starts no entity; write &amp; for the character".into());
        }
    }
    Ok(())
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
    if let Some(c) = odd_char(t, false) {
        return Err((key.into(), odd_message(c)));
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
    if let Some(c) = odd_char(t, true) {
        return Err((key.into(), odd_message(c)));
    }
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
    let address_ok = match contact_email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !local.contains(':')
                && !contact_email.contains(char::is_whitespace)
        }
        None => false,
    };
    if !address_ok {
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

    /// The shipped pipeline with one edit, loaded: the error, if any.
    fn refused(old: &str, new: &str) -> Option<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../pipelines/zoetermeer.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(old), "{old}");
        crate::Pipeline::from_toml(&text.replacen(old, new, 1), &path)
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn register_texts_are_checked_at_their_key() {
        let email = "contact_email = \"vroegsignalering@example.nl\"";
        for bad in [
            "@example.nl",
            "a@@b.nl",
            "mailto:jan@x.nl",
            "jan@localhost",
            "a b@x.nl",
        ] {
            let e = refused(email, &format!("contact_email = \"{bad}\"")).unwrap();
            assert!(e.contains("`register.contact_email`"), "{bad}: {e}");
        }
        let name = "name = \"Vroegsignalering bij meerdere kleine signalen (Zoetermeer)\"";
        let e = refused(name, "name = \"\\u200b\"").unwrap();
        assert!(
            e.contains("`register.name`: holds the invisible or control character U+200B"),
            "{e}"
        );
        let e = refused(name, "name = \"a\\u001b[2J\"").unwrap();
        assert!(e.contains("U+001B"), "{e}");
        let goal = "goal = \"<p>Huishoudens";
        let e = refused(goal, "goal = \"<p><ul><li>x</li></ul></p><p>Huishoudens").unwrap();
        assert!(e.contains("`register.goal`: <ul> inside <p>"), "{e}");
        let e = refused("begin_date = \"2026-01\"", "begin_date = \"2026-13\"").unwrap();
        assert!(e.contains("`register.begin_date`"), "{e}");
        let e = refused(
            "category = [\"Sociale zekerheid\",",
            "category = [\"Sociale zaken\",",
        )
        .unwrap();
        assert!(e.contains("`register.category`: \"Sociale zaken\""), "{e}");
        assert_eq!(refused(email, email), None);
    }

    #[test]
    fn html_lengths_count_text_and_refuse_other_tags() {
        assert_eq!(html_text_len("<p>abc</p><ul><li>de</li></ul>"), Ok(6));
        assert_eq!(html_text_len("plain"), Ok(5));
        assert_eq!(html_text_len("a<br/>b"), Ok(3));
        assert!(html_text_len("<b>x</b>").unwrap_err().contains("<b>"));
        assert!(html_text_len("<p class=\"x\">y</p>").is_err());
        assert!(html_text_len("a < b").is_err());
        assert!(html_text_len("<script>x</script>").is_err());
        for bad in [
            "<p>unclosed <ul><li>x</p>",
            "<p><p>x</p></p>",
            "x</p>",
            "<p>a</div></p>",
            "a</br>b",
            "<p><ul><li>x</li></ul></p>",
            "<ul>x</ul>",
            "<li>x</li>",
            "<p>x",
            "AT&T",
            "&bogus",
            "<p/>",
        ] {
            assert!(html_text_len(bad).is_err(), "{bad}");
        }
        assert_eq!(
            html_text_len("<div><p>a &amp; b<br></p><ol><li><p>c</p></li></ol></div>"),
            Ok(11)
        );
        assert_eq!(odd_char("a\u{202E}b", true), Some('\u{202E}'));
        assert_eq!(odd_char("a\nb", true), None);
        assert_eq!(odd_char("a\nb", false), Some('\n'));
        assert_eq!(odd_char("naïve café ✓", false), None);
    }
}
