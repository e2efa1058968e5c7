//! What the server and the host answer, as the app reads it (docs/api.md,
//! docs/protocol.md). Fields the app does not show are left out; unknown ones are
//! ignored, so a newer server does not break an older page. The host's answers are
//! `protocol::host`'s own types.

use protocol::certificate::{CertificateKind, CertificateStatus};
use protocol::eligibility::EligibilityStatus;
use protocol::payment::{InvoiceKind, InvoiceStatus, PaymentMethod, PaymentStatus, RefundStatus};
use protocol::renewal::RenewalStatus;
use protocol::stage::Stage;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::coded::Coded;
use crate::read::{self, Fields, Res};
use crate::via_value;

/// Reads a value of a closed set (a state, a stage) as `None` when it is one this page
/// does not know, so a newer server's new state does not make the whole answer
/// unreadable; the screens show what they can.
pub fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

// The projects, the standing and the sign-in are read through `Value` by hand
// (`crate::read`, issue 16): every customer bundle reads them. Each reader says which
// fields may be missing (`*_or_empty`, `*_or_default`, `opt_*`), as the derive's
// `#[serde(default)]` and `Option`s did.

/// A value of a closed set by its wire name, `None` for one this page does not know
/// (or not a string): what `read::lenient` gives, without a derived reader per set.
fn named<T: Copy>(v: &Value, all: &[T], name: fn(T) -> &'static str) -> Option<T> {
    let wire = v.as_str()?;
    all.iter().copied().find(|t| name(*t) == wire)
}

/// Every standing, for [`named`].
const ELIGIBILITY: [EligibilityStatus; 5] = [
    EligibilityStatus::Eligible,
    EligibilityStatus::TooEarly,
    EligibilityStatus::Expired,
    EligibilityStatus::Revoked,
    EligibilityStatus::UnknownIssuer,
];

/// A period on offer and its price.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    /// Months.
    pub months: u32,
    /// Price in fen.
    pub fen: i64,
}

/// The agreement to accept.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Version the application must name.
    pub version: String,
    /// Chinese text.
    pub text_zh: String,
    /// English text.
    pub text_en: String,
}

/// The CA's account for bank transfers (对公转账).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Payee {
    /// 开户公司名称.
    pub name_zh: String,
    /// In English.
    pub name_en: String,
    /// 开户账号.
    pub account_no: String,
    /// 开户行.
    pub bank_zh: String,
    /// In English.
    pub bank_en: String,
}

/// Support contacts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Support {
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Hours, Chinese.
    pub hours_zh: String,
    /// Hours, English.
    pub hours_en: String,
}

/// A relying platform (project) as configured at the CA.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// Short id.
    pub id: String,
    /// Name, Chinese.
    pub name_zh: String,
    /// Name, English.
    pub name_en: String,
    /// Oldest host allowed.
    pub min_host_version: String,
    /// Oldest extension allowed.
    pub min_extension_version: String,
    /// Days before notAfter when renewal opens.
    pub renewal_window_days: i64,
    /// Periods on offer.
    pub prices: Vec<Price>,
    /// Fee line, Chinese.
    pub fee_line_zh: String,
    /// Fee line, English.
    pub fee_line_en: String,
    /// The agreement.
    pub agreement: Agreement,
    /// Notice (供应商须知), Chinese; may be empty.
    pub notice_zh: String,
    /// Notice, English.
    pub notice_en: String,
    /// `alipay`, `unionpay`, `wechat`, `bank_transfer`.
    pub payment_methods: Vec<String>,
    /// The CA's account bank transfers go to.
    pub payee: Option<Payee>,
    /// `electronic`, `paper`.
    pub invoice_kinds: Vec<String>,
    /// Contacts.
    pub support: Support,
    /// Allowed return URL prefixes.
    pub return_urls: Vec<String>,
}

impl Price {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Price {
            months: f.u32("months")?,
            fen: f.i64("fen")?,
        })
    }
}
via_value!(Price, Price::read);

impl Agreement {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Agreement {
            version: f.string("version")?,
            text_zh: f.string("text_zh")?,
            text_en: f.string("text_en")?,
        })
    }
}
via_value!(Agreement, Agreement::read);

impl Payee {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Payee {
            name_zh: f.string("name_zh")?,
            name_en: f.string("name_en")?,
            account_no: f.string("account_no")?,
            bank_zh: f.string("bank_zh")?,
            bank_en: f.string("bank_en")?,
        })
    }
}
via_value!(Payee, Payee::read);

impl Support {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Support {
            phone: f.string_or_empty("phone")?,
            email: f.string_or_empty("email")?,
            hours_zh: f.string_or_empty("hours_zh")?,
            hours_en: f.string_or_empty("hours_en")?,
        })
    }
}
via_value!(Support, Support::read);

impl Project {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Project {
            id: f.string("id")?,
            name_zh: f.string("name_zh")?,
            name_en: f.string("name_en")?,
            min_host_version: f.string("min_host_version")?,
            min_extension_version: f.string("min_extension_version")?,
            renewal_window_days: f.i64("renewal_window_days")?,
            prices: f.list("prices", Price::read)?,
            fee_line_zh: f.string("fee_line_zh")?,
            fee_line_en: f.string("fee_line_en")?,
            agreement: f.object("agreement", Agreement::read)?,
            notice_zh: f.string_or_empty("notice_zh")?,
            notice_en: f.string_or_empty("notice_en")?,
            payment_methods: f.list("payment_methods", read::string)?,
            payee: f.opt_object("payee", Payee::read)?,
            invoice_kinds: f.list("invoice_kinds", read::string)?,
            support: f.object_or_default("support", Support::read)?,
            return_urls: f.list_or_empty("return_urls", read::string)?,
        })
    }
}
via_value!(Project, Project::read);

/// What a project issues (`GET /projects/{id}`'s `kind`), read apart from [`Project`].
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectKind {
    /// `single` or `dual` (a signing and an encryption certificate); absent: single.
    pub kind: Coded<CertificateKind>,
    /// The keys it certifies: `sm2` (国密) or `rsa-ec`; absent: `rsa-ec`.
    pub algorithm: Option<String>,
}

impl ProjectKind {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(ProjectKind {
            kind: if f.has("kind") {
                Coded::parse(f.string("kind")?)
            } else {
                Coded::default()
            },
            algorithm: f.opt_string("algorithm")?,
        })
    }
}
via_value!(ProjectKind, ProjectKind::read);

impl ProjectKind {
    /// Whether the project renews signing and encryption certificates as a pair.
    pub fn is_dual(&self) -> bool {
        self.kind == CertificateKind::Dual
    }

    /// Whether the project certifies SM2 keys (its new keys are SM2).
    pub fn is_sm2(&self) -> bool {
        self.algorithm.as_deref() == Some("sm2")
    }
}

/// Where a certificate stands for renewal.
#[derive(Debug, Clone, PartialEq)]
pub struct Eligibility {
    /// The standing; `None` when this page does not know it.
    pub status: Option<EligibilityStatus>,
    /// When the renewal window opens.
    pub window_opens_at: String,
    /// Whole days to notAfter (negative once expired).
    pub days_left: i64,
    /// The certificate's notAfter.
    pub not_after: String,
}

/// `POST /challenges`.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    /// base64 of 32 bytes.
    pub challenge: String,
}

/// `POST /sessions`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionAnswer {
    /// The certificate's standing.
    pub eligibility: Eligibility,
    /// The open renewal's business number.
    pub open_renewal: Option<String>,
}

impl Eligibility {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Eligibility {
            status: named(
                f.required("status")?,
                &ELIGIBILITY,
                EligibilityStatus::as_str,
            ),
            window_opens_at: f.string("window_opens_at")?,
            days_left: f.i64("days_left")?,
            not_after: f.string("not_after")?,
        })
    }
}
via_value!(Eligibility, Eligibility::read);

impl Challenge {
    fn read(v: &Value) -> Res<Self> {
        Ok(Challenge {
            challenge: Fields::of(v)?.string("challenge")?,
        })
    }
}
via_value!(Challenge, Challenge::read);

impl SessionAnswer {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(SessionAnswer {
            eligibility: f.object("eligibility", Eligibility::read)?,
            open_renewal: f.opt_string("open_renewal")?,
        })
    }
}
via_value!(SessionAnswer, SessionAnswer::read);

/// One fee line.
#[derive(Debug, Clone, PartialEq)]
pub struct FeeLine {
    /// Chinese.
    pub name_zh: String,
    /// English.
    pub name_en: String,
    /// Amount.
    pub fen: i64,
}

/// One row of a renewal's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// When.
    pub at: String,
    /// `renewal.paid` …
    pub action: String,
    /// `user`, `staff`, `gateway`, `system`.
    pub by: String,
    /// Details.
    pub detail: Value,
}

/// One payment attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// Attempt number.
    pub out_trade_no: String,
    /// Method.
    pub method: Coded<PaymentMethod>,
    /// Its state.
    pub status: Coded<PaymentStatus>,
    /// Amount.
    pub amount_fen: i64,
    /// Started.
    pub created_at: String,
    /// Paid.
    pub paid_at: Option<String>,
    /// The gateway's page.
    pub pay_url: Option<String>,
    /// What was declared for a bank transfer.
    pub bank_transfer: Option<Value>,
}

/// The invoice request.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    /// Electronic or paper.
    pub kind: Coded<InvoiceKind>,
    /// Title.
    pub title: String,
    /// GB 32100 code.
    pub taxpayer_id: Option<String>,
    /// Its state.
    pub status: Coded<InvoiceStatus>,
}

/// The latest refund.
#[derive(Debug, Clone, PartialEq)]
pub struct Refund {
    /// `<out_trade_no>R`.
    pub refund_no: String,
    /// Its state.
    pub status: Coded<RefundStatus>,
    /// Amount.
    pub amount_fen: i64,
}

/// The renewed certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedCertificate {
    /// base64 DER.
    pub der: String,
    /// SHA-256 hex.
    pub sha256: String,
    /// Serial hex.
    pub serial: String,
    /// notBefore.
    pub not_before: String,
    /// notAfter.
    pub not_after: String,
    /// Issued, or confirmed on the token.
    pub status: Coded<CertificateStatus>,
}

/// A renewal (业务单) as its owner and the staff see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Renewal {
    /// 业务单号.
    pub business_no: String,
    /// Project id.
    pub project: String,
    /// The stage the customer sees; `None` when this page does not know it.
    pub stage: Option<Stage>,
    /// The state (docs/api.md §6); `None` when this page does not know it.
    pub status: Option<RenewalStatus>,
    /// The certificate being renewed.
    pub subject: String,
    /// Its SHA-256.
    pub cert_sha256: String,
    /// Its notAfter.
    pub old_not_after: String,
    /// Months paid for.
    pub months: u32,
    /// Fee lines.
    pub fee_lines: Vec<FeeLine>,
    /// Total.
    pub total_fen: i64,
    /// Total for people.
    pub total_display: String,
    /// The signed application.
    pub application: Value,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// The relying platform's way back.
    pub return_url: Option<String>,
    /// Approvals so far.
    pub approvals: u32,
    /// Applied.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Audit rows about it.
    pub timeline: Vec<TimelineEntry>,
    /// Payment attempts.
    pub payments: Vec<Payment>,
    /// Invoice request.
    pub invoice: Option<Invoice>,
    /// Latest refund.
    pub refund: Option<Refund>,
    /// The renewed certificate.
    pub certificate: Option<IssuedCertificate>,
    /// `single` or `dual`; absent: single.
    pub kind: Coded<CertificateKind>,
    /// The encryption half of a dual renewal.
    pub encryption: Option<RenewalEncryption>,
}

impl Renewal {
    /// Whether the renewal renews a signing and an encryption certificate together.
    pub fn is_dual(&self) -> bool {
        self.kind == CertificateKind::Dual
    }
}

/// The encryption certificates of a dual renewal: the old one (kept on the token) and,
/// once issued, the new one from the CA's key management centre.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RenewalEncryption {
    /// The old encryption certificate's SHA-256 (none for a first pair).
    pub old_sha256: Option<String>,
    /// Its notAfter.
    pub old_not_after: Option<String>,
    /// The new one, base64 DER, once issued.
    pub certificate: Option<String>,
    /// Its SHA-256.
    pub sha256: Option<String>,
    /// Its notAfter.
    pub not_after: Option<String>,
}

/// `POST /renewals/{no}/payments`.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentAnswer {
    /// The renewal after the call.
    pub renewal: Renewal,
    /// The new attempt.
    pub payment: Option<Payment>,
    /// An earlier attempt was found paid.
    pub already_paid: bool,
}

// A renewal and its parts are read through `Value` by hand (`crate::read`, issue 16):
// the derives linked a visitor per type and an `Option<T>` / `Vec<T>` reader per field
// type into `/renewals/` and `/admin/`. What may be missing is what the derives'
// `#[serde(default)]` and `Option`s allowed.

/// A closed set's name, which must be there.
fn coded<T: Copy + for<'de> Deserialize<'de>>(f: Fields, name: &str) -> Res<Coded<T>> {
    f.string(name).map(Coded::parse)
}

impl FeeLine {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(FeeLine {
            name_zh: f.string("name_zh")?,
            name_en: f.string("name_en")?,
            fen: f.i64("fen")?,
        })
    }
}
via_value!(FeeLine, FeeLine::read);

impl TimelineEntry {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(TimelineEntry {
            at: f.string("at")?,
            action: f.string("action")?,
            by: f.string_or_empty("by")?,
            detail: f.value("detail"),
        })
    }
}
via_value!(TimelineEntry, TimelineEntry::read);

impl Payment {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Payment {
            out_trade_no: f.string("out_trade_no")?,
            method: coded(f, "method")?,
            status: coded(f, "status")?,
            amount_fen: f.i64("amount_fen")?,
            created_at: f.string("created_at")?,
            paid_at: f.opt_string("paid_at")?,
            pay_url: f.opt_string("pay_url")?,
            bank_transfer: f.optional("bank_transfer").cloned(),
        })
    }
}
via_value!(Payment, Payment::read);

impl Invoice {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Invoice {
            kind: coded(f, "kind")?,
            title: f.string("title")?,
            taxpayer_id: f.opt_string("taxpayer_id")?,
            status: coded(f, "status")?,
        })
    }
}
via_value!(Invoice, Invoice::read);

impl Refund {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Refund {
            refund_no: f.string("refund_no")?,
            status: coded(f, "status")?,
            amount_fen: f.i64("amount_fen")?,
        })
    }
}
via_value!(Refund, Refund::read);

impl IssuedCertificate {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(IssuedCertificate {
            der: f.string("der")?,
            sha256: f.string("sha256")?,
            serial: f.string("serial")?,
            not_before: f.string("not_before")?,
            not_after: f.string("not_after")?,
            status: coded(f, "status")?,
        })
    }
}
via_value!(IssuedCertificate, IssuedCertificate::read);

impl RenewalEncryption {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(RenewalEncryption {
            old_sha256: f.opt_string("old_sha256")?,
            old_not_after: f.opt_string("old_not_after")?,
            certificate: f.opt_string("certificate")?,
            sha256: f.opt_string("sha256")?,
            not_after: f.opt_string("not_after")?,
        })
    }
}
via_value!(RenewalEncryption, RenewalEncryption::read);

impl Renewal {
    /// Reads a renewal as the server sends it (also inside the console's answers).
    pub(crate) fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Renewal {
            business_no: f.string("business_no")?,
            project: f.string("project")?,
            stage: f
                .optional("stage")
                .and_then(|v| named(v, &Stage::all(), Stage::as_str)),
            status: named(
                f.required("status")?,
                &RenewalStatus::ALL,
                RenewalStatus::as_str,
            ),
            subject: f.string("subject")?,
            cert_sha256: f.string("cert_sha256")?,
            old_not_after: f.string("old_not_after")?,
            months: f.u32("months")?,
            fee_lines: f.list("fee_lines", FeeLine::read)?,
            total_fen: f.i64("total_fen")?,
            total_display: f.string("total_display")?,
            application: f.value("application"),
            rejection_reason: f.opt_string("rejection_reason")?,
            return_url: f.opt_string("return_url")?,
            approvals: if f.has("approvals") {
                f.u32("approvals")?
            } else {
                0
            },
            created_at: f.string("created_at")?,
            updated_at: f.string("updated_at")?,
            timeline: f.list_or_empty("timeline", TimelineEntry::read)?,
            payments: f.list_or_empty("payments", Payment::read)?,
            invoice: f.opt_object("invoice", Invoice::read)?,
            refund: f.opt_object("refund", Refund::read)?,
            certificate: f.opt_object("certificate", IssuedCertificate::read)?,
            kind: if f.has("kind") {
                coded(f, "kind")?
            } else {
                Coded::default()
            },
            encryption: f.opt_object("encryption", RenewalEncryption::read)?,
        })
    }
}
via_value!(Renewal, Renewal::read);

impl PaymentAnswer {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(PaymentAnswer {
            renewal: f.object("renewal", Renewal::read)?,
            payment: f.opt_object("payment", Payment::read)?,
            already_paid: f.bool("already_paid")?,
        })
    }
}
via_value!(PaymentAnswer, PaymentAnswer::read);

/// `POST /renewals/{no}/csr`.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrAnswer {
    /// base64 DER.
    pub certificate: String,
    /// New notAfter.
    pub not_after: String,
    /// A dual renewal's encryption certificate and its key's envelope (to the new
    /// signing key), passed on to `install_certificate` as they are.
    pub encryption: Option<EncryptionInstall>,
}

impl CsrAnswer {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(CsrAnswer {
            certificate: f.string("certificate")?,
            not_after: f.string("not_after")?,
            encryption: f.opt_object("encryption", crate::bridge::read_encryption)?,
        })
    }
}
via_value!(CsrAnswer, CsrAnswer::read);

// The host's answers are protocol's own types: one definition for the host that
// writes them and the page that reads them (names kept as the app's screens use them).
pub use protocol::host::{
    CertificatePair, CertificateSummary as HostCertificate, EncryptionInstall,
    GenerateCsrResult as GeneratedCsr, HelloResult as Hello,
    ImportEncryptionKeyResult as ImportedKey, InstallCertificateResult as Installed,
    ListCertificatesResult as Listing, ModuleStatus as Module, SignResult as Signed,
    TokenCertificates as TokenListing, TokenSummary as Token,
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `named` reads what the derives read leniently, and nothing else.
    #[test]
    fn a_closed_set_is_read_by_name_as_the_derive_reads_it() {
        // A new standing must be added to `ELIGIBILITY` (this match stops compiling).
        for e in ELIGIBILITY {
            match e {
                EligibilityStatus::Eligible
                | EligibilityStatus::TooEarly
                | EligibilityStatus::Expired
                | EligibilityStatus::Revoked
                | EligibilityStatus::UnknownIssuer => {}
            }
        }
        let mut names: Vec<Value> = ["", "Approved", "approved ", "new_state", "pay"]
            .iter()
            .map(|n| json!(n))
            .collect();
        names.extend([json!(null), json!(3), json!(["approved"])]);
        names.extend(RenewalStatus::ALL.map(|s| json!(s.as_str())));
        names.extend(Stage::all().map(|s| json!(s.as_str())));
        names.extend(ELIGIBILITY.map(|s| json!(s.as_str())));
        for v in &names {
            assert_eq!(
                named(v, &RenewalStatus::ALL, RenewalStatus::as_str),
                read::lenient::<RenewalStatus>(v),
                "{v}"
            );
            assert_eq!(
                named(v, &Stage::all(), Stage::as_str),
                read::lenient::<Stage>(v),
                "{v}"
            );
            assert_eq!(
                named(v, &ELIGIBILITY, EligibilityStatus::as_str),
                read::lenient::<EligibilityStatus>(v),
                "{v}"
            );
        }
    }
}
