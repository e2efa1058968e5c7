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

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use protocol::ids::ExtensionId;
use serde::Serialize;
use serde_json::Value;

/// The native-messaging host name: the manifest's `name` and the name extensions pass to
/// `chrome.runtime.connectNative`.
pub const HOST_NAME: &str = "org.certrenew.host";

/// The manifest's `description`.
const DESCRIPTION: &str = "certrenew: renews certificates on a USB token (PKCS#11)";

/// The manifest's file name, `org.certrenew.host.json`.
fn manifest_file_name() -> String {
    format!("{HOST_NAME}.json")
}

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

/// A concrete browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Chrome,
    Chromium,
    Edge,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Chrome, Kind::Chromium, Kind::Edge];

    fn name(self) -> &'static str {
        match self {
            Kind::Chrome => "chrome",
            Kind::Chromium => "chromium",
            Kind::Edge => "edge",
        }
    }
}

/// The concrete browsers a list names, in a fixed order, each once. Empty means all.
fn kinds(browsers: &[Browser]) -> Vec<Kind> {
    let mut set = BTreeSet::new();
    for browser in browsers {
        match browser {
            Browser::Chrome => {
                set.insert(Kind::Chrome);
            }
            Browser::Chromium => {
                set.insert(Kind::Chromium);
            }
            Browser::Edge => {
                set.insert(Kind::Edge);
            }
            Browser::All => set.extend(Kind::ALL),
        }
    }
    if set.is_empty() {
        set.extend(Kind::ALL);
    }
    set.into_iter().collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    User,
    System,
    Profile,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::System => "system",
            Scope::Profile => "profile",
        }
    }
}

/// The browser name reported for a profile directory, which any of them may use.
const ANY_BROWSER: &str = "any";

/// The manifest as written, fields in the order browsers' documentation shows them.
#[derive(Debug, Serialize)]
struct Manifest {
    name: &'static str,
    description: &'static str,
    path: String,
    #[serde(rename = "type")]
    kind: &'static str,
    allowed_origins: Vec<String>,
}

fn manifest(opts: &RegisterOptions) -> Manifest {
    let origins: BTreeSet<String> = opts.extension_ids.iter().map(ExtensionId::origin).collect();
    Manifest {
        name: HOST_NAME,
        description: DESCRIPTION,
        path: opts.host_path.to_string_lossy().into_owned(),
        kind: "stdio",
        allowed_origins: origins.into_iter().collect(),
    }
}

/// The manifest for these options:
/// `{"name","description","path","type":"stdio","allowed_origins":[…]}`, with the
/// origins deduplicated and sorted.
pub fn manifest_json(opts: &RegisterOptions) -> Value {
    let m = manifest(opts);
    serde_json::json!({
        "name": m.name,
        "description": m.description,
        "path": m.path,
        "type": m.kind,
        "allowed_origins": m.allowed_origins,
    })
}

/// Checks the options and renders the manifest file's bytes (pretty JSON and a newline).
fn manifest_bytes(opts: &RegisterOptions) -> Result<Vec<u8>, RegisterError> {
    if opts.extension_ids.is_empty() {
        return Err(RegisterError::NoExtensionIds);
    }
    let path = &opts.host_path;
    if !path.is_absolute() {
        return Err(RegisterError::HostPathNotAbsolute { path: path.clone() });
    }
    if path.to_str().is_none() {
        return Err(RegisterError::HostPathNotUtf8 { path: path.clone() });
    }
    if !path.is_file() {
        return Err(RegisterError::HostPathMissing { path: path.clone() });
    }
    let mut bytes =
        serde_json::to_vec_pretty(&manifest(opts)).map_err(|err| RegisterError::Write {
            path: path.clone(),
            source: io::Error::other(err),
        })?;
    bytes.push(b'\n');
    Ok(bytes)
}

// ---------------------------------------------------------------------------------------
// Directories (Linux and macOS), computed from environment values given as parameters.

/// The directory layout to use. Each system uses one; the tests use both.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Os {
    /// Linux and other Unix systems (XDG layout).
    Linux,
    /// macOS.
    Mac,
}

#[cfg_attr(windows, allow(dead_code))]
impl Os {
    #[cfg(target_os = "macos")]
    const CURRENT: Os = Os::Mac;
    #[cfg(not(target_os = "macos"))]
    const CURRENT: Os = Os::Linux;
}

/// The base directory below which each browser keeps its per-user data: on Linux
/// `$XDG_CONFIG_HOME` when it is an absolute path, else `$HOME/.config`; on macOS
/// `$HOME/Library/Application Support`. `None` when `$HOME` is needed and not set.
/// Empty values count as unset.
#[cfg_attr(windows, allow(dead_code))]
fn user_base_dir(os: Os, home: Option<&Path>, xdg_config_home: Option<&Path>) -> Option<PathBuf> {
    let home = home.filter(|h| !h.as_os_str().is_empty());
    match os {
        Os::Linux => match xdg_config_home.filter(|x| x.is_absolute()) {
            Some(xdg) => Some(xdg.to_path_buf()),
            None => home.map(|h| h.join(".config")),
        },
        Os::Mac => home.map(|h| h.join("Library").join("Application Support")),
    }
}

/// The per-user manifest directory of one browser below [`user_base_dir`].
#[cfg_attr(windows, allow(dead_code))]
fn user_manifest_dir(os: Os, kind: Kind, base: &Path) -> PathBuf {
    let browser_dir = match (os, kind) {
        (Os::Linux, Kind::Chrome) => "google-chrome",
        (Os::Linux, Kind::Chromium) => "chromium",
        (Os::Linux, Kind::Edge) => "microsoft-edge",
        (Os::Mac, Kind::Chrome) => "Google/Chrome",
        (Os::Mac, Kind::Chromium) => "Chromium",
        (Os::Mac, Kind::Edge) => "Microsoft Edge",
    };
    base.join(browser_dir).join("NativeMessagingHosts")
}

/// The machine-wide manifest directory of one browser.
#[cfg_attr(windows, allow(dead_code))]
fn system_manifest_dir(os: Os, kind: Kind) -> PathBuf {
    PathBuf::from(match (os, kind) {
        (Os::Linux, Kind::Chrome) => "/etc/opt/chrome/native-messaging-hosts",
        (Os::Linux, Kind::Chromium) => "/etc/chromium/native-messaging-hosts",
        (Os::Linux, Kind::Edge) => "/etc/opt/edge/native-messaging-hosts",
        (Os::Mac, Kind::Chrome) => "/Library/Google/Chrome/NativeMessagingHosts",
        (Os::Mac, Kind::Chromium) => "/Library/Application Support/Chromium/NativeMessagingHosts",
        (Os::Mac, Kind::Edge) => "/Library/Microsoft/Edge/NativeMessagingHosts",
    })
}

/// The manifest in a browser profile directory.
fn profile_manifest(user_data_dir: &Path) -> PathBuf {
    user_data_dir
        .join("NativeMessagingHosts")
        .join(manifest_file_name())
}

/// A place a manifest goes (Linux, macOS, and profile directories everywhere).
#[derive(Debug, Clone)]
struct Target {
    browser: &'static str,
    scope: Scope,
    /// `None` when the per-user directory is unknown (`$HOME` not set).
    manifest: Option<PathBuf>,
}

/// The manifest locations for these browsers and scopes, given the user base directory.
#[cfg_attr(windows, allow(dead_code))]
fn file_targets(os: Os, kinds: &[Kind], scopes: &[Scope], user_base: Option<&Path>) -> Vec<Target> {
    let mut out = Vec::new();
    for &kind in kinds {
        for &scope in scopes {
            let dir = match scope {
                Scope::User => user_base.map(|base| user_manifest_dir(os, kind, base)),
                Scope::System => Some(system_manifest_dir(os, kind)),
                // A profile directory is not per browser: see `profile_target`.
                Scope::Profile => None,
            };
            out.push(Target {
                browser: kind.name(),
                scope,
                manifest: dir.map(|d| d.join(manifest_file_name())),
            });
        }
    }
    out
}

#[cfg_attr(windows, allow(dead_code))]
fn env_user_base_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from);
    user_base_dir(Os::CURRENT, home.as_deref(), xdg.as_deref())
}

fn profile_target(user_data_dir: &Path) -> Target {
    Target {
        browser: ANY_BROWSER,
        scope: Scope::Profile,
        manifest: Some(profile_manifest(user_data_dir)),
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

fn inspect_target(target: &Target) -> Registration {
    let mut reg = Registration {
        browser: target.browser.to_owned(),
        scope: target.scope.name().to_owned(),
        manifest_path: String::new(),
        registry_key: None,
        present: false,
        host_path: None,
        host_path_exists: false,
        allowed_origins: Vec::new(),
        problem: None,
    };
    match &target.manifest {
        Some(manifest) => {
            reg.manifest_path = manifest.to_string_lossy().into_owned();
            inspect_manifest(manifest).fill(&mut reg);
        }
        None => {
            reg.problem =
                Some("$HOME is not set, so the per-user manifest directory is unknown".to_owned());
        }
    }
    reg
}

// ---------------------------------------------------------------------------------------
// Files.

/// Creates `dir` and its missing parents. Machine-wide directories are made readable by
/// everyone (browsers run as ordinary users), whatever the umask.
fn create_dirs(dir: &Path, system: bool) -> Result<(), RegisterError> {
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
fn set_readable(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_readable(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// Writes the manifest atomically (temporary file in the same directory, then rename);
/// leaves an identical manifest untouched.
fn write_manifest(path: &Path, bytes: &[u8], system: bool) -> Result<(), RegisterError> {
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
fn remove_manifest(path: &Path) -> Result<(), RegisterError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(RegisterError::Remove {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// What reading one manifest found.
#[derive(Debug, Default)]
struct Inspection {
    present: bool,
    host_path: Option<String>,
    host_path_exists: bool,
    allowed_origins: Vec<String>,
    problems: Vec<String>,
}

impl Inspection {
    fn fill(self, reg: &mut Registration) {
        reg.present = self.present;
        reg.host_path = self.host_path;
        reg.host_path_exists = self.host_path_exists;
        reg.allowed_origins = self.allowed_origins;
        if !self.problems.is_empty() {
            reg.problem = Some(self.problems.join("; "));
        }
    }
}

/// Reads and checks a manifest. A missing file is not a problem (nothing registered).
fn inspect_manifest(manifest: &Path) -> Inspection {
    let mut out = Inspection::default();
    let bytes = match fs::read(manifest) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return out,
        Err(err) => {
            out.present = manifest.exists();
            out.problems
                .push(format!("the manifest could not be read: {err}"));
            return out;
        }
    };
    out.present = true;
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(err) => {
            out.problems
                .push(format!("the manifest is not valid JSON ({err})"));
            return out;
        }
    };
    let Some(obj) = value.as_object() else {
        out.problems
            .push("the manifest is not a JSON object".to_owned());
        return out;
    };

    match obj.get("name").and_then(Value::as_str) {
        Some(HOST_NAME) => {}
        Some(other) => out.problems.push(format!(
            "the manifest names the host {other:?}, not {HOST_NAME:?}, so browsers ignore it"
        )),
        None => out.problems.push("the manifest has no \"name\"".to_owned()),
    }
    match obj.get("type").and_then(Value::as_str) {
        Some("stdio") => {}
        Some(other) => {
            out.problems
                .push(format!("the manifest's type is {other:?}, not \"stdio\""));
        }
        None => out
            .problems
            .push("the manifest has no \"type\" (it must be \"stdio\")".to_owned()),
    }
    match obj.get("path").and_then(Value::as_str) {
        Some(path) => check_host_path(manifest, path, &mut out),
        None => out
            .problems
            .push("the manifest has no \"path\" to the host executable".to_owned()),
    }
    match obj.get("allowed_origins").and_then(Value::as_array) {
        Some(origins) => {
            for origin in origins {
                match origin.as_str() {
                    Some(text) => {
                        if ExtensionId::from_origin(text).is_err() {
                            out.problems.push(format!(
                                "allowed_origins entry {text:?} is not a chrome-extension://<id>/ origin"
                            ));
                        }
                        out.allowed_origins.push(text.to_owned());
                    }
                    None => out
                        .problems
                        .push(format!("allowed_origins entry {origin} is not a string")),
                }
            }
            if origins.is_empty() {
                out.problems.push(
                    "the manifest's allowed_origins is empty, so no extension may start the host"
                        .to_owned(),
                );
            }
        }
        None => out
            .problems
            .push("the manifest has no \"allowed_origins\" list".to_owned()),
    }
    out
}

/// Checks the manifest's `path`: absolute (required on Linux and macOS; on Windows a
/// relative path is taken from the manifest's directory), an existing executable file.
fn check_host_path(manifest: &Path, path: &str, out: &mut Inspection) {
    out.host_path = Some(path.to_owned());
    let given = Path::new(path);
    let resolved = if given.is_absolute() {
        given.to_path_buf()
    } else if cfg!(windows) {
        manifest
            .parent()
            .map_or_else(|| given.to_path_buf(), |dir| dir.join(given))
    } else {
        out.problems.push(format!(
            "the manifest's path {path} is not absolute, which browsers require here"
        ));
        return;
    };
    out.host_path_exists = resolved.exists();
    if !out.host_path_exists {
        out.problems.push(format!(
            "the manifest points at {path} which does not exist"
        ));
    } else if !resolved.is_file() {
        out.problems
            .push(format!("the manifest points at {path} which is not a file"));
    } else if !is_executable(&resolved) {
        out.problems.push(format!(
            "the manifest points at {path} which is not executable"
        ));
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    true
}

// ---------------------------------------------------------------------------------------
// Windows: manifest next to the executable, registry keys pointing at it.

#[cfg(windows)]
fn platform_register(
    opts: &RegisterOptions,
    bytes: &[u8],
) -> Result<Vec<Registration>, RegisterError> {
    let manifest = win::manifest_next_to(&opts.host_path)?;
    write_manifest(&manifest, bytes, opts.system)?;
    let kinds = kinds(&opts.browsers);
    for &kind in &kinds {
        win::set(kind, opts.system, &manifest)?;
    }
    Ok(kinds
        .iter()
        .map(|&kind| win::inspect(kind, opts.system))
        .collect())
}

#[cfg(windows)]
fn platform_unregister(opts: &RegisterOptions) -> Result<Vec<Registration>, RegisterError> {
    let kinds = kinds(&opts.browsers);
    let mut manifests = Vec::new();
    if let Ok(own) = win::manifest_next_to(&opts.host_path) {
        manifests.push(own);
    }
    for &kind in &kinds {
        if let win::KeyState::Value(path) = win::read(kind, opts.system) {
            manifests.push(PathBuf::from(path));
        }
        win::delete(kind, opts.system)?;
    }
    let still_used: Vec<String> = Kind::ALL
        .iter()
        .flat_map(|&kind| [win::read(kind, false), win::read(kind, true)])
        .filter_map(|state| match state {
            win::KeyState::Value(path) => Some(win::normalise(Path::new(&path))),
            _ => None,
        })
        .collect();
    for manifest in manifests {
        // Only ever delete our own manifest file, and only once nothing refers to it.
        let ours = manifest.file_name().is_some_and(|n| {
            n.to_string_lossy()
                .eq_ignore_ascii_case(&manifest_file_name())
        });
        if ours && !still_used.contains(&win::normalise(&manifest)) {
            remove_manifest(&manifest)?;
        }
    }
    Ok(kinds
        .iter()
        .map(|&kind| win::inspect(kind, opts.system))
        .collect())
}

#[cfg(windows)]
fn platform_registrations() -> Vec<Registration> {
    Kind::ALL
        .iter()
        .flat_map(|&kind| [win::inspect(kind, false), win::inspect(kind, true)])
        .collect()
}

#[cfg(windows)]
mod win {
    use std::io;
    use std::path::{Path, PathBuf};

    use winreg::RegKey;
    use winreg::enums::{HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE};

    use super::{
        HOST_NAME, Kind, RegisterError, Registration, Scope, inspect_manifest, manifest_file_name,
    };

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
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(RegisterError::Registry {
                action: "delete",
                key: display(kind, system),
                source,
            }),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(c: char) -> ExtensionId {
        let text: String = std::iter::repeat_n(c, 32).collect();
        ExtensionId::parse(&text).expect("valid id")
    }

    /// A fake host executable in its own temp dir.
    fn fake_host(dir: &Path) -> PathBuf {
        let path = dir.join("certrenew-host");
        fs::write(&path, b"#!/bin/sh\n").expect("write fake host");
        #[cfg(unix)]
        set_readable(&path, 0o755).expect("chmod fake host");
        path
    }

    fn opts(profile: &Path, host: &Path) -> RegisterOptions {
        RegisterOptions {
            browsers: vec![Browser::All],
            system: false,
            user_data_dir: Some(profile.to_path_buf()),
            // Unsorted and with a duplicate: the manifest must sort and dedupe.
            extension_ids: vec![id('b'), id('a'), id('b')],
            host_path: host.to_path_buf(),
        }
    }

    fn origin(c: char) -> String {
        id(c).origin()
    }

    #[test]
    fn register_writes_exactly_the_expected_manifest() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = fake_host(tmp.path());
        let profile = tmp.path().join("profile");
        let o = opts(&profile, &host);

        let regs = register(&o).expect("register");
        let manifest = profile
            .join("NativeMessagingHosts")
            .join("org.certrenew.host.json");
        let text = fs::read_to_string(&manifest).expect("manifest written");

        let host_str = host.to_str().expect("utf-8 temp path");
        let expected_text = format!(
            "{{\n  \"name\": \"org.certrenew.host\",\n  \"description\": \"{DESCRIPTION}\",\n  \
             \"path\": {},\n  \"type\": \"stdio\",\n  \"allowed_origins\": [\n    \"{}\",\n    \
             \"{}\"\n  ]\n}}\n",
            serde_json::to_string(host_str).expect("json string"),
            origin('a'),
            origin('b'),
        );
        assert_eq!(text, expected_text);

        let expected = serde_json::json!({
            "name": "org.certrenew.host",
            "description": DESCRIPTION,
            "path": host_str,
            "type": "stdio",
            "allowed_origins": [origin('a'), origin('b')],
        });
        let parsed: Value = serde_json::from_str(&text).expect("valid json");
        assert_eq!(parsed, expected);
        assert_eq!(manifest_json(&o), expected);

        assert_eq!(regs.len(), 1);
        let found = registrations(Some(&profile));
        assert_eq!(found.len(), 1);
        let r = &found[0];
        assert_eq!(r.browser, "any");
        assert_eq!(r.scope, "profile");
        assert_eq!(r.manifest_path, manifest.to_string_lossy());
        assert_eq!(r.registry_key, None);
        assert!(r.present);
        assert_eq!(r.host_path.as_deref(), Some(host_str));
        assert!(r.host_path_exists);
        assert_eq!(r.allowed_origins, vec![origin('a'), origin('b')]);
        assert_eq!(r.problem, None, "{r:?}");
        assert_eq!(regs[0].problem, None);
        assert!(regs[0].present);
    }

    #[test]
    fn register_again_is_idempotent_and_leaves_no_temp_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = fake_host(tmp.path());
        let profile = tmp.path().join("profile");
        let o = opts(&profile, &host);
        register(&o).expect("first register");
        let manifest = profile_manifest(&profile);
        let first = fs::read(&manifest).expect("read");
        register(&o).expect("second register");
        assert_eq!(fs::read(&manifest).expect("read"), first);

        // A changed manifest is replaced in full.
        let mut changed = o.clone();
        changed.extension_ids = vec![id('c')];
        register(&changed).expect("third register");
        let found = registrations(Some(&profile));
        assert_eq!(found[0].allowed_origins, vec![origin('c')]);
        assert_eq!(found[0].problem, None);

        let names: Vec<String> = fs::read_dir(manifest.parent().expect("dir"))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["org.certrenew.host.json".to_owned()]);
    }

    #[cfg(unix)]
    #[test]
    fn manifest_is_world_readable() {
        use std::os::unix::fs::PermissionsExt as _;
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = fake_host(tmp.path());
        let profile = tmp.path().join("profile");
        register(&opts(&profile, &host)).expect("register");
        let mode = fs::metadata(profile_manifest(&profile))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    fn missing_executable_is_a_problem() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = fake_host(tmp.path());
        let profile = tmp.path().join("profile");
        register(&opts(&profile, &host)).expect("register");
        fs::remove_file(&host).expect("remove host");

        let r = &registrations(Some(&profile))[0];
        assert!(r.present);
        assert!(!r.host_path_exists);
        let problem = r.problem.as_deref().expect("a problem");
        assert_eq!(
            problem,
            format!(
                "the manifest points at {} which does not exist",
                host.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_executable_host_is_a_problem() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = fake_host(tmp.path());
        let profile = tmp.path().join("profile");
        register(&opts(&profile, &host)).expect("register");
        set_readable(&host, 0o644).expect("chmod");
        let r = &registrations(Some(&profile))[0];
        assert!(r.host_path_exists);
        let problem = r.problem.as_deref().expect("a problem");
        assert!(problem.contains("not executable"), "{problem}");
    }

    #[test]
    fn invalid_json_is_a_problem() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let profile = tmp.path().join("profile");
        let manifest = profile_manifest(&profile);
        fs::create_dir_all(manifest.parent().expect("dir")).expect("mkdir");
        fs::write(&manifest, b"{\"name\": ").expect("write");

        let r = &registrations(Some(&profile))[0];
        assert!(r.present);
        assert_eq!(r.host_path, None);
        let problem = r.problem.as_deref().expect("a problem");
        assert!(
            problem.starts_with("the manifest is not valid JSON"),
            "{problem}"
        );
    }

    #[test]
    fn wrong_fields_are_each_reported() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = fake_host(tmp.path());
        let profile = tmp.path().join("profile");
        let manifest = profile_manifest(&profile);
        fs::create_dir_all(manifest.parent().expect("dir")).expect("mkdir");
        let text = serde_json::json!({
            "name": "org.example.other",
            "path": host,
            "type": "pipe",
            "allowed_origins": ["chrome-extension://*/", 7],
        });
        fs::write(&manifest, text.to_string()).expect("write");

        let r = &registrations(Some(&profile))[0];
        assert!(r.present);
        assert!(r.host_path_exists);
        let problem = r.problem.as_deref().expect("a problem");
        for part in [
            "names the host \"org.example.other\"",
            "type is \"pipe\"",
            "\"chrome-extension://*/\" is not a chrome-extension://<id>/ origin",
            "entry 7 is not a string",
        ] {
            assert!(problem.contains(part), "{part:?} missing from {problem:?}");
        }

        fs::write(
            &manifest,
            r#"{"name":"org.certrenew.host","type":"stdio","allowed_origins":[]}"#,
        )
        .expect("write");
        let problem = registrations(Some(&profile))[0]
            .problem
            .clone()
            .expect("a problem");
        assert!(problem.contains("no \"path\""), "{problem}");
        assert!(problem.contains("allowed_origins is empty"), "{problem}");

        fs::write(&manifest, "[1, 2]").expect("write");
        let problem = registrations(Some(&profile))[0]
            .problem
            .clone()
            .expect("a problem");
        assert_eq!(problem, "the manifest is not a JSON object");
    }

    #[cfg(unix)]
    #[test]
    fn relative_path_in_manifest_is_a_problem() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let profile = tmp.path().join("profile");
        let manifest = profile_manifest(&profile);
        fs::create_dir_all(manifest.parent().expect("dir")).expect("mkdir");
        let text = serde_json::json!({
            "name": HOST_NAME, "path": "bin/certrenew-host", "type": "stdio",
            "allowed_origins": [origin('a')],
        });
        fs::write(&manifest, text.to_string()).expect("write");
        let problem = registrations(Some(&profile))[0]
            .problem
            .clone()
            .expect("a problem");
        assert!(problem.contains("is not absolute"), "{problem}");
    }

    #[test]
    fn unregister_removes_and_is_fine_when_absent() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = fake_host(tmp.path());
        let profile = tmp.path().join("profile");
        let o = opts(&profile, &host);
        register(&o).expect("register");
        let manifest = profile_manifest(&profile);
        assert!(manifest.exists());

        let after = unregister(&o).expect("unregister");
        assert!(!manifest.exists());
        assert_eq!(after.len(), 1);
        assert!(!after[0].present);
        assert_eq!(after[0].problem, None);

        let again = unregister(&o).expect("second unregister");
        assert!(!again[0].present);
        let r = &registrations(Some(&profile))[0];
        assert!(!r.present);
        assert_eq!(r.problem, None);
        assert_eq!(r.host_path, None);
    }

    #[test]
    fn register_refuses_bad_options() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = fake_host(tmp.path());
        let profile = tmp.path().join("profile");

        let mut o = opts(&profile, &host);
        o.extension_ids.clear();
        assert!(matches!(register(&o), Err(RegisterError::NoExtensionIds)));

        let mut o = opts(&profile, &host);
        o.host_path = PathBuf::from("certrenew-host");
        let err = register(&o).expect_err("relative path");
        assert!(matches!(err, RegisterError::HostPathNotAbsolute { .. }));
        assert!(err.to_string().contains("not absolute"), "{err}");

        let mut o = opts(&profile, &host);
        o.host_path = tmp.path().join("nope");
        let err = register(&o).expect_err("missing host");
        assert!(matches!(err, RegisterError::HostPathMissing { .. }));
        assert!(err.to_string().contains("nope"), "{err}");

        assert!(!profile.exists(), "nothing written on refusal");
    }

    #[cfg(unix)]
    #[test]
    fn unwritable_directory_names_the_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let host = fake_host(tmp.path());
        // A file where the profile directory should be: creating below it must fail.
        let profile = tmp.path().join("blocker");
        fs::write(&profile, b"").expect("write blocker");
        let err = register(&opts(&profile, &host)).expect_err("cannot create dir");
        assert!(matches!(err, RegisterError::CreateDir { .. }), "{err:?}");
        assert!(err.to_string().contains("blocker"), "{err}");
    }

    #[test]
    fn browsers_expand_and_dedupe() {
        assert_eq!(kinds(&[]), Kind::ALL.to_vec());
        assert_eq!(kinds(&[Browser::All]), Kind::ALL.to_vec());
        assert_eq!(
            kinds(&[Browser::Edge, Browser::Chrome, Browser::Edge]),
            vec![Kind::Chrome, Kind::Edge]
        );
        assert_eq!(
            kinds(&[Browser::Chromium, Browser::All]),
            Kind::ALL.to_vec()
        );
    }

    #[test]
    fn linux_user_base_honours_home_and_xdg() {
        let home = Path::new("/home/alice");
        assert_eq!(
            user_base_dir(Os::Linux, Some(home), None),
            Some(PathBuf::from("/home/alice/.config"))
        );
        assert_eq!(
            user_base_dir(Os::Linux, Some(home), Some(Path::new("/xdg/conf"))),
            Some(PathBuf::from("/xdg/conf"))
        );
        // Empty or relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
        assert_eq!(
            user_base_dir(Os::Linux, Some(home), Some(Path::new(""))),
            Some(PathBuf::from("/home/alice/.config"))
        );
        assert_eq!(
            user_base_dir(Os::Linux, Some(home), Some(Path::new("rel/conf"))),
            Some(PathBuf::from("/home/alice/.config"))
        );
        assert_eq!(
            user_base_dir(Os::Linux, None, Some(Path::new("/xdg"))),
            Some(PathBuf::from("/xdg"))
        );
        assert_eq!(user_base_dir(Os::Linux, None, None), None);
        assert_eq!(user_base_dir(Os::Linux, Some(Path::new("")), None), None);

        let base = PathBuf::from("/home/alice/.config");
        let targets = file_targets(
            Os::Linux,
            &Kind::ALL,
            &[Scope::User, Scope::System],
            Some(&base),
        );
        let paths: Vec<(&str, &str, PathBuf)> = targets
            .iter()
            .map(|t| {
                (
                    t.browser,
                    t.scope.name(),
                    t.manifest.clone().expect("known"),
                )
            })
            .collect();
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            paths,
            vec![
                (
                    "chrome",
                    "user",
                    p(
                        "/home/alice/.config/google-chrome/NativeMessagingHosts/org.certrenew.host.json"
                    )
                ),
                (
                    "chrome",
                    "system",
                    p("/etc/opt/chrome/native-messaging-hosts/org.certrenew.host.json")
                ),
                (
                    "chromium",
                    "user",
                    p("/home/alice/.config/chromium/NativeMessagingHosts/org.certrenew.host.json")
                ),
                (
                    "chromium",
                    "system",
                    p("/etc/chromium/native-messaging-hosts/org.certrenew.host.json")
                ),
                (
                    "edge",
                    "user",
                    p(
                        "/home/alice/.config/microsoft-edge/NativeMessagingHosts/org.certrenew.host.json"
                    )
                ),
                (
                    "edge",
                    "system",
                    p("/etc/opt/edge/native-messaging-hosts/org.certrenew.host.json")
                ),
            ]
        );

        let unknown = file_targets(Os::Linux, &[Kind::Chrome], &[Scope::User], None);
        assert_eq!(unknown[0].manifest, None);
        let r = inspect_target(&unknown[0]);
        assert!(!r.present);
        assert!(r.problem.as_deref().is_some_and(|p| p.contains("$HOME")));
    }

    #[test]
    fn mac_paths() {
        let base = user_base_dir(
            Os::Mac,
            Some(Path::new("/Users/bob")),
            Some(Path::new("/xdg")),
        )
        .expect("home set");
        assert_eq!(
            base,
            PathBuf::from("/Users/bob/Library/Application Support")
        );
        let dirs: Vec<PathBuf> = Kind::ALL
            .iter()
            .flat_map(|&k| {
                [
                    user_manifest_dir(Os::Mac, k, &base),
                    system_manifest_dir(Os::Mac, k),
                ]
            })
            .collect();
        let want = [
            "/Users/bob/Library/Application Support/Google/Chrome/NativeMessagingHosts",
            "/Library/Google/Chrome/NativeMessagingHosts",
            "/Users/bob/Library/Application Support/Chromium/NativeMessagingHosts",
            "/Library/Application Support/Chromium/NativeMessagingHosts",
            "/Users/bob/Library/Application Support/Microsoft Edge/NativeMessagingHosts",
            "/Library/Microsoft/Edge/NativeMessagingHosts",
        ];
        assert_eq!(dirs, want.iter().map(PathBuf::from).collect::<Vec<_>>());
        assert_eq!(user_base_dir(Os::Mac, None, Some(Path::new("/xdg"))), None);
    }

    #[test]
    fn registrations_without_profile_cover_every_browser_and_scope() {
        // Reads the real locations; only the shape is checked, not what is installed.
        let all = registrations(None);
        assert_eq!(all.len(), 6);
        for kind in Kind::ALL {
            for scope in ["user", "system"] {
                assert!(
                    all.iter()
                        .any(|r| r.browser == kind.name() && r.scope == scope),
                    "{} {scope} missing",
                    kind.name()
                );
            }
        }
    }

    #[test]
    fn registration_serialises_for_diagnose() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let r = &registrations(Some(tmp.path()))[0];
        let v = serde_json::to_value(r).expect("serialise");
        for key in [
            "browser",
            "scope",
            "manifest_path",
            "registry_key",
            "present",
            "host_path",
            "host_path_exists",
            "allowed_origins",
            "problem",
        ] {
            assert!(v.get(key).is_some(), "{key} missing");
        }
    }
}
