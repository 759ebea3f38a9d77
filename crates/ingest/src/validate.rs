//! Row validation: contract rules in contract order, into Arrow columns.
//!
//! A chunk of rows is validated independently of every other chunk, so
//! chunks run in parallel on rayon; only `duplicate_key`, which looks across
//! rows, is checked afterwards in line order (see [`crate::unique`]); the
//! hashes it needs are computed here, in the parallel part.
//!
//! Everything the contract says about column positions is resolved once in
//! [`RowRules::new`], so the per-row code indexes nothing it has not checked.

use crate::error::IngestError;
use crate::header::HeaderMap;
use crate::unique::key_hash;
use chrono::NaiveDate;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Int32Builder, Int64Array,
    RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use std::collections::BTreeSet;
use std::sync::Arc;
use vroeg_contracts::value::{
    check_enum, check_key, check_text, days_since_epoch, format_decimal, is_raw_identifier,
    parse_amount, parse_bool, parse_date, parse_hours, parse_integer,
};
use vroeg_contracts::{ColumnKind, Contract, Dialect, Reason};
use vroeg_store::{StoreError, arrow_schema};

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
    /// Contract positions of the `(earlier, later)` date pair.
    date_order: Option<(usize, usize)>,
    /// Contract positions of the partition-key columns.
    partition_key: Vec<usize>,
    /// Contract positions of the unique columns followed by the partition
    /// key, or empty when the source has no unique columns.
    unique: Vec<usize>,
}

impl<'a> RowRules<'a> {
    pub fn new(
        contract: &'static Contract,
        dialect: &'a Dialect,
        header: &'a HeaderMap,
        seq: u64,
    ) -> Result<Self, IngestError> {
        let index = |column: &'static str| {
            contract.index_of(column).ok_or(IngestError::Contract {
                table: contract.source,
                column,
                problem: "is named by the contract but not among its columns",
            })
        };
        let date_order = match contract.date_order {
            Some((earlier, later)) => Some((index(earlier)?, index(later)?)),
            None => None,
        };
        let partition_key = contract
            .partition_key
            .iter()
            .map(|c| index(c))
            .collect::<Result<Vec<_>, _>>()?;
        let unique = match contract.unique {
            Some(columns) => columns
                .iter()
                .map(|c| index(c))
                .chain(partition_key.iter().map(|i| Ok(*i)))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        Ok(RowRules {
            contract,
            dialect,
            header,
            seq: i64::try_from(seq).map_err(|_| IngestError::Sequence { seq })?,
            schema: arrow_schema(contract.source),
            date_order,
            partition_key,
            unique,
        })
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
    /// For each accepted row, the hash of its unique columns and partition
    /// key; empty for sources without unique columns.
    pub hashes: Vec<u128>,
}

/// One validated value, typed by its column's kind.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Val<'r> {
    Str(&'r str),
    Null,
    Date(NaiveDate),
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

    /// Appends a value; `false` when it is not of the builder's type
    /// (validation produces each column's own type, so only a bug can).
    fn push(&mut self, v: Val<'_>) -> bool {
        match (self, v) {
            (ColBuilder::Str(b), Val::Str(s)) => b.append_value(s),
            (ColBuilder::Str(b), Val::Null) => b.append_null(),
            (ColBuilder::Date(b), Val::Date(d)) => b.append_value(days_since_epoch(d)),
            (ColBuilder::Date(b), Val::Null) => b.append_null(),
            (ColBuilder::Dec(b), Val::Dec(d)) => b.append_value(d),
            (ColBuilder::Dec(b), Val::Null) => b.append_null(),
            (ColBuilder::Bool(b), Val::Bool(x)) => b.append_value(x),
            (ColBuilder::Int(b), Val::Int(i)) => b.append_value(i),
            (ColBuilder::Int(b), Val::Null) => b.append_null(),
            _ => return false,
        }
        true
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
        ColumnKind::Date { monday } => Val::Date(parse_date(s, &dialect.dates, monday)?),
        ColumnKind::Text { max } => {
            check_text(s, max)?;
            Val::Str(s)
        }
        ColumnKind::Enum(values) => {
            check_enum(s, values)?;
            Val::Str(s)
        }
        ColumnKind::Bool => Val::Bool(parse_bool(s)?),
        ColumnKind::Amount { positive } => Val::Dec(parse_amount(s, dialect.decimal, positive)?),
        ColumnKind::Hours => Val::Dec(parse_hours(s, dialect.decimal)?),
        ColumnKind::Integer { min, max } => {
            Val::Int(i32::try_from(parse_integer(s, min, max)?).map_err(|_| Reason::OutOfRange)?)
        }
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
    let raw = |i: usize| {
        rules
            .header
            .positions
            .get(i)
            .copied()
            .flatten()
            .and_then(|p| fields.get(p))
    };
    for (i, c) in columns.iter().enumerate() {
        if c.kind == ColumnKind::Key && raw(i).is_some_and(is_raw_identifier) {
            return Err((Reason::RawIdentifier, Some(c.name)));
        }
    }
    vals.clear();
    for (i, c) in columns.iter().enumerate() {
        vals.push(value(c.kind, c.required, raw(i), rules.dialect).map_err(|r| (r, Some(c.name)))?);
    }
    if let Some((e, l)) = rules.date_order
        && let (Some(Val::Date(a)), Some(Val::Date(b))) = (vals.get(e), vals.get(l))
        && a > b
    {
        return Err((Reason::DateOrder, Some(columns[e].name)));
    }
    Ok(())
}

/// Validates a chunk of rows (`(line, fields)`), building the accepted rows'
/// Arrow batch.
pub(crate) fn validate_chunk(
    rules: &RowRules<'_>,
    rows: &[(u64, csv::StringRecord)],
) -> Result<ChunkOut, IngestError> {
    let columns = rules.contract.columns;
    let mut builders: Vec<ColBuilder> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| ColBuilder::new(c.kind, rules.schema.field(i).data_type(), rows.len()))
        .collect();
    let mut lines = Vec::with_capacity(rows.len());
    let mut accepted = Vec::with_capacity(rows.len());
    let mut rejected = Vec::new();
    let mut partitions = BTreeSet::new();
    let mut hashes = Vec::new();
    let mut last_key: Vec<Val<'_>> = Vec::new();
    let mut vals = Vec::with_capacity(columns.len());
    for (index, (line, fields)) in rows.iter().enumerate() {
        match row(rules, fields, &mut vals) {
            Ok(()) => {
                for ((b, v), c) in builders.iter_mut().zip(vals.iter()).zip(columns) {
                    if !b.push(*v) {
                        return Err(IngestError::Contract {
                            table: rules.contract.source,
                            column: c.name,
                            problem: "was validated into a value of another type",
                        });
                    }
                }
                let key = rules.partition_key.iter().map(|k| vals.get(*k));
                if last_key.is_empty() || !key.clone().eq(last_key.iter().map(Some)) {
                    last_key = key.flatten().copied().collect();
                    partitions.insert(last_key.iter().map(partition_text).collect());
                }
                if !rules.unique.is_empty() {
                    hashes.push(key_hash(rules.unique.iter().filter_map(|i| vals.get(*i))));
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
    let batch = RecordBatch::try_new(rules.schema.clone(), arrays).map_err(StoreError::from)?;
    Ok(ChunkOut {
        batch,
        accepted,
        rejected,
        partitions,
        hashes,
    })
}

/// A partition-key value as stored in the ledger: strings as delivered,
/// dates `YYYY-MM-DD`. (Contracts v1 partition only on strings and dates;
/// the other kinds are written plainly so that a new contract cannot panic.)
fn partition_text(v: &Val<'_>) -> String {
    match v {
        Val::Str(s) => (*s).to_string(),
        Val::Date(d) => d.to_string(),
        Val::Null => String::new(),
        Val::Dec(d) => format_decimal(*d, 0),
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => i.to_string(),
    }
}
