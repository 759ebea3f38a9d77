//! Who runs this process, for the audit log.
//!
//! The audit log must name the operating-system account that revealed
//! addresses, not whatever `$USER` says: the environment is the caller's to
//! set. So the real uid comes from `/proc/self/status` (no `unsafe`
//! `getuid` call is needed) and its name from `/etc/passwd`; when there is
//! no name the number stands, and when even that cannot be read the entry
//! says `unknown`.

use std::fs;

/// The name of the process's real user, else its uid, else `unknown`.
pub(crate) fn current_user() -> String {
    let Some(uid) = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| real_uid(&status))
    else {
        return "unknown".to_string();
    };
    fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| user_name(&passwd, &uid))
        .unwrap_or(uid)
}

/// The real uid: the first number of the `Uid:` line.
fn real_uid(status: &str) -> Option<String> {
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    let uid = line["Uid:".len()..].split_whitespace().next()?;
    uid.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| uid.to_string())
}

/// The name of `uid` in a passwd file (`name:x:uid:...`).
fn user_name(passwd: &str, uid: &str) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut parts = line.split(':');
        let name = parts.next()?;
        let _password = parts.next()?;
        (parts.next()? == uid && !name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_uid_is_the_first_of_four() {
        let status =
            "Name:\tvroeg\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(real_uid(status).as_deref(), Some("1000"));
        assert_eq!(real_uid("Name:\tx\n"), None);
    }

    #[test]
    fn the_name_comes_from_passwd_by_uid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nann:x:1000:1000::/home/ann:/bin/sh\n";
        assert_eq!(user_name(passwd, "1000").as_deref(), Some("ann"));
        assert_eq!(user_name(passwd, "0").as_deref(), Some("root"));
        assert_eq!(user_name(passwd, "100"), None);
    }

    #[test]
    fn this_process_has_a_user() {
        assert!(!current_user().is_empty());
    }
}
