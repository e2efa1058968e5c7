//! SQLite: most of the WAL is copied into the database file by a thread of this
//! process's own, not by the writer whose COMMIT crosses SQLite's threshold.
//!
//! SQLite's automatic checkpoint runs inside that COMMIT: it copies the WAL's pages
//! and syncs the file, on a runtime thread, with the writers' turn held, so every
//! writer queued behind it waits, and the runtime has one thread fewer. This thread
//! runs a PASSIVE checkpoint every [`EVERY`] on a connection of its own: it copies
//! what no reader still needs and syncs while writers go on. The automatic checkpoint
//! (`sqlite_conn`: at 10,000 pages) still runs in a COMMIT, but finds most pages copied
//! and synced already; it is what lets the WAL start again from its beginning, since
//! only a checkpoint that no write can overtake copies it all
//! (https://www.sqlite.org/wal.html#ckpt, "WAL file size"). Measured: bench/README.md,
//! "Session 16" (alone, this thread's checkpoints let the WAL grow past 1 GB under
//! load: new frames always arrive before one ends). Tested in `db.rs`.

use std::sync::Weak;
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection, Executor};

/// How often the WAL is copied into the database file.
pub(crate) const EVERY: Duration = Duration::from_millis(100);

/// Starts the checkpoint thread for the database `options` open; it ends when `alive`
/// can no longer be upgraded (the writers' queue is gone).
pub(crate) fn start<T: Send + Sync + 'static>(options: AnyConnectOptions, alive: Weak<T>) {
    let spawned = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    tracing::error!(error = %e, "no runtime for WAL checkpoints: they stay inside the writers' commits");
                    return;
                }
            };
            runtime.block_on(run(options, alive));
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "no thread for WAL checkpoints: they stay inside the writers' commits");
    }
}

async fn run<T>(options: AnyConnectOptions, alive: Weak<T>) {
    let mut conn: Option<AnyConnection> = None;
    loop {
        tokio::time::sleep(EVERY).await;
        // Checked after the pause: a database closed meanwhile is never opened again
        // (`mode=rwc` would make an empty file where it was).
        if alive.strong_count() == 0 {
            break;
        }
        if conn.is_none() {
            conn = AnyConnection::connect_with(&options)
                .await
                .inspect_err(|e| tracing::warn!(error = %e, "WAL checkpoint: cannot connect"))
                .ok();
        }
        if let Some(c) = conn.as_mut()
            && let Err(e) = c.execute("PRAGMA wal_checkpoint(PASSIVE)").await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed; tried again shortly");
            conn = None;
        }
    }
    if let Some(c) = conn {
        let _ = c.close().await;
    }
}
