//! Signing in with the certificate: a `login` signature over a fresh challenge.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use protocol::ids::Challenge;
use protocol::tbs::Purpose;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::api::extract::{Body, base64_field};
use crate::api::public::standing;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::identity::certificate::{self, Eligibility, MAX_CERT_BYTES};
use crate::identity::{challenges, sessions, signature};
use crate::renewal::store;
use crate::state::AppState;

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SessionRequest {
    /// The certificate, base64 DER.
    pub certificate: String,
    /// The challenge, as received.
    pub challenge: String,
    /// The `login` signature, base64.
    pub signature: String,
    /// The project, for the eligibility answer (default: the first).
    pub project: Option<String>,
}

/// The certificate as the server read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateSummary {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Serial, hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
}

/// A signed-in session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    /// The certificate.
    pub certificate: CertificateSummary,
    /// Where it stands.
    pub eligibility: Eligibility,
    /// Its open renewal, if any.
    pub open_renewal: Option<String>,
}

/// Reads a client's certificate into its summary.
pub fn summary(facts: &certinfo::CertFacts) -> CertificateSummary {
    CertificateSummary {
        sha256: facts.sha256.clone(),
        subject: facts.subject.clone(),
        issuer: facts.issuer.clone(),
        serial: facts.serial_hex.clone(),
        not_before: facts.not_before_rfc3339(),
        not_after: facts.not_after_rfc3339(),
    }
}

/// Parses a challenge from a body field.
pub fn challenge_field(value: &str) -> Result<Challenge, AppError> {
    Challenge::parse(value)
        .map_err(|e| AppError::validation("challenge", "challenge.format", e.to_string()))
}

/// Signs in with a `login` signature.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = SessionRequest, responses((status = 200, body = SessionResponse), (status = 401), (status = 403)))]
pub async fn create(
    State(state): State<AppState>,
    Body(req): Body<SessionRequest>,
) -> AppResult<(HeaderMap, Json<SessionResponse>)> {
    let der = base64_field("certificate", &req.certificate, MAX_CERT_BYTES)?;
    let sig = base64_field("signature", &req.signature, 1024)?;
    let challenge = challenge_field(&req.challenge)?;
    let facts = certificate::parse(&der)?;
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
    // The standing checks the issuer and the revocation first: one read for both.
    let eligibility = standing(&state, &facts, &der, project).await?;
    certificate::refuse_unless_ours(eligibility.status)?;
    let checked = challenges::check(&state.store, &challenge)?;
    let opened = async {
        signature::verify(
            &facts.spki_der,
            Purpose::Login,
            &state.config.public_origin,
            &challenge,
            None,
            &sig,
        )?;
        let mut tx = state.store.begin_write().await?;
        checked.record(&mut tx).await?;
        let opened = sessions::open(&mut tx, &facts.sha256, &der, state.secure_cookies()).await?;
        audit::append(
            &mut tx,
            &format!("user:{}", facts.sha256),
            "session.opened",
            &facts.sha256,
            json!({ "subject": facts.subject }),
        )
        .await?;
        tx.commit().await?;
        state.sessions.opened(&opened);
        Ok(opened.set_cookie)
    }
    .await;
    let cookie = checked.settle(opened).await?;

    let open_renewal = store::open_for_certificate(state.pool(), &facts.sha256).await?;
    let headers = sessions::set_cookie(&cookie)?;
    Ok((
        headers,
        Json(SessionResponse {
            certificate: summary(&facts),
            eligibility,
            open_renewal,
        }),
    ))
}

/// Signs out (`POST /api/v1/sessions/end`): the session ends on the server at once (on
/// every instance within [`sessions::CACHE_MS`]) and the cookie is cleared; 204 with or
/// without a session.
#[utoipa::path(post, path = "/api/v1/sessions/end", responses((status = 204)))]
pub async fn end(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<(StatusCode, HeaderMap)> {
    let mut tx = state.store.begin_write().await?;
    if let Some(cert) = sessions::end(&mut tx, &state.sessions, &headers).await? {
        audit::append(
            &mut tx,
            &format!("user:{cert}"),
            "session.ended",
            &cert,
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    let out = sessions::set_cookie(&sessions::cleared_cookie(state.secure_cookies()))?;
    Ok((StatusCode::NO_CONTENT, out))
}
