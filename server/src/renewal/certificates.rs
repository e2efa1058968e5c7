//! The issued-certificate inventory (`certificates`): what issuing records, supersedes
//! and confirms, and the reads for ownership, the expired path's lookup by serial,
//! renewal information, reminders and callbacks. Columns are read by name.

use protocol::certificate::CertificateStatus;
use sqlx::{AnyPool, Row};

use crate::db::{Tx, wire_column};

/// A certificate known by its serial: its DER and the project whose rules apply.
#[derive(Debug, Clone)]
pub struct Known {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The project of the renewal that issued it or was applied with it, if any.
    pub project: Option<String>,
    /// Whether the inventory marks it revoked.
    pub revoked: bool,
}

/// The certificate with serial `serial` (hex): one we issued, else one a renewal was
/// applied with (issued before certrenew).
pub async fn by_serial(pool: &AnyPool, serial: &str) -> Result<Option<Known>, sqlx::Error> {
    let issued = sqlx::query("SELECT c.der AS der, c.status AS status, r.project AS project FROM certificates c LEFT JOIN renewals r ON r.business_no = c.business_no WHERE c.serial = $1")
        .bind(serial)
        .fetch_optional(pool)
        .await?;
    if let Some(row) = issued {
        let status = wire_column(&row, "status", CertificateStatus::parse)?;
        return Ok(Some(Known {
            der: row.try_get("der")?,
            project: row.try_get("project")?,
            revoked: status == CertificateStatus::Revoked,
        }));
    }
    let applied = sqlx::query("SELECT cert_der, project FROM renewals WHERE cert_serial = $1 ORDER BY created_at DESC LIMIT 1")
        .bind(serial)
        .fetch_optional(pool)
        .await?;
    applied
        .map(|row| {
            Ok(Known {
                der: row.try_get("cert_der")?,
                project: row.try_get("project")?,
                revoked: false,
            })
        })
        .transpose()
}

/// The serial and notAfter (unix seconds) of the certificate a renewal installed
/// (`confirmed`), if any.
pub async fn confirmed_for(
    tx: &mut Tx,
    business_no: &str,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT serial, not_after FROM certificates WHERE business_no = $1 AND status = 'confirmed' AND purpose = 'signing' ORDER BY issued_at DESC LIMIT 1",
    )
    .bind(business_no)
    .fetch_optional(&mut **tx)
    .await?
    .map(|row| Ok((row.try_get("serial")?, row.try_get("not_after")?)))
    .transpose()
}

/// A current certificate that expires soon, with the contact of the renewal that
/// produced it (when one did). Columns read by name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Expiring {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Serial, hex.
    pub serial: String,
    /// notAfter, unix seconds.
    #[sqlx(rename = "not_after")]
    pub not_after_s: i64,
    /// The subject.
    pub subject: String,
    /// The renewal that produced it.
    pub business_no: Option<String>,
    /// Its operator's e-mail.
    pub operator_email: Option<String>,
    /// Its operator's mobile.
    pub operator_mobile: Option<String>,
    /// Its language.
    pub lang: Option<String>,
}

/// The current signing certificates (`issued` or `confirmed`, not revoked, not renewed
/// by a completed renewal; a pair is reminded of once, by its signing certificate) whose notAfter is in `(after_s, until_s]`, soonest first.
pub async fn expiring(
    pool: &AnyPool,
    after_s: i64,
    until_s: i64,
) -> Result<Vec<Expiring>, sqlx::Error> {
    sqlx::query_as::<_, Expiring>(
        "SELECT c.sha256 AS sha256, c.serial AS serial, c.not_after AS not_after, c.business_no AS business_no, \
         r.operator_email AS operator_email, r.operator_mobile AS operator_mobile, r.lang AS lang, c.subject AS subject \
         FROM certificates c LEFT JOIN renewals r ON r.business_no = c.business_no \
         WHERE c.status IN ('issued', 'confirmed') AND c.purpose = 'signing' AND c.not_after > $1 AND c.not_after <= $2 \
         AND NOT EXISTS (SELECT 1 FROM revocations v WHERE v.serial = c.serial) \
         AND NOT EXISTS (SELECT 1 FROM renewals n WHERE n.cert_sha256 = c.sha256 AND n.status = 'completed') \
         ORDER BY c.not_after, c.sha256",
    )
    .bind(after_s)
    .bind(until_s)
    .fetch_all(pool)
    .await
}

/// A certificate the CA just issued, for the inventory.
#[derive(Debug, Clone, Copy)]
pub struct NewCertificate<'a> {
    /// SHA-256 of the DER, hex.
    pub sha256: &'a str,
    /// Serial, hex.
    pub serial: &'a str,
    /// The renewal it was issued for; `None` for one issued from the command line.
    pub business_no: Option<&'a str>,
    /// The certificate, DER.
    pub der: &'a [u8],
    /// The subject.
    pub subject: &'a str,
    /// notBefore, unix seconds.
    pub not_before_s: i64,
    /// notAfter, unix seconds.
    pub not_after_s: i64,
    /// When, ms since the epoch.
    pub issued_at: i64,
}

/// What an issued certificate is for (`certificates.purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Its key was made on the token: it signs (the only kind of a single renewal).
    Signing,
    /// Its key was made and escrowed by the KMC: it encrypts (a dual pair's second).
    Encryption,
}

impl Purpose {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signing => "signing",
            Self::Encryption => "encryption",
        }
    }

    /// The stored name's purpose.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Signing, Self::Encryption]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

/// Records a newly issued signing certificate (`issued`).
pub async fn record_issued(tx: &mut Tx, cert: &NewCertificate<'_>) -> Result<(), sqlx::Error> {
    record_issued_as(tx, cert, Purpose::Signing).await
}

/// Records a newly issued certificate of `purpose` (`issued`).
pub async fn record_issued_as(
    tx: &mut Tx,
    cert: &NewCertificate<'_>,
    purpose: Purpose,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO certificates (sha256, serial, business_no, der, subject, not_before, not_after, status, issued_at, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7, 'issued', $8, $9)")
        .bind(cert.sha256)
        .bind(cert.serial)
        .bind(cert.business_no)
        .bind(cert.der)
        .bind(cert.subject)
        .bind(cert.not_before_s)
        .bind(cert.not_after_s)
        .bind(cert.issued_at)
        .bind(purpose.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks the renewal's issued, not yet installed certificates `superseded` (a
/// reissue); returns how many.
pub async fn supersede_issued(tx: &mut Tx, business_no: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE certificates SET status = 'superseded' WHERE business_no = $1 AND status = 'issued'",
    )
    .bind(business_no)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The renewal's latest `issued` signing certificate: its SHA-256 and DER.
pub async fn latest_issued(
    pool: &AnyPool,
    business_no: &str,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    latest_issued_as(pool, business_no, Purpose::Signing).await
}

/// The renewal's latest `issued` certificate of `purpose`: its SHA-256 and DER.
pub async fn latest_issued_as(
    pool: &AnyPool,
    business_no: &str,
    purpose: Purpose,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    sqlx::query(
        "SELECT sha256, der FROM certificates WHERE business_no = $1 AND status = 'issued' AND purpose = $2 ORDER BY issued_at DESC LIMIT 1",
    )
    .bind(business_no)
    .bind(purpose.as_str())
    .fetch_optional(pool)
    .await?
    .map(|row| Ok((row.try_get("sha256")?, row.try_get("der")?)))
    .transpose()
}

/// Marks the certificate installed on the token (`confirmed`).
pub async fn confirm(tx: &mut Tx, sha256: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE certificates SET status = 'confirmed' WHERE sha256 = $1")
        .bind(sha256)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether the certificate `sha256` was issued for renewal `business_no`.
pub async fn issued_for(
    pool: &AnyPool,
    business_no: &str,
    sha256: &str,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT 1 AS found FROM certificates WHERE business_no = $1 AND sha256 = $2")
            .bind(business_no)
            .bind(sha256)
            .fetch_optional(pool)
            .await?
            .is_some(),
    )
}

/// The DER of the certificate we issued with serial `serial` (hex, normalised).
pub async fn der_by_serial(pool: &AnyPool, serial: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query("SELECT der FROM certificates WHERE serial = $1")
        .bind(serial)
        .fetch_optional(pool)
        .await?
        .map(|row| row.try_get("der"))
        .transpose()
}

/// A certificate of the inventory by its SHA-256.
#[derive(Debug, Clone)]
pub struct InInventory {
    /// DER.
    pub der: Vec<u8>,
    /// What it is for.
    pub purpose: Purpose,
    /// Where it is.
    pub status: CertificateStatus,
}

/// The certificate we issued with SHA-256 `sha256`, if any.
pub async fn by_sha256(pool: &AnyPool, sha256: &str) -> Result<Option<InInventory>, sqlx::Error> {
    sqlx::query("SELECT der, purpose, status FROM certificates WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(pool)
        .await?
        .map(|row| {
            Ok(InInventory {
                der: row.try_get("der")?,
                purpose: wire_column(&row, "purpose", Purpose::parse)?,
                status: wire_column(&row, "status", CertificateStatus::parse)?,
            })
        })
        .transpose()
}
