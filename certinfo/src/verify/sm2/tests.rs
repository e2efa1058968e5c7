//! SM2 against OpenSSL 3.0 as the independent maker: committed certificates (see
//! ../testdata/README.md) and signatures made at test time with `openssl pkeyutl`.

use super::DEFAULT_DISTID;
use crate::testutil::openssl;
use crate::{KeyKind, SignatureAlgorithm, VerifyError, facts, verify_issued_by};
use crate::{verify_signature, verify_signature_with_distid};

fn der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64_decode(&body)
}

/// A small base64 decoder for the PEM test data (certinfo has no base64 dependency).
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

const CA: &str = include_str!("../testdata/sm2-ca.pem");
const LEAF: &str = include_str!("../testdata/sm2-leaf.pem");
const LEAF_OTHER_ID: &str = include_str!("../testdata/sm2-leaf-other-id.pem");

#[test]
fn an_openssl_sm2_certificate_reads_as_sm2() {
    let f = facts(&der(LEAF)).unwrap();
    assert_eq!(f.key, KeyKind::Sm2);
    assert_eq!(f.subject, "CN=SM2 Signer,O=certrenew test,C=CN");
    assert!(!f.is_ca);
    assert!(facts(&der(CA)).unwrap().is_ca);
}

#[test]
fn the_sm2_ca_is_found_as_issuer_and_a_wrong_id_is_refused() {
    let ca = vec![der(CA)];
    assert_eq!(verify_issued_by(&der(LEAF), &ca), Ok(0));
    // Self-signed CA: its own key signed it.
    assert_eq!(verify_issued_by(&der(CA), &ca), Ok(0));
    // Signed by the same key but with Z over another ID: not a valid signature.
    assert_eq!(
        verify_issued_by(&der(LEAF_OTHER_ID), &ca),
        Err(VerifyError::BadSignature)
    );
    // The leaf is no CA: what it "issued" is refused even with a matching name.
    assert_eq!(
        verify_issued_by(&der(LEAF), &[der(LEAF)]),
        Err(VerifyError::UnknownIssuer)
    );
}

/// An SM2 key made by openssl, its SubjectPublicKeyInfo DER, and a DER signature of
/// `message` made by `openssl pkeyutl` with `distid`.
fn openssl_signature(message: &[u8], distid: &str) -> (tempfile::TempDir, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("msg"), message).unwrap();
    openssl(d, &["genpkey", "-algorithm", "SM2", "-out", "key.pem"]);
    let spki = openssl(d, &["pkey", "-in", "key.pem", "-pubout", "-outform", "DER"]);
    let opt = format!("distid:{distid}");
    openssl(
        d,
        &[
            "pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-digest", "sm3", "-pkeyopt", &opt,
            "-in", "msg", "-out", "sig",
        ],
    );
    let sig = std::fs::read(d.join("sig")).unwrap();
    (dir, spki, sig)
}

#[test]
fn an_openssl_sm2_signature_verifies_with_its_distinguishing_id() {
    let message = b"certrenew login challenge";
    let (_dir, spki, sig) = openssl_signature(message, DEFAULT_DISTID);
    assert_eq!(
        verify_signature(&spki, message, &sig),
        Ok(SignatureAlgorithm::Sm2Sm3)
    );
    assert_eq!(SignatureAlgorithm::Sm2Sm3.as_str(), "sm2-sm3");
    assert_eq!(
        verify_signature(&spki, b"certrenew login challengE", &sig),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        verify_signature_with_distid(&spki, message, &sig, "alice@example.cn"),
        Err(VerifyError::BadSignature)
    );
    let mut truncated = sig.clone();
    truncated.pop();
    assert_eq!(
        verify_signature(&spki, message, &truncated),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn another_distinguishing_id_verifies_only_with_that_id() {
    let message = b"apply";
    let (_dir, spki, sig) = openssl_signature(message, "alice@example.cn");
    assert_eq!(
        verify_signature_with_distid(&spki, message, &sig, "alice@example.cn"),
        Ok(SignatureAlgorithm::Sm2Sm3)
    );
    assert_eq!(
        verify_signature(&spki, message, &sig),
        Err(VerifyError::BadSignature)
    );
}
