//! What the admin endpoints answer (docs/api.md §9, server/src/admin/), as the console
//! reads it. Unknown fields are ignored; optional ones default, so a newer server does
//! not break the console.

use protocol::expired::{ApplicationStatus, IdentityOutcome, TransferStatus, UploadKind};
use protocol::payment::InvoiceKind;
use protocol::renewal::RenewalStatus;
use protocol::staff::Role;
use serde::Deserialize;
use serde_json::Value;

use crate::coded::Coded;
use crate::models::Renewal;

/// A signed-in staff member (`login`, `me`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Staff {
    /// User name.
    pub username: String,
    /// What they may do.
    pub role: Coded<Role>,
    /// Sent as `X-CSRF-Token` with every state-changing call.
    pub csrf: String,
}

/// Whether a renewal's `application` says it came the expired way (the server marks
/// it `"path": "expired"`), so the console asks for the rest only then.
pub fn came_expired_way(application: &Value) -> bool {
    application.get("path").and_then(Value::as_str) == Some("expired")
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
    pub status: Coded<RenewalStatus>,
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
#[derive(Debug, Clone, PartialEq, Default)]
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
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recipient {
    /// Name.
    pub name: String,
    /// Mobile.
    pub mobile: String,
    /// Postal address.
    pub address: String,
}

/// The signed application, read leniently (a missing part shows empty).
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// From the renewal's `application` value; a part that cannot be read is empty.
    pub fn from_value(v: &Value) -> Self {
        ApplicationForm {
            months: months(v),
            agreement_version: text(v, "agreement_version"),
            operator: Operator::read(part(v, "operator")),
            recipient: Recipient::read(part(v, "recipient")),
        }
    }
}

/// A declared bank transfer (对公转账), read leniently.
#[derive(Debug, Clone, PartialEq, Default)]
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
        BankTransfer {
            payer_account: text(v, "payer_account"),
            payer_name: text(v, "payer_name"),
            amount_fen: v
                .get("amount_fen")
                .and_then(Value::as_i64)
                .unwrap_or_default(),
            paid_on: text(v, "paid_on"),
            note: text(v, "note"),
        }
    }
}

/// A row of the expired-path list (`GET /admin/expired`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExpiredRow {
    /// 业务单号 (the renewal's once submitted).
    pub business_no: String,
    /// The application's status (docs/api.md §13.1).
    pub status: Coded<ApplicationStatus>,
    /// The mobile that signed in.
    #[serde(default)]
    pub mobile: String,
    /// The certificate's subject.
    #[serde(default)]
    pub subject: String,
    /// The renewal's status once submitted.
    #[serde(default)]
    pub renewal_status: Option<Coded<RenewalStatus>>,
    /// Started.
    #[serde(default)]
    pub created_at: String,
    /// Last change.
    #[serde(default)]
    pub updated_at: String,
}

/// `GET /admin/expired/{no}`: the application behind an expired-path renewal.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExpiredView {
    /// The application.
    pub application: ExpiredApplication,
    /// The mobile that signed in.
    #[serde(default)]
    pub mobile: String,
    /// Every verification transfer, oldest first (full account numbers).
    #[serde(default)]
    pub transfers: Vec<StaffTransfer>,
    /// Where each upload is downloaded, in the order of `application.uploads`.
    #[serde(default)]
    pub download_urls: Vec<String>,
}

/// The application as the console reads it (only what it shows).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExpiredApplication {
    /// 业务单号.
    pub business_no: String,
    /// Its status.
    pub status: Coded<ApplicationStatus>,
    /// The details as saved (`null` before); read with [`ExpiredDetails::from_value`].
    #[serde(default)]
    pub details: Option<Value>,
    /// The latest transfer as the applicant sees it (for its amount).
    #[serde(default)]
    pub transfer: Option<AppTransfer>,
    /// Uploads, oldest first.
    #[serde(default)]
    pub uploads: Vec<Upload>,
    /// Identity checks, oldest first.
    #[serde(default)]
    pub identity_checks: Vec<IdentityCheck>,
    /// Started.
    #[serde(default)]
    pub created_at: String,
    /// Last change.
    #[serde(default)]
    pub updated_at: String,
}

/// The applicant's view of the latest transfer: only its amount is used here.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct AppTransfer {
    /// Amount sent, fen.
    pub amount_fen: Option<i64>,
}

/// A verification transfer, for staff.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct StaffTransfer {
    /// Account name (基本户名称).
    pub account_name: String,
    /// Bank (开户行).
    pub bank: String,
    /// The full account number.
    pub account_no: String,
    /// Amount, fen, when the server gives it (else the latest transfer's).
    pub amount_fen: Option<i64>,
    /// The bank's reference.
    pub reference: String,
    /// Its state.
    pub status: Coded<TransferStatus>,
    /// Wrong codes typed.
    pub tries: i64,
    /// Sent.
    pub sent_at: String,
    /// Verified.
    pub verified_at: Option<String>,
}

/// An uploaded file.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct Upload {
    /// Its id (the download URL ends with it).
    pub id: i64,
    /// What the file is.
    pub kind: Coded<UploadKind>,
    /// SHA-256 of the bytes.
    pub sha256: Option<String>,
    /// Read from the bytes.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// The name the applicant gave.
    pub name: String,
    /// When.
    pub uploaded_at: String,
}

/// An identity check.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct IdentityCheck {
    /// Its outcome.
    pub outcome: Coded<IdentityOutcome>,
    /// Why it failed.
    pub reason: Option<String>,
    /// When.
    pub checked_at: String,
}

/// 申请单位.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Organisation {
    /// 企业名称.
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
}

/// 法人.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LegalRepresentative {
    /// Name.
    pub name: String,
    /// ID card number.
    pub id_number: String,
    /// Mobile.
    pub mobile: String,
}

/// The invoice asked for (`title` and `taxpayer_id` may be `null`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InvoiceChoice {
    /// Electronic or paper.
    pub kind: Coded<InvoiceKind>,
    /// 抬头.
    pub title: Option<String>,
    /// 纳税人识别号.
    pub taxpayer_id: Option<String>,
}

/// The expired path's details (docs/api.md §13.2 `Details`), read leniently.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpiredDetails {
    /// Months.
    pub months: u32,
    /// Agreement version accepted.
    pub agreement_version: String,
    /// 申请单位.
    pub organisation: Organisation,
    /// 法人.
    pub legal_representative: LegalRepresentative,
    /// 经办人.
    pub operator: Operator,
    /// 收件人.
    pub recipient: Recipient,
    /// 发票.
    pub invoice: InvoiceChoice,
}

impl ExpiredDetails {
    /// From the application's `details`; `None` before they are saved (not an object);
    /// a part that cannot be read is empty.
    pub fn from_value(v: Option<&Value>) -> Option<Self> {
        let v = v.filter(|v| v.is_object())?;
        let org = part(v, "organisation");
        let legal = part(v, "legal_representative");
        let invoice = part(v, "invoice");
        Some(ExpiredDetails {
            months: months(v),
            agreement_version: text(v, "agreement_version"),
            organisation: Organisation {
                name: text(org, "name"),
                credit_code: text(org, "credit_code"),
            },
            legal_representative: LegalRepresentative {
                name: text(legal, "name"),
                id_number: text(legal, "id_number"),
                mobile: text(legal, "mobile"),
            },
            operator: Operator::read(part(v, "operator")),
            recipient: Recipient::read(part(v, "recipient")),
            invoice: InvoiceChoice {
                kind: Coded::parse(text(invoice, "kind")),
                title: invoice
                    .get("title")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                taxpayer_id: invoice
                    .get("taxpayer_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            },
        })
    }
}

// The application's parts are free-form JSON the console only shows, so they are read
// field by field (a missing or odd field shows empty) rather than by a serde derive
// each: that linked a deserializer per part for the console alone (issue 16).

impl Operator {
    fn read(v: &Value) -> Self {
        Operator {
            id_type: text(v, "id_type"),
            id_number: text(v, "id_number"),
            name: text(v, "name"),
            mobile: text(v, "mobile"),
            email: text(v, "email"),
        }
    }
}

impl Recipient {
    fn read(v: &Value) -> Self {
        Recipient {
            name: text(v, "name"),
            mobile: text(v, "mobile"),
            address: text(v, "address"),
        }
    }
}

/// `v[key]` as text; empty when absent or not text.
fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `v[key]` (`null` when absent).
fn part<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

/// `v["months"]`; 0 when absent or not a month count.
fn months(v: &Value) -> u32 {
    v.get("months")
        .and_then(Value::as_u64)
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_the_expired_mark_sends_for_the_application() {
        assert!(came_expired_way(&json!({"path": "expired", "months": 12})));
        assert!(!came_expired_way(&json!({"months": 12})));
        assert!(!came_expired_way(&json!(null)));
    }

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
    fn the_expired_view_reads_the_servers_shape() {
        let v = json!({
            "application": {
                "business_no": "01202603010000012", "project": "p", "status": "submitted",
                "next_step": "pay",
                "certificate": {"serial": "0a", "subject": "CN=x", "sha256": "ab", "not_after": "2026-03-01T00:00:00Z"},
                "details": {
                    "months": 24, "agreement_version": "2024.1",
                    "organisation": {"name": "测试医药有限公司", "credit_code": "91350100M000100Y43"},
                    "legal_representative": {"name": "李四", "id_number": "11010519491231002X", "mobile": "13900139000"},
                    "operator": {"id_type": "resident_id", "id_number": "11010519491231002X", "name": "张三",
                                 "mobile": "13800138000", "email": "z@example.com"},
                    "recipient": {"name": "张三", "mobile": "13800138000", "address": "深圳"},
                    "invoice": {"kind": "paper", "title": "测试医药有限公司", "taxpayer_id": null},
                    "lang": null
                },
                "transfer": {"account_name": "测试医药有限公司", "bank": "银行", "account_no": "****7890",
                             "amount_fen": 1, "status": "verified", "tries": 0, "tries_left": 0,
                             "sent_at": "2026-03-01T00:00:00Z"},
                "uploads": [{"id": 7, "kind": "form", "sha256": "cd", "media_type": "application/pdf",
                             "size": 1234, "name": "form.pdf", "uploaded_at": "2026-03-01T00:00:00Z"}],
                "identity_checks": [{"outcome": "failed", "reason": "no match", "checked_at": "2026-03-01T00:00:00Z"},
                                    {"outcome": "passed", "reason": null, "checked_at": "2026-03-01T00:01:00Z"}],
                "renewal_status": "in_review",
                "created_at": "2026-03-01T00:00:00Z", "updated_at": "2026-03-01T00:00:00Z"
            },
            "mobile": "13800138000",
            "transfers": [{"account_name": "测试医药有限公司", "bank": "银行", "account_no": "6222020012347890",
                           "reference": "r1", "status": "verified", "tries": 1,
                           "sent_at": "2026-03-01T00:00:00Z", "verified_at": null}],
            "download_urls": ["/api/v1/admin/expired/01202603010000012/uploads/7"]
        });
        let e: ExpiredView = serde_json::from_value(v).expect("reads");
        assert_eq!(e.transfers[0].account_no, "6222020012347890");
        assert_eq!(e.transfers[0].amount_fen, None);
        assert_eq!(e.application.transfer.and_then(|t| t.amount_fen), Some(1));
        assert_eq!(e.application.identity_checks[1].reason, None);
        assert_eq!(e.application.uploads[0].sha256.as_deref(), Some("cd"));
        let d = ExpiredDetails::from_value(e.application.details.as_ref()).expect("details");
        assert_eq!(d.legal_representative.name, "李四");
        assert_eq!(d.invoice.taxpayer_id, None);
        assert_eq!(ExpiredDetails::from_value(Some(&json!(null))), None);
        assert_eq!(ExpiredDetails::from_value(None), None);
        let row: ExpiredRow = serde_json::from_value(json!({
            "business_no": "1", "status": "started", "mobile": "138", "subject": "CN=x",
            "renewal_status": null, "created_at": "t", "updated_at": "t"
        }))
        .expect("row");
        assert_eq!(row.renewal_status, None);
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
