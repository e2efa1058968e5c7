//! A project's rule for the old certificate once its renewal is confirmed (issue 15):
//! kept valid to its notAfter (the default: a platform that still checks the old one
//! keeps working until the customer switches), or revoked with reason `superseded` in
//! the transaction that confirms the new one. The apply page shows the rule before the
//! customer applies (`GET /api/v1/projects/<id>` serves it as `old_certificate`).

use serde_json::json;

use super::RevocationError;
use super::revoke::{publish, revoke_in};
use crate::ca::Reason;
use crate::db::Tx;
use crate::error::AppError;
use crate::renewal::store::RenewalRow;
use crate::state::AppState;

pub use protocol::certificate::OldCertificate;

/// What [`on_confirmed`] revoked; [`Self::publish`] signs the CRL once committed.
#[must_use = "publish after the transaction commits, so the CRL lists the revocation"]
#[derive(Debug, Default)]
pub struct AfterConfirm {
    revoked: Option<String>,
}

impl AfterConfirm {
    /// The serial revoked, if any.
    pub fn revoked(&self) -> Option<&str> {
        self.revoked.as_deref()
    }

    /// Signs the CRL again if a certificate was revoked (after the commit).
    pub async fn publish(self, state: &AppState) {
        if let Some(serial) = self.revoked {
            publish(&state.store, &state.ca, &serial).await;
        }
    }
}

/// Applies the project's [`OldCertificate`] rule to the renewal `row`, inside the
/// transaction that confirms it. The old certificate is revoked only if this CA issued
/// it (it is in the inventory) and it is not revoked already; otherwise nothing changes.
pub async fn on_confirmed(
    state: &AppState,
    tx: &mut Tx,
    row: &RenewalRow,
) -> Result<AfterConfirm, AppError> {
    let rule = state
        .project(&row.project)
        .map(|p| p.old_certificate)
        .unwrap_or_default();
    if rule == OldCertificate::KeepValid {
        return Ok(AfterConfirm::default());
    }
    let old = certinfo::facts(&row.cert_der)
        .map_err(|e| AppError::Internal(format!("the renewed certificate is unreadable: {e}")))?;
    let context = json!({ "policy": "revoke_superseded", "renewal": row.business_no, "project": row.project });
    let actor = format!("policy:{}", row.project);
    match revoke_in(
        tx,
        &old.serial_hex,
        Reason::Superseded,
        &actor,
        true,
        context,
    )
    .await
    {
        Ok((serial, _, _)) => Ok(AfterConfirm {
            revoked: Some(serial),
        }),
        // Not ours to list (issued before the inventory or by another CA), or revoked
        // already (say for key compromise): the rule has nothing to do.
        Err(RevocationError::UnknownSerial(_) | RevocationError::AlreadyRevoked(_)) => {
            Ok(AfterConfirm::default())
        }
        Err(RevocationError::Database(e)) => Err(AppError::Database(e)),
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[test]
    fn the_rule_reads_as_written_in_the_settings_and_defaults_to_keep_valid() {
        #[derive(Deserialize)]
        struct S {
            #[serde(default)]
            old_certificate: OldCertificate,
        }
        let s: S = toml::from_str("old_certificate = \"revoke_superseded\"").unwrap();
        assert_eq!(s.old_certificate, OldCertificate::RevokeSuperseded);
        let s: S = toml::from_str("").unwrap();
        assert_eq!(s.old_certificate, OldCertificate::KeepValid);
        assert!(toml::from_str::<S>("old_certificate = \"revoke\"").is_err());
        assert_eq!(
            serde_json::to_value(OldCertificate::KeepValid).unwrap(),
            "keep_valid"
        );
    }
}
