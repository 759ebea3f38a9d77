//! Writing the files of a policy command (`whatif`, `sweep`, `backtest`)
//! into its `--out` folder: made if missing (0750), each file whole or not
//! at all (0640). The folder gets a marker, [`MARKER`], naming the command
//! and its files, written last: a folder is written again only when it
//! holds the marker of the same command and nothing but that command's
//! files, so that somebody else's file that happens to carry one of the
//! names is never replaced.

use crate::JobError;
use std::path::Path;
use vroeg_contracts::durable;
use vroeg_contracts::text::escaped_path;
use vroeg_pipeline::Pipeline;

/// The marker of a folder of a policy command's pages.
pub(crate) const MARKER: &str = "vroeg-pages.json";

/// Refuses an `--out` folder that holds anything but this command's own
/// files (vroeg never replaces a file it did not write: a folder that is
/// not empty must hold the marker of this command), or that lies in the
/// pipeline's inbox, store or out folder (these commands change no store
/// and write no list).
pub(crate) fn check_out_dir(
    dir: &Path,
    command: &str,
    own: &[&str],
    p: &Pipeline,
) -> Result<(), JobError> {
    let refuse = |why: &str| {
        Err(JobError::Usage(format!(
            "--out {}: {why}",
            escaped_path(dir)
        )))
    };
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let names: Vec<std::ffi::OsString> = entries.flatten().map(|e| e.file_name()).collect();
            let foreign = names
                .iter()
                .any(|n| n.as_os_str() != MARKER && !own.iter().any(|o| n.as_os_str() == *o));
            if foreign {
                return refuse(
                    "the folder holds files this command did not write; choose a new or empty folder",
                );
            }
            if !names.is_empty() && !is_marked(dir, command) {
                return refuse(&format!(
                    "the folder holds files, but not the {MARKER} of an earlier `vroeg {command}`; choose a new or empty folder"
                ));
            }
            for n in &names {
                if dir.join(n).is_dir() {
                    return refuse("the folder holds a folder where this command writes a file");
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

/// Whether `dir` holds the marker of an earlier run of `command`.
fn is_marked(dir: &Path, command: &str) -> bool {
    std::fs::read(dir.join(MARKER))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v["command"] == command)
}

/// Writes `files` (name, bytes) into `dir`, then the marker naming
/// `command` and the files.
pub(crate) fn write_files(
    dir: &Path,
    command: &str,
    files: &[(&str, Vec<u8>)],
) -> Result<(), JobError> {
    let failed = |path: &Path, e: std::io::Error| JobError::WriteFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    durable::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    for (name, bytes) in files {
        let path = dir.join(name);
        durable::write_atomic(&path, bytes).map_err(|e| failed(&path, e))?;
    }
    let marker = serde_json::json!({
        "command": command,
        "files": files.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
    });
    let path = dir.join(MARKER);
    durable::write_atomic(&path, &json(dir, MARKER, &marker)?).map_err(|e| failed(&path, e))
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
