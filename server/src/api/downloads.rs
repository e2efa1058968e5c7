//! `GET /api/v1/downloads`: the host programs this server offers (what
//! `scripts/build-app.sh` put into `<dist>/downloads/`), with their sizes and SHA-256,
//! so the setup page links only what exists and shows a checksum the user can compare.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// One program offered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Download {
    /// `windows`, `macos` or `linux`.
    pub os: &'static str,
    /// The file's name; it is served at `/downloads/<file>`.
    pub file: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
}

/// The operating system a host file is for, by its name (`certrenew-host-<os>…`).
fn os_of(name: &str) -> Option<&'static str> {
    let rest = name.strip_prefix("certrenew-host-")?;
    [
        ("windows", "windows"),
        ("macos", "macos"),
        ("linux", "linux"),
    ]
    .into_iter()
    .find(|(prefix, _)| rest.starts_with(prefix))
    .map(|(_, os)| os)
}

/// Hashes are kept per file until its size or modification time changes (the files
/// are megabytes; the setup page asks on every visit).
type Cache = Mutex<HashMap<PathBuf, (u64, SystemTime, String)>>;

fn sha256_cached(path: &Path, size: u64, modified: SystemTime) -> std::io::Result<String> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    if let Ok(map) = cache.lock()
        && let Some((s, m, hash)) = map.get(path)
        && *s == size
        && *m == modified
    {
        return Ok(hash.clone());
    }
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    let hash = protocol::ids::to_hex(&hasher.finalize());
    if let Ok(mut map) = cache.lock() {
        map.insert(path.to_owned(), (size, modified, hash.clone()));
    }
    Ok(hash)
}

/// Lists `dir`'s host programs, sorted by file name.
pub fn list(dir: &Path) -> std::io::Result<Vec<Download>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some(os) = os_of(&name) else { continue };
        if !meta.is_file() || name.ends_with(".gz") {
            continue;
        }
        let sha256 = sha256_cached(&entry.path(), meta.len(), meta.modified()?)?;
        out.push(Download {
            os,
            file: name,
            size: meta.len(),
            sha256,
        });
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(out)
}

/// The host programs offered (empty when the server serves no web app).
#[utoipa::path(get, path = "/api/v1/downloads", responses((status = 200, body = [Download])))]
pub async fn downloads(State(state): State<AppState>) -> AppResult<Json<Vec<Download>>> {
    let Some(dist) = state.config.dist_dir.clone() else {
        return Ok(Json(Vec::new()));
    };
    let found = tokio::task::spawn_blocking(move || list(&dist.join("downloads")))
        .await
        .map_err(|e| AppError::Internal(format!("listing the downloads: {e}")))?
        .map_err(|e| AppError::Internal(format!("listing the downloads: {e}")))?;
    Ok(Json(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_files_are_named_after_their_os() {
        assert_eq!(os_of("certrenew-host-linux-x86_64"), Some("linux"));
        assert_eq!(os_of("certrenew-host-windows-x86_64.exe"), Some("windows"));
        assert_eq!(os_of("certrenew-host-macos"), Some("macos"));
        assert_eq!(os_of("README"), None);
        assert_eq!(os_of("certrenew-host-plan9"), None);
    }

    #[test]
    fn only_host_programs_are_listed_with_their_hash() {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::write(dir.path().join("certrenew-host-linux-x86_64"), b"abc").expect("write");
        std::fs::write(dir.path().join("certrenew-host-linux-x86_64.gz"), b"x").expect("write");
        std::fs::write(dir.path().join("notes.txt"), b"x").expect("write");
        let list = list(dir.path()).expect("listed");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].os, "linux");
        assert_eq!(list[0].size, 3);
        assert_eq!(
            list[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(
            super::list(&dir.path().join("missing"))
                .expect("empty")
                .is_empty()
        );
    }
}
