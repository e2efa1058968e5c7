//! Which gateway takes each online method, from the payments configuration: the file
//! named by `CERTRENEW_PAYMENTS_CONFIG` (TOML, docs/payments.md), secrets from files
//! it names or from the environment, never from the file itself and never logged.
//!
//! - `[wechat]` configured → WeChat Pay (`payments::wechat`) takes `wechat`;
//! - else, with the sandbox on → the same WeChat Pay code, pointed at the sandbox's
//!   WeChat Pay emulator (`crate::sandbox::gateways::wechat`);
//! - `alipay` and `unionpay` keep the sandbox's generic gateway (or none) until their
//!   providers are written.
//!
//! On a public origin a project that offers an online method with no gateway for it is
//! refused at start ([`unconfigured`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;

use crate::config::Config;
use crate::payments::gateways::Gateways;
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
    SetupError::Setting {
        section: "wechat",
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

fn private_key(pem: &str) -> Result<RsaPrivateKey, SetupError> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| {
            setting(
                "merchant_private_key_file",
                format!("not an RSA private key: {e}"),
            )
        })
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
        merchant_key: private_key(&read(
            "merchant_private_key_file",
            &s.merchant_private_key_file,
        )?)?,
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

/// The gateways: `base` (the sandbox's generic gateway, or none) with the configured
/// providers put in front.
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
    let mut gateways = base;
    if let Some(c) = wechat {
        let provider = WechatPay::new(c).map_err(|e| setting("base_url", e))?;
        gateways = gateways.with("wechat", Arc::new(provider));
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
        .iter()
        .filter(|m| gateways.for_method(m).name() == "none")
        .filter_map(|m| {
            let projects: Vec<&str> = config
                .projects
                .iter()
                .filter(|p| p.payment_methods.iter().any(|pm| pm == m))
                .map(|p| p.id.as_str())
                .collect();
            (!projects.is_empty()).then(|| format!("{m} ({})", projects.join(", ")))
        })
        .collect();
    (!missing.is_empty()).then(|| missing.join(", "))
}
