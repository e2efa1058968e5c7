//! `install_certificate` as an attacker would call it (issue 9): a script on a CA page
//! lists the certificates (no PIN), then asks to "install" onto some key while retiring
//! another certificate. Each attempt must be refused with a named error and leave every
//! object on the token in place, as OpenSC's `pkcs11-tool` sees it.

mod common;

use common::*;
use serde_json::{Value, json};

const SUBJECT_A: &str = "/C=CN/O=测试医药有限公司/CN=张三";
const SUBJECT_Y: &str = "/C=CN/O=另一家CA/CN=Other CA Signing";

struct Setup {
    token: TestToken,
    ca: TestCa,
    serial: String,
    a_sha: String,
    y_sha: String,
}

/// A token with certificate A (key id 01) and certificate Y (key id 02), each with its
/// private and public key.
fn setup() -> Setup {
    let token = TestToken::new();
    let ca = TestCa::new();
    let a = token.add_certificate(&ca, "01", "张三", SUBJECT_A, "EC:prime256v1", 30);
    let y = token.add_certificate(&ca, "02", "other", SUBJECT_Y, "EC:prime256v1", 3650);
    let serial = token.serial();
    Setup {
        a_sha: sha256_hex(&a),
        y_sha: sha256_hex(&y),
        token,
        ca,
        serial,
    }
}

/// The kinds of the objects with this `CKA_ID`, per pkcs11-tool (logged in).
fn objects_with_id(token: &TestToken, id: &str) -> Vec<String> {
    let listing = token.list_objects();
    let mut out = Vec::new();
    let mut header = String::new();
    for line in listing.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            header = line.split(';').next().unwrap_or(line).trim().to_owned();
        } else if line.trim().strip_prefix("ID:").map(str::trim) == Some(id) {
            out.push(header.clone());
        }
    }
    out.sort();
    out
}

fn assert_whole_pair(token: &TestToken, id: &str) {
    assert_eq!(
        objects_with_id(token, id),
        [
            "Certificate Object",
            "Private Key Object",
            "Public Key Object"
        ],
        "the certificate and both keys of {id} are still there"
    );
}

/// Sends `install_certificate`, which must fail: its error.
fn refused(host: &mut Host, args: Value) -> Value {
    let answer = host.call("install_certificate", args);
    assert_eq!(answer["ok"], json!(false), "refused: {answer}");
    answer["error"].clone()
}

fn generate_for(s: &Setup, host: &mut Host, sha: &str) -> (String, Vec<u8>) {
    let result = host.ok(
        "generate_csr",
        json!({"token": s.serial, "cert_sha256": sha, "pin": PIN, "algorithm": "ec-p256", "challenge": CHALLENGE}),
    );
    (
        result["key_id"].as_str().unwrap().to_owned(),
        unb64(&result["csr"]),
    )
}

#[test]
fn a_keys_own_certificate_cannot_retire_another_certificate() {
    let s = setup();
    let mut host = s.token.host();
    // What a page learns without a PIN: every certificate, its hash and key id.
    let list = host.ok("list_certificates", json!({}));
    let certs = list["tokens"][0]["certificates"].as_array().unwrap();
    let a = certs
        .iter()
        .find(|c| c["sha256"] == json!(s.a_sha))
        .unwrap();
    assert_eq!(a["key_id"], json!("01"));
    let before = s.token.list_objects();

    let error = refused(
        &mut host,
        json!({"token": s.serial, "key_id": "01", "certificate": a["der"], "retire": s.y_sha, "challenge": CHALLENGE, "pin": PIN}),
    );
    assert_eq!(error["code"], json!("BAD_REQUEST"), "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&s.y_sha), "{message}");
    assert!(message.contains("nothing was changed"), "{message}");

    assert_whole_pair(&s.token, "02");
    assert_whole_pair(&s.token, "01");
    assert_eq!(s.token.list_objects(), before);
}

#[test]
fn a_key_of_another_certificate_cannot_take_a_certificate_or_retire() {
    let s = setup();
    // A compromised CA issues a certificate with Y's subject for A's key ...
    let forged =
        s.ca.issue_for_public_key(&s.token.public_key_file("01"), SUBJECT_Y, 365, "forged-a");
    // ... and for a key pair of the user's that has no certificate.
    s.token.keypairgen("77", "mine", "EC:prime256v1");
    let forged_77 =
        s.ca.issue_for_public_key(&s.token.public_key_file("77"), SUBJECT_Y, 365, "forged-77");
    let before = s.token.list_objects();
    let mut host = s.token.host();
    for (key_id, der) in [("01", &forged), ("77", &forged_77)] {
        for retire in [Some(&s.y_sha), None] {
            let mut args = json!({"token": s.serial, "key_id": key_id, "certificate": b64(der), "challenge": CHALLENGE, "pin": PIN});
            if let Some(sha) = retire {
                args["retire"] = json!(sha);
            }
            let error = refused(&mut host, args);
            assert_eq!(error["code"], json!("KEY_IN_USE"), "{key_id}: {error}");
            assert!(
                error["message"]
                    .as_str()
                    .unwrap()
                    .contains("not made by certrenew for a renewal"),
                "{error}"
            );
        }
    }
    assert_whole_pair(&s.token, "02");
    assert_whole_pair(&s.token, "01");
    assert_eq!(s.token.list_objects(), before, "no certificate was written");
}

#[test]
fn a_key_made_to_renew_one_certificate_cannot_retire_another() {
    let s = setup();
    let mut host = s.token.host();
    let (key_id, csr) = generate_for(&s, &mut host, &s.a_sha);
    let for_a = s.ca.issue_for_csr(&csr, 365, "for-a");
    let with_y_subject =
        s.ca.issue_for_public_key(&s.token.public_key_file(&key_id), SUBJECT_Y, 365, "with-y");
    let before = s.token.list_objects();
    for der in [&for_a, &with_y_subject] {
        let error = refused(
            &mut host,
            json!({"token": s.serial, "key_id": key_id, "certificate": b64(der), "retire": s.y_sha, "challenge": CHALLENGE}),
        );
        assert_eq!(error["code"], json!("BAD_REQUEST"), "{error}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("made to renew the certificate {}", s.a_sha)),
            "{message}"
        );
    }
    assert_whole_pair(&s.token, "02");
    assert_whole_pair(&s.token, "01");
    assert_eq!(s.token.list_objects(), before);

    // The refusals kept the renewal's record: the real install still goes through.
    let result = host.ok(
        "install_certificate",
        json!({"token": s.serial, "key_id": key_id, "certificate": b64(&for_a), "retire": s.a_sha, "challenge": CHALLENGE}),
    );
    assert_eq!(result["retired"], json!(true));
    assert!(objects_with_id(&s.token, "01").is_empty());
    assert_whole_pair(&s.token, "02");
    assert!(!s.token.list_objects().contains("certrenew renewal"));
}

#[test]
fn a_new_certificate_with_another_subject_cannot_retire_the_old_one() {
    let s = setup();
    let mut host = s.token.host();
    let (key_id, _) = generate_for(&s, &mut host, &s.a_sha);
    let pubkey = s.token.public_key_file(&key_id);
    let before = s.token.list_objects();
    let other_name =
        s.ca.issue_for_public_key(&pubkey, "/C=CN/O=测试医药有限公司/CN=李四", 365, "lisi");
    let error = refused(
        &mut host,
        json!({"token": s.serial, "key_id": key_id, "certificate": b64(&other_name), "retire": s.a_sha, "challenge": CHALLENGE}),
    );
    assert_eq!(error["code"], json!("BAD_REQUEST"), "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("subject differs"),
        "{error}"
    );
    assert_eq!(error["details"]["retire"], json!(s.a_sha));
    assert_whole_pair(&s.token, "01");
    assert_whole_pair(&s.token, "02");
    assert_eq!(s.token.list_objects(), before);
}

#[test]
fn a_pending_label_alone_does_not_make_a_renewal_key() {
    let s = setup();
    // A key pair labelled as certrenew's pending ones, but made by someone else: no
    // renewal record names the certificate it renews.
    s.token
        .keypairgen("66", "certrenew pending", "EC:prime256v1");
    let cert =
        s.ca.issue_for_public_key(&s.token.public_key_file("66"), SUBJECT_A, 365, "pending-66");
    let before = s.token.list_objects();
    let mut host = s.token.host();
    let error = refused(
        &mut host,
        json!({"token": s.serial, "key_id": "66", "certificate": b64(&cert), "retire": s.a_sha, "challenge": CHALLENGE, "pin": PIN}),
    );
    // KEY_NOT_FOUND: the page makes a new key, as for a lost one.
    assert_eq!(error["code"], json!("KEY_NOT_FOUND"), "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no renewal record"),
        "{error}"
    );
    assert_whole_pair(&s.token, "01");
    assert_eq!(s.token.list_objects(), before);
}

#[test]
fn the_renewal_record_is_made_with_the_key_and_goes_with_it() {
    let s = setup();
    let mut host = s.token.host();
    let (key_id, _) = generate_for(&s, &mut host, &s.a_sha);
    let objects = s.token.list_objects();
    assert!(
        objects.contains(&format!("certrenew renewal {key_id}")),
        "the binding is on the token: {objects}"
    );
    host.ok("discard_key", json!({"token": s.serial, "key_id": key_id}));
    let objects = s.token.list_objects();
    assert!(!objects.contains("certrenew renewal"), "{objects}");
    assert!(!objects.contains(&key_id), "{objects}");
    assert_whole_pair(&s.token, "01");
}

#[test]
fn an_install_without_retire_keeps_the_old_certificate_and_ends_the_record() {
    let s = setup();
    let mut host = s.token.host();
    let (key_id, csr) = generate_for(&s, &mut host, &s.a_sha);
    let new_cert = s.ca.issue_for_csr(&csr, 365, "no-retire");
    let result = host.ok(
        "install_certificate",
        json!({"token": s.serial, "key_id": key_id, "certificate": b64(&new_cert), "challenge": CHALLENGE}),
    );
    assert_eq!(result["retired"], json!(false));
    assert_whole_pair(&s.token, "01");
    assert_whole_pair(&s.token, &key_id);
    assert!(!s.token.list_objects().contains("certrenew renewal"));
    // The record is gone, so the installed key can no longer retire anything.
    let error = refused(
        &mut host,
        json!({"token": s.serial, "key_id": key_id, "certificate": b64(&new_cert), "retire": s.a_sha, "challenge": CHALLENGE}),
    );
    assert_eq!(error["code"], json!("BAD_REQUEST"), "{error}");
    assert_whole_pair(&s.token, "01");
}
