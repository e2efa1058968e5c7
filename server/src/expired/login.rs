//! Signing in on the expired path: a 6-digit code sent by SMS to the mobile number,
//! valid five minutes, kept only as a salted SHA-256, at most [`MAX_TRIES`] wrong
//! tries per code, at most [`SENDS_PER_MOBILE`] codes per number and
//! [`SENDS_PER_CLIENT`] per client address in an hour. The right code opens a session
//! cookie bound to the number (`certrenew_expired`, path `/api/v1/expired`).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use protocol::ErrorCode;
use protocol::contact::Mobile;
use protocol::expired_request::{SignInRequest, SmsCodeRequest};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::api::extract::Body;
use crate::audit;
use crate::client_addr::ClientAddr;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::expired::store::login as store;
use crate::expired::{rate_limited, within_limit};
use crate::identity::sessions::{cookie, cookie_value, set_cookie};
use crate::random;
use crate::state::AppState;

/// How long a code may be used.
pub const CODE_LIFETIME_MS: i64 = 5 * 60 * 1000;
/// Wrong tries allowed per code.
pub const MAX_TRIES: i64 = 5;
/// Codes per mobile number per hour.
pub const SENDS_PER_MOBILE: i64 = 5;
/// Codes per client address per hour.
pub const SENDS_PER_CLIENT: i64 = 20;
/// The session cookie's name.
pub const COOKIE_NAME: &str = "certrenew_expired";
/// How long a session lasts: a working morning; the applications stay with the number.
pub const SESSION_MS: i64 = 4 * 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;

/// A mobile number from a body field, or 422.
pub fn mobile_field(field: &str, value: &str) -> AppResult<Mobile> {
    Mobile::parse(value).map_err(|e| AppError::validation(field, e.code(), e.to_string()))
}

fn code_hash(salt: &str, mobile: &str, code: &str) -> String {
    protocol::ids::to_hex(&Sha256::digest(
        format!("{salt}\n{mobile}\n{code}").as_bytes(),
    ))
}

/// A code of `len` decimal digits (uniform: bytes ≥ 250 are drawn again).
pub fn digits(len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random::bytes(len) {
            if b < 250 && out.len() < len {
                out.push(char::from(b'0' + b % 10));
            }
        }
    }
    out
}

/// Compares without an early exit.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A code was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeSent {
    /// The number, masked (`138****8000`).
    pub mobile: String,
    /// When the code stops working, RFC 3339.
    pub expires_at: String,
}

/// The SMS text: short, signed, with the code first (phones offer to copy it).
fn sms_text(code: &str, lang: &str) -> String {
    if lang == "en" {
        format!(
            "[certrenew] {code} is your sign-in code for renewing an expired certificate. It expires in 5 minutes. Do not share it."
        )
    } else {
        format!("【certrenew】验证码 {code}，用于过期证书续期登录，5分钟内有效。请勿告诉他人。")
    }
}

/// Sends a sign-in code (`POST /api/v1/expired/sms-codes`).
#[utoipa::path(post, path = "/api/v1/expired/sms-codes", request_body = SmsCodeRequest,
    responses((status = 200, body = CodeSent), (status = 422), (status = 429)))]
pub async fn send_code(
    State(state): State<AppState>,
    client: ClientAddr,
    Body(req): Body<SmsCodeRequest>,
) -> AppResult<Json<CodeSent>> {
    let mobile = mobile_field("mobile", &req.mobile)?;
    let lang = match req.lang.as_deref() {
        None | Some("zh") => "zh",
        Some("en") => "en",
        Some(_) => {
            return Err(AppError::validation(
                "lang",
                "lang.unknown",
                "lang is zh or en",
            ));
        }
    };
    // Behind a trusted proxy, the user's address, not the proxy's.
    let client = client.key();
    let code = digits(6);
    let salt = random::hex(8);
    let now = clock::now_ms();
    // Counting and inserting under the write lock: racing requests cannot both pass.
    let mut tx = state.store.begin_exclusive().await?;
    let since = now - HOUR_MS;
    let by_mobile = store::codes_to_mobile(&mut tx, mobile.as_str(), since).await?;
    within_limit(
        by_mobile,
        SENDS_PER_MOBILE,
        "sms.per_mobile",
        "too many codes were sent to this number in the last hour; try again later",
    )?;
    let by_client = store::codes_from_client(&mut tx, &client, since).await?;
    within_limit(
        by_client,
        SENDS_PER_CLIENT,
        "sms.per_client",
        "too many codes were asked for from this address in the last hour; try again later",
    )?;
    // Only the newest code works.
    store::replace_code(
        &mut tx,
        &store::NewCode {
            mobile: mobile.as_str(),
            client: &client,
            salt: &salt,
            code_hash: &code_hash(&salt, mobile.as_str(), &code),
            created_at: now,
            expires_at: now + CODE_LIFETIME_MS,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        "anonymous",
        "expired.sms_code_sent",
        &format!("mobile:{}", mobile.as_str()),
        json!({ "client": client }),
    )
    .await?;
    tx.commit().await?;
    // Sent after the commit, never through the outbox: the code is not stored in clear.
    let sent = state
        .providers
        .sms
        .send_sms(mobile.as_str(), &sms_text(&code, lang))
        .await;
    if let Err(e) = sent {
        tracing::warn!(error = %e, "the sign-in code could not be sent");
        return Err(AppError::refused(
            ErrorCode::Internal,
            StatusCode::BAD_GATEWAY,
            "the SMS could not be sent; try again in a moment",
        ));
    }
    Ok(Json(CodeSent {
        mobile: mobile.masked(),
        expires_at: clock::rfc3339(now + CODE_LIFETIME_MS),
    }))
}

/// A signed-in session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The number, masked.
    pub mobile: String,
    /// When the session ends, RFC 3339.
    pub expires_at: String,
}

fn code_error(rule: &str, message: &str) -> AppError {
    AppError::validation("code", rule, message)
}

/// Checks the code and opens the session (`POST /api/v1/expired/sessions`).
#[utoipa::path(post, path = "/api/v1/expired/sessions", request_body = SignInRequest,
    responses((status = 200, body = LoginResponse), (status = 422), (status = 429)))]
pub async fn login(
    State(state): State<AppState>,
    Body(req): Body<SignInRequest>,
) -> AppResult<(HeaderMap, Json<LoginResponse>)> {
    let mobile = mobile_field("mobile", &req.mobile)?;
    let code = req.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(code_error("sms_code.format", "the code is 6 digits"));
    }
    let now = clock::now_ms();
    let mut tx = state.store.begin_exclusive().await?;
    let row = store::latest_code(&mut tx, mobile.as_str())
        .await?
        .ok_or_else(|| code_error("sms_code.missing", "ask for a code first"))?;
    let store::Code {
        id,
        salt,
        code_hash: stored,
        tries,
        expires_at,
    } = row;
    if expires_at <= now {
        return Err(code_error(
            "sms_code.expired",
            "the code has expired; ask for a new one",
        ));
    }
    if tries >= MAX_TRIES {
        return Err(rate_limited(
            "sms_code.too_many_tries",
            "too many wrong codes; ask for a new one",
        ));
    }
    let subject = format!("mobile:{}", mobile.as_str());
    if !same(&code_hash(&salt, mobile.as_str(), code), &stored) {
        store::wrong_code(&mut tx, id).await?;
        audit::append(
            &mut tx,
            "anonymous",
            "expired.sms_code_wrong",
            &subject,
            json!({ "tries": tries + 1 }),
        )
        .await?;
        tx.commit().await?;
        let left = MAX_TRIES - tries - 1;
        return Err(AppError::refused(
            ErrorCode::ValidationFailed,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the code is wrong; {left} tries left"),
        )
        .with_details(json!({ "field": "code", "rule": "sms_code.wrong", "tries_left": left })));
    }
    store::use_code(&mut tx, id, now).await?;
    let token = random::token(32);
    store::open_session(
        &mut tx,
        &token_hash(&token),
        mobile.as_str(),
        now,
        now + SESSION_MS,
    )
    .await?;
    audit::append(
        &mut tx,
        &format!("mobile:{}", mobile.as_str()),
        "expired.session_opened",
        &subject,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    let headers = set_cookie(&cookie(
        COOKIE_NAME,
        &token,
        "/api/v1/expired",
        SESSION_MS / 1000,
        state.secure_cookies(),
    ))?;
    Ok((
        headers,
        Json(LoginResponse {
            mobile: mobile.masked(),
            expires_at: clock::rfc3339(now + SESSION_MS),
        }),
    ))
}

/// Ends this browser's session (`POST /api/v1/expired/sessions/end`): 204, the cookie
/// cleared; the applications stay with the number.
#[utoipa::path(post, path = "/api/v1/expired/sessions/end", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<(StatusCode, HeaderMap)> {
    if let Some(token) = cookie_value(&headers, COOKIE_NAME).filter(|t| t.len() <= 100) {
        let mut tx = state.store.begin_write().await?;
        let mobile = store::end_session(&mut tx, &token_hash(token)).await?;
        if let Some(mobile) = mobile {
            audit::append(
                &mut tx,
                &format!("mobile:{mobile}"),
                "expired.session_ended",
                &format!("mobile:{mobile}"),
                json!({}),
            )
            .await?;
        }
        tx.commit().await?;
    }
    let out = set_cookie(&cookie(
        COOKIE_NAME,
        "",
        "/api/v1/expired",
        0,
        state.secure_cookies(),
    ))?;
    Ok((StatusCode::NO_CONTENT, out))
}

/// Whether this request has a session (`GET /sessions/current`): 200 either way, so a
/// page can ask before it shows the sign-in without the browser logging a failure.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentSession {
    /// The signed-in number, masked (`138****8000`); `null` without a session.
    pub mobile: Option<String>,
}

/// `GET /api/v1/expired/sessions/current`.
#[utoipa::path(get, path = "/api/v1/expired/sessions/current", responses((status = 200, body = CurrentSession)))]
pub async fn current(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<CurrentSession>> {
    let mobile = match require(&state, &headers).await {
        Ok(m) => Some(Mobile::parse(&m).map_or(m, |m| m.masked())),
        Err(AppError::Refused {
            code: ErrorCode::Unauthenticated,
            ..
        }) => None,
        Err(e) => return Err(e),
    };
    Ok(Json(CurrentSession { mobile }))
}

fn token_hash(token: &str) -> String {
    protocol::ids::to_hex(&Sha256::digest(token.as_bytes()))
}

/// The mobile number of this request's session, or 401.
pub async fn require(state: &AppState, headers: &HeaderMap) -> AppResult<String> {
    let unauthenticated =
        || AppError::unauthenticated("sign in with a code sent to your mobile first");
    let token = cookie_value(headers, COOKIE_NAME)
        .filter(|t| t.len() <= 100)
        .ok_or_else(unauthenticated)?;
    store::session_mobile(state.pool(), &token_hash(token), clock::now_ms())
        .await?
        .ok_or_else(unauthenticated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_compared_whole() {
        for _ in 0..100 {
            let c = digits(6);
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
        assert!(same("123456", "123456"));
        assert!(!same("123456", "123457"));
        assert!(!same("12345", "123456"));
    }

    #[test]
    fn the_text_fits_an_sms() {
        for lang in ["zh", "en"] {
            let text = sms_text("123456", lang);
            assert!(text.chars().count() <= 140, "{text}");
            assert!(text.contains("123456"));
        }
    }
}
