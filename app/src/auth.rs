//! Signing in with the certificate's key (`login`) and the challenge every signature
//! needs. The PIN is typed in the extension's window; the page only sees the result.

use crate::api;
use crate::bridge;
use crate::error::AppError;
use crate::models::SessionAnswer;
use crate::state::Chosen;

/// A fresh single-use challenge from the server.
pub async fn challenge() -> Result<String, AppError> {
    Ok(api::session::challenge().await?.challenge)
}

/// The `login` signature and `POST /sessions`: a server session for this certificate.
pub async fn sign_in(chosen: &Chosen, project: &str) -> Result<SessionAnswer, AppError> {
    let challenge = challenge().await?;
    let signed = bridge::sign(
        chosen.token.serial.as_str(),
        chosen.certificate.sha256.as_str(),
        "login",
        &challenge,
        None,
    )
    .await?;
    api::session::sign_in(api::session::SignIn {
        certificate: &signed.certificate,
        challenge: &challenge,
        signature: &signed.signature,
        project,
    })
    .await
}
