// certrenew's change to sqlx-sqlite 0.8.6 (root Cargo.toml, [patch.crates-io]; see
// patches/sqlx-sqlite/README.md): upstream gives each connection a thread and hands
// every command to it over a channel, waking the caller when the answer is back. That
// hand-off, not SQLite, was the largest part of certrenew's per-statement cost
// (bench/README.md, issue 16). Here each command runs inline on the caller's task,
// under the connection's mutex: SQLite's own work for an indexed statement is a few
// microseconds. A lock held by another connection is waited for asynchronously (the
// connection's busy timeout, with SQLite's own handler off), so no runtime thread ever
// sleeps inside SQLite. The API of `ConnectionWorker` is unchanged.

use std::borrow::Cow;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_intrusive::sync::{Mutex, MutexGuard};

use libsqlite3_sys::sqlite3_busy_timeout;
use sqlx_core::describe::Describe;
use sqlx_core::error::Error;
use sqlx_core::transaction::{
    begin_ansi_transaction_sql, commit_ansi_transaction_sql, rollback_ansi_transaction_sql,
};
use sqlx_core::Either;

use crate::connection::describe::describe;
use crate::connection::establish::EstablishParams;
use crate::connection::execute;
use crate::connection::ConnectionState;
use crate::{Sqlite, SqliteArguments, SqliteError, SqliteQueryResult, SqliteRow, SqliteStatement};

use super::serialize::{deserialize, serialize, SchemaName, SqliteOwnedBuf};

type ExecuteResult = Result<Either<SqliteQueryResult, SqliteRow>, Error>;

pub(crate) struct ConnectionWorker {
    /// How long a statement waits for another connection's lock before SQLITE_BUSY.
    busy_timeout: Duration,
    /// Mutex for locking access to the database.
    pub(crate) shared: Arc<WorkerSharedState>,
}

pub(crate) struct WorkerSharedState {
    transaction_depth: AtomicUsize,
    cached_statements_size: AtomicUsize,
    pub(crate) conn: Mutex<ConnectionState>,
}

impl WorkerSharedState {
    pub(crate) fn get_transaction_depth(&self) -> usize {
        self.transaction_depth.load(Ordering::Acquire)
    }

    pub(crate) fn get_cached_statements_size(&self) -> usize {
        self.cached_statements_size.load(Ordering::Acquire)
    }
}

/// A lock wait worth retrying: SQLITE_BUSY or SQLITE_BUSY_RECOVERY. Not
/// SQLITE_BUSY_SNAPSHOT, which no wait can cure (the transaction must restart).
fn is_busy(error: &Error) -> bool {
    match error {
        Error::Database(e) => e
            .try_downcast_ref::<SqliteError>()
            .and_then(|e| sqlx_core::error::DatabaseError::code(e))
            .is_some_and(|code| code == "5" || code == "261"),
        _ => false,
    }
}

/// SQLite's own busy handler's pauses, waited asynchronously.
fn pause(attempt: usize) -> Duration {
    const PAUSES_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    Duration::from_millis(PAUSES_MS[attempt.min(PAUSES_MS.len() - 1)])
}

impl ConnectionWorker {
    pub(crate) async fn establish(params: EstablishParams) -> Result<Self, Error> {
        let conn = params.establish()?;
        // Lock waits happen in `with_retry`, off SQLite's sleeping handler.
        // SAFETY: the handle is open and owned by `conn`.
        unsafe { sqlite3_busy_timeout(conn.handle.as_ptr(), 0) };
        Ok(Self {
            busy_timeout: params.busy_timeout,
            shared: Arc::new(WorkerSharedState {
                transaction_depth: AtomicUsize::new(0),
                cached_statements_size: AtomicUsize::new(0),
                // Fair, as upstream: `lock_handle` callers queue with commands.
                conn: Mutex::new(conn, true),
            }),
        })
    }

    /// Runs `op` on the connection; while it fails with a lock held elsewhere and the
    /// busy timeout has not passed, waits and runs it again. `op` must fail before it
    /// changes anything when it fails busy (a single statement or BEGIN/COMMIT does).
    async fn with_retry<T>(
        &self,
        mut op: impl FnMut(&mut ConnectionState) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut conn = self.shared.conn.lock().await;
        let deadline = Instant::now() + self.busy_timeout;
        let mut attempt = 0;
        loop {
            match op(&mut conn) {
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    sqlx_core::rt::sleep(pause(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn update_cached_statements_size(&self, conn: &ConnectionState) {
        self.shared
            .cached_statements_size
            .store(conn.statements.len(), Ordering::Release);
    }

    pub(crate) async fn prepare(&mut self, query: &str) -> Result<SqliteStatement<'static>, Error> {
        let mut conn = self.shared.conn.lock().await;
        let prepared = prepare(&mut conn, query)?;
        self.update_cached_statements_size(&conn);
        Ok(prepared)
    }

    pub(crate) async fn describe(&mut self, query: &str) -> Result<Describe<Sqlite>, Error> {
        let mut conn = self.shared.conn.lock().await;
        describe(&mut conn, query)
    }

    /// Runs the statement(s) to the end (or to `limit` rows) and returns every result,
    /// already in the channel. `_chan_size` is unused: nothing waits on a reader.
    pub(crate) async fn execute(
        &mut self,
        query: &str,
        args: Option<SqliteArguments<'_>>,
        _chan_size: usize,
        persistent: bool,
        limit: Option<usize>,
    ) -> Result<flume::Receiver<ExecuteResult>, Error> {
        let args = args.map(SqliteArguments::into_static);
        let results = self
            .with_retry(|conn| {
                let results = run(conn, query, args.clone(), persistent, limit);
                self.update_cached_statements_size(conn);
                results
            })
            .await;
        let (tx, rx) = flume::unbounded();
        match results {
            Ok(results) => {
                for result in results {
                    tx.send(result).ok();
                }
            }
            Err(e) => {
                tx.send(Err(e)).ok();
            }
        }
        Ok(rx)
    }

    pub(crate) async fn begin(
        &mut self,
        statement: Option<Cow<'static, str>>,
    ) -> Result<(), Error> {
        let depth = self.shared.transaction_depth.load(Ordering::Acquire);
        let statement = match statement {
            // custom `BEGIN` statements are not allowed if we're already in a
            // transaction (we need to issue a `SAVEPOINT` instead)
            Some(_) if depth > 0 => return Err(Error::InvalidSavePointStatement),
            Some(statement) => statement,
            None => begin_ansi_transaction_sql(depth),
        };
        self.with_retry(|conn| conn.handle.exec(statement.as_ref()))
            .await?;
        self.shared.transaction_depth.fetch_add(1, Ordering::Release);
        Ok(())
    }

    pub(crate) async fn commit(&mut self) -> Result<(), Error> {
        let depth = self.shared.transaction_depth.load(Ordering::Acquire);
        if depth > 0 {
            self.with_retry(|conn| conn.handle.exec(commit_ansi_transaction_sql(depth)))
                .await?;
            self.shared.transaction_depth.fetch_sub(1, Ordering::Release);
        }
        Ok(())
    }

    pub(crate) async fn rollback(&mut self) -> Result<(), Error> {
        let depth = self.shared.transaction_depth.load(Ordering::Acquire);
        if depth > 0 {
            let mut conn = self.shared.conn.lock().await;
            conn.handle.exec(rollback_ansi_transaction_sql(depth))?;
            self.shared.transaction_depth.fetch_sub(1, Ordering::Release);
        }
        Ok(())
    }

    /// From `Transaction`'s drop: rolls back now. The mutex is free whenever no future of
    /// this connection is alive, which `&mut self` guarantees.
    pub(crate) fn start_rollback(&mut self) -> Result<(), Error> {
        let depth = self.shared.transaction_depth.load(Ordering::Acquire);
        if depth == 0 {
            return Ok(());
        }
        let Some(mut conn) = self.shared.conn.try_lock() else {
            return Err(Error::WorkerCrashed);
        };
        conn.handle.exec(rollback_ansi_transaction_sql(depth))?;
        self.shared.transaction_depth.fetch_sub(1, Ordering::Release);
        Ok(())
    }

    pub(crate) async fn ping(&mut self) -> Result<(), Error> {
        Ok(())
    }

    pub(crate) async fn deserialize(
        &mut self,
        schema: Option<SchemaName>,
        data: SqliteOwnedBuf,
        read_only: bool,
    ) -> Result<(), Error> {
        let mut conn = self.shared.conn.lock().await;
        deserialize(&mut conn, schema, data, read_only)
    }

    pub(crate) async fn serialize(
        &mut self,
        schema: Option<SchemaName>,
    ) -> Result<SqliteOwnedBuf, Error> {
        let mut conn = self.shared.conn.lock().await;
        serialize(&mut conn, schema)
    }

    pub(crate) async fn clear_cache(&mut self) -> Result<(), Error> {
        let mut conn = self.shared.conn.lock().await;
        conn.statements.clear();
        self.update_cached_statements_size(&conn);
        Ok(())
    }

    pub(crate) async fn unlock_db(&mut self) -> Result<MutexGuard<'_, ConnectionState>, Error> {
        Ok(self.shared.conn.lock().await)
    }

    /// Nothing to stop: the connection closes when the last reference drops.
    pub(crate) fn shutdown(&mut self) -> impl Future<Output = Result<(), Error>> {
        std::future::ready(Ok(()))
    }
}

/// One execution, as upstream's worker thread ran it, collected. Busy before any
/// statement finished is the error itself: nothing changed, so it may run again.
fn run(
    conn: &mut ConnectionState,
    query: &str,
    args: Option<SqliteArguments<'static>>,
    persistent: bool,
    limit: Option<usize>,
) -> Result<Vec<ExecuteResult>, Error> {
    let iter = execute::iter(conn, query, args, persistent)?;
    let mut results = Vec::new();
    let mut rows = 0;
    for res in iter {
        match res {
            Err(e) if results.is_empty() && is_busy(&e) => return Err(e),
            Err(e) => {
                results.push(Err(e));
                break;
            }
            Ok(result) => {
                let is_row = result.is_right();
                results.push(Ok(result));
                if is_row {
                    rows += 1;
                    if limit.is_some_and(|limit| rows >= limit) {
                        break;
                    }
                }
            }
        }
    }
    Ok(results)
}

fn prepare(conn: &mut ConnectionState, query: &str) -> Result<SqliteStatement<'static>, Error> {
    // prepare statement object (or checkout from cache)
    let statement = conn.statements.get(query, true)?;

    let mut parameters = 0;
    let mut columns = None;
    let mut column_names = None;

    while let Some(statement) = statement.prepare_next(&mut conn.handle)? {
        parameters += statement.handle.bind_parameter_count();

        // the first non-empty statement is chosen as the statement we pull columns from
        if !statement.columns.is_empty() && columns.is_none() {
            columns = Some(Arc::clone(statement.columns));
            column_names = Some(Arc::clone(statement.column_names));
        }
    }

    Ok(SqliteStatement {
        sql: Cow::Owned(query.to_string()),
        columns: columns.unwrap_or_default(),
        column_names: column_names.unwrap_or_default(),
        parameters,
    })
}
