//! `vroeg register`: the public paperwork, generated from the live pipeline
//! file so that it cannot drift from what runs (shared/spec/legitimacy.md).
//!
//! Two documents from one [`Pipeline`]: the algorithm-register entry in the
//! publication standard 1.0 ([`entry`]: `[register]`'s human texts, the
//! legal bases and sources from [`sources`], the rules in plain Dutch from
//! [`methods`]) and the DPIA annex ([`dpia`]). What both need beyond what
//! `vroeg check` asks (a `[register]` section, a Dutch text for every
//! feature and rule, a declared legal basis with a link for every source
//! read) is checked once here, in [`Input::new`]; the entry is then checked
//! against the standard's limits before anything is written.

pub mod dpia;
pub mod entry;
mod error;
pub mod methods;
pub mod sources;

pub use entry::{Entry, Grouping};
pub use error::RegisterError;

use vroeg_pipeline::{Pipeline, Register, RuleSet};

/// The entry's file name.
pub const ENTRY_FILE: &str = "algorithm-register.json";

/// The DPIA annex's file name.
pub const DPIA_FILE: &str = "dpia-annex.md";

/// Both documents, ready to write.
#[derive(Debug, Clone)]
pub struct Documents {
    /// The entry, checked against the standard.
    pub entry: Entry,
    /// `algorithm-register.json`: the entry as pretty JSON, final newline.
    pub entry_json: Vec<u8>,
    /// `dpia-annex.md`.
    pub dpia_annex: String,
}

/// Makes both documents. `mask_below` is the report's small-number
/// threshold (counts below it are shown as `<N`), stated in the annex.
pub fn documents(p: &Pipeline, mask_below: u64) -> Result<Documents, RegisterError> {
    let input = Input::new(p)?;
    let entry = Entry::new(&input)?;
    let mut entry_json = serde_json::to_vec_pretty(&entry).map_err(|e| RegisterError::Field {
        file: p.file.clone(),
        field: "(all)".into(),
        message: format!("cannot be written as JSON: {e}"),
    })?;
    entry_json.push(b'\n');
    let dpia_annex = dpia::annex(&input, &entry, mask_below);
    Ok(Documents {
        entry,
        entry_json,
        dpia_annex,
    })
}

/// A pipeline with everything `vroeg register` needs, checked.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The pipeline.
    pub pipeline: &'a Pipeline,
    /// Its `[register]` texts.
    pub register: &'a Register,
    /// Its rule set.
    pub rules: &'a RuleSet,
}

impl<'a> Input<'a> {
    /// Checks that `p` has a `[register]` section, rules, a `description_nl`
    /// on every feature and rule, and a declared legal basis with a link
    /// for every source it reads.
    pub fn new(p: &'a Pipeline) -> Result<Input<'a>, RegisterError> {
        let register = p
            .register
            .as_ref()
            .ok_or_else(|| RegisterError::NoRegister {
                file: p.file.clone(),
            })?;
        let rules = p.rule_set.as_ref().ok_or_else(|| RegisterError::NoRules {
            file: p.file.clone(),
        })?;
        let required = |key: String, what: &str| RegisterError::Required {
            file: p.file.clone(),
            key,
            message: format!(
                "missing: `vroeg register` publishes every feature and rule in plain Dutch; write what this {what} means in Dutch ({{param}} placeholders are filled in)"
            ),
        };
        for f in &rules.features {
            if f.description_nl.is_none() {
                return Err(required(
                    format!("features.{}.description_nl", f.name),
                    "feature",
                ));
            }
        }
        for r in &rules.rules {
            if r.description_nl.is_none() {
                return Err(required(format!("rules.{}.description_nl", r.id), "rule"));
            }
        }
        let input = Input {
            pipeline: p,
            register,
            rules,
        };
        sources::read(&input)?;
        Ok(input)
    }
}

/// Escapes `&`, `<` and `>` of a configured text for the entry's HTML
/// fields.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` ending in a full stop (or the `?`, `!`, `.` it has).
pub(crate) fn sentence(text: &str) -> String {
    let t = text.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;
    use vroeg_pipeline::Pipeline;

    /// The shipped pipeline file at `rel` (from the repository root).
    pub(crate) fn shipped(rel: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel);
        std::fs::read_to_string(path).unwrap()
    }

    /// `pipelines/zoetermeer.toml` with `edit` applied, loaded.
    pub(crate) fn zoetermeer(edit: &[(&str, &str)]) -> Pipeline {
        let mut text = shipped("pipelines/zoetermeer.toml");
        for (old, new) in edit {
            assert!(text.contains(old), "{old}");
            text = text.replacen(old, new, 1);
        }
        Pipeline::from_toml(&text, Path::new("/p/zoetermeer.toml")).unwrap()
    }

    #[test]
    fn escape_covers_the_html_characters() {
        assert_eq!(
            super::escape("Zorg & Veiligheid <b> > 3"),
            "Zorg &amp; Veiligheid &lt;b&gt; &gt; 3"
        );
        assert_eq!(super::escape("€ 75,00 'x'"), "€ 75,00 'x'");
    }

    #[test]
    fn refusals_name_the_key() {
        let p = zoetermeer(&[]);
        let mut no_register = p.clone();
        no_register.register = None;
        let e = super::Input::new(&no_register).unwrap_err().to_string();
        assert!(
            e.contains("no [register] section") && e.contains("docs/register.md"),
            "{e}"
        );
        let p = zoetermeer(&[(
            "description_nl = \"het aantal minderjarige kinderen volgens de basisregistratie\"\n",
            "",
        )]);
        let e = super::Input::new(&p).unwrap_err().to_string();
        assert!(
            e.contains("`features.minors.description_nl`: missing"),
            "{e}"
        );
        let p = zoetermeer(&[(
            "description_nl = \"Signalen uit ten minste {multi_domain_min_domains} levensdomeinen.\"\n",
            "",
        )]);
        let e = super::Input::new(&p).unwrap_err().to_string();
        assert!(e.contains("`rules.multi_domain.description_nl`"), "{e}");
    }
}
