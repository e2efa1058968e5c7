//! UnionPay's daily file (对账文件). ACP 5.1.0 文件传输类交易: a signed form POST of
//! `txnType=76`, `txnSubType=01`, `bizType=000000`, `fileType=00`, `settleDate=MMDD`
//! (清算日期) to `acpsdk.fileTransUrl` — `https://filedownload.95516.com/`, the test
//! environment's `https://filedownload.test.95516.com/`, another host than the
//! `gateway/api` calls — answered `k=v&…`, signed like every answer
//! (`crate::payments::unionpay::sign`): `respCode=98` is 文件不存在 (no file for the
//! day), `00` carries `fileName` (`<merId>_<yyyyMMdd>.zip`) and `fileContent` =
//! base64 of the zlib-compressed zip (the SDK's `AcpService.deCodeFileContent`:
//! base64-decode, `SDKUtil.inflater`, write as `fileName`). The zip holds the day's
//! files; the 全渠道商户一般交易明细流水文件 is `INN<yyMMdd><nn>ZM_<merId>`: GBK lines
//! of 41 fixed-width fields (bytes) separated by one space.
//!
//! Sources: the acp SDK sample `Form_7_2_FileTransfer` (request fields, `98`, the
//! decoding, `parseZMFile`'s widths and the `INN…ZM_` name; in
//! <https://github.com/Varorbc/PaySharp>, `document/银联支付(Unionpay)/upacp_demo_b2c/demo/api_01_gateway/Form_7_2_FileTransfer.aspx.cs>);
//! the Java SDK's `AcpService.deCodeFileContent`; the field names and widths of the
//! 文件接口规范 as merchants transcribed them (`tradeNo 3 交易代码`, … `txnAmt 12 交易金额`,
//! … `queryId 21 查询流水号`, `orderId 32 商户订单号`, … `txnType 2 交易类型`, …
//! `merId 15 商户代码`, …, `reserved 131`); the SDKs' `acpsdk.fileTransUrl` values.
//! UnionPay's own 《全渠道平台接入接口规范 第3部分 文件接口》 is not public: the widths are
//! those two samples agree on; how fields are padded is not stated there, so this reader
//! takes text left-aligned and trailing spaces, and `txnAmt` as 12 digits of fen
//! (ISO 8583 n12, as the `txnAmt` of the messages). Fields it does not read are only
//! checked for length. `txnType` `01` (消费) is a payment; `04` (退货) and `31`
//! (消费撤销) are refunds; any other type refuses the file.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::Date;

use super::statement::{
    self, MAX_FILE_BYTES, MAX_ROWS, MAX_ZIP_ENTRIES, Statement, StatementError, StatementRow,
    StatementSource,
};
use crate::clock;
use crate::payments::unionpay::{self, Credentials, PRODUCTION_GATEWAY, sign, txn_time};

/// The byte widths of the ZM file's fields (`parseZMFile` of the SDK sample).
pub const ZM_WIDTHS: [usize; 41] = [
    3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21,
    15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 131,
];
/// Field numbers (1-based, as the 文件接口 numbers them).
pub const TXN_TIME: usize = 5;
/// 交易金额, 12 digits of fen.
pub const TXN_AMT: usize = 7;
/// 查询流水号.
pub const QUERY_ID: usize = 10;
/// 商户订单号.
pub const ORDER_ID: usize = 12;
/// 交易类型.
pub const TXN_TYPE: usize = 20;
/// 交易子类.
pub const TXN_SUB_TYPE: usize = 21;
/// 业务类型.
pub const BIZ_TYPE: usize = 22;
/// 商户代码.
pub const MER_ID: usize = 28;

/// Byte offset of each field in a line.
const fn starts() -> [usize; 41] {
    let mut out = [0; 41];
    let mut i = 1;
    while i < 41 {
        out[i] = out[i - 1] + ZM_WIDTHS[i - 1] + 1;
        i += 1;
    }
    out
}
const STARTS: [usize; 41] = starts();
/// A line: every field and the 40 spaces between them (607 bytes; both SDK parsers
/// cut every field, the reserved one too, so a line is never shorter).
pub const LINE_BYTES: usize = STARTS[40] + ZM_WIDTHS[40];

/// The longest answer taken: `fileContent` is base64 of at most [`MAX_FILE_BYTES`].
const MAX_ANSWER_BYTES: usize = MAX_FILE_BYTES / 3 * 4 + 64 * 1024;

/// UnionPay's file transfer URL for a `gateway/api` base: UnionPay's own hosts, else
/// (the development emulator) `…/filedownload/` beside `…/gateway/api`.
pub fn file_transfer_url(gateway_url: &str) -> String {
    let base = gateway_url.trim_end_matches('/');
    match base {
        PRODUCTION_GATEWAY => "https://filedownload.95516.com/".to_owned(),
        "https://gateway.test.95516.com/gateway/api" => {
            "https://filedownload.test.95516.com/".to_owned()
        }
        other => format!(
            "{}/filedownload/",
            other.strip_suffix("/gateway/api").unwrap_or(other)
        ),
    }
}

/// `MMDD` of a day (`settleDate`).
pub fn settle_date(d: Date) -> String {
    format!("{:02}{:02}", u8::from(d.month()), d.day())
}

/// UnionPay's daily files, with the provider's credentials.
pub struct FileTransfer {
    c: Credentials,
    url: String,
    http: reqwest::Client,
}

fn gateway(e: impl std::fmt::Display) -> StatementError {
    StatementError::Gateway(format!("UnionPay: {e}"))
}

impl FileTransfer {
    /// The reader; talks to nothing yet.
    pub fn new(c: Credentials) -> Result<Self, StatementError> {
        let http = super::statement::client(reqwest::redirect::Policy::none()).map_err(gateway)?;
        Ok(Self {
            url: file_transfer_url(&c.gateway_url),
            c,
            http,
        })
    }

    /// The signed file transfer request for `settle_date` (`MMDD`).
    fn request(&self, settle_date: &str) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        for (k, v) in [
            ("version", "5.1.0"),
            ("encoding", "UTF-8"),
            ("txnType", "76"),
            ("txnSubType", "01"),
            ("bizType", "000000"),
            ("accessType", "0"),
            ("channelType", "07"),
            ("fileType", "00"),
        ] {
            p.insert(k.to_owned(), v.to_owned());
        }
        p.insert("merId".into(), self.c.mer_id.clone());
        p.insert("settleDate".into(), settle_date.to_owned());
        p.insert("txnTime".into(), txn_time(clock::now_ms()));
        sign::sign(&self.c.sign_key, &self.c.cert_id, &mut p);
        p
    }
}

#[async_trait]
impl StatementSource for FileTransfer {
    fn gateway(&self) -> &'static str {
        unionpay::NAME
    }

    async fn fetch(&self, date: Date) -> Result<Statement, StatementError> {
        let mmdd = settle_date(date);
        let response = self
            .http
            .post(&self.url)
            .form(&self.request(&mmdd))
            .send()
            .await
            .map_err(gateway)?;
        if !response.status().is_success() {
            return Err(gateway(format!(
                "the file transfer answered {}",
                response.status()
            )));
        }
        let body = statement::bounded_body(response, MAX_ANSWER_BYTES).await?;
        let body = String::from_utf8(body).map_err(gateway)?;
        let a = sign::parse_answer(body.trim());
        let f = |k: &str| a.get(k).map(String::as_str).unwrap_or_default();
        // A refusal of the request's format may come unsigned; anything else is signed.
        if a.contains_key("signature") {
            self.c
                .trust
                .verify(&a, clock::now_ms() / 1000)
                .map_err(|e| gateway(format!("the file transfer answer not believed: {e}")))?;
        } else if f("respCode") == "00" {
            return Err(gateway("an unsigned file transfer answer"));
        }
        match f("respCode") {
            "00" => {}
            // 文件不存在: no trade that day.
            "98" => {
                return Ok(Statement {
                    payments: Vec::new(),
                    refunds: 0,
                });
            }
            code => {
                return Err(gateway(format!(
                    "the file transfer answered {code} {}",
                    f("respMsg")
                )));
            }
        }
        if f("merId") != self.c.mer_id || f("settleDate") != mmdd {
            return Err(gateway("the file transfer answered about another file"));
        }
        let zip = decode_file_content(f("fileContent"))?;
        read(&zm_file(&zip, Some(&self.c.mer_id))?, Some(&self.c.mer_id))
    }
}

/// `fileContent`: base64 of zlib-compressed bytes (the zip), inflated through a
/// [`MAX_FILE_BYTES`] cap.
pub fn decode_file_content(b64: &str) -> Result<Vec<u8>, StatementError> {
    inflate(b64, MAX_FILE_BYTES)
}

fn inflate(b64: &str, max: usize) -> Result<Vec<u8>, StatementError> {
    let too_large = StatementError::TooLarge { limit: max };
    if b64.is_empty() {
        return Err(StatementError::format(0, "no fileContent"));
    }
    if b64.len() > MAX_ANSWER_BYTES {
        return Err(too_large);
    }
    let compressed = STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| StatementError::format(0, format!("fileContent is not base64: {e}")))?;
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX) + 1;
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| StatementError::format(0, format!("fileContent is not zlib data: {e}")))?;
    if out.len() > max {
        return Err(too_large);
    }
    Ok(out)
}

/// Whether `name` (without directories) is a ZM file: `INN` + 8 characters + `ZM_` +
/// the merchant (any merchant when `mer_id` is none).
fn is_zm(name: &str, mer_id: Option<&str>) -> bool {
    let name = name.rsplit('/').next().unwrap_or(name);
    let Some(rest) = name.strip_prefix("INN") else {
        return false;
    };
    if rest.len() < 11 || !rest.is_char_boundary(8) || !rest[8..].starts_with("ZM_") {
        return false;
    }
    let merchant = &rest[11..];
    !merchant.is_empty() && mer_id.is_none_or(|m| merchant == m)
}

/// The ZM file out of the day's zip, bounded in entries and size; exactly one.
pub fn zm_file(zip: &[u8], mer_id: Option<&str>) -> Result<Vec<u8>, StatementError> {
    let bad = |m: String| StatementError::format(0, m);
    let mut archive =
        zip::ZipArchive::new(Cursor::new(zip)).map_err(|e| bad(format!("not a zip: {e}")))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(bad(format!("{} files in the zip", archive.len())));
    }
    let mut found: Option<Vec<u8>> = None;
    for i in 0..archive.len() {
        let file = archive
            .by_index(i)
            .map_err(|e| bad(format!("zip entry {i}: {e}")))?;
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        if !is_zm(&name, mer_id) {
            continue;
        }
        if found.is_some() {
            return Err(bad("two ZM files in the zip".into()));
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
        found = Some(out);
    }
    found.ok_or_else(|| bad("no INN…ZM_ file in the zip".into()))
}

/// Reads a ZM file (any merchant's).
pub fn parse(file: &[u8]) -> Result<Statement, StatementError> {
    read(file, None)
}

/// Field `n` (1-based) of a [`LINE_BYTES`] line, trailing spaces cut.
fn field(line: &[u8], n: usize) -> &[u8] {
    let start = STARTS[n - 1];
    let f = line
        .get(start..start + ZM_WIDTHS[n - 1])
        .unwrap_or_default();
    let keep = f.iter().rposition(|b| *b != b' ').map_or(0, |i| i + 1);
    &f[..keep]
}

/// An ASCII field whose every byte passes `ok`, not empty.
fn ascii<'a>(
    n: usize,
    line: &'a [u8],
    field_no: usize,
    name: &str,
    ok: fn(&u8) -> bool,
) -> Result<&'a str, StatementError> {
    let f = field(line, field_no);
    if f.is_empty() || !f.iter().all(ok) {
        return Err(StatementError::format(
            n,
            format!("{name} {:?}", String::from_utf8_lossy(f)),
        ));
    }
    // All ASCII: valid UTF-8.
    std::str::from_utf8(f).map_err(|_| StatementError::format(n, format!("{name} is not text")))
}

/// Reads a ZM file; with `mer_id`, every row must be that merchant's.
pub fn read(file: &[u8], mer_id: Option<&str>) -> Result<Statement, StatementError> {
    if file.len() > MAX_FILE_BYTES {
        return Err(StatementError::TooLarge {
            limit: MAX_FILE_BYTES,
        });
    }
    // GBK's second bytes are 0x40..=0xFE: a line feed always ends a line.
    if encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(file)
        .is_none()
    {
        return Err(StatementError::format(0, "not GBK text"));
    }
    let (mut payments, mut refunds, mut rows) = (Vec::new(), 0usize, 0usize);
    for (i, line) in file.split(|b| *b == b'\n').enumerate() {
        let n = i + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(|b| *b == b' ') {
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Err(StatementError::format(n, "too many rows"));
        }
        if line.len() != LINE_BYTES {
            return Err(StatementError::format(
                n,
                format!("{} bytes, a ZM line has {LINE_BYTES}", line.len()),
            ));
        }
        if STARTS[1..].iter().any(|s| line[s - 1] != b' ') {
            return Err(StatementError::format(n, "fields not separated by spaces"));
        }
        let merchant = ascii(n, line, MER_ID, "merId", u8::is_ascii_alphanumeric)?;
        if mer_id.is_some_and(|m| m != merchant) {
            return Err(StatementError::format(n, "another merchant's row"));
        }
        let kind = ascii(n, line, TXN_TYPE, "txnType", u8::is_ascii_digit)?;
        match kind {
            "01" => {
                let amount = ascii(n, line, TXN_AMT, "txnAmt", u8::is_ascii_digit)?;
                if amount.len() != ZM_WIDTHS[TXN_AMT - 1] {
                    return Err(StatementError::format(n, "txnAmt is not 12 digits"));
                }
                let amount_fen = amount
                    .parse::<i64>()
                    .ok()
                    .filter(|f| *f > 0)
                    .ok_or_else(|| StatementError::format(n, "a payment of nothing"))?;
                payments.push(StatementRow {
                    out_trade_no: ascii(n, line, ORDER_ID, "orderId", u8::is_ascii_alphanumeric)?
                        .to_owned(),
                    gateway_trade_no: ascii(n, line, QUERY_ID, "queryId", u8::is_ascii_digit)?
                        .to_owned(),
                    amount_fen,
                });
            }
            "04" | "31" => refunds += 1,
            other => return Err(StatementError::format(n, format!("txnType {other:?}"))),
        }
    }
    Ok(Statement { payments, refunds })
}

/// A ZM row as the emulator writes it: the fields it knows, the others blank.
#[derive(Debug, Clone)]
pub struct ZmRow<'a> {
    /// `MMDDhhmmss`.
    pub txn_time: &'a str,
    /// Fen.
    pub txn_amt: i64,
    /// 查询流水号.
    pub query_id: &'a str,
    /// 商户订单号.
    pub order_id: &'a str,
    /// `01` 消费, `04` 退货.
    pub txn_type: &'a str,
    /// 商户代码.
    pub mer_id: &'a str,
}

/// The fixed-width line of `r` (ASCII; no line end).
pub fn zm_line(r: &ZmRow<'_>) -> String {
    let mut fields: Vec<String> = ZM_WIDTHS.iter().map(|w| " ".repeat(*w)).collect();
    let mut put = |no: usize, value: String| {
        let w = ZM_WIDTHS[no - 1];
        let v: String = value.chars().filter(char::is_ascii).take(w).collect();
        fields[no - 1] = format!("{v:<w$}");
    };
    put(TXN_TIME, r.txn_time.to_owned());
    put(TXN_AMT, format!("{:012}", r.txn_amt));
    put(QUERY_ID, r.query_id.to_owned());
    put(ORDER_ID, r.order_id.to_owned());
    put(TXN_TYPE, r.txn_type.to_owned());
    put(TXN_SUB_TYPE, "01".to_owned());
    put(BIZ_TYPE, "000201".to_owned());
    put(MER_ID, r.mer_id.to_owned());
    fields.join(" ")
}

/// The day's zip (`INN<yyMMdd>88ZM_<merId>` with `lines`, and an empty差错 file
/// `…ZME_…`), zlib-compressed and base64-encoded as `fileContent`.
pub fn file_content(yymmdd: &str, mer_id: &str, lines: &[String]) -> Result<String, String> {
    use std::io::Write as _;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zm = String::new();
    for l in lines {
        zm += l;
        zm += "\r\n";
    }
    let e = |e: &dyn std::fmt::Display| e.to_string();
    w.start_file(format!("INN{yymmdd}88ZM_{mer_id}"), options)
        .map_err(|x| e(&x))?;
    w.write_all(zm.as_bytes()).map_err(|x| e(&x))?;
    w.start_file(format!("INN{yymmdd}88ZME_{mer_id}"), options)
        .map_err(|x| e(&x))?;
    let zip = w.finish().map_err(|x| e(&x))?.into_inner();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&zip).map_err(|x| e(&x))?;
    Ok(STANDARD.encode(z.finish().map_err(|x| e(&x))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MER: &str = "777290058110097";

    fn line(order: &str, kind: &str, fen: i64) -> String {
        zm_line(&ZmRow {
            txn_time: "1202103000",
            txn_amt: fen,
            query_id: "261202103000123456789",
            order_id: order,
            txn_type: kind,
            mer_id: MER,
        })
    }

    fn file(lines: &[String]) -> Vec<u8> {
        lines
            .iter()
            .map(|l| format!("{l}\r\n"))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn reads_the_zipped_file_the_way_the_sdk_decodes_it() {
        assert_eq!(LINE_BYTES, 607);
        let lines = [
            line("01P1abcdef", "01", 10000),
            line("01P1abcdef", "04", 10000),
            line("01P2abcdef", "01", 1),
        ];
        let content = file_content("261202", MER, &lines).expect("made");
        let zip = decode_file_content(&content).expect("inflated");
        let s = read(&zm_file(&zip, Some(MER)).expect("the ZM file"), Some(MER)).expect("read");
        assert_eq!(s.refunds, 1);
        assert_eq!(
            s.payments
                .iter()
                .map(|p| (p.out_trade_no.as_str(), p.amount_fen))
                .collect::<Vec<_>>(),
            [("01P1abcdef", 10000), ("01P2abcdef", 1)]
        );
        assert_eq!(s.payments[0].gateway_trade_no, "261202103000123456789");
        // Field positions as the SDK's parser cuts them.
        let l = lines[0].as_bytes();
        assert_eq!(&l[STARTS[ORDER_ID - 1]..][..10], b"01P1abcdef");
        assert_eq!(&l[STARTS[TXN_AMT - 1]..][..12], b"000000010000");
        // An empty file is an empty day.
        assert_eq!(parse(b"").expect("empty").payments.len(), 0);
        // Another merchant's file is not ours.
        assert!(zm_file(&zip, Some("777290058110048")).is_err());
        assert!(read(&file(&lines), Some("777290058110048")).is_err());
    }

    #[test]
    fn refuses_what_the_format_does_not_allow() {
        let ok = line("01P1abcdef", "01", 100);
        assert!(parse(ok.as_bytes()).is_ok());
        let at = |no: usize| STARTS[no - 1];
        let mut swapped = ok.clone().into_bytes();
        swapped[at(ORDER_ID) - 1] = b'x';
        let mut amount = ok.clone().into_bytes();
        amount[at(TXN_AMT)..at(TXN_AMT) + 12].copy_from_slice(b"00000000001.");
        let mut order = ok.clone().into_bytes();
        order[at(ORDER_ID)] = b'-';
        let cases: Vec<Vec<u8>> = vec![
            line("01P1abcdef", "01", 0).into_bytes(),
            line("01P1abcdef", "02", 100).into_bytes(),
            line("", "01", 100).into_bytes(),
            amount,
            order,
            swapped,
            format!("{ok} ").into_bytes(),
            ok.trim_end().as_bytes().to_vec(),
            vec![0x81, 0x20],
        ];
        for (i, f) in cases.iter().enumerate() {
            assert!(parse(f).is_err(), "case {i} was taken");
        }
        // Too large (200 000 rows of 607 bytes would be more than the size cap).
        assert!(matches!(
            parse(&vec![b' '; MAX_FILE_BYTES + 1]),
            Err(StatementError::TooLarge { .. })
        ));
        // fileContent: not base64, not zlib, a bomb, too long.
        assert!(decode_file_content("").is_err());
        assert!(decode_file_content("@@@").is_err());
        assert!(decode_file_content(&STANDARD.encode(b"plain")).is_err());
        let bomb = {
            use std::io::Write as _;
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&[0u8; 1 << 20]).expect("compressed");
            STANDARD.encode(z.finish().expect("compressed"))
        };
        // (The cap is MAX_FILE_BYTES; a smaller one keeps the test fast.)
        assert!(bomb.len() < 8_000, "{}", bomb.len());
        assert!(matches!(
            inflate(&bomb, 1 << 19),
            Err(StatementError::TooLarge { .. })
        ));
        assert_eq!(inflate(&bomb, 1 << 20).expect("inflated").len(), 1 << 20);
        assert!(matches!(
            decode_file_content(&"A".repeat(MAX_ANSWER_BYTES + 4)),
            Err(StatementError::TooLarge { .. })
        ));
        // A zip without a ZM file, or not a zip.
        assert!(zm_file(b"not a zip", None).is_err());
        assert!(is_zm("INN26120288ZM_777290058110097", Some(MER)));
        assert!(is_zm("d/INN26120288ZM_777290058110097", None));
        for name in ["INN26120288ZME_777290058110097", "INN26120288ZM_", "ZM_1"] {
            assert!(!is_zm(name, None), "{name}");
        }
    }

    #[test]
    fn the_file_transfer_url_is_unionpays_or_beside_the_emulators_gateway() {
        assert_eq!(
            file_transfer_url(PRODUCTION_GATEWAY),
            "https://filedownload.95516.com/"
        );
        assert_eq!(
            file_transfer_url("https://gateway.test.95516.com/gateway/api/"),
            "https://filedownload.test.95516.com/"
        );
        assert_eq!(
            file_transfer_url("http://127.0.0.1:8080/sandbox/unionpay/gateway/api"),
            "http://127.0.0.1:8080/sandbox/unionpay/filedownload/"
        );
        let d = crate::reconcile::parse_date("2026-01-05").expect("a date");
        assert_eq!(settle_date(d), "0105");
    }
}
