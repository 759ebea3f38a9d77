//! Publishing a run's files all at once.

use crate::{OutputError, io};
use rustix::fs::{CWD, RenameFlags, renameat_with};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

/// Writes `files` into `out` so that `out` holds either all of them (and
/// nothing else) or exactly what it held before. A crash leaves at most a
/// `.<name>.staging-*` folder beside `out`, which the next publish removes.
pub fn publish(
    out: &Path,
    run_id: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<(), OutputError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let prefix = format!(".{name}.staging-");
    if let Ok(entries) = fs::read_dir(parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    let staging = parent.join(format!("{prefix}{run_id}"));
    fs::create_dir_all(&staging).map_err(io(&staging))?;
    for (file, bytes) in files {
        let path = staging.join(file);
        let mut f = fs::File::create(&path).map_err(io(&path))?;
        f.write_all(bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))?;
    }
    if out.exists() {
        renameat_with(CWD, &staging, CWD, out, RenameFlags::EXCHANGE).map_err(|e| {
            OutputError::Io {
                path: out.to_path_buf(),
                source: e.into(),
            }
        })?;
        fs::remove_dir_all(&staging).map_err(io(&staging))?;
    } else {
        fs::rename(&staging, out).map_err(io(out))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_replaces_the_whole_set() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let mut a = BTreeMap::new();
        a.insert("x.txt".to_string(), b"1".to_vec());
        a.insert("old.txt".to_string(), b"old".to_vec());
        publish(&out, "a", &a).unwrap();
        let mut b = BTreeMap::new();
        b.insert("x.txt".to_string(), b"2".to_vec());
        publish(&out, "b", &b).unwrap();
        assert_eq!(fs::read(out.join("x.txt")).unwrap(), b"2");
        assert!(
            !out.join("old.txt").exists(),
            "nothing of the previous set is left"
        );
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
    }
}
