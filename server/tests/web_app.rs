//! The built web app as the server serves it: files from the dist folder, `index.html`
//! for the app's routes (a reload on `/renewals/…` must not be a 404), a bundle's own
//! `index.html` for the routes under its folder, and the `.gz`
//! sibling made at build time for browsers that accept gzip.

mod common;

use common::*;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};

const INDEX: &str = "<!doctype html><title>certrenew app</title>";
const ADMIN_INDEX: &str = "<!doctype html><title>certrenew console</title>";
const WASM: &[u8] = b"\0asm\x01\0\0\0 the app";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .args(["-9", "-c", "-n"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip runs");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    child.wait_with_output().unwrap().stdout
}

/// The server and the dist folder (removed when the test ends).
async fn server_with_app() -> (TestServer, Vec<u8>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path();
    std::fs::write(dist.join("index.html"), INDEX).unwrap();
    std::fs::create_dir(dist.join("admin")).unwrap();
    std::fs::create_dir(dist.join("downloads")).unwrap();
    std::fs::write(
        dist.join("downloads").join("certrenew-host-linux-x86_64"),
        WASM,
    )
    .unwrap();
    std::fs::write(dist.join("admin").join("index.html"), ADMIN_INDEX).unwrap();
    std::fs::write(dist.join("app-1a2b.wasm"), WASM).unwrap();
    let gz = gzip(WASM);
    std::fs::write(dist.join("app-1a2b.wasm.gz"), &gz).unwrap();
    let server = TestServer::start_with(&[("CERTRENEW_DIST_DIR", dist.to_str().unwrap())]).await;
    (server, gz, dir)
}

#[tokio::test]
async fn the_app_s_routes_get_index_html_and_the_api_still_answers() {
    let (server, _, _dist) = server_with_app().await;
    for path in ["/", "/renewals/01202611220000001", "/setup"] {
        let r = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.text().await.unwrap(), INDEX, "{path}");
    }
    // A bundle built into its own folder serves its routes (the console's code is not
    // in the customer's download).
    for path in ["/admin", "/admin/renewals/01202611220000001"] {
        let r = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.url().path(), path, "no redirect");
        assert_eq!(r.text().await.unwrap(), ADMIN_INDEX, "{path}");
    }
    // A download that was not built is a 404, not the app's page saved as the host.
    let missing = server
        .client
        .get(server.url("/downloads/certrenew-host-macos"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let present = server
        .client
        .get(server.url("/downloads/certrenew-host-linux-x86_64"))
        .send()
        .await
        .unwrap();
    assert_eq!(present.status(), StatusCode::OK);
    assert_eq!(present.bytes().await.unwrap().as_ref(), WASM);
    // The setup page links what is offered, with the checksum to compare.
    let offered: serde_json::Value = server
        .client
        .get(server.url("/api/v1/downloads"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        offered,
        serde_json::json!([{
            "os": "linux",
            "file": "certrenew-host-linux-x86_64",
            "size": WASM.len(),
            "sha256": sha256_hex(WASM),
        }])
    );
    let projects = server
        .client
        .get(server.url("/api/v1/projects"))
        .send()
        .await
        .unwrap();
    assert_eq!(projects.status(), StatusCode::OK);
    assert!(projects.text().await.unwrap().starts_with('['));
}

#[tokio::test]
async fn the_wasm_is_sent_gzipped_to_browsers_that_accept_it_and_plain_to_others() {
    let (server, gz, _dist) = server_with_app().await;
    let zipped = server
        .client
        .get(server.url("/app-1a2b.wasm"))
        .header(ACCEPT_ENCODING, "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.status(), StatusCode::OK);
    assert_eq!(zipped.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(zipped.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(zipped.bytes().await.unwrap().as_ref(), gz.as_slice());

    let plain = server
        .client
        .get(server.url("/app-1a2b.wasm"))
        .header(ACCEPT_ENCODING, "identity")
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(plain.bytes().await.unwrap().as_ref(), WASM);
}

/// A bundle nested in another's folder (`dist/admin/renewals/`, `dist/admin/expired/`,
/// `dist/admin/reconciliation/`, `dist/expired/_/` for `/expired/{no}` (and in it
/// `dist/expired/_/details/`, `dist/expired/_/form/` for `/expired/{no}/details`, `/form`),
/// `dist/renewals/_/pay/` for `/renewals/{no}/pay`, `dist/renewals/_/paying/` for
/// `/renewals/{no}/paying`): its routes get
/// its `index.html`, its files are served from its folder (gzipped when asked for)
/// under the same Content-Security-Policy; the parent's route keeps the parent's.
#[tokio::test]
async fn a_nested_bundle_serves_its_routes_and_its_files() {
    let (server, _, dist) = server_with_app().await;
    let nested = [
        ("admin/renewals", "/admin/renewals/01202611220000001"),
        ("admin/expired", "/admin/expired"),
        ("admin/reconciliation", "/admin/reconciliation"),
        (
            "admin/renewals/_/finance",
            "/admin/renewals/01202611220000001/finance",
        ),
        (
            "admin/renewals/_/certificate",
            "/admin/renewals/01202611220000001/certificate",
        ),
        (
            "admin/renewals/_/history",
            "/admin/renewals/01202611220000001/history",
        ),
        (
            "admin/renewals/_/expired",
            "/admin/renewals/01202611220000001/expired",
        ),
        ("expired/_", "/expired/E20261122000001"),
        ("expired/_/details", "/expired/E20261122000001/details"),
        ("expired/_/form", "/expired/E20261122000001/form"),
        ("renewals/_/pay", "/renewals/01202611220000001/pay"),
        ("renewals/_/paying", "/renewals/01202611220000001/paying"),
        ("renewals/_/install", "/renewals/01202611220000001/install"),
    ];
    for (folder, _) in nested {
        let dir = dist.path().join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), folder).unwrap();
        std::fs::write(dir.join("b-1a2b_bg.wasm"), WASM).unwrap();
        std::fs::write(dir.join("b-1a2b_bg.wasm.gz"), gzip(WASM)).unwrap();
        std::fs::write(dir.join("boot-1a2b.js"), "import '/certrenew-page.js';").unwrap();
    }
    std::fs::write(dist.path().join("expired").join("index.html"), "expired").unwrap();
    std::fs::write(dist.path().join("renewals").join("index.html"), "renewals").unwrap();
    for (path, page) in [
        ("/admin/renewals/01202611220000001", "admin/renewals"),
        // A renewal's other pages (`dist/admin/renewals/_/<page>/`).
        (
            "/admin/renewals/01202611220000001/finance",
            "admin/renewals/_/finance",
        ),
        (
            "/admin/renewals/01202611220000001/certificate/",
            "admin/renewals/_/certificate",
        ),
        (
            "/admin/renewals/01202611220000001/history",
            "admin/renewals/_/history",
        ),
        (
            "/admin/renewals/01202611220000001/expired",
            "admin/renewals/_/expired",
        ),
        ("/admin/renewals/01202611220000001/x", "admin/renewals"),
        ("/expired/E20261122000001", "expired/_"),
        ("/expired/E20261122000001/", "expired/_"),
        ("/expired/E20261122000001/details", "expired/_/details"),
        ("/expired/E20261122000001/details/", "expired/_/details"),
        ("/expired/E20261122000001/form", "expired/_/form"),
        ("/expired/E20261122000001/form?x=1", "expired/_/form"),
        ("/expired/E20261122000001/other", "expired/_"),
        ("/expired", "expired"),
        ("/admin/expired", "admin/expired"),
        ("/admin/expired/", "admin/expired"),
        ("/admin/expired?status=started&q=138", "admin/expired"),
        ("/admin/reconciliation", "admin/reconciliation"),
        ("/admin", ADMIN_INDEX),
        ("/admin/", ADMIN_INDEX),
        ("/expired/E2026%2F1", "expired"),
        // The order's overview keeps its own page; a gateway's return keeps its query.
        ("/renewals/01202611220000001", "renewals"),
        ("/renewals/01202611220000001?from=gateway", "renewals"),
        ("/renewals/01202611220000001/pay", "renewals/_/pay"),
        (
            "/renewals/01202611220000001/pay?from=gateway",
            "renewals/_/pay",
        ),
        ("/renewals/01202611220000001/install", "renewals/_/install"),
        ("/renewals/01202611220000001/install/", "renewals/_/install"),
        ("/renewals/01202611220000001/paying", "renewals/_/paying"),
        (
            "/renewals/01202611220000001/paying?from=gateway",
            "renewals/_/paying",
        ),
        ("/renewals/01202611220000001/pay?again", "renewals/_/pay"),
    ] {
        let r = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.text().await.unwrap(), page, "{path}");
    }
    for (folder, _) in nested {
        let wasm = format!("/{folder}/b-1a2b_bg.wasm");
        let r = server
            .client
            .get(server.url(&wasm))
            .header(ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{wasm}");
        assert_eq!(r.headers()[CONTENT_ENCODING], "gzip", "{wasm}");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/wasm", "{wasm}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), gzip(WASM).as_slice());
        let boot = format!("/{folder}/boot-1a2b.js");
        let r = server.client.get(server.url(&boot)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{boot}");
        let kind = r.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
        assert!(kind.starts_with("text/javascript"), "{boot}: {kind}");
    }
}
