//! Alipay's trade bill (业务账单). `alipay.data.dataservice.bill.downloadurl.query`
//! with `{"bill_type":"trade","bill_date":"YYYY-MM-DD"}` (查询对账单下载地址,
//! <https://opendocs.alipay.com/apis/api_15/alipay.data.dataservice.bill.downloadurl.query>)
//! answers, signed, `bill_download_url` (valid 30 s, a `csv.zip`); `isp.bill_not_exist`
//! means no trade that day. The zip holds `<pid>_<date>_业务明细.csv` and its
//! `(汇总)` summary, CSV in GBK (the ANSI code page of Chinese Windows: 下载账单
//! 说明, <https://developer.aliyun.com/article/707638>; 对账说明
//! <https://opendocs.alipay.com/open/204/106262>): `#` comment lines around a header
//! (`支付宝交易号,商户订单号,业务类型,…,订单金额（元）,…`) and its rows, padded with
//! tabs and spaces, then `#交易合计：N笔，…` and `#退款合计：N笔，…`.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use async_trait::async_trait;
use serde_json::{Value, json};
use time::Date;

use super::statement::{
    self, MAX_FILE_BYTES, MAX_ROWS, MAX_ZIP_ENTRIES, Statement, StatementError, StatementRow,
    StatementSource,
};
use crate::clock;
use crate::payments::alipay::{self, Credentials, sign};

/// The API method.
pub const METHOD: &str = "alipay.data.dataservice.bill.downloadurl.query";
/// 支付宝交易号.
pub const TRADE_NO: &str = "支付宝交易号";
/// 商户订单号.
pub const OUT_TRADE_NO: &str = "商户订单号";
/// 业务类型: `交易` or `退款`.
pub const KIND: &str = "业务类型";
/// 订单金额（元）, full-width parentheses.
pub const ORDER_AMOUNT: &str = "订单金额（元）";
/// The detail file's name ends so (the summary's ends `业务明细(汇总).csv`).
pub const DETAIL_SUFFIX: &str = "_业务明细.csv";

/// The detail header, as the emulator writes it.
pub const HEADER: &[&str] = &[
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
];

/// Alipay's statements, with the provider's credentials.
pub struct TradeBill {
    c: Credentials,
    http: reqwest::Client,
}

fn gateway(e: impl std::fmt::Display) -> StatementError {
    StatementError::Gateway(format!("Alipay: {e}"))
}

impl TradeBill {
    /// The reader; talks to nothing yet.
    pub fn new(c: Credentials) -> Result<Self, StatementError> {
        let http =
            super::statement::client(reqwest::redirect::Policy::default()).map_err(gateway)?;
        Ok(Self { c, http })
    }

    /// The download URL of `day`'s trade bill; none when Alipay has none.
    async fn download_url(&self, day: &str) -> Result<Option<String>, StatementError> {
        let mut params = BTreeMap::new();
        params.insert("app_id".to_owned(), self.c.app_id.clone());
        params.insert("method".to_owned(), METHOD.to_owned());
        params.insert("format".to_owned(), "JSON".to_owned());
        params.insert("charset".to_owned(), "utf-8".to_owned());
        params.insert("timestamp".to_owned(), alipay::timestamp(clock::now_ms()));
        params.insert("version".to_owned(), "1.0".to_owned());
        params.insert(
            "biz_content".to_owned(),
            json!({ "bill_type": "trade", "bill_date": day }).to_string(),
        );
        sign::sign_request(&self.c.app_private_key, &mut params);
        let response = self
            .http
            .post(&self.c.gateway_url)
            .form(&params)
            .send()
            .await
            .map_err(gateway)?;
        if !response.status().is_success() {
            return Err(gateway(format!("{METHOD} answered {}", response.status())));
        }
        let body = statement::bounded_body(response, 64 * 1024).await?;
        let body = String::from_utf8(body).map_err(gateway)?;
        let key = format!("{}_response", METHOD.replace('.', "_"));
        let raw = sign::raw_member(&body, &key).ok_or_else(|| gateway(format!("no {key}")))?;
        let outer: Value = serde_json::from_str(&body).map_err(gateway)?;
        let member: Value = serde_json::from_str(raw).map_err(gateway)?;
        let s = |name: &str| member.get(name).and_then(Value::as_str).unwrap_or_default();
        match outer.get("sign").and_then(Value::as_str) {
            Some(signature) => sign::verify(&self.c.alipay_public_key, raw, signature)
                .map_err(|e| gateway(format!("{METHOD}: answer not believed: {e}")))?,
            None if s("code") == "10000" => {
                return Err(gateway(format!("{METHOD}: an unsigned answer")));
            }
            None => {}
        }
        if s("code") != "10000" {
            return if s("sub_code") == "isp.bill_not_exist" {
                Ok(None)
            } else {
                Err(gateway(format!(
                    "{METHOD} answered {} {}: {} {}",
                    s("code"),
                    s("msg"),
                    s("sub_code"),
                    s("sub_msg")
                )))
            };
        }
        let url = s("bill_download_url");
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(gateway("no bill_download_url"));
        }
        Ok(Some(url.to_owned()))
    }
}

#[async_trait]
impl StatementSource for TradeBill {
    fn gateway(&self) -> &'static str {
        alipay::NAME
    }

    async fn fetch(&self, date: Date) -> Result<Statement, StatementError> {
        let day = super::date_string(date);
        let Some(url) = self.download_url(&day).await? else {
            return Ok(Statement {
                payments: Vec::new(),
                refunds: 0,
            });
        };
        let response = self.http.get(&url).send().await.map_err(gateway)?;
        if !response.status().is_success() {
            return Err(gateway(format!(
                "the download answered {}",
                response.status()
            )));
        }
        let zip = statement::bounded_body(response, MAX_FILE_BYTES).await?;
        parse(&detail_file(&zip)?)
    }
}

/// The detail CSV (`…_业务明细.csv`) out of a bill zip, bounded in entries and size.
pub fn detail_file(zip: &[u8]) -> Result<Vec<u8>, StatementError> {
    let bad = |m: String| StatementError::format(0, m);
    let mut archive =
        zip::ZipArchive::new(Cursor::new(zip)).map_err(|e| bad(format!("not a zip: {e}")))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(bad(format!("{} files in the zip", archive.len())));
    }
    for i in 0..archive.len() {
        let file = archive
            .by_index(i)
            .map_err(|e| bad(format!("zip entry {i}: {e}")))?;
        // Alipay names the files in GBK; a UTF-8 name is taken too.
        let raw = file.name_raw().to_vec();
        let name = match std::str::from_utf8(&raw) {
            Ok(n) => n.to_owned(),
            Err(_) => encoding_rs::GBK
                .decode_without_bom_handling(&raw)
                .0
                .into_owned(),
        };
        if !name.ends_with(DETAIL_SUFFIX) {
            continue;
        }
        let mut out = Vec::new();
        let limit = u64::try_from(MAX_FILE_BYTES).unwrap_or(u64::MAX) + 1;
        file.take(limit)
            .read_to_end(&mut out)
            .map_err(|e| bad(format!("zip entry {i}: {e}")))?;
        if out.len() > MAX_FILE_BYTES {
            return Err(StatementError::TooLarge {
                limit: MAX_FILE_BYTES,
            });
        }
        return Ok(out);
    }
    Err(bad(format!("no *{DETAIL_SUFFIX} in the zip")))
}

/// The count in a `#交易合计：N笔，…` line.
fn total_line(line: &str, prefix: &str) -> Option<usize> {
    line.strip_prefix(prefix)?
        .split('笔')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// Reads the detail CSV (GBK).
pub fn parse(file: &[u8]) -> Result<Statement, StatementError> {
    if file.len() > MAX_FILE_BYTES {
        return Err(StatementError::TooLarge {
            limit: MAX_FILE_BYTES,
        });
    }
    let text = encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(file)
        .ok_or_else(|| StatementError::format(0, "not GBK text"))?;
    let mut header: Option<Vec<String>> = None;
    let mut ended = false;
    let (mut payments, mut refunds, mut rows) = (Vec::new(), 0usize, 0usize);
    let (mut trade_total, mut refund_total) = (None, None);
    for (i, line) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            if header.is_some() {
                ended = true;
            }
            if let Some(t) = total_line(comment, "交易合计：") {
                trade_total = Some(t);
            }
            if let Some(t) = total_line(comment, "退款合计：") {
                refund_total = Some(t);
            }
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let Some(names) = &header else {
            header = Some(fields.iter().map(|f| (*f).to_owned()).collect());
            continue;
        };
        if ended {
            return Err(StatementError::format(n, "a row after the list's end"));
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
        let at = |name: &str| {
            names
                .iter()
                .position(|h| h == name)
                .map(|i| fields[i])
                .ok_or_else(|| StatementError::format(n, format!("no column {name}")))
        };
        for f in &fields {
            statement::field(n, f)?;
        }
        match at(KIND)? {
            "交易" => {
                let out_trade_no = at(OUT_TRADE_NO)?;
                if out_trade_no.is_empty() {
                    return Err(StatementError::format(n, "a trade without 商户订单号"));
                }
                payments.push(StatementRow {
                    out_trade_no: out_trade_no.to_owned(),
                    gateway_trade_no: at(TRADE_NO)?.to_owned(),
                    amount_fen: statement::fen(n, at(ORDER_AMOUNT)?)?,
                });
            }
            "退款" => refunds += 1,
            other => return Err(StatementError::format(n, format!("业务类型 {other:?}"))),
        }
    }
    let Some(names) = header else {
        return Err(StatementError::format(0, "no header"));
    };
    for needed in [TRADE_NO, OUT_TRADE_NO, KIND, ORDER_AMOUNT] {
        if !names.iter().any(|h| h == needed) {
            return Err(StatementError::format(0, format!("no column {needed}")));
        }
    }
    if trade_total != Some(payments.len()) || refund_total != Some(refunds) {
        return Err(StatementError::format(
            0,
            format!(
                "交易合计 {trade_total:?} and 退款合计 {refund_total:?} for {} trades and {refunds} refunds",
                payments.len()
            ),
        ));
    }
    Ok(Statement { payments, refunds })
}

/// A bill's detail row, as Alipay writes it (each field padded with a tab).
pub fn detail_line(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| format!("{}\t", f.replace([',', '\n', '\r', '#'], " ")))
        .collect::<Vec<_>>()
        .join(",")
}

/// The detail CSV's text (before GBK encoding): comments, header, rows, totals.
pub fn detail_text(account: &str, day: &str, rows: &[Vec<String>], trades: usize) -> String {
    let mut out = String::new();
    out += "#支付宝业务明细查询\r\n";
    out += &format!("#账号：[{account}]\r\n");
    out += &format!("#起始日期：[{day} 00:00:00]   终止日期：[{day} 23:59:59]\r\n");
    out += "#-----------------------------------------业务明细列表----------------------------------------\r\n";
    out += &(HEADER.join(",") + "\r\n");
    for r in rows {
        out += &(detail_line(r) + "\r\n");
    }
    out += "#-----------------------------------------业务明细列表结束------------------------------------\r\n";
    out += &format!("#交易合计：{trades}笔，商家实收共：0.00元\r\n");
    out += &format!(
        "#退款合计：{}笔，商家实收退款共：0.00元\r\n",
        rows.len().saturating_sub(trades)
    );
    out += &format!("#导出时间：[{day} 10:00:00]\r\n");
    out
}

/// A detail row of `HEADER.len()` fields with the ones reconciliation reads.
pub fn row(trade_no: &str, out_trade_no: &str, kind: &str, amount: &str) -> Vec<String> {
    let mut fields = vec![String::new(); HEADER.len()];
    for (name, value) in [
        (TRADE_NO, trade_no),
        (OUT_TRADE_NO, out_trade_no),
        (KIND, kind),
        (ORDER_AMOUNT, amount),
    ] {
        if let Some(i) = HEADER.iter().position(|h| *h == name) {
            fields[i] = value.to_owned();
        }
    }
    fields
}

/// GBK bytes of `text` (what Alipay's files are).
pub fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// A bill zip holding `detail` (GBK bytes) and an empty summary, as Alipay packs it.
pub fn zip_bill(prefix: &str, detail: &[u8]) -> Result<Vec<u8>, zip::result::ZipError> {
    use std::io::Write as _;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file(format!("{prefix}{DETAIL_SUFFIX}"), options)?;
    w.write_all(detail)?;
    w.start_file(format!("{prefix}_业务明细(汇总).csv"), options)?;
    w.write_all(&gbk("#支付宝业务汇总查询\r\n"))?;
    Ok(w.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bill(rows: &[Vec<String>], trades: usize) -> Vec<u8> {
        gbk(&detail_text(
            "20881011064993640156",
            "2026-12-02",
            rows,
            trades,
        ))
    }

    #[test]
    fn reads_a_zipped_gbk_bill() {
        let rows = [
            row("2026120222001", "PAY1", "交易", "100.00"),
            row("2026120222001", "PAY1", "退款", "-100.00"),
            row("2026120222002", "PAY2", "交易", "0.01"),
        ];
        let zip = zip_bill("20881011064993640156_20261202", &bill(&rows, 2)).expect("zip");
        let s = parse(&detail_file(&zip).expect("the detail file")).expect("a bill");
        assert_eq!(s.refunds, 1);
        assert_eq!(
            s.payments
                .iter()
                .map(|p| (p.out_trade_no.as_str(), p.amount_fen))
                .collect::<Vec<_>>(),
            [("PAY1", 10000), ("PAY2", 1)]
        );
        assert_eq!(s.payments[0].gateway_trade_no, "2026120222001");
    }

    #[test]
    fn refuses_what_the_format_does_not_allow() {
        let one = [row("1", "PAY1", "交易", "1.00")];
        assert!(parse(&bill(&one, 1)).is_ok());
        let text = detail_text("2088", "2026-12-02", &one, 1);
        let cases: Vec<Vec<u8>> = vec![
            bill(&one, 2),
            bill(&[row("1", "PAY1", "交易", "1.001")], 1),
            bill(&[row("1", "", "交易", "1.00")], 1),
            bill(&[row("1", "PAY1", "转账", "1.00")], 1),
            gbk(&text.replace("订单金额（元）", "金额")),
            gbk(&text.replace("#交易合计：1笔", "#合计")),
            gbk(&(text.clone() + "1,2,3\r\n")),
            gbk(&text.replace("PAY1\t", "PAY1\t,x")),
            gbk(&text.replace("PAY1", &"x".repeat(600))),
            vec![0x81, 0x20],
            Vec::new(),
        ];
        for (i, file) in cases.iter().enumerate() {
            assert!(parse(file).is_err(), "case {i} was taken");
        }
        assert!(detail_file(b"not a zip").is_err());
        let other = zip_bill("x", &bill(&one, 1)).expect("zip");
        assert!(detail_file(&other).is_ok());
    }
}
