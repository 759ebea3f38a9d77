//! The pipeline file: what a municipality configures, in TOML.
//!
//! Two phases, as ripgrep does with its flags: [`raw`] mirrors the file with
//! serde (`deny_unknown_fields`, so a typo is an error, not a silent
//! default), and [`Pipeline::load`] turns it into validated, resolved values
//! (absolute paths, compiled dialects). Nothing downstream re-validates.
//!
//! ```
//! let p = vroeg_pipeline::Pipeline::from_toml(
//!     r#"
//!     [pipeline]
//!     name = "demo"
//!     [paths]
//!     inbox = "inbox"
//!     store = "store"
//!     out = "out"
//!     [sources.debt_arrears]
//!     delimiter = ";"
//!     decimal_separator = ","
//!     "#,
//!     std::path::Path::new("/srv/vroeg/demo.toml"),
//! )
//! .unwrap();
//! assert_eq!(p.inbox, std::path::Path::new("/srv/vroeg/inbox"));
//! ```

pub mod dutch;
pub mod expr;
pub mod legitimacy;
pub mod model;
pub mod outreach;
pub mod raw;
pub mod register;
mod resolve;
pub mod template;

pub use expr::Expression;
pub use legitimacy::{Declaration, Legitimacy};
pub use model::{Combine, DOMAINS_FIRED, Feature, ParamValue, Rule, RuleSet, Snapshot, Window};
pub use outreach::{DdasContact, DdasOrganisation, Teams};
pub use register::Register;

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;
use vroeg_contracts::{Dialect, Source};

/// A pipeline file that cannot be used. Every message names the file and,
/// where it can, the key.
#[derive(Debug, Error)]
pub enum PipelineError {
    /// The file cannot be read.
    #[error("cannot read pipeline file {path}: {source}")]
    Read {
        /// The pipeline file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown or mistyped key.
    #[error("pipeline file {path}: {message}")]
    Parse {
        /// The pipeline file.
        path: PathBuf,
        /// The TOML error with line, column and key.
        message: String,
    },
    /// A key has a value that cannot be used.
    #[error("pipeline file {path}: `{key}`: {message}")]
    Invalid {
        /// The pipeline file.
        path: PathBuf,
        /// The dotted key path, e.g. `sources.debt_arrears.delimiter`.
        key: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// A validated pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The pipeline's name (`[pipeline] name`), used in output folders.
    pub name: String,
    /// A sentence for people.
    pub description: String,
    /// The pipeline file itself.
    pub file: PathBuf,
    /// SHA-256 of the pipeline file's bytes.
    pub sha256: String,
    /// The inbox folder (one subfolder per source).
    pub inbox: PathBuf,
    /// The store folder.
    pub store: PathBuf,
    /// Where runs write their outputs.
    pub out: PathBuf,
    /// The CSV dialect of each source (every source has one).
    pub dialects: BTreeMap<Source, Dialect>,
    /// The rules, features and scoring; `None` for an ingest-only pipeline.
    pub rule_set: Option<RuleSet>,
    /// The query engine's resources.
    pub engine: Engine,
    /// Outreach teams by district (`[teams]`); empty when none.
    pub teams: Teams,
    /// The delivering organisation of a DDAS export (`[ddas]`).
    pub ddas: Option<DdasOrganisation>,
    /// The band of the fairness ratio per district (`[fairness] band`).
    pub fairness: FairnessBand,
    /// Purpose, legal bases and retention periods.
    pub legitimacy: Legitimacy,
    /// The human texts of the algorithm-register entry (`[register]`).
    pub register: Option<Register>,
}

/// `[fairness] band`: a district's listed rate over the municipality's
/// outside `[low, high]` is flagged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FairnessBand {
    /// Ratios below this are flagged (at most 1).
    pub low: f64,
    /// Ratios above this are flagged (at least 1).
    pub high: f64,
}

impl Default for FairnessBand {
    fn default() -> Self {
        FairnessBand {
            low: 0.5,
            high: 2.0,
        }
    }
}

impl FairnessBand {
    fn from_raw(raw: Option<&raw::RawFairness>) -> Result<FairnessBand, String> {
        let Some(band) = raw.and_then(|r| r.band.as_ref()) else {
            return Ok(FairnessBand::default());
        };
        match band.as_slice() {
            [low, high] if (0.0..=1.0).contains(low) && (1.0..=100.0).contains(high) => {
                Ok(FairnessBand {
                    // -0.0 is 0
                    low: *low + 0.0,
                    high: *high,
                })
            }
            _ => Err(format!(
                "{band:?}: write two ratios [low, high] with 0 <= low <= 1 <= high <= 100, e.g. [0.5, 2.0]"
            )),
        }
    }
}

/// `[engine]`: the query engine's resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine {
    /// Bytes the query engine may hold before it spills (or fails, for what
    /// cannot spill).
    pub memory_limit: u64,
    /// Where spill files go; `None`: the system's temporary folder.
    pub spill_dir: Option<PathBuf>,
}

/// The default `[engine] memory_limit`: a third of a 24 GiB machine, leaving
/// room for the rest of the process, the page cache and other jobs.
pub const DEFAULT_MEMORY_LIMIT: u64 = 8 << 30;

impl Default for Engine {
    fn default() -> Self {
        Engine {
            memory_limit: DEFAULT_MEMORY_LIMIT,
            spill_dir: None,
        }
    }
}

/// Parses a byte size: `"4GiB"`, `"512MiB"`, `"1048576"` (units B, KiB,
/// MiB, GiB, TiB; a decimal number before the unit).
///
/// ```
/// assert_eq!(vroeg_pipeline::parse_bytes("1.5GiB"), Ok(3 << 29));
/// assert!(vroeg_pipeline::parse_bytes("4GB").is_err());
/// ```
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        other => {
            return Err(format!(
                "{text:?}: unknown unit {other:?}; use B, KiB, MiB, GiB or TiB (e.g. \"8GiB\")"
            ));
        }
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size; write e.g. \"8GiB\" or \"512MiB\""))?;
    let bytes = (n * scale as f64).round() as u64;
    if bytes < 64 << 20 {
        return Err(format!(
            "{text:?} is too small: give the engine at least 64MiB"
        ));
    }
    Ok(bytes)
}

impl Pipeline {
    /// Reads and validates a pipeline file. Relative paths in it are taken
    /// relative to the file's own folder, so a scheduler may call it from
    /// anywhere.
    pub fn load(path: &Path) -> Result<Pipeline, PipelineError> {
        let text = std::fs::read_to_string(path).map_err(|source| PipelineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        Pipeline::from_toml(&text, &absolute)
    }

    /// Validates pipeline text as if read from `path`.
    pub fn from_toml(text: &str, path: &Path) -> Result<Pipeline, PipelineError> {
        let raw: raw::RawPipeline = toml::from_str(text).map_err(|e| PipelineError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let invalid = |key: String, message: String| PipelineError::Invalid {
            path: path.to_path_buf(),
            key,
            message,
        };
        let name = raw.pipeline.name;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(
                "pipeline.name".into(),
                format!("{name:?} must be letters, digits, `_` or `-` (it names output folders)"),
            ));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &str| base.join(p);
        let mut dialects: BTreeMap<Source, Dialect> = Source::ALL
            .iter()
            .map(|s| (*s, Dialect::default()))
            .collect();
        let mut declarations = BTreeMap::new();
        for (key, rs) in &raw.sources {
            let Some(source) = Source::from_name(key) else {
                let names: Vec<&str> = Source::ALL.iter().map(|s| s.name()).collect();
                return Err(invalid(
                    format!("sources.{key}"),
                    format!(
                        "no such source{}; the sources are {}",
                        did_you_mean(key, &names),
                        names.join(", ")
                    ),
                ));
            };
            let dialect = Dialect::new(&rs.delimiter, &rs.decimal_separator, &rs.date_format)
                .map_err(|e| invalid(format!("sources.{key}"), e.to_string()))?;
            dialects.insert(source, dialect);
            if let Some(d) = legitimacy::declaration(&format!("sources.{key}"), rs)
                .map_err(|(k, m)| invalid(k, m))?
            {
                declarations.insert(source, d);
            }
        }
        let engine = match raw.engine {
            None => Engine::default(),
            Some(e) => Engine {
                memory_limit: match &e.memory_limit {
                    None => DEFAULT_MEMORY_LIMIT,
                    Some(m) => {
                        parse_bytes(m).map_err(|msg| invalid("engine.memory_limit".into(), msg))?
                    }
                },
                spill_dir: e.spill_dir.as_deref().map(resolve),
            },
        };
        let rule_set =
            resolve::resolve(&raw.params, raw.scoring.as_ref(), &raw.features, &raw.rules)
                .map_err(|(key, message)| invalid(key, message))?;
        let teams = outreach::teams(raw.teams.as_ref()).map_err(|(k, m)| invalid(k, m))?;
        let ddas = outreach::ddas(raw.ddas.as_ref()).map_err(|(k, m)| invalid(k, m))?;
        let fairness = FairnessBand::from_raw(raw.fairness.as_ref())
            .map_err(|m| invalid("fairness.band".into(), m))?;
        let legitimacy = legitimacy::legitimacy(
            raw.pipeline.purpose.as_deref(),
            declarations,
            raw.outputs.as_ref(),
            raw.quarantine.as_ref(),
            rule_set.as_ref(),
        )
        .map_err(|(k, m)| invalid(k, m))?;
        let register = raw
            .register
            .as_ref()
            .map(register::register)
            .transpose()
            .map_err(|(k, m)| invalid(k, m))?;
        if let (Some(r), Some(rs)) = (&register, &rule_set) {
            for domain in r.domain_names.keys() {
                if !rs.domains.contains(domain) {
                    let names: Vec<&str> = rs.domains.iter().map(String::as_str).collect();
                    return Err(invalid(
                        format!("register.domain_names.{domain}"),
                        format!(
                            "no such domain{}; the domains are {} ([scoring] domains)",
                            did_you_mean(domain, &names),
                            names.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(Pipeline {
            legitimacy,
            register,
            fairness,
            teams,
            ddas,
            rule_set,
            name,
            description: raw.pipeline.description,
            file: path.to_path_buf(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            inbox: resolve(&raw.paths.inbox),
            store: resolve(&raw.paths.store),
            out: resolve(&raw.paths.out),
            dialects,
            engine,
        })
    }
}

/// `" (did you mean `x`?)"` for the closest name, or nothing when none is
/// close.
pub fn did_you_mean(word: &str, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(word, n), *n))
        .filter(|(d, n)| *d <= 3.max(n.len() / 3))
        .min()
        .map(|(_, n)| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[pipeline]
name = "t"
[paths]
inbox = "i"
store = "s"
out = "o"
"#;

    fn load(extra: &str) -> Result<Pipeline, PipelineError> {
        Pipeline::from_toml(&format!("{BASE}{extra}"), Path::new("/p/x.toml"))
    }

    #[test]
    fn engine_memory_limit_and_its_errors() {
        let p = load("[engine]\nmemory_limit = \"4GiB\"\nspill_dir = \"spill\"\n").unwrap();
        assert_eq!(p.engine.memory_limit, 4 << 30);
        assert_eq!(p.engine.spill_dir.as_deref(), Some(Path::new("/p/spill")));
        assert_eq!(load("").unwrap().engine, Engine::default());
        let e = load("[engine]\nmemory_limit = \"4GB\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`engine.memory_limit`: \"4GB\": unknown unit \"GB\""),
            "{e}"
        );
        let e = load("[engine]\nmemory_limit = \"1MiB\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least 64MiB"), "{e}");
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert!(parse_bytes("lots").is_err());
    }

    #[test]
    fn fairness_band_default_and_its_errors() {
        assert_eq!(
            load("").unwrap().fairness,
            FairnessBand {
                low: 0.5,
                high: 2.0
            }
        );
        let p = load("[fairness]\nband = [0.8, 1.25]\n").unwrap();
        assert_eq!(
            p.fairness,
            FairnessBand {
                low: 0.8,
                high: 1.25
            }
        );
        let p = load("[fairness]\nband = [-0.0, 1.0]\n").unwrap();
        assert_eq!(p.fairness.low.to_string(), "0");
        for bad in [
            "[1.5, 2.0]",
            "[0.5]",
            "[0.5, 0.9]",
            "[-0.1, 2.0]",
            "[0.5, 2.0, 3.0]",
            "[0.5, inf]",
            "[0.5, 1e308]",
            "[nan, 2.0]",
        ] {
            let e = load(&format!("[fairness]\nband = {bad}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("`fairness.band`: ") && e.contains("0 <= low <= 1 <= high"),
                "{bad}: {e}"
            );
        }
        let e = load("[fairness]\nbnad = [0.5, 2.0]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bnad"), "{e}");
    }

    #[test]
    fn defaults_and_dialects() {
        let p = load("[sources.school_absence]\ndelimiter = \";\"\ndate_format = \"%d-%m-%Y\"\n")
            .unwrap();
        assert_eq!(p.store, Path::new("/p/s"));
        let d = &p.dialects[&Source::SchoolAbsence];
        assert_eq!(d.delimiter, b';');
        assert_eq!(d.dates.as_str(), "%d-%m-%Y");
        assert_eq!(p.dialects[&Source::RentArrears], Dialect::default());
    }

    #[test]
    fn unknown_source_suggests_the_closest() {
        let e = load("[sources.rent_arears]\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "pipeline file /p/x.toml: `sources.rent_arears`: no such source (did you mean `rent_arrears`?); the sources are rent_arrears, debt_arrears, school_absence, benefit_stops, households, outreach_outcomes"
        );
    }

    #[test]
    fn unknown_key_is_refused_with_its_place() {
        let e = load("[sources.rent_arrears]\ndelimter = \";\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `delimter`"), "{e}");
        assert!(e.contains("line 9"), "{e}");
    }

    #[test]
    fn bad_dialect_names_the_key() {
        let e = load("[sources.households]\ndate_format = \"%Y/%m\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`sources.households`: date pattern \"%Y/%m\""),
            "{e}"
        );
        let e = Pipeline::from_toml(&BASE.replace("\"t\"", "\"a b\""), Path::new("/p/x.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`pipeline.name`"), "{e}");
    }
}
