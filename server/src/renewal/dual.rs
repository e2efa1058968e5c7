//! The second half of a dual renewal: the old encryption certificate checked at apply,
//! the KMC's new key certified and enveloped to the new signing key at issue, and the
//! `installed` payload that proves the token holds the pair (docs/kmc.md).
//!
//! Order, as everywhere: the KMC and the CA are called first, then one transaction
//! records both certificates, the escrow and their audit rows ([`record`]).

use protocol::envelope::Envelope;
use protocol::host::{HistoryRemoval, KeyAlgorithm};
use protocol::ids::PayloadSha256;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::audit;
use crate::ca::{EncryptionRequest, Issued};
use crate::db::Tx;
use crate::error::AppError;
use crate::identity::certificate::{self, MAX_CERT_BYTES};
use crate::kmc::{self, Escrow, keygen};
use crate::renewal::certificates::{self, NewCertificate, Purpose};
use crate::renewal::store::RenewalRow;
use crate::state::AppState;

/// Who the KMC's audit rows name.
pub const KMC_ACTOR: &str = "system:kmc";

/// The old encryption certificate given at apply, checked against the signing one.
#[derive(Debug, Clone)]
pub struct OldEncryption {
    /// DER.
    pub der: Vec<u8>,
    /// SHA-256, hex.
    pub sha256: String,
    /// notAfter, unix seconds.
    pub not_after_s: i64,
}

/// Reads `encryption_certificate` (DER) and checks that it pairs with the signing
/// certificate `signing_der`: the same subject and issuer, byte for byte, and a key the
/// KMC can replace (RSA, EC P-256 or SM2).
pub fn check_old(der: Vec<u8>, signing_der: &[u8]) -> Result<OldEncryption, AppError> {
    const FIELD: &str = "encryption_certificate";
    if der.len() > MAX_CERT_BYTES {
        return Err(AppError::validation(
            FIELD,
            "encryption_certificate.invalid",
            "the encryption certificate is larger than 16 KiB",
        ));
    }
    let facts = certinfo::facts(&der).map_err(|e| {
        AppError::validation(
            FIELD,
            "encryption_certificate.invalid",
            format!("the encryption certificate cannot be read: {e}"),
        )
    })?;
    let signing = certificate::parse(signing_der)?;
    if facts.subject_der != signing.subject_der || facts.issuer_der != signing.issuer_der {
        return Err(AppError::validation(
            FIELD,
            "encryption_certificate.mismatch",
            "the encryption certificate's subject or issuer differs from the signing certificate's: it is not its pair",
        ));
    }
    if facts.sha256 == signing.sha256 {
        return Err(AppError::validation(
            FIELD,
            "encryption_certificate.mismatch",
            "the encryption certificate is the signing certificate itself",
        ));
    }
    if keygen::algorithm_of(&facts.spki_der).is_none() {
        return Err(AppError::validation(
            FIELD,
            "encryption_certificate.invalid",
            "the encryption certificate's key is neither RSA, EC P-256 nor SM2",
        ));
    }
    Ok(OldEncryption {
        not_after_s: facts.not_after.unix_timestamp(),
        sha256: facts.sha256,
        der,
    })
}

/// The encryption half, made before the transaction.
pub struct Prepared {
    /// The encryption certificate.
    pub issued: Issued,
    /// Its escrowed key.
    pub escrow: Escrow,
    /// The key enveloped to the new signing key.
    pub envelope: Envelope,
    /// The old encryption certificate's SHA-256 (kept on the token), if any.
    pub keep: Option<String>,
    /// The project's `remove_old_encryption_after_days`: the page names the history
    /// certificates it makes due (docs/protocol.md §9 `remove`).
    pub remove: Option<HistoryRemoval>,
}

fn kmc_failed(e: kmc::KmcError) -> AppError {
    AppError::Internal(format!("the kmc: {e}"))
}

/// Generates and escrows the new encryption key (the old encryption key's algorithm,
/// else the new signing key's), has the CA certify it under the signing certificate
/// `signing` just issued, and envelopes it to `signing`'s key: the only key an
/// envelope is made to is one the CA certified in this same call.
pub async fn prepare(
    state: &AppState,
    row: &RenewalRow,
    signing: &Issued,
    policy_oids: &[String],
) -> Result<Prepared, AppError> {
    let signing_facts = certificate::parse(&signing.der)?;
    let old = row
        .enc_cert_der
        .as_deref()
        .map(certinfo::facts)
        .transpose()
        .map_err(|e| AppError::Internal(format!("the stored old encryption certificate: {e}")))?;
    let algorithm = old
        .as_ref()
        .and_then(|o| keygen::algorithm_of(&o.spki_der))
        .or_else(|| keygen::algorithm_of(&signing_facts.spki_der))
        .unwrap_or(KeyAlgorithm::EcP256);
    let generated = state
        .providers
        .kmc
        .generate(algorithm)
        .await
        .map_err(kmc_failed)?;
    let issued = state
        .ca
        .issue_encryption(&EncryptionRequest {
            spki_der: &generated.spki_der,
            signing_certificate: &signing.der,
            policy_oids,
        })
        .map_err(|e| AppError::Internal(format!("issuing the encryption certificate: {e}")))?;
    let envelope = state
        .providers
        .kmc
        .envelope(&generated.escrow, &signing_facts.spki_der)
        .await
        .map_err(|e| match e {
            kmc::KmcError::Recipient(reason) => AppError::validation(
                "csr",
                "csr.no_envelope",
                format!("the new key cannot open an envelope: {reason}"),
            ),
            other => kmc_failed(other),
        })?;
    Ok(Prepared {
        issued,
        escrow: generated.escrow,
        envelope,
        keep: old.map(|o| o.sha256),
        remove: state
            .project(&row.project)
            .and_then(|p| p.remove_old_encryption_after_days)
            .map(|after_days| HistoryRemoval {
                after_days,
                certificates: Vec::new(),
            }),
    })
}

/// Records the encryption certificate, its escrow and the KMC's audit rows
/// (`kmc.generated`, `kmc.escrowed`, `kmc.delivered`) in the caller's transaction.
pub async fn record(
    tx: &mut Tx,
    row: &RenewalRow,
    prepared: &Prepared,
    now_ms: i64,
) -> Result<(), AppError> {
    let issued = &prepared.issued;
    certificates::record_issued_as(
        tx,
        &NewCertificate {
            sha256: &issued.sha256_hex,
            serial: &issued.serial_hex,
            business_no: Some(&row.business_no),
            der: &issued.der,
            subject: &row.subject,
            not_before_s: issued.not_before.unix_timestamp(),
            not_after_s: issued.not_after.unix_timestamp(),
            issued_at: now_ms,
        },
        Purpose::Encryption,
    )
    .await?;
    let escrow = &prepared.escrow;
    kmc::store::insert(
        tx,
        escrow,
        &issued.sha256_hex,
        Some(&row.business_no),
        now_ms,
    )
    .await?;
    let key =
        json!({ "key_id": escrow.key_id, "algorithm": kmc::algorithm_name(escrow.algorithm) });
    audit::append(
        tx,
        KMC_ACTOR,
        "kmc.generated",
        &row.business_no,
        key.clone(),
    )
    .await?;
    audit::append(
        tx,
        KMC_ACTOR,
        "kmc.escrowed",
        &row.business_no,
        json!({ "key_id": escrow.key_id, "kmc": escrow.kmc, "master_key": escrow.master_key, "certificate": issued.sha256_hex, "serial": issued.serial_hex }),
    )
    .await?;
    audit::append(
        tx,
        KMC_ACTOR,
        "kmc.delivered",
        &row.business_no,
        json!({ "key_id": escrow.key_id, "to": prepared.envelope.recipient_spki_sha256, "transport": prepared.envelope.transport, "keep": prepared.keep }),
    )
    .await?;
    Ok(())
}

/// The `installed` payload of a dual renewal (and of a recovery's delivery): the
/// SHA-256 of the encryption certificate's DER, whose lowercase hex is the signed
/// text's payload line (protocol/src/tbs.rs).
pub fn installed_payload(encryption_der: &[u8]) -> PayloadSha256 {
    PayloadSha256::from_digest(&Sha256::digest(encryption_der).into())
}
