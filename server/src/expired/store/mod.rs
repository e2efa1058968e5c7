//! The expired path's rows, all its SQL: applications (reading one for its owner,
//! moving it by a step with its audit row in the caller's transaction, the certificate
//! it holds, the staff list) and the view the app and the console see here; its
//! verification [`transfers`], [`uploads`], identity [`checks`] and the SMS sign-in
//! ([`login`]) in their own files. Columns are read by name.

pub mod checks;
pub mod login;
pub mod transfers;
pub mod uploads;

use protocol::expired::{NextStep, TransferStatus};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{AnyPool, Row};
use utoipa::ToSchema;

use crate::audit;
use crate::clock;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::expired::limits::MAX_TRIES;
use crate::expired::state::{AppEvent, ApplicationStatus, Steps};

/// The stored facts of an application.
#[derive(Debug, Clone)]
pub struct AppRow {
    /// 业务单号 (the renewal's once submitted).
    pub business_no: String,
    /// The mobile that owns it.
    pub mobile: String,
    /// Project id.
    pub project: String,
    /// The certificate's SHA-256.
    pub cert_sha256: String,
    /// Its DER.
    pub cert_der: Vec<u8>,
    /// Its serial, hex.
    pub cert_serial: String,
    /// Its subject, RFC 4514.
    pub subject: String,
    /// Its notAfter, unix seconds.
    pub not_after_s: i64,
    /// State.
    pub status: ApplicationStatus,
    /// The saved details (JSON), if any.
    pub details: Option<Value>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Changed, unix ms.
    pub updated_at: i64,
}

const COLUMNS: &str = "business_no, mobile, project, cert_sha256, cert_der, cert_serial, subject, not_after_s, status, details, created_at, updated_at";

fn to_row(r: &sqlx::any::AnyRow) -> AppResult<AppRow> {
    let status: String = r.try_get("status")?;
    let details: Option<String> = r.try_get("details")?;
    Ok(AppRow {
        business_no: r.try_get("business_no")?,
        mobile: r.try_get("mobile")?,
        project: r.try_get("project")?,
        cert_sha256: r.try_get("cert_sha256")?,
        cert_der: r.try_get("cert_der")?,
        cert_serial: r.try_get("cert_serial")?,
        subject: r.try_get("subject")?,
        not_after_s: r.try_get("not_after_s")?,
        status: ApplicationStatus::parse(&status)
            .ok_or_else(|| AppError::Internal(format!("unknown application status {status:?}")))?,
        details: details.and_then(|d| serde_json::from_str(&d).ok()),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The application, if it belongs to `mobile`; otherwise 404 (never tell a stranger
/// that a number exists).
pub async fn owned<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    business_no: &str,
    mobile: &str,
) -> AppResult<AppRow> {
    let query = format!("SELECT {COLUMNS} FROM expired_applications WHERE business_no = $1");
    let row = sqlx::query(&query)
        .bind(business_no)
        .fetch_optional(executor)
        .await?
        .map(|r| to_row(&r))
        .transpose()?
        .filter(|r| r.mobile == mobile);
    row.ok_or_else(|| AppError::not_found(format!("no application {business_no} for this number")))
}

/// The application by number, for staff.
pub async fn by_number(pool: &AnyPool, business_no: &str) -> AppResult<AppRow> {
    let query = format!("SELECT {COLUMNS} FROM expired_applications WHERE business_no = $1");
    sqlx::query(&query)
        .bind(business_no)
        .fetch_optional(pool)
        .await?
        .map(|r| to_row(&r))
        .transpose()?
        .ok_or_else(|| AppError::not_found(format!("no expired-path application {business_no}")))
}

/// The applications of a mobile number, newest first.
pub async fn of_mobile(pool: &AnyPool, mobile: &str) -> AppResult<Vec<AppRow>> {
    let query = format!(
        "SELECT {COLUMNS} FROM expired_applications WHERE mobile = $1 ORDER BY created_at DESC LIMIT 50"
    );
    sqlx::query(&query)
        .bind(mobile)
        .fetch_all(pool)
        .await?
        .iter()
        .map(to_row)
        .collect()
}

/// Moves application `business_no` by `event`: the status (only if it is still what
/// was read), the audit row `expired.<step>` with `from`, `to` and `data`.
pub async fn step(
    tx: &mut Tx,
    business_no: &str,
    event: AppEvent,
    actor: &str,
    data: Value,
) -> AppResult<ApplicationStatus> {
    let stored: String =
        sqlx::query_scalar("SELECT status FROM expired_applications WHERE business_no = $1")
            .bind(business_no)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no application {business_no}")))?;
    let from = ApplicationStatus::parse(&stored)
        .ok_or_else(|| AppError::Internal(format!("unknown application status {stored:?}")))?;
    let to = from
        .next(event)
        .map_err(|e| AppError::illegal_transition(from.as_str(), e))?;
    sqlx::query("UPDATE expired_applications SET status = $1, open_cert = CASE WHEN $2 = 1 THEN open_cert ELSE NULL END, updated_at = $3 WHERE business_no = $4 AND status = $5")
        .bind(to.as_str())
        .bind(i64::from(to.is_open()))
        .bind(clock::now_ms())
        .bind(business_no)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?;
    let mut record = json!({ "from": from.as_str(), "to": to.as_str() });
    if let (Value::Object(extra), Some(map)) = (data, record.as_object_mut()) {
        map.extend(extra);
    }
    audit::append(
        tx,
        actor,
        &format!("expired.{}", event.as_str()),
        business_no,
        record,
    )
    .await?;
    Ok(to)
}

/// This mobile's own open application for a certificate, if any.
pub async fn own_open(tx: &mut Tx, cert_sha256: &str, mobile: &str) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT business_no FROM expired_applications WHERE cert_sha256 = $1 AND mobile = $2 AND status NOT IN ('submitted', 'cancelled') ORDER BY created_at DESC LIMIT 1",
    )
    .bind(cert_sha256)
    .bind(mobile)
    .fetch_optional(&mut **tx)
    .await?)
}

/// A new application (`started`, holding nothing).
#[derive(Debug, Clone)]
pub struct NewApp<'a> {
    /// 业务单号.
    pub business_no: &'a str,
    /// The mobile that owns it.
    pub mobile: &'a str,
    /// Project id.
    pub project: &'a str,
    /// The certificate's SHA-256.
    pub cert_sha256: &'a str,
    /// Its DER.
    pub cert_der: &'a [u8],
    /// Its serial, hex.
    pub cert_serial: &'a str,
    /// Its subject.
    pub subject: &'a str,
    /// Its notAfter, unix seconds.
    pub not_after_s: i64,
    /// Unix ms.
    pub created_at: i64,
}

/// Records a new application.
pub async fn insert(tx: &mut Tx, a: &NewApp<'_>) -> AppResult<()> {
    sqlx::query("INSERT INTO expired_applications (business_no, mobile, project, cert_sha256, cert_der, cert_serial, subject, not_after_s, status, open_cert, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'started', NULL, $9, $9)")
        .bind(a.business_no)
        .bind(a.mobile)
        .bind(a.project)
        .bind(a.cert_sha256)
        .bind(a.cert_der)
        .bind(a.cert_serial)
        .bind(a.subject)
        .bind(a.not_after_s)
        .bind(a.created_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Saves the details (JSON text).
pub async fn save_details(tx: &mut Tx, business_no: &str, details: &str) -> AppResult<()> {
    sqlx::query("UPDATE expired_applications SET details = $1 WHERE business_no = $2")
        .bind(details)
        .bind(business_no)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The application holding a certificate.
#[derive(Debug, Clone)]
pub struct Holder {
    /// Its number.
    pub business_no: String,
    /// Its mobile.
    pub mobile: String,
    /// Last activity, unix ms.
    pub updated_at: i64,
}

/// The application that holds certificate `cert_sha256`, if any.
pub async fn holder(tx: &mut Tx, cert_sha256: &str) -> AppResult<Option<Holder>> {
    sqlx::query(
        "SELECT business_no, mobile, updated_at FROM expired_applications WHERE open_cert = $1",
    )
    .bind(cert_sha256)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| {
        Ok(Holder {
            business_no: r.try_get("business_no")?,
            mobile: r.try_get("mobile")?,
            updated_at: r.try_get("updated_at")?,
        })
    })
    .transpose()
}

/// Application `business_no` takes certificate `cert_sha256`.
pub async fn hold(tx: &mut Tx, business_no: &str, cert_sha256: &str) -> AppResult<()> {
    sqlx::query("UPDATE expired_applications SET open_cert = $1 WHERE business_no = $2")
        .bind(cert_sha256)
        .bind(business_no)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The other applications for a certificate: number and status.
pub async fn others_for(
    tx: &mut Tx,
    cert_sha256: &str,
    business_no: &str,
) -> AppResult<Vec<(String, String)>> {
    sqlx::query(
        "SELECT business_no, status FROM expired_applications WHERE cert_sha256 = $1 AND business_no <> $2",
    )
    .bind(cert_sha256)
    .bind(business_no)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| Ok((r.try_get("business_no")?, r.try_get("status")?)))
    .collect()
}

/// An application as the staff list shows it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// 业务单号.
    pub business_no: String,
    /// State.
    pub status: ApplicationStatus,
    /// The mobile.
    pub mobile: String,
    /// The certificate's subject.
    pub subject: String,
    /// The renewal's status once submitted.
    pub renewal_status: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// Applications for staff, newest first: with `status` (or any when empty) whose
/// number, mobile or subject is LIKE `pattern` (escaped with `\`).
pub async fn staff_list(
    pool: &AnyPool,
    status: &str,
    pattern: &str,
    limit: i64,
) -> AppResult<Vec<Listed>> {
    sqlx::query("SELECT a.business_no, a.status, a.mobile, a.subject, r.status AS renewal_status, a.created_at, a.updated_at FROM expired_applications a LEFT JOIN renewals r ON r.business_no = a.business_no WHERE ($1 = '' OR a.status = $1) AND (a.business_no LIKE $2 ESCAPE '\\' OR a.mobile LIKE $2 ESCAPE '\\' OR a.subject LIKE $2 ESCAPE '\\') ORDER BY a.created_at DESC, a.business_no DESC LIMIT $3")
        .bind(status)
        .bind(pattern)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(Listed {
                business_no: r.try_get("business_no")?,
                status: ApplicationStatus::parse(&status).ok_or_else(|| {
                    AppError::Internal(format!("unknown application status {status:?}"))
                })?,
                mobile: r.try_get("mobile")?,
                subject: r.try_get("subject")?,
                renewal_status: r.try_get("renewal_status")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect()
}

/// The audit actor for a mobile's session.
pub fn actor(mobile: &str) -> String {
    format!("mobile:{mobile}")
}

/// The verification transfer as shown (the code never is).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferView {
    /// The account's name (基本户名称).
    pub account_name: String,
    /// The bank (基本户开户行).
    pub bank: String,
    /// The account number, all but the last four digits hidden.
    pub account_no: String,
    /// Amount sent, fen (1).
    pub amount_fen: i64,
    /// Where the transfer is (locked: too many wrong codes; failed: the bank did not
    /// send it).
    pub status: TransferStatus,
    /// Wrong codes typed.
    pub tries: i64,
    /// Tries left on this transfer.
    pub tries_left: i64,
    /// Sent, RFC 3339.
    pub sent_at: String,
}

/// An uploaded file as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadView {
    /// The upload's id.
    pub id: i64,
    /// `form`, `id_front` or `id_back`.
    pub kind: String,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// `application/pdf`, `image/jpeg` or `image/png`, from the bytes.
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// The name given.
    pub name: String,
    /// When, RFC 3339.
    pub uploaded_at: String,
}

/// An identity check as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdentityView {
    /// `passed`, `failed`, `checking` (the provider is being asked) or `error` (it gave
    /// no verdict; not counted).
    pub outcome: String,
    /// Why it failed.
    pub reason: Option<String>,
    /// When, RFC 3339.
    pub checked_at: String,
}

/// An application as the app and the console see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppView {
    /// 业务单号 (order number; the renewal's once submitted).
    pub business_no: String,
    /// Project id.
    pub project: String,
    /// State.
    pub status: ApplicationStatus,
    /// What the applicant does next: `details`, `bank_account`, `bank_code`, `form`,
    /// `identity`, `submit`, `pay` (the renewal), or `none`.
    pub next_step: NextStep,
    /// The certificate: `{serial, subject, not_after, sha256}`.
    #[schema(value_type = Object)]
    pub certificate: Value,
    /// The saved details, or null.
    #[schema(value_type = Object)]
    pub details: Option<Value>,
    /// The latest verification transfer, or null.
    pub transfer: Option<TransferView>,
    /// Uploads, oldest first.
    pub uploads: Vec<UploadView>,
    /// Identity checks, oldest first (failures stay listed).
    pub identity_checks: Vec<IdentityView>,
    /// The renewal's status once submitted, else null.
    pub renewal_status: Option<String>,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Changed, RFC 3339.
    pub updated_at: String,
}

fn next_step(status: ApplicationStatus) -> NextStep {
    match status {
        ApplicationStatus::Started => NextStep::Details,
        ApplicationStatus::DetailsSaved => NextStep::BankAccount,
        ApplicationStatus::TransferSent => NextStep::BankCode,
        ApplicationStatus::BankVerified => NextStep::Form,
        ApplicationStatus::FormUploaded => NextStep::Identity,
        ApplicationStatus::IdentityVerified => NextStep::Submit,
        ApplicationStatus::Submitted => NextStep::Pay,
        ApplicationStatus::Cancelled => NextStep::None,
    }
}

/// Masks an account number: `**** **** 7890`.
pub fn mask_account(account: &str) -> String {
    let keep = account.len().saturating_sub(4);
    format!("****{}", &account[keep..])
}

/// The whole view of an application.
pub async fn view(pool: &AnyPool, row: &AppRow) -> AppResult<AppView> {
    let no = &row.business_no;
    let transfer = transfers::latest(pool, no).await?.map(|t| TransferView {
        account_name: t.account_name,
        bank: t.bank,
        account_no: mask_account(&t.account_no),
        amount_fen: t.amount_fen,
        tries_left: if t.status == TransferStatus::Pending {
            (MAX_TRIES - t.tries).max(0)
        } else {
            0
        },
        status: t.status,
        tries: t.tries,
        sent_at: clock::rfc3339(t.created_at),
    });
    let identity_checks = checks::list(pool, no).await?;
    let renewal_status: Option<String> =
        sqlx::query_scalar("SELECT status FROM renewals WHERE business_no = $1")
            .bind(no)
            .fetch_optional(pool)
            .await?;
    Ok(AppView {
        business_no: no.clone(),
        project: row.project.clone(),
        status: row.status,
        next_step: next_step(row.status),
        certificate: json!({
            "serial": row.cert_serial,
            "subject": row.subject,
            "sha256": row.cert_sha256,
            "not_after": clock::rfc3339_s(row.not_after_s),
        }),
        details: row.details.clone(),
        transfer,
        uploads: uploads::list(pool, no).await?,
        identity_checks,
        renewal_status,
        created_at: clock::rfc3339(row.created_at),
        updated_at: clock::rfc3339(row.updated_at),
    })
}
