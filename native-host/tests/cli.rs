//! The commands a person (or an installer) runs: `register`, `unregister` and
//! `diagnose`, against a browser profile folder and a real SoftHSM token.

mod common;

use std::process::Command;

use common::*;
use serde_json::Value;

fn host_cmd(token: &TestToken) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certrenew-host"));
    let config = token.path("host.toml");
    std::fs::write(&config, "modules = []\n").unwrap();
    cmd.env("SOFTHSM2_CONF", &token.conf)
        .env("CERTRENEW_PKCS11_MODULES", MODULE)
        .env("CERTRENEW_HOST_CONFIG", &config);
    cmd
}

#[test]
fn register_diagnose_unregister_in_a_profile_folder() {
    let token = TestToken::new();
    let ca = TestCa::new();
    token.add_certificate(
        &ca,
        "01",
        "张三",
        "/C=CN/O=测试医药有限公司/CN=张三",
        "EC:prime256v1",
        30,
    );
    let profile = token.path("profile");

    let out = run(host_cmd(&token)
        .arg("register")
        .arg("--user-data-dir")
        .arg(&profile));
    assert!(String::from_utf8_lossy(&out.stdout).contains("registered"));
    let manifest_path = profile.join("NativeMessagingHosts/org.certrenew.host.json");
    let manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    assert_eq!(manifest["name"], "org.certrenew.host");
    assert_eq!(manifest["type"], "stdio");
    assert_eq!(manifest["path"], env!("CARGO_BIN_EXE_certrenew-host"));
    assert_eq!(manifest["allowed_origins"], serde_json::json!([caller()]));

    let out = run(host_cmd(&token)
        .args(["diagnose", "--json", "--user-data-dir"])
        .arg(&profile));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["modules"][0]["loaded"], true);
    let certs = &report["tokens"][0]["certificates"];
    assert_eq!(certs[0]["subject"], "CN=张三,O=测试医药有限公司,C=CN");
    let days = certs[0]["days_left"].as_i64().unwrap();
    assert!((29..=30).contains(&days), "{days}");
    let registrations = report["registrations"].as_array().unwrap();
    let ours = registrations
        .iter()
        .find(|r| r["scope"] == "profile")
        .expect("the profile registration");
    assert_eq!(ours["present"], true);
    assert_eq!(ours["problem"], Value::Null);

    let out = run(host_cmd(&token)
        .arg("diagnose")
        .arg("--user-data-dir")
        .arg(&profile));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CN=张三,O=测试医药有限公司,C=CN"), "{text}");
    assert!(text.contains("days left"), "{text}");

    run(host_cmd(&token)
        .arg("unregister")
        .arg("--user-data-dir")
        .arg(&profile));
    assert!(!manifest_path.exists());
}

#[test]
fn register_refuses_a_malformed_extension_id() {
    let token = TestToken::new();
    let out = host_cmd(&token)
        .args(["register", "--extension-id", "nope", "--user-data-dir"])
        .arg(token.path("p"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--extension-id"));
}

#[test]
fn diagnose_says_when_no_module_loads() {
    let token = TestToken::new();
    let out = run(host_cmd(&token)
        .env("CERTRENEW_PKCS11_MODULES", "/nonexistent/lib.so")
        .arg("diagnose"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAILED  /nonexistent/lib.so"), "{text}");
    assert!(text.contains("cannot list tokens"), "{text}");
}
