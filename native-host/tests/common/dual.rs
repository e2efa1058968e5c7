//! A dual token mid-renewal: an old signing pair (`CKA_ID` 01) and an old encryption
//! pair (02) of one subject; `generate_csr` with `dual: true` has made the new
//! signing key, the CA has issued the new signing certificate, and the "KMC" (openssl
//! and RustCrypto here) the new encryption key, its certificate and the envelope.

use serde_json::{Value, json};

use super::*;

pub const SUBJECT: &str = "/C=CN/O=测试医药有限公司/CN=张三";

pub struct DualToken {
    pub token: TestToken,
    pub ca: TestCa,
    pub key_type: String,
    pub serial: String,
    pub old_sign: Vec<u8>,
    pub old_enc: Vec<u8>,
    pub key_id: String,
    pub new_sign: Vec<u8>,
    pub new_enc: Vec<u8>,
    /// The new encryption private key's PKCS#8 DER, as the KMC escrows it.
    pub pkcs8: Vec<u8>,
    pub envelope: Value,
}

/// The protocol's algorithm name for a pkcs11-tool key type.
pub fn algorithm(key_type: &str) -> &'static str {
    if key_type.starts_with("rsa") {
        "rsa-2048"
    } else {
        "ec-p256"
    }
}

impl DualToken {
    /// Prepares the token up to the install (`key_type`: `rsa:2048` or `EC:prime256v1`).
    pub fn prepare(key_type: &str) -> Self {
        let token = TestToken::new();
        let ca = TestCa::new();
        let old_sign = token.add_certificate(&ca, "01", "张三", SUBJECT, key_type, 30);
        let old_enc =
            token.add_encryption_certificate(&ca, "02", "张三 加密", SUBJECT, key_type, 30);
        let serial = token.serial();
        let mut host = token.host();
        let csr = host.ok(
            "generate_csr",
            json!({"token": serial, "cert_sha256": sha256_hex(&old_sign), "pin": PIN,
                   "algorithm": algorithm(key_type), "challenge": CHALLENGE, "dual": true}),
        );
        drop(host);
        let key_id = csr["key_id"].as_str().unwrap().to_owned();
        let new_sign = ca.issue_for_csr(&unb64(&csr["csr"]), 365, "new-sign");
        let (pkcs8, spki) = kmc_key(ca.dir.path(), key_type, "new-enc");
        let new_enc =
            ca.issue_for_public_key_ext(&spki, SUBJECT, 365, "new-enc", encryption_ext(key_type));
        let envelope = envelope::envelope(&new_sign, &pkcs8);
        Self {
            token,
            ca,
            key_type: key_type.to_owned(),
            serial,
            old_sign,
            old_enc,
            key_id,
            new_sign,
            new_enc,
            pkcs8,
            envelope,
        }
    }

    /// The `install_certificate` arguments of the dual renewal.
    pub fn install_args(&self) -> Value {
        json!({
            "token": self.serial,
            "key_id": self.key_id,
            "certificate": b64(&self.new_sign),
            "retire": sha256_hex(&self.old_sign),
            "challenge": CHALLENGE,
            "pin": PIN,
            "encryption": {
                "certificate": b64(&self.new_enc),
                "envelope": self.envelope,
                "keep": sha256_hex(&self.old_enc),
            },
        })
    }

    /// The new encryption pair's `CKA_ID`, hex.
    pub fn enc_id(&self) -> String {
        encryption_key_id(&self.new_enc)
    }
}
