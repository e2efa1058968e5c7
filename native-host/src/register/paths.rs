//! Where each browser looks for the manifest: the concrete browsers and scopes, and the
//! per-user and machine-wide directories of Linux and macOS, computed from environment
//! values given as parameters.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::Browser;
use super::manifest::manifest_file_name;

/// A concrete browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    Chrome,
    Chromium,
    Edge,
}

impl Kind {
    pub(super) const ALL: [Kind; 3] = [Kind::Chrome, Kind::Chromium, Kind::Edge];

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Chrome => "chrome",
            Kind::Chromium => "chromium",
            Kind::Edge => "edge",
        }
    }
}

/// The concrete browsers a list names, in a fixed order, each once. Empty means all.
pub(super) fn kinds(browsers: &[Browser]) -> Vec<Kind> {
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
pub(super) enum Scope {
    User,
    System,
    Profile,
}

impl Scope {
    pub(super) fn name(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::System => "system",
            Scope::Profile => "profile",
        }
    }
}

/// The browser name reported for a profile directory, which any of them may use.
pub(super) const ANY_BROWSER: &str = "any";

/// The directory layout to use. Each system uses one; the tests use both.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Os {
    /// Linux and other Unix systems (XDG layout).
    Linux,
    /// macOS.
    Mac,
}

#[cfg_attr(windows, allow(dead_code))]
impl Os {
    #[cfg(target_os = "macos")]
    pub(super) const CURRENT: Os = Os::Mac;
    #[cfg(not(target_os = "macos"))]
    pub(super) const CURRENT: Os = Os::Linux;
}

/// The base directory below which each browser keeps its per-user data: on Linux
/// `$XDG_CONFIG_HOME` when it is an absolute path, else `$HOME/.config`; on macOS
/// `$HOME/Library/Application Support`. `None` when `$HOME` is needed and not set.
/// Empty values count as unset.
#[cfg_attr(windows, allow(dead_code))]
pub(super) fn user_base_dir(
    os: Os,
    home: Option<&Path>,
    xdg_config_home: Option<&Path>,
) -> Option<PathBuf> {
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
pub(super) fn user_manifest_dir(os: Os, kind: Kind, base: &Path) -> PathBuf {
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
pub(super) fn system_manifest_dir(os: Os, kind: Kind) -> PathBuf {
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
pub(super) fn profile_manifest(user_data_dir: &Path) -> PathBuf {
    user_data_dir
        .join("NativeMessagingHosts")
        .join(manifest_file_name())
}

/// A place a manifest goes (Linux, macOS, and profile directories everywhere).
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) browser: &'static str,
    pub(super) scope: Scope,
    /// `None` when the per-user directory is unknown (`$HOME` not set).
    pub(super) manifest: Option<PathBuf>,
}

/// The manifest locations for these browsers and scopes, given the user base directory.
#[cfg_attr(windows, allow(dead_code))]
pub(super) fn file_targets(
    os: Os,
    kinds: &[Kind],
    scopes: &[Scope],
    user_base: Option<&Path>,
) -> Vec<Target> {
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
pub(super) fn env_user_base_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from);
    user_base_dir(Os::CURRENT, home.as_deref(), xdg.as_deref())
}

pub(super) fn profile_target(user_data_dir: &Path) -> Target {
    Target {
        browser: ANY_BROWSER,
        scope: Scope::Profile,
        manifest: Some(profile_manifest(user_data_dir)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::inspect::inspect_target;

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
}
