//! The customer's renewal: apply (one `apply` signature), read its progress, cancel
//! before paying, and, once approved, rekey and confirm the install.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use protocol::ErrorCode;
use protocol::application::Application;
use protocol::certificate::CertificateKind;
use protocol::envelope::Envelope;
use protocol::ids::PayloadSha256;
use protocol::tbs::Purpose;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::api::extract::{Body, base64_field};
use crate::api::sessions::challenge_field;
use crate::audit;
use crate::ca::{IssueRequest, SubjectSource};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::identity::certificate::{self, EligibilityStatus, MAX_CERT_BYTES};
use crate::identity::sessions::{self, UserSession};
use crate::identity::{challenges, signature};
use crate::notify::outbox::{self, Template};
use crate::payments::service::settle_open_attempts;
use crate::payments::store as payments;
use crate::renewal::certificates::{self, NewCertificate, Purpose as CertPurpose};
use crate::renewal::dual;
use crate::renewal::state::Event;
use crate::renewal::store::{
    self, FeeLine, Inserted, NewRenewal, OldEncryption, RenewalRow, RenewalView,
};
use crate::renewal::{numbers, transition};
use crate::state::AppState;

/// An application.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplyRequest {
    /// Project id.
    pub project: String,
    /// The application JSON, base64 of the exact bytes signed.
    pub application: String,
    /// The challenge, as received.
    pub challenge: String,
    /// The `apply` signature (payload: SHA-256 of the application bytes), base64.
    pub signature: String,
    /// The certificate, base64 DER; needed only without a session.
    pub certificate: Option<String>,
    /// Where a relying platform wants the user back at the end.
    pub return_url: Option<String>,
    /// `zh` (default) or `en`, for notifications.
    pub lang: Option<String>,
    /// A dual project's token holding a pair: the OLD encryption certificate, base64
    /// DER (same subject and issuer as the signing certificate). Refused on a single
    /// project.
    pub encryption_certificate: Option<String>,
}

/// Applies for a renewal. A valid `apply` signature also opens the session.
#[utoipa::path(post, path = "/api/v1/renewals", request_body = ApplyRequest,
    responses((status = 201, body = RenewalView), (status = 409, description = "the certificate already has an open renewal"), (status = 422)))]
pub async fn apply(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(req): Body<ApplyRequest>,
) -> AppResult<(StatusCode, HeaderMap, Json<RenewalView>)> {
    let project = state
        .project(&req.project)
        .ok_or_else(|| AppError::validation("project", "project.unknown", "no such project"))?;
    let bytes = base64_field("application", &req.application, Application::MAX_BYTES)?;
    let application: Application = serde_json::from_slice(&bytes).map_err(|e| {
        AppError::validation(
            "application",
            "application.shape",
            format!("the application does not fit: {e}"),
        )
    })?;
    let offered: Vec<u32> = project.prices.iter().map(|p| p.months).collect();
    let errors = application.validate(&offered, &project.agreement.version);
    if let Some(first) = errors.first() {
        return Err(AppError::refused(
            ErrorCode::ValidationFailed,
            StatusCode::UNPROCESSABLE_ENTITY,
            first.message.clone(),
        )
        .with_details(json!({ "field": first.field, "rule": first.rule, "errors": errors })));
    }
    let return_url = match req.return_url.as_deref() {
        Some(url) if project.allows_return_url(url) => Some(url.to_owned()),
        Some(_) => {
            return Err(AppError::validation(
                "return_url",
                "return_url.not_allowed",
                "the platform did not allow this return address",
            ));
        }
        None => None,
    };
    let lang = match req.lang.as_deref() {
        None | Some("zh") => "zh",
        Some("en") => "en",
        Some(_) => {
            return Err(AppError::validation(
                "lang",
                "lang.unknown",
                "lang is zh or en",
            ));
        }
    };
    let session = sessions::current(state.pool(), &state.sessions, &headers).await?;
    let der = match (&session, &req.certificate) {
        (Some(s), _) => s.cert_der.clone(),
        (None, Some(c)) => base64_field("certificate", c, MAX_CERT_BYTES)?,
        (None, None) => {
            return Err(AppError::unauthenticated(
                "sign in, or send the certificate with the application",
            ));
        }
    };
    let facts = certificate::parse(&der)?;
    let now = OffsetDateTime::now_utc();
    let standing = certificate::eligibility(
        state.pool(),
        state.ca.certificates(),
        &facts,
        &der,
        project,
        now,
    )
    .await?;
    match standing.status {
        EligibilityStatus::Eligible => {}
        EligibilityStatus::UnknownIssuer | EligibilityStatus::Revoked => {
            certificate::refuse_unless_ours(standing.status)?
        }
        other => {
            return Err(AppError::refused(
                ErrorCode::NotEligible,
                StatusCode::FORBIDDEN,
                match other {
                    EligibilityStatus::Expired => "this certificate has expired; it can no longer be renewed online (see the expired-certificate path)".to_owned(),
                    _ => format!("this certificate cannot be renewed online yet; the window opens {}", standing.window_opens_at),
                },
            )
            .with_details(serde_json::to_value(&standing).unwrap_or_default()));
        }
    }
    let challenge = challenge_field(&req.challenge)?;
    let sig = base64_field("signature", &req.signature, 1024)?;
    let payload = PayloadSha256::from_digest(&Sha256::digest(&bytes).into());
    let checked = challenges::check(&state.store, &challenge)?;
    let submitted = async {
        signature::verify(
            &facts.spki_der,
            Purpose::Apply,
            &state.config.public_origin,
            &challenge,
            Some(&payload),
            &sig,
        )?;

        let old_encryption = match (project.kind, &req.encryption_certificate) {
            (_, None) => None,
            (CertificateKind::Dual, Some(c)) => Some(dual::check_old(
                base64_field("encryption_certificate", c, 2 * MAX_CERT_BYTES)?,
                &der,
            )?),
            (CertificateKind::Single, Some(_)) => {
                return Err(AppError::validation(
                    "encryption_certificate",
                    "encryption_certificate.not_dual",
                    "this project issues one certificate: send no encryption certificate",
                ));
            }
        };

        let fen = project
            .price(application.months)
            .ok_or_else(|| AppError::Internal("price vanished".into()))?;
        let fee_lines = vec![FeeLine {
            name_zh: format!("{}（{}个月）", project.fee_line_zh, application.months),
            name_en: format!("{} ({} months)", project.fee_line_en, application.months),
            fen,
        }];
        let mut tx = state.store.begin_write().await?;
        checked.record(&mut tx).await?;
        let business_no = numbers::next_business_no(&mut tx, now).await?.to_string();
        let at = clock::to_ms(now);
        let inserted = store::insert(
            &mut tx,
            &NewRenewal {
                business_no: &business_no,
                project: &project.id,
                cert_sha256: &facts.sha256,
                cert_der: &der,
                cert_serial: &facts.serial_hex,
                subject: &facts.subject,
                old_not_after_s: facts.not_after.unix_timestamp(),
                months: i64::from(application.months),
                total_fen: fen,
                fee_lines: &fee_lines,
                application: &bytes,
                application_signature: &sig,
                operator_email: &application.operator.email,
                operator_mobile: &application.operator.mobile,
                lang,
                return_url: return_url.as_deref(),
                created_at: at,
            },
        )
        .await?;
        if inserted == Inserted::AlreadyOpen {
            drop(tx);
            let open = store::open_for_certificate(state.pool(), &facts.sha256).await?;
            return Err(AppError::refused(
                ErrorCode::RenewalOpen,
                StatusCode::CONFLICT,
                "this certificate already has a renewal under way",
            )
            .with_details(json!({ "business_no": open })));
        }
        if project.kind == CertificateKind::Dual {
            store::set_dual(
                &mut tx,
                &business_no,
                old_encryption.as_ref().map(|o| OldEncryption {
                    der: &o.der,
                    sha256: &o.sha256,
                    not_after_s: o.not_after_s,
                }),
            )
            .await?;
        }
        let actor = format!("user:{}", facts.sha256);
        let audit_id = audit::append(
            &mut tx,
            &actor,
            "renewal.submitted",
            &business_no,
            json!({ "to": "awaiting_payment", "months": application.months, "total_fen": fen, "kind": project.kind.as_str() }),
        )
        .await?;
        let params = json!({ "business_no": business_no, "total_fen": fen, "subject": facts.subject });
        outbox::enqueue_both(
            &mut tx,
            &application.operator.email,
            &application.operator.mobile,
            Template::Submitted,
            lang,
            &params,
        )
        .await?;
        let opened = match session {
            None => Some(sessions::open(&mut tx, &facts.sha256, &der, state.secure_cookies()).await?),
            Some(_) => None,
        };
        tx.commit().await?;
        let out_headers = match opened {
            Some(opened) => {
                state.sessions.opened(&opened);
                sessions::set_cookie(&opened.set_cookie)?
            }
            None => HeaderMap::new(),
        };
        Ok((audit_id, business_no, out_headers))
    }
    .await;
    let (audit_id, business_no, out_headers) = checked.settle(submitted).await?;
    // Built once by the one view builder, and kept for the progress page's first poll.
    let view = state
        .views
        .view(state.pool(), &business_no, audit_id)
        .await?;
    Ok((
        StatusCode::CREATED,
        out_headers,
        Json(RenewalView::clone(&view)),
    ))
}

/// The renewal if this session's certificate is the one being renewed or its result;
/// otherwise 404 (never tell a stranger that a business number exists).
pub async fn owned(
    state: &AppState,
    headers: &HeaderMap,
    business_no: &str,
) -> AppResult<(UserSession, RenewalRow)> {
    let session = sessions::require(state.pool(), &state.sessions, headers).await?;
    let hidden = || AppError::not_found(format!("no renewal {business_no} for this certificate"));
    let row = store::row(state.pool(), business_no)
        .await
        .map_err(|_| hidden())?;
    if row.cert_sha256 == session.cert_sha256 {
        return Ok((session, row));
    }
    if certificates::issued_for(state.pool(), business_no, &session.cert_sha256).await? {
        Ok((session, row))
    } else {
        Err(hidden())
    }
}

/// A renewal's progress.
#[utoipa::path(get, path = "/api/v1/renewals/{business_no}", params(("business_no" = String, Path)), responses((status = 200, body = RenewalView), (status = 401), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<RenewalView>> {
    // The hot path of the progress page's polling: the session from memory, one query
    // for the owner and the version, the view from the cache while nothing changed.
    let session = sessions::require(state.pool(), &state.sessions, &headers).await?;
    let (owner, version) = store::owner_and_version(state.pool(), &business_no)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("no renewal {business_no} for this certificate"))
        })?;
    if owner != session.cert_sha256 {
        owned(&state, &headers, &business_no).await?;
    }
    let view = state
        .views
        .view(state.pool(), &business_no, version.unwrap_or(0))
        .await?;
    Ok(Json(RenewalView::clone(&view)))
}

/// Withdraws a renewal that is not paid (撤销申请).
#[utoipa::path(post, path = "/api/v1/renewals/{business_no}/cancel", params(("business_no" = String, Path)), responses((status = 200, body = RenewalView), (status = 409)))]
pub async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<RenewalView>> {
    let (session, _) = owned(&state, &headers, &business_no).await?;
    // A payment the gateway took but has not told us about yet must not be lost.
    settle_open_attempts(&state, &business_no).await?;
    let mut tx = state.store.begin_write().await?;
    let moved = transition::apply(
        &state,
        &mut tx,
        &business_no,
        Event::Cancel,
        &format!("user:{}", session.cert_sha256),
        json!({}),
    )
    .await?;
    payments::close_pending(&mut *tx, &business_no).await?;
    tx.commit().await?;
    // Built once, and kept for the progress page's next poll.
    let view = state
        .views
        .view(state.pool(), &business_no, moved.audit_id)
        .await?;
    Ok(Json(RenewalView::clone(&view)))
}

/// A rekey request made on the token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CsrRequest {
    /// The CSR, base64 DER.
    pub csr: String,
    /// The old key's `rekey` signature (payload: SHA-256 of the CSR DER), base64.
    pub binding_signature: String,
    /// The challenge, as received.
    pub challenge: String,
}

/// The issued certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedResponse {
    /// The new certificate, base64 DER.
    pub certificate: String,
    /// The CA certificates, base64 DER, the issuer first.
    pub chain: Vec<String>,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// A dual renewal's encryption certificate and its key's envelope; absent when
    /// single.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption: Option<EncryptionIssued>,
}

/// The encryption half of a dual renewal's issue.
#[derive(Debug, Serialize, ToSchema)]
pub struct EncryptionIssued {
    /// The new encryption certificate, base64 DER.
    pub certificate: String,
    /// Its private key, enveloped to the new signing key (docs/protocol.md §15).
    #[schema(value_type = Object)]
    pub envelope: Envelope,
    /// The old encryption certificate's SHA-256, kept on the token; null for a first
    /// pair.
    pub keep: Option<String>,
    /// The project's policy for history certificates (`after_days`); the page adds the
    /// ones due (docs/protocol.md §9 `remove`). Absent: kept forever.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub remove: Option<protocol::host::HistoryRemoval>,
}

/// Issues the renewed certificate for a key made on the token. Asked again with a new
/// key (the first was lost before install), the earlier certificate is superseded.
#[utoipa::path(post, path = "/api/v1/renewals/{business_no}/csr", params(("business_no" = String, Path)), request_body = CsrRequest,
    responses((status = 200, body = IssuedResponse), (status = 409)))]
pub async fn csr(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<CsrRequest>,
) -> AppResult<Json<IssuedResponse>> {
    let (session, row) = owned(&state, &headers, &business_no).await?;
    let event = match row.status {
        crate::renewal::state::Status::Approved => Event::Issue,
        crate::renewal::state::Status::Issued => Event::Reissue,
        other => {
            return Err(AppError::refused(
                ErrorCode::IllegalTransition,
                StatusCode::CONFLICT,
                format!("a renewal that is {} cannot be issued", other.as_str()),
            ));
        }
    };
    let csr = base64_field("csr", &req.csr, 16 * 1024)?;
    let binding = base64_field("binding_signature", &req.binding_signature, 1024)?;
    let challenge = challenge_field(&req.challenge)?;
    let old = certificate::parse(&row.cert_der)?;
    let payload = PayloadSha256::from_digest(&Sha256::digest(&csr).into());
    let checked = challenges::check(&state.store, &challenge)?;
    let issued = async {
        signature::verify(
            &old.spki_der,
            Purpose::Rekey,
            &state.config.public_origin,
            &challenge,
            Some(&payload),
            &binding,
        )?;
        issue(
            &state,
            &row,
            event,
            &csr,
            &format!("user:{}", session.cert_sha256),
            json!({}),
            Some(&checked),
        )
        .await
    }
    .await;
    checked.settle(issued).await.map(Json)
}

/// Issues the renewed certificate of `row` (approved: `Issue`; issued: `Reissue`, the
/// unconfirmed one superseded) for the key of `csr`, under the old subject, and moves
/// the renewal with its audit row (`extra` joins its details). Shared by the on-time
/// path (after the binding signature, whose challenge its transaction records) and the
/// expired path (after review).
pub async fn issue(
    state: &AppState,
    row: &RenewalRow,
    event: Event,
    csr: &[u8],
    actor: &str,
    extra: serde_json::Value,
    challenge: Option<&challenges::Checked>,
) -> AppResult<IssuedResponse> {
    let business_no = &row.business_no;
    let project = state.project(&row.project).ok_or_else(|| {
        AppError::Internal(format!("project {} is no longer configured", row.project))
    })?;
    let now = OffsetDateTime::now_utc();
    let old_not_after = OffsetDateTime::from_unix_timestamp(row.old_not_after_s)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let months = u32::try_from(row.months).map_err(|e| AppError::Internal(e.to_string()))?;
    let (not_before, not_after) = protocol::validity::new_validity(now, old_not_after, months)
        .map_err(|e| {
            AppError::refused(
                ErrorCode::NotEligible,
                StatusCode::CONFLICT,
                format!("no validity is left to issue: {e}"),
            )
        })?;
    project
        .algorithm
        .check_request(crate::ca::sm2::is_sm2_request(csr))
        .map_err(|reason| AppError::validation("csr", "csr.algorithm", reason))?;
    let profile = project.profile.to_profile();
    let issued = state
        .ca
        .issue(&IssueRequest {
            csr_der: csr,
            subject: SubjectSource::FromCertificate(&row.cert_der),
            not_before,
            not_after,
            profile: &profile,
        })
        .map_err(|e| AppError::validation("csr", "csr.refused", e.to_string()))?;
    let encryption = match row.kind {
        CertificateKind::Single => None,
        CertificateKind::Dual => {
            Some(dual::prepare(state, row, &issued, &project.profile.policy_oids).await?)
        }
    };

    let mut tx = state.store.begin_write().await?;
    if let Some(challenge) = challenge {
        challenge.record(&mut tx).await?;
    }
    let superseded = certificates::supersede_issued(&mut tx, business_no).await?;
    certificates::record_issued(
        &mut tx,
        &NewCertificate {
            sha256: &issued.sha256_hex,
            serial: &issued.serial_hex,
            business_no: Some(business_no),
            der: &issued.der,
            subject: &row.subject,
            not_before_s: issued.not_before.unix_timestamp(),
            not_after_s: issued.not_after.unix_timestamp(),
            issued_at: clock::to_ms(now),
        },
    )
    .await?;
    if let Some(prepared) = &encryption {
        dual::record(&mut tx, row, prepared, clock::to_ms(now)).await?;
    }
    let mut detail = json!({ "serial": issued.serial_hex, "sha256": issued.sha256_hex, "not_after": clock::rfc3339(clock::to_ms(issued.not_after)), "superseded": superseded });
    if let (Some(map), Some(prepared)) = (detail.as_object_mut(), &encryption) {
        map.insert(
            "encryption".into(),
            json!({ "serial": prepared.issued.serial_hex, "sha256": prepared.issued.sha256_hex }),
        );
    }
    if let (Some(map), serde_json::Value::Object(extra)) = (detail.as_object_mut(), extra) {
        map.extend(extra);
    }
    // `row` was read before this transaction: the move still checks its status.
    transition::apply_to(state, &mut tx, row, event, actor, detail).await?;
    tx.commit().await?;
    Ok(IssuedResponse {
        certificate: STANDARD.encode(&issued.der),
        chain: state
            .ca
            .chain_for(&issued.der)
            .iter()
            .map(|c| STANDARD.encode(c))
            .collect(),
        not_after: clock::rfc3339(clock::to_ms(issued.not_after)),
        encryption: encryption.map(|prepared| EncryptionIssued {
            certificate: STANDARD.encode(&prepared.issued.der),
            envelope: prepared.envelope,
            keep: prepared.keep,
            remove: prepared.remove,
        }),
    })
}

/// The token's confirmation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InstalledRequest {
    /// The challenge, as received.
    pub challenge: String,
    /// The NEW key's `installed` signature, base64.
    pub signature: String,
}

/// Completes the renewal once the new key proves the certificate is on the token.
#[utoipa::path(post, path = "/api/v1/renewals/{business_no}/installed", params(("business_no" = String, Path)), request_body = InstalledRequest,
    responses((status = 200, body = RenewalView), (status = 401), (status = 409)))]
pub async fn installed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<InstalledRequest>,
) -> AppResult<Json<RenewalView>> {
    let (session, row) = owned(&state, &headers, &business_no).await?;
    if row.status != crate::renewal::state::Status::Issued {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            format!(
                "a renewal that is {} cannot be completed",
                row.status.as_str()
            ),
        ));
    }
    let challenge = challenge_field(&req.challenge)?;
    let sig = base64_field("signature", &req.signature, 1024)?;
    let (sha256, der) = certificates::latest_issued(state.pool(), &business_no)
        .await?
        .ok_or_else(|| AppError::Internal("an issued renewal has no certificate".into()))?;
    let new = certificate::parse(&der)?;
    // A dual renewal's signature covers the new encryption certificate: the token
    // proves it holds the pair.
    let encryption = match row.kind {
        CertificateKind::Single => None,
        CertificateKind::Dual => Some(
            certificates::latest_issued_as(state.pool(), &business_no, CertPurpose::Encryption)
                .await?
                .ok_or_else(|| {
                    AppError::Internal("a dual renewal has no encryption certificate".into())
                })?,
        ),
    };
    let payload = encryption
        .as_ref()
        .map(|(_, der)| dual::installed_payload(der));
    let checked = challenges::check(&state.store, &challenge)?;
    let confirmed = async {
        signature::verify(
            &new.spki_der,
            Purpose::Installed,
            &state.config.public_origin,
            &challenge,
            payload.as_ref(),
            &sig,
        )?;
        let mut tx = state.store.begin_write().await?;
        checked.record(&mut tx).await?;
        certificates::confirm(&mut tx, &sha256).await?;
        if let Some((encryption_sha256, _)) = &encryption {
            certificates::confirm(&mut tx, encryption_sha256).await?;
        }
        let moved = transition::apply_to(
            &state,
            &mut tx,
            &row,
            Event::Confirm,
            &format!("user:{}", session.cert_sha256),
            json!({ "sha256": sha256, "encryption_sha256": encryption.as_ref().map(|(s, _)| s) }),
        )
        .await?;
        // The project's rule for the old certificate (revoked as superseded, or kept).
        let old = crate::revocation::policy::on_confirmed(&state, &mut tx, &row).await?;
        tx.commit().await?;
        Ok((moved, old))
    }
    .await;
    let (moved, old) = checked.settle(confirmed).await?;
    old.publish(&state).await;
    let view = state
        .views
        .view(state.pool(), &business_no, moved.audit_id)
        .await?;
    Ok(Json(RenewalView::clone(&view)))
}
