//! Emulated payment gateways that speak the real gateways' wire protocols, so the
//! production providers (`crate::payments::wechat`, …) run against them unchanged in
//! development and in every test: [`wechat`] (WeChat Pay API v3), [`alipay`] (Alipay's
//! open-platform gateway), [`unionpay`] (UnionPay's 全渠道 gateway, ACP 5.1.0). Their
//! keys are made once (UnionPay's at the first use) in the sandbox's key directory
//! (`CERTRENEW_SANDBOX_KEY_DIR`, default `<data dir>/sandbox`), which test servers
//! share so that a start reads keys rather than generating eight RSA keys.

pub mod alipay;
pub mod unionpay;
pub mod wechat;

use std::path::Path;

use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};

use crate::payments::rsa_sign::RsaSigner;
use crate::sandbox::KeyError;

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it, renamed
/// over it, so a server starting at the same moment reads either nothing or the file.
/// When two make the same key at once, the last rename wins and the first server
/// re-reads the winner (see [`load_or_make_key`]).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", crate::random::hex(8)));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The RSA key at `path`, made there (2048 bits) when missing.
pub(crate) fn load_or_make_key(path: &Path) -> Result<RsaPrivateKey, KeyError> {
    let err = |message: String| KeyError::new(path, message);
    let read = || -> Result<RsaPrivateKey, KeyError> {
        let pem = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| err(e.to_string()))
    };
    if path.exists() {
        return read();
    }
    let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| err(e.to_string()))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| err(e.to_string()))?;
    write_atomically(path, pem.as_bytes()).map_err(|e| err(e.to_string()))?;
    // Another process may have renamed its key over ours meanwhile: use what the file
    // holds, so every server sharing the directory signs with the same key.
    read()
}

/// The signer of the RSA key at `path`, made there when missing (a key put there by
/// hand that ring cannot sign with is refused, naming the file).
pub(crate) fn load_or_make_signer(path: &Path) -> Result<RsaSigner, KeyError> {
    signer_of(&load_or_make_key(path)?, path)
}

/// The signer of `key`, read from `path`.
pub(crate) fn signer_of(key: &RsaPrivateKey, path: &Path) -> Result<RsaSigner, KeyError> {
    RsaSigner::new(key).map_err(|e| KeyError::new(path, e.to_string()))
}

/// The text secret at `path` (`chars` random hex digits), made when missing.
pub(crate) fn load_or_make_secret(path: &Path, chars: usize) -> Result<String, KeyError> {
    let err = |message: String| KeyError::new(path, message);
    let read = || {
        std::fs::read_to_string(path)
            .map(|s| s.trim().to_owned())
            .map_err(|e| err(e.to_string()))
    };
    if path.exists() {
        return read();
    }
    let secret = crate::random::hex(chars.div_ceil(2))[..chars].to_owned();
    write_atomically(path, secret.as_bytes()).map_err(|e| err(e.to_string()))?;
    read()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("secret.txt");
        let first = load_or_make_secret(&path, 32).unwrap();
        assert_eq!(first.len(), 32);
        assert_eq!(load_or_make_secret(&path, 32).unwrap(), first);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("secret.txt")]);
    }
}
