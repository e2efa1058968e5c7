//! WeChat Pay's trade bill (交易账单). `GET /v3/bill/tradebill?bill_date=…&bill_type=ALL`
//! (申请交易账单, <https://pay.weixin.qq.com/docs/merchant/apis/native-payment/get-trade-bill.html>,
//! formerly `…/wiki/doc/apiv3/apis/chapter3_4_6.shtml`) answers, signed,
//! `{"hash_type":"SHA1","hash_value","download_url"}`; the file at `download_url` is
//! fetched with a signed GET (its answer is not signed: the SHA1 proves it). The file
//! (交易账单文件格式说明,
//! <https://pay.weixin.qq.com/docs/merchant/products/bill-download/format-trade.html>):
//! a header line, detail rows whose every field starts with a backquote, then the
//! summary's header (`总交易单数,…`) and its row; amounts in yuan. Columns are found by
//! their names (their order "is not fixed", says the format's description).

use async_trait::async_trait;
use axum::http::Method;
use sha1::{Digest, Sha1};
use time::Date;

use super::statement::{
    self, MAX_FILE_BYTES, MAX_ROWS, Statement, StatementError, StatementRow, StatementSource,
};
use crate::clock;
use crate::payments::wechat::signature::{Authorization, Request, Signed};
use crate::payments::wechat::{self, Credentials};
use crate::random;

/// The detail header's columns read (the others are kept as they come).
pub const TRADE_TIME: &str = "交易时间";
/// 微信订单号.
pub const TRANSACTION_ID: &str = "微信订单号";
/// 商户订单号.
pub const OUT_TRADE_NO: &str = "商户订单号";
/// 交易状态: `SUCCESS` (a payment), `REFUND` (a refund row), `REVOKED`.
pub const TRADE_STATE: &str = "交易状态";
/// 订单金额 (yuan): the order's amount, what the ledger charged.
pub const ORDER_AMOUNT: &str = "订单金额";
/// The summary header's first column.
pub const TOTAL_COUNT: &str = "总交易单数";

/// The bill's detail header, as the emulator writes it (ALL: payments and refunds).
pub const HEADER: &[&str] = &[
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
];

/// The summary's header.
pub const SUMMARY_HEADER: &[&str] = &[
    "总交易单数",
    "应结订单总金额",
    "退款总金额",
    "充值券退款总金额",
    "手续费总金额",
    "订单总金额",
    "申请退款总金额",
];

/// The answer of 申请交易账单.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
pub struct BillAnswer {
    /// `SHA1`.
    pub hash_type: String,
    /// The file's digest, hex.
    pub hash_value: String,
    /// Where the file is (5 minutes).
    pub download_url: String,
}

/// WeChat Pay's statements, with the provider's credentials.
pub struct TradeBill {
    c: Credentials,
    http: reqwest::Client,
}

fn gateway(e: impl std::fmt::Display) -> StatementError {
    StatementError::Gateway(format!("WeChat Pay: {e}"))
}

impl TradeBill {
    /// The reader; talks to nothing yet.
    pub fn new(c: Credentials) -> Result<Self, StatementError> {
        let http = super::statement::client(reqwest::redirect::Policy::none()).map_err(gateway)?;
        Ok(Self { c, http })
    }

    /// A signed GET of `path_and_query` (as on api.mch.weixin.qq.com).
    async fn get(&self, path_and_query: &str) -> Result<reqwest::Response, StatementError> {
        let auth = Authorization::sign(
            &self.c.merchant_key,
            &self.c.mchid,
            &self.c.merchant_serial_no,
            &Request {
                method: Method::GET.as_str(),
                path_and_query,
                body: "",
            },
            clock::now_ms() / 1000,
            &random::hex(16).to_uppercase(),
        );
        let url = format!("{}{path_and_query}", self.c.base_url.trim_end_matches('/'));
        self.http
            .get(url)
            .header("Authorization", auth.header())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(gateway)
    }
}

#[async_trait]
impl StatementSource for TradeBill {
    fn gateway(&self) -> &'static str {
        wechat::NAME
    }

    async fn fetch(&self, date: Date) -> Result<Statement, StatementError> {
        let day = super::date_string(date);
        let response = self
            .get(&format!("/v3/bill/tradebill?bill_date={day}&bill_type=ALL"))
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = statement::bounded_body(response, 64 * 1024).await?;
        if !status.is_success() {
            let code = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
                .unwrap_or_default();
            return match code.as_str() {
                // 账单文件不存在: no trade that day.
                "NO_STATEMENT_EXIST" => Ok(Statement {
                    payments: Vec::new(),
                    refunds: 0,
                }),
                "STATEMENT_CREATING" => Err(StatementError::NotYet(day)),
                _ => Err(gateway(format!("tradebill answered {status} {code}"))),
            };
        }
        Signed::from_headers(&headers)
            .and_then(|s| {
                s.verify(
                    &self.c.platform_key,
                    &self.c.platform_serial,
                    clock::now_ms() / 1000,
                    &body,
                )
            })
            .map_err(|e| gateway(format!("tradebill answer not believed: {e}")))?;
        let answer: BillAnswer = serde_json::from_slice(&body)
            .map_err(|e| gateway(format!("unreadable tradebill answer: {e}")))?;
        if answer.hash_type != "SHA1" {
            return Err(gateway(format!("unknown hash_type {:?}", answer.hash_type)));
        }
        // Only ever send our signature to WeChat Pay's own host.
        let base = self.c.base_url.trim_end_matches('/');
        let path = answer
            .download_url
            .strip_prefix(base)
            .filter(|p| p.starts_with('/'))
            .ok_or_else(|| gateway("download_url is not on the API's host"))?;
        let response = self.get(path).await?;
        if !response.status().is_success() {
            return Err(gateway(format!(
                "the download answered {}",
                response.status()
            )));
        }
        let file = statement::bounded_body(response, MAX_FILE_BYTES).await?;
        let digest = protocol::ids::to_hex(&Sha1::digest(&file));
        if !digest.eq_ignore_ascii_case(&answer.hash_value) {
            return Err(StatementError::Digest {
                announced: answer.hash_value,
            });
        }
        parse(&file)
    }
}

/// Reads a trade bill file.
pub fn parse(file: &[u8]) -> Result<Statement, StatementError> {
    if file.len() > MAX_FILE_BYTES {
        return Err(StatementError::TooLarge {
            limit: MAX_FILE_BYTES,
        });
    }
    let text = std::str::from_utf8(file)
        .map_err(|e| StatementError::format(0, format!("not UTF-8: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or_else(|| StatementError::format(0, "empty"))?;
    let names: Vec<&str> = header
        .split(',')
        .map(|n| n.trim().trim_start_matches('`'))
        .collect();
    let column = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| StatementError::format(1, format!("no column {name}")))
    };
    let (state_at, no_at, id_at, amount_at) = (
        column(TRADE_STATE)?,
        column(OUT_TRADE_NO)?,
        column(TRANSACTION_ID)?,
        column(ORDER_AMOUNT)?,
    );
    let mut payments = Vec::new();
    let mut refunds = 0;
    let mut rows = 0usize;
    let mut summary = None;
    while let Some((n, line)) = lines.next() {
        let fields: Vec<&str> = line.split(',').map(|f| f.trim_start_matches('`')).collect();
        if fields.first().map(|f| f.trim()) == Some(TOTAL_COUNT) {
            let values = lines
                .next()
                .ok_or_else(|| StatementError::format(n, "a summary header without values"))?;
            summary = Some(values);
            break;
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Err(StatementError::format(n, "too many rows"));
        }
        if fields.len() != names.len() {
            return Err(StatementError::format(
                n,
                format!("{} fields, the header has {}", fields.len(), names.len()),
            ));
        }
        for f in &fields {
            statement::field(n, f)?;
        }
        match fields[state_at] {
            "SUCCESS" => {
                let out_trade_no = fields[no_at].trim();
                if out_trade_no.is_empty() {
                    return Err(StatementError::format(n, "a payment without 商户订单号"));
                }
                payments.push(StatementRow {
                    out_trade_no: out_trade_no.to_owned(),
                    gateway_trade_no: fields[id_at].trim().to_owned(),
                    amount_fen: statement::fen(n, fields[amount_at])?,
                });
            }
            "REFUND" | "REVOKED" => refunds += 1,
            other => {
                return Err(StatementError::format(n, format!("交易状态 {other:?}")));
            }
        }
    }
    let (n, values) = summary.ok_or_else(|| StatementError::format(0, "no summary"))?;
    let total = values
        .split(',')
        .next()
        .map(|v| v.trim().trim_start_matches('`'))
        .and_then(|v| v.parse::<usize>().ok())
        .ok_or_else(|| StatementError::format(n, "总交易单数 is not a number"))?;
    if total != rows {
        return Err(StatementError::format(
            n,
            format!("总交易单数 {total}, the bill has {rows} rows"),
        ));
    }
    if let Some((n, _)) = lines.next() {
        return Err(StatementError::format(n, "lines after the summary"));
    }
    Ok(Statement { payments, refunds })
}

/// A bill's detail row, as WeChat Pay writes it (each field after a backquote).
pub fn detail_line(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| format!("`{}", f.replace([',', '\n', '\r'], " ")))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bill(rows: &[(&str, &str, &str, &str)], total: usize) -> String {
        let mut out = HEADER.join(",") + "\r\n";
        for (state, no, id, amount) in rows {
            let mut fields = vec![String::new(); HEADER.len()];
            let put = |fields: &mut Vec<String>, name: &str, v: &str| {
                if let Some(i) = HEADER.iter().position(|h| *h == name) {
                    fields[i] = v.to_owned();
                }
            };
            put(&mut fields, TRADE_STATE, state);
            put(&mut fields, OUT_TRADE_NO, no);
            put(&mut fields, TRANSACTION_ID, id);
            put(&mut fields, ORDER_AMOUNT, amount);
            put(&mut fields, TRADE_TIME, "2026-12-02 10:00:00");
            out += &(detail_line(&fields) + "\r\n");
        }
        out += &(SUMMARY_HEADER.join(",") + "\r\n");
        out += &format!("`{total},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00\r\n");
        out
    }

    #[test]
    fn reads_payments_and_counts_refunds() {
        let text = bill(
            &[
                ("SUCCESS", "PAY1", "4200001", "100.00"),
                ("REFUND", "PAY1", "4200001", "100.00"),
                ("SUCCESS", "PAY2", "4200002", "0.01"),
            ],
            3,
        );
        let s = parse(text.as_bytes()).expect("a bill");
        assert_eq!(s.refunds, 1);
        assert_eq!(
            s.payments,
            [
                StatementRow {
                    out_trade_no: "PAY1".into(),
                    gateway_trade_no: "4200001".into(),
                    amount_fen: 10000
                },
                StatementRow {
                    out_trade_no: "PAY2".into(),
                    gateway_trade_no: "4200002".into(),
                    amount_fen: 1
                },
            ]
        );
    }

    #[test]
    fn refuses_what_the_format_does_not_allow() {
        let ok = bill(&[("SUCCESS", "PAY1", "1", "1.00")], 1);
        assert!(parse(ok.as_bytes()).is_ok());
        let cases = [
            bill(&[("SUCCESS", "PAY1", "1", "1.00")], 2),
            bill(&[("SUCCESS", "PAY1", "1", "1.001")], 1),
            bill(&[("SUCCESS", "PAY1", "1", "abc")], 1),
            bill(&[("PAYING", "PAY1", "1", "1.00")], 1),
            bill(&[("SUCCESS", "", "1", "1.00")], 1),
            ok.replace(TOTAL_COUNT, "合计"),
            ok.replace("订单金额,", "金额,"),
            ok.clone() + "extra\r\n",
            ok.replace("`PAY1", "`PAY1,x"),
            format!("{}\r\n", HEADER.join(",")),
            String::new(),
            ok.replace("`PAY1", &format!("`{}", "x".repeat(600))),
        ];
        for (i, text) in cases.iter().enumerate() {
            assert!(parse(text.as_bytes()).is_err(), "case {i} was taken");
        }
        assert!(parse(&[0xff, 0xfe, 0x00]).is_err());
    }
}
