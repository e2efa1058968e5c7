//! Writing and removing manifests: atomic writes (a temporary file in the same directory,
//! then a rename), directories created readable by everyone for machine-wide
//! registrations.

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::RegisterError;
use super::manifest::manifest_file_name;

/// Creates `dir` and its missing parents. Machine-wide directories are made readable by
/// everyone (browsers run as ordinary users), whatever the umask.
pub(super) fn create_dirs(dir: &Path, system: bool) -> Result<(), RegisterError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.exists() {
            break;
        }
        missing.push(d);
        cur = d.parent();
    }
    for d in missing.into_iter().rev() {
        match fs::create_dir(d) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && d.is_dir() => continue,
            Err(source) => {
                return Err(RegisterError::CreateDir {
                    path: d.to_path_buf(),
                    source,
                });
            }
        }
        if system {
            set_readable(d, 0o755).map_err(|source| RegisterError::CreateDir {
                path: d.to_path_buf(),
                source,
            })?;
        }
    }
    Ok(())
}

#[cfg(unix)]
pub(super) fn set_readable(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
pub(super) fn set_readable(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// Writes the manifest atomically (temporary file in the same directory, then rename);
/// leaves an identical manifest untouched.
pub(super) fn write_manifest(path: &Path, bytes: &[u8], system: bool) -> Result<(), RegisterError> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let dir = path.parent().ok_or_else(|| RegisterError::Write {
        path: path.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "the path has no directory"),
    })?;
    create_dirs(dir, system)?;

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        manifest_file_name(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| -> io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        // The manifest holds nothing secret and browsers must be able to read it.
        set_readable(&tmp, 0o644)?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|source| {
        let _ = fs::remove_file(&tmp);
        RegisterError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Removes a manifest; absent is fine.
pub(super) fn remove_manifest(path: &Path) -> Result<(), RegisterError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(RegisterError::Remove {
            path: path.to_path_buf(),
            source,
        }),
    }
}
