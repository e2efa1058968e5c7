//! The extension, through its page library (`extension/page/certrenew-page.js`, copied
//! to `/certrenew-page.js` by Trunk): request/ack/response with ids, the 1 s ack
//! timeout (`EXTENSION_UNAVAILABLE`), typed results. The page never sends a PIN: the
//! extension asks for it in its own window.

use protocol::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use protocol::host::SignatureAlgorithm;

use crate::error::AppError;
use crate::models::{
    EncryptionInstall, GeneratedCsr, Hello, ImportedKey, Installed, Listing, Signed,
};
use crate::read::{Fields, Res};

#[wasm_bindgen(raw_module = "/certrenew-page.js")]
extern "C" {
    #[wasm_bindgen(js_name = request)]
    fn js_request(cmd: &str, args: JsValue, options: JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = waitForReady)]
    fn js_wait_for_ready(timeout_ms: f64) -> js_sys::Promise;
}

/// A JSON value of the page library as JSON text: the app reads the extension's answers
/// with `serde_json`, as the server's, so no type has a second deserialiser in the wasm
/// (issue 16). What crosses from the extension is JSON already (runtime messages).
fn json_text(value: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(value).ok()?.as_string()
}

fn to_error(value: JsValue) -> AppError {
    json_text(&value)
        .and_then(|text| serde_json::from_str::<AppError>(&text).ok())
        .unwrap_or_else(|| AppError::new(ErrorCode::Internal, "malformed error from the extension"))
}

async fn call<T: DeserializeOwned>(cmd: &str, args: Value) -> Result<T, AppError> {
    let result = call_text(cmd, args).await?;
    serde_json::from_str(&result).map_err(|e| unreadable(cmd, &e))
}

fn unreadable(cmd: &str, e: &dyn std::fmt::Display) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("unreadable answer to {cmd}: {e}"),
    )
}

/// The request, not generic (one copy in the wasm): the answer as JSON text.
async fn call_text(cmd: &str, args: Value) -> Result<String, AppError> {
    let args = js_sys::JSON::parse(&args.to_string())
        .map_err(|_| AppError::new(ErrorCode::Internal, "unencodable request"))?;
    let result = JsFuture::from(js_request(cmd, args, JsValue::UNDEFINED))
        .await
        .map_err(to_error)?;
    json_text(&result).ok_or_else(|| unreadable(cmd, &"not JSON"))
}

/// The extension's version once its content script announced itself (waits up to
/// `timeout_ms`); `EXTENSION_UNAVAILABLE` when it is not there.
pub async fn extension_version(timeout_ms: u32) -> Result<String, AppError> {
    let v = JsFuture::from(js_wait_for_ready(f64::from(timeout_ms)))
        .await
        .map_err(to_error)?;
    v.as_string()
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "the extension announced no version"))
}

/// `hello`: the host's version and modules.
pub async fn hello() -> Result<Hello, AppError> {
    call("hello", json!({})).await
}

/// `list_certificates`: every token and certificate, no PIN.
pub async fn list_certificates() -> Result<Listing, AppError> {
    call("list_certificates", json!({})).await
}

/// `sign`'s answer, read by hand through `Value` as `protocol::host`'s derive reads it
/// (the algorithm's names, standard base64): every bundle that signs then links no
/// derived reader of `SignResult`, `SignatureAlgorithm` or `Base64Bytes` (issue 16).
fn read_signed(v: &Value) -> Res<Signed> {
    let f = Fields::of(v)?;
    let algorithm = match f.string("algorithm")?.as_str() {
        "ecdsa-p256-sha256" => SignatureAlgorithm::EcdsaP256Sha256,
        "rsa-pkcs1-sha256" => SignatureAlgorithm::RsaPkcs1Sha256,
        "sm2-sm3" => SignatureAlgorithm::Sm2Sm3,
        other => return Err(format!("unknown variant `{other}`")),
    };
    Ok(Signed {
        algorithm,
        signature: f.base64("signature")?,
        certificate: f.base64("certificate")?,
    })
}

/// `sign`: the `login` or `apply` signature (the PIN is asked in the extension).
pub async fn sign(
    token: &str,
    cert_sha256: &str,
    purpose: &str,
    challenge: &str,
    payload_sha256: Option<&str>,
) -> Result<Signed, AppError> {
    let mut args = json!({"token": token, "cert_sha256": cert_sha256, "purpose": purpose, "challenge": challenge});
    if let Some(p) = payload_sha256 {
        args["payload_sha256"] = json!(p);
    }
    let text = call_text("sign", args).await?;
    serde_json::from_str::<Value>(&text)
        .map_err(|e| e.to_string())
        .and_then(|v| read_signed(&v))
        .map_err(|e| unreadable("sign", &e))
}

/// `generate_csr`: a new key pair on the token, its CSR, and the old key's binding.
/// `dual`: the new signing key can also open the KMC's envelope (a pair's renewal).
pub async fn generate_csr(
    token: &str,
    cert_sha256: &str,
    algorithm: &str,
    challenge: &str,
    dual: bool,
) -> Result<GeneratedCsr, AppError> {
    call(
        "generate_csr",
        json!({"token": token, "cert_sha256": cert_sha256, "algorithm": algorithm, "challenge": challenge, "dual": dual}),
    )
    .await
}

/// `install_certificate`: writes the certificate beside its key (and, for a pair, the
/// encryption key from its envelope and the encryption certificate), retires the old
/// one last, and signs `installed` with the new key. Idempotent.
pub async fn install_certificate(
    token: &str,
    key_id: &str,
    certificate: &str,
    retire: &str,
    challenge: &str,
    encryption: Option<&EncryptionInstall>,
) -> Result<Installed, AppError> {
    let mut args = json!({"token": token, "key_id": key_id, "certificate": certificate, "retire": retire, "challenge": challenge});
    if let Some(e) = encryption {
        args["encryption"] = serde_json::to_value(e)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    }
    call("install_certificate", args).await
}

/// `import_encryption_key`: key recovery, an escrowed encryption key enveloped to the
/// signing key of `cert_sha256`, written to the token.
pub async fn import_encryption_key(
    token: &str,
    cert_sha256: &str,
    encryption: &EncryptionInstall,
    challenge: &str,
) -> Result<ImportedKey, AppError> {
    let encryption = serde_json::to_value(encryption)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    call(
        "import_encryption_key",
        json!({"token": token, "cert_sha256": cert_sha256, "encryption": encryption, "challenge": challenge}),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand reader reads what protocol's derive reads, and refuses what it refuses.
    #[test]
    fn a_signature_reads_as_the_derive_reads_it() {
        for algorithm in ["ecdsa-p256-sha256", "rsa-pkcs1-sha256", "sm2-sm3"] {
            let v = json!({"algorithm": algorithm, "signature": "AQID", "certificate": "MIIB"});
            let derived: Signed = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(read_signed(&v).unwrap(), derived);
        }
        let bad = json!({"algorithm": "md5", "signature": "AQID", "certificate": "MIIB"});
        assert!(read_signed(&bad).is_err());
        let bad = json!({"algorithm": "sm2-sm3", "signature": "A?", "certificate": "MIIB"});
        assert!(read_signed(&bad).is_err());
        assert!(read_signed(&json!({"algorithm": "sm2-sm3", "signature": "AQID"})).is_err());
    }
}
