//! How this process's SQLite connections are set up: the pool's (`db.rs`) and the
//! writers' (`write_tx`).

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection, Executor};

/// A connection of its own, set up as the pool's are.
pub(crate) async fn open(options: &AnyConnectOptions) -> Result<AnyConnection, sqlx::Error> {
    let mut conn = AnyConnection::connect_with(options).await?;
    settings(&mut conn).await?;
    Ok(conn)
}

/// Every SQLite connection's settings, the pool's and the writers'.
pub(crate) async fn settings(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    // WAL: readers never wait for the writer. NORMAL sync survives a killed process
    // (not a power cut: use FULL there). This process's writers queue (`write_tx`);
    // another process's writer is waited for up to the driver's 5 s, asynchronously
    // (patches/sqlx-sqlite): no `PRAGMA busy_timeout`, which would put a sleeping wait
    // inside SQLite, on a runtime thread.
    conn.execute("PRAGMA journal_mode = WAL").await?;
    conn.execute("PRAGMA synchronous = NORMAL").await?;
    // The WAL is copied into the database file when it reaches 10,000 pages (40 MB),
    // not SQLite's 1,000: a page written again and again is copied once per
    // checkpoint, and ten times fewer checkpoints served 8 % more renewals
    // (bench/README.md, session 13).
    conn.execute("PRAGMA wal_autocheckpoint = 10000").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    Ok(())
}
