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
            status: read::lenient(f.required("status")?),
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FeeLine {
    /// Chinese.
    pub name_zh: String,
    /// English.
    pub name_en: String,
    /// Amount.
    pub fen: i64,
}

/// One row of a renewal's timeline.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TimelineEntry {
    /// When.
    pub at: String,
    /// `renewal.paid` …
    pub action: String,
    /// `user`, `staff`, `gateway`, `system`.
    #[serde(default)]
    pub by: String,
    /// Details.
    #[serde(default)]
    pub detail: Value,
}

/// One payment attempt.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
    #[serde(default)]
    pub paid_at: Option<String>,
    /// The gateway's page.
    #[serde(default)]
    pub pay_url: Option<String>,
    /// What was declared for a bank transfer.
    #[serde(default)]
    pub bank_transfer: Option<Value>,
}

/// The invoice request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Invoice {
    /// Electronic or paper.
    pub kind: Coded<InvoiceKind>,
    /// Title.
    pub title: String,
    /// GB 32100 code.
    #[serde(default)]
    pub taxpayer_id: Option<String>,
    /// Its state.
    pub status: Coded<InvoiceStatus>,
}

/// The latest refund.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Refund {
    /// `<out_trade_no>R`.
    pub refund_no: String,
    /// Its state.
    pub status: Coded<RefundStatus>,
    /// Amount.
    pub amount_fen: i64,
}

/// The renewed certificate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Renewal {
    /// 业务单号.
    pub business_no: String,
    /// Project id.
    pub project: String,
    /// The stage the customer sees; `None` when this page does not know it.
    #[serde(default, deserialize_with = "lenient")]
    pub stage: Option<Stage>,
    /// The state (docs/api.md §6); `None` when this page does not know it.
    #[serde(deserialize_with = "lenient")]
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
    #[serde(default)]
    pub application: Value,
    /// Why it was rejected.
    #[serde(default)]
    pub rejection_reason: Option<String>,
    /// The relying platform's way back.
    #[serde(default)]
    pub return_url: Option<String>,
    /// Approvals so far.
    #[serde(default)]
    pub approvals: u32,
    /// Applied.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Audit rows about it.
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    /// Payment attempts.
    #[serde(default)]
    pub payments: Vec<Payment>,
    /// Invoice request.
    #[serde(default)]
    pub invoice: Option<Invoice>,
    /// Latest refund.
    #[serde(default)]
    pub refund: Option<Refund>,
    /// The renewed certificate.
    #[serde(default)]
    pub certificate: Option<IssuedCertificate>,
    /// `single` or `dual`; absent: single.
    #[serde(default)]
    pub kind: Coded<CertificateKind>,
    /// The encryption half of a dual renewal.
    #[serde(default)]
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
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct RenewalEncryption {
    /// The old encryption certificate's SHA-256 (none for a first pair).
    #[serde(default)]
    pub old_sha256: Option<String>,
    /// Its notAfter.
    #[serde(default)]
    pub old_not_after: Option<String>,
    /// The new one, base64 DER, once issued.
    #[serde(default)]
    pub certificate: Option<String>,
    /// Its SHA-256.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Its notAfter.
    #[serde(default)]
    pub not_after: Option<String>,
}

/// `POST /renewals/{no}/payments`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PaymentAnswer {
    /// The renewal after the call.
    pub renewal: Renewal,
    /// The new attempt.
    pub payment: Option<Payment>,
    /// An earlier attempt was found paid.
    pub already_paid: bool,
}

/// `POST /renewals/{no}/csr`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CsrAnswer {
    /// base64 DER.
    pub certificate: String,
    /// New notAfter.
    pub not_after: String,
    /// A dual renewal's encryption certificate and its key's envelope (to the new
    /// signing key), passed on to `install_certificate` as they are.
    #[serde(default)]
    pub encryption: Option<EncryptionInstall>,
}

// The host's answers are protocol's own types: one definition for the host that
// writes them and the page that reads them (names kept as the app's screens use them).
pub use protocol::host::{
    CertificatePair, CertificateSummary as HostCertificate, EncryptionInstall,
    GenerateCsrResult as GeneratedCsr, HelloResult as Hello,
    ImportEncryptionKeyResult as ImportedKey, InstallCertificateResult as Installed,
    ListCertificatesResult as Listing, ModuleStatus as Module, SignResult as Signed,
    TokenCertificates as TokenListing, TokenSummary as Token,
};
