//! The development bank: it "sends" the expired path's verification transfers by
//! recording them in `sandbox_bank_transfers`, and shows them as the company's
//! statement (`GET /sandbox/bank/transfers`), where tests and developers read the code.

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::clock;
use crate::db::Store;
use crate::error::AppResult;
use crate::expired::bank_provider::{Transfer, TransferError, Transfers};
use crate::random;

/// The sandbox bank.
#[derive(Clone)]
pub struct Bank {
    store: Store,
}

impl Bank {
    /// The bank, recording in `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[async_trait::async_trait]
impl Transfers for Bank {
    fn name(&self) -> &'static str {
        "sandbox"
    }
    async fn send(&self, t: &Transfer) -> Result<String, TransferError> {
        let reference = format!("SBX{}", random::hex(8).to_uppercase());
        // A write of its own: on SQLite it takes the writers' turn (`Store::write_one`).
        let query = sqlx::query("INSERT INTO sandbox_bank_transfers (reference, account_name, bank, account_no, amount_fen, remark, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&reference)
            .bind(&t.account_name)
            .bind(&t.bank)
            .bind(&t.account_no)
            .bind(t.amount_fen)
            .bind(&t.remark)
            .bind(clock::now_ms());
        self.store.write_one(query).await?;
        Ok(reference)
    }
}

/// Which transfers to list.
#[derive(Debug, Deserialize)]
pub struct StatementQuery {
    /// Only this account number.
    pub account_no: Option<String>,
}

/// A transfer the sandbox bank made.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxTransfer {
    /// The bank's reference.
    pub reference: String,
    /// Account name.
    pub account_name: String,
    /// Bank.
    pub bank: String,
    /// Account number.
    pub account_no: String,
    /// Fen.
    pub amount_fen: i64,
    /// The remark, with the code.
    pub remark: String,
    /// When, RFC 3339.
    pub created_at: String,
}

/// The statement, newest first: what the company would read on its account.
async fn statement(
    State(bank): State<Bank>,
    Query(q): Query<StatementQuery>,
) -> AppResult<Json<Vec<SandboxTransfer>>> {
    let account = q.account_no.map(|a| a.replace([' ', '-'], ""));
    sqlx::query("SELECT reference, account_name, bank, account_no, amount_fen, remark, created_at FROM sandbox_bank_transfers WHERE ($1 = '' OR account_no = $1) ORDER BY created_at DESC, reference LIMIT 100")
        .bind(account.unwrap_or_default())
        .fetch_all(bank.store.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(SandboxTransfer {
                reference: r.try_get("reference")?,
                account_name: r.try_get("account_name")?,
                bank: r.try_get("bank")?,
                account_no: r.try_get("account_no")?,
                amount_fen: r.try_get("amount_fen")?,
                remark: r.try_get("remark")?,
                created_at: clock::rfc3339(r.try_get("created_at")?),
            })
        })
        .collect::<AppResult<Vec<_>>>()
        .map(Json)
}

/// The bank's route.
pub fn routes<S: Clone + Send + Sync + 'static>(bank: Bank) -> Router<S> {
    Router::new()
        .route("/sandbox/bank/transfers", get(statement))
        .with_state(bank)
}
