//! Dual certificates (issue 11): a project of kind `dual` renews the signing and the
//! encryption certificate together. The KMC makes the encryption key, escrows it under
//! its master key, the CA certifies it under the signing certificate's subject, and the
//! key reaches the token in an envelope only the NEW signing key opens. Software keys
//! stand in for the token; openssl and pkilint are the witnesses; the master key is a
//! file here and on SoftHSM in `the_master_key_on_an_hsm_never_leaves_it`.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, KeyPair, PKCS_ECDSA_P256_SHA256,
    PKCS_RSA_SHA256,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::kmc::envelope;
use server::kmc::master::MasterKey;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer as _;

/// The token's keys in these tests.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Alg {
    Ec,
    Rsa,
}

fn new_key(alg: Alg) -> KeyPair {
    match alg {
        Alg::Ec => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap(),
        Alg::Rsa => {
            use rsa::pkcs8::EncodePrivateKey as _;
            let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
            let pem = key.to_pkcs8_pem(Default::default()).unwrap();
            KeyPair::from_pem_and_sign_algo(&pem, &PKCS_RSA_SHA256).unwrap()
        }
    }
}

/// The pair's subject: C as a PrintableString (RFC 5280, which pkilint checks), O and
/// CN in UTF-8.
fn subject_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(
        DnType::CountryName,
        DnValue::PrintableString("CN".try_into().unwrap()),
    );
    params
        .distinguished_name
        .push(DnType::OrganizationName, "测试医药有限公司");
    params.distinguished_name.push(DnType::CommonName, cn);
    params
}

/// A token's signing certificate from the server's CA (`ca issue`), subject as
/// [`subject_params`].
fn signing_user(server: &TestServer, cn: &str, days: i64) -> User {
    let key = new_key(Alg::Ec);
    let csr = subject_params(cn).serialize_request(&key).unwrap();
    let der = server.ca_issue(csr.der(), days, &[]);
    User { key, der }
}

/// The token's OLD encryption certificate: its key made "on the token" (software
/// here), certified by `ca issue --encryption` under the signing certificate's subject.
fn old_encryption(server: &TestServer, cn: &str, alg: Alg, project: &str) -> (KeyPair, Vec<u8>) {
    let key = new_key(alg);
    let csr = subject_params(cn)
        .serialize_request(&key)
        .unwrap()
        .der()
        .to_vec();
    let der = server.ca_issue(&csr, 30, &["--project", project, "--encryption"]);
    (key, der)
}

async fn apply_dual(
    server: &TestServer,
    client: &reqwest::Client,
    user: &User,
    project: &str,
    encryption: Option<&[u8]>,
) -> (StatusCode, Value) {
    let application = application_json(12);
    let challenge = server.challenge().await;
    let sig = user.sign(
        "apply",
        &server.origin,
        &challenge,
        &sha256_hex(application.as_bytes()),
    );
    let mut body = json!({"project": project, "application": b64(application.as_bytes()), "challenge": challenge, "signature": b64(&sig)});
    if let Some(der) = encryption {
        body["encryption_certificate"] = json!(b64(der));
    }
    server.post_as(client, "/api/v1/renewals", body).await
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    X509Certificate::from_der(der).unwrap().1
}

fn write_pem(dir: &Path, name: &str, der: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec())),
    )
    .unwrap();
    path
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?}: {text}");
    text
}

/// Runs pkilint's certificate linter: no ERROR (skipped with a note where pkilint is
/// not installed, unless CI is set; see revocation.rs).
fn lint(file: &Path) {
    match Command::new("lint_pkix_cert")
        .args(["lint", "-s", "ERROR"])
        .arg(file)
        .output()
    {
        Ok(out) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.status.success() && !text.contains("ERROR") && !text.contains("FATAL"),
                "lint_pkix_cert {}: {text}",
                file.display()
            );
        }
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("lint_pkix_cert is not installed ({e}): lint skipped");
        }
        Err(e) => panic!("lint_pkix_cert is not installed: {e}"),
    }
}

/// The public key (SubjectPublicKeyInfo PEM) openssl reads from a PKCS#8 key.
fn openssl_public_of_key(dir: &Path, pkcs8: &[u8]) -> String {
    let path = dir.join(format!("k-{}.der", hex(&rand_bytes(4))));
    std::fs::write(&path, pkcs8).unwrap();
    let text = run(Command::new("openssl")
        .args(["pkey", "-inform", "DER", "-pubout", "-in"])
        .arg(&path));
    std::fs::remove_file(&path).unwrap();
    text
}

fn openssl_public_of_cert(cert: &Path) -> String {
    run(Command::new("openssl")
        .args(["x509", "-noout", "-pubkey", "-in"])
        .arg(cert))
}

/// A renewed dual pair, seen from the test.
struct Renewed {
    no: String,
    client: reqwest::Client,
    signing: User,
    signing_pkcs8: Vec<u8>,
    encryption_der: Vec<u8>,
    pkcs8: Vec<u8>,
}

/// Apply (with the old pair), pay, approve, rekey with a new `signing` key, open the
/// envelope, install: the whole renewal over HTTP, checking each answer.
async fn renew_pair(server: &TestServer, cn: &str, signing: Alg, old_enc: Alg) -> Renewed {
    let user = signing_user(server, cn, 30);
    let (_, old_der) = old_encryption(server, cn, old_enc, "gd-med-dual");
    let client = server.login(&user).await;

    let (status, renewal) = apply_dual(server, &client, &user, "gd-med-dual", Some(&old_der)).await;
    assert_eq!(status, StatusCode::CREATED, "{renewal}");
    assert_eq!(renewal["kind"], "dual");
    assert_eq!(renewal["encryption"]["old_sha256"], sha256_hex(&old_der));
    assert_eq!(renewal["encryption"]["certificate"], Value::Null);
    let no = renewal["business_no"].as_str().unwrap().to_owned();
    let out_trade_no = server.pay(&client, &no).await;
    server.gateway(&out_trade_no, "paid", 1, 0).await;
    let reviewer = server
        .staff(&format!("rev{}", hex(&rand_bytes(3))), "reviewer")
        .await;
    let (status, body) = server
        .staff_post(
            &reviewer,
            &format!("/api/v1/admin/renewals/{no}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Rekey: the new signing key's CSR, bound by the old key.
    let new_key = new_key(signing);
    let csr = subject_params("anything")
        .serialize_request(&new_key)
        .unwrap()
        .der()
        .to_vec();
    let challenge = server.challenge().await;
    let binding = user.sign("rekey", &server.origin, &challenge, &sha256_hex(&csr));
    let (status, issued) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/csr"),
            json!({"csr": b64(&csr), "binding_signature": b64(&binding), "challenge": challenge}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let signing_der = unb64(&issued["certificate"]);
    let encryption = &issued["encryption"];
    let encryption_der = unb64(&encryption["certificate"]);
    assert_eq!(encryption["keep"], sha256_hex(&old_der));
    // The project's history policy; the page names the certificates due on the token.
    assert_eq!(
        encryption["remove"],
        json!({"after_days": 365, "certificates": []})
    );

    // The envelope names the key just certified and opens with it (software token).
    let sign_cert = parse(&signing_der);
    let enc_cert = parse(&encryption_der);
    let env: protocol::envelope::Envelope =
        serde_json::from_value(encryption["envelope"].clone()).unwrap();
    assert_eq!(
        env.recipient_spki_sha256,
        sha256_hex(sign_cert.public_key().raw)
    );
    assert_eq!(
        env.transport,
        match signing {
            Alg::Ec => protocol::envelope::KeyTransport::EcdhP256X963Sha256,
            Alg::Rsa => protocol::envelope::KeyTransport::RsaOaepSha1,
        }
    );
    let signing_pkcs8 = new_key.serialize_der();
    let pkcs8 = envelope::open(&env, &signing_pkcs8).unwrap().to_vec();
    // ... and not with the old signing key.
    assert!(envelope::open(&env, &user.key.serialize_der()).is_err());
    let dir = server.dir.path();
    let enc_pem = write_pem(dir, &format!("{no}-enc.pem"), &encryption_der);
    assert_eq!(
        openssl_public_of_key(dir, &pkcs8),
        openssl_public_of_cert(&enc_pem),
        "the enveloped key is the encryption certificate's"
    );

    // The pair: one subject byte for byte, one validity, usages by algorithm.
    assert_eq!(enc_cert.subject().as_raw(), sign_cert.subject().as_raw());
    assert_eq!(
        enc_cert.validity().not_before,
        sign_cert.validity().not_before
    );
    assert_eq!(
        enc_cert.validity().not_after,
        sign_cert.validity().not_after
    );
    assert_ne!(enc_cert.raw_serial(), sign_cert.raw_serial());
    let ku = enc_cert.key_usage().unwrap().unwrap().value;
    assert!(!ku.digital_signature() && !ku.non_repudiation());
    match old_enc {
        Alg::Rsa => assert!(ku.key_encipherment() && ku.data_encipherment() && !ku.key_agreement()),
        Alg::Ec => assert!(ku.key_agreement() && !ku.key_encipherment()),
    }
    assert!(enc_cert.extended_key_usage().unwrap().is_none());
    let has = |cert: &X509Certificate<'_>, oid: &str| {
        cert.extensions()
            .iter()
            .any(|e| e.oid.to_id_string() == oid)
    };
    for oid in ["2.5.29.31", "1.3.6.1.5.5.7.1.1", "2.5.29.35", "2.5.29.14"] {
        assert!(
            has(&enc_cert, oid) && has(&sign_cert, oid),
            "extension {oid}"
        );
    }

    // `installed` must cover the new encryption certificate: an empty payload (a
    // single renewal's) is refused, the right one completes.
    let challenge = server.challenge().await;
    let wrong = sign_with(
        &new_key,
        format!(
            "certrenew-v1\ninstalled\n{}\n{challenge}\n\n",
            server.origin
        )
        .as_bytes(),
    );
    let (status, body) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/installed"),
            json!({"challenge": challenge, "signature": b64(&wrong)}),
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let challenge = server.challenge().await;
    let tbs = format!(
        "certrenew-v1\ninstalled\n{}\n{challenge}\n{}\n",
        server.origin,
        sha256_hex(&encryption_der)
    );
    let sig = sign_with(&new_key, tbs.as_bytes());
    let (status, done) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/installed"),
            json!({"challenge": challenge, "signature": b64(&sig)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["encryption"]["status"], "confirmed");
    assert_eq!(done["encryption"]["sha256"], sha256_hex(&encryption_der));
    assert_eq!(done["certificate"]["status"], "confirmed");
    assert_eq!(done["certificate"]["sha256"], sha256_hex(&signing_der));

    // The staff see both certificates.
    let (status, detail) = server
        .get_as(&reviewer.0, &format!("/api/v1/admin/renewals/{no}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(
        detail["renewal"]["encryption"]["sha256"],
        sha256_hex(&encryption_der)
    );
    assert_eq!(
        detail["renewal"]["certificate"]["sha256"],
        sha256_hex(&signing_der)
    );

    Renewed {
        no,
        client,
        signing: User {
            key: new_key,
            der: signing_der,
        },
        signing_pkcs8,
        encryption_der,
        pkcs8,
    }
}

/// openssl verifies both certificates against the CA, and pkilint finds no error.
fn witnesses(server: &TestServer, renewed: &Renewed) {
    let dir = server.dir.path();
    let ca = dir.join("data/ca/ca.pem");
    for (name, der) in [
        ("signing", &renewed.signing.der),
        ("encryption", &renewed.encryption_der),
    ] {
        let path = write_pem(dir, &format!("{}-{name}.pem", renewed.no), der);
        let out = run(Command::new("openssl")
            .args(["verify", "-CAfile"])
            .arg(&ca)
            .arg(&path));
        assert!(out.contains(": OK"), "{name}: {out}");
        lint(&path);
    }
}

#[tokio::test]
async fn a_dual_renewal_issues_escrows_and_envelopes_the_pair() {
    let server = TestServer::start().await;

    // Refusals at apply: a single project takes no encryption certificate; a dual one
    // refuses a certificate of another subject.
    let user = signing_user(&server, "双证书 拒绝", 30);
    let client = server.login(&user).await;
    let (_, own) = old_encryption(&server, "双证书 拒绝", Alg::Ec, "gd-med-dual");
    let (status, body) = apply_dual(&server, &client, &user, "gd-med", Some(&own)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["details"]["rule"], "encryption_certificate.not_dual",
        "{body}"
    );
    let (_, stranger) = old_encryption(&server, "someone else", Alg::Ec, "gd-med-dual");
    let (status, body) = apply_dual(&server, &client, &user, "gd-med-dual", Some(&stranger)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["details"]["rule"], "encryption_certificate.mismatch",
        "{body}"
    );
    // The project says what it issues.
    let (status, projects) = server.get_as(&client, "/api/v1/projects").await;
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<(String, String)> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("gd-med-dual".into(), "dual".into())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("gd-med".into(), "single".into())),
        "{kinds:?}"
    );

    // EC signing key (ECDH envelope), RSA encryption key; then the other way round.
    for (signing, old_enc) in [(Alg::Ec, Alg::Rsa), (Alg::Rsa, Alg::Ec)] {
        let renewed = renew_pair(&server, &format!("双证书 {signing:?}"), signing, old_enc).await;
        witnesses(&server, &renewed);
        let no = &renewed.no;

        // Audit rows for each step of the KMC.
        for action in [
            "kmc.generated",
            "kmc.escrowed",
            "kmc.delivered",
            "renewal.issued",
            "renewal.completed",
        ] {
            assert_eq!(
                server.count(&format!(
                    "SELECT COUNT(*) FROM audit WHERE subject = '{no}' AND action = '{action}'"
                )),
                1,
                "{action}"
            );
        }

        // The escrow: sealed (not the key in clear), opened by the master key only.
        let enc_sha = sha256_hex(&renewed.encryption_der);
        let row = server.sql(&format!(
            "SELECT key_id || '|' || master_key FROM kmc_keys WHERE cert_sha256 = '{enc_sha}'"
        ));
        let (key_id, master_id) = row.split_once('|').unwrap();
        let sealed = match &server.db {
            Database::Sqlite(_) => server.sql(&format!(
                "SELECT hex(sealed) FROM kmc_keys WHERE key_id = '{key_id}'"
            )),
            Database::Postgres { .. } => server.sql(&format!(
                "SELECT encode(sealed, 'hex') FROM kmc_keys WHERE key_id = '{key_id}'"
            )),
        };
        let sealed = hex_decode(&sealed);
        assert!(
            !sealed
                .windows(32)
                .any(|w| renewed.pkcs8.windows(32).next() == Some(w))
        );
        let master = MasterKey::file(&server.dir.path().join("data/kmc/master.pem")).unwrap();
        assert_eq!(master.id(), master_id);
        assert_eq!(
            master.open(&sealed, key_id.as_bytes()).unwrap().as_slice(),
            renewed.pkcs8.as_slice()
        );
        let wrong = MasterKey::from_bytes(&rand_bytes(32)).unwrap();
        assert!(
            wrong.open(&sealed, key_id.as_bytes()).is_err(),
            "a wrong master key opens nothing"
        );
        let _ = &renewed.signing_pkcs8;
        let _ = &renewed.client;
    }

    // A single renewal is as before: no encryption in the view or the answer.
    let single = server.user("single", 30);
    let (no, _) = complete_renewal(&server, &single, "gd-med", 12).await;
    let view = server.renewal(&server.login(&single).await, &no).await;
    assert_eq!(view["kind"], "single");
    assert_eq!(view["encryption"], Value::Null);
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn key_recovery_needs_two_other_approvers_and_delivers_to_a_certified_key() {
    let server = TestServer::start().await;
    let renewed = renew_pair(&server, "恢复 用户", Alg::Ec, Alg::Ec).await;
    let no = &renewed.no;
    let alice = server.staff("alice", "reviewer").await;
    let bob = server.staff("bob", "reviewer").await;
    let carol = server.staff("carol", "admin").await;

    // Only staff start it, with a reason, for a renewal with an escrowed key.
    let (status, _) = server
        .post_as(
            &renewed.client,
            "/api/v1/admin/recoveries",
            json!({"business_no": no, "reason": "token lost"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = server
        .staff_post(
            &alice,
            "/api/v1/admin/recoveries",
            json!({"business_no": "NO-SUCH", "reason": "token lost"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = server
        .staff_post(
            &alice,
            "/api/v1/admin/recoveries",
            json!({"business_no": no, "reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, recovery) = server
        .staff_post(
            &alice,
            "/api/v1/admin/recoveries",
            json!({"business_no": no, "reason": "USB key lost; replacement token"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{recovery}");
    assert_eq!(recovery["status"], "requested");
    assert_eq!(
        recovery["encryption_sha256"],
        sha256_hex(&renewed.encryption_der)
    );
    let id = recovery["id"].as_str().unwrap().to_owned();
    let approve = format!("/api/v1/admin/recoveries/{id}/approve");

    // The customer sees nothing before approval.
    let (status, mine) = server.get_as(&renewed.client, "/api/v1/recoveries").await;
    assert_eq!(
        (status, mine.as_array().map(Vec::len)),
        (StatusCode::OK, Some(0)),
        "{mine}"
    );

    // The requester cannot approve; nor can one approver twice.
    let (status, body) = server.staff_post(&alice, &approve, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = server.staff_post(&bob, &approve, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "requested");
    let (status, body) = server.staff_post(&bob, &approve, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = server.staff_post(&carol, &approve, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "approved");
    assert_eq!(body["approved_by"], json!(["bob", "carol"]));
    let (status, list) = server.get_as(&alice.0, "/api/v1/admin/recoveries").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["id"], id.as_str());

    // The customer's session: the recovery is listed; an envelope is refused to a key
    // the CA did not certify, and to the superseded (old) signing certificate.
    let (_, mine) = server.get_as(&renewed.client, "/api/v1/recoveries").await;
    assert_eq!(mine[0]["id"], id.as_str(), "{mine}");
    let envelope_path = format!("/api/v1/recoveries/{id}/envelope");
    let foreign = {
        let key = new_key(Alg::Ec);
        subject_params("恢复 用户")
            .self_signed(&key)
            .unwrap()
            .der()
            .to_vec()
    };
    let (status, body) = server
        .post_as(
            &renewed.client,
            &envelope_path,
            json!({"signing_certificate": b64(&foreign)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = server
        .post_as(
            &renewed.client,
            &envelope_path,
            json!({"signing_certificate": b64(&renewed.encryption_der)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A replacement token: a new signing key certified to the same subject.
    let replacement = signing_user(&server, "恢复 用户", 300);
    let (status, recovered) = server
        .post_as(
            &renewed.client,
            &envelope_path,
            json!({"signing_certificate": b64(&replacement.der)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{recovered}");
    assert_eq!(unb64(&recovered["certificate"]), renewed.encryption_der);
    let env: protocol::envelope::Envelope =
        serde_json::from_value(recovered["envelope"].clone()).unwrap();
    let pkcs8 = envelope::open(&env, &replacement.key.serialize_der()).unwrap();
    assert_eq!(
        pkcs8.as_slice(),
        renewed.pkcs8.as_slice(),
        "the same escrowed key"
    );
    assert!(envelope::open(&env, &renewed.signing_pkcs8).is_err());

    // Delivery is confirmed by the replacement key over the encryption certificate.
    let delivered = format!("/api/v1/recoveries/{id}/delivered");
    let challenge = server.challenge().await;
    let wrong = renewed.signing.sign(
        "installed",
        &server.origin,
        &challenge,
        &sha256_hex(&renewed.encryption_der),
    );
    let (status, body) = server
        .post_as(
            &renewed.client,
            &delivered,
            json!({"challenge": challenge, "signature": b64(&wrong)}),
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let challenge = server.challenge().await;
    let sig = replacement.sign(
        "installed",
        &server.origin,
        &challenge,
        &sha256_hex(&renewed.encryption_der),
    );
    let (status, body) = server
        .post_as(
            &renewed.client,
            &delivered,
            json!({"challenge": challenge, "signature": b64(&sig)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "delivered");
    let (status, _) = server
        .post_as(
            &renewed.client,
            &envelope_path,
            json!({"signing_certificate": b64(&replacement.der)}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a delivered recovery is closed"
    );

    for (action, n) in [
        ("recovery.requested", 1),
        ("recovery.approved", 2),
        ("kmc.delivered", 2),
        ("recovery.delivered", 1),
    ] {
        assert_eq!(
            server.count(&format!(
                "SELECT COUNT(*) FROM audit WHERE subject = '{no}' AND action = '{action}'"
            )),
            n,
            "{action}"
        );
    }
}

const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";

#[tokio::test]
async fn the_master_key_on_an_hsm_never_leaves_it() {
    let hsm = tempfile::tempdir().unwrap();
    std::fs::create_dir(hsm.path().join("tokens")).unwrap();
    let conf = hsm.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            hsm.path().join("tokens").display()
        ),
    )
    .unwrap();
    run(Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "kmc",
            "--pin",
            "246810",
            "--so-pin",
            "13579113",
        ]));
    let config = hsm.path().join("server.toml");
    std::fs::write(
        &config,
        format!("[kmc]\nkind = \"pkcs11\"\nmodule = \"{SOFTHSM}\"\ntoken = \"kmc\"\nkey_label = \"certrenew kmc master\"\n"),
    )
    .unwrap();
    let conf_s = conf.to_str().unwrap().to_owned();
    let config_s = config.to_str().unwrap().to_owned();
    let server = TestServer::start_with(&[
        ("SOFTHSM2_CONF", &conf_s),
        ("CERTRENEW_CONFIG", &config_s),
        ("CERTRENEW_KMC_PIN", "246810"),
    ])
    .await;

    let renewed = renew_pair(&server, "HSM 用户", Alg::Ec, Alg::Rsa).await;
    let enc_sha = sha256_hex(&renewed.encryption_der);
    assert_eq!(
        server.sql(&format!(
            "SELECT master_key FROM kmc_keys WHERE cert_sha256 = '{enc_sha}'"
        )),
        "pkcs11:kmc/certrenew kmc master"
    );
    assert!(!server.dir.path().join("data/kmc/master.pem").exists());

    // Restarted, the server finds the same key (no second one) and still opens what it
    // sealed: a recovery's envelope of the same key.
    server.kill9();
    server.spawn().await;
    let witness = |args: &[&str]| {
        run(Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &conf)
            .args([
                "--module",
                SOFTHSM,
                "--token-label",
                "kmc",
                "--login",
                "--pin",
                "246810",
            ])
            .args(args))
    };
    let listed = witness(&["--list-objects", "--type", "secrkey"]);
    assert_eq!(listed.matches("Secret Key Object").count(), 1, "{listed}");
    assert!(listed.contains("certrenew kmc master"), "{listed}");
    let access = listed.to_lowercase();
    assert!(
        access.contains("sensitive") && access.contains("never extractable"),
        "{listed}"
    );
    // Reading its value is refused by the token.
    let out = Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--module",
            SOFTHSM,
            "--token-label",
            "kmc",
            "--login",
            "--pin",
            "246810",
        ])
        .args([
            "--read-object",
            "--type",
            "secrkey",
            "--label",
            "certrenew kmc master",
        ])
        .output()
        .unwrap();
    assert!(
        !out.status.success() || out.stdout.is_empty(),
        "the master key was read out"
    );

    let a = server.staff("hsm-a", "reviewer").await;
    let b = server.staff("hsm-b", "reviewer").await;
    let c = server.staff("hsm-c", "admin").await;
    let (status, recovery) = server
        .staff_post(
            &a,
            "/api/v1/admin/recoveries",
            json!({"business_no": renewed.no, "reason": "token replaced"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{recovery}");
    let id = recovery["id"].as_str().unwrap();
    for staff in [&b, &c] {
        let (status, body) = server
            .staff_post(
                staff,
                &format!("/api/v1/admin/recoveries/{id}/approve"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let client = server.login(&renewed.signing).await;
    let (status, recovered) = server
        .post_as(
            &client,
            &format!("/api/v1/recoveries/{id}/envelope"),
            json!({"signing_certificate": b64(&renewed.signing.der)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{recovered}");
    let env: protocol::envelope::Envelope =
        serde_json::from_value(recovered["envelope"].clone()).unwrap();
    assert_eq!(
        envelope::open(&env, &renewed.signing_pkcs8)
            .unwrap()
            .as_slice(),
        renewed.pkcs8.as_slice()
    );
}
