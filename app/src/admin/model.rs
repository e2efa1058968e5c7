//! What the admin endpoints answer (docs/api.md §9, server/src/admin/), as the console
//! reads it. Unknown fields are ignored; optional ones default, so a newer server does
//! not break the console.

use serde::Deserialize;
use serde_json::Value;

use crate::models::Renewal;

/// A signed-in staff member (`login`, `me`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Staff {
    /// User name.
    pub username: String,
    /// `reviewer`, `finance`, `admin`.
    pub role: String,
    /// Sent as `X-CSRF-Token` with every state-changing call.
    pub csrf: String,
}

/// A row of the review queue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueueRow {
    /// 业务单号.
    pub business_no: String,
    /// Project id.
    pub project: String,
    /// The certificate's subject.
    pub subject: String,
    /// The state.
    pub status: String,
    /// Total, fen.
    pub total_fen: i64,
    /// Applied.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// A row of the audit trail.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditRow {
    /// Position in the chain.
    pub id: i64,
    /// When.
    pub at: String,
    /// `staff:alice`, `user:<sha256>`, `gateway:sandbox` …
    pub actor: String,
    /// `renewal.paid` …
    pub action: String,
    /// A business number, a user name …
    pub subject: String,
    /// Details.
    #[serde(default)]
    pub data: Value,
    /// The previous row's hash.
    #[serde(default)]
    pub prev_hash: String,
    /// This row's hash.
    #[serde(default)]
    pub hash: String,
}

/// The audit chain's check.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Verification {
    /// Rows checked.
    pub rows: i64,
    /// Whether the chain is intact.
    pub ok: bool,
    /// The first row found broken.
    #[serde(default)]
    pub first_broken: Option<i64>,
    /// What is wrong there (the server's words, English).
    #[serde(default)]
    pub problem: Option<String>,
}

/// The certificate being renewed, as the server read it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CertSummary {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Serial, hex.
    pub serial: String,
    /// notBefore.
    pub not_before: String,
    /// notAfter.
    pub not_after: String,
}

/// `GET /admin/renewals/{no}`: one renewal's whole story.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReviewView {
    /// The renewal.
    pub renewal: Renewal,
    /// Every audit row about it.
    #[serde(default)]
    pub audit: Vec<AuditRow>,
    /// Who approved so far.
    #[serde(default)]
    pub approved_by: Vec<String>,
    /// How many distinct approvals the project needs.
    pub approvals_required: u32,
    /// The old certificate.
    pub certificate: CertSummary,
}

/// The operator (经办人) as the application names them.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct Operator {
    /// `resident_id`, `passport` …
    pub id_type: String,
    /// The document number.
    pub id_number: String,
    /// Name.
    pub name: String,
    /// Mobile.
    pub mobile: String,
    /// E-mail.
    pub email: String,
}

/// The recipient (收件人) of a paper invoice.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct Recipient {
    /// Name.
    pub name: String,
    /// Mobile.
    pub mobile: String,
    /// Postal address.
    pub address: String,
}

/// The signed application, read leniently (a missing part shows empty).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct ApplicationForm {
    /// Months.
    pub months: u32,
    /// Agreement version accepted.
    pub agreement_version: String,
    /// 经办人.
    pub operator: Operator,
    /// 收件人.
    pub recipient: Recipient,
}

impl ApplicationForm {
    /// From the renewal's `application` value; empty when it cannot be read.
    pub fn from_value(v: &Value) -> Self {
        serde_json::from_value(v.clone()).unwrap_or_default()
    }
}

/// A declared bank transfer (对公转账), read leniently.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct BankTransfer {
    /// Payer's account.
    pub payer_account: String,
    /// Payer's name.
    pub payer_name: String,
    /// Declared amount, fen.
    pub amount_fen: i64,
    /// Transfer date, `YYYY-MM-DD`.
    pub paid_on: String,
    /// Customer's note.
    pub note: String,
}

impl BankTransfer {
    /// From a payment's `bank_transfer` value.
    pub fn from_value(v: &Value) -> Self {
        serde_json::from_value(v.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_application_is_read_leniently() {
        let v = json!({
            "months": 12, "agreement_version": "2026-01",
            "operator": {"id_type": "resident_id", "id_number": "110101199003070011", "name": "张三",
                          "mobile": "13800138000", "email": "a@example.com"},
            "recipient": {"name": "李四", "mobile": "13900139000", "address": "广州"}
        });
        let a = ApplicationForm::from_value(&v);
        assert_eq!(a.operator.name, "张三");
        assert_eq!(a.recipient.address, "广州");
        assert_eq!(
            ApplicationForm::from_value(&json!("garbage")),
            ApplicationForm::default()
        );
        assert_eq!(ApplicationForm::from_value(&json!({"months": 6})).months, 6);
    }

    #[test]
    fn the_review_view_reads_the_servers_shape() {
        let v = json!({
            "renewal": {
                "business_no": "01202603010000012", "project": "p", "stage": "review",
                "status": "in_review", "subject": "CN=x", "cert_sha256": "ab", "old_not_after": "2026-03-01T00:00:00Z",
                "months": 12, "fee_lines": [], "total_fen": 10000, "total_display": "¥100.00",
                "created_at": "2026-03-01T00:00:00Z", "updated_at": "2026-03-01T00:00:00Z"
            },
            "audit": [{"id": 1, "at": "2026-03-01T00:00:00Z", "actor": "system:cli", "action": "staff.saved",
                       "subject": "alice", "data": {}, "prev_hash": "", "hash": "h"}],
            "approved_by": ["alice"], "approvals_required": 2,
            "certificate": {"sha256": "ab", "subject": "CN=x", "issuer": "CN=CA", "serial": "01",
                            "not_before": "2025-03-01T00:00:00Z", "not_after": "2026-03-01T00:00:00Z"}
        });
        let r: ReviewView = serde_json::from_value(v).expect("reads");
        assert_eq!(r.approvals_required, 2);
        assert_eq!(r.audit[0].actor, "system:cli");
        let bt = BankTransfer::from_value(&json!({"payer_name": "测试", "amount_fen": 100}));
        assert_eq!((bt.payer_name.as_str(), bt.amount_fen), ("测试", 100));
    }
}
