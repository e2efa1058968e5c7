//! Issue 12: the same EC P-256 suite on SoftHSM and on the repository's test token
//! (`testtoken/`, `cargo build -p testtoken` first) gives the same results, so the test
//! token is a faithful stand-in where SoftHSM cannot go (SM2, PIN counters). Each step's
//! outcome is written down in token-independent terms (error codes, algorithms, counts,
//! what openssl says) and the two lists must be equal.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use serde_json::{Value, json};

const SUBJECT: &str = "/C=CN/O=测试医药有限公司/CN=张三";

/// The test token's module, beside the host binary or in its `deps/` folder (as
/// tests/sm2.rs finds it).
fn testtoken_module() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_certrenew-host"));
    let beside = exe.with_file_name("libtesttoken.so");
    let in_deps = exe.with_file_name("deps").join("libtesttoken.so");
    [beside.clone(), in_deps]
        .into_iter()
        .find(|lib| lib.exists())
        .unwrap_or_else(|| {
            panic!(
                "{} is missing: run `cargo build -p testtoken` first",
                beside.display()
            )
        })
}

/// One token under test: SoftHSM or the test token, with what the host and pkcs11-tool
/// need to reach it.
struct Under {
    token: TestToken,
    module: PathBuf,
}

impl Under {
    fn softhsm() -> Self {
        Self {
            token: TestToken::new(),
            module: PathBuf::from(MODULE),
        }
    }

    fn testtoken() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("testtoken.toml");
        std::fs::write(
            &conf,
            format!(
                "directory = \"state\"\nprofile = \"westone\"\n\
                 [[slot]]\nlabel = \"certrenew test\"\nso_pin = \"{SO_PIN}\"\nuser_pin = \"{PIN}\"\n"
            ),
        )
        .unwrap();
        Self {
            token: TestToken {
                dir,
                conf,
                label: "certrenew test".into(),
            },
            module: testtoken_module(),
        }
    }

    /// pkcs11-tool on this token, logged in (the witness).
    fn tool(&self, args: &[&str]) -> String {
        let out = run(Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &self.token.conf)
            .env("CERTRENEW_TESTTOKEN_CONF", &self.token.conf)
            .arg("--module")
            .arg(&self.module)
            .args(["--token-label", &self.token.label, "--login", "--pin", PIN])
            .args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn host(&self) -> Host {
        Host::spawn(
            &self.token,
            &caller(),
            &[
                ("CERTRENEW_PKCS11_MODULES", self.module.to_str().unwrap()),
                (
                    "CERTRENEW_TESTTOKEN_CONF",
                    self.token.conf.to_str().unwrap(),
                ),
            ],
        )
    }

    /// (certificates, private keys, public keys) pkcs11-tool lists.
    fn counts(&self) -> (usize, usize, usize) {
        let objects = self.tool(&["--list-objects"]);
        (
            objects.matches("Certificate Object").count(),
            objects.matches("Private Key Object").count(),
            objects.matches("Public Key Object").count(),
        )
    }
}

/// openssl's `req -verify` of a DER request.
fn openssl_accepts_csr(under: &Under, csr: &[u8]) -> bool {
    let file = under
        .token
        .path(&format!("req-{}.der", &sha256_hex(csr)[..8]));
    std::fs::write(&file, csr).unwrap();
    let out = Command::new("openssl")
        .args(["req", "-inform", "DER", "-noout", "-verify", "-in"])
        .arg(&file)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // OpenSSL 3.0's `req -verify` exits 0 even on a bad signature: read what it says.
    out.status.success() && said.contains("verify OK") && !said.contains("fail")
}

/// The suite: a certificate made with pkcs11-tool, listed, a login signature, a rekey
/// and install, a discarded key, and the errors; each step's outcome in order.
fn suite(under: &Under) -> Vec<(&'static str, Value)> {
    let mut seen = Vec::new();
    let ca = TestCa::new();
    let dir = under.token.dir.path().to_path_buf();
    under.tool(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--id",
        "01",
        "--label",
        "张三",
        "--usage-sign",
    ]);
    let public = under.token.path("pub-01.der");
    under.tool(&[
        "--read-object",
        "--type",
        "pubkey",
        "--id",
        "01",
        "--output-file",
        public.to_str().unwrap(),
    ]);
    let old = ca.issue_for_public_key(&public, SUBJECT, 30, "old");
    let file = under.token.path("cert-01.der");
    std::fs::write(&file, &old).unwrap();
    under.tool(&[
        "--write-object",
        file.to_str().unwrap(),
        "--type",
        "cert",
        "--id",
        "01",
        "--label",
        "张三",
    ]);
    seen.push(("objects made", json!(under.counts())));

    let mut host = under.host();
    let list = host.ok("list_certificates", json!({}));
    let tokens = list["tokens"].as_array().unwrap();
    let entry = &tokens[0];
    let serial = entry["token"]["serial"].as_str().unwrap().to_owned();
    let cert = &entry["certificates"][0];
    seen.push((
        "listed",
        json!({
            "tokens": tokens.len(),
            "certificates": entry["certificates"].as_array().unwrap().len(),
            "sha256": cert["sha256"] == json!(sha256_hex(&old)),
            "key_id": cert["key_id"], "label": cert["label"], "subject": cert["subject"],
            "usage": cert["usage"], "has_private_key": cert["has_private_key"],
            "pin_flags": [entry["token"]["pin_count_low"], entry["token"]["pin_final_try"], entry["token"]["pin_locked"]],
        }),
    ));

    let signed = host.ok(
        "sign",
        json!({"token": serial, "cert_sha256": sha256_hex(&old), "purpose": "login",
               "challenge": CHALLENGE, "pin": PIN}),
    );
    let data = tbs("login", ORIGIN, CHALLENGE, "");
    seen.push((
        "login signature",
        json!({
            "algorithm": signed["algorithm"],
            "openssl": openssl_verify(&dir, &old, &data, &unb64(&signed["signature"])),
        }),
    ));

    let made = host.ok(
        "generate_csr",
        json!({"token": serial, "cert_sha256": sha256_hex(&old), "pin": PIN,
               "algorithm": "ec-p256", "challenge": CHALLENGE}),
    );
    let csr = unb64(&made["csr"]);
    let key_id = made["key_id"].as_str().unwrap().to_owned();
    let binding = tbs("rekey", ORIGIN, CHALLENGE, &sha256_hex(&csr));
    seen.push((
        "rekey",
        json!({
            "algorithm": made["algorithm"], "key_algorithm": made["key_algorithm"],
            "key_id_len": key_id.len(), "csr_verifies": openssl_accepts_csr(under, &csr),
            "binding_openssl": openssl_verify(&dir, &old, &binding, &unb64(&made["binding_signature"])),
            "objects": under.counts(),
        }),
    ));

    let new = ca.issue_for_csr(&csr, 365, "new");
    let installed = host.ok(
        "install_certificate",
        json!({"token": serial, "key_id": key_id, "certificate": b64(&new),
               "retire": sha256_hex(&old), "challenge": CHALLENGE}),
    );
    let confirmation = tbs("installed", ORIGIN, CHALLENGE, "");
    seen.push((
        "installed",
        json!({
            "retired": installed["retired"], "algorithm": installed["algorithm"],
            "label": installed["certificate"]["label"],
            "key_id": installed["certificate"]["key_id"] == json!(key_id),
            "openssl": openssl_verify(&dir, &new, &confirmation, &unb64(&installed["confirmation_signature"])),
        }),
    ));
    let list = host.ok("list_certificates", json!({}));
    let certs = list["tokens"][0]["certificates"].as_array().unwrap();
    seen.push((
        "listed after",
        json!({
            "certificates": certs.len(),
            "sha256": certs[0]["sha256"] == json!(sha256_hex(&new)),
            "label": certs[0]["label"],
        }),
    ));

    // A key made and abandoned goes with discard_key; one in use stays.
    let abandoned = host.ok(
        "generate_csr",
        json!({"token": serial, "cert_sha256": sha256_hex(&new), "pin": PIN,
               "algorithm": "ec-p256", "challenge": CHALLENGE}),
    );
    let discarded = host.ok(
        "discard_key",
        json!({"token": serial, "key_id": abandoned["key_id"], "pin": PIN}),
    );
    let in_use = host.err(
        "discard_key",
        json!({"token": serial, "key_id": key_id, "pin": PIN}),
    );
    seen.push((
        "discard",
        json!({"deleted": discarded["deleted"], "in_use": in_use}),
    ));

    let unknown = host.err(
        "sign",
        json!({"token": serial, "cert_sha256": "ab".repeat(32), "purpose": "login",
               "challenge": CHALLENGE}),
    );
    seen.push(("unknown certificate", json!(unknown)));
    drop(host);

    let private = under.tool(&["--list-objects", "--type", "privkey"]);
    seen.push((
        "on the token",
        json!({
            "objects": under.counts(),
            // The whole ID line: a new key's random ID may begin with 01.
            "old key gone": !private.lines().any(|l| l.trim() == "ID:         01"),
            "sensitive": private.contains("sensitive"),
            "extractable": private.contains(", extractable") || private.contains("Access:       extractable"),
        }),
    ));

    // A wrong PIN on a new connection (the code only: SoftHSM never counts down).
    let mut host = under.host();
    let wrong = host.err(
        "sign",
        json!({"token": serial, "cert_sha256": sha256_hex(&new), "purpose": "login",
               "challenge": CHALLENGE, "pin": "000000"}),
    );
    seen.push(("wrong PIN", json!(wrong)));
    seen
}

#[test]
fn the_ec_p256_suite_gives_the_same_results_on_softhsm_and_the_test_token() {
    let softhsm = suite(&Under::softhsm());
    let testtoken = suite(&Under::testtoken());
    for ((step, a), (_, b)) in softhsm.iter().zip(&testtoken) {
        assert_eq!(a, b, "{step}: SoftHSM {a} but the test token {b}");
    }
    assert_eq!(softhsm.len(), testtoken.len());
    // And the results are the right ones, not merely equal.
    let at = |step: &str| &softhsm.iter().find(|(s, _)| *s == step).unwrap().1;
    assert_eq!(at("login signature")["openssl"], json!(true));
    assert_eq!(at("rekey")["csr_verifies"], json!(true));
    assert_eq!(at("rekey")["binding_openssl"], json!(true));
    assert_eq!(at("installed")["retired"], json!(true));
    assert_eq!(at("installed")["openssl"], json!(true));
    assert_eq!(at("listed after")["certificates"], json!(1));
    assert_eq!(at("discard")["deleted"], json!(2));
    assert_eq!(at("discard")["in_use"], json!("KEY_IN_USE"));
    assert_eq!(at("unknown certificate"), &json!("CERT_NOT_FOUND"));
    assert_eq!(at("on the token")["objects"], json!([1, 1, 1]));
    assert_eq!(at("on the token")["sensitive"], json!(true));
    assert_eq!(at("on the token")["extractable"], json!(false));
    assert_eq!(at("wrong PIN"), &json!("PIN_INCORRECT"));
}
