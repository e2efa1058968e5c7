//! UnionPay ACP 5.1.0 signatures (`signMethod=01`) and the trust in UnionPay's signing
//! certificate, as the acp SDK does them (`AcpService::sign` / `AcpService::validate`
//! and `CertUtil::verifyAndGetVerifyCert` of the PHP/Java SDK, version 5.1.0):
//!
//! - the signed string: every field but `signature`, sorted by name, `k=v` joined
//!   with `&`, the raw values (`createLinkString($params, true, false)`);
//! - `signature` = base64(SHA256withRSA(hex(SHA-256(that string)))): the lowercase hex
//!   digest is what is signed (`openssl_sign(hash('sha256', $str), …, 'sha256')`);
//! - a request names the merchant's signing certificate by `certId` (its serial
//!   number, decimal); an answer or notice carries UnionPay's signing certificate in
//!   `signPubKeyCert` (PEM), believed only when it chains to the configured middle and
//!   root certificates (`acpsdk.middleCert.path`, `acpsdk.rootCert.path`), is valid now
//!   and its CN's third `@` part is `中国银联股份有限公司` (`acpsdk.ifValidateCNName`;
//!   the test environment's certificates say `00040000:SIGN`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use x509_parser::prelude::{ASN1Time, FromDer, X509Certificate};

use crate::payments::rsa_sign::{self, RsaSigner};

/// The CN part of UnionPay's production signing certificate.
pub const UNIONPAY_CN: &str = "中国银联股份有限公司";
/// The CN part of the test environment's signing certificate.
pub const TEST_CN: &str = "00040000:SIGN";

/// Why a signature or certificate is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// No `signature`, or not version 5.1.0 with `signMethod=01`.
    #[error("the UnionPay message is not signed with signMethod 01 (version 5.1.0)")]
    Unsigned,
    /// The signature does not verify.
    #[error("the UnionPay signature does not verify")]
    Bad,
    /// `signPubKeyCert` is missing, unreadable, or not UnionPay's.
    #[error("the UnionPay signing certificate is refused: {0}")]
    Certificate(String),
}

/// The string the signature covers.
pub fn content(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, _)| k.as_str() != "signature")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The lowercase hex SHA-256 of the signed string (what the RSA signature covers).
pub fn digest_hex(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// Signs `params` in place: `signMethod=01`, `certId`, then `signature`.
pub fn sign(key: &RsaSigner, cert_id: &str, params: &mut BTreeMap<String, String>) {
    params.insert("signMethod".into(), "01".into());
    params.insert("certId".into(), cert_id.to_owned());
    sign_in_place(key, params);
}

/// `signature` over the other fields.
fn sign_in_place(key: &RsaSigner, params: &mut BTreeMap<String, String>) {
    params.remove("signature");
    let digest = digest_hex(&content(params));
    let s = key.sign(digest.as_bytes());
    params.insert("signature".into(), STANDARD.encode(s));
}

/// Signs an answer or notice in place (the gateway's side): `signPubKeyCert` carries
/// the signing certificate, no `certId`.
pub fn sign_with_cert(key: &RsaSigner, cert_pem: &str, params: &mut BTreeMap<String, String>) {
    params.insert("signMethod".into(), "01".into());
    params.insert("signPubKeyCert".into(), cert_pem.to_owned());
    sign_in_place(key, params);
}

/// Checks `signature` over `params` with `key`.
pub fn verify(key: &RsaPublicKey, params: &BTreeMap<String, String>) -> Result<(), SignError> {
    if params.get("signMethod").map(String::as_str) != Some("01")
        || params.get("version").map(String::as_str) != Some("5.1.0")
    {
        return Err(SignError::Unsigned);
    }
    let sig = params.get("signature").ok_or(SignError::Unsigned)?;
    let bytes = STANDARD
        .decode(sig.trim().as_bytes())
        .map_err(|_| SignError::Bad)?;
    if rsa_sign::verify(key, digest_hex(&content(params)).as_bytes(), &bytes) {
        Ok(())
    } else {
        Err(SignError::Bad)
    }
}

/// The DER of a certificate given as PEM or DER.
pub fn der(bytes: &[u8]) -> Result<Vec<u8>, SignError> {
    if bytes.starts_with(b"-----") || bytes.iter().take(64).all(|b| b.is_ascii()) {
        let (_, pem) = x509_parser::pem::parse_x509_pem(bytes)
            .map_err(|e| SignError::Certificate(format!("not a PEM certificate: {e}")))?;
        return Ok(pem.contents);
    }
    Ok(bytes.to_vec())
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, SignError> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| SignError::Certificate(format!("unreadable certificate: {e}")))
}

/// A certificate's serial number in decimal (the SDK's `certId`).
pub fn cert_id(der: &[u8]) -> Result<String, SignError> {
    Ok(parse(der)?.serial.to_string())
}

/// The RSA public key of a certificate.
pub fn cert_key(der: &[u8]) -> Result<RsaPublicKey, SignError> {
    RsaPublicKey::from_public_key_der(parse(der)?.public_key().raw)
        .map_err(|e| SignError::Certificate(format!("not an RSA key: {e}")))
}

/// UnionPay's certificates: the root and middle its signing certificate must chain to.
#[derive(Clone)]
pub struct Trust {
    root: Vec<u8>,
    middle: Vec<u8>,
    /// Only `中国银联股份有限公司` (production); else the test CN is taken too.
    validate_cn: bool,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field("validate_cn", &self.validate_cn)
            .finish_non_exhaustive()
    }
}

impl Trust {
    /// The root and middle certificates (PEM or DER); the middle must be the root's.
    pub fn new(root: &[u8], middle: &[u8], validate_cn: bool) -> Result<Self, SignError> {
        let (root, middle) = (der(root)?, der(middle)?);
        {
            let (r, m) = (parse(&root)?, parse(&middle)?);
            r.verify_signature(None)
                .map_err(|e| SignError::Certificate(format!("the root is not self-signed: {e}")))?;
            m.verify_signature(Some(r.public_key())).map_err(|e| {
                SignError::Certificate(format!("the middle certificate is not the root's: {e}"))
            })?;
        }
        Ok(Self {
            root,
            middle,
            validate_cn,
        })
    }

    /// The key of UnionPay's signing certificate `pem` (a notice's `signPubKeyCert`),
    /// when it is UnionPay's and valid at `now_s` (Unix seconds).
    pub fn signing_key(&self, pem: &str, now_s: i64) -> Result<RsaPublicKey, SignError> {
        let bad = |m: &str| SignError::Certificate(m.to_owned());
        let leaf_der = der(pem.as_bytes())?;
        let leaf = parse(&leaf_der)?;
        let cn = leaf
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .ok_or_else(|| bad("no CN"))?;
        let company = cn.split('@').nth(2).unwrap_or_default();
        let ok = company == UNIONPAY_CN || (!self.validate_cn && company == TEST_CN);
        if !ok {
            return Err(bad("its CN does not name UnionPay"));
        }
        let at = ASN1Time::from_timestamp(now_s).map_err(|_| bad("bad time"))?;
        let (root, middle) = (parse(&self.root)?, parse(&self.middle)?);
        if !leaf.validity().is_valid_at(at) || !middle.validity().is_valid_at(at) {
            return Err(bad("expired or not yet valid"));
        }
        if leaf.issuer() != middle.subject() {
            return Err(bad("not issued by the configured middle certificate"));
        }
        leaf.verify_signature(Some(middle.public_key()))
            .map_err(|_| bad("not signed by the configured middle certificate"))?;
        middle
            .verify_signature(Some(root.public_key()))
            .map_err(|_| bad("the middle certificate is not the root's"))?;
        cert_key(&leaf_der)
    }

    /// Checks an answer's or notice's signature with its `signPubKeyCert`.
    pub fn verify(&self, params: &BTreeMap<String, String>, now_s: i64) -> Result<(), SignError> {
        let pem = params
            .get("signPubKeyCert")
            .ok_or_else(|| SignError::Certificate("no signPubKeyCert".into()))?;
        verify(&self.signing_key(pem, now_s)?, params)
    }
}

/// `k=v&k=v` with raw values, as UnionPay writes its synchronous answers; read back by
/// [`parse_answer`].
pub fn answer_string(params: &BTreeMap<String, String>) -> String {
    content_all(params)
}

fn content_all(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Reads a synchronous answer (`k=v&k=v`, raw values; `{…}` values may hold `&`),
/// splitting each pair at its first `=` as the SDK's `parseQString` does.
pub fn parse_answer(body: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = body.as_bytes();
    let mut pairs = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'&' if depth == 0 => {
                pairs.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pairs.push(&body[start..]);
    for p in pairs {
        if let Some((k, v)) = p.split_once('=') {
            out.insert(k.to_owned(), v.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The signed string of the SDK's consumption sample (front consume, 5.1.0):
    /// sorted, raw values, `signature` left out; signed as its SHA-256 hex.
    #[test]
    fn the_signed_string_is_sorted_raw_and_hashed_as_hex() {
        let p = params(&[
            ("version", "5.1.0"),
            ("encoding", "UTF-8"),
            ("txnType", "01"),
            ("txnSubType", "01"),
            ("bizType", "000201"),
            (
                "frontUrl",
                "http://localhost:8080/ACPSample_B2C/frontRcvResponse",
            ),
            (
                "backUrl",
                "http://222.222.222.222:8080/ACPSample_B2C/backRcvResponse",
            ),
            ("signMethod", "01"),
            ("channelType", "08"),
            ("accessType", "0"),
            ("currencyCode", "156"),
            ("merId", "777290058110097"),
            ("orderId", "20190715185304"),
            ("txnTime", "20190715185304"),
            ("txnAmt", "1000"),
            ("signature", "x"),
        ]);
        let c = content(&p);
        assert_eq!(
            c,
            "accessType=0&backUrl=http://222.222.222.222:8080/ACPSample_B2C/backRcvResponse&bizType=000201&channelType=08&currencyCode=156&encoding=UTF-8&frontUrl=http://localhost:8080/ACPSample_B2C/frontRcvResponse&merId=777290058110097&orderId=20190715185304&signMethod=01&txnAmt=1000&txnSubType=01&txnTime=20190715185304&txnType=01&version=5.1.0"
        );
        // SHA-256 of "abc" (FIPS 180-2's example), lowercase hex as the SDK signs it.
        assert_eq!(
            digest_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn answers_are_read_back_with_braces_and_equal_signs() {
        let a = parse_answer(
            "a=1&b={x=1&y=2}&signature=AB==&signPubKeyCert=-----BEGIN CERTIFICATE-----\nQQ==\n-----END CERTIFICATE-----",
        );
        assert_eq!(a["a"], "1");
        assert_eq!(a["b"], "{x=1&y=2}");
        assert_eq!(a["signature"], "AB==");
        assert!(a["signPubKeyCert"].ends_with("-----END CERTIFICATE-----"));
    }

    #[test]
    fn requests_verify_only_untouched_with_the_right_key() {
        let new = || rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let (key, other) = (RsaSigner::new(&new()).unwrap(), new());
        let mut p = params(&[
            ("version", "5.1.0"),
            ("txnAmt", "100"),
            ("orderId", "01P1abcdef"),
        ]);
        sign(&key, "69629715588", &mut p);
        verify(&key.to_public_key(), &p).unwrap();
        assert_eq!(verify(&other.to_public_key(), &p), Err(SignError::Bad));
        let mut altered = p.clone();
        altered.insert("txnAmt".into(), "1".into());
        assert_eq!(verify(&key.to_public_key(), &altered), Err(SignError::Bad));
        let mut old = p.clone();
        old.insert("version".into(), "5.0.0".into());
        assert_eq!(verify(&key.to_public_key(), &old), Err(SignError::Unsigned));
    }

    /// An outside implementation agrees: `openssl dgst -sha256 -verify` checks our
    /// signature over the hex digest (what `openssl_sign` in the PHP SDK makes).
    #[test]
    fn openssl_verifies_the_signature_over_the_hex_digest() {
        use rsa::pkcs8::{EncodePublicKey, LineEnding};
        let dir = tempfile::tempdir().unwrap();
        let key = RsaSigner::new(&rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap())
            .unwrap();
        let mut p = params(&[
            ("version", "5.1.0"),
            ("merId", "777290058110097"),
            ("txnAmt", "1000"),
        ]);
        sign(&key, "1", &mut p);
        let pub_pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        std::fs::write(dir.path().join("pub.pem"), pub_pem).unwrap();
        std::fs::write(dir.path().join("data"), digest_hex(&content(&p))).unwrap();
        std::fs::write(
            dir.path().join("sig"),
            STANDARD.decode(&p["signature"]).unwrap(),
        )
        .unwrap();
        let out = std::process::Command::new("openssl")
            .current_dir(dir.path())
            .args([
                "dgst",
                "-sha256",
                "-verify",
                "pub.pem",
                "-signature",
                "sig",
                "data",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
