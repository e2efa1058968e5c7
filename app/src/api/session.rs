//! Signing in with a certificate (docs/api.md §4): the challenge, the session, sign-out.

use protocol::host::Base64Bytes;
use serde_json::json;

use super::{post, post_no_content};
use crate::error::AppError;
use crate::models::{Challenge, SessionAnswer};

/// `POST /challenges`: a fresh single-use challenge.
pub async fn challenge() -> Result<Challenge, AppError> {
    post("/challenges", &json!({})).await
}

/// What `POST /sessions` is sent: the `login` signature over a challenge.
pub struct SignIn<'a> {
    /// The certificate (DER, base64 on the wire).
    pub certificate: &'a Base64Bytes,
    /// The challenge signed.
    pub challenge: &'a str,
    /// The signature.
    pub signature: &'a Base64Bytes,
    /// The project signed in to.
    pub project: &'a str,
}

/// `POST /sessions`: a server session for the certificate.
pub async fn sign_in(s: SignIn<'_>) -> Result<SessionAnswer, AppError> {
    post(
        "/sessions",
        &json!({
            "certificate": s.certificate,
            "challenge": s.challenge,
            "signature": s.signature,
            "project": s.project,
        }),
    )
    .await
}

/// `POST /sessions/end`: signs out on the server.
pub async fn end() -> Result<(), AppError> {
    post_no_content("/sessions/end").await
}
