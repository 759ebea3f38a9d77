//! Reading a store: the ledger, the live view and the run history.
//!
//! A [`ReadOnlyStore`] takes no lock, recovers nothing and never writes, so
//! `explain` and the other read-only commands can run while an ingest or a
//! run holds the store. That is safe because the writer only ever adds whole
//! files and commits each by one atomic rename (a ledger entry, a run
//! record): a reader sees the store as before or as after each commit, and
//! never follows a file that no committed entry names.
//! [`Store`](crate::Store) is a reader plus the writer's lock.

use crate::error::StoreError;
use crate::ledger::{DeliveryStatus, LedgerEntry};
use crate::view::StoreView;
use std::fs;
use std::path::{Path, PathBuf};
use vroeg_contracts::Source;

/// A store opened for reading only (see [`crate::Store::open_read_only`]).
#[derive(Debug)]
pub struct ReadOnlyStore {
    pub(crate) root: PathBuf,
    pub(crate) ledger: Vec<LedgerEntry>,
    pub(crate) view: StoreView,
}

impl ReadOnlyStore {
    /// Reads and checks the ledger of the store at `root` (an absent
    /// `ledger/` folder is an empty ledger).
    pub(crate) fn load(root: &Path) -> Result<ReadOnlyStore, StoreError> {
        let ledger = read_ledger(&root.join("ledger"))?;
        let view = StoreView::from_ledger(root, &ledger)?;
        Ok(ReadOnlyStore {
            root: root.to_path_buf(),
            ledger,
            view,
        })
    }

    /// The store root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every committed delivery, in sequence order.
    pub fn ledger(&self) -> &[LedgerEntry] {
        &self.ledger
    }

    /// The ledger entry of a delivery already taken in under this name with
    /// these bytes, if any: such a file is not new.
    pub fn already_taken(
        &self,
        source: Source,
        file_name: &str,
        sha256: &str,
    ) -> Option<&LedgerEntry> {
        self.ledger
            .iter()
            .find(|e| e.source == source && e.file_name == file_name && e.sha256 == sha256)
    }

    /// Whether a delivery of the source was taken in under this file name.
    pub fn has_delivery_named(&self, source: Source, file_name: &str) -> bool {
        self.ledger
            .iter()
            .any(|e| e.source == source && e.file_name == file_name)
    }

    /// An earlier accepted delivery of the source with the same bytes.
    pub fn same_bytes(&self, source: Source, sha256: &str) -> Option<&LedgerEntry> {
        self.ledger.iter().find(|e| {
            e.source == source && e.sha256 == sha256 && e.status == DeliveryStatus::Accepted
        })
    }

    /// The live tables: which files and partition values runs use.
    pub fn view(&self) -> StoreView {
        self.view.clone()
    }
}

/// The path of delivery `seq`'s ledger entry.
pub(crate) fn ledger_path(root: &Path, seq: u64) -> PathBuf {
    root.join("ledger").join(format!("{seq:06}.json"))
}

fn read_ledger(dir: &Path) -> Result<Vec<LedgerEntry>, StoreError> {
    let damaged = |path: &Path, message: String| StoreError::Ledger {
        path: path.to_path_buf(),
        message,
    };
    let mut entries = Vec::new();
    for (path, entry) in read_json_dir::<LedgerEntry>(dir, damaged)? {
        if path.file_name() != ledger_path(Path::new(""), entry.seq).file_name() {
            return Err(damaged(
                &path,
                format!("it holds delivery {}, not the one its name says", entry.seq),
            ));
        }
        entry.check().map_err(|m| damaged(&path, m))?;
        entries.push(entry);
    }
    entries.sort_by_key(|e| e.seq);
    // Deliveries are numbered 1, 2, 3, … and an entry is written last, so a
    // missing number below the last is damage, not an interrupted delivery:
    // recovery must not delete the files of the delivery it names.
    if let Some((expected, _)) = (1u64..)
        .zip(&entries)
        .find(|(expected, e)| e.seq != *expected)
    {
        return Err(damaged(
            &ledger_path(dir.parent().unwrap_or(dir), expected),
            format!(
                "it is missing while later deliveries are recorded (the ledger goes on at {})",
                entries
                    .iter()
                    .find(|e| e.seq > expected)
                    .map_or(expected, |e| e.seq)
            ),
        ));
    }
    Ok(entries)
}

/// Every `*.json` file of a folder (none if the folder is absent), parsed,
/// with its path; a damaged one is the error `damaged` makes, naming it.
pub(crate) fn read_json_dir<T: serde::de::DeserializeOwned>(
    dir: &Path,
    damaged: impl Fn(&Path, String) -> StoreError,
) -> Result<Vec<(PathBuf, T)>, StoreError> {
    let listing = match fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("listing", dir)(e)),
    };
    let mut out = Vec::new();
    for entry in listing {
        let path = entry.map_err(StoreError::io("listing", dir))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = fs::read(&path).map_err(StoreError::io("reading", &path))?;
        let value = serde_json::from_slice(&text).map_err(|e| damaged(&path, e.to_string()))?;
        out.push((path, value));
    }
    Ok(out)
}
