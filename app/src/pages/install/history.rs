//! The history certificates a dual install removes under the project's policy
//! `remove_old_encryption_after_days` (docs/protocol.md §9 `remove`): the CA sends the
//! days, the page names the certificates from the token's listing, the extension shows
//! each in its window and the host checks each again before it deletes anything.

use protocol::host::{CertificateSummary, HistoryRemoval, MAX_HISTORY_REMOVALS, Usage};
use protocol::ids::CertSha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A day's margin over the host's own check, so that the page never names one the
/// host would find not yet due.
const MARGIN_S: i64 = 86_400;

/// Fills `removal.certificates` with the history certificates among `certs` (one
/// token's) of the pair's subject and issuer whose notAfter + `after_days` + a day is
/// before `now` (Unix seconds).
pub fn name_due(
    removal: &mut HistoryRemoval,
    certs: &[CertificateSummary],
    subject: &str,
    issuer: &str,
    now: i64,
) {
    let wait = i64::from(removal.after_days) * 86_400 + MARGIN_S;
    let due: Vec<CertSha256> = certs
        .iter()
        .filter(|c| c.history && c.usage == Usage::Encrypt)
        .filter(|c| c.subject == subject && c.issuer == issuer)
        .filter(|c| {
            OffsetDateTime::parse(&c.not_after, &Rfc3339)
                .is_ok_and(|t| t.unix_timestamp().saturating_add(wait) <= now)
        })
        .map(|c| c.sha256.clone())
        .take(MAX_HISTORY_REMOVALS)
        .collect();
    removal.certificates = due;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(n: u8, history: bool, subject: &str, not_after: &str) -> CertificateSummary {
        serde_json::from_value(serde_json::json!({
            "der": "AA==", "sha256": format!("{n:02x}").repeat(32), "key_id": null,
            "label": "x", "subject": subject, "issuer": "CN=CA", "serial": "01",
            "not_before": "2024-01-01T00:00:00Z", "not_after": not_after,
            "usage": "encrypt", "has_private_key": true, "history": history,
        }))
        .expect("summary")
    }

    #[test]
    fn only_due_history_of_the_pair_is_named() {
        let now = OffsetDateTime::parse("2026-03-01T00:00:00Z", &Rfc3339)
            .unwrap()
            .unix_timestamp();
        let certs = [
            cert(1, true, "CN=张三", "2026-01-01T00:00:00Z"),
            cert(2, true, "CN=张三", "2026-02-15T00:00:00Z"),
            cert(3, false, "CN=张三", "2025-01-01T00:00:00Z"),
            cert(4, true, "CN=李四", "2025-01-01T00:00:00Z"),
            cert(5, true, "CN=张三", "2026-01-30T00:00:00Z"),
        ];
        let mut r = HistoryRemoval {
            after_days: 30,
            certificates: vec![],
        };
        name_due(&mut r, &certs, "CN=张三", "CN=CA", now);
        // 1: due 01-31 (+ a day) ≤ 03-01; 2: due 03-17; 3: not history; 4: another
        // holder; 5: due 03-01 + a day's margin.
        assert_eq!(r.certificates, vec![certs[0].sha256.clone()]);
    }
}
