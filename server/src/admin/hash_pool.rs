//! A bounded pool for password hashing. Each argon2 check takes about 19 MiB and a
//! core for a while; run unbounded on blocking threads, a flood of sign-ins would
//! exhaust memory. At most `workers` checks run at once; a caller waits at most
//! `max_wait` for a turn and is then told the server is busy.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// No turn came within the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many sign-ins are being checked at once; try again in a few seconds")]
pub struct Busy;

/// The pool.
pub struct HashPool {
    permits: Arc<Semaphore>,
    workers: usize,
    max_wait: Duration,
}

impl HashPool {
    /// A pool of `workers` (at least one) waiting at most `max_wait` for a turn.
    pub fn new(workers: usize, max_wait: Duration) -> Self {
        let workers = workers.max(1);
        Self {
            permits: Arc::new(Semaphore::new(workers)),
            workers,
            max_wait,
        }
    }

    /// One worker per core.
    pub fn default_workers() -> usize {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    }

    /// How many checks may run at once.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Runs `work` on a blocking thread once a worker is free, or refuses with [`Busy`].
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        // The permit moves into the thread: it is freed only when the hash is done,
        // even if the request was dropped meanwhile.
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|_| Busy)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_the_workers_run_and_the_rest_wait_a_bounded_time() {
        let pool = Arc::new(HashPool::new(2, Duration::from_millis(300)));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(200));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        let mut busy = 0;
        for t in tasks {
            if t.await.unwrap().is_err() {
                busy += 1;
            }
        }
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert!(busy >= 1, "some callers were told the server is busy");
        assert_eq!(pool.workers(), 2);
    }
}
