//! Answering OCSP requests (RFC 6960 §4.2): for each certificate asked about, good,
//! revoked (time and reason) or unknown (not issued by this CA); signed by the
//! delegated responder, whose certificate goes with the answer; the request's nonce
//! (RFC 6960 §4.4.1) echoed. Answers without a nonce are kept until their nextUpdate
//! or the next revocation (a new CRL number), whichever comes first.

use std::collections::HashMap;
use std::sync::Mutex;

use der::asn1::{BitString, GeneralizedTime, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    ResponderId, ResponseData, RevokedInfo, SingleResponse, Version,
};

use super::store::{self, SerialStatus};
use super::{OCSP_VALIDITY, RevocationError, responder};
use crate::ca::{Ca, Reason};
use crate::clock;
use crate::db::Store;

/// At most this many certificates in one request.
pub const MAX_CERTIFICATES: usize = 20;
/// Answers kept per process.
const CACHE_ENTRIES: usize = 10_000;

const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");

/// An encoded OCSP response and how long it may be kept.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The OCSPResponse, DER.
    pub der: Vec<u8>,
    /// thisUpdate (and producedAt), unix milliseconds; `None` for an error status.
    pub this_update: Option<i64>,
    /// nextUpdate, unix milliseconds.
    pub next_update: Option<i64>,
    /// Whether the answer may be cached by HTTP caches (it echoes no nonce).
    pub cacheable: bool,
}

impl Answer {
    fn status(response: OcspResponse) -> Answer {
        Answer {
            // An error status is a fixed few bytes; encoding it cannot fail.
            der: response.to_der().unwrap_or_default(),
            this_update: None,
            next_update: None,
            cacheable: false,
        }
    }
}

struct Cached {
    answer: Answer,
    crl_number: i64,
}

static CACHE: Mutex<Option<HashMap<Vec<u8>, Cached>>> = Mutex::new(None);

/// The answer to the DER OCSPRequest `request`. Failures become the OCSP error
/// statuses (malformedRequest, internalError), never an HTTP error.
pub async fn answer(db: &Store, ca: &Ca, request: &[u8]) -> Answer {
    let Ok(request) = OcspRequest::from_der(request) else {
        return Answer::status(OcspResponse::malformed_request());
    };
    let list = &request.tbs_request.request_list;
    if list.is_empty() || list.len() > MAX_CERTIFICATES {
        return Answer::status(OcspResponse::malformed_request());
    }
    match build(db, ca, &request).await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!(error = %e, "ocsp: answering failed");
            Answer::status(OcspResponse::internal_error())
        }
    }
}

async fn build(db: &Store, ca: &Ca, request: &OcspRequest) -> Result<Answer, RevocationError> {
    let nonce = request
        .tbs_request
        .request_extensions
        .as_ref()
        .and_then(|exts| exts.iter().find(|e| e.extn_id == NONCE))
        .map(|e| Extension {
            extn_id: NONCE,
            critical: false,
            extn_value: e.extn_value.clone(),
        });
    let ids: Vec<&CertId> = request
        .tbs_request
        .request_list
        .iter()
        .map(|r| &r.req_cert)
        .collect();
    let key = der_of(&ids)?;
    let crl_number = store::crl_number(db.pool(), &ca.id()).await?;
    let now = clock::now_ms();
    if nonce.is_none()
        && let Some(hit) = cache_get(&key, crl_number, now)
    {
        return Ok(hit);
    }

    let issuer = IssuerHashes::of(ca)?;
    let this_update = now - now.rem_euclid(1000);
    let next_update = this_update + OCSP_VALIDITY.whole_milliseconds() as i64;
    let mut responses = Vec::with_capacity(ids.len());
    for id in ids {
        let status = if issuer.matches(id) {
            let serial = serial_hex(id.serial_number.as_bytes());
            status_of(db, &serial).await?
        } else {
            CertStatus::unknown()
        };
        responses.push(SingleResponse {
            cert_id: id.clone(),
            cert_status: status,
            this_update: time_of(this_update)?,
            next_update: Some(time_of(next_update)?),
            single_extensions: None,
        });
    }

    let responder = responder::current(db, ca).await?;
    let data = ResponseData {
        version: Version::V1,
        responder_id: ResponderId::ByKey(
            OctetString::new(responder.key_hash.to_vec()).map_err(encoding)?,
        ),
        produced_at: time_of(this_update)?,
        responses,
        response_extensions: nonce.clone().map(|n| vec![n]),
    };
    let signature = responder.sign(&data.to_der().map_err(encoding)?)?;
    let basic = BasicOcspResponse {
        tbs_response_data: data,
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: ECDSA_SHA256,
            parameters: None,
        },
        signature: BitString::from_bytes(&signature).map_err(encoding)?,
        certs: Some(vec![
            Certificate::from_der(&responder.cert_der).map_err(encoding)?,
        ]),
    };
    let der = OcspResponse::successful(basic)
        .and_then(|r| r.to_der())
        .map_err(encoding)?;
    let answer = Answer {
        der,
        this_update: Some(this_update),
        next_update: Some(next_update),
        cacheable: nonce.is_none(),
    };
    if answer.cacheable {
        cache_put(key, &answer, crl_number);
    }
    Ok(answer)
}

/// The status of the certificate with `serial` issued by this CA.
async fn status_of(db: &Store, serial: &str) -> Result<CertStatus, RevocationError> {
    let status = match store::revocation(db.pool(), serial).await? {
        Some(row) => SerialStatus::Revoked(row),
        None if store::issued_here(db.pool(), serial).await? => SerialStatus::Good,
        None => SerialStatus::Unknown,
    };
    Ok(match status {
        SerialStatus::Good => CertStatus::good(),
        SerialStatus::Unknown => CertStatus::unknown(),
        SerialStatus::Revoked(row) => {
            let reason = Reason::parse(&row.reason).unwrap_or(Reason::Unspecified);
            CertStatus::Revoked(RevokedInfo {
                revocation_time: time_of(row.revoked_at - row.revoked_at.rem_euclid(1000))?,
                revocation_reason: crl_reason(reason),
            })
        }
    })
}

/// The issuer name and key hashes of the signing CA certificate, as a CertID holds them.
struct IssuerHashes {
    name: Vec<u8>,
    key: Vec<u8>,
}

impl IssuerHashes {
    fn of(ca: &Ca) -> Result<IssuerHashes, RevocationError> {
        let der = ca
            .certificates()
            .first()
            .ok_or_else(|| RevocationError::Stored("the ca has no certificate".into()))?;
        let cert = Certificate::from_der(der).map_err(encoding)?;
        let tbs = &cert.tbs_certificate;
        Ok(IssuerHashes {
            name: tbs.subject.to_der().map_err(encoding)?,
            key: tbs
                .subject_public_key_info
                .subject_public_key
                .raw_bytes()
                .to_vec(),
        })
    }

    /// Whether `id` names this CA (with SHA-1 or SHA-256, the algorithms in use).
    fn matches(&self, id: &CertId) -> bool {
        let (name, key) = match id.hash_algorithm.oid {
            oid if oid == SHA1 => (
                Sha1::digest(&self.name).to_vec(),
                Sha1::digest(&self.key).to_vec(),
            ),
            oid if oid == SHA256 => (
                Sha256::digest(&self.name).to_vec(),
                Sha256::digest(&self.key).to_vec(),
            ),
            _ => return false,
        };
        id.issuer_name_hash.as_bytes() == name && id.issuer_key_hash.as_bytes() == key
    }
}

/// A serial's INTEGER bytes as the inventory writes it: lowercase hex, no leading
/// zero bytes.
fn serial_hex(bytes: &[u8]) -> String {
    let first = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    hex::encode(&bytes[first..])
}

fn crl_reason(reason: Reason) -> Option<CrlReason> {
    Some(match reason {
        Reason::Unspecified => return None,
        Reason::KeyCompromise => CrlReason::KeyCompromise,
        Reason::CaCompromise => CrlReason::CaCompromise,
        Reason::AffiliationChanged => CrlReason::AffiliationChanged,
        Reason::Superseded => CrlReason::Superseded,
        Reason::CessationOfOperation => CrlReason::CessationOfOperation,
        Reason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
    })
}

fn time_of(ms: i64) -> Result<OcspGeneralizedTime, RevocationError> {
    let secs = u64::try_from(ms.div_euclid(1000))
        .map_err(|_| RevocationError::Stored(format!("a time before 1970: {ms}")))?;
    GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map(OcspGeneralizedTime)
        .map_err(encoding)
}

fn der_of(ids: &[&CertId]) -> Result<Vec<u8>, RevocationError> {
    let mut out = Vec::new();
    for id in ids {
        out.extend(id.to_der().map_err(encoding)?);
    }
    Ok(out)
}

fn encoding(e: der::Error) -> RevocationError {
    RevocationError::Stored(format!("ocsp encoding: {e}"))
}

fn cache_get(key: &[u8], crl_number: i64, now: i64) -> Option<Answer> {
    let cache = lock();
    let hit = cache.as_ref()?.get(key)?;
    let fresh = hit.crl_number == crl_number && hit.answer.next_update.is_some_and(|n| n > now);
    fresh.then(|| hit.answer.clone())
}

fn cache_put(key: Vec<u8>, answer: &Answer, crl_number: i64) {
    let mut cache = lock();
    let map = cache.get_or_insert_with(HashMap::new);
    if map.len() >= CACHE_ENTRIES {
        map.clear();
    }
    map.insert(
        key,
        Cached {
            answer: answer.clone(),
            crl_number,
        },
    );
}

fn lock() -> std::sync::MutexGuard<'static, Option<HashMap<Vec<u8>, Cached>>> {
    // Only a cache: a panic while holding it leaves nothing half-done.
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_written_as_the_inventory_writes_them() {
        assert_eq!(serial_hex(&[0x00, 0x8f, 0x01]), "8f01");
        assert_eq!(serial_hex(&[0x7f, 0x00]), "7f00");
        assert_eq!(serial_hex(&[0x00]), "00");
    }
}
