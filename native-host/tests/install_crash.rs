//! Crash-safety of `install_certificate`: the host is stopped right after each step
//! (`CERTRENEW_FAULT_AFTER`), the token is inspected with `pkcs11-tool`, and the
//! command is run again. At every stop the token must hold a usable certificate with
//! its private key, and the re-run must finish the job exactly. The dual install
//! (with the encryption half) is stopped after each of its steps too, RSA and EC; at
//! every stop the old encryption pair is still there.

mod common;

use common::dual::DualToken;
use common::*;
use serde_json::json;

const SUBJECT: &str = "/C=CN/O=测试医药有限公司/CN=张三";
const STEPS: [&str; 7] = [
    "write",
    "verify",
    "label",
    "retire_private",
    "retire_public",
    "retire_cert",
    "unbind",
];

/// The `CKA_ID`s that have both a certificate and a private key, per pkcs11-tool.
fn usable_pairs(token: &TestToken) -> Vec<String> {
    let certs = token.pkcs11_tool(&["--list-objects", "--type", "cert"]);
    let keys = token.pkcs11_tool(&[
        "--login",
        "--pin",
        PIN,
        "--list-objects",
        "--type",
        "privkey",
    ]);
    let ids = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("ID:").map(|s| s.trim().to_owned()))
            .collect()
    };
    let key_ids = ids(&keys);
    ids(&certs)
        .into_iter()
        .filter(|id| key_ids.contains(id))
        .collect()
}

#[test]
fn a_stop_after_any_step_is_finished_by_running_again() {
    for step in STEPS {
        let token = TestToken::new();
        let ca = TestCa::new();
        let old = token.add_certificate(&ca, "01", "张三", SUBJECT, "EC:prime256v1", 30);
        let serial = token.serial();
        let old_sha = sha256_hex(&old);

        let mut host = token.host();
        let csr = host.ok(
            "generate_csr",
            json!({"token": serial, "cert_sha256": old_sha, "pin": PIN, "algorithm": "ec-p256", "challenge": CHALLENGE}),
        );
        let key_id = csr["key_id"].as_str().unwrap().to_owned();
        let new_cert = ca.issue_for_csr(&unb64(&csr["csr"]), 365, step);
        drop(host);

        let install = json!({"token": serial, "key_id": key_id, "certificate": b64(&new_cert), "retire": old_sha, "challenge": CHALLENGE, "pin": PIN});
        let mut crashing = Host::spawn(&token, &caller(), &[("CERTRENEW_FAULT_AFTER", step)]);
        crashing.send_frame(
            &serde_json::to_vec(
                &json!({"v":1,"id":"c","origin":ORIGIN,"cmd":"install_certificate","args":install}),
            )
            .unwrap(),
        );
        assert!(
            crashing.read_answer().is_none(),
            "step {step}: the host stopped without answering"
        );
        assert_eq!(
            crashing.wait().code(),
            Some(70),
            "step {step}: stopped by the fault switch"
        );

        let pairs = usable_pairs(&token);
        assert!(
            !pairs.is_empty(),
            "step {step}: the token has no usable certificate and key"
        );
        assert!(
            pairs.contains(&"01".to_owned()) || pairs.contains(&key_id),
            "step {step}: the usable pair is the old or the new one: {pairs:?}"
        );

        let mut again = token.host();
        let result = again.ok("install_certificate", install.clone());
        assert_eq!(result["retired"], json!(true), "step {step}");
        assert!(openssl_verify(
            token.dir.path(),
            &new_cert,
            &tbs("installed", ORIGIN, CHALLENGE, ""),
            &unb64(&result["confirmation_signature"])
        ));

        // Exactly the new pair, written once, nothing of the old one.
        assert_eq!(usable_pairs(&token), vec![key_id.clone()], "step {step}");
        let all = token.list_objects();
        assert_eq!(
            all.matches("Certificate Object").count(),
            1,
            "step {step}: written once: {all}"
        );
        assert_eq!(
            all.matches("Private Key Object").count(),
            1,
            "step {step}: {all}"
        );
        assert_eq!(
            all.matches("Public Key Object").count(),
            1,
            "step {step}: {all}"
        );
        assert!(!all.contains("certrenew pending"), "step {step}: {all}");
        assert!(
            !all.contains("certrenew renewal"),
            "step {step}: the renewal record is gone: {all}"
        );

        // A third run changes nothing.
        let before = token.list_objects();
        again.ok("install_certificate", install);
        assert_eq!(token.list_objects(), before, "step {step}: idempotent");
    }
}

/// Stops a dual install after every step (on a copy of one prepared token each time),
/// then runs it again to completion.
fn dual_stop_after_any_step(key_type: &str) {
    const DUAL_STEPS: [&str; 12] = [
        "enc_key",
        "enc_public",
        "enc_write",
        "enc_verify",
        "write",
        "verify",
        "label",
        "keep",
        "retire_private",
        "retire_public",
        "retire_cert",
        "unbind",
    ];
    let prepared = DualToken::prepare(key_type);
    let install = prepared.install_args();
    let enc_id = prepared.enc_id();
    let payload = sha256_hex(&prepared.new_enc);
    for step in DUAL_STEPS {
        let token = prepared.token.duplicate();
        let mut crashing = Host::spawn(&token, &caller(), &[("CERTRENEW_FAULT_AFTER", step)]);
        crashing.send_frame(
            &serde_json::to_vec(
                &json!({"v":1,"id":"c","origin":ORIGIN,"cmd":"install_certificate","args":install}),
            )
            .unwrap(),
        );
        assert!(
            crashing.read_answer().is_none(),
            "{key_type} step {step}: the host stopped without answering"
        );
        assert_eq!(crashing.wait().code(), Some(70), "{key_type} step {step}");

        let pairs = usable_pairs(&token);
        assert!(
            pairs.contains(&"01".to_owned()) || pairs.contains(&prepared.key_id),
            "{key_type} step {step}: a usable signing pair: {pairs:?}"
        );
        assert!(
            pairs.contains(&"02".to_owned()),
            "{key_type} step {step}: the old encryption pair is never touched but to relabel: {pairs:?}"
        );

        let mut again = token.host();
        let result = again.ok("install_certificate", install.clone());
        assert_eq!(result["retired"], json!(true), "{key_type} step {step}");
        assert_eq!(
            result["kept"],
            json!([sha256_hex(&prepared.old_enc)]),
            "{key_type} step {step}"
        );
        assert!(
            openssl_verify(
                token.dir.path(),
                &prepared.new_sign,
                &tbs("installed", ORIGIN, CHALLENGE, &payload),
                &unb64(&result["confirmation_signature"])
            ),
            "{key_type} step {step}"
        );

        let mut pairs = usable_pairs(&token);
        pairs.sort();
        let mut expected = vec!["02".to_owned(), prepared.key_id.clone(), enc_id.clone()];
        expected.sort();
        assert_eq!(pairs, expected, "{key_type} step {step}");
        let all = token.list_objects();
        for kind in [
            "Certificate Object",
            "Private Key Object",
            "Public Key Object",
        ] {
            assert_eq!(
                all.matches(kind).count(),
                3,
                "{key_type} step {step}: {kind}: {all}"
            );
        }
        assert_eq!(
            all.matches("certrenew history: ").count(),
            3,
            "{key_type} step {step}: the old encryption pair is history: {all}"
        );
        assert!(
            !all.contains("certrenew pending"),
            "{key_type} step {step}: {all}"
        );
        assert!(
            !all.contains("certrenew renewal"),
            "{key_type} step {step}: {all}"
        );

        let before = token.list_objects();
        again.ok("install_certificate", install.clone());
        assert_eq!(
            token.list_objects(),
            before,
            "{key_type} step {step}: idempotent"
        );
    }
}

#[test]
fn a_dual_install_stopped_after_any_step_is_finished_by_running_again_rsa() {
    dual_stop_after_any_step("rsa:2048");
}

#[test]
fn a_dual_install_stopped_after_any_step_is_finished_by_running_again_ec() {
    dual_stop_after_any_step("EC:prime256v1");
}
