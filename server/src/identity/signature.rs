//! Verifying an origin-bound signature: the TBS is rebuilt with the server's OWN
//! public origin, so a signature made for any other site does not verify here.

use axum::http::StatusCode;
use protocol::ErrorCode;
use protocol::ids::{Challenge, PayloadSha256, WebOrigin};
use protocol::tbs::{Purpose, Tbs};

use crate::error::AppError;

/// Checks `signature` over the TBS of (`purpose`, our `origin`, `challenge`, `payload`)
/// with the key in `spki_der`.
pub fn verify(
    spki_der: &[u8],
    purpose: Purpose,
    origin: &WebOrigin,
    challenge: &Challenge,
    payload_sha256: Option<&PayloadSha256>,
    signature: &[u8],
) -> Result<(), AppError> {
    let tbs = Tbs {
        purpose,
        origin,
        challenge,
        payload_sha256,
    }
    .to_bytes();
    certinfo::verify_signature(spki_der, &tbs, signature)
        .map(|_| ())
        .map_err(|e| {
            AppError::refused(
                ErrorCode::SignatureInvalid,
                StatusCode::UNAUTHORIZED,
                format!(
                    "the {} signature does not verify for {origin}: {e}",
                    purpose.as_str()
                ),
            )
        })
}
