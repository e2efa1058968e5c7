//! Revoking one certificate: the revocation row, the inventory's status, the
//! certificate's sessions ended and an audit row in one transaction; then the CRL is
//! signed again (OCSP reads the revocation at once).

use serde::Serialize;
use serde_json::json;

use super::{RevocationError, crl, store};
use crate::ca::{Ca, Reason};
use crate::db::{Store, Tx};
use crate::{audit, clock};

/// A revocation done.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Revoked {
    /// The serial, lowercase hex.
    pub serial: String,
    /// The RFC 5280 reason name.
    pub reason: String,
    /// When, RFC 3339.
    pub revoked_at: String,
    /// Sessions of the certificate that were ended.
    pub sessions_ended: u64,
    /// The CRL that lists it (`None` if signing it failed: the worker tries again).
    pub crl_number: Option<i64>,
}

/// Revokes the certificate with serial `serial` (hex, colons allowed) for `reason`,
/// recorded as done by `actor`. With `issued_here`, a serial that is not in the
/// inventory is refused ([`RevocationError::UnknownSerial`]); without, it is revoked
/// anyway (a certificate this CA issued before certrenew kept an inventory).
pub async fn revoke(
    db: &Store,
    ca: &Ca,
    serial: &str,
    reason: Reason,
    actor: &str,
    issued_here: bool,
) -> Result<Revoked, RevocationError> {
    let mut tx = db.begin_write().await?;
    let (serial, ended, now) =
        revoke_in(&mut tx, serial, reason, actor, issued_here, json!({})).await?;
    tx.commit().await?;
    let crl_number = publish(db, ca, &serial).await;
    Ok(Revoked {
        serial,
        reason: reason.as_str().to_string(),
        revoked_at: clock::rfc3339(now),
        sessions_ended: ended,
        crl_number,
    })
}

/// The writes of [`revoke`] inside the caller's transaction (so a revocation commits
/// with what caused it: a confirmed renewal, a resolved report); `context` is added to
/// the audit row. Returns the normalised serial, the sessions ended and when. The caller
/// commits, then calls [`publish`].
pub async fn revoke_in(
    tx: &mut Tx,
    serial: &str,
    reason: Reason,
    actor: &str,
    issued_here: bool,
    context: serde_json::Value,
) -> Result<(String, u64, i64), RevocationError> {
    let serial = crate::identity::certificate::normalize_serial(serial)
        .ok_or_else(|| RevocationError::InvalidSerial(serial.to_string()))?;
    let now = clock::now_ms();
    if issued_here && !store::issued_here(&mut **tx, &serial).await? {
        return Err(RevocationError::UnknownSerial(serial));
    }
    if !store::insert(&mut **tx, &serial, now, reason.as_str()).await? {
        return Err(RevocationError::AlreadyRevoked(serial));
    }
    store::mark_certificate(&mut **tx, &serial).await?;
    // Its sessions end now; a server's cached copy goes within CACHE_MS.
    let ended = crate::identity::sessions::end_for_serial(tx, &serial).await?;
    // The renewal that issued it (if any) records it too: its progress page shows it.
    let subject = store::business_no(&mut **tx, &serial)
        .await?
        .unwrap_or_else(|| serial.clone());
    let mut data = json!({ "serial": serial, "reason": reason.as_str(), "reason_code": reason.code(), "sessions_ended": ended });
    if let (Some(data), serde_json::Value::Object(extra)) = (data.as_object_mut(), context) {
        data.extend(extra);
    }
    audit::append(tx, actor, "certificate.revoked", &subject, data).await?;
    Ok((serial, ended, now))
}

/// Signs the CRL again after a revocation committed; its number, or `None` if signing
/// failed (logged: the worker re-signs a CRL that misses a revocation).
pub async fn publish(db: &Store, ca: &Ca, serial: &str) -> Option<i64> {
    match crl::regenerate(db, ca).await {
        Ok(row) => Some(row.number),
        Err(e) => {
            tracing::error!(error = %e, serial = %serial, "the crl could not be signed after a revocation; the worker retries");
            None
        }
    }
}
