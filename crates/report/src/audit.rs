//! The check that no masked cell of `report-data.json` can be worked out from
//! the cells and totals it shows. It reads the written JSON, not the
//! structs, so it judges what people get; [`TABLES`] declares, for every
//! table, which columns may be masked and which shown totals their rows add
//! up to (the table in `mask.rs`'s header, as data). A table or a masked
//! column it does not know is a finding too: a new table has to say how it
//! relates to the totals before a report can carry it.
//!
//! Each declared partition gives one equation: its masked cells add up to
//! its total minus its shown cells. A cell is given away when those
//! equations pin it, that is when the unit vector of that cell lies in the
//! span of the equations (one row of their reduced echelon form names only
//! that cell). Within a partition the bounds count too: a `<5` is 0 to 4, an
//! `x` 5 or more, and a masked cell whose bounds and the partition's sum
//! leave it one value is given away. Two cases are left out, both because
//! the report shows the total on purpose (see `mask.rs`): a partition of one
//! row (it is its total), and the bounds of a partition whose every cell is
//! masked (nothing is left to hide).

use crate::mask::SMALL;
use serde_json::Value;
use std::collections::BTreeMap;
use thiserror::Error;

/// Which rows of a table make a partition.
#[derive(Debug, Clone, Copy)]
enum Rows {
    /// Every row.
    All,
    /// The rows whose boolean field has this value.
    Where(&'static str, bool),
}

/// A total the report shows: a funnel step or a number at a JSON pointer.
#[derive(Debug, Clone, Copy)]
enum Total {
    /// `funnel[step = name].households`.
    Funnel(&'static str),
    /// The number at this JSON pointer.
    At(&'static str),
}

/// Rows of a table whose cells add up to `+terms - terms` (zero for none).
#[derive(Debug, Clone, Copy)]
struct Partition {
    rows: Rows,
    plus: &'static [Total],
    minus: &'static [Total],
}

/// A column that may hold masked cells, with its partitions (none: the
/// column adds up to nothing the report shows).
#[derive(Debug, Clone, Copy)]
struct Column {
    name: &'static str,
    partitions: &'static [Partition],
}

/// A table of `report-data.json` (an array at `path`, row indices left
/// out) and its columns that may be masked (none: shown as it is).
#[derive(Debug, Clone, Copy)]
struct Table {
    path: &'static str,
    masked: &'static [Column],
}

/// Every table of `report-data.json`.
const TABLES: &[Table] = &[
    // declarations, no counts
    Table {
        path: "/legal_basis/sources",
        masked: &[],
    },
    // counts for the whole pipeline, as in summary.json
    Table {
        path: "/funnel",
        masked: &[],
    },
    Table {
        path: "/districts",
        masked: &[Column {
            name: "listed",
            partitions: &[Partition {
                rows: Rows::All,
                plus: &[Total::Funnel("listed")],
                minus: &[],
            }],
        }],
    },
    // the districts table's listed cells repeated, masked alike (a
    // district without a listed household, absent there, is `<5` here);
    // the register counts add up to the register total
    Table {
        path: "/fairness/rows",
        masked: &[
            Column {
                name: "listed",
                partitions: &[],
            },
            Column {
                name: "register_households",
                partitions: &[Partition {
                    rows: Rows::All,
                    plus: &[Total::At("/fairness/register_households")],
                    minus: &[],
                }],
            },
        ],
    },
    // a team's count is shown only when all its districts are (it is
    // their sum), else hidden: it adds no equation
    Table {
        path: "/teams",
        masked: &[Column {
            name: "listed",
            partitions: &[],
        }],
    },
    // a household fires several rules: the rows add up to nothing shown
    Table {
        path: "/rules",
        masked: &[
            Column {
                name: "fired",
                partitions: &[],
            },
            Column {
                name: "listed",
                partitions: &[],
            },
        ],
    },
    Table {
        path: "/scores",
        masked: &[
            Column {
                name: "households",
                partitions: &[
                    Partition {
                        rows: Rows::Where("eligible", true),
                        plus: &[Total::Funnel("eligible")],
                        minus: &[],
                    },
                    Partition {
                        rows: Rows::Where("eligible", false),
                        plus: &[Total::Funnel("households_with_rule")],
                        minus: &[Total::Funnel("eligible")],
                    },
                ],
            },
            Column {
                name: "listed",
                partitions: &[
                    Partition {
                        rows: Rows::Where("eligible", true),
                        plus: &[Total::Funnel("listed")],
                        minus: &[],
                    },
                    // never listed, by the rules
                    Partition {
                        rows: Rows::Where("eligible", false),
                        plus: &[],
                        minus: &[],
                    },
                ],
            },
        ],
    },
    // rows and files, not households
    Table {
        path: "/quality/sources",
        masked: &[],
    },
    Table {
        path: "/quality/deliveries",
        masked: &[],
    },
    Table {
        path: "/quality/refused_this_run",
        masked: &[],
    },
    Table {
        path: "/quality/stale_suppliers",
        masked: &[],
    },
    Table {
        path: "/changes/dropped_why",
        masked: &[Column {
            name: "households",
            partitions: &[Partition {
                rows: Rows::All,
                plus: &[Total::At("/changes/dropped")],
                minus: &[],
            }],
        }],
    },
    // counts for the whole pipeline
    Table {
        path: "/history",
        masked: &[],
    },
];

/// A way a masked count of `report-data.json` could be worked out, or a
/// part of it the audit cannot judge.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Leak {
    /// A table not declared in the audit's list.
    #[error("table {table} is not declared: say which shown total its rows add up to")]
    UndeclaredTable {
        /// JSON pointer, row indices left out.
        table: String,
    },
    /// A masked cell in a column not declared as masked.
    #[error("{cell} is masked, but its column is not declared as masked")]
    UndeclaredMasked {
        /// JSON pointer of the cell.
        cell: String,
    },
    /// A cell of a masked column that is neither a count nor masked.
    #[error("{cell} is neither a count nor masked")]
    NotACount {
        /// JSON pointer of the cell.
        cell: String,
    },
    /// A declared total that is missing or not a count.
    #[error("total {total} of {table} is missing or not a count")]
    MissingTotal {
        /// JSON pointer of the table.
        table: String,
        /// The total, as declared.
        total: String,
    },
    /// Shown cells that do not add up to their declared total.
    #[error(
        "{table}: the shown {column} cells add up to {sum}, which does not fit their total {total}"
    )]
    WrongTotal {
        /// JSON pointer of the table.
        table: String,
        /// The column.
        column: String,
        /// The shown cells' sum.
        sum: i128,
        /// The declared total.
        total: i128,
    },
    /// The only masked cell of a partition: the total minus the rest.
    #[error("{cell} is the only masked cell of its partition: the total minus the others")]
    LoneMasked {
        /// JSON pointer of the cell.
        cell: String,
    },
    /// A masked cell whose bounds and its partition's sum leave it one value.
    #[error(
        "{cell} can have one value only: its partition's sum and the bounds of its masked cells pin it"
    )]
    Pinned {
        /// JSON pointer of the cell.
        cell: String,
    },
    /// A masked cell the partitions' equations pin together.
    #[error("{cell} can be worked out from the shown cells and totals")]
    Derivable {
        /// JSON pointer of the cell.
        cell: String,
    },
}

fn masked(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s == "x" || s == format!("<{SMALL}"))
}

/// A key as a JSON pointer step (RFC 6901).
fn step(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Where a value sits: its JSON pointer, and the same path without array
/// indices (the table it belongs to, or that table's column).
#[derive(Clone, Default)]
struct At {
    pointer: String,
    shape: String,
}

/// Every array (a table, by shape) and every masked value (pointer, and
/// the shape of its column), in document order.
fn walk(v: &Value, at: &At, tables: &mut Vec<String>, cells: &mut Vec<At>) {
    match v {
        Value::Array(rows) => {
            tables.push(at.shape.clone());
            for (i, r) in rows.iter().enumerate() {
                let row = At {
                    pointer: format!("{}/{i}", at.pointer),
                    shape: at.shape.clone(),
                };
                walk(r, &row, tables, cells);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                let field = At {
                    pointer: format!("{}/{}", at.pointer, step(k)),
                    shape: format!("{}/{}", at.shape, step(k)),
                };
                walk(x, &field, tables, cells);
            }
        }
        other if masked(other) => cells.push(at.clone()),
        _ => {}
    }
}

/// A term of an equation: a masked cell or total (an unknown) or a number.
enum Term {
    Unknown(String),
    Known(i128),
}

fn term(v: Option<&Value>, at: String) -> Option<Term> {
    match v? {
        v if masked(v) => Some(Term::Unknown(at)),
        v => v.as_u64().map(|n| Term::Known(n.into())),
    }
}

fn total(data: &Value, t: Total) -> Option<Term> {
    match t {
        Total::Funnel(step) => {
            let rows = data.get("funnel")?.as_array()?;
            let i = rows.iter().position(|r| r["step"] == step)?;
            term(rows[i].get("households"), format!("/funnel/{i}/households"))
        }
        Total::At(p) => term(data.pointer(p), p.to_string()),
    }
}

/// Checks `report-data.json`; no findings means no masked cell can be
/// worked out from the cells and totals it shows.
pub fn audit(data: &Value) -> Vec<Leak> {
    let mut leaks = Vec::new();
    let (mut tables, mut cells) = (Vec::new(), Vec::new());
    walk(data, &At::default(), &mut tables, &mut cells);
    let declared = |t: &str| TABLES.iter().find(|d| d.path == t);
    tables.dedup();
    for table in tables {
        if declared(&table).is_none() {
            leaks.push(Leak::UndeclaredTable { table });
        }
    }
    for c in cells {
        let ok = TABLES.iter().any(|t| {
            t.masked
                .iter()
                .any(|m| c.shape == format!("{}/{}", t.path, m.name))
        });
        if !ok {
            leaks.push(Leak::UndeclaredMasked { cell: c.pointer });
        }
    }

    // one equation per partition: unknowns with coefficient ±1
    let mut equations = Vec::new();
    for t in TABLES {
        let Some(rows) = data.pointer(t.path).and_then(Value::as_array) else {
            continue;
        };
        for col in t.masked {
            for p in col.partitions {
                equations.extend(partition(data, t.path, rows, col.name, p, &mut leaks));
            }
        }
    }
    for cell in pinned(&equations) {
        let reported = leaks.iter().any(
            |l| matches!(l, Leak::LoneMasked { cell: c } | Leak::Pinned { cell: c } if *c == cell),
        );
        if !reported {
            leaks.push(Leak::Derivable { cell });
        }
    }
    leaks
}

/// Checks one partition on its own (lone and pinned cells, shown cells
/// against the total) and returns its equation, if it joins the rest.
fn partition(
    data: &Value,
    table: &str,
    rows: &[Value],
    column: &str,
    p: &Partition,
    leaks: &mut Vec<Leak>,
) -> Option<BTreeMap<String, f64>> {
    let picked: Vec<usize> = (0..rows.len())
        .filter(|&i| match p.rows {
            Rows::All => true,
            Rows::Where(f, v) => rows[i][f].as_bool() == Some(v),
        })
        .collect();
    let mut eq: BTreeMap<String, f64> = BTreeMap::new();
    let mut masked_cells: Vec<(String, bool)> = Vec::new();
    let mut shown = 0i128;
    for &i in &picked {
        let at = format!("{table}/{i}/{column}");
        match term(rows[i].get(column), at.clone()) {
            Some(Term::Known(n)) => shown += n,
            Some(Term::Unknown(u)) => {
                masked_cells.push((u.clone(), rows[i][column] == "x"));
                eq.insert(u, 1.0);
            }
            None => leaks.push(Leak::NotACount { cell: at }),
        }
    }
    // the total, when every term of it is shown
    let mut sum = Some(0i128);
    for (sign, totals) in [(1i32, p.plus), (-1, p.minus)] {
        for &tot in totals {
            match total(data, tot) {
                Some(Term::Known(n)) => sum = sum.map(|s| s + i128::from(sign) * n),
                Some(Term::Unknown(u)) => {
                    sum = None;
                    *eq.entry(u).or_default() -= f64::from(sign);
                }
                None => {
                    leaks.push(Leak::MissingTotal {
                        table: table.into(),
                        total: format!("{tot:?}"),
                    });
                    return None;
                }
            }
        }
    }
    let Some(sum) = sum else {
        return Some(eq);
    };
    if shown > sum || (masked_cells.is_empty() && shown != sum) {
        leaks.push(Leak::WrongTotal {
            table: table.into(),
            column: column.into(),
            sum: shown,
            total: sum,
        });
    }
    // a partition of one row is its total, which the report shows
    if picked.len() < 2 {
        return None;
    }
    match masked_cells.as_slice() {
        [(cell, _)] => leaks.push(Leak::LoneMasked { cell: cell.clone() }),
        cells if cells.len() < picked.len() => leaks.extend(
            pinned_by_bounds(cells, sum - shown)
                .into_iter()
                .map(|cell| Leak::Pinned { cell }),
        ),
        _ => {}
    }
    Some(eq)
}

/// The masked cells (`true`: `x`, else `<5`) that add up to `sum` and whose
/// bounds leave one value: the rest's least and most sums narrow each cell's
/// own bounds.
fn pinned_by_bounds(cells: &[(String, bool)], sum: i128) -> Vec<String> {
    let small = i128::from(SMALL);
    let bounds = |x: bool| if x { (small, sum) } else { (0, small - 1) };
    let (least, most) = cells.iter().fold((0, 0), |(l, m), (_, x)| {
        let (lo, hi) = bounds(*x);
        (l + lo, m + hi)
    });
    cells
        .iter()
        .filter(|(_, x)| {
            let (lo, hi) = bounds(*x);
            let low = lo.max(sum - (most - hi));
            let high = hi.min(sum - (least - lo));
            low == high
        })
        .map(|(c, _)| c.clone())
        .collect()
}

/// The unknowns that a set of linear equations pins: those whose unit vector
/// is a row of the equations' reduced row echelon form.
fn pinned(equations: &[BTreeMap<String, f64>]) -> Vec<String> {
    let mut names: Vec<&String> = equations.iter().flat_map(|e| e.keys()).collect();
    names.sort();
    names.dedup();
    let mut m: Vec<Vec<f64>> = equations
        .iter()
        .map(|e| {
            names
                .iter()
                .map(|n| e.get(*n).copied().unwrap_or(0.0))
                .collect()
        })
        .collect();
    const EPS: f64 = 1e-9;
    let mut pivot_row = 0;
    for col in 0..names.len() {
        let Some(p) = (pivot_row..m.len()).find(|&r| m[r][col].abs() > EPS) else {
            continue;
        };
        m.swap(pivot_row, p);
        let d = m[pivot_row][col];
        for x in &mut m[pivot_row] {
            *x /= d;
        }
        let pivot = m[pivot_row].clone();
        for (r, row) in m.iter_mut().enumerate() {
            let f = row[col];
            if r != pivot_row && f.abs() > EPS {
                for (x, p) in row.iter_mut().zip(&pivot) {
                    *x -= f * p;
                }
            }
        }
        pivot_row += 1;
    }
    m.iter()
        .filter_map(|row| {
            let mut nonzero = row.iter().enumerate().filter(|(_, x)| x.abs() > EPS);
            match (nonzero.next(), nonzero.next()) {
                (Some((i, _)), None) => Some(names[i].clone()),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn eq(terms: &[(&str, f64)]) -> BTreeMap<String, f64> {
        terms.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    }

    #[test]
    fn equations_pin_what_they_determine_and_nothing_else() {
        // a + b = k: neither is pinned
        assert!(pinned(&[eq(&[("a", 1.0), ("b", 1.0)])]).is_empty());
        // a + b = k and a + b + c = k': c is pinned, a and b are not
        assert_eq!(
            pinned(&[
                eq(&[("a", 1.0), ("b", 1.0)]),
                eq(&[("a", 1.0), ("b", 1.0), ("c", 1.0)])
            ]),
            names(&["c"])
        );
        // a + b = k, a + c = k', b + c = k'': all three
        assert_eq!(
            pinned(&[
                eq(&[("a", 1.0), ("b", 1.0)]),
                eq(&[("a", 1.0), ("c", 1.0)]),
                eq(&[("b", 1.0), ("c", 1.0)])
            ]),
            names(&["a", "b", "c"])
        );
        // a masked total t: a + b - t = k leaves all three open
        assert!(pinned(&[eq(&[("a", 1.0), ("b", 1.0), ("t", -1.0)])]).is_empty());
        assert!(pinned(&[]).is_empty());
    }

    #[test]
    fn tables_and_cells_are_found_by_shape() {
        let v = serde_json::json!({"a/b": [{"n": "<5"}, {"n": 3, "m": [{"k": "x"}]}], "c": "<5"});
        let (mut tables, mut cells) = (Vec::new(), Vec::new());
        walk(&v, &At::default(), &mut tables, &mut cells);
        assert_eq!(tables, ["/a~1b", "/a~1b/m"]);
        let cells: Vec<(&str, &str)> = cells
            .iter()
            .map(|c| (c.pointer.as_str(), c.shape.as_str()))
            .collect();
        assert_eq!(
            cells,
            [
                ("/a~1b/0/n", "/a~1b/n"),
                ("/a~1b/1/m/0/k", "/a~1b/m/k"),
                ("/c", "/c")
            ]
        );
    }
}
