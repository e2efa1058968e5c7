//! A renewal's kind of SQLite work, two ways (issue 16 item 3, bench/README.md "What 3 ms
//! would take"):
//! - `sqlx`: `sqlx::Any` over SQLite as certrenew-server runs it (`server/src/db.rs`: WAL,
//!   `synchronous = NORMAL`, 8 connections, `BEGIN IMMEDIATE`), one await, so one hand-off
//!   to the connection's worker thread and back, per statement;
//! - `rusqlite`: one thread owns the connection (same pragmas) and runs a whole
//!   transaction per hand-off, with cached prepared statements.
//!
//! The write transaction is the shape of most of a renewal's: read the renewal row, move
//! its status (compare-and-set), append an audit row, queue a message. The read is one
//! row by primary key (a status poll). Each kind runs with 16 tasks at once on a
//! two-thread Tokio runtime, as the server's requests do. Rounds alternate the two ways
//! on fresh database files; the process's CPU (getrusage) and the wall time are taken
//! around each run.
//!
//! `cargo run --release -- [rounds] [transactions]` (default 3 and 4000).

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rusqlite::{Connection, TransactionBehavior, params};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};
use tokio::sync::{mpsc, oneshot};

/// Renewal rows the transactions cycle over.
const ROWS: usize = 1000;
/// Statements in one write transaction, BEGIN and COMMIT not counted.
const STATEMENTS: f64 = 4.0;
/// Tasks at once.
const TASKS: usize = 16;

const SCHEMA: &str = "
CREATE TABLE renewals (business_no TEXT PRIMARY KEY, status TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, subject TEXT NOT NULL, action TEXT NOT NULL, at INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL, params TEXT NOT NULL, created_at INTEGER NOT NULL);
";

const SELECT: &str = "SELECT status, updated_at FROM renewals WHERE business_no = $1";
const UPDATE: &str =
    "UPDATE renewals SET status = $1, updated_at = $2 WHERE business_no = $3 AND status = $4";
const AUDIT: &str = "INSERT INTO audit (subject, action, at, hash) VALUES ($1, $2, $3, $4)";
const OUTBOX: &str = "INSERT INTO outbox (recipient, params, created_at) VALUES ($1, $2, $3)";

type Error = Box<dyn std::error::Error + Send + Sync>;

fn business_no(i: usize) -> String {
    format!("R{:06}", i % ROWS)
}

fn next_status(status: &str) -> &'static str {
    if status == "a" { "b" } else { "a" }
}

/// The process's user + system CPU so far, µs.
fn cpu_us() -> f64 {
    // SAFETY: getrusage writes the struct it is given and nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_SELF is always valid.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    us(usage.ru_utime) + us(usage.ru_stime)
}

fn create(path: &Path) -> Result<(), Error> {
    let conn = Connection::open(path)?;
    conn.execute_batch("PRAGMA journal_mode = WAL;")?;
    conn.execute_batch(SCHEMA)?;
    let tx = conn.unchecked_transaction()?;
    for i in 0..ROWS {
        tx.execute(
            "INSERT INTO renewals VALUES (?1, 'a', 0)",
            params![business_no(i)],
        )?;
    }
    tx.commit()?;
    Ok(())
}

// ---- sqlx::Any, as the server ----

async fn sqlx_pool(path: &Path) -> Result<AnyPool, Error> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", path.display());
    Ok(AnyPoolOptions::new()
        .max_connections(8)
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                use sqlx::Executor as _;
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                Ok(())
            })
        })
        .connect(&url)
        .await?)
}

async fn sqlx_write(pool: AnyPool, i: usize) -> Result<(), Error> {
    let no = business_no(i);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let row = sqlx::query(SELECT).bind(&no).fetch_one(&mut *tx).await?;
    let status: String = row.try_get("status")?;
    let moved = sqlx::query(UPDATE)
        .bind(next_status(&status))
        .bind(i as i64)
        .bind(&no)
        .bind(&status)
        .execute(&mut *tx)
        .await?;
    if moved.rows_affected() != 1 {
        return Err("the row changed meanwhile".into());
    }
    sqlx::query(AUDIT)
        .bind(&no)
        .bind("moved")
        .bind(i as i64)
        .bind("0123456789abcdef0123456789abcdef")
        .execute(&mut *tx)
        .await?;
    sqlx::query(OUTBOX)
        .bind("user@example.com")
        .bind("{\"business_no\":1}")
        .bind(i as i64)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn sqlx_read(pool: AnyPool, i: usize) -> Result<(), Error> {
    let row = sqlx::query(SELECT)
        .bind(business_no(i))
        .fetch_one(&pool)
        .await?;
    let _: String = row.try_get("status")?;
    Ok(())
}

// ---- rusqlite, one thread per connection, one hand-off per transaction ----

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A connection owned by its own thread; `run` hands it a whole unit of work.
#[derive(Clone)]
struct Worker(mpsc::UnboundedSender<Job>);

impl Worker {
    fn open(path: &Path) -> Result<Self, Error> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;",
        )?;
        let (send, mut receive) = mpsc::unbounded_channel::<Job>();
        std::thread::spawn(move || {
            while let Some(job) = receive.blocking_recv() {
                job(&mut conn);
            }
        });
        Ok(Self(send))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (done, answer) = oneshot::channel();
        self.0
            .send(Box::new(move |conn| {
                let _ = done.send(work(conn));
            }))
            .map_err(|_| "the connection's thread is gone")?;
        answer.await?
    }
}

fn rusqlite_write(conn: &mut Connection, i: usize) -> Result<(), Error> {
    let no = business_no(i);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let status: String = tx
        .prepare_cached(SELECT)?
        .query_row(params![no], |r| r.get("status"))?;
    let moved =
        tx.prepare_cached(UPDATE)?
            .execute(params![next_status(&status), i as i64, no, status])?;
    if moved != 1 {
        return Err("the row changed meanwhile".into());
    }
    tx.prepare_cached(AUDIT)?.execute(params![
        no,
        "moved",
        i as i64,
        "0123456789abcdef0123456789abcdef"
    ])?;
    tx.prepare_cached(OUTBOX)?.execute(params![
        "user@example.com",
        "{\"business_no\":1}",
        i as i64
    ])?;
    tx.commit()?;
    Ok(())
}

fn rusqlite_read(conn: &mut Connection, i: usize) -> Result<(), Error> {
    let _: String = conn
        .prepare_cached(SELECT)?
        .query_row(params![business_no(i)], |r| r.get("status"))?;
    Ok(())
}

// ---- the runs ----

/// Runs `op(0..n)` with [`TASKS`] tasks at once; returns (ops/s, CPU µs per op).
async fn measure<F, Fut>(n: usize, op: F) -> Result<(f64, f64), Error>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Error>> + Send + 'static,
{
    let op = Arc::new(op);
    let (cpu0, wall0) = (cpu_us(), Instant::now());
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let op = Arc::clone(&op);
        tasks.push(tokio::spawn(async move {
            let mut i = t;
            while i < n {
                op(i).await?;
                i += TASKS;
            }
            Ok::<(), Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let (wall, cpu) = (wall0.elapsed().as_secs_f64(), cpu_us() - cpu0);
    Ok((n as f64 / wall, cpu / n as f64))
}

#[derive(Default)]
struct Figures {
    write_per_s: Vec<f64>,
    write_cpu_us: Vec<f64>,
    read_per_s: Vec<f64>,
    read_cpu_us: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(4000);
    let dir = std::env::temp_dir().join(format!("certrenew-sqlite-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (mut sqlx_f, mut rusqlite_f) = (Figures::default(), Figures::default());
    println!(
        "{n} write transactions ({STATEMENTS} statements each) and {n} reads per run, {TASKS} tasks at once"
    );
    for round in 0..rounds {
        for way in ["sqlx", "rusqlite"] {
            let path = dir.join(format!("{way}-{round}.db"));
            create(&path)?;
            let ((wps, wcpu), (rps, rcpu)) = if way == "sqlx" {
                let pool = sqlx_pool(&path).await?;
                let p = pool.clone();
                let w = measure(n, move |i| sqlx_write(p.clone(), i)).await?;
                let p = pool.clone();
                let r = measure(n, move |i| sqlx_read(p.clone(), i)).await?;
                pool.close().await;
                (w, r)
            } else {
                let worker = Worker::open(&path)?;
                let wk = worker.clone();
                let w = measure(n, move |i| {
                    let wk = wk.clone();
                    async move { wk.run(move |c| rusqlite_write(c, i)).await }
                })
                .await?;
                let wk = worker.clone();
                let r = measure(n, move |i| {
                    let wk = wk.clone();
                    async move { wk.run(move |c| rusqlite_read(c, i)).await }
                })
                .await?;
                (w, r)
            };
            println!(
                "round {round} {way:>8}: writes {wps:8.0}/s {wcpu:7.1} µs CPU each ({:5.1} per statement); reads {rps:8.0}/s {rcpu:6.1} µs CPU each",
                wcpu / STATEMENTS
            );
            let f = if way == "sqlx" {
                &mut sqlx_f
            } else {
                &mut rusqlite_f
            };
            f.write_per_s.push(wps);
            f.write_cpu_us.push(wcpu);
            f.read_per_s.push(rps);
            f.read_cpu_us.push(rcpu);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("median            sqlx   rusqlite   rusqlite/sqlx");
    for (name, a, b) in [
        ("writes/s", &sqlx_f.write_per_s, &rusqlite_f.write_per_s),
        (
            "write CPU µs",
            &sqlx_f.write_cpu_us,
            &rusqlite_f.write_cpu_us,
        ),
        ("reads/s", &sqlx_f.read_per_s, &rusqlite_f.read_per_s),
        ("read CPU µs", &sqlx_f.read_cpu_us, &rusqlite_f.read_cpu_us),
    ] {
        let (a, b) = (median(a), median(b));
        println!("{name:<14} {a:9.1} {b:10.1} {:15.2}", b / a);
    }
    Ok(())
}
