use rcgen::{KeyPair, KeyUsagePurpose, PKCS_ECDSA_P384_SHA384, PKCS_ED25519, PublicKeyData};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};

use super::{SignatureAlgorithm, VerifyError, verify_issued_by, verify_signature};
use crate::facts::{CertError, facts};
use crate::testutil::{Ca, OpensslCert, leaf_params};

/// A TBS as docs/protocol.md §8 "The signed text" builds it.
const TBS: &[u8] = b"certrenew-v1\nlogin\nhttps://ca.example\nAAAA\n\n";
const OTHER_TBS: &[u8] = b"certrenew-v1\nlogin\nhttps://evil.example\nAAAA\n\n";

fn ec_sign(key: &KeyPair, message: &[u8]) -> Vec<u8> {
    let rng = SystemRandom::new();
    let signer =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, key.serialized_der(), &rng)
            .unwrap();
    signer.sign(&rng, message).unwrap().as_ref().to_vec()
}

fn flip_last(mut bytes: Vec<u8>) -> Vec<u8> {
    if let Some(last) = bytes.last_mut() {
        *last ^= 1;
    }
    bytes
}

#[test]
fn verify_signature_cases() {
    let ec = KeyPair::generate().unwrap();
    let ec_spki = ec.subject_public_key_info();
    let ec_other = KeyPair::generate().unwrap().subject_public_key_info();
    let ec_sig = ec_sign(&ec, TBS);
    // ECDSA signatures are DER: SEQUENCE of r, s.
    assert_eq!(ec_sig[0], 0x30);

    let rsa = OpensslCert::new(2048, "/CN=rsa signer", &[]);
    let rsa_spki = rsa.spki();
    let rsa_sig = rsa.sign(TBS);
    let rsa_other = OpensslCert::new(2048, "/CN=another", &[]).spki();
    let rsa_1024 = OpensslCert::new(1024, "/CN=short", &[]).spki();

    let p384 = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384)
        .unwrap()
        .subject_public_key_info();
    let ed25519 = KeyPair::generate_for(&PKCS_ED25519)
        .unwrap()
        .subject_public_key_info();
    let mut trailing = ec_spki.clone();
    trailing.push(0);

    use SignatureAlgorithm::*;
    type Want = Result<SignatureAlgorithm, VerifyError>;
    /// What, key, message, signature, expected.
    type Case<'a> = (&'a str, &'a [u8], &'a [u8], Vec<u8>, Want);
    let bad: Want = Err(VerifyError::BadSignature);
    let cases: Vec<Case> = vec![
        (
            "EC good",
            &ec_spki,
            TBS,
            ec_sig.clone(),
            Ok(EcdsaP256Sha256),
        ),
        (
            "EC other message",
            &ec_spki,
            OTHER_TBS,
            ec_sig.clone(),
            bad.clone(),
        ),
        (
            "EC altered signature",
            &ec_spki,
            TBS,
            flip_last(ec_sig.clone()),
            bad.clone(),
        ),
        (
            "EC truncated signature",
            &ec_spki,
            TBS,
            ec_sig[..ec_sig.len() - 1].to_vec(),
            bad.clone(),
        ),
        ("EC empty signature", &ec_spki, TBS, vec![], bad.clone()),
        ("EC wrong key", &ec_other, TBS, ec_sig.clone(), bad.clone()),
        (
            "EC key, RSA signature",
            &ec_spki,
            TBS,
            rsa_sig.clone(),
            bad.clone(),
        ),
        (
            "RSA good",
            &rsa_spki,
            TBS,
            rsa_sig.clone(),
            Ok(RsaPkcs1Sha256),
        ),
        (
            "RSA other message",
            &rsa_spki,
            OTHER_TBS,
            rsa_sig.clone(),
            bad.clone(),
        ),
        (
            "RSA altered signature",
            &rsa_spki,
            TBS,
            flip_last(rsa_sig.clone()),
            bad.clone(),
        ),
        (
            "RSA truncated signature",
            &rsa_spki,
            TBS,
            rsa_sig[..255].to_vec(),
            bad.clone(),
        ),
        (
            "RSA wrong key",
            &rsa_other,
            TBS,
            rsa_sig.clone(),
            bad.clone(),
        ),
        (
            "RSA key, EC signature",
            &rsa_spki,
            TBS,
            ec_sig.clone(),
            bad.clone(),
        ),
        (
            "RSA 1024",
            &rsa_1024,
            TBS,
            rsa_sig.clone(),
            Err(VerifyError::RsaKeySize { bits: 1024 }),
        ),
        (
            "P-384",
            &p384,
            TBS,
            ec_sig.clone(),
            Err(VerifyError::UnsupportedKey("EC P-384".into())),
        ),
        (
            "Ed25519",
            &ed25519,
            TBS,
            ec_sig.clone(),
            Err(VerifyError::UnsupportedKey("Ed25519".into())),
        ),
    ];
    for (what, spki, message, signature, want) in cases {
        assert_eq!(verify_signature(spki, message, &signature), want, "{what}");
    }

    for (what, spki) in [
        ("garbage", &b"key"[..]),
        ("empty", &[]),
        ("trailing", &trailing),
    ] {
        let got = verify_signature(spki, TBS, &ec_sig);
        assert!(matches!(got, Err(VerifyError::Spki(_))), "{what}: {got:?}");
    }
}

#[test]
fn verify_signature_with_a_certificates_key() {
    let rsa = OpensslCert::new(2048, "/C=CN/O=测试医药有限公司/CN=张三", &[]);
    let spki = facts(&rsa.der).unwrap().spki_der;
    assert_eq!(
        verify_signature(&spki, TBS, &rsa.sign(TBS)),
        Ok(SignatureAlgorithm::RsaPkcs1Sha256)
    );

    let ca = Ca::new("Signing CA");
    let key = KeyPair::generate().unwrap();
    let spki = facts(&ca.issue(&leaf_params("张三"), &key))
        .unwrap()
        .spki_der;
    let got = verify_signature(&spki, TBS, &ec_sign(&key, TBS));
    assert_eq!(got, Ok(SignatureAlgorithm::EcdsaP256Sha256));
    assert_eq!(
        SignatureAlgorithm::EcdsaP256Sha256.as_str(),
        "ecdsa-p256-sha256"
    );
    assert_eq!(
        SignatureAlgorithm::RsaPkcs1Sha256.as_str(),
        "rsa-pkcs1-sha256"
    );
}

#[test]
fn verify_issued_by_cases() {
    let ca1 = Ca::new("Test CA 1");
    let ca2 = Ca::new("Test CA 2");
    let leaf = ca2.issue(&leaf_params("张三"), &KeyPair::generate().unwrap());
    // Same name as CA 2, another key.
    let impostor = Ca::new("Test CA 2");
    // A stranger: self-signed, its own name.
    let stranger = Ca::new("Stranger").der;
    // Certificates whose key signs, but which are not CAs.
    let not_ca = Ca::with(
        "Not a CA",
        KeyPair::generate().unwrap(),
        false,
        &[KeyUsagePurpose::DigitalSignature],
    );
    let by_not_ca = not_ca.issue(&leaf_params("李四"), &KeyPair::generate().unwrap());
    let no_cert_sign = Ca::with(
        "No cert sign",
        KeyPair::generate().unwrap(),
        true,
        &[KeyUsagePurpose::DigitalSignature],
    );
    let by_no_cert_sign = no_cert_sign.issue(&leaf_params("王五"), &KeyPair::generate().unwrap());
    // A P-384 CA: x509-parser verifies its ECDSA-SHA384 signatures too.
    let p384 = Ca::with(
        "P-384 CA",
        KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap(),
        true,
        &[KeyUsagePurpose::KeyCertSign],
    );
    let by_p384 = p384.issue(&leaf_params("赵六"), &KeyPair::generate().unwrap());
    // openssl's self-signed RSA certificate is a CA (default v3_ca extensions).
    let rsa = OpensslCert::new(2048, "/C=CN/O=测试/CN=RSA root", &[]);
    let sha1 = OpensslCert::new(2048, "/CN=SHA-1 root", &["-sha1"]);

    let (c1, c2) = (ca1.der.clone(), ca2.der.clone());
    /// What, certificate, issuers, expected.
    type Case<'a> = (&'a str, &'a [u8], Vec<Vec<u8>>, Result<usize, VerifyError>);
    let cases: Vec<Case> = vec![
        (
            "issued by CA 2 of two",
            &leaf,
            vec![c1.clone(), c2.clone()],
            Ok(1),
        ),
        ("issued by CA 2, alone", &leaf, vec![c2.clone()], Ok(0)),
        ("no issuers", &leaf, vec![], Err(VerifyError::UnknownIssuer)),
        (
            "only CA 1",
            &leaf,
            vec![c1.clone()],
            Err(VerifyError::UnknownIssuer),
        ),
        (
            "stranger",
            &stranger,
            vec![c1.clone(), c2.clone()],
            Err(VerifyError::UnknownIssuer),
        ),
        (
            "same name, other key",
            &leaf,
            vec![impostor.der.clone()],
            Err(VerifyError::BadSignature),
        ),
        (
            "impostor then CA 2",
            &leaf,
            vec![impostor.der.clone(), c2.clone()],
            Ok(1),
        ),
        ("self-signed CA", &c1, vec![c2.clone(), c1.clone()], Ok(1)),
        (
            "issuer not a CA",
            &by_not_ca,
            vec![not_ca.der.clone()],
            Err(VerifyError::IssuerNotCa { index: 0 }),
        ),
        (
            "CA without keyCertSign",
            &by_no_cert_sign,
            vec![c1.clone(), no_cert_sign.der.clone()],
            Err(VerifyError::IssuerNotCa { index: 1 }),
        ),
        (
            "P-384 CA",
            &by_p384,
            vec![c1.clone(), p384.der.clone()],
            Ok(1),
        ),
        (
            "self-signed RSA by openssl",
            &rsa.der,
            vec![rsa.der.clone()],
            Ok(0),
        ),
        (
            "SHA-1 refused",
            &sha1.der,
            vec![sha1.der.clone()],
            Err(VerifyError::UnsupportedSignature(
                "1.2.840.113549.1.1.5 (SHA-1 is refused)".into(),
            )),
        ),
    ];
    for (what, cert, issuers, want) in cases {
        assert_eq!(verify_issued_by(cert, &issuers), want, "{what}");
    }
}

#[test]
fn verify_issued_by_refuses_unparsable_input() {
    let ca = Ca::new("Parse CA");
    let leaf = ca.issue(&leaf_params("张三"), &KeyPair::generate().unwrap());

    let got = verify_issued_by(b"junk", std::slice::from_ref(&ca.der));
    assert!(
        matches!(got, Err(VerifyError::Certificate(CertError::Parse(_)))),
        "{got:?}"
    );

    let got = verify_issued_by(&leaf, &[ca.der.clone(), b"junk".to_vec()]);
    assert!(
        matches!(
            got,
            Err(VerifyError::Issuer {
                index: 1,
                source: CertError::Parse(_)
            })
        ),
        "{got:?}"
    );
    let message = got.unwrap_err().to_string();
    assert!(
        message.starts_with("issuer certificate 1: the certificate does not parse"),
        "{message}"
    );
}
