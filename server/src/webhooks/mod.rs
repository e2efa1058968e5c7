//! Callbacks to the relying platforms: when a renewal of a project that has a
//! `webhook_url` closes (completed, rejected, cancelled, expired), a JSON body is
//! queued in the transition's own transaction and POSTed by a worker, signed with the
//! project's secret, retried with backoff until the platform answers 2xx.
//!
//! # Layout
//! - [`signature`]: the `X-Certrenew-Signature` header (HMAC-SHA256 over `<t>.<body>`).
//! - [`store`]: the `webhooks` table's SQL.
//! - [`worker`]: delivery, backoff, giving up with an audit row.

pub mod signature;
pub mod store;
pub mod worker;

use serde::Serialize;

use crate::clock;
use crate::db::Tx;
use crate::renewal::certificates;
use crate::renewal::state::{Event, Status};
use crate::state::AppState;

/// The body a platform receives, field for field (docs/api.md §12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Callback {
    /// `renewal.completed`, `renewal.rejected`, `renewal.cancelled`, `renewal.expired`.
    pub event: String,
    /// 业务单号.
    pub business_no: String,
    /// The project id.
    pub project: String,
    /// The renewal's state after the event.
    pub status: String,
    /// The renewed certificate's serial (hex), when one was installed.
    pub certificate_serial: Option<String>,
    /// Its notAfter, RFC 3339.
    pub not_after: Option<String>,
    /// When the renewal closed, RFC 3339.
    pub at: String,
}

/// Queues the callback for a renewal that has just closed with `event`, inside the
/// transition's transaction, when its project has a webhook. The unique
/// `(business_no, event)` pair means one callback per closing.
pub async fn enqueue_closed(
    state: &AppState,
    tx: &mut Tx,
    business_no: &str,
    project: &str,
    event: Event,
    to: Status,
    at_ms: i64,
) -> Result<bool, sqlx::Error> {
    let configured = state
        .project(project)
        .is_some_and(|p| p.webhook_url.is_some());
    if !configured {
        return Ok(false);
    }
    // Only a completed renewal has an installed (confirmed) certificate to name.
    let (certificate_serial, not_after) = match certificates::confirmed_for(tx, business_no).await?
    {
        Some((serial, not_after_s)) => (Some(serial), Some(clock::rfc3339_s(not_after_s))),
        None => (None, None),
    };
    let callback = Callback {
        event: event.action().to_owned(),
        business_no: business_no.to_owned(),
        project: project.to_owned(),
        status: to.as_str().to_owned(),
        certificate_serial,
        not_after,
        at: clock::rfc3339(at_ms),
    };
    let body = serde_json::to_string(&callback).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    store::enqueue(tx, project, business_no, &callback.event, &body, at_ms).await?;
    Ok(true)
}
