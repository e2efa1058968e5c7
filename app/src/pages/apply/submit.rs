//! Sending the application: a challenge, the `apply` signature over SHA-256 of the
//! exact JSON bytes (docs/protocol.md §8), and `POST /renewals` with those bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use leptos::prelude::*;
use protocol::ErrorCode;
use protocol::application::Application;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::state::Phase;
use crate::error::AppError;
use crate::state::Chosen;
use crate::{api, auth, bridge};

/// What this page reads of `POST /renewals`' answer (the new renewal): its number, for
/// the order page that follows, which reads the whole renewal itself. Reading only this
/// keeps the renewal's deserialiser out of `/apply/`'s wasm (issue 16).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Applied {
    /// 业务单号.
    pub business_no: String,
}

/// The bytes signed and sent, and the payload line of the signature (lowercase hex
/// SHA-256 of those bytes).
pub fn signed_bytes(application: &Application) -> Result<(Vec<u8>, String), AppError> {
    let bytes = serde_json::to_vec(application)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let sha = hex::encode(Sha256::digest(&bytes));
    Ok((bytes, sha))
}

/// What the application goes with.
pub struct Submission<'a> {
    pub chosen: &'a Chosen,
    pub project: &'a str,
    pub return_url: Option<String>,
    pub lang: &'static str,
}

/// Signs and sends; `phase` follows the steps. → the new renewal's number (201).
pub async fn submit(
    s: Submission<'_>,
    application: &Application,
    phase: RwSignal<Phase>,
) -> Result<Applied, AppError> {
    let (bytes, sha) = signed_bytes(application)?;
    // A pair is renewed as a pair when the project issues pairs: the old encryption
    // certificate goes with the application (the server checks it matches).
    let encryption_certificate = match &s.chosen.encryption {
        Some(e) if api::projects::kind(s.project).await?.is_dual() => Some(e.der.clone()),
        _ => None,
    };
    phase.set(Phase::Signing);
    let challenge = auth::challenge().await?;
    let signed = bridge::sign(
        s.chosen.token.serial.as_str(),
        s.chosen.certificate.sha256.as_str(),
        "apply",
        &challenge,
        Some(&sha),
    )
    .await?;
    phase.set(Phase::Sending);
    let mut body = json!({
        "project": s.project,
        "application": STANDARD.encode(&bytes),
        "challenge": challenge,
        "signature": signed.signature,
        "certificate": signed.certificate,
        "return_url": s.return_url,
        "lang": s.lang,
    });
    if let Some(der) = encryption_certificate {
        body["encryption_certificate"] = json!(der);
    }
    // `POST /renewals` (api::renewals::apply reads the whole renewal).
    api::post("/renewals", &body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_the_sha256_of_the_exact_bytes() {
        let app: Application = serde_json::from_str(
            r#"{"months":12,"agreement_version":"2024.1","operator":{"id_type":"resident_id","id_number":"11010519491231002X","name":"张三","mobile":"13800138000","email":"zhangsan@example.com"},"recipient":{"name":"张三","mobile":"13800138000","address":"广州市天河区体育西路1号"}}"#,
        )
        .expect("sample");
        let (bytes, sha) = signed_bytes(&app).expect("bytes");
        assert_eq!(bytes.first(), Some(&b'{'));
        assert_eq!(sha, hex::encode(Sha256::digest(&bytes)));
        assert_eq!(sha.len(), 64);
        assert!(
            sha.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        let back: Application = serde_json::from_slice(&bytes).expect("round trip");
        assert_eq!(back, app);
    }
}
