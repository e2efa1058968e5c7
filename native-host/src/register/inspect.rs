//! Reading a registered manifest back and checking it as a browser would.

use std::fs;
use std::io;
use std::path::Path;

use protocol::ids::ExtensionId;
use serde_json::Value;

use super::paths::Target;
use super::{HOST_NAME, Registration};

pub(super) fn inspect_target(target: &Target) -> Registration {
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

/// What reading one manifest found.
#[derive(Debug, Default)]
pub(super) struct Inspection {
    present: bool,
    host_path: Option<String>,
    host_path_exists: bool,
    allowed_origins: Vec<String>,
    problems: Vec<String>,
}

impl Inspection {
    pub(super) fn fill(self, reg: &mut Registration) {
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
pub(super) fn inspect_manifest(manifest: &Path) -> Inspection {
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
pub(super) fn check_host_path(manifest: &Path, path: &str, out: &mut Inspection) {
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
pub(super) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
pub(super) fn is_executable(_path: &Path) -> bool {
    true
}
