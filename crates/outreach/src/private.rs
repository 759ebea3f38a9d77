//! Reading a file that must be private to its owner: the key file and the
//! municipality's contact table.
//!
//! Both are refused, before a byte of them is used, when they are not a
//! regular file or when they grant anything to other users of the machine:
//! a key others can read lets them recompute every pseudonym, a contact
//! table others can read is a list of addresses of vulnerable households.
//! The mode is checked on the opened handle, so the file checked is the
//! file read.

use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::error::{OutreachError, Result};

/// Reads the whole of a private file: a regular file without any
/// permission for others (`mode & 0o007 == 0`).
pub(crate) fn read_private(path: &Path, what: &'static str) -> Result<Vec<u8>> {
    let unreadable = |source| OutreachError::Unreadable {
        what,
        file: path.to_path_buf(),
        source,
    };
    // The path is checked first so that a FIFO or device is never opened
    // (opening a FIFO would block).
    let meta = fs::metadata(path).map_err(unreadable)?;
    check(path, what, &meta)?;
    let mut file = File::open(path).map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    check(path, what, &meta)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(unreadable)?;
    Ok(bytes)
}

/// Refuses a non-regular file and one that grants anything to others.
fn check(path: &Path, what: &'static str, meta: &fs::Metadata) -> Result<()> {
    let refused = |why: String| OutreachError::Refused {
        what,
        file: path.to_path_buf(),
        why,
    };
    if !meta.is_file() {
        return Err(refused(
            "it is not a regular file; name the file itself".into(),
        ));
    }
    if meta.permissions().mode() & 0o007 != 0 {
        return Err(refused(format!(
            "other users of this machine may access it; run `chmod o-rwx {}` and try again",
            vroeg_contracts::text::escaped_path(path)
        )));
    }
    Ok(())
}
