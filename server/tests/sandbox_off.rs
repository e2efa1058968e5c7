//! A server without the sandbox has no sandbox at all: none of its routes is mounted,
//! every `/sandbox/…` path is a plain 404 (also with the web app served, whose
//! fallback would otherwise answer with a page), and the outside parties it would have
//! stood in for refuse instead of pretending (online payment, the bank transfer, the
//! liveness check).

mod common;

use common::TestServer;
use reqwest::StatusCode;

#[tokio::test]
async fn a_server_without_the_sandbox_answers_404_on_every_sandbox_route() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    let server = TestServer::start_with(&[
        ("CERTRENEW_DIST_DIR", dist.path().to_str().unwrap()),
        ("CERTRENEW_SANDBOX", "0"),
    ])
    .await;
    let pages = [
        "/sandbox/gateway/pay/01202501020000003P1",
        "/sandbox/bank/transfers",
        "/sandbox/bank/transfers?account_no=6222020200000000",
        "/sandbox/liveness/01202501020000003",
        "/sandbox/anything",
    ];
    for path in pages {
        let r = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "GET {path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("<title>app</title>"), "GET {path}: {body}");
    }
    for path in [
        "/sandbox/gateway/pay/01202501020000003P1",
        "/sandbox/gateway/01202501020000003P1/complete",
    ] {
        let r = server
            .client
            .post(server.url(path))
            .json(&serde_json::json!({ "outcome": "paid" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
    }
    // The notify URL of the sandbox gateway is not one this server takes.
    let r = server
        .client
        .post(server.url("/api/v1/payments/notify/sandbox"))
        .form(&[("out_trade_no", "01202501020000003P1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.text().await.unwrap(), "fail");
}
