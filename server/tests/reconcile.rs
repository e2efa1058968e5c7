//! Reconciliation (对账) end to end over real HTTP: customers pay through the WeChat Pay,
//! Alipay and UnionPay emulators, the gateways' statements are made to differ from the ledger
//! (a payment the ledger never heard of, another amount, a recorded payment missing),
//! finance runs the day from the console's API, sees every difference, and resolves one
//! with a note; runs, findings and the resolution are in the audit trail. SQLite, and
//! PostgreSQL with `CERTRENEW_TEST_POSTGRES`.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Every gateway through its protocol emulator (the sandbox's gateways).
async fn server() -> TestServer {
    TestServer::start().await
}

/// Today, China Standard Time (the gateways' day).
fn today() -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

/// A renewal applied for, signed in: (client, business_no).
async fn applied(server: &TestServer, cn: &str) -> (reqwest::Client, String) {
    let user = server.user(cn, 30);
    let client = server.login(&user).await;
    let (status, body) = server.apply(&client, &user, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (client, body["business_no"].as_str().unwrap().to_owned())
}

/// Opens a payment by `method`: (out_trade_no, pay_url).
async fn open(
    server: &TestServer,
    client: &reqwest::Client,
    no: &str,
    method: &str,
) -> (String, String) {
    let (status, body) = server
        .post_as(
            client,
            &format!("/api/v1/renewals/{no}/payments"),
            json!({"method": method, "invoice": {"kind": "paper", "title": "测试医药有限公司"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let p = &body["payment"];
    (
        p["out_trade_no"].as_str().unwrap().to_owned(),
        p["pay_url"].as_str().unwrap().to_owned(),
    )
}

/// A customer pays by WeChat (scans and pays on the phone): the out_trade_no.
async fn paid_wechat(server: &TestServer, cn: &str) -> String {
    let (client, no) = applied(server, cn).await;
    let (out_trade_no, code_url) = open(server, &client, &no, "wechat").await;
    let (status, body) = server
        .post(
            "/sandbox/wechatpay/phone/pay",
            json!({ "code_url": code_url }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    out_trade_no
}

/// A customer pays by Alipay (cashier opened, paid on the phone): the out_trade_no.
async fn paid_alipay(server: &TestServer, cn: &str) -> String {
    let (client, no) = applied(server, cn).await;
    let (out_trade_no, pay_url) = open(server, &client, &no, "alipay").await;
    let page = reqwest::get(&pay_url).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let (status, body) = server
        .post(
            "/sandbox/alipay/buyer/pay",
            json!({ "out_trade_no": out_trade_no }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    out_trade_no
}

/// A customer pays by UnionPay: this server's pay page posts the signed form (carried
/// by the pay URL) to the emulator's `frontTransReq.do`, then the customer pays.
async fn paid_unionpay(server: &TestServer, cn: &str) -> String {
    let (client, no) = applied(server, cn).await;
    let (out_trade_no, pay_url) = open(server, &client, &no, "unionpay").await;
    let form: Vec<(String, String)> = reqwest::Url::parse(&pay_url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let cashier = server
        .client
        .post(server.url("/sandbox/unionpay/gateway/api/frontTransReq.do"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cashier.status(), StatusCode::OK);
    let (status, body) = server
        .post(
            "/sandbox/unionpay/buyer/pay",
            json!({ "orderId": out_trade_no }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    out_trade_no
}

fn charged(server: &TestServer, out_trade_no: &str) -> i64 {
    server.count(&format!(
        "SELECT amount_fen FROM ledger WHERE kind = 'charge' AND out_trade_no = '{out_trade_no}'"
    ))
}

async fn edit(server: &TestServer, gateway: &str, edit: Value) {
    let (status, body) = server
        .post(&format!("/sandbox/{gateway}/bill/edit"), edit)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

/// The differences with `status` as finance sees them, by attempt number.
async fn differences(
    server: &TestServer,
    staff: &(reqwest::Client, String),
    status: &str,
) -> Vec<Value> {
    let (code, body) = server
        .get_as(
            &staff.0,
            &format!("/api/v1/admin/reconciliation/differences?status={status}"),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let mut rows = body.as_array().unwrap().clone();
    rows.sort_by_key(|d| d["out_trade_no"].as_str().unwrap().to_owned());
    rows
}

fn outcome<'a>(outcomes: &'a Value, gateway: &str) -> &'a Value {
    outcomes
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["gateway"] == gateway)
        .unwrap_or_else(|| panic!("no {gateway} run in {outcomes}"))
}

#[tokio::test]
async fn statements_with_each_kind_of_difference_are_found_resolved_and_audited() {
    let server = server().await;
    let day = today();
    // WeChat Pay: one payment as recorded, one the bill shows for less, one the bill
    // lacks, and one in the bill only.
    let agreed = paid_wechat(&server, "对账一").await;
    let less = paid_wechat(&server, "对账二").await;
    let missing = paid_wechat(&server, "对账三").await;
    let price = charged(&server, &agreed);
    assert!(price > 0);
    assert_eq!(charged(&server, &less), price);
    edit(
        &server,
        "wechatpay",
        json!({"out_trade_no": less, "total_fen": price - 1000}),
    )
    .await;
    edit(
        &server,
        "wechatpay",
        json!({"out_trade_no": missing, "omit": true, "bill_date": day}),
    )
    .await;
    edit(
        &server,
        "wechatpay",
        json!({"out_trade_no": "GHOSTW000001", "total_fen": 5000}),
    )
    .await;
    // Alipay: one payment with another amount, and one in the bill only.
    let other = paid_alipay(&server, "对账四").await;
    assert_eq!(charged(&server, &other), price);
    edit(
        &server,
        "alipay",
        json!({"out_trade_no": other, "total_fen": price + 1}),
    )
    .await;
    edit(
        &server,
        "alipay",
        json!({"out_trade_no": "GHOSTA000001", "total_fen": 3000}),
    )
    .await;

    let finance = server.staff("fin", "finance").await;
    let reviewer = server.staff("rev", "reviewer").await;
    // Finance only.
    let (status, _) = server
        .get_as(&reviewer.0, "/api/v1/admin/reconciliation/differences")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server
        .staff_post(
            &reviewer,
            "/api/v1/admin/reconciliation/runs",
            json!({"bill_date": day}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server
        .staff_post(
            &finance,
            "/api/v1/admin/reconciliation/runs",
            json!({"bill_date": "2099-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, runs) = server
        .staff_post(
            &finance,
            "/api/v1/admin/reconciliation/runs",
            json!({"bill_date": day}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{runs}");
    let w = outcome(&runs, "wechatpay");
    assert_eq!(
        (
            &w["status"],
            &w["statement_rows"],
            &w["ledger_rows"],
            &w["differences"]
        ),
        (&json!("done"), &json!(3), &json!(3), &json!(3)),
        "{runs}"
    );
    let a = outcome(&runs, "alipay");
    assert_eq!(
        (
            &a["status"],
            &a["statement_rows"],
            &a["ledger_rows"],
            &a["differences"]
        ),
        (&json!("done"), &json!(2), &json!(1), &json!(2)),
        "{runs}"
    );

    let open = differences(&server, &finance, "open").await;
    let seen: Vec<(String, String, Value, Value)> = open
        .iter()
        .map(|d| {
            (
                d["gateway"].as_str().unwrap().to_owned(),
                d["kind"].as_str().unwrap().to_owned(),
                d["gateway_fen"].clone(),
                d["ledger_fen"].clone(),
            )
        })
        .collect();
    let mut expected = vec![
        (agreed.clone(), None),
        (
            less.clone(),
            Some((
                "wechatpay",
                "amount_mismatch",
                json!(price - 1000),
                json!(price),
            )),
        ),
        (
            missing.clone(),
            Some(("wechatpay", "ledger_only", Value::Null, json!(price))),
        ),
        (
            "GHOSTW000001".to_owned(),
            Some(("wechatpay", "gateway_only", json!(5000), Value::Null)),
        ),
        (
            other.clone(),
            Some(("alipay", "amount_mismatch", json!(price + 1), json!(price))),
        ),
        (
            "GHOSTA000001".to_owned(),
            Some(("alipay", "gateway_only", json!(3000), Value::Null)),
        ),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    let expected: Vec<(String, String, Value, Value)> = expected
        .into_iter()
        .filter_map(|(_, e)| e)
        .map(|(g, k, gf, lf)| (g.to_owned(), k.to_owned(), gf, lf))
        .collect();
    assert_eq!(seen, expected, "{open:?}");
    assert!(
        open.iter()
            .all(|d| d["bill_date"] == day.as_str() && d["status"] == "open")
    );
    let ghost = open
        .iter()
        .find(|d| d["out_trade_no"] == "GHOSTW000001")
        .unwrap();
    assert!(
        ghost["gateway_trade_no"]
            .as_str()
            .unwrap()
            .starts_with("4200"),
        "{ghost}"
    );

    // A rerun finds the same differences: none twice.
    let (status, again) = server
        .staff_post(
            &finance,
            "/api/v1/admin/reconciliation/runs",
            json!({"bill_date": day}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(differences(&server, &finance, "all").await.len(), 5);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM audit WHERE action = 'reconcile.difference_found'"),
        5
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM audit WHERE action = 'reconcile.run'"),
        6
    );

    // Finance resolves the payment nobody recorded, with a note.
    let id = ghost["id"].as_str().unwrap();
    let path = format!("/api/v1/admin/reconciliation/differences/{id}/resolve");
    let (status, _) = server
        .staff_post(&finance, &path, json!({"note": "  "}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = server
        .staff_post(&reviewer, &path, json!({"note": "不是我的"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let note = "已在微信支付商户平台原路退款";
    let (status, resolved) = server
        .staff_post(&finance, &path, json!({"note": note}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(
        (
            &resolved["status"],
            &resolved["resolution"],
            &resolved["resolved_by"]
        ),
        (&json!("resolved"), &json!(note), &json!("staff:fin"))
    );
    let (status, _) = server
        .staff_post(&finance, &path, json!({"note": note}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = server
        .staff_post(
            &finance,
            "/api/v1/admin/reconciliation/differences/RDNONE/resolve",
            json!({"note": note}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(differences(&server, &finance, "open").await.len(), 4);
    assert_eq!(differences(&server, &finance, "resolved").await.len(), 1);
    let audited = server.sql(&format!(
        "SELECT actor || ' ' || action FROM audit WHERE subject = '{id}' ORDER BY id"
    ));
    assert_eq!(
        audited,
        "staff:fin reconcile.difference_found\nstaff:fin reconcile.difference_resolved"
    );
    let (status, body) = server
        .get_as(&finance.0, "/api/v1/admin/audit/verify")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The runs as the console lists them.
    let (status, listed) = server
        .get_as(&finance.0, "/api/v1/admin/reconciliation/runs")
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");
    assert_eq!(listed[0]["actor"], "staff:fin");
}

#[tokio::test]
async fn a_day_without_trades_has_empty_statements_and_no_difference() {
    let server = server().await;
    let finance = server.staff("fin", "finance").await;
    let (status, runs) = server
        .staff_post(
            &finance,
            "/api/v1/admin/reconciliation/runs",
            json!({"bill_date": "2026-01-05"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{runs}");
    for gateway in ["wechatpay", "alipay", "unionpay"] {
        let o = outcome(&runs, gateway);
        assert_eq!(
            (&o["status"], &o["statement_rows"], &o["differences"]),
            (&json!("done"), &json!(0), &json!(0)),
            "{runs}"
        );
    }
    assert!(differences(&server, &finance, "all").await.is_empty());
}

#[tokio::test]
async fn a_unionpay_file_with_each_kind_of_difference_is_found_and_resolved() {
    let server = server().await;
    let day = today();
    // One payment as recorded, one the file shows for less, one the file lacks, and
    // one in the file only.
    let agreed = paid_unionpay(&server, "银联一").await;
    let less = paid_unionpay(&server, "银联二").await;
    let missing = paid_unionpay(&server, "银联三").await;
    let price = charged(&server, &agreed);
    assert!(price > 0);
    edit(
        &server,
        "unionpay",
        json!({"out_trade_no": less, "total_fen": price - 1}),
    )
    .await;
    edit(
        &server,
        "unionpay",
        json!({"out_trade_no": missing, "omit": true, "bill_date": day}),
    )
    .await;
    edit(
        &server,
        "unionpay",
        json!({"out_trade_no": "GHOSTU000001", "total_fen": 8800}),
    )
    .await;
    // Another day's edit changes nothing today.
    edit(
        &server,
        "unionpay",
        json!({"out_trade_no": agreed, "omit": true, "bill_date": "2026-01-05"}),
    )
    .await;

    let finance = server.staff("fin", "finance").await;
    let (status, runs) = server
        .staff_post(
            &finance,
            "/api/v1/admin/reconciliation/runs",
            json!({"bill_date": day}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{runs}");
    let u = outcome(&runs, "unionpay");
    assert_eq!(
        (
            &u["status"],
            &u["statement_rows"],
            &u["ledger_rows"],
            &u["differences"]
        ),
        (&json!("done"), &json!(3), &json!(3), &json!(3)),
        "{runs}"
    );
    let open = differences(&server, &finance, "open").await;
    let seen: Vec<(&str, &str, Value, Value)> = open
        .iter()
        .map(|d| {
            (
                d["out_trade_no"].as_str().unwrap(),
                d["kind"].as_str().unwrap(),
                d["gateway_fen"].clone(),
                d["ledger_fen"].clone(),
            )
        })
        .collect();
    let mut expected = vec![
        (
            less.as_str(),
            "amount_mismatch",
            json!(price - 1),
            json!(price),
        ),
        (missing.as_str(), "ledger_only", Value::Null, json!(price)),
        ("GHOSTU000001", "gateway_only", json!(8800), Value::Null),
    ];
    expected.sort_by_key(|e| e.0);
    assert_eq!(seen, expected, "{open:?}");
    assert!(open.iter().all(|d| d["gateway"] == "unionpay"));
    let less_row = open.iter().find(|d| d["out_trade_no"] == less).unwrap();
    assert_eq!(less_row["gateway_trade_no"].as_str().unwrap().len(), 21);

    // Each is resolved with a note, audited.
    for d in &open {
        let id = d["id"].as_str().unwrap();
        let (status, resolved) = server
            .staff_post(
                &finance,
                &format!("/api/v1/admin/reconciliation/differences/{id}/resolve"),
                json!({"note": "已与银联商户服务平台核对"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{resolved}");
        assert_eq!(
            server.sql(&format!(
                "SELECT actor || ' ' || action FROM audit WHERE subject = '{id}' ORDER BY id"
            )),
            "staff:fin reconcile.difference_found\nstaff:fin reconcile.difference_resolved"
        );
    }
    assert!(differences(&server, &finance, "open").await.is_empty());
    let (status, body) = server
        .get_as(&finance.0, "/api/v1/admin/audit/verify")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
