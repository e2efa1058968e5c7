//! Customers' key-compromise reports (issue 15): a signed-in customer says the key of
//! their certificate is compromised; the report waits in the staff's queue (the
//! `compromise_reports` table) until a reviewer revokes the certificate with reason
//! keyCompromise or dismisses the report. Revoking is a reviewer's decision, not the
//! customer's: a stolen session must not be able to revoke on its own. Every step is
//! audited. Columns are read by name.

use serde::Serialize;
use serde_json::json;
use sqlx::{Any, Executor, Row};
use utoipa::ToSchema;

use super::RevocationError;
use super::revoke::{publish, revoke_in};
use crate::audit;
use crate::ca::Reason;
use crate::clock;
use crate::db::{Store, Tx};
use crate::state::AppState;

/// The longest note a customer may add, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;
/// The most open reports the queue lists at once.
pub const QUEUE_LIMIT: i64 = 200;

/// A report as the staff's queue shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Report {
    /// The report's id.
    pub id: String,
    /// The certificate's serial, hex.
    pub serial: String,
    /// The certificate's SHA-256.
    pub cert_sha256: String,
    /// The certificate's subject, as text.
    pub subject: String,
    /// The customer's words.
    pub note: String,
    /// When, RFC 3339.
    pub reported_at: String,
    /// `open`, `revoked` or `dismissed`.
    pub status: String,
}

/// Why a report or its resolution was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The note is too long or has control characters.
    #[error("the note must be at most {MAX_NOTE_CHARS} characters, without control characters")]
    BadNote,
    /// The certificate is revoked already: nothing to report.
    #[error("the certificate is revoked already")]
    AlreadyRevoked,
    /// An earlier report of this certificate is still open.
    #[error("this certificate's key compromise is reported already and waits for review")]
    AlreadyOpen,
    /// No open report with that id.
    #[error("no open report {0}")]
    NoOpenReport(String),
    /// The certificate cannot be read.
    #[error("the certificate cannot be read: {0}")]
    Unreadable(String),
    /// Revoking failed.
    #[error("{0}")]
    Revocation(#[from] RevocationError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Files a report for the session's certificate (`cert_der`); audited as
/// `certificate.compromise_reported` by `user:<sha256>`. Returns the report.
pub async fn file(
    db: &Store,
    cert_sha256: &str,
    cert_der: &[u8],
    note: &str,
) -> Result<Report, ReportError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS || note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ReportError::BadNote);
    }
    let facts = certinfo::facts(cert_der).map_err(|e| ReportError::Unreadable(e.to_string()))?;
    let serial = crate::identity::certificate::normalize_serial(&facts.serial_hex)
        .ok_or_else(|| ReportError::Unreadable("its serial is not hex".into()))?;
    let now = clock::now_ms();
    let mut tx = db.begin_write().await?;
    if super::store::revocation(&mut *tx, &serial).await?.is_some() {
        return Err(ReportError::AlreadyRevoked);
    }
    if open_for_serial(&mut *tx, &serial).await? {
        return Err(ReportError::AlreadyOpen);
    }
    let report = Report {
        id: crate::random::hex(12),
        serial,
        cert_sha256: cert_sha256.to_owned(),
        subject: facts.subject.clone(),
        note: note.to_owned(),
        reported_at: clock::rfc3339(now),
        status: "open".into(),
    };
    sqlx::query("INSERT INTO compromise_reports (id, serial, cert_sha256, subject, note, reported_at, status) VALUES ($1, $2, $3, $4, $5, $6, 'open')")
        .bind(&report.id)
        .bind(&report.serial)
        .bind(&report.cert_sha256)
        .bind(&report.subject)
        .bind(&report.note)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &format!("user:{cert_sha256}"),
        "certificate.compromise_reported",
        &report.serial,
        json!({ "report": report.id, "serial": report.serial, "note_chars": report.note.chars().count() }),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// The open reports, oldest first.
pub async fn open(ex: impl Executor<'_, Database = Any>) -> Result<Vec<Report>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, serial, cert_sha256, subject, note, reported_at, status FROM compromise_reports WHERE status = 'open' ORDER BY reported_at, id LIMIT $1")
        .bind(QUEUE_LIMIT)
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Report {
                id: r.try_get("id")?,
                serial: r.try_get("serial")?,
                cert_sha256: r.try_get("cert_sha256")?,
                subject: r.try_get("subject")?,
                note: r.try_get("note")?,
                reported_at: clock::rfc3339(r.try_get("reported_at")?),
                status: r.try_get("status")?,
            })
        })
        .collect()
}

async fn open_for_serial(
    ex: impl Executor<'_, Database = Any>,
    serial: &str,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT id FROM compromise_reports WHERE serial = $1 AND status = 'open'")
            .bind(serial)
            .fetch_optional(ex)
            .await?
            .is_some(),
    )
}

/// Closes the open report `id` as `status`; its serial, or `None` if no report with
/// that id is open.
async fn close(
    tx: &mut Tx,
    id: &str,
    status: &str,
    by: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row =
        sqlx::query("SELECT serial FROM compromise_reports WHERE id = $1 AND status = 'open'")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(row) = row else { return Ok(None) };
    sqlx::query("UPDATE compromise_reports SET status = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4 AND status = 'open'")
        .bind(status)
        .bind(by)
        .bind(clock::now_ms())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(Some(row.try_get("serial")?))
}

/// A reviewer revokes the reported certificate with reason keyCompromise, and the
/// report is closed, in one transaction; then the CRL is signed again. A certificate
/// revoked meanwhile (another reason) closes the report without a second revocation.
pub async fn revoke(state: &AppState, id: &str, actor: &str) -> Result<String, ReportError> {
    let mut tx = state.store.begin_write().await?;
    let serial = close(&mut tx, id, "revoked", actor)
        .await?
        .ok_or_else(|| ReportError::NoOpenReport(id.to_owned()))?;
    let revoked = match revoke_in(
        &mut tx,
        &serial,
        Reason::KeyCompromise,
        actor,
        false,
        json!({ "report": id }),
    )
    .await
    {
        Ok(_) => true,
        Err(RevocationError::AlreadyRevoked(_)) => false,
        Err(e) => return Err(e.into()),
    };
    if !revoked {
        audit::append(
            &mut tx,
            actor,
            "compromise_report.closed",
            &serial,
            json!({ "report": id, "why": "revoked already" }),
        )
        .await?;
    }
    tx.commit().await?;
    if revoked {
        publish(&state.store, &state.ca, &serial).await;
    }
    Ok(serial)
}

/// A reviewer dismisses the report (the key is not compromised, say after a call);
/// audited as `compromise_report.dismissed`.
pub async fn dismiss(db: &Store, id: &str, actor: &str) -> Result<String, ReportError> {
    let mut tx = db.begin_write().await?;
    let serial = close(&mut tx, id, "dismissed", actor)
        .await?
        .ok_or_else(|| ReportError::NoOpenReport(id.to_owned()))?;
    audit::append(
        &mut tx,
        actor,
        "compromise_report.dismissed",
        &serial,
        json!({ "report": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(serial)
}
