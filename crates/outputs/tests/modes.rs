//! Outputs are 0640 in 0750 folders whatever the umask: the list names
//! vulnerable households. One test in its own process (the umask is
//! process-wide).

use rustix::fs::Mode;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use vroeg_outputs::publish;

fn mode(path: &std::path::Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn outputs_are_0640_in_0750_folders_whatever_the_umask() {
    for umask in [0o000, 0o077] {
        rustix::process::umask(Mode::from_raw_mode(umask));
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("notebooks-out/2026-10-31");
        let files = BTreeMap::from([
            ("signals.csv".to_string(), b"x".to_vec()),
            (
                "manifest.json".to_string(),
                br#"{"run_id": "a", "outputs": {"signals.csv": "h"}}"#.to_vec(),
            ),
        ]);
        publish(&out, "a", &files).unwrap();
        publish(&out, "b", &files).unwrap();
        assert_eq!(
            mode(&dir.path().join("notebooks-out")),
            0o750,
            "umask {umask:o}"
        );
        assert_eq!(mode(&out), 0o750, "umask {umask:o}");
        for f in ["signals.csv", "manifest.json"] {
            assert_eq!(mode(&out.join(f)), 0o640, "{f} umask {umask:o}");
        }
    }
}
