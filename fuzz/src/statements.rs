//! Checks for the `statement_files` target: each gateway's statement reader
//! (`server::reconcile::{wechat, alipay}`) on any bytes.

use protocol::money::Fen;
use server::reconcile::statement::{MAX_FIELD_CHARS, MAX_ROWS, Statement, StatementError};
use server::reconcile::{alipay, unionpay, wechat};

/// The UnionPay merchant the zip readers look for (the emulator's).
pub const UNIONPAY_MER_ID: &str = "777290058110097";

/// Which reader the first input byte picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// WeChat Pay's trade bill (UTF-8 CSV), `reconcile::wechat::parse`.
    Wechat,
    /// Alipay's bill zip: `reconcile::alipay::detail_file`, then `parse` on what it gives.
    AlipayZip,
    /// Alipay's detail CSV (GBK) alone, `reconcile::alipay::parse`, so no mutation is spent
    /// on the zip around it.
    AlipayCsv,
    /// UnionPay's `fileContent` (base64 of zlib of the day's zip) as the file transfer
    /// answer carries it: `reconcile::unionpay::decode_file_content`, `zm_file`, `read`.
    UnionpayContent,
    /// UnionPay's day zip: `zm_file`, then `read` of the merchant's ZM file.
    UnionpayZip,
    /// A UnionPay ZM file (fixed-width GBK lines) alone, `reconcile::unionpay::parse`.
    UnionpayZm,
}

impl Reader {
    /// Every reader, in the order of the first byte (`byte % ALL.len()`).
    pub const ALL: [Reader; 6] = [
        Reader::Wechat,
        Reader::AlipayZip,
        Reader::AlipayCsv,
        Reader::UnionpayContent,
        Reader::UnionpayZip,
        Reader::UnionpayZm,
    ];

    /// The reader of first byte `b`.
    pub fn pick(b: u8) -> Self {
        Self::ALL[usize::from(b) % Self::ALL.len()]
    }

    /// The first byte that picks this reader.
    pub fn byte(self) -> u8 {
        let i = Self::ALL.iter().position(|r| *r == self).unwrap_or(0);
        u8::try_from(i).unwrap_or(0)
    }
}

/// Reads `file` with `reader` and checks the outcome.
pub fn check(reader: Reader, file: &[u8]) {
    let read = match reader {
        Reader::Wechat => wechat::parse(file),
        Reader::AlipayZip => alipay::detail_file(file).and_then(|csv| alipay::parse(&csv)),
        Reader::AlipayCsv => alipay::parse(file),
        // The answer is read as text (reqwest's lossy `text()`), then parse_answer.
        Reader::UnionpayContent => unionpay::decode_file_content(&String::from_utf8_lossy(file))
            .and_then(|zip| unionpay::zm_file(&zip, Some(UNIONPAY_MER_ID)))
            .and_then(|zm| unionpay::read(&zm, Some(UNIONPAY_MER_ID))),
        Reader::UnionpayZip => unionpay::zm_file(file, Some(UNIONPAY_MER_ID))
            .and_then(|zm| unionpay::read(&zm, Some(UNIONPAY_MER_ID))),
        Reader::UnionpayZm => unionpay::parse(file),
    };
    match read {
        Ok(statement) => {
            check_limits(&statement);
            check_round_trip(reader, &statement);
        }
        Err(e) => check_error(reader, &e),
    }
}

fn check_limits(s: &Statement) {
    assert!(
        s.payments.len() + s.refunds <= MAX_ROWS,
        "{} payments and {} refunds taken",
        s.payments.len(),
        s.refunds
    );
    for p in &s.payments {
        assert!(!p.out_trade_no.is_empty(), "a payment without 商户订单号");
        for f in [&p.out_trade_no, &p.gateway_trade_no] {
            assert!(
                f.chars().count() <= MAX_FIELD_CHARS,
                "a field over the limit"
            );
        }
    }
}

// A CSV reader's refusal quotes at most a field (bounded) and some words. The zip
// readers name an entry by its index, but carry the zip crate's own messages, which
// this target does not bound.
fn check_error(reader: Reader, e: &StatementError) {
    if matches!(
        reader,
        Reader::AlipayZip | Reader::UnionpayContent | Reader::UnionpayZip
    ) {
        return;
    }
    let n = e.to_string().len();
    assert!(n <= 4 * MAX_FIELD_CHARS + 256, "a {n}-byte error message");
}

// What the emulator's writer would change (it blanks separators), or what a reader
// trims: such a value does not come back as it was, and that is not a fault.
fn writable(s: &str) -> bool {
    s == s.trim() && !s.starts_with('`') && !s.contains([',', '\n', '\r', '#', '\t', '\u{feff}'])
}

/// An accepted statement, written again by the emulator's own writer (what
/// `sandbox::gateways` serves) and read back, is the same statement.
fn check_round_trip(reader: Reader, s: &Statement) {
    if matches!(
        reader,
        Reader::UnionpayContent | Reader::UnionpayZip | Reader::UnionpayZm
    ) {
        // Fixed-width lines: no writer that takes a Statement.
        return;
    }
    // GBK (a gb18030 decoder in encoding_rs) reads characters it cannot write back.
    let gbk = |v: &str| reader == Reader::Wechat || !encoding_rs::GBK.encode(v).2;
    let ok = |v: &str| writable(v) && gbk(v);
    if !s
        .payments
        .iter()
        .all(|p| ok(&p.out_trade_no) && ok(&p.gateway_trade_no))
    {
        return;
    }
    let again = match reader {
        Reader::Wechat => wechat::parse(wechat_bill(s).as_bytes()),
        Reader::AlipayZip | Reader::AlipayCsv => alipay::parse(&alipay_bill(s)),
        _ => return,
    };
    match again {
        Ok(again) => assert_eq!(&again, s, "read back differently"),
        Err(e) => panic!("an accepted statement written again is refused: {e}"),
    }
}

/// A WeChat Pay trade bill of `s`, as the emulator writes one.
pub fn wechat_bill(s: &Statement) -> String {
    let row = |state: &str, no: &str, id: &str, amount: &str| {
        let mut fields = vec![String::new(); wechat::HEADER.len()];
        for (name, v) in [
            (wechat::TRADE_STATE, state),
            (wechat::OUT_TRADE_NO, no),
            (wechat::TRANSACTION_ID, id),
            (wechat::ORDER_AMOUNT, amount),
        ] {
            if let Some(i) = wechat::HEADER.iter().position(|h| *h == name) {
                fields[i] = v.to_owned();
            }
        }
        wechat::detail_line(&fields)
    };
    let mut out = wechat::HEADER.join(",") + "\r\n";
    for p in &s.payments {
        let amount = Fen(p.amount_fen).yuan_string();
        out += &(row("SUCCESS", &p.out_trade_no, &p.gateway_trade_no, &amount) + "\r\n");
    }
    for _ in 0..s.refunds {
        out += &(row("REFUND", "R", "R", "0.00") + "\r\n");
    }
    out += &(wechat::SUMMARY_HEADER.join(",") + "\r\n");
    out += &format!(
        "`{},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00\r\n",
        s.payments.len() + s.refunds
    );
    out
}

/// An Alipay detail CSV (GBK) of `s`, as the emulator writes one.
pub fn alipay_bill(s: &Statement) -> Vec<u8> {
    let mut rows: Vec<Vec<String>> = s
        .payments
        .iter()
        .map(|p| {
            let amount = Fen(p.amount_fen).yuan_string();
            alipay::row(&p.gateway_trade_no, &p.out_trade_no, "交易", &amount)
        })
        .collect();
    rows.extend((0..s.refunds).map(|_| alipay::row("R", "R", "退款", "0.00")));
    alipay::gbk(&alipay::detail_text(
        "20881011064993640156",
        "2026-12-02",
        &rows,
        s.payments.len(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use server::reconcile::statement::StatementRow;

    fn statement() -> Statement {
        Statement {
            payments: vec![
                StatementRow {
                    out_trade_no: "PAY1".into(),
                    gateway_trade_no: "4200001".into(),
                    amount_fen: 10000,
                },
                StatementRow {
                    out_trade_no: "PAY2".into(),
                    gateway_trade_no: "4200002".into(),
                    amount_fen: 1,
                },
            ],
            refunds: 1,
        }
    }

    #[test]
    fn the_writers_make_bills_the_readers_take() {
        let s = statement();
        assert_eq!(
            wechat::parse(wechat_bill(&s).as_bytes()).ok(),
            Some(s.clone())
        );
        assert_eq!(alipay::parse(&alipay_bill(&s)).ok(), Some(s.clone()));
        let zip = alipay::zip_bill("2088_20261202", &alipay_bill(&s)).expect("zip");
        check(Reader::AlipayZip, &zip);
        check(Reader::Wechat, wechat_bill(&s).as_bytes());
    }

    #[test]
    fn every_reader_has_its_byte() {
        for r in Reader::ALL {
            assert_eq!(Reader::pick(r.byte()), r);
        }
    }
}
