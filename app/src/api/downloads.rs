//! The host programs the server offers (docs/api.md, `GET /downloads`).

use serde::Deserialize;

use super::get;
use crate::error::AppError;

/// A host program the server offers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Offered {
    /// `windows`, `macos`, `linux`.
    pub os: String,
    /// Served at `/downloads/<file>`.
    pub file: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// `GET /downloads`: every program offered, with its size and checksum.
pub async fn list() -> Result<Vec<Offered>, AppError> {
    get("/downloads").await
}
