//! `algorithm-register.json`: one flat object with exactly the fields of
//! the publication standard 1.0 that shared/spec/legitimacy.md lists, in
//! its order, and no other (the standard has more optional fields, such as
//! `url`, `website` and `provider`; they are left out).
//!
//! Built from `[register]` and the generated texts, then checked as the
//! register would check it: lengths (HTML fields counted without their
//! tags), enumerations, dates, grouping items. `[register]` was checked at
//! load already; the generated texts can only be checked here, and a text
//! over its limit says what in the pipeline file to shorten.

use crate::{Input, RegisterError, methods, sources};
use serde::Serialize;
use vroeg_pipeline::legitimacy::check_url;
use vroeg_pipeline::register::{
    PUBLICATION_CATEGORIES, STATUSES, TEXT_MAX, THEMES, html_text_len, is_year_month,
};

/// `lang`: Dutch.
pub const LANG: &str = "nld";

/// `standard_version`.
pub const STANDARD_VERSION: &str = "1.0";

/// The longest `methods_and_models`, tags included.
pub const METHODS_MAX: usize = 5_000;

/// A `{title, link}` item of `lawful_basis_grouping` or
/// `source_data_grouping`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grouping {
    /// What the link is.
    pub title: String,
    /// The web address.
    pub link: String,
}

/// The entry, field for field as the standard names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// ≤ 100 characters.
    pub name: String,
    /// ≤ 400 characters.
    pub description_short: String,
    /// ≤ 100 characters.
    pub organization: String,
    /// One of [`STATUSES`].
    pub status: String,
    /// ≤ 500 characters.
    pub contact_email: String,
    /// One of [`PUBLICATION_CATEGORIES`].
    pub publication_category: String,
    /// [`LANG`].
    pub lang: String,
    /// HTML, ≤ 2,500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// HTML, ≤ 2,500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proportionality: Option<String>,
    /// HTML, ≤ 2,500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub human_intervention: Option<String>,
    /// HTML, ≤ 2,500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risks: Option<String>,
    /// HTML, ≤ 2,500; generated.
    pub lawful_basis: String,
    /// HTML, ≤ 2,500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impacttoetsen: Option<String>,
    /// HTML, ≤ 2,500; generated.
    pub source_data: String,
    /// HTML, ≤ 5,000; generated.
    pub methods_and_models: String,
    /// Themes from [`THEMES`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    /// `yyyy-mm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub begin_date: Option<String>,
    /// Generated: each distinct legal basis and its link.
    pub lawful_basis_grouping: Vec<Grouping>,
    /// Generated: each source read with its legal basis and link.
    pub source_data_grouping: Vec<Grouping>,
    /// [`STANDARD_VERSION`].
    pub standard_version: String,
}

/// A field the register would not take: its name and why.
pub type FieldError = (String, String);

impl Entry {
    /// The entry of a checked pipeline, checked against the standard.
    pub fn new(input: &Input<'_>) -> Result<Entry, RegisterError> {
        let r = input.register;
        let l = &input.pipeline.legitimacy;
        let read = sources::read(input)?;
        let entry = Entry {
            name: r.name.clone(),
            description_short: r.description_short.clone(),
            organization: r.organization.clone(),
            status: r.status.clone(),
            contact_email: r.contact_email.clone(),
            publication_category: r.publication_category.clone(),
            lang: LANG.into(),
            goal: r.goal.clone(),
            proportionality: r.proportionality.clone(),
            human_intervention: r.human_intervention.clone(),
            risks: r.risks.clone(),
            lawful_basis: sources::lawful_basis(l.purpose.as_deref(), &read),
            impacttoetsen: r.impacttoetsen.clone(),
            source_data: sources::source_data(
                &read,
                l.outputs_retention_days,
                l.quarantine_retention_days,
            ),
            methods_and_models: methods::methods_and_models(input),
            category: r.category.clone(),
            begin_date: r.begin_date.clone(),
            lawful_basis_grouping: sources::lawful_basis_grouping(&read),
            source_data_grouping: sources::source_data_grouping(&read),
            standard_version: STANDARD_VERSION.into(),
        };
        entry
            .check()
            .map_err(|(field, message)| RegisterError::Field {
                file: input.pipeline.file.clone(),
                field,
                message,
            })?;
        Ok(entry)
    }

    /// Checks every field against the standard.
    pub fn check(&self) -> Result<(), FieldError> {
        plain("name", &self.name, 100)?;
        plain("description_short", &self.description_short, 400)?;
        plain("organization", &self.organization, 100)?;
        plain("contact_email", &self.contact_email, 500)?;
        one_of("status", &self.status, STATUSES)?;
        one_of(
            "publication_category",
            &self.publication_category,
            PUBLICATION_CATEGORIES,
        )?;
        one_of("lang", &self.lang, &[LANG])?;
        one_of(
            "standard_version",
            &self.standard_version,
            &[STANDARD_VERSION],
        )?;
        for (field, text) in [
            ("goal", &self.goal),
            ("proportionality", &self.proportionality),
            ("human_intervention", &self.human_intervention),
            ("risks", &self.risks),
            ("impacttoetsen", &self.impacttoetsen),
        ] {
            if let Some(t) = text {
                html(field, t, TEXT_MAX)?;
            }
        }
        html("lawful_basis", &self.lawful_basis, TEXT_MAX)?;
        html("source_data", &self.source_data, TEXT_MAX)?;
        html("methods_and_models", &self.methods_and_models, METHODS_MAX)?;
        for (i, c) in self.category.iter().enumerate() {
            one_of("category", c, THEMES)?;
            if self.category[..i].contains(c) {
                return Err(("category".into(), format!("lists {c:?} twice")));
            }
        }
        if let Some(d) = &self.begin_date
            && !is_year_month(d)
        {
            return Err(("begin_date".into(), format!("{d:?} is not yyyy-mm")));
        }
        grouping("lawful_basis_grouping", &self.lawful_basis_grouping, 100)?;
        grouping("source_data_grouping", &self.source_data_grouping, 500)?;
        Ok(())
    }
}

/// What to change in the pipeline file when `field` is too long.
fn shorten(field: &str) -> String {
    match field {
        "methods_and_models" => "shorten the description_nl of the rules, or of the features their conditions name (the DPIA annex keeps the details)".into(),
        "lawful_basis" | "lawful_basis_grouping" | "source_data" | "source_data_grouping" => {
            "shorten the sources' legal_basis".into()
        }
        other => format!("shorten register.{other}"),
    }
}

fn too_long(field: &str, n: usize, max: usize, what: &str) -> FieldError {
    (
        field.into(),
        format!(
            "is {n} characters{what}; the register takes at most {max}: {}",
            shorten(field)
        ),
    )
}

fn plain(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        return Err((field.into(), "is empty".into()));
    }
    let n = text.chars().count();
    if n > max {
        return Err(too_long(field, n, max, ""));
    }
    Ok(())
}

fn html(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    // The register counts the text without its tags; the standard's limit
    // is read as a limit on the whole value too, tags included, which is
    // the stricter of the two.
    let n = html_text_len(text).map_err(|m| (field.to_string(), m))?;
    if n == 0 {
        return Err((field.into(), "is empty".into()));
    }
    let raw = text.chars().count();
    if raw > max {
        return Err(too_long(field, raw, max, " with its tags"));
    }
    Ok(())
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), FieldError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err((
            field.into(),
            format!(
                "{value:?} is not one of the standard's values: {}",
                allowed
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}

fn grouping(field: &str, items: &[Grouping], title_max: usize) -> Result<(), FieldError> {
    for g in items {
        plain(field, &g.title, title_max)?;
        check_url(&g.link).map_err(|m| (field.to_string(), format!("link {m}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{shipped, zoetermeer};
    use std::path::Path;
    use vroeg_pipeline::Pipeline;

    #[test]
    fn the_shipped_entries_pass_their_checks() {
        for file in [
            "pipelines/zoetermeer.toml",
            "pipelines/zoetermeer-ddas.toml",
        ] {
            let p = Pipeline::from_toml(&shipped(file), Path::new("/p/x.toml")).unwrap();
            let e = Entry::new(&Input::new(&p).unwrap()).unwrap();
            assert_eq!(e.lang, "nld");
            assert_eq!(e.standard_version, "1.0");
        }
    }

    #[test]
    fn the_fields_are_the_standards_in_its_order() {
        let p = zoetermeer(&[]);
        let e = Entry::new(&Input::new(&p).unwrap()).unwrap();
        // The written order (serde_json::Value would sort the keys).
        let text = serde_json::to_string_pretty(&e).unwrap();
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
            .map(|l| l.trim_start().split('"').nth(1).unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "name",
                "description_short",
                "organization",
                "status",
                "contact_email",
                "publication_category",
                "lang",
                "goal",
                "proportionality",
                "human_intervention",
                "risks",
                "lawful_basis",
                "impacttoetsen",
                "source_data",
                "methods_and_models",
                "category",
                "begin_date",
                "lawful_basis_grouping",
                "source_data_grouping",
                "standard_version"
            ]
        );
    }

    #[test]
    fn an_over_long_text_is_refused_naming_the_field_and_what_to_shorten() {
        let p = zoetermeer(&[]);
        let mut e = Entry::new(&Input::new(&p).unwrap()).unwrap();
        e.methods_and_models = format!("<p>{}</p><ul><li>x</li></ul>", "a".repeat(4_999));
        let (field, message) = e.check().unwrap_err();
        assert_eq!(field, "methods_and_models");
        assert!(
            message.starts_with("is 5025 characters with its tags; the register takes at most 5000: shorten the description_nl of the rules"),
            "{message}"
        );
        e.methods_and_models = format!("<p>{}</p>", "a".repeat(4_993));
        assert!(e.check().is_ok());
        e.methods_and_models = format!("<p>{}</p>", "a".repeat(4_994));
        assert_eq!(e.check().unwrap_err().0, "methods_and_models");
        e.source_data = "b".repeat(2_501);
        assert_eq!(e.check().unwrap_err().0, "source_data");

        // Through the pipeline file: long Dutch texts on the rules.
        let long = "Een lange uitleg. ".repeat(21);
        let mut edits = Vec::new();
        let text = shipped("pipelines/zoetermeer.toml");
        let originals: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with("description_nl = \"") && l.ends_with(".\""))
            .map(str::to_string)
            .collect();
        assert_eq!(originals.len(), 8);
        let replacement = format!("description_nl = \"{}\"", long.trim());
        for o in &originals {
            edits.push((o.as_str(), replacement.as_str()));
        }
        let p = zoetermeer(&edits);
        let err = Entry::new(&Input::new(&p).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("pipeline file /p/zoetermeer.toml: algorithm-register.json field `methods_and_models` is ")
                && err.contains("the register takes at most 5000: shorten the description_nl"),
            "{err}"
        );
    }

    #[test]
    fn enumerations_dates_and_groupings_are_checked() {
        let p = zoetermeer(&[]);
        let good = Entry::new(&Input::new(&p).unwrap()).unwrap();
        let fails = |edit: &dyn Fn(&mut Entry)| {
            let mut e = good.clone();
            edit(&mut e);
            e.check().unwrap_err().0
        };
        assert_eq!(fails(&|e| e.status = "in gebruik".into()), "status");
        assert_eq!(fails(&|e| e.category.push("Bestuur".into())), "category");
        assert_eq!(fails(&|e| e.category.push("Wonen".into())), "category");
        assert_eq!(
            fails(&|e| e.begin_date = Some("2026-13".into())),
            "begin_date"
        );
        assert_eq!(fails(&|e| e.name = "n".repeat(101)), "name");
        assert_eq!(fails(&|e| e.goal = Some("<b>x</b>".into())), "goal");
        assert_eq!(
            fails(&|e| e.lawful_basis_grouping[0].link = "wetten".into()),
            "lawful_basis_grouping"
        );
        assert_eq!(
            fails(&|e| e.lawful_basis_grouping[0].title = "t".repeat(101)),
            "lawful_basis_grouping"
        );
    }
}
