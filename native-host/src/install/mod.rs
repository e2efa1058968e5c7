//! Installing the host for the current user without a command line or administrator
//! rights (Windows), and removing it again.
//!
//! Double-clicking the downloaded `certrenew-host.exe` (started with no argument, so
//! not by a browser) runs [`install`]:
//! 1. the executable copies itself to `%LOCALAPPDATA%\Programs\certrenew\certrenew-host.exe`
//!    (where per-user programs live; no administrator rights needed);
//! 2. it registers that copy with Chrome, Edge and Chromium under `HKEY_CURRENT_USER`
//!    (`crate::register`: the manifest beside the executable, one key per browser);
//! 3. it writes the "Apps & features" entry
//!    `HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\certrenew`, whose
//!    `UninstallString` runs `certrenew-host.exe uninstall`;
//! 4. it probes the built-in list of token drivers (`crate::modules::catalogue`), so the
//!    closing message can name the driver found or say that none is.
//!
//! Run again, it overwrites the copy and rewrites every key: a repair or an upgrade in
//! place. [`uninstall`] removes every key and file the installation wrote; when it runs
//! from the installed copy (as "Apps & features" starts it), the folder is removed
//! just after the process ends ([`schedule_removal`]).
//!
//! Other systems install through their packages (the `.deb`) or `certrenew-host
//! register`; [`install`] says so there.
//!
//! # Layout
//! - this file: the API and its errors;
//! - `messages`: what the closing message says, in Chinese and English;
//! - `windows`: the copy, the uninstall entry and the removal (Windows only).

use std::path::PathBuf;

use protocol::ids::ExtensionId;

use crate::modules::catalogue::Probe;
use crate::register::{RegisterError, Registration};

pub mod messages;
#[cfg(windows)]
mod windows;

/// The installed executable's file name.
pub const EXE_NAME: &str = "certrenew-host.exe";

/// The name of the "Apps & features" entry (the key under `…\Uninstall`).
pub const UNINSTALL_KEY_NAME: &str = "certrenew";

/// Switches the no-argument start to a quiet installation (no message box), for tests
/// and scripted installs.
pub const QUIET_ENV: &str = "CERTRENEW_INSTALL_QUIET";

/// What to install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// The executable to copy (normally the running one).
    pub source_exe: PathBuf,
    /// The extensions allowed to start the host.
    pub extension_ids: Vec<ExtensionId>,
}

/// What an installation did.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The installation folder.
    pub dir: PathBuf,
    /// The installed executable.
    pub exe: PathBuf,
    /// Whether an earlier installation was there (repaired or upgraded).
    pub repaired: bool,
    /// The browser registrations written.
    pub registrations: Vec<Registration>,
    /// The token drivers of the built-in list, probed.
    pub drivers: Vec<Probe>,
}

/// What an uninstallation did.
#[derive(Debug, Clone)]
pub struct Uninstalled {
    /// The installation folder.
    pub dir: PathBuf,
    /// The folder still holds the running executable: call [`schedule_removal`] last.
    pub removal_pending: bool,
}

/// Why installing or uninstalling failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// This system installs from a package instead.
    #[error(
        "this installer is for Windows; on Linux install the certrenew-host package, or run `certrenew-host register`"
    )]
    Unsupported,
    /// `%LOCALAPPDATA%` is not set, so the per-user program folder is unknown.
    #[error("cannot find the per-user program folder because %LOCALAPPDATA% is not set")]
    NoLocalAppData,
    /// A file or folder could not be written, copied or removed.
    #[error("could not {action} {}: {source}", .path.display())]
    File {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Registering with the browsers failed.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// The "Apps & features" entry could not be written or removed.
    #[error("could not {action} the Apps & features entry {key}: {source}")]
    UninstallEntry {
        /// What was being done.
        action: &'static str,
        /// The key.
        key: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

/// Installs or repairs the host for the current user.
pub fn install(opts: &InstallOptions) -> Result<Installed, InstallError> {
    #[cfg(windows)]
    {
        windows::install(opts)
    }
    #[cfg(not(windows))]
    {
        let _ = opts;
        Err(InstallError::Unsupported)
    }
}

/// Removes what [`install`] wrote. Something already gone is not an error.
pub fn uninstall() -> Result<Uninstalled, InstallError> {
    #[cfg(windows)]
    {
        windows::uninstall()
    }
    #[cfg(not(windows))]
    {
        Err(InstallError::Unsupported)
    }
}

/// Removes the installation folder once this process has ended (it holds the running
/// executable, which Windows will not delete). Call it last.
pub fn schedule_removal(dir: &std::path::Path) -> Result<(), InstallError> {
    #[cfg(windows)]
    {
        windows::schedule_removal(dir)
    }
    #[cfg(not(windows))]
    {
        let _ = dir;
        Err(InstallError::Unsupported)
    }
}
