//! Issue 12: an SM2 CA made by `ca init --algorithm sm2` issues SM3withSM2 certificates
//! (GM/T 0015 profile) that OpenSSL 3.0 verifies with the distinguishing ID, certinfo
//! verifies, and pkilint lints.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use server::ca::sm2::Sm2Ca;
use server::ca::{CaError, IssueRequest, KeyUsage, Profile, Publication, SubjectSource};
use time::{Duration, OffsetDateTime};

const DISTID: &str = "distid:1234567812345678";

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// An SM2 key and CSR made by OpenSSL (an independent maker), signed with `distid`.
fn sm2_csr(dir: &Path, name: &str, distid: &str) -> Vec<u8> {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let (ok, out) = openssl(&["genpkey", "-algorithm", "SM2", "-out", &key], dir);
    assert!(ok, "{out}");
    let (ok, out) = openssl(
        &[
            "req",
            "-new",
            "-key",
            &key,
            "-sm3",
            "-sigopt",
            distid,
            "-subj",
            "/C=CN/O=certrenew test/CN=SM2 Signer",
            "-outform",
            "DER",
            "-out",
            &csr,
        ],
        dir,
    );
    assert!(ok, "{out}");
    std::fs::read(dir.join(csr)).unwrap()
}

fn pem(der: &[u8]) -> String {
    pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()))
}

/// Runs pkilint's `lint_pkix_cert` and returns its findings at ERROR or worse, or None
/// when pkilint is not installed (outside CI).
fn pkilint(file: &Path) -> Option<String> {
    match Command::new("lint_pkix_cert")
        .args(["lint", "-s", "ERROR"])
        .arg(file)
        .output()
    {
        Ok(out) => Some(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("lint_pkix_cert is not installed ({e}): lint skipped");
            None
        }
        Err(e) => panic!("lint_pkix_cert is not installed: {e}"),
    }
}

#[test]
fn sm2_ca_init_and_issue() {
    let s = TestServer::stopped(&[]);
    let (ok, out, err) = s.cli(&[
        "ca",
        "init",
        "--algorithm",
        "sm2",
        "--name",
        "certrenew SM2 Test CA",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("BEGIN CERTIFICATE"), "{out}");
    let ca_dir = s.dir.path().join("data").join("ca");
    let work = s.dir.path();

    // OpenSSL reads it as an SM2 CA certificate signed SM3withSM2.
    let ca_pem = ca_dir.join("ca.pem");
    let (ok, text) = openssl(
        &["x509", "-noout", "-text", "-in", ca_pem.to_str().unwrap()],
        work,
    );
    assert!(ok, "{text}");
    assert!(text.contains("SM2-with-SM3"), "{text}");
    assert!(text.contains("ASN1 OID: SM2"), "{text}");
    assert!(
        text.contains("CA:TRUE") && text.contains("Certificate Sign, CRL Sign"),
        "{text}"
    );
    assert!(text.contains("CN = certrenew SM2 Test CA"), "{text}");

    // A second init keeps the CA.
    let (ok, out2, err) = s.cli(&["ca", "init", "--algorithm", "sm2"]);
    assert!(ok, "{err}");
    assert_eq!(out, out2);

    let mut ca = Sm2Ca::load_pem(&ca_dir.join("ca.key"), &ca_pem).unwrap();
    ca.set_publication(Publication::under("https://ca.example", "sm2"));
    let csr = sm2_csr(work, "leaf", DISTID);
    let now = OffsetDateTime::now_utc();
    let signing = Profile::default();
    let issued = ca
        .issue(&IssueRequest {
            csr_der: &csr,
            subject: SubjectSource::FromCsr,
            not_before: now,
            not_after: now + Duration::days(365),
            profile: &signing,
        })
        .unwrap();
    std::fs::write(work.join("leaf.pem"), pem(&issued.der)).unwrap();

    // OpenSSL verifies the chain (SM2 needs the distinguishing ID in OpenSSL 3.0).
    let (ok, out) = openssl(
        &[
            "verify",
            "-vfyopt",
            DISTID,
            "-CAfile",
            ca_pem.to_str().unwrap(),
            "leaf.pem",
        ],
        work,
    );
    assert!(ok && out.contains("leaf.pem: OK"), "{out}");
    let (ok, text) = openssl(&["x509", "-noout", "-text", "-in", "leaf.pem"], work);
    assert!(ok, "{text}");
    for want in [
        "SM2-with-SM3",
        "ASN1 OID: SM2",
        "CA:FALSE",
        "Digital Signature, Non Repudiation",
        "TLS Web Client Authentication, E-mail Protection",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
        "URI:https://ca.example/crl/sm2.crl",
        "OCSP - URI:https://ca.example/ocsp",
        "CN = SM2 Signer",
        "Issuer: CN = certrenew SM2 Test CA",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    // certinfo verifies it too and reads the key as SM2.
    let ca_der = std::fs::read_to_string(&ca_pem).unwrap();
    let ca_der = pem::parse(ca_der).unwrap().contents().to_vec();
    assert_eq!(
        certinfo::verify_issued_by(&issued.der, &[ca_der]).unwrap(),
        0
    );
    assert_eq!(
        certinfo::facts(&issued.der).unwrap().key,
        certinfo::KeyKind::Sm2
    );

    // An encryption certificate (GM/T 0015: key/data encipherment, key agreement).
    let encryption = Profile {
        key_usage: vec![
            KeyUsage::KeyEncipherment,
            KeyUsage::DataEncipherment,
            KeyUsage::KeyAgreement,
        ],
        extended_key_usage: Vec::new(),
        policy_oids: vec!["1.2.156.112562.2.1.1.1".into()],
    };
    let enc_csr = sm2_csr(work, "enc", DISTID);
    let enc = ca
        .issue(&IssueRequest {
            csr_der: &enc_csr,
            subject: SubjectSource::FromCertificate(&issued.der),
            not_before: now,
            not_after: now + Duration::days(365),
            profile: &encryption,
        })
        .unwrap();
    std::fs::write(work.join("enc.pem"), pem(&enc.der)).unwrap();
    let (ok, out) = openssl(
        &[
            "verify",
            "-vfyopt",
            DISTID,
            "-CAfile",
            ca_pem.to_str().unwrap(),
            "enc.pem",
        ],
        work,
    );
    assert!(ok, "{out}");
    let (_, text) = openssl(&["x509", "-noout", "-text", "-in", "enc.pem"], work);
    assert!(
        text.contains("Key Encipherment, Data Encipherment, Key Agreement")
            && text.contains("Policy: 1.2.156.112562.2.1.1.1")
            && text.contains("CN = SM2 Signer"),
        "{text}"
    );

    // A request signed with another distinguishing ID, and a P-256 request: refused.
    let other = sm2_csr(work, "other", "distid:ABCDEFGH");
    let err = ca
        .issue(&IssueRequest {
            csr_der: &other,
            subject: SubjectSource::FromCsr,
            not_before: now,
            not_after: now + Duration::days(30),
            profile: &signing,
        })
        .unwrap_err();
    assert!(matches!(err, CaError::CsrSignature), "{err}");
    let (ok, out) = openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "p256.key",
            "-subj",
            "/CN=p256",
            "-outform",
            "DER",
            "-out",
            "p256.csr",
        ],
        work,
    );
    assert!(ok, "{out}");
    let p256 = std::fs::read(work.join("p256.csr")).unwrap();
    let err = ca
        .issue(&IssueRequest {
            csr_der: &p256,
            subject: SubjectSource::FromCsr,
            not_before: now,
            not_after: now + Duration::days(30),
            profile: &signing,
        })
        .unwrap_err();
    assert!(matches!(err, CaError::Unsupported(_)), "{err}");

    // `ca issue` on the command line issues through the SM2 CA too.
    let (ok, out, err) = s.cli(&[
        "ca",
        "issue",
        "--csr",
        work.join("leaf.csr").to_str().unwrap(),
        "--not-after",
        "2030-01-01T00:00:00Z",
    ]);
    assert!(ok, "{err}");
    std::fs::write(work.join("cli.pem"), out).unwrap();
    let (ok, out) = openssl(
        &[
            "verify",
            "-vfyopt",
            DISTID,
            "-CAfile",
            ca_pem.to_str().unwrap(),
            "cli.pem",
        ],
        work,
    );
    assert!(ok && out.contains("cli.pem: OK"), "{out}");

    // pkilint parses SM2 certificates (it reports e.g. a CA without key usage in one
    // made by OpenSSL): the CA and signing certificates have no finding at ERROR or
    // worse. The encryption certificate has exactly one, where GM/T 0015 and RFC 5480
    // disagree: SM2 encrypts with the key itself, so GM/T 0015 encryption certificates
    // carry keyEncipherment/dataEncipherment, which RFC 5480 forbids for id-ecPublicKey.
    for file in [work.join("leaf.pem"), ca_pem] {
        if let Some(found) = pkilint(&file) {
            assert!(
                !found.contains("ERROR") && !found.contains("FATAL"),
                "{}: {found}",
                file.display()
            );
        }
    }
    if let Some(found) = pkilint(&work.join("enc.pem")) {
        assert_eq!(found.matches("ERROR").count(), 1, "{found}");
        assert!(
            found.contains("pkix.key_usage_value_prohibited_for_ec (ERROR)")
                && !found.contains("FATAL"),
            "{found}"
        );
    }
}
