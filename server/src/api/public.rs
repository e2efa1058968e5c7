//! Endpoints anyone may call: projects, the CA chain, eligibility, challenges.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use certinfo::CertFacts;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::api::extract::{Body, base64_field};
use crate::client_addr::ClientAddr;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::identity::certificate::{self, Eligibility, MAX_CERT_BYTES};
use crate::identity::challenges;
use crate::projects::Project;
use crate::state::AppState;

/// The projects this CA serves.
#[utoipa::path(get, path = "/api/v1/projects", responses((status = 200, body = [Project])))]
pub async fn projects(State(state): State<AppState>) -> Json<Vec<Project>> {
    Json(state.config.projects.clone())
}

/// One project.
#[utoipa::path(get, path = "/api/v1/projects/{id}", params(("id" = String, Path)), responses((status = 200, body = Project), (status = 404)))]
pub async fn project(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Project>> {
    state
        .project(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| AppError::not_found(format!("no project {id:?}")))
}

/// The CA's certificates, PEM (the signing one first).
#[utoipa::path(get, path = "/api/v1/ca", responses((status = 200, content_type = "application/x-pem-file", body = String)))]
pub async fn ca_chain(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        state.ca.chain_pem(),
    )
}

/// Asks where a certificate stands.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EligibilityRequest {
    /// Project id.
    pub project: String,
    /// The certificate, base64 DER.
    pub certificate: String,
}

/// Where a certificate stands for a project, without any login (a certificate is public).
#[utoipa::path(post, path = "/api/v1/eligibility", request_body = EligibilityRequest, responses((status = 200, body = Eligibility), (status = 429, description = "too many checks from this address")))]
pub async fn eligibility(
    State(state): State<AppState>,
    client: ClientAddr,
    Body(req): Body<EligibilityRequest>,
) -> AppResult<Json<Eligibility>> {
    state.eligibility_limit.check(&client.key()).await?;
    let project = state
        .project(&req.project)
        .ok_or_else(|| AppError::validation("project", "project.unknown", "no such project"))?;
    let der = base64_field("certificate", &req.certificate, MAX_CERT_BYTES)?;
    let facts = certificate::parse(&der)?;
    Ok(Json(standing(&state, &facts, &der, project).await?))
}

/// Where the certificate `der` (`facts`) stands for `project` now, against this CA's
/// certificates and inventory. Shared by the check above and the sign-in.
pub async fn standing(
    state: &AppState,
    facts: &CertFacts,
    der: &[u8],
    project: &Project,
) -> AppResult<Eligibility> {
    certificate::eligibility(
        state.pool(),
        state.ca.certificates(),
        facts,
        der,
        project,
        OffsetDateTime::now_utc(),
    )
    .await
}

/// A fresh challenge.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeResponse {
    /// 32 random bytes, base64: sign it as is.
    pub challenge: String,
    /// When it stops being accepted, RFC 3339.
    pub expires_at: String,
}

/// A single-use challenge, valid five minutes.
#[utoipa::path(post, path = "/api/v1/challenges", responses((status = 200, body = ChallengeResponse), (status = 429, description = "too many challenges from this address")))]
pub async fn challenge(
    State(state): State<AppState>,
    client: ClientAddr,
) -> AppResult<Json<ChallengeResponse>> {
    state.challenge_limit.check(&client.key()).await?;
    let (challenge, expires_at) = challenges::issue()?;
    Ok(Json(ChallengeResponse {
        challenge: challenge.to_string(),
        expires_at: clock::rfc3339(expires_at),
    }))
}
