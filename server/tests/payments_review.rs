//! Money and review over real HTTP: notices verified, amount-checked and applied once;
//! no double charge on re-pay; refunds on rejection; bank transfers reconciled by
//! finance; CSRF and distinct approvers; re-issue; the audit chain's tamper check.
//! Online payments go through the production Alipay provider to the sandbox's Alipay
//! emulator (`common::TestServer::gateway`).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

/// A renewal of a fresh user, applied for and signed in: (client, business_no).
async fn applied(server: &TestServer, cn: &str, project: &str) -> (reqwest::Client, String, User) {
    let user = server.user(cn, 30);
    let client = server.login(&user).await;
    let (status, body) = server.apply(&client, &user, project, 12).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        client,
        body["business_no"].as_str().unwrap().to_owned(),
        user,
    )
}

#[tokio::test]
async fn a_hundred_concurrent_duplicate_notices_change_things_once() {
    let server = TestServer::start().await;
    let (client, no, _) = applied(&server, "甲", "gd-med").await;
    let out_trade_no = server.pay(&client, &no).await;
    let body = server.gateway(&out_trade_no, "paid", 100, 0).await;
    let answers = body["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 100);
    assert!(
        answers.iter().all(|a| a == "success"),
        "every copy is acknowledged: {answers:?}"
    );
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM ledger WHERE out_trade_no = '{out_trade_no}'"
        )),
        1,
        "one ledger entry"
    );
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE subject = '{no}' AND action = 'renewal.paid'"
        )),
        1,
        "one state change"
    );
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn notices_with_a_wrong_amount_or_a_bad_signature_are_refused() {
    let server = TestServer::start().await;
    let (client, no, _) = applied(&server, "乙", "gd-med").await;
    let out_trade_no = server.pay(&client, &no).await;
    async fn notify(
        server: &TestServer,
        params: Vec<(&'static str, String)>,
    ) -> (StatusCode, String) {
        let r = server
            .client
            .post(server.url("/api/v1/payments/notify/alipay"))
            .form(&params)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }
    // Unsigned, and signed by nobody we know.
    let base = vec![
        ("out_trade_no", out_trade_no.clone()),
        ("trade_no", "SBXforged".to_owned()),
        ("total_amount", "100.00".to_owned()),
        ("trade_status", "TRADE_SUCCESS".to_owned()),
    ];
    let (status, text) = notify(&server, base.clone()).await;
    assert_eq!((status, text.as_str()), (StatusCode::BAD_REQUEST, "fail"));
    let mut forged = base.clone();
    forged.push(("sign", b64(&[7u8; 256])));
    forged.push(("sign_type", "RSA2".to_owned()));
    let (status, text) = notify(&server, forged).await;
    assert_eq!((status, text.as_str()), (StatusCode::BAD_REQUEST, "fail"));

    // A correctly signed notice for the wrong amount: the gateway is made to lie.
    let (status, body) = server
        .post(
            "/sandbox/alipay/buyer/pay",
            json!({"out_trade_no": out_trade_no, "total_fen": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["answers"][0]["body"], "fail", "{body}");
    let renewal = server.renewal(&client, &no).await;
    assert_eq!(renewal["status"], "awaiting_payment");
    assert_eq!(renewal["payments"][0]["status"], "pending");
    assert_eq!(server.count("SELECT COUNT(*) FROM ledger"), 0);
}

#[tokio::test]
async fn a_failed_payment_then_re_pay_charges_exactly_once() {
    let server = TestServer::start().await;
    let (client, no, _) = applied(&server, "丙", "gd-med").await;
    let first = server.pay(&client, &no).await;
    // The customer leaves the cashier; the trade times out closed and Alipay says so.
    let body = server.gateway(&first, "failed", 1, 0).await;
    assert_eq!(body["answers"], json!(["success"]));
    let renewal = server.renewal(&client, &no).await;
    assert_eq!(renewal["payments"][0]["status"], "failed");
    assert_eq!(renewal["status"], "awaiting_payment");

    // The second attempt is paid at the gateway, but its notice is late.
    let second = server.pay(&client, &no).await;
    assert_ne!(first, second, "each attempt has its own number");
    server.gateway(&second, "paid", 1, 60_000).await;
    // The user, seeing no confirmation, pays again: the server asks the gateway first.
    let (status, body) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/payments"),
            json!({"method": "wechat", "invoice": {"kind": "paper", "title": "测试医药有限公司"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["already_paid"], true);
    assert!(body["payment"].is_null(), "no third attempt is opened");
    assert_eq!(body["renewal"]["status"], "in_review");
    assert_eq!(server.count("SELECT COUNT(*) FROM payments"), 2);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ledger WHERE kind = 'charge'"),
        1,
        "charged exactly once"
    );
}

#[tokio::test]
async fn an_open_attempt_is_closed_before_a_new_one_opens() {
    let server = TestServer::start().await;
    let (client, no, _) = applied(&server, "丁", "gd-med").await;
    let first = server.pay(&client, &no).await;
    let second = server.pay(&client, &no).await;
    let renewal = server.renewal(&client, &no).await;
    assert_eq!(renewal["payments"][0]["status"], "closed");
    assert_eq!(renewal["payments"][1]["status"], "pending");
    // The closed order can no longer be paid at the gateway.
    let (status, body) = server
        .post("/sandbox/alipay/buyer/pay", json!({"out_trade_no": first}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        server.emulator_order("alipay", &first).await["trade_status"],
        "TRADE_CLOSED"
    );
    server.gateway(&second, "paid", 1, 0).await;
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
}

#[tokio::test]
async fn rejection_needs_a_reason_and_refunds_the_payment() {
    let server = TestServer::start().await;
    let (client, no, _) = applied(&server, "戊", "gd-med").await;
    let out_trade_no = server.pay(&client, &no).await;
    server.gateway(&out_trade_no, "paid", 1, 0).await;
    let reviewer = server.staff("reviewer1", "reviewer").await;
    let path = format!("/api/v1/admin/renewals/{no}/reject");
    let (status, body) = server
        .staff_post(&reviewer, &path, json!({"reason": " "}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = server
        .staff_post(
            &reviewer,
            &path,
            json!({"reason": "经办人身份证号与营业执照不符"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let renewal = server.renewal(&client, &no).await;
    assert_eq!(renewal["status"], "rejected");
    assert_eq!(renewal["rejection_reason"], "经办人身份证号与营业执照不符");
    assert_eq!(renewal["refund"]["status"], "done");
    assert_eq!(renewal["refund"]["refund_no"], format!("{out_trade_no}R"));
    assert_eq!(renewal["payments"][0]["status"], "refunded");
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ledger WHERE kind = 'refund' AND amount_fen = -10000"),
        1
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM outbox WHERE template = 'rejected' AND params LIKE '%经办人身份证号与营业执照不符%'"), 2);
}

#[tokio::test]
async fn bank_transfers_wait_for_finance() {
    let server = TestServer::start().await;
    let (client, no, _) = applied(&server, "己", "gd-med").await;
    let transfer = json!({"payer_account": "6222020200112233445", "payer_name": "测试医药有限公司", "amount_fen": 10000, "paid_on": "2026-11-20", "note": "续期"});
    let (status, body) = server
        .post_as(&client, &format!("/api/v1/renewals/{no}/payments"), json!({"method": "bank_transfer", "invoice": {"kind": "paper", "title": "测试医药有限公司"}, "bank_transfer": transfer}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["renewal"]["status"], "awaiting_reconciliation");
    let out_trade_no = body["payment"]["out_trade_no"].as_str().unwrap().to_owned();

    let reviewer = server.staff("rev", "reviewer").await;
    let path = format!("/api/v1/admin/payments/{out_trade_no}/reconcile");
    let (status, _) = server
        .staff_post(&reviewer, &path, json!({"received": true}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a reviewer is not finance");
    let finance = server.staff("fin", "finance").await;
    let (status, body) = server
        .staff_post(&finance, &path, json!({"received": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "in_review");
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ledger WHERE kind = 'charge'"),
        1
    );
}

#[tokio::test]
async fn state_changing_staff_calls_need_the_csrf_token() {
    let server = TestServer::start().await;
    let (client, no, _) = applied(&server, "庚", "gd-med").await;
    let out_trade_no = server.pay(&client, &no).await;
    server.gateway(&out_trade_no, "paid", 1, 0).await;
    let (staff, _) = server.staff("csrf-test", "reviewer").await;
    let r = staff
        .post(server.url(&format!("/api/v1/admin/renewals/{no}/approve")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "CSRF_FAILED");
    let r = staff
        .post(server.url(&format!("/api/v1/admin/renewals/{no}/approve")))
        .header("x-csrf-token", "wrong")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.renewal(&client, &no).await["status"], "in_review");
    // Reading needs no token; no session at all is 401.
    assert_eq!(
        staff
            .get(server.url("/api/v1/admin/renewals?status=in_review"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        server
            .client
            .get(server.url("/api/v1/admin/renewals"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn two_distinct_reviewers_approve_where_the_project_asks_for_two() {
    let server = TestServer::start().await;
    let (client, no, user) = applied(&server, "辛", "gz-soe").await;
    let out_trade_no = server.pay(&client, &no).await;
    server.gateway(&out_trade_no, "paid", 1, 0).await;
    let first = server.staff("first", "reviewer").await;
    let second = server.staff("second", "reviewer").await;
    let path = format!("/api/v1/admin/renewals/{no}/approve");
    let (status, body) = server.staff_post(&first, &path, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "in_review", "one approval of two");
    let (status, _) = server.staff_post(&first, &path, json!({})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the same reviewer twice does not count"
    );
    let (status, body) = server.staff_post(&second, &path, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "approved");

    // Issued, lost before install, issued again for a new key: the first is superseded.
    let mut issued = Vec::new();
    for _ in 0..2 {
        let challenge = server.challenge().await;
        let (_, csr, binding) = rekey(&server, &user, &challenge);
        let (status, body) = server
            .post_as(&client, &format!("/api/v1/renewals/{no}/csr"), json!({"csr": b64(&csr), "binding_signature": b64(&binding), "challenge": challenge}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        issued.push(sha256_hex(&unb64(&body["certificate"])));
    }
    assert_eq!(
        server.sql(&format!(
            "SELECT status FROM certificates WHERE sha256 = '{}'",
            issued[0]
        )),
        "superseded"
    );
    assert_eq!(
        server.sql(&format!(
            "SELECT status FROM certificates WHERE sha256 = '{}'",
            issued[1]
        )),
        "issued"
    );
    // A binding signature by a key that is not the old certificate's is refused.
    let stranger = server.user("stranger", 30);
    let challenge = server.challenge().await;
    let (_, csr, binding) = rekey(&server, &stranger, &challenge);
    let (status, body) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/csr"),
            json!({"csr": b64(&csr), "binding_signature": b64(&binding), "challenge": challenge}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn audit_verify_names_the_first_changed_or_deleted_row() {
    let server = TestServer::start().await;
    let (client, no, _) = applied(&server, "壬", "gd-med").await;
    let out_trade_no = server.pay(&client, &no).await;
    server.gateway(&out_trade_no, "paid", 1, 0).await;
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
    let rows = server.count("SELECT COUNT(*) FROM audit");
    assert!(rows >= 4);

    server.sql("UPDATE audit SET data = '{\"total_fen\":1}' WHERE id = 2");
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(!ok);
    assert!(out.contains("row 2"), "{out}");

    // Deleting a row in the middle is caught.
    let tampered = TestServer::start().await;
    let (c2, n2, _) = applied(&tampered, "癸", "gd-med").await;
    let o2 = tampered.pay(&c2, &n2).await;
    tampered.gateway(&o2, "paid", 1, 0).await;
    tampered.sql("DELETE FROM audit WHERE id = 3");
    let (ok, out, _) = tampered.cli(&["audit", "verify"]);
    assert!(!ok);
    assert!(out.contains("row 3"), "{out}");

    // And so is a row deleted from the end, by the chain's head.
    let fresh = TestServer::start().await;
    applied(&fresh, "子", "gd-med").await;
    fresh.sql(&format!(
        "DELETE FROM audit WHERE id = {}",
        fresh.count("SELECT MAX(id) FROM audit")
    ));
    let (ok, out, _) = fresh.cli(&["audit", "verify"]);
    assert!(!ok, "{out}");
    assert!(out.contains("missing from the end"), "{out}");
}
