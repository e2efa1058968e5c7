//! The delegated OCSP responder (RFC 6960 §4.2.2.2): an EC P-256 software key and a
//! short-lived certificate for it from the CA (id-kp-OCSPSigning, no-check). The CA key
//! (possibly on an HSM) signs once a month; the responder signs every answer. A new
//! certificate and key are made when the current one has less than
//! [`RESPONDER_ROTATE_BEFORE`] left; the old one stays valid for answers already out.

use std::sync::{Arc, Mutex};

use rcgen::{KeyPair, PublicKeyData, SigningKey};
use sha1::{Digest, Sha1};
use time::{Duration, OffsetDateTime};

use super::store::{self, ResponderRow};
use super::{RESPONDER_ROTATE_BEFORE, RESPONDER_VALIDITY, RevocationError};
use crate::ca::Ca;
use crate::clock;
use crate::db::Store;

/// The responder in use.
pub struct Responder {
    /// Its certificate, DER (sent with every answer).
    pub cert_der: Vec<u8>,
    /// SHA-1 of its public key (the ResponderID byKey).
    pub key_hash: [u8; 20],
    /// Its certificate's notAfter, unix milliseconds.
    pub not_after: i64,
    key: KeyPair,
}

impl Responder {
    fn from_row(row: &ResponderRow) -> Result<Responder, RevocationError> {
        let key = KeyPair::try_from(row.key_pkcs8.as_slice())
            .map_err(|e| RevocationError::Stored(format!("responder key {}: {e}", row.serial)))?;
        Ok(Responder {
            key_hash: Sha1::digest(key.der_bytes()).into(),
            cert_der: row.cert_der.clone(),
            not_after: row.not_after,
            key,
        })
    }

    /// An ECDSA P-256 SHA-256 signature of `message`, DER.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, RevocationError> {
        SigningKey::sign(&self.key, message)
            .map_err(|e| RevocationError::Stored(format!("signing with the responder key: {e}")))
    }

    fn fresh(&self, now_ms: i64) -> bool {
        self.not_after - now_ms > RESPONDER_ROTATE_BEFORE.whole_milliseconds() as i64
    }
}

/// This process's responder, per CA id.
static CURRENT: Mutex<Option<(String, Arc<Responder>)>> = Mutex::new(None);

/// The responder to sign with: this process's, the stored one, or (none fresh) a new
/// one issued by `ca` and stored.
pub async fn current(db: &Store, ca: &Ca) -> Result<Arc<Responder>, RevocationError> {
    let ca_id = ca.id();
    let now = clock::now_ms();
    if let Some((id, responder)) = lock().as_ref()
        && *id == ca_id
        && responder.fresh(now)
    {
        return Ok(responder.clone());
    }
    let responder = match store::responder(db.pool(), &ca_id).await? {
        Some(row) if Responder::from_row(&row)?.fresh(now) => Responder::from_row(&row)?,
        _ => rotate(db, ca).await?,
    };
    let responder = Arc::new(responder);
    *lock() = Some((ca_id, responder.clone()));
    Ok(responder)
}

/// Issues and stores a new responder certificate and key.
pub async fn rotate(db: &Store, ca: &Ca) -> Result<Responder, RevocationError> {
    let key = KeyPair::generate().map_err(|e| RevocationError::Stored(e.to_string()))?;
    let now = OffsetDateTime::now_utc();
    // A little slack for relying parties whose clocks run behind.
    let not_before = now - Duration::minutes(5);
    let issued = ca.issue_responder(
        &key.subject_public_key_info(),
        not_before,
        now + RESPONDER_VALIDITY,
    )?;
    let row = ResponderRow {
        serial: issued.serial_hex.clone(),
        cert_der: issued.der,
        key_pkcs8: key.serialize_der(),
        not_after: clock::to_ms(issued.not_after),
    };
    store::insert_responder(
        db.pool(),
        &ca.id(),
        &row,
        clock::to_ms(issued.not_before),
        clock::to_ms(now),
    )
    .await?;
    tracing::info!(ca = %ca.id(), serial = %row.serial, "ocsp responder certificate issued");
    Responder::from_row(&row)
}

fn lock() -> std::sync::MutexGuard<'static, Option<(String, Arc<Responder>)>> {
    // Only a cache: a panic while holding it leaves nothing half-done.
    CURRENT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
