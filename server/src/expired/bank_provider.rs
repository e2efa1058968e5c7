//! What the expired path needs from a bank: one verification transfer (0.01 yuan with
//! a code in the remark) to the company's basic account. Chosen once at start-up
//! (`crate::providers`); the sandbox's bank records transfers for development.

/// One transfer to send.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// Account name (基本户名称).
    pub account_name: String,
    /// Bank (基本户开户行).
    pub bank: String,
    /// Account number, digits only.
    pub account_no: String,
    /// Fen.
    pub amount_fen: i64,
    /// The remark (交易附言) carrying the code.
    pub remark: String,
}

/// Why a transfer was not made.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// No bank is configured for verification transfers.
    #[error("no bank is configured for verification transfers")]
    Unconfigured,
    /// The bank refused or failed.
    #[error("the bank did not make the transfer: {0}")]
    Bank(String),
    /// Recording it failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A bank that sends verification transfers.
#[async_trait::async_trait]
pub trait Transfers: Send + Sync {
    /// The provider's name, stored with each transfer.
    fn name(&self) -> &'static str;
    /// Sends `transfer`; returns the bank's reference.
    async fn send(&self, transfer: &Transfer) -> Result<String, TransferError>;
}

/// Production without a bank integration: every transfer fails (502).
pub struct Unconfigured;

#[async_trait::async_trait]
impl Transfers for Unconfigured {
    fn name(&self) -> &'static str {
        "none"
    }
    async fn send(&self, _: &Transfer) -> Result<String, TransferError> {
        Err(TransferError::Unconfigured)
    }
}
