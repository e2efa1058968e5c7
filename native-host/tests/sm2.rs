//! SM2 on a token (issue 12), on the repository's test token (`testtoken/`, built by
//! `cargo build -p testtoken`) under the westone and sansec vendor numberings: the
//! host renews an EC certificate into SM2 (key generated on the token, CSR signed
//! SM3withSM2 by the token and accepted by `openssl req -verify`), installs it, signs
//! a login that openssl verifies with the distinguishing ID, installs an SM2 dual
//! pair from a GM/T 0016 `SM2EnvelopedKey` (made here with the sm2 crate and
//! `openssl enc -sm4-ecb`) and survives a crash after every install step; and a
//! wrong PIN counts down to the final try and the lock in the host's error codes.
//! (The enveloped key's own decryption test runs inside the host before the
//! certificate is written: crate::mechanisms::sm2::matches.)

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use certinfo::sm2_envelope::{Sm2Cipher, Sm2EnvelopedKey};
use common::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sm2::elliptic_curve::Generate;
use sm2::elliptic_curve::common::getrandom::SysRng;
use sm2::elliptic_curve::sec1::ToSec1Point;

const SUBJECT: &str = "/C=CN/O=测试医药有限公司/CN=张三";
const DISTID: &str = "distid:1234567812345678";

/// The test token's module, built beside the host binary (`cargo build`) or in its
/// `deps/` folder (a workspace test build, which builds testtoken for its own tests).
fn module() -> PathBuf {
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

/// A test token (one preset slot) in a folder of its own, with the host's
/// configuration `host_toml` beside it.
struct Sm2Token {
    token: TestToken,
}

impl Sm2Token {
    /// `token_hashes`: the token offers SM3-with-SM2 over the message (its own setting).
    fn new(profile: &str, token_hashes: bool, host_toml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("testtoken.toml");
        std::fs::write(
            &conf,
            format!(
                "directory = \"state\"\nprofile = \"{profile}\"\ntoken_hashes = {token_hashes}\n\
                 [[slot]]\nlabel = \"SM2 dual\"\n\
                 so_pin = \"{SO_PIN}\"\nuser_pin = \"{PIN}\"\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.path().join("host.toml"), host_toml).unwrap();
        Self {
            token: TestToken {
                dir,
                conf,
                label: "SM2 dual".into(),
            },
        }
    }

    /// A copy of the token's state and configuration: one prepared state, many runs.
    fn duplicate(&self) -> Self {
        let copy = tempfile::tempdir().unwrap();
        run(Command::new("cp")
            .arg("-a")
            .arg(self.token.dir.path().join("."))
            .arg(copy.path()));
        Self {
            token: TestToken {
                conf: copy.path().join("testtoken.toml"),
                dir: copy,
                label: self.token.label.clone(),
            },
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.token.path(name)
    }

    fn host_with(&self, env: &[(&str, &str)]) -> Host {
        let module = module();
        let mut all = vec![
            ("CERTRENEW_PKCS11_MODULES", module.to_str().unwrap()),
            (
                "CERTRENEW_TESTTOKEN_CONF",
                self.token.conf.to_str().unwrap(),
            ),
        ];
        all.extend_from_slice(env);
        Host::spawn(&self.token, &caller(), &all)
    }

    fn host(&self) -> Host {
        self.host_with(&[])
    }

    /// pkcs11-tool on this token (the witness).
    fn tool(&self, args: &[&str]) -> String {
        let out = run(Command::new("pkcs11-tool")
            .env("CERTRENEW_TESTTOKEN_CONF", &self.token.conf)
            .arg("--module")
            .arg(module())
            .args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn serial(&self) -> String {
        let mut host = self.host();
        let list = host.ok("list_certificates", json!({}));
        list["tokens"][0]["token"]["serial"]
            .as_str()
            .expect("the test token is listed")
            .to_owned()
    }

    /// An EC P-256 signing certificate to renew, made with pkcs11-tool and the CA.
    fn add_ec_certificate(&self, ca: &TestCa) -> Vec<u8> {
        let login = ["--login", "--pin", PIN];
        self.tool(
            &[
                &login[..],
                &[
                    "--keypairgen",
                    "--key-type",
                    "EC:prime256v1",
                    "--id",
                    "01",
                    "--label",
                    "张三",
                    "--usage-sign",
                ],
            ]
            .concat(),
        );
        let public = self.path("pub-01.der");
        self.tool(&[
            "--read-object",
            "--type",
            "pubkey",
            "--id",
            "01",
            "--output-file",
            public.to_str().unwrap(),
        ]);
        let der = ca.issue_for_public_key(&public, SUBJECT, 30, "old");
        let file = self.path("cert-01.der");
        std::fs::write(&file, &der).unwrap();
        self.tool(
            &[
                &login[..],
                &[
                    "--write-object",
                    file.to_str().unwrap(),
                    "--type",
                    "cert",
                    "--id",
                    "01",
                    "--label",
                    "张三",
                ],
            ]
            .concat(),
        );
        der
    }
}

/// openssl's `req -verify` of an SM2 CSR with the distinguishing ID.
fn openssl_accepts_csr(dir: &Path, csr: &[u8]) -> bool {
    let file = dir.join(format!("req-{}.der", hex_of(&Sha256::digest(csr)[..4])));
    std::fs::write(&file, csr).unwrap();
    let out = Command::new("openssl")
        .args([
            "req", "-inform", "DER", "-noout", "-verify", "-vfyopt", DISTID, "-in",
        ])
        .arg(&file)
        .output()
        .unwrap();
    out.status.success()
}

/// openssl verifies an SM3withSM2 signature with the distinguishing ID.
fn openssl_sm2_verify(dir: &Path, cert_der: &[u8], data: &[u8], signature: &[u8]) -> bool {
    openssl_verifies(dir, cert_der, data, signature, |public, data, sig| {
        let mut c = Command::new("openssl");
        c.args([
            "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt", DISTID,
        ])
        .args(["-pubin", "-inkey"])
        .arg(public)
        .arg("-in")
        .arg(data)
        .arg("-sigfile")
        .arg(sig);
        c
    })
}

/// The SubjectPublicKeyInfo inside a CSR or certificate's DER.
fn spki_of_csr(csr: &[u8]) -> Vec<u8> {
    use x509_parser::prelude::FromDer;
    let (_, req) =
        x509_parser::certification_request::X509CertificationRequest::from_der(csr).unwrap();
    req.certification_request_info.subject_pki.raw.to_vec()
}

fn spki_of_cert(cert: &[u8]) -> Vec<u8> {
    certinfo::facts(cert).unwrap().spki_der
}

/// The uncompressed point of an SM2 SPKI (its last 65 bytes).
fn point_of(spki: &[u8]) -> Vec<u8> {
    spki[spki.len() - 65..].to_vec()
}

/// The SPKI of an SM2 point (id-ecPublicKey, SM2 curve).
fn sm2_spki(point: &[u8]) -> Vec<u8> {
    use certinfo::der;
    let alg = der::sequence(&[
        &der::tlv(der::tag::OID, der::oid::EC_PUBLIC_KEY),
        &der::tlv(
            der::tag::OID,
            &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d],
        ),
    ]);
    der::sequence(&[&alg, &der::bit_string(point)])
}

/// An SM2 renewal up to the new signing certificate: (token, ca, serial, old EC
/// certificate, key id, new SM2 certificate).
struct Renewed {
    token: Sm2Token,
    ca: TestCa,
    serial: String,
    old: Vec<u8>,
    key_id: String,
    new: Vec<u8>,
}

fn renew_to_sm2(profile: &str, token_hashes: bool, host_toml: &str, dual: bool) -> Renewed {
    let token = Sm2Token::new(profile, token_hashes, host_toml);
    let ca = TestCa::new();
    let old = token.add_ec_certificate(&ca);
    let serial = token.serial();
    let mut host = token.host();
    let csr = host.ok(
        "generate_csr",
        json!({"token": serial, "cert_sha256": sha256_hex(&old), "pin": PIN,
               "algorithm": "sm2", "challenge": CHALLENGE, "dual": dual}),
    );
    drop(host);
    assert_eq!(csr["key_algorithm"], json!("sm2"), "{profile}");
    // The rekey binding is signed by the old EC key.
    assert_eq!(csr["algorithm"], json!("ecdsa-p256-sha256"), "{profile}");
    let csr_der = unb64(&csr["csr"]);
    assert!(
        openssl_accepts_csr(token.token.dir.path(), &csr_der),
        "{profile}: openssl req -verify refuses the token's SM2 CSR"
    );
    let spki_file = token.path("new-spki.der");
    std::fs::write(&spki_file, spki_of_csr(&csr_der)).unwrap();
    let new = ca.issue_for_public_key(&spki_file, SUBJECT, 365, "new");
    Renewed {
        key_id: csr["key_id"].as_str().unwrap().to_owned(),
        token,
        ca,
        serial,
        old,
        new,
    }
}

fn install_args(r: &Renewed) -> Value {
    json!({"token": r.serial, "key_id": r.key_id, "certificate": b64(&r.new),
           "retire": sha256_hex(&r.old), "challenge": CHALLENGE, "pin": PIN})
}

#[test]
fn sm2_keygen_csr_install_and_sign_under_both_numberings() {
    // westone chosen by the test token's manufacturer id, sansec by configuration
    // with the token hashing (its separate SM3-with-SM2 number).
    let sansec = format!(
        "modules = [{{ path = \"{}\", profile = \"sansec\", token_hashes = true }}]\n",
        module().display()
    );
    for (profile, hashes, host_toml) in [
        ("westone", false, "modules = []\n"),
        ("sansec", true, sansec.as_str()),
    ] {
        let r = renew_to_sm2(profile, hashes, host_toml, false);
        let mut host = r.token.host();
        let installed = host.ok("install_certificate", install_args(&r));
        assert_eq!(installed["retired"], json!(true), "{profile}");
        assert_eq!(installed["algorithm"], json!("sm2-sm3"), "{profile}");
        let confirmation = unb64(&installed["confirmation_signature"]);
        let dir = r.token.token.dir.path();
        assert!(
            openssl_sm2_verify(
                dir,
                &r.new,
                &tbs("installed", ORIGIN, CHALLENGE, ""),
                &confirmation
            ),
            "{profile}: the install confirmation"
        );
        // Listed as an SM2 certificate with its key.
        let list = host.ok("list_certificates", json!({}));
        let certs = list["tokens"][0]["certificates"].as_array().unwrap();
        assert_eq!(certs.len(), 1, "{profile}: the old one is retired: {list}");
        assert_eq!(certs[0]["sha256"], json!(sha256_hex(&r.new)));
        assert_eq!(certs[0]["has_private_key"], json!(true));
        // A login signature, verified by openssl with the ID and refused with another.
        let signed = host.ok(
            "sign",
            json!({"token": r.serial, "cert_sha256": sha256_hex(&r.new), "purpose": "login",
                   "challenge": CHALLENGE, "pin": PIN}),
        );
        assert_eq!(signed["algorithm"], json!("sm2-sm3"));
        let sig = unb64(&signed["signature"]);
        let data = tbs("login", ORIGIN, CHALLENGE, "");
        assert!(openssl_sm2_verify(dir, &r.new, &data, &sig), "{profile}");
        assert!(
            certinfo::verify_signature(&spki_of_cert(&r.new), &data, &sig).is_ok(),
            "{profile}: certinfo verifies it too"
        );
        assert!(!openssl_sm2_verify(dir, &r.new, b"other data", &sig));
    }
}

#[test]
fn an_sm2_key_is_refused_without_a_profile() {
    // profile = "none" for the module: SM2 key generation is refused, nothing is left.
    let toml = format!(
        "modules = [{{ path = \"{}\", profile = \"none\" }}]\n",
        module().display()
    );
    let token = Sm2Token::new("westone", false, &toml);
    let ca = TestCa::new();
    let old = token.add_ec_certificate(&ca);
    let serial = token.serial();
    let mut host = token.host();
    let code = host.err(
        "generate_csr",
        json!({"token": serial, "cert_sha256": sha256_hex(&old), "pin": PIN,
               "algorithm": "sm2", "challenge": CHALLENGE}),
    );
    assert_eq!(code, "MECHANISM_UNSUPPORTED");
    let objects = token.tool(&["--login", "--pin", PIN, "--list-objects"]);
    assert_eq!(
        objects.matches("Private Key Object").count(),
        1,
        "{objects}"
    );
}

/// The KMC's half: an SM2 encryption key, its certificate and the SM2 envelope for
/// the new signing certificate's key.
fn sm2_kmc(r: &Renewed) -> (Vec<u8>, Value) {
    let dir = r.token.token.dir.path();
    let secret = sm2::SecretKey::generate();
    let point = secret.public_key().to_sec1_point(false).as_bytes().to_vec();
    let spki_file = dir.join("enc-spki.der");
    std::fs::write(&spki_file, sm2_spki(&point)).unwrap();
    let enc_cert =
        r.ca.issue_for_public_key_ext(&spki_file, SUBJECT, 365, "new-enc", "enc_rsa_ext");
    // K, SM2-encrypted to the signing key; d under K in SM4-ECB (by openssl).
    let mut k = [0u8; 16];
    getrandom::fill(&mut k).unwrap();
    let signing_spki = spki_of_cert(&r.new);
    let to_signer = sm2::pke::EncryptingKey::from_sec1_bytes(&point_of(&signing_spki)).unwrap();
    let cipher = Sm2Cipher::from_der(&to_signer.encrypt_der(&mut SysRng, &k).unwrap()).unwrap();
    let plain = dir.join("enc-d.bin");
    let sealed = dir.join("enc-d.sm4");
    std::fs::write(&plain, secret.to_bytes()).unwrap();
    run(Command::new("openssl")
        .args(["enc", "-sm4-ecb", "-nopad", "-K", &hex_of(&k), "-in"])
        .arg(&plain)
        .arg("-out")
        .arg(&sealed));
    let envelope = Sm2EnvelopedKey {
        sym_encrypted_key: cipher,
        public_key: point.clone().try_into().unwrap(),
        encrypted_private_key: std::fs::read(&sealed).unwrap(),
    };
    let json = json!({
        "version": 1,
        "transport": "sm2-enveloped-key",
        "recipient_spki_sha256": hex_of(&Sha256::digest(&signing_spki)),
        "wrapped_content_key": "",
        "wrapped_private_key": b64(&envelope.to_der()),
    });
    (enc_cert, json)
}

#[test]
fn sm2_dual_install_from_the_envelope_survives_a_crash_at_every_step() {
    for profile in ["westone", "sansec"] {
        let r = renew_to_sm2(profile, false, "modules = []\n", true);
        let (enc_cert, envelope) = sm2_kmc(&r);
        let mut args = install_args(&r);
        args["encryption"] = json!({"certificate": b64(&enc_cert), "envelope": envelope});
        let steps = [
            "enc_key",
            "enc_public",
            "enc_write",
            "enc_verify",
            "write",
            "verify",
        ];
        for step in steps.iter().map(Some).chain([None]) {
            let token = r.token.duplicate();
            if let Some(step) = step {
                let mut host = token.host_with(&[("CERTRENEW_FAULT_AFTER", step)]);
                let request = json!({"v": 1, "id": "f", "origin": ORIGIN,
                                     "cmd": "install_certificate", "args": args});
                host.send_frame(&serde_json::to_vec(&request).unwrap());
                // The host exits at the step, without an answer.
                let answer = host.read_answer();
                assert!(answer.is_none_or(|a| a["ok"] != json!(true)), "{step}");
                let _ = host.wait();
            }
            let mut host = token.host();
            let installed = host.ok("install_certificate", args.clone());
            let confirm = unb64(&installed["confirmation_signature"]);
            let payload = sha256_hex(&enc_cert);
            assert!(
                openssl_sm2_verify(
                    token.token.dir.path(),
                    &r.new,
                    &tbs("installed", ORIGIN, CHALLENGE, &payload),
                    &confirm
                ),
                "{profile} after {step:?}"
            );
            drop(host);
            let objects = token.tool(&["--login", "--pin", PIN, "--list-objects"]);
            assert_eq!(
                objects.matches("Certificate Object").count(),
                2,
                "{profile} after {step:?}: {objects}"
            );
            assert_eq!(
                objects.matches("Private Key Object").count(),
                2,
                "{profile} after {step:?}: {objects}"
            );
            // The encryption key decrypts and never signs.
            let private = objects
                .split("Private Key Object")
                .nth(2)
                .unwrap_or_default();
            assert!(
                private.contains("decrypt") && !private.contains("sign"),
                "{objects}"
            );
        }
        // An envelope for another key is refused and changes nothing.
        let token = r.token.duplicate();
        let mut bad = args.clone();
        let mut der = unb64(&bad["encryption"]["envelope"]["wrapped_private_key"]);
        let n = der.len();
        der[n - 1] ^= 1; // the encrypted private key's last byte
        bad["encryption"]["envelope"]["wrapped_private_key"] = json!(b64(&der));
        let mut host = token.host();
        let answer = host.call("install_certificate", bad);
        // The SM4 layer opens, but the key fails the host's decryption test on the
        // token and is destroyed (EncryptionRefused answers BAD_REQUEST).
        assert_eq!(answer["error"]["code"], json!("BAD_REQUEST"), "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("not the encryption certificate's key"),
            "{profile}: {answer}"
        );
        drop(host);
        let objects = token.tool(&["--login", "--pin", PIN, "--list-objects"]);
        assert_eq!(
            objects.matches("Certificate Object").count(),
            1,
            "{objects}"
        );
    }
}

#[test]
fn a_wrong_pin_counts_down_to_the_final_try_and_the_lock() {
    let token = Sm2Token::new("westone", false, "modules = []\n");
    let ca = TestCa::new();
    let old = token.add_ec_certificate(&ca);
    let serial = token.serial();
    let mut host = token.host();
    let sign = |pin: &str| {
        json!({"token": serial, "cert_sha256": sha256_hex(&old), "purpose": "login",
               "challenge": CHALLENGE, "pin": pin})
    };
    let first = host.call("sign", sign("000000"));
    assert_eq!(first["error"]["code"], json!("PIN_INCORRECT"), "{first}");
    assert_eq!(
        first["error"]["details"]["count_low"],
        json!(true),
        "{first}"
    );
    assert_eq!(
        first["error"]["details"]["final_try"],
        json!(false),
        "{first}"
    );
    let second = host.call("sign", sign("000000"));
    assert_eq!(second["error"]["code"], json!("PIN_INCORRECT"), "{second}");
    assert_eq!(
        second["error"]["details"]["final_try"],
        json!(true),
        "{second}"
    );
    assert_eq!(host.err("sign", sign("000000")), "PIN_LOCKED");
    // Locked: even the right PIN is refused, and the token list says so.
    assert_eq!(host.err("sign", sign(PIN)), "PIN_LOCKED");
    let list = host.ok("list_certificates", json!({}));
    assert_eq!(
        list["tokens"][0]["token"]["pin_locked"],
        json!(true),
        "{list}"
    );
}
