//! Staff sign-in limits: exponential back-off per client address and per user name,
//! never a permanent lockout.
//!
//! A name may fail [`NAME_FREE`] times, an address [`ADDRESS_FREE`] times; each failure
//! beyond that starts a back-off that doubles from one second up to a cap
//! ([`NAME_CAP`], [`ADDRESS_CAP`]). While a back-off runs, tries are refused before the
//! password is hashed and are not counted. The name's cap is short, so nobody can keep
//! `admin` out for long; the address that failed is held one name back-off longer than
//! the name, so a single guessing address cannot re-arm the name's back-off the moment
//! it ends: the real staff member, from another address, gets in first. Counts are
//! forgotten after [`QUIET`] without a failure, and a name's on its successful sign-in.
//! In memory and per process, like the other limits.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures a name may have before it backs off.
pub const NAME_FREE: u32 = 5;
/// Failures an address may have before it backs off.
pub const ADDRESS_FREE: u32 = 10;
/// The longest a name's back-off lasts: at most this long for the real staff member.
pub const NAME_CAP: Duration = Duration::from_secs(60);
/// The longest an address's own back-off lasts.
pub const ADDRESS_CAP: Duration = Duration::from_secs(15 * 60);
/// Counts are forgotten after this long without a failure.
pub const QUIET: Duration = Duration::from_secs(3600);
/// Entries kept before the forgotten ones are swept.
const MAX_ENTRIES: usize = 100_000;

/// What is refused, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// `name` or `address`.
    pub by: &'static str,
    /// Whole seconds until another try is taken (at least 1).
    pub retry_after_s: u64,
}

/// A back-off that a failure has just started (for the audit trail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackOffStarted {
    /// `name` or `address`.
    pub by: &'static str,
    /// Failures counted so far.
    pub failures: u32,
    /// How long it lasts, seconds.
    pub seconds: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
    until: Option<Instant>,
}

/// The limiter.
#[derive(Default)]
pub struct LoginLimit {
    entries: Mutex<HashMap<String, Entry>>,
}

fn name_key(name: &str) -> String {
    format!("n:{name}")
}

fn address_key(address: &str) -> String {
    format!("a:{address}")
}

fn delay(failures: u32, free: u32, cap: Duration) -> Option<Duration> {
    let over = failures.checked_sub(free)?.checked_sub(1)?;
    Some(Duration::from_secs(1u64 << over.min(20)).min(cap))
}

impl LoginLimit {
    /// Whether a try for `name` from `address` is refused now.
    pub fn check(&self, name: &str, address: &str) -> Result<(), Blocked> {
        self.check_at(name, address, Instant::now())
    }

    fn check_at(&self, name: &str, address: &str, now: Instant) -> Result<(), Blocked> {
        let entries = self.lock();
        let mut worst: Option<Blocked> = None;
        for (by, key) in [("address", address_key(address)), ("name", name_key(name))] {
            let Some(until) = entries.get(&key).and_then(|e| e.until) else {
                continue;
            };
            if until > now {
                let left = until - now;
                let retry_after_s = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                if worst
                    .as_ref()
                    .is_none_or(|w| w.retry_after_s < retry_after_s)
                {
                    worst = Some(Blocked { by, retry_after_s });
                }
            }
        }
        worst.map_or(Ok(()), Err)
    }

    /// Counts a failure; returns the back-offs it started.
    pub fn failed(&self, name: &str, address: &str) -> Vec<BackOffStarted> {
        self.failed_at(name, address, Instant::now())
    }

    fn failed_at(&self, name: &str, address: &str, now: Instant) -> Vec<BackOffStarted> {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| now.duration_since(e.last) < QUIET);
        }
        // A flood of fresh names: keep only the back-offs that are running, so the map
        // stays bounded (a forgotten count only lets a guesser start over, still slowed
        // by its address's back-off).
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.until.is_some_and(|u| u > now));
        }
        let mut started = Vec::new();
        let mut bump = |key: String, free: u32, cap: Duration| -> Option<(Duration, u32)> {
            let entry = entries.entry(key).or_insert(Entry {
                failures: 0,
                last: now,
                until: None,
            });
            if now.duration_since(entry.last) >= QUIET {
                *entry = Entry {
                    failures: 0,
                    last: now,
                    until: None,
                };
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last = now;
            let wait = delay(entry.failures, free, cap)?;
            entry.until = Some(now + wait);
            Some((wait, entry.failures))
        };
        let name_wait = bump(name_key(name), NAME_FREE, NAME_CAP);
        let address_wait = bump(address_key(address), ADDRESS_FREE, ADDRESS_CAP);
        if let Some((wait, failures)) = name_wait {
            started.push(BackOffStarted {
                by: "name",
                failures,
                seconds: wait.as_secs(),
            });
        }
        // The failing address waits one name back-off more than the name.
        let address_hold = name_wait.map(|(wait, _)| wait * 2);
        let address_until = match (address_wait, address_hold) {
            (Some((a, _)), Some(h)) => Some(a.max(h)),
            (a, h) => a.map(|(a, _)| a).or(h),
        };
        if let (Some(wait), Some(entry)) = (address_until, entries.get_mut(&address_key(address))) {
            entry.until = Some(now + wait);
            if let Some((_, failures)) = address_wait {
                started.push(BackOffStarted {
                    by: "address",
                    failures,
                    seconds: wait.as_secs(),
                });
            }
        }
        started
    }

    /// A successful sign-in: the name's count starts afresh (the address's does not,
    /// so signing in to one's own account does not reset guessing at others).
    pub fn succeeded(&self, name: &str) {
        self.lock().remove(&name_key(name));
    }

    /// Failures counted for `name` (for the audit row of a successful sign-in).
    pub fn name_failures(&self, name: &str) -> u32 {
        self.lock().get(&name_key(name)).map_or(0, |e| e.failures)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_backs_off_briefly_and_the_guessing_address_longer() {
        let limit = LoginLimit::default();
        let t0 = Instant::now();
        for _ in 0..NAME_FREE {
            assert!(limit.check_at("admin", "A", t0).is_ok());
            assert!(limit.failed_at("admin", "A", t0).is_empty());
        }
        let started = limit.failed_at("admin", "A", t0);
        assert_eq!(started[0].by, "name");
        assert_eq!(started[0].seconds, 1);
        let b = limit.check_at("admin", "B", t0).unwrap_err();
        assert_eq!((b.by, b.retry_after_s), ("name", 1));
        // After the name's back-off B may try; A still waits.
        let t1 = t0 + Duration::from_secs(1);
        assert!(limit.check_at("admin", "B", t1).is_ok());
        assert!(limit.check_at("admin", "A", t1).is_err());
        assert!(
            limit
                .check_at("admin", "A", t0 + Duration::from_secs(2))
                .is_ok()
        );
    }

    #[test]
    fn back_offs_double_up_to_their_caps_and_are_forgotten() {
        let limit = LoginLimit::default();
        let mut t = Instant::now();
        let mut longest = 0;
        for _ in 0..40 {
            for s in limit.failed_at("admin", "A", t) {
                if s.by == "name" {
                    longest = longest.max(s.seconds);
                }
            }
            t += ADDRESS_CAP;
        }
        assert_eq!(longest, NAME_CAP.as_secs());
        assert!(limit.check_at("admin", "B", t).is_ok());
        assert!(limit.check_at("other", "A", t).is_ok());
        limit.failed_at("admin", "A", t + QUIET);
        assert_eq!(limit.name_failures("admin"), 1);
        limit.succeeded("admin");
        assert_eq!(limit.name_failures("admin"), 0);
    }

    #[test]
    fn an_address_backs_off_over_many_names() {
        let limit = LoginLimit::default();
        let t0 = Instant::now();
        for i in 0..ADDRESS_FREE {
            limit.failed_at(&format!("user{i}"), "A", t0);
        }
        assert!(limit.check_at("fresh", "A", t0).is_ok());
        let started = limit.failed_at("fresh", "A", t0);
        assert_eq!(started[0].by, "address");
        assert_eq!(limit.check_at("fresh2", "A", t0).unwrap_err().by, "address");
        assert!(limit.check_at("fresh2", "B", t0).is_ok());
    }
}
