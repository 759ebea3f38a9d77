//! The out folder is vroeg's own (cli.md): what it may be, checked before
//! any work and again at publishing.
//!
//! vroeg never deletes or moves a file it did not write. So an out path is
//! used only when it does not exist, is an empty folder, or holds a previous
//! vroeg output set, which is recognised like this: the folder's
//! `manifest.json` parses as a JSON object with a non-empty string `run_id`
//! and an object `outputs`, and the folder holds nothing but regular files
//! named `manifest.json` or a key of `outputs` (no subfolders, links or
//! other files). Anything else — a file, a link, a folder of documents, an
//! output set a person added a note to — is refused untouched. The out
//! folder may also not lie inside the inbox or the store, nor they inside it.

use crate::OutputError;
use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// A manifest larger than this is not one vroeg wrote.
const MANIFEST_MAX_BYTES: u64 = 64 << 20;

/// What an existing folder holds, judged by the ownership rule.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Contents {
    /// Nothing.
    Empty,
    /// Only files vroeg wrote, by these names.
    Ours(Vec<String>),
    /// Something vroeg did not write; the text says what, for the message.
    Foreign(String),
}

/// Refuses an out folder that vroeg may not write to: one inside the inbox
/// or the store (or holding either), or an existing path that is not a
/// folder, not empty and not a previous vroeg output set (see the module
/// documentation). Paths are compared after resolving links in their
/// existing part; none of them needs to exist. Call it before any work, so
/// that a refused run changes nothing; [`crate::publish`] checks the
/// ownership again.
pub fn check_out_dir(out: &Path, inbox: &Path, store: &Path) -> Result<(), OutputError> {
    let resolved = resolve(out)?;
    for (role, other) in [("inbox", inbox), ("store", store)] {
        let other_resolved = resolve(other)?;
        if resolved.starts_with(&other_resolved) || other_resolved.starts_with(&resolved) {
            return Err(OutputError::OutOverlaps {
                out: out.to_path_buf(),
                role,
                other: other.to_path_buf(),
            });
        }
    }
    inspect(out).map(|_| ())
}

/// Judges an out path before it is written: `Ok(None)` when it does not
/// exist, `Ok(Some(contents))` for an empty folder or a previous output set,
/// and the refusal otherwise.
pub(crate) fn inspect(out: &Path) -> Result<Option<Contents>, OutputError> {
    if !matches!(out.components().next_back(), Some(Component::Normal(_))) {
        return Err(OutputError::OutPath {
            path: out.to_path_buf(),
        });
    }
    let meta = match fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(crate::io(out)(e)),
    };
    let what = if meta.is_symlink() {
        "a symbolic link"
    } else if meta.is_file() {
        "a file"
    } else if !meta.is_dir() {
        "a special file"
    } else {
        return match judge(out, &BTreeSet::new())? {
            Contents::Foreign(found) => Err(OutputError::OutNotOwned {
                path: out.to_path_buf(),
                found,
            }),
            contents => Ok(Some(contents)),
        };
    };
    Err(OutputError::OutNotAFolder {
        path: out.to_path_buf(),
        what,
    })
}

/// Judges a folder's entries: ours when each is a regular file named in its
/// recognised `manifest.json` or in `also_ours`.
pub(crate) fn judge(dir: &Path, also_ours: &BTreeSet<String>) -> Result<Contents, OutputError> {
    let mut names = Vec::new();
    let mut foreign = Vec::new();
    for entry in fs::read_dir(dir).map_err(crate::io(dir))? {
        let entry = entry.map_err(crate::io(dir))?;
        let is_file = entry.file_type().map_err(crate::io(dir))?.is_file();
        match entry.file_name().into_string() {
            Ok(name) if is_file => names.push(name),
            Ok(name) => foreign.push(name),
            Err(name) => foreign.push(name.to_string_lossy().into_owned()),
        }
    }
    if names.is_empty() && foreign.is_empty() {
        return Ok(Contents::Empty);
    }
    let manifest = read_manifest(&dir.join("manifest.json"));
    let why = if manifest.is_some() {
        "that its manifest.json does not list"
    } else {
        "and no manifest.json of a vroeg run"
    };
    let listed = manifest.unwrap_or_default();
    foreign.extend(
        names
            .iter()
            .filter(|n| !listed.contains(*n) && !also_ours.contains(*n))
            .cloned(),
    );
    if foreign.is_empty() {
        Ok(Contents::Ours(names))
    } else {
        foreign.sort();
        let shown: Vec<String> = foreign.iter().take(3).map(|n| format!("`{n}`")).collect();
        let more = foreign.len().saturating_sub(3);
        Ok(Contents::Foreign(format!(
            "{}{} {why}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )))
    }
}

/// The file names a vroeg `manifest.json` accounts for (itself and every
/// key of `outputs`), or `None` when the file is not such a manifest.
fn read_manifest(path: &Path) -> Option<BTreeSet<String>> {
    let file = fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = Vec::new();
    file.take(MANIFEST_MAX_BYTES).read_to_end(&mut text).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let run_id = value.get("run_id")?.as_str()?;
    let outputs = value.get("outputs")?.as_object()?;
    if run_id.is_empty() {
        return None;
    }
    let mut names: BTreeSet<String> = outputs.keys().cloned().collect();
    names.insert("manifest.json".to_string());
    Some(names)
}

/// The absolute form of a path whose tail may not exist yet: its longest
/// existing ancestor with links resolved, then the rest, `..` applied.
fn resolve(path: &Path) -> Result<PathBuf, OutputError> {
    let absolute = std::path::absolute(path).map_err(crate::io(path))?;
    let mut existing = absolute.as_path();
    let mut tail = Vec::new();
    let base = loop {
        match fs::canonicalize(existing) {
            Ok(p) => break p,
            Err(_) => match (existing.parent(), existing.components().next_back()) {
                (Some(parent), Some(last)) => {
                    tail.push(last.as_os_str().to_os_string());
                    existing = parent;
                }
                // a path whose ancestors cannot be resolved at all
                _ => break existing.to_path_buf(),
            },
        }
    };
    let mut resolved = base;
    for part in tail.iter().rev() {
        if part == ".." {
            resolved.pop();
        } else if part != "." {
            resolved.push(part);
        }
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_follows_links_in_the_existing_part_and_applies_dot_dot_after() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
        let base = fs::canonicalize(dir.path()).unwrap();
        assert_eq!(
            resolve(&dir.path().join("link/new/deeper/..")).unwrap(),
            base.join("real/new")
        );
    }

    #[test]
    fn a_manifest_without_run_id_or_outputs_is_not_a_vroeg_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("manifest.json");
        for (text, ok) in [
            (r#"{"run_id": "r1", "outputs": {"a.csv": "x"}}"#, true),
            (r#"{"run_id": "", "outputs": {}}"#, false),
            (r#"{"outputs": {}}"#, false),
            (r#"{"run_id": "r1"}"#, false),
            (r#"{"run_id": "r1", "outputs": {"#, false),
            ("[]", false),
        ] {
            fs::write(&m, text).unwrap();
            assert_eq!(read_manifest(&m).is_some(), ok, "{text}");
        }
    }
}
