//! Key recovery (docs/api.md, issue 11): an escrowed encryption key re-delivered to a
//! customer's token. The staff request it with a reason and two other staff approve it;
//! the certificate's holder, signed in, fetches it enveloped to a signing key on the
//! token and confirms the delivery with the `installed` signature the host made.

use protocol::host::{Base64Bytes, EncryptionInstall};
use protocol::recovery::RecoveryStatus;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::{get, post, post_staff, segment};
use crate::error::AppError;

/// A recovery id as sent (a number or a string), kept as text.
fn id_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => s,
        other => other.to_string(),
    })
}

/// One key recovery.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Recovery {
    /// Its id.
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    /// The renewal whose encryption key is recovered.
    #[serde(default)]
    pub business_no: String,
    /// Where it is.
    pub status: RecoveryStatus,
    /// Why (the staff member's words).
    #[serde(default)]
    pub reason: String,
    /// Who asked.
    #[serde(default)]
    pub requested_by: Option<String>,
    /// Who approved so far.
    #[serde(default)]
    pub approvals: Value,
    /// When it was asked.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The encryption certificate's SHA-256, when the server says it.
    #[serde(default)]
    pub encryption_sha256: Option<String>,
}

impl Recovery {
    /// How many approvals it has (the server sends a count or the approvers' names).
    pub fn approval_count(&self) -> usize {
        match &self.approvals {
            Value::Array(a) => a.len(),
            Value::Number(n) => n.as_u64().map_or(0, |n| n as usize),
            _ => 0,
        }
    }
}

/// `POST /admin/recoveries`: a staff member asks for a recovery.
pub async fn request(csrf: &str, business_no: &str, reason: &str) -> Result<Recovery, AppError> {
    post_staff(
        "/admin/recoveries",
        csrf,
        &json!({"business_no": business_no, "reason": reason}),
    )
    .await
}

/// `POST /admin/recoveries/{id}/approve`: one approval (the second distinct one makes
/// it `approved`).
pub async fn approve(csrf: &str, id: &str) -> Result<Recovery, AppError> {
    post_staff(
        &format!("/admin/recoveries/{}/approve", segment(id)),
        csrf,
        &json!({}),
    )
    .await
}

/// `GET /admin/recoveries`: every recovery, for the staff.
pub async fn list_staff() -> Result<Vec<Recovery>, AppError> {
    get("/admin/recoveries").await
}

/// `GET /recoveries`: the approved recoveries of the signed-in certificate's subject.
pub async fn list_mine() -> Result<Vec<Recovery>, AppError> {
    get("/recoveries").await
}

/// `POST /recoveries/{id}/envelope`: the escrowed key, enveloped to the key of
/// `signing_certificate` (on the token, issued by this CA to the same subject).
pub async fn envelope(
    id: &str,
    signing_certificate: &Base64Bytes,
) -> Result<EncryptionInstall, AppError> {
    post(
        &format!("/recoveries/{}/envelope", segment(id)),
        &json!({"signing_certificate": signing_certificate}),
    )
    .await
}

/// `POST /recoveries/{id}/delivered`: the token holds the key again (the host's
/// `installed` signature over `challenge`); the answer is not read further.
pub async fn delivered(
    id: &str,
    challenge: &str,
    signature: &Base64Bytes,
) -> Result<Value, AppError> {
    post(
        &format!("/recoveries/{}/delivered", segment(id)),
        &json!({"challenge": challenge, "signature": signature}),
    )
    .await
}
