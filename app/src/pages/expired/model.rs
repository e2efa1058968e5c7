//! The expired path's answers (docs/api.md §13.2), as the app reads them.

use protocol::expired::{ApplicationStatus, IdentityOutcome, NextStep, TransferStatus, UploadKind};
use protocol::renewal::RenewalStatus;
use serde_json::Value;

use crate::coded::Coded;
use crate::models::FeeLine;
use crate::read::{Fields, ReadValue, Res};
use crate::via_value;

// Every answer here is read by hand through `Value` (`crate::read`, issue 16): no
// derived `Deserialize` per type. Each reader keeps the derive's rules: a field the
// derive had `#[serde(default)]` on may be missing, an `Option` may be missing or
// `null`, unknown fields are ignored.

/// `Application`: one expired-path application.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// 业务单号 (also the renewal's, once submitted).
    pub business_no: String,
    /// Project id.
    pub project: String,
    /// Its own state.
    pub status: Coded<ApplicationStatus>,
    /// What the app shows next.
    pub next_step: Coded<NextStep>,
    /// `{serial, subject, sha256, not_after}`.
    pub certificate: CertificateFacts,
    /// The details as saved (normalised), once saved.
    pub details: Option<Value>,
    /// The latest verification transfer.
    pub transfer: Option<Transfer>,
    /// Files uploaded so far.
    pub uploads: Vec<Upload>,
    /// Identity checks so far, oldest first.
    pub identity_checks: Vec<IdentityCheck>,
    /// The renewal's status once submitted.
    pub renewal_status: Option<Coded<RenewalStatus>>,
    /// Started.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

impl Application {
    /// Whether it can still change (not submitted, not cancelled).
    pub fn is_open(&self) -> bool {
        self.status.known().is_some_and(ApplicationStatus::is_open)
    }

    /// The newest upload of `kind`.
    pub fn upload(&self, kind: UploadKind) -> Option<&Upload> {
        self.uploads.iter().rev().find(|u| u.kind == kind)
    }
}

/// The certificate being renewed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertificateFacts {
    /// Serial (hex).
    pub serial: String,
    /// Subject DN.
    pub subject: String,
    /// SHA-256 of the DER.
    pub sha256: String,
    /// notAfter.
    pub not_after: String,
}

/// A verification transfer (account number masked).
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    /// 户名.
    pub account_name: String,
    /// 开户行.
    pub bank: String,
    /// `****7890`.
    pub account_no: String,
    /// 1 fen.
    pub amount_fen: i64,
    /// Its state.
    pub status: Coded<TransferStatus>,
    /// Wrong codes typed.
    pub tries: i64,
    /// Tries left while pending.
    pub tries_left: i64,
    /// Sent.
    pub sent_at: String,
}

/// An uploaded file.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    /// Its id.
    pub id: i64,
    /// What the file is.
    pub kind: Coded<UploadKind>,
    /// From its bytes.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// The name the user's file had.
    pub name: String,
    /// When.
    pub uploaded_at: String,
}

/// One identity check.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityCheck {
    /// Its outcome.
    pub outcome: Coded<IdentityOutcome>,
    /// Why it failed.
    pub reason: Option<String>,
    /// When.
    pub checked_at: String,
}

/// The printable application form (`GET …/form`).
#[derive(Debug, Clone, PartialEq)]
pub struct PrintForm {
    /// 业务单号.
    pub business_no: String,
    /// What the QR code holds.
    pub qr_text: String,
    /// Title.
    pub title_zh: String,
    /// Title.
    pub title_en: String,
    /// `{id, name_zh, name_en}`.
    pub project: Value,
    /// `{serial, subject, not_after}`.
    pub certificate: Value,
    /// The saved details.
    pub details: Value,
    /// `{account_name, bank, account_no}` once verified.
    pub bank_account: Option<Value>,
    /// Fee lines.
    pub fee_lines: Vec<FeeLine>,
    /// Total for people.
    pub total_display: String,
    /// The declaration the signatories make.
    pub declaration_zh: String,
    /// The declaration in English.
    pub declaration_en: String,
    /// Where to sign and stamp.
    pub sign_here: Vec<SignHere>,
    /// When it was generated.
    pub generated_at: String,
}

/// A signature or stamp box.
#[derive(Debug, Clone, PartialEq)]
pub struct SignHere {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// `POST …/submit`'s answer.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The application, `submitted`.
    pub application: Application,
}

/// `POST …/liveness`'s answer.
#[derive(Debug, Clone)]
pub struct LivenessStart {
    /// The provider's page.
    pub url: String,
}

/// `POST /sms-codes`'s answer.
#[derive(Debug, Clone)]
pub struct CodeSent {
    /// `138****8000`.
    pub mobile: String,
}

/// A `#[serde(default)]` `i64`: 0 when missing.
fn i64_or_zero(f: Fields<'_>, name: &str) -> Res<i64> {
    if f.has(name) { f.i64(name) } else { Ok(0) }
}

/// A `Coded` name (a string that must be there).
fn coded<T: Copy + for<'de> serde::Deserialize<'de>>(f: Fields<'_>, name: &str) -> Res<Coded<T>> {
    f.string(name).map(Coded::parse)
}

impl Application {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Application {
            business_no: f.string("business_no")?,
            project: f.string("project")?,
            status: coded(f, "status")?,
            next_step: coded(f, "next_step")?,
            certificate: f.object_or_default("certificate", CertificateFacts::read)?,
            details: f.optional("details").cloned(),
            transfer: f.opt_object("transfer", Transfer::read)?,
            uploads: f.list_or_empty("uploads", Upload::read)?,
            identity_checks: f.list_or_empty("identity_checks", IdentityCheck::read)?,
            renewal_status: f.opt_string("renewal_status")?.map(Coded::parse),
            created_at: f.string("created_at")?,
            updated_at: f.string("updated_at")?,
        })
    }
}
via_value!(Application, Application::read);

impl CertificateFacts {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(CertificateFacts {
            serial: f.string_or_empty("serial")?,
            subject: f.string_or_empty("subject")?,
            sha256: f.string_or_empty("sha256")?,
            not_after: f.string_or_empty("not_after")?,
        })
    }
}

impl Transfer {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Transfer {
            account_name: f.string("account_name")?,
            bank: f.string("bank")?,
            account_no: f.string("account_no")?,
            amount_fen: f.i64("amount_fen")?,
            status: coded(f, "status")?,
            tries: i64_or_zero(f, "tries")?,
            tries_left: i64_or_zero(f, "tries_left")?,
            sent_at: f.string("sent_at")?,
        })
    }
}

impl Upload {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Upload {
            id: f.i64("id")?,
            kind: coded(f, "kind")?,
            media_type: f.string("media_type")?,
            size: f.i64("size")?,
            name: f.string_or_empty("name")?,
            uploaded_at: f.string("uploaded_at")?,
        })
    }
}
via_value!(Upload, Upload::read);

impl IdentityCheck {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(IdentityCheck {
            outcome: coded(f, "outcome")?,
            reason: f.opt_string("reason")?,
            checked_at: f.string("checked_at")?,
        })
    }
}

impl PrintForm {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(PrintForm {
            business_no: f.string("business_no")?,
            qr_text: f.string("qr_text")?,
            title_zh: f.string("title_zh")?,
            title_en: f.string("title_en")?,
            project: f.required("project")?.clone(),
            certificate: f.required("certificate")?.clone(),
            details: f.required("details")?.clone(),
            bank_account: f.optional("bank_account").cloned(),
            fee_lines: f.list("fee_lines", FeeLine::read_value)?,
            total_display: f.string("total_display")?,
            declaration_zh: f.string("declaration_zh")?,
            declaration_en: f.string("declaration_en")?,
            sign_here: f.list_or_empty("sign_here", SignHere::read)?,
            generated_at: f.string("generated_at")?,
        })
    }
}
via_value!(PrintForm, PrintForm::read);

impl SignHere {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(SignHere {
            zh: f.string("zh")?,
            en: f.string("en")?,
        })
    }
}

impl Submitted {
    fn read(v: &Value) -> Res<Self> {
        Ok(Submitted {
            application: Fields::of(v)?.object("application", Application::read)?,
        })
    }
}
via_value!(Submitted, Submitted::read);

impl LivenessStart {
    fn read(v: &Value) -> Res<Self> {
        Ok(LivenessStart {
            url: Fields::of(v)?.string("url")?,
        })
    }
}
via_value!(LivenessStart, LivenessStart::read);

impl CodeSent {
    fn read(v: &Value) -> Res<Self> {
        Ok(CodeSent {
            mobile: Fields::of(v)?.string("mobile")?,
        })
    }
}
via_value!(CodeSent, CodeSent::read);

/// The steps as the stepper shows them, in order, with their catalogue keys.
pub const STEPS: [(&str, &str); 7] = [
    ("details", "expired.step.details"),
    ("bank_account", "expired.step.bank"),
    ("form", "expired.step.form"),
    ("identity", "expired.step.identity"),
    ("submit", "expired.step.submit"),
    ("pay", "expired.step.pay"),
    ("install", "expired.step.install"),
];

/// The stepper's position of a `next_step` (`bank_code` is the bank step; an unknown
/// step or none is the first).
pub fn step_index(next_step: Option<NextStep>) -> usize {
    match next_step {
        Some(NextStep::BankAccount | NextStep::BankCode) => 1,
        Some(NextStep::Form) => 2,
        Some(NextStep::Identity) => 3,
        Some(NextStep::Submit) => 4,
        Some(NextStep::Pay) => 5,
        Some(NextStep::Details | NextStep::None) | None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_code_is_part_of_the_bank_step_and_order_follows_the_server() {
        use NextStep as N;
        let cases = [
            (N::Details, "details"),
            (N::BankAccount, "bank_account"),
            (N::BankCode, "bank_account"),
            (N::Form, "form"),
            (N::Identity, "identity"),
            (N::Submit, "submit"),
            (N::Pay, "pay"),
        ];
        for (step, shown) in cases {
            assert_eq!(STEPS[step_index(Some(step))].0, shown, "{step:?}");
        }
        assert_eq!(step_index(None), 0);
    }

    #[test]
    fn the_servers_application_is_read() {
        let json = r#"{"business_no":"01202611220000001","project":"gd","status":"transfer_sent","next_step":"bank_code",
            "certificate":{"serial":"0A","subject":"CN=x","sha256":"ab","not_after":"2026-11-01T00:00:00Z"},
            "details":null,"transfer":{"account_name":"a","bank":"b","account_no":"****7890","amount_fen":1,"status":"pending","tries":1,"tries_left":4,"sent_at":"2026-11-22T00:00:00Z"},
            "uploads":[],"identity_checks":[],"renewal_status":null,"created_at":"2026-11-22T00:00:00Z","updated_at":"2026-11-22T00:00:00Z"}"#;
        let a: Application = serde_json::from_str(json).expect("reads");
        assert!(a.is_open());
        assert_eq!(a.transfer.map(|t| t.tries_left), Some(4));
    }

    /// The hand readers keep the derives' rules: `#[serde(default)]` fields may be
    /// missing, `Option`s missing or `null`, unknown fields are ignored, a required
    /// field missing or of another type is refused.
    #[test]
    fn the_readers_keep_the_derives_rules() {
        let full = serde_json::json!({
            "business_no": "E1", "project": "gd", "status": "details_saved",
            "next_step": "somewhere_new", "extra": [1],
            "certificate": {"serial": "0A", "subject": "CN=x", "sha256": "ab", "not_after": "t"},
            "details": {"company": "c"},
            "transfer": {"account_name": "a", "bank": "b", "account_no": "****7890",
                "amount_fen": 1, "status": "verified", "sent_at": "s"},
            "uploads": [{"id": 3, "kind": "form", "media_type": "image/png", "size": 10,
                "uploaded_at": "u"}],
            "identity_checks": [{"outcome": "failed", "reason": "blurry", "checked_at": "c"},
                {"outcome": "passed", "reason": null, "checked_at": "d"}],
            "renewal_status": "paid", "created_at": "c", "updated_at": "u"
        });
        let a = Application::read_value(&full).unwrap();
        assert_eq!(a.status, ApplicationStatus::DetailsSaved);
        assert_eq!(
            (a.next_step.known(), a.next_step.as_str()),
            (None, "somewhere_new")
        );
        assert_eq!(a.certificate.serial, "0A");
        assert_eq!(a.details, Some(serde_json::json!({"company": "c"})));
        let t = a.transfer.clone().unwrap();
        assert_eq!(
            (t.tries, t.tries_left, t.status.as_str()),
            (0, 0, "verified")
        );
        let u = &a.uploads[0];
        assert_eq!(
            (u.id, u.kind == UploadKind::Form, u.name.as_str()),
            (3, true, "")
        );
        assert_eq!(a.identity_checks[0].reason.as_deref(), Some("blurry"));
        assert_eq!(a.identity_checks[1].reason, None);
        assert_eq!(a.renewal_status.as_ref().map(Coded::as_str), Some("paid"));
        assert_eq!(
            serde_json::from_value::<Application>(full.clone()).unwrap(),
            a
        );

        // The defaults.
        let bare = serde_json::json!({"business_no": "E1", "project": "gd",
            "status": "started", "next_step": "details", "created_at": "c", "updated_at": "u",
            "details": null, "renewal_status": null});
        let b = Application::read_value(&bare).unwrap();
        assert_eq!(b.certificate, CertificateFacts::default());
        assert_eq!(
            (b.details, b.transfer, b.renewal_status),
            (None, None, None)
        );
        assert!(b.uploads.is_empty() && b.identity_checks.is_empty());

        // Refused as the derive refused.
        for (field, bad) in [
            ("business_no", Value::Null),
            ("status", Value::from(1)),
            ("uploads", Value::Null),
            ("certificate", Value::Null),
            ("transfer", serde_json::json!({"bank": "b"})),
            (
                "identity_checks",
                serde_json::json!([{"outcome": "passed"}]),
            ),
        ] {
            let mut v = bare.clone();
            v[field] = bad;
            assert!(Application::read_value(&v).is_err(), "{field}");
        }
        let mut v = bare.clone();
        v.as_object_mut().unwrap().remove("created_at");
        assert!(Application::read_value(&v).is_err());
        let mut v = full.clone();
        v["transfer"]["tries"] = Value::Null;
        assert!(Application::read_value(&v).is_err());
        let mut v = full;
        v["uploads"][0]["size"] = Value::from(1.5);
        assert!(Application::read_value(&v).is_err());
    }

    #[test]
    fn the_print_form_and_the_small_answers_are_read() {
        let form = serde_json::json!({
            "business_no": "E1", "qr_text": "E1", "title_zh": "申请表", "title_en": "Form",
            "project": {"id": "gd"}, "certificate": {"serial": "0A"}, "details": {},
            "fee_lines": [{"name_zh": "费", "name_en": "fee", "fen": 100}],
            "total_display": "¥1.00", "declaration_zh": "声明", "declaration_en": "We",
            "sign_here": [{"zh": "盖章", "en": "Stamp"}], "generated_at": "g"
        });
        let p = PrintForm::read_value(&form).unwrap();
        assert_eq!(p.bank_account, None);
        assert_eq!(p.fee_lines.len(), 1);
        assert_eq!(p.sign_here[0].en, "Stamp");
        assert_eq!(p.project, serde_json::json!({"id": "gd"}));
        let mut v = form.clone();
        v.as_object_mut().unwrap().remove("sign_here");
        v["bank_account"] = serde_json::json!({"bank": "b"});
        let q = PrintForm::read_value(&v).unwrap();
        assert!(q.sign_here.is_empty());
        assert_eq!(q.bank_account, Some(serde_json::json!({"bank": "b"})));
        for field in ["project", "fee_lines", "details"] {
            let mut v = form.clone();
            v.as_object_mut().unwrap().remove(field);
            assert!(PrintForm::read_value(&v).is_err(), "{field}");
        }
        let start = serde_json::json!({"url": "https://l.example/x"});
        assert_eq!(
            LivenessStart::read_value(&start).unwrap().url,
            "https://l.example/x"
        );
        let sent = serde_json::json!({"mobile": "138****8000"});
        assert_eq!(CodeSent::read_value(&sent).unwrap().mobile, "138****8000");
        assert!(CodeSent::read_value(&serde_json::json!({})).is_err());
        assert!(Submitted::read_value(&serde_json::json!({"application": {}})).is_err());
    }
}
