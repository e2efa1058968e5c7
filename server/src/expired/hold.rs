//! Which application holds an expired certificate.
//!
//! Anyone who can receive an SMS can start an application for any expired serial (the
//! serials are not secret), so starting one proves nothing about the company and must
//! not lock the certificate. An application holds it (`open_cert`) only from the moment
//! it proves the company's basic bank account (the verification transfer's code came
//! back): that is what a CA accepts as the company acting. Until then any number of
//! applicants may work on their own applications side by side; the first to prove
//! the account takes the certificate, and the other unproven applications are closed
//! (audited as `system:superseded`). A proven application that nobody touches for
//! [`PROVEN_IDLE_MS`] no longer blocks the next proven applicant.

use serde_json::json;
use sqlx::Row;

use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::expired::state::{AppEvent, AppStatus};
use crate::expired::store;

/// A proven application untouched this long stops holding its certificate.
pub const PROVEN_IDLE_MS: i64 = 30 * 24 * 3600 * 1000;

/// The application that holds certificate `cert_sha256`, if any: its number, mobile
/// and last activity.
async fn holder(tx: &mut Tx, cert_sha256: &str) -> AppResult<Option<(String, String, i64)>> {
    let row = sqlx::query(
        "SELECT business_no, mobile, updated_at FROM expired_applications WHERE open_cert = $1",
    )
    .bind(cert_sha256)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Some((
            r.try_get("business_no")?,
            r.try_get("mobile")?,
            r.try_get("updated_at")?,
        )),
        None => None,
    })
}

fn held() -> AppError {
    AppError::refused(
        protocol::ErrorCode::RenewalOpen,
        axum::http::StatusCode::CONFLICT,
        "another applicant has already verified the company's bank account for this certificate; its application is under way",
    )
    .with_details(json!({ "rule": "certificate.held" }))
}

/// Refuses when another mobile's proven application holds the certificate and is in
/// use; closes it when it has been idle past [`PROVEN_IDLE_MS`]. `mobile`'s own
/// holding application is left alone.
pub async fn check_free(tx: &mut Tx, cert_sha256: &str, mobile: &str, now: i64) -> AppResult<()> {
    let Some((no, owner, updated_at)) = holder(tx, cert_sha256).await? else {
        return Ok(());
    };
    if owner == mobile {
        return Ok(());
    }
    if now - updated_at < PROVEN_IDLE_MS {
        return Err(held());
    }
    store::step(
        tx,
        &no,
        AppEvent::Cancel,
        "system:abandoned",
        json!({ "reason": "untouched for 30 days; another applicant proved the company's account" }),
    )
    .await?;
    Ok(())
}

/// Application `business_no` of `mobile` proved the company's account: it takes the
/// certificate, and every other open application for it is closed.
pub async fn claim(
    tx: &mut Tx,
    business_no: &str,
    cert_sha256: &str,
    mobile: &str,
    now: i64,
) -> AppResult<()> {
    check_free(tx, cert_sha256, mobile, now).await?;
    if let Some((no, _, _)) = holder(tx, cert_sha256).await?
        && no != business_no
    {
        // This mobile's other application already holds it.
        return Err(held());
    }
    sqlx::query("UPDATE expired_applications SET open_cert = $1 WHERE business_no = $2")
        .bind(cert_sha256)
        .bind(business_no)
        .execute(&mut **tx)
        .await?;
    let others: Vec<(String, String)> = sqlx::query(
        "SELECT business_no, status FROM expired_applications WHERE cert_sha256 = $1 AND business_no <> $2",
    )
    .bind(cert_sha256)
    .bind(business_no)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| Ok((r.try_get("business_no")?, r.try_get("status")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    for (no, status) in others {
        if AppStatus::parse(&status).is_some_and(AppStatus::is_open) {
            store::step(
                tx,
                &no,
                AppEvent::Cancel,
                "system:superseded",
                json!({ "reason": "another applicant verified the company's bank account", "by": business_no }),
            )
            .await?;
        }
    }
    Ok(())
}
