//! Writing the files of a policy command (`whatif`, `sweep`, `backtest`)
//! into its `--out` folder: made if missing (0750), each file whole or not
//! at all (0640).

use crate::JobError;
use std::path::Path;
use vroeg_contracts::durable;
use vroeg_contracts::text::escaped_path;
use vroeg_pipeline::Pipeline;

/// Refuses an `--out` folder that holds anything but this command's own
/// files (vroeg never replaces a file it did not write), or that lies in
/// the pipeline's inbox, store or out folder (these commands change no
/// store and write no list).
pub(crate) fn check_out_dir(dir: &Path, own: &[&str], p: &Pipeline) -> Result<(), JobError> {
    let refuse = |why: &str| {
        Err(JobError::Usage(format!(
            "--out {}: {why}",
            escaped_path(dir)
        )))
    };
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                let name = e.file_name();
                if !own.iter().any(|o| name.as_os_str() == *o) {
                    return refuse(
                        "the folder holds files this command did not write; choose a new or empty folder",
                    );
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(_) if dir.exists() => return refuse("it is not a folder"),
        Err(_) => {}
    }
    let mut existing = dir.to_path_buf();
    while !existing.exists() {
        match existing.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => existing = parent.to_path_buf(),
            _ => {
                existing = ".".into();
                break;
            }
        }
    }
    if let Some(what) = crate::recorded::pipeline_folder_holding(&existing, p)? {
        return refuse(&format!(
            "it is inside the pipeline's {what}; write these pages to a folder of their own"
        ));
    }
    Ok(())
}

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
