//! A token's persistent state: one JSON file per slot in the configured folder,
//! written whole to a temporary file and renamed over the old one, so a crash
//! leaves either the old state or the new.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cryptoki_sys::{CK_OBJECT_HANDLE, CKR_DEVICE_ERROR};
use serde::{Deserialize, Serialize};

use crate::config::{Config, SlotConfig};
use crate::error::{CkResult, ConfigError, Rv};
use crate::object::Object;
use crate::pin::StoredPin;

/// What a token keeps between processes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TokenData {
    /// Whether `C_InitToken` (or the configuration) initialised it.
    pub initialized: bool,
    /// The token label (at most 32 bytes).
    pub label: String,
    /// The SO PIN.
    pub so_pin: Option<StoredPin>,
    /// The user PIN, once `C_InitPIN` set it.
    pub user_pin: Option<StoredPin>,
    /// Token objects by handle.
    pub objects: BTreeMap<CK_OBJECT_HANDLE, Object>,
    /// The next object handle to give out.
    pub next_handle: CK_OBJECT_HANDLE,
    /// A serial number, fixed when the file is first written.
    pub serial: String,
}

/// The state file of slot `index`.
pub fn path(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("slot-{index}.json"))
}

/// Reads slot `index`'s state, or makes it from the configuration when the file
/// does not exist yet (and writes it).
pub fn load(config: &Config, index: usize, slot: &SlotConfig) -> Result<TokenData, ConfigError> {
    let file = path(&config.directory, index);
    let state_err = |message: String| ConfigError::State {
        path: file.display().to_string(),
        message,
    };
    match std::fs::read(&file) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| state_err(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut data = TokenData {
                next_handle: 1,
                serial: format!("{:016x}", index as u64 + 0x5e31_0000),
                ..TokenData::default()
            };
            if let Some(so) = &slot.so_pin {
                data.initialized = true;
                data.label = slot.label.clone().unwrap_or_default();
                data.so_pin = Some(
                    StoredPin::new(so.as_bytes(), config.so_pin_tries)
                        .map_err(|e| state_err(e.to_string()))?,
                );
                data.user_pin = slot
                    .user_pin
                    .as_deref()
                    .map(|p| StoredPin::new(p.as_bytes(), config.user_pin_tries))
                    .transpose()
                    .map_err(|e| state_err(e.to_string()))?;
            }
            std::fs::create_dir_all(&config.directory).map_err(|e| state_err(e.to_string()))?;
            save(&file, &data).map_err(|e| state_err(e.to_string()))?;
            Ok(data)
        }
        Err(e) => Err(state_err(e.to_string())),
    }
}

/// Writes `data` to `file` atomically.
pub fn save(file: &Path, data: &TokenData) -> CkResult<()> {
    let json = serde_json::to_vec_pretty(data).map_err(|_| Rv(CKR_DEVICE_ERROR))?;
    let tmp = file.with_extension("json.tmp");
    std::fs::write(&tmp, json).map_err(|_| Rv(CKR_DEVICE_ERROR))?;
    std::fs::rename(&tmp, file).map_err(|_| Rv(CKR_DEVICE_ERROR))
}
