//! The database: one pool over SQLite (the zero-set-up default) or PostgreSQL (for
//! several server instances), chosen by `DATABASE_URL`, with the embedded migrations
//! of each. The two migration folders write one schema twice; `tests/schema_parity.rs`
//! fails when they differ in a table, a column, a key or an index.
//!
//! Each aggregate's SQL lives in one store module (`renewal::store`, `payments::store`,
//! `admin::store`, `audit`, `notify::outbox`, `webhooks::store`, …); handlers call it.
//! Columns are read by name, and joined or computed columns carry an `AS` alias, so
//! the names are the same on both databases.
//!
//! Queries are written once, in the SQL both accept (`$1` placeholders, BIGINT times,
//! no vendor functions). Every writing transaction starts with [`Store::begin_write`],
//! which on SQLite is `BEGIN IMMEDIATE`: that takes the write lock at once (no SQLite
//! lock-upgrade failures under concurrency), without a statement of its own. On
//! PostgreSQL writers take only the rows they write; a count-then-insert limit uses
//! [`Store::begin_exclusive`].

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

pub use crate::write_tx::Tx;
use crate::write_tx::WriteTurns;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The pool and what it is.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: this process's writers, one at a time (`write_tx`).
    turns: Option<WriteTurns>,
}

/// A text column holding one of protocol's wire names, read by `parse` (a name this
/// version does not know is a decode error, never a silent default).
pub fn wire_column<T>(
    row: &AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    let name: String = row.try_get(column)?;
    parse(&name).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: format!("unknown {column} {name:?}").into(),
    })
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects. A SQLite file's folder is created; SQLite runs in WAL mode.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        if backend == Backend::Sqlite
            && let Some(parent) =
                sqlite_path(url).and_then(|p| Path::new(p).parent().map(Path::to_owned))
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(&parent).map_err(sqlx::Error::Io)?;
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            // SQLite: one writer at a time (`write_tx`) and reads that each hold a
            // connection for microseconds (patches/sqlx-sqlite). Fewer connections
            // also mean fewer page caches to refill after each write: 3 served more
            // renewals per CPU second than 8 (bench/README.md, session 13).
            .max_connections(if backend == Backend::Sqlite { 3 } else { 16 })
            // A SQLite file does not drop connections: pinging it before every use
            // would be a wasted step per statement (bench/README.md).
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never wait for the writer. NORMAL sync survives a
                        // killed process (not a power cut: use FULL there). This
                        // process's writers queue (`write_tx`); another process's writer
                        // is waited for up to the driver's 5 s, asynchronously
                        // (patches/sqlx-sqlite): no `PRAGMA busy_timeout`, which would
                        // put a sleeping wait inside SQLite, on a runtime thread.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        // The WAL is copied into the database file when it reaches
                        // 10,000 pages (40 MB), not SQLite's 1,000: a page written
                        // again and again is copied once per checkpoint, and ten times
                        // fewer checkpoints served 8 % more renewals (bench/README.md,
                        // session 13).
                        conn.execute("PRAGMA wal_autocheckpoint = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let turns = (backend == Backend::Sqlite).then(WriteTurns::new);
        Ok(Self {
            pool,
            backend,
            turns,
        })
    }

    /// Applies the migrations that are missing.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    /// The pool, for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a writing transaction. On SQLite it takes the (whole-database) write lock
    /// at once; on PostgreSQL it locks nothing global: writers of different rows,
    /// renewals and audit chains run side by side (issue 16).
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match &self.turns {
            // This process's turn first (`write_tx`), then the write lock at BEGIN,
            // waiting for another process's writer as any write would
            // (https://www.sqlite.org/lang_transaction.html).
            Some(turns) => {
                let turn = turns.take().await;
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(Tx::new(tx, Some(turn)))
            }
            None => Ok(Tx::new(self.pool.begin().await?, None)),
        }
    }

    /// Begins a writing transaction that excludes every other exclusive one, across
    /// instances: for a count-then-insert whose limit no unique key can express (SMS
    /// codes, check transfers, identity checks), so racing requests cannot both pass.
    pub async fn begin_exclusive(&self) -> Result<Tx, sqlx::Error> {
        if self.backend == Backend::Sqlite {
            // SQLite has one writer at a time: every write transaction excludes the others.
            return self.begin_write().await;
        }
        let mut tx = Tx::new(self.pool.begin().await?, None);
        sqlx::query("UPDATE audit_head SET one = one WHERE one = 1")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::{Store, sqlite_path};
    use std::time::Duration;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://data/x.db?mode=rwc"),
            Some("data/x.db")
        );
        assert_eq!(sqlite_path("sqlite:/abs/x.db"), Some("/abs/x.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }

    async fn sqlite_with_table(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}/w.db?mode=rwc", dir.path().display());
        let store = Store::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE t (who TEXT NOT NULL)")
            .execute(store.pool())
            .await
            .unwrap();
        store
    }

    async fn count(store: &Store) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(store.pool())
            .await
            .unwrap()
    }

    /// A writer that finds the write lock held by another connection (another process,
    /// a command) waits without holding the thread: on one thread, the holder still
    /// commits and the waiter then goes on. A wait inside SQLite (`PRAGMA
    /// busy_timeout`) would stop that thread until the timeout and fail.
    #[tokio::test(flavor = "current_thread")]
    async fn a_writer_waiting_for_another_connections_lock_does_not_stop_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let store = sqlite_with_table(&dir).await;
        // Outside the process's write queue, as another process's writer is.
        let mut other = store.pool().begin_with("BEGIN IMMEDIATE").await.unwrap();
        sqlx::query("INSERT INTO t VALUES ('other')")
            .execute(&mut *other)
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let waiter = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin_write().await?;
                sqlx::query("INSERT INTO t VALUES ('ours')")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            started.elapsed() < Duration::from_millis(1_000),
            "the thread stood still while the writer waited"
        );
        assert!(!waiter.is_finished(), "the second writer did not wait");
        other.commit().await.unwrap();

        tokio::time::timeout(Duration::from_secs(2), waiter)
            .await
            .expect("the waiting writer went on once the lock was free")
            .unwrap()
            .unwrap();
        assert_eq!(count(&store).await, 2);
    }

    /// Writers waiting for their turn hold no connection: with more of them than the
    /// pool has connections, reads still get one at once.
    #[tokio::test]
    async fn waiting_writers_leave_the_connections_to_readers() {
        let dir = tempfile::tempdir().unwrap();
        let store = sqlite_with_table(&dir).await;
        let mut first = store.begin_write().await.unwrap();
        sqlx::query("INSERT INTO t VALUES ('first')")
            .execute(&mut *first)
            .await
            .unwrap();
        let waiters: Vec<_> = (0..5)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.begin_write().await?;
                    sqlx::query("INSERT INTO t VALUES ('next')")
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;

        let read = tokio::time::timeout(Duration::from_secs(1), count(&store)).await;
        assert_eq!(read.ok(), Some(0), "a read waited behind the writers");
        first.commit().await.unwrap();
        for waiter in waiters {
            waiter.await.unwrap().unwrap();
        }
        assert_eq!(count(&store).await, 6);
    }
}
