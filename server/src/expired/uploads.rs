//! Uploads: the signed and stamped application form and the operator's ID photos. The
//! type is read from the bytes (PDF, JPEG, PNG; never the name or the header), the size
//! is capped at [`MAX_UPLOAD`], and the bytes are stored once per SHA-256 under
//! `<data>/uploads/<2 hex>/<sha256>`.

use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::body::Body as RawBody;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::audit;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::expired::apply::closed;
use crate::expired::login;
use crate::expired::state::{AppEvent, ApplicationStatus, Steps};
use crate::expired::store::uploads::NewUpload;
use crate::expired::store::{self, UploadView};
use crate::state::AppState;

/// The largest file taken.
pub const MAX_UPLOAD: usize = 5 * 1024 * 1024;
/// Files per application (re-scans included): bounds the disk one applicant can fill.
pub const MAX_FILES: i64 = 20;

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Empty.
    #[error("the file is empty")]
    Empty,
    /// Over [`MAX_UPLOAD`].
    #[error("the file is larger than 5 MiB")]
    TooLarge,
    /// Not a PDF, JPEG or PNG by its bytes.
    #[error("the file is not a PDF, JPEG or PNG (judged by its content, not its name)")]
    Type,
    /// A kind that does not take this type (ID photos are images).
    #[error("{0} takes JPEG or PNG images only")]
    NotAnImage(&'static str),
}

impl FileError {
    /// The rule's stable name.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Empty => "upload.empty",
            Self::TooLarge => "upload.too_large",
            Self::Type => "upload.type",
            Self::NotAnImage(_) => "upload.not_an_image",
        }
    }
}

impl From<FileError> for AppError {
    fn from(e: FileError) -> Self {
        AppError::validation("file", e.rule(), e.to_string())
    }
}

/// The media type of `bytes`, judged by their structure.
pub fn sniff(bytes: &[u8]) -> Result<&'static str, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.len() > MAX_UPLOAD {
        return Err(FileError::TooLarge);
    }
    // PNG: the signature, then the IHDR chunk first.
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        return Ok("image/png");
    }
    // JPEG: SOI, then a marker.
    if bytes.len() > 4 && bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok("image/jpeg");
    }
    // PDF: the header, and the end-of-file marker near the end (scanners append little).
    if bytes.starts_with(b"%PDF-") {
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        if tail.windows(5).any(|w| w == b"%%EOF") {
            return Ok("application/pdf");
        }
    }
    Err(FileError::Type)
}

/// Where the bytes of `sha256` live.
pub fn path_of(data_dir: &FsPath, sha256: &str) -> PathBuf {
    data_dir.join("uploads").join(&sha256[..2]).join(sha256)
}

/// Stores `bytes` under their hash unless they are there already; returns the hash.
/// ID photos and signed forms are personal data: the files are 0600 and their folders
/// 0700 (owner only), whatever the umask.
pub async fn store_bytes(data_dir: &FsPath, bytes: &[u8]) -> std::io::Result<String> {
    let sha256 = protocol::ids::to_hex(&Sha256::digest(bytes));
    let path = path_of(data_dir, &sha256);
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(sha256);
    }
    let root = data_dir.join("uploads");
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || write_private(&root, &path, &bytes))
        .await
        .map_err(std::io::Error::other)??;
    Ok(sha256)
}

/// Creates `path`'s folders below `root` (and `root`) owner-only and writes the file
/// aside, owner-only, then renames it: a reader never sees half a file.
fn write_private(root: &FsPath, path: &FsPath, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let Some(dir) = path.parent() else {
        return Err(std::io::Error::other("an upload path without a folder"));
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    // Folders made before this rule (or by a looser umask) are tightened too.
    #[cfg(unix)]
    for d in [root, dir] {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))?;
    }
    let tmp = path.with_extension(format!("tmp{}", crate::random::hex(4)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// Which upload this is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UploadQuery {
    /// `form` (the signed, stamped form), `id_front` or `id_back` (the operator's ID card).
    pub kind: String,
    /// The file's name, for people (at most 100 characters).
    pub name: Option<String>,
}

/// Uploads a file (`POST …/uploads?kind=form&name=scan.pdf`): the raw bytes are the body.
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/uploads", params(("business_no" = String, Path), ("kind" = String, Query), ("name" = Option<String>, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = UploadView), (status = 409), (status = 422)))]
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Query(q): Query<UploadQuery>,
    body: RawBody,
) -> AppResult<(StatusCode, Json<UploadView>)> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    if !row.status.is_open() {
        return Err(closed(row.status));
    }
    let kind: &'static str = match q.kind.as_str() {
        "form" => "form",
        "id_front" => "id_front",
        "id_back" => "id_back",
        _ => {
            return Err(AppError::validation(
                "kind",
                "upload.kind",
                "kind is form, id_front or id_back",
            ));
        }
    };
    let name = q.name.unwrap_or_default();
    let name = name.trim();
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::validation(
            "name",
            "upload.name",
            "the name is at most 100 characters",
        ));
    }
    // Far too large by its own account: refused before reading (the client may see the
    // connection close before it reads this answer). Anything else is read, counting,
    // so a file just over the limit gets its 422 reliably.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > 2 * MAX_UPLOAD) {
        return Err(FileError::TooLarge.into());
    }
    let bytes = axum::body::to_bytes(body, MAX_UPLOAD + 1)
        .await
        .map_err(|_| AppError::from(FileError::TooLarge))?;
    let media_type = sniff(&bytes)?;
    if kind != "form" && media_type == "application/pdf" {
        return Err(FileError::NotAnImage("an ID photo").into());
    }
    // The form is the step; ID photos may come any time before the identity check.
    let event = (kind == "form").then_some(AppEvent::UploadForm);
    if let Some(event) = event {
        row.status.next(event).map_err(|e| {
            AppError::refused(
                ErrorCode::IllegalTransition,
                StatusCode::CONFLICT,
                e.to_string(),
            )
            .with_details(json!({ "status": row.status.as_str() }))
        })?;
    } else if row.status == ApplicationStatus::Started {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            "save the application's details first",
        )
        .with_details(json!({ "status": "started" })));
    }
    let files = store::uploads::count(state.pool(), &business_no).await?;
    if files >= MAX_FILES {
        return Err(AppError::refused(
            ErrorCode::RateLimited,
            StatusCode::TOO_MANY_REQUESTS,
            "too many files for this application; contact the CA",
        )
        .with_details(json!({ "rule": "upload.too_many" })));
    }
    let sha256 = store_bytes(&state.config.data_dir, &bytes)
        .await
        .map_err(|e| AppError::Internal(format!("storing an upload: {e}")))?;
    let shown = if name.is_empty() {
        kind.to_owned()
    } else {
        name.to_owned()
    };
    let now = clock::now_ms();
    let actor = store::actor(&mobile);
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let mut tx = state.store.begin_write().await?;
    let id = store::uploads::insert(
        &mut tx,
        &NewUpload {
            business_no: &business_no,
            kind,
            sha256: &sha256,
            media_type,
            size,
            name: &shown,
            created_at: now,
        },
    )
    .await?;
    let detail = json!({ "upload": id, "kind": kind, "sha256": sha256, "media_type": media_type, "size": size });
    match event {
        Some(event) => {
            store::step(&mut tx, &business_no, event, &actor, detail).await?;
        }
        None => {
            audit::append(
                &mut tx,
                &actor,
                "expired.upload_added",
                &business_no,
                detail,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadView {
            id,
            kind: kind.to_owned(),
            sha256,
            media_type: media_type.to_owned(),
            size,
            name: shown,
            uploaded_at: clock::rfc3339(now),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
        assert_eq!(sniff(png), Ok("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Ok("image/jpeg"));
        assert_eq!(sniff(b"%PDF-1.4\n1 0 obj\n%%EOF\n"), Ok("application/pdf"));
        assert_eq!(sniff(b"%PDF-1.4 but cut short"), Err(FileError::Type));
        assert_eq!(sniff(b"\x7FELF\x02\x01\x01"), Err(FileError::Type));
        assert_eq!(sniff(b"MZ\x90\0\x03"), Err(FileError::Type));
        assert_eq!(sniff(b""), Err(FileError::Empty));
        assert_eq!(sniff(&vec![0xFF; MAX_UPLOAD + 1]), Err(FileError::TooLarge));
    }
}
