//! The ledger as reconciliation reads it: a gateway's charges of a day. Read only; the
//! ledger's writes stay in `payments::store`.

use sqlx::{Any, Executor, Row};

use crate::error::AppError;

/// A charge in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The attempt's number.
    pub out_trade_no: String,
    /// The gateway's number recorded when it was paid.
    pub gateway_trade_no: Option<String>,
    /// Fen.
    pub amount_fen: i64,
}

/// The charges of attempts opened with `gateway`, recorded in `[from, to)` (unix ms).
pub async fn charges<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    gateway: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Charge>, AppError> {
    sqlx::query("SELECT l.out_trade_no, p.gateway_trade_no, l.amount_fen FROM ledger l JOIN payments p ON p.out_trade_no = l.out_trade_no WHERE l.kind = 'charge' AND p.provider = $1 AND l.at >= $2 AND l.at < $3 ORDER BY l.out_trade_no")
        .bind(gateway)
        .bind(from)
        .bind(to)
        .fetch_all(executor)
        .await?
        .iter()
        .map(|r| {
            Ok(Charge {
                out_trade_no: r.try_get("out_trade_no")?,
                gateway_trade_no: r.try_get("gateway_trade_no")?,
                amount_fen: r.try_get("amount_fen")?,
            })
        })
        .collect()
}

/// The charge recorded for attempt `out_trade_no` of `gateway` on any day, fen.
pub async fn charge_of<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    gateway: &str,
    out_trade_no: &str,
) -> Result<Option<i64>, AppError> {
    sqlx::query("SELECT l.amount_fen FROM ledger l JOIN payments p ON p.out_trade_no = l.out_trade_no WHERE l.kind = 'charge' AND p.provider = $1 AND l.out_trade_no = $2")
        .bind(gateway)
        .bind(out_trade_no)
        .fetch_optional(executor)
        .await?
        .map(|r| r.try_get("amount_fen").map_err(AppError::from))
        .transpose()
}
