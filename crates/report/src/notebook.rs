//! `analysis.ipynb`: a Jupyter notebook (nbformat 4.5) whose Python cells
//! load the run's outputs with polars and recompute the report's main
//! tables and one chart. Its outputs are filled in from the same numbers, so
//! it reads without running; its last cell checks the recomputed tables
//! against `report-data.json`.

use crate::data::ReportData;
use serde_json::{Value, json};

const SETUP: &str = r#"import json
from pathlib import Path

import polars as pl

RUN = Path(".")  # the run folder: this notebook sits beside the run's files
SMALL = 5
signals = pl.read_parquet(RUN / "signals.parquet")
summary = json.loads((RUN / "summary.json").read_text())
report = json.loads((RUN / "report-data.json").read_text())
print(f"{signals.height} listed households as of {summary['as_of']}")"#;

const MASK: &str = r#"def shown(n):
    """A count as the report shows it: below SMALL (zero included) is '<5'."""
    return str(n) if n >= SMALL else f"<{SMALL}"


def shown_partition(counts):
    """Counts that add up to a shown total (listed per district): each below
    SMALL is '<5'; then the smallest other one (the first of equals) is
    hidden as 'x', and the next, while exactly one cell is masked or the
    masked cells' sum pins them (<5 is 0 to 4, x is SMALL or more)."""
    out = [shown(n) for n in counts]

    def pinned():
        masked = [i for i, s in enumerate(out) if not s.isdigit()]
        total = sum(counts[i] for i in masked)
        least = sum(SMALL for i in masked if out[i] == "x")
        most = None if any(out[i] == "x" for i in masked) else (SMALL - 1) * len(masked)
        return bool(masked) and (total == least or total == most)

    while True:
        masked = sum(1 for s in out if not s.isdigit())
        others = [(n, i) for i, n in enumerate(counts) if out[i].isdigit()]
        if not (masked == 1 and len(counts) >= 2 or pinned()) or not others:
            return out
        out[min(others)[1]] = "x""#;

const FUNNEL: &str = r#"steps = ["households_with_rule", "eligible", "not_resident", "suppressed_recent_contact", "listed"]
funnel = pl.DataFrame({"step": steps, "households": [summary[s] for s in steps]})
funnel"#;

const DISTRICTS: &str = r#"districts = (
    signals.with_columns(
        pl.when(pl.col("district_code").is_null() | (pl.col("district_code") == ""))
        .then(pl.lit("(unknown)"))
        .otherwise(pl.col("district_code"))
        .alias("district")
    )
    .group_by("district")
    .agg(pl.len().alias("households"))
    .sort("district")
)
districts = districts.with_columns(
    pl.Series("listed", shown_partition(districts["households"].to_list()), dtype=pl.String)
).select("district", "listed")
districts"#;

const RULES: &str = r#"per_rule = (
    signals.select(pl.col("rules").str.split("|").alias("rule"))
    .explode("rule")
    .group_by("rule")
    .agg(pl.len().alias("n"))
)
listed_n = dict(zip(per_rule["rule"].to_list(), per_rule["n"].to_list()))
rules = pl.DataFrame(
    {
        "rule": list(summary["rule_counts"]),
        "fired": [shown(n) for n in summary["rule_counts"].values()],
        "listed": [shown(listed_n.get(r, 0)) for r in summary["rule_counts"]],
    }
)
rules"#;

const CHART: &str = r##"import matplotlib.pyplot as plt

values = [int(v) if v.isdigit() else 0 for v in districts["listed"]]
labels = [d if v.isdigit() else f"{d} ({v})" for d, v in districts.iter_rows()]
fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(labels), 1) + 1.2))
ax.barh(labels, values, color="#1f5f99")
ax.invert_yaxis()
ax.set_title("Listed households per district")
ax.set_xlabel("households")
plt.show()"##;

const CHECK: &str = r#"checks = {
    "funnel": funnel.rows() == [(s["step"], s["households"]) for s in report["funnel"] if s["step"] in steps],
    "districts": districts.rows() == [(r["district"], str(r["listed"])) for r in report["districts"]],
    "rules": rules.rows() == [(r["id"], str(r["fired"]), str(r["listed"])) for r in report["rules"]],
}
for name, ok in checks.items():
    print(f"{name}: {'matches report.html' if ok else 'DIFFERS from report.html'}")
assert all(checks.values()), "the recomputed tables differ from the report's"
"#;

fn source(text: &str) -> Value {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    json!(lines)
}

fn markdown(id: usize, text: &str) -> Value {
    json!({"cell_type": "markdown", "id": format!("cell-{id}"), "metadata": {}, "source": source(text)})
}

fn code(id: usize, count: usize, text: &str, outputs: Vec<Value>) -> Value {
    json!({
        "cell_type": "code",
        "id": format!("cell-{id}"),
        "execution_count": count,
        "metadata": {},
        "outputs": outputs,
        "source": source(text),
    })
}

fn stdout(text: String) -> Value {
    json!({"output_type": "stream", "name": "stdout", "text": source(&text)})
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A table as a notebook shows a polars DataFrame: HTML and plain text.
fn table(count: usize, header: &[&str], rows: &[Vec<String>]) -> Value {
    let mut html = format!(
        "<div><small>shape: ({}, {})</small><table border=\"1\" class=\"dataframe\"><thead><tr>",
        rows.len(),
        header.len()
    );
    for h in header {
        html.push_str(&format!("<th>{}</th>", escape(h)));
    }
    html.push_str("</tr></thead><tbody>");
    for r in rows {
        html.push_str("<tr>");
        for c in r {
            html.push_str(&format!("<td>{}</td>", escape(c)));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div>");
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let mut plain = format!("shape: ({}, {})\n", rows.len(), header.len());
    plain.push_str(&line(header.to_vec()));
    for r in rows {
        plain.push('\n');
        plain.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    json!({
        "output_type": "execute_result",
        "execution_count": count,
        "metadata": {},
        "data": {"text/html": source(&html), "text/plain": source(&plain)},
    })
}

/// Renders `analysis.ipynb` for a run; `districts_svg` is the report's
/// chart of listed households per district, shown as the chart cell's output.
pub fn render_notebook(d: &ReportData, districts_svg: &str) -> String {
    let id = &d.identity;
    let listed = d
        .funnel
        .iter()
        .find(|s| s.step == "listed")
        .map_or(0, |s| s.households);
    let funnel: Vec<Vec<String>> = d
        .funnel
        .iter()
        .filter(|s| s.step != "beyond_max_listed")
        .map(|s| vec![s.step.to_string(), s.households.to_string()])
        .collect();
    let districts: Vec<Vec<String>> = d
        .districts
        .iter()
        .map(|r| vec![r.district.clone(), r.listed.to_string()])
        .collect();
    let rules: Vec<Vec<String>> = d
        .rules
        .iter()
        .map(|r| vec![r.id.clone(), r.fired.to_string(), r.listed.to_string()])
        .collect();
    let intro = format!(
        "# Vroegsignaal run: {} as of {}\n\n\
         Run `{}`, rule set `{}`.\n\n\
         This notebook sits beside the run's files. Its cells load `signals.parquet` and \
         `summary.json` with [polars](https://pola.rs) and recompute the main tables of \
         `report.html`; the outputs shown were filled in by `vroeg run`, so it reads without \
         running. Run all cells (Python with `polars` and `matplotlib`) to recompute them; the \
         last cell checks the result against `report-data.json`.\n\n\
         Counts below 5 about a district or a rule are shown as `<5`, as in the report.",
        id.pipeline, id.as_of, id.run_id, id.rule_set_sha256
    );
    let cells = vec![
        markdown(1, &intro),
        code(2, 1, SETUP, vec![stdout(format!("{listed} listed households as of {}\n", id.as_of))]),
        code(3, 2, MASK, vec![]),
        markdown(4, "## From signals to the list"),
        code(5, 3, FUNNEL, vec![table(3, &["step", "households"], &funnel)]),
        markdown(6, "## Listed households per district"),
        code(7, 4, DISTRICTS, vec![table(4, &["district", "listed"], &districts)]),
        markdown(8, "## Rules: households fired and listed"),
        code(9, 5, RULES, vec![table(5, &["rule", "fired", "listed"], &rules)]),
        code(
            10,
            6,
            CHART,
            vec![json!({
                "output_type": "display_data",
                "metadata": {},
                "data": {"image/svg+xml": source(districts_svg), "text/plain": ["<Figure: listed households per district>"]},
            })],
        ),
        markdown(11, "## Check against the report"),
        code(
            12,
            7,
            CHECK,
            vec![stdout(
                "funnel: matches report.html\ndistricts: matches report.html\nrules: matches report.html\n".into(),
            )],
        ),
    ];
    let nb = json!({
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "vroeg": {"run_id": id.run_id, "as_of": id.as_of, "pipeline": id.pipeline},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    });
    let mut text = serde_json::to_string_pretty(&nb).expect("a notebook serialises");
    text.push('\n');
    text
}
