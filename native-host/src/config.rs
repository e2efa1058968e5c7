//! The host's configuration: which PKCS#11 modules to load and which extensions may
//! start it.
//!
//! Sources, later ones adding to or replacing earlier ones:
//! 1. compiled-in defaults: the allowed extension id (`CERTRENEW_EXTENSION_ID` at build
//!    time, else the development extension committed under `extension/`) and the
//!    modules of the built-in vendor list that exist (`crate::modules::catalogue`).
//!    A release build serves the development extension only with
//!    `allow_development_extension = true` (or `CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION=1`):
//!    see [`crate::extension_policy`];
//! 2. one TOML file: `$CERTRENEW_HOST_CONFIG`, else the first that exists of the user's
//!    and then the system's: on Linux `$XDG_CONFIG_HOME/certrenew/host.toml` (or
//!    `~/.config/…`) and `/etc/certrenew/host.toml`; on Windows
//!    `%APPDATA%\certrenew\host.toml` and `%ProgramData%\certrenew\host.toml`; on macOS
//!    `~/Library/Application Support/certrenew/host.toml` and
//!    `/Library/Application Support/certrenew/host.toml`. Its `modules` replace the
//!    default modules, its `allowed_extensions` replace the default id, and
//!    `allow_development_extension = true` adds the development extension (a
//!    development switch);
//!    A module may be written as a table, `{ path = "…", profile = "westone",
//!    token_hashes = false }`, to choose its SM2 mechanism profile
//!    (crate::mechanisms; docs/sm2.md);
//! 3. `CERTRENEW_PKCS11_MODULES`: a path list (`:`-separated, `;` on Windows) added
//!    in front of the modules.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use protocol::ids::ExtensionId;
use serde::Deserialize;

use crate::extension_policy::{
    self, ALLOW_DEVELOPMENT_ENV, BuildKind, DEVELOPMENT_EXTENSION_ID, PolicyError,
};
use crate::mechanisms::ModuleSetting;

/// The extension id the host allows when nothing else is configured: the production
/// id given at build time, else the development one.
pub const DEFAULT_EXTENSION_ID: &str = match option_env!("CERTRENEW_EXTENSION_ID") {
    Some(id) if !id.is_empty() => id,
    _ => DEVELOPMENT_EXTENSION_ID,
};

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("the configuration file {path} is not valid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An extension id is malformed.
    #[error(
        "the configuration file {path} lists an extension id that is not 32 letters a-p: {id:?}"
    )]
    ExtensionId {
        /// The file.
        path: PathBuf,
        /// The bad id.
        id: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    modules: Option<Vec<ModuleEntry>>,
    #[serde(default)]
    allowed_extensions: Option<Vec<String>>,
    #[serde(default)]
    allow_development_extension: Option<bool>,
}

/// One entry of `modules`: a path, or a table with the module's SM2 profile.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ModuleEntry {
    Path(PathBuf),
    Table(ModuleTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleTable {
    path: PathBuf,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    token_hashes: Option<bool>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// PKCS#11 module paths, in the order they are tried.
    pub modules: Vec<PathBuf>,
    /// Extensions allowed to start the host.
    pub allowed_extensions: Vec<ExtensionId>,
    /// The development extension may use the host, even a release build (a
    /// development switch).
    pub allow_development_extension: bool,
    /// The file the configuration came from, if any.
    pub file: Option<PathBuf>,
    /// Per-module SM2 settings from the file, by module path.
    pub module_settings: HashMap<PathBuf, ModuleSetting>,
}

impl Config {
    /// Reads the configuration from the environment and the file system.
    pub fn load() -> Result<Self, ConfigError> {
        let file = config_file_path();
        let parsed = match &file {
            Some(path) => read_file(path)?,
            None => ConfigFile::default(),
        };
        let env_modules = std::env::var_os("CERTRENEW_PKCS11_MODULES");
        let mut config = Self::assemble(parsed, file, env_modules.as_deref())?;
        if std::env::var_os(ALLOW_DEVELOPMENT_ENV).is_some_and(|v| extension_policy::is_truthy(&v))
        {
            config.allow_development_extension = true;
        }
        Ok(config)
    }

    fn assemble(
        parsed: ConfigFile,
        file: Option<PathBuf>,
        env_modules: Option<&std::ffi::OsStr>,
    ) -> Result<Self, ConfigError> {
        let mut modules: Vec<PathBuf> = env_modules
            .map(|list| {
                std::env::split_paths(list)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let env_given = !modules.is_empty();
        let mut module_settings = HashMap::new();
        match parsed.modules {
            Some(list) => modules.extend(list.into_iter().map(|entry| match entry {
                ModuleEntry::Path(path) => path,
                ModuleEntry::Table(t) => {
                    module_settings.insert(
                        t.path.clone(),
                        ModuleSetting {
                            profile: t.profile,
                            token_hashes: t.token_hashes,
                        },
                    );
                    t.path
                }
            })),
            None if !env_given => modules.extend(default_modules()),
            None => {}
        }
        let mut seen = std::collections::HashSet::new();
        modules.retain(|p| seen.insert(p.clone()));

        let allowed_extensions = match parsed.allowed_extensions {
            Some(ids) => ids
                .into_iter()
                .map(|id| {
                    ExtensionId::parse(&id).map_err(|_| ConfigError::ExtensionId {
                        path: file.clone().unwrap_or_default(),
                        id,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => ExtensionId::parse(DEFAULT_EXTENSION_ID)
                .into_iter()
                .collect(),
        };
        Ok(Self {
            modules,
            allowed_extensions,
            allow_development_extension: parsed.allow_development_extension.unwrap_or(false),
            file,
            module_settings,
        })
    }

    /// Whether `id` may talk to this host (as configured, before the build's policy).
    pub fn allows(&self, id: &ExtensionId) -> bool {
        self.allowed_extensions.contains(id)
    }

    /// The extensions a build of `kind` serves with this configuration, or why it
    /// serves none.
    pub fn serving_extensions(&self, kind: BuildKind) -> Result<Vec<ExtensionId>, PolicyError> {
        extension_policy::effective_extensions(
            kind,
            &self.allowed_extensions,
            self.allow_development_extension,
            &self.file_to_edit(),
        )
    }

    /// The file a person should edit: the one in use, else the system-wide one.
    pub fn file_to_edit(&self) -> String {
        self.file
            .clone()
            .or_else(|| candidate_files().pop())
            .map_or_else(|| "host.toml".to_owned(), |p| p.display().to_string())
    }
}

fn read_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.message().to_owned(),
    })
}

fn config_file_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CERTRENEW_HOST_CONFIG") {
        return Some(PathBuf::from(path));
    }
    candidate_files().into_iter().find(|p| p.is_file())
}

fn candidate_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if cfg!(windows) {
        if let Some(appdata) = std::env::var_os("APPDATA") {
            out.push(PathBuf::from(appdata).join("certrenew").join("host.toml"));
        }
        if let Some(programdata) = std::env::var_os("ProgramData") {
            out.push(
                PathBuf::from(programdata)
                    .join("certrenew")
                    .join("host.toml"),
            );
        }
    } else if cfg!(target_os = "macos") {
        if let Some(home) = std::env::var_os("HOME") {
            out.push(PathBuf::from(home).join("Library/Application Support/certrenew/host.toml"));
        }
        out.push(PathBuf::from(
            "/Library/Application Support/certrenew/host.toml",
        ));
    } else {
        // The XDG spec: a relative or empty XDG_CONFIG_HOME is ignored.
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|h| !h.is_empty())
                    .map(|h| PathBuf::from(h).join(".config"))
            });
        if let Some(base) = base {
            out.push(base.join("certrenew").join("host.toml"));
        }
        out.push(PathBuf::from("/etc/certrenew/host.toml"));
    }
    out
}

/// The modules of the built-in vendor list (`data/pkcs11-modules.toml`, OpenSC
/// included) that exist on this machine.
fn default_modules() -> Vec<PathBuf> {
    crate::modules::catalogue::found_paths()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_extension_id_is_valid() {
        assert!(
            ExtensionId::parse(DEFAULT_EXTENSION_ID).is_ok(),
            "{DEFAULT_EXTENSION_ID}"
        );
    }

    #[test]
    fn env_modules_come_first_and_file_modules_follow() {
        let parsed: ConfigFile = toml::from_str("modules = [\"/b.so\", \"/a.so\"]").unwrap();
        let joined = std::env::join_paths(["/a.so", "/c.so"]).unwrap();
        let config = Config::assemble(parsed, None, Some(&joined)).unwrap();
        assert_eq!(
            config.modules,
            [PathBuf::from("/a.so"), "/c.so".into(), "/b.so".into()]
        );
    }

    #[test]
    fn a_module_table_sets_its_sm2_profile() {
        let parsed: ConfigFile = toml::from_str(
            "modules = [\"/a.so\", { path = \"/t.so\", profile = \"sansec\", token_hashes = true }]",
        )
        .unwrap();
        let config = Config::assemble(parsed, None, None).unwrap();
        assert_eq!(config.modules, [PathBuf::from("/a.so"), "/t.so".into()]);
        let setting = &config.module_settings[&PathBuf::from("/t.so")];
        assert_eq!(setting.profile.as_deref(), Some("sansec"));
        assert_eq!(setting.token_hashes, Some(true));
        assert!(
            toml::from_str::<ConfigFile>("modules = [{ path = \"/t.so\", profil = \"x\" }]")
                .is_err()
        );
    }

    #[test]
    fn file_replaces_allowed_extensions() {
        let parsed: ConfigFile =
            toml::from_str("allowed_extensions = [\"abcdefghijklmnopabcdefghijklmnop\"]").unwrap();
        let config = Config::assemble(parsed, None, None).unwrap();
        let id = ExtensionId::parse("abcdefghijklmnopabcdefghijklmnop").unwrap();
        assert!(config.allows(&id));
        assert!(!config.allows(&ExtensionId::parse(DEFAULT_EXTENSION_ID).unwrap()));
    }

    #[test]
    fn bad_extension_id_and_unknown_keys_are_errors() {
        let parsed: ConfigFile = toml::from_str("allowed_extensions = [\"nope\"]").unwrap();
        assert!(matches!(
            Config::assemble(parsed, None, None),
            Err(ConfigError::ExtensionId { .. })
        ));
        assert!(toml::from_str::<ConfigFile>("modulez = []").is_err());
    }

    #[test]
    fn the_development_switch_is_read_from_the_file() {
        let parsed: ConfigFile = toml::from_str("allow_development_extension = true").unwrap();
        let config = Config::assemble(parsed, None, None).unwrap();
        assert!(config.allow_development_extension);
        let config = Config::assemble(ConfigFile::default(), None, None).unwrap();
        assert!(!config.allow_development_extension);
    }
}
