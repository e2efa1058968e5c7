//! The transactional outbox: notifications are rows written with the change they
//! announce, so a committed change is always announced and a rolled-back one never.
//! This module owns the `outbox` table's SQL: queuing here, and the delivery
//! worker's claims and updates ([`claim`], [`mark_sent`], [`mark_retry`], [`release`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock;
use crate::db::{Backend, Store, Tx};

/// What a notification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    /// The application was submitted.
    Submitted,
    /// The payment arrived.
    Paid,
    /// Approved, with the install link.
    Approved,
    /// Rejected, with the reason.
    Rejected,
    /// The new certificate is installed.
    Completed,
    /// The invoice was issued.
    InvoiceIssued,
    /// The certificate expires soon: renew it (with the renewal link).
    Reminder,
}

impl Template {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Paid => "paid",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Completed => "completed",
            Self::InvoiceIssued => "invoice_issued",
            Self::Reminder => "reminder",
        }
    }
}

/// A channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// E-mail.
    Email,
    /// SMS.
    Sms,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

/// Queues the message once for each `(channel, recipient)`, in that order, in one
/// statement (one round trip whatever the count).
pub async fn enqueue(
    tx: &mut Tx,
    to: &[(Channel, &str)],
    template: Template,
    lang: &str,
    params: &Value,
) -> Result<(), sqlx::Error> {
    if to.is_empty() {
        return Ok(());
    }
    // $1..$4 are shared by every row; each row adds its channel and recipient.
    let rows: Vec<String> = (0..to.len())
        .map(|i| {
            let (c, r) = (5 + 2 * i, 6 + 2 * i);
            format!("(${c}, ${r}, $1, $2, $3, 'pending', 0, $4, $4)")
        })
        .collect();
    let sql = format!(
        "INSERT INTO outbox (channel, recipient, template, lang, params, status, attempts, next_at, created_at) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql)
        .bind(template.as_str())
        .bind(lang)
        .bind(params.to_string())
        .bind(clock::now_ms());
    for (channel, recipient) in to {
        query = query.bind(channel.as_str()).bind(*recipient);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Queues the message by e-mail and by SMS (in that order), in one statement.
pub async fn enqueue_both(
    tx: &mut Tx,
    email: &str,
    mobile: &str,
    template: Template,
    lang: &str,
    params: &Value,
) -> Result<(), sqlx::Error> {
    enqueue(
        tx,
        &[(Channel::Email, email), (Channel::Sms, mobile)],
        template,
        lang,
        params,
    )
    .await
}

/// A queued message, as the delivery worker takes it (columns read by name).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Queued {
    /// The row's id.
    pub id: i64,
    /// `email` or `sms`.
    pub channel: String,
    /// The address or number.
    pub recipient: String,
    /// The template's stored name.
    pub template: String,
    /// `zh` or `en`.
    pub lang: String,
    /// The template's values, JSON.
    pub params: String,
    /// Tries so far.
    pub attempts: i64,
}

/// Claims up to `limit` due messages for `worker` until `now_ms + lease_ms`, oldest
/// first, in one statement. A row is due when it is pending, its `next_at` has come
/// and no lease on it is running, so a crashed worker's rows come back once its lease
/// has run out.
///
/// On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`: two instances claiming
/// at once take different rows instead of the same ones (or waiting for each other).
/// SQLite runs one writing statement at a time, so the `UPDATE` alone is atomic.
pub async fn claim(
    store: &Store,
    worker: &str,
    now_ms: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<Queued>, sqlx::Error> {
    let lock = match store.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET claimed_by = $1, lease_until = $2 WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_at <= $3 AND (lease_until IS NULL OR lease_until <= $3) ORDER BY id LIMIT $4{lock}) RETURNING id, channel, recipient, template, lang, params, attempts"
    );
    let query = sqlx::query_as::<_, Queued>(&sql)
        .bind(worker)
        .bind(now_ms + lease_ms)
        .bind(now_ms)
        .bind(limit);
    let mut rows = store
        .write_alone(async move |conn| query.fetch_all(conn).await)
        .await?;
    // RETURNING keeps no order.
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Marks the messages `ids`, claimed by `worker`, sent at `at_ms`, in one write;
/// `claimed_by` stays, naming the instance that sent it. Returns how many were
/// marked: a row whose claim another worker took over (after this one's lease ran
/// out) is left to that worker.
pub async fn mark_sent(
    store: &Store,
    worker: &str,
    ids: &[i64],
    at_ms: i64,
) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, lease_until = NULL WHERE claimed_by = $2 AND status = 'pending' AND id IN ({})",
        placeholders(3, ids.len())
    );
    let mut query = sqlx::query(&sql).bind(at_ms).bind(worker);
    for id in ids {
        query = query.bind(*id);
    }
    Ok(store.write_one(query).await?.rows_affected())
}

/// Records a failed try of message `id` claimed by `worker`: `pending` again from
/// `next_at_ms`, or `failed` for good (`give_up`); the claim ends.
pub async fn mark_retry(
    store: &Store,
    worker: &str,
    id: i64,
    attempts: i64,
    give_up: bool,
    next_at_ms: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    let query = sqlx::query(
        "UPDATE outbox SET status = $1, attempts = $2, next_at = $3, last_error = $4, claimed_by = NULL, lease_until = NULL WHERE id = $5 AND claimed_by = $6 AND status = 'pending'",
    )
    .bind(if give_up { "failed" } else { "pending" })
    .bind(attempts)
    .bind(next_at_ms)
    .bind(error)
    .bind(id)
    .bind(worker);
    store.write_one(query).await?;
    Ok(())
}

/// Gives up `worker`'s claim on `ids` without a try (too little of the lease was left
/// to send them), so any worker may take them at once.
pub async fn release(store: &Store, worker: &str, ids: &[i64]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE outbox SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = $1 AND status = 'pending' AND id IN ({})",
        placeholders(2, ids.len())
    );
    let mut query = sqlx::query(&sql).bind(worker);
    for id in ids {
        query = query.bind(*id);
    }
    store.write_one(query).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The claim rule on a real database: SQLite always, PostgreSQL as well when
    //! `CERTRENEW_TEST_POSTGRES` names a server (as `scripts/test.sh`'s second pass does).

    use std::collections::BTreeSet;

    use serde_json::json;
    use sqlx::{Connection, Executor, Row};

    use super::*;

    const LEASE: i64 = 60_000;

    /// A migrated database, and what drops it afterwards (PostgreSQL).
    struct TestDb {
        store: Store,
        _dir: tempfile::TempDir,
        drop_pg: Option<(String, String)>,
    }

    impl TestDb {
        async fn sqlite() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
            let store = Store::connect(&url).await.unwrap();
            store.migrate().await.unwrap();
            Self {
                store,
                _dir: dir,
                drop_pg: None,
            }
        }

        async fn postgres() -> Option<Self> {
            let admin = std::env::var("CERTRENEW_TEST_POSTGRES")
                .ok()
                .filter(|v| !v.is_empty())?;
            let name = format!("certrenew_outbox_{}", crate::random::hex(6));
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            let base = &admin[..admin.rfind('/').unwrap()];
            let store = Store::connect(&format!("{base}/{name}")).await.unwrap();
            store.migrate().await.unwrap();
            Some(Self {
                store,
                _dir: tempfile::tempdir().unwrap(),
                drop_pg: Some((admin, name)),
            })
        }

        async fn all() -> Vec<Self> {
            let mut dbs = vec![Self::sqlite().await];
            dbs.extend(Self::postgres().await);
            dbs
        }

        async fn close(self) {
            self.store.pool().close().await;
            if let Some((admin, name)) = self.drop_pg {
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
                let _ = conn
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await;
            }
        }

        async fn enqueue(&self, n: usize) {
            let mut tx = self.store.begin_write().await.unwrap();
            for i in 0..n {
                let to = format!("user{i}@example.com");
                enqueue(
                    &mut tx,
                    &[(Channel::Email, &to)],
                    Template::Paid,
                    "zh",
                    &json!({}),
                )
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
        }

        async fn count(&self, sql: &str) -> i64 {
            let row = sqlx::query(sql).fetch_one(self.store.pool()).await.unwrap();
            row.try_get("n").unwrap()
        }
    }

    fn ids(rows: &[Queued]) -> BTreeSet<i64> {
        rows.iter().map(|r| r.id).collect()
    }

    /// Two workers claiming at the same moment take different rows; what one holds
    /// the other cannot take until the lease runs out; the holder alone marks it.
    #[tokio::test]
    async fn two_workers_never_claim_the_same_row() {
        for db in TestDb::all().await {
            db.enqueue(10).await;
            let now = clock::now_ms();
            let (a, b) = tokio::join!(
                claim(&db.store, "a", now, LEASE, 4),
                claim(&db.store, "b", now, LEASE, 4)
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!((a.len(), b.len()), (4, 4));
            assert!(ids(&a).is_disjoint(&ids(&b)), "{:?} {:?}", ids(&a), ids(&b));
            let rest = claim(&db.store, "b", now, LEASE, 10).await.unwrap();
            assert_eq!(rest.len(), 2, "only the unclaimed two are left");
            assert!(
                claim(&db.store, "c", now + LEASE - 1, LEASE, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );

            // A worker cannot mark or retry what another holds.
            let a_ids: Vec<i64> = ids(&a).into_iter().collect();
            assert_eq!(mark_sent(&db.store, "b", &a_ids, now).await.unwrap(), 0);
            mark_retry(&db.store, "b", a_ids[0], 1, true, now, "x")
                .await
                .unwrap();
            assert_eq!(
                db.count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'failed'")
                    .await,
                0
            );
            assert_eq!(mark_sent(&db.store, "a", &a_ids, now).await.unwrap(), 4);
            assert_eq!(
                db.count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'")
                    .await,
                4
            );
            db.close().await;
        }
    }

    /// A crashed worker's rows come back when its lease has run out; the late holder
    /// then can no longer mark them, the new one can; a released row is due at once.
    #[tokio::test]
    async fn an_expired_lease_is_taken_over() {
        for db in TestDb::all().await {
            db.enqueue(3).await;
            let now = clock::now_ms();
            let crashed = claim(&db.store, "crashed", now, LEASE, 10).await.unwrap();
            assert_eq!(crashed.len(), 3);
            let later = now + LEASE;
            let taken = claim(&db.store, "heir", later, LEASE, 10).await.unwrap();
            assert_eq!(ids(&taken), ids(&crashed));
            let all: Vec<i64> = ids(&taken).into_iter().collect();
            assert_eq!(
                mark_sent(&db.store, "crashed", &all, later).await.unwrap(),
                0
            );
            release(&db.store, "heir", &all[..1]).await.unwrap();
            let again = claim(&db.store, "third", later, LEASE, 10).await.unwrap();
            assert_eq!(ids(&again), BTreeSet::from([all[0]]));
            assert_eq!(mark_sent(&db.store, "heir", &all, later).await.unwrap(), 2);
            // A failed try ends the claim and waits for next_at.
            mark_retry(&db.store, "third", all[0], 1, false, later + 5_000, "busy")
                .await
                .unwrap();
            assert!(
                claim(&db.store, "x", later + 4_999, LEASE, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(
                claim(&db.store, "x", later + 5_000, LEASE, 10)
                    .await
                    .unwrap()
                    .len(),
                1
            );
            db.close().await;
        }
    }

    /// Two workers draining one queue as fast as they can, each on its own pool (two
    /// processes): every row is claimed and marked sent exactly once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_busy_workers_send_each_row_once() {
        for db in TestDb::all().await {
            db.enqueue(300).await;
            let drain = |name: &'static str, store: Store| async move {
                let mut mine = Vec::new();
                loop {
                    let now = clock::now_ms();
                    let rows = claim(&store, name, now, LEASE, 7).await.unwrap();
                    if rows.is_empty() {
                        return mine;
                    }
                    let got: Vec<i64> = rows.iter().map(|r| r.id).collect();
                    // Sending takes a while; the other worker claims meanwhile.
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    let marked = mark_sent(&store, name, &got, now).await.unwrap();
                    assert_eq!(marked, got.len() as u64);
                    mine.extend(got);
                }
            };
            let url = match &db.drop_pg {
                Some((admin, name)) => format!("{}/{name}", &admin[..admin.rfind('/').unwrap()]),
                None => format!(
                    "sqlite://{}?mode=rwc",
                    db._dir.path().join("t.db").display()
                ),
            };
            let other = Store::connect(&url).await.unwrap();
            let (a, b) = tokio::join!(
                tokio::spawn(drain("a", db.store.clone())),
                tokio::spawn(drain("b", other.clone()))
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            let mut all: Vec<i64> = a.iter().chain(&b).copied().collect();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), a.len() + b.len(), "a row went to both workers");
            assert_eq!(all.len(), 300);
            assert!(
                !a.is_empty() && !b.is_empty(),
                "both took part: {} {}",
                a.len(),
                b.len()
            );
            assert_eq!(
                db.count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent' AND attempts = 1")
                    .await,
                300
            );
            other.pool().close().await;
            db.close().await;
        }
    }
}
