//! Data quality per source and per delivery. These count rows and files,
//! not households, so they are shown as they are.

use crate::data::ReportInput;
use serde::Serialize;
use std::collections::BTreeMap;
use vroeg_outputs::RefusedFile;
use vroeg_scoring::StaleSupplier;
use vroeg_store::DeliveryStatus;

/// Data quality of one source, over the deliveries reported on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceQuality {
    /// The source.
    pub source: String,
    /// Deliveries.
    pub deliveries: u64,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows stored.
    pub rows_accepted: u64,
    /// Rows quarantined.
    pub rows_quarantined: u64,
    /// Quarantined rows per reason.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Refused files.
    pub refused: u64,
    /// Duplicates of an earlier delivery.
    pub duplicates: u64,
}

/// Data quality of one delivery.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryQuality {
    /// Sequence number in the store.
    pub seq: u64,
    /// The source.
    pub source: String,
    /// The file name.
    pub file: String,
    /// `accepted`, `refused` or `duplicate`.
    pub status: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows stored.
    pub rows_accepted: u64,
    /// Rows quarantined.
    pub rows_quarantined: u64,
    /// Quarantined rows per reason, `reason n, …`.
    pub quarantined_by_reason: String,
    /// Why refused, of what it is a duplicate, or warnings.
    pub note: String,
    /// Taken in by this run.
    pub new_in_this_run: bool,
}

/// The data-quality section.
#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    /// Per source.
    pub sources: Vec<SourceQuality>,
    /// Per delivery.
    pub deliveries: Vec<DeliveryQuality>,
    /// Files refused or unreadable in this run.
    pub refused_this_run: Vec<RefusedFile>,
    /// Suppliers whose current snapshot is too old to count.
    pub stale_suppliers: Vec<StaleSupplier>,
}

/// The section from the deliveries reported on, refused files and stale
/// suppliers.
pub(crate) fn quality(input: &ReportInput<'_>) -> Quality {
    let mut sources: BTreeMap<String, SourceQuality> = BTreeMap::new();
    let mut deliveries = Vec::new();
    for e in &input.deliveries {
        let q = sources
            .entry(e.source.name().to_string())
            .or_insert_with(|| SourceQuality {
                source: e.source.name().to_string(),
                ..Default::default()
            });
        q.deliveries += 1;
        q.rows_read += e.rows_read;
        q.rows_accepted += e.rows_accepted;
        q.rows_quarantined += e.rows_quarantined;
        for (reason, n) in &e.quarantined_by_reason {
            *q.quarantined_by_reason.entry(reason.clone()).or_default() += n;
        }
        let status = match e.status {
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Refused => {
                q.refused += 1;
                "refused"
            }
            DeliveryStatus::Duplicate => {
                q.duplicates += 1;
                "duplicate"
            }
        };
        let mut note: Vec<String> = e.message.iter().cloned().collect();
        note.extend(e.warnings.iter().cloned());
        deliveries.push(DeliveryQuality {
            seq: e.seq,
            source: e.source.name().to_string(),
            file: e.file_name.clone(),
            status: status.into(),
            rows_read: e.rows_read,
            rows_accepted: e.rows_accepted,
            rows_quarantined: e.rows_quarantined,
            quarantined_by_reason: e
                .quarantined_by_reason
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            note: note.join("; "),
            new_in_this_run: input.new_deliveries.contains(&e.seq),
        });
    }
    Quality {
        sources: sources.into_values().collect(),
        deliveries,
        refused_this_run: input.refused.to_vec(),
        stale_suppliers: input.stale.to_vec(),
    }
}
