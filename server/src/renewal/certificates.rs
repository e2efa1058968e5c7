//! Reads of the issued-certificate inventory (`certificates`) and of the certificates
//! renewals were applied with, for renewal information, reminders and callbacks.
//! (The CA writes the inventory when it issues.) Columns are read by name.

use sqlx::{AnyPool, Row};

use crate::db::Tx;

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
        let status: String = row.try_get("status")?;
        return Ok(Some(Known {
            der: row.try_get("der")?,
            project: row.try_get("project")?,
            revoked: status == "revoked",
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
        "SELECT serial, not_after FROM certificates WHERE business_no = $1 AND status = 'confirmed' ORDER BY issued_at DESC LIMIT 1",
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

/// The current certificates (`issued` or `confirmed`, not revoked, not renewed by a
/// completed renewal) whose notAfter is in `(after_s, until_s]`, soonest first.
pub async fn expiring(
    pool: &AnyPool,
    after_s: i64,
    until_s: i64,
) -> Result<Vec<Expiring>, sqlx::Error> {
    sqlx::query_as::<_, Expiring>(
        "SELECT c.sha256 AS sha256, c.serial AS serial, c.not_after AS not_after, c.business_no AS business_no, \
         r.operator_email AS operator_email, r.operator_mobile AS operator_mobile, r.lang AS lang, c.subject AS subject \
         FROM certificates c LEFT JOIN renewals r ON r.business_no = c.business_no \
         WHERE c.status IN ('issued', 'confirmed') AND c.not_after > $1 AND c.not_after <= $2 \
         AND NOT EXISTS (SELECT 1 FROM revocations v WHERE v.serial = c.serial) \
         AND NOT EXISTS (SELECT 1 FROM renewals n WHERE n.cert_sha256 = c.sha256 AND n.status = 'completed') \
         ORDER BY c.not_after, c.sha256",
    )
    .bind(after_s)
    .bind(until_s)
    .fetch_all(pool)
    .await
}
