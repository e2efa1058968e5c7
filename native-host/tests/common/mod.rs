//! Test support: a real SoftHSM2 token per test, a throwaway CA made with openssl,
//! certificates put on the token with OpenSC's `pkcs11-tool`, and the host binary
//! driven through stdin/stdout exactly as Chrome drives it.
#![allow(dead_code)]

pub mod dual;
pub mod envelope;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
pub const PIN: &str = "123456";
pub const SO_PIN: &str = "12345678";
pub const DEV_EXTENSION: &str = include_str!("../../../extension/dev-extension-id.txt");
pub const ORIGIN: &str = "https://ca.example.com";
pub const CHALLENGE: &str = "q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=";

pub fn caller() -> String {
    format!("chrome-extension://{}/", DEV_EXTENSION.trim())
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A SoftHSM2 token of its own, in a temporary directory.
pub struct TestToken {
    pub dir: TempDir,
    pub conf: PathBuf,
    pub label: String,
}

impl TestToken {
    pub fn new() -> Self {
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
        let token = Self {
            dir,
            conf,
            label: "certrenew test".into(),
        };
        run(Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &token.conf)
            .args([
                "--init-token",
                "--free",
                "--label",
                &token.label,
                "--pin",
                PIN,
                "--so-pin",
                SO_PIN,
            ]));
        token
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `pkcs11-tool` against this token (the independent witness).
    pub fn pkcs11_tool(&self, args: &[&str]) -> String {
        let out = run(Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &self.conf)
            .args(["--module", MODULE, "--token-label", &self.label])
            .args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn list_objects(&self) -> String {
        self.pkcs11_tool(&["--login", "--pin", PIN, "--list-objects"])
    }

    /// The token's serial, as the host reports it.
    pub fn serial(&self) -> String {
        let out = run(Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &self.conf)
            .arg("--show-slots"));
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Serial number:")
                    .map(|s| s.trim().to_owned())
            })
            .filter(|s| !s.is_empty())
            .expect("softhsm2-util shows the token's serial")
    }

    /// A key pair made on the token by pkcs11-tool (`key_type`: `EC:prime256v1` or
    /// `rsa:2048`), without a certificate.
    pub fn keypairgen(&self, id: &str, label: &str, key_type: &str) {
        self.pkcs11_tool(&[
            "--login",
            "--pin",
            PIN,
            "--keypairgen",
            "--key-type",
            key_type,
            "--id",
            id,
            "--label",
            label,
        ]);
    }

    /// The public key of the key pair `id`, as DER in a file, read with pkcs11-tool.
    pub fn public_key_file(&self, id: &str) -> PathBuf {
        let file = self.path(&format!("pub-{id}.der"));
        self.pkcs11_tool(&[
            "--read-object",
            "--type",
            "pubkey",
            "--id",
            id,
            "--output-file",
            file.to_str().unwrap(),
        ]);
        file
    }

    /// A key pair made on the token by pkcs11-tool, with a certificate for it from `ca`.
    /// `key_type` is `EC:prime256v1` or `rsa:2048`. Returns the certificate's DER.
    pub fn add_certificate(
        &self,
        ca: &TestCa,
        id: &str,
        label: &str,
        subject: &str,
        key_type: &str,
        days: i64,
    ) -> Vec<u8> {
        self.keypairgen(id, label, key_type);
        let pub_der = self.public_key_file(id);
        let der = ca.issue_for_public_key(&pub_der, subject, days, id);
        let cert_file = self.path(&format!("cert-{id}.der"));
        std::fs::write(&cert_file, &der).unwrap();
        self.pkcs11_tool(&[
            "--login",
            "--pin",
            PIN,
            "--write-object",
            cert_file.to_str().unwrap(),
            "--type",
            "cert",
            "--id",
            id,
            "--label",
            label,
        ]);
        der
    }

    /// A copy of this token as it is now, in a directory of its own (SoftHSM's file
    /// store copied): one prepared state, many runs.
    pub fn duplicate(&self) -> TestToken {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        run(Command::new("cp")
            .arg("-a")
            .arg(self.dir.path().join("tokens"))
            .arg(&tokens));
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        TestToken {
            dir,
            conf,
            label: self.label.clone(),
        }
    }

    /// An encryption key pair made on the token by pkcs11-tool (decrypt for RSA,
    /// derive for EC) with an encryption certificate from `ca`, as a CA's tool
    /// would have left a dual token. Returns the certificate's DER.
    pub fn add_encryption_certificate(
        &self,
        ca: &TestCa,
        id: &str,
        label: &str,
        subject: &str,
        key_type: &str,
        days: i64,
    ) -> Vec<u8> {
        let usage = if key_type.starts_with("rsa") {
            "--usage-decrypt"
        } else {
            "--usage-derive"
        };
        self.pkcs11_tool(&[
            "--login",
            "--pin",
            PIN,
            "--keypairgen",
            "--key-type",
            key_type,
            "--id",
            id,
            "--label",
            label,
            usage,
        ]);
        let pub_der = self.public_key_file(id);
        let der =
            ca.issue_for_public_key_ext(&pub_der, subject, days, id, encryption_ext(key_type));
        let cert_file = self.path(&format!("cert-{id}.der"));
        std::fs::write(&cert_file, &der).unwrap();
        self.pkcs11_tool(&[
            "--login",
            "--pin",
            PIN,
            "--write-object",
            cert_file.to_str().unwrap(),
            "--type",
            "cert",
            "--id",
            id,
            "--label",
            label,
        ]);
        der
    }

    /// Starts the host as Chrome would, for the development extension.
    pub fn host(&self) -> Host {
        Host::spawn(self, &caller(), &[])
    }
}

/// A certificate authority made with openssl, for issuing test certificates.
pub struct TestCa {
    pub dir: TempDir,
    pub key: PathBuf,
    pub cert: PathBuf,
    pub config: PathBuf,
}

const OPENSSL_CNF: &str = r#"
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ee_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[enc_rsa_ext]
basicConstraints = critical, CA:false
keyUsage = critical, keyEncipherment, dataEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[enc_ec_ext]
basicConstraints = critical, CA:false
keyUsage = critical, keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"#;

/// The openssl extension section of an encryption certificate for `key_type`.
pub fn encryption_ext(key_type: &str) -> &'static str {
    if key_type.starts_with("rsa") {
        "enc_rsa_ext"
    } else {
        "enc_ec_ext"
    }
}

impl TestCa {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("ca.key");
        let cert = dir.path().join("ca.pem");
        let config = dir.path().join("openssl.cnf");
        std::fs::write(&config, OPENSSL_CNF).unwrap();
        run(Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
            ])
            .arg(&key));
        run(Command::new("openssl")
            .args([
                "req",
                "-new",
                "-x509",
                "-utf8",
                "-days",
                "3650",
                "-extensions",
                "ca_ext",
                "-subj",
                "/C=CN/O=certrenew/CN=certrenew Test CA",
                "-config",
            ])
            .arg(&config)
            .arg("-key")
            .arg(&key)
            .arg("-out")
            .arg(&cert));
        Self {
            dir,
            key,
            cert,
            config,
        }
    }

    /// A certificate for the DER SubjectPublicKeyInfo in `pub_der`, signed by this CA.
    pub fn issue_for_public_key(
        &self,
        pub_der: &Path,
        subject: &str,
        days: i64,
        tag: &str,
    ) -> Vec<u8> {
        self.issue_for_public_key_ext(pub_der, subject, days, tag, "ee_ext")
    }

    /// As [`Self::issue_for_public_key`], with the extension section `ext` of the
    /// openssl configuration (`ee_ext`, `enc_rsa_ext`, `enc_ec_ext`).
    pub fn issue_for_public_key_ext(
        &self,
        pub_der: &Path,
        subject: &str,
        days: i64,
        tag: &str,
        ext: &str,
    ) -> Vec<u8> {
        let d = self.dir.path();
        let pub_pem = d.join(format!("pub-{tag}.pem"));
        run(Command::new("openssl")
            .args(["pkey", "-pubin", "-inform", "DER", "-in"])
            .arg(pub_der)
            .arg("-out")
            .arg(&pub_pem));
        // openssl 3.0 needs a request to take a UTF-8 subject; its key is replaced.
        let throwaway = d.join(format!("throwaway-{tag}.key"));
        run(Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
            ])
            .arg(&throwaway));
        let csr = d.join(format!("req-{tag}.csr"));
        run(Command::new("openssl")
            .args(["req", "-new", "-utf8", "-subj", subject, "-config"])
            .arg(&self.config)
            .arg("-key")
            .arg(&throwaway)
            .arg("-out")
            .arg(&csr));
        let out = d.join(format!("cert-{tag}.der"));
        self.sign_request(&csr, false, Some(&pub_pem), days, &out, ext)
    }

    /// Issues a certificate for a CSR (DER), keeping the CSR's subject.
    pub fn issue_for_csr(&self, csr_der: &[u8], days: i64, tag: &str) -> Vec<u8> {
        let d = self.dir.path();
        let csr = d.join(format!("in-{tag}.csr"));
        std::fs::write(&csr, csr_der).unwrap();
        let out = d.join(format!("issued-{tag}.der"));
        self.sign_request(&csr, true, None, days, &out, "ee_ext")
    }

    /// `openssl x509 -req` with this CA: the request's subject, `force_pubkey`'s key if
    /// given (else the request's), the end-entity extensions, a random serial.
    fn sign_request(
        &self,
        csr: &Path,
        csr_is_der: bool,
        force_pubkey: Option<&Path>,
        days: i64,
        out: &Path,
        ext: &str,
    ) -> Vec<u8> {
        let mut cmd = Command::new("openssl");
        cmd.args([
            "x509",
            "-req",
            "-sha256",
            "-days",
            &days.to_string(),
            "-extensions",
            ext,
            "-outform",
            "DER",
        ]);
        if csr_is_der {
            cmd.args(["-inform", "DER"]);
        }
        if let Some(key) = force_pubkey {
            cmd.arg("-force_pubkey").arg(key);
        }
        cmd.arg("-set_serial")
            .arg(format!("0x{}", hex_of(&rand16())))
            .arg("-in")
            .arg(csr)
            .arg("-extfile")
            .arg(&self.config)
            .arg("-CA")
            .arg(&self.cert)
            .arg("-CAkey")
            .arg(&self.key)
            .arg("-out")
            .arg(out);
        run(&mut cmd);
        std::fs::read(out).unwrap()
    }
}

fn rand16() -> [u8; 16] {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).unwrap();
    b[0] &= 0x7f;
    b
}

pub fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_of(&Sha256::digest(bytes))
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn unb64(value: &Value) -> Vec<u8> {
    STANDARD
        .decode(value.as_str().expect("a base64 string"))
        .expect("valid base64")
}

/// The host process, spoken to in Chrome's framing.
pub struct Host {
    pub child: Child,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    next: u32,
}

impl Host {
    pub fn spawn(token: &TestToken, caller: &str, env: &[(&str, &str)]) -> Host {
        let config = token.path("host.toml");
        if !config.exists() {
            std::fs::write(&config, "modules = []\n").unwrap();
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_certrenew-host"));
        cmd.arg(caller)
            .env("SOFTHSM2_CONF", &token.conf)
            .env("CERTRENEW_PKCS11_MODULES", MODULE)
            .env("CERTRENEW_HOST_CONFIG", &config)
            .env_remove("CERTRENEW_FAULT_AFTER")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("the host starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        Host {
            child,
            stdin,
            stdout,
            next: 0,
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        // The host may already have exited (that is what some tests check).
        let _ = stdin.write_all(bytes);
        let _ = stdin.flush();
    }

    pub fn send_frame(&mut self, body: &[u8]) {
        let mut frame = (body.len() as u32).to_ne_bytes().to_vec();
        frame.extend_from_slice(body);
        self.send_raw(&frame);
    }

    /// Reads one answer; `None` when the host closed its output.
    pub fn read_answer(&mut self) -> Option<Value> {
        let mut len = [0u8; 4];
        self.stdout.read_exact(&mut len).ok()?;
        let len = u32::from_ne_bytes(len) as usize;
        assert!(
            len <= 1024 * 1024,
            "answer of {len} bytes is over Chrome's limit"
        );
        let mut body = vec![0u8; len];
        self.stdout.read_exact(&mut body).ok()?;
        Some(serde_json::from_slice(&body).expect("the answer is JSON"))
    }

    pub fn request(&mut self, request: &Value) -> Value {
        self.send_frame(&serde_json::to_vec(request).unwrap());
        self.read_answer().expect("an answer")
    }

    /// Sends a command from `ORIGIN` and returns the whole answer.
    pub fn call(&mut self, cmd: &str, args: Value) -> Value {
        self.next += 1;
        let id = format!("r{}", self.next);
        let answer = self.request(&json!({"v":1,"id":id,"origin":ORIGIN,"cmd":cmd,"args":args}));
        assert_eq!(
            answer["id"],
            json!(id),
            "answers come back in order with their id"
        );
        answer
    }

    /// Sends a command that must succeed and returns its result.
    pub fn ok(&mut self, cmd: &str, args: Value) -> Value {
        let answer = self.call(cmd, args);
        assert_eq!(answer["ok"], json!(true), "{cmd} failed: {answer}");
        answer["result"].clone()
    }

    /// Sends a command that must fail and returns its error code.
    pub fn err(&mut self, cmd: &str, args: Value) -> String {
        let answer = self.call(cmd, args);
        assert_eq!(answer["ok"], json!(false), "{cmd} succeeded: {answer}");
        answer["error"]["code"].as_str().unwrap().to_owned()
    }

    /// Closes stdin and waits: the exit status.
    pub fn finish(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        self.child.wait().unwrap()
    }

    pub fn wait(&mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        self.child.wait().unwrap()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Verifies `signature` over `data` with the public key of the certificate `cert_der`,
/// using openssl as the independent verifier.
pub fn openssl_verify(dir: &Path, cert_der: &[u8], data: &[u8], signature: &[u8]) -> bool {
    openssl_verifies(dir, cert_der, data, signature, |public, data, sig| {
        let mut c = Command::new("openssl");
        c.args(["dgst", "-sha256", "-verify"])
            .arg(public)
            .arg("-signature")
            .arg(sig)
            .arg(data);
        c
    })
}

/// Writes `cert_der`'s public key (PEM), `data` and `signature` to files in `dir` and
/// runs the openssl verification `command` makes of (public key, data, signature).
pub fn openssl_verifies(
    dir: &Path,
    cert_der: &[u8],
    data: &[u8],
    signature: &[u8],
    command: impl FnOnce(&Path, &Path, &Path) -> Command,
) -> bool {
    let tag = hex_of(&rand16());
    let cert = dir.join(format!("v-{tag}.der"));
    let pubkey = dir.join(format!("v-{tag}.pub"));
    let data_file = dir.join(format!("v-{tag}.data"));
    let sig = dir.join(format!("v-{tag}.sig"));
    std::fs::write(&cert, cert_der).unwrap();
    std::fs::write(&data_file, data).unwrap();
    std::fs::write(&sig, signature).unwrap();
    run(Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
        .arg(&cert)
        .arg("-out")
        .arg(&pubkey));
    command(&pubkey, &data_file, &sig)
        .output()
        .unwrap()
        .status
        .success()
}

/// The TBS text, built here independently of the protocol crate.
pub fn tbs(purpose: &str, origin: &str, challenge: &str, payload: &str) -> Vec<u8> {
    format!("certrenew-v1\n{purpose}\n{origin}\n{challenge}\n{payload}\n").into_bytes()
}

/// A key pair made by openssl as the KMC would (`key_type`: `rsa:2048` or
/// `EC:prime256v1`): (PKCS#8 DER of the private key, path of the DER SPKI).
pub fn kmc_key(dir: &Path, key_type: &str, tag: &str) -> (Vec<u8>, PathBuf) {
    let pem = dir.join(format!("kmc-{tag}.pem"));
    let mut keygen = Command::new("openssl");
    keygen.arg("genpkey");
    if key_type.starts_with("rsa") {
        keygen.args(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
    } else {
        keygen.args(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    }
    run(keygen.arg("-out").arg(&pem));
    let der = dir.join(format!("kmc-{tag}.p8"));
    run(Command::new("openssl")
        .args(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER", "-in"])
        .arg(&pem)
        .arg("-out")
        .arg(&der));
    let spki = dir.join(format!("kmc-{tag}.spki"));
    run(Command::new("openssl")
        .args(["pkey", "-pubout", "-outform", "DER", "-in"])
        .arg(&pem)
        .arg("-out")
        .arg(&spki));
    (std::fs::read(der).unwrap(), spki)
}

/// The `CKA_ID` (hex) of an encryption key pair: the first 16 bytes of SHA-256 of
/// its certificate's SubjectPublicKeyInfo (the contract's rule, computed here).
pub fn encryption_key_id(cert_der: &[u8]) -> String {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).unwrap();
    hex_of(&Sha256::digest(cert.public_key().raw)[..16])
}
