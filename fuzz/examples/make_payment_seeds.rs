//! Writes the seeds of the payment targets (issue 14), in the gateways' real formats as
//! the server's own writers and the emulators make them:
//!
//! - `seeds/statement_files/`: a WeChat Pay trade bill, an Alipay bill zip and its GBK
//!   detail CSV, each accepted, and refused variants;
//! - `seeds/payment_notices/`: for each gateway a notice as sent (signed by the fixed
//!   test keys of `keys/`), the same for the signed-here modes, and answers.
//!
//! Run from `fuzz/` (see README.md for the build flags that reuse the fuzz build):
//! `cargo run --example make_payment_seeds`. The first byte of every seed picks the
//! reader or mode. Deterministic but for the UnionPay certificate (made at each run).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use certrenew_fuzz::notices::{self, Mode};
use certrenew_fuzz::statements::{self, Reader};
use server::payments::alipay::sign as alipay_sign;
use server::payments::unionpay::sign as unionpay_sign;
use server::payments::wechat::aead::ApiV3Key;
use server::payments::wechat::signature::Signed;
use server::reconcile::statement::{Statement, StatementRow};
use server::reconcile::{alipay, unionpay};

fn write(dir: &Path, name: &str, first: u8, body: &[u8]) {
    let mut out = vec![first];
    out.extend_from_slice(body);
    fs::write(dir.join(name), out).unwrap();
}

fn statement_seeds(dir: &Path) {
    let s = Statement {
        payments: vec![
            StatementRow {
                out_trade_no: "P20261202000001".into(),
                gateway_trade_no: "4200002026120200001".into(),
                amount_fen: 10000,
            },
            StatementRow {
                out_trade_no: "P20261202000002".into(),
                gateway_trade_no: "4200002026120200002".into(),
                amount_fen: 1,
            },
        ],
        refunds: 1,
    };
    let w = Reader::Wechat.byte();
    let bill = statements::wechat_bill(&s);
    write(dir, "wechat_bill.csv", w, bill.as_bytes());
    write(
        dir,
        "wechat_bill_bom.csv",
        w,
        format!("\u{feff}{bill}").as_bytes(),
    );
    write(
        dir,
        "wechat_bill_bad_total.csv",
        w,
        bill.replace("`3,`0.00", "`4,`0.00").as_bytes(),
    );
    let csv = statements::alipay_bill(&s);
    write(dir, "alipay_detail.csv", Reader::AlipayCsv.byte(), &csv);
    let zip = alipay::zip_bill("20881011064993640156_20261202", &csv).unwrap();
    write(dir, "alipay_bill.zip", Reader::AlipayZip.byte(), &zip);
    let empty = Statement {
        payments: Vec::new(),
        refunds: 0,
    };
    let zip = alipay::zip_bill("2088_20261202", &statements::alipay_bill(&empty)).unwrap();
    write(dir, "alipay_bill_empty.zip", Reader::AlipayZip.byte(), &zip);
    // UnionPay: the file transfer's fileContent, the zip in it, the ZM file in that.
    let mer = statements::UNIONPAY_MER_ID;
    let line = |order: &str, query: &str, kind: &str, fen: i64| {
        unionpay::zm_line(&unionpay::ZmRow {
            txn_time: "1202103000",
            txn_amt: fen,
            query_id: query,
            order_id: order,
            txn_type: kind,
            mer_id: mer,
        })
    };
    let lines = [
        line("P20261202000001", "261202103000123456789", "01", 10000),
        line("P20261202000002", "261202103000123456790", "01", 1),
        line("R20261202000001", "261202113000123456791", "04", 10000),
    ];
    let content = unionpay::file_content("261202", mer, &lines).unwrap();
    let zip = unionpay::decode_file_content(&content).unwrap();
    let zm = unionpay::zm_file(&zip, Some(mer)).unwrap();
    let read = unionpay::read(&zm, Some(mer)).unwrap();
    assert_eq!(read.payments.len(), 2, "{read:?}");
    write(
        dir,
        "unionpay_file_content.txt",
        Reader::UnionpayContent.byte(),
        content.as_bytes(),
    );
    write(dir, "unionpay_day.zip", Reader::UnionpayZip.byte(), &zip);
    write(dir, "unionpay_zm.txt", Reader::UnionpayZm.byte(), &zm);
    for entry in fs::read_dir(dir).unwrap() {
        let file = fs::read(entry.unwrap().path()).unwrap();
        statements::check(Reader::pick(file[0]), &file[1..]);
    }
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn form(p: &BTreeMap<String, String>) -> Vec<u8> {
    serde_urlencoded::to_string(p).unwrap().into_bytes()
}

fn notice_seeds(dir: &Path) {
    let g = notices::gateways();

    // WeChat Pay: a payment and a refund notice (通知报文, resource encrypted).
    let transaction = format!(
        r#"{{"appid":"{}","mchid":"{}","out_trade_no":"P20261202000001","transaction_id":"4200002026120200001","trade_type":"NATIVE","trade_state":"SUCCESS","trade_state_desc":"支付成功","success_time":"2026-12-02T10:00:00+08:00","amount":{{"total":10000,"payer_total":10000,"currency":"CNY"}}}}"#,
        notices::APPID,
        notices::MCHID
    );
    let refund = format!(
        r#"{{"mchid":"{}","out_trade_no":"P20261202000001","transaction_id":"4200002026120200001","out_refund_no":"R20261202000001","refund_id":"50300002026120200001","refund_status":"SUCCESS","amount":{{"total":10000,"refund":10000}}}}"#,
        notices::MCHID
    );
    let envelope = |event: &str, original: &str| {
        format!(
            r#"{{"id":"EV-2026120210000001","create_time":"2026-12-02T10:00:01+08:00","resource_type":"encrypt-resource","event_type":"{event}","summary":"支付成功","resource":{{"original_type":"{original}","algorithm":"AEAD_AES_256_GCM","ciphertext":"@CT@","associated_data":"{}","nonce":"{}"}}}}"#,
            notices::AAD,
            notices::NONCE
        )
    };
    let w = Mode::WechatSigned.byte();
    for (name, event, original, plain) in [
        (
            "wechat_signed_payment",
            "TRANSACTION.SUCCESS",
            "transaction",
            &transaction,
        ),
        ("wechat_signed_refund", "REFUND.SUCCESS", "refund", &refund),
    ] {
        let mut input = envelope(event, original).into_bytes();
        input.push(0);
        input.extend_from_slice(plain.as_bytes());
        write(dir, name, w, &input);
        // The signed-here mode takes it.
        let body = notices::wechat_body(&input);
        let s = Signed::sign(&g.wechat_platform, notices::SERIAL, now_s(), "n", &body);
        let mut headers = axum::http::HeaderMap::new();
        for (n, v) in s.headers() {
            headers.insert(n, v.parse().unwrap());
        }
        use server::payments::provider::Provider as _;
        g.wechat.read_signed_notice(&headers, &body).unwrap();
        // As sent: signed at a fixed past time (stale now, so refused, but every header
        // and the body are as WeChat Pay sends them).
        let s = Signed::sign(
            &g.wechat_platform,
            notices::SERIAL,
            1_764_640_800,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            &body,
        );
        let mut headers: Vec<(&str, &str)> = s.headers().to_vec();
        headers.push(("Content-Type", "application/json"));
        let raw = notices::join_headers(&headers, &body);
        write(
            dir,
            &name.replace("signed", "as_sent"),
            Mode::WechatAsSent.byte(),
            &raw,
        );
    }
    let a = Mode::WechatAnswer.byte();
    write(dir, "wechat_answer_transaction", a, transaction.as_bytes());
    write(
        dir,
        "wechat_answer_refund",
        a,
        br#"{"refund_id":"50300002026120200001","out_refund_no":"R1","out_trade_no":"P1","status":"PROCESSING","amount":{"refund":100,"total":100}}"#,
    );
    write(
        dir,
        "wechat_answer_error",
        a,
        "{\"code\":\"ORDER_NOT_EXIST\",\"message\":\"订单不存在\"}".as_bytes(),
    );
    let key = ApiV3Key::new(notices::APIV3_KEY).unwrap();
    assert!(key.decrypt(notices::AAD, notices::NONCE, "AAAA").is_err());

    // Alipay: a payment (trade_status_sync) and a refund notice.
    let pay = params(&[
        ("notify_time", "2026-12-02 10:00:01"),
        ("notify_type", "trade_status_sync"),
        ("notify_id", "ac05099524730693a8b330c5ecf72da9786"),
        ("app_id", notices::ALIPAY_APP_ID),
        ("auth_app_id", notices::ALIPAY_APP_ID),
        ("charset", "utf-8"),
        ("version", "1.0"),
        ("trade_no", "2026120222001"),
        ("out_trade_no", "P20261202000001"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_amount", "100.00"),
        ("receipt_amount", "100.00"),
        ("subject", "证书续期"),
        ("gmt_create", "2026-12-02 09:59:00"),
        ("gmt_payment", "2026-12-02 10:00:00"),
        ("seller_id", notices::ALIPAY_SELLER),
        ("buyer_id", "2088102177846880"),
    ]);
    let mut refund = pay.clone();
    refund.insert("out_biz_no".into(), "R20261202000001".into());
    refund.insert("refund_fee".into(), "100.00".into());
    refund.insert("gmt_refund".into(), "2026-12-02 11:00:00.000".into());
    for (name, p) in [("alipay_payment", &pay), ("alipay_refund", &refund)] {
        write(
            dir,
            &format!("{name}_signed_here"),
            Mode::AlipaySigned.byte(),
            &form(p),
        );
        let mut signed = p.clone();
        alipay_sign::sign_notice(&g.alipay_key, &mut signed);
        use server::payments::provider::Provider as _;
        g.alipay.read_form_notice(&signed).unwrap();
        write(
            dir,
            &format!("{name}_as_sent"),
            Mode::AlipayAsSent.byte(),
            &form(&signed),
        );
    }
    for (i, method) in notices::ALIPAY_METHODS.iter().enumerate() {
        let member = r#"{"code":"10000","msg":"Success","trade_no":"2026120222001","out_trade_no":"P20261202000001","trade_status":"TRADE_SUCCESS","total_amount":"100.00","fund_change":"Y","refund_status":"REFUND_SUCCESS","bill_download_url":"http://127.0.0.1/b.zip"}"#;
        let sign = alipay_sign::sign(&g.alipay_key, member);
        let body = format!(r#"{{"{method}":{member},"sign":"{sign}"}}"#);
        let mut input = vec![u8::try_from(i).unwrap()];
        input.extend_from_slice(body.as_bytes());
        write(
            dir,
            &format!("alipay_answer_{i}"),
            Mode::AlipayAnswer.byte(),
            &input,
        );
    }

    // UnionPay: a payment's and a refund's back notice (后台通知), and an answer.
    let pay = params(&[
        ("version", "5.1.0"),
        ("encoding", "UTF-8"),
        ("bizType", "000201"),
        ("txnType", "01"),
        ("txnSubType", "01"),
        ("accessType", "0"),
        ("merId", notices::MER_ID),
        ("orderId", "P20261202000001"),
        ("txnTime", "20261202100000"),
        ("txnAmt", "10000"),
        ("currencyCode", "156"),
        ("queryId", "772012021000000000001"),
        ("respCode", "00"),
        ("respMsg", "成功[0000000]"),
        ("settleAmt", "10000"),
        ("settleCurrencyCode", "156"),
        ("settleDate", "1202"),
        ("traceNo", "123456"),
        ("traceTime", "1202100000"),
        ("accNo", "6216********0018"),
        ("payType", "0001"),
        ("payCardType", "01"),
    ]);
    let mut refund = pay.clone();
    refund.insert("txnType".into(), "04".into());
    refund.insert("orderId".into(), "R20261202000001".into());
    refund.insert("reqReserved".into(), "P20261202000001".into());
    for (name, p) in [("unionpay_payment", &pay), ("unionpay_refund", &refund)] {
        write(
            dir,
            &format!("{name}_signed_here"),
            Mode::UnionpaySigned.byte(),
            &form(p),
        );
        let mut signed = p.clone();
        unionpay_sign::sign_with_cert(&g.chain.sign_key, &g.chain.sign_pem, &mut signed);
        use server::payments::provider::Provider as _;
        g.unionpay.read_form_notice(&signed).unwrap();
        write(
            dir,
            &format!("{name}_as_sent"),
            Mode::UnionpayAsSent.byte(),
            &form(&signed),
        );
    }
    let mut answer = params(&[
        ("version", "5.1.0"),
        ("encoding", "UTF-8"),
        ("txnType", "00"),
        ("merId", notices::MER_ID),
        ("orderId", "P20261202000001"),
        ("respCode", "00"),
        ("respMsg", "成功[0000000]"),
        ("origRespCode", "00"),
        ("queryId", "772012021000000000001"),
        ("txnAmt", "10000"),
        ("reserved", "{a=1&b=2}"),
    ]);
    unionpay_sign::sign_with_cert(&g.chain.sign_key, &g.chain.sign_pem, &mut answer);
    g.trust.verify(&answer, now_s()).unwrap();
    write(
        dir,
        "unionpay_answer",
        Mode::UnionpayAnswer.byte(),
        unionpay_sign::answer_string(&answer).as_bytes(),
    );

    // Every seed goes through the target's checks.
    for entry in fs::read_dir(dir).unwrap() {
        let data = fs::read(entry.unwrap().path()).unwrap();
        notices::check(Mode::pick(data[0]), &data[1..]);
    }
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap())
}

fn main() {
    let statements = Path::new("seeds/statement_files");
    let notices = Path::new("seeds/payment_notices");
    fs::create_dir_all(statements).unwrap();
    fs::create_dir_all(notices).unwrap();
    statement_seeds(statements);
    notice_seeds(notices);
    println!(
        "wrote {} seeds to {} and {} to {}",
        fs::read_dir(statements).unwrap().count(),
        statements.display(),
        fs::read_dir(notices).unwrap().count(),
        notices.display()
    );
}
