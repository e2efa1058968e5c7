//! Delivering the outbox: due messages are claimed, sent a few at a time, and marked
//! sent in one write per batch; a failure is retried with exponential backoff (up to a
//! day between tries, ten tries).
//!
//! Several server instances may run this on one database: each claims rows for itself
//! under a lease ([`outbox::claim`]) before sending, so a message goes to one of them
//! only. A message is sent only while enough of the lease is left for the send to end
//! before it runs out ([`SEND_TIMEOUT`] plus [`CLOCK_SKEW`]); otherwise another
//! instance could take the row over and send it a second time.

use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::clock;
use crate::notify::outbox::{self, Queued};
use crate::notify::{self, NotifyError};
use crate::state::AppState;

const MAX_ATTEMPTS: i64 = 10;

/// Messages claimed per round.
pub const BATCH: i64 = 32;
/// Messages in flight at once (the SMTP pool and the webhook client send in parallel).
const CONCURRENCY: usize = 8;
/// How long a claim lasts: a crashed instance's messages wait this long.
pub const LEASE: Duration = Duration::from_secs(120);
/// The longest one send may take; a slower one counts as failed (and is retried).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(45);
/// How far the instances' clocks may disagree (they compare leases by their own).
pub const CLOCK_SKEW: Duration = Duration::from_secs(5);

/// Runs forever, every half second delivering what is due.
pub async fn run(state: AppState) {
    let worker = worker_id();
    tracing::info!(%worker, "notification worker started");
    loop {
        // A full batch means more are waiting: go on at once instead of sleeping.
        match deliver_due(&state, &worker).await {
            Ok(n) if n >= BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "notification delivery failed"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What this process writes into `outbox.claimed_by`: its process id and a random
/// part (process ids repeat across machines and restarts).
pub fn worker_id() -> String {
    format!("{}-{}", std::process::id(), crate::random::hex(6))
}

/// What became of one claimed message.
enum Outcome {
    Sent,
    Failed(NotifyError),
    TimedOut,
    /// Not tried: too little of the lease was left.
    NotTried,
}

/// Claims the due messages (one batch) as `worker`, sends them and records the
/// outcome; returns how many were claimed.
pub async fn deliver_due(state: &AppState, worker: &str) -> anyhow::Result<usize> {
    let now = clock::now_ms();
    let lease_ms = LEASE.as_millis() as i64;
    let rows = outbox::claim(&state.store, worker, now, lease_ms, BATCH).await?;
    let claimed = rows.len();
    if claimed == 0 {
        return Ok(0);
    }
    // The last moment a send may start and still end within the lease.
    let last_start = now + lease_ms - (SEND_TIMEOUT + CLOCK_SKEW).as_millis() as i64;
    let gate = std::sync::Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for row in rows {
        let state = state.clone();
        let gate = std::sync::Arc::clone(&gate);
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let outcome = if clock::now_ms() > last_start {
                Outcome::NotTried
            } else {
                send_one(&state, &row).await
            };
            (row, outcome)
        });
    }
    let mut sent = Vec::with_capacity(claimed);
    let mut untried = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (row, outcome) = joined?;
        match outcome {
            Outcome::Sent => sent.push(row.id),
            Outcome::NotTried => untried.push(row.id),
            Outcome::Failed(e) => {
                // A message that can never be sent (a bad address, a template missing
                // a value) is given up at once; a server that is down is retried.
                let permanent = e.is_permanent();
                retry(state, worker, &row, permanent, &e.to_string()).await?;
            }
            Outcome::TimedOut => {
                let error = format!("no answer within {} s", SEND_TIMEOUT.as_secs());
                retry(state, worker, &row, false, &error).await?;
            }
        }
    }
    let marked = outbox::mark_sent(&state.store, worker, &sent, clock::now_ms()).await?;
    if marked < sent.len() as u64 {
        tracing::warn!(
            sent = sent.len(),
            marked,
            "notification claims taken over before they were marked sent"
        );
    }
    outbox::release(&state.store, worker, &untried).await?;
    Ok(claimed)
}

/// Sends one claimed message through the server's e-mail and SMS providers.
async fn send_one(state: &AppState, row: &Queued) -> Outcome {
    let params: serde_json::Value = serde_json::from_str(&row.params).unwrap_or_default();
    let send = notify::send(
        &*state.providers.email,
        &*state.providers.sms,
        &row.channel,
        &row.recipient,
        &row.template,
        &row.lang,
        &params,
    );
    match tokio::time::timeout(SEND_TIMEOUT, send).await {
        Ok(Ok(())) => Outcome::Sent,
        Ok(Err(e)) => Outcome::Failed(e),
        Err(_) => Outcome::TimedOut,
    }
}

/// Records a failed try: again after a backoff, or given up.
async fn retry(
    state: &AppState,
    worker: &str,
    row: &Queued,
    permanent: bool,
    error: &str,
) -> Result<(), sqlx::Error> {
    let tries = row.attempts + 1;
    let give_up = tries >= MAX_ATTEMPTS || permanent;
    let backoff_ms = (1_000i64 << tries.min(16)).min(86_400_000);
    outbox::mark_retry(
        &state.store,
        worker,
        row.id,
        tries,
        give_up,
        clock::now_ms() + backoff_ms,
        error,
    )
    .await
}
