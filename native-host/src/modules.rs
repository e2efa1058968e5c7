//! Loading the PKCS#11 modules. A module that fails to load is remembered with its
//! error and reported by `hello` and `diagnose`; it never stops the host.
//!
//! [`catalogue`]: the built-in list of token vendors' modules, probed when nothing is
//! configured.

use std::collections::HashMap;
use std::path::PathBuf;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as Pkcs11Error, RvError};
use protocol::host::ModuleStatus;

use crate::mechanisms::{self, ModuleSetting, Selection};

pub mod catalogue;

/// One configured module.
pub struct Module {
    /// Its path.
    pub path: PathBuf,
    /// The loaded context, or why it could not be loaded.
    pub context: Result<Pkcs11, String>,
    /// The library's description, when loaded.
    pub description: Option<String>,
    /// Its SM2 mechanism profile and why (crate::mechanisms).
    pub sm2: Selection,
}

impl Module {
    /// Loads and initialises the module at `path`.
    pub fn load(path: PathBuf) -> Self {
        let context = Pkcs11::new(&path)
            .map_err(|e| format!("cannot load the module: {e}"))
            .and_then(|ctx| {
                match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
                    Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {
                        Ok(ctx)
                    }
                    Err(e) => Err(format!("the module failed to initialise: {e}")),
                }
            });
        let description = context
            .as_ref()
            .ok()
            .and_then(|ctx| ctx.get_library_info().ok())
            .map(|info| {
                format!(
                    "{} {}",
                    info.manufacturer_id().trim(),
                    info.library_description().trim()
                )
            });
        let sm2 = mechanisms::select(None, &manufacturers(&context));
        Self {
            path,
            context,
            description,
            sm2,
        }
    }

    /// How `hello` reports it.
    pub fn status(&self) -> ModuleStatus {
        ModuleStatus {
            path: self.path.display().to_string(),
            loaded: self.context.is_ok(),
            description: self.description.clone(),
            error: self.context.as_ref().err().cloned(),
            vendor: catalogue::vendor_of(&self.path, catalogue::Os::CURRENT),
        }
    }
}

/// The library's manufacturer id, then its tokens'.
fn manufacturers(context: &Result<Pkcs11, String>) -> Vec<String> {
    let Ok(ctx) = context else {
        return Vec::new();
    };
    let mut out: Vec<String> = ctx
        .get_library_info()
        .map(|i| i.manufacturer_id().to_owned())
        .into_iter()
        .collect();
    for slot in ctx.get_slots_with_token().unwrap_or_default() {
        if let Ok(info) = ctx.get_token_info(slot) {
            out.push(info.manufacturer_id().to_owned());
        }
    }
    out
}

/// Loads every module, in order, with its configured SM2 setting.
pub fn load_all(paths: &[PathBuf], settings: &HashMap<PathBuf, ModuleSetting>) -> Vec<Module> {
    paths
        .iter()
        .cloned()
        .map(|path| {
            let setting = settings.get(&path);
            let mut module = Module::load(path);
            if setting.is_some() {
                module.sm2 = mechanisms::select(setting, &manufacturers(&module.context));
            }
            module
        })
        .collect()
}
