//! The database: SQLite (the zero-set-up default) or PostgreSQL (for several server
//! instances), chosen by `DATABASE_URL`, with the embedded migrations of each. Reads
//! use the pool; on SQLite writes use the writers' own connection (`write_tx`). The two migration folders write one schema twice; `tests/schema_parity.rs`
//! fails when they differ in a table, a column, a key or an index.
//!
//! Each aggregate's SQL lives in one store module (`renewal::store`, `payments::store`,
//! `admin::store`, `audit`, `notify::outbox`, `webhooks::store`, …); handlers call it.
//! Columns are read by name, and joined or computed columns carry an `AS` alias, so
//! the names are the same on both databases.
//!
//! Queries are written once, in the SQL both accept (`$1` placeholders, BIGINT times,
//! no vendor functions). Every writing transaction starts with [`Store::begin_write`],
//! and a write of one statement goes through [`Store::write_one`] or
//! [`Store::write_alone`]. On SQLite these take this process's write turn, and a
//! group's first writer begins with `BEGIN IMMEDIATE`, which takes the write lock at
//! once (no SQLite lock-upgrade failures under concurrency); a write straight on the
//! pool would race the writers for the lock. On PostgreSQL writers take only the rows
//! they write; a count-then-insert limit uses [`Store::begin_exclusive`].

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions, AnyQueryResult, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool, Row};

pub use crate::write_tx::Tx;
use crate::write_tx::WriteQueue;

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
    /// SQLite: this process's writers, one at a time, on a connection of their own
    /// (`write_tx`).
    writers: Option<WriteQueue>,
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
            // SQLite: the pool is for reads (the writers have their own connection,
            // `write_tx`), so its connections' page caches are refilled only after a
            // commit. A read holds one for microseconds (patches/sqlx-sqlite); 16 let
            // reads wait less for one than 3 did (bench/README.md, session 14).
            .max_connections(16)
            // A SQLite file does not drop connections: pinging it before every use
            // would be a wasted step per statement (bench/README.md).
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        crate::sqlite_conn::settings(conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        let writers = (backend == Backend::Sqlite).then(|| WriteQueue::new(options));
        Ok(Self {
            pool,
            backend,
            writers,
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

    /// Begins a writing transaction. On SQLite it takes this process's write turn and
    /// holds the (whole-database) write lock, in a group (`write_tx`); on PostgreSQL it
    /// locks nothing global: writers of different rows,
    /// renewals and audit chains run side by side (issue 16).
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match &self.writers {
            // This process's turn first, then the write lock at BEGIN, waiting for
            // another process's writer as any write would
            // (https://www.sqlite.org/lang_transaction.html), in a group (`write_tx`).
            Some(writers) => writers.begin().await,
            None => Ok(Tx::own(self.pool.begin().await?)),
        }
    }

    /// Runs one writing statement on its own. On SQLite it takes this process's write
    /// turn like any writer (`write_tx`): a write straight on the pool would race the
    /// writers' connection for SQLite's lock, and whichever lost would pause (1 ms,
    /// 2 ms, 5 ms, …) before trying again, the writers' turn held meanwhile. On
    /// PostgreSQL it runs on the pool.
    pub async fn write_one<'q>(
        &self,
        query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Result<AnyQueryResult, sqlx::Error> {
        self.write_alone(async move |conn| query.execute(conn).await)
            .await
    }

    /// Runs `write`, one writing statement (one that also returns rows, for instance),
    /// as [`Store::write_one`] runs its query.
    pub async fn write_alone<T>(
        &self,
        write: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        if self.writers.is_none() {
            return write(&mut *self.pool.acquire().await?).await;
        }
        let mut tx = self.begin_write().await?;
        let done = write(&mut tx).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// SQLite: this process's writers queued or writing.
    #[cfg(test)]
    pub(crate) fn writers_in_line(&self) -> usize {
        self.writers.as_ref().map_or(0, WriteQueue::in_line)
    }

    /// Begins a writing transaction that excludes every other exclusive one, across
    /// instances: for a count-then-insert whose limit no unique key can express (SMS
    /// codes, check transfers, identity checks), so racing requests cannot both pass.
    pub async fn begin_exclusive(&self) -> Result<Tx, sqlx::Error> {
        if self.backend == Backend::Sqlite {
            // SQLite has one writer at a time: every write transaction excludes the others.
            return self.begin_write().await;
        }
        let mut tx = Tx::own(self.pool.begin().await?);
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

    /// How a test writer ends its transaction.
    #[derive(Clone, Copy)]
    enum End {
        Commit,
        Rollback,
        Drop,
    }

    /// A writer that runs `sql` and ends as told.
    fn writer(
        store: &Store,
        sql: &'static str,
        end: End,
    ) -> tokio::task::JoinHandle<Result<(), sqlx::Error>> {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin_write().await?;
            sqlx::query(sql).execute(&mut *tx).await?;
            match end {
                End::Commit => tx.commit().await,
                End::Rollback => tx.rollback().await,
                End::Drop => Ok(()),
            }
        })
    }

    /// Starts `writers` one after the other while another connection (as another
    /// process would) holds the write lock: the first waits at its BEGIN, the others
    /// queue behind it in order, and when the lock is free they run as one group.
    async fn queued_behind_one(
        store: &Store,
        writers: &[(&'static str, End)],
    ) -> Vec<Result<(), sqlx::Error>> {
        let lock = store.pool().begin_with("BEGIN IMMEDIATE").await.unwrap();
        let mut queued = Vec::new();
        for &(sql, end) in writers {
            queued.push(writer(store, sql, end));
            // In line before the next one starts, so the order is the one given.
            let ahead = queued.len();
            tokio::time::timeout(Duration::from_secs(5), async {
                while store.writers_in_line() < ahead {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            })
            .await
            .expect("the writer queued");
        }
        lock.commit().await.unwrap();
        let mut ends = Vec::new();
        for task in queued {
            ends.push(task.await.unwrap());
        }
        ends
    }

    async fn rows(store: &Store) -> Vec<String> {
        sqlx::query_scalar("SELECT who FROM t ORDER BY rowid")
            .fetch_all(store.pool())
            .await
            .unwrap()
    }

    /// A writer that rolls back, or is dropped unfinished, undoes its own rows only:
    /// the others of its group commit.
    #[tokio::test]
    async fn a_writer_that_gives_up_leaves_the_rest_of_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let store = sqlite_with_table(&dir).await;
        let ends = queued_behind_one(
            &store,
            &[
                // The group's first writer, alone in it, gives up: a new group begins.
                ("INSERT INTO t VALUES ('rolled back first')", End::Rollback),
                ("INSERT INTO t VALUES ('a')", End::Commit),
                ("INSERT INTO t VALUES ('rolled back')", End::Rollback),
                ("INSERT INTO t VALUES ('b')", End::Commit),
                ("INSERT INTO t VALUES ('dropped')", End::Drop),
                ("INSERT INTO t VALUES ('c')", End::Commit),
                // The last is dropped: the group still commits for the others.
                ("INSERT INTO t VALUES ('dropped last')", End::Drop),
            ],
        )
        .await;
        assert!(ends.iter().all(Result::is_ok), "{ends:?}");
        assert_eq!(rows(&store).await, ["a", "b", "c"]);
        // The write lock is free again: another connection can write.
        sqlx::query("INSERT INTO t VALUES ('later')")
            .execute(store.pool())
            .await
            .unwrap();
    }

    /// When a group's COMMIT fails, nothing of it is kept and every writer of the group
    /// is told: none reports a write that is not there.
    #[tokio::test]
    async fn a_failed_group_commit_fails_each_of_its_writers() {
        let dir = tempfile::tempdir().unwrap();
        let store = sqlite_with_table(&dir).await;
        // A deferred foreign key is checked at COMMIT only: an orphan fails the COMMIT.
        sqlx::raw_sql(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE orphan (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let ends = queued_behind_one(
            &store,
            &[
                ("INSERT INTO orphan VALUES (999)", End::Commit),
                ("INSERT INTO t VALUES ('a')", End::Commit),
                ("INSERT INTO t VALUES ('b')", End::Commit),
            ],
        )
        .await;
        assert!(ends[0].is_err(), "the orphan was committed");
        // Its group shared its fate (a group ends early only when 10 ms old).
        assert!(
            ends.iter().filter(|end| end.is_err()).count() >= 2,
            "{ends:?}"
        );
        // Whoever was told "committed" has its row; whoever was not, has none.
        let kept = rows(&store).await;
        for (end, who) in ends[1..].iter().zip(["a", "b"]) {
            assert_eq!(end.is_ok(), kept.iter().any(|k| k == who), "{who}: {end:?}");
        }
        // The next writer starts a group of its own and commits.
        writer(&store, "INSERT INTO t VALUES ('after')", End::Commit)
            .await
            .unwrap()
            .unwrap();
        assert!(rows(&store).await.ends_with(&["after".to_owned()]));
    }

    /// Each writer's commit returns once what it wrote is committed: a read right after
    /// sees it, while dozens of writers commit together.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_returns_when_the_write_is_visible() {
        let dir = tempfile::tempdir().unwrap();
        let store = sqlite_with_table(&dir).await;
        let writers: Vec<_> = (0..64)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let who = format!("w{i}");
                    let mut tx = store.begin_write().await?;
                    sqlx::query("INSERT INTO t VALUES ($1)")
                        .bind(&who)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t WHERE who = $1")
                        .bind(&who)
                        .fetch_one(store.pool())
                        .await?;
                    Ok::<_, sqlx::Error>(seen)
                })
            })
            .collect();
        for writer in writers {
            assert_eq!(
                writer.await.unwrap().unwrap(),
                1,
                "a committed row was not there"
            );
        }
        assert_eq!(count(&store).await, 64);
    }

    /// In WAL mode the database file grows only when a checkpoint copies pages into it.
    /// 1 MiB written is far below the automatic checkpoint's 10,000 pages, so only the
    /// checkpoint thread (`wal_checkpoint`) can make the file grow; it must, within a
    /// few of its rounds.
    #[tokio::test]
    async fn the_wal_is_copied_while_writers_wait_for_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = Store::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        let mut tx = store.begin_write().await.unwrap();
        sqlx::query("CREATE TABLE blobs (b BLOB)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        for _ in 0..256 {
            let mut tx = store.begin_write().await.unwrap();
            sqlx::query("INSERT INTO blobs (b) VALUES ($1)")
                .bind(vec![7u8; 4096])
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        for _ in 0..100 {
            if std::fs::metadata(&path).unwrap().len() >= before + 1024 * 1024 {
                return;
            }
            tokio::time::sleep(crate::wal_checkpoint::EVERY).await;
        }
        panic!("the database file never grew: no checkpoint ran");
    }
}
