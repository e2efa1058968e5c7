//! The escrow rows (`kmc_keys`): one per encryption key the KMC made, with the
//! certificate that certifies it. Columns are read by name.

use sqlx::{AnyPool, Row};

use super::{Escrow, parse_algorithm};
use crate::db::Tx;

/// Records an escrowed key and the certificate issued for it.
pub async fn insert(
    tx: &mut Tx,
    escrow: &Escrow,
    cert_sha256: &str,
    business_no: Option<&str>,
    at_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO kmc_keys (key_id, cert_sha256, business_no, algorithm, kmc, master_key, sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&escrow.key_id)
        .bind(cert_sha256)
        .bind(business_no)
        .bind(super::algorithm_name(escrow.algorithm))
        .bind(&escrow.kmc)
        .bind(&escrow.master_key)
        .bind(&escrow.sealed)
        .bind(at_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An escrowed key with its certificate.
#[derive(Debug, Clone)]
pub struct Escrowed {
    /// The key.
    pub escrow: Escrow,
    /// The encryption certificate's SHA-256.
    pub cert_sha256: String,
    /// Its DER.
    pub cert_der: Vec<u8>,
    /// Its status (`issued`, `confirmed`, `superseded`, `revoked`).
    pub cert_status: String,
    /// The renewal it was made for.
    pub business_no: Option<String>,
    /// The certificate's subject.
    pub subject: String,
}

const SELECT: &str = "SELECT k.key_id AS key_id, k.algorithm AS algorithm, k.kmc AS kmc, k.master_key AS master_key, k.sealed AS sealed, k.cert_sha256 AS cert_sha256, k.business_no AS business_no, c.der AS der, c.status AS status, c.subject AS subject FROM kmc_keys k JOIN certificates c ON c.sha256 = k.cert_sha256";

fn to_escrowed(row: &sqlx::any::AnyRow) -> Result<Escrowed, sqlx::Error> {
    let algorithm = crate::db::wire_column(row, "algorithm", parse_algorithm)?;
    Ok(Escrowed {
        escrow: Escrow {
            key_id: row.try_get("key_id")?,
            algorithm,
            kmc: row.try_get("kmc")?,
            master_key: row.try_get("master_key")?,
            sealed: row.try_get("sealed")?,
        },
        cert_sha256: row.try_get("cert_sha256")?,
        cert_der: row.try_get("der")?,
        cert_status: row.try_get("status")?,
        business_no: row.try_get("business_no")?,
        subject: row.try_get("subject")?,
    })
}

/// The key certified by the encryption certificate `cert_sha256`.
pub async fn by_certificate<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    cert_sha256: &str,
) -> Result<Option<Escrowed>, sqlx::Error> {
    let query = format!("{SELECT} WHERE k.cert_sha256 = $1");
    sqlx::query(&query)
        .bind(cert_sha256)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(to_escrowed)
        .transpose()
}

/// The key `key_id`.
pub async fn by_key_id(pool: &AnyPool, key_id: &str) -> Result<Option<Escrowed>, sqlx::Error> {
    let query = format!("{SELECT} WHERE k.key_id = $1");
    sqlx::query(&query)
        .bind(key_id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(to_escrowed)
        .transpose()
}

/// The escrowed key of a renewal's current encryption certificate (the newest not
/// superseded one).
pub async fn for_renewal(
    pool: &AnyPool,
    business_no: &str,
) -> Result<Option<Escrowed>, sqlx::Error> {
    let query = format!(
        "{SELECT} WHERE k.business_no = $1 AND c.status <> 'superseded' ORDER BY k.created_at DESC LIMIT 1"
    );
    sqlx::query(&query)
        .bind(business_no)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(to_escrowed)
        .transpose()
}

/// The sealed bytes of a key, by its id (for the tests' look at what is stored).
pub async fn sealed(pool: &AnyPool, key_id: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query("SELECT sealed FROM kmc_keys WHERE key_id = $1")
        .bind(key_id)
        .fetch_optional(pool)
        .await?
        .map(|row| row.try_get("sealed"))
        .transpose()
}
