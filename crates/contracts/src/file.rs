//! A source contract as a TOML file (`contracts/<name>.toml`): its columns
//! with type and grammar, partition key, time column, supplier column and
//! role, parsed and checked once. The six sources of contracts.md ship as
//! such files, built into the binary.
//!
//! ```toml
//! name = "school_absence"
//! dutch_name = "schoolverzuim"
//! partition_key = ["school_code", "week_start"]
//! time_column = "week_start"
//! supplier_column = "school_code"
//!
//! [[columns]]
//! name = "week_start"
//! type = "date"
//! monday = true
//! ```

use crate::sources::{Column, ColumnKind};
use serde::Deserialize;
use std::collections::BTreeSet;

/// What scoring needs a source for, beyond its features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The household register: the list's district and `not_resident`.
    Register,
    /// Outreach outcomes: suppression of recently contacted households.
    Outcomes,
}

/// A contract file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractFile {
    /// The source's name: its inbox folder, store table and pipeline name.
    pub name: String,
    /// Its name in Dutch, for the algorithm register.
    pub dutch_name: String,
    /// `register` or `outcomes` where scoring needs the source for that.
    #[serde(default)]
    pub role: Option<Role>,
    /// A delivery replaces earlier rows with the same values of these.
    pub partition_key: Vec<String>,
    /// The date column that places a row in time.
    pub time_column: String,
    /// The column naming the supplier (landlord, creditor, school, …).
    #[serde(default)]
    pub supplier_column: Option<String>,
    /// `[earlier, later]`: `earlier` after `later` is `date_order`.
    #[serde(default)]
    pub date_order: Option<Vec<String>>,
    /// Columns unique within one partition key value (`duplicate_key`).
    #[serde(default)]
    pub unique: Option<Vec<String>>,
    /// The columns in contract-table order (the order reasons are tried in).
    pub columns: Vec<ColumnFile>,
}

/// One column of a contract file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnFile {
    /// The column name, lowercase.
    pub name: String,
    /// `key`, `date`, `string`, `enum`, `boolean`, `amount`, `hours` or
    /// `integer`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether the column must be in the header and non-empty (default true).
    #[serde(default = "yes")]
    pub required: bool,
    /// `date`: the date must be a Monday.
    #[serde(default)]
    pub monday: Option<bool>,
    /// `string`: at most this many characters (at least 1).
    #[serde(default)]
    pub max_length: Option<usize>,
    /// `enum`: the values allowed, case-sensitive.
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// `amount`: zero is out of range.
    #[serde(default)]
    pub positive: Option<bool>,
    /// `integer`: the smallest value allowed.
    #[serde(default)]
    pub min: Option<i64>,
    /// `integer`: the largest value allowed.
    #[serde(default)]
    pub max: Option<i64>,
}

fn yes() -> bool {
    true
}

/// What is wrong with a contract file: the key and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The key in the file, e.g. `columns[3].max_length` or `time_column`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

fn malformed(key: impl Into<String>, message: impl Into<String>) -> Malformed {
    Malformed {
        key: key.into(),
        message: message.into(),
    }
}

/// A checked contract file, its strings kept for the life of the process.
#[derive(Debug)]
pub struct Parsed {
    /// The source's name.
    pub name: &'static str,
    /// Its Dutch name.
    pub dutch_name: &'static str,
    /// Its role, if any.
    pub role: Option<Role>,
    /// The columns.
    pub columns: &'static [Column],
    /// The partition key.
    pub partition_key: &'static [&'static str],
    /// The time column.
    pub time_column: &'static str,
    /// The supplier column.
    pub supplier_column: Option<&'static str>,
    /// `(earlier, later)`.
    pub date_order: Option<(&'static str, &'static str)>,
    /// The unique columns.
    pub unique: Option<&'static [&'static str]>,
}

fn keep(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn keep_all(v: Vec<String>) -> &'static [&'static str] {
    Box::leak(
        v.into_iter()
            .map(keep)
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    )
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Parses and checks the text of a contract file.
pub fn parse(text: &str) -> Result<Parsed, Malformed> {
    let file: ContractFile = toml::from_str(text).map_err(|e| {
        let key = e
            .span()
            .map(|s| format!("line {}", text[..s.start].matches('\n').count() + 1))
            .unwrap_or_else(|| "(file)".to_string());
        malformed(key, e.message().trim_end())
    })?;
    check(file)
}

fn check(file: ContractFile) -> Result<Parsed, Malformed> {
    if !valid_name(&file.name) {
        return Err(malformed(
            "name",
            format!(
                "`{}` is not a source name: lowercase letters, digits and `_`, starting with a letter, at most 64",
                file.name
            ),
        ));
    }
    if file.dutch_name.trim().is_empty() {
        return Err(malformed("dutch_name", "must not be empty"));
    }
    if file
        .columns
        .first()
        .map(|c| (c.name.as_str(), c.kind.as_str()))
        != Some(("household_key", "key"))
    {
        return Err(malformed(
            "columns[0]",
            "the first column must be `household_key` of type `key`",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut columns = Vec::with_capacity(file.columns.len());
    for (i, c) in file.columns.into_iter().enumerate() {
        let at = |k: &str| format!("columns[{i}].{k}");
        if !valid_name(&c.name) {
            return Err(malformed(
                at("name"),
                format!("`{}` is not a column name", c.name),
            ));
        }
        if !seen.insert(c.name.clone()) {
            return Err(malformed(at("name"), format!("`{}` appears twice", c.name)));
        }
        let kind = column_kind(&c).map_err(|(k, m)| malformed(at(k), m))?;
        columns.push(Column {
            name: keep(c.name),
            kind,
            required: c.required,
        });
    }
    let kind_of = |name: &str| columns.iter().find(|c| c.name == name).map(|c| c.kind);
    let is_date = |name: &str| matches!(kind_of(name), Some(ColumnKind::Date { .. }));
    let named = |key: &str, name: &str| match kind_of(name) {
        Some(_) => Ok(()),
        None => Err(malformed(
            key,
            format!("`{name}` is not a column of the contract"),
        )),
    };
    if !is_date(&file.time_column) {
        named("time_column", &file.time_column)?;
        return Err(malformed(
            "time_column",
            format!("`{}` must be a `date` column", file.time_column),
        ));
    }
    if file.partition_key.is_empty() {
        return Err(malformed("partition_key", "must name at least one column"));
    }
    for (i, p) in file.partition_key.iter().enumerate() {
        named(&format!("partition_key[{i}]"), p)?;
    }
    if let Some(s) = &file.supplier_column {
        named("supplier_column", s)?;
        if !matches!(kind_of(s), Some(ColumnKind::Text { .. })) {
            return Err(malformed(
                "supplier_column",
                format!("`{s}` must be a `string` column"),
            ));
        }
    }
    let date_order = match file.date_order {
        None => None,
        Some(pair) => {
            let [earlier, later]: [String; 2] = pair.try_into().map_err(|_| {
                malformed("date_order", "must name two date columns: [earlier, later]")
            })?;
            for (i, d) in [&earlier, &later].into_iter().enumerate() {
                if !is_date(d) {
                    named(&format!("date_order[{i}]"), d)?;
                    return Err(malformed(
                        format!("date_order[{i}]"),
                        format!("`{d}` must be a `date` column"),
                    ));
                }
            }
            Some((keep(earlier), keep(later)))
        }
    };
    if let Some(unique) = &file.unique {
        if unique.is_empty() {
            return Err(malformed("unique", "must name at least one column"));
        }
        for (i, u) in unique.iter().enumerate() {
            named(&format!("unique[{i}]"), u)?;
        }
    }
    Ok(Parsed {
        name: keep(file.name),
        dutch_name: keep(file.dutch_name),
        role: file.role,
        columns: Box::leak(columns.into_boxed_slice()),
        partition_key: keep_all(file.partition_key),
        time_column: keep(file.time_column),
        supplier_column: file.supplier_column.map(keep),
        date_order,
        unique: file.unique.map(keep_all),
    })
}

/// The kind of a column, or the key (within the column) and what is wrong.
fn column_kind(c: &ColumnFile) -> Result<ColumnKind, (&'static str, String)> {
    let allowed: &[&str] = match c.kind.as_str() {
        "key" | "boolean" | "hours" => &[],
        "date" => &["monday"],
        "string" => &["max_length"],
        "enum" => &["values"],
        "amount" => &["positive"],
        "integer" => &["min", "max"],
        other => {
            return Err((
                "type",
                format!(
                    "`{other}` is not a type: key, date, string, enum, boolean, amount, hours or integer"
                ),
            ));
        }
    };
    let given = [
        ("monday", c.monday.is_some()),
        ("max_length", c.max_length.is_some()),
        ("values", c.values.is_some()),
        ("positive", c.positive.is_some()),
        ("min", c.min.is_some()),
        ("max", c.max.is_some()),
    ];
    if let Some((key, _)) = given
        .iter()
        .find(|(key, set)| *set && !allowed.contains(key))
    {
        return Err((key, format!("a `{}` column takes no `{key}`", c.kind)));
    }
    Ok(match c.kind.as_str() {
        "key" => ColumnKind::Key,
        "boolean" => ColumnKind::Bool,
        "hours" => ColumnKind::Hours,
        "date" => ColumnKind::Date {
            monday: c.monday.unwrap_or(false),
        },
        "string" => match c.max_length {
            Some(max) if (1..=4096).contains(&max) => ColumnKind::Text { max },
            Some(max) => return Err(("max_length", format!("{max} is not within 1 to 4096"))),
            None => return Err(("max_length", "a `string` column needs it".to_string())),
        },
        "enum" => {
            let Some(values) = &c.values else {
                return Err(("values", "an `enum` column needs its values".to_string()));
            };
            if values.is_empty() {
                return Err(("values", "must hold at least one value".to_string()));
            }
            let mut distinct = BTreeSet::new();
            if let Some(v) = values.iter().find(|v| v.is_empty() || !distinct.insert(*v)) {
                return Err(("values", format!("`{v}` is empty or appears twice")));
            }
            ColumnKind::Enum(keep_all(values.clone()))
        }
        "amount" => ColumnKind::Amount {
            positive: c.positive.unwrap_or(false),
        },
        _ => {
            let (Some(min), Some(max)) = (c.min, c.max) else {
                return Err((
                    "min",
                    "an `integer` column needs `min` and `max`".to_string(),
                ));
            };
            if min > max {
                return Err(("min", format!("{min} is above max {max}")));
            }
            ColumnKind::Integer { min, max }
        }
    })
}
