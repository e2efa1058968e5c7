//! The printable application form, submitting (the application becomes a renewal
//! waiting for payment), and the bridge to the renewal endpoints: a certificate
//! session for the renewal, so that paying, progress and the install confirmation use
//! the on-time path's endpoints unchanged.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use protocol::ErrorCode;
use protocol::money::Fen;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::audit;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::expired::apply::{closed, saved};
use crate::expired::login;
use crate::expired::state::{AppEvent, ApplicationStatus};
use crate::expired::store::{self, AppRow, AppView};
use crate::identity::sessions;
use crate::notify::outbox::{self, Template};
use crate::projects::Project;
use crate::renewal::store::{self as renewals, FeeLine, Inserted, NewRenewal, RenewalView};
use crate::state::AppState;
use protocol::expired_request::Details;

/// The fee of `months` in `project`.
fn fee(project: &Project, months: u32) -> AppResult<(Vec<FeeLine>, i64)> {
    let fen = project.price(months).ok_or_else(|| {
        AppError::validation(
            "months",
            "months.not_offered",
            format!("{months} months is not on offer"),
        )
    })?;
    Ok((
        vec![FeeLine {
            name_zh: format!("{}（{}个月）", project.fee_line_zh, months),
            name_en: format!("{} ({} months)", project.fee_line_en, months),
            fen,
        }],
        fen,
    ))
}

/// What the app prints (申请表): everything to sign and stamp, and the order number
/// (the app draws its QR code from `qr_text`).
#[derive(Debug, Serialize, ToSchema)]
pub struct FormView {
    /// 业务单号.
    pub business_no: String,
    /// The text of the QR code: the order number.
    pub qr_text: String,
    /// Title, Chinese.
    pub title_zh: String,
    /// Title, English.
    pub title_en: String,
    /// `{id, name_zh, name_en}`.
    #[schema(value_type = Object)]
    pub project: Value,
    /// `{serial, subject, not_after}` of the certificate renewed.
    #[schema(value_type = Object)]
    pub certificate: Value,
    /// The details as saved.
    pub details: Details,
    /// The verified basic account `{account_name, bank, account_no}`, or null.
    #[schema(value_type = Object)]
    pub bank_account: Option<Value>,
    /// The fee lines.
    pub fee_lines: Vec<FeeLine>,
    /// Total, fen.
    pub total_fen: i64,
    /// Total, shown.
    pub total_display: String,
    /// The declaration above the signatures, Chinese.
    pub declaration_zh: String,
    /// The same, English.
    pub declaration_en: String,
    /// The boxes to fill by hand: `[{zh, en}]`.
    #[schema(value_type = Vec<Object>)]
    pub sign_here: Vec<Value>,
    /// When this was produced, RFC 3339.
    pub generated_at: String,
}

/// The printable form (`GET …/form`), once the details are saved.
#[utoipa::path(get, path = "/api/v1/expired/applications/{business_no}/form", params(("business_no" = String, Path)), responses((status = 200, body = FormView), (status = 409)))]
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<FormView>> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    let details = saved(&row.details)?;
    let project = project_of(&state, &row)?;
    let (fee_lines, total_fen) = fee(project, details.months)?;
    let bank_account = store::transfers::standing(state.pool(), &business_no)
        .await?
        .map(|t| json!({ "account_name": t.account_name, "bank": t.bank, "account_no": t.account_no }));
    Ok(Json(FormView {
        qr_text: business_no.clone(),
        business_no,
        title_zh: "数字证书续期申请表（有效期外）".into(),
        title_en: "Application to renew an expired digital certificate".into(),
        project: json!({ "id": project.id, "name_zh": project.name_zh, "name_en": project.name_en }),
        certificate: json!({ "serial": row.cert_serial, "subject": row.subject, "not_after": clock::rfc3339_s(row.not_after_s) }),
        details,
        bank_account,
        fee_lines,
        total_fen,
        total_display: Fen(total_fen).to_string(),
        declaration_zh: "本单位确认以上信息真实、准确、完整，申请对上述已过期的数字证书办理续期，并已阅读和同意《电子认证服务协议》。".into(),
        declaration_en: "We confirm that the information above is true, accurate and complete, apply to renew the expired digital certificate above, and have read and accept the electronic certification service agreement.".into(),
        sign_here: vec![
            json!({ "zh": "经办人签字", "en": "Operator's signature" }),
            json!({ "zh": "单位公章", "en": "Company seal" }),
            json!({ "zh": "日期", "en": "Date" }),
        ],
        generated_at: clock::rfc3339(clock::now_ms()),
    }))
}

fn project_of<'a>(state: &'a AppState, row: &AppRow) -> AppResult<&'a Project> {
    state
        .project(&row.project)
        .ok_or_else(|| AppError::Internal(format!("project {} is gone", row.project)))
}

/// The answer to submitting.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmitResponse {
    /// The application, now `submitted`.
    pub application: AppView,
    /// The renewal that carries it, `awaiting_payment` (same business number).
    pub renewal: RenewalView,
}

/// Submits the application (`POST …/submit`): in one transaction the renewal is made
/// in `awaiting_payment` (fee, the details as its application, no signature), with its
/// `renewal.submitted` audit row and notifications, and a certificate session is
/// opened (cookie `certrenew_session`) for paying and following it.
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/submit", params(("business_no" = String, Path)),
    responses((status = 201, body = SubmitResponse), (status = 409)))]
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<(StatusCode, HeaderMap, Json<SubmitResponse>)> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    if !row.status.is_open() {
        return Err(closed(row.status));
    }
    let details = saved(&row.details)?;
    let project = project_of(&state, &row)?;
    let (fee_lines, total_fen) = fee(project, details.months)?;
    let lang = details.lang.clone().unwrap_or_else(|| "zh".into());
    let mut application =
        serde_json::to_value(&details).map_err(|e| AppError::Internal(e.to_string()))?;
    application["path"] = json!("expired");
    let application = application.to_string();
    let actor = store::actor(&mobile);
    let now = clock::now_ms();
    let mut tx = state.store.begin_write().await?;
    // The step first: a second submit is refused by the table, not by the insert.
    store::step(
        &mut tx,
        &business_no,
        AppEvent::Submit,
        &actor,
        json!({ "total_fen": total_fen }),
    )
    .await?;
    let inserted = renewals::insert(
        &mut tx,
        &NewRenewal {
            business_no: &business_no,
            project: &project.id,
            cert_sha256: &row.cert_sha256,
            cert_der: &row.cert_der,
            cert_serial: &row.cert_serial,
            subject: &row.subject,
            old_not_after_s: row.not_after_s,
            months: i64::from(details.months),
            total_fen,
            fee_lines: &fee_lines,
            application: application.as_bytes(),
            // No `apply` signature on this path: the checks above stand in for it.
            application_signature: &[],
            operator_email: &details.operator.email,
            operator_mobile: &details.operator.mobile,
            lang: &lang,
            return_url: None,
            created_at: now,
        },
    )
    .await?;
    if inserted == Inserted::AlreadyOpen {
        return Err(AppError::refused(
            ErrorCode::RenewalOpen,
            StatusCode::CONFLICT,
            "this certificate already has a renewal under way",
        ));
    }
    audit::append(
        &mut tx,
        &actor,
        "renewal.submitted",
        &business_no,
        json!({ "to": "awaiting_payment", "months": details.months, "total_fen": total_fen, "path": "expired" }),
    )
    .await?;
    let params =
        json!({ "business_no": business_no, "total_fen": total_fen, "subject": row.subject });
    outbox::enqueue_both(
        &mut tx,
        &details.operator.email,
        &details.operator.mobile,
        Template::Submitted,
        &lang,
        &params,
    )
    .await?;
    let opened = sessions::open(
        &mut tx,
        &row.cert_sha256,
        &row.cert_der,
        state.secure_cookies(),
    )
    .await?;
    tx.commit().await?;
    state.sessions.opened(&opened);
    let out = sessions::set_cookie(&opened.set_cookie)?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    Ok((
        StatusCode::CREATED,
        out,
        Json(SubmitResponse {
            application: store::view(state.pool(), &row).await?,
            renewal: renewals::view(state.pool(), &business_no).await?,
        }),
    ))
}

/// Opens a certificate session for a submitted application's renewal
/// (`POST …/renewal-session`): 204 with `certrenew_session`, so `/renewals/{no}`,
/// its payments and its install confirmation answer this applicant.
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/renewal-session", params(("business_no" = String, Path)),
    responses((status = 204), (status = 409)))]
pub async fn renewal_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<(StatusCode, HeaderMap)> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    if row.status != ApplicationStatus::Submitted {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            "the application is not submitted yet",
        )
        .with_details(json!({ "status": row.status.as_str() })));
    }
    let mut tx = state.store.begin_write().await?;
    let opened = sessions::open(
        &mut tx,
        &row.cert_sha256,
        &row.cert_der,
        state.secure_cookies(),
    )
    .await?;
    audit::append(
        &mut tx,
        &store::actor(&mobile),
        "session.opened",
        &row.cert_sha256,
        json!({ "subject": row.subject, "path": "expired", "business_no": business_no }),
    )
    .await?;
    tx.commit().await?;
    state.sessions.opened(&opened);
    let out = sessions::set_cookie(&opened.set_cookie)?;
    Ok((StatusCode::NO_CONTENT, out))
}
