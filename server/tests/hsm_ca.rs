//! The CA key on a PKCS#11 HSM (SoftHSM2 here): `ca init --pkcs11-…` makes the key on
//! the token, the server signs with it, `openssl verify` accepts what it issued, and
//! OpenSC's pkcs11-tool sees a sensitive, never-extractable key.

mod common;

use std::process::Command;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

#[tokio::test]
async fn the_server_issues_with_a_key_on_an_hsm() {
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
    let init = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "ca-hsm",
            "--pin",
            "246810",
            "--so-pin",
            "13579113",
        ])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );

    let config = hsm.path().join("server.toml");
    let cert = hsm.path().join("ca.pem");
    std::fs::write(
        &config,
        format!("[ca]\nkind = \"pkcs11\"\nmodule = \"{MODULE}\"\ntoken = \"ca-hsm\"\nkey_label = \"renewal CA\"\ncert = \"{}\"\n", cert.display()),
    )
    .unwrap();
    let conf_s = conf.to_str().unwrap().to_owned();
    let config_s = config.to_str().unwrap().to_owned();
    let server = TestServer::stopped(&[
        ("SOFTHSM2_CONF", &conf_s),
        ("CERTRENEW_CONFIG", &config_s),
        ("CERTRENEW_CA_PIN", "246810"),
    ]);
    // The CLI writes the certificate to the data dir; the config points at `cert`.
    let (ok, pem_text, err) = server.cli(&[
        "ca",
        "init",
        "--pkcs11-module",
        MODULE,
        "--pkcs11-token",
        "ca-hsm",
        "--pin",
        "246810",
        "--key-label",
        "renewal CA",
        "--name",
        "HSM Test CA",
    ]);
    assert!(ok, "{err}");
    std::fs::write(&cert, &pem_text).unwrap();
    server.spawn().await;

    // The CA key is on the token, sensitive and never extractable.
    let keys = Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--module",
            MODULE,
            "--login",
            "--pin",
            "246810",
            "--list-objects",
            "--type",
            "privkey",
        ])
        .output()
        .unwrap();
    let keys = String::from_utf8_lossy(&keys.stdout);
    assert!(keys.contains("renewal CA"), "{keys}");
    assert!(
        keys.contains("sensitive") && keys.contains("never extractable"),
        "{keys}"
    );

    // A whole renewal, issued by the HSM key.
    let user = server.user("张三", 30);
    let client = server.login(&user).await;
    let (status, body) = server.apply(&client, &user, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let no = body["business_no"].as_str().unwrap().to_owned();
    let out_trade_no = server.pay(&client, &no).await;
    server.gateway(&out_trade_no, "paid", 1, 0).await;
    let reviewer = server.staff("hsm-reviewer", "reviewer").await;
    let (status, _) = server
        .staff_post(
            &reviewer,
            &format!("/api/v1/admin/renewals/{no}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, status, issued) = issue_new_key(&server, &client, &user, &no).await;
    assert_eq!(status, StatusCode::OK, "{issued}");

    let (_, chain) = server.get_as(&server.client, "/api/v1/ca").await;
    let dir = server.dir.path();
    std::fs::write(dir.join("ca-chain.pem"), chain.as_str().unwrap()).unwrap();
    std::fs::write(
        dir.join("issued.pem"),
        pem::encode(&pem::Pem::new("CERTIFICATE", unb64(&issued["certificate"]))),
    )
    .unwrap();
    let verify = Command::new("openssl")
        .args(["verify", "-x509_strict", "-CAfile"])
        .arg(dir.join("ca-chain.pem"))
        .arg(dir.join("issued.pem"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(chain.as_str().unwrap().contains("BEGIN CERTIFICATE"));
}
