//! Business numbers (业务单号: `01` + date + 7-digit daily sequence) and payment
//! attempt numbers, drawn inside the writing transaction so they never repeat.

use protocol::business_no::BusinessNo;
use time::OffsetDateTime;

use crate::db::Tx;
use crate::error::AppError;
use crate::random;

/// The next business number of today (UTC+8, the CA's calendar day).
pub async fn next_business_no(tx: &mut Tx, now: OffsetDateTime) -> Result<BusinessNo, AppError> {
    let local = now.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    let date = local.date();
    let day = format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
    // One upsert: exact under concurrent writers on PostgreSQL, whose transactions no
    // longer queue on a global row (an update-then-insert let two first requests of
    // a day both insert), and one statement instead of three.
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO day_sequences (day, last) VALUES ($1, 1) \
         ON CONFLICT (day) DO UPDATE SET last = day_sequences.last + 1 RETURNING last",
    )
    .bind(&day)
    .fetch_one(&mut **tx)
    .await?;
    let seq = u32::try_from(last)
        .map_err(|_| AppError::Internal("the daily sequence overflowed".into()))?;
    BusinessNo::new(date, seq)
        .map_err(|e| AppError::Internal(format!("cannot make a business number: {e}")))
}

/// A payment attempt's own number: the business number, `P`, and 8 random hex digits.
pub fn out_trade_no(business_no: &str) -> String {
    format!("{business_no}P{}", random::hex(4))
}

/// A refund's number, derived from the payment's so that asking twice is idempotent.
pub fn refund_no(out_trade_no: &str) -> String {
    format!("{out_trade_no}R")
}
