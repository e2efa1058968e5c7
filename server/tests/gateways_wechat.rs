//! WeChat Pay (API v3, Native) end to end over real HTTP: the production provider
//! talks to the sandbox's WeChat Pay emulator, which checks its signatures, signs its
//! answers and sends signed, encrypted notices; the test plays the customer's phone.
//! Every money rule holds: one ledger row however many notices, forged or re-signed
//! notices refused, a wrong amount refused, a payment after close refunded (with its
//! refund notice), re-paying settles first, late and out-of-order notices.

mod common;

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

/// A renewal applied for, signed in: (client, business_no).
async fn applied(server: &TestServer, cn: &str) -> (reqwest::Client, String) {
    let user = server.user(cn, 30);
    let client = server.login(&user).await;
    let (status, body) = server.apply(&client, &user, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (client, body["business_no"].as_str().unwrap().to_owned())
}

/// Pays by WeChat: (out_trade_no, code_url).
async fn pay_wechat(server: &TestServer, client: &reqwest::Client, no: &str) -> (String, String) {
    let (status, body) = server
        .post_as(
            client,
            &format!("/api/v1/renewals/{no}/payments"),
            json!({"method": "wechat", "invoice": {"kind": "paper", "title": "测试医药有限公司"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let p = &body["payment"];
    let code_url = p["pay_url"].as_str().unwrap().to_owned();
    assert!(
        code_url.starts_with("weixin://wxpay/bizpayurl?pr="),
        "{code_url}"
    );
    (p["out_trade_no"].as_str().unwrap().to_owned(), code_url)
}

/// The phone scans `code_url` and pays.
async fn phone(server: &TestServer, code_url: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({ "code_url": code_url });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    server.post("/sandbox/wechatpay/phone/pay", body).await
}

/// Posts a notice as WeChat Pay would: JSON body and `Wechatpay-*` headers.
async fn post_notice(server: &TestServer, headers: &Value, body: &str) -> (StatusCode, String) {
    let mut req = server
        .client
        .post(server.url("/api/v1/payments/notify/wechatpay"))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    for (k, v) in headers.as_object().unwrap() {
        req = req.header(k.as_str(), v.as_str().unwrap());
    }
    let r = req.send().await.unwrap();
    (r.status(), r.text().await.unwrap())
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
async fn a_qr_payment_with_parallel_repeated_notices_is_recorded_once() {
    let server = TestServer::start().await;
    let (client, no) = applied(&server, "微一").await;
    let (out_trade_no, code_url) = pay_wechat(&server, &client, &no).await;
    assert_eq!(
        server.sql(&format!(
            "SELECT provider FROM payments WHERE out_trade_no = '{out_trade_no}'"
        )),
        "wechatpay"
    );
    // The gateway has the order with the amount and our notify URL.
    let order = server.emulator_order("wechatpay", &out_trade_no).await;
    assert_eq!(order["transaction"]["trade_state"], "NOTPAY");
    assert_eq!(order["transaction"]["amount"]["total"], PRICE);

    let (status, body) = phone(&server, &code_url, json!({"copies": 30})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answers = body["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 30);
    assert!(
        answers
            .iter()
            .all(|a| a["status"] == 204 && a["body"] == ""),
        "every copy is acknowledged with 204 and no body: {answers:?}"
    );
    assert_eq!(server.ledger_rows("charge"), 1, "one ledger row");
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE subject = '{no}' AND action = 'renewal.paid'"
        )),
        1
    );
    let renewal = server.renewal(&client, &no).await;
    assert_eq!(renewal["status"], "in_review");
    assert_eq!(
        server.sql(&format!(
            "SELECT gateway_trade_no FROM payments WHERE out_trade_no = '{out_trade_no}'"
        )),
        body["transaction_id"].as_str().unwrap(),
        "the gateway's transaction_id is kept"
    );
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn forged_altered_and_re_signed_notices_are_refused() {
    let server = TestServer::start().await;
    let (client, no) = applied(&server, "微二").await;
    let (_, code_url) = pay_wechat(&server, &client, &no).await;
    let (status, body) = phone(&server, &code_url, json!({"hold": true})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["notice"].as_str().unwrap().to_owned();
    let (_, held) = server
        .get_as(&server.client, &format!("/sandbox/wechatpay/notices/{id}"))
        .await;
    let headers = held["headers"].clone();
    let genuine = held["body"].as_str().unwrap().to_owned();

    let refused = |status: StatusCode, text: &str| {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["code"], "FAIL", "{text}");
    };
    // The body altered (another order number, same signature).
    let mut altered: Value = serde_json::from_str(&genuine).unwrap();
    altered["id"] = json!("EV-forged");
    let (s, t) = post_notice(&server, &headers, &altered.to_string()).await;
    refused(s, &t);
    // Re-signed with a key that is not WeChat Pay's, naming its key id.
    let forger = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let ts = headers["Wechatpay-Timestamp"].as_str().unwrap();
    let nonce = headers["Wechatpay-Nonce"].as_str().unwrap();
    let message = format!("{ts}\n{nonce}\n{genuine}\n");
    let signature = STANDARD.encode(
        SigningKey::<Sha256>::new(forger)
            .sign(message.as_bytes())
            .to_bytes(),
    );
    let mut resigned = headers.clone();
    resigned["Wechatpay-Signature"] = json!(signature);
    let (s, t) = post_notice(&server, &resigned, &genuine).await;
    refused(s, &t);
    // Another key id named.
    let mut serial = headers.clone();
    serial["Wechatpay-Serial"] = json!("PUB_KEY_ID_0000000000000000000000");
    let (s, t) = post_notice(&server, &serial, &genuine).await;
    refused(s, &t);
    // No signature at all.
    let (s, t) = post_notice(&server, &json!({}), &genuine).await;
    refused(s, &t);
    // Not the JSON notice endpoint's business: a form to the generic notify URL.
    let r = server
        .client
        .post(server.url("/api/v1/payments/notify/wechatpay"))
        .form(&[("out_trade_no", "x"), ("trade_status", "TRADE_SUCCESS")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(server.ledger_rows("charge"), 0, "nothing was recorded");
    assert_eq!(
        server.renewal(&client, &no).await["status"],
        "awaiting_payment"
    );

    // The genuine notice, replayed by anyone, is taken (it is WeChat Pay's word).
    let (s, t) = post_notice(&server, &headers, &genuine).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{t}");
    let (_, sent) = server
        .post(
            &format!("/sandbox/wechatpay/notices/{id}/send"),
            json!({"copies": 3}),
        )
        .await;
    assert!(
        sent["answers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == 204),
        "{sent}"
    );
    assert_eq!(server.ledger_rows("charge"), 1);
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
}

#[tokio::test]
async fn a_notice_with_another_amount_is_refused_and_the_phone_page_pays() {
    let server = TestServer::start().await;
    let (client, no) = applied(&server, "微三").await;
    let (_, code_url) = pay_wechat(&server, &client, &no).await;
    let (status, body) = phone(&server, &code_url, json!({"total": PRICE - 1})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer = &body["answers"][0];
    assert_eq!(answer["status"], 400, "{body}");
    assert!(answer["body"].as_str().unwrap().contains("FAIL"), "{body}");
    assert_eq!(server.ledger_rows("charge"), 0);
    assert_eq!(
        server.renewal(&client, &no).await["status"],
        "awaiting_payment"
    );

    // A person in development pays on the emulated phone page instead of scanning.
    let (client, no) = applied(&server, "微三乙").await;
    let (out_trade_no, code_url) = pay_wechat(&server, &client, &no).await;
    let page = server
        .client
        .get(server.url("/sandbox/wechatpay/phone"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains(&format!("data-order=\"{out_trade_no}\"")) && page.contains("¥100.00"),
        "{page}"
    );
    let r = server
        .client
        .post(server.url("/sandbox/wechatpay/phone"))
        .form(&[("code_url", code_url.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("id=\"paid\""));
    assert_eq!(server.ledger_rows("charge"), 1);
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
    let page = server
        .client
        .get(server.url("/sandbox/wechatpay/phone"))
        .send()
        .await
        .unwrap();
    assert!(
        !page.text().await.unwrap().contains(&out_trade_no),
        "paid: off the list"
    );
}

#[tokio::test]
async fn repaying_settles_first_and_a_late_notice_changes_nothing() {
    let server = TestServer::start().await;
    let (client, no) = applied(&server, "微四").await;
    let (_, code_url) = pay_wechat(&server, &client, &no).await;
    // Paid on the phone, the notice held back (late).
    let (_, body) = phone(&server, &code_url, json!({"hold": true})).await;
    let id = body["notice"].as_str().unwrap().to_owned();
    // Paying again asks WeChat Pay first: it was paid, nothing new is opened.
    let (status, body) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/payments"),
            json!({"method": "wechat", "invoice": {"kind": "paper", "title": "测试医药有限公司"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["already_paid"], true);
    assert_eq!(body["renewal"]["status"], "in_review");
    // The late notice arrives: acknowledged, nothing changes.
    let (_, sent) = server
        .post(&format!("/sandbox/wechatpay/notices/{id}/send"), json!({}))
        .await;
    assert_eq!(sent["answers"][0]["status"], 204, "{sent}");
    assert_eq!(server.ledger_rows("charge"), 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM payments"), 1);
}

#[tokio::test]
async fn a_payment_after_close_is_refunded_with_its_refund_notice_and_out_of_order_notices_keep_one_charge()
 {
    let server = TestServer::start().await;
    let (client, no) = applied(&server, "微五").await;
    let (first, first_code) = pay_wechat(&server, &client, &no).await;
    let (second, second_code) = pay_wechat(&server, &client, &no).await;
    assert_ne!(first, second);
    // The first was closed at WeChat Pay before the second was opened.
    assert_eq!(
        server.emulator_order("wechatpay", &first).await["transaction"]["trade_state"],
        "CLOSED"
    );
    let (status, _) = phone(&server, &first_code, json!({})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a closed order cannot be paid"
    );
    // Both paid anyway (the first in flight when it was closed); their notices held,
    // then delivered out of order: the closed attempt's first.
    let (_, b2) = phone(&server, &second_code, json!({"hold": true})).await;
    let (_, b1) = phone(
        &server,
        &first_code,
        json!({"hold": true, "after_close": true}),
    )
    .await;
    for b in [&b1, &b2] {
        let id = b["notice"].as_str().unwrap();
        let (_, sent) = server
            .post(
                &format!("/sandbox/wechatpay/notices/{id}/send"),
                json!({"copies": 2}),
            )
            .await;
        assert!(
            sent["answers"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["status"] == 204),
            "{sent}"
        );
    }
    let renewal = server.renewal(&client, &no).await;
    assert_eq!(renewal["status"], "in_review");
    assert_eq!(
        server.ledger_rows("charge"),
        2,
        "both payments are recorded"
    );
    // The one whose notice came second is refunded at WeChat Pay.
    assert_eq!(server.ledger_rows("refund"), 1);
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM ledger WHERE kind = 'refund' AND amount_fen = -{PRICE}"
        )),
        1
    );
    let refunded = server.sql(&format!(
        "SELECT out_trade_no FROM payments WHERE business_no = '{no}' AND status = 'refunded'"
    ));
    assert_eq!(
        refunded, second,
        "the second's notice came last, so it is refunded"
    );
    let order = server.emulator_order("wechatpay", &refunded).await;
    assert_eq!(order["transaction"]["trade_state"], "REFUND");
    assert_eq!(order["refunded"], PRICE);
    // The refund notice comes back signed and encrypted, and is taken once.
    let refund_notice = order["notices"][1].as_str().unwrap().to_owned();
    until("the refund notice", async || {
        let (_, n) = server
            .get_as(
                &server.client,
                &format!("/sandbox/wechatpay/notices/{refund_notice}"),
            )
            .await;
        n["answers"].as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let (_, n) = server
        .get_as(
            &server.client,
            &format!("/sandbox/wechatpay/notices/{refund_notice}"),
        )
        .await;
    assert_eq!(n["answers"][0]["status"], 204, "{n}");
    let (_, again) = server
        .post(
            &format!("/sandbox/wechatpay/notices/{refund_notice}/send"),
            json!({"copies": 3}),
        )
        .await;
    assert!(
        again["answers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == 204),
        "{again}"
    );
    assert_eq!(
        server.ledger_rows("refund"),
        1,
        "one refund row however often"
    );
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn the_emulator_refuses_unsigned_requests_and_is_absent_without_the_sandbox() {
    let server = TestServer::start().await;
    let r = server
        .client
        .post(server.url("/sandbox/wechatpay/v3/pay/transactions/native"))
        .json(&json!({"appid": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "SIGN_ERROR");
    drop(server);

    let off = TestServer::start_with(&[("CERTRENEW_SANDBOX", "0")]).await;
    for path in [
        "/sandbox/wechatpay/v3/pay/transactions/native",
        "/sandbox/wechatpay/phone/pay",
    ] {
        let r = off
            .client
            .post(off.url(path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // No WeChat Pay configured: its notify URL takes nothing, and paying by WeChat is
    // refused with a clear message.
    let r = off
        .client
        .post(off.url("/api/v1/payments/notify/wechatpay"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let user = off.user("微六", 30);
    let client = off.login(&user).await;
    let (status, body) = off.apply(&client, &user, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let no = body["business_no"].as_str().unwrap();
    let (status, body) = off
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/payments"),
            json!({"method": "wechat", "invoice": {"kind": "paper", "title": "测试"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
}
