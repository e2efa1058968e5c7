//! The revocation tables' SQL: `revocations` (one row per revoked serial, its primary
//! key, so a status lookup is one index probe), `crls` (the current CRL per CA) and
//! `ocsp_responders`. Columns are read by name.

use sqlx::{Any, Executor, Row};

/// A revocation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationRow {
    /// Serial, lowercase hex without leading zero bytes.
    pub serial: String,
    /// When, unix milliseconds.
    pub revoked_at: i64,
    /// The RFC 5280 reason name (older rows may hold free text: read as unspecified).
    pub reason: String,
}

/// What the database knows about a serial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SerialStatus {
    /// Revoked.
    Revoked(RevocationRow),
    /// Issued here and not revoked.
    Good,
    /// Never issued here.
    Unknown,
}

/// A stored CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlRow {
    /// Its CRL number.
    pub number: i64,
    /// thisUpdate, unix milliseconds.
    pub this_update: i64,
    /// nextUpdate, unix milliseconds.
    pub next_update: i64,
    /// How many serials it lists.
    pub entries: i64,
    /// The CRL, DER.
    pub der: Vec<u8>,
}

/// A stored responder certificate and key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponderRow {
    /// Its serial, hex.
    pub serial: String,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// Its key, PKCS#8 DER.
    pub key_pkcs8: Vec<u8>,
    /// notAfter, unix milliseconds.
    pub not_after: i64,
}

/// Records a revocation; `false` when the serial is revoked already.
pub async fn insert(
    ex: impl Executor<'_, Database = Any>,
    serial: &str,
    at_ms: i64,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("INSERT INTO revocations (serial, revoked_at, reason) VALUES ($1, $2, $3) ON CONFLICT (serial) DO NOTHING")
        .bind(serial)
        .bind(at_ms)
        .bind(reason)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the inventory's certificate revoked; how many rows changed (0: not ours).
pub async fn mark_certificate(
    ex: impl Executor<'_, Database = Any>,
    serial: &str,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE certificates SET status = 'revoked' WHERE serial = $1")
            .bind(serial)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

/// The renewal that issued the certificate, if it is in the inventory and has one.
pub async fn business_no(
    ex: impl Executor<'_, Database = Any>,
    serial: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT business_no FROM certificates WHERE serial = $1")
        .bind(serial)
        .fetch_optional(ex)
        .await?;
    match row {
        Some(row) => row.try_get("business_no"),
        None => Ok(None),
    }
}

/// Whether a certificate with this serial is in the inventory.
pub async fn issued_here(
    ex: impl Executor<'_, Database = Any>,
    serial: &str,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT serial FROM certificates WHERE serial = $1")
            .bind(serial)
            .fetch_optional(ex)
            .await?
            .is_some(),
    )
}

/// The revocation of `serial`, if any.
pub async fn revocation(
    ex: impl Executor<'_, Database = Any>,
    serial: &str,
) -> Result<Option<RevocationRow>, sqlx::Error> {
    let row = sqlx::query("SELECT serial, revoked_at, reason FROM revocations WHERE serial = $1")
        .bind(serial)
        .fetch_optional(ex)
        .await?;
    row.map(|r| revocation_row(&r)).transpose()
}

/// Every revocation (for the CRL).
pub async fn all(ex: impl Executor<'_, Database = Any>) -> Result<Vec<RevocationRow>, sqlx::Error> {
    let rows = sqlx::query("SELECT serial, revoked_at, reason FROM revocations")
        .fetch_all(ex)
        .await?;
    rows.iter().map(revocation_row).collect()
}

/// How many serials are revoked.
pub async fn count(ex: impl Executor<'_, Database = Any>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM revocations")
        .fetch_one(ex)
        .await
}

fn revocation_row(r: &sqlx::any::AnyRow) -> Result<RevocationRow, sqlx::Error> {
    Ok(RevocationRow {
        serial: r.try_get("serial")?,
        revoked_at: r.try_get("revoked_at")?,
        reason: r.try_get("reason")?,
    })
}

/// The current CRL of `ca_id`.
pub async fn crl(
    ex: impl Executor<'_, Database = Any>,
    ca_id: &str,
) -> Result<Option<CrlRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT crl_number, this_update, next_update, entries, der FROM crls WHERE ca_id = $1",
    )
    .bind(ca_id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(CrlRow {
            number: r.try_get("crl_number")?,
            this_update: r.try_get("this_update")?,
            next_update: r.try_get("next_update")?,
            entries: r.try_get("entries")?,
            der: r.try_get("der")?,
        })
    })
    .transpose()
}

/// The current CRL number of `ca_id` (0 before the first CRL).
pub async fn crl_number(
    ex: impl Executor<'_, Database = Any>,
    ca_id: &str,
) -> Result<i64, sqlx::Error> {
    let n: Option<i64> = sqlx::query_scalar("SELECT crl_number FROM crls WHERE ca_id = $1")
        .bind(ca_id)
        .fetch_optional(ex)
        .await?;
    Ok(n.unwrap_or(0))
}

/// Stores `crl` as the current CRL of `ca_id`.
pub async fn save_crl(
    ex: impl Executor<'_, Database = Any>,
    ca_id: &str,
    crl: &CrlRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO crls (ca_id, crl_number, this_update, next_update, entries, der) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (ca_id) DO UPDATE SET crl_number = excluded.crl_number, this_update = excluded.this_update, \
         next_update = excluded.next_update, entries = excluded.entries, der = excluded.der",
    )
    .bind(ca_id)
    .bind(crl.number)
    .bind(crl.this_update)
    .bind(crl.next_update)
    .bind(crl.entries)
    .bind(&crl.der)
    .execute(ex)
    .await?;
    Ok(())
}

/// The responder certificate of `ca_id` that runs longest.
pub async fn responder(
    ex: impl Executor<'_, Database = Any>,
    ca_id: &str,
) -> Result<Option<ResponderRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT serial, cert_der, key_pkcs8, not_after FROM ocsp_responders WHERE ca_id = $1 ORDER BY not_after DESC LIMIT 1",
    )
    .bind(ca_id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(ResponderRow {
            serial: r.try_get("serial")?,
            cert_der: r.try_get("cert_der")?,
            key_pkcs8: r.try_get("key_pkcs8")?,
            not_after: r.try_get("not_after")?,
        })
    })
    .transpose()
}

/// Stores a new responder certificate.
pub async fn insert_responder(
    ex: impl Executor<'_, Database = Any>,
    ca_id: &str,
    row: &ResponderRow,
    not_before: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO ocsp_responders (serial, ca_id, cert_der, key_pkcs8, not_before, not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&row.serial)
        .bind(ca_id)
        .bind(&row.cert_der)
        .bind(&row.key_pkcs8)
        .bind(not_before)
        .bind(row.not_after)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}
