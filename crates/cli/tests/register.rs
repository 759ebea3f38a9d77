//! `vroeg register` on the shipped pipeline: the entry passes our JSON
//! Schema of the publication standard 1.0 (which must have teeth), its HTML
//! keeps to the allowed tags and lengths, `methods_and_models` names every
//! rule with its thresholds and the hash the run manifests carry, and the
//! DPIA annex names every source, rule and team. Refusals are exit 2.

mod common;

use common::{Project, repo, text, zoetermeer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fs;
use std::os::unix::fs::PermissionsExt;

const SCHEMA: &str =
    include_str!("../../register/tests/fixtures/algorithm-register-1.0.schema.json");

/// The HTML fields and the longest text of each, tags not counted.
const HTML_FIELDS: &[(&str, usize)] = &[
    ("goal", 2500),
    ("proportionality", 2500),
    ("human_intervention", 2500),
    ("risks", 2500),
    ("lawful_basis", 2500),
    ("impacttoetsen", 2500),
    ("source_data", 2500),
    ("methods_and_models", 5000),
];

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap()
}

fn errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| e.to_string())
        .collect()
}

/// Runs `vroeg register` into `out` and returns the entry.
fn register(p: &Project, out: &str) -> Value {
    let o = p.vroeg(&["register", "--pipeline", "zoetermeer.toml", "--out", out]);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&fs::read(p.path(out).join("algorithm-register.json")).unwrap()).unwrap()
}

/// Walks an HTML text as the register reads it: only div, br, p, ul, ol
/// and li, without attributes, properly nested; entities `&amp;`, `&lt;`,
/// `&gt;` only. Returns the text length: the text pieces, each entity one
/// character, joined by one space.
fn walk_html(html: &str) -> Result<usize, String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut pieces: Vec<usize> = Vec::new();
    let mut rest = html;
    loop {
        let (piece, after) = match rest.find('<') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        if piece.contains('>') {
            return Err(format!("a raw `>` in {piece:?}"));
        }
        let mut n = 0;
        let mut chars = piece;
        while let Some(i) = chars.find('&') {
            n += chars[..i].chars().count() + 1;
            let entity = ["&amp;", "&lt;", "&gt;"]
                .into_iter()
                .find(|e| chars[i..].starts_with(e))
                .ok_or_else(|| format!("a bare `&` in {piece:?}"))?;
            chars = &chars[i + entity.len()..];
        }
        n += chars.chars().count();
        if n > 0 {
            pieces.push(n);
        }
        let Some(after) = after else { break };
        let close = after.find('>').ok_or("an unclosed tag")?;
        let tag = &after[..close];
        match tag {
            "br" | "br/" => {}
            "div" | "p" | "ul" | "ol" | "li" => stack.push(tag),
            _ => match tag.strip_prefix('/') {
                Some(name) if stack.last() == Some(&name) => {
                    stack.pop();
                }
                _ => return Err(format!("the tag <{tag}> is not allowed or not open")),
            },
        }
        rest = &after[close + 1..];
    }
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    Ok(pieces.iter().sum::<usize>() + pieces.len().saturating_sub(1))
}

#[test]
fn the_entry_passes_the_standard_and_its_html_keeps_to_the_tags() {
    let p = zoetermeer(|t| t);
    let o = p.vroeg(&["register", "--pipeline", "zoetermeer.toml", "--out", "reg"]);
    assert!(o.status.success(), "{}", text(&o));
    let entry: Value =
        serde_json::from_slice(&fs::read(p.path("reg/algorithm-register.json")).unwrap()).unwrap();
    assert_eq!(errors(&entry), Vec::<String>::new());
    let mut lengths = std::collections::BTreeMap::new();
    for (field, max) in HTML_FIELDS {
        let html = entry[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} missing"));
        let n = walk_html(html).unwrap_or_else(|e| panic!("{field}: {e}"));
        assert!(n > 0 && n <= *max, "{field}: {n} characters");
        let raw = html.chars().count();
        assert!(raw <= *max, "{field}: {raw} characters with its tags");
        lengths.insert(*field, n);
    }
    for field in ["name", "description_short", "organization", "contact_email"] {
        assert!(!entry[field].as_str().unwrap().contains('<'), "{field}");
    }
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "wrote reg/algorithm-register.json (methods_and_models {} of 5000 characters)\nwrote reg/dpia-annex.md\n",
            entry["methods_and_models"]
                .as_str()
                .unwrap()
                .chars()
                .count()
        )
    );
    // The two files (and the marker of a vroeg pages folder), closed to
    // other users.
    let mut names: Vec<String> = fs::read_dir(p.path("reg"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "algorithm-register.json",
            "dpia-annex.md",
            "vroeg-pages.json"
        ]
    );
    let mode = |rel: &str| fs::metadata(p.path(rel)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("reg"), 0o750);
    assert_eq!(mode("reg/algorithm-register.json"), 0o640);
    assert_eq!(mode("reg/dpia-annex.md"), 0o640);
    // The same pipeline file gives the same bytes; the folder is written
    // again (it holds the marker of `vroeg register`).
    let before = fs::read(p.path("reg/algorithm-register.json")).unwrap();
    register(&p, "reg");
    assert_eq!(
        fs::read(p.path("reg/algorithm-register.json")).unwrap(),
        before
    );
    // The groupings: the shipped file's bases and links, the titles of
    // source_data_grouping the Dutch source names.
    assert_eq!(entry["lawful_basis_grouping"].as_array().unwrap().len(), 6);
    assert_eq!(
        entry["source_data_grouping"][5],
        json!({"title": "uitkomsten outreach: Wet gemeentelijke schuldhulpverlening, art. 3", "link": "https://wetten.overheid.nl/BWBR0031331"})
    );
    assert_eq!(entry["lang"], "nld");
    assert_eq!(entry["standard_version"], "1.0");
}

/// A named change to a valid entry.
type Mutation = (&'static str, Box<dyn Fn(&mut Value)>);

#[test]
fn the_schema_has_teeth() {
    let p = zoetermeer(|t| t);
    let good = register(&p, "reg");
    assert_eq!(errors(&good), Vec::<String>::new());
    let mutations: Vec<Mutation> = vec![
        (
            "extra field",
            Box::new(|v| v["url"] = json!("https://x.example")),
        ),
        (
            "missing required",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("organization");
            }),
        ),
        (
            "wrong status",
            Box::new(|v| v["status"] = json!("in gebruik")),
        ),
        (
            "wrong category",
            Box::new(|v| v["publication_category"] = json!("Impactvolle algoritmes (Categorie B)")),
        ),
        (
            "too-long name",
            Box::new(|v| v["name"] = json!("n".repeat(101))),
        ),
        (
            "theme not in the list",
            Box::new(|v| v["category"] = json!(["Bestuur"])),
        ),
        (
            "begin_date",
            Box::new(|v| v["begin_date"] = json!("2026-1")),
        ),
        ("lang", Box::new(|v| v["lang"] = json!("NLD"))),
        (
            "standard_version",
            Box::new(|v| v["standard_version"] = json!("1.0.0")),
        ),
        (
            "grouping without link",
            Box::new(|v| {
                v["lawful_basis_grouping"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("link");
            }),
        ),
        (
            "grouping title too long",
            Box::new(|v| v["lawful_basis_grouping"][0]["title"] = json!("t".repeat(101))),
        ),
        (
            "grouping with an extra key",
            Box::new(|v| v["source_data_grouping"][0]["x"] = json!(1)),
        ),
    ];
    for (what, mutate) in mutations {
        let mut v = good.clone();
        mutate(&mut v);
        assert!(!errors(&v).is_empty(), "{what}: passed the schema");
    }
    // And the HTML walker refuses what the register would strip.
    assert!(walk_html("<p class=\"x\">a</p>").is_err());
    assert!(walk_html("<b>a</b>").is_err());
    assert!(walk_html("<p>a & b</p>").is_err());
    assert!(walk_html("<ul><li>a</ul>").is_err());
    assert_eq!(walk_html("<p>a &amp; b</p><ul><li>cd</li></ul>"), Ok(8));
}

#[test]
fn methods_name_every_rule_with_its_thresholds_and_the_manifests_hash() {
    let inbox = repo("sample-data/inbox").display().to_string();
    let p = zoetermeer(|t| t.replace("inbox = \"inbox\"", &format!("inbox = \"{inbox}\"")));
    let entry = register(&p, "reg");
    let methods = entry["methods_and_models"].as_str().unwrap();
    let pipeline = fs::read_to_string(p.path("zoetermeer.toml")).unwrap();
    let ids: Vec<&str> = pipeline
        .lines()
        .filter_map(|l| l.strip_prefix("[rules.")?.strip_suffix(']'))
        .collect();
    assert_eq!(ids.len(), 8);
    for id in ids {
        assert!(methods.contains(&format!("<li>{id} (")), "{id}");
    }
    assert!(methods.contains("van ten minste € 75 die ten minste 30 dagen openstaat"));
    assert!(methods.contains("bij een score van ten minste 5 punten"));
    assert!(methods.contains("in de 180 dagen voor de peildatum is afgesloten"));
    assert!(methods.contains("Capaciteitsgrens: geen."));

    let o = p.vroeg(&["check", "--pipeline", "zoetermeer.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let checked = String::from_utf8_lossy(&o.stdout);
    let short = checked
        .trim_end()
        .rsplit("rule set ")
        .next()
        .unwrap()
        .trim_end_matches(')');
    assert_eq!(short.len(), 12, "{checked}");
    let o = p.run_at("2026-10-31", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let manifest: Value =
        serde_json::from_slice(&fs::read(p.path("out/2026-10-31/manifest.json")).unwrap()).unwrap();
    let hash = manifest["rule_set_sha256"].as_str().unwrap();
    assert!(hash.starts_with(short));
    assert!(
        methods.ends_with(&format!("<p>Regelset SHA-256: {hash}</p>")),
        "{methods}"
    );
    let annex = fs::read_to_string(p.path("reg/dpia-annex.md")).unwrap();
    assert!(annex.contains(&format!("Regelset SHA-256: `{hash}`")));
}

#[test]
fn a_changed_threshold_changes_the_text_and_the_hash() {
    let before = register(&zoetermeer(|t| t), "reg");
    let p = zoetermeer(|t| {
        t.replace("debt_min_eur = 75.00", "debt_min_eur = 100.00")
            .replace(
                "rent_months_in_arrears = 1.0",
                "rent_months_in_arrears = 1.5",
            )
    });
    let after = register(&p, "reg");
    let (b, a) = (
        before["methods_and_models"].as_str().unwrap(),
        after["methods_and_models"].as_str().unwrap(),
    );
    // TOML reads 100.00 as the number 100.
    assert!(
        a.contains("van ten minste € 100 die ten minste 30 dagen openstaat"),
        "{a}"
    );
    assert!(a.contains("zonder betalingsregeling is ten minste 1."));
    assert!(!a.contains("€ 75"));
    assert!(a.contains("Een huurachterstand van ten minste 1,5 maandhuur"));
    let hash = |m: &str| m.rsplit("Regelset SHA-256: ").next().unwrap().to_string();
    assert_ne!(hash(a), hash(b));
    assert_eq!(hash(a).len(), "</p>".len() + 64);
    let annex = fs::read_to_string(p.path("reg/dpia-annex.md")).unwrap();
    assert!(
        annex.contains(
            "`arrears_eur >= 100 AND oldest_unpaid_date <= {as_of - 30} AND NOT payment_plan`"
        ),
        "{annex}"
    );
}

#[test]
fn the_dpia_annex_names_every_source_rule_team_and_hash() {
    let p = zoetermeer(|t| t);
    let entry = register(&p, "reg");
    let annex = fs::read_to_string(p.path("reg/dpia-annex.md")).unwrap();
    for (code, dutch) in [
        ("rent_arrears", "huurachterstand"),
        ("debt_arrears", "betalingsachterstand vaste lasten"),
        ("school_absence", "schoolverzuim"),
        ("benefit_stops", "beëindiging uitkering of toeslag"),
        ("households", "huishoudens (basisregistratie personen)"),
        ("outreach_outcomes", "uitkomsten outreach"),
    ] {
        assert!(annex.contains(&format!("| {dutch} | `{code}` |")), "{code}");
    }
    assert!(annex.contains("| 1095 dagen |"));
    for id in [
        "benefit_stop",
        "children_in_household",
        "fixed_cost_arrears",
        "multi_domain",
        "multiple_creditors",
        "rent_arrears",
        "rent_arrears_persistent",
        "school_absence",
    ] {
        assert!(annex.contains(&format!("### `{id}`\n")), "{id}");
    }
    for team in ["noord", "midden", "zuid", "centraal"] {
        assert!(annex.contains(&format!("| `{team}` |")), "{team}");
    }
    assert!(annex.contains("Gemeente Zoetermeer levert via `vroeg export ddas`"));
    let methods = entry["methods_and_models"].as_str().unwrap();
    let hash = &methods[methods.len() - 64 - "</p>".len()..methods.len() - "</p>".len()];
    assert!(annex.contains(&format!("Regelset SHA-256: `{hash}`")));
    let file_sha = hex::encode(Sha256::digest(fs::read(p.path("zoetermeer.toml")).unwrap()));
    assert!(annex.contains(&format!("Pipelinebestand SHA-256: `{file_sha}`")));
}

#[test]
fn refusals_are_exit_2_and_write_nothing() {
    let refused = |p: &Project, expect: &[&str]| {
        let o = p.vroeg(&["register", "--pipeline", "zoetermeer.toml", "--out", "reg"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let t = text(&o);
        for e in expect {
            assert!(t.contains(e), "{e}: {t}");
        }
        assert!(o.stdout.is_empty());
    };
    let p = zoetermeer(|t| t.split("\n[register]\n").next().unwrap().to_string());
    refused(&p, &["no [register] section", "docs/register.md"]);
    assert!(!p.path("reg").exists());

    let p = zoetermeer(|t| {
        t.replace(
            "description_nl = \"het aantal minderjarige kinderen volgens de basisregistratie\"\n",
            "",
        )
    });
    refused(&p, &["`features.minors.description_nl`: missing"]);
    assert!(!p.path("reg").exists());

    let p = zoetermeer(|t| {
        t.replace(
            "legal_basis_url = \"https://wetten.overheid.nl/BWBR0002628\"\n",
            "",
        )
    });
    refused(
        &p,
        &["`sources.school_absence.legal_basis_url`: missing: required by `vroeg register`"],
    );

    let p = zoetermeer(|t| t);
    fs::create_dir_all(p.path("reg")).unwrap();
    fs::write(p.path("reg/notes.txt"), "mine").unwrap();
    refused(&p, &["--out reg", "did not write"]);
    assert_eq!(fs::read_to_string(p.path("reg/notes.txt")).unwrap(), "mine");
    assert!(!p.path("reg/algorithm-register.json").exists());
    // A folder holding a file of the same name that vroeg did not write.
    fs::remove_file(p.path("reg/notes.txt")).unwrap();
    fs::write(p.path("reg/algorithm-register.json"), "{}").unwrap();
    refused(
        &p,
        &["not the vroeg-pages.json of an earlier `vroeg register`"],
    );
    assert_eq!(
        fs::read_to_string(p.path("reg/algorithm-register.json")).unwrap(),
        "{}"
    );
}
