//! Financial verification (对公账户打款验证): 0.01 yuan goes to the company's basic
//! account with a random 6-character code in the remark; the applicant types the code
//! back (at most [`MAX_TRIES`] wrong tries per transfer). Correcting the account and
//! sending again voids the earlier code. The bank is the configured
//! [`Transfers`](crate::expired::bank_provider::Transfers) provider; in development the
//! sandbox records each transfer (readable at `/sandbox/bank/transfers`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::api::extract::Body;
use crate::audit;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::expired::apply::{closed, saved};
use crate::expired::bank_provider::{Transfer, TransferError};
use crate::expired::hold;
use crate::expired::limits::{AMOUNT_FEN, MAX_TRANSFERS, MAX_TRIES};
use crate::expired::login::{self, same};
use crate::expired::owner::normalise_name;
use crate::expired::state::{AppEvent, Steps};
use crate::expired::store::transfers::NewTransfer;
use crate::expired::store::{self, AppView};
use crate::random;
use crate::state::AppState;

/// The code's alphabet: no 0/O, 1/I/L that people confuse on a statement.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A random code of 6 characters from [`ALPHABET`].
pub fn new_code() -> String {
    let mut out = String::new();
    while out.len() < 6 {
        for b in random::bytes(8) {
            // 248 = 8 × 31: bytes above it are drawn again, so every character is as likely.
            if b < 248 && out.len() < 6 {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    out
}

fn code_hash(salt: &str, code: &str) -> String {
    protocol::ids::to_hex(&Sha256::digest(
        format!("{salt}\n{}", code.to_ascii_uppercase()).as_bytes(),
    ))
}

/// The company's basic account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountRequest {
    /// 基本户名称: must equal the organisation's name.
    pub account_name: String,
    /// 基本户开户行, e.g. 中国工商银行深圳分行.
    pub bank: String,
    /// 基本户账号: 8 to 32 digits (spaces and dashes ignored).
    pub account_no: String,
}

/// Sends a verification transfer (`POST …/bank-account`); again to correct the account.
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/bank-account", params(("business_no" = String, Path)), request_body = AccountRequest,
    responses((status = 200, body = AppView), (status = 409), (status = 422), (status = 429), (status = 502)))]
pub async fn send(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<AccountRequest>,
) -> AppResult<Json<AppView>> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    if !row.status.is_open() {
        return Err(closed(row.status));
    }
    let details = saved(&row.details)?;
    // The step must be allowed before any money moves.
    row.status.next(AppEvent::SendTransfer).map_err(|e| {
        AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            e.to_string(),
        )
        .with_details(json!({ "status": row.status.as_str() }))
    })?;
    let account_no = req.account_no.replace([' ', '-'], "");
    if !(8..=32).contains(&account_no.len()) || !account_no.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::validation(
            "account_no",
            "bank_account.format",
            "the account number is 8 to 32 digits",
        ));
    }
    let bank = req.bank.trim();
    if bank.is_empty() || bank.chars().count() > 100 || bank.chars().any(char::is_control) {
        return Err(AppError::validation(
            "bank",
            "bank_account.bank",
            "the bank is 1 to 100 characters",
        ));
    }
    let account_name = req.account_name.trim();
    if normalise_name(account_name) != normalise_name(&details.organisation.name) {
        return Err(AppError::validation(
            "account_name",
            "bank_account.name_mismatch",
            "the basic account's name must be the organisation's name",
        ));
    }
    let code = new_code();
    let salt = random::hex(8);
    let transfer = Transfer {
        account_name: account_name.to_owned(),
        bank: bank.to_owned(),
        account_no: account_no.clone(),
        amount_fen: AMOUNT_FEN,
        remark: format!("certrenew对公验证{code}"),
    };
    let provider = &state.providers.bank;
    // The transfer is reserved (counted) under the write lock before the bank is
    // called, so racing requests cannot send more than MAX_TRANSFERS.
    let mut tx = state.store.begin_exclusive().await?;
    let sent = store::transfers::count_sent(&mut tx, &business_no).await?;
    super::within_limit(
        sent,
        MAX_TRANSFERS,
        "bank_transfer.too_many",
        "too many verification transfers for this application; contact the CA",
    )?;
    let id = store::transfers::reserve(
        &mut tx,
        &NewTransfer {
            business_no: &business_no,
            account_name: &transfer.account_name,
            bank: &transfer.bank,
            account_no: &account_no,
            amount_fen: AMOUNT_FEN,
            provider: provider.name(),
            salt: &salt,
            code_hash: &code_hash(&salt, &code),
            created_at: clock::now_ms(),
        },
    )
    .await?;
    tx.commit().await?;
    // The bank is called outside any transaction; its answer is then recorded.
    let actor = store::actor(&mobile);
    let reference = match provider.send(&transfer).await {
        Ok(reference) => reference,
        Err(e) => {
            let mut tx = state.store.begin_write().await?;
            store::transfers::mark_failed(&mut tx, id).await?;
            audit::append(
                &mut tx,
                &actor,
                "expired.transfer_failed",
                &business_no,
                json!({ "error": e.to_string() }),
            )
            .await?;
            tx.commit().await?;
            return Err(match e {
                TransferError::Database(e) => AppError::Database(e),
                other => AppError::refused(
                    ErrorCode::PaymentGateway,
                    StatusCode::BAD_GATEWAY,
                    other.to_string(),
                ),
            });
        }
    };
    let mut tx = state.store.begin_write().await?;
    store::transfers::mark_sent(&mut tx, &business_no, id, &reference).await?;
    store::step(
        &mut tx,
        &business_no,
        AppEvent::SendTransfer,
        &actor,
        json!({ "bank": transfer.bank, "account_no": store::mask_account(&account_no), "reference": reference }),
    )
    .await?;
    tx.commit().await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    Ok(Json(store::view(state.pool(), &row).await?))
}

/// The code from the remark.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeRequest {
    /// The 6 characters (case does not matter).
    pub code: String,
}

/// Checks the code (`POST …/bank-account/verify`).
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/bank-account/verify", params(("business_no" = String, Path)), request_body = CodeRequest,
    responses((status = 200, body = AppView), (status = 409), (status = 422), (status = 429)))]
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<CodeRequest>,
) -> AppResult<Json<AppView>> {
    let mobile = login::require(&state, &headers).await?;
    let app = store::owned(state.pool(), &business_no, &mobile).await?;
    let code = req.code.trim().to_ascii_uppercase();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::validation(
            "code",
            "bank_code.format",
            "the code is 6 letters and digits",
        ));
    }
    let actor = store::actor(&mobile);
    let mut tx = state.store.begin_write().await?;
    let t = store::transfers::pending(&mut tx, &business_no)
        .await?
        .ok_or_else(|| {
            AppError::refused(
                ErrorCode::IllegalTransition,
                StatusCode::CONFLICT,
                "no verification transfer is waiting for its code; send one first",
            )
        })?;
    let (id, tries) = (t.id, t.tries);
    if !same(&code_hash(&t.salt, &code), &t.code_hash) {
        let tries = tries + 1;
        let locked = tries >= MAX_TRIES;
        store::transfers::record_wrong(&mut tx, id, tries, locked).await?;
        audit::append(
            &mut tx,
            &actor,
            "expired.bank_code_wrong",
            &business_no,
            json!({ "tries": tries, "locked": locked }),
        )
        .await?;
        tx.commit().await?;
        if locked {
            return Err(AppError::refused(
                ErrorCode::RateLimited,
                StatusCode::TOO_MANY_REQUESTS,
                "too many wrong codes: this transfer's code no longer works; check the account and send again",
            )
            .with_details(json!({ "field": "code", "rule": "bank_code.too_many_tries", "tries_left": 0 })));
        }
        let left = MAX_TRIES - tries;
        return Err(AppError::refused(
            ErrorCode::ValidationFailed,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the code is wrong; {left} tries left"),
        )
        .with_details(json!({ "field": "code", "rule": "bank_code.wrong", "tries_left": left })));
    }
    // The proof of the company's account: this application takes the certificate.
    hold::claim(
        &mut tx,
        &business_no,
        &app.cert_sha256,
        &mobile,
        clock::now_ms(),
    )
    .await?;
    store::transfers::mark_verified(&mut tx, id, clock::now_ms()).await?;
    store::step(
        &mut tx,
        &business_no,
        AppEvent::VerifyBank,
        &actor,
        json!({ "tries": tries }),
    )
    .await?;
    tx.commit().await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    Ok(Json(store::view(state.pool(), &row).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| ALPHABET.contains(&b)), "{c}");
        }
        assert_eq!(code_hash("s", "ab3def"), code_hash("s", "AB3DEF"));
    }
}
