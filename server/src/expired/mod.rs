//! The expired-certificate path (the SZCA 网厅 manual, "有效期外"): a certificate that
//! expired can no longer sign an on-time application, so the applicant proves who they
//! are another way, then pays, is reviewed and installs like everyone else.
//!
//! 1. [`login`]: a 6-digit SMS code opens a session bound to the mobile number.
//! 2. [`apply`]: the certificate (serial from the inventory, or read from the token)
//!    must be ours, expired (or nearly) and not revoked; the details (organisation,
//!    credit code, legal representative, operator, invoice) must match its owner
//!    ([`owner`]).
//! 3. [`bank`]: 0.01 yuan with a code in the remark to the company's basic account.
//! 4. [`submit`]: the printable form; [`uploads`]: its signed, stamped scan and the ID
//!    photos, typed by their bytes and stored by content hash.
//! 5. [`identity`]: ID photos and liveness through a provider ([`liveness`]: where the
//!    applicant takes the liveness check).
//!
//! The bank and the identity provider are traits ([`bank_provider`],
//! [`identity_provider`]) chosen once at start-up (`crate::providers`).
//! 6. [`submit`]: the application becomes a renewal in `awaiting_payment`; from there
//!    the renewal state machine, payments and review are the on-time path's.
//! 7. [`install`]: after approval, a CSR without the old key's binding signature.
//!
//! [`hold`] decides which application holds the certificate (only one that proved
//! the company's account). [`state`] holds the application's own step table; [`store`] its rows and view;
//! [`admin`] what the reviewer sees (uploads included).

pub mod admin;
pub mod apply;
pub mod bank;
pub mod bank_provider;
pub mod hold;
pub mod identity;
pub mod identity_provider;
pub mod install;
pub mod limits;
pub mod liveness;
pub mod login;
pub mod owner;
pub mod state;
pub mod store;
pub mod submit;
pub mod uploads;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::error::AppError;
use crate::state::AppState;

/// 429 naming the rule that was hit.
pub fn rate_limited(rule: &str, message: &str) -> AppError {
    AppError::refused(
        protocol::ErrorCode::RateLimited,
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        message,
    )
    .with_details(serde_json::json!({ "rule": rule }))
}

/// [`rate_limited`] when `used` reached `max` (attempts that cost the CA or an
/// applicant's patience: SMS codes, check transfers, identity checks; each counted
/// under the write lock, so racing requests cannot pass together).
pub fn within_limit(used: i64, max: i64, rule: &str, message: &str) -> Result<(), AppError> {
    if used < max {
        Ok(())
    } else {
        Err(rate_limited(rule, message))
    }
}

/// The routes of the path and its staff views (the sandbox's bank and liveness page
/// are `crate::sandbox`'s).
pub fn routes() -> Router<AppState> {
    const APP: &str = "/api/v1/expired/applications/{business_no}";
    Router::new()
        .route("/api/v1/expired/sms-codes", post(login::send_code))
        .route("/api/v1/expired/sessions", post(login::login))
        .route("/api/v1/expired/sessions/end", post(login::logout))
        .route("/api/v1/expired/sessions/current", get(login::current))
        .route(
            "/api/v1/expired/applications",
            post(apply::start).get(apply::list),
        )
        .route(APP, get(apply::get))
        .route(&format!("{APP}/cancel"), post(apply::cancel))
        .route(&format!("{APP}/details"), post(apply::details))
        .route(&format!("{APP}/bank-account"), post(bank::send))
        .route(&format!("{APP}/bank-account/verify"), post(bank::verify))
        .route(&format!("{APP}/form"), get(submit::form))
        .route(
            &format!("{APP}/uploads"),
            // The one body larger than the API's 64 KiB: the handler counts it itself.
            post(uploads::upload).layer(DefaultBodyLimit::disable()),
        )
        .route(&format!("{APP}/liveness"), post(liveness::start))
        .route(&format!("{APP}/identity"), post(identity::check))
        .route(&format!("{APP}/submit"), post(submit::submit))
        .route(
            &format!("{APP}/renewal-session"),
            post(submit::renewal_session),
        )
        .route(&format!("{APP}/csr"), post(install::csr))
        .route("/api/v1/admin/expired", get(admin::list))
        .route("/api/v1/admin/expired/{business_no}", get(admin::detail))
        .route(
            "/api/v1/admin/expired/{business_no}/uploads/{id}",
            get(admin::download),
        )
}
