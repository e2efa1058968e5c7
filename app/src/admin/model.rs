//! What the admin endpoints answer (docs/api.md §9, server/src/admin/), as the console
//! reads it. Unknown fields are ignored; optional ones default, so a newer server does
//! not break the console.

use protocol::expired::{ApplicationStatus, IdentityOutcome, TransferStatus, UploadKind};
use protocol::payment::InvoiceKind;
use protocol::renewal::RenewalStatus;
use protocol::staff::Role;
use serde::Deserialize;
use serde_json::Value;

use crate::read::{self, Fields, Res};

use crate::coded::Coded;
use crate::models::Renewal;

/// A signed-in staff member (`login`, `me`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Deserialize))]
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Deserialize))]
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Deserialize))]
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
    #[cfg_attr(test, serde(default))]
    pub data: Value,
    /// The previous row's hash.
    #[cfg_attr(test, serde(default))]
    pub prev_hash: String,
    /// This row's hash.
    #[cfg_attr(test, serde(default))]
    pub hash: String,
}

/// The audit chain's check.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Deserialize))]
pub struct Verification {
    /// Rows checked.
    pub rows: i64,
    /// Whether the chain is intact.
    pub ok: bool,
    /// The first row found broken.
    #[cfg_attr(test, serde(default))]
    pub first_broken: Option<i64>,
    /// What is wrong there (the server's words, English).
    #[cfg_attr(test, serde(default))]
    pub problem: Option<String>,
}

/// The certificate being renewed, as the server read it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Deserialize))]
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Deserialize))]
pub struct ReviewView {
    /// The renewal.
    pub renewal: Renewal,
    /// Every audit row about it.
    #[cfg_attr(test, serde(default))]
    pub audit: Vec<AuditRow>,
    /// Who approved so far.
    #[cfg_attr(test, serde(default))]
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Deserialize))]
pub struct ExpiredRow {
    /// 业务单号 (the renewal's once submitted).
    pub business_no: String,
    /// The application's status (docs/api.md §13.1).
    pub status: Coded<ApplicationStatus>,
    /// The mobile that signed in.
    #[cfg_attr(test, serde(default))]
    pub mobile: String,
    /// The certificate's subject.
    #[cfg_attr(test, serde(default))]
    pub subject: String,
    /// The renewal's status once submitted.
    #[cfg_attr(test, serde(default))]
    pub renewal_status: Option<Coded<RenewalStatus>>,
    /// Started.
    #[cfg_attr(test, serde(default))]
    pub created_at: String,
    /// Last change.
    #[cfg_attr(test, serde(default))]
    pub updated_at: String,
}

/// `GET /admin/expired/{no}`: the application behind an expired-path renewal.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Deserialize))]
pub struct ExpiredView {
    /// The application.
    pub application: ExpiredApplication,
    /// The mobile that signed in.
    #[cfg_attr(test, serde(default))]
    pub mobile: String,
    /// Every verification transfer, oldest first (full account numbers).
    #[cfg_attr(test, serde(default))]
    pub transfers: Vec<StaffTransfer>,
    /// Where each upload is downloaded, in the order of `application.uploads`.
    #[cfg_attr(test, serde(default))]
    pub download_urls: Vec<String>,
}

/// The application as the console reads it (only what it shows).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Deserialize))]
pub struct ExpiredApplication {
    /// 业务单号.
    pub business_no: String,
    /// Its status.
    pub status: Coded<ApplicationStatus>,
    /// The details as saved (`null` before); read with [`ExpiredDetails::from_value`].
    #[cfg_attr(test, serde(default))]
    pub details: Option<Value>,
    /// The latest transfer as the applicant sees it (for its amount).
    #[cfg_attr(test, serde(default))]
    pub transfer: Option<AppTransfer>,
    /// Uploads, oldest first.
    #[cfg_attr(test, serde(default))]
    pub uploads: Vec<Upload>,
    /// Identity checks, oldest first.
    #[cfg_attr(test, serde(default))]
    pub identity_checks: Vec<IdentityCheck>,
    /// Started.
    #[cfg_attr(test, serde(default))]
    pub created_at: String,
    /// Last change.
    #[cfg_attr(test, serde(default))]
    pub updated_at: String,
}

/// The applicant's view of the latest transfer: only its amount is used here.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(test, derive(Deserialize), serde(default))]
pub struct AppTransfer {
    /// Amount sent, fen.
    pub amount_fen: Option<i64>,
}

/// A verification transfer, for staff.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(test, derive(Deserialize), serde(default))]
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
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(test, derive(Deserialize), serde(default))]
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
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(test, derive(Deserialize), serde(default))]
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

// The console's answers are read through `Value` by hand (`crate::read`, issue 16):
// a derive linked, per type, a visitor and an `Option<T>` / `Vec<T>` reader per field
// type for the console alone. What may be missing is what the derives' `#[serde(default)]`
// and `Option`s allowed (tests compare each reader with the derive it replaced).

/// A closed set's name, which must be there.
fn coded<T: Copy + for<'de> Deserialize<'de>>(f: Fields, name: &str) -> Res<Coded<T>> {
    f.string(name).map(Coded::parse)
}

/// A closed set's name that may be missing (then empty: `#[serde(default)]`).
fn coded_or_empty<T: Copy + for<'de> Deserialize<'de>>(f: Fields, name: &str) -> Res<Coded<T>> {
    if f.has(name) {
        coded(f, name)
    } else {
        Ok(Coded::default())
    }
}

/// An `i64` that may be missing (then 0: `#[serde(default)]`).
fn i64_or_zero(f: Fields, name: &str) -> Res<i64> {
    if f.has(name) { f.i64(name) } else { Ok(0) }
}

/// An `Option<i64>`: missing or `null` is `None`.
fn opt_i64(f: Fields, name: &str) -> Res<Option<i64>> {
    f.optional(name).map(|_| f.i64(name)).transpose()
}

impl Staff {
    /// `login`'s and `me`'s member.
    pub fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Staff {
            username: f.string("username")?,
            role: coded(f, "role")?,
            csrf: f.string("csrf")?,
        })
    }
}
#[cfg(not(test))]
crate::via_value!(Staff, Staff::read);

impl QueueRow {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(QueueRow {
            business_no: f.string("business_no")?,
            project: f.string("project")?,
            subject: f.string("subject")?,
            status: coded(f, "status")?,
            total_fen: f.i64("total_fen")?,
            created_at: f.string("created_at")?,
            updated_at: f.string("updated_at")?,
        })
    }

    /// `GET /admin/renewals?…`'s rows.
    pub fn list(v: &Value) -> Res<Vec<Self>> {
        crate::read::list(v, QueueRow::read)
    }
}

impl AuditRow {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(AuditRow {
            id: f.i64("id")?,
            at: f.string("at")?,
            actor: f.string("actor")?,
            action: f.string("action")?,
            subject: f.string("subject")?,
            data: f.value("data"),
            prev_hash: f.string_or_empty("prev_hash")?,
            hash: f.string_or_empty("hash")?,
        })
    }

    /// `GET /admin/audit?…`'s rows.
    pub fn list(v: &Value) -> Res<Vec<Self>> {
        crate::read::list(v, AuditRow::read)
    }
}

impl Verification {
    /// `GET /admin/audit/verify`'s answer.
    pub fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Verification {
            rows: f.i64("rows")?,
            ok: f.bool("ok")?,
            first_broken: opt_i64(f, "first_broken")?,
            problem: f.opt_string("problem")?,
        })
    }
}

impl CertSummary {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(CertSummary {
            sha256: f.string("sha256")?,
            subject: f.string("subject")?,
            issuer: f.string("issuer")?,
            serial: f.string("serial")?,
            not_before: f.string("not_before")?,
            not_after: f.string("not_after")?,
        })
    }
}

impl ReviewView {
    /// `GET /admin/renewals/{no}`'s answer.
    pub fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(ReviewView {
            renewal: f.object("renewal", Renewal::read)?,
            audit: f.list_or_empty("audit", AuditRow::read)?,
            approved_by: f.list_or_empty("approved_by", read::string)?,
            approvals_required: f.u32("approvals_required")?,
            certificate: f.object("certificate", CertSummary::read)?,
        })
    }
}

impl ExpiredRow {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(ExpiredRow {
            business_no: f.string("business_no")?,
            status: coded(f, "status")?,
            mobile: f.string_or_empty("mobile")?,
            subject: f.string_or_empty("subject")?,
            renewal_status: f
                .optional("renewal_status")
                .map(|_| coded(f, "renewal_status"))
                .transpose()?,
            created_at: f.string_or_empty("created_at")?,
            updated_at: f.string_or_empty("updated_at")?,
        })
    }

    /// `GET /admin/expired?…`'s rows.
    pub fn list(v: &Value) -> Res<Vec<Self>> {
        crate::read::list(v, ExpiredRow::read)
    }
}

impl ExpiredView {
    /// `GET /admin/expired/{no}`'s answer.
    pub fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(ExpiredView {
            application: f.object("application", ExpiredApplication::read)?,
            mobile: f.string_or_empty("mobile")?,
            transfers: f.list_or_empty("transfers", StaffTransfer::read)?,
            download_urls: f.list_or_empty("download_urls", read::string)?,
        })
    }
}

impl ExpiredApplication {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(ExpiredApplication {
            business_no: f.string("business_no")?,
            status: coded(f, "status")?,
            details: f.optional("details").cloned(),
            transfer: f.opt_object("transfer", AppTransfer::read)?,
            uploads: f.list_or_empty("uploads", Upload::read)?,
            identity_checks: f.list_or_empty("identity_checks", IdentityCheck::read)?,
            created_at: f.string_or_empty("created_at")?,
            updated_at: f.string_or_empty("updated_at")?,
        })
    }
}

impl AppTransfer {
    fn read(v: &Value) -> Res<Self> {
        Ok(AppTransfer {
            amount_fen: opt_i64(Fields::of(v)?, "amount_fen")?,
        })
    }
}

impl StaffTransfer {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(StaffTransfer {
            account_name: f.string_or_empty("account_name")?,
            bank: f.string_or_empty("bank")?,
            account_no: f.string_or_empty("account_no")?,
            amount_fen: opt_i64(f, "amount_fen")?,
            reference: f.string_or_empty("reference")?,
            status: coded_or_empty(f, "status")?,
            tries: i64_or_zero(f, "tries")?,
            sent_at: f.string_or_empty("sent_at")?,
            verified_at: f.opt_string("verified_at")?,
        })
    }
}

impl Upload {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Upload {
            id: i64_or_zero(f, "id")?,
            kind: coded_or_empty(f, "kind")?,
            sha256: f.opt_string("sha256")?,
            media_type: f.string_or_empty("media_type")?,
            size: i64_or_zero(f, "size")?,
            name: f.string_or_empty("name")?,
            uploaded_at: f.string_or_empty("uploaded_at")?,
        })
    }
}

impl IdentityCheck {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(IdentityCheck {
            outcome: coded_or_empty(f, "outcome")?,
            reason: f.opt_string("reason")?,
            checked_at: f.string_or_empty("checked_at")?,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;

    /// `read` and the derive it replaced agree on `full` and on every variant with one
    /// field missing, `null`, or of another type (both read it, or both refuse it).
    pub(crate) fn reads_as_the_derive<T>(read: fn(&Value) -> Res<T>, full: Value)
    where
        T: DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let check = |v: Value| {
            let derived = serde_json::from_value::<T>(v.clone()).ok();
            let by_hand = read(&v).ok();
            assert_eq!(by_hand, derived, "{v}");
        };
        assert!(read(&full).is_ok(), "{full}");
        check(full.clone());
        let keys: Vec<String> = full
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        for key in keys {
            // The derive also read a struct from an array of its fields in order (an
            // empty one for an all-default struct); no server sends that, the readers
            // refuse it: `[]` is tried only where no object is expected.
            let empty = if full[&key].is_object() {
                json!(["x"])
            } else {
                json!([])
            };
            let others = [
                json!(null),
                json!(1.5),
                json!(-2),
                json!("x"),
                json!(["x"]),
                empty,
                json!({}),
                json!(true),
            ];
            let mut missing = full.clone();
            missing.as_object_mut().expect("an object").remove(&key);
            check(missing);
            for other in others {
                let mut changed = full.clone();
                changed[&key] = other;
                check(changed);
            }
        }
        check(json!(null));
        check(json!("x"));
    }

    #[test]
    fn the_readers_read_as_the_derives() {
        let t = "2026-03-01T00:00:00Z";
        reads_as_the_derive(
            Staff::read,
            json!({"username": "alice", "role": "reviewer", "csrf": "c"}),
        );
        reads_as_the_derive(
            Staff::read,
            json!({"username": "alice", "role": "new_role", "csrf": "c"}),
        );
        reads_as_the_derive(
            QueueRow::read,
            json!({
                "business_no": "01202603010000012", "project": "p", "subject": "CN=x", "status": "in_review",
                "total_fen": 10000, "created_at": t, "updated_at": t, "extra": 1
            }),
        );
        let audit = json!({"id": 1, "at": t, "actor": "system:cli", "action": "staff.saved",
                           "subject": "alice", "data": {"a": [1]}, "prev_hash": "", "hash": "h"});
        reads_as_the_derive(AuditRow::read, audit.clone());
        reads_as_the_derive(
            Verification::read,
            json!({"rows": 7, "ok": false, "first_broken": 3, "problem": "hash"}),
        );
        reads_as_the_derive(Verification::read, json!({"rows": 7, "ok": true}));
        let cert = json!({"sha256": "ab", "subject": "CN=x", "issuer": "CN=CA", "serial": "01",
                          "not_before": t, "not_after": t});
        reads_as_the_derive(CertSummary::read, cert.clone());
        let renewal = json!({
            "business_no": "01202603010000012", "project": "p", "stage": "review",
            "status": "in_review", "subject": "CN=x", "cert_sha256": "ab", "old_not_after": t,
            "months": 12, "fee_lines": [], "total_fen": 10000, "total_display": "¥100.00",
            "created_at": t, "updated_at": t
        });
        reads_as_the_derive(
            ReviewView::read,
            json!({
                "renewal": renewal, "audit": [audit], "approved_by": ["alice"], "approvals_required": 2,
                "certificate": cert
            }),
        );
        reads_as_the_derive(
            ExpiredRow::read,
            json!({
                "business_no": "1", "status": "started", "mobile": "138", "subject": "CN=x",
                "renewal_status": "paid", "created_at": t, "updated_at": t
            }),
        );
        reads_as_the_derive(
            ExpiredRow::read,
            json!({"business_no": "1", "status": "odd", "renewal_status": "odd"}),
        );
        let transfer = json!({"account_name": "测试", "bank": "银行", "account_no": "6222020012347890",
                              "amount_fen": 1, "reference": "r1", "status": "verified", "tries": 1,
                              "sent_at": t, "verified_at": t});
        reads_as_the_derive(StaffTransfer::read, transfer.clone());
        reads_as_the_derive(StaffTransfer::read, json!({}));
        let upload = json!({"id": 7, "kind": "form", "sha256": "cd", "media_type": "application/pdf",
                            "size": 1234, "name": "form.pdf", "uploaded_at": t});
        reads_as_the_derive(Upload::read, upload.clone());
        let check = json!({"outcome": "failed", "reason": "no match", "checked_at": t});
        reads_as_the_derive(IdentityCheck::read, check.clone());
        reads_as_the_derive(AppTransfer::read, json!({"amount_fen": 1, "bank": "x"}));
        let application = json!({
            "business_no": "01202603010000012", "status": "submitted", "details": {"months": 12},
            "transfer": {"amount_fen": 1}, "uploads": [upload], "identity_checks": [check],
            "created_at": t, "updated_at": t
        });
        reads_as_the_derive(ExpiredApplication::read, application.clone());
        reads_as_the_derive(
            ExpiredView::read,
            json!({
                "application": application, "mobile": "138", "transfers": [transfer],
                "download_urls": ["/u/7"]
            }),
        );
        assert!(QueueRow::list(&json!(null)).is_err());
        assert_eq!(AuditRow::list(&json!([])).unwrap(), vec![]);
        assert!(ExpiredRow::list(&json!({})).is_err());
    }

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
        let e = ExpiredView::read(&v).expect("reads");
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
        let row = ExpiredRow::read(&json!({
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
        let r = ReviewView::read(&v).expect("reads");
        assert_eq!(r.approvals_required, 2);
        assert_eq!(r.audit[0].actor, "system:cli");
        let bt = BankTransfer::from_value(&json!({"payer_name": "测试", "amount_fen": 100}));
        assert_eq!((bt.payer_name.as_str(), bt.amount_fen), ("测试", 100));
    }
}
