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
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use vroeg_contracts::Source;

/// A store opened for reading only (see [`crate::Store::open_read_only`]).
#[derive(Debug)]
pub struct ReadOnlyStore {
    pub(crate) root: PathBuf,
    pub(crate) ledger: Vec<LedgerEntry>,
    pub(crate) view: StoreView,
    index: LedgerIndex,
}

/// Where in the ledger a file name or a hash was recorded: the positions of
/// its entries, so that an inbox of many thousand files is checked against
/// the ledger in time proportional to the files, not their square.
#[derive(Debug, Default)]
struct LedgerIndex {
    by_name: HashMap<(Source, String), Vec<usize>>,
    by_sha: HashMap<(Source, String), Vec<usize>>,
}

impl LedgerIndex {
    fn of(ledger: &[LedgerEntry]) -> LedgerIndex {
        let mut index = LedgerIndex::default();
        for (i, e) in ledger.iter().enumerate() {
            index.add(i, e);
        }
        index
    }

    fn add(&mut self, i: usize, e: &LedgerEntry) {
        self.by_name
            .entry((e.source, e.file_name.clone()))
            .or_default()
            .push(i);
        self.by_sha
            .entry((e.source, e.sha256.clone()))
            .or_default()
            .push(i);
    }
}

impl ReadOnlyStore {
    /// Reads and checks the ledger of the store at `root` (an absent
    /// `ledger/` folder is an empty ledger).
    pub(crate) fn load(root: &Path) -> Result<ReadOnlyStore, StoreError> {
        let ledger = read_ledger(&root.join("ledger"))?;
        let view = StoreView::from_ledger(root, &ledger)?;
        Ok(ReadOnlyStore {
            root: root.to_path_buf(),
            index: LedgerIndex::of(&ledger),
            ledger,
            view,
        })
    }

    /// Replaces the ledger and its view (after a purge rewrote entries).
    pub(crate) fn set_ledger(&mut self, ledger: Vec<LedgerEntry>, view: StoreView) {
        self.index = LedgerIndex::of(&ledger);
        self.ledger = ledger;
        self.view = view;
    }

    /// Indexes the entries from position `from` on, just committed, and
    /// takes the view that includes them.
    pub(crate) fn index_from(&mut self, from: usize, view: StoreView) {
        for (i, e) in self.ledger.iter().enumerate().skip(from) {
            self.index.add(i, e);
        }
        self.view = view;
    }

    fn entries<'a>(
        &'a self,
        positions: Option<&'a Vec<usize>>,
    ) -> impl Iterator<Item = &'a LedgerEntry> + 'a {
        positions
            .into_iter()
            .flatten()
            .filter_map(|i| self.ledger.get(*i))
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
        self.entries(self.index.by_name.get(&(source, file_name.to_string())))
            .find(|e| e.sha256 == sha256)
    }

    /// The deliveries taken in under this file name, in sequence order.
    pub fn named<'a>(
        &'a self,
        source: Source,
        file_name: &str,
    ) -> impl Iterator<Item = &'a LedgerEntry> + 'a {
        self.entries(self.index.by_name.get(&(source, file_name.to_string())))
    }

    /// Whether a delivery of the source was taken in under this file name.
    pub fn has_delivery_named(&self, source: Source, file_name: &str) -> bool {
        self.index
            .by_name
            .contains_key(&(source, file_name.to_string()))
    }

    /// An earlier accepted delivery of the source with the same bytes.
    pub fn same_bytes(&self, source: Source, sha256: &str) -> Option<&LedgerEntry> {
        self.entries(self.index.by_sha.get(&(source, sha256.to_string())))
            .find(|e| e.status == DeliveryStatus::Accepted)
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
    for (path, file) in read_dir_with(dir, LedgerFile::parse, damaged)? {
        let named = |seq: u64| path.file_name() == ledger_path(Path::new(""), seq).file_name();
        match file {
            LedgerFile::One(entry) => {
                if !named(entry.seq) {
                    return Err(damaged(
                        &path,
                        format!("it holds delivery {}, not the one its name says", entry.seq),
                    ));
                }
                if entry.batch.is_some() || entry.batch_size.is_some() {
                    return Err(damaged(
                        &path,
                        format!("delivery {} names a batch but is not in one", entry.seq),
                    ));
                }
                entry.check().map_err(|m| damaged(&path, m))?;
                entries.push(*entry);
            }
            LedgerFile::Batch(batch) => {
                let first = batch.first().map_or(0, |e| e.seq);
                if batch.is_empty() {
                    return Err(damaged(&path, "it holds an empty batch".to_string()));
                }
                if !named(first) {
                    return Err(damaged(
                        &path,
                        format!(
                            "it holds a batch from delivery {first}, not the one its name says"
                        ),
                    ));
                }
                let size = batch.len() as u64;
                if let Some(odd) = batch.iter().find(|e| e.batch_size != Some(size)) {
                    let recorded = odd
                        .batch_size
                        .map_or("(none)".to_string(), |n| n.to_string());
                    return Err(damaged(
                        &path,
                        format!(
                            "the batch from delivery {first} holds {size} entries, not the {recorded} its entries record"
                        ),
                    ));
                }
                for (expected, entry) in (first..).zip(batch) {
                    if entry.seq != expected || entry.batch != Some(first) {
                        return Err(damaged(
                            &path,
                            format!(
                                "delivery {} is out of place in the batch of delivery {first}",
                                entry.seq
                            ),
                        ));
                    }
                    entry.check().map_err(|m| damaged(&path, m))?;
                    entries.push(entry);
                }
            }
        }
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

/// One ledger file: a delivery committed on its own, or a batch of small
/// deliveries of one source committed together (a JSON array, in sequence
/// order, named after the first).
pub(crate) enum LedgerFile {
    /// `{…}`
    One(Box<LedgerEntry>),
    /// `[entry, entry, …]`
    Batch(Vec<LedgerEntry>),
}

impl LedgerFile {
    /// Parses a ledger file by its first character, so that a damaged
    /// entry's error says what is wrong in it, with line and column.
    fn parse(bytes: &[u8]) -> Result<LedgerFile, serde_json::Error> {
        if bytes.trim_ascii_start().starts_with(b"[") {
            serde_json::from_slice(bytes).map(LedgerFile::Batch)
        } else {
            serde_json::from_slice(bytes).map(|e| LedgerFile::One(Box::new(e)))
        }
    }

    /// The bytes of the ledger file that holds `entries` (one entry: an
    /// object; a batch: an array).
    pub(crate) fn body(entries: &[&LedgerEntry]) -> Result<Vec<u8>, serde_json::Error> {
        match entries {
            [one] if one.batch.is_none() => serde_json::to_vec_pretty(one),
            batch => serde_json::to_vec_pretty(batch),
        }
    }
}

/// Every `*.json` file of a folder (none if the folder is absent), parsed,
/// with its path; a damaged one is the error `damaged` makes, naming it.
pub(crate) fn read_json_dir<T: serde::de::DeserializeOwned>(
    dir: &Path,
    damaged: impl Fn(&Path, String) -> StoreError,
) -> Result<Vec<(PathBuf, T)>, StoreError> {
    read_dir_with(dir, |b| serde_json::from_slice(b), damaged)
}

/// Every `*.json` file of a folder, parsed by `parse`.
fn read_dir_with<T>(
    dir: &Path,
    parse: impl Fn(&[u8]) -> Result<T, serde_json::Error>,
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
        let value = parse(&text).map_err(|e| damaged(&path, e.to_string()))?;
        out.push((path, value));
    }
    Ok(out)
}
