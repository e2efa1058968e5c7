//! Key recovery, the customer's half (docs/kmc.md): a signed-in session of the
//! certificates' subject lists its approved recoveries, asks for the envelope to a
//! signing certificate this CA issued to the same subject (the one on the token), and
//! confirms delivery with that key's `installed` signature over the encryption
//! certificate's SHA-256. The KMC envelopes only to keys the CA certified.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use protocol::ErrorCode;
use protocol::certificate::CertificateStatus;
use protocol::envelope::Envelope;
use protocol::tbs::Purpose;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::api::extract::{Body, base64_field};
use crate::api::sessions::challenge_field;
use crate::audit;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::identity::certificate::{self, MAX_CERT_BYTES};
use crate::identity::sessions::{self, UserSession};
use crate::identity::{challenges, signature};
use crate::kmc::recovery::{self, RecoveryRow, RecoveryStatus, RecoveryView};
use crate::kmc::store as escrow;
use crate::renewal::certificates;
use crate::renewal::dual;
use crate::state::AppState;

/// The approved (and delivered) recoveries of the session's subject.
#[utoipa::path(get, path = "/api/v1/recoveries", responses((status = 200, body = [RecoveryView]), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<Vec<RecoveryView>>> {
    let session = sessions::require(state.pool(), &state.sessions, &headers).await?;
    let subject = certificate::parse(&session.cert_der)?.subject;
    Ok(Json(recovery::list(state.pool(), Some(&subject)).await?))
}

/// The session's recovery `id` in `status`; 404 for another subject's.
async fn owned(
    state: &AppState,
    session: &UserSession,
    id: &str,
    status: RecoveryStatus,
) -> AppResult<RecoveryRow> {
    let hidden = || AppError::not_found(format!("no recovery {id} for this certificate"));
    let row = recovery::row(state.pool(), id).await?.ok_or_else(hidden)?;
    if certificate::parse(&session.cert_der)?.subject != row.subject {
        return Err(hidden());
    }
    if row.status != status {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            format!(
                "the recovery is {}, not {}",
                row.status.as_str(),
                status.as_str()
            ),
        ));
    }
    Ok(row)
}

/// Where to envelope the key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeRequest {
    /// A signing certificate this CA issued to the same subject (the one on the
    /// token), base64 DER.
    pub signing_certificate: String,
}

/// The recovered key, enveloped.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveredKey {
    /// The encryption certificate, base64 DER.
    pub certificate: String,
    /// Its private key, enveloped to the signing certificate's key (docs/protocol.md
    /// §15).
    #[schema(value_type = Object)]
    pub envelope: Envelope,
    /// The signing certificate's SHA-256: the key that signs the delivery.
    pub signing_sha256: String,
}

/// Envelopes an approved recovery's key to a signing key the CA certified.
#[utoipa::path(post, path = "/api/v1/recoveries/{id}/envelope", params(("id" = String, Path)), request_body = EnvelopeRequest,
    responses((status = 200, body = RecoveredKey), (status = 401), (status = 404), (status = 409), (status = 422)))]
pub async fn envelope(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(req): Body<EnvelopeRequest>,
) -> AppResult<Json<RecoveredKey>> {
    let session = sessions::require(state.pool(), &state.sessions, &headers).await?;
    let row = owned(&state, &session, &id, RecoveryStatus::Approved).await?;
    let der = base64_field(
        "signing_certificate",
        &req.signing_certificate,
        MAX_CERT_BYTES,
    )?;
    let facts = certificate::parse(&der)?;
    let not_ours = |why: &str| {
        AppError::validation(
            "signing_certificate",
            "signing_certificate.refused",
            format!("no envelope is made to this certificate's key: {why}"),
        )
    };
    let known = certificates::by_sha256(state.pool(), &facts.sha256)
        .await?
        .ok_or_else(|| not_ours("this CA did not issue it"))?;
    if certinfo::verify_issued_by(&der, state.ca.certificates()).is_err() {
        return Err(not_ours("this CA did not issue it"));
    }
    if known.purpose != certificates::Purpose::Signing {
        return Err(not_ours("it is not a signing certificate"));
    }
    if matches!(
        known.status,
        CertificateStatus::Superseded | CertificateStatus::Revoked
    ) {
        return Err(not_ours(&format!("it is {}", known.status)));
    }
    if facts.not_after <= OffsetDateTime::now_utc() {
        return Err(not_ours("it has expired"));
    }
    let escrowed = escrow::by_key_id(state.pool(), &row.key_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("recovery {id} names no escrowed key")))?;
    let encryption = certificate::parse(&escrowed.cert_der)?;
    if encryption.subject_der != facts.subject_der {
        return Err(not_ours(
            "its subject differs from the encryption certificate's",
        ));
    }
    let envelope = state
        .providers
        .kmc
        .envelope(&escrowed.escrow, &facts.spki_der)
        .await
        .map_err(|e| AppError::Internal(format!("the kmc: {e}")))?;
    let mut tx = state.store.begin_write().await?;
    recovery::set_status(
        &mut tx,
        &id,
        RecoveryStatus::Approved,
        Some(&facts.sha256),
        clock::now_ms(),
    )
    .await?;
    audit::append(
        &mut tx,
        &format!("user:{}", session.cert_sha256),
        "kmc.delivered",
        &row.business_no,
        json!({ "recovery": id, "key_id": escrowed.escrow.key_id, "to": envelope.recipient_spki_sha256, "signing_certificate": facts.sha256, "transport": envelope.transport }),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(RecoveredKey {
        certificate: STANDARD.encode(&escrowed.cert_der),
        envelope,
        signing_sha256: facts.sha256,
    }))
}

/// The token's confirmation of a recovery.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveredRequest {
    /// The challenge, as received.
    pub challenge: String,
    /// The `installed` signature (payload: SHA-256 of the encryption certificate) by
    /// the key the envelope was made to, base64.
    pub signature: String,
}

/// Closes a recovery once the token proves it holds the key.
#[utoipa::path(post, path = "/api/v1/recoveries/{id}/delivered", params(("id" = String, Path)), request_body = DeliveredRequest,
    responses((status = 200, body = RecoveryView), (status = 401), (status = 404), (status = 409)))]
pub async fn delivered(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(req): Body<DeliveredRequest>,
) -> AppResult<Json<RecoveryView>> {
    let session = sessions::require(state.pool(), &state.sessions, &headers).await?;
    let row = owned(&state, &session, &id, RecoveryStatus::Approved).await?;
    let signing_sha256 = row.signing_sha256.clone().ok_or_else(|| {
        AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            "ask for the envelope first",
        )
    })?;
    let challenge = challenge_field(&req.challenge)?;
    let sig = base64_field("signature", &req.signature, 1024)?;
    let signing = certificates::by_sha256(state.pool(), &signing_sha256)
        .await?
        .ok_or_else(|| AppError::Internal("the enveloped-to certificate vanished".into()))?;
    let escrowed = escrow::by_key_id(state.pool(), &row.key_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("recovery {id} names no escrowed key")))?;
    let spki = certificate::parse(&signing.der)?.spki_der;
    let checked = challenges::check(&state.store, &challenge)?;
    let delivered = async {
        signature::verify(
            &spki,
            Purpose::Installed,
            &state.config.public_origin,
            &challenge,
            Some(&dual::installed_payload(&escrowed.cert_der)),
            &sig,
        )?;
        let mut tx = state.store.begin_write().await?;
        checked.record(&mut tx).await?;
        recovery::set_status(
            &mut tx,
            &id,
            RecoveryStatus::Delivered,
            None,
            clock::now_ms(),
        )
        .await?;
        audit::append(
            &mut tx,
            &format!("user:{}", session.cert_sha256),
            "recovery.delivered",
            &row.business_no,
            json!({ "recovery": id, "key_id": row.key_id, "signing_certificate": signing_sha256 }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    checked.settle(delivered).await?;
    recovery::view(state.pool(), &id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found(format!("no recovery {id}")))
}
