//! A server on a public (non-development) origin has no sandbox at all: none of its
//! routes is mounted, neither the emulated gateways' (WeChat Pay, Alipay, UnionPay:
//! their merchant APIs, cashiers and test controls) nor the bank's and the liveness
//! page; every `/sandbox/…` path is a plain 404 (also with the web app served, whose
//! fallback would otherwise answer with a page), and no notify URL takes a notice for
//! a gateway it has not configured. (That a public origin refuses to start with the
//! sandbox on is `auth_hardening`'s.)

mod common;

use common::TestServer;
use reqwest::StatusCode;

/// What a public server needs to start: senders, and projects taking bank transfers
/// only (no online gateway is configured).
fn public_config(dir: &std::path::Path) -> std::path::PathBuf {
    #[derive(serde::Serialize)]
    struct Settings {
        projects: Vec<server::projects::Project>,
    }
    let mut projects = server::projects::samples();
    for p in &mut projects {
        p.payment_methods.retain(|m| m == "bank_transfer");
    }
    let senders = "[notify]\nsms_webhook = \"https://sms.example/send\"\n[notify.smtp]\nhost = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\nfrom = \"ca@example.com\"\n";
    let path = dir.join("certrenew.toml");
    let projects = toml::to_string(&Settings { projects }).unwrap();
    std::fs::write(&path, format!("{senders}{projects}")).unwrap();
    path
}

#[tokio::test]
async fn a_public_server_answers_404_on_every_sandbox_route() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    let config = public_config(dist.path());
    let server = TestServer::stopped(&[
        ("CERTRENEW_DIST_DIR", dist.path().to_str().unwrap()),
        ("CERTRENEW_PUBLIC_ORIGIN", "https://ca.example.com"),
        ("CERTRENEW_CONFIG", config.to_str().unwrap()),
    ]);
    let (ok, _, err) = server.cli(&["ca", "init", "--name", "Test Production CA"]);
    assert!(ok, "{err}");
    server.spawn().await;
    let order = "01202501020000003P1";
    let pages = [
        format!("/sandbox/alipay/gateway.do?method=alipay.trade.page.pay&out_trade_no={order}"),
        format!("/sandbox/alipay/orders/{order}"),
        "/sandbox/alipay/bill/download?token=x".to_owned(),
        format!("/sandbox/wechatpay/v3/pay/transactions/out-trade-no/{order}?mchid=1"),
        format!("/sandbox/wechatpay/orders/{order}"),
        "/sandbox/wechatpay/phone".to_owned(),
        "/sandbox/wechatpay/v3/bill/tradebill?bill_date=2025-01-01".to_owned(),
        format!("/sandbox/unionpay/orders/{order}"),
        "/sandbox/bank/transfers".to_owned(),
        "/sandbox/bank/transfers?account_no=6222020200000000".to_owned(),
        "/sandbox/liveness/01202501020000003".to_owned(),
        "/sandbox/anything".to_owned(),
    ];
    for path in &pages {
        let r = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "GET {path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("<title>app</title>"), "GET {path}: {body}");
    }
    for path in [
        "/sandbox/alipay/gateway.do".to_owned(),
        format!("/sandbox/alipay/cashier/{order}"),
        format!("/sandbox/alipay/cashier/{order}/timeout"),
        "/sandbox/alipay/buyer/pay".to_owned(),
        "/sandbox/alipay/buyer/timeout".to_owned(),
        "/sandbox/wechatpay/v3/pay/transactions/native".to_owned(),
        "/sandbox/wechatpay/v3/refund/domestic/refunds".to_owned(),
        "/sandbox/wechatpay/phone".to_owned(),
        "/sandbox/wechatpay/phone/pay".to_owned(),
        "/sandbox/unionpay/gateway/api/frontTransReq.do".to_owned(),
        "/sandbox/unionpay/gateway/api/queryTrans.do".to_owned(),
        "/sandbox/unionpay/gateway/api/backTransReq.do".to_owned(),
        format!("/sandbox/unionpay/cashier/{order}"),
        "/sandbox/unionpay/buyer/pay".to_owned(),
    ] {
        let r = server
            .client
            .post(server.url(&path))
            .json(&serde_json::json!({ "out_trade_no": order, "orderId": order }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
    }
    // No gateway is configured: no notify URL takes a notice.
    for gateway in ["alipay", "unionpay", "sandbox"] {
        let r = server
            .client
            .post(server.url(&format!("/api/v1/payments/notify/{gateway}")))
            .form(&[("out_trade_no", order)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{gateway}");
        assert_eq!(r.text().await.unwrap(), "fail");
    }
    let r = server
        .client
        .post(server.url("/api/v1/payments/notify/wechatpay"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Nor is there a UnionPay pay page to post a consumption form from.
    let r = server
        .client
        .get(server.url("/api/v1/payments/unionpay/pay?orderId=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
