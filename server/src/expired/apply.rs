//! Starting an application for an expired certificate (by serial from the CA's
//! inventory, or read from the token), and its details: organisation, legal
//! representative, operator, recipient, invoice, which must match the certificate.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use protocol::ErrorCode;
use protocol::application::{Application, FieldError};
use protocol::contact::{Mobile, PersonName};
use protocol::credit_code::CreditCode;
use protocol::expired_request::{Details, StartRequest};
use protocol::id_number::ResidentId;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::api::extract::{Body, base64_field};
use crate::audit;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::expired::owner::{self, normalise_name};
use crate::expired::state::{AppEvent, ApplicationStatus};
use crate::expired::store::{self, AppView};
use crate::expired::{hold, login};
use crate::identity::certificate::{self, MAX_CERT_BYTES};
use crate::renewal::certificates as renewal_certificates;
use crate::renewal::{numbers, store as renewals};
use crate::state::AppState;

/// A certificate this close to its notAfter may take this path too: it would likely
/// expire before an on-time renewal could be reviewed.
pub const NEAR_EXPIRY_DAYS: i64 = 3;

/// The certificate to renew: `der` from the inventory or the token, checked to be ours,
/// not revoked and expired (or within [`NEAR_EXPIRY_DAYS`]).
async fn certificate_for(state: &AppState, req: &StartRequest) -> AppResult<Vec<u8>> {
    let der = match (&req.serial, &req.certificate) {
        (_, Some(c)) => base64_field("certificate", c, MAX_CERT_BYTES)?,
        (Some(serial), None) => {
            let serial = certificate::normalize_serial(serial).ok_or_else(|| {
                AppError::validation(
                    "serial",
                    "serial.format",
                    "the serial number is hexadecimal (colons allowed)",
                )
            })?;
            renewal_certificates::der_by_serial(state.pool(), &serial)
                .await?
                .ok_or_else(|| {
                    AppError::validation(
                        "serial",
                        "serial.unknown",
                        "this CA issued no certificate with this serial number",
                    )
                })?
        }
        (None, None) => {
            return Err(AppError::validation(
                "serial",
                "certificate.missing",
                "give the certificate's serial number or read the certificate from the key",
            ));
        }
    };
    let facts = certificate::parse(&der)?;
    certificate::require_ours(state.pool(), state.ca.certificates(), &facts, &der).await?;
    let now = OffsetDateTime::now_utc();
    if now < facts.not_after - Duration::days(NEAR_EXPIRY_DAYS) {
        return Err(AppError::refused(
            ErrorCode::NotEligible,
            StatusCode::FORBIDDEN,
            "this certificate has not expired: renew it online with the key instead",
        )
        .with_details(json!({
            "rule": "certificate.not_expired",
            "not_after": clock::rfc3339(clock::to_ms(facts.not_after)),
        })));
    }
    Ok(der)
}

/// Starts an application (`POST /api/v1/expired/applications`). The same number asking
/// again for the same certificate gets its open application back (200). Other numbers
/// may start their own until one of them proves the company's bank account ([`hold`]).
#[utoipa::path(post, path = "/api/v1/expired/applications", request_body = StartRequest,
    responses((status = 201, body = AppView), (status = 200, body = AppView, description = "this number's open application for the certificate"), (status = 403), (status = 409), (status = 422)))]
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(req): Body<StartRequest>,
) -> AppResult<(StatusCode, Json<AppView>)> {
    let mobile = login::require(&state, &headers).await?;
    let project = match &req.project {
        Some(id) => state
            .project(id)
            .ok_or_else(|| AppError::validation("project", "project.unknown", "no such project"))?,
        None => state
            .config
            .projects
            .first()
            .ok_or_else(|| AppError::Internal("no project is configured".into()))?,
    };
    let der = certificate_for(&state, &req).await?;
    let facts = certificate::parse(&der)?;
    let actor = store::actor(&mobile);
    let now = OffsetDateTime::now_utc();
    let at = clock::to_ms(now);
    let mut tx = state.store.begin_write().await?;
    // This number's own open application for the certificate comes back as it is.
    let own = store::own_open(&mut tx, &facts.sha256, &mobile).await?;
    if let Some(no) = own {
        drop(tx);
        let row = store::owned(state.pool(), &no, &mobile).await?;
        return Ok((StatusCode::OK, Json(store::view(state.pool(), &row).await?)));
    }
    // Starting holds nothing (see `hold`): only an application that proved the
    // company's account keeps others out.
    hold::check_free(&mut tx, &facts.sha256, &mobile, at).await?;
    let renewing = renewals::open_for_certificate(&mut *tx, &facts.sha256).await?;
    if renewing.is_some() {
        return Err(AppError::refused(
            ErrorCode::RenewalOpen,
            StatusCode::CONFLICT,
            "this certificate already has a renewal under way",
        ));
    }
    let business_no = numbers::next_business_no(&mut tx, now).await?.to_string();
    store::insert(
        &mut tx,
        &store::NewApp {
            business_no: &business_no,
            mobile: &mobile,
            project: &project.id,
            cert_sha256: &facts.sha256,
            cert_der: &der,
            cert_serial: &facts.serial_hex,
            subject: &facts.subject,
            not_after_s: facts.not_after.unix_timestamp(),
            created_at: at,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &actor,
        "expired.started",
        &business_no,
        json!({ "to": "started", "serial": facts.serial_hex, "subject": facts.subject, "project": project.id }),
    )
    .await?;
    tx.commit().await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    Ok((
        StatusCode::CREATED,
        Json(store::view(state.pool(), &row).await?),
    ))
}

/// This number's applications, newest first (`GET /api/v1/expired/applications`).
#[utoipa::path(get, path = "/api/v1/expired/applications", responses((status = 200, body = [AppView]), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<Vec<AppView>>> {
    let mobile = login::require(&state, &headers).await?;
    let mut out = Vec::new();
    for row in store::of_mobile(state.pool(), &mobile).await? {
        out.push(store::view(state.pool(), &row).await?);
    }
    Ok(Json(out))
}

/// One application (`GET /api/v1/expired/applications/{no}`).
#[utoipa::path(get, path = "/api/v1/expired/applications/{business_no}", params(("business_no" = String, Path)), responses((status = 200, body = AppView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<AppView>> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    Ok(Json(store::view(state.pool(), &row).await?))
}

/// Withdraws an application before it is submitted (`POST …/cancel`).
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/cancel", params(("business_no" = String, Path)), responses((status = 200, body = AppView), (status = 409)))]
pub async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<AppView>> {
    let mobile = login::require(&state, &headers).await?;
    store::owned(state.pool(), &business_no, &mobile).await?;
    let mut tx = state.store.begin_write().await?;
    store::step(
        &mut tx,
        &business_no,
        AppEvent::Cancel,
        &store::actor(&mobile),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    Ok(Json(store::view(state.pool(), &row).await?))
}

fn push(errors: &mut Vec<FieldError>, field: &str, rule: &str, message: impl Into<String>) {
    errors.push(FieldError {
        field: field.to_owned(),
        rule: rule.to_owned(),
        message: message.into(),
    });
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, rule: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 || n > max || value.chars().any(char::is_control) {
        push(
            errors,
            field,
            rule,
            format!("1 to {max} characters, no control characters"),
        );
    }
}

/// Every rule `d` breaks, in form order, against the project and the certificate
/// (`cert_der`, `old_not_after`); returns the details as stored (normalised).
pub fn check(
    d: &Details,
    project: &crate::projects::Project,
    cert_der: &[u8],
    old_not_after: OffsetDateTime,
) -> Result<Details, Vec<FieldError>> {
    let offered: Vec<u32> = project.prices.iter().map(|p| p.months).collect();
    let mut errors = Application {
        months: d.months,
        agreement_version: d.agreement_version.clone(),
        operator: d.operator.clone(),
        recipient: d.recipient.clone(),
    }
    .validate(&offered, &project.agreement.version);
    let mut out = d.clone();
    if errors.iter().all(|e| e.field != "months")
        && let Err(e) =
            protocol::validity::new_validity(OffsetDateTime::now_utc(), old_not_after, d.months)
    {
        push(&mut errors, "months", e.code(), e.to_string());
    }
    check_text(
        &mut errors,
        "organisation.name",
        "organisation.name",
        &d.organisation.name,
        100,
    );
    out.organisation.name = d.organisation.name.trim().to_owned();
    match CreditCode::parse(&d.organisation.credit_code) {
        Ok(c) => out.organisation.credit_code = c.as_str().to_owned(),
        Err(e) => push(
            &mut errors,
            "organisation.credit_code",
            e.code(),
            e.to_string(),
        ),
    }
    if let Err(e) = PersonName::parse(&d.legal_representative.name) {
        push(
            &mut errors,
            "legal_representative.name",
            e.code(),
            e.to_string(),
        );
    }
    match ResidentId::parse(&d.legal_representative.id_number) {
        Ok(id) => out.legal_representative.id_number = id.as_str().to_owned(),
        Err(e) => push(
            &mut errors,
            "legal_representative.id_number",
            e.code(),
            e.to_string(),
        ),
    }
    match Mobile::parse(&d.legal_representative.mobile) {
        Ok(m) => out.legal_representative.mobile = m.as_str().to_owned(),
        Err(e) => push(
            &mut errors,
            "legal_representative.mobile",
            e.code(),
            e.to_string(),
        ),
    }
    let invoice = &d.invoice;
    if !project.invoice_kinds.contains(&invoice.kind) {
        push(
            &mut errors,
            "invoice.kind",
            "invoice.kind",
            "choose an invoice kind on offer",
        );
    }
    check_text(
        &mut errors,
        "invoice.title",
        "invoice.title",
        invoice.title.as_deref().unwrap_or(""),
        100,
    );
    out.invoice.title = invoice.title.as_deref().map(|t| t.trim().to_owned());
    match invoice
        .taxpayer_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(id) => match CreditCode::parse(id) {
            Ok(c) => out.invoice.taxpayer_id = Some(c.as_str().to_owned()),
            Err(e) => push(&mut errors, "invoice.taxpayer_id", e.code(), e.to_string()),
        },
        None if invoice.kind == "electronic" => push(
            &mut errors,
            "invoice.taxpayer_id",
            "credit_code.missing",
            "an electronic invoice needs the taxpayer id (统一社会信用代码)",
        ),
        None => {}
    }
    if !matches!(d.lang.as_deref(), None | Some("zh") | Some("en")) {
        push(&mut errors, "lang", "lang.unknown", "lang is zh or en");
    }
    // The organisation must be the certificate's owner (机构信息与续期证书所有者信息一致).
    let owner = owner::owner(cert_der).unwrap_or_default();
    match &owner.organisation {
        None => push(
            &mut errors,
            "organisation.name",
            "organisation.not_in_certificate",
            "the certificate names no organisation (O); this path renews organisation certificates",
        ),
        Some(o) if normalise_name(o) != normalise_name(&d.organisation.name) => push(
            &mut errors,
            "organisation.name",
            "organisation.name_mismatch",
            "the organisation name differs from the certificate's owner",
        ),
        Some(_) => {}
    }
    if !owner.credit_codes.is_empty() && !owner.credit_codes.contains(&out.organisation.credit_code)
    {
        push(
            &mut errors,
            "organisation.credit_code",
            "organisation.credit_code_mismatch",
            "the unified social credit code differs from the certificate's",
        );
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// 422 naming the first broken rule, with every one in `errors`.
pub fn rejected(errors: &[FieldError]) -> AppError {
    let first = &errors[0];
    AppError::refused(
        ErrorCode::ValidationFailed,
        StatusCode::UNPROCESSABLE_ENTITY,
        first.message.clone(),
    )
    .with_details(json!({ "field": first.field, "rule": first.rule, "errors": errors }))
}

/// Saves the details (`POST …/details`). Saving again takes the application back to
/// `details_saved`: the verification, form and identity check are redone.
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/details", params(("business_no" = String, Path)), request_body = Details,
    responses((status = 200, body = AppView), (status = 409), (status = 422)))]
pub async fn details(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<Details>,
) -> AppResult<Json<AppView>> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    if !row.status.is_open() {
        return Err(closed(row.status));
    }
    let project = state
        .project(&row.project)
        .ok_or_else(|| AppError::Internal(format!("project {} is gone", row.project)))?;
    let old_not_after = OffsetDateTime::from_unix_timestamp(row.not_after_s)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let saved = check(&req, project, &row.cert_der, old_not_after).map_err(|e| rejected(&e))?;
    let text = serde_json::to_string(&saved).map_err(|e| AppError::Internal(e.to_string()))?;
    if text.len() > 16 * 1024 {
        return Err(AppError::validation(
            "details",
            "details.too_large",
            "the details are larger than 16 KiB",
        ));
    }
    let mut tx = state.store.begin_write().await?;
    store::save_details(&mut tx, &business_no, &text).await?;
    // A pending code belongs to the details it was sent for.
    store::transfers::supersede_open(&mut tx, &business_no).await?;
    store::step(
        &mut tx,
        &business_no,
        AppEvent::SaveDetails,
        &store::actor(&mobile),
        json!({ "organisation": saved.organisation.name, "months": saved.months }),
    )
    .await?;
    tx.commit().await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    Ok(Json(store::view(state.pool(), &row).await?))
}

/// 409 for a submitted or cancelled application.
pub fn closed(status: ApplicationStatus) -> AppError {
    AppError::refused(
        ErrorCode::IllegalTransition,
        StatusCode::CONFLICT,
        format!(
            "the application is {}; it can no longer change",
            status.as_str()
        ),
    )
    .with_details(json!({ "status": status.as_str() }))
}

/// The saved details of an application, or 409 when there are none yet.
pub fn saved(details: &Option<Value>) -> AppResult<Details> {
    details
        .as_ref()
        .and_then(|d| serde_json::from_value(d.clone()).ok())
        .ok_or_else(|| {
            AppError::refused(
                ErrorCode::IllegalTransition,
                StatusCode::CONFLICT,
                "save the application's details first",
            )
            .with_details(json!({ "status": "started" }))
        })
}
