//! The token's configuration: a TOML file named by `CERTRENEW_TESTTOKEN_CONF`, like
//! SoftHSM's `SOFTHSM2_CONF`. Its format is in testtoken/README.md.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ConfigError;
use crate::profile::{self, Profile};

/// The environment variable naming the configuration file.
pub const ENV: &str = "CERTRENEW_TESTTOKEN_CONF";

/// The most slots a configuration may declare.
const MAX_SLOTS: usize = 8;

/// The configuration as read.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where each slot's token state file lives.
    pub directory: PathBuf,
    /// The vendor mechanism numbering.
    pub profile: Profile,
    /// Whether SM2 signing hashes on the token (Z and SM3) or takes the caller's `e`.
    pub token_hashes: bool,
    /// The manufacturer id reported in the token info.
    pub manufacturer: String,
    /// Wrong user PINs allowed before the PIN locks.
    pub user_pin_tries: u32,
    /// Wrong SO PINs allowed before the SO PIN locks.
    pub so_pin_tries: u32,
    /// The slots, in order.
    pub slots: Vec<SlotConfig>,
}

/// One slot; with `so_pin` set, its token starts initialised (when its state file
/// does not exist yet).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotConfig {
    /// The token label to start with.
    #[serde(default)]
    pub label: Option<String>,
    /// The SO PIN to start with.
    #[serde(default)]
    pub so_pin: Option<String>,
    /// The user PIN to start with (needs `so_pin`).
    #[serde(default)]
    pub user_pin: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    directory: PathBuf,
    #[serde(default = "default_profile")]
    profile: String,
    #[serde(default)]
    token_hashes: bool,
    #[serde(default)]
    manufacturer: Option<String>,
    #[serde(default = "default_tries")]
    user_pin_tries: u32,
    #[serde(default = "default_tries")]
    so_pin_tries: u32,
    #[serde(default)]
    slot: Vec<SlotConfig>,
}

fn default_profile() -> String {
    profile::WESTONE.name.to_owned()
}

fn default_tries() -> u32 {
    3
}

impl Config {
    /// Reads the file named by [`ENV`].
    pub fn from_env() -> Result<Self, ConfigError> {
        let path = std::env::var_os(ENV).ok_or(ConfigError::NotSet(ENV))?;
        Self::read(Path::new(&path))
    }

    /// Reads `path`; a relative `directory` is relative to the file's folder.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: shown.clone(),
            message,
        };
        let file: File = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let profile = profile::by_name(&file.profile).ok_or_else(|| {
            let names: Vec<_> = profile::ALL.iter().map(|p| p.name).collect();
            invalid(format!(
                "unknown profile {:?}; one of {}",
                file.profile,
                names.join(", ")
            ))
        })?;
        if !(1..=15).contains(&file.user_pin_tries) || !(1..=15).contains(&file.so_pin_tries) {
            return Err(invalid("PIN tries must be between 1 and 15".into()));
        }
        let mut slots = file.slot;
        if slots.is_empty() {
            slots.push(SlotConfig::default());
        }
        if slots.len() > MAX_SLOTS {
            return Err(invalid(format!("at most {MAX_SLOTS} slots")));
        }
        for (i, slot) in slots.iter().enumerate() {
            if slot.user_pin.is_some() && slot.so_pin.is_none() {
                return Err(invalid(format!("slot {i}: user_pin needs so_pin")));
            }
            for pin in [&slot.so_pin, &slot.user_pin].into_iter().flatten() {
                crate::pin::check_length(pin.as_bytes())
                    .map_err(|_| invalid(format!("slot {i}: a PIN must have 4 to 64 bytes")))?;
            }
        }
        let directory = if file.directory.is_absolute() {
            file.directory
        } else {
            path.parent().unwrap_or(Path::new(".")).join(file.directory)
        };
        Ok(Config {
            directory,
            profile,
            token_hashes: file.token_hashes,
            manufacturer: file
                .manufacturer
                .unwrap_or_else(|| profile.manufacturer.to_owned()),
            user_pin_tries: file.user_pin_tries,
            so_pin_tries: file.so_pin_tries,
            slots,
        })
    }
}
