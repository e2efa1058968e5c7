//! A writing transaction, and on SQLite this process's turn at the database's one
//! write lock, with group commit.
//!
//! SQLite lets one connection write at a time, so this process's writers queue here,
//! first come first served, and take their turns on one connection of their own; the
//! pool's connections stay free for reads (`db.rs`). Several writers share one
//! transaction: a writer that ends its turn while others are queued hands the open
//! transaction on, each later writer works in a savepoint of it, and the last of the
//! group (or the 32nd, or one 10 ms after the group began) commits it for all. So the
//! lock is taken, and the WAL written, once per group, not once per writer; a page that
//! every writer changes (an index's, the outbox's) is written once. A writer alone
//! costs BEGIN and COMMIT, as a transaction of its own would.
//!
//! A writer's `commit` returns when the group's COMMIT has succeeded, never before:
//! what it wrote is durable and visible to reads by then, as with a transaction of its
//! own. If the COMMIT fails, every writer of the group gets the error. A writer that
//! rolls back undoes its savepoint only. A writer of another process (a
//! `certrenew-server` command, a second server on the same file) is waited for by the
//! driver (patches/sqlx-sqlite), and finds the lock free between groups.
//!
//! The writers' connection is opened at the first write, so a command that only reads
//! never opens it.
//!
//! On PostgreSQL a writer has a transaction of its own: writers of different rows run
//! side by side, and there is no queue.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::any::AnyConnectOptions;
use sqlx::{Any, AnyConnection, Executor, Transaction};
use tokio::sync::{Mutex, OnceCell, OwnedMutexGuard, watch};

/// At most this many writers commit together.
const GROUP_MEMBERS: usize = 32;
/// A group that began this long ago commits at its next writer's end, so that its first
/// writer waits little longer than that, and another process finds the lock free.
const GROUP_AGE: Duration = Duration::from_millis(10);

/// A writing transaction: use it as a connection (`&mut *tx`), then [`Tx::commit`].
/// Dropped without a commit, it rolls back.
#[derive(Debug)]
pub struct Tx(Kind);

#[derive(Debug)]
enum Kind {
    /// PostgreSQL: a transaction of its own.
    Own(Transaction<'static, Any>),
    /// SQLite: a turn in this process's group.
    Grouped(Turn),
}

impl Tx {
    pub(crate) fn own(inner: Transaction<'static, Any>) -> Self {
        Self(Kind::Own(inner))
    }

    /// Commits, then hands the write turn on. On SQLite it returns once the group's
    /// COMMIT is done.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Kind::Own(inner) => inner.commit().await,
            Kind::Grouped(turn) => turn.commit().await,
        }
    }

    /// Rolls back, then hands the write turn on.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Kind::Own(inner) => inner.rollback().await,
            Kind::Grouped(turn) => turn.rollback().await,
        }
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            Kind::Own(inner) => inner,
            Kind::Grouped(turn) => &turn.writer.conn,
        }
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            Kind::Own(inner) => inner,
            Kind::Grouped(turn) => &mut turn.writer.conn,
        }
    }
}

/// How a group's COMMIT ended, for the writers waiting on it.
type Outcome = Option<Result<(), Arc<str>>>;

/// The writers' connection and the group open on it.
#[derive(Debug)]
pub(crate) struct Writer {
    conn: AnyConnection,
    group: Option<Group>,
    /// What the writer whose turn it is can undo: set at its begin, cleared at its
    /// end. Still set when a turn begins, a dropped `Tx` left it, and it is undone
    /// first.
    open: Open,
}

/// How the current writer's work can be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// No writer's work is open.
    Nothing,
    /// The writer began the group: its work is all of the transaction so far, and
    /// ROLLBACK undoes it. No savepoint needed, so a writer alone costs BEGIN and
    /// COMMIT only.
    Group,
    /// The writer joined the group: its work is a savepoint's.
    Savepoint,
}

#[derive(Debug)]
struct Group {
    began: Instant,
    members: usize,
    done: watch::Sender<Outcome>,
}

/// The queue of one process's SQLite writers: one turn at a time, in order.
#[derive(Debug, Clone)]
pub(crate) struct WriteQueue {
    /// The writers' connection, opened at the first write.
    writer: Arc<OnceCell<Arc<Mutex<Writer>>>>,
    options: AnyConnectOptions,
    /// Writers waiting for their turn: the group commits when there are none.
    waiting: Arc<AtomicUsize>,
}

/// One writer's turn: the writers' connection, its work open.
#[derive(Debug)]
struct Turn {
    writer: OwnedMutexGuard<Writer>,
    queue: WriteQueue,
}

impl WriteQueue {
    /// The queue of the database that `options` open.
    pub(crate) fn new(options: AnyConnectOptions) -> Self {
        Self {
            writer: Arc::default(),
            options,
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Waits for this writer's turn, then opens the group (`BEGIN IMMEDIATE`), or a
    /// savepoint in the group already open.
    pub(crate) async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let mut writer = self.turn().await?;
        match writer.open().await {
            Ok(()) => Ok(Tx(Kind::Grouped(Turn {
                writer,
                queue: self.clone(),
            }))),
            Err(e) => {
                writer.end_turn(&self.waiting).await;
                Err(e)
            }
        }
    }

    async fn turn(&self) -> Result<OwnedMutexGuard<Writer>, sqlx::Error> {
        let waiting = Waiting::count(&self.waiting);
        let writer = self
            .writer
            .get_or_try_init(|| async {
                let conn = crate::sqlite_conn::open(&self.options).await?;
                let writer = Arc::new(Mutex::new(Writer {
                    conn,
                    group: None,
                    open: Open::Nothing,
                }));
                // Most of the WAL is copied by a thread of its own (`wal_checkpoint`).
                crate::wal_checkpoint::start(self.options.clone(), Arc::downgrade(&writer));
                Ok::<_, sqlx::Error>(writer)
            })
            .await?;
        let writer = Arc::clone(writer).lock_owned().await;
        drop(waiting);
        Ok(writer)
    }

    /// Writers queued or writing (tests order their writers by it).
    #[cfg(test)]
    pub(crate) fn in_line(&self) -> usize {
        let writing = self.writer.get().is_some_and(|w| w.try_lock().is_err());
        self.waiting.load(Ordering::SeqCst) + usize::from(writing)
    }

    /// A `Tx` dropped without commit or rollback: its work is undone in a turn of its
    /// own, which also ends the group if nobody else is queued.
    fn tidy_later(&self) {
        // A `Tx` existed, so the connection is open.
        let Some(writer) = self.writer.get().cloned() else {
            return;
        };
        let queue = self.clone();
        let waiting = Waiting::count(&self.waiting);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let mut writer = writer.lock_owned().await;
                drop(waiting);
                // A writer queued earlier may have rolled it back already.
                if writer.open != Open::Nothing
                    && let Err(e) = writer.close(false).await
                {
                    tracing::warn!(error = %e, "rolling back a dropped write transaction");
                }
                writer.end_turn(&queue.waiting).await;
            });
        }
        // Without a runtime (only at shutdown) the next writer's begin rolls it back.
    }
}

/// Counts a writer as queued while it waits, also when its wait is cancelled.
struct Waiting(Arc<AtomicUsize>);

impl Waiting {
    fn count(waiting: &Arc<AtomicUsize>) -> Self {
        waiting.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(waiting))
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Writer {
    /// Opens the writer's work: the group, or a savepoint in the open one.
    async fn open(&mut self) -> Result<(), sqlx::Error> {
        if self.open != Open::Nothing {
            self.close(false).await?;
        }
        if self.group.is_none() {
            self.conn.execute("BEGIN IMMEDIATE").await?;
            self.group = Some(Group {
                began: Instant::now(),
                members: 1,
                done: watch::channel(None).0,
            });
            self.open = Open::Group;
            return Ok(());
        }
        if let Err(e) = self.conn.execute("SAVEPOINT certrenew_writer").await {
            self.abandon_group(&e).await;
            return Err(e);
        }
        self.open = Open::Savepoint;
        if let Some(group) = &mut self.group {
            group.members += 1;
        }
        Ok(())
    }

    /// Ends the writer's work: keeps it in the group (`keep`), or undoes it. When a
    /// savepoint cannot be ended the group's transaction is gone (SQLite rolls a whole
    /// transaction back after some errors), and so is every earlier writer's work: the
    /// group ends with the error.
    async fn close(&mut self, keep: bool) -> Result<(), sqlx::Error> {
        let ended = match (std::mem::replace(&mut self.open, Open::Nothing), keep) {
            (Open::Nothing, _) | (Open::Group, true) => return Ok(()),
            // The group's first writer, still alone in it.
            (Open::Group, false) => {
                let rolled_back = self.conn.execute("ROLLBACK").await.map(|_| ());
                if let Some(group) = self.group.take() {
                    group
                        .done
                        .send_replace(Some(Err("the write was rolled back".into())));
                }
                return rolled_back;
            }
            (Open::Savepoint, true) => self.conn.execute("RELEASE certrenew_writer").await,
            (Open::Savepoint, false) => {
                self.conn
                    .execute("ROLLBACK TO certrenew_writer; RELEASE certrenew_writer")
                    .await
            }
        };
        match ended {
            Ok(_) => Ok(()),
            Err(e) if keep => {
                // Undo what the failed release kept, if the savepoint is still there.
                if let Err(e) = self
                    .conn
                    .execute("ROLLBACK TO certrenew_writer; RELEASE certrenew_writer")
                    .await
                {
                    self.abandon_group(&e).await;
                }
                Err(e)
            }
            Err(e) => {
                self.abandon_group(&e).await;
                Err(e)
            }
        }
    }

    /// The group's transaction cannot go on: roll back what is left, and tell its
    /// writers.
    async fn abandon_group(&mut self, why: &sqlx::Error) {
        if let Some(group) = self.group.take() {
            // It may be rolled back already; then this fails, harmlessly.
            let _ = self.conn.execute("ROLLBACK").await;
            group.done.send_replace(Some(Err(undone(why))));
        }
    }

    /// At the end of a turn: commits the group when nobody is queued, or it is full or
    /// old enough; otherwise leaves it open for the next writer. Returns the COMMIT's
    /// result when it committed.
    async fn end_turn(&mut self, waiting: &AtomicUsize) -> Option<Result<(), sqlx::Error>> {
        let group = self.group.as_ref()?;
        let full = group.members >= GROUP_MEMBERS || group.began.elapsed() >= GROUP_AGE;
        if waiting.load(Ordering::SeqCst) > 0 && !full {
            return None;
        }
        let group = self.group.take()?;
        let committed = self.conn.execute("COMMIT").await.map(|_| ());
        if committed.is_err() {
            // A failed COMMIT may leave the transaction open: end it.
            let _ = self.conn.execute("ROLLBACK").await;
        }
        let outcome = committed.as_ref().map_err(undone).copied();
        group.done.send_replace(Some(outcome));
        Some(committed)
    }
}

impl Turn {
    async fn commit(mut self) -> Result<(), sqlx::Error> {
        let writer = &mut *self.writer;
        let kept = writer.close(true).await;
        let done = writer.group.as_ref().map(|group| group.done.subscribe());
        let ended = writer.end_turn(&self.queue.waiting).await;
        kept?;
        if let Some(committed) = ended {
            return committed;
        }
        // The next writer goes on in this group; this one waits for its COMMIT.
        drop(self);
        let Some(mut done) = done else {
            return Err(group_lost());
        };
        match done.wait_for(Option::is_some).await {
            Ok(outcome) => match outcome.as_ref() {
                Some(Ok(())) => Ok(()),
                Some(Err(why)) => Err(sqlx::Error::Io(std::io::Error::other(why.to_string()))),
                None => Err(group_lost()),
            },
            Err(_) => Err(group_lost()),
        }
    }

    async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let writer = &mut *self.writer;
        let undone = writer.close(false).await;
        // The group's COMMIT, if it happens now, is for the other writers: theirs to see.
        let _ = writer.end_turn(&self.queue.waiting).await;
        undone
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.writer.open != Open::Nothing {
            self.queue.tidy_later();
        }
    }
}

/// What a writer whose group did not commit is told.
fn undone(why: impl std::fmt::Display) -> Arc<str> {
    format!("the write was undone: {why}").into()
}

fn group_lost() -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(
        undone("its group's transaction ended without a commit").to_string(),
    ))
}
