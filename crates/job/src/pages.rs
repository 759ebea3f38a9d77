//! Writing the files of a policy command (`whatif`, `sweep`, `backtest`)
//! into its `--out` folder: made if missing (0750), each file whole or not
//! at all (0640).

use crate::JobError;
use std::path::Path;
use vroeg_contracts::durable;

/// Writes `files` (name, bytes) into `dir`.
pub(crate) fn write_files(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), JobError> {
    let failed = |path: &Path, e: std::io::Error| JobError::WriteFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    durable::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    for (name, bytes) in files {
        let path = dir.join(name);
        durable::write_atomic(&path, bytes).map_err(|e| failed(&path, e))?;
    }
    Ok(())
}

/// Pretty JSON with a final newline.
pub(crate) fn json(dir: &Path, name: &str, value: &serde_json::Value) -> Result<Vec<u8>, JobError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| JobError::WriteFile {
        path: dir.join(name),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}
