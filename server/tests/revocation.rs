//! Revocation as a relying party sees it, checked with tools nobody here wrote:
//! `openssl ocsp` asks the OCSP URL from a renewed certificate's authority information
//! access and verifies the answer against the CA certificate fetched from its
//! caIssuers URL; `openssl verify -crl_check` reads the CRL fetched from its
//! distribution point; pkilint lints the certificate, the CRL and the OCSP responses.
//! Good before, revoked (with the reason) after a staff revocation and after `admin
//! revoke`; unknown for a serial never issued. With the development EC CA, an RSA CA
//! and a CA key on SoftHSM2; on SQLite or PostgreSQL like every server test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

/// Runs a command; (success, stdout, stderr).
fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} does not run: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_pem(dir: &Path, name: &str, der: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec())),
    )
    .unwrap();
    path
}

/// The URIs openssl reads in a certificate's extension `ext` (e.g.
/// `crlDistributionPoints`), each with the text before it (`OCSP - URI:` …).
fn uris(cert: &Path, ext: &str) -> Vec<String> {
    let (ok, out, err) = run(Command::new("openssl")
        .args(["x509", "-noout", "-ext", ext, "-in"])
        .arg(cert));
    assert!(ok, "openssl x509 -ext {ext}: {err}");
    out.lines()
        .filter(|l| l.contains("URI:"))
        .map(|l| l.trim().to_owned())
        .collect()
}

fn url_after(lines: &[String], prefix: &str) -> String {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {lines:?}"))
        .to_owned()
}

async fn fetch(url: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let r = client().get(url).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

/// What a relying party holding only the certificate learns.
struct RelyingParty {
    dir: PathBuf,
    cert: PathBuf,
    ca: PathBuf,
    ocsp_url: String,
    crl_url: String,
}

impl RelyingParty {
    /// Reads the URLs out of `cert_der` with openssl and fetches the CA certificate
    /// from its caIssuers URL.
    async fn new(dir: &Path, name: &str, cert_der: &[u8]) -> RelyingParty {
        let cert = write_pem(dir, &format!("{name}.pem"), cert_der);
        let aia = uris(&cert, "authorityInfoAccess");
        let ocsp_url = url_after(&aia, "OCSP - URI:");
        let ca_url = url_after(&aia, "CA Issuers - URI:");
        let crl_url = url_after(&uris(&cert, "crlDistributionPoints"), "URI:");
        let (status, headers, ca_der) = fetch(&ca_url).await;
        assert_eq!(status, StatusCode::OK, "{ca_url}");
        assert_eq!(headers["content-type"], "application/pkix-cert");
        let ca = write_pem(dir, &format!("{name}-ca.pem"), &ca_der);
        RelyingParty {
            dir: dir.to_owned(),
            cert,
            ca,
            ocsp_url,
            crl_url,
        }
    }

    /// `openssl ocsp`, verifying the response against the CA: (stdout, stderr), after
    /// asserting that the response verified and its nonce matched.
    fn ocsp(&self, extra: &[&str], save_as: &str) -> (String, String) {
        let resp = self.dir.join(save_as);
        let (ok, out, err) = run(Command::new("openssl")
            .args(["ocsp", "-issuer"])
            .arg(&self.ca)
            .args(extra)
            .args(["-url", &self.ocsp_url, "-CAfile"])
            .arg(&self.ca)
            .arg("-respout")
            .arg(&resp)
            .arg("-resp_text"));
        assert!(ok, "openssl ocsp: {out}\n{err}");
        assert!(err.contains("Response verify OK"), "{out}\n{err}");
        assert!(!err.contains("WARNING"), "a nonce problem: {err}");
        lint("lint_ocsp_response", &resp);
        (out, err)
    }

    fn ocsp_cert(&self, save_as: &str) -> String {
        let cert = self.cert.to_str().unwrap().to_owned();
        self.ocsp(&["-cert", &cert], save_as).0
    }

    /// Fetches the CRL from the distribution point (checking its HTTP headers), stores
    /// it as PEM; returns its path.
    async fn crl(&self, save_as: &str) -> PathBuf {
        let (status, headers, der) = fetch(&self.crl_url).await;
        assert_eq!(status, StatusCode::OK, "{}", self.crl_url);
        assert_eq!(headers["content-type"], "application/pkix-crl");
        let cache = headers["cache-control"].to_str().unwrap();
        assert!(cache.contains("max-age="), "{cache}");
        assert!(headers.contains_key("last-modified") && headers.contains_key("etag"));
        let path = self.dir.join(save_as);
        std::fs::write(&path, pem::encode(&pem::Pem::new("X509 CRL", der.clone()))).unwrap();
        let der_path = self.dir.join(format!("{save_as}.der"));
        std::fs::write(&der_path, &der).unwrap();
        lint("lint_crl", &der_path);
        path
    }

    fn verify_with_crl(&self, crl: &Path) -> (bool, String) {
        let (ok, out, err) = run(Command::new("openssl")
            .args(["verify", "-crl_check", "-CRLfile"])
            .arg(crl)
            .arg("-CAfile")
            .arg(&self.ca)
            .arg(&self.cert));
        (ok, format!("{out}{err}"))
    }
}

/// The CRL's number as openssl reads it.
fn crl_number(crl: &Path) -> u64 {
    let (ok, out, err) = run(Command::new("openssl")
        .args(["crl", "-noout", "-crlnumber", "-in"])
        .arg(crl));
    assert!(ok, "{err}");
    let hex = out
        .trim()
        .trim_start_matches("crlNumber=")
        .trim_start_matches("0x");
    u64::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("crl number {out}"))
}

/// Runs a pkilint linter on `file` and asserts it reports no ERROR (nor worse). pkilint
/// is installed by `scripts/test.sh` and `.ci/run install` (`deps_pkilint`); without
/// it the lint is skipped with a note, unless CI is set.
fn lint(tool: &str, file: &Path) {
    let mut cmd = Command::new(tool);
    cmd.arg("lint");
    if tool == "lint_crl" {
        cmd.args(["-t", "CRL", "-p", "PKIX"]);
    }
    cmd.args(["-s", "ERROR"]).arg(file);
    match cmd.output() {
        Ok(out) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.status.success() && !text.contains("ERROR") && !text.contains("FATAL"),
                "{tool} {}: {text}",
                file.display()
            );
            eprintln!("{tool} {}: no error {}", file.display(), text.trim());
        }
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("{tool} is not installed ({e}): lint skipped (bash .ci/run install)");
        }
        Err(e) => panic!("{tool} is not installed: {e}"),
    }
}

/// An RSA CA in the data folder before the server's first start (it then loads it).
fn rsa_ca(server: &TestServer) {
    let dir = server.dir.path().join("data").join("ca");
    std::fs::create_dir_all(&dir).unwrap();
    let (ok, _, err) = run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj",
        ])
        .arg("/C=CN/O=certrenew/CN=certrenew RSA Test CA")
        .args(["-addext", "basicConstraints=critical,CA:TRUE,pathlen:0"])
        .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        .args(["-addext", "subjectKeyIdentifier=hash"])
        .arg("-keyout")
        .arg(dir.join("ca.key"))
        .arg("-out")
        .arg(dir.join("ca.pem")));
    assert!(ok, "openssl req: {err}");
}

/// Like `TestServer::user`, with the country as a PrintableString (X520countryName):
/// the renewed certificate copies the subject byte for byte, and pkilint checks it.
fn conforming_user(server: &TestServer, cn: &str) -> User {
    use rcgen::{CertificateParams, DnType, DnValue, KeyPair, PKCS_ECDSA_P256_SHA256};
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let country = rcgen::string::PrintableString::try_from("CN").unwrap();
    params
        .distinguished_name
        .push(DnType::CountryName, DnValue::PrintableString(country));
    params
        .distinguished_name
        .push(DnType::OrganizationName, "测试医药有限公司");
    params.distinguished_name.push(DnType::CommonName, cn);
    let csr = server
        .dir
        .path()
        .join(format!("{}.csr", hex(&rand_bytes(4))));
    std::fs::write(&csr, params.serialize_request(&key).unwrap().der()).unwrap();
    let not_after = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (ok, pem_text, err) = server.cli(&[
        "ca",
        "issue",
        "--csr",
        csr.to_str().unwrap(),
        "--not-after",
        &not_after,
    ]);
    assert!(ok, "ca issue: {err}");
    let der = pem::parse(pem_text.as_bytes()).unwrap().contents().to_vec();
    User { key, der }
}

async fn good_then_revoked(server: &TestServer) {
    let dir = server.dir.path().to_owned();
    let user = conforming_user(server, "吴一");
    let (no, renewed) = complete_renewal(server, &user, "gd-med", 12).await;
    let party = RelyingParty::new(&dir, "renewed", &renewed.der).await;
    // gd-med keeps the old certificate valid to its notAfter (the default rule).
    let old_party = RelyingParty::new(&dir, "kept", &user.der).await;
    let out = old_party.ocsp_cert("kept.ocsp");
    assert!(out.contains(": good"), "the old certificate is kept: {out}");
    assert!(party.ocsp_url.ends_with("/ocsp") && party.crl_url.ends_with(".crl"));
    lint("lint_pkix_cert", &party.cert);

    // Before: good, over POST (openssl's way) with a nonce, and over GET.
    let out = party.ocsp_cert("good.ocsp");
    assert!(out.contains(": good"), "{out}");
    assert!(out.contains("OCSP Nonce"), "the nonce is echoed: {out}");
    assert!(out.contains("Next Update"), "{out}");
    let get = dir.join("req.der");
    let (ok, _, err) = run(Command::new("openssl")
        .args(["ocsp", "-no_nonce", "-issuer"])
        .arg(&party.ca)
        .arg("-cert")
        .arg(&party.cert)
        .arg("-reqout")
        .arg(&get));
    assert!(ok, "{err}");
    let request = b64(&std::fs::read(&get).unwrap());
    let encoded = request
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let (status, headers, body) = fetch(&format!("{}/{encoded}", party.ocsp_url)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/ocsp-response");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    let get_resp = dir.join("get.ocsp");
    std::fs::write(&get_resp, &body).unwrap();
    let (ok, out, err) = run(Command::new("openssl")
        .args(["ocsp", "-respin"])
        .arg(&get_resp)
        .arg("-issuer")
        .arg(&party.ca)
        .arg("-cert")
        .arg(&party.cert)
        .arg("-CAfile")
        .arg(&party.ca));
    assert!(
        ok && out.contains(": good") && err.contains("Response verify OK"),
        "{out}{err}"
    );

    let crl = party.crl("before.crl").await;
    let (ok, text) = party.verify_with_crl(&crl);
    assert!(ok, "a good certificate verifies with the CRL: {text}");
    let before = crl_number(&crl);

    // A serial this CA never issued: unknown.
    let (out, _) = party.ocsp(&["-serial", "0x0123456789abcdef"], "unknown.ocsp");
    assert!(out.contains(": unknown"), "{out}");

    // A reviewer revokes it: key compromise.
    let serial = server.sql(&format!(
        "SELECT serial FROM certificates WHERE sha256 = '{}'",
        renewed.sha256()
    ));
    let reviewer = server.staff("revoker", "reviewer").await;
    let path = format!("/api/v1/admin/certificates/{serial}/revoke");
    let (status, body) = server
        .staff_post(&reviewer, &path, json!({"reason": "certificateHold"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = server
        .staff_post(&reviewer, &path, json!({"reason": "keyCompromise"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server
        .staff_post(&reviewer, &path, json!({"reason": "keyCompromise"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let audited = server.count(&format!(
        "SELECT COUNT(*) FROM audit WHERE action = 'certificate.revoked' AND actor = 'staff:revoker' AND subject = '{no}'"
    ));
    assert_eq!(audited, 1);

    // After: revoked with its time and reason; the CRL lists it under a higher number.
    let out = party.ocsp_cert("revoked.ocsp");
    assert!(out.contains(": revoked"), "{out}");
    assert!(out.contains("Reason: keyCompromise"), "{out}");
    assert!(out.contains("Revocation Time"), "{out}");
    let crl = party.crl("after.crl").await;
    let (ok, text) = party.verify_with_crl(&crl);
    assert!(!ok && text.contains("certificate revoked"), "{text}");
    assert!(crl_number(&crl) > before);

    // `admin revoke` with a reason, on a certificate the CLI issued.
    let other = conforming_user(server, "吴二");
    let cli_party = RelyingParty::new(&dir, "cli", &other.der).await;
    let out = cli_party.ocsp_cert("cli-good.ocsp");
    assert!(out.contains(": good"), "{out}");
    let serial = server.sql(&format!(
        "SELECT serial FROM certificates WHERE sha256 = '{}'",
        other.sha256()
    ));
    let (ok, _, err) = server.cli(&["admin", "revoke", "--serial", &serial, "--reason", "bogus"]);
    assert!(!ok && err.contains("RFC 5280"), "{err}");
    let (ok, out, err) = server.cli(&[
        "admin",
        "revoke",
        "--serial",
        &serial,
        "--reason",
        "superseded",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("crl number"), "{out}");
    let out = cli_party.ocsp_cert("cli-revoked.ocsp");
    assert!(
        out.contains(": revoked") && out.contains("Reason: superseded"),
        "{out}"
    );
    let crl = cli_party.crl("cli.crl").await;
    let (ok, text) = cli_party.verify_with_crl(&crl);
    assert!(!ok && text.contains("certificate revoked"), "{text}");
    // The first revocation is still on the CRL.
    let (ok, text) = party.verify_with_crl(&crl);
    assert!(!ok && text.contains("certificate revoked"), "{text}");
}

#[tokio::test]
async fn a_relying_party_tells_good_from_revoked_with_the_ec_ca() {
    let server = TestServer::start().await;
    good_then_revoked(&server).await;
}

#[tokio::test]
async fn a_relying_party_tells_good_from_revoked_with_an_rsa_ca() {
    let server = TestServer::stopped(&[]);
    rsa_ca(&server);
    server.spawn().await;
    good_then_revoked(&server).await;
}

/// The CA key on SoftHSM2: the CRL and the responder certificates are signed on the token.
#[tokio::test]
async fn a_relying_party_tells_good_from_revoked_with_an_hsm_ca() {
    const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
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
    let (ok, _, err) = run(Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "rev-hsm",
            "--pin",
            "246810",
        ])
        .args(["--so-pin", "13579113"]));
    assert!(ok, "{err}");
    let config = hsm.path().join("server.toml");
    let cert = hsm.path().join("ca.pem");
    std::fs::write(
        &config,
        format!(
            "[ca]\nkind = \"pkcs11\"\nmodule = \"{MODULE}\"\ntoken = \"rev-hsm\"\nkey_label = \"rev CA\"\ncert = \"{}\"\n",
            cert.display()
        ),
    )
    .unwrap();
    let conf_s = conf.to_str().unwrap().to_owned();
    let config_s = config.to_str().unwrap().to_owned();
    let server = TestServer::stopped(&[
        ("SOFTHSM2_CONF", &conf_s),
        ("CERTRENEW_CONFIG", &config_s),
        ("CERTRENEW_CA_PIN", "246810"),
    ]);
    let (ok, pem_text, err) = server.cli(&[
        "ca",
        "init",
        "--pkcs11-module",
        MODULE,
        "--pkcs11-token",
        "rev-hsm",
        "--pin",
        "246810",
        "--key-label",
        "rev CA",
        "--name",
        "HSM Revocation Test CA",
    ]);
    assert!(ok, "{err}");
    std::fs::write(&cert, &pem_text).unwrap();
    server.spawn().await;
    good_then_revoked(&server).await;
}

#[tokio::test]
async fn malformed_ocsp_requests_get_an_ocsp_error_and_unknown_crls_404() {
    let server = TestServer::start().await;
    let r = client()
        .post(server.url("/ocsp"))
        .header("content-type", "application/ocsp-request")
        .body(vec![0x30, 0x03, 0x02, 0x01, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // OCSPResponse { responseStatus malformedRequest (1) }.
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        &[0x30, 0x03, 0x0a, 0x01, 0x01]
    );
    let (status, _, _) = fetch(&server.url("/crl/0000000000000000.crl")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A server whose gd-med project revokes the old certificate as superseded once a
/// renewal is confirmed (the other samples keep it, the default).
async fn superseding_server() -> (TestServer, tempfile::TempDir) {
    #[derive(serde::Serialize)]
    struct Settings {
        projects: Vec<server::projects::Project>,
    }
    let mut projects = server::projects::samples();
    projects[0].old_certificate = server::revocation::policy::OldCertificate::RevokeSuperseded;
    assert_eq!(projects[0].id, "gd-med");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("certrenew.toml");
    std::fs::write(&config, toml::to_string(&Settings { projects }).unwrap()).unwrap();
    let server = TestServer::start_with(&[("CERTRENEW_CONFIG", config.to_str().unwrap())]).await;
    (server, dir)
}

/// The project rule `old_certificate = "revoke_superseded"`: shown to the customer with
/// the project, applied when the renewal is confirmed (audited as the policy's act),
/// and what a relying party then sees: the old certificate revoked with reason
/// superseded (OCSP and CRL), the new one good. Then the customer reports the new key
/// compromised: the report waits in the staff's queue, a finance officer cannot act on
/// it, a reviewer revokes with keyCompromise from there (audited); a second customer's
/// report is dismissed and their certificate stays good.
#[tokio::test]
async fn superseded_on_confirm_and_key_compromise_reports_reach_relying_parties() {
    let (server, _config) = superseding_server().await;
    let dir = server.dir.path().to_owned();
    let (status, project) = server
        .get_as(&server.client, "/api/v1/projects/gd-med")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(project["old_certificate"], "revoke_superseded", "{project}");
    let (_, other) = server
        .get_as(&server.client, "/api/v1/projects/sz-med")
        .await;
    assert_eq!(other["old_certificate"], "keep_valid", "{other}");

    let user = conforming_user(&server, "郑一");
    let old = RelyingParty::new(&dir, "old", &user.der).await;
    assert!(old.ocsp_cert("old-good.ocsp").contains(": good"));
    let before = crl_number(&old.crl("old-before.crl").await);

    let (no, renewed) = complete_renewal(&server, &user, "gd-med", 12).await;
    let out = old.ocsp_cert("old-superseded.ocsp");
    assert!(
        out.contains(": revoked") && out.contains("Reason: superseded"),
        "{out}"
    );
    let crl = old.crl("old-after.crl").await;
    assert!(crl_number(&crl) > before, "the CRL is signed again at once");
    let (ok, text) = old.verify_with_crl(&crl);
    assert!(!ok && text.contains("certificate revoked"), "{text}");
    let new = RelyingParty::new(&dir, "new", &renewed.der).await;
    assert!(new.ocsp_cert("new-good.ocsp").contains(": good"));
    let (ok, text) = new.verify_with_crl(&crl);
    assert!(ok, "the renewed certificate verifies: {text}");
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE action = 'certificate.revoked' AND actor = 'policy:gd-med' AND data LIKE '%{no}%' AND data LIKE '%superseded%'"
        )),
        1
    );

    // The customer reports the new key compromised.
    let customer = server.login(&renewed).await;
    let path = "/api/v1/certificates/compromise";
    let (status, body) = server
        .post_as(&customer, path, json!({"note": "\u{7}bell"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, report) = server
        .post_as(&customer, path, json!({"note": "USB Key 丢失"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let (status, body) = server
        .post_as(&customer, path, json!({"note": "again"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = server.post_as(&client(), path, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        new.ocsp_cert("reported.ocsp").contains(": good"),
        "a report alone revokes nothing"
    );

    let id = report["id"].as_str().unwrap();
    let finance = server.staff("cashier", "finance").await;
    let (status, queue) = server
        .get_as(&finance.0, "/api/v1/admin/compromise-reports")
        .await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["reports"][0]["id"], id, "{queue}");
    assert_eq!(queue["reports"][0]["note"], "USB Key 丢失");
    assert!(
        queue["reports"][0]["subject"]
            .as_str()
            .unwrap()
            .contains("郑一")
    );
    let revoke = format!("/api/v1/admin/compromise-reports/{id}/revoke");
    let (status, body) = server.staff_post(&finance, &revoke, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let reviewer = server.staff("guard", "reviewer").await;
    let (status, body) = server.staff_post(&reviewer, &revoke, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server.staff_post(&reviewer, &revoke, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "closed: {body}");
    let out = new.ocsp_cert("compromised.ocsp");
    assert!(
        out.contains(": revoked") && out.contains("Reason: keyCompromise"),
        "{out}"
    );
    let (ok, text) = new.verify_with_crl(&new.crl("compromised.crl").await);
    assert!(!ok && text.contains("certificate revoked"), "{text}");
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE action = 'certificate.compromise_reported' AND actor = 'user:{}'",
            renewed.sha256()
        )),
        1
    );
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE action = 'certificate.revoked' AND actor = 'staff:guard' AND data LIKE '%{id}%' AND data LIKE '%keyCompromise%'"
        )),
        1
    );

    // Another customer's report, dismissed: the certificate stays good.
    let second = conforming_user(&server, "郑二");
    let second_party = RelyingParty::new(&dir, "second", &second.der).await;
    let client2 = server.login(&second).await;
    let (status, report) = server.post_as(&client2, path, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let dismiss = format!(
        "/api/v1/admin/compromise-reports/{}/dismiss",
        report["id"].as_str().unwrap()
    );
    let (status, body) = server.staff_post(&reviewer, &dismiss, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, queue) = server
        .get_as(&reviewer.0, "/api/v1/admin/compromise-reports")
        .await;
    assert_eq!(queue["reports"], json!([]), "{queue}");
    assert!(second_party.ocsp_cert("dismissed.ocsp").contains(": good"));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM audit WHERE action = 'compromise_report.dismissed' AND actor = 'staff:guard'"),
        1
    );
}
