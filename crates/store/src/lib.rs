//! The store: validated deliveries as Hive-partitioned Parquet, with a ledger.
//!
//! Layout under the store root:
//!
//! ```text
//! FORMAT                                 store format version
//! ledger/000042.json                     one entry per delivery (the commit point)
//! tables/<source>/period=YYYY-MM/d000042.parquet
//! quarantine/<source>/000042-<file>.csv
//! staging/000042/...                     a delivery being written
//! runs/000007.json                       the run history (see `Store::record_run`)
//! purge-pending.json                     the journal of a purge under way (see `purge`)
//! ```
//!
//! A delivery is written into `staging/`, moved into place, and only then
//! committed by writing its ledger entry with an atomic rename. On every open
//! the store rolls back whatever a crash left behind: staging is wiped and
//! files whose delivery has no ledger entry are deleted. So a crash at any
//! point leaves the store as before the delivery or as after it.
//!
//! One writer at a time ([`Store::open`]) holds an OS lock on the root
//! folder, which ends with its process; readers
//! ([`Store::open_read_only`]) take no lock and never write. Every file is
//! written through [`durable`] (0640 files, 0750 folders, flushed), which
//! the outputs share.
//!
//! Corrections are never rewrites: every row keeps the sequence number of its
//! delivery (`_delivery`), and [`StoreView`] computes from the ledger which
//! partition-key values of which delivery are still live. Replaced rows stay
//! on disk for audit but are filtered out of the tables that runs read.

pub use vroeg_contracts::durable;
mod batch;
mod error;
mod layout;
mod ledger;
mod lock;
mod purge;
mod reader;
mod runs;
mod schema;
mod staging;
mod view;
mod writer;

pub use batch::{BatchWriter, Written};
pub use error::StoreError;
pub use layout::Store;
pub use ledger::{DeliveryStatus, FileSeen, LedgerEntry, Purged, PurgedFile, StoredFile};
pub use purge::{
    DeletedFile, JOURNAL, PeriodPurge, QuarantinePurge, Retention, RunPurge, StorePurge, hash_file,
    period_last_day,
};
pub use reader::ReadOnlyStore;
pub use runs::{ListedRecord, RunRecord};
pub use schema::{DELIVERY_COLUMN, LINE_COLUMN, arrow_schema};
pub use view::{LiveFile, SourceView, StoreView};
pub use writer::{DeliveryWriter, failpoint};
