//! The release rules for which extension may start the host, exercised on the debug
//! binary with `CERTRENEW_ENFORCE_RELEASE_POLICY=1` (which makes it apply them): the
//! development extension, whose signing key is in the repository, is refused unless
//! development use is switched on, and a configured production id is served.

mod common;

use common::*;
use serde_json::json;

const PRODUCTION: &str = "abcdefghijklmnopabcdefghijklmnop";
const ENFORCE: (&str, &str) = ("CERTRENEW_ENFORCE_RELEASE_POLICY", "1");

fn hello() -> Vec<u8> {
    serde_json::to_vec(&json!({"v":1,"id":"h","origin":ORIGIN,"cmd":"hello"})).unwrap()
}

fn with_config(token: &TestToken, text: &str) {
    std::fs::write(token.path("host.toml"), text).unwrap();
}

#[test]
fn a_release_policy_host_refuses_the_development_extension_and_says_what_to_set() {
    let token = TestToken::new();
    with_config(&token, "modules = []\n");
    let mut host = Host::spawn(&token, &caller(), &[ENFORCE]);
    host.send_frame(&hello());
    let answer = host.read_answer().expect("a refusal");
    assert_eq!(answer["ok"], json!(false), "{answer}");
    assert_eq!(answer["id"], json!("h"));
    assert_eq!(answer["error"]["code"], json!("ORIGIN_REFUSED"));
    let message = answer["error"]["message"].as_str().unwrap();
    for needed in [
        "CERTRENEW_EXTENSION_ID",
        "allowed_extensions",
        "allow_development_extension = true",
        "CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION=1",
    ] {
        assert!(message.contains(needed), "{needed} in {message}");
    }
    assert!(
        message.contains(token.path("host.toml").to_str().unwrap()),
        "names the file to edit: {message}"
    );
    assert!(!host.wait().success(), "the host exits non-zero");
}

#[test]
fn the_development_switch_lets_the_development_extension_in() {
    let token = TestToken::new();
    with_config(&token, "modules = []\nallow_development_extension = true\n");
    let mut host = Host::spawn(&token, &caller(), &[ENFORCE]);
    host.ok("hello", json!({}));

    let token = TestToken::new();
    with_config(&token, "modules = []\n");
    let mut host = Host::spawn(
        &token,
        &caller(),
        &[ENFORCE, ("CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION", "1")],
    );
    host.ok("hello", json!({}));
}

#[test]
fn a_configured_production_id_is_served_and_the_development_one_is_not() {
    let token = TestToken::new();
    with_config(
        &token,
        &format!(
            "modules = []\nallowed_extensions = [\"{PRODUCTION}\", \"{}\"]\n",
            DEV_EXTENSION.trim()
        ),
    );
    let production = format!("chrome-extension://{PRODUCTION}/");
    let mut host = Host::spawn(&token, &production, &[ENFORCE]);
    host.ok("hello", json!({}));

    let mut host = Host::spawn(&token, &caller(), &[ENFORCE]);
    host.send_frame(&hello());
    let answer = host.read_answer().expect("a refusal");
    assert_eq!(answer["error"]["code"], json!("ORIGIN_REFUSED"), "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("served only by debug builds")
            && message.contains("allow_development_extension = true"),
        "{message}"
    );
}

#[test]
fn a_debug_build_still_serves_the_development_extension() {
    let token = TestToken::new();
    let mut host = token.host();
    host.ok("hello", json!({}));
}

#[test]
fn diagnose_says_why_a_release_host_would_refuse() {
    let token = TestToken::new();
    with_config(&token, "modules = []\n");
    let out = run(
        std::process::Command::new(env!("CARGO_BIN_EXE_certrenew-host"))
            .args(["diagnose", "--json"])
            .env("SOFTHSM2_CONF", &token.conf)
            .env("CERTRENEW_PKCS11_MODULES", MODULE)
            .env("CERTRENEW_HOST_CONFIG", token.path("host.toml"))
            .env(ENFORCE.0, ENFORCE.1),
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let error = report["extensions_error"].as_str().unwrap_or_default();
    assert!(error.contains("CERTRENEW_EXTENSION_ID"), "{report}");
    assert_eq!(report["allowed_extensions"], json!([]));
}
