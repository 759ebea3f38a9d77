//! Opening a store: folders, format check, lock, crash recovery, ledger.

use crate::error::StoreError;
use crate::ledger::{DeliveryStatus, LedgerEntry};
use crate::view::StoreView;
use crate::writer::DeliveryWriter;
use std::collections::BTreeSet;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use vroeg_contracts::Source;

/// The store format this build reads and writes.
pub const FORMAT: &str = "vroeg-store-1";

/// An open store, holding its lock until dropped.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    _lock: File,
    ledger: Vec<LedgerEntry>,
}

impl Store {
    /// Opens (creating if needed) the store at `root`, takes its lock, and
    /// rolls back what an interrupted delivery left behind.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        fs::create_dir_all(root).map_err(StoreError::io("creating store folder", root))?;
        let format_path = root.join("FORMAT");
        match fs::read_to_string(&format_path) {
            Ok(found) if found.trim() == FORMAT => {}
            Ok(found) => {
                return Err(StoreError::Format {
                    path: root.to_path_buf(),
                    found: found.trim().to_string(),
                    expected: FORMAT.to_string(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::write(&format_path, format!("{FORMAT}\n"))
                    .map_err(StoreError::io("writing", &format_path))?;
            }
            Err(e) => return Err(StoreError::io("reading", &format_path)(e)),
        }
        let lock_path = root.join(".lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(StoreError::io("opening lock", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(StoreError::Locked(root.to_path_buf())),
            Err(TryLockError::Error(e)) => return Err(StoreError::io("locking", &lock_path)(e)),
        }
        for dir in ["ledger", "tables", "quarantine", "staging", "runs"] {
            let p = root.join(dir);
            fs::create_dir_all(&p).map_err(StoreError::io("creating", &p))?;
        }
        let ledger = read_ledger(&root.join("ledger"))?;
        let store = Store {
            root: root.to_path_buf(),
            _lock: lock,
            ledger,
        };
        store.recover()?;
        Ok(store)
    }

    /// The store root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every committed delivery, in sequence order.
    pub fn ledger(&self) -> &[LedgerEntry] {
        &self.ledger
    }

    /// The sequence number the next delivery gets.
    pub fn next_seq(&self) -> u64 {
        self.ledger.last().map_or(1, |e| e.seq + 1)
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

    /// Starts writing delivery `seq` (use [`Store::next_seq`]).
    pub fn begin_delivery(&self, source: Source, seq: u64) -> Result<DeliveryWriter, StoreError> {
        DeliveryWriter::new(&self.root, source, seq)
    }

    /// Commits a delivery whose files the writer has put in place, or records
    /// a refused or duplicate delivery (no files): writes the ledger entry
    /// with an atomic rename. This is the commit point.
    pub fn commit(&mut self, entry: LedgerEntry) -> Result<(), StoreError> {
        let dir = self.root.join("ledger");
        let tmp = self
            .root
            .join("staging")
            .join(format!("{:06}.json", entry.seq));
        let body = serde_json::to_vec_pretty(&entry).expect("a ledger entry serialises");
        write_synced(&tmp, &body)?;
        crate::writer::failpoint("before-ledger");
        let target = dir.join(format!("{:06}.json", entry.seq));
        fs::rename(&tmp, &target).map_err(StoreError::io("committing ledger entry", &target))?;
        sync_dir(&dir);
        let staging = self.root.join("staging").join(format!("{:06}", entry.seq));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(StoreError::io("removing", &staging))?;
        }
        self.ledger.push(entry);
        Ok(())
    }

    /// The live tables as of now: which files and partition values runs use.
    pub fn view(&self) -> StoreView {
        StoreView::from_ledger(&self.root, &self.ledger)
    }

    /// Deletes staging and every file whose delivery was never committed.
    fn recover(&self) -> Result<(), StoreError> {
        let staging = self.root.join("staging");
        for entry in fs::read_dir(&staging).map_err(StoreError::io("listing", &staging))? {
            let path = entry.map_err(StoreError::io("listing", &staging))?.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(StoreError::io("removing interrupted delivery", &path))?;
        }
        let committed: BTreeSet<u64> = self.ledger.iter().map(|e| e.seq).collect();
        let mut orphans = Vec::new();
        collect_orphans(&self.root.join("tables"), &committed, &mut orphans)?;
        collect_orphans(&self.root.join("quarantine"), &committed, &mut orphans)?;
        for path in orphans {
            tracing::warn!(file = %path.display(), "removing a file of an interrupted delivery");
            fs::remove_file(&path)
                .map_err(StoreError::io("removing interrupted delivery", &path))?;
        }
        crate::runs::recover_runs(&self.root)
    }
}

/// The delivery sequence number in a stored file's name: `d000042.parquet`
/// or `000042-name.csv`.
fn seq_of(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    let digits = name.strip_prefix('d').unwrap_or(name);
    digits.get(..6)?.parse().ok()
}

fn collect_orphans(
    dir: &Path,
    committed: &BTreeSet<u64>,
    out: &mut Vec<PathBuf>,
) -> Result<(), StoreError> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in fs::read_dir(dir).map_err(StoreError::io("listing", dir))? {
        let path = entry.map_err(StoreError::io("listing", dir))?.path();
        if path.is_dir() {
            collect_orphans(&path, committed, out)?;
        } else if seq_of(&path).is_none_or(|s| !committed.contains(&s)) {
            out.push(path);
        }
    }
    Ok(())
}

fn read_ledger(dir: &Path) -> Result<Vec<LedgerEntry>, StoreError> {
    let mut entries: Vec<LedgerEntry> = read_json_dir(dir)?;
    entries.sort_by_key(|e| e.seq);
    Ok(entries)
}

/// Every `*.json` file of a folder, parsed; a damaged one is an error that
/// names it.
pub(crate) fn read_json_dir<T: serde::de::DeserializeOwned>(
    dir: &Path,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(StoreError::io("listing", dir))? {
        let path = entry.map_err(StoreError::io("listing", dir))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = fs::read(&path).map_err(StoreError::io("reading", &path))?;
        out.push(
            serde_json::from_slice(&text).map_err(|e| StoreError::Ledger {
                path: path.clone(),
                message: e.to_string(),
            })?,
        );
    }
    Ok(out)
}

/// Writes a file and flushes it to disk.
pub(crate) fn write_synced(path: &Path, body: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    let mut f = File::create(path).map_err(StoreError::io("creating", path))?;
    f.write_all(body).map_err(StoreError::io("writing", path))?;
    f.sync_all().map_err(StoreError::io("syncing", path))?;
    Ok(())
}

/// Flushes a folder's entries (renames) to disk, where the platform can.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
