//! `expired_uploads`: the files of an application (stored by content hash on disk;
//! the rows say which, of what kind and type).

use sqlx::{Any, Executor, Row};

use crate::clock;
use crate::db::Tx;
use crate::error::AppResult;
use crate::expired::store::UploadView;

/// A file received.
#[derive(Debug, Clone)]
pub struct NewUpload<'a> {
    /// The application.
    pub business_no: &'a str,
    /// `form`, `id_front` or `id_back`.
    pub kind: &'a str,
    /// SHA-256 of the bytes.
    pub sha256: &'a str,
    /// The type read from the bytes.
    pub media_type: &'a str,
    /// Bytes.
    pub size: i64,
    /// The name shown.
    pub name: &'a str,
    /// Unix ms.
    pub created_at: i64,
}

/// Files of an application so far.
pub async fn count<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
) -> AppResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM expired_uploads WHERE business_no = $1")
            .bind(business_no)
            .fetch_one(executor)
            .await?,
    )
}

/// Records a file; returns its id.
pub async fn insert(tx: &mut Tx, u: &NewUpload<'_>) -> AppResult<i64> {
    Ok(sqlx::query_scalar("INSERT INTO expired_uploads (business_no, kind, sha256, media_type, size, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(u.business_no)
        .bind(u.kind)
        .bind(u.sha256)
        .bind(u.media_type)
        .bind(u.size)
        .bind(u.name)
        .bind(u.created_at)
        .fetch_one(&mut **tx)
        .await?)
}

/// The hash of the newest file of `kind`.
pub async fn latest_of_kind<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
    kind: &str,
) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT sha256 FROM expired_uploads WHERE business_no = $1 AND kind = $2 ORDER BY id DESC LIMIT 1")
        .bind(business_no)
        .bind(kind)
        .fetch_optional(executor)
        .await?)
}

/// File `id` of an application: its hash and type.
pub async fn file<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
    id: i64,
) -> AppResult<Option<(String, String)>> {
    sqlx::query("SELECT sha256, media_type FROM expired_uploads WHERE business_no = $1 AND id = $2")
        .bind(business_no)
        .bind(id)
        .fetch_optional(executor)
        .await?
        .map(|r| Ok((r.try_get("sha256")?, r.try_get("media_type")?)))
        .transpose()
}

/// Files of an application, oldest first.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
) -> AppResult<Vec<UploadView>> {
    sqlx::query("SELECT id, kind, sha256, media_type, size, name, created_at FROM expired_uploads WHERE business_no = $1 ORDER BY id")
        .bind(business_no)
        .fetch_all(executor)
        .await?
        .iter()
        .map(|u| {
            Ok(UploadView {
                id: u.try_get("id")?,
                kind: u.try_get("kind")?,
                sha256: u.try_get("sha256")?,
                media_type: u.try_get("media_type")?,
                size: u.try_get("size")?,
                name: u.try_get("name")?,
                uploaded_at: clock::rfc3339(u.try_get("created_at")?),
            })
        })
        .collect()
}
