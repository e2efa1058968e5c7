//! The manifest's contents: what [`register`](super::register) writes and
//! [`manifest_json`] shows.

use std::collections::BTreeSet;
use std::io;

use protocol::ids::ExtensionId;
use serde::Serialize;
use serde_json::Value;

use super::{HOST_NAME, RegisterError, RegisterOptions};

/// The manifest's `description`.
pub(super) const DESCRIPTION: &str = "certrenew: renews certificates on a USB token (PKCS#11)";

/// The manifest's file name, `org.certrenew.host.json`.
pub(super) fn manifest_file_name() -> String {
    format!("{HOST_NAME}.json")
}

/// The manifest as written, fields in the order browsers' documentation shows them.
#[derive(Debug, Serialize)]
pub(super) struct Manifest {
    name: &'static str,
    description: &'static str,
    path: String,
    #[serde(rename = "type")]
    kind: &'static str,
    allowed_origins: Vec<String>,
}

pub(super) fn manifest(opts: &RegisterOptions) -> Manifest {
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
pub(super) fn manifest_bytes(opts: &RegisterOptions) -> Result<Vec<u8>, RegisterError> {
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
