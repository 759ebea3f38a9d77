//! The writer's lock: an OS lock (`flock`) on the store's root folder.
//!
//! The lock is taken on the folder itself, not on a lock file in it. A lock
//! file can be deleted (or replaced) while its holder runs; the next process
//! then creates a new file, locks that, and two writers commit at once. The
//! root folder cannot be removed while the store is in it, and a lock on it
//! ends when the process ends, however it ends, so there is never a stale
//! lock to clean up and no message asks a user to delete anything.
//!
//! `flock` locks an open file description: a second open and lock in the
//! same process conflicts as one from another process would.

use crate::error::StoreError;
use std::fs::{File, TryLockError};
use std::path::Path;

/// Holds the exclusive lock on a store until dropped.
#[derive(Debug)]
pub(crate) struct StoreLock {
    _dir: File,
}

impl StoreLock {
    /// Takes the lock on the folder `root` without waiting.
    pub(crate) fn try_take(root: &Path) -> Result<StoreLock, StoreError> {
        let dir = File::open(root).map_err(StoreError::io("opening", root))?;
        match dir.try_lock() {
            Ok(()) => Ok(StoreLock { _dir: dir }),
            Err(TryLockError::WouldBlock) => Err(StoreError::Locked(root.to_path_buf())),
            Err(TryLockError::Error(e)) => Err(StoreError::io("locking", root)(e)),
        }
    }
}
