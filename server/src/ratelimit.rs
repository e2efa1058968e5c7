//! Rate limits (fixed windows per key) for the endpoints that anyone can call and that
//! cost the server or invite guessing: eligibility checks and challenges per client
//! address.
//!
//! Counted where every instance sees the same count (docs/operations.md, "Several
//! instances"): on PostgreSQL, which several instances may share, in the
//! `rate_limits` table (one upsert per request, windows aligned to the clock so all
//! instances agree on them); on SQLite, which one instance owns, in memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use protocol::ErrorCode;
use sqlx::{AnyPool, Row};

use crate::clock;
use crate::db::{Backend, Store};
use crate::error::AppError;

/// Allows `limit` events per `window` per key.
pub struct RateLimiter {
    /// Names the limiter's rows in the shared table.
    name: &'static str,
    limit: u32,
    window: Duration,
    count: Counter,
}

/// Where the events are counted.
enum Counter {
    /// In this process.
    Memory(Mutex<HashMap<String, (Instant, u32)>>),
    /// In the database, shared by every instance on it.
    Shared {
        pool: AnyPool,
        /// When old windows were last deleted (unix ms).
        swept_at: AtomicI64,
    },
}

impl RateLimiter {
    /// A limiter counting in this process.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            name: "memory",
            limit,
            window,
            count: Counter::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// A limiter counting in `pool`'s `rate_limits` table under `name`, so every
    /// process on that database shares one count per key.
    pub fn shared(name: &'static str, limit: u32, window: Duration, pool: AnyPool) -> Self {
        Self {
            name,
            limit,
            window,
            count: Counter::Shared {
                pool,
                swept_at: AtomicI64::new(0),
            },
        }
    }

    /// The limiter for a server on `store`: shared on PostgreSQL (several instances
    /// may use one database), in memory on SQLite (one instance per file).
    pub fn for_store(name: &'static str, limit: u32, window: Duration, store: &Store) -> Self {
        match store.backend() {
            Backend::Postgres => Self::shared(name, limit, window, store.pool().clone()),
            Backend::Sqlite => Self::new(limit, window),
        }
    }

    /// Counts one event for `key`; refuses with 429 once the window's limit is reached.
    pub async fn check(&self, key: &str) -> Result<(), AppError> {
        let allowed = match &self.count {
            Counter::Memory(counts) => self.hit_memory(counts, key, Instant::now()),
            Counter::Shared { pool, swept_at } => {
                self.hit_shared(pool, swept_at, key, clock::now_ms())
                    .await?
            }
        };
        if allowed {
            Ok(())
        } else {
            Err(AppError::refused(
                ErrorCode::RateLimited,
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many requests; try again in {} seconds",
                    self.window.as_secs()
                ),
            ))
        }
    }

    fn hit_memory(
        &self,
        counts: &Mutex<HashMap<String, (Instant, u32)>>,
        key: &str,
        now: Instant,
    ) -> bool {
        let mut counts = counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Old windows are dropped now and then so the map cannot grow without bound.
        if counts.len() > 100_000 {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = counts.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return false;
        }
        entry.1 += 1;
        true
    }

    /// One statement: the window's row is created at 1 or counted up while under the
    /// limit; no row back means the limit is reached. Concurrent upserts of one key
    /// are serialised by the row's lock, so the count is exact across instances.
    async fn hit_shared(
        &self,
        pool: &AnyPool,
        swept_at: &AtomicI64,
        key: &str,
        now_ms: i64,
    ) -> Result<bool, sqlx::Error> {
        let window_ms = (self.window.as_millis() as i64).max(1);
        let window_start = now_ms - now_ms.rem_euclid(window_ms);
        // Now and then (once a window per instance) the finished windows go.
        let last = swept_at.load(Ordering::Relaxed);
        if now_ms - last >= window_ms
            && swept_at
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
                .bind(window_start - window_ms)
                .execute(pool)
                .await?;
        }
        let row = sqlx::query(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 WHERE rate_limits.hits < $3 RETURNING hits",
        )
        .bind(format!("{}:{key}", self.name))
        .bind(window_start)
        .bind(i64::from(self.limit))
        .fetch_optional(pool)
        .await?;
        Ok(match row {
            Some(row) => row.try_get::<i64, _>("hits")? <= i64::from(self.limit),
            None => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_window() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let Counter::Memory(counts) = &limiter.count else {
            unreachable!()
        };
        let t0 = Instant::now();
        assert!(limiter.hit_memory(counts, "a", t0));
        assert!(limiter.hit_memory(counts, "a", t0));
        assert!(
            !limiter.hit_memory(counts, "a", t0),
            "third in the window is refused"
        );
        assert!(
            limiter.hit_memory(counts, "b", t0),
            "another key has its own count"
        );
        assert!(
            limiter.hit_memory(counts, "a", t0 + Duration::from_secs(61)),
            "a new window starts afresh"
        );
    }

    async fn hit(l: &RateLimiter, key: &str, t: i64) -> bool {
        let Counter::Shared { pool, swept_at } = &l.count else {
            unreachable!("a shared limiter")
        };
        l.hit_shared(pool, swept_at, key, t).await.unwrap()
    }

    async fn number(pool: &AnyPool, sql: &str, t: i64) -> i64 {
        let row = sqlx::query(sql).bind(t).fetch_one(pool).await.unwrap();
        row.try_get("n").unwrap()
    }

    /// Two limiters on one database stand for two instances: together they allow the
    /// limit once, not twice; another key and the next window count afresh; finished
    /// windows are deleted.
    #[tokio::test]
    async fn instances_sharing_a_database_share_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let pool = store.pool();
        let window = Duration::from_secs(60);
        let a = RateLimiter::shared("challenge", 3, window, pool.clone());
        let b = RateLimiter::shared("challenge", 3, window, pool.clone());
        let other = RateLimiter::shared("eligibility", 3, window, pool.clone());
        let t0 = 1_800_000_000_000; // a whole minute
        assert!(hit(&a, "1.2.3.4", t0).await);
        assert!(hit(&b, "1.2.3.4", t0 + 1).await);
        assert!(hit(&a, "1.2.3.4", t0 + 2).await);
        assert!(
            !hit(&b, "1.2.3.4", t0 + 3).await,
            "the fourth, on b, is over"
        );
        assert!(!hit(&a, "1.2.3.4", t0 + 4).await, "and stays over on a");
        assert!(hit(&b, "5.6.7.8", t0 + 5).await, "another address");
        assert!(hit(&other, "1.2.3.4", t0 + 6).await, "another limiter");
        assert!(hit(&a, "1.2.3.4", t0 + 60_000).await, "the next window");
        let hits = "SELECT hits AS n FROM rate_limits WHERE bucket = 'challenge:1.2.3.4' AND window_start = $1";
        assert_eq!(number(pool, hits, t0).await, 3, "refused tries not counted");
        // Two windows later the first instance to count deletes the finished ones.
        assert!(hit(&b, "1.2.3.4", t0 + 180_000).await);
        let old = "SELECT COUNT(*) AS n FROM rate_limits WHERE window_start < $1";
        assert_eq!(number(pool, old, t0 + 120_000).await, 0);
    }
}
