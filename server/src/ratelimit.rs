//! A small in-memory rate limiter (fixed windows per key), for the endpoints that
//! anyone can call and that cost the server or invite guessing: eligibility checks per
//! client address, staff sign-in failures per user name. Per process: with several
//! instances behind a load balancer each counts on its own, which still bounds abuse.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use protocol::ErrorCode;

use crate::error::AppError;

/// Allows `limit` events per `window` per key.
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// A limiter.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event for `key`; refuses with 429 once the window's limit is reached.
    pub fn check(&self, key: &str) -> Result<(), AppError> {
        if self.hit(key, Instant::now()) {
            Ok(())
        } else {
            Err(AppError::refused(
                ErrorCode::RateLimited,
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many requests; try again in {} seconds",
                    self.window.as_secs()
                ),
            ))
        }
    }

    /// Whether `key` is still being refused (without counting).
    pub fn is_blocked(&self, key: &str) -> bool {
        let counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        counts
            .get(key)
            .is_some_and(|(start, n)| start.elapsed() < self.window && *n >= self.limit)
    }

    fn hit(&self, key: &str, now: Instant) -> bool {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Old windows are dropped now and then so the map cannot grow without bound.
        if counts.len() > 100_000 {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = counts.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return false;
        }
        entry.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_window() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.hit("a", t0));
        assert!(limiter.hit("a", t0));
        assert!(!limiter.hit("a", t0), "third in the window is refused");
        assert!(limiter.hit("b", t0), "another key has its own count");
        assert!(
            limiter.hit("a", t0 + Duration::from_secs(61)),
            "a new window starts afresh"
        );
    }
}
