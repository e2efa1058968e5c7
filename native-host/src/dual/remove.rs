//! Removing former encryption certificates kept as history, under the project's
//! policy `remove_old_encryption_after_days` (docs/protocol.md §9 `install_certificate`,
//! docs/security.md §3.11). Only a dual install does it, so the request is bound to a
//! renewal the server verified and the token recorded (crate::binding), and the user
//! saw the certificates named in the extension's window, where the PIN is typed.
//!
//! What may go, all checked before anything on the token changes (a refusal changes
//! nothing): a certificate marked history (crate::history) with the new encryption
//! certificate's subject and issuer byte for byte, encryption usage, neither the one
//! kept now nor the one retired, whose notAfter lies at least `after_days` days in the
//! past. With it go only its key objects that are marked history too and that no other
//! remaining certificate uses; any other object stays, even when named.

use cryptoki::object::ObjectClass;
use cryptoki::session::Session;
use protocol::host::{HistoryRemoval, MAX_HISTORY_REMOVALS};
use protocol::ids::CertSha256;

use crate::dual::check::Checked;
use crate::error::HostError;
use crate::objects::{self, CertObject};
use crate::{fault, history};

/// The fault names of one certificate's removal, in order.
pub const STEPS: [&str; 3] = ["remove_private", "remove_public", "remove_cert"];

const DAY: i64 = 86_400;

fn refuse(why: String) -> HostError {
    HostError::EncryptionRefused(why)
}

/// The time the policy is judged at, Unix seconds. Debug builds (the tests) may set it
/// with `CERTRENEW_TEST_NOW`, as they set faults (crate::fault); a release build reads
/// only the system clock.
pub fn now() -> i64 {
    if cfg!(debug_assertions)
        && let Some(t) = std::env::var("CERTRENEW_TEST_NOW")
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
    {
        return t;
    }
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The first instant a certificate valid to `not_after` may be removed.
pub fn due(not_after: i64, after_days: u32) -> i64 {
    not_after.saturating_add(i64::from(after_days).saturating_mul(DAY))
}

/// Whether the request asks for any removal.
pub fn asked(removal: Option<&HistoryRemoval>) -> bool {
    removal.is_some_and(|r| !r.certificates.is_empty())
}

/// Decides, before anything changes, which of the named certificates go: those on
/// the token (a name no longer there is a re-run's, or was never there: skipped).
/// `bound`: the new key still has its renewal binding (a renewal still to install).
pub fn admit(
    session: &Session,
    removal: &HistoryRemoval,
    new: &Checked<'_>,
    keep: Option<&CertSha256>,
    retire: Option<&CertSha256>,
    bound: bool,
    now: i64,
) -> Result<Vec<CertObject>, HostError> {
    if removal.certificates.len() > MAX_HISTORY_REMOVALS {
        return Err(HostError::BadRequest(format!(
            "install_certificate: encryption.remove names {} certificates, at most {MAX_HISTORY_REMOVALS}",
            removal.certificates.len()
        )));
    }
    let new_facts = certinfo::facts(new.der)
        .map_err(|e| refuse(format!("the encryption certificate does not parse: {e}")))?;
    let mut on_token = objects::certificates(session)?;
    let mut chosen: Vec<CertObject> = Vec::new();
    for sha in &removal.certificates {
        if *sha == new.sha256 || Some(sha) == keep || Some(sha) == retire {
            return Err(refuse(format!(
                "the certificate {sha} is installed, kept or retired by this install; it cannot also be removed"
            )));
        }
        if chosen.iter().any(|c| &c.sha256 == sha) {
            continue;
        }
        let Some(at) = on_token.iter().position(|c| &c.sha256 == sha) else {
            continue;
        };
        let cert = on_token.swap_remove(at);
        if !history::is_history(&cert.label) {
            return Err(refuse(format!(
                "the certificate {sha} is not a kept history certificate (its label is not marked \"{}\"); only history is ever removed",
                history::HISTORY_PREFIX.trim_end()
            )));
        }
        let facts = certinfo::facts(&cert.der).map_err(|e| {
            refuse(format!(
                "the certificate {sha} to remove does not parse: {e}"
            ))
        })?;
        if facts.subject_der != new_facts.subject_der || facts.issuer_der != new_facts.issuer_der {
            return Err(refuse(format!(
                "the certificate {sha} to remove is not of this pair: another subject or issuer than the new encryption certificate"
            )));
        }
        if facts.usage != certinfo::Usage::Encrypt {
            return Err(refuse(format!(
                "the certificate {sha} to remove is not an encryption certificate"
            )));
        }
        let due_at = due(facts.not_after.unix_timestamp(), removal.after_days);
        if now < due_at {
            return Err(refuse(format!(
                "the certificate {sha} is kept until {} ({} days after its notAfter {}); it is not removed before",
                rfc3339(due_at),
                removal.after_days,
                facts.not_after_rfc3339()
            )));
        }
        if !bound {
            return Err(refuse(format!(
                "the certificate {sha} may be removed only by a renewal still to install (this key has no renewal record)"
            )));
        }
        chosen.push(cert);
    }
    Ok(chosen)
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// Deletes each admitted certificate: first its history-marked key objects (unless
/// another remaining certificate uses its `CKA_ID`), then the certificate, because
/// its `CKA_ID` is how a re-run finds the keys.
pub fn remove(session: &Session, certs: &[CertObject]) -> Result<(), HostError> {
    for cert in certs {
        if !cert.id.is_empty() {
            let users = objects::by_id(session, ObjectClass::CERTIFICATE, &cert.id)?;
            let shared = users.iter().any(|h| *h != cert.handle);
            if !shared {
                for (class, step) in [
                    (ObjectClass::PRIVATE_KEY, STEPS[0]),
                    (ObjectClass::PUBLIC_KEY, STEPS[1]),
                ] {
                    for handle in objects::by_id(session, class, &cert.id)? {
                        if history::is_history(&objects::label(session, handle)?) {
                            session.destroy_object(handle)?;
                        }
                    }
                    fault::after(step);
                }
            }
        }
        session.destroy_object(cert.handle)?;
        fault::after(STEPS[2]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_counts_whole_days_after_not_after_and_never_overflows() {
        assert_eq!(due(1_000, 0), 1_000);
        assert_eq!(due(1_000, 2), 1_000 + 2 * DAY);
        assert_eq!(due(i64::MAX - 5, u32::MAX), i64::MAX);
    }

    #[test]
    fn only_a_non_empty_list_asks() {
        assert!(!asked(None));
        let mut r = HistoryRemoval {
            after_days: 30,
            certificates: vec![],
        };
        assert!(!asked(Some(&r)));
        r.certificates.push(CertSha256::from_digest(&[1; 32]));
        assert!(asked(Some(&r)));
    }
}
