//! Applying an event to a stored renewal: the state change, its audit row, the
//! notification it triggers and, when it closes the renewal, the platform's callback,
//! all in the caller's transaction. Handlers never write a renewal's status themselves.

use axum::http::StatusCode;
use protocol::ErrorCode;
use serde_json::{Value, json};
use sqlx::Row;

use crate::audit;
use crate::clock;
use crate::db::Tx;
use crate::error::AppError;
use crate::notify::outbox::{self, Template};
use crate::renewal::state::{Event, Status};
use crate::state::AppState;
use crate::webhooks;

/// What a transition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// The state before.
    pub from: Status,
    /// The state after.
    pub to: Status,
}

/// Moves renewal `business_no` by `event`, recording who did it and why. `state` tells
/// which projects want callbacks.
pub async fn apply(
    state: &AppState,
    tx: &mut Tx,
    business_no: &str,
    event: Event,
    actor: &str,
    data: Value,
) -> Result<Moved, AppError> {
    let row = sqlx::query(
        "SELECT status, operator_email, operator_mobile, lang, project FROM renewals WHERE business_no = $1",
    )
    .bind(business_no)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found(format!("no renewal {business_no}")))?;
    let stored: String = row.try_get("status")?;
    let from = Status::parse(&stored).ok_or_else(|| {
        AppError::Internal(format!(
            "renewal {business_no} has an unknown status {stored:?}"
        ))
    })?;
    let to = from.next(event).map_err(|e| {
        AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            e.to_string(),
        )
        .with_details(json!({ "status": from.as_str() }))
    })?;
    let now = clock::now_ms();
    sqlx::query(
        "UPDATE renewals SET status = $1, open_cert = CASE WHEN $2 = 1 THEN open_cert ELSE NULL END, updated_at = $3 WHERE business_no = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(i64::from(to.is_open()))
    .bind(now)
    .bind(business_no)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    let mut record = json!({ "from": from.as_str(), "to": to.as_str() });
    if let (Value::Object(extra), Some(map)) = (data, record.as_object_mut()) {
        map.extend(extra);
    }
    audit::append(tx, actor, event.action(), business_no, record.clone()).await?;
    if !to.is_open() {
        let project: String = row.try_get("project")?;
        webhooks::enqueue_closed(state, tx, business_no, &project, event, to, now).await?;
    }

    let template = match event {
        Event::Paid => Some(Template::Paid),
        Event::Approve => Some(Template::Approved),
        Event::Reject => Some(Template::Rejected),
        Event::Confirm => Some(Template::Completed),
        _ => None,
    };
    if let Some(template) = template {
        let email: String = row.try_get("operator_email")?;
        let mobile: String = row.try_get("operator_mobile")?;
        let lang: String = row.try_get("lang")?;
        let mut params = record;
        params["business_no"] = json!(business_no);
        outbox::enqueue_both(tx, &email, &mobile, template, &lang, &params).await?;
    }
    Ok(Moved { from, to })
}
