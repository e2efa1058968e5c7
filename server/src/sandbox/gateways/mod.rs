//! Emulated payment gateways that speak the real gateways' wire protocols, so the
//! production providers (`crate::payments::wechat`, …) run against them unchanged in
//! development and in every test: [`wechat`] (WeChat Pay API v3), [`alipay`] (Alipay's
//! open-platform gateway), [`unionpay`] (UnionPay's 全渠道 gateway, ACP 5.1.0). Their
//! keys are made at the first start (UnionPay's at the first use) and kept beside the
//! sandbox's other files.

pub mod alipay;
pub mod unionpay;
pub mod wechat;

use std::path::Path;

use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};

use crate::sandbox::KeyError;

/// The RSA key at `path`, made there (2048 bits) when missing.
pub(crate) fn load_or_make_key(path: &Path) -> Result<RsaPrivateKey, KeyError> {
    let err = |message: String| KeyError::new(path, message);
    if path.exists() {
        let pem = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        return RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| err(e.to_string()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    }
    let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| err(e.to_string()))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| err(e.to_string()))?;
    std::fs::write(path, pem.as_bytes()).map_err(|e| err(e.to_string()))?;
    Ok(key)
}

/// The text secret at `path` (`chars` random hex digits), made when missing.
pub(crate) fn load_or_make_secret(path: &Path, chars: usize) -> Result<String, KeyError> {
    let err = |message: String| KeyError::new(path, message);
    if path.exists() {
        return std::fs::read_to_string(path)
            .map(|s| s.trim().to_owned())
            .map_err(|e| err(e.to_string()));
    }
    let secret = crate::random::hex(chars.div_ceil(2))[..chars].to_owned();
    std::fs::write(path, &secret).map_err(|e| err(e.to_string()))?;
    Ok(secret)
}
