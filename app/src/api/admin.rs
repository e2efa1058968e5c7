//! The staff console's endpoints (docs/api.md §9, §13.4). Calls that change state send
//! the session's CSRF token.

use serde_json::{Value, json};

use super::{get, post, post_staff, post_staff_empty, segment};
use crate::admin::model::Staff;
use crate::error::AppError;
use crate::models::Renewal;
use crate::read::{Fields, Res};

// The lists and the detail are read by `admin::ui::Loader` from their paths
// (`admin::query`'s and [`renewal_path`], [`differences_path`]) with the answer's reader.

/// `GET /admin/session`'s answer: the member signed in, if any.
#[cfg_attr(test, derive(Debug, PartialEq, serde::Deserialize))]
pub struct SessionState {
    /// The member, when signed in.
    pub staff: Option<Staff>,
}

impl SessionState {
    // By hand through `Value` (`crate::read`, issue 16), as the derive read it.
    fn read(v: &Value) -> Res<Self> {
        Ok(SessionState {
            staff: Fields::of(v)?.opt_object("staff", Staff::read)?,
        })
    }
}
#[cfg(not(test))]
crate::via_value!(SessionState, SessionState::read);

/// `GET /admin/session`.
pub async fn session() -> Result<SessionState, AppError> {
    get("/admin/session").await
}

/// `POST /admin/login`.
pub async fn login(username: &str, password: &str) -> Result<Staff, AppError> {
    post(
        "/admin/login",
        &json!({ "username": username, "password": password }),
    )
    .await
}

/// `POST /admin/logout`.
pub async fn logout(csrf: &str) -> Result<(), AppError> {
    post_staff_empty("/admin/logout", csrf).await
}

/// `GET /admin/renewals/{no}`: one renewal with what the reviewer needs.
pub fn renewal_path(no: &str) -> String {
    format!("/admin/renewals/{}", segment(no))
}

/// `GET /admin/audit/verify`: the audit chain's check.
pub const AUDIT_VERIFY: &str = "/admin/audit/verify";

/// Where upload `id` of application `no` is downloaded (`GET`, an attachment), for a
/// server that did not list the URLs.
pub fn upload_url(no: &str, id: i64) -> String {
    format!(
        "{}{}/uploads/{id}",
        super::BASE,
        crate::admin::query::expired_detail_path(no)
    )
}

/// `POST /admin/renewals/{no}/approve`.
pub async fn approve(no: &str, csrf: &str) -> Result<Renewal, AppError> {
    post_staff(&approve_path(no), csrf, &json!({})).await
}

/// `POST /admin/renewals/{no}/reject` with the reason.
pub async fn reject(no: &str, reason: &str, csrf: &str) -> Result<Renewal, AppError> {
    post_staff(&reject_path(no), csrf, &json!({ "reason": reason.trim() })).await
}

/// `POST /admin/payments/{out_trade_no}/reconcile`: a bank transfer arrived, or not.
pub async fn reconcile(
    out_trade_no: &str,
    received: bool,
    note: &str,
    csrf: &str,
) -> Result<Renewal, AppError> {
    post_staff(
        &reconcile_path(out_trade_no),
        csrf,
        &json!({ "received": received, "note": note.trim() }),
    )
    .await
}

/// `GET /admin/reconciliation/differences?status=…` (`open`, `resolved`, `all`).
pub fn differences_path(status: &str) -> String {
    format!(
        "/admin/reconciliation/differences?status={}",
        segment(status)
    )
}

/// `POST /admin/reconciliation/differences/{id}/resolve` with finance's note.
pub async fn resolve_difference(id: &str, note: &str, csrf: &str) -> Result<(), AppError> {
    let _: serde_json::Value = post_staff(
        &format!("/admin/reconciliation/differences/{}/resolve", segment(id)),
        csrf,
        &json!({ "note": note.trim() }),
    )
    .await?;
    Ok(())
}

/// `POST /admin/refunds/{refund_no}/done`.
pub async fn refund_done(refund_no: &str, csrf: &str) -> Result<(), AppError> {
    post_staff_empty(&refund_done_path(refund_no), csrf).await
}

/// `POST /admin/renewals/{no}/invoice`: the invoice is issued.
pub async fn invoice_issued(no: &str, csrf: &str) -> Result<Renewal, AppError> {
    post_staff(&invoice_path(no), csrf, &json!({})).await
}

fn approve_path(no: &str) -> String {
    format!("/admin/renewals/{}/approve", segment(no))
}

fn reject_path(no: &str) -> String {
    format!("/admin/renewals/{}/reject", segment(no))
}

fn reconcile_path(out_trade_no: &str) -> String {
    format!("/admin/payments/{}/reconcile", segment(out_trade_no))
}

fn refund_done_path(refund_no: &str) -> String {
    format!("/admin/refunds/{}/done", segment(refund_no))
}

fn invoice_path(no: &str) -> String {
    format!("/admin/renewals/{}/invoice", segment(no))
}

/// `POST /admin/certificates/{serial}/revoke` with an RFC 5280 reason name.
pub async fn revoke(serial: &str, reason: &str, csrf: &str) -> Result<(), AppError> {
    let path = format!("/admin/certificates/{}/revoke", segment(serial));
    post_staff::<_, serde_json::Value>(&path, csrf, &json!({ "reason": reason }))
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_name_their_endpoints() {
        let no = "01202603010000012";
        assert_eq!(
            approve_path(no),
            "/admin/renewals/01202603010000012/approve"
        );
        assert_eq!(reject_path(no), "/admin/renewals/01202603010000012/reject");
        assert_eq!(
            invoice_path(no),
            "/admin/renewals/01202603010000012/invoice"
        );
        let otn = format!("{no}P0a1b2c3d");
        assert_eq!(
            reconcile_path(&otn),
            format!("/admin/payments/{otn}/reconcile")
        );
        assert_eq!(
            refund_done_path(&format!("{otn}R")),
            format!("/admin/refunds/{otn}R/done")
        );
        assert_eq!(approve_path("a/b"), "/admin/renewals/a%2Fb/approve");
        assert_eq!(renewal_path("a/b"), "/admin/renewals/a%2Fb");
        assert_eq!(
            differences_path("open"),
            "/admin/reconciliation/differences?status=open"
        );
    }

    #[test]
    fn the_session_reads_as_the_derive() {
        use crate::admin::model::tests::reads_as_the_derive;
        let staff = json!({"username": "alice", "role": "admin", "csrf": "c"});
        reads_as_the_derive(SessionState::read, json!({ "staff": staff }));
        reads_as_the_derive(SessionState::read, json!({ "staff": null }));
    }
}
