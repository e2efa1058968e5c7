//! Reconciliation's rows: runs (`reconcile_runs`, one per gateway and bill date) and
//! differences (`reconcile_differences`). Every statement on those tables is here;
//! columns are read by name.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::RunOutcome;
use super::compare::{Difference, Kind};
use crate::error::AppError;

/// A result of the store.
pub type StoreResult<T> = Result<T, AppError>;

/// Records a run; a rerun of the same gateway and date replaces it.
pub async fn record_run<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    run: &RunOutcome,
    actor: &str,
    at: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO reconcile_runs (gateway, bill_date, status, statement_rows, ledger_rows, differences, error, actor, ran_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (gateway, bill_date) DO UPDATE SET status = excluded.status, statement_rows = excluded.statement_rows, ledger_rows = excluded.ledger_rows, differences = excluded.differences, error = excluded.error, actor = excluded.actor, ran_at = excluded.ran_at")
        .bind(&run.gateway)
        .bind(&run.bill_date)
        .bind(&run.status)
        .bind(run.statement_rows)
        .bind(run.ledger_rows)
        .bind(run.differences)
        .bind(run.error.as_deref())
        .bind(actor)
        .bind(at)
        .execute(executor)
        .await?;
    Ok(())
}

/// A run as the console shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RunRow {
    /// The run's outcome.
    #[serde(flatten)]
    pub outcome: RunOutcome,
    /// Who ran it (`system:reconcile` for the daily job).
    pub actor: String,
    /// Unix ms.
    pub ran_at: i64,
}

/// The latest runs, newest bill date first.
pub async fn runs<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    limit: i64,
) -> StoreResult<Vec<RunRow>> {
    sqlx::query("SELECT gateway, bill_date, status, statement_rows, ledger_rows, differences, error, actor, ran_at FROM reconcile_runs ORDER BY bill_date DESC, gateway LIMIT $1")
        .bind(limit)
        .fetch_all(executor)
        .await?
        .iter()
        .map(|r| {
            Ok(RunRow {
                outcome: RunOutcome {
                    gateway: r.try_get("gateway")?,
                    bill_date: r.try_get("bill_date")?,
                    status: r.try_get("status")?,
                    statement_rows: r.try_get("statement_rows")?,
                    ledger_rows: r.try_get("ledger_rows")?,
                    differences: r.try_get("differences")?,
                    error: r.try_get("error")?,
                },
                actor: r.try_get("actor")?,
                ran_at: r.try_get("ran_at")?,
            })
        })
        .collect()
}

/// Whether `gateway`'s `bill_date` has a run that read its statement.
pub async fn has_done_run<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    gateway: &str,
    bill_date: &str,
) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM reconcile_runs WHERE gateway = $1 AND bill_date = $2 AND status = 'done'",
    )
    .bind(gateway)
    .bind(bill_date)
    .fetch_optional(executor)
    .await?;
    Ok(found.is_some())
}

/// A difference to record.
#[derive(Debug, Clone)]
pub struct NewDifference<'a> {
    /// Its id.
    pub id: &'a str,
    /// The gateway.
    pub gateway: &'a str,
    /// `YYYY-MM-DD`.
    pub bill_date: &'a str,
    /// What differs.
    pub difference: &'a Difference,
    /// Unix ms.
    pub found_at: i64,
}

/// Records an open difference unless the same one (gateway, date, attempt, kind) was
/// found before; returns whether it is new.
pub async fn insert_difference<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    d: &NewDifference<'_>,
) -> StoreResult<bool> {
    let done = sqlx::query("INSERT INTO reconcile_differences (id, gateway, bill_date, out_trade_no, kind, gateway_fen, ledger_fen, gateway_trade_no, found_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open') ON CONFLICT (gateway, bill_date, out_trade_no, kind) DO NOTHING")
        .bind(d.id)
        .bind(d.gateway)
        .bind(d.bill_date)
        .bind(&d.difference.out_trade_no)
        .bind(d.difference.kind.as_str())
        .bind(d.difference.gateway_fen)
        .bind(d.difference.ledger_fen)
        .bind(d.difference.gateway_trade_no.as_deref())
        .bind(d.found_at)
        .execute(executor)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A difference as finance sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DifferenceRow {
    /// Its id (`RD…`).
    pub id: String,
    /// The gateway (`wechatpay`, `alipay`).
    pub gateway: String,
    /// The statement's day, `YYYY-MM-DD`.
    pub bill_date: String,
    /// Our attempt's number (商户订单号).
    pub out_trade_no: String,
    /// What differs.
    pub kind: Kind,
    /// The gateway's amount, fen (none: not in the statement).
    pub gateway_fen: Option<i64>,
    /// The ledger's amount, fen (none: not in the ledger).
    pub ledger_fen: Option<i64>,
    /// The gateway's number.
    pub gateway_trade_no: Option<String>,
    /// Unix ms.
    pub found_at: i64,
    /// `open` or `resolved`.
    pub status: String,
    /// Finance's note, once resolved.
    pub resolution: Option<String>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// Unix ms.
    pub resolved_at: Option<i64>,
}

const DIFFERENCE: &str = "id, gateway, bill_date, out_trade_no, kind, gateway_fen, ledger_fen, gateway_trade_no, found_at, status, resolution, resolved_by, resolved_at";

fn difference(r: &AnyRow) -> StoreResult<DifferenceRow> {
    let kind: String = r.try_get("kind")?;
    Ok(DifferenceRow {
        id: r.try_get("id")?,
        gateway: r.try_get("gateway")?,
        bill_date: r.try_get("bill_date")?,
        out_trade_no: r.try_get("out_trade_no")?,
        kind: Kind::parse(&kind)
            .ok_or_else(|| AppError::Internal(format!("unknown difference kind {kind:?}")))?,
        gateway_fen: r.try_get("gateway_fen")?,
        ledger_fen: r.try_get("ledger_fen")?,
        gateway_trade_no: r.try_get("gateway_trade_no")?,
        found_at: r.try_get("found_at")?,
        status: r.try_get("status")?,
        resolution: r.try_get("resolution")?,
        resolved_by: r.try_get("resolved_by")?,
        resolved_at: r.try_get("resolved_at")?,
    })
}

/// Differences with `status` (none: all), newest bill date first.
pub async fn differences<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    status: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<DifferenceRow>> {
    const ORDER: &str = "ORDER BY bill_date DESC, gateway, out_trade_no";
    let rows = match status {
        Some(status) => {
            let query = format!(
                "SELECT {DIFFERENCE} FROM reconcile_differences WHERE status = $1 {ORDER} LIMIT $2"
            );
            sqlx::query(&query)
                .bind(status)
                .bind(limit)
                .fetch_all(executor)
                .await?
        }
        None => {
            let query = format!("SELECT {DIFFERENCE} FROM reconcile_differences {ORDER} LIMIT $1");
            sqlx::query(&query).bind(limit).fetch_all(executor).await?
        }
    };
    rows.iter().map(difference).collect()
}

/// One difference.
pub async fn difference_by_id<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    id: &str,
) -> StoreResult<Option<DifferenceRow>> {
    let query = format!("SELECT {DIFFERENCE} FROM reconcile_differences WHERE id = $1");
    sqlx::query(&query)
        .bind(id)
        .fetch_optional(executor)
        .await?
        .map(|r| difference(&r))
        .transpose()
}

/// Resolves an open difference; returns whether it was open.
pub async fn resolve<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    id: &str,
    note: &str,
    by: &str,
    at: i64,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE reconcile_differences SET status = 'resolved', resolution = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4 AND status = 'open'")
        .bind(note)
        .bind(by)
        .bind(at)
        .bind(id)
        .execute(executor)
        .await?;
    Ok(done.rows_affected() == 1)
}
