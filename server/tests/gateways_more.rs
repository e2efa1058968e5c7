//! Alipay end to end over real HTTP: the production Alipay provider talks to the
//! sandbox's Alipay emulator, which checks the application's RSA2 signatures, signs its
//! answers and sends signed `trade_status_sync` notices; the test plays the customer at the emulator's cashier and on the phone.
//! Every money rule holds: one ledger row however many notices, forged, altered or
//! re-signed notices refused, a wrong amount refused, a payment after close refunded
//! (with its refund notice), late and out-of-order notices.

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use reqwest::StatusCode;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{Value, json};
use sha2::Sha256;

const PRICE: i64 = 10_000;

async fn alipay_server() -> TestServer {
    TestServer::start().await
}

/// A renewal applied for, signed in: (client, business_no).
async fn applied(server: &TestServer, cn: &str) -> (reqwest::Client, String) {
    let user = server.user(cn, 30);
    let client = server.login(&user).await;
    let (status, body) = server.apply(&client, &user, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (client, body["business_no"].as_str().unwrap().to_owned())
}

/// Pays by Alipay and opens the cashier as the customer's browser would:
/// (out_trade_no, pay_url, cashier page).
async fn pay_alipay(
    server: &TestServer,
    client: &reqwest::Client,
    no: &str,
) -> (String, String, String) {
    let (status, body) = server
        .post_as(
            client,
            &format!("/api/v1/renewals/{no}/payments"),
            json!({"method": "alipay", "invoice": {"kind": "paper", "title": "测试医药有限公司"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let p = &body["payment"];
    let pay_url = p["pay_url"].as_str().unwrap().to_owned();
    assert!(
        pay_url.starts_with(&server.url("/sandbox/alipay/gateway.do?")),
        "{pay_url}"
    );
    let page = reqwest::get(&pay_url).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    (
        p["out_trade_no"].as_str().unwrap().to_owned(),
        pay_url,
        page,
    )
}

async fn buyer(server: &TestServer, out_trade_no: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({ "out_trade_no": out_trade_no });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    server.post("/sandbox/alipay/buyer/pay", body).await
}

async fn post_notice(
    server: &TestServer,
    params: &BTreeMap<String, String>,
) -> (StatusCode, String) {
    let r = server
        .client
        .post(server.url("/api/v1/payments/notify/alipay"))
        .form(params)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

fn all_success(answers: &Value) -> bool {
    answers.as_array().is_some_and(|a| {
        !a.is_empty()
            && a.iter()
                .all(|a| a["status"] == 200 && a["body"] == "success")
    })
}

async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn alipay_cashier_payment_and_parallel_repeated_notices_are_recorded_once() {
    let server = alipay_server().await;
    let (client, no) = applied(&server, "支一").await;
    let (out_trade_no, pay_url, page) = pay_alipay(&server, &client, &no).await;
    assert!(
        pay_url.contains("method=alipay.trade.page.pay"),
        "{pay_url}"
    );
    assert!(
        pay_url.contains("sign_type=RSA2") && pay_url.contains("&sign="),
        "{pay_url}"
    );
    assert!(
        page.contains(r#"<span id="amount">100.00</span>"#),
        "{page}"
    );
    assert_eq!(
        server.sql(&format!(
            "SELECT provider FROM payments WHERE out_trade_no = '{out_trade_no}'"
        )),
        "alipay"
    );
    // A tampered redirect (another amount, same signature) shows Alipay's refusal.
    let tampered = pay_url.replace("100.00", "0.01");
    assert_ne!(tampered, pay_url);
    let r = reqwest::get(&tampered).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("isv.invalid-signature"));

    let (status, body) = buyer(&server, &out_trade_no, json!({"copies": 30})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["answers"].as_array().unwrap().len(), 30);
    assert!(
        all_success(&body["answers"]),
        "every copy answered success: {body}"
    );
    assert_eq!(server.ledger_rows("charge"), 1, "one ledger row");
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE subject = '{no}' AND action = 'renewal.paid'"
        )),
        1
    );
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
    assert_eq!(
        server.sql(&format!(
            "SELECT gateway_trade_no FROM payments WHERE out_trade_no = '{out_trade_no}'"
        )),
        body["trade_no"].as_str().unwrap()
    );
    assert_eq!(
        server.emulator_order("alipay", &out_trade_no).await["trade_status"],
        "TRADE_SUCCESS"
    );
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn alipay_the_cashier_sends_the_customer_back_and_a_phone_gets_wap_pay() {
    let server = alipay_server().await;
    let (client, no) = applied(&server, "支二").await;
    let (out_trade_no, _, _) = pay_alipay(&server, &client, &no).await;
    // #pay at the cashier: paid, notified, and back to the order page with the signed
    // return parameters.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = browser
        .post(server.url(&format!("/sandbox/alipay/cashier/{out_trade_no}")))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&server.url(&format!("/renewals/{no}?from=gateway&"))),
        "{back}"
    );
    assert!(back.contains("method=alipay.trade.page.pay.return") && back.contains("sign="));
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
    assert_eq!(server.ledger_rows("charge"), 1);

    // On a phone the cashier is 手机网站支付.
    let (phone_client, other) = applied(&server, "支三").await;
    let (status, body) = {
        let r = phone_client
            .post(server.url(&format!("/api/v1/renewals/{other}/payments")))
            .header(
                "User-Agent",
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
            )
            .json(&json!({"method": "alipay", "invoice": {"kind": "paper", "title": "测试"}}))
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let url = body["payment"]["pay_url"].as_str().unwrap();
    assert!(url.contains("method=alipay.trade.wap.pay"), "{url}");
    assert!(url.contains("QUICK_WAP_WAY"), "{url}");
    let page = reqwest::get(url).await.unwrap().text().await.unwrap();
    assert!(
        page.contains(r#"data-method="alipay.trade.wap.pay""#),
        "{page}"
    );
}

#[tokio::test]
async fn alipay_forged_altered_and_re_signed_notices_are_refused() {
    let server = alipay_server().await;
    let (client, no) = applied(&server, "支四").await;
    let (out_trade_no, _, _) = pay_alipay(&server, &client, &no).await;
    let (status, body) = buyer(&server, &out_trade_no, json!({"hold": true})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["notice"].as_str().unwrap().to_owned();
    let (_, held) = server
        .get_as(&server.client, &format!("/sandbox/alipay/notices/{id}"))
        .await;
    let genuine: BTreeMap<String, String> = serde_json::from_value(held["params"].clone()).unwrap();
    assert_eq!(genuine["notify_type"], "trade_status_sync");

    let refused = |(status, text): (StatusCode, String)| {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        assert_eq!(text, "fail");
    };
    // Altered: another amount, the signature kept.
    let mut altered = genuine.clone();
    altered.insert("total_amount".into(), "1.00".into());
    refused(post_notice(&server, &altered).await);
    // Re-signed with a key that is not Alipay's.
    let forger = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let content = genuine
        .iter()
        .filter(|(k, v)| k.as_str() != "sign" && k.as_str() != "sign_type" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut resigned = genuine.clone();
    resigned.insert(
        "sign".into(),
        STANDARD.encode(
            SigningKey::<Sha256>::new(forger)
                .sign(content.as_bytes())
                .to_bytes(),
        ),
    );
    refused(post_notice(&server, &resigned).await);
    // The old RSA (SHA1) type named, or no signature at all.
    let mut rsa1 = genuine.clone();
    rsa1.insert("sign_type".into(), "RSA".into());
    refused(post_notice(&server, &rsa1).await);
    let mut unsigned = genuine.clone();
    unsigned.remove("sign");
    refused(post_notice(&server, &unsigned).await);
    assert_eq!(server.ledger_rows("charge"), 0, "nothing was recorded");
    assert_eq!(
        server.renewal(&client, &no).await["status"],
        "awaiting_payment"
    );

    // The genuine notice, replayed by anyone, is taken (it is Alipay's word).
    let (s, t) = post_notice(&server, &genuine).await;
    assert_eq!((s, t.as_str()), (StatusCode::OK, "success"));
    let (_, sent) = server
        .post(
            &format!("/sandbox/alipay/notices/{id}/send"),
            json!({"copies": 3}),
        )
        .await;
    assert!(all_success(&sent["answers"]), "{sent}");
    assert_eq!(server.ledger_rows("charge"), 1);
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
}

#[tokio::test]
async fn alipay_a_notice_with_another_amount_is_refused() {
    let server = alipay_server().await;
    let (client, no) = applied(&server, "支五").await;
    let (out_trade_no, _, _) = pay_alipay(&server, &client, &no).await;
    let (status, body) = buyer(&server, &out_trade_no, json!({"total_fen": PRICE - 1})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["answers"][0]["body"], "fail", "{body}");
    assert_eq!(server.ledger_rows("charge"), 0);
    assert_eq!(
        server.renewal(&client, &no).await["status"],
        "awaiting_payment"
    );
}

#[tokio::test]
async fn alipay_a_payment_after_close_is_refunded_with_its_refund_notice() {
    let server = alipay_server().await;
    let (client, no) = applied(&server, "支六").await;
    // An attempt never opened at the cashier: closing it finds no trade at Alipay.
    let (status, body) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/payments"),
            json!({"method": "alipay", "invoice": {"kind": "paper", "title": "测试医药有限公司"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (first, _, _) = pay_alipay(&server, &client, &no).await;
    let (second, _, _) = pay_alipay(&server, &client, &no).await;
    assert_ne!(first, second);
    assert_eq!(
        server.emulator_order("alipay", &first).await["trade_status"],
        "TRADE_CLOSED"
    );
    let (status, _) = buyer(&server, &first, json!({})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a closed trade cannot be paid"
    );
    // Both paid anyway (the first in flight when it was closed); notices held, then
    // delivered out of order: the closed attempt's first.
    let (_, b2) = buyer(&server, &second, json!({"hold": true})).await;
    let (_, b1) = buyer(&server, &first, json!({"hold": true, "after_close": true})).await;
    for b in [&b1, &b2] {
        let id = b["notice"].as_str().unwrap();
        let (_, sent) = server
            .post(
                &format!("/sandbox/alipay/notices/{id}/send"),
                json!({"copies": 2}),
            )
            .await;
        assert!(all_success(&sent["answers"]), "{sent}");
    }
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
    assert_eq!(
        server.ledger_rows("charge"),
        2,
        "both payments are recorded"
    );
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM ledger WHERE kind = 'refund' AND amount_fen = -{PRICE}"
        )),
        1
    );
    assert_eq!(
        server.sql(&format!(
            "SELECT out_trade_no FROM payments WHERE business_no = '{no}' AND status = 'refunded'"
        )),
        second,
        "the second's notice came last, so it is refunded"
    );
    let t = server.emulator_order("alipay", &second).await;
    assert_eq!(t["refunded"], PRICE);
    assert_eq!(t["trade_status"], "TRADE_CLOSED", "fully refunded");
    // The refund's notice comes back signed and is taken once.
    let refund_notice = t["notices"][1].as_str().unwrap().to_owned();
    let path = format!("/sandbox/alipay/notices/{refund_notice}");
    until("the refund notice", async || {
        let (_, n) = server.get_as(&server.client, &path).await;
        n["answers"].as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let (_, n) = server.get_as(&server.client, &path).await;
    assert!(all_success(&n["answers"]), "{n}");
    assert!(
        n["params"]["out_biz_no"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{n}"
    );
    let (_, again) = server
        .post(&format!("{path}/send"), json!({"copies": 3}))
        .await;
    assert!(all_success(&again["answers"]), "{again}");
    assert_eq!(
        server.ledger_rows("refund"),
        1,
        "one refund row however often"
    );
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn alipay_the_emulator_refuses_unsigned_calls() {
    let server = alipay_server().await;
    let r = server
        .client
        .post(server.url("/sandbox/alipay/gateway.do"))
        .form(&[
            ("app_id", "2014072300007148"),
            ("method", "alipay.trade.query"),
            ("sign_type", "RSA2"),
            ("biz_content", r#"{"out_trade_no":"x"}"#),
        ])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["alipay_trade_query_response"]["sub_code"], "isv.invalid-signature",
        "{v}"
    );
}
