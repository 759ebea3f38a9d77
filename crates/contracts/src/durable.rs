//! Durable writes, shared by the store, the outputs and the outreach files.
//!
//! Both hold personal data about vulnerable households, and both must
//! survive a crash at any instruction. So every folder is created `0750` and
//! every file `0640`, set explicitly after creation (whatever the process's
//! umask), and a file that must appear whole is written to a temporary name
//! beside its target, flushed, renamed over it, and its folder flushed.
//!
//! The module is deliberately small and returns plain [`std::io::Error`]s:
//! each caller knows which path it was writing and wraps the error in its
//! own type. Unix only, like the rest of vroeg.

use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Permission bits of every folder vroeg creates: owner all, group read.
pub const DIR_MODE: u32 = 0o750;
/// Permission bits of every file vroeg creates: owner read-write, group read.
pub const FILE_MODE: u32 = 0o640;

/// What marks a temporary file of [`write_atomic`]: `.<name>.tmp-<pid>-<n>`.
const TEMP_MARK: &str = ".tmp-";

/// Creates `path` and every missing ancestor, each with [`DIR_MODE`], and
/// flushes each new entry into its parent. Folders that exist are left as
/// they are (their permissions are the user's).
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut current = Some(path);
    while let Some(dir) = current.filter(|d| !d.as_os_str().is_empty()) {
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!("{} exists and is not a folder", dir.display()),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(dir),
            Err(e) => return Err(e),
        }
        current = dir.parent();
    }
    for dir in missing.into_iter().rev() {
        match DirBuilder::new().mode(DIR_MODE).create(dir) {
            Ok(()) => {
                fs::set_permissions(dir, Permissions::from_mode(DIR_MODE))?;
                sync_dir(parent_of(dir))?;
            }
            // another process made it meanwhile
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Creates a new file (refusing one that exists, and so never following a
/// planted link) with [`FILE_MODE`], for writers that stream into it. The
/// caller flushes it (`sync_all`) and moves it into place with [`rename`].
pub fn create_file(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)?;
    file.set_permissions(Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

/// Writes `bytes` to `path` so that `path` holds either its old content or
/// all of `bytes`, never a part, and the new content survives a crash once
/// this returns. The temporary file lives beside `path`; one left by a crash
/// is recognised by [`is_temp_name`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let tmp = parent_of(path).join(format!(
        ".{}{TEMP_MARK}{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = create_file(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Renames `from` to `to` and flushes both folders, so that the move
/// survives a crash once this returns.
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    sync_dir(parent_of(to))?;
    if parent_of(from) != parent_of(to) {
        sync_dir(parent_of(from))?;
    }
    Ok(())
}

/// Flushes a folder's entries (creations, renames, removals) to disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Whether a file name is a temporary file of [`write_atomic`], left behind
/// by a crash.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMP_MARK)
}

/// Removes the temporary files a crash left in `dir` (not below it);
/// returns what it removed.
pub fn remove_temp_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() && is_temp_name(&entry.file_name().to_string_lossy()) {
            fs::remove_file(entry.path())?;
            removed.push(entry.path());
        }
    }
    Ok(removed)
}

/// The folder holding `path` (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn folders_get_0750_and_existing_ones_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), Permissions::from_mode(0o755)).unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_all(&deep).unwrap();
        for d in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&dir.path().join(d)), 0o750, "{d}");
        }
        assert_eq!(mode(dir.path()), 0o755, "an existing folder keeps its mode");
        create_dir_all(&deep).unwrap();
    }

    #[test]
    fn a_file_in_the_way_of_a_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a"), "x").unwrap();
        let e = create_dir_all(&dir.path().join("a/b")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotADirectory);
        assert_eq!(fs::read(dir.path().join("a")).unwrap(), b"x");
    }

    #[test]
    fn an_atomic_write_replaces_the_whole_file_with_0640_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        fs::write(&path, "old and longer").unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o666)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(mode(&path), 0o640);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["f.json"]);
    }

    #[test]
    fn create_file_refuses_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "mine").unwrap();
        assert_eq!(
            create_file(&path).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read(&path).unwrap(), b"mine");
        let new = dir.path().join("g");
        drop(create_file(&new).unwrap());
        assert_eq!(mode(&new), 0o640);
    }

    #[test]
    fn only_temp_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".000001.json.tmp-12-0"), "x").unwrap();
        fs::write(dir.path().join("000001.json"), "x").unwrap();
        fs::write(dir.path().join(".hidden"), "x").unwrap();
        let removed = remove_temp_files(dir.path()).unwrap();
        assert_eq!(removed, vec![dir.path().join(".000001.json.tmp-12-0")]);
        assert!(dir.path().join("000001.json").exists());
        assert!(dir.path().join(".hidden").exists());
        assert!(is_temp_name(".signals.csv.tmp-1-2"));
        assert!(!is_temp_name("signals.tmp-1.csv"));
    }
}
