//! `docs/pipeline-file.md` is generated from the doc comments of the
//! pipeline file's serde structs (`src/raw.rs`), which are the reference
//! policy staff read. This test regenerates it and fails when the file in
//! the repository differs; `VROEG_BLESS=1 cargo test -p vroeg-pipeline
//! --test pipeline_file_doc` writes it.

use std::fmt::Write;
use std::path::PathBuf;

/// `///` lines joined into paragraphs.
fn paragraphs(lines: &[String]) -> String {
    let mut text = String::new();
    for l in lines {
        if l.is_empty() {
            text.push_str("\n\n");
        } else {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push(' ');
            }
            text.push_str(l);
        }
    }
    text
}

/// A Rust type of `raw.rs` in the words of a TOML reader; `Option` makes a
/// key optional.
fn kind(ty: &str) -> (String, bool) {
    let ty = ty.trim();
    let inner = |prefix: &str| ty.strip_prefix(prefix).and_then(|t| t.strip_suffix('>'));
    if let Some(t) = inner("Option<") {
        return (kind(t).0, true);
    }
    if let Some(t) = inner("Vec<") {
        return (format!("list of {}", kind(t).0), false);
    }
    if let Some(t) = inner("BTreeMap<String, ") {
        return (format!("tables by name, each {}", kind(t).0), false);
    }
    let name = match ty {
        "String" => "text",
        "i64" | "u64" => "whole number",
        "f64" => "decimal number",
        "bool" => "true or false",
        "toml::Value" => "number, text or list",
        "RawNumber" => "whole number or `\"{param}\"`",
        "RawAmount" => "number or `\"{param}\"`",
        other => {
            let name = other.trim_start_matches("Raw");
            return (format!("table ([{name}](#{}))", name.to_lowercase()), false);
        }
    };
    (name.to_string(), false)
}

/// A struct or enum of `raw.rs`: name, doc, and its fields or variants as
/// (key, type, required, doc).
struct Section {
    name: String,
    doc: String,
    rows: Vec<(String, String, bool, String)>,
    is_enum: bool,
}

/// Reads `raw.rs`, which rustfmt keeps regular: `///` docs, `#[serde(…)]`
/// attributes, `pub struct X {` / `pub enum X {`, one field per line.
fn sections(source: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let (mut doc, mut serde) = (Vec::<String>::new(), String::new());
    let mut open: Option<Section> = None;
    for line in source.lines() {
        let t = line.trim();
        if let Some(d) = t.strip_prefix("///") {
            doc.push(d.trim().to_string());
        } else if t.starts_with("#[serde(") {
            serde.push_str(t);
        } else if t.starts_with("#[") || t.starts_with("//") {
        } else if let Some(rest) = t
            .strip_prefix("pub struct ")
            .or(t.strip_prefix("pub enum "))
        {
            open = Some(Section {
                name: rest
                    .trim_end_matches(" {")
                    .trim_start_matches("Raw")
                    .to_string(),
                doc: paragraphs(&doc),
                rows: vec![],
                is_enum: t.starts_with("pub enum"),
            });
            doc.clear();
            serde.clear();
        } else if t == "}" && line.starts_with('}') {
            out.extend(open.take());
        } else if let Some(s) = open.as_mut() {
            let field = t.trim_start_matches("pub ").trim_end_matches(',');
            let (key, ty) = if s.is_enum {
                let (_, ty) = field.split_once('(').unwrap_or((field, "-)"));
                (String::new(), ty.trim_end_matches(')').to_string())
            } else if let Some((k, ty)) = field.split_once(": ") {
                (k.to_string(), ty.to_string())
            } else {
                continue;
            };
            let key = serde
                .split("rename = \"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map_or(key, str::to_string);
            // A flattened map's entries are tables named by the user.
            let key = if serde.contains("flatten") {
                "<code>".to_string()
            } else {
                key
            };
            let (ty, optional) = kind(&ty);
            let required = !optional && !serde.contains("default");
            s.rows.push((key, ty, required, paragraphs(&doc)));
            doc.clear();
            serde.clear();
        } else {
            doc.clear();
            serde.clear();
        }
    }
    out
}

fn generate() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("src/raw.rs")).unwrap();
    let mut md = String::from(
        "# The pipeline file\n\n\
         <!-- Generated from the doc comments of crates/pipeline/src/raw.rs by the\n\
         test crates/pipeline/tests/pipeline_file_doc.rs; do not edit by hand:\n\
         edit the doc comments and run\n\
         `VROEG_BLESS=1 cargo test -p vroeg-pipeline --test pipeline_file_doc`. -->\n\n\
         A pipeline file is TOML. Unknown keys are errors, not silently ignored.\n\
         Expressions (`where`, `value`, `when`, `total_arrears_eur`) are described in\n\
         [rule-language.md](rule-language.md); `pipelines/zoetermeer.toml` is a\n\
         complete example.\n",
    );
    for s in sections(&source) {
        writeln!(md, "\n## {}\n\n{}\n", s.name, s.doc).unwrap();
        if s.is_enum {
            for (_, ty, _, doc) in &s.rows {
                writeln!(md, "- {ty}: {doc}").unwrap();
            }
            continue;
        }
        md.push_str("| key | type | required | meaning |\n|---|---|---|---|\n");
        for (key, ty, required, doc) in &s.rows {
            let required = if *required { "yes" } else { "no" };
            let meaning = doc.replace("\n\n", " ").replace('|', "\\|");
            writeln!(md, "| `{key}` | {ty} | {required} | {meaning} |").unwrap();
        }
    }
    md
}

#[test]
fn the_pipeline_file_reference_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/pipeline-file.md");
    let generated = generate();
    if std::env::var_os("VROEG_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/pipeline-file.md is not what src/raw.rs's doc comments give; run \
         `VROEG_BLESS=1 cargo test -p vroeg-pipeline --test pipeline_file_doc` and review the diff"
    );
}

#[test]
fn every_key_of_the_pipeline_file_is_in_the_reference() {
    let md = generate();
    for key in [
        "`pipeline`",
        "`paths`",
        "`sources`",
        "`params`",
        "`scoring`",
        "`features`",
        "`rules`",
        "`engine`",
        "`memory_limit`",
        "`where`",
        "`current_snapshot`",
        "`max_age_days`",
        "`total_arrears_eur`",
        "`eligible_min_score`",
        "`when`",
        "`weight`",
    ] {
        assert!(md.contains(&format!("| {key} |")), "{key} is missing");
    }
    assert!(
        !md.contains("| `filter` |"),
        "serde's rename must be applied"
    );
}
