//! Row validation: contract rules in contract order, into Arrow columns.
//!
//! A chunk of rows is validated independently of every other chunk, so
//! chunks run in parallel on rayon; only `duplicate_key`, which looks across
//! rows, is checked afterwards in line order (see `delivery`).

use crate::header::HeaderMap;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Int32Builder, Int64Array,
    RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use std::collections::BTreeSet;
use std::sync::Arc;
use vroeg_contracts::value::{
    AMOUNT_SCALE, HOURS_SCALE, check_enum, check_key, check_text, days_since_epoch,
    is_raw_identifier, parse_bool, parse_date, parse_decimal, parse_integer,
};
use vroeg_contracts::{ColumnKind, Contract, Dialect, Reason};
use vroeg_store::arrow_schema;

/// A row that failed validation, ready for the quarantine file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejected {
    /// Physical line of the row (header = 1).
    pub line: u64,
    /// The first reason that applies.
    pub reason: Reason,
    /// The contract column that failed, if one did.
    pub column: Option<&'static str>,
    /// Index of the row within its chunk.
    pub index: usize,
}

/// The rules for one delivery's rows.
pub(crate) struct RowRules<'a> {
    pub contract: &'static Contract,
    pub dialect: &'a Dialect,
    pub header: &'a HeaderMap,
    pub seq: i64,
    pub schema: SchemaRef,
}

impl<'a> RowRules<'a> {
    pub fn new(
        contract: &'static Contract,
        dialect: &'a Dialect,
        header: &'a HeaderMap,
        seq: u64,
    ) -> Self {
        RowRules {
            contract,
            dialect,
            header,
            seq: seq as i64,
            schema: arrow_schema(contract.source),
        }
    }
}

/// The outcome of validating one chunk.
pub(crate) struct ChunkOut {
    /// Accepted rows, in the source's schema.
    pub batch: RecordBatch,
    /// For each accepted row, its index within the chunk.
    pub accepted: Vec<usize>,
    /// Rejected rows, in line order.
    pub rejected: Vec<Rejected>,
    /// Partition-key values among the accepted rows.
    pub partitions: BTreeSet<Vec<String>>,
}

#[derive(Clone, Copy)]
enum Val<'r> {
    Str(&'r str),
    Null,
    Date(i32),
    Dec(i128),
    Bool(bool),
    Int(i32),
}

enum ColBuilder {
    Str(StringBuilder),
    Date(Date32Builder),
    Dec(Decimal128Builder),
    Bool(BooleanBuilder),
    Int(Int32Builder),
}

impl ColBuilder {
    fn new(
        kind: ColumnKind,
        schema_type: &datafusion::arrow::datatypes::DataType,
        n: usize,
    ) -> Self {
        match kind {
            ColumnKind::Key | ColumnKind::Text { .. } | ColumnKind::Enum(_) => {
                ColBuilder::Str(StringBuilder::with_capacity(n, n * 16))
            }
            ColumnKind::Date { .. } => ColBuilder::Date(Date32Builder::with_capacity(n)),
            ColumnKind::Bool => ColBuilder::Bool(BooleanBuilder::with_capacity(n)),
            ColumnKind::Amount { .. } | ColumnKind::Hours => ColBuilder::Dec(
                Decimal128Builder::with_capacity(n).with_data_type(schema_type.clone()),
            ),
            ColumnKind::Integer { .. } => ColBuilder::Int(Int32Builder::with_capacity(n)),
        }
    }

    fn push(&mut self, v: Val<'_>) {
        match (self, v) {
            (ColBuilder::Str(b), Val::Str(s)) => b.append_value(s),
            (ColBuilder::Str(b), Val::Null) => b.append_null(),
            (ColBuilder::Date(b), Val::Date(d)) => b.append_value(d),
            (ColBuilder::Dec(b), Val::Dec(d)) => b.append_value(d),
            (ColBuilder::Bool(b), Val::Bool(x)) => b.append_value(x),
            (ColBuilder::Int(b), Val::Int(i)) => b.append_value(i),
            _ => unreachable!("validation produces the column's own type"),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            ColBuilder::Str(mut b) => Arc::new(b.finish()),
            ColBuilder::Date(mut b) => Arc::new(b.finish()),
            ColBuilder::Dec(mut b) => Arc::new(b.finish()),
            ColBuilder::Bool(mut b) => Arc::new(b.finish()),
            ColBuilder::Int(mut b) => Arc::new(b.finish()),
        }
    }
}

/// Validates one value of a column. `raw` is `None` when an optional column
/// is absent from the header.
fn value<'r>(
    kind: ColumnKind,
    required: bool,
    raw: Option<&'r str>,
    dialect: &Dialect,
) -> Result<Val<'r>, Reason> {
    let s = match raw {
        Some(s) if !s.is_empty() => s,
        _ if required => return Err(Reason::MissingValue),
        _ => {
            return Ok(match kind {
                ColumnKind::Bool => Val::Bool(false),
                _ => Val::Null,
            });
        }
    };
    Ok(match kind {
        ColumnKind::Key => {
            check_key(s)?;
            Val::Str(s)
        }
        ColumnKind::Date { monday } => {
            Val::Date(days_since_epoch(parse_date(s, &dialect.dates, monday)?))
        }
        ColumnKind::Text { max } => {
            check_text(s, max)?;
            Val::Str(s)
        }
        ColumnKind::Enum(values) => {
            check_enum(s, values)?;
            Val::Str(s)
        }
        ColumnKind::Bool => Val::Bool(parse_bool(s)?),
        ColumnKind::Amount { positive } => {
            let v = parse_decimal(s, dialect.decimal, AMOUNT_SCALE, AMOUNT_SCALE)?;
            if v >= 10i128.pow(16) || (positive && v == 0) {
                return Err(Reason::OutOfRange);
            }
            Val::Dec(v)
        }
        ColumnKind::Hours => {
            let v = parse_decimal(s, dialect.decimal, HOURS_SCALE, HOURS_SCALE)?;
            if v == 0 || v > 40 * 10i128.pow(HOURS_SCALE) {
                return Err(Reason::OutOfRange);
            }
            Val::Dec(v)
        }
        ColumnKind::Integer { min, max } => Val::Int(parse_integer(s, min, max)? as i32),
    })
}

/// Validates one row against the contract; the first failing rule wins.
fn row<'r>(
    rules: &RowRules<'_>,
    fields: &'r csv::StringRecord,
    vals: &mut Vec<Val<'r>>,
) -> Result<(), (Reason, Option<&'static str>)> {
    if fields.len() != rules.header.width {
        return Err((Reason::MalformedRow, None));
    }
    let columns = rules.contract.columns;
    let raw = |i: usize| rules.header.positions[i].map(|p| &fields[p]);
    for (i, c) in columns.iter().enumerate() {
        if c.kind == ColumnKind::Key && raw(i).is_some_and(is_raw_identifier) {
            return Err((Reason::RawIdentifier, Some(c.name)));
        }
    }
    vals.clear();
    for (i, c) in columns.iter().enumerate() {
        vals.push(value(c.kind, c.required, raw(i), rules.dialect).map_err(|r| (r, Some(c.name)))?);
    }
    if let Some((earlier, later)) = rules.contract.date_order {
        let e = rules.contract.index_of(earlier).expect("contract column");
        let l = rules.contract.index_of(later).expect("contract column");
        if let (Val::Date(a), Val::Date(b)) = (vals[e], vals[l])
            && a > b
        {
            return Err((Reason::DateOrder, Some(earlier)));
        }
    }
    Ok(())
}

/// Validates a chunk of rows (`(line, fields)`), building the accepted rows'
/// Arrow batch.
pub(crate) fn validate_chunk(rules: &RowRules<'_>, rows: &[(u64, csv::StringRecord)]) -> ChunkOut {
    let columns = rules.contract.columns;
    let mut builders: Vec<ColBuilder> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| ColBuilder::new(c.kind, rules.schema.field(i).data_type(), rows.len()))
        .collect();
    let key_index: Vec<usize> = rules
        .contract
        .partition_key
        .iter()
        .map(|k| rules.contract.index_of(k).expect("contract column"))
        .collect();
    let mut lines = Vec::with_capacity(rows.len());
    let mut accepted = Vec::with_capacity(rows.len());
    let mut rejected = Vec::new();
    let mut partitions = BTreeSet::new();
    let mut last_key: Vec<String> = Vec::new();
    let mut vals = Vec::with_capacity(columns.len());
    for (index, (line, fields)) in rows.iter().enumerate() {
        match row(rules, fields, &mut vals) {
            Ok(()) => {
                for (b, v) in builders.iter_mut().zip(vals.iter()) {
                    b.push(*v);
                }
                let same = !last_key.is_empty()
                    && key_index.iter().zip(&last_key).all(|(k, prev)| {
                        fields[rules.header.positions[*k].expect("required")] == **prev
                    });
                if !same {
                    last_key = key_index
                        .iter()
                        .map(|k| fields[rules.header.positions[*k].expect("required")].to_string())
                        .collect();
                    partitions.insert(partition_value(&key_index, &vals));
                }
                lines.push(*line as i64);
                accepted.push(index);
            }
            Err((reason, column)) => rejected.push(Rejected {
                line: *line,
                reason,
                column,
                index,
            }),
        }
    }
    let n = lines.len();
    let mut arrays: Vec<ArrayRef> = builders.into_iter().map(ColBuilder::finish).collect();
    arrays.push(Arc::new(Int64Array::from(vec![rules.seq; n])));
    arrays.push(Arc::new(Int64Array::from(lines)));
    let batch =
        RecordBatch::try_new(rules.schema.clone(), arrays).expect("builders follow the schema");
    ChunkOut {
        batch,
        accepted,
        rejected,
        partitions,
    }
}

/// The partition-key value of a valid row, as stored in the ledger.
fn partition_value(key_index: &[usize], vals: &[Val<'_>]) -> Vec<String> {
    key_index
        .iter()
        .map(|k| match vals[*k] {
            Val::Str(s) => s.to_string(),
            Val::Date(d) => vroeg_contracts::value::date_from_days(d).to_string(),
            _ => unreachable!("partition keys are strings or dates"),
        })
        .collect()
}
