//! The host against a real SoftHSM2 token, driven as Chrome drives it, with OpenSC's
//! `pkcs11-tool` and openssl as independent witnesses.

mod common;

use std::process::Command;

use common::*;
use serde_json::{Value, json};

const SUBJECT: &str = "/C=CN/O=测试医药有限公司/CN=张三";

struct Setup {
    token: TestToken,
    ca: TestCa,
    serial: String,
    cert: Vec<u8>,
    sha: String,
}

fn setup(key_type: &str) -> Setup {
    let token = TestToken::new();
    let ca = TestCa::new();
    let cert = token.add_certificate(&ca, "01", "张三", SUBJECT, key_type, 30);
    let serial = token.serial();
    let sha = sha256_hex(&cert);
    Setup {
        token,
        ca,
        serial,
        cert,
        sha,
    }
}

#[test]
fn hello_reports_versions_and_modules() {
    let token = TestToken::new();
    let mut host = token.host();
    let hello = host.ok("hello", json!({}));
    assert_eq!(hello["protocol"], json!(1));
    assert_eq!(hello["host_version"], json!(env!("CARGO_PKG_VERSION")));
    assert!(
        hello["capabilities"]
            .as_array()
            .unwrap()
            .contains(&json!("install_certificate"))
    );
    // Dual pairs and key recovery: the page checks this before offering a dual renewal.
    for cap in ["dual-certificates", "import_encryption_key"] {
        assert!(
            hello["capabilities"]
                .as_array()
                .unwrap()
                .contains(&json!(cap)),
            "{cap}: {hello}"
        );
    }
    assert_eq!(hello["modules"][0]["path"], json!(MODULE));
    assert_eq!(hello["modules"][0]["loaded"], json!(true));
    assert!(host.finish().success(), "EOF ends the host with status 0");
}

#[test]
fn a_module_that_fails_to_load_is_reported_not_fatal() {
    let token = TestToken::new();
    std::fs::write(
        token.path("host.toml"),
        "modules = [\"/nonexistent/libnothing.so\"]\n",
    )
    .unwrap();
    let mut host = token.host();
    let hello = host.ok("hello", json!({}));
    let modules = hello["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 2);
    assert_eq!(modules[0]["loaded"], json!(true));
    assert_eq!(modules[1]["loaded"], json!(false));
    assert!(modules[1]["error"].as_str().unwrap().contains("load"));
    // The working module still serves.
    let list = host.ok("list_certificates", json!({}));
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1);
}

#[test]
fn lists_certificates_prepared_by_pkcs11_tool() {
    let s = setup("EC:prime256v1");
    let mut host = s.token.host();
    let list = host.ok("list_certificates", json!({}));
    let tokens = list["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    let t = &tokens[0]["token"];
    assert_eq!(t["serial"], json!(s.serial));
    assert_eq!(t["label"], json!("certrenew test"));
    assert_eq!(t["pin_pad"], json!(false));
    assert_eq!(t["pin_locked"], json!(false));
    let certs = tokens[0]["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1);
    let c = &certs[0];
    assert_eq!(unb64(&c["der"]), s.cert);
    assert_eq!(c["sha256"], json!(s.sha));
    assert_eq!(c["key_id"], json!("01"));
    assert_eq!(c["label"], json!("张三"));
    assert_eq!(c["subject"], json!("CN=张三,O=测试医药有限公司,C=CN"));
    assert_eq!(c["issuer"], json!("CN=certrenew Test CA,O=certrenew,C=CN"));
    assert_eq!(c["usage"], json!("sign"));
    assert_eq!(c["has_private_key"], json!(true));
    // Serial and dates agree with openssl's reading of the same DER.
    let der = s.token.path("cert-01.der");
    let out = run(Command::new("openssl")
        .args([
            "x509", "-inform", "DER", "-noout", "-serial", "-enddate", "-in",
        ])
        .arg(&der));
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    let serial = c["serial"].as_str().unwrap();
    assert!(
        text.contains(&format!("serial={serial}\n")),
        "{text} vs {serial}"
    );
    let not_after = c["not_after"].as_str().unwrap();
    assert!(not_after.ends_with('Z'), "{not_after}");
}

fn sign_args(s: &Setup, purpose: &str, payload: Option<&str>, pin: Option<&str>) -> Value {
    let mut args = json!({"token": s.serial, "cert_sha256": s.sha, "purpose": purpose, "challenge": CHALLENGE});
    if let Some(p) = payload {
        args["payload_sha256"] = json!(p);
    }
    if let Some(pin) = pin {
        args["pin"] = json!(pin);
    }
    args
}

fn check_login_and_apply(key_type: &str, algorithm: &str) {
    let s = setup(key_type);
    let mut host = s.token.host();
    let login = host.ok("sign", sign_args(&s, "login", None, Some(PIN)));
    assert_eq!(login["algorithm"], json!(algorithm));
    assert_eq!(unb64(&login["certificate"]), s.cert);
    let sig = unb64(&login["signature"]);
    let expected = tbs("login", ORIGIN, CHALLENGE, "");
    assert!(
        openssl_verify(s.token.dir.path(), &s.cert, &expected, &sig),
        "login signature verifies"
    );
    // The same signature is worthless for another origin or purpose.
    assert!(!openssl_verify(
        s.token.dir.path(),
        &s.cert,
        &tbs("login", "https://evil.example", CHALLENGE, ""),
        &sig
    ));
    assert!(!openssl_verify(
        s.token.dir.path(),
        &s.cert,
        &tbs("apply", ORIGIN, CHALLENGE, ""),
        &sig
    ));

    let payload = sha256_hex(b"{\"months\":12}");
    let apply = host.ok("sign", sign_args(&s, "apply", Some(&payload), Some(PIN)));
    let sig = unb64(&apply["signature"]);
    assert!(openssl_verify(
        s.token.dir.path(),
        &s.cert,
        &tbs("apply", ORIGIN, CHALLENGE, &payload),
        &sig
    ));
}

#[test]
fn login_and_apply_signatures_verify_with_openssl_ec() {
    check_login_and_apply("EC:prime256v1", "ecdsa-p256-sha256");
}

#[test]
fn login_and_apply_signatures_verify_with_openssl_rsa() {
    check_login_and_apply("rsa:2048", "rsa-pkcs1-sha256");
}

#[test]
fn wrong_pin_then_right_pin() {
    let s = setup("EC:prime256v1");
    let mut host = s.token.host();
    let answer = host.call("sign", sign_args(&s, "login", None, Some("000000")));
    assert_eq!(answer["error"]["code"], json!("PIN_INCORRECT"));
    assert!(answer["error"]["details"]["count_low"].is_boolean());
    assert!(answer["error"]["details"]["final_try"].is_boolean());
    // The token now reports a low count, as list_certificates shows without a PIN.
    let list = host.ok("list_certificates", json!({}));
    assert_eq!(list["tokens"][0]["token"]["pin_count_low"], json!(true));
    host.ok("sign", sign_args(&s, "login", None, Some(PIN)));
}

#[test]
fn pin_is_required_then_kept_for_the_connection_and_always_checked() {
    let s = setup("EC:prime256v1");
    let mut host = s.token.host();
    assert_eq!(
        host.err("sign", sign_args(&s, "login", None, None)),
        "PIN_REQUIRED"
    );
    host.ok("sign", sign_args(&s, "login", None, Some(PIN)));
    // A follow-up on the same connection needs no PIN.
    host.ok("sign", sign_args(&s, "login", None, None));
    // A given PIN is checked even though the token is logged in.
    assert_eq!(
        host.err("sign", sign_args(&s, "login", None, Some("999999"))),
        "PIN_INCORRECT"
    );
    // And a failed check ends the kept login.
    assert_eq!(
        host.err("sign", sign_args(&s, "login", None, None)),
        "PIN_REQUIRED"
    );
    // A new process starts with no login.
    let mut other = s.token.host();
    assert_eq!(
        other.err("sign", sign_args(&s, "login", None, None)),
        "PIN_REQUIRED"
    );
}

#[test]
fn unknown_token_certificate_and_key_are_named_errors() {
    let s = setup("EC:prime256v1");
    let mut host = s.token.host();
    let mut args = sign_args(&s, "login", None, Some(PIN));
    args["token"] = json!("no-such-token");
    assert_eq!(host.err("sign", args), "TOKEN_NOT_FOUND");
    let mut args = sign_args(&s, "login", None, Some(PIN));
    args["cert_sha256"] = json!("00".repeat(32));
    assert_eq!(host.err("sign", args), "CERT_NOT_FOUND");
    assert_eq!(
        host.err(
            "discard_key",
            json!({"token": s.serial, "key_id": "abcd", "pin": PIN})
        ),
        "KEY_NOT_FOUND"
    );
    assert_eq!(
        host.err(
            "discard_key",
            json!({"token": s.serial, "key_id": "01", "pin": PIN})
        ),
        "KEY_IN_USE"
    );
}

/// Runs generate_csr and checks the CSR and the binding with openssl.
fn generate(s: &Setup, host: &mut Host, algorithm: &str) -> (String, Vec<u8>) {
    let result = host.ok(
        "generate_csr",
        json!({"token": s.serial, "cert_sha256": s.sha, "pin": PIN, "algorithm": algorithm, "challenge": CHALLENGE}),
    );
    let key_id = result["key_id"].as_str().unwrap().to_owned();
    assert_eq!(key_id.len(), 32, "a new random 16-byte CKA_ID");
    assert_ne!(key_id, "01");
    assert_eq!(result["key_algorithm"], json!(algorithm));
    let csr = unb64(&result["csr"]);
    let csr_file = s.token.path(&format!("{key_id}.csr"));
    std::fs::write(&csr_file, &csr).unwrap();
    // openssl checks the CSR's self-signature ...
    let out = run(Command::new("openssl")
        .args([
            "req",
            "-inform",
            "DER",
            "-verify",
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253,-esc_msb",
            "-in",
        ])
        .arg(&csr_file));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CN=张三,O=测试医药有限公司,C=CN"), "{text}");
    // ... and the subject is the old certificate's, byte for byte.
    let old_subject = run(Command::new("openssl")
        .args([
            "x509",
            "-inform",
            "DER",
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253,-esc_msb",
            "-in",
        ])
        .arg(s.token.path("cert-01.der")));
    assert!(
        String::from_utf8_lossy(&old_subject.stdout).contains("CN=张三,O=测试医药有限公司,C=CN")
    );
    let subject_der = subject_der_of_cert(&s.cert);
    assert!(
        csr.windows(subject_der.len()).any(|w| w == subject_der),
        "subject bytes copied"
    );
    // The binding signature by the OLD key covers the CSR's digest.
    let binding = unb64(&result["binding_signature"]);
    let expected = tbs("rekey", ORIGIN, CHALLENGE, &sha256_hex(&csr));
    assert!(
        openssl_verify(s.token.dir.path(), &s.cert, &expected, &binding),
        "binding verifies with the old key"
    );
    (key_id, csr)
}

/// The raw subject Name of a certificate, found with openssl's asn1parse offsets.
fn subject_der_of_cert(cert: &[u8]) -> Vec<u8> {
    use x509_parser::prelude::*;
    let (_, parsed) = X509Certificate::from_der(cert).unwrap();
    parsed.subject().as_raw().to_vec()
}

fn check_rekey_and_install(old_type: &str, new_alg: &str) {
    let s = setup(old_type);
    let mut host = s.token.host();
    let (key_id, csr) = generate(&s, &mut host, new_alg);
    // Until installed, the new pair is marked pending and bound to the old certificate.
    let objects = s.token.list_objects();
    assert!(objects.contains("certrenew pending"), "{objects}");
    assert!(
        objects.contains(&format!("certrenew renewal {key_id}")),
        "{objects}"
    );

    let new_cert = s.ca.issue_for_csr(&csr, 395, &key_id);
    let result = host.ok(
        "install_certificate",
        json!({"token": s.serial, "key_id": key_id, "certificate": b64(&new_cert), "retire": s.sha, "challenge": CHALLENGE}),
    );
    assert_eq!(result["retired"], json!(true));
    assert_eq!(result["certificate"]["key_id"], json!(key_id));
    assert_eq!(result["certificate"]["label"], json!("张三"));
    assert_eq!(unb64(&result["certificate"]["der"]), new_cert);
    let confirmation = unb64(&result["confirmation_signature"]);
    assert!(openssl_verify(
        s.token.dir.path(),
        &new_cert,
        &tbs("installed", ORIGIN, CHALLENGE, ""),
        &confirmation
    ));

    // pkcs11-tool: the new certificate under the new id, nothing left of the old pair.
    let objects = s.token.list_objects();
    assert!(
        objects.contains(&format!("ID:         {key_id}")),
        "{objects}"
    );
    assert!(
        !objects.contains("ID:         01\n"),
        "old objects retired: {objects}"
    );
    assert!(
        !objects.contains("certrenew pending"),
        "keys relabelled: {objects}"
    );
    assert!(
        !objects.contains("certrenew renewal"),
        "the renewal record is gone: {objects}"
    );
    let certs = s.token.pkcs11_tool(&["--list-objects", "--type", "cert"]);
    assert_eq!(certs.matches("Certificate Object").count(), 1, "{certs}");
    // The host lists exactly the new certificate.
    let list = host.ok("list_certificates", json!({}));
    let listed = list["tokens"][0]["certificates"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["sha256"], json!(sha256_hex(&new_cert)));
    // The new private key was made on the token, is sensitive, never extractable, signs only.
    let privs = s.token.pkcs11_tool(&[
        "--login",
        "--pin",
        PIN,
        "--list-objects",
        "--type",
        "privkey",
    ]);
    assert!(privs.contains("Usage:      sign\n"), "sign only: {privs}");
    assert!(
        privs.contains("sensitive, always sensitive, never extractable, local"),
        "{privs}"
    );
}

#[test]
fn rekey_and_install_ec_to_ec() {
    check_rekey_and_install("EC:prime256v1", "ec-p256");
}

#[test]
fn rekey_and_install_rsa_to_rsa() {
    check_rekey_and_install("rsa:2048", "rsa-2048");
}

#[test]
fn rekey_and_install_rsa_to_ec() {
    check_rekey_and_install("rsa:2048", "ec-p256");
}

#[test]
fn install_refuses_a_certificate_for_another_key() {
    let s = setup("EC:prime256v1");
    let mut host = s.token.host();
    let (key_id, _) = generate(&s, &mut host, "ec-p256");
    // The OLD certificate does not belong to the new key.
    let code = host.err(
        "install_certificate",
        json!({"token": s.serial, "key_id": key_id, "certificate": b64(&s.cert), "retire": s.sha, "challenge": CHALLENGE, "pin": PIN}),
    );
    assert_eq!(code, "CERT_KEY_MISMATCH");
    let code = host.err(
        "install_certificate",
        json!({"token": s.serial, "key_id": key_id, "certificate": b64(b"not a certificate"), "challenge": CHALLENGE}),
    );
    assert_eq!(code, "BAD_REQUEST");
    // Nothing changed: the old certificate is still there.
    let certs = s.token.pkcs11_tool(&["--list-objects", "--type", "cert"]);
    assert_eq!(certs.matches("Certificate Object").count(), 1);
}

#[test]
fn discard_key_removes_an_abandoned_pair() {
    let s = setup("EC:prime256v1");
    let mut host = s.token.host();
    let (key_id, _) = generate(&s, &mut host, "ec-p256");
    let result = host.ok("discard_key", json!({"token": s.serial, "key_id": key_id}));
    assert_eq!(result["deleted"], json!(2));
    let objects = s.token.list_objects();
    assert!(!objects.contains(&key_id), "{objects}");
    assert!(
        objects.contains("ID:         01"),
        "the certificate's own key stays: {objects}"
    );
}

#[test]
fn discard_key_keeps_keys_certrenew_did_not_make() {
    let s = setup("EC:prime256v1");
    // A key pair of the user's with no certificate (say, made by another tool).
    s.token.keypairgen("77", "mine", "EC:prime256v1");
    let mut host = s.token.host();
    assert_eq!(
        host.err(
            "discard_key",
            json!({"token": s.serial, "key_id": "77", "pin": PIN})
        ),
        "KEY_IN_USE"
    );
    assert!(s.token.list_objects().contains("ID:         77"));
}

#[test]
fn a_retire_hash_the_key_was_not_made_for_is_refused() {
    let s = setup("EC:prime256v1");
    let mut host = s.token.host();
    let (key_id, csr) = generate(&s, &mut host, "ec-p256");
    let new_cert = s.ca.issue_for_csr(&csr, 365, "x");
    let answer = host.call(
        "install_certificate",
        json!({"token": s.serial, "key_id": key_id, "certificate": b64(&new_cert), "retire": "ab".repeat(32), "challenge": CHALLENGE}),
    );
    assert_eq!(answer["error"]["code"], json!("BAD_REQUEST"), "{answer}");
    // Nothing was written: only the old certificate is on the token.
    let certs = s.token.pkcs11_tool(&["--list-objects", "--type", "cert"]);
    assert_eq!(certs.matches("Certificate Object").count(), 1, "{certs}");
}
