//! The Arrow schema of each source's table, derived from its contract.

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use std::sync::Arc;
use vroeg_contracts::value::{AMOUNT_PRECISION, AMOUNT_SCALE, HOURS_PRECISION, HOURS_SCALE};
use vroeg_contracts::{ColumnKind, Source};

/// The column holding the delivery sequence number of every stored row.
pub const DELIVERY_COLUMN: &str = "_delivery";
/// The column holding the row's physical line in its delivery file.
pub const LINE_COLUMN: &str = "_line";

/// The Arrow type of a contract column kind: amounts and hours are exact
/// `Decimal128`, dates `Date32`, keys, strings and enums `Utf8`.
pub fn arrow_type(kind: ColumnKind) -> DataType {
    match kind {
        ColumnKind::Key | ColumnKind::Text { .. } | ColumnKind::Enum(_) => DataType::Utf8,
        ColumnKind::Date { .. } => DataType::Date32,
        ColumnKind::Bool => DataType::Boolean,
        ColumnKind::Amount { .. } => DataType::Decimal128(AMOUNT_PRECISION, AMOUNT_SCALE as i8),
        ColumnKind::Hours => DataType::Decimal128(HOURS_PRECISION, HOURS_SCALE as i8),
        ColumnKind::Integer { .. } => DataType::Int32,
    }
}

/// The schema of a source's stored rows: the contract columns in contract
/// order, then `_delivery` and `_line`. Only optional enums are nullable;
/// optional booleans take their default.
pub fn arrow_schema(source: Source) -> SchemaRef {
    let mut fields: Vec<Field> = source
        .contract()
        .columns
        .iter()
        .map(|c| {
            let nullable = !c.required && matches!(c.kind, ColumnKind::Enum(_));
            Field::new(c.name, arrow_type(c.kind), nullable)
        })
        .collect();
    fields.push(Field::new(DELIVERY_COLUMN, DataType::Int64, false));
    fields.push(Field::new(LINE_COLUMN, DataType::Int64, false));
    Arc::new(Schema::new(fields))
}
