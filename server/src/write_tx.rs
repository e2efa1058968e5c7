//! A writing transaction, and on SQLite this process's turn at the database's one
//! write lock.
//!
//! SQLite lets one connection write at a time. The writers of one process queue here,
//! first come first served, before they take a connection from the pool; each starts
//! its `BEGIN IMMEDIATE` when the one before has committed or rolled back. So waiting
//! writers hold no connection, and the pool's few connections stay free for reads
//! (`db.rs`). A writer of another process (a `certrenew-server` command, a second
//! server on the same file) is still waited for by the driver (patches/sqlx-sqlite).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A writing transaction: use it as a connection (`&mut *tx`), then [`Tx::commit`].
/// Dropped without a commit, it rolls back.
#[derive(Debug)]
pub struct Tx {
    // Declared first so it is dropped (rolled back) before the turn is handed on.
    inner: Transaction<'static, Any>,
    _turn: Option<OwnedSemaphorePermit>,
}

impl Tx {
    pub(crate) fn new(
        inner: Transaction<'static, Any>,
        turn: Option<OwnedSemaphorePermit>,
    ) -> Self {
        Self { inner, _turn: turn }
    }

    /// Commits, then hands the write turn on.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }

    /// Rolls back, then hands the write turn on.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

/// The queue of one process's SQLite writers: one turn at a time, in order.
#[derive(Debug, Clone)]
pub(crate) struct WriteTurns(Arc<Semaphore>);

impl WriteTurns {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Semaphore::new(1)))
    }

    /// Waits for this writer's turn.
    pub(crate) async fn take(&self) -> OwnedSemaphorePermit {
        match Arc::clone(&self.0).acquire_owned().await {
            Ok(turn) => turn,
            // Only a closed semaphore refuses, and nothing closes this one.
            Err(_) => unreachable!("the write queue is never closed"),
        }
    }
}
