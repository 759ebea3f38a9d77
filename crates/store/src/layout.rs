//! Opening a store: folders, format check, lock, crash recovery, commits.

use crate::batch::BatchWriter;
use crate::durable;
use crate::error::StoreError;
use crate::ledger::LedgerEntry;
use crate::lock::StoreLock;
use crate::reader::{LedgerFile, ReadOnlyStore, ledger_path};
use crate::view::StoreView;
use crate::writer::DeliveryWriter;
use std::collections::BTreeSet;
use std::fs;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use vroeg_contracts::Source;

/// The store format this build reads and writes.
pub const FORMAT: &str = "vroeg-store-1";

/// The folders of a store, created by [`Store::open`].
const FOLDERS: [&str; 5] = ["ledger", "tables", "quarantine", "staging", "runs"];

/// A store open for writing: a [`ReadOnlyStore`] (every reading method is
/// available through it) plus the exclusive lock, held until dropped.
#[derive(Debug)]
pub struct Store {
    pub(crate) reader: ReadOnlyStore,
    _lock: StoreLock,
}

impl Deref for Store {
    type Target = ReadOnlyStore;

    fn deref(&self) -> &ReadOnlyStore {
        &self.reader
    }
}

impl Store {
    /// Opens (creating if needed) the store at `root` for writing, takes its
    /// lock, and rolls back what an interrupted delivery left behind. A
    /// folder that holds other files but no `FORMAT` is refused untouched.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        durable::create_dir_all(root).map_err(StoreError::io("creating store folder", root))?;
        let lock = StoreLock::try_take(root)?;
        let format_path = root.join("FORMAT");
        match fs::read_to_string(&format_path) {
            Ok(found) => check_format(root, &found)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !is_empty(root)? {
                    return Err(StoreError::NotAStore {
                        path: root.to_path_buf(),
                        reason: "the folder holds other files but no FORMAT file, and vroeg makes a new store only in a new or empty folder",
                    });
                }
                durable::write_atomic(&format_path, format!("{FORMAT}\n").as_bytes())
                    .map_err(StoreError::io("writing", &format_path))?;
            }
            Err(e) => return Err(StoreError::io("reading", &format_path)(e)),
        }
        for dir in FOLDERS {
            let p = root.join(dir);
            durable::create_dir_all(&p).map_err(StoreError::io("creating", &p))?;
        }
        for dir in [root.to_path_buf(), root.join("ledger")] {
            durable::remove_temp_files(&dir)
                .map_err(StoreError::io("removing an interrupted write in", &dir))?;
        }
        let store = Store {
            reader: ReadOnlyStore::load(root)?,
            _lock: lock,
        };
        store.recover()?;
        Ok(store)
    }

    /// Opens the store at `root` for reading only: no lock (it works while
    /// an ingest or a run holds the store), no recovery, no write of any
    /// kind. For `explain` and the other commands that never change the
    /// store.
    pub fn open_read_only(root: &Path) -> Result<ReadOnlyStore, StoreError> {
        let not_a_store = |reason| StoreError::NotAStore {
            path: root.to_path_buf(),
            reason,
        };
        match fs::metadata(root) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(not_a_store("it is not a folder")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(not_a_store("it does not exist (run `vroeg ingest` first)"));
            }
            Err(e) => return Err(StoreError::io("reading", root)(e)),
        }
        let format_path = root.join("FORMAT");
        match fs::read_to_string(&format_path) {
            Ok(found) => check_format(root, &found)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(not_a_store("it has no FORMAT file"));
            }
            Err(e) => return Err(StoreError::io("reading", &format_path)(e)),
        }
        ReadOnlyStore::load(root)
    }

    /// The sequence number the next delivery gets.
    pub fn next_seq(&self) -> u64 {
        self.ledger.last().map_or(1, |e| e.seq + 1)
    }

    /// Starts writing delivery `seq` (use [`Store::next_seq`]).
    pub fn begin_delivery(&self, source: Source, seq: u64) -> Result<DeliveryWriter, StoreError> {
        DeliveryWriter::new(&self.root, source, seq)
    }

    /// Starts writing a batch of small deliveries of `source` numbered on
    /// from `first` (use [`Store::next_seq`]).
    pub fn begin_batch(&self, source: Source, first: u64) -> Result<BatchWriter, StoreError> {
        BatchWriter::new(&self.root, source, first)
    }

    /// Commits a delivery whose files the writer has put in place, or records
    /// a refused or duplicate delivery (no files): writes the ledger entry
    /// atomically. This is the commit point.
    pub fn commit(&mut self, entry: LedgerEntry) -> Result<(), StoreError> {
        self.commit_batch(vec![entry])
    }

    /// Commits deliveries together in one ledger file, written atomically:
    /// one commit point for all of them. A batch of more than one must be
    /// numbered on from [`Store::next_seq`], each entry naming the first as
    /// its `batch`; a single entry may stand alone.
    pub fn commit_batch(&mut self, entries: Vec<LedgerEntry>) -> Result<(), StoreError> {
        let Some(first) = entries.first() else {
            return Ok(());
        };
        let file = first.ledger_file();
        let target = ledger_path(&self.root, file);
        let damaged = |message: String| StoreError::Ledger {
            path: target.clone(),
            message,
        };
        let next = self.next_seq();
        for (expected, e) in (next..).zip(&entries) {
            e.check().map_err(damaged)?;
            let in_place = e.seq == expected
                && e.ledger_file() == file
                && (entries.len() == 1 && e.batch.is_none() && e.batch_size.is_none()
                    || e.batch == Some(file) && e.batch_size == Some(entries.len() as u64));
            if !in_place {
                return Err(damaged(format!(
                    "delivery {} cannot be committed as delivery {expected} of batch {file}",
                    e.seq
                )));
            }
        }
        let body = LedgerFile::body(&entries.iter().collect::<Vec<_>>())
            .map_err(|e| damaged(e.to_string()))?;
        // The view is computed with the new entries in the ledger; they
        // leave it again if it or the commit fails.
        let from = self.reader.ledger.len();
        self.reader.ledger.extend(entries);
        let committed = StoreView::from_ledger(&self.root, &self.reader.ledger).and_then(|view| {
            crate::writer::failpoint("before-ledger");
            durable::write_atomic(&target, &body)
                .map_err(|e| StoreError::io("committing ledger entry", &target)(e))?;
            Ok(view)
        });
        match committed {
            Ok(view) => self.reader.index_from(from, view),
            Err(e) => {
                self.reader.ledger.truncate(from);
                return Err(e);
            }
        }
        let staging = self.root.join("staging").join(format!("{file:06}"));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(StoreError::io("removing", &staging))?;
        }
        Ok(())
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
        // files of a purge whose journal was lost: the ledger no longer
        // names them, and its tombstones say they go
        for e in self.ledger.iter() {
            let purged = e
                .purged
                .iter()
                .flat_map(|p| p.files.iter().chain(&p.quarantine));
            for f in purged {
                let path = self.root.join(&f.path);
                let through_link = crate::purge::no_link(&self.root, &f.path).is_err();
                if path.is_file()
                    && !through_link
                    && !self.root.join(crate::purge::JOURNAL).exists()
                {
                    tracing::warn!(file = %path.display(), "removing a file of an interrupted purge");
                    fs::remove_file(&path)
                        .map_err(StoreError::io("removing purged file", &path))?;
                }
            }
        }
        for path in orphans {
            tracing::warn!(file = %path.display(), "removing a file of an interrupted delivery");
            fs::remove_file(&path)
                .map_err(StoreError::io("removing interrupted delivery", &path))?;
        }
        // the lock file of vroeg before the lock moved to the root folder
        let legacy_lock = self.root.join(".lock");
        if legacy_lock.is_file() {
            fs::remove_file(&legacy_lock).map_err(StoreError::io("removing", &legacy_lock))?;
        }
        crate::runs::recover_runs(&self.root)
    }
}

fn check_format(root: &Path, found: &str) -> Result<(), StoreError> {
    if found.trim() == FORMAT {
        Ok(())
    } else {
        Err(StoreError::Format {
            path: root.to_path_buf(),
            found: found.trim().to_string(),
            expected: FORMAT.to_string(),
        })
    }
}

/// Whether a folder holds nothing but temporary files of interrupted writes.
fn is_empty(dir: &Path) -> Result<bool, StoreError> {
    for entry in fs::read_dir(dir).map_err(StoreError::io("listing", dir))? {
        let entry = entry.map_err(StoreError::io("listing", dir))?;
        if !durable::is_temp_name(&entry.file_name().to_string_lossy()) {
            return Ok(false);
        }
    }
    Ok(true)
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
        let entry = entry.map_err(StoreError::io("listing", dir))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(StoreError::io("reading", &path))?;
        if kind.is_symlink() {
            // never followed: what it points to is not the store's
            tracing::warn!(link = %path.display(), "a symbolic link in the store is left alone");
        } else if kind.is_dir() {
            collect_orphans(&path, committed, out)?;
        } else if seq_of(&path).is_none_or(|s| !committed.contains(&s)) {
            out.push(path);
        }
    }
    Ok(())
}
