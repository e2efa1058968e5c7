//! Staff sign-in limits: exponential back-off per client address and per user name,
//! never a permanent lockout.
//!
//! A name may fail [`NAME_FREE`] times, an address [`ADDRESS_FREE`] times; each failure
//! beyond that starts a back-off that doubles from one second up to a cap
//! ([`NAME_CAP`], [`ADDRESS_CAP`]). While a back-off runs, tries are refused before the
//! password is hashed and are not counted. The name's cap is short, so nobody can keep
//! `admin` out for long; the address that failed is held one name back-off longer than
//! the name, so a single guessing address cannot re-arm the name's back-off the moment
//! it ends: the real staff member, from another address, gets in first. Counts are
//! forgotten after [`QUIET`] without a failure, and a name's on its successful sign-in.
//!
//! Counted where every instance sees the same count, like [`crate::ratelimit`]: on
//! PostgreSQL, which several instances may share, in the `login_backoffs` table (a
//! guesser spread over N instances gets no more tries than against one); on SQLite,
//! which one instance owns, in memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sqlx::Row;

use crate::clock;
use crate::db::{Backend, Store};

/// Failures a name may have before it backs off.
pub const NAME_FREE: u32 = 5;
/// Failures an address may have before it backs off.
pub const ADDRESS_FREE: u32 = 10;
/// The longest a name's back-off lasts: at most this long for the real staff member.
pub const NAME_CAP: Duration = Duration::from_secs(60);
/// The longest an address's own back-off lasts.
pub const ADDRESS_CAP: Duration = Duration::from_secs(15 * 60);
/// Counts are forgotten after this long without a failure.
pub const QUIET: Duration = Duration::from_secs(3600);
/// Entries kept in memory before the forgotten ones are swept.
const MAX_ENTRIES: usize = 100_000;

/// What is refused, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// `name` or `address`.
    pub by: &'static str,
    /// Whole seconds until another try is taken (at least 1).
    pub retry_after_s: u64,
}

/// A back-off that a failure has just started (for the audit trail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackOffStarted {
    /// `name` or `address`.
    pub by: &'static str,
    /// Failures counted so far.
    pub failures: u32,
    /// How long it lasts, seconds.
    pub seconds: u64,
}

/// One name's or address's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    failures: u32,
    last_ms: i64,
    until_ms: Option<i64>,
}

/// The limiter.
pub struct LoginLimit {
    count: Counter,
}

/// Where the failures are counted.
enum Counter {
    /// In this process.
    Memory(Mutex<HashMap<String, Entry>>),
    /// In the database, shared by every instance on it.
    Shared {
        store: Store,
        /// When quiet rows were last deleted (unix ms).
        swept_at: AtomicI64,
    },
}

impl Default for LoginLimit {
    fn default() -> Self {
        Self {
            count: Counter::Memory(Mutex::new(HashMap::new())),
        }
    }
}

fn name_key(name: &str) -> String {
    format!("n:{name}")
}

fn address_key(address: &str) -> String {
    format!("a:{address}")
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn delay(failures: u32, free: u32, cap: Duration) -> Option<Duration> {
    let over = failures.checked_sub(free)?.checked_sub(1)?;
    Some(Duration::from_secs(1u64 << over.min(20)).min(cap))
}

/// The longest back-off still running among `entries`, if any.
fn blocked(entries: [(&'static str, Option<Entry>); 2], now_ms: i64) -> Option<Blocked> {
    let mut worst: Option<Blocked> = None;
    for (by, entry) in entries {
        let Some(until) = entry.and_then(|e| e.until_ms) else {
            continue;
        };
        if until > now_ms {
            let left = u64::try_from(until - now_ms).unwrap_or(0);
            let retry_after_s = left.div_ceil(1000);
            if worst
                .as_ref()
                .is_none_or(|w| w.retry_after_s < retry_after_s)
            {
                worst = Some(Blocked { by, retry_after_s });
            }
        }
    }
    worst
}

/// One more failure of `name` from `address`: their new entries, and the back-offs
/// it started.
fn fail(
    name: Option<Entry>,
    address: Option<Entry>,
    now_ms: i64,
) -> (Entry, Entry, Vec<BackOffStarted>) {
    let bump = |entry: Option<Entry>, free: u32, cap: Duration| {
        let mut entry = entry
            .filter(|e| now_ms.saturating_sub(e.last_ms) < ms(QUIET))
            .unwrap_or(Entry {
                failures: 0,
                last_ms: now_ms,
                until_ms: None,
            });
        entry.failures = entry.failures.saturating_add(1);
        entry.last_ms = now_ms;
        let wait = delay(entry.failures, free, cap);
        if let Some(wait) = wait {
            entry.until_ms = Some(now_ms.saturating_add(ms(wait)));
        }
        (entry, wait)
    };
    let (name, name_wait) = bump(name, NAME_FREE, NAME_CAP);
    let (mut address, address_wait) = bump(address, ADDRESS_FREE, ADDRESS_CAP);
    let mut started = Vec::new();
    if let Some(wait) = name_wait {
        started.push(BackOffStarted {
            by: "name",
            failures: name.failures,
            seconds: wait.as_secs(),
        });
    }
    // The failing address waits one name back-off more than the name.
    let address_hold = name_wait.map(|wait| wait * 2);
    let address_until = match (address_wait, address_hold) {
        (Some(a), Some(h)) => Some(a.max(h)),
        (a, h) => a.or(h),
    };
    if let Some(wait) = address_until {
        address.until_ms = Some(now_ms.saturating_add(ms(wait)));
        if address_wait.is_some() {
            started.push(BackOffStarted {
                by: "address",
                failures: address.failures,
                seconds: wait.as_secs(),
            });
        }
    }
    (name, address, started)
}

impl LoginLimit {
    /// The limiter for a server on `store`: shared on PostgreSQL (several instances
    /// may use one database), in memory on SQLite (one instance per file).
    pub fn for_store(store: &Store) -> Self {
        match store.backend() {
            Backend::Postgres => Self::shared(store.clone()),
            Backend::Sqlite => Self::default(),
        }
    }

    /// A limiter counting in `store`'s `login_backoffs` table.
    pub fn shared(store: Store) -> Self {
        Self {
            count: Counter::Shared {
                store,
                swept_at: AtomicI64::new(0),
            },
        }
    }

    /// The back-off that refuses a try for `name` from `address` now, if one runs.
    pub async fn check(&self, name: &str, address: &str) -> Result<Option<Blocked>, sqlx::Error> {
        self.check_at(name, address, clock::now_ms()).await
    }

    async fn check_at(
        &self,
        name: &str,
        address: &str,
        now_ms: i64,
    ) -> Result<Option<Blocked>, sqlx::Error> {
        let (a, n) = (address_key(address), name_key(name));
        let entries = match &self.count {
            Counter::Memory(map) => {
                let map = lock(map);
                [map.get(&a).copied(), map.get(&n).copied()]
            }
            Counter::Shared { store, .. } => {
                let mut found = read(store.pool(), &a, &n, "").await?;
                [found.remove(&a), found.remove(&n)]
            }
        };
        Ok(blocked(
            [("address", entries[0]), ("name", entries[1])],
            now_ms,
        ))
    }

    /// Counts a failure; returns the back-offs it started.
    pub async fn failed(
        &self,
        name: &str,
        address: &str,
    ) -> Result<Vec<BackOffStarted>, sqlx::Error> {
        self.failed_at(name, address, clock::now_ms()).await
    }

    async fn failed_at(
        &self,
        name: &str,
        address: &str,
        now_ms: i64,
    ) -> Result<Vec<BackOffStarted>, sqlx::Error> {
        let (a, n) = (address_key(address), name_key(name));
        match &self.count {
            Counter::Memory(map) => {
                let mut map = lock(map);
                sweep_memory(&mut map, now_ms);
                let (name, address, started) =
                    fail(map.get(&n).copied(), map.get(&a).copied(), now_ms);
                map.insert(n, name);
                map.insert(a, address);
                Ok(started)
            }
            Counter::Shared { store, swept_at } => {
                let last = swept_at.load(Ordering::Relaxed);
                if now_ms - last >= ms(QUIET)
                    && swept_at
                        .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    sqlx::query("DELETE FROM login_backoffs WHERE last_ms < $1")
                        .bind(now_ms - ms(QUIET))
                        .execute(store.pool())
                        .await?;
                }
                // Both rows exist, then are locked (in key order: `a:` before `n:`),
                // so two instances counting the same name or address take turns.
                let mut tx = store.pool().begin().await?;
                for key in [&a, &n] {
                    sqlx::query(
                        "INSERT INTO login_backoffs (key, failures, last_ms, until_ms) VALUES ($1, 0, $2, NULL) ON CONFLICT (key) DO NOTHING",
                    )
                    .bind(key)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                let lock_rows = match store.backend() {
                    Backend::Postgres => " ORDER BY key FOR UPDATE",
                    Backend::Sqlite => "",
                };
                let mut found = read(&mut *tx, &a, &n, lock_rows).await?;
                let (name, address, started) = fail(found.remove(&n), found.remove(&a), now_ms);
                for (key, e) in [(&n, name), (&a, address)] {
                    sqlx::query(
                        "UPDATE login_backoffs SET failures = $1, last_ms = $2, until_ms = $3 WHERE key = $4",
                    )
                    .bind(i64::from(e.failures))
                    .bind(e.last_ms)
                    .bind(e.until_ms)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(started)
            }
        }
    }

    /// A successful sign-in: the name's count starts afresh (the address's does not,
    /// so signing in to one's own account does not reset guessing at others). Returns
    /// the failures the name had (for the sign-in's audit row).
    pub async fn succeeded(&self, name: &str) -> Result<u32, sqlx::Error> {
        let key = name_key(name);
        let failures = match &self.count {
            Counter::Memory(map) => lock(map).remove(&key).map_or(0, |e| e.failures),
            Counter::Shared { store, .. } => {
                sqlx::query("DELETE FROM login_backoffs WHERE key = $1 RETURNING failures")
                    .bind(&key)
                    .fetch_optional(store.pool())
                    .await?
                    .map(|row| row.try_get::<i64, _>("failures"))
                    .transpose()?
                    .map_or(0, |f| u32::try_from(f).unwrap_or(u32::MAX))
            }
        };
        Ok(failures)
    }
}

fn lock(map: &Mutex<HashMap<String, Entry>>) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
    map.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keeps the map bounded: forgotten counts go first; under a flood of fresh names only
/// the running back-offs stay (a forgotten count only lets a guesser start over, still
/// slowed by its address's back-off).
fn sweep_memory(map: &mut HashMap<String, Entry>, now_ms: i64) {
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, e| now_ms.saturating_sub(e.last_ms) < ms(QUIET));
    }
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, e| e.until_ms.is_some_and(|u| u > now_ms));
    }
}

/// The rows of `address` and `name` (`suffix` may lock them).
async fn read<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    address: &str,
    name: &str,
    suffix: &str,
) -> Result<HashMap<String, Entry>, sqlx::Error> {
    let sql = format!(
        "SELECT key, failures, last_ms, until_ms FROM login_backoffs WHERE key IN ($1, $2){suffix}"
    );
    sqlx::query(&sql)
        .bind(address)
        .bind(name)
        .fetch_all(executor)
        .await?
        .iter()
        .map(|row| {
            let failures: i64 = row.try_get("failures")?;
            Ok((
                row.try_get("key")?,
                Entry {
                    failures: u32::try_from(failures).unwrap_or(u32::MAX),
                    last_ms: row.try_get("last_ms")?,
                    until_ms: row.try_get("until_ms")?,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1000;
    const T0: i64 = 1_800_000_000_000;

    async fn ok(limit: &LoginLimit, name: &str, address: &str, t: i64) -> bool {
        limit.check_at(name, address, t).await.unwrap().is_none()
    }

    async fn fails(limit: &LoginLimit, name: &str, address: &str, t: i64) -> Vec<BackOffStarted> {
        limit.failed_at(name, address, t).await.unwrap()
    }

    async fn the_name_backs_off_briefly_and_the_guessing_address_longer(limit: LoginLimit) {
        for _ in 0..NAME_FREE {
            assert!(ok(&limit, "admin", "A", T0).await);
            assert!(fails(&limit, "admin", "A", T0).await.is_empty());
        }
        let started = fails(&limit, "admin", "A", T0).await;
        assert_eq!(started[0].by, "name");
        assert_eq!(started[0].seconds, 1);
        let b = limit.check_at("admin", "B", T0).await.unwrap().unwrap();
        assert_eq!((b.by, b.retry_after_s), ("name", 1));
        // After the name's back-off B may try; A still waits.
        assert!(ok(&limit, "admin", "B", T0 + S).await);
        assert!(!ok(&limit, "admin", "A", T0 + S).await);
        assert!(ok(&limit, "admin", "A", T0 + 2 * S).await);
    }

    async fn back_offs_double_up_to_their_caps_and_are_forgotten(limit: LoginLimit) {
        let mut t = T0;
        let mut longest = 0;
        for _ in 0..40 {
            for s in fails(&limit, "admin", "A", t).await {
                if s.by == "name" {
                    longest = longest.max(s.seconds);
                }
            }
            t += ms(ADDRESS_CAP);
        }
        assert_eq!(longest, NAME_CAP.as_secs());
        assert!(ok(&limit, "admin", "B", t).await);
        assert!(ok(&limit, "other", "A", t).await);
        fails(&limit, "admin", "A", t + ms(QUIET)).await;
        assert_eq!(limit.succeeded("admin").await.unwrap(), 1);
        assert_eq!(limit.succeeded("admin").await.unwrap(), 0);
    }

    async fn an_address_backs_off_over_many_names(limit: LoginLimit) {
        for i in 0..ADDRESS_FREE {
            fails(&limit, &format!("user{i}"), "A", T0).await;
        }
        assert!(ok(&limit, "fresh", "A", T0).await);
        let started = fails(&limit, "fresh", "A", T0).await;
        assert_eq!(started[0].by, "address");
        let b = limit.check_at("fresh2", "A", T0).await.unwrap().unwrap();
        assert_eq!(b.by, "address");
        assert!(ok(&limit, "fresh2", "B", T0).await);
    }

    async fn shared_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        (dir, store)
    }

    /// Each rule holds the same in memory and in the shared table.
    #[tokio::test]
    async fn the_rules_hold_in_memory_and_in_the_database() {
        the_name_backs_off_briefly_and_the_guessing_address_longer(LoginLimit::default()).await;
        back_offs_double_up_to_their_caps_and_are_forgotten(LoginLimit::default()).await;
        an_address_backs_off_over_many_names(LoginLimit::default()).await;
        let (_dir, store) = shared_store().await;
        the_name_backs_off_briefly_and_the_guessing_address_longer(LoginLimit::shared(
            store.clone(),
        ))
        .await;
        let (_dir, store) = shared_store().await;
        back_offs_double_up_to_their_caps_and_are_forgotten(LoginLimit::shared(store)).await;
        let (_dir, store) = shared_store().await;
        an_address_backs_off_over_many_names(LoginLimit::shared(store)).await;
    }

    /// Two limiters on one database stand for two instances: a guesser alternating
    /// between them is held after the name's free tries in all, not twice as many.
    #[tokio::test]
    async fn instances_sharing_a_database_share_the_back_off() {
        let (_dir, store) = shared_store().await;
        let a = LoginLimit::shared(store.clone());
        let b = LoginLimit::shared(store);
        for i in 0..NAME_FREE {
            let at = if i % 2 == 0 { &a } else { &b };
            assert!(fails(at, "admin", "X", T0).await.is_empty());
        }
        assert_eq!(fails(&b, "admin", "X", T0).await[0].by, "name");
        assert_eq!(
            a.check_at("admin", "Y", T0).await.unwrap().map(|b| b.by),
            Some("name"),
            "the other instance refuses too"
        );
        assert_eq!(a.succeeded("admin").await.unwrap(), NAME_FREE + 1);
        assert!(ok(&b, "admin", "Y", T0).await);
    }
}
