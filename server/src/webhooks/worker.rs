//! Delivering queued callbacks: each due row is claimed (so that of several workers,
//! in this server or another sharing the database, one tries it), POSTed with its
//! signature, and marked `delivered` on a 2xx answer. Anything else is tried again
//! after the configured waits (`webhook_retry_seconds`: 10 s, 1 min, 5 min, 30 min,
//! 2 h, … by default); after the last try the row is `failed` and an audit row says so.

use std::time::Duration;

use serde_json::json;

use crate::audit;
use crate::clock;
use crate::state::AppState;
use crate::webhooks::{signature, store};

/// Rows taken per round.
const BATCH: usize = 20;
/// How long one POST may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// A claimed row is left alone by other workers this long: more than a try can take,
/// so a server that dies mid-try delays the callback, never loses it.
const LEASE_MS: i64 = 120_000;
/// How much of a failing platform's answer is kept.
const BODY_CHARS: usize = 200;

/// Why one try failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The project has no webhook (any more): the callback cannot be sent.
    #[error("project {0} has no webhook_url and webhook_secret configured any more")]
    NotConfigured(String),
    /// The platform could not be reached or did not answer in time.
    #[error("the platform could not be reached: {0}")]
    Request(#[source] reqwest::Error),
    /// The platform answered, but not with 2xx.
    #[error("the platform answered {status}: {body}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of its answer.
        body: String,
    },
}

/// The HTTP client callbacks are sent with: no redirects (a callback goes where it was
/// configured to, or nowhere), a 10-second limit.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("certrenew-webhook/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Runs forever, every second trying what is due.
pub async fn run(state: AppState) {
    let client = match client() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "the callback client cannot be built: no callbacks will be sent");
            return;
        }
    };
    loop {
        match deliver_due(&state, &client).await {
            Ok(n) if n >= BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "callback delivery failed"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Tries every due callback once; returns how many were tried.
pub async fn deliver_due(state: &AppState, client: &reqwest::Client) -> anyhow::Result<usize> {
    let rows = store::due(state.pool(), clock::now_ms(), BATCH as i64).await?;
    let mut tried = 0;
    for row in rows {
        if !store::claim(&state.store, &row, clock::now_ms() + LEASE_MS).await? {
            continue; // another worker has it
        }
        let store::Queued {
            id,
            project,
            business_no,
            event,
            body,
            attempts,
            ..
        } = row;
        tried += 1;
        let tries = attempts + 1;
        match post(state, client, id, &project, &event, &body).await {
            Ok(()) => {
                store::mark_delivered(&state.store, id, tries, clock::now_ms()).await?;
                tracing::info!(id, business_no, event, tries, "callback delivered");
            }
            Err(e) => {
                let error = e.to_string();
                let waits = &state.config.webhook_retry_seconds;
                let wait = usize::try_from(attempts)
                    .ok()
                    .and_then(|i| waits.get(i))
                    .copied();
                match wait {
                    Some(wait_s) if !matches!(e, DeliveryError::NotConfigured(_)) => {
                        tracing::warn!(
                            id,
                            business_no,
                            event,
                            tries,
                            error,
                            "callback failed; trying again in {wait_s} s"
                        );
                        let wait_ms = i64::try_from(wait_s).unwrap_or(i64::MAX / 2) * 1000;
                        store::mark_retry(
                            &state.store,
                            id,
                            tries,
                            clock::now_ms() + wait_ms,
                            &error,
                        )
                        .await?;
                    }
                    _ => give_up(state, id, &project, &business_no, &event, tries, &error).await?,
                }
            }
        }
    }
    Ok(tried)
}

/// One try: the body as stored, signed now.
async fn post(
    state: &AppState,
    client: &reqwest::Client,
    id: i64,
    project: &str,
    event: &str,
    body: &str,
) -> Result<(), DeliveryError> {
    let target = state.project(project).and_then(|p| {
        p.webhook_url
            .as_deref()
            .zip(p.webhook_secret.as_ref().map(|s| s.expose()))
    });
    let Some((url, secret)) = target else {
        return Err(DeliveryError::NotConfigured(project.to_owned()));
    };
    let t = clock::now_ms() / 1000;
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            signature::HEADER,
            signature::sign(secret, t, body.as_bytes()),
        )
        .header("X-Certrenew-Event", event)
        .header("X-Certrenew-Delivery", id.to_string())
        .body(body.to_owned())
        .send()
        .await
        // The URL may hold a token in its query: keep it out of errors and the audit.
        .map_err(|e| DeliveryError::Request(e.without_url()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    Err(DeliveryError::Status {
        status: status.as_u16(),
        body: text
            .chars()
            .filter(|c| !c.is_control())
            .take(BODY_CHARS)
            .collect(),
    })
}

/// The last try failed: the row becomes `failed`, with an audit row on the renewal.
async fn give_up(
    state: &AppState,
    id: i64,
    project: &str,
    business_no: &str,
    event: &str,
    tries: i64,
    error: &str,
) -> anyhow::Result<()> {
    tracing::error!(
        id,
        business_no,
        event,
        tries,
        error,
        "callback failed for good"
    );
    let mut tx = state.store.begin_write().await?;
    store::mark_failed(&mut tx, id, tries, error).await?;
    audit::append(
        &mut tx,
        "system:webhooks",
        "webhook.failed",
        business_no,
        json!({ "event": event, "project": project, "attempts": tries, "error": error }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
