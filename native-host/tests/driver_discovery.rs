//! A token driver installed at a path of the built-in vendor list
//! (`data/pkcs11-modules.toml`) is found and used with no configuration at all: no
//! `modules` in host.toml, no `CERTRENEW_PKCS11_MODULES`. A temporary folder stands in
//! for the system's (`CERTRENEW_MODULE_SEARCH_ROOT`, the tests' switch), holding
//! SoftHSM's real library under Watchdata's documented Linux file name.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{Value, json};

/// Watchdata's first Linux path in the data file.
const WATCHDATA_PATH: &str = "usr/lib/libwdpkcs.so";

/// A token with one certificate, an empty host.toml (nothing configured) and a
/// search root; with `install_driver`, SoftHSM's library at Watchdata's path in it.
fn setup(install_driver: bool) -> (TestToken, PathBuf) {
    let token = TestToken::new();
    let ca = TestCa::new();
    token.add_certificate(
        &ca,
        "01",
        "李四",
        "/C=CN/O=测试医药有限公司/CN=李四",
        "EC:prime256v1",
        30,
    );
    std::fs::write(token.path("host.toml"), "").unwrap();
    let root = token.path("root");
    std::fs::create_dir_all(&root).unwrap();
    if install_driver {
        let lib = root.join(WATCHDATA_PATH);
        std::fs::create_dir_all(lib.parent().unwrap()).unwrap();
        std::fs::copy(MODULE, &lib).unwrap();
    }
    (token, root)
}

fn env(root: &Path) -> [(&'static str, String); 2] {
    [
        // Set but empty: no module given through the environment.
        ("CERTRENEW_PKCS11_MODULES", String::new()),
        (
            "CERTRENEW_MODULE_SEARCH_ROOT",
            root.to_str().unwrap().to_owned(),
        ),
    ]
}

fn spawn(token: &TestToken, root: &Path) -> Host {
    let env = env(root);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Host::spawn(token, &caller(), &pairs)
}

fn diagnose(token: &TestToken, root: &Path) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certrenew-host"));
    cmd.args(["diagnose", "--json"])
        .env("SOFTHSM2_CONF", &token.conf)
        .env("CERTRENEW_HOST_CONFIG", token.path("host.toml"));
    for (k, v) in env(root) {
        cmd.env(k, v);
    }
    serde_json::from_slice(&run(&mut cmd).stdout).unwrap()
}

#[test]
fn a_driver_at_a_vendor_path_is_found_and_used_without_configuration() {
    let (token, root) = setup(true);
    let lib = root.join(WATCHDATA_PATH);

    let mut host = spawn(&token, &root);
    let hello = host.ok("hello", json!({}));
    let modules = hello["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 1, "{hello}");
    assert_eq!(modules[0]["path"], json!(lib.to_str().unwrap()));
    assert_eq!(modules[0]["loaded"], json!(true), "{hello}");
    assert!(
        modules[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("SoftHSM")),
        "{hello}"
    );

    // The token behind it is listed, with its certificate.
    let list = host.ok("list_certificates", json!({}));
    let tokens = list["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1, "{list}");
    assert_eq!(tokens[0]["token"]["serial"], json!(token.serial()));
    assert_eq!(tokens[0]["token"]["module"], json!(lib.to_str().unwrap()));
    assert_eq!(
        tokens[0]["certificates"][0]["subject"],
        json!("CN=李四,O=测试医药有限公司,C=CN")
    );
    host.finish();

    let report = diagnose(&token, &root);
    let drivers = report["drivers"].as_array().unwrap();
    let by_id = |id: &str| drivers.iter().find(|d| d["id"] == id).unwrap().clone();
    assert_eq!(by_id("watchdata")["found"], json!(lib.to_str().unwrap()));
    // Expected but missing: looked for, under the same root, and not found.
    let feitian = by_id("feitian-epass3003");
    assert_eq!(feitian["found"], Value::Null);
    let looked: Vec<&str> = feitian["looked_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(!looked.is_empty());
    assert!(looked.iter().all(|p| p.starts_with(root.to_str().unwrap())));
    // No documented file: reported as such (empty looked_in).
    assert_eq!(by_id("haitai")["looked_in"], json!([]));
    assert_eq!(
        report["tokens"][0]["token"]["serial"],
        json!(token.serial())
    );
}

#[test]
fn without_the_driver_no_module_is_loaded_and_diagnose_says_what_is_missing() {
    let (token, root) = setup(false);
    let mut host = spawn(&token, &root);
    let hello = host.ok("hello", json!({}));
    assert_eq!(hello["modules"], json!([]));
    assert_eq!(host.err("list_certificates", json!({})), "NO_MODULE");
    host.finish();

    let report = diagnose(&token, &root);
    let watchdata = report["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "watchdata")
        .unwrap()
        .clone();
    assert_eq!(watchdata["found"], Value::Null);
    assert_eq!(
        watchdata["looked_in"][0],
        json!(root.join(WATCHDATA_PATH).to_str().unwrap())
    );
}
