//! UnionPay (全渠道 ACP 5.1.0) end to end over real HTTP: the production UnionPay
//! provider talks to the sandbox's UnionPay emulator, which checks the merchant's signatures (`certId`, signMethod 01), signs its answers
//! and notices with a signing certificate chained to its own root and middle
//! certificates, and sends back notices; the test plays the customer's browser (the
//! pay page's form, the cashier, the front notice) and the phone. Every money rule
//! holds: one ledger row however many notices, altered notices and notices re-signed
//! under another certificate chain refused, a wrong amount refused, a payment after
//! close refunded by `backTransReq.do` with its refund notice taken once.

mod common;

use std::collections::BTreeMap;

use common::*;
use reqwest::StatusCode;
use rsa::RsaPrivateKey;
use serde_json::{Value, json};
use server::payments::unionpay::sign;
use server::sandbox::gateways::unionpay::Chain;

const PRICE: i64 = 10_000;
const FRONT: &str = "/sandbox/unionpay/gateway/api/frontTransReq.do";

async fn unionpay_server() -> TestServer {
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

/// The fields of the signed form a pay URL carries.
fn form_of(pay_url: &str) -> BTreeMap<String, String> {
    reqwest::Url::parse(pay_url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The hidden fields and the action of the first form of `page`.
fn page_form(page: &str) -> (String, BTreeMap<String, String>) {
    let attr = |tag: &str, name: &str| {
        let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let end = tag[at..].find('"')? + at;
        Some(unescape(&tag[at..end]))
    };
    let form_at = page.find("<form").unwrap();
    let form_tag = &page[form_at..form_at + page[form_at..].find('>').unwrap()];
    let action = attr(form_tag, "action").unwrap();
    let mut fields = BTreeMap::new();
    for input in page.split("<input").skip(1) {
        let tag = &input[..input.find('>').unwrap()];
        if let (Some(n), Some(v)) = (attr(tag, "name"), attr(tag, "value")) {
            fields.insert(n, v);
        }
    }
    (action, fields)
}

/// Pays by UnionPay, opens this server's pay page and posts its form to the
/// cashier as the customer's browser would: (orderId, pay_url, cashier page).
async fn pay_unionpay(
    server: &TestServer,
    client: &reqwest::Client,
    no: &str,
) -> (String, String, String) {
    let (status, body) = server
        .post_as(
            client,
            &format!("/api/v1/renewals/{no}/payments"),
            json!({"method": "unionpay", "invoice": {"kind": "paper", "title": "测试医药有限公司"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let p = &body["payment"];
    let pay_url = p["pay_url"].as_str().unwrap().to_owned();
    assert!(
        pay_url.starts_with(&server.url("/api/v1/payments/unionpay/pay?")),
        "{pay_url}"
    );
    let r = reqwest::get(&pay_url).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    let page = r.text().await.unwrap();
    let (action, fields) = page_form(&page);
    assert_eq!(action, server.url(FRONT));
    assert_eq!(
        fields,
        form_of(&pay_url),
        "the page posts the signed form as is"
    );
    let cashier = server
        .client
        .post(&action)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(cashier.status(), StatusCode::OK);
    (
        p["out_trade_no"].as_str().unwrap().to_owned(),
        pay_url,
        cashier.text().await.unwrap(),
    )
}

async fn buyer(server: &TestServer, order_id: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({ "orderId": order_id });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    server.post("/sandbox/unionpay/buyer/pay", body).await
}

async fn post_notice(
    server: &TestServer,
    params: &BTreeMap<String, String>,
) -> (StatusCode, String) {
    let r = server
        .client
        .post(server.url("/api/v1/payments/notify/unionpay"))
        .form(params)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

fn all_ok(answers: &Value) -> bool {
    answers
        .as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(|a| a["status"] == 200 && a["body"] == "ok"))
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
async fn unionpay_the_signed_form_reaches_the_cashier_and_parallel_notices_are_recorded_once() {
    let server = unionpay_server().await;
    let (client, no) = applied(&server, "银一").await;
    let (order_id, pay_url, cashier) = pay_unionpay(&server, &client, &no).await;
    let form = form_of(&pay_url);
    for (k, v) in [
        ("version", "5.1.0"),
        ("txnType", "01"),
        ("txnSubType", "01"),
        ("bizType", "000201"),
        ("channelType", "07"),
        ("currencyCode", "156"),
        ("signMethod", "01"),
        ("txnAmt", "10000"),
    ] {
        assert_eq!(form[k], v, "{k}");
    }
    assert_eq!(form["orderId"], order_id);
    assert!(!form["certId"].is_empty() && !form["signature"].is_empty());
    assert!(
        cashier.contains(r#"<span id="amount">100.00</span>"#),
        "{cashier}"
    );
    assert_eq!(
        server.sql(&format!(
            "SELECT provider FROM payments WHERE out_trade_no = '{order_id}'"
        )),
        "unionpay"
    );
    // A tampered form (another amount, same signature): this server's pay page will
    // not post it, and UnionPay refuses it (11 验证签名失败).
    let tampered = pay_url.replace("txnAmt=10000", "txnAmt=1");
    assert_ne!(tampered, pay_url);
    let r = reqwest::get(&tampered).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = server
        .client
        .post(server.url(FRONT))
        .form(&form_of(&tampered))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains(r#"data-code="11""#));

    let (status, body) = buyer(&server, &order_id, json!({"copies": 30})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["answers"].as_array().unwrap().len(), 30);
    assert!(
        all_ok(&body["answers"]),
        "every copy answered 200 ok: {body}"
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
            "SELECT gateway_trade_no FROM payments WHERE out_trade_no = '{order_id}'"
        )),
        body["queryId"].as_str().unwrap()
    );
    assert_eq!(
        server.emulator_order("unionpay", &order_id).await["state"],
        "paid"
    );
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn unionpay_the_front_notice_brings_the_customer_back_and_a_phone_gets_channel_08() {
    let server = unionpay_server().await;
    let (client, no) = applied(&server, "银二").await;
    let (order_id, _, _) = pay_unionpay(&server, &client, &no).await;
    // #pay at the cashier: paid, the back notice sent; the result page's #return posts
    // the signed front notice, which sends the browser to the order page.
    let r = server
        .client
        .post(server.url(&format!("/sandbox/unionpay/cashier/{order_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"id="return""#), "{page}");
    let (action, fields) = page_form(&page);
    assert!(
        action.starts_with(&server.url("/api/v1/payments/unionpay/return?to=")),
        "{action}"
    );
    assert_eq!(fields["respCode"], "00");
    assert!(fields.contains_key("signPubKeyCert"));
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = browser.post(&action).form(&fields).send().await.unwrap();
    assert!(back.status().is_redirection(), "{}", back.status());
    assert_eq!(
        back.headers()["location"],
        format!("/renewals/{no}?from=gateway").as_str()
    );
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
    assert_eq!(server.ledger_rows("charge"), 1);

    // On a phone the form says channelType 08 (移动).
    let (phone_client, other) = applied(&server, "银三").await;
    let r = phone_client
        .post(server.url(&format!("/api/v1/renewals/{other}/payments")))
        .header(
            "User-Agent",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
        )
        .json(&json!({"method": "unionpay", "invoice": {"kind": "paper", "title": "测试"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    let form = form_of(body["payment"]["pay_url"].as_str().unwrap());
    assert_eq!(form["channelType"], "08");
}

#[tokio::test]
async fn unionpay_altered_and_re_signed_notices_are_refused() {
    let server = unionpay_server().await;
    let (client, no) = applied(&server, "银四").await;
    let (order_id, _, _) = pay_unionpay(&server, &client, &no).await;
    let (status, body) = buyer(&server, &order_id, json!({"hold": true})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["notice"].as_str().unwrap().to_owned();
    let (_, held) = server
        .get_as(&server.client, &format!("/sandbox/unionpay/notices/{id}"))
        .await;
    let genuine: BTreeMap<String, String> = serde_json::from_value(held["params"].clone()).unwrap();
    assert_eq!(genuine["txnType"], "01");

    let refused = |(status, text): (StatusCode, String)| {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        assert_eq!(text, "fail");
    };
    // Altered: another amount, the signature kept.
    let mut altered = genuine.clone();
    altered.insert("txnAmt".into(), "1".into());
    refused(post_notice(&server, &altered).await);
    // Re-signed under another chain whose signing certificate also says
    // 中国银联股份有限公司: its root is not the configured one.
    let key = || RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let forged = Chain::new(&key(), &key(), &key(), sign::UNIONPAY_CN).unwrap();
    let mut resigned = genuine.clone();
    sign::sign_with_cert(&forged.sign_key, &forged.sign_pem, &mut resigned);
    refused(post_notice(&server, &resigned).await);
    // The genuine certificate kept but the signature made with another key.
    let mut wrong_key = resigned.clone();
    wrong_key.insert("signPubKeyCert".into(), genuine["signPubKeyCert"].clone());
    refused(post_notice(&server, &wrong_key).await);
    // No signature, or the old SHA-1 version.
    let mut unsigned = genuine.clone();
    unsigned.remove("signature");
    refused(post_notice(&server, &unsigned).await);
    let mut old = genuine.clone();
    old.insert("version".into(), "5.0.0".into());
    refused(post_notice(&server, &old).await);
    assert_eq!(server.ledger_rows("charge"), 0, "nothing was recorded");
    assert_eq!(
        server.renewal(&client, &no).await["status"],
        "awaiting_payment"
    );

    // The genuine notice, replayed by anyone, is taken (it is UnionPay's word).
    let (s, t) = post_notice(&server, &genuine).await;
    assert_eq!((s, t.as_str()), (StatusCode::OK, "ok"));
    let (_, sent) = server
        .post(
            &format!("/sandbox/unionpay/notices/{id}/send"),
            json!({"copies": 3}),
        )
        .await;
    assert!(all_ok(&sent["answers"]), "{sent}");
    assert_eq!(server.ledger_rows("charge"), 1);
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
}

#[tokio::test]
async fn unionpay_a_notice_with_another_amount_is_refused() {
    let server = unionpay_server().await;
    let (client, no) = applied(&server, "银五").await;
    let (order_id, _, _) = pay_unionpay(&server, &client, &no).await;
    let (status, body) = buyer(&server, &order_id, json!({"txnAmt": PRICE - 1})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["answers"][0]["body"], "fail", "{body}");
    assert_ne!(
        body["answers"][0]["status"], 200,
        "UnionPay will send it again"
    );
    assert_eq!(server.ledger_rows("charge"), 0);
    assert_eq!(
        server.renewal(&client, &no).await["status"],
        "awaiting_payment"
    );
}

#[tokio::test]
async fn unionpay_a_late_payment_after_close_is_refunded_with_its_refund_notice() {
    let server = unionpay_server().await;
    let (client, no) = applied(&server, "银六").await;
    // Two attempts, both at the cashier; UnionPay cannot close the first, so both
    // stay payable.
    let (first, _, _) = pay_unionpay(&server, &client, &no).await;
    let (second, _, _) = pay_unionpay(&server, &client, &no).await;
    assert_ne!(first, second);
    assert_eq!(
        server.sql(&format!(
            "SELECT status FROM payments WHERE out_trade_no = '{first}'"
        )),
        "closed"
    );
    // Both paid (the first late, in another tab); notices held, then delivered out
    // of order: the closed attempt's first.
    let (_, b2) = buyer(&server, &second, json!({"hold": true})).await;
    let (_, b1) = buyer(&server, &first, json!({"hold": true})).await;
    for b in [&b1, &b2] {
        let id = b["notice"].as_str().unwrap();
        let (_, sent) = server
            .post(
                &format!("/sandbox/unionpay/notices/{id}/send"),
                json!({"copies": 2}),
            )
            .await;
        assert!(all_ok(&sent["answers"]), "{sent}");
    }
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
    assert_eq!(
        server.ledger_rows("charge"),
        2,
        "both payments are recorded"
    );
    let refunded = server.sql(&format!(
        "SELECT out_trade_no FROM payments WHERE business_no = '{no}' AND status = 'refunded'"
    ));
    assert_eq!(
        refunded, second,
        "the second's notice came last, so it is refunded"
    );
    let o = server.emulator_order("unionpay", &second).await;
    assert_eq!(o["refunded"], PRICE);
    assert_eq!(o["refunds"].as_array().unwrap().len(), 1, "{o}");
    // The refund's notice (txnType 04) comes back signed and is taken once.
    let refund_notice = o["notices"][1].as_str().unwrap().to_owned();
    let path = format!("/sandbox/unionpay/notices/{refund_notice}");
    until("the refund notice", async || {
        let (_, n) = server.get_as(&server.client, &path).await;
        n["answers"].as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let (_, n) = server.get_as(&server.client, &path).await;
    assert!(all_ok(&n["answers"]), "{n}");
    assert_eq!(n["params"]["txnType"], "04");
    assert_eq!(n["params"]["reqReserved"], second.as_str());
    let (_, again) = server
        .post(&format!("{path}/send"), json!({"copies": 3}))
        .await;
    assert!(all_ok(&again["answers"]), "{again}");
    assert_eq!(
        server.ledger_rows("refund"),
        1,
        "one refund row however often"
    );
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn unionpay_the_emulator_refuses_unsigned_requests() {
    let server = unionpay_server().await;
    let r = server
        .client
        .post(server.url("/sandbox/unionpay/gateway/api/queryTrans.do"))
        .form(&[
            ("version", "5.1.0"),
            ("merId", "777290058110097"),
            ("txnType", "00"),
            ("orderId", "012024010100001P00000000"),
            ("txnTime", "20240101080000"),
        ])
        .send()
        .await
        .unwrap();
    let answer = sign::parse_answer(&r.text().await.unwrap());
    assert_eq!(answer["respCode"], "11", "{answer:?}");
}
