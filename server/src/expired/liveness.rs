//! Where the applicant takes the liveness check. A real provider runs it on its own
//! page (usually on the phone) and sends the applicant back to `/expired/{no}` with a
//! token that `POST …/identity` hands to the provider's verdict. The sandbox's page
//! only asks which outcome to return, so development and tests choose it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use protocol::ErrorCode;
use protocol::business_no::BusinessNo;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::expired::apply::closed;
use crate::expired::identity::provider;
use crate::expired::login;
use crate::expired::state::AppStatus;
use crate::expired::store;
use crate::state::AppState;

/// Where to send the applicant.
#[derive(Debug, Serialize, ToSchema)]
pub struct LivenessStart {
    /// The provider's page (a same-origin path for the sandbox).
    pub url: String,
}

/// Starts the liveness check (`POST …/liveness`): only once the form is uploaded, as
/// the check itself (`POST …/identity`) requires.
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/liveness", params(("business_no" = String, Path)),
    responses((status = 200, body = LivenessStart), (status = 409), (status = 502)))]
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<LivenessStart>> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    if !row.status.is_open() {
        return Err(closed(row.status));
    }
    if row.status != AppStatus::FormUploaded {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            "the liveness check comes after the signed form is uploaded",
        )
        .with_details(json!({ "status": row.status.as_str() })));
    }
    let url = provider(&state)
        .liveness_url(&row.business_no)
        .map_err(|e| {
            AppError::refused(ErrorCode::Internal, StatusCode::BAD_GATEWAY, e.to_string())
        })?;
    Ok(Json(LivenessStart { url }))
}

/// The sandbox provider's page (`GET /sandbox/liveness/{no}`; 404 when the sandbox is
/// off): two links back to the application, one per outcome.
pub async fn sandbox_page(
    State(state): State<AppState>,
    Path(business_no): Path<String>,
) -> AppResult<Html<String>> {
    if state.sandbox.is_none() {
        return Err(AppError::not_found("the sandbox is off"));
    }
    // Only a well-formed number goes into the page (and into the links back).
    let no = BusinessNo::parse(&business_no)
        .map_err(|_| AppError::not_found("no such application"))?
        .to_string();
    Ok(Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>沙箱活体检测 Sandbox liveness check</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}a{{display:inline-block;font-size:1.1rem;padding:.6rem 1.2rem;margin:.3rem;border:1px solid #888;border-radius:.3rem;text-decoration:none}}</style></head>
<body><h1>沙箱活体检测 <small>Sandbox liveness check</small></h1>
<p>开发环境专用：真实环境中，这里由实名认证服务商进行人脸识别。Development only: a real provider checks the face here.</p>
<p>业务单号 Order: <code id="business-no">{no}</code></p>
<a id="liveness-pass" href="/expired/{no}?liveness_token=pass">检测通过 Pass</a>
<a id="liveness-fail" href="/expired/{no}?liveness_token=fail%3A%E4%BA%BA%E8%84%B8%E4%B8%8E%E8%BA%AB%E4%BB%BD%E8%AF%81%E7%85%A7%E7%89%87%E4%B8%8D%E4%B8%80%E8%87%B4">检测不通过 Fail</a>
</body></html>"#
    )))
}
