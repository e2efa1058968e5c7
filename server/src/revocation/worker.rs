//! Keeps the published status fresh: every [`PERIOD`], signs the CRL again when it has
//! less than [`CRL_RESIGN_BEFORE`](super::CRL_RESIGN_BEFORE) left or misses a
//! revocation (one written while signing failed), and replaces the OCSP responder
//! certificate before it runs out. Several servers doing this at once only publish a
//! higher CRL number.

use std::time::Duration;

use super::{RevocationError, crl, responder, store};
use crate::clock;
use crate::state::AppState;

/// How often the worker looks.
pub const PERIOD: Duration = Duration::from_secs(3600);

/// Runs until the task is aborted.
pub async fn run(state: AppState) {
    loop {
        if let Err(e) = tick(&state).await {
            tracing::warn!(error = %e, "keeping the crl and the ocsp responder fresh failed");
        }
        tokio::time::sleep(PERIOD).await;
    }
}

/// One round; returns whether a CRL was signed.
pub async fn tick(state: &AppState) -> Result<bool, RevocationError> {
    let current = store::crl(state.pool(), &state.ca.id()).await?;
    let revoked = store::count(state.pool()).await?;
    let behind = current.as_ref().is_some_and(|row| row.entries != revoked);
    let signed = if behind || crl::due(current.as_ref(), clock::now_ms()) {
        crl::regenerate(&state.store, &state.ca).await?;
        true
    } else {
        false
    };
    responder::current(&state.store, &state.ca).await?;
    Ok(signed)
}
