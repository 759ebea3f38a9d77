//! Publishing a run's files all at once, into a folder vroeg owns.
//!
//! The files are written into a staging folder beside the out folder and
//! swapped in with one atomic `renameat2(RENAME_EXCHANGE)` (or a
//! `RENAME_NOREPLACE` rename when the out folder is new). The old set then
//! sits in the staging folder and is removed file by file, by name: only
//! when every file in it is one vroeg wrote, so a file someone added in the
//! meantime survives (in the hidden staging folder) rather than being
//! deleted. Files and folders get the modes of [`vroeg_store::durable`].

use crate::owned::{Contents, inspect, judge};
use crate::{OutputError, io};
use rustix::fs::{CWD, RenameFlags, renameat_with};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Component, Path};
use vroeg_store::durable;

/// Writes `files` into `out` so that `out` holds either all of them (and
/// nothing else) or exactly what it held before. `out` must not exist, be
/// empty or hold a previous vroeg output set (see
/// [`crate::check_out_dir`]); anything else is refused before a byte is
/// written. A crash leaves at most a `.<name>.staging-*` folder beside
/// `out`, which the next publish removes if it holds only vroeg's files.
pub fn publish(
    out: &Path,
    run_id: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<(), OutputError> {
    let before = inspect(out)?;
    if let Some(bad) = files
        .keys()
        .map(String::as_str)
        .chain([run_id])
        .find(|n| !is_plain_name(n))
    {
        return Err(OutputError::Io {
            path: out.join(bad),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "an output's name and the run id must be plain file names",
            ),
        });
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    durable::create_dir_all(parent).map_err(io(parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let prefix = format!(".{name}.staging-");
    let ours: BTreeSet<String> = files.keys().cloned().collect();
    remove_stale_staging(parent, &prefix, &ours);
    let staging = parent.join(format!("{prefix}{run_id}"));
    durable::create_dir_all(&staging).map_err(io(&staging))?;
    // manifest.json last: a staging folder with a manifest is complete
    let in_order = files
        .iter()
        .filter(|(n, _)| *n != "manifest.json")
        .chain(files.iter().filter(|(n, _)| *n == "manifest.json"));
    for (file, bytes) in in_order {
        let path = staging.join(file);
        let mut f = durable::create_file(&path).map_err(io(&path))?;
        f.write_all(bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))?;
    }
    durable::sync_dir(&staging).map_err(io(&staging))?;
    let flags = if before.is_some() {
        RenameFlags::EXCHANGE
    } else {
        RenameFlags::NOREPLACE
    };
    renameat_with(CWD, &staging, CWD, out, flags).map_err(|e| OutputError::Io {
        path: out.to_path_buf(),
        source: e.into(),
    })?;
    durable::sync_dir(parent).map_err(io(parent))?;
    if before.is_some() {
        // the old set (or the empty folder) is now at `staging`
        remove_if_ours(&staging, &BTreeSet::new());
    }
    Ok(())
}

/// Removes the staging folders a crashed publish left beside `out`, each
/// only if it holds nothing but vroeg's files.
fn remove_stale_staging(parent: &Path, prefix: &str, ours: &BTreeSet<String>) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && e.file_name().to_string_lossy().starts_with(prefix) {
            remove_if_ours(&e.path(), ours);
        }
    }
}

/// Removes a folder of vroeg's files, file by file; leaves it whole if
/// anything in it is not vroeg's (see [`judge`]).
fn remove_if_ours(dir: &Path, also_ours: &BTreeSet<String>) {
    match judge(dir, also_ours) {
        Ok(Contents::Ours(names)) => {
            for n in names {
                let _ = fs::remove_file(dir.join(n));
            }
            let _ = fs::remove_dir(dir);
        }
        Ok(Contents::Empty) => {
            let _ = fs::remove_dir(dir);
        }
        Ok(Contents::Foreign(_)) | Err(_) => {}
    }
}

/// A single normal path component: no `/`, not `.` or `..`.
fn is_plain_name(name: &str) -> bool {
    let mut parts = Path::new(name).components();
    matches!(
        (parts.next(), parts.next()),
        (Some(Component::Normal(_)), None)
    ) && !name.contains('/')
}
