//! Expiry reminders: once a day (inside `serve`, or `certrenew-server remind`), every
//! current certificate of the issued-certificate inventory whose notAfter is within
//! the largest `reminder_days` threshold gets an e-mail and an SMS to the operator of
//! the renewal that produced it, in that renewal's language, with the renewal link.
//!
//! Current means: `issued` or `confirmed` (not superseded, not revoked, serial not in
//! the revocation table), not expired, and not itself renewed by a completed renewal.
//! Each threshold is reminded once per certificate: a row in `reminders` (primary key
//! certificate + threshold) is written in the same transaction as the outbox rows and
//! the audit row, so two runs, or two servers, never send it twice. A run that finds
//! several thresholds crossed (the server was down, or the certificate was issued late
//! in its life) sends only the latest one crossed.

use serde_json::json;
use sqlx::AnyPool;
use time::{OffsetDateTime, UtcOffset};

use crate::audit;
use crate::clock;
use crate::db::Tx;
use crate::error::AppResult;
use crate::notify::outbox::{self, Template};
use crate::renewal::certificates::{self, Expiring};
use crate::state::AppState;

const DAY_S: i64 = 86_400;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Certificates reminded now (an e-mail and an SMS each).
    pub reminded: usize,
    /// Certificates whose due threshold had been reminded already.
    pub already: usize,
    /// Certificates due but without a known operator to tell (counted, skipped).
    pub no_contact: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} certificates reminded, {} already reminded, {} skipped without a contact",
            self.reminded, self.already, self.no_contact
        )
    }
}

/// The threshold to remind at `now_s` for a certificate expiring at `not_after_s`
/// (unix seconds): the smallest threshold already crossed, i.e. the latest one. None
/// before the first threshold and once the certificate has expired. `thresholds` in
/// any order.
pub fn due_threshold(thresholds: &[u32], not_after_s: i64, now_s: i64) -> Option<u32> {
    if now_s >= not_after_s {
        return None;
    }
    thresholds
        .iter()
        .copied()
        .filter(|d| now_s >= not_after_s - i64::from(*d) * DAY_S)
        .min()
}

/// Whole days left, rounded up (6.5 days left reads "7 days").
fn days_left(not_after_s: i64, now_s: i64) -> i64 {
    (not_after_s - now_s + DAY_S - 1).div_euclid(DAY_S)
}

/// The date customers read: China time (UTC+8), as business numbers use.
fn china_date(unix_s: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix_s)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC));
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// Reminds every certificate due at `now` (the real time, or `remind --now`).
pub async fn run(state: &AppState, now: OffsetDateTime) -> AppResult<Summary> {
    let mut summary = Summary::default();
    let Some(&largest) = state.config.reminder_days.iter().max() else {
        return Ok(summary);
    };
    let now_s = now.unix_timestamp();
    let due =
        certificates::expiring(state.pool(), now_s, now_s + i64::from(largest) * DAY_S).await?;
    let renew_url = format!("{}/", state.config.public_origin);
    for cert in due {
        let Expiring {
            sha256,
            serial,
            not_after_s,
            subject,
            business_no,
            operator_email: email,
            operator_mobile: mobile,
            lang,
        } = cert;
        let Some(days) = due_threshold(&state.config.reminder_days, not_after_s, now_s) else {
            continue;
        };
        let contact = business_no
            .zip(email.filter(|e| !e.trim().is_empty()))
            .zip(mobile.filter(|m| !m.trim().is_empty()));
        let Some(((business_no, email), mobile)) = contact else {
            summary.no_contact += 1;
            continue;
        };
        // This threshold, or a later one (a run with an earlier --now), was reminded.
        if reminded(state.pool(), &sha256, days).await? {
            summary.already += 1;
            continue;
        }
        let mut tx = state.store.begin_write().await?;
        if !claim(&mut tx, &sha256, days, &business_no).await? {
            // Another run got there first; dropping the transaction rolls it back.
            summary.already += 1;
            continue;
        }
        let left = days_left(not_after_s, now_s);
        let params = json!({
            "business_no": business_no,
            "days": days,
            "days_left": left,
            "expires_on": china_date(not_after_s),
            "renew_url": renew_url,
            "subject": subject,
            "serial": serial,
        });
        let lang = lang.unwrap_or_else(|| "zh".into());
        outbox::enqueue_both(&mut tx, &email, &mobile, Template::Reminder, &lang, &params).await?;
        audit::append(
            &mut tx,
            "system:reminders",
            "certificate.reminded",
            &business_no,
            json!({
                "serial": serial,
                "sha256": sha256,
                "days": days,
                "days_left": left,
                "not_after": clock::rfc3339_s(not_after_s),
            }),
        )
        .await?;
        tx.commit().await?;
        summary.reminded += 1;
    }
    Ok(summary)
}

/// Whether threshold `days`, or a later one (a run with an earlier --now), was
/// reminded for the certificate.
async fn reminded(pool: &AnyPool, cert_sha256: &str, days: u32) -> Result<bool, sqlx::Error> {
    let done: Option<i64> = sqlx::query_scalar(
        "SELECT 1 AS done FROM reminders WHERE cert_sha256 = $1 AND days <= $2 LIMIT 1",
    )
    .bind(cert_sha256)
    .bind(i64::from(days))
    .fetch_optional(pool)
    .await?;
    Ok(done.is_some())
}

/// Records the reminder in `tx`; false when another run recorded it first.
async fn claim(
    tx: &mut Tx,
    cert_sha256: &str,
    days: u32,
    business_no: &str,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "INSERT INTO reminders (cert_sha256, days, business_no, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(cert_sha256)
    .bind(i64::from(days))
    .bind(business_no)
    .bind(clock::now_ms())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: [u32; 3] = [90, 30, 7];
    const NA: i64 = 1_900_000_000;

    fn at_days_left(days: f64) -> i64 {
        NA - (days * DAY_S as f64) as i64
    }

    #[test]
    fn the_latest_threshold_crossed_is_due() {
        assert_eq!(due_threshold(&T, NA, at_days_left(120.0)), None);
        assert_eq!(due_threshold(&T, NA, at_days_left(90.5)), None);
        assert_eq!(due_threshold(&T, NA, at_days_left(90.0)), Some(90));
        assert_eq!(due_threshold(&T, NA, at_days_left(45.0)), Some(90));
        // Crossed 90 and 30 at once (late): only 30.
        assert_eq!(due_threshold(&T, NA, at_days_left(20.0)), Some(30));
        assert_eq!(due_threshold(&T, NA, at_days_left(3.0)), Some(7));
        assert_eq!(due_threshold(&[7, 90, 30], NA, at_days_left(3.0)), Some(7));
        assert_eq!(due_threshold(&T, NA, NA), None, "expired");
        assert_eq!(due_threshold(&[], NA, at_days_left(3.0)), None);
    }

    #[test]
    fn days_and_dates_as_people_read_them() {
        assert_eq!(days_left(NA, at_days_left(6.5)), 7);
        assert_eq!(days_left(NA, at_days_left(7.0)), 7);
        assert_eq!(days_left(NA, NA - 1), 1);
        // 2027-02-28T16:00:00Z is already 1 March in China.
        assert_eq!(china_date(1_803_830_400), "2027-03-01");
        assert_eq!(china_date(1_803_830_399), "2027-02-28");
    }
}
