//! `--set NAME=VALUE` on a pipeline file. The change is made to the file's
//! TOML and the result goes through the same loading and validation as any
//! pipeline file, so that "after" is exactly what `vroeg run` would score
//! with an edited copy, and a bad value is refused at its key.

use crate::PolicyError;
use serde::Serialize;
use vroeg_pipeline::did_you_mean;

/// The `[scoring]` keys a `--set` may change.
pub const SCORING_KEYS: &[&str] = &[
    "eligible_min_score",
    "suppress_recent_contact_days",
    "max_listed",
    "total_arrears_eur",
    "repeat_min_rise_eur",
    "domains",
];

/// One change made by `--set`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `params.NAME` or `scoring.NAME`.
    pub key: String,
    /// The value in the pipeline file, as TOML (`None`: the key was absent).
    pub before: Option<String>,
    /// The value set, as TOML.
    pub after: String,
}

/// A `--set` value as TOML: a number, a boolean, a quoted text or a list
/// as written; a bare word is taken as a text; anything that is more than
/// one value (a line break and another key, say) is refused.
fn value(raw: &str) -> Result<toml::Value, String> {
    if raw.contains(['\n', '\r']) {
        return Err("a value is one line".into());
    }
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(t) if t.len() == 1 => t.get("v").cloned().ok_or_else(|| "no value".into()),
        Ok(_) => Err("give one value".into()),
        Err(_)
            if raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            Ok(toml::Value::String(raw.to_string()))
        }
        Err(_) => {
            Err("not a TOML value; write a number, true/false, \"text\" or [\"a\", \"b\"]".into())
        }
    }
}

/// Applies every `NAME=VALUE` to the pipeline file's `text`: NAME is a
/// `[params]` name, a `[scoring]` key, or either written `params.NAME` /
/// `scoring.NAME`. Returns the changed text and the changes.
pub fn apply_sets(text: &str, sets: &[String]) -> Result<(String, Vec<Change>), PolicyError> {
    let mut doc: toml::Table =
        toml::from_str(text).map_err(|e| PolicyError::Toml(e.to_string()))?;
    let mut changes = Vec::new();
    for arg in sets {
        let set_err = |why: String| PolicyError::Set {
            arg: arg.clone(),
            why,
        };
        let Some((name, raw)) = arg.split_once('=') else {
            return Err(set_err(
                "write NAME=VALUE, e.g. --set eligible_min_score=6".into(),
            ));
        };
        let name = name.trim();
        let params: Vec<String> = doc
            .get("params")
            .and_then(toml::Value::as_table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        let (section, key) = match name.split_once('.') {
            Some((s @ ("params" | "scoring"), k)) => (s, k),
            Some(_) => {
                return Err(set_err(
                    "only [params] and [scoring] values can be set; write params.NAME or scoring.NAME".into(),
                ));
            }
            None if params.iter().any(|p| p == name) => ("params", name),
            None if SCORING_KEYS.contains(&name) => ("scoring", name),
            None => {
                let mut names: Vec<&str> = params.iter().map(String::as_str).collect();
                names.extend_from_slice(SCORING_KEYS);
                return Err(set_err(format!(
                    "no parameter or scoring key `{name}`{}; the names are {}",
                    did_you_mean(name, &names),
                    names.join(", ")
                )));
            }
        };
        if section == "params" && !params.iter().any(|p| p == key) {
            let names: Vec<&str> = params.iter().map(String::as_str).collect();
            return Err(set_err(format!(
                "no parameter `{key}` in [params]{}; a what-if changes values, it adds no parameter",
                did_you_mean(key, &names)
            )));
        }
        if section == "scoring" && !SCORING_KEYS.contains(&key) {
            return Err(set_err(format!(
                "no scoring key `{key}`{}; the keys are {}",
                did_you_mean(key, SCORING_KEYS),
                SCORING_KEYS.join(", ")
            )));
        }
        let table = doc
            .entry(section)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| set_err(format!("[{section}] is not a table")))?;
        let new = value(raw.trim()).map_err(set_err)?;
        let before = table.insert(key.to_string(), new.clone());
        changes.push(Change {
            key: format!("{section}.{key}"),
            before: before.map(|v| v.to_string()),
            after: new.to_string(),
        });
    }
    let text = toml::to_string(&doc).map_err(|e| PolicyError::Toml(e.to_string()))?;
    Ok((text, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "[params]\nmin = 75.0\nkinds = [\"a\"]\n[scoring]\neligible_min_score = 5\n";

    #[test]
    fn params_and_scoring_keys_are_set_by_name() {
        let (text, changes) = apply_sets(
            FILE,
            &[
                "min=80.5".into(),
                "eligible_min_score=6".into(),
                "scoring.max_listed=100".into(),
                "kinds=[\"a\", \"b\"]".into(),
            ],
        )
        .unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["params"]["min"].as_float(), Some(80.5));
        assert_eq!(doc["scoring"]["eligible_min_score"].as_integer(), Some(6));
        assert_eq!(doc["scoring"]["max_listed"].as_integer(), Some(100));
        assert_eq!(doc["params"]["kinds"].as_array().unwrap().len(), 2);
        assert_eq!(changes[0].key, "params.min");
        assert_eq!(changes[0].before.as_deref(), Some("75.0"));
        assert_eq!(changes[0].after, "80.5");
        assert_eq!(changes[2].before, None);
    }

    #[test]
    fn unknown_names_are_refused_with_the_closest() {
        let e = apply_sets(FILE, &["eligible_min_scor=6".into()]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("did you mean `eligible_min_score`"),
            "{e}"
        );
        let e = apply_sets(FILE, &["params.nothing=1".into()]).unwrap_err();
        assert!(e.to_string().contains("adds no parameter"), "{e}");
        let e = apply_sets(FILE, &["rules.x.weight=1".into()]).unwrap_err();
        assert!(e.to_string().contains("only [params] and [scoring]"), "{e}");
        let e = apply_sets(FILE, &["min".into()]).unwrap_err();
        assert!(e.to_string().contains("NAME=VALUE"), "{e}");
        let e = apply_sets(FILE, &["eligible_min_score=6\nmax_listed = 1".into()]).unwrap_err();
        assert!(e.to_string().contains("one line"), "{e}");
        let e = apply_sets(FILE, &["eligible_min_score=6, max_listed = 1".into()]).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
    }
}
