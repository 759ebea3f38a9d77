//! The data contracts (v1) of `shared/spec/contracts.md`, as data.
//!
//! Every source is one [`Contract`]: its columns in contract-table order, its
//! partition key and the date that places a row in time. Validation of a
//! single value lives in [`value`]; the quarantine reason codes in
//! [`Reason`]; durable writes of files in [`durable`]. Nothing here reads
//! input files: the ingest crate drives these
//! definitions. Each built-in source's contract is a TOML file
//! (`contracts/<name>.toml`, parsed by [`file`]) built into the binary.

pub mod dialect;
pub mod durable;
pub mod file;
pub mod reason;
pub mod sources;
pub mod text;
pub mod value;

pub use dialect::{DatePattern, DecimalSeparator, Dialect, DialectError};
pub use reason::Reason;
pub use sources::{Column, ColumnKind, Contract, Source};
