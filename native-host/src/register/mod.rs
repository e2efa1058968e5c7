//! Registers `certrenew-host` with Chrome, Chromium and Edge as a native-messaging host,
//! removes that registration, and reports what is registered where (for `diagnose`).
//!
//! A registration is a JSON manifest named `org.certrenew.host.json`:
//! `{"name","description","path","type":"stdio","allowed_origins":[…]}`, where `path` is
//! the absolute path of the host executable and `allowed_origins` the
//! `chrome-extension://<id>/` origins allowed to start it (deduplicated and sorted).
//! Manifests are written atomically: a temporary file in the same directory, then a rename.
//!
//! Where the browsers look for it:
//!
//! - Linux (and other Unix systems except macOS), per user, under `$XDG_CONFIG_HOME`
//!   (when set to an absolute path) or else `$HOME/.config`:
//!   `google-chrome/NativeMessagingHosts/`, `chromium/NativeMessagingHosts/`,
//!   `microsoft-edge/NativeMessagingHosts/`. Machine-wide:
//!   `/etc/opt/chrome/native-messaging-hosts/`, `/etc/chromium/native-messaging-hosts/`,
//!   `/etc/opt/edge/native-messaging-hosts/`.
//! - macOS, per user, under `$HOME/Library/Application Support/`:
//!   `Google/Chrome/NativeMessagingHosts/`, `Chromium/NativeMessagingHosts/`,
//!   `Microsoft Edge/NativeMessagingHosts/`. Machine-wide:
//!   `/Library/Google/Chrome/NativeMessagingHosts/`,
//!   `/Library/Application Support/Chromium/NativeMessagingHosts/`,
//!   `/Library/Microsoft/Edge/NativeMessagingHosts/`.
//! - Windows: the manifest sits next to the executable (`<exe dir>\org.certrenew.host.json`)
//!   and the default value of the registry key
//!   `Software\Google\Chrome\NativeMessagingHosts\org.certrenew.host`
//!   (`Software\Chromium\…`, `Software\Microsoft\Edge\…`) under `HKEY_CURRENT_USER`, or
//!   `HKEY_LOCAL_MACHINE` machine-wide, holds the manifest's full path. Unregistering
//!   deletes the key, and the manifest once no browser's key points at it any more.
//! - A browser started with `--user-data-dir=<dir>`: `<dir>/NativeMessagingHosts/` on every
//!   system (Chromium on Linux and macOS looks there, and not in the per-user directory;
//!   Chrome on Windows finds hosts only through the registry).
//!
//! # Layout
//! - this file: the public API ([`register`], [`unregister`], [`registrations`]), its
//!   types and errors, and the Linux and macOS placement;
//! - `paths`: the per-browser, per-system manifest directories;
//! - `manifest`: the manifest's contents; `atomic`: writing and removing it on disk;
//! - `inspect`: reading a manifest back and saying what is wrong with it;
//! - `windows`: the registry keys Windows browsers read (Windows only).

use std::io;
use std::path::{Path, PathBuf};

use protocol::ids::ExtensionId;
use serde::Serialize;

mod atomic;
mod inspect;
mod manifest;
mod paths;
#[cfg(test)]
mod tests;
#[cfg(windows)]
mod windows;

pub use manifest::manifest_json;

use atomic::{remove_manifest, write_manifest};
use inspect::inspect_target;
use manifest::manifest_bytes;
#[cfg(not(windows))]
use paths::{Kind, Os, Scope, env_user_base_dir, file_targets, kinds};
use paths::{Target, profile_target};
#[cfg(windows)]
use windows::{platform_register, platform_registrations, platform_unregister};

/// The native-messaging host name: the manifest's `name` and the name extensions pass to
/// `chrome.runtime.connectNative`.
pub const HOST_NAME: &str = "org.certrenew.host";

/// A browser to register with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Browser {
    /// Google Chrome.
    Chrome,
    /// Chromium.
    Chromium,
    /// Microsoft Edge.
    Edge,
    /// All three.
    All,
}

/// What to register or unregister.
#[derive(Debug, Clone)]
pub struct RegisterOptions {
    /// The browsers; `All` expands to the three, and an empty list means all three.
    pub browsers: Vec<Browser>,
    /// Machine-wide instead of for the current user.
    pub system: bool,
    /// A browser profile directory (`--user-data-dir`): the manifest goes to
    /// `<dir>/NativeMessagingHosts/`, and `browsers` and `system` are ignored.
    pub user_data_dir: Option<PathBuf>,
    /// The extensions allowed to start the host (the manifest's `allowed_origins`).
    pub extension_ids: Vec<ExtensionId>,
    /// The absolute path of the `certrenew-host` executable.
    pub host_path: PathBuf,
}

/// One place a browser looks for the host, and what is found there.
#[derive(Debug, Clone, Serialize)]
pub struct Registration {
    /// `chrome`, `chromium`, `edge`, or `any` for a profile directory.
    pub browser: String,
    /// `user`, `system` or `profile`.
    pub scope: String,
    /// The manifest's path (empty when it cannot be known, e.g. `$HOME` is not set).
    pub manifest_path: String,
    /// On Windows, the registry key naming the manifest.
    pub registry_key: Option<String>,
    /// Whether something is registered here: the manifest exists (on Windows: the
    /// registry key exists).
    pub present: bool,
    /// The executable the manifest points at.
    pub host_path: Option<String>,
    /// Whether that executable exists.
    pub host_path_exists: bool,
    /// The manifest's `allowed_origins`.
    pub allowed_origins: Vec<String>,
    /// What is wrong with this registration, in words; `None` when nothing is.
    pub problem: Option<String>,
}

/// Why registering or unregistering failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// No extension id was given, so no extension could start the host.
    #[error(
        "no extension id given: the manifest's allowed_origins would be empty and no extension could start the host"
    )]
    NoExtensionIds,
    /// The host path is relative; browsers need an absolute path.
    #[error("the host path {} is not absolute; give the full path of certrenew-host", .path.display())]
    HostPathNotAbsolute {
        /// The path given.
        path: PathBuf,
    },
    /// The host path does not name an existing file.
    #[error("the host executable {} does not exist or is not a file", .path.display())]
    HostPathMissing {
        /// The path given.
        path: PathBuf,
    },
    /// The host path is not valid UTF-8, which a JSON manifest cannot hold.
    #[error(
        "the host path {} is not valid UTF-8, which a manifest cannot hold; install certrenew-host under a UTF-8 path",
        .path.display()
    )]
    HostPathNotUtf8 {
        /// The path given.
        path: PathBuf,
    },
    /// `$HOME` is not set, so the per-user manifest directory is unknown.
    #[error(
        "cannot find the per-user manifest directory because $HOME is not set; set HOME, or register machine-wide or for a browser profile directory"
    )]
    NoHome,
    /// A directory for the manifest could not be created.
    #[error("could not create the directory {}: {source}{}", .path.display(), permission_hint(.source))]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The manifest could not be written.
    #[error("could not write the manifest {}: {source}{}", .path.display(), permission_hint(.source))]
    Write {
        /// The manifest (or its temporary file).
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The manifest could not be removed.
    #[error("could not remove the manifest {}: {source}{}", .path.display(), permission_hint(.source))]
    Remove {
        /// The manifest.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// A registry key could not be written or deleted (Windows).
    #[error("could not {action} the registry key {key}: {source}{}", permission_hint(.source))]
    Registry {
        /// What was being done: `create`, `set the default value of`, `delete`.
        action: &'static str,
        /// The key, e.g. `HKEY_CURRENT_USER\Software\Google\Chrome\NativeMessagingHosts\…`.
        key: String,
        /// The operating system's reason.
        source: io::Error,
    },
}

fn permission_hint(err: &io::Error) -> &'static str {
    if err.kind() == io::ErrorKind::PermissionDenied {
        " (machine-wide registration must run as root, or as administrator on Windows)"
    } else {
        ""
    }
}

// ---------------------------------------------------------------------------------------
// Public entry points.

/// Writes the manifest(s) for these options, creating directories as needed; on Windows
/// also points each browser's registry key at the manifest. Returns what is registered
/// at each location written, as [`registrations`] would report it.
pub fn register(opts: &RegisterOptions) -> Result<Vec<Registration>, RegisterError> {
    let bytes = manifest_bytes(opts)?;
    if let Some(dir) = &opts.user_data_dir {
        return write_targets(&[profile_target(dir)], &bytes, false);
    }
    platform_register(opts, &bytes)
}

/// Removes what [`register`] with the same options wrote. Something already absent is
/// not an error. Returns the state of each location afterwards.
pub fn unregister(opts: &RegisterOptions) -> Result<Vec<Registration>, RegisterError> {
    if let Some(dir) = &opts.user_data_dir {
        return remove_targets(&[profile_target(dir)]);
    }
    platform_unregister(opts)
}

/// Every location a browser looks for this host (per user and machine-wide for each
/// browser on this system, or only the profile directory when one is given), read and
/// checked.
pub fn registrations(user_data_dir: Option<&Path>) -> Vec<Registration> {
    match user_data_dir {
        Some(dir) => vec![inspect_target(&profile_target(dir))],
        None => platform_registrations(),
    }
}

#[cfg(not(windows))]
fn platform_targets(opts: &RegisterOptions) -> Result<Vec<Target>, RegisterError> {
    let scope = if opts.system {
        Scope::System
    } else {
        Scope::User
    };
    let base = if opts.system {
        None
    } else {
        Some(env_user_base_dir().ok_or(RegisterError::NoHome)?)
    };
    Ok(file_targets(
        Os::CURRENT,
        &kinds(&opts.browsers),
        &[scope],
        base.as_deref(),
    ))
}

#[cfg(not(windows))]
fn platform_register(
    opts: &RegisterOptions,
    bytes: &[u8],
) -> Result<Vec<Registration>, RegisterError> {
    write_targets(&platform_targets(opts)?, bytes, opts.system)
}

#[cfg(not(windows))]
fn platform_unregister(opts: &RegisterOptions) -> Result<Vec<Registration>, RegisterError> {
    remove_targets(&platform_targets(opts)?)
}

#[cfg(not(windows))]
fn platform_registrations() -> Vec<Registration> {
    let base = env_user_base_dir();
    file_targets(
        Os::CURRENT,
        &Kind::ALL,
        &[Scope::User, Scope::System],
        base.as_deref(),
    )
    .iter()
    .map(inspect_target)
    .collect()
}

fn write_targets(
    targets: &[Target],
    bytes: &[u8],
    system: bool,
) -> Result<Vec<Registration>, RegisterError> {
    for target in targets {
        let manifest = target.manifest.as_deref().ok_or(RegisterError::NoHome)?;
        write_manifest(manifest, bytes, system)?;
    }
    Ok(targets.iter().map(inspect_target).collect())
}

fn remove_targets(targets: &[Target]) -> Result<Vec<Registration>, RegisterError> {
    for target in targets {
        let manifest = target.manifest.as_deref().ok_or(RegisterError::NoHome)?;
        remove_manifest(manifest)?;
    }
    Ok(targets.iter().map(inspect_target).collect())
}
