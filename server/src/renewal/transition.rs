//! Applying an event to a stored renewal: the state change, its audit row, the
//! notification it triggers and, when it closes the renewal, the platform's callback,
//! all in the caller's transaction. Handlers never write a renewal's status themselves.

use serde_json::{Value, json};

use crate::audit;
use crate::clock;
use crate::db::Tx;
use crate::error::AppError;
use crate::notify::outbox::{self, Template};
use crate::renewal::state::{Event, Status};
use crate::renewal::store;
use crate::state::AppState;
use crate::webhooks;

/// What a transition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// The state before.
    pub from: Status,
    /// The state after.
    pub to: Status,
    /// The audit row written: the renewal's new version (`store::ViewCache`).
    pub audit_id: i64,
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
    let row = store::row(&mut **tx, business_no).await?;
    apply_to(state, tx, &row, event, actor, data).await
}

/// [`apply`] to `row`, read by the caller (one read fewer), in this transaction or
/// before it. The move is still made only if the renewal is in `row`'s state when
/// written (`store::set_status`), so a row another request or instance moved since is
/// refused as in [`apply`]; what else it uses of `row` (project, operator, language)
/// never changes once the renewal exists.
pub async fn apply_to(
    state: &AppState,
    tx: &mut Tx,
    row: &store::RenewalRow,
    event: Event,
    actor: &str,
    data: Value,
) -> Result<Moved, AppError> {
    let business_no = row.business_no.as_str();
    let from = row.status;
    let to = from
        .next(event)
        .map_err(|e| AppError::illegal_transition(from.as_str(), e))?;
    let now = clock::now_ms();
    // On PostgreSQL a request of another instance may have moved it since the read:
    // refuse rather than record a move that did not happen.
    if !store::set_status(tx, business_no, from, to, now).await? {
        return Err(AppError::illegal_transition(
            from.as_str(),
            "the renewal changed meanwhile; reload it and try again",
        ));
    }
    let mut record = json!({ "from": from.as_str(), "to": to.as_str() });
    if let (Value::Object(extra), Some(map)) = (data, record.as_object_mut()) {
        map.extend(extra);
    }
    let audit_id = audit::append(tx, actor, event.action(), business_no, record.clone()).await?;
    if !to.is_open() {
        webhooks::enqueue_closed(state, tx, business_no, &row.project, event, to, now).await?;
    }

    let template = match event {
        Event::Paid => Some(Template::Paid),
        Event::Approve => Some(Template::Approved),
        Event::Reject => Some(Template::Rejected),
        Event::Confirm => Some(Template::Completed),
        _ => None,
    };
    if let Some(template) = template {
        let mut params = record;
        params["business_no"] = json!(business_no);
        outbox::enqueue_both(
            tx,
            &row.operator_email,
            &row.operator_mobile,
            template,
            &row.lang,
            &params,
        )
        .await?;
    }
    Ok(Moved { from, to, audit_id })
}
