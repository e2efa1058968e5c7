//! A dual renewal against SoftHSM, witnessed by OpenSC's `pkcs11-tool` and openssl:
//! after `install_certificate` with the encryption half, the token holds the new
//! signing pair, the new encryption pair (its private key sensitive and not
//! extractable, for decryption or key agreement only) and the old encryption pair
//! kept as history; data encrypted to the new encryption certificate and to the old
//! one (before the renewal) decrypts on the token. Then `import_encryption_key`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::dual::*;
use common::*;
use serde_json::json;

/// The object blocks pkcs11-tool prints, each as its text.
fn objects(token: &TestToken) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in token.list_objects().lines() {
        if !line.starts_with(' ') && !line.starts_with('\t') {
            blocks.push(String::new());
        }
        if let Some(b) = blocks.last_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks
}

fn field<'a>(block: &'a str, name: &str) -> &'a str {
    block
        .lines()
        .find_map(|l| l.trim().strip_prefix(name).map(str::trim))
        .unwrap_or("")
}

/// The objects (kind, label) with this `CKA_ID`.
fn with_id(blocks: &[String], id: &str) -> Vec<(String, String)> {
    blocks
        .iter()
        .filter(|b| field(b, "ID:") == id)
        .map(|b| {
            let kind = b
                .lines()
                .next()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("");
            (kind.trim().to_owned(), field(b, "label:").to_owned())
        })
        .collect()
}

fn public_key_pem(dir: &std::path::Path, cert: &[u8], tag: &str) -> PathBuf {
    let der = dir.join(format!("{tag}.crt"));
    std::fs::write(&der, cert).unwrap();
    let pem = dir.join(format!("{tag}.pub.pem"));
    run(Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
        .arg(&der)
        .arg("-out")
        .arg(&pem));
    pem
}

/// A message sealed to `cert` by openssl: for RSA the ciphertext of a random message
/// (PKCS#1 v1.5), for EC an openssl-made peer key's public half; with what the token
/// must give back (the message, or the ECDH secret openssl computed).
struct Sealed {
    input: PathBuf,
    expected: Vec<u8>,
    rsa: bool,
}

fn seal(token: &TestToken, cert: &[u8], tag: &str) -> Sealed {
    let dir = token.dir.path();
    let pub_pem = public_key_pem(dir, cert, tag);
    let rsa = String::from_utf8_lossy(
        &run(Command::new("openssl")
            .args(["pkey", "-pubin", "-noout", "-text", "-in"])
            .arg(&pub_pem))
        .stdout,
    )
    .contains("Modulus");
    if rsa {
        let msg = dir.join(format!("{tag}.msg"));
        let text = format!("投标文件 {tag} {}", sha256_hex(tag.as_bytes()));
        std::fs::write(&msg, &text).unwrap();
        let ct = dir.join(format!("{tag}.ct"));
        run(Command::new("openssl")
            .args(["pkeyutl", "-encrypt", "-pubin", "-inkey"])
            .arg(&pub_pem)
            .arg("-in")
            .arg(&msg)
            .arg("-out")
            .arg(&ct));
        return Sealed {
            input: ct,
            expected: text.into_bytes(),
            rsa,
        };
    }
    let peer = dir.join(format!("{tag}.peer.pem"));
    run(Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&peer));
    let peer_der = dir.join(format!("{tag}.peer.der"));
    run(Command::new("openssl")
        .args(["pkey", "-pubout", "-outform", "DER", "-in"])
        .arg(&peer)
        .arg("-out")
        .arg(&peer_der));
    let z = dir.join(format!("{tag}.z"));
    run(Command::new("openssl")
        .args(["pkeyutl", "-derive", "-inkey"])
        .arg(&peer)
        .arg("-peerkey")
        .arg(&pub_pem)
        .arg("-out")
        .arg(&z));
    Sealed {
        input: peer_der,
        expected: std::fs::read(z).unwrap(),
        rsa,
    }
}

/// What the token gives back for `sealed` with the private key `id`, by pkcs11-tool.
fn open_on_token(token: &TestToken, sealed: &Sealed, id: &str) -> Vec<u8> {
    let out = token.path(&format!(
        "opened-{id}-{}",
        sha256_hex(sealed.input.to_str().unwrap().as_bytes())
    ));
    let (op, mech) = if sealed.rsa {
        ("--decrypt", "RSA-PKCS")
    } else {
        ("--derive", "ECDH1-DERIVE")
    };
    token.pkcs11_tool(&[
        "--login",
        "--pin",
        PIN,
        op,
        "-m",
        mech,
        "--id",
        id,
        "--input-file",
        sealed.input.to_str().unwrap(),
        "--output-file",
        out.to_str().unwrap(),
    ]);
    std::fs::read(out).unwrap()
}

fn dual_install_is_witnessed(key_type: &str) {
    let d = DualToken::prepare(key_type);
    let rsa = key_type.starts_with("rsa");
    let before = objects(&d.token);
    // generate_csr with dual: the new signing key can open the envelope.
    let new_private = before
        .iter()
        .find(|b| field(b, "ID:") == d.key_id && b.starts_with("Private Key"))
        .expect("the new signing key");
    let usage = field(new_private, "Usage:");
    assert!(usage.contains("sign"), "{new_private}");
    assert!(
        usage.contains(if rsa { "unwrap" } else { "derive" }),
        "{new_private}"
    );
    // A message encrypted to the OLD encryption certificate before the renewal.
    let old_message = seal(&d.token, &d.old_enc, "old");
    assert_eq!(
        open_on_token(&d.token, &old_message, "02"),
        old_message.expected
    );

    let mut host = d.token.host();
    let result = host.ok("install_certificate", d.install_args());
    assert_eq!(result["retired"], json!(true));
    assert_eq!(result["kept"], json!([sha256_hex(&d.old_enc)]));
    let enc = &result["encryption_certificate"];
    assert_eq!(enc["sha256"], json!(sha256_hex(&d.new_enc)));
    assert_eq!(enc["key_id"], json!(d.enc_id()));
    assert_eq!(enc["usage"], json!("encrypt"));
    assert_eq!(enc["history"], json!(false));
    // The confirmation: the new signing key over the installed TBS whose payload is
    // the new encryption certificate's SHA-256 (openssl verifies).
    assert!(openssl_verify(
        d.token.dir.path(),
        &d.new_sign,
        &tbs("installed", ORIGIN, CHALLENGE, &sha256_hex(&d.new_enc)),
        &unb64(&result["confirmation_signature"])
    ));

    // pkcs11-tool: new signing pair, new encryption pair, old encryption pair kept
    // as history, old signing pair gone.
    let after = objects(&d.token);
    let kinds = |id: &str| {
        let mut k: Vec<String> = with_id(&after, id).into_iter().map(|(k, _)| k).collect();
        k.sort();
        k
    };
    let full = vec![
        "Certificate Object".to_owned(),
        "Private Key Object".to_owned(),
        "Public Key Object".to_owned(),
    ];
    assert_eq!(kinds(&d.key_id), full, "new signing pair");
    assert_eq!(kinds(&d.enc_id()), full, "new encryption pair");
    assert_eq!(kinds("02"), full, "old encryption pair kept");
    assert!(kinds("01").is_empty(), "old signing pair retired");
    for (kind, label) in with_id(&after, "02") {
        assert_eq!(label, "certrenew history: 张三 加密", "{kind}");
    }
    for (kind, label) in with_id(&after, &d.enc_id()) {
        assert_eq!(
            label, "张三 加密",
            "{kind}: the new pair carries the old label on"
        );
    }
    let enc_private = after
        .iter()
        .find(|b| field(b, "ID:") == d.enc_id() && b.starts_with("Private Key"))
        .unwrap();
    let access = field(enc_private, "Access:");
    assert!(access.contains("sensitive"), "{enc_private}");
    assert!(
        !access.split(", ").any(|a| a == "extractable"),
        "not extractable: {enc_private}"
    );
    let usage = field(enc_private, "Usage:");
    assert!(!usage.contains("sign"), "never signs: {enc_private}");
    if rsa {
        assert!(
            usage.contains("decrypt") && usage.contains("unwrap"),
            "{enc_private}"
        );
    } else {
        assert!(usage.contains("derive"), "{enc_private}");
    }

    // openssl encrypts to the new encryption certificate; the token opens it.
    let new_message = seal(&d.token, &d.new_enc, "new");
    assert_eq!(
        open_on_token(&d.token, &new_message, &d.enc_id()),
        new_message.expected
    );
    // The message sealed to the old certificate before the renewal still opens.
    assert_eq!(
        open_on_token(&d.token, &old_message, "02"),
        old_message.expected
    );

    // list_certificates: one pair, the kept one marked history and unpaired.
    let list = host.ok("list_certificates", json!({}));
    let tok = &list["tokens"][0];
    assert_eq!(
        tok["pairs"],
        json!([{"signing": sha256_hex(&d.new_sign), "encryption": sha256_hex(&d.new_enc)}])
    );
    let kept = tok["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["sha256"] == json!(sha256_hex(&d.old_enc)))
        .expect("the old encryption certificate is listed");
    assert_eq!(kept["history"], json!(true));

    // Running it again changes nothing.
    let objects_before = d.token.list_objects();
    let again = host.ok("install_certificate", d.install_args());
    assert_eq!(again["encryption_certificate"]["sha256"], enc["sha256"]);
    assert_eq!(d.token.list_objects(), objects_before);
}

#[test]
fn dual_install_rsa_is_witnessed_by_pkcs11_tool_and_openssl() {
    dual_install_is_witnessed("rsa:2048");
}

#[test]
fn dual_install_ec_is_witnessed_by_pkcs11_tool_and_openssl() {
    dual_install_is_witnessed("EC:prime256v1");
}

/// Install arguments with one change to the encryption half.
fn with_encryption(
    d: &DualToken,
    change: impl FnOnce(&mut serde_json::Value),
) -> serde_json::Value {
    let mut args = d.install_args();
    change(&mut args["encryption"]);
    args
}

#[test]
fn a_wrong_encryption_half_is_refused_before_anything_changes() {
    let d = DualToken::prepare("EC:prime256v1");
    let before = d.token.list_objects();
    let mut host = d.token.host();
    // An envelope made to another key (the old signing certificate's).
    let other = common::envelope::envelope(&d.old_sign, &d.pkcs8);
    // An encryption certificate of another subject.
    let (_, spki) = kmc_key(d.ca.dir.path(), "EC:prime256v1", "stranger");
    let stranger = d.ca.issue_for_public_key_ext(
        &spki,
        "/C=CN/O=测试医药有限公司/CN=李四",
        365,
        "stranger",
        "enc_ec_ext",
    );
    // The same subject from another CA (another issuer).
    let other_ca = TestCa::new();
    let foreign = other_ca.issue_for_public_key_ext(&spki, SUBJECT, 365, "foreign", "enc_ec_ext");
    // A signing-usage certificate offered as the encryption certificate.
    let signing_usage = d.ca.issue_for_public_key(&spki, SUBJECT, 365, "sign-usage");
    let cases: Vec<(&str, serde_json::Value)> = vec![
        (
            "envelope to another key",
            with_encryption(&d, |e| e["envelope"] = other.clone()),
        ),
        (
            "another subject",
            with_encryption(&d, |e| e["certificate"] = json!(b64(&stranger))),
        ),
        (
            "another issuer",
            with_encryption(&d, |e| e["certificate"] = json!(b64(&foreign))),
        ),
        (
            "signing usage",
            with_encryption(&d, |e| e["certificate"] = json!(b64(&signing_usage))),
        ),
        (
            "keep names the signing certificate",
            with_encryption(&d, |e| e["keep"] = json!(sha256_hex(&d.old_sign))),
        ),
        (
            "keep names nothing on the token",
            with_encryption(&d, |e| e["keep"] = json!("ab".repeat(32))),
        ),
        (
            "damaged envelope",
            with_encryption(&d, |e| {
                let mut wrapped = unb64(&e["envelope"]["wrapped_private_key"]);
                wrapped[0] ^= 1;
                e["envelope"]["wrapped_private_key"] = json!(b64(&wrapped));
            }),
        ),
        (
            "another transport",
            with_encryption(&d, |e| e["envelope"]["transport"] = json!("rsa-oaep-sha1")),
        ),
    ];
    for (what, args) in cases {
        let code = host.err("install_certificate", args);
        assert!(
            code == "BAD_REQUEST" || code == "CERT_NOT_FOUND",
            "{what}: {code}"
        );
        assert_eq!(d.token.list_objects(), before, "{what}: nothing changed");
    }
    // A key made without dual: true cannot open an envelope.
    let csr = host.ok(
        "generate_csr",
        json!({"token": d.serial, "cert_sha256": sha256_hex(&d.old_sign), "pin": PIN,
               "algorithm": "ec-p256", "challenge": CHALLENGE}),
    );
    let single_key = csr["key_id"].as_str().unwrap().to_owned();
    let cert = d.ca.issue_for_csr(&unb64(&csr["csr"]), 365, "single");
    let mut args = d.install_args();
    args["key_id"] = json!(single_key);
    args["certificate"] = json!(b64(&cert));
    args["encryption"]["envelope"] = common::envelope::envelope(&cert, &d.pkcs8);
    let before = d.token.list_objects();
    assert_eq!(host.err("install_certificate", args), "BAD_REQUEST");
    assert_eq!(
        d.token.list_objects(),
        before,
        "a single key: nothing changed"
    );
}

fn key_recovery(key_type: &str) {
    let d = DualToken::prepare(key_type);
    let mut host = d.token.host();
    host.ok("install_certificate", d.install_args());
    let sealed = seal(&d.token, &d.new_enc, "recovered");
    // The encryption key and certificate are lost (a wiped or replaced token's state).
    let enc_id = d.enc_id();
    for kind in ["privkey", "pubkey", "cert"] {
        d.token.pkcs11_tool(&[
            "--login",
            "--pin",
            PIN,
            "--delete-object",
            "--type",
            kind,
            "--id",
            &enc_id,
        ]);
    }
    assert!(with_id(&objects(&d.token), &enc_id).is_empty());
    // The KMC re-delivers the escrowed key, enveloped to the signing key on the token.
    let args = json!({
        "token": d.serial,
        "cert_sha256": sha256_hex(&d.new_sign),
        "pin": PIN,
        "challenge": CHALLENGE,
        "encryption": {
            "certificate": b64(&d.new_enc),
            "envelope": common::envelope::envelope(&d.new_sign, &d.pkcs8),
        },
    });
    let result = host.ok("import_encryption_key", args.clone());
    assert_eq!(
        result["certificate"]["sha256"],
        json!(sha256_hex(&d.new_enc))
    );
    assert_eq!(result["certificate"]["key_id"], json!(enc_id));
    assert!(openssl_verify(
        d.token.dir.path(),
        &d.new_sign,
        &tbs("installed", ORIGIN, CHALLENGE, &sha256_hex(&d.new_enc)),
        &unb64(&result["confirmation_signature"])
    ));
    assert_eq!(with_id(&objects(&d.token), &enc_id).len(), 3);
    // Data encrypted to the certificate before the loss opens again.
    assert_eq!(open_on_token(&d.token, &sealed, &enc_id), sealed.expected);
    // An identical key already there: nothing to do.
    let before = d.token.list_objects();
    host.ok("import_encryption_key", args);
    assert_eq!(d.token.list_objects(), before);
}

#[test]
fn key_recovery_rsa_restores_the_encryption_key() {
    key_recovery("rsa:2048");
}

#[test]
fn key_recovery_ec_restores_the_encryption_key() {
    key_recovery("EC:prime256v1");
}

// ---- History removal under the project's policy (encryption.remove) ----

const DAY: i64 = 86_400;
const HISTORY: &str = "certrenew history: 张三 加密";

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A host whose policy clock reads `days` days from now (debug builds only).
fn host_at(token: &TestToken, days: i64) -> Host {
    let now = (unix_now() + days * DAY).to_string();
    Host::spawn(token, &caller(), &[("CERTRENEW_TEST_NOW", now.as_str())])
}

/// An encryption certificate on the token whose key objects are labelled `key_label`
/// and the certificate `cert_label`.
fn add_encryption(
    d: &DualToken,
    id: &str,
    key_label: &str,
    cert_label: &str,
    subject: &str,
    days: i64,
) -> Vec<u8> {
    d.token.pkcs11_tool(&[
        "--login",
        "--pin",
        PIN,
        "--keypairgen",
        "--key-type",
        &d.key_type,
        "--id",
        id,
        "--label",
        key_label,
        "--usage-derive",
    ]);
    let spki = d.token.public_key_file(id);
    let der =
        d.ca.issue_for_public_key_ext(&spki, subject, days, id, encryption_ext(&d.key_type));
    let file = d.token.path(&format!("hist-{id}.der"));
    std::fs::write(&file, &der).unwrap();
    d.token.pkcs11_tool(&[
        "--login",
        "--pin",
        PIN,
        "--write-object",
        file.to_str().unwrap(),
        "--type",
        "cert",
        "--id",
        id,
        "--label",
        cert_label,
    ]);
    der
}

/// A dual token with, beside the pair being renewed, former encryption certificates:
/// 03 history valid 30 days, 04 history valid 200 days, 05 history of another holder,
/// 06 an encryption certificate not marked history, 07 a history certificate whose
/// keys are not marked history.
struct WithHistory {
    d: DualToken,
    h03: Vec<u8>,
    h04: Vec<u8>,
    h05: Vec<u8>,
    c06: Vec<u8>,
    h07: Vec<u8>,
}

fn with_history() -> WithHistory {
    let d = DualToken::prepare("EC:prime256v1");
    let h03 = add_encryption(&d, "03", HISTORY, HISTORY, SUBJECT, 30);
    let h04 = add_encryption(&d, "04", HISTORY, HISTORY, SUBJECT, 200);
    let other = "/C=CN/O=测试医药有限公司/CN=李四";
    let h05 = add_encryption(&d, "05", HISTORY, HISTORY, other, 30);
    let c06 = add_encryption(&d, "06", "张三 旧加密", "张三 旧加密", SUBJECT, 30);
    let h07 = add_encryption(&d, "07", "张三 其他", HISTORY, SUBJECT, 30);
    WithHistory {
        d,
        h03,
        h04,
        h05,
        c06,
        h07,
    }
}

fn remove_args(d: &DualToken, after_days: u32, certs: &[&[u8]]) -> serde_json::Value {
    with_encryption(d, |e| {
        e["remove"] = json!({
            "after_days": after_days,
            "certificates": certs.iter().map(|c| sha256_hex(c)).collect::<Vec<_>>(),
        })
    })
}

fn kinds_with_id(token: &TestToken, id: &str) -> Vec<String> {
    let mut k: Vec<String> = with_id(&objects(token), id)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    k.sort();
    k
}

fn full_pair() -> Vec<String> {
    [
        "Certificate Object",
        "Private Key Object",
        "Public Key Object",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn history_is_removed_only_when_due_of_this_pair_and_with_the_pin() {
    let w = with_history();
    let d = &w.d;
    // The policy clock 40 days on: with 5 days, 03 and 07 (notAfter +30) are due,
    // 04 (notAfter +200) is not.
    let mut host = host_at(&d.token, 40);
    let before = d.token.list_objects();
    let refused: Vec<(&str, serde_json::Value)> = vec![
        ("not due yet", remove_args(d, 5, &[&w.h04])),
        (
            "not due under a longer policy",
            remove_args(d, 20, &[&w.h03]),
        ),
        ("not marked history", remove_args(d, 5, &[&w.c06])),
        ("another holder's history", remove_args(d, 5, &[&w.h05])),
        ("the certificate kept now", remove_args(d, 5, &[&d.old_enc])),
        ("the certificate retired", remove_args(d, 5, &[&d.old_sign])),
        (
            "one bad name among good ones",
            remove_args(d, 5, &[&w.h03, &w.c06]),
        ),
    ];
    for (what, args) in refused {
        assert_eq!(
            host.err("install_certificate", args),
            "BAD_REQUEST",
            "{what}"
        );
        assert_eq!(d.token.list_objects(), before, "{what}: nothing changed");
    }
    // A login kept from earlier is not enough: removal needs the PIN in the request.
    host.ok(
        "sign",
        json!({"token": d.serial, "cert_sha256": sha256_hex(&d.old_sign), "pin": PIN,
               "purpose": "login", "challenge": CHALLENGE}),
    );
    let mut no_pin = remove_args(d, 5, &[&w.h03]);
    no_pin.as_object_mut().unwrap().remove("pin");
    assert_eq!(host.err("install_certificate", no_pin), "PIN_REQUIRED");
    // Key recovery never removes.
    let recovery = json!({
        "token": d.serial, "cert_sha256": sha256_hex(&d.old_sign), "pin": PIN,
        "challenge": CHALLENGE,
        "encryption": {"certificate": b64(&d.new_enc), "envelope": d.envelope,
                       "remove": {"after_days": 5, "certificates": [sha256_hex(&w.h03)]}},
    });
    assert_eq!(host.err("import_encryption_key", recovery), "BAD_REQUEST");
    assert_eq!(d.token.list_objects(), before, "nothing changed");

    // The renewal removes the due history of this pair.
    let args = remove_args(d, 5, &[&w.h03, &w.h07]);
    let result = host.ok("install_certificate", args.clone());
    assert_eq!(result["kept"], json!([sha256_hex(&d.old_enc)]));
    assert!(kinds_with_id(&d.token, "03").is_empty(), "03 removed");
    assert_eq!(
        kinds_with_id(&d.token, "07"),
        ["Private Key Object", "Public Key Object"].map(str::to_owned),
        "07: the certificate went, its keys not marked history stay"
    );
    for id in ["02", "04", "05", "06"] {
        assert_eq!(kinds_with_id(&d.token, id), full_pair(), "{id} untouched");
    }
    assert_eq!(kinds_with_id(&d.token, &d.enc_id()), full_pair());
    assert_eq!(kinds_with_id(&d.token, &d.key_id), full_pair());
    // A re-run changes nothing and reports the same.
    let after = d.token.list_objects();
    host.ok("install_certificate", args);
    assert_eq!(d.token.list_objects(), after);
    // Once installed, no request removes anything more, even due history (04 at +400).
    drop(host);
    let mut later = host_at(&d.token, 400);
    assert_eq!(
        later.err("install_certificate", remove_args(d, 5, &[&w.h04])),
        "BAD_REQUEST"
    );
    assert_eq!(d.token.list_objects(), after);
}

#[test]
fn a_removal_stopped_after_any_step_is_finished_by_running_again() {
    let w = with_history();
    let args = remove_args(&w.d, 5, &[&w.h03]);
    let now = (unix_now() + 40 * DAY).to_string();
    for step in ["remove_private", "remove_public", "remove_cert"] {
        let token = w.d.token.duplicate();
        let mut crashing = Host::spawn(
            &token,
            &caller(),
            &[
                ("CERTRENEW_FAULT_AFTER", step),
                ("CERTRENEW_TEST_NOW", &now),
            ],
        );
        crashing.send_frame(
            &serde_json::to_vec(
                &json!({"v":1,"id":"c","origin":ORIGIN,"cmd":"install_certificate","args":args}),
            )
            .unwrap(),
        );
        assert!(crashing.read_answer().is_none(), "{step}: stopped");
        assert_eq!(crashing.wait().code(), Some(70), "{step}");
        assert_eq!(kinds_with_id(&token, "02"), full_pair(), "{step}: kept");
        let mut host = host_at(&token, 40);
        host.ok("install_certificate", args.clone());
        assert!(kinds_with_id(&token, "03").is_empty(), "{step}: removed");
        for id in ["02", "04", "05", "06"] {
            assert_eq!(kinds_with_id(&token, id), full_pair(), "{step}: {id}");
        }
    }
}
