use rcgen::{
    CustomExtension, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P384_SHA384, PKCS_ED25519, PublicKeyData,
    SerialNumber, date_time_ymd,
};
use sha2::{Digest, Sha256};
use time::macros::datetime;

use super::{CertError, KeyKind, MAX_CERT_LEN, Usage, bit_length, facts, parse, serial_hex};
use crate::testutil::{Ca, OpensslCert, leaf_params, openssl};
use crate::to_hex;

#[test]
fn facts_of_an_rcgen_ec_certificate() {
    let ca = Ca::new("Test CA");
    let key = KeyPair::generate().unwrap();
    let mut params = leaf_params("张三");
    params.serial_number = Some(SerialNumber::from_slice(&[0x80, 0x01, 0x02]));
    params.not_before = date_time_ymd(2026, 1, 31);
    params.not_after = date_time_ymd(2029, 1, 30);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    params.use_authority_key_identifier_extension = true;
    let der = ca.issue(&params, &key);

    let got = facts(&der).unwrap();
    let ca_facts = facts(&ca.der).unwrap();
    // The sign byte DER adds before 0x80 is really there, and is dropped.
    assert_eq!(parse(&der).unwrap().raw_serial(), [0x00, 0x80, 0x01, 0x02]);
    assert_eq!(got.serial_hex, "800102");
    assert_eq!(got.sha256, to_hex(&Sha256::digest(&der)));
    assert_eq!(got.subject, "CN=张三,O=测试医药有限公司,C=CN");
    assert_eq!(got.issuer, "CN=Test CA,O=certrenew test,C=CN");
    assert_eq!(got.issuer_der, ca_facts.subject_der);
    assert_ne!(got.subject_der, got.issuer_der);
    assert_eq!(got.not_before, datetime!(2026-01-31 0:00 UTC));
    assert_eq!(got.not_after, datetime!(2029-01-30 0:00 UTC));
    assert_eq!(got.not_before_rfc3339(), "2026-01-31T00:00:00Z");
    assert_eq!(got.not_after_rfc3339(), "2029-01-30T00:00:00Z");
    assert_eq!(got.spki_der, key.subject_public_key_info());
    assert_eq!(got.key, KeyKind::EcP256);
    assert_eq!(got.usage, Usage::Sign);
    assert!(!got.is_ca);
    assert_eq!(got.subject_key_id, None, "rcgen writes no SKI for a leaf");
    assert_eq!(got.authority_key_id, ca_facts.subject_key_id);
    assert!(ca_facts.subject_key_id.is_some());

    assert!(ca_facts.is_ca);
    assert_eq!(
        ca_facts.usage,
        Usage::Both,
        "keyCertSign alone is neither sign nor encrypt"
    );
    assert_eq!(ca_facts.subject, ca_facts.issuer);
}

#[test]
fn facts_of_an_openssl_rsa_certificate() {
    let cert = OpensslCert::new(
        2048,
        "/C=CN/O=测试医药有限公司/CN=张三",
        &["-days", "365", "-set_serial", "0xF1E2D3C4"],
    );
    let got = facts(&cert.der).unwrap();
    assert_eq!(got.subject, "CN=张三,O=测试医药有限公司,C=CN");
    assert_eq!(got.issuer, got.subject);
    assert_eq!(got.key, KeyKind::Rsa { bits: 2048 });
    assert_eq!(got.spki_der, cert.spki());
    assert_eq!(got.not_after - got.not_before, time::Duration::days(365));
    // openssl's default req extensions make a CA with key identifiers and no key usage.
    assert!(got.is_ca);
    assert_eq!(got.usage, Usage::Both);
    assert!(got.subject_key_id.is_some());

    // openssl as the witness for the serial and the fingerprint.
    let witness = |flags: &[&str]| {
        let args = [
            &["x509", "-inform", "DER", "-in", "cert.der", "-noout"],
            flags,
        ]
        .concat();
        let out = String::from_utf8(openssl(cert.dir.path(), &args)).unwrap();
        let value = out.trim().split_once('=').unwrap().1.to_owned();
        value.replace(':', "").to_lowercase()
    };
    assert_eq!(got.serial_hex, "f1e2d3c4");
    assert_eq!(witness(&["-serial"]), got.serial_hex);
    assert_eq!(witness(&["-fingerprint", "-sha256"]), got.sha256);
}

#[test]
fn usage_from_key_usage() {
    use KeyUsagePurpose::*;
    let cases: &[(&[KeyUsagePurpose], Usage)] = &[
        (&[], Usage::Both),
        (&[DigitalSignature], Usage::Sign),
        (&[ContentCommitment], Usage::Sign),
        (&[DigitalSignature, ContentCommitment], Usage::Sign),
        (&[KeyEncipherment], Usage::Encrypt),
        (&[DataEncipherment], Usage::Encrypt),
        (&[KeyAgreement], Usage::Encrypt),
        (&[KeyEncipherment, DataEncipherment], Usage::Encrypt),
        (&[DigitalSignature, KeyEncipherment], Usage::Both),
        (&[KeyCertSign, CrlSign], Usage::Both),
    ];
    let ca = Ca::new("Usage CA");
    let key = KeyPair::generate().unwrap();
    for (usages, want) in cases {
        let mut params = leaf_params("usage");
        params.key_usages = usages.to_vec();
        let got = facts(&ca.issue(&params, &key)).unwrap();
        assert_eq!(got.usage, *want, "{usages:?}");
    }
    assert_eq!(Usage::Sign.as_str(), "sign");
    assert_eq!(Usage::Encrypt.as_str(), "encrypt");
    assert_eq!(Usage::Both.as_str(), "both");
}

#[test]
fn key_kinds() {
    let ca = Ca::new("Key CA");
    let cases = [
        (KeyPair::generate().unwrap(), KeyKind::EcP256),
        (
            KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap(),
            KeyKind::Other("EC P-384".into()),
        ),
        (
            KeyPair::generate_for(&PKCS_ED25519).unwrap(),
            KeyKind::Other("Ed25519".into()),
        ),
    ];
    for (key, want) in cases {
        let got = facts(&ca.issue(&leaf_params("key"), &key)).unwrap();
        assert_eq!(got.key, want);
        assert_eq!(got.spki_der, key.subject_public_key_info());
    }
    for bits in [2048, 3072] {
        let cert = OpensslCert::new(bits, "/CN=rsa", &[]);
        assert_eq!(
            facts(&cert.der).unwrap().key,
            KeyKind::Rsa {
                bits: bits as usize
            }
        );
    }
}

#[test]
fn refused_inputs() {
    let ca = Ca::new("Input CA");
    let mut trailing = ca.der.clone();
    trailing.push(0);
    let mut dup = leaf_params("dup");
    // A second key usage extension (keyEncipherment) next to the one rcgen writes.
    dup.custom_extensions = vec![CustomExtension::from_oid_content(
        &[2, 5, 29, 15],
        vec![0x03, 0x02, 0x05, 0x20],
    )];
    let duplicate = ca.issue(&dup, &KeyPair::generate().unwrap());
    let mut broken = leaf_params("broken");
    broken.key_usages = vec![];
    broken.custom_extensions = vec![CustomExtension::from_oid_content(
        &[2, 5, 29, 19],
        vec![0x04, 0x00],
    )];
    let broken = ca.issue(&broken, &KeyPair::generate().unwrap());

    type Case = (&'static str, Vec<u8>, fn(&CertError) -> bool);
    let cases: Vec<Case> = vec![
        ("empty", vec![], |e| matches!(e, CertError::Parse(_))),
        ("garbage", b"not a certificate".to_vec(), |e| {
            matches!(e, CertError::Parse(_))
        }),
        ("trailing byte", trailing, |e| {
            *e == CertError::TrailingBytes(1)
        }),
        ("over the cap", vec![0x30; MAX_CERT_LEN + 1], |e| {
            *e == CertError::TooLarge {
                len: MAX_CERT_LEN + 1,
                max: MAX_CERT_LEN,
            }
        }),
        ("two key usages", duplicate, |e| {
            matches!(
                e,
                CertError::Extension {
                    extension: "key usage",
                    ..
                }
            )
        }),
        ("basic constraints that do not parse", broken, |e| {
            matches!(
                e,
                CertError::Extension {
                    extension: "basic constraints",
                    ..
                }
            )
        }),
    ];
    for (what, der, expected) in cases {
        let err = facts(&der).unwrap_err();
        assert!(expected(&err), "{what}: {err:?}");
        assert!(!err.to_string().is_empty());
        assert_eq!(
            err.to_string().chars().next().map(char::is_lowercase),
            Some(true),
            "{what}: {err}"
        );
    }
}

#[test]
fn serial_without_sign_byte() {
    let cases: &[(&[u8], &str)] = &[
        (&[0x00, 0xcf, 0x5a], "cf5a"),
        (&[0x01, 0x00], "0100"),
        (&[0x7f], "7f"),
        (&[0x00], "00"),
        (&[], ""),
    ];
    for (raw, want) in cases {
        assert_eq!(serial_hex(raw), *want, "{raw:02x?}");
    }
}

#[test]
fn bit_lengths() {
    let cases: &[(&[u8], usize)] = &[
        (&[], 0),
        (&[0x00], 0),
        (&[0x01], 1),
        (&[0x80], 8),
        (&[0x00, 0x80, 0x00], 16),
        (&[0x00, 0x01, 0xff], 9),
    ];
    for (bytes, want) in cases {
        assert_eq!(bit_length(bytes), *want, "{bytes:02x?}");
    }
}
