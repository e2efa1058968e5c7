//! Reconciliation (对账): each gateway's statement of a day is downloaded, read and
//! compared with the ledger; every difference is kept for finance, who resolves it
//! with a note in the console. Every run, difference and resolution is audited.
//!
//! # Layout
//! - [`statement`]: the [`Statement`](statement::Statement) a gateway gives and the
//!   [`StatementSource`](statement::StatementSource) trait each gateway implements;
//!   bounded reading of the untrusted files.
//! - [`wechat`]: WeChat Pay's `GET /v3/bill/tradebill` and its bill file.
//! - [`alipay`]: Alipay's `alipay.data.dataservice.bill.downloadurl.query` and its zip
//!   of GBK CSV files.
//! - [`unionpay`]: UnionPay's file transfer (`txnType=76`) and the fixed-width
//!   `INN…ZM_<merId>` file in its zlib-compressed zip.
//! - [`compare`]: the rule (pure): gateway only, ledger only, amount differs.
//! - [`ledger`]: the ledger's charges of a gateway and a day (read only).
//! - [`store`]: runs and differences, their SQL.
//! - [`emulated`]: the emulators' side (test edits, files kept for download).
//! - [`http`]: finance's API in the console; [`job`]: the daily run.

pub mod alipay;
pub mod compare;
pub mod emulated;
pub mod http;
pub mod job;
pub mod ledger;
pub mod statement;
pub mod store;
pub mod unionpay;
pub mod wechat;

use std::sync::Arc;

use serde_json::json;
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

use self::compare::Kind;
use self::statement::{StatementError, StatementSource};
use crate::audit;
use crate::clock;
use crate::error::AppResult;
use crate::payments::setup;
use crate::state::AppState;

/// China Standard Time, the gateways' day.
pub const CST: UtcOffset = time::macros::offset!(+8);

/// `YYYY-MM-DD`.
pub fn date_string(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A `YYYY-MM-DD` date, strictly.
pub fn parse_date(s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    (s.len() == 10)
        .then(|| Date::parse(s, &format).ok())
        .flatten()
}

/// Unix ms of the day's start and of the next day's start, in China Standard Time.
pub fn day_bounds(d: Date) -> (i64, i64) {
    let start = d.with_time(Time::MIDNIGHT).assume_offset(CST);
    (clock::to_ms(start), clock::to_ms(start + Duration::days(1)))
}

/// Yesterday in China Standard Time: the latest day whose statements exist.
pub fn yesterday(now: OffsetDateTime) -> Date {
    let today = now.to_offset(CST).date();
    today.previous_day().unwrap_or(today)
}

/// The statement sources of the gateways that serve some method now, as
/// `payments::setup::gateways` decides them (configured, else the sandbox's emulator
/// whenever the sandbox is on).
pub fn sources(state: &AppState) -> Result<Vec<Arc<dyn StatementSource>>, StatementError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let config = |e: setup::SetupError| StatementError::Setup(e.to_string());
    let file = setup::load(env).map_err(config)?;
    let origin = state.config.public_origin.as_str();
    let sandbox = state.sandbox.as_ref();
    let mut out: Vec<Arc<dyn StatementSource>> = Vec::new();
    let wechat = match (&file.wechat, sandbox) {
        (Some(s), _) => Some(setup::wechat_credentials(s, origin, env).map_err(config)?),
        (None, Some(sandbox)) => Some(sandbox.wechatpay()),
        (None, None) => None,
    };
    if let Some(c) = wechat {
        out.push(Arc::new(wechat::TradeBill::new(c)?));
    }
    let alipay = match (&file.alipay, sandbox) {
        (Some(s), _) => Some(setup::alipay_credentials(s, origin).map_err(config)?),
        (None, Some(sandbox)) => Some(sandbox.alipay()),
        (None, None) => None,
    };
    if let Some(c) = alipay {
        out.push(Arc::new(alipay::TradeBill::new(c)?));
    }
    let unionpay = match (&file.unionpay, sandbox) {
        (Some(s), _) => Some(
            crate::payments::unionpay::settings::credentials(s, origin, env)
                .map_err(|(field, m)| StatementError::Setup(format!("[unionpay] {field}: {m}")))?,
        ),
        (None, Some(sandbox)) => Some(
            sandbox
                .unionpay()
                .map_err(|e| StatementError::Setup(e.to_string()))?,
        ),
        (None, None) => None,
    };
    if let Some(c) = unionpay {
        out.push(Arc::new(unionpay::FileTransfer::new(c)?));
    }
    Ok(out)
}

/// What one gateway's run found.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RunOutcome {
    /// The gateway (`wechatpay`, `alipay`, `unionpay`).
    pub gateway: String,
    /// `YYYY-MM-DD`.
    pub bill_date: String,
    /// `done`, or `failed` with `error`.
    pub status: String,
    /// Payments in the statement.
    pub statement_rows: i64,
    /// Charges in the ledger that day.
    pub ledger_rows: i64,
    /// Differences found (new or found before).
    pub differences: i64,
    /// Why the statement could not be read.
    pub error: Option<String>,
}

/// Reconciles `date` with every gateway; a gateway whose statement cannot be had is
/// recorded `failed` (and audited) and the others still run.
pub async fn run(state: &AppState, date: Date, actor: &str) -> AppResult<Vec<RunOutcome>> {
    let sources = match sources(state) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "reconciliation: no statement sources");
            Vec::new()
        }
    };
    let mut out = Vec::new();
    for source in sources {
        out.push(run_one(state, source.as_ref(), date, actor).await?);
    }
    Ok(out)
}

/// Reconciles one gateway's `date`.
pub async fn run_one(
    state: &AppState,
    source: &dyn StatementSource,
    date: Date,
    actor: &str,
) -> AppResult<RunOutcome> {
    let gateway = source.gateway();
    let bill_date = date_string(date);
    let (from, to) = day_bounds(date);
    let fetched = source.fetch(date).await;
    let charges = ledger::charges(state.pool(), gateway, from, to).await?;
    let mut outcome = RunOutcome {
        gateway: gateway.to_owned(),
        bill_date: bill_date.clone(),
        status: "done".into(),
        statement_rows: 0,
        ledger_rows: i64::try_from(charges.len()).unwrap_or(i64::MAX),
        differences: 0,
        error: None,
    };
    let mut found = Vec::new();
    match fetched {
        Ok(statement) => {
            outcome.statement_rows = i64::try_from(statement.payments.len()).unwrap_or(i64::MAX);
            for d in compare::compare(&statement.payments, &charges) {
                // Paid at the gateway on this day but recorded on a neighbouring one
                // (a payment across midnight): not a difference.
                if d.kind == Kind::GatewayOnly
                    && ledger::charge_of(state.pool(), gateway, &d.out_trade_no).await?
                        == d.gateway_fen
                {
                    continue;
                }
                found.push(d);
            }
        }
        Err(e) => {
            tracing::warn!(gateway, bill_date, error = %e, "reconciliation: no statement");
            outcome.status = "failed".into();
            outcome.error = Some(e.to_string());
        }
    }
    outcome.differences = i64::try_from(found.len()).unwrap_or(i64::MAX);
    let mut tx = state.store.begin_write().await?;
    store::record_run(&mut *tx, &outcome, actor, clock::now_ms()).await?;
    audit::append(
        &mut tx,
        actor,
        "reconcile.run",
        &format!("reconcile:{gateway}:{bill_date}"),
        json!({
            "status": outcome.status,
            "statement_rows": outcome.statement_rows,
            "ledger_rows": outcome.ledger_rows,
            "differences": outcome.differences,
            "error": outcome.error,
        }),
    )
    .await?;
    for d in &found {
        let id = format!("RD{}", crate::random::hex(10).to_uppercase());
        let new = store::NewDifference {
            id: &id,
            gateway,
            bill_date: &bill_date,
            difference: d,
            found_at: clock::now_ms(),
        };
        if store::insert_difference(&mut *tx, &new).await? {
            audit::append(
                &mut tx,
                actor,
                "reconcile.difference_found",
                &id,
                json!({
                    "gateway": gateway,
                    "bill_date": bill_date,
                    "out_trade_no": d.out_trade_no,
                    "kind": d.kind.as_str(),
                    "gateway_fen": d.gateway_fen,
                    "ledger_fen": d.ledger_fen,
                    "gateway_trade_no": d.gateway_trade_no,
                }),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_china_standard_time() {
        let d = parse_date("2026-12-02").expect("a date");
        let (from, to) = day_bounds(d);
        assert_eq!(clock::rfc3339(from), "2026-12-01T16:00:00Z");
        assert_eq!(to - from, 86_400_000);
        assert_eq!(date_string(d), "2026-12-02");
        let late_utc = time::macros::datetime!(2026-12-02 17:00 UTC);
        assert_eq!(date_string(yesterday(late_utc)), "2026-12-02");
        for bad in ["2026-13-01", "2026-1-01", "20261201", "", "2026-12-011"] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
    }
}
