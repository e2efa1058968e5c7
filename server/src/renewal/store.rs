//! The renewals aggregate's SQL: renewal rows, the review queue and approvals; and the
//! one view of a renewal that the customer's progress page and the staff
//! console both show (its payments, invoice and refund through `payments::store`, which
//! owns that SQL). Columns are read by name.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use protocol::certificate::CertificateKind;
use protocol::money::Fen;
use protocol::payment::{InvoiceKind, InvoiceStatus, PaymentMethod, PaymentStatus, RefundStatus};
use protocol::stage::Stage;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{AnyPool, Row};
use utoipa::ToSchema;

use crate::audit;
use crate::clock;
use crate::db::{Tx, wire_column};
use crate::error::AppError;
use crate::payments::store as payments_store;
use crate::renewal::state::Status;

/// One line of the fee (费用详细信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FeeLine {
    /// Name, Chinese.
    pub name_zh: String,
    /// Name, English.
    pub name_en: String,
    /// Amount in fen.
    pub fen: i64,
}

/// An event on the renewal's timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// When, RFC 3339.
    pub at: String,
    /// What, e.g. `renewal.paid`.
    pub action: String,
    /// Who, by kind: `user`, `staff`, `gateway`, `system`.
    pub by: String,
    /// Details.
    #[schema(value_type = Object)]
    pub detail: Value,
}

/// A payment attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    /// The attempt's number.
    pub out_trade_no: String,
    /// How the customer pays.
    pub method: PaymentMethod,
    /// Where the attempt is.
    pub status: PaymentStatus,
    /// Amount in fen.
    pub amount_fen: i64,
    /// When it was opened.
    pub created_at: String,
    /// When it was paid.
    pub paid_at: Option<String>,
    /// Where to pay (online methods).
    pub pay_url: Option<String>,
    /// The declared transfer (bank transfers).
    #[schema(value_type = Object)]
    pub bank_transfer: Option<Value>,
}

/// The invoice asked for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceView {
    /// Electronic or paper.
    pub kind: InvoiceKind,
    /// The title (抬头).
    pub title: String,
    /// The taxpayer id (统一社会信用代码), if any.
    pub taxpayer_id: Option<String>,
    /// Requested or issued.
    pub status: InvoiceStatus,
}

/// The renewed certificate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedView {
    /// DER, base64.
    pub der: String,
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Serial, hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// `issued`, `confirmed`, `superseded`.
    pub status: String,
}

/// A refund.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundView {
    /// The refund's number.
    pub refund_no: String,
    /// Where it is.
    pub status: RefundStatus,
    /// Amount in fen.
    pub amount_fen: i64,
}

/// A renewal as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RenewalView {
    /// 业务单号.
    pub business_no: String,
    /// The project's id.
    pub project: String,
    /// The stage the customer sees.
    #[schema(value_type = String)]
    pub stage: Stage,
    /// The state machine's state.
    pub status: Status,
    /// The certificate's subject (证书主题).
    pub subject: String,
    /// The renewed certificate's SHA-256.
    pub cert_sha256: String,
    /// The old certificate's notAfter.
    pub old_not_after: String,
    /// Months paid for.
    pub months: i64,
    /// The fee lines.
    pub fee_lines: Vec<FeeLine>,
    /// Total, fen.
    pub total_fen: i64,
    /// Total, shown (`¥100.00`).
    pub total_display: String,
    /// The application as signed.
    #[schema(value_type = Object)]
    pub application: Value,
    /// The reviewer's reason, when rejected.
    pub rejection_reason: Option<String>,
    /// Where a relying platform wants the user back.
    pub return_url: Option<String>,
    /// Distinct approvals so far.
    pub approvals: i64,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
    /// What happened, oldest first.
    pub timeline: Vec<TimelineEvent>,
    /// Payment attempts, oldest first.
    pub payments: Vec<PaymentView>,
    /// The invoice, once asked for.
    pub invoice: Option<InvoiceView>,
    /// The refund, if any.
    pub refund: Option<RefundView>,
    /// The new certificate, once issued (the signing one of a dual renewal).
    pub certificate: Option<IssuedView>,
    /// `single` or `dual`.
    #[schema(value_type = String)]
    pub kind: CertificateKind,
    /// A dual renewal's encryption certificates, old and new; null when single.
    pub encryption: Option<EncryptionView>,
}

/// A dual renewal's encryption certificates.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EncryptionView {
    /// The old encryption certificate's SHA-256 (kept on the token), if the token
    /// held a pair.
    pub old_sha256: Option<String>,
    /// Its notAfter, RFC 3339.
    pub old_not_after: Option<String>,
    /// The new encryption certificate, DER base64, once issued.
    pub certificate: Option<String>,
    /// Its SHA-256.
    pub sha256: Option<String>,
    /// Its serial, hex.
    pub serial: Option<String>,
    /// Its notAfter, RFC 3339.
    pub not_after: Option<String>,
    /// `issued`, `confirmed`, `superseded`.
    pub status: Option<String>,
}

/// Views already built, by business number, each with the audit version it reflects.
/// Every change to a renewal writes an audit row about it in the same transaction, so
/// the newest audit id about a renewal is its version: a cached view is served only
/// while that version is unchanged. (A view built after its version was read can only
/// be newer than the version, never older.)
#[derive(Default)]
pub struct ViewCache {
    map: std::sync::Mutex<std::collections::HashMap<String, (i64, std::sync::Arc<RenewalView>)>>,
}

impl ViewCache {
    /// The view of `business_no` at `version`, built (and kept) if it is not cached.
    pub async fn view(
        &self,
        pool: &AnyPool,
        business_no: &str,
        version: i64,
    ) -> Result<std::sync::Arc<RenewalView>, AppError> {
        {
            let map = self
                .map
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((v, view)) = map.get(business_no)
                && *v == version
            {
                return Ok(view.clone());
            }
        }
        let built = std::sync::Arc::new(view(pool, business_no).await?);
        self.put(business_no, version, built.clone());
        Ok(built)
    }

    /// Keeps `view` as the view of `business_no` at `version`: for a handler that
    /// made the view from what it just wrote (`version`: the audit row it appended).
    pub fn put(&self, business_no: &str, version: i64, view: std::sync::Arc<RenewalView>) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= 50_000 {
            map.clear();
        }
        map.insert(business_no.to_owned(), (version, view));
    }
}

/// The stored facts of a renewal that handlers need.
#[derive(Debug, Clone)]
pub struct RenewalRow {
    /// 业务单号.
    pub business_no: String,
    /// Project id.
    pub project: String,
    /// The old certificate's SHA-256.
    pub cert_sha256: String,
    /// Its DER.
    pub cert_der: Vec<u8>,
    /// Its notAfter, unix seconds.
    pub old_not_after_s: i64,
    /// Months.
    pub months: i64,
    /// Total in fen.
    pub total_fen: i64,
    /// State.
    pub status: Status,
    /// The subject.
    pub subject: String,
    /// Operator e-mail.
    pub operator_email: String,
    /// Operator mobile.
    pub operator_mobile: String,
    /// Language of notifications.
    pub lang: String,
    /// `single`, or `dual` (a signing and an encryption certificate).
    pub kind: CertificateKind,
    /// A dual renewal's old encryption certificate, DER, when the token holds a pair.
    pub enc_cert_der: Option<Vec<u8>>,
}

const ROW_COLUMNS: &str = "business_no, project, cert_sha256, cert_der, old_not_after_s, months, total_fen, status, subject, operator_email, operator_mobile, lang, kind, enc_cert_der";

fn parse_kind(kind: &str) -> Result<CertificateKind, AppError> {
    CertificateKind::parse(kind)
        .ok_or_else(|| AppError::Internal(format!("unknown renewal kind {kind:?}")))
}

/// An issued certificate of the renewal view, from the `certificates` columns that
/// [`view`]'s query names with `prefix`; `None` when the join found none.
fn issued_view(c: &sqlx::any::AnyRow, prefix: &str) -> Result<Option<IssuedView>, AppError> {
    let col = |name: &str| format!("{prefix}{name}");
    let Some(sha256) = c.try_get::<Option<String>, _>(col("sha256").as_str())? else {
        return Ok(None);
    };
    let der: Vec<u8> = c.try_get(col("der").as_str())?;
    Ok(Some(IssuedView {
        der: STANDARD.encode(der),
        sha256,
        serial: c.try_get(col("serial").as_str())?,
        not_before: clock::rfc3339_s(c.try_get(col("not_before").as_str())?),
        not_after: clock::rfc3339_s(c.try_get(col("not_after").as_str())?),
        status: c.try_get(col("status").as_str())?,
    }))
}

fn to_row(row: &sqlx::any::AnyRow) -> Result<RenewalRow, AppError> {
    let status: String = row.try_get("status")?;
    Ok(RenewalRow {
        business_no: row.try_get("business_no")?,
        project: row.try_get("project")?,
        cert_sha256: row.try_get("cert_sha256")?,
        cert_der: row.try_get("cert_der")?,
        old_not_after_s: row.try_get("old_not_after_s")?,
        months: row.try_get("months")?,
        total_fen: row.try_get("total_fen")?,
        status: Status::parse(&status)
            .ok_or_else(|| AppError::Internal(format!("unknown status {status:?}")))?,
        subject: row.try_get("subject")?,
        operator_email: row.try_get("operator_email")?,
        operator_mobile: row.try_get("operator_mobile")?,
        lang: row.try_get("lang")?,
        kind: parse_kind(&row.try_get::<String, _>("kind")?)?,
        enc_cert_der: row.try_get("enc_cert_der")?,
    })
}

/// A renewal's row, or 404.
pub async fn row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    business_no: &str,
) -> Result<RenewalRow, AppError> {
    let query = format!("SELECT {ROW_COLUMNS} FROM renewals WHERE business_no = $1");
    let row = sqlx::query(&query)
        .bind(business_no)
        .fetch_optional(executor)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no renewal {business_no}")))?;
    to_row(&row)
}

/// Moves the renewal from `from` to `to`; a closed renewal lets go of its certificate
/// (`open_cert`). False when it is no longer `from` (another instance moved it since
/// it was read).
pub async fn set_status(
    tx: &mut Tx,
    business_no: &str,
    from: Status,
    to: Status,
    at_ms: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE renewals SET status = $1, open_cert = CASE WHEN $2 = 1 THEN open_cert ELSE NULL END, updated_at = $3 WHERE business_no = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(i64::from(to.is_open()))
    .bind(at_ms)
    .bind(business_no)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The open renewal of a certificate, if any.
pub async fn open_for_certificate<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    cert_sha256: &str,
) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query("SELECT business_no FROM renewals WHERE open_cert = $1")
            .bind(cert_sha256)
            .fetch_optional(executor)
            .await?
            .map(|row| row.try_get("business_no"))
            .transpose()?,
    )
}

/// A renewal to open, waiting for payment.
#[derive(Debug, Clone, Copy)]
pub struct NewRenewal<'a> {
    /// 业务单号.
    pub business_no: &'a str,
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
    pub old_not_after_s: i64,
    /// Months.
    pub months: i64,
    /// Total in fen.
    pub total_fen: i64,
    /// The fee lines.
    pub fee_lines: &'a [FeeLine],
    /// The application bytes (as signed, or the expired path's JSON).
    pub application: &'a [u8],
    /// The `apply` signature; empty on the expired path.
    pub application_signature: &'a [u8],
    /// Operator e-mail.
    pub operator_email: &'a str,
    /// Operator mobile.
    pub operator_mobile: &'a str,
    /// Language of notifications.
    pub lang: &'a str,
    /// Where a relying platform wants the user back.
    pub return_url: Option<&'a str>,
    /// When, ms since the epoch.
    pub created_at: i64,
}

/// Whether [`insert`] opened the renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// Opened, `awaiting_payment`.
    Opened,
    /// Refused by the table: the certificate already has an open renewal.
    AlreadyOpen,
}

/// Opens a renewal (`awaiting_payment`, holding its certificate in `open_cert`).
pub async fn insert(tx: &mut Tx, new: &NewRenewal<'_>) -> Result<Inserted, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO renewals (business_no, project, cert_sha256, cert_der, cert_serial, subject, old_not_after_s, months, total_fen, fee_lines, application, application_signature, operator_email, operator_mobile, lang, status, open_cert, return_url, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'awaiting_payment', $3, $16, $17, $17)",
    )
    .bind(new.business_no)
    .bind(new.project)
    .bind(new.cert_sha256)
    .bind(new.cert_der)
    .bind(new.cert_serial)
    .bind(new.subject)
    .bind(new.old_not_after_s)
    .bind(new.months)
    .bind(new.total_fen)
    .bind(serde_json::to_string(new.fee_lines).unwrap_or_default())
    .bind(new.application)
    .bind(new.application_signature)
    .bind(new.operator_email)
    .bind(new.operator_mobile)
    .bind(new.lang)
    .bind(new.return_url)
    .bind(new.created_at)
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => Ok(Inserted::Opened),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Inserted::AlreadyOpen),
        Err(e) => Err(e),
    }
}

/// The old encryption certificate of a dual renewal.
#[derive(Debug, Clone, Copy)]
pub struct OldEncryption<'a> {
    /// DER.
    pub der: &'a [u8],
    /// SHA-256, hex.
    pub sha256: &'a str,
    /// notAfter, unix seconds.
    pub not_after_s: i64,
}

/// Marks a just-inserted renewal dual, with the token's old encryption certificate
/// when it holds a pair.
pub async fn set_dual(
    tx: &mut Tx,
    business_no: &str,
    old: Option<OldEncryption<'_>>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE renewals SET kind = 'dual', enc_cert_der = $1, enc_cert_sha256 = $2, enc_old_not_after_s = $3 WHERE business_no = $4")
        .bind(old.map(|o| o.der))
        .bind(old.map(|o| o.sha256))
        .bind(old.map(|o| o.not_after_s))
        .bind(business_no)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The polling hot path: the renewal's certificate (its owner) and the version of its
/// view (the latest audit row about it), or `None` when there is no such renewal.
pub async fn owner_and_version(
    pool: &AnyPool,
    business_no: &str,
) -> Result<Option<(String, Option<i64>)>, sqlx::Error> {
    sqlx::query("SELECT cert_sha256, (SELECT MAX(id) FROM audit WHERE subject = $1) AS version FROM renewals WHERE business_no = $1")
        .bind(business_no)
        .fetch_optional(pool)
        .await?
        .map(|row| Ok((row.try_get("cert_sha256")?, row.try_get("version")?)))
        .transpose()
}

fn actor_kind(actor: &str) -> String {
    actor.split(':').next().unwrap_or("system").to_owned()
}

/// The renewal's row with its approvals, invoice, latest refund and current
/// certificates, in one statement (the view's other reads are its lists: timeline and
/// payments). Each joined certificate or refund is the one the subquery picks.
const VIEW_QUERY: &str = "SELECT r.business_no AS business_no, r.project AS project, r.cert_sha256 AS cert_sha256, \
     r.subject AS subject, r.old_not_after_s AS old_not_after_s, r.months AS months, r.total_fen AS total_fen, \
     r.fee_lines AS fee_lines, r.application AS application, r.status AS status, r.rejection_reason AS rejection_reason, \
     r.return_url AS return_url, r.created_at AS created_at, r.updated_at AS updated_at, r.kind AS kind, \
     r.enc_cert_sha256 AS enc_cert_sha256, r.enc_old_not_after_s AS enc_old_not_after_s, \
     (SELECT COUNT(*) FROM approvals a WHERE a.business_no = r.business_no) AS approvals, \
     i.kind AS invoice_kind, i.title AS invoice_title, i.taxpayer_id AS invoice_taxpayer_id, i.status AS invoice_status, \
     f.refund_no AS refund_no, f.status AS refund_status, f.amount_fen AS refund_amount_fen, \
     s.der AS s_der, s.sha256 AS s_sha256, s.serial AS s_serial, s.not_before AS s_not_before, s.not_after AS s_not_after, s.status AS s_status, \
     e.der AS e_der, e.sha256 AS e_sha256, e.serial AS e_serial, e.not_before AS e_not_before, e.not_after AS e_not_after, e.status AS e_status \
     FROM renewals r \
     LEFT JOIN invoices i ON i.business_no = r.business_no \
     LEFT JOIN refunds f ON f.refund_no = (SELECT refund_no FROM refunds WHERE business_no = r.business_no ORDER BY created_at DESC LIMIT 1) \
     LEFT JOIN certificates s ON s.sha256 = (SELECT sha256 FROM certificates WHERE business_no = r.business_no AND status <> 'superseded' AND purpose = 'signing' ORDER BY issued_at DESC LIMIT 1) \
     LEFT JOIN certificates e ON e.sha256 = (SELECT sha256 FROM certificates WHERE business_no = r.business_no AND status <> 'superseded' AND purpose = 'encryption' ORDER BY issued_at DESC LIMIT 1) \
     WHERE r.business_no = $1";

/// The full view of a renewal: three statements (the renewal with what has one value
/// per renewal, the timeline, the payment attempts).
pub async fn view(pool: &AnyPool, business_no: &str) -> Result<RenewalView, AppError> {
    let r = sqlx::query(VIEW_QUERY)
        .bind(business_no)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no renewal {business_no}")))?;
    let status_text: String = r.try_get("status")?;
    let status = Status::parse(&status_text)
        .ok_or_else(|| AppError::Internal(format!("unknown status {status_text:?}")))?;
    let fee_lines: String = r.try_get("fee_lines")?;
    let application: Vec<u8> = r.try_get("application")?;
    let total_fen: i64 = r.try_get("total_fen")?;

    let timeline = audit::timeline(pool, business_no)
        .await?
        .into_iter()
        .map(|row| TimelineEvent {
            at: row.at,
            action: row.action,
            by: actor_kind(&row.actor),
            detail: row.data,
        })
        .collect();

    let payments = payments_store::attempts_for(pool, business_no)
        .await?
        .into_iter()
        .map(|p| PaymentView {
            out_trade_no: p.out_trade_no,
            method: p.method,
            status: p.status,
            amount_fen: p.amount_fen,
            created_at: clock::rfc3339(p.created_at),
            paid_at: p.paid_at.map(clock::rfc3339),
            pay_url: p.pay_url,
            bank_transfer: p.bank_transfer.and_then(|b| serde_json::from_str(&b).ok()),
        })
        .collect();

    let invoice = match r.try_get::<Option<String>, _>("invoice_kind")? {
        None => None,
        Some(_) => Some(InvoiceView {
            kind: wire_column(&r, "invoice_kind", InvoiceKind::parse)?,
            title: r.try_get("invoice_title")?,
            taxpayer_id: r.try_get("invoice_taxpayer_id")?,
            status: wire_column(&r, "invoice_status", InvoiceStatus::parse)?,
        }),
    };

    let refund = match r.try_get::<Option<String>, _>("refund_no")? {
        None => None,
        Some(refund_no) => Some(RefundView {
            refund_no,
            status: wire_column(&r, "refund_status", RefundStatus::parse)?,
            amount_fen: r.try_get("refund_amount_fen")?,
        }),
    };

    let certificate = issued_view(&r, "s_")?;

    let kind = parse_kind(&r.try_get::<String, _>("kind")?)?;
    let encryption = match kind {
        CertificateKind::Single => None,
        CertificateKind::Dual => {
            let new = issued_view(&r, "e_")?;
            Some(EncryptionView {
                old_sha256: r.try_get("enc_cert_sha256")?,
                old_not_after: r
                    .try_get::<Option<i64>, _>("enc_old_not_after_s")?
                    .map(clock::rfc3339_s),
                certificate: new.as_ref().map(|n| n.der.clone()),
                sha256: new.as_ref().map(|n| n.sha256.clone()),
                serial: new.as_ref().map(|n| n.serial.clone()),
                not_after: new.as_ref().map(|n| n.not_after.clone()),
                status: new.map(|n| n.status),
            })
        }
    };

    let approvals: i64 = r.try_get("approvals")?;

    Ok(RenewalView {
        business_no: r.try_get("business_no")?,
        project: r.try_get("project")?,
        stage: status.stage(),
        status,
        subject: r.try_get("subject")?,
        cert_sha256: r.try_get("cert_sha256")?,
        old_not_after: clock::rfc3339_s(r.try_get("old_not_after_s")?),
        months: r.try_get("months")?,
        fee_lines: serde_json::from_str(&fee_lines).unwrap_or_default(),
        total_fen,
        total_display: Fen(total_fen).to_string(),
        application: serde_json::from_slice(&application).unwrap_or(Value::Null),
        rejection_reason: r.try_get("rejection_reason")?,
        return_url: r.try_get("return_url")?,
        approvals,
        created_at: clock::rfc3339(r.try_get("created_at")?),
        updated_at: clock::rfc3339(r.try_get("updated_at")?),
        timeline,
        payments,
        invoice,
        refund,
        certificate,
        kind,
        encryption,
    })
}

/// A renewal as the review queue lists it.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    /// 业务单号.
    pub business_no: String,
    /// Project id.
    pub project: String,
    /// Subject.
    pub subject: String,
    /// State.
    pub status: Status,
    /// Total, fen.
    pub total_fen: i64,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last change, unix ms.
    pub updated_at: i64,
}

/// The review queue, oldest first: renewals in `status` (any when None), of `project`
/// (any when None), whose business number or subject matches the SQL LIKE `pattern`.
pub async fn queue(
    pool: &AnyPool,
    status: Option<Status>,
    project: Option<&str>,
    pattern: &str,
    limit: i64,
) -> Result<Vec<QueueEntry>, AppError> {
    let rows = sqlx::query(
        "SELECT business_no, project, subject, status, total_fen, created_at, updated_at FROM renewals \
         WHERE ($1 = '' OR status = $1) AND ($2 = '' OR project = $2) AND (business_no LIKE $3 OR subject LIKE $3) \
         ORDER BY created_at LIMIT $4",
    )
    .bind(status.map(Status::as_str).unwrap_or(""))
    .bind(project.unwrap_or(""))
    .bind(pattern)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(QueueEntry {
                business_no: r.try_get("business_no")?,
                project: r.try_get("project")?,
                subject: r.try_get("subject")?,
                status: Status::parse(&status)
                    .ok_or_else(|| AppError::Internal(format!("unknown status {status:?}")))?,
                total_fen: r.try_get("total_fen")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect()
}

/// Records the reviewer's reason on a rejected renewal.
pub async fn set_rejection_reason(
    tx: &mut Tx,
    business_no: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE renewals SET rejection_reason = $1 WHERE business_no = $2")
        .bind(reason)
        .bind(business_no)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The renewals still awaiting payment that were made before `cutoff_ms`, oldest
/// first, at most `limit`.
pub async fn unpaid_before(
    pool: &AnyPool,
    cutoff_ms: i64,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT business_no FROM renewals WHERE status = 'awaiting_payment' AND created_at < $1 ORDER BY created_at LIMIT $2")
        .bind(cutoff_ms)
        .bind(limit)
        .fetch_all(pool)
        .await
}

// --- approvals -------------------------------------------------------------------------

/// Who approved the renewal so far, in order.
pub async fn approvers(pool: &AnyPool, business_no: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT username FROM approvals WHERE business_no = $1 ORDER BY at")
        .bind(business_no)
        .fetch_all(pool)
        .await
}

/// Records `username`'s approval. False when they had approved it already.
pub async fn record_approval(
    tx: &mut Tx,
    business_no: &str,
    username: &str,
    at_ms: i64,
) -> Result<bool, sqlx::Error> {
    let inserted =
        sqlx::query("INSERT INTO approvals (business_no, username, at) VALUES ($1, $2, $3)")
            .bind(business_no)
            .bind(username)
            .bind(at_ms)
            .execute(&mut **tx)
            .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// How many distinct reviewers approved the renewal.
pub async fn approval_count<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    business_no: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) AS approvals FROM approvals WHERE business_no = $1")
        .bind(business_no)
        .fetch_one(executor)
        .await
}
