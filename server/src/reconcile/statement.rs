//! A gateway's statement of a day, and the trait each gateway's reader implements. A
//! statement is untrusted input: it is downloaded with a size cap, and every reader
//! refuses rows, fields and files beyond the limits here rather than guess.

use async_trait::async_trait;
use time::Date;

/// The largest statement file taken (compressed or not).
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// The most payment and refund rows a statement may hold.
pub const MAX_ROWS: usize = 200_000;
/// The longest field (a product name is at most 256 characters at the gateways).
pub const MAX_FIELD_CHARS: usize = 512;
/// The most files in an Alipay bill zip (it holds two).
pub const MAX_ZIP_ENTRIES: usize = 16;

/// A payment as the gateway's statement has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRow {
    /// Our attempt's number (商户订单号).
    pub out_trade_no: String,
    /// The gateway's number (微信订单号, 支付宝交易号).
    pub gateway_trade_no: String,
    /// The order's amount, fen.
    pub amount_fen: i64,
}

/// A gateway's statement of one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Its payments.
    pub payments: Vec<StatementRow>,
    /// How many refund rows it had (not compared: refunds are reconciled by their
    /// notices and the refund query).
    pub refunds: usize,
}

/// Why a statement could not be had or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// The gateway's configuration could not be read.
    #[error("the payments configuration: {0}")]
    Setup(String),
    /// The gateway could not be reached or refused the request.
    #[error("the gateway: {0}")]
    Gateway(String),
    /// The gateway has no statement for the day (not yet, or no trade).
    #[error("no statement for {0} yet")]
    NotYet(String),
    /// The file is bigger than allowed.
    #[error("the statement is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The file's digest is not the one the gateway announced.
    #[error("the statement's digest does not match the announced {announced}")]
    Digest {
        /// What the gateway announced.
        announced: String,
    },
    /// The file is not what the gateway's documentation describes.
    #[error("the statement is malformed at line {line}: {message}")]
    Format {
        /// 1-based line (0: the file as a whole).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl StatementError {
    /// A format error at `line`.
    pub fn format(line: usize, message: impl Into<String>) -> Self {
        Self::Format {
            line,
            message: message.into(),
        }
    }
}

/// A gateway's statements (WeChat Pay, Alipay, UnionPay).
#[async_trait]
pub trait StatementSource: Send + Sync {
    /// The gateway's name, as attempts record it (`wechatpay`, `alipay`, `unionpay`).
    fn gateway(&self) -> &'static str;
    /// The statement of `date` (China Standard Time).
    async fn fetch(&self, date: Date) -> Result<Statement, StatementError>;
}

/// The HTTP client a statement reader talks to its gateway with: a minute per
/// request, certrenew's user agent, and `redirects` as the gateway needs.
pub fn client(redirects: reqwest::redirect::Policy) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .user_agent(concat!("certrenew/", env!("CARGO_PKG_VERSION")))
        .redirect(redirects)
        .build()
}

/// The body of `response`, refused once it passes `limit` bytes (checked against the
/// announced length first, then while reading).
pub async fn bounded_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, StatementError> {
    if response
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
    {
        return Err(StatementError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| StatementError::Gateway(e.to_string()))?
    {
        if body.len() + chunk.len() > limit {
            return Err(StatementError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A field of a statement: at most [`MAX_FIELD_CHARS`] characters.
pub fn field(line: usize, value: &str) -> Result<&str, StatementError> {
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(StatementError::format(line, "a field is too long"));
    }
    Ok(value)
}

/// Yuan (`100.00`, `-0.01`) as fen.
pub fn fen(line: usize, yuan: &str) -> Result<i64, StatementError> {
    protocol::money::Fen::parse_yuan(yuan)
        .map(|f| f.0)
        .map_err(|e| StatementError::format(line, format!("amount {yuan:?}: {e}")))
}
