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

use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::expired::state::{AppEvent, ApplicationStatus};
use crate::expired::store;

/// A proven application untouched this long stops holding its certificate.
pub const PROVEN_IDLE_MS: i64 = 30 * 24 * 3600 * 1000;

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
    let Some(holder) = store::holder(tx, cert_sha256).await? else {
        return Ok(());
    };
    if holder.mobile == mobile {
        return Ok(());
    }
    if now - holder.updated_at < PROVEN_IDLE_MS {
        return Err(held());
    }
    store::step(
        tx,
        &holder.business_no,
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
    if let Some(holder) = store::holder(tx, cert_sha256).await?
        && holder.business_no != business_no
    {
        // This mobile's other application already holds it.
        return Err(held());
    }
    store::hold(tx, business_no, cert_sha256).await?;
    let others = store::others_for(tx, cert_sha256, business_no).await?;
    for (no, status) in others {
        if ApplicationStatus::parse(&status).is_some_and(ApplicationStatus::is_open) {
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
