//! Small JSON values kept in the browser: the language (local storage) and the
//! certificate being worked on, the project and the way back (session storage, so a
//! reload in the middle of a renewal resumes and a closed tab forgets).

use serde::Serialize;
use serde::de::DeserializeOwned;

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// A value from session storage; `None` when absent or unreadable.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let raw = session()?.get_item(key).ok()??;
    serde_json::from_str(&raw).ok()
}

/// Keeps a value in session storage (best effort: private modes may refuse).
pub fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(s), Ok(raw)) = (session(), serde_json::to_string(value)) {
        let _ = s.set_item(key, &raw);
    }
}

/// Forgets a value from session storage.
pub fn forget(key: &str) {
    if let Some(s) = session() {
        let _ = s.remove_item(key);
    }
}

/// A value from local storage (kept across visits).
pub fn load_local<T: DeserializeOwned>(key: &str) -> Option<T> {
    let raw = local()?.get_item(key).ok()??;
    serde_json::from_str(&raw).ok()
}

/// Keeps a value in local storage.
pub fn save_local<T: Serialize>(key: &str, value: &T) {
    if let (Some(s), Ok(raw)) = (local(), serde_json::to_string(value)) {
        let _ = s.set_item(key, &raw);
    }
}

/// Forgets a value from local storage.
pub fn forget_local(key: &str) {
    if let Some(s) = local() {
        let _ = s.remove_item(key);
    }
}
