//! Tests of the issuing CA. `openssl` (a subprocess) is the independent witness for
//! every issued chain; the PKCS#11 cases run on a real SoftHSM2 token in a child
//! process of this test binary, which alone sees the token's `SOFTHSM2_CONF`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::string::{BmpString, Ia5String, PrintableString, TeletexString, UniversalString};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::X509Version;

use super::*;

const CHINESE_SUBJECT: &str = "/C=CN/O=测试医药有限公司/CN=张三";
const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A file name not used before in this process.
fn fresh(dir: &Path, stem: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    dir.join(format!(
        "{stem}-{}",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    run(Command::new("openssl").current_dir(dir).args(args))
}

/// A self-signed "old" certificate with this subject, made by openssl (UTF-8 strings).
fn old_certificate(dir: &Path, subject: &str, extra: &[&str]) -> Vec<u8> {
    let key = fresh(dir, "old.key");
    let out = fresh(dir, "old.der");
    let mut args = vec![
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-subj",
        subject,
        "-utf8",
        "-days",
        "30",
        "-outform",
        "DER",
        "-out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    openssl(dir, &args);
    std::fs::read(out).unwrap()
}

/// A request by rcgen for a new EC P-256 key.
fn rcgen_csr(common_name: &str) -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.serialize_request(&key).unwrap().der().to_vec()
}

/// A request by openssl for a new RSA-2048 key.
fn openssl_rsa_csr(dir: &Path, subject: &str, digest: &str) -> Vec<u8> {
    let key = fresh(dir, "rsa.key");
    let out = fresh(dir, "rsa.csr");
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            key.to_str().unwrap(),
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            key.to_str().unwrap(),
            "-subj",
            subject,
            "-utf8",
            digest,
            "-outform",
            "DER",
            "-out",
            out.to_str().unwrap(),
        ],
    );
    std::fs::read(out).unwrap()
}

/// `openssl verify -x509_strict` of `issued` against the CA's certificates.
fn openssl_verify(dir: &Path, chain_pem: &str, issued: &[u8]) -> Result<(), String> {
    let ca = fresh(dir, "chain.pem");
    let leaf = fresh(dir, "issued.pem");
    std::fs::write(&ca, chain_pem).unwrap();
    std::fs::write(&leaf, to_pem(issued)).unwrap();
    let output = Command::new("openssl")
        .args(["verify", "-x509_strict", "-CAfile"])
        .arg(&ca)
        .arg(&leaf)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() && text.contains(": OK") {
        Ok(())
    } else {
        Err(text)
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
}

fn request<'a>(
    csr: &'a [u8],
    subject: SubjectSource<'a>,
    profile: &'a Profile,
) -> IssueRequest<'a> {
    IssueRequest {
        csr_der: csr,
        subject,
        not_before: now(),
        not_after: now() + Duration::days(365),
        profile,
    }
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    parse_certificate(der).unwrap()
}

fn key_identifier(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.iter_extensions()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
            _ => None,
        })
}

/// Everything an issued certificate must satisfy, whatever the case.
fn check_issued(dir: &Path, ca: &Ca, req: &IssueRequest<'_>, issued: &Issued) {
    let cert = parse(&issued.der);
    let csr = verify_csr(req.csr_der).unwrap();
    let want_subject = match req.subject {
        SubjectSource::FromCertificate(old) => parse(old).subject().as_raw().to_vec(),
        SubjectSource::FromCsr => csr.subject_der.clone(),
    };
    assert_eq!(
        cert.subject().as_raw(),
        want_subject.as_slice(),
        "subject bytes"
    );
    assert_eq!(
        cert.public_key().raw,
        csr.spki_der.as_slice(),
        "the request's key"
    );
    let ca_cert = parse(&ca.certificates()[0]);
    assert_eq!(cert.issuer().as_raw(), ca_cert.subject().as_raw());
    assert_eq!(cert.version(), X509Version::V3);

    // Validity, exactly.
    assert_eq!(cert.validity().not_before.to_datetime(), req.not_before);
    assert_eq!(cert.validity().not_after.to_datetime(), req.not_after);
    assert_eq!(
        (issued.not_before, issued.not_after),
        (req.not_before, req.not_after)
    );

    // Serial: 16 bytes, positive, non-zero first byte.
    let serial = cert.raw_serial();
    assert_eq!(serial.len(), SERIAL_LEN);
    assert!(serial[0] & 0x80 == 0 && serial[0] != 0, "{serial:02x?}");
    assert_eq!(issued.serial_hex, hex::encode(serial));
    assert_eq!(issued.sha256_hex, hex::encode(Sha256::digest(&issued.der)));

    // basicConstraints cA false, key identifiers.
    let bc = cert.basic_constraints().unwrap().expect("basicConstraints");
    assert!(!bc.value.ca && bc.critical);
    assert!(key_identifier(&cert).is_some(), "subjectKeyIdentifier");
    let aki = cert
        .iter_extensions()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => aki.key_identifier.clone(),
            _ => None,
        })
        .expect("authorityKeyIdentifier");
    assert_eq!(Some(aki.0.to_vec()), key_identifier(&ca_cert));

    // The profile.
    let profile = req.profile;
    let ku = cert.key_usage().unwrap().expect("keyUsage");
    assert!(ku.critical);
    let has = |usage| profile.key_usage.contains(&usage);
    assert_eq!(
        ku.value.digital_signature(),
        has(KeyUsage::DigitalSignature)
    );
    assert_eq!(ku.value.non_repudiation(), has(KeyUsage::NonRepudiation));
    assert_eq!(ku.value.key_encipherment(), has(KeyUsage::KeyEncipherment));
    assert_eq!(
        ku.value.data_encipherment(),
        has(KeyUsage::DataEncipherment)
    );
    assert_eq!(ku.value.key_agreement(), has(KeyUsage::KeyAgreement));
    assert!(!ku.value.key_cert_sign() && !ku.value.crl_sign());
    match cert.extended_key_usage().unwrap() {
        None => assert!(profile.extended_key_usage.is_empty()),
        Some(eku) => {
            let has = |usage| profile.extended_key_usage.contains(&usage);
            assert_eq!(eku.value.client_auth, has(ExtKeyUsage::ClientAuth));
            assert_eq!(
                eku.value.email_protection,
                has(ExtKeyUsage::EmailProtection)
            );
            assert_eq!(eku.value.code_signing, has(ExtKeyUsage::CodeSigning));
            assert!(!eku.value.server_auth && !eku.value.any && eku.value.other.is_empty());
        }
    }
    let policies: Vec<String> = cert
        .iter_extensions()
        .filter_map(|ext| match ext.parsed_extension() {
            ParsedExtension::CertificatePolicies(policies) => Some(
                policies
                    .iter()
                    .map(|p| {
                        assert!(p.policy_qualifiers.is_none());
                        p.policy_id.to_id_string()
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(policies, profile.policy_oids);

    // The independent witness.
    openssl_verify(dir, &ca.chain_pem(), &issued.der).expect("openssl verify");
}

fn policy_profile() -> Profile {
    Profile {
        key_usage: vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment],
        extended_key_usage: vec![ExtKeyUsage::ClientAuth, ExtKeyUsage::CodeSigning],
        policy_oids: vec!["1.2.156.112562.2.1.1.1".into(), "2.23.140.1.2.1".into()],
    }
}

#[test]
fn init_pem_creates_the_ca_then_loads_it() {
    let dir = tempfile::tempdir().unwrap();
    let ca_dir = dir.path().join("data/ca");
    let ca = Ca::init_pem(&ca_dir, "certrenew Test CA").unwrap();
    let key_path = ca_dir.join(KEY_FILE);
    let cert_path = ca_dir.join(CERT_FILE);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
    }
    let key_pem = std::fs::read_to_string(&key_path).unwrap();
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(&ca_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // The certificate file is the chain, and the certificate a proper CA.
    let cert_pem = std::fs::read_to_string(&cert_path).unwrap();
    assert_eq!(cert_pem, ca.chain_pem());
    assert_eq!(ca.certificates().len(), 1);
    let cert = parse(&ca.certificates()[0]);
    assert_eq!(
        cert.subject().to_string(),
        "C=CN, O=certrenew, CN=certrenew Test CA"
    );
    assert_eq!(cert.subject(), cert.issuer());
    let bc = cert.basic_constraints().unwrap().unwrap();
    assert!(bc.critical && bc.value.ca);
    assert_eq!(bc.value.path_len_constraint, Some(0));
    let ku = cert.key_usage().unwrap().unwrap();
    assert!(ku.critical && ku.value.key_cert_sign() && ku.value.crl_sign());
    assert!(!ku.value.digital_signature());
    assert!(key_identifier(&cert).is_some());
    let validity = cert.validity();
    assert_eq!(
        validity.not_after.to_datetime() - validity.not_before.to_datetime(),
        CA_VALIDITY
    );
    assert!((validity.not_before.to_datetime() - now()).abs() < Duration::minutes(1));
    assert_eq!(cert.raw_serial().len(), SERIAL_LEN);
    cert.verify_signature(None).unwrap();
    openssl_verify(dir.path(), &cert_pem, &ca.certificates()[0]).unwrap();

    // Again: the same CA, loaded (the common name is ignored).
    let again = Ca::init_pem(&ca_dir, "another name").unwrap();
    assert_eq!(again.certificates(), ca.certificates());
    assert_eq!(std::fs::read_to_string(&key_path).unwrap(), key_pem);
    // Signed by the same key: a certificate from the reloaded CA verifies with the file.
    let csr = rcgen_csr("reloaded");
    let profile = Profile::default();
    let req = request(&csr, SubjectSource::FromCsr, &profile);
    let issued = again.issue(&req).unwrap();
    check_issued(dir.path(), &ca, &req, &issued);

    let loaded = Ca::load_pem(&key_path, &cert_path).unwrap();
    assert_eq!(loaded.certificates(), ca.certificates());
}

#[test]
fn init_pem_refuses_half_a_ca() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    Ca::init_pem(&source, "half").unwrap();
    for (file, missing) in [(KEY_FILE, CERT_FILE), (CERT_FILE, KEY_FILE)] {
        let target = fresh(dir.path(), "half");
        std::fs::create_dir(&target).unwrap();
        std::fs::copy(source.join(file), target.join(file)).unwrap();
        let err = Ca::init_pem(&target, "half").unwrap_err();
        match &err {
            CaError::IncompleteFiles {
                present,
                missing: absent,
            } => {
                assert_eq!(present, &target.join(file));
                assert_eq!(absent, &target.join(missing));
            }
            other => panic!("{file}: {other}"),
        }
        assert!(
            err.to_string().contains("restore the missing file"),
            "{err}"
        );
        // Nothing was written.
        assert!(!target.join(missing).exists());
    }
}

#[test]
fn load_pem_checks_the_pair() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    Ca::init_pem(&a, "A").unwrap();
    Ca::init_pem(&b, "B").unwrap();

    // A non-CA certificate with its own key.
    let ee_key = KeyPair::generate().unwrap();
    let ee_cert = CertificateParams::default().self_signed(&ee_key).unwrap();
    let ee_key_path = dir.path().join("ee.key");
    let ee_cert_path = dir.path().join("ee.pem");
    std::fs::write(&ee_key_path, ee_key.serialize_pem()).unwrap();
    std::fs::write(&ee_cert_path, ee_cert.pem()).unwrap();
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, "not a key").unwrap();
    let empty_pem = dir.path().join("empty.pem");
    std::fs::write(
        &empty_pem,
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();

    type Check = fn(&CaError) -> bool;
    let cases: &[(&str, PathBuf, PathBuf, Check)] = &[
        (
            "key of another ca",
            a.join(KEY_FILE),
            b.join(CERT_FILE),
            |e| matches!(e, CaError::KeyMismatch(_)),
        ),
        (
            "not a ca certificate",
            ee_key_path.clone(),
            ee_cert_path.clone(),
            |e| matches!(e, CaError::InvalidCaCertificate(m) if m.contains("basicConstraints")),
        ),
        ("garbage key", garbage.clone(), a.join(CERT_FILE), |e| {
            matches!(e, CaError::InvalidKey { .. })
        }),
        (
            "garbage certificate",
            a.join(KEY_FILE),
            garbage.clone(),
            |e| matches!(e, CaError::InvalidCaCertificate(_)),
        ),
        (
            "no certificate block",
            a.join(KEY_FILE),
            empty_pem.clone(),
            |e| matches!(e, CaError::InvalidCaCertificate(m) if m.contains("no PEM CERTIFICATE")),
        ),
        (
            "missing key",
            dir.path().join("nope"),
            a.join(CERT_FILE),
            |e| matches!(e, CaError::Io { action: "read", .. }),
        ),
    ];
    for (name, key, cert, check) in cases {
        let err = Ca::load_pem(key, cert).unwrap_err();
        assert!(check(&err), "{name}: {err:?}");
    }

    // A DER certificate file, and a PEM file with a second (previous) CA certificate.
    let a_cert = std::fs::read_to_string(a.join(CERT_FILE)).unwrap();
    let b_cert = std::fs::read_to_string(b.join(CERT_FILE)).unwrap();
    let der_path = dir.path().join("a.der");
    std::fs::write(&der_path, pem::parse(&a_cert).unwrap().contents()).unwrap();
    let ca = Ca::load_pem(&a.join(KEY_FILE), &der_path).unwrap();
    assert_eq!(ca.certificates().len(), 1);
    let both = dir.path().join("both.pem");
    std::fs::write(&both, format!("{a_cert}{b_cert}")).unwrap();
    let ca = Ca::load_pem(&a.join(KEY_FILE), &both).unwrap();
    assert_eq!(ca.certificates().len(), 2);
    assert_eq!(ca.chain_pem(), format!("{a_cert}{b_cert}"));
}

#[test]
fn issues_for_ec_and_rsa_requests() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::init_pem(&dir.path().join("ca"), "certrenew Issuing CA").unwrap();
    let old = old_certificate(dir.path(), CHINESE_SUBJECT, &[]);
    // The old subject really is C (PrintableString), O and CN in UTF8String.
    let tags: Vec<Tag> = parse(&old)
        .subject()
        .iter_attributes()
        .map(|a| a.attr_value().header.tag())
        .collect();
    assert_eq!(
        tags,
        [Tag::PrintableString, Tag::Utf8String, Tag::Utf8String]
    );
    assert_eq!(
        parse(&old).subject().to_string(),
        "C=CN, O=测试医药有限公司, CN=张三"
    );

    let ec = rcgen_csr("new key");
    let rsa = openssl_rsa_csr(dir.path(), "/CN=rsa user/O=other", "-sha256");
    let default_profile = Profile::default();
    let policies = policy_profile();
    let signature_only = Profile {
        key_usage: vec![KeyUsage::DigitalSignature],
        extended_key_usage: vec![],
        policy_oids: vec![],
    };
    let everything = Profile {
        key_usage: vec![
            KeyUsage::DigitalSignature,
            KeyUsage::NonRepudiation,
            KeyUsage::KeyEncipherment,
            KeyUsage::DataEncipherment,
            KeyUsage::KeyAgreement,
        ],
        extended_key_usage: vec![
            ExtKeyUsage::ClientAuth,
            ExtKeyUsage::EmailProtection,
            ExtKeyUsage::CodeSigning,
        ],
        policy_oids: vec!["1.2.3.4".into()],
    };
    let cases: &[(&str, &[u8], SubjectSource<'_>, &Profile)] = &[
        (
            "rcgen ec, old subject",
            &ec,
            SubjectSource::FromCertificate(&old),
            &default_profile,
        ),
        (
            "openssl rsa, old subject",
            &rsa,
            SubjectSource::FromCertificate(&old),
            &default_profile,
        ),
        (
            "rcgen ec, policies",
            &ec,
            SubjectSource::FromCertificate(&old),
            &policies,
        ),
        (
            "openssl rsa, policies",
            &rsa,
            SubjectSource::FromCertificate(&old),
            &policies,
        ),
        (
            "rcgen ec, csr subject",
            &ec,
            SubjectSource::FromCsr,
            &signature_only,
        ),
        (
            "openssl rsa, csr subject",
            &rsa,
            SubjectSource::FromCsr,
            &everything,
        ),
    ];
    let mut serials = std::collections::HashSet::new();
    for (name, csr, subject, profile) in cases {
        let req = request(csr, *subject, profile);
        let issued = ca.issue(&req).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_issued(dir.path(), &ca, &req, &issued);
        assert!(
            serials.insert(issued.serial_hex.clone()),
            "{name}: serial reused"
        );
        if let SubjectSource::FromCertificate(old) = subject {
            assert_eq!(
                parse(&issued.der).subject().as_raw(),
                parse(old).subject().as_raw()
            );
        }
    }
}

#[test]
fn keeps_each_string_type_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::init_pem(&dir.path().join("ca"), "strings").unwrap();
    let email = DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]);
    let cases: Vec<(&str, Vec<(DnType, DnValue)>)> = vec![
        (
            "utf8",
            vec![(DnType::CommonName, DnValue::Utf8String("张三".into()))],
        ),
        (
            "printable, reversed order",
            vec![
                (
                    DnType::CommonName,
                    DnValue::PrintableString(PrintableString::try_from("Zhang San").unwrap()),
                ),
                (DnType::OrganizationName, DnValue::Utf8String("测试".into())),
                (
                    DnType::CountryName,
                    DnValue::PrintableString(PrintableString::try_from("CN").unwrap()),
                ),
            ],
        ),
        (
            "ia5 email",
            vec![
                (DnType::CommonName, DnValue::Utf8String("李四".into())),
                (
                    email.clone(),
                    DnValue::Ia5String(Ia5String::try_from("li.si@example.cn").unwrap()),
                ),
            ],
        ),
        (
            "bmp",
            vec![(
                DnType::CommonName,
                DnValue::BmpString(BmpString::try_from("王五").unwrap()),
            )],
        ),
        (
            "teletex",
            vec![(
                DnType::OrganizationalUnitName,
                DnValue::TeletexString(TeletexString::try_from("Dept 7").unwrap()),
            )],
        ),
        (
            "universal",
            vec![(
                DnType::CommonName,
                DnValue::UniversalString(UniversalString::try_from("赵六").unwrap()),
            )],
        ),
        (
            "many types",
            vec![
                (
                    DnType::CountryName,
                    DnValue::PrintableString(PrintableString::try_from("CN").unwrap()),
                ),
                (
                    DnType::StateOrProvinceName,
                    DnValue::Utf8String("广东省".into()),
                ),
                (DnType::LocalityName, DnValue::Utf8String("深圳市".into())),
                (
                    DnType::OrganizationName,
                    DnValue::BmpString(BmpString::try_from("公司").unwrap()),
                ),
                (
                    DnType::OrganizationalUnitName,
                    DnValue::Utf8String("部门".into()),
                ),
                (
                    DnType::CustomDnType(vec![2, 5, 4, 5]),
                    DnValue::PrintableString(
                        PrintableString::try_from("91440300MA5F000000").unwrap(),
                    ),
                ),
                (DnType::CommonName, DnValue::Utf8String("某某".into())),
            ],
        ),
    ];
    let csr = rcgen_csr("x");
    let profile = Profile::default();
    for (name, attributes) in cases {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        for (ty, value) in attributes {
            params.distinguished_name.push(ty, value);
        }
        let old = params
            .self_signed(&KeyPair::generate().unwrap())
            .unwrap()
            .der()
            .to_vec();
        let req = request(&csr, SubjectSource::FromCertificate(&old), &profile);
        let issued = ca.issue(&req).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            parse(&issued.der).subject().as_raw(),
            parse(&old).subject().as_raw(),
            "{name}"
        );
        check_issued(dir.path(), &ca, &req, &issued);
    }
}

#[test]
fn refuses_subjects_it_cannot_copy() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::init_pem(&dir.path().join("ca"), "subjects").unwrap();
    let csr = rcgen_csr("x");
    let profile = Profile::default();
    let two_ou = old_certificate(dir.path(), "/C=CN/O=公司/OU=一部/OU=二部/CN=张三", &[]);
    let multi = old_certificate(dir.path(), "/O=公司/CN=张三+UID=zs", &["-multivalue-rdn"]);
    let numeric = {
        // serialNumber as NumericString is not a type rcgen writes.
        let mut cert = old_certificate(dir.path(), "/CN=AAAA/serialNumber=123456", &[]);
        let subject = parse(&cert).subject().as_raw().to_vec();
        let at = cert
            .windows(subject.len())
            .rposition(|w| w == subject)
            .unwrap();
        let serial_value = subject.windows(6).position(|w| w == b"123456").unwrap();
        assert_eq!(subject[serial_value - 2], 0x13, "PrintableString");
        cert[at + serial_value - 2] = 0x12; // NumericString
        cert
    };
    let two_ou_csr = openssl_rsa_csr(dir.path(), "/O=x/OU=a/OU=b/CN=y", "-sha256");
    let empty_params = {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params
    };
    let key = KeyPair::generate().unwrap();
    let empty = empty_params.self_signed(&key).unwrap().der().to_vec();
    let empty_csr = empty_params.serialize_request(&key).unwrap().der().to_vec();
    let cases: &[(&str, &[u8], SubjectSource<'_>, &str)] = &[
        (
            "two OUs",
            &csr,
            SubjectSource::FromCertificate(&two_ou),
            "more than one OU",
        ),
        (
            "multi-valued RDN",
            &csr,
            SubjectSource::FromCertificate(&multi),
            "multi-valued",
        ),
        (
            "NumericString",
            &csr,
            SubjectSource::FromCertificate(&numeric),
            "NumericString",
        ),
        (
            "two OUs in the request",
            &two_ou_csr,
            SubjectSource::FromCsr,
            "more than one OU",
        ),
        (
            "empty",
            &csr,
            SubjectSource::FromCertificate(&empty),
            "is empty",
        ),
        (
            "empty in the request",
            &empty_csr,
            SubjectSource::FromCsr,
            "is empty",
        ),
    ];
    for (name, csr, subject, message) in cases {
        match ca.issue(&request(csr, *subject, &profile)) {
            Err(CaError::UnsupportedSubject(m)) => assert!(m.contains(message), "{name}: {m}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    let err = ca
        .issue(&request(
            &csr,
            SubjectSource::FromCertificate(b"junk"),
            &profile,
        ))
        .unwrap_err();
    assert!(matches!(err, CaError::InvalidCertificate(_)), "{err:?}");
}

#[test]
fn refuses_bad_requests() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::init_pem(&dir.path().join("ca"), "requests").unwrap();
    let ec = rcgen_csr("Forge Me");
    let rsa = openssl_rsa_csr(dir.path(), "/CN=Forge Me", "-sha256");
    let sha1 = openssl_rsa_csr(dir.path(), "/CN=old", "-sha1");
    let rsa1024 = {
        let key = fresh(dir.path(), "rsa1024.key");
        let out = fresh(dir.path(), "rsa1024.csr");
        let (key, out) = (key.to_str().unwrap(), out.to_str().unwrap());
        let bits = "rsa_keygen_bits:1024";
        openssl(
            dir.path(),
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                bits,
                "-out",
                key,
            ],
        );
        openssl(
            dir.path(),
            &[
                "req",
                "-new",
                "-key",
                key,
                "-subj",
                "/CN=small",
                "-outform",
                "DER",
                "-out",
                out,
            ],
        );
        std::fs::read(out).unwrap()
    };
    let flip = |csr: &[u8], at: usize| {
        let mut forged = csr.to_vec();
        forged[at] ^= 0x01;
        forged
    };
    let in_subject = |csr: &[u8]| csr.windows(8).position(|w| w == b"Forge Me").unwrap() + 2;
    let mut too_large = ec.clone();
    too_large.resize(MAX_CSR_LEN + 1, 0);
    let mut trailing = ec.clone();
    trailing.push(0);

    type Check = fn(&CaError) -> bool;
    let forged: Check = |e| matches!(e, CaError::CsrSignature);
    let cases: Vec<(&str, Vec<u8>, Check)> = vec![
        (
            "ec, last signature byte flipped",
            flip(&ec, ec.len() - 1),
            forged,
        ),
        (
            "rsa, last signature byte flipped",
            flip(&rsa, rsa.len() - 1),
            forged,
        ),
        ("ec, subject altered", flip(&ec, in_subject(&ec)), forged),
        ("rsa, subject altered", flip(&rsa, in_subject(&rsa)), forged),
        (
            "sha-1",
            sha1,
            |e| matches!(e, CaError::Unsupported(m) if m.contains("SHA-256")),
        ),
        (
            "rsa-1024",
            rsa1024,
            |e| matches!(e, CaError::Unsupported(m) if m.contains("1024 bits")),
        ),
        ("too large", too_large, |e| {
            let want = (MAX_CSR_LEN + 1, 16384);
            matches!(e, CaError::CsrTooLarge { size, limit } if (*size, *limit) == want)
        }),
        (
            "trailing bytes",
            trailing,
            |e| matches!(e, CaError::InvalidCsr(m) if m.contains("follow")),
        ),
        ("garbage", b"hello".to_vec(), |e| {
            matches!(e, CaError::InvalidCsr(_))
        }),
        ("empty", Vec::new(), |e| matches!(e, CaError::InvalidCsr(_))),
    ];
    let profile = Profile::default();
    for (name, csr, check) in &cases {
        let err = verify_csr(csr).unwrap_err();
        assert!(check(&err), "verify_csr, {name}: {err:?}");
        let err = ca
            .issue(&request(csr, SubjectSource::FromCsr, &profile))
            .unwrap_err();
        assert!(check(&err), "issue, {name}: {err:?}");
    }
    // The genuine ones pass.
    for csr in [&ec, &rsa] {
        let info = verify_csr(csr).unwrap();
        let parsed = parse_csr(csr);
        assert_eq!(info.spki_der, parsed.0);
        assert_eq!(info.subject_der, parsed.1);
    }
}

fn parse_csr(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (_, csr) = X509CertificationRequest::from_der(der).unwrap();
    let info = &csr.certification_request_info;
    (
        info.subject_pki.raw.to_vec(),
        info.subject.as_raw().to_vec(),
    )
}

#[test]
fn validity_is_exact_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::init_pem(&dir.path().join("ca"), "validity").unwrap();
    let ca_not_after = parse(&ca.certificates()[0])
        .validity()
        .not_after
        .to_datetime();
    let csr = rcgen_csr("v");
    let profile = Profile::default();
    let start = now();
    let beijing = time::UtcOffset::from_hms(8, 0, 0).unwrap();

    // (name, not_before, not_after, written not_before, written not_after)
    let good = [
        (
            "one second",
            start,
            start + Duration::seconds(1),
            start,
            start + Duration::seconds(1),
        ),
        (
            "fractions dropped",
            start + Duration::milliseconds(999),
            start + Duration::days(30) + Duration::nanoseconds(1),
            start,
            start + Duration::days(30),
        ),
        (
            "beijing time",
            start.to_offset(beijing),
            (start + Duration::days(1)).to_offset(beijing),
            start,
            start + Duration::days(1),
        ),
        (
            "up to the ca's end",
            start,
            ca_not_after,
            start,
            ca_not_after,
        ),
        (
            "backdated",
            start - Duration::days(400),
            start - Duration::days(10),
            start - Duration::days(400),
            start - Duration::days(10),
        ),
    ];
    for (name, not_before, not_after, want_before, want_after) in good {
        let req = IssueRequest {
            csr_der: &csr,
            subject: SubjectSource::FromCsr,
            not_before,
            not_after,
            profile: &profile,
        };
        let issued = ca.issue(&req).unwrap_or_else(|e| panic!("{name}: {e}"));
        let validity = parse(&issued.der).validity().clone();
        assert_eq!(validity.not_before.to_datetime(), want_before, "{name}");
        assert_eq!(validity.not_after.to_datetime(), want_after, "{name}");
        assert_eq!(
            (issued.not_before, issued.not_after),
            (want_before, want_after),
            "{name}"
        );
    }

    let bad = [
        ("equal", start, start, "is not later"),
        ("reversed", start, start - Duration::days(1), "is not later"),
        (
            "within the same second",
            start,
            start + Duration::milliseconds(500),
            "is not later",
        ),
        (
            "beyond the ca",
            start,
            ca_not_after + Duration::seconds(1),
            "renew the ca certificate",
        ),
        (
            "before 1950",
            time::Date::from_calendar_date(1949, time::Month::December, 31)
                .unwrap()
                .midnight()
                .assume_utc(),
            start,
            "outside the years",
        ),
    ];
    for (name, not_before, not_after, message) in bad {
        let req = IssueRequest {
            csr_der: &csr,
            subject: SubjectSource::FromCsr,
            not_before,
            not_after,
            profile: &profile,
        };
        match ca.issue(&req) {
            Err(CaError::InvalidValidity(m)) => assert!(m.contains(message), "{name}: {m}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn profiles_are_checked() {
    let cases: &[(&str, Profile, Option<&str>)] = &[
        ("default", Profile::default(), None),
        ("policies", policy_profile(), None),
        (
            "no key usage",
            Profile {
                key_usage: vec![],
                ..Profile::default()
            },
            Some("key_usage is empty"),
        ),
        (
            "bad oid",
            Profile {
                policy_oids: vec!["1.2.x".into()],
                ..Profile::default()
            },
            Some("not a dotted object identifier"),
        ),
        (
            "first arc",
            Profile {
                policy_oids: vec!["3.1".into()],
                ..Profile::default()
            },
            Some("first arc"),
        ),
        (
            "twice",
            Profile {
                policy_oids: vec!["1.2.3".into(), "1.2.3".into()],
                ..Profile::default()
            },
            Some("twice"),
        ),
    ];
    for (name, profile, want) in cases {
        match (profile.validate(), want) {
            (Ok(()), None) => {}
            (Err(CaError::InvalidProfile(m)), Some(want)) => {
                assert!(m.contains(want), "{name}: {m}")
            }
            (got, _) => panic!("{name}: {got:?}"),
        }
    }
    let default = Profile::default();
    assert_eq!(
        default.key_usage,
        [KeyUsage::DigitalSignature, KeyUsage::NonRepudiation]
    );
    assert_eq!(
        default.extended_key_usage,
        [ExtKeyUsage::ClientAuth, ExtKeyUsage::EmailProtection]
    );
    assert!(default.policy_oids.is_empty());

    // Configuration spells the usages in snake case.
    type E = serde::de::value::Error;
    let usages = [
        ("digital_signature", KeyUsage::DigitalSignature),
        ("non_repudiation", KeyUsage::NonRepudiation),
        ("key_encipherment", KeyUsage::KeyEncipherment),
        ("data_encipherment", KeyUsage::DataEncipherment),
        ("key_agreement", KeyUsage::KeyAgreement),
    ];
    for (text, usage) in usages {
        assert_eq!(
            KeyUsage::deserialize(text.into_deserializer()),
            Ok::<_, E>(usage)
        );
    }
    let extended = [
        ("client_auth", ExtKeyUsage::ClientAuth),
        ("email_protection", ExtKeyUsage::EmailProtection),
        ("code_signing", ExtKeyUsage::CodeSigning),
    ];
    for (text, usage) in extended {
        assert_eq!(
            ExtKeyUsage::deserialize(text.into_deserializer()),
            Ok::<_, E>(usage)
        );
    }
    assert!(
        KeyUsage::deserialize(IntoDeserializer::<E>::into_deserializer("DigitalSignature"))
            .is_err()
    );
    assert!(
        ExtKeyUsage::deserialize(IntoDeserializer::<E>::into_deserializer("server_auth")).is_err()
    );
}

#[test]
fn more_than_one_issuing_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let mut current = Ca::init_pem(&dir.path().join("new"), "New CA").unwrap();
    let previous = Ca::init_pem(&dir.path().join("old"), "Old CA").unwrap();
    let csr = rcgen_csr("rollover");
    let profile = Profile::default();
    let by_previous = previous
        .issue(&request(&csr, SubjectSource::FromCsr, &profile))
        .unwrap();

    current.add_issuer_certificate(previous.certificates()[0].clone());
    current.add_issuer_certificate(previous.certificates()[0].clone());
    assert_eq!(current.certificates().len(), 2);
    assert_eq!(
        current.chain_pem(),
        format!(
            "{}{}",
            to_pem(&current.certificates()[0]),
            previous.chain_pem()
        )
    );
    // The first still signs; both generations verify against the chain.
    let req = request(&csr, SubjectSource::FromCsr, &profile);
    let by_current = current.issue(&req).unwrap();
    check_issued(dir.path(), &current, &req, &by_current);
    assert_eq!(
        parse(&by_current.der).issuer(),
        parse(&current.certificates()[0]).subject()
    );
    openssl_verify(dir.path(), &current.chain_pem(), &by_previous.der).unwrap();
}

#[test]
fn concurrent_issuance() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Arc::new(Ca::init_pem(&dir.path().join("ca"), "threads").unwrap());
    let serials = issue_from_threads(&ca, 4, 25);
    assert_eq!(serials.len(), 100);
}

/// Issues `per_thread` certificates on each of `threads` threads; returns the distinct
/// serials, after checking every signature.
fn issue_from_threads(
    ca: &Arc<Ca>,
    threads: usize,
    per_thread: usize,
) -> std::collections::HashSet<String> {
    let csr = Arc::new(rcgen_csr("thread"));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let ca = Arc::clone(ca);
            let csr = Arc::clone(&csr);
            std::thread::spawn(move || {
                let profile = Profile::default();
                (0..per_thread)
                    .map(|_| {
                        let issued = ca
                            .issue(&request(&csr, SubjectSource::FromCsr, &profile))
                            .unwrap();
                        let ca_cert = parse(&ca.certificates()[0]);
                        parse(&issued.der)
                            .verify_signature(Some(ca_cert.public_key()))
                            .unwrap();
                        issued.serial_hex
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect()
}

#[test]
fn error_messages_are_lowercase() {
    let errors = [
        CaError::CsrSignature,
        CaError::CsrTooLarge { size: 1, limit: 0 },
        CaError::InvalidProfile("x".into()),
        CaError::CertificateWithoutKey {
            cert: "c".into(),
            token: "t".into(),
            label: "l".into(),
        },
        CaError::Pin {
            token: "t".into(),
            reason: "the pin is incorrect".into(),
        },
        CaError::IncompleteFiles {
            present: "a".into(),
            missing: "b".into(),
        },
    ];
    for error in errors {
        let text = error.to_string();
        assert!(text.starts_with(|c: char| !c.is_uppercase()), "{text}");
    }
}

// ---------------------------------------------------------------------------------
// PKCS#11 on SoftHSM2. SoftHSM reads SOFTHSM2_CONF at C_Initialize, and a module is
// initialised once per process, so the cases run in a child process of this binary.

const TOKEN: &str = "certrenew-ca";
const PIN: &str = "246810";
const KEY_LABEL: &str = "certrenew ca key";

#[test]
fn pkcs11_ca_on_softhsm() {
    assert!(
        Path::new(SOFTHSM_MODULE).exists(),
        "SoftHSM2 is needed: apt-get install softhsm2"
    );
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    run(Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--pin",
            PIN,
            "--so-pin",
            "13579",
        ]));

    let test_name = format!(
        "{}::pkcs11_child",
        module_path!()
            .split_once("::")
            .map_or(module_path!(), |(_, rest)| rest)
    );
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            test_name.as_str(),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .env("CA_PKCS11_CHILD", "1")
        .env("CA_PKCS11_DIR", dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "the pkcs#11 child failed:\n{text}");
    assert!(
        dir.path().join("child-done").exists(),
        "the pkcs#11 child did not run:\n{text}"
    );
}

/// The PKCS#11 cases; does nothing unless started by `pkcs11_ca_on_softhsm`.
#[test]
fn pkcs11_child() {
    if std::env::var_os("CA_PKCS11_CHILD").is_none() {
        return;
    }
    let dir = PathBuf::from(std::env::var_os("CA_PKCS11_DIR").unwrap());
    let module = Path::new(SOFTHSM_MODULE);
    let cert = dir.join("hsm/ca.pem");
    let csr = rcgen_csr("hsm user");
    let old = old_certificate(&dir, CHINESE_SUBJECT, &[]);
    let profile = policy_profile();

    // Refusals before anything exists (and before any session is logged in, so that
    // the token really checks the PIN).
    match Ca::init_pkcs11(module, TOKEN, "000000", KEY_LABEL, &cert, "HSM CA") {
        Err(CaError::Pin { reason, .. }) => assert!(reason.contains("incorrect"), "{reason}"),
        other => panic!("wrong pin: {other:?}"),
    }
    match Ca::init_pkcs11(module, "no such token", PIN, KEY_LABEL, &cert, "HSM CA") {
        Err(CaError::TokenNotFound { available, .. }) => assert!(available.contains(TOKEN)),
        other => panic!("wrong token: {other:?}"),
    }
    match Ca::load_pkcs11(module, TOKEN, PIN, KEY_LABEL, &cert) {
        Err(CaError::Io { action: "read", .. }) => {}
        other => panic!("load before init: {other:?}"),
    }
    assert!(!cert.exists());

    // Create: key generated on the token, certificate written.
    let ca = Ca::init_pkcs11(module, TOKEN, PIN, KEY_LABEL, &cert, "certrenew HSM CA").unwrap();
    assert_eq!(std::fs::read_to_string(&cert).unwrap(), ca.chain_pem());
    let ca_der = ca.certificates()[0].clone();
    let ca_cert = parse(&ca_der);
    assert_eq!(
        ca_cert.subject().to_string(),
        "C=CN, O=certrenew, CN=certrenew HSM CA"
    );
    assert!(ca_cert.basic_constraints().unwrap().unwrap().value.ca);
    ca_cert.verify_signature(None).unwrap();
    assert!(format!("{ca:?}").contains(TOKEN));

    // Issue with it: EC and RSA requests, the old subject kept, openssl agrees.
    let rsa = openssl_rsa_csr(&dir, "/CN=rsa on hsm", "-sha256");
    for csr in [&csr, &rsa] {
        let req = request(csr, SubjectSource::FromCertificate(&old), &profile);
        let issued = ca.issue(&req).unwrap();
        check_issued(&dir, &ca, &req, &issued);
    }

    // The key on the token, seen directly: one private key, sensitive, never
    // extractable, sign only, a 16-byte CKA_ID shared with its public key.
    {
        let witness = pkcs11::open(module, TOKEN, PIN, false).unwrap();
        let (private, public) = witness.key_objects(KEY_LABEL);
        assert_eq!((private.len(), public.len()), (1, 1));
        let attrs = witness.attributes(private[0]);
        for (name, want) in [
            ("sensitive", true),
            ("always sensitive", true),
            ("extractable", false),
            ("never extractable", true),
            ("sign", true),
            ("decrypt", false),
            ("token", true),
            ("private", true),
        ] {
            assert_eq!(attrs.get(name), Some(&want), "{name}");
        }
        let id = witness.id(private[0]);
        assert_eq!(id.len(), 16);
        assert_eq!(witness.id(public[0]), id);

        // Log every session of this process out: the CA reopens and logs in again.
        witness.logout();
        let req = request(&csr, SubjectSource::FromCsr, &profile);
        let issued = ca.issue(&req).expect("issue after the token logged out");
        check_issued(&dir, &ca, &req, &issued);
    }

    // Concurrent signing through the one session.
    let ca = Arc::new(ca);
    assert_eq!(issue_from_threads(&ca, 4, 10).len(), 40);

    // Load: the same key and certificate.
    let loaded = Ca::load_pkcs11(module, TOKEN, PIN, KEY_LABEL, &cert).unwrap();
    assert_eq!(loaded.certificates(), ca.certificates());
    let req = request(&csr, SubjectSource::FromCertificate(&old), &profile);
    let issued = loaded.issue(&req).unwrap();
    check_issued(&dir, &ca, &req, &issued);

    // Init again: loads, generates nothing.
    let again = Ca::init_pkcs11(module, TOKEN, PIN, KEY_LABEL, &cert, "ignored").unwrap();
    assert_eq!(again.certificates(), ca.certificates());
    {
        let witness = pkcs11::open(module, TOKEN, PIN, false).unwrap();
        assert_eq!(witness.key_objects(KEY_LABEL).0.len(), 1);
    }

    // The certificate lost: init makes a new one for the same key.
    let second_cert = dir.join("hsm/second.pem");
    let remade = Ca::init_pkcs11(module, TOKEN, PIN, KEY_LABEL, &second_cert, "Remade").unwrap();
    assert_eq!(
        parse(&remade.certificates()[0]).public_key().raw,
        ca_cert.public_key().raw
    );

    // Mismatches.
    let pem_ca_dir = dir.join("pem-ca");
    Ca::init_pem(&pem_ca_dir, "PEM CA").unwrap();
    match Ca::load_pkcs11(module, TOKEN, PIN, KEY_LABEL, &pem_ca_dir.join(CERT_FILE)) {
        Err(CaError::KeyMismatch(_)) => {}
        other => panic!("another ca's certificate: {other:?}"),
    }
    match Ca::load_pkcs11(module, TOKEN, PIN, "other label", &cert) {
        Err(CaError::CertificateWithoutKey { .. }) => {}
        other => panic!("unknown key label: {other:?}"),
    }
    match Ca::init_pkcs11(module, TOKEN, PIN, "other label", &cert, "x") {
        Err(CaError::CertificateWithoutKey { .. }) => {}
        other => panic!("existing certificate, unknown key label: {other:?}"),
    }

    // Two keys with the label: refused rather than guessed.
    {
        let witness = pkcs11::open(module, TOKEN, PIN, true).unwrap();
        witness.generate(KEY_LABEL).unwrap();
    }
    match Ca::load_pkcs11(module, TOKEN, PIN, KEY_LABEL, &cert) {
        Err(CaError::AmbiguousKey { count: 2, .. }) => {}
        other => panic!("two keys: {other:?}"),
    }

    std::fs::write(dir.join("child-done"), "").unwrap();
}
