//! `signals.csv` (spreadsheet-safe) and `signals.parquet` (typed).

use crate::OutputError;
use datafusion::arrow::array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use std::sync::Arc;
use vroeg_contracts::text::spreadsheet_safe;
use vroeg_contracts::value::format_decimal;
use vroeg_scoring::SignalList;

/// The columns of the list, in contract order.
pub const COLUMNS: [&str; 7] = [
    "rank",
    "household_key",
    "score",
    "domains",
    "rules",
    "total_arrears_eur",
    "district_code",
];

/// The list as CSV; any cell a spreadsheet would run as a formula gets a
/// leading `'`.
pub fn signals_csv(list: &SignalList) -> Result<Vec<u8>, OutputError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| OutputError::Io {
        path: "signals.csv".into(),
        source: std::io::Error::other(e.to_string()),
    };
    w.write_record(COLUMNS).map_err(err)?;
    for (rank, h) in list.listed() {
        let cells = [
            rank.to_string(),
            h.household_key.clone(),
            h.score.to_string(),
            h.domains.to_string(),
            h.rules.clone(),
            format_decimal(h.total_arrears_cents, 2),
            h.district_code.clone().unwrap_or_default(),
        ];
        w.write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned()))
            .map_err(err)?;
    }
    w.into_inner().map_err(|e| err(e.into_error().into()))
}

/// The list as Parquet with typed columns (`total_arrears_eur` as
/// `Decimal128(38, 2)`).
pub fn signals_parquet(list: &SignalList) -> Result<Vec<u8>, OutputError> {
    let rows: Vec<_> = list.listed().collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("rank", DataType::Int64, false),
        Field::new("household_key", DataType::Utf8, false),
        Field::new("score", DataType::Int64, false),
        Field::new("domains", DataType::Int64, false),
        Field::new("rules", DataType::Utf8, false),
        Field::new("total_arrears_eur", DataType::Decimal128(38, 2), false),
        Field::new("district_code", DataType::Utf8, true),
    ]));
    let p = |e: &dyn std::fmt::Display| OutputError::Parquet(e.to_string());
    let totals = Decimal128Array::from(
        rows.iter()
            .map(|(_, h)| h.total_arrears_cents)
            .collect::<Vec<_>>(),
    )
    .with_precision_and_scale(38, 2)
    .map_err(|e| p(&e))?;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(
            rows.iter().map(|(r, _)| *r as i64).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter()
                .map(|(_, h)| h.household_key.as_str())
                .collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from(
            rows.iter().map(|(_, h)| h.score).collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from(
            rows.iter().map(|(_, h)| h.domains).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter()
                .map(|(_, h)| h.rules.as_str())
                .collect::<Vec<_>>(),
        )),
        Arc::new(totals),
        Arc::new(StringArray::from(
            rows.iter()
                .map(|(_, h)| h.district_code.as_deref())
                .collect::<Vec<_>>(),
        )),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| p(&e))?;
    let mut buf = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buf, schema, None).map_err(|e| p(&e))?;
    writer.write(&batch).map_err(|e| p(&e))?;
    writer.close().map_err(|e| p(&e))?;
    Ok(buf)
}
