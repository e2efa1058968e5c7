//! Which gateway takes each online method, from the payments configuration: the file
//! named by `CERTRENEW_PAYMENTS_CONFIG` (TOML, docs/payments.md), secrets from files
//! it names or from the environment, never from the file itself and never logged.
//!
//! - `[wechat]` configured → WeChat Pay (`payments::wechat`) takes `wechat`;
//! - `[alipay]` configured → Alipay (`payments::alipay`) takes `alipay`;
//! - `[unionpay]` configured → UnionPay (`payments::unionpay`) takes `unionpay`;
//! - a method without its section, with the sandbox on → the same production code,
//!   pointed at the sandbox's emulator of that gateway (`crate::sandbox::gateways`), so
//!   development and every test run the code that talks to the real gateways;
//! - without its section and without the sandbox → no gateway for it.
//!
//! On a public origin a project that offers an online method with no gateway for it is
//! refused at start ([`unconfigured`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use protocol::payment::PaymentMethod;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;

use crate::config::Config;
use crate::payments::gateways::Gateways;
use crate::payments::rsa_sign::RsaSigner;
use crate::payments::wechat::aead::ApiV3Key;
use crate::payments::wechat::{self, Credentials, WechatPay};
use crate::providers::ONLINE_METHODS;
use crate::sandbox::Sandbox;

/// The environment variable naming the payments configuration file.
pub const CONFIG_ENV: &str = "CERTRENEW_PAYMENTS_CONFIG";
/// The environment variable that may hold the APIv3 key instead of a file.
pub const APIV3_KEY_ENV: &str = "CERTRENEW_WECHATPAY_APIV3_KEY";

/// Why the gateways could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The configuration file cannot be read or parsed.
    #[error("the payments configuration {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A setting is unusable.
    #[error("[{section}] {field}: {message}")]
    Setting {
        /// `wechat`.
        section: &'static str,
        /// The gateway's name for the field.
        field: &'static str,
        /// What is wrong, and what to do.
        message: String,
    },
    /// A public server offers methods without a gateway.
    #[error(
        "the online payment method(s) {methods} are offered by the projects but have no gateway configured: configure them in {CONFIG_ENV} (docs/payments.md) or remove them from the projects' payment_methods"
    )]
    Unconfigured {
        /// The methods, with their projects.
        methods: String,
    },
}

/// The payments configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentsFile {
    /// WeChat Pay (微信支付), for the `wechat` method.
    pub wechat: Option<WechatSettings>,
    /// Alipay (支付宝), for the `alipay` method.
    pub alipay: Option<AlipaySettings>,
    /// UnionPay (银联全渠道), for the `unionpay` method.
    pub unionpay: Option<crate::payments::unionpay::settings::UnionpaySettings>,
}

/// Alipay settings (key mode, RSA2), with the open platform's names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlipaySettings {
    /// APPID of the web/mobile application (网页/移动应用).
    pub app_id: String,
    /// 商户PID (`2088…`): notices must name it as `seller_id` (optional).
    #[serde(default)]
    pub seller_id: Option<String>,
    /// 应用私钥 (RSA2, PKCS#8 or PKCS#1 PEM), from the 密钥工具.
    pub app_private_key_file: PathBuf,
    /// 支付宝公钥 (PEM `PUBLIC KEY`, or the bare base64 shown by the open platform).
    pub alipay_public_key_file: PathBuf,
    /// 支付宝网关地址 (default `https://openapi.alipay.com/gateway.do`).
    #[serde(default)]
    pub gateway_url: Option<String>,
}

/// WeChat Pay settings, with the merchant platform's names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatSettings {
    /// 商户号.
    pub mchid: String,
    /// 应用ID bound to the merchant (公众号/小程序/开放平台).
    pub appid: String,
    /// 商户API证书序列号.
    pub merchant_serial_no: String,
    /// 商户API私钥 (`apiclient_key.pem`).
    pub merchant_private_key_file: PathBuf,
    /// 微信支付公钥 (`pub_key.pem`) or a 微信支付平台证书 (PEM).
    pub platform_public_key_file: PathBuf,
    /// 微信支付公钥ID (`PUB_KEY_ID_…`) or the platform certificate's serial.
    pub platform_public_key_id: String,
    /// A file holding the APIv3密钥 (or set `CERTRENEW_WECHATPAY_APIV3_KEY`).
    #[serde(default)]
    pub apiv3_key_file: Option<PathBuf>,
    /// The API host (default `https://api.mch.weixin.qq.com`).
    #[serde(default)]
    pub base_url: Option<String>,
}

fn setting(field: &'static str, message: impl std::fmt::Display) -> SetupError {
    in_section("wechat", field, message)
}

fn in_section(
    section: &'static str,
    field: &'static str,
    message: impl std::fmt::Display,
) -> SetupError {
    SetupError::Setting {
        section,
        field,
        message: message.to_string(),
    }
}

fn read(field: &'static str, path: &Path) -> Result<String, SetupError> {
    std::fs::read_to_string(path).map_err(|e| setting(field, format!("{}: {e}", path.display())))
}

/// Reads the file `CERTRENEW_PAYMENTS_CONFIG` names (none: nothing configured).
pub fn load(env: impl Fn(&str) -> Option<String>) -> Result<PaymentsFile, SetupError> {
    let Some(path) = env(CONFIG_ENV).filter(|p| !p.is_empty()).map(PathBuf::from) else {
        return Ok(PaymentsFile::default());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| SetupError::File {
        path: path.clone(),
        message: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| SetupError::File {
        path,
        message: e.to_string(),
    })
}

fn private_key(pem: &str, path: &Path) -> Result<RsaSigner, SetupError> {
    let field = "merchant_private_key_file";
    let key = RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| {
            setting(
                field,
                format!("{}: not an RSA private key: {e}", path.display()),
            )
        })?;
    RsaSigner::of_file(&key, path).map_err(|m| setting(field, m))
}

/// The public key of a `PUBLIC KEY` PEM or of a `CERTIFICATE`.
fn public_key(pem: &str) -> Result<RsaPublicKey, SetupError> {
    let field = "platform_public_key_file";
    if pem.contains("BEGIN CERTIFICATE") {
        let (_, p) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
            .map_err(|e| setting(field, format!("not a PEM certificate: {e}")))?;
        let cert = p
            .parse_x509()
            .map_err(|e| setting(field, format!("not a certificate: {e}")))?;
        return RsaPublicKey::from_public_key_der(cert.public_key().raw)
            .map_err(|e| setting(field, format!("not an RSA key: {e}")));
    }
    RsaPublicKey::from_public_key_pem(pem)
        .map_err(|e| setting(field, format!("not an RSA public key: {e}")))
}

/// WeChat Pay's credentials from its settings; notices come back to `origin`.
pub fn wechat_credentials(
    s: &WechatSettings,
    origin: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Credentials, SetupError> {
    let apiv3 = match (&s.apiv3_key_file, env(APIV3_KEY_ENV)) {
        (_, Some(key)) => key,
        (Some(path), None) => read("apiv3_key_file", path)?,
        (None, None) => {
            return Err(setting(
                "apiv3_key_file",
                format!("give the APIv3密钥 in a file or in {APIV3_KEY_ENV}"),
            ));
        }
    };
    Ok(Credentials {
        base_url: s
            .base_url
            .clone()
            .unwrap_or_else(|| wechat::PRODUCTION_BASE_URL.to_owned()),
        mchid: s.mchid.clone(),
        appid: s.appid.clone(),
        merchant_serial_no: s.merchant_serial_no.clone(),
        merchant_key: private_key(
            &read("merchant_private_key_file", &s.merchant_private_key_file)?,
            &s.merchant_private_key_file,
        )?,
        platform_key: public_key(&read(
            "platform_public_key_file",
            &s.platform_public_key_file,
        )?)?,
        platform_serial: s.platform_public_key_id.clone(),
        apiv3_key: ApiV3Key::new(&apiv3).map_err(|e| setting("apiv3_key_file", e))?,
        notify_url: format!(
            "{}/api/v1/payments/notify/{}",
            origin.trim_end_matches('/'),
            wechat::NAME
        ),
    })
}

/// Alipay's credentials from its settings; notices and the customer come back to
/// `origin`.
pub fn alipay_credentials(
    s: &AlipaySettings,
    origin: &str,
) -> Result<crate::payments::alipay::Credentials, SetupError> {
    let section = "alipay";
    let read = |field: &'static str, path: &Path| {
        std::fs::read_to_string(path)
            .map_err(|e| in_section(section, field, format!("{}: {e}", path.display())))
    };
    let pem = read("app_private_key_file", &s.app_private_key_file)?;
    let app_private_key = RsaPrivateKey::from_pkcs8_pem(&pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(&pem))
        .or_else(|_| {
            // The 密钥工具 also gives the bare base64 of the PKCS#8 key.
            let der = base64_body(&pem);
            RsaPrivateKey::from_pkcs8_der(&der).or_else(|_| RsaPrivateKey::from_pkcs1_der(&der))
        })
        .map_err(|e| {
            in_section(
                section,
                "app_private_key_file",
                format!(
                    "{}: not an RSA private key: {e}",
                    s.app_private_key_file.display()
                ),
            )
        })?;
    let app_private_key = RsaSigner::of_file(&app_private_key, &s.app_private_key_file)
        .map_err(|m| in_section(section, "app_private_key_file", m))?;
    let pem = read("alipay_public_key_file", &s.alipay_public_key_file)?;
    let alipay_public_key = RsaPublicKey::from_public_key_pem(&pem)
        .or_else(|_| RsaPublicKey::from_public_key_der(&base64_body(&pem)))
        .map_err(|e| {
            in_section(
                section,
                "alipay_public_key_file",
                format!("not an RSA public key: {e}"),
            )
        })?;
    let origin = origin.trim_end_matches('/');
    Ok(crate::payments::alipay::Credentials {
        gateway_url: s
            .gateway_url
            .clone()
            .unwrap_or_else(|| crate::payments::alipay::PRODUCTION_GATEWAY.to_owned()),
        app_id: s.app_id.clone(),
        seller_id: s.seller_id.clone(),
        app_private_key,
        alipay_public_key,
        notify_url: format!(
            "{origin}/api/v1/payments/notify/{}",
            crate::payments::alipay::NAME
        ),
        return_origin: origin.to_owned(),
    })
}

/// The bytes of a bare base64 key (whitespace ignored); empty when not base64.
fn base64_body(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    let compact: String = text.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .unwrap_or_default()
}

/// The gateways: `base` (none) with each configured provider, or with the sandbox on
/// each emulated one, put in front.
pub fn gateways(
    config: &Config,
    sandbox: Option<&Sandbox>,
    base: Gateways,
) -> Result<Gateways, SetupError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let file = load(env)?;
    let origin = config.public_origin.as_str();
    let wechat = match (&file.wechat, sandbox) {
        (Some(s), _) => Some(wechat_credentials(s, origin, env)?),
        (None, Some(sandbox)) => Some(sandbox.wechatpay()),
        (None, None) => None,
    };
    let alipay = match (&file.alipay, sandbox) {
        (Some(s), _) => Some(alipay_credentials(s, origin)?),
        (None, Some(sandbox)) => Some(sandbox.alipay()),
        (None, None) => None,
    };
    let unionpay = match (&file.unionpay, sandbox) {
        (Some(s), _) => Some(
            crate::payments::unionpay::settings::credentials(s, origin, env)
                .map_err(|(field, m)| in_section("unionpay", field, m))?,
        ),
        (None, Some(sandbox)) => Some(
            sandbox
                .unionpay()
                .map_err(|e| in_section("unionpay", "sandbox", e))?,
        ),
        (None, None) => None,
    };
    let mut gateways = base;
    if let Some(c) = unionpay {
        // A query needs the order's txnTime, kept in the attempt's pay URL: read with a
        // one-connection pool of its own, opened at the first such query.
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect_lazy(&config.database_url)
            .map_err(|e| in_section("unionpay", "database_url", e))?;
        let sent = Arc::new(crate::payments::unionpay::StoredOrders(pool));
        let provider = crate::payments::unionpay::Unionpay::new(c, Some(sent))
            .map_err(|e| in_section("unionpay", "gateway_url", e))?;
        gateways = gateways.with(PaymentMethod::Unionpay, Arc::new(provider));
    }
    if let Some(c) = alipay {
        let provider = crate::payments::alipay::Alipay::new(c)
            .map_err(|e| in_section("alipay", "gateway_url", e))?;
        gateways = gateways.with(PaymentMethod::Alipay, Arc::new(provider));
    }
    if let Some(c) = wechat {
        let provider = WechatPay::new(c).map_err(|e| setting("base_url", e))?;
        gateways = gateways.with(PaymentMethod::Wechat, Arc::new(provider));
    }
    if !config.public_origin.is_development()
        && let Some(methods) = unconfigured(config, &gateways)
    {
        return Err(SetupError::Unconfigured { methods });
    }
    Ok(gateways)
}

/// The online methods some project offers with no gateway for them, with the projects
/// (`alipay (gd-med, sz-med)`); none when every one has its gateway.
pub fn unconfigured(config: &Config, gateways: &Gateways) -> Option<String> {
    let missing: Vec<String> = ONLINE_METHODS
        .into_iter()
        .filter(|m| gateways.for_method(*m).name() == "none")
        .filter_map(|m| {
            let projects: Vec<&str> = config
                .projects
                .iter()
                .filter(|p| p.offers(m))
                .map(|p| p.id.as_str())
                .collect();
            (!projects.is_empty()).then(|| format!("{m} ({})", projects.join(", ")))
        })
        .collect();
    (!missing.is_empty()).then(|| missing.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/payments/testdata")
            .join(name)
    }

    /// A merchant key the `rsa` crate reads (here 1024 bits, PKCS#1) but ring cannot
    /// sign with stops the start with the section, the field, the file and what to do,
    /// for each gateway; not a panic at the first payment.
    #[test]
    fn a_key_ring_refuses_is_named_at_start() {
        let key = testdata("rsa1024-test-key.pem");
        let file = key.display().to_string();
        let origin = "https://ca.example.cn";
        let check = |e: String, field: &str| {
            assert!(e.contains(field), "{e}");
            assert!(e.contains(&file), "{e}");
            assert!(e.contains("1024 bits"), "{e}");
            assert!(e.contains("shorter than 2048 bits"), "{e}");
            assert!(e.contains("openssl genpkey"), "{e}");
        };

        let alipay = AlipaySettings {
            app_id: "2021000000000000".into(),
            seller_id: None,
            app_private_key_file: key.clone(),
            alipay_public_key_file: testdata("absent.pem"),
            gateway_url: None,
        };
        let e = alipay_credentials(&alipay, origin).unwrap_err();
        check(e.to_string(), "[alipay] app_private_key_file");

        let wechat = WechatSettings {
            mchid: "1900009191".into(),
            appid: "wxd678efh567hg6787".into(),
            merchant_serial_no: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
            merchant_private_key_file: key.clone(),
            platform_public_key_file: testdata("absent.pem"),
            platform_public_key_id: "PUB_KEY_ID_0000000000000000000000000000".into(),
            apiv3_key_file: None,
            base_url: None,
        };
        let apiv3 = |_: &str| Some("0123456789abcdef0123456789abcdef".to_owned());
        let e = wechat_credentials(&wechat, origin, apiv3).unwrap_err();
        check(e.to_string(), "[wechat] merchant_private_key_file");

        let unionpay = crate::payments::unionpay::settings::UnionpaySettings {
            mer_id: "777290058110097".into(),
            sign_cert_file: testdata("absent.pem"),
            sign_key_file: Some(key.clone()),
            root_cert_file: testdata("absent.pem"),
            middle_cert_file: testdata("absent.pem"),
            gateway_url: None,
            validate_cn_name: None,
        };
        let (field, e) =
            crate::payments::unionpay::settings::credentials(&unionpay, origin, |_| None)
                .unwrap_err();
        assert_eq!(field, "sign_key_file");
        check(format!("{field}: {e}"), "sign_key_file");
        // From the environment: named by the variable.
        let pem = std::fs::read_to_string(&key).unwrap();
        let (_, e) = crate::payments::unionpay::settings::credentials(&unionpay, origin, |_| {
            Some(pem.clone())
        })
        .unwrap_err();
        assert!(e.starts_with("$CERTRENEW_UNIONPAY_SIGN_KEY: "), "{e}");
        assert!(e.contains("shorter than 2048 bits"), "{e}");
    }
}
