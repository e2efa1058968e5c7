//! The browser extension's self-hosted updates (docs/extension-updates.md).
//!
//! - `GET /extension/updates.xml`: the update manifest in Google's `gupdate` format
//!   (protocol 2.0), naming the highest version among the `certrenew-X.Y.Z.crx` files in
//!   the configured `extension_dir`, with the app id computed from that package's key.
//! - `GET /extension/certrenew-X.Y.Z.crx`: one package, `application/x-chrome-extension`.
//!   Only names of that exact shape are served, so no other file of the folder and no
//!   path outside it can be reached.
//!
//! Packages are made by `extension/pack.mjs` (CRX3, RSA-SHA256). Every request reads the
//! folder afresh: publishing a version is copying its file in, nothing restarts. The
//! manifest's package is checked as Chromium checks it ([`crate::crx3`]: header,
//! signatures, the crx_id naming one of the signing keys) so a broken upload fails here,
//! loudly, and not silently in every customer's browser.

use std::cmp::Ordering;
use std::path::Path;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::crx3::inspect_crx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The media type Chrome expects for a package.
pub const CRX_CONTENT_TYPE: &str = "application/x-chrome-extension";

/// The `/extension/` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/extension/updates.xml", get(update_manifest))
        .route("/extension/{file}", get(package))
}

/// The update manifest: the highest published version.
pub async fn update_manifest(State(state): State<AppState>) -> AppResult<impl IntoResponse> {
    let dir = extension_dir(&state)?;
    let (version, name) = latest_package(dir)
        .await?
        .ok_or_else(|| AppError::not_found("no extension package is published"))?;
    let bytes = tokio::fs::read(dir.join(&name))
        .await
        .map_err(|e| AppError::Internal(format!("reading the extension package {name}: {e}")))?;
    let crx = inspect_crx(&bytes).map_err(|e| {
        AppError::Internal(format!(
            "the extension package {name} is not a valid CRX3 file: {e}"
        ))
    })?;
    let codebase = format!(
        "{}/extension/{name}",
        state.config.public_origin.as_str().trim_end_matches('/')
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        gupdate_xml(&crx.id, &codebase, &version.to_string()),
    ))
}

/// One package, by its exact published name.
pub async fn package(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
) -> AppResult<impl IntoResponse> {
    let dir = extension_dir(&state)?;
    if PackageVersion::from_file_name(&file).is_none() {
        return Err(AppError::not_found("no such extension file"));
    }
    let path = dir.join(&file);
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::not_found("no such extension package"));
        }
        Err(e) => {
            return Err(AppError::Internal(format!(
                "reading the extension package {file}: {e}"
            )));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, CRX_CONTENT_TYPE),
            // A version's file never changes once published; a short lifetime still lets
            // an operator replace a broken upload.
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        bytes,
    ))
}

fn extension_dir(state: &AppState) -> AppResult<&Path> {
    state
        .config
        .extension_dir
        .as_deref()
        .ok_or_else(|| AppError::not_found("extension updates are not served here"))
}

/// The highest version among the folder's `certrenew-X.Y.Z.crx` files, and its file name.
/// `None` when there is none (or no folder).
pub async fn latest_package(dir: &Path) -> AppResult<Option<(PackageVersion, String)>> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(AppError::Internal(format!(
                "listing the extension folder {}: {e}",
                dir.display()
            )));
        }
    };
    let mut best: Option<(PackageVersion, String)> = None;
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(|e| AppError::Internal(format!("listing the extension folder: {e}")))?
    {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some(version) = PackageVersion::from_file_name(&name) else {
            continue;
        };
        let is_file = tokio::fs::metadata(entry.path())
            .await
            .is_ok_and(|m| m.is_file());
        if !is_file {
            continue;
        }
        // Equal versions ("1.2" and "1.2.0") are ordered by name, so the answer never
        // depends on the order the folder lists its files in.
        let better = match &best {
            None => true,
            Some((v, n)) => match version.cmp(v) {
                Ordering::Greater => true,
                Ordering::Equal => name > *n,
                Ordering::Less => false,
            },
        };
        if better {
            best = Some((version, name));
        }
    }
    Ok(best)
}

/// An extension version as Chrome reads it: 1 to 4 dot-separated integers, each at most
/// 65535, compared part by part with missing parts as 0 (so `1.0` equals `1.0.0`).
#[derive(Debug, Clone)]
pub struct PackageVersion(Vec<u16>);

impl PackageVersion {
    /// Parses `1.2.3`; no signs, no leading zeros, no empty parts.
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split('.').collect();
        if parts.is_empty() || parts.len() > 4 {
            return None;
        }
        parts
            .iter()
            .map(|p| {
                let digits = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
                let no_leading_zero = *p == "0" || !p.starts_with('0');
                if digits && no_leading_zero && p.len() <= 5 {
                    p.parse::<u16>().ok()
                } else {
                    None
                }
            })
            .collect::<Option<Vec<u16>>>()
            .map(Self)
    }

    /// The version of a published file name `certrenew-X.Y.Z.crx`; `None` for any other name.
    pub fn from_file_name(name: &str) -> Option<Self> {
        Self::parse(name.strip_prefix("certrenew-")?.strip_suffix(".crx")?)
    }

    fn part(&self, i: usize) -> u16 {
        self.0.get(i).copied().unwrap_or(0)
    }
}

impl Ord for PackageVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (0..4)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialEq for PackageVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for PackageVersion {}

impl PartialOrd for PackageVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for PackageVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u16::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// The `gupdate` document for one app.
pub fn gupdate_xml(app_id: &str, codebase: &str, version: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <gupdate xmlns=\"http://www.google.com/update2/response\" protocol=\"2.0\">\n\
         \x20 <app appid=\"{}\">\n\
         \x20   <updatecheck codebase=\"{}\" version=\"{}\"/>\n\
         \x20 </app>\n\
         </gupdate>\n",
        xml_attr(app_id),
        xml_attr(codebase),
        xml_attr(version)
    )
}

fn xml_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_compare_as_chrome_does() {
        let v = |s: &str| PackageVersion::parse(s).unwrap();
        assert!(v("0.10.0") > v("0.9.3"));
        assert!(v("1.0") == v("1.0.0.0"));
        assert!(v("1.0.0.1") > v("1"));
        assert_eq!(v("65535.0.1").to_string(), "65535.0.1");
        for bad in [
            "",
            "1.",
            ".1",
            "01.2",
            "1.2.3.4.5",
            "1.-2",
            "65536",
            "1.2a",
            "1..2",
            " 1",
        ] {
            assert!(PackageVersion::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn only_package_names_are_recognised() {
        let ok = |s: &str| PackageVersion::from_file_name(s).is_some();
        assert!(ok("certrenew-0.2.0.crx"));
        assert!(ok("certrenew-1.crx"));
        for bad in [
            "certrenew-0.2.0.crx.bak",
            "certrenew-.crx",
            "../certrenew-0.2.0.crx",
            "certrenew-0.2.0/../../etc/passwd.crx",
            "other-0.2.0.crx",
            "certrenew-0.2.0.zip",
            "updates.xml",
        ] {
            assert!(!ok(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_manifest_escapes_its_attributes() {
        let xml = gupdate_xml("abc", "https://ca.example.com/x?a=1&b=\"2\"", "1.0");
        assert!(xml.contains("codebase=\"https://ca.example.com/x?a=1&amp;b=&quot;2&quot;\""));
        assert!(xml.contains("<app appid=\"abc\">"));
        assert!(xml.contains("protocol=\"2.0\""));
    }
}
