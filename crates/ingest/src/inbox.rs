//! Listing the inbox and opening its files, without trusting either.
//!
//! The inbox is written by suppliers' transfer scripts, so anything can be
//! in it. Entries are classified by their own type, never by what a link
//! points to (`symlink_metadata`, `DirEntry::file_type`), and nothing but a
//! regular file is ever opened: opening a named pipe would block the run.
//! The open itself refuses links and does not block (`O_NOFOLLOW`,
//! `O_NONBLOCK`) and checks the type of what it opened, so a file swapped
//! between listing and reading is caught too.
//!
//! What is not a delivery is reported, never silently skipped:
//! - a symbolic link named `*.csv` is a delivery that is refused and recorded
//!   (its fingerprint is the link's target, so the same link is refused
//!   once, like any refused file);
//! - a pipe, device, socket or folder named `*.csv`, a source folder that is
//!   not a folder or cannot be listed, go to [`Listing::unreadable`]: nothing
//!   is recorded, so they are reported again on every run until fixed;
//! - other names are logged as ignored.
//!
//! Names are shown through [`escaped`] wherever they appear.

use crate::error::IngestError;
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::fs::{self, FileType};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use vroeg_contracts::Source;
use vroeg_contracts::text::{escaped, escaped_path};
use vroeg_store::FileSeen;

/// What a delivery candidate is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file: read, validated and taken in.
    File,
    /// A symbolic link: refused, never followed. `target` is where it
    /// points, as shown (escaped).
    Link {
        /// The link's target, escaped for messages.
        target: String,
        /// The fingerprint recorded in place of the bytes' hash.
        fingerprint: String,
    },
}

/// A `.csv` entry of a source folder, a delivery candidate.
#[derive(Debug)]
pub(crate) struct Found {
    pub source: Source,
    pub path: PathBuf,
    /// The file name as recorded in the ledger (lossily decoded).
    pub name: String,
    pub kind: Kind,
    /// The size from the listing (0 for a link).
    pub bytes: u64,
    /// How the listing saw the file (none for a link).
    pub seen: Option<FileSeen>,
}

impl Found {
    /// `source/name`, escaped: how the file is named in messages and logs.
    pub fn shown(&self) -> String {
        shown_name(self.source, &self.name)
    }
}

/// `source/name` with the name escaped.
pub(crate) fn shown_name(source: Source, name: &str) -> String {
    format!("{}/{}", source.name(), escaped(name))
}

/// What is in the inbox.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Delivery candidates, per source in contract order, by name within a
    /// source.
    pub found: Vec<Found>,
    /// Entries that cannot be taken in and are not recorded: what and why.
    pub unreadable: Vec<(String, String)>,
}

/// Lists the inbox. Only the inbox folder itself failing is an error; a
/// source folder that cannot be read is reported and the others go on.
pub(crate) fn list(inbox: &Path) -> Result<Listing, IngestError> {
    let top = fs::read_dir(inbox).map_err(|source| IngestError::Inbox {
        path: inbox.to_path_buf(),
        source,
    })?;
    for entry in top.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let folder_like = entry
            .file_type()
            .is_ok_and(|t| t.is_dir() || t.is_symlink());
        if folder_like && Source::from_name(&name).is_none() && !name.starts_with('.') {
            tracing::warn!(folder = %escaped(&name), "inbox folder is not a source of the contract; ignored");
        }
    }
    let mut listing = Listing::default();
    for source in Source::ALL {
        list_source(inbox, source, &mut listing);
    }
    Ok(listing)
}

/// Adds one source folder's `.csv` entries to the listing, in name order.
fn list_source(inbox: &Path, source: Source, listing: &mut Listing) {
    let folder = inbox.join(source.name());
    let shown_folder = format!("{}/", source.name());
    let mut unreadable = |what: String, why: String| {
        tracing::error!(entry = %what, "{why}");
        listing.unreadable.push((what, why));
    };
    match fs::symlink_metadata(&folder) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return,
        Err(e) => {
            return unreadable(shown_folder, folder_error(&e));
        }
        Ok(m) if m.file_type().is_symlink() => {
            return unreadable(
                shown_folder,
                "the source folder is a symbolic link; vroeg does not follow links out of the inbox: make it a real folder".to_string(),
            );
        }
        Ok(m) if !m.is_dir() => {
            return unreadable(
                shown_folder,
                format!(
                    "{} where the source folder should be; make it a folder",
                    describe(m.file_type())
                ),
            );
        }
        Ok(_) => {}
    }
    let entries = match fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) => return unreadable(shown_folder, folder_error(&e)),
    };
    let mut names: Vec<(OsString, io::Result<FileType>)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => names.push((e.file_name(), e.file_type())),
            Err(e) => unreadable(
                shown_folder.clone(),
                format!("listing the folder failed part-way: {}", folder_error(&e)),
            ),
        }
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let mut found = Vec::new();
    for (os_name, file_type) in names {
        let path = folder.join(&os_name);
        let name = os_name.to_string_lossy().into_owned();
        let shown = shown_name(source, &name);
        let is_csv = path.extension().and_then(|e| e.to_str()) == Some("csv");
        if !is_csv {
            tracing::warn!(file = %shown, "not a .csv file; ignored");
            continue;
        }
        let file_type = match file_type {
            Ok(t) => t,
            Err(e) => {
                unreadable(shown, e.to_string());
                continue;
            }
        };
        let (kind, bytes, seen) = if file_type.is_file() {
            let meta = fs::symlink_metadata(&path).ok();
            let bytes = meta.as_ref().map_or(0, fs::Metadata::len);
            (Kind::File, bytes, meta.as_ref().and_then(seen_of))
        } else if file_type.is_symlink() {
            match fs::read_link(&path) {
                Ok(target) => (
                    Kind::Link {
                        target: escaped_path(&target),
                        fingerprint: link_fingerprint(&target),
                    },
                    0,
                    None,
                ),
                Err(e) => {
                    unreadable(shown, format!("cannot read the symbolic link: {e}"));
                    continue;
                }
            }
        } else {
            unreadable(shown, not_a_file(file_type));
            continue;
        };
        found.push(Found {
            source,
            path,
            name,
            kind,
            bytes,
            seen,
        });
    }
    listing.found.extend(found);
}

fn folder_error(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::PermissionDenied {
        format!("{e}; give the user that runs vroeg read access to the folder")
    } else {
        e.to_string()
    }
}

/// The message for a `.csv` entry that is not a regular file.
fn not_a_file(file_type: FileType) -> String {
    format!(
        "{}, not a regular file; a delivery must be a regular file: replace it with the file itself or rename it so it does not end in .csv",
        describe(file_type)
    )
}

/// What an entry is, for messages: "a named pipe (FIFO)", "a folder", ….
pub(crate) fn describe(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// The fingerprint recorded for a symbolic link in place of the hash of a
/// file's bytes: the SHA-256 of a fixed prefix and the target path, so the
/// same link is recognised next time and a changed link is new.
fn link_fingerprint(target: &Path) -> String {
    let mut h = Sha256::new();
    h.update(b"vroeg symbolic link\0");
    h.update(target.as_os_str().as_encoded_bytes());
    hex::encode(h.finalize())
}

/// The message of a refused symbolic link.
pub(crate) fn link_refusal(shown: &str, target: &str) -> String {
    format!(
        "{shown} is a symbolic link (to {target}); vroeg does not follow links out of the inbox: put the file itself in the folder"
    )
}

/// What identifies a file without reading it (see [`FileSeen`]).
#[cfg(unix)]
pub(crate) fn seen_of(meta: &fs::Metadata) -> Option<FileSeen> {
    use std::os::unix::fs::MetadataExt;
    Some(FileSeen {
        len: meta.len(),
        mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        inode: meta.ino(),
        device: meta.dev(),
    })
}

/// Elsewhere nothing identifies a file well enough: it is always read.
#[cfg(not(unix))]
pub(crate) fn seen_of(_: &fs::Metadata) -> Option<FileSeen> {
    None
}

/// [`read_regular`], and how the file was seen: only when it looked the
/// same before and after the read, so that a file changed while it was read
/// is read again next time.
pub(crate) fn read_seen(path: &Path) -> io::Result<(Vec<u8>, Option<FileSeen>)> {
    let mut file = open_regular(path)?;
    let before = seen_of(&file.metadata()?);
    let mut bytes = Vec::with_capacity(before.map_or(0, |s| usize::try_from(s.len).unwrap_or(0)));
    file.read_to_end(&mut bytes)?;
    let after = seen_of(&file.metadata()?);
    let seen = before.filter(|b| Some(*b) == after && b.len == bytes.len() as u64);
    Ok((bytes, seen))
}

/// Reads a delivery that the listing saw as a regular file: without
/// following a link and without blocking on a pipe swapped in since, and
/// only if what was opened is still a regular file.
pub(crate) fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_regular(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(file.metadata()?.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens a file only if it is still a regular file, without following a
/// link and without blocking on a pipe.
fn open_regular(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            not_a_file(meta.file_type()),
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_other_entries_are_described() {
        let null = fs::symlink_metadata("/dev/null").unwrap().file_type();
        assert_eq!(describe(null), "a character device");
        let dir = tempfile::tempdir().unwrap();
        let t = fs::symlink_metadata(dir.path()).unwrap().file_type();
        assert_eq!(describe(t), "a folder");
        assert!(not_a_file(null).starts_with("a character device, not a regular file;"));
    }

    #[test]
    fn a_device_is_never_read_as_a_delivery() {
        let err = read_regular(Path::new("/dev/null")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().starts_with("a character device"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_not_followed_when_reading() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("real.csv"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("real.csv"), dir.path().join("l.csv")).unwrap();
        assert!(read_regular(&dir.path().join("l.csv")).is_err());
        assert_eq!(read_regular(&dir.path().join("real.csv")).unwrap(), b"x");
        assert_ne!(
            link_fingerprint(Path::new("/a")),
            link_fingerprint(Path::new("/b"))
        );
    }
}
