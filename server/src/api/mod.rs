//! The HTTP API (`/api/v1`, docs/api.md) and its OpenAPI document.
//!
//! # Layout
//! - [`extract`]: JSON bodies and base64 fields in the API's error shape.
//! - [`public`]: projects, the CA chain, eligibility, challenges.
//! - [`sessions`]: signing in with the certificate.
//! - [`renewals`]: apply, progress, cancel, rekey, confirm.
//! - [`recoveries`]: key recovery, the customer's half (envelope, delivery).
//! - [`renewal_info`]: when to renew a certificate (ACME Renewal Information).

pub mod downloads;
pub mod extension;
pub mod extract;
pub mod public;
pub mod recoveries;
pub mod renewal_info;
pub mod renewals;
pub mod sessions;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use utoipa::OpenApi;

use crate::admin::{auth, console};
use crate::payments;
use crate::state::AppState;

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "certrenew",
        description = "The CA's renewal API: certificates on USB tokens renewed from the browser."
    ),
    paths(
        public::projects,
        public::project,
        public::ca_chain,
        downloads::downloads,
        public::eligibility,
        public::challenge,
        renewal_info::renewal_info,
        sessions::create,
        sessions::end,
        renewals::apply,
        renewals::get,
        renewals::cancel,
        renewals::csr,
        renewals::installed,
        payments::http::start,
        auth::login,
        auth::logout,
        auth::me,
        auth::session,
        console::queue,
        console::detail,
        console::approve,
        console::reject,
        console::reconcile,
        console::refund_done,
        console::invoice_issued,
        console::audit_log,
        console::audit_verify,
        crate::reconcile::http::differences,
        crate::reconcile::http::resolve,
        crate::reconcile::http::runs,
        crate::reconcile::http::run,
        crate::admin::recovery::request,
        crate::admin::recovery::approve,
        crate::admin::recovery::list,
        recoveries::list,
        recoveries::envelope,
        recoveries::delivered,
        crate::expired::login::send_code,
        crate::expired::login::login,
        crate::expired::login::logout,
        crate::expired::login::current,
        crate::expired::apply::start,
        crate::expired::apply::list,
        crate::expired::apply::get,
        crate::expired::apply::cancel,
        crate::expired::apply::details,
        crate::expired::bank::send,
        crate::expired::bank::verify,
        crate::expired::submit::form,
        crate::expired::uploads::upload,
        crate::expired::liveness::start,
        crate::expired::identity::check,
        crate::expired::submit::submit,
        crate::expired::submit::renewal_session,
        crate::expired::install::csr,
        crate::expired::admin::list,
        crate::expired::admin::detail,
        crate::expired::admin::download,
    )
)]
pub struct ApiDoc;

/// The largest JSON body the API takes.
pub const MAX_BODY: usize = 64 * 1024;

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/openapi.json",
            get(|| async { axum::Json(ApiDoc::openapi()) }),
        )
        .route("/api/v1/projects", get(public::projects))
        .route("/api/v1/projects/{id}", get(public::project))
        .route("/api/v1/ca", get(public::ca_chain))
        .route("/api/v1/downloads", get(downloads::downloads))
        .route("/api/v1/eligibility", post(public::eligibility))
        .route("/api/v1/challenges", post(public::challenge))
        .route(
            "/api/v1/renewal-info/{cert_id}",
            get(renewal_info::renewal_info),
        )
        .route("/api/v1/sessions", post(sessions::create))
        .route("/api/v1/sessions/end", post(sessions::end))
        .route("/api/v1/renewals", post(renewals::apply))
        .route("/api/v1/renewals/{business_no}", get(renewals::get))
        .route(
            "/api/v1/renewals/{business_no}/cancel",
            post(renewals::cancel),
        )
        .route(
            "/api/v1/renewals/{business_no}/payments",
            post(payments::http::start),
        )
        .route("/api/v1/renewals/{business_no}/csr", post(renewals::csr))
        .route(
            "/api/v1/renewals/{business_no}/installed",
            post(renewals::installed),
        )
        .route(
            "/api/v1/payments/notify/{provider}",
            post(payments::http::notify),
        )
        // UnionPay: the page posting the signed form, and the browser's front notice.
        .route(
            payments::unionpay::PAY_PATH,
            get(payments::unionpay::front::pay),
        )
        .route(
            payments::unionpay::RETURN_PATH,
            post(payments::unionpay::front::returned),
        )
        // WeChat Pay's notices are signed JSON, not forms.
        .route(
            "/api/v1/payments/notify/wechatpay",
            post(payments::notice::wechatpay),
        )
        .route("/api/v1/admin/login", post(auth::login))
        .route("/api/v1/admin/logout", post(auth::logout))
        .route("/api/v1/admin/me", get(auth::me))
        .route("/api/v1/admin/session", get(auth::session))
        .route("/api/v1/admin/renewals", get(console::queue))
        .route("/api/v1/admin/renewals/{business_no}", get(console::detail))
        .route(
            "/api/v1/admin/renewals/{business_no}/approve",
            post(console::approve),
        )
        .route(
            "/api/v1/admin/renewals/{business_no}/reject",
            post(console::reject),
        )
        .route(
            "/api/v1/admin/renewals/{business_no}/invoice",
            post(console::invoice_issued),
        )
        .route(
            "/api/v1/admin/payments/{out_trade_no}/reconcile",
            post(console::reconcile),
        )
        .route(
            "/api/v1/admin/refunds/{refund_no}/done",
            post(console::refund_done),
        )
        .route("/api/v1/admin/audit", get(console::audit_log))
        .route("/api/v1/admin/audit/verify", get(console::audit_verify))
        .route(
            "/api/v1/admin/recoveries",
            get(crate::admin::recovery::list).post(crate::admin::recovery::request),
        )
        .route(
            "/api/v1/admin/recoveries/{id}/approve",
            post(crate::admin::recovery::approve),
        )
        .route("/api/v1/recoveries", get(recoveries::list))
        .route(
            "/api/v1/recoveries/{id}/envelope",
            post(recoveries::envelope),
        )
        .route(
            "/api/v1/recoveries/{id}/delivered",
            post(recoveries::delivered),
        )
        .merge(extension::routes())
        .merge(crate::expired::routes())
        // Any other /api path is a JSON 404, never the web app's index page.
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async {
                crate::error::AppError::not_found("no such API endpoint")
            }),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
}
