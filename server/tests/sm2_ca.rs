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
    // Beside the RSA/EC CA's files, in their `sm2` folder.
    let ca_dir = s.dir.path().join("data").join("ca").join("sm2");
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

/// The `gmssl` interpreter (scripts/lib/deps.sh `deps_gmssl`), or None outside CI when
/// it is not installed.
fn gmssl_python() -> Option<std::path::PathBuf> {
    let python = std::path::PathBuf::from("/opt/gmssl/bin/python");
    let works = Command::new(&python)
        .args(["-c", "import gmssl"])
        .output()
        .is_ok_and(|o| o.status.success());
    match works {
        true => Some(python),
        false if std::env::var_os("CI").is_none() => {
            eprintln!("gmssl is not installed (scripts/lib/deps.sh deps_gmssl): witness skipped");
            None
        }
        false => panic!("gmssl is not installed in /opt/gmssl"),
    }
}

/// What gmssl 3.2.2 (pure Python, independent of RustCrypto and OpenSSL) is asked:
/// SM3withSM2 signatures (`x‖y` public key, message, `r‖s`), checked with its default
/// distinguishing ID 1234567812345678; and the SM2 envelope opened with the recipient's
/// scalar: SM2 decryption of `C1‖C3‖C2` (mode 1), then SM4-ECB without padding.
const GMSSL_WITNESS: &str = r#"
import json, sys
from gmssl import sm2, sm4
req = json.load(sys.stdin)
out = {"signatures": []}
for s in req["signatures"]:
    c = sm2.CryptSM2(private_key=None, public_key="")
    c.public_key = s["public"]  # x||y; the constructor's lstrip("04") would cut it
    out["signatures"].append(bool(c.verify_with_sm3(s["signature"], bytes.fromhex(s["message"]))))
e = req["envelope"]
c = sm2.CryptSM2(private_key=e["d"], public_key="", mode=1)
k = c.decrypt(bytes.fromhex(e["c1c3c2"]))
s4 = sm4.CryptSM4(sm4.SM4_DECRYPT, padding_mode=None)
s4.set_key(k, sm4.SM4_DECRYPT)
out["k"] = k.hex()
out["scalar"] = s4.crypt_ecb(bytes.fromhex(e["encrypted"])).hex()
print(json.dumps(out))
"#;

/// A software SM2 token: a key made by the `sm2` crate, its certificate, its
/// SM3withSM2 signatures (default distinguishing ID, DER `r, s`).
struct Sm2Token {
    secret: sm2::SecretKey,
    der: Vec<u8>,
}

impl Sm2Token {
    fn sign(&self, purpose: &str, origin: &str, challenge: &str, payload: &str) -> Vec<u8> {
        use sm2::dsa::signature::Signer as _;
        let tbs = format!("certrenew-v1\n{purpose}\n{origin}\n{challenge}\n{payload}\n");
        let key = sm2::dsa::SigningKey::new("1234567812345678", &self.secret).unwrap();
        let signature: sm2::dsa::Signature = key.sign(tbs.as_bytes());
        signature.to_der().as_bytes().to_vec()
    }

    fn pkcs8(&self) -> Vec<u8> {
        use sm2::pkcs8::EncodePrivateKey as _;
        self.secret.to_pkcs8_der().unwrap().as_bytes().to_vec()
    }
}

/// A new SM2 key (sm2 crate) and its request, signed by OpenSSL with that key.
fn sm2_key_and_csr(dir: &Path, name: &str, subject: &str) -> (sm2::SecretKey, Vec<u8>) {
    use sm2::elliptic_curve::Generate as _;
    use sm2::pkcs8::EncodePrivateKey as _;
    let secret = sm2::SecretKey::generate();
    let pem = secret.to_pkcs8_pem(sm2::pkcs8::LineEnding::LF).unwrap();
    let key = format!("{name}.key");
    std::fs::write(dir.join(&key), pem.as_bytes()).unwrap();
    let csr = format!("{name}.csr");
    let (ok, out) = openssl(
        &[
            "req", "-new", "-key", &key, "-sm3", "-sigopt", DISTID, "-subj", subject, "-outform",
            "DER", "-out", &csr,
        ],
        dir,
    );
    assert!(ok, "{out}");
    (secret, std::fs::read(dir.join(csr)).unwrap())
}

/// The SM2 projects' configuration: the samples and `gd-sm2`, an SM2 dual platform.
fn sm2_config(dir: &Path) -> std::path::PathBuf {
    let mut projects = server::projects::samples();
    let mut sm2 = projects
        .iter()
        .find(|p| p.id == "gd-med-dual")
        .unwrap()
        .clone();
    sm2.id = "gd-sm2".into();
    sm2.algorithm = server::projects::Algorithm::Sm2;
    projects.push(sm2);
    #[derive(serde::Serialize)]
    struct Config {
        projects: Vec<server::projects::Project>,
    }
    let path = dir.join("sm2.toml");
    std::fs::write(&path, toml::to_string(&Config { projects }).unwrap()).unwrap();
    path
}

/// Issue 12 over HTTP: an SM2 dual token (software keys) renewed on an SM2 platform:
/// SM2 sign-in, application, rekey and `installed` signatures verified by the server;
/// the SM2 CA issues the signing certificate and the encryption certificate for the
/// KMC's SM2 key; the key arrives in an `SM2EnvelopedKey` that only the new signing key
/// opens. OpenSSL and gmssl witness the certificates and the envelope.
#[tokio::test]
async fn an_sm2_dual_token_is_renewed_over_http() {
    let config = tempfile::tempdir().unwrap();
    let path = sm2_config(config.path());
    let s = TestServer::stopped(&[("CERTRENEW_CONFIG", path.to_str().unwrap())]);
    let work = s.dir.path().to_path_buf();
    let (ok, _, err) = s.cli(&[
        "ca",
        "init",
        "--algorithm",
        "sm2",
        "--name",
        "certrenew SM2 CA",
    ]);
    assert!(ok, "{err}");
    let ca_pem = work.join("data/ca/sm2/ca.pem");
    let subject = "/C=CN/O=测试医药有限公司/CN=国密 用户";
    let (old_secret, csr) = sm2_key_and_csr(&work, "old", subject);
    let old = Sm2Token {
        secret: old_secret,
        der: s.ca_issue(&csr, 30, &[]),
    };
    let (_, enc_csr) = sm2_key_and_csr(&work, "old-enc", subject);
    let old_enc = s.ca_issue(&enc_csr, 30, &["--project", "gd-sm2", "--encryption"]);
    s.spawn().await;

    // Sign in and apply with SM2 signatures.
    let client = client();
    let challenge = s.challenge().await;
    let sig = old.sign("login", &s.origin, &challenge, "");
    let (status, body) = s
        .post_as(&client, "/api/v1/sessions", serde_json::json!({"certificate": b64(&old.der), "challenge": challenge, "signature": b64(&sig)}))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let application = application_json(12);
    let challenge = s.challenge().await;
    let sig = old.sign(
        "apply",
        &s.origin,
        &challenge,
        &sha256_hex(application.as_bytes()),
    );
    let (status, renewal) = s
        .post_as(&client, "/api/v1/renewals", serde_json::json!({"project": "gd-sm2", "application": b64(application.as_bytes()), "challenge": challenge, "signature": b64(&sig), "encryption_certificate": b64(&old_enc)}))
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{renewal}");
    let no = renewal["business_no"].as_str().unwrap().to_owned();
    let out_trade_no = s.pay(&client, &no).await;
    s.gateway(&out_trade_no, "paid", 1, 0).await;
    let reviewer = s.staff("reviewer", "reviewer").await;
    let (status, body) = s
        .staff_post(
            &reviewer,
            &format!("/api/v1/admin/renewals/{no}/approve"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");

    // A P-256 key is refused on an SM2 platform, in words.
    let (_, status, body) = issue_new_key_with(&s, &client, &old, &no, p256_csr(&work)).await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"]["rule"], "csr.algorithm", "{body}");

    // The new SM2 signing key; the server answers with both certificates.
    let (new_secret, new_csr) = sm2_key_and_csr(&work, "new", "/CN=anything");
    let (_, status, issued) = issue_new_key_with(&s, &client, &old, &no, new_csr).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{issued}");
    let signing_der = unb64(&issued["certificate"]);
    let ca_der = ::pem::parse(std::fs::read(&ca_pem).unwrap())
        .unwrap()
        .contents()
        .to_vec();
    assert_eq!(
        issued["chain"],
        serde_json::json!([b64(&ca_der)]),
        "the SM2 CA alone"
    );
    let encryption = &issued["encryption"];
    let encryption_der = unb64(&encryption["certificate"]);
    assert_eq!(encryption["keep"], sha256_hex(&old_enc));
    let env: protocol::envelope::Envelope =
        serde_json::from_value(encryption["envelope"].clone()).unwrap();
    assert_eq!(
        env.transport,
        protocol::envelope::KeyTransport::Sm2EnvelopedKey
    );
    let new = Sm2Token {
        secret: new_secret,
        der: signing_der.clone(),
    };
    let signing_facts = certinfo::facts(&signing_der).unwrap();
    let enc_facts = certinfo::facts(&encryption_der).unwrap();
    assert_eq!(
        env.recipient_spki_sha256,
        sha256_hex(&signing_facts.spki_der)
    );
    assert_eq!(signing_facts.key, certinfo::KeyKind::Sm2);
    assert_eq!(enc_facts.key, certinfo::KeyKind::Sm2);
    assert_eq!(
        enc_facts.subject_der,
        certinfo::facts(&old.der).unwrap().subject_der
    );
    assert_eq!(enc_facts.subject_der, signing_facts.subject_der);
    assert_eq!(enc_facts.not_after, signing_facts.not_after);

    // The envelope opens with the new signing key to the encryption certificate's key,
    // and not with the old one.
    let opened = server::kmc::envelope::open(&env, &new.pkcs8()).unwrap();
    let enc_secret = {
        use sm2::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
        let secret = sm2::SecretKey::from_pkcs8_der(&opened).unwrap();
        assert_eq!(
            secret.public_key().to_public_key_der().unwrap().as_bytes(),
            enc_facts.spki_der.as_slice()
        );
        secret
    };
    assert!(server::kmc::envelope::open(&env, &old.pkcs8()).is_err());

    // `installed`, signed SM2 by the new key over the encryption certificate.
    let challenge = s.challenge().await;
    let sig = new.sign(
        "installed",
        &s.origin,
        &challenge,
        &sha256_hex(&encryption_der),
    );
    let (status, done) = s
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/installed"),
            serde_json::json!({"challenge": challenge, "signature": b64(&sig)}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["encryption"]["status"], "confirmed");
    assert_eq!(
        s.count(&format!(
            "SELECT COUNT(*) FROM kmc_keys WHERE cert_sha256 = '{}' AND algorithm = 'sm2'",
            sha256_hex(&encryption_der)
        )),
        1
    );

    // Witness 1: OpenSSL verifies both certificates with the distinguishing ID.
    std::fs::write(work.join("signing.pem"), pem(&signing_der)).unwrap();
    std::fs::write(work.join("encryption.pem"), pem(&encryption_der)).unwrap();
    for file in ["signing.pem", "encryption.pem"] {
        let (ok, out) = openssl(
            &[
                "verify",
                "-vfyopt",
                DISTID,
                "-CAfile",
                ca_pem.to_str().unwrap(),
                file,
            ],
            &work,
        );
        assert!(ok && out.contains(&format!("{file}: OK")), "{out}");
    }
    let (_, text) = openssl(&["x509", "-noout", "-text", "-in", "encryption.pem"], &work);
    assert!(
        text.contains("Key Encipherment, Data Encipherment, Key Agreement"),
        "{text}"
    );

    // Witness 2: gmssl checks both certificates' SM3withSM2 signatures by the CA key
    // (it verifies signatures, not chains), refuses a tampered one, and opens the
    // envelope with the new signing key's scalar.
    if let Some(python) = gmssl_python() {
        use sm2::elliptic_curve::sec1::ToSec1Point as _;
        let ca_point = certinfo::facts(&ca_der).unwrap().spki_der;
        let ca_xy = hex(&ca_point[ca_point.len() - 64..]);
        let signature_of = |der: &[u8]| {
            let cert = certinfo::parse(der).unwrap();
            let sig = sm2::dsa::Signature::from_der(&cert.signature_value.data).unwrap();
            (hex(cert.tbs_certificate.as_ref()), hex(&sig.to_bytes()))
        };
        let (tbs_s, sig_s) = signature_of(&signing_der);
        let (tbs_e, sig_e) = signature_of(&encryption_der);
        let mut tampered = tbs_s.clone();
        tampered.replace_range(tampered.len() - 2.., "00");
        let enveloped =
            certinfo::sm2_envelope::Sm2EnvelopedKey::from_der(&env.wrapped_private_key.0).unwrap();
        let request = serde_json::json!({
            "signatures": [
                {"public": ca_xy, "message": tbs_s, "signature": sig_s},
                {"public": ca_xy, "message": tbs_e, "signature": sig_e},
                {"public": ca_xy, "message": tampered, "signature": sig_s},
            ],
            "envelope": {
                "d": hex(&new.secret.to_bytes()),
                "c1c3c2": hex(&enveloped.sym_encrypted_key.to_c1c3c2()[1..]),
                "encrypted": hex(&enveloped.encrypted_private_key),
            },
        });
        let mut child = Command::new(python)
            .args(["-c", GMSSL_WITNESS])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(
            &mut child.stdin.take().unwrap(),
            request.to_string().as_bytes(),
        )
        .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            answer["signatures"],
            serde_json::json!([true, true, false]),
            "{answer}"
        );
        assert_eq!(answer["scalar"], hex(&enc_secret.to_bytes()), "{answer}");
        assert_eq!(
            hex(enc_secret.public_key().to_sec1_point(false).as_bytes()),
            hex(&enveloped.public_key)
        );
    }

    // pkilint: no finding on the signing certificate; on the encryption certificate only
    // RFC 5480's rule against keyEncipherment/dataEncipherment for EC keys, which GM/T
    // 0015 requires for SM2 encryption certificates (SM2 encrypts with the key itself).
    if let Some(found) = pkilint(&work.join("signing.pem")) {
        assert!(
            !found.contains("ERROR") && !found.contains("FATAL"),
            "{found}"
        );
    }
    if let Some(found) = pkilint(&work.join("encryption.pem")) {
        assert_eq!(found.matches("ERROR").count(), 1, "{found}");
        assert!(
            found.contains("pkix.key_usage_value_prohibited_for_ec (ERROR)"),
            "{found}"
        );
    }
}

/// A P-256 request made by OpenSSL.
fn p256_csr(dir: &Path) -> Vec<u8> {
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
            "p256-new.key",
            "-subj",
            "/CN=p256",
            "-outform",
            "DER",
            "-out",
            "p256-new.csr",
        ],
        dir,
    );
    assert!(ok, "{out}");
    std::fs::read(dir.join("p256-new.csr")).unwrap()
}

/// Sends `csr` for renewal `no`, bound by the old SM2 key's `rekey` signature.
async fn issue_new_key_with(
    s: &TestServer,
    client: &reqwest::Client,
    old: &Sm2Token,
    no: &str,
    csr: Vec<u8>,
) -> (Vec<u8>, reqwest::StatusCode, serde_json::Value) {
    let challenge = s.challenge().await;
    let binding = old.sign("rekey", &s.origin, &challenge, &sha256_hex(&csr));
    let (status, body) = s
        .post_as(client, &format!("/api/v1/renewals/{no}/csr"), serde_json::json!({"csr": b64(&csr), "binding_signature": b64(&binding), "challenge": challenge}))
        .await;
    (csr, status, body)
}
