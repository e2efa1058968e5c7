//! The `[unionpay]` section of the payments configuration (docs/payments.md), with the
//! acp SDK's names (`acp_sdk.properties`) beside each field. The private key comes
//! from a file or from `CERTRENEW_UNIONPAY_SIGN_KEY`, never from the configuration
//! itself, and is never logged.

use std::path::{Path, PathBuf};

use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde::Deserialize;

use crate::payments::rsa_sign::RsaSigner;
use crate::payments::unionpay::{Credentials, NAME, PRODUCTION_GATEWAY, sign};

/// The environment variable that may hold the signing key (PEM) instead of a file.
pub const SIGN_KEY_ENV: &str = "CERTRENEW_UNIONPAY_SIGN_KEY";

/// UnionPay settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnionpaySettings {
    /// 商户代码 (`merId`, 15 digits).
    pub mer_id: String,
    /// The 签名证书 (`acpsdk.signCert.path`, the `.pfx` converted to PEM: its
    /// certificate); its serial number is the `certId` sent with every request.
    pub sign_cert_file: PathBuf,
    /// The 签名证书's private key (PEM, PKCS#8 or PKCS#1); or `CERTRENEW_UNIONPAY_SIGN_KEY`.
    #[serde(default)]
    pub sign_key_file: Option<PathBuf>,
    /// 根证书 (`acpsdk.rootCert.path`, `acp_prod_root.cer`).
    pub root_cert_file: PathBuf,
    /// 中级证书 (`acpsdk.middleCert.path`, `acp_prod_middle.cer`).
    pub middle_cert_file: PathBuf,
    /// The `gateway/api` base (default `https://gateway.95516.com/gateway/api`; the
    /// test environment is `https://gateway.test.95516.com/gateway/api`).
    #[serde(default)]
    pub gateway_url: Option<String>,
    /// `acpsdk.ifValidateCNName`: only `中国银联股份有限公司` signs (default true; false
    /// also takes the test environment's `00040000:SIGN`).
    #[serde(default)]
    pub validate_cn_name: Option<bool>,
}

/// A setting that cannot be used: (field, what is wrong).
pub type SettingError = (&'static str, String);

fn read(field: &'static str, path: &Path) -> Result<Vec<u8>, SettingError> {
    std::fs::read(path).map_err(|e| (field, format!("{}: {e}", path.display())))
}

/// UnionPay's credentials from its settings; notices and the customer come back to
/// `origin`.
pub fn credentials(
    s: &UnionpaySettings,
    origin: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Credentials, SettingError> {
    // Where the key came from, for the messages.
    let (pem, from) = match (env(SIGN_KEY_ENV), &s.sign_key_file) {
        (Some(pem), _) => (pem, PathBuf::from(format!("${SIGN_KEY_ENV}"))),
        (None, Some(path)) => (
            String::from_utf8(read("sign_key_file", path)?).map_err(|_| {
                (
                    "sign_key_file",
                    format!("{}: not a PEM file", path.display()),
                )
            })?,
            path.clone(),
        ),
        (None, None) => {
            return Err((
                "sign_key_file",
                format!("give the signing key in a file or in {SIGN_KEY_ENV}"),
            ));
        }
    };
    let sign_key = RsaPrivateKey::from_pkcs8_pem(&pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(&pem))
        .map_err(|e| {
            (
                "sign_key_file",
                format!("{}: not an RSA private key: {e}", from.display()),
            )
        })?;
    let sign_key = RsaSigner::of_file(&sign_key, &from).map_err(|m| ("sign_key_file", m))?;
    let cert = sign::der(&read("sign_cert_file", &s.sign_cert_file)?)
        .map_err(|e| ("sign_cert_file", e.to_string()))?;
    if &sign::cert_key(&cert).map_err(|e| ("sign_cert_file", e.to_string()))?
        != sign_key.public_key()
    {
        return Err((
            "sign_key_file",
            "the key is not the signing certificate's".to_owned(),
        ));
    }
    let trust = sign::Trust::new(
        &read("root_cert_file", &s.root_cert_file)?,
        &read("middle_cert_file", &s.middle_cert_file)?,
        s.validate_cn_name.unwrap_or(true),
    )
    .map_err(|e| ("middle_cert_file", e.to_string()))?;
    if s.mer_id.is_empty() || !s.mer_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(("mer_id", "the 商户代码 is letters and digits".to_owned()));
    }
    let origin = origin.trim_end_matches('/');
    Ok(Credentials {
        gateway_url: s
            .gateway_url
            .clone()
            .unwrap_or_else(|| PRODUCTION_GATEWAY.to_owned()),
        mer_id: s.mer_id.clone(),
        cert_id: sign::cert_id(&cert).map_err(|e| ("sign_cert_file", e.to_string()))?,
        sign_key,
        trust,
        back_url: format!("{origin}/api/v1/payments/notify/{NAME}"),
        origin: origin.to_owned(),
    })
}
