//! What the reviewer sees of an expired-path renewal beside the renewal itself: the
//! application's details, every verification transfer, the identity checks, and the
//! uploads (listed and downloadable).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use protocol::expired::TransferStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::auth::{Role, require};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::expired::state::ApplicationStatus;
use crate::expired::store::{self, AppView};
use crate::expired::uploads::path_of;
use crate::state::AppState;

/// A verification transfer, for staff (the full account number).
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffTransfer {
    /// Account name.
    pub account_name: String,
    /// Bank.
    pub bank: String,
    /// Account number.
    pub account_no: String,
    /// The bank's reference.
    pub reference: String,
    /// Where the transfer is.
    pub status: TransferStatus,
    /// Wrong codes typed.
    pub tries: i64,
    /// Sent, RFC 3339.
    pub sent_at: String,
    /// Verified, RFC 3339.
    pub verified_at: Option<String>,
}

/// The application behind an expired-path renewal.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    /// The application (details, uploads, identity checks, latest transfer).
    pub application: AppView,
    /// The mobile number that signed in.
    pub mobile: String,
    /// Every verification transfer, oldest first.
    pub transfers: Vec<StaffTransfer>,
    /// Where each upload is downloaded, by upload id.
    pub download_urls: Vec<String>,
}

/// `GET /api/v1/admin/expired/{no}`: 404 when the renewal did not come this way.
#[utoipa::path(get, path = "/api/v1/admin/expired/{business_no}", params(("business_no" = String, Path)), responses((status = 200, body = StaffView), (status = 404)))]
pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<StaffView>> {
    require(
        state.pool(),
        &headers,
        &[Role::Reviewer, Role::Finance],
        false,
    )
    .await?;
    let row = store::by_number(state.pool(), &business_no).await?;
    let application = store::view(state.pool(), &row).await?;
    let transfers = store::transfers::all(state.pool(), &business_no)
        .await?
        .into_iter()
        .map(|t| StaffTransfer {
            account_name: t.account_name,
            bank: t.bank,
            account_no: t.account_no,
            reference: t.reference,
            status: t.status,
            tries: t.tries,
            sent_at: clock::rfc3339(t.created_at),
            verified_at: t.verified_at.map(clock::rfc3339),
        })
        .collect();
    let download_urls = application
        .uploads
        .iter()
        .map(|u| format!("/api/v1/admin/expired/{business_no}/uploads/{}", u.id))
        .collect();
    Ok(Json(StaffView {
        application,
        mobile: row.mobile,
        transfers,
        download_urls,
    }))
}

/// `GET /api/v1/admin/expired/{no}/uploads/{id}`: the file, as an attachment of the
/// type read from its bytes (never rendered inline by the console's origin).
#[utoipa::path(get, path = "/api/v1/admin/expired/{business_no}/uploads/{id}", params(("business_no" = String, Path), ("id" = i64, Path)), responses((status = 200, description = "the file"), (status = 404)))]
pub async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((business_no, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    require(
        state.pool(),
        &headers,
        &[Role::Reviewer, Role::Finance],
        false,
    )
    .await?;
    let (sha256, media_type) = store::uploads::file(state.pool(), &business_no, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no upload {id} on {business_no}")))?;
    let bytes = tokio::fs::read(path_of(&state.config.data_dir, &sha256))
        .await
        .map_err(|e| AppError::Internal(format!("reading upload {sha256}: {e}")))?;
    let ext = match media_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    let disposition = format!("attachment; filename=\"{business_no}-{id}.{ext}\"");
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media_type).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "x-content-sha256",
        HeaderValue::from_str(&sha256).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// Which applications to list.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ListQuery {
    /// Only this application status.
    pub status: Option<String>,
    /// Part of a business number, a mobile number or the subject.
    pub q: Option<String>,
    /// At most this many (default 50, at most 200).
    pub limit: Option<i64>,
}

/// One application in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListRow {
    /// 业务单号.
    pub business_no: String,
    /// The application's status.
    pub status: ApplicationStatus,
    /// The mobile that signed in.
    pub mobile: String,
    /// The certificate's subject.
    pub subject: String,
    /// The renewal's status once submitted.
    pub renewal_status: Option<String>,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Changed, RFC 3339.
    pub updated_at: String,
}

/// `GET /api/v1/admin/expired?status=&q=&limit=`: expired-path applications, newest
/// first, including those not submitted yet (for support: where is the applicant stuck).
#[utoipa::path(get, path = "/api/v1/admin/expired", params(("status" = Option<String>, Query), ("q" = Option<String>, Query), ("limit" = Option<i64>, Query)), responses((status = 200, body = [ListRow]), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> AppResult<Json<Vec<ListRow>>> {
    require(
        state.pool(),
        &headers,
        &[Role::Reviewer, Role::Finance],
        false,
    )
    .await?;
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => ApplicationStatus::parse(s)
            .ok_or_else(|| {
                AppError::validation("status", "status.unknown", "no such application status")
            })?
            .as_str(),
        None => "",
    };
    let q = query.q.unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(AppError::validation(
            "q",
            "q.length",
            "the search is at most 100 characters",
        ));
    }
    // LIKE wildcards typed by staff are taken literally.
    let pattern = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let listed = store::staff_list(state.pool(), status, &pattern, limit).await?;
    Ok(Json(
        listed
            .into_iter()
            .map(|r| ListRow {
                business_no: r.business_no,
                status: r.status,
                mobile: r.mobile,
                subject: r.subject,
                renewal_status: r.renewal_status,
                created_at: clock::rfc3339(r.created_at),
                updated_at: clock::rfc3339(r.updated_at),
            })
            .collect(),
    ))
}
