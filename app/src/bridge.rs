//! The extension, through its page library (`extension/page/certrenew-page.js`, copied
//! to `/certrenew-page.js` by Trunk): request/ack/response with ids, the 1 s ack
//! timeout (`EXTENSION_UNAVAILABLE`), typed results. The page never sends a PIN: the
//! extension asks for it in its own window.

use protocol::ErrorCode;
use protocol::envelope::{Envelope, KeyTransport};
use protocol::host::{
    CertificatePair, HistoryRemoval, KeyAlgorithm, MissingDriver, SignatureAlgorithm, Usage,
};
use protocol::ids::{CertSha256, KeyId, TokenSerial};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::AppError;
use crate::models::{
    EncryptionInstall, GeneratedCsr, Hello, HostCertificate, ImportedKey, Installed, Listing,
    Module, Signed, Token, TokenListing,
};
use crate::read::{self, Fields, Res};

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

/// The answer read by `read` (generic only in the reader it is given).
async fn call<T>(cmd: &str, args: Value, read: fn(&Value) -> Res<T>) -> Result<T, AppError> {
    let value = call_value(cmd, args).await?;
    read(&value).map_err(|e| unreadable(cmd, &e))
}

/// The request, not generic: the answer as a parsed JSON value.
async fn call_value(cmd: &str, args: Value) -> Result<Value, AppError> {
    let text = call_text(cmd, args).await?;
    serde_json::from_str::<Value>(&text).map_err(|e| unreadable(cmd, &e))
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
    call("hello", json!({}), read_hello).await
}

/// `list_certificates`: every token and certificate, no PIN.
pub async fn list_certificates() -> Result<Listing, AppError> {
    call("list_certificates", json!({}), read_listing).await
}

// The host's answers are read by hand through `Value` as `protocol::host`'s derives
// read them (the same names, checks of the serial, SHA-256, key id and standard base64,
// defaults): a bundle then links no derived reader of them, nor a `Vec<T>` / `Option<T>`
// reader per field type (issue 16). Tests compare with the derives.

fn signature_algorithm(f: Fields) -> Res<SignatureAlgorithm> {
    Ok(match f.string("algorithm")?.as_str() {
        "ecdsa-p256-sha256" => SignatureAlgorithm::EcdsaP256Sha256,
        "rsa-pkcs1-sha256" => SignatureAlgorithm::RsaPkcs1Sha256,
        "sm2-sm3" => SignatureAlgorithm::Sm2Sm3,
        other => return Err(format!("unknown variant `{other}`")),
    })
}

/// `sign`'s answer.
fn read_signed(v: &Value) -> Res<Signed> {
    let f = Fields::of(v)?;
    Ok(Signed {
        algorithm: signature_algorithm(f)?,
        signature: f.base64("signature")?,
        certificate: f.base64("certificate")?,
    })
}

fn sha256(v: &Value) -> Res<CertSha256> {
    CertSha256::parse(&read::string(v)?).map_err(|e| e.to_string())
}

fn key_id(f: Fields, name: &str) -> Res<KeyId> {
    KeyId::parse(&f.string(name)?).map_err(|e| e.to_string())
}

/// A token as `list_certificates` reports it.
pub(crate) fn read_token(v: &Value) -> Res<Token> {
    let f = Fields::of(v)?;
    Ok(Token {
        serial: TokenSerial::parse(&f.string("serial")?).map_err(|e| e.to_string())?,
        label: f.string("label")?,
        manufacturer: f.string("manufacturer")?,
        model: f.string("model")?,
        module: f.string("module")?,
        pin_pad: f.bool("pin_pad")?,
        pin_count_low: f.bool("pin_count_low")?,
        pin_final_try: f.bool("pin_final_try")?,
        pin_locked: f.bool("pin_locked")?,
    })
}

/// A certificate as `list_certificates` reports it.
pub(crate) fn read_certificate(v: &Value) -> Res<HostCertificate> {
    let f = Fields::of(v)?;
    let key_id = match f.optional("key_id") {
        Some(_) => Some(key_id(f, "key_id")?),
        None => None,
    };
    let usage = match f.string("usage")?.as_str() {
        "sign" => Usage::Sign,
        "encrypt" => Usage::Encrypt,
        "both" => Usage::Both,
        other => return Err(format!("unknown usage `{other}`")),
    };
    Ok(HostCertificate {
        der: f.base64("der")?,
        sha256: sha256(f.required("sha256")?)?,
        key_id,
        label: f.string("label")?,
        subject: f.string("subject")?,
        issuer: f.string("issuer")?,
        serial: f.string("serial")?,
        not_before: f.string("not_before")?,
        not_after: f.string("not_after")?,
        usage,
        has_private_key: f.bool("has_private_key")?,
        history: f.has("history") && f.bool("history")?,
    })
}

fn read_pair(v: &Value) -> Res<CertificatePair> {
    let f = Fields::of(v)?;
    Ok(CertificatePair {
        signing: sha256(f.required("signing")?)?,
        encryption: sha256(f.required("encryption")?)?,
    })
}

fn read_token_listing(v: &Value) -> Res<TokenListing> {
    let f = Fields::of(v)?;
    Ok(TokenListing {
        token: f.object("token", read_token)?,
        certificates: f.list("certificates", read_certificate)?,
        pairs: f.list_or_empty("pairs", read_pair)?,
    })
}

/// `list_certificates`' answer.
fn read_listing(v: &Value) -> Res<Listing> {
    Ok(Listing {
        tokens: Fields::of(v)?.list("tokens", read_token_listing)?,
    })
}

fn read_module(v: &Value) -> Res<Module> {
    let f = Fields::of(v)?;
    Ok(Module {
        path: f.string("path")?,
        loaded: f.bool("loaded")?,
        description: f.opt_string("description")?,
        error: f.opt_string("error")?,
        vendor: f.opt_string("vendor")?,
    })
}

fn read_missing_driver(v: &Value) -> Res<MissingDriver> {
    let f = Fields::of(v)?;
    Ok(MissingDriver {
        vendor: f.string("vendor")?,
        usb_vendor_id: f.string("usb_vendor_id")?,
    })
}

/// `hello`'s answer.
fn read_hello(v: &Value) -> Res<Hello> {
    let f = Fields::of(v)?;
    Ok(Hello {
        protocol: f.u32("protocol")?,
        host_version: f.string("host_version")?,
        capabilities: f.list("capabilities", read::string)?,
        modules: f.list("modules", read_module)?,
        missing_drivers: f.list_or_empty("missing_drivers", read_missing_driver)?,
    })
}

/// `generate_csr`'s answer.
fn read_generated(v: &Value) -> Res<GeneratedCsr> {
    let f = Fields::of(v)?;
    Ok(GeneratedCsr {
        key_id: key_id(f, "key_id")?,
        csr: f.base64("csr")?,
        binding_signature: f.base64("binding_signature")?,
        algorithm: signature_algorithm(f)?,
        key_algorithm: match f.string("key_algorithm")?.as_str() {
            "ec-p256" => KeyAlgorithm::EcP256,
            "rsa-2048" => KeyAlgorithm::Rsa2048,
            "sm2" | "sm2-sm3" => KeyAlgorithm::Sm2,
            other => return Err(format!("unknown variant `{other}`")),
        },
    })
}

/// `install_certificate`'s answer.
fn read_installed(v: &Value) -> Res<Installed> {
    let f = Fields::of(v)?;
    Ok(Installed {
        certificate: f.object("certificate", read_certificate)?,
        retired: f.bool("retired")?,
        confirmation_signature: f.base64("confirmation_signature")?,
        algorithm: signature_algorithm(f)?,
        encryption_certificate: f.opt_object("encryption_certificate", read_certificate)?,
        kept: f.list_or_empty("kept", sha256)?,
    })
}

/// `import_encryption_key`'s answer.
fn read_imported(v: &Value) -> Res<ImportedKey> {
    let f = Fields::of(v)?;
    Ok(ImportedKey {
        certificate: f.object("certificate", read_certificate)?,
        confirmation_signature: f.base64("confirmation_signature")?,
        algorithm: signature_algorithm(f)?,
    })
}

fn read_envelope(v: &Value) -> Res<Envelope> {
    let f = Fields::of(v)?;
    Ok(Envelope {
        version: f.u32("version")?,
        transport: match f.string("transport")?.as_str() {
            "rsa-oaep-sha1" => KeyTransport::RsaOaepSha1,
            "ecdh-p256-x963-sha256" => KeyTransport::EcdhP256X963Sha256,
            "sm2-enveloped-key" => KeyTransport::Sm2EnvelopedKey,
            other => return Err(format!("unknown variant `{other}`")),
        },
        recipient_spki_sha256: f.string("recipient_spki_sha256")?,
        ephemeral_public_key: match f.optional("ephemeral_public_key") {
            Some(_) => Some(f.base64("ephemeral_public_key")?),
            None => None,
        },
        wrapped_content_key: f.base64("wrapped_content_key")?,
        wrapped_private_key: f.base64("wrapped_private_key")?,
    })
}

fn read_removal(v: &Value) -> Res<HistoryRemoval> {
    let f = Fields::of(v)?;
    Ok(HistoryRemoval {
        after_days: f.u32("after_days")?,
        certificates: f.list_or_empty("certificates", sha256)?,
    })
}

/// A pair's encryption half (the CA's answer, passed on to `install_certificate`).
pub(crate) fn read_encryption(v: &Value) -> Res<EncryptionInstall> {
    let f = Fields::of(v)?;
    Ok(EncryptionInstall {
        certificate: f.base64("certificate")?,
        envelope: f.object("envelope", read_envelope)?,
        keep: match f.optional("keep") {
            Some(k) => Some(sha256(k)?),
            None => None,
        },
        remove: f.opt_object("remove", read_removal)?,
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
    call("sign", args, read_signed).await
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
        read_generated,
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
    call("install_certificate", args, read_installed).await
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
        read_imported,
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

    fn certificate(sha: char) -> Value {
        json!({"der": "MIIB", "sha256": sha.to_string().repeat(64), "key_id": "0a1b",
            "label": "l", "subject": "CN=张三", "issuer": "CN=CA", "serial": "01",
            "not_before": "2025-01-01T00:00:00Z", "not_after": "2026-01-01T00:00:00Z",
            "usage": "sign", "has_private_key": true})
    }

    fn token() -> Value {
        json!({"serial": "T1", "label": "key", "manufacturer": "FT", "model": "ePass",
            "module": "/lib/p11.so", "pin_pad": false, "pin_count_low": true,
            "pin_final_try": false, "pin_locked": false})
    }

    /// Reads `v` both ways: the same value, or both refuse it.
    fn same<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
        read: fn(&Value) -> Res<T>,
        v: Value,
    ) {
        let derived = serde_json::from_value::<T>(v.clone());
        match (read(&v), derived) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{v}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{v}: by hand {a:?}, derived {b:?}"),
        }
    }

    /// Each change of a good value, one field at a time: missing, `null`, a wrong type.
    fn each_field_changed<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
        read: fn(&Value) -> Res<T>,
        good: &Value,
    ) {
        same(read, good.clone());
        let fields: Vec<String> = good.as_object().expect("object").keys().cloned().collect();
        for name in fields {
            for change in [None, Some(Value::Null), Some(json!(7)), Some(json!("?"))] {
                let mut v = good.clone();
                let map = v.as_object_mut().expect("object");
                match change {
                    None => {
                        map.remove(&name);
                    }
                    Some(c) => {
                        map.insert(name.clone(), c);
                    }
                }
                same(read, v);
            }
        }
    }

    #[test]
    fn the_hosts_answers_read_as_the_derives_read_them() {
        let mut cert = certificate('a');
        each_field_changed(read_certificate, &cert);
        cert["history"] = json!(true);
        cert["usage"] = json!("both");
        same(read_certificate, cert.clone());
        cert["key_id"] = json!("xyz");
        same(read_certificate, cert);
        each_field_changed(read_token, &token());
        let listing = json!({"tokens": [{"token": token(),
            "certificates": [certificate('a'), certificate('b')],
            "pairs": [{"signing": "a".repeat(64), "encryption": "b".repeat(64)}]}]});
        same(read_listing, listing.clone());
        each_field_changed(read_token_listing, &listing["tokens"][0]);
        each_field_changed(read_pair, &listing["tokens"][0]["pairs"][0]);
        each_field_changed(read_listing, &json!({"tokens": []}));
        let hello = json!({"protocol": 1, "host_version": "1.2.3",
            "capabilities": ["hello", "dual-certificates"],
            "modules": [{"path": "/p.so", "loaded": true, "description": "d", "error": null,
                "vendor": "飞天诚信 Feitian"}],
            "missing_drivers": [{"vendor": "v", "usb_vendor_id": "096e"}]});
        each_field_changed(read_hello, &hello);
        each_field_changed(read_module, &hello["modules"][0]);
        each_field_changed(read_missing_driver, &hello["missing_drivers"][0]);
        for key_algorithm in ["ec-p256", "rsa-2048", "sm2", "sm2-sm3", "dsa"] {
            let generated = json!({"key_id": "0a", "csr": "MIIB", "binding_signature": "AQID",
                "algorithm": "sm2-sm3", "key_algorithm": key_algorithm});
            each_field_changed(read_generated, &generated);
        }
        let installed = json!({"certificate": certificate('a'), "retired": true,
            "confirmation_signature": "AQID", "algorithm": "ecdsa-p256-sha256",
            "encryption_certificate": certificate('b'), "kept": ["c".repeat(64)]});
        each_field_changed(read_installed, &installed);
        let imported = json!({"certificate": certificate('b'),
            "confirmation_signature": "AQID", "algorithm": "rsa-pkcs1-sha256"});
        each_field_changed(read_imported, &imported);
    }

    #[test]
    fn an_encryption_half_reads_as_the_derive_reads_it() {
        for transport in [
            "rsa-oaep-sha1",
            "ecdh-p256-x963-sha256",
            "sm2-enveloped-key",
            "x",
        ] {
            let envelope = json!({"version": 1, "transport": transport,
                "recipient_spki_sha256": "ab", "ephemeral_public_key": "BAEC",
                "wrapped_content_key": "AQID", "wrapped_private_key": "MIIB"});
            each_field_changed(read_envelope, &envelope);
        }
        let removal = json!({"after_days": 30, "certificates": ["d".repeat(64)]});
        each_field_changed(read_removal, &removal);
        let encryption = json!({"certificate": "MIIB",
            "envelope": {"version": 1, "transport": "sm2-enveloped-key",
                "recipient_spki_sha256": "ab", "wrapped_content_key": "",
                "wrapped_private_key": "MIIB"},
            "keep": "e".repeat(64), "remove": removal});
        each_field_changed(read_encryption, &encryption);
        let answer = json!({"certificate": "MIIB", "not_after": "2027-01-01T00:00:00Z",
            "encryption": encryption});
        let read: crate::models::CsrAnswer = serde_json::from_value(answer).expect("answer");
        assert_eq!(
            read.encryption.map(|e| e.keep.map(String::from)),
            Some(Some("e".repeat(64)))
        );
    }
}
