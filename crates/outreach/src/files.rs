//! New private files: a worklist, a DDAS document, a pseudonymized
//! delivery, the store's ID key. Each is created whole or not at all, with
//! mode 0600 whatever the umask, and never replaces a file: it is written
//! under a temporary name, flushed, and linked into place, which fails if
//! the name was taken meanwhile.

use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use vroeg_contracts::durable;

use crate::error::{OutreachError, Result};

/// The mode of every file made here: the owner's alone.
pub const PRIVATE_MODE: u32 = 0o600;

/// Refuses a file that exists (a dangling link included) or whose folder
/// does not (exit 2): a worklist or an export never replaces a file.
pub fn check_new_file(path: &Path) -> Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(OutreachError::OutputExists {
            file: path.to_path_buf(),
        });
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if path.file_name().is_none() || !folder.is_dir() {
        return Err(OutreachError::OutputFolderMissing {
            file: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Creates `path` (new, mode 0600) holding `bytes`, whole or not at all:
/// written under a temporary name, flushed, then linked into place, which
/// fails rather than replace a file that appeared meanwhile.
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<()> {
    check_new_file(path)?;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = folder.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    write_private(&tmp, bytes).map_err(OutreachError::write(path))?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => durable::sync_dir(folder).map_err(OutreachError::write(path)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(OutreachError::OutputExists {
            file: path.to_path_buf(),
        }),
        Err(e) => Err(OutreachError::write(path)(e)),
    }
}

/// Creates `path` with [`PRIVATE_MODE`], writes and flushes it; removes
/// it again when writing fails.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE_MODE)
        .open(path)?;
    let written = file
        .set_permissions(Permissions::from_mode(PRIVATE_MODE))
        .and_then(|()| file.write_all(bytes))
        .and_then(|()| file.sync_all());
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    written
}
