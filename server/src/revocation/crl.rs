//! The CA's full CRL: signed again after every revocation and by the worker before it
//! runs out, stored so that every server serves the same one, numbered one above the
//! previous one.

use time::OffsetDateTime;

use super::store::{self, CrlRow};
use super::{CRL_RESIGN_BEFORE, CRL_VALIDITY, RevocationError};
use crate::ca::{Ca, Reason, RevokedEntry};
use crate::clock;
use crate::db::Store;

/// Signs and stores the next CRL of `ca` (listing every revocation) and returns it.
/// The number is read and written in one writing transaction, so two servers never
/// publish the same number twice.
pub async fn regenerate(db: &Store, ca: &Ca) -> Result<CrlRow, RevocationError> {
    let ca_id = ca.id();
    let mut tx = db.begin_write().await?;
    let number = store::crl_number(&mut *tx, &ca_id).await? + 1;
    let rows = store::all(&mut *tx).await?;
    let now = OffsetDateTime::now_utc();
    let next = now + CRL_VALIDITY;
    // Counted as stored, so the worker can tell a revocation the CRL misses.
    let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let entries = entries(&rows);
    let unsigned = u64::try_from(number).map_err(|_| {
        RevocationError::Stored(format!("the stored crl number {number} is negative"))
    })?;
    // Signing a large list takes a while (bench/README.md): keep the runtime's other
    // tasks running meanwhile.
    let der = tokio::task::block_in_place(|| ca.sign_crl(unsigned, now, next, &entries))?;
    let row = CrlRow {
        number,
        this_update: clock::to_ms(now.replace_nanosecond(0).unwrap_or(now)),
        next_update: clock::to_ms(next.replace_nanosecond(0).unwrap_or(next)),
        entries: count,
        der,
    };
    store::save_crl(&mut *tx, &ca_id, &row).await?;
    tx.commit().await?;
    tracing::info!(ca = %ca_id, number, entries = count, "crl signed");
    Ok(row)
}

/// The CRL to serve: the stored one, or a new one when there is none or it has run out.
pub async fn current(db: &Store, ca: &Ca) -> Result<CrlRow, RevocationError> {
    match store::crl(db.pool(), &ca.id()).await? {
        Some(row) if row.next_update > clock::now_ms() => Ok(row),
        _ => regenerate(db, ca).await,
    }
}

/// Whether `row` should be signed again at `now_ms` (less than
/// [`CRL_RESIGN_BEFORE`] left, so relying parties never hold an expired CRL).
pub fn due(row: Option<&CrlRow>, now_ms: i64) -> bool {
    row.is_none_or(|row| row.next_update - now_ms < CRL_RESIGN_BEFORE.whole_milliseconds() as i64)
}

/// The CRL entries of the stored revocations; a serial that is not hex (never written
/// by this server) is left out with a warning.
pub fn entries(rows: &[store::RevocationRow]) -> Vec<RevokedEntry> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(serial) = hex::decode(&row.serial).ok().filter(|s| !s.is_empty()) else {
            tracing::warn!(serial = %row.serial, "a revoked serial is not hex: left off the crl");
            continue;
        };
        out.push(RevokedEntry {
            serial,
            revoked_at: clock::from_ms(row.revoked_at),
            reason: Reason::parse(&row.reason).unwrap_or(Reason::Unspecified),
        });
    }
    out
}
