//! The municipal pseudonymization key and the keyed hash under it.
//!
//! The key is the key file's bytes exactly as stored: no trimming and no
//! decoding, so that every supplier holding the same file computes the same
//! pseudonyms whatever editor or encoding tool touched it last. The bytes
//! never leave this module in a printable form: [`Key`]'s `Debug` shows only
//! that a key is there.

use std::fmt;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{OutreachError, Result};
use crate::private::read_private;

/// The fewest key bytes accepted: 256 bits, HMAC-SHA256's full strength.
pub const MIN_KEY_BYTES: usize = 32;

/// The secret key of the municipality, as read from its key file.
pub struct Key {
    bytes: Vec<u8>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<secret>)")
    }
}

impl Key {
    /// Reads a key file: a regular file, private to its owner, of at least
    /// [`MIN_KEY_BYTES`] bytes. Every refusal is exit 3.
    pub fn from_file(path: &Path) -> Result<Key> {
        let bytes = read_private(path, "key file")?;
        if bytes.len() < MIN_KEY_BYTES {
            return Err(OutreachError::Refused {
                what: "key file",
                file: path.to_path_buf(),
                why: format!(
                    "it holds fewer than {MIN_KEY_BYTES} bytes; use a key of at least {MIN_KEY_BYTES} random bytes"
                ),
            });
        }
        Ok(Key { bytes })
    }

    /// A key from bytes, for tests of code that takes a [`Key`] (no length
    /// check: the RFC 4231 test keys are short).
    pub fn from_bytes_for_test(bytes: &[u8]) -> Key {
        Key {
            bytes: bytes.to_vec(),
        }
    }
}

/// The pseudonym of a value: HMAC-SHA256 under the key, as 64 lowercase hex
/// characters.
pub fn pseudonym(key: &Key, value: &[u8]) -> String {
    hmac_sha256_hex(&key.bytes, value)
}

/// HMAC-SHA256 of `msg` under raw `key` bytes, as lowercase hex.
pub fn hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    // HMAC takes a key of any length (longer keys are hashed, shorter ones
    // padded), so hmac 0.12 never returns InvalidLength for Hmac<Sha256>.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .expect("HMAC-SHA256 accepts a key of every length");
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}
