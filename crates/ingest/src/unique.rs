//! Unique keys: a household listed twice in one register snapshot.
//!
//! Validation runs in parallel chunks, so each accepted row's unique
//! columns and partition key are hashed there ([`key_hash`]); the hashes are
//! then checked against every earlier row of the delivery here, in line
//! order, so the first occurrence wins however the file was split. Two
//! independent 64-bit hashes make a 128-bit key: a false duplicate needs a
//! collision of both.

use crate::error::IngestError;
use crate::validate::{ChunkOut, Rejected, Val};
use datafusion::arrow::array::BooleanArray;
use datafusion::arrow::compute::filter_record_batch;
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use vroeg_contracts::Reason;

/// A 128-bit hash of one row's unique columns and partition key.
pub(crate) fn key_hash<'a, 'r: 'a>(values: impl Iterator<Item = &'a Val<'r>>) -> u128 {
    let mut a = DefaultHasher::new();
    let mut b = DefaultHasher::new();
    b.write_u8(0x5a);
    for v in values {
        v.hash(&mut a);
        v.hash(&mut b);
    }
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// Moves rows whose unique columns repeat within one partition value (an
/// earlier accepted row has them) to the rejected list as `duplicate_key`,
/// naming `column` (the first unique column).
pub(crate) fn drop_duplicates(
    column: Option<&'static str>,
    out: &mut ChunkOut,
    rows: &[(u64, csv::StringRecord)],
    seen: &mut HashSet<u128>,
) -> Result<(), IngestError> {
    let batch = &out.batch;
    let mut keep = Vec::with_capacity(batch.num_rows());
    let mut accepted = Vec::with_capacity(batch.num_rows());
    let mut hashes = Vec::with_capacity(batch.num_rows());
    for (index, key) in out.accepted.iter().zip(&out.hashes) {
        let fresh = seen.insert(*key);
        keep.push(fresh);
        if fresh {
            accepted.push(*index);
            hashes.push(*key);
        } else {
            out.rejected.push(Rejected {
                line: rows.get(*index).map_or(0, |r| r.0),
                reason: Reason::DuplicateKey,
                column,
                index: *index,
            });
        }
    }
    if accepted.len() != out.accepted.len() {
        out.batch = filter_record_batch(batch, &BooleanArray::from(keep))
            .map_err(vroeg_store::StoreError::from)?;
        out.accepted = accepted;
        out.hashes = hashes;
        out.rejected.sort_by_key(|r| r.line);
    }
    Ok(())
}
