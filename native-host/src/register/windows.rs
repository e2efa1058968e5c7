//! Windows: the manifest sits next to the executable and a registry key per browser
//! points at it.

use std::io;
use std::path::{Path, PathBuf};

use winreg::RegKey;
use winreg::enums::{HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE};

use super::atomic::{remove_manifest, write_manifest};
use super::inspect::inspect_manifest;
use super::manifest::manifest_file_name;
use super::paths::{Kind, Scope, kinds};
use super::{HOST_NAME, RegisterError, RegisterOptions, Registration};

pub(super) fn platform_register(
    opts: &RegisterOptions,
    bytes: &[u8],
) -> Result<Vec<Registration>, RegisterError> {
    let manifest = manifest_next_to(&opts.host_path)?;
    write_manifest(&manifest, bytes, opts.system)?;
    let kinds = kinds(&opts.browsers);
    for &kind in &kinds {
        set(kind, opts.system, &manifest)?;
    }
    Ok(kinds
        .iter()
        .map(|&kind| inspect(kind, opts.system))
        .collect())
}

pub(super) fn platform_unregister(
    opts: &RegisterOptions,
) -> Result<Vec<Registration>, RegisterError> {
    let kinds = kinds(&opts.browsers);
    let mut manifests = Vec::new();
    if let Ok(own) = manifest_next_to(&opts.host_path) {
        manifests.push(own);
    }
    for &kind in &kinds {
        if let KeyState::Value(path) = read(kind, opts.system) {
            manifests.push(PathBuf::from(path));
        }
        delete(kind, opts.system)?;
    }
    let still_used: Vec<String> = Kind::ALL
        .iter()
        .flat_map(|&kind| [read(kind, false), read(kind, true)])
        .filter_map(|state| match state {
            KeyState::Value(path) => Some(normalise(Path::new(&path))),
            _ => None,
        })
        .collect();
    for manifest in manifests {
        // Only ever delete our own manifest file, and only once nothing refers to it.
        let ours = manifest.file_name().is_some_and(|n| {
            n.to_string_lossy()
                .eq_ignore_ascii_case(&manifest_file_name())
        });
        if ours && !still_used.contains(&normalise(&manifest)) {
            remove_manifest(&manifest)?;
        }
    }
    Ok(kinds
        .iter()
        .map(|&kind| inspect(kind, opts.system))
        .collect())
}

pub(super) fn platform_registrations() -> Vec<Registration> {
    Kind::ALL
        .iter()
        .flat_map(|&kind| [inspect(kind, false), inspect(kind, true)])
        .collect()
}

/// The manifest beside the executable: `<exe dir>\org.certrenew.host.json`.
pub(super) fn manifest_next_to(exe: &Path) -> Result<PathBuf, RegisterError> {
    exe.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(manifest_file_name()))
        .ok_or_else(|| RegisterError::HostPathNotAbsolute {
            path: exe.to_path_buf(),
        })
}

fn subkey(kind: Kind) -> String {
    let vendor = match kind {
        Kind::Chrome => r"Google\Chrome",
        Kind::Chromium => "Chromium",
        Kind::Edge => r"Microsoft\Edge",
    };
    format!(r"Software\{vendor}\NativeMessagingHosts\{HOST_NAME}")
}

fn root(system: bool) -> RegKey {
    RegKey::predef(if system {
        HKEY_LOCAL_MACHINE
    } else {
        HKEY_CURRENT_USER
    })
}

pub(super) fn display(kind: Kind, system: bool) -> String {
    let hive = if system {
        "HKEY_LOCAL_MACHINE"
    } else {
        "HKEY_CURRENT_USER"
    };
    format!(r"{hive}\{}", subkey(kind))
}

/// A path for comparison: lowercase, backslashes.
pub(super) fn normalise(path: &Path) -> String {
    path.to_string_lossy().replace('/', "\\").to_lowercase()
}

pub(super) enum KeyState {
    /// No key.
    Absent,
    /// The key exists but its default value is missing or not a string.
    NoValue(io::Error),
    /// The key's default value.
    Value(String),
}

pub(super) fn read(kind: Kind, system: bool) -> KeyState {
    match root(system).open_subkey(subkey(kind)) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => KeyState::Absent,
        Err(err) => KeyState::NoValue(err),
        Ok(key) => match key.get_value::<String, _>("") {
            Ok(value) => KeyState::Value(value),
            Err(err) => KeyState::NoValue(err),
        },
    }
}

pub(super) fn set(kind: Kind, system: bool, manifest: &Path) -> Result<(), RegisterError> {
    let (key, _) =
        root(system)
            .create_subkey(subkey(kind))
            .map_err(|source| RegisterError::Registry {
                action: "create",
                key: display(kind, system),
                source,
            })?;
    key.set_value("", &manifest.as_os_str())
        .map_err(|source| RegisterError::Registry {
            action: "set the default value of",
            key: display(kind, system),
            source,
        })
}

pub(super) fn delete(kind: Kind, system: bool) -> Result<(), RegisterError> {
    match root(system).delete_subkey_all(subkey(kind)) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(RegisterError::Registry {
                action: "delete",
                key: display(kind, system),
                source,
            });
        }
    }
    delete_empty_parents(kind, system);
    Ok(())
}

/// Deletes the keys above ours that registering may have created (e.g.
/// `Software\Chromium` when Chromium is not installed), each only while empty:
/// uninstalling leaves the registry as it found it. Best effort.
fn delete_empty_parents(kind: Kind, system: bool) {
    let hive = root(system);
    let full = subkey(kind);
    let mut parts: Vec<&str> = full.split('\\').collect();
    parts.pop(); // our own key, already deleted
    while parts.len() > 1 {
        let path = parts.join("\\");
        let empty = hive
            .open_subkey(&path)
            .and_then(|k| k.query_info())
            .is_ok_and(|info| info.sub_keys == 0 && info.values == 0);
        if !empty || hive.delete_subkey(&path).is_err() {
            return;
        }
        parts.pop();
    }
}

/// What one browser's key in one hive says, and what the manifest it names holds.
pub(super) fn inspect(kind: Kind, system: bool) -> Registration {
    let scope = if system { Scope::System } else { Scope::User };
    let mut reg = Registration {
        browser: kind.name().to_owned(),
        scope: scope.name().to_owned(),
        manifest_path: String::new(),
        registry_key: Some(display(kind, system)),
        present: false,
        host_path: None,
        host_path_exists: false,
        allowed_origins: Vec::new(),
        problem: None,
    };
    match read(kind, system) {
        KeyState::Absent => {
            // Where register would put it, for the report.
            if let Some(expected) = std::env::current_exe()
                .ok()
                .and_then(|exe| manifest_next_to(&exe).ok())
            {
                reg.manifest_path = expected.to_string_lossy().into_owned();
            }
        }
        KeyState::NoValue(err) => {
            reg.present = true;
            reg.problem = Some(format!(
                "the registry key has no default value naming the manifest ({err})"
            ));
        }
        KeyState::Value(path) => {
            reg.present = true;
            reg.manifest_path = path.clone();
            let manifest = Path::new(&path);
            if !manifest.is_absolute() {
                reg.problem = Some(format!(
                    "the registry key names {path}, which is not a full path"
                ));
            } else if !manifest.exists() {
                reg.problem = Some(format!(
                    "the registry key points at {path} which does not exist"
                ));
            } else {
                let found = inspect_manifest(manifest);
                found.fill(&mut reg);
                reg.present = true;
            }
        }
    }
    reg
}
