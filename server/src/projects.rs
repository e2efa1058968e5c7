//! The relying platforms (projects) this CA renews certificates for, each with its own
//! prices, window, agreement, notice, payment methods, minimum client versions and
//! certificate profile. Configured in the server's TOML file; the four platforms of
//! the CA manuals are the built-in samples.

use protocol::certificate::CertificateKind;
use protocol::payment::PaymentMethod;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ca::{ExtKeyUsage, KeyUsage, Profile};

/// One price: a renewal period and what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Months of validity added.
    pub months: u32,
    /// Fee in fen.
    pub fen: i64,
}

/// The electronic certification service agreement (电子认证服务协议).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    /// The version the applicant accepts; recorded in the application.
    pub version: String,
    /// The text, Chinese.
    pub text_zh: String,
    /// The text, English.
    pub text_en: String,
}

/// Who to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Support {
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Opening hours, Chinese.
    pub hours_zh: String,
    /// Opening hours, English.
    pub hours_en: String,
}

/// The CA's account that bank transfers (对公转账) are paid into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayeeAccount {
    /// 开户公司名称.
    pub name_zh: String,
    /// The account name in English.
    pub name_en: String,
    /// 开户账号.
    pub account_no: String,
    /// 开户行.
    pub bank_zh: String,
    /// The bank in English.
    pub bank_en: String,
}

/// The certificate profile of renewed certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    /// Key usages.
    #[schema(value_type = Vec<String>)]
    pub key_usage: Vec<KeyUsage>,
    /// Extended key usages.
    #[schema(value_type = Vec<String>)]
    pub extended_key_usage: Vec<ExtKeyUsage>,
    /// Certificate policy OIDs, dotted.
    #[serde(default)]
    pub policy_oids: Vec<String>,
}

impl ProfileConfig {
    /// As the CA takes it.
    pub fn to_profile(&self) -> Profile {
        Profile {
            key_usage: self.key_usage.clone(),
            extended_key_usage: self.extended_key_usage.clone(),
            policy_oids: self.policy_oids.clone(),
        }
    }
}

fn default_window() -> u32 {
    90
}

fn default_approvals() -> u32 {
    1
}

/// Which keys a project's certificates certify, and so which CA issues them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Algorithm {
    /// RSA or EC P-256 keys, issued by the configured CA (the default).
    #[default]
    #[serde(rename = "rsa-ec")]
    RsaEc,
    /// SM2 keys (国密), issued SM3withSM2 by the SM2 CA beside it (GM/T 0015;
    /// `certrenew-server ca init --algorithm sm2`).
    #[serde(rename = "sm2")]
    Sm2,
}

impl Algorithm {
    /// Whether a request for a key that is (`sm2`) or is not SM2 fits; the reason
    /// when it does not.
    pub fn check_request(self, sm2: bool) -> Result<(), &'static str> {
        match (self, sm2) {
            (Algorithm::Sm2, false) => {
                Err("this platform issues SM2 (国密) certificates: the new key must be an SM2 key")
            }
            (Algorithm::RsaEc, true) => {
                Err("this platform issues RSA and EC certificates: the new key must not be SM2")
            }
            _ => Ok(()),
        }
    }
}

fn single_kind() -> CertificateKind {
    CertificateKind::Single
}

/// A relying platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Short id used in URLs (`/renew?project=…`).
    pub id: String,
    /// Name, Chinese.
    pub name_zh: String,
    /// Name, English.
    pub name_en: String,
    /// The oldest native host that may be used.
    pub min_host_version: String,
    /// The oldest extension that may be used.
    pub min_extension_version: String,
    /// Online renewal opens this many days before expiry.
    #[serde(default = "default_window")]
    pub renewal_window_days: u32,
    /// The periods on offer.
    pub prices: Vec<Price>,
    /// The fee line's name, Chinese.
    pub fee_line_zh: String,
    /// The fee line's name, English.
    pub fee_line_en: String,
    /// The agreement to accept.
    pub agreement: Agreement,
    /// The platform's notice to read first (供应商须知), Chinese; empty for none.
    #[serde(default)]
    pub notice_zh: String,
    /// The notice, English.
    #[serde(default)]
    pub notice_en: String,
    /// `alipay`, `unionpay`, `wechat`, `bank_transfer`.
    pub payment_methods: Vec<String>,
    /// The account bank transfers go to (needed when `bank_transfer` is offered).
    #[serde(default)]
    pub payee: Option<PayeeAccount>,
    /// `electronic`, `paper`.
    pub invoice_kinds: Vec<String>,
    /// Support contacts.
    pub support: Support,
    /// Where the platform may ask to be sent back to at the end (exact prefixes).
    #[serde(default)]
    pub return_urls: Vec<String>,
    /// Distinct reviewers who must approve.
    #[serde(default = "default_approvals")]
    pub approvals_required: u32,
    /// The profile of issued certificates.
    pub profile: ProfileConfig,
    /// What a renewal issues: `single` (the default) or `dual`, a signing and an
    /// encryption certificate, the encryption key from the KMC (docs/kmc.md).
    #[serde(default = "single_kind")]
    #[schema(value_type = String)]
    pub kind: CertificateKind,
    /// A dual project's policy for old encryption certificates kept on the token as
    /// history: a renewal may remove one this many days after its notAfter; absent:
    /// kept forever (docs/kmc.md, docs/protocol.md §9 `remove`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_old_encryption_after_days: Option<u32>,
    /// The keys certified: `rsa-ec` (the default) or `sm2` (needs the SM2 CA).
    #[serde(default)]
    pub algorithm: Algorithm,
    /// The certificate being renewed once the new one is confirmed: `keep_valid` (the
    /// default, valid to its notAfter) or `revoke_superseded` (docs/revocation.md).
    #[serde(default)]
    pub old_certificate: protocol::certificate::OldCertificate,
    /// Where the platform wants the signed callback when one of its renewals closes
    /// (completed, rejected, cancelled, expired); none: no callbacks. Never served.
    #[serde(default, skip_serializing)]
    pub webhook_url: Option<String>,
    /// The HMAC key that signs those callbacks (or `CERTRENEW_WEBHOOK_SECRET_<ID>`).
    /// Never served, never logged.
    #[serde(default, skip_serializing)]
    pub webhook_secret: Option<Secret>,
}

/// A shared secret from the configuration: compared and used, never shown.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for signing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The shortest webhook secret accepted, in bytes.
pub const MIN_WEBHOOK_SECRET: usize = 16;

impl Project {
    /// The price of a period, if offered.
    pub fn price(&self, months: u32) -> Option<i64> {
        self.prices
            .iter()
            .find(|p| p.months == months)
            .map(|p| p.fen)
    }

    /// Whether the project offers paying by `method` (names checked at load).
    pub fn offers(&self, method: PaymentMethod) -> bool {
        self.payment_methods.iter().any(|m| m == method.as_str())
    }

    /// Whether `url` is one the platform allowed as a return address: it starts with an
    /// allowed prefix at a boundary (`/`, `?`, `#`, or `:` before a port), and has no
    /// user-info part that could name another host.
    pub fn allows_return_url(&self, url: &str) -> bool {
        let authority_end = url.find("://").map(|i| i + 3).map(|start| {
            url[start..]
                .find(['/', '?', '#'])
                .map_or(url.len(), |end| start + end)
        });
        let safe = url.len() <= 2048
            && !url.chars().any(|c| c.is_control() || c.is_whitespace())
            && authority_end.is_some_and(|end| !url[..end].contains('@'));
        safe && self
            .return_urls
            .iter()
            .any(|allowed| match url.strip_prefix(allowed.as_str()) {
                Some(rest) => {
                    allowed.ends_with('/')
                        || rest.is_empty()
                        || rest.starts_with(['/', '?', '#', ':'])
                }
                None => false,
            })
    }
}

/// Checks a configured project list: unique ids, sensible prices and methods.
pub fn check(projects: &[Project]) -> Result<(), String> {
    let mut ids = std::collections::HashSet::new();
    for p in projects {
        if !ids.insert(p.id.as_str()) {
            return Err(format!("project id {:?} appears twice", p.id));
        }
        if p.id.is_empty() || !p.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!(
                "project id {:?} must be letters, digits and dashes",
                p.id
            ));
        }
        if p.prices.is_empty()
            || p.prices
                .iter()
                .any(|x| x.fen <= 0 || x.months == 0 || x.months > 120)
        {
            return Err(format!(
                "project {}: prices must be 1..=120 months for more than 0 fen",
                p.id
            ));
        }
        for m in &p.payment_methods {
            if PaymentMethod::parse(m).is_none() {
                return Err(format!("project {}: unknown payment method {m:?}", p.id));
            }
        }
        if p.offers(PaymentMethod::BankTransfer) && p.payee.is_none() {
            return Err(format!(
                "project {}: bank_transfer is offered, so [projects.payee] must name the account it is paid into",
                p.id
            ));
        }
        if p.approvals_required == 0 {
            return Err(format!(
                "project {}: approvals_required must be at least 1",
                p.id
            ));
        }
        check_webhook(p)?;
    }
    Ok(())
}

/// A webhook needs an http(s) URL and a secret long enough to resist guessing.
fn check_webhook(p: &Project) -> Result<(), String> {
    let Some(url) = &p.webhook_url else {
        return Ok(());
    };
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("project {}: webhook_url {url:?} is not a URL: {e}", p.id))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "project {}: webhook_url must be an http:// or https:// URL",
            p.id
        ));
    }
    match &p.webhook_secret {
        Some(secret) if secret.expose().len() >= MIN_WEBHOOK_SECRET => Ok(()),
        Some(_) => Err(format!(
            "project {}: webhook_secret must be at least {MIN_WEBHOOK_SECRET} bytes",
            p.id
        )),
        None => Err(format!(
            "project {}: webhook_url needs webhook_secret (or CERTRENEW_WEBHOOK_SECRET_{})",
            p.id,
            env_suffix(&p.id)
        )),
    }
}

/// A project id as it appears in environment variable names: `gd-med` → `GD_MED`.
pub fn env_suffix(id: &str) -> String {
    id.to_ascii_uppercase().replace('-', "_")
}

fn agreement() -> Agreement {
    Agreement {
        version: "2024.1".into(),
        text_zh: "网证通电子认证服务协议\n\n一、本协议是证书订户与电子认证服务机构之间就数字证书的申请、使用和续期所订立的协议。\n二、订户应保证所提交资料真实、准确、完整，并妥善保管证书私钥及其保护口令（PIN）。\n三、证书续期后新证书的有效期自原证书服务年费结束时间起计算。\n四、证书私钥在订户的USB Key中生成，电子认证服务机构不持有订户私钥。\n五、订户如发现私钥泄露或证书信息变更，应立即申请撤销证书。".into(),
        text_en: "Electronic certification service agreement\n\n1. This agreement covers the application for, use and renewal of digital certificates between the subscriber and the certification authority.\n2. The subscriber warrants that the information submitted is true, accurate and complete, and keeps the certificate's private key and its PIN safe.\n3. After renewal, the new certificate's validity counts from the end of the original annual service period.\n4. Private keys are generated inside the subscriber's USB key; the CA never holds them.\n5. The subscriber requests revocation at once if the key is compromised or the certificate's details change.".into(),
    }
}

fn support() -> Support {
    Support {
        phone: "400-830-1330".into(),
        email: "support@ca.example.com".into(),
        hours_zh: "工作日 8:30–17:30".into(),
        hours_en: "Working days 8:30–17:30".into(),
    }
}

/// The CA's account of the GDCA manual's bank-transfer page.
fn payee() -> PayeeAccount {
    PayeeAccount {
        name_zh: "广东省电子商务认证有限公司".into(),
        name_en: "Guangdong Electronic Certification Authority Co., Ltd.".into(),
        account_no: "7443 9001 8260 0096 874".into(),
        bank_zh: "中信银行广州花园支行".into(),
        bank_en: "China CITIC Bank, Guangzhou Huayuan sub-branch".into(),
    }
}

fn profile() -> ProfileConfig {
    ProfileConfig {
        key_usage: vec![KeyUsage::DigitalSignature, KeyUsage::NonRepudiation],
        extended_key_usage: vec![ExtKeyUsage::ClientAuth, ExtKeyUsage::EmailProtection],
        policy_oids: vec![],
    }
}

fn yearly(fen_per_year: i64) -> Vec<Price> {
    [12, 24, 36]
        .into_iter()
        .map(|months| Price {
            months,
            fen: fen_per_year * i64::from(months / 12),
        })
        .collect()
}

/// A sample project: what the four manuals' platforms have in common, with their own
/// names, yearly price, number of reviewers, notice and return addresses.
fn sample(
    id: &str,
    name_zh: &str,
    name_en: &str,
    fen_per_year: i64,
    approvals_required: u32,
) -> Project {
    Project {
        id: id.into(),
        name_zh: name_zh.into(),
        name_en: name_en.into(),
        min_host_version: "0.1.0".into(),
        min_extension_version: "0.1.0".into(),
        renewal_window_days: 90,
        prices: yearly(fen_per_year),
        fee_line_zh: "证书服务年费".into(),
        fee_line_en: "Certificate annual service fee".into(),
        agreement: agreement(),
        notice_zh: String::new(),
        notice_en: String::new(),
        payment_methods: ["alipay", "unionpay", "wechat", "bank_transfer"]
            .map(str::to_owned)
            .to_vec(),
        payee: Some(payee()),
        invoice_kinds: ["electronic", "paper"].map(str::to_owned).to_vec(),
        support: support(),
        return_urls: vec![],
        approvals_required,
        profile: profile(),
        kind: CertificateKind::Single,
        algorithm: Algorithm::RsaEc,
        remove_old_encryption_after_days: None,
        old_certificate: Default::default(),
        webhook_url: None,
        webhook_secret: None,
    }
}

/// The four platforms of the CA manuals.
pub fn samples() -> Vec<Project> {
    let pingan = Project {
        notice_zh: "供应商须知\n\n1. 请使用申请CA时的帐号登录财智云系统后办理续期。\n2. 续期完成后，原CA证书即不可再用于本系统，请使用续期后的证书登录。\n3. 续期费用由网证通收取，发票由网证通开具。".into(),
        notice_en: "Notice to suppliers\n\n1. Renew while logged in to Caizhiyun with the account the CA certificate was applied for with.\n2. After renewal the old certificate no longer works with this system; log in with the renewed one.\n3. The renewal fee is collected, and the invoice issued, by the CA.".into(),
        return_urls: vec!["https://caizhiyun.example.com/".into(), "http://127.0.0.1".into()],
        ..sample("pingan", "平安财智云", "Ping An Caizhiyun", 10_000, 1)
    };
    vec![
        sample(
            "gd-med",
            "广东省医用耗材交易系统",
            "Guangdong Medical Consumables Trading System",
            10_000,
            1,
        ),
        sample(
            "sz-med",
            "深圳市医用耗材阳光交易和监管平台",
            "Shenzhen Medical Consumables Sunshine Trading and Supervision Platform",
            20_000,
            1,
        ),
        sample(
            "gz-soe",
            "广州国企阳光采购服务平台",
            "Guangzhou State-owned Enterprise Sunshine Procurement Service Platform",
            10_000,
            2,
        ),
        pingan,
        // The Guangdong platform's USB keys hold a signing and an encryption certificate;
        // an old encryption certificate stays a year after it expired.
        Project {
            kind: CertificateKind::Dual,
            remove_old_encryption_after_days: Some(365),
            ..sample(
                "gd-med-dual",
                "广东省医用耗材交易系统（双证书）",
                "Guangdong Medical Consumables Trading System (dual certificates)",
                10_000,
                1,
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_valid() {
        let s = samples();
        check(&s).unwrap();
        assert_eq!(s.len(), 5);
        assert_eq!(s[4].kind, CertificateKind::Dual);
        assert_eq!(s[0].price(24), Some(20_000));
        assert_eq!(s[1].price(12), Some(20_000));
        assert_eq!(s[0].price(6), None);
    }

    #[test]
    fn return_urls_are_allow_listed() {
        let p = samples().into_iter().find(|p| p.id == "pingan").unwrap();
        assert!(p.allows_return_url("https://caizhiyun.example.com/ca/renewed"));
        assert!(!p.allows_return_url("https://evil.example.com/"));
        assert!(p.allows_return_url("http://127.0.0.1:8080/done?x=1"));
        assert!(!p.allows_return_url("http://127.0.0.1.evil.example/"));
        assert!(!p.allows_return_url("http://127.0.0.1:80@evil.example/"));
        assert!(!p.allows_return_url("https://caizhiyun.example.com.evil.example/"));
        assert!(!p.allows_return_url("javascript:alert(1)"));
    }

    #[test]
    fn bad_lists_are_refused() {
        let mut s = samples();
        s[1].id = s[0].id.clone();
        assert!(check(&s).unwrap_err().contains("twice"));
        let mut s = samples();
        s[0].payment_methods.push("cash".into());
        assert!(check(&s).unwrap_err().contains("cash"));
    }

    #[test]
    fn webhooks_need_a_url_and_a_long_secret() {
        let mut s = samples();
        s[3].webhook_url = Some("https://caizhiyun.example.com/ca/callback".into());
        assert!(
            check(&s)
                .unwrap_err()
                .contains("CERTRENEW_WEBHOOK_SECRET_PINGAN")
        );
        s[3].webhook_secret = Some(Secret::new("short"));
        assert!(check(&s).unwrap_err().contains("at least 16 bytes"));
        s[3].webhook_secret = Some(Secret::new("a development secret, 32 bytes.."));
        check(&s).unwrap();
        s[3].webhook_url = Some("ftp://caizhiyun.example.com/".into());
        assert!(check(&s).unwrap_err().contains("http://"));
    }

    #[test]
    fn webhook_settings_are_never_served_or_shown() {
        let mut p = samples().remove(0);
        p.webhook_url = Some("https://platform.example/hook".into());
        p.webhook_secret = Some(Secret::new("0123456789abcdef-secret"));
        let served = serde_json::to_string(&p).unwrap();
        assert!(!served.contains("webhook"), "{served}");
        let shown = format!("{p:?}");
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
        assert_eq!(env_suffix("gd-med"), "GD_MED");
    }
}
