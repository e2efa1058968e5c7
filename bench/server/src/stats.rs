//! Latency percentiles, and CPU time of a process read from /proc.

use serde_json::{Value, json};

/// Summary of latencies in microseconds: count, mean, p50, p90, p99, max (in ms).
pub fn latency(us: &mut [u32]) -> Value {
    if us.is_empty() {
        return json!({ "n": 0 });
    }
    us.sort_unstable();
    let pick = |q: f64| {
        let i = ((us.len() as f64 * q).ceil() as usize).clamp(1, us.len()) - 1;
        f64::from(us[i]) / 1000.0
    };
    let mean = us.iter().map(|&v| f64::from(v)).sum::<f64>() / us.len() as f64 / 1000.0;
    json!({
        "n": us.len(),
        "mean_ms": round3(mean),
        "p50_ms": round3(pick(0.50)),
        "p90_ms": round3(pick(0.90)),
        "p99_ms": round3(pick(0.99)),
        "max_ms": round3(pick(1.0)),
    })
}

/// `x` rounded to 3 decimals.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// CPU time used so far by process `pid`, two ways: `ticks_s` from
/// /proc/PID/stat (utime + stime, all threads including exited ones, 10 ms ticks) and
/// `sched_s` from the sum of /proc/PID/task/*/schedstat (nanoseconds, live threads
/// only). `None` when the process is gone.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    /// From /proc/PID/stat, seconds.
    pub ticks_s: f64,
    /// From the threads' schedstat, seconds.
    pub sched_s: f64,
}

impl Cpu {
    /// Reads it now.
    pub fn of(pid: u32) -> Option<Self> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name (which may hold spaces): state is field 3;
        // utime and stime are fields 14 and 15.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        let hz = clock_ticks();
        let mut sched_ns: u64 = 0;
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
            for t in tasks.flatten() {
                if let Ok(s) = std::fs::read_to_string(t.path().join("schedstat")) {
                    sched_ns += s
                        .split_whitespace()
                        .next()
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0);
                }
            }
        }
        Some(Self {
            ticks_s: (utime + stime) as f64 / hz,
            sched_s: sched_ns as f64 / 1e9,
        })
    }

    /// What was used between `self` (earlier) and `later`.
    pub fn until(self, later: Self) -> Self {
        Self {
            ticks_s: later.ticks_s - self.ticks_s,
            sched_s: (later.sched_s - self.sched_s).max(0.0),
        }
    }
}

fn clock_ticks() -> f64 {
    std::env::var("CLK_TCK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100.0)
}

/// Groups of processes whose CPU is reported beside the server's (`--watch`): a
/// label and the root pids; each root counts with all its descendants, live and
/// exited (PostgreSQL's backends are the postmaster's children).
pub static WATCH: std::sync::OnceLock<Vec<(String, Vec<u32>)>> = std::sync::OnceLock::new();

/// CPU seconds (utime + stime + cutime + cstime, clock ticks) of each watched group now.
fn watched_now() -> Vec<f64> {
    let Some(groups) = WATCH.get().filter(|g| !g.is_empty()) else {
        return Vec::new();
    };
    // pid -> (ppid, own + reaped children's ticks), for every process.
    let mut procs: std::collections::HashMap<u32, (u32, u64)> = Default::default();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let Some(at) = stat.rfind(')') else { continue };
            let f: Vec<&str> = stat[at + 2..].split_whitespace().collect();
            let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
            procs.insert(pid, (n(1) as u32, n(11) + n(12) + n(13) + n(14)));
        }
    }
    let hz = clock_ticks();
    groups
        .iter()
        .map(|(_, roots)| {
            let ticks: u64 = procs
                .iter()
                .filter(|(pid, _)| {
                    // Is a root, or has one among its ancestors.
                    let mut p = **pid;
                    for _ in 0..64 {
                        if roots.contains(&p) {
                            return true;
                        }
                        match procs.get(&p) {
                            Some((pp, _)) if *pp > 1 => p = *pp,
                            _ => return false,
                        }
                    }
                    false
                })
                .map(|(_, (_, t))| *t)
                .sum();
            ticks as f64 / hz
        })
        .collect()
}

/// CPU of the server (if its pid is known), of this load generator and of the
/// watched groups, between two moments.
#[derive(Debug, Clone)]
pub struct CpuMark {
    server: Option<Cpu>,
    me: Option<Cpu>,
    watched: Vec<f64>,
}

impl CpuMark {
    /// Now.
    pub fn now(server_pid: Option<u32>) -> Self {
        Self {
            server: server_pid.and_then(Cpu::of),
            me: Cpu::of(std::process::id()),
            watched: watched_now(),
        }
    }

    /// CPU used since `self` as JSON, with cores busy over `wall_s` and, if `requests`
    /// is given, microseconds per request.
    pub fn report(&self, server_pid: Option<u32>, wall_s: f64, requests: Option<u64>) -> Value {
        let later = Self::now(server_pid);
        let one = |a: Option<Cpu>, b: Option<Cpu>| match (a, b) {
            (Some(a), Some(b)) => {
                let d = a.until(b);
                let mut v = json!({
                    "cpu_s": round3(d.ticks_s),
                    "cpu_sched_s": round3(d.sched_s),
                    "cores": round3(d.ticks_s / wall_s),
                });
                if let Some(n) = requests.filter(|&n| n > 0) {
                    v["cpu_us_per_request"] = json!(round3(d.sched_s * 1e6 / n as f64));
                }
                v
            }
            _ => Value::Null,
        };
        let mut watched = serde_json::Map::new();
        if let Some(groups) = WATCH.get() {
            for (((label, _), a), b) in groups.iter().zip(&self.watched).zip(&later.watched) {
                watched.insert(
                    label.clone(),
                    json!({ "cpu_s": round3(b - a), "cores": round3((b - a) / wall_s) }),
                );
            }
        }
        json!({
            "server": one(self.server, later.server),
            "loadgen": one(self.me, later.me),
            "watched": watched,
        })
    }
}
