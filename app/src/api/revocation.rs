//! Revocation as customers and staff meet it (docs/revocation.md): a project's rule for
//! the old certificate once a renewal is confirmed, a customer's key-compromise report,
//! and the staff's queue of those reports.

use serde::Deserialize;
use serde_json::json;

use super::{get, post, post_staff, segment};
use crate::coded::Coded;
use crate::error::AppError;

pub use protocol::certificate::OldCertificate;

#[derive(Deserialize)]
struct ProjectRule {
    // An older server sends no rule: it keeps the old certificate valid.
    #[serde(default = "keep_valid")]
    old_certificate: Coded<OldCertificate>,
}

fn keep_valid() -> Coded<OldCertificate> {
    Coded::parse(OldCertificate::KeepValid.as_str())
}

/// `GET /projects/{id}`, read for its `old_certificate` rule only; a rule this page
/// does not know is kept as sent.
pub async fn old_certificate(project: &str) -> Result<Coded<OldCertificate>, AppError> {
    get::<ProjectRule>(&format!("/projects/{}", segment(project)))
        .await
        .map(|p| p.old_certificate)
}

/// A key-compromise report.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Report {
    /// Its id.
    pub id: String,
    /// The certificate's serial, hex.
    pub serial: String,
    /// The certificate's subject.
    pub subject: String,
    /// The customer's words.
    #[serde(default)]
    pub note: String,
    /// When, RFC 3339.
    pub reported_at: String,
}

/// `POST /certificates/compromise`: reports the key of the signed-in certificate.
pub async fn report_compromise(note: &str) -> Result<Report, AppError> {
    post("/certificates/compromise", &json!({ "note": note })).await
}

#[derive(Deserialize)]
struct Queue {
    reports: Vec<Report>,
}

/// `GET /admin/compromise-reports`: the open reports, oldest first.
pub async fn reports() -> Result<Vec<Report>, AppError> {
    get::<Queue>("/admin/compromise-reports")
        .await
        .map(|q| q.reports)
}

/// `POST /admin/compromise-reports/{id}/revoke` (keyCompromise) or `…/dismiss`.
pub async fn resolve(id: &str, revoke: bool, csrf: &str) -> Result<(), AppError> {
    let action = if revoke { "revoke" } else { "dismiss" };
    let path = format!("/admin/compromise-reports/{}/{action}", segment(id));
    post_staff::<_, serde_json::Value>(&path, csrf, &json!({}))
        .await
        .map(|_| ())
}
