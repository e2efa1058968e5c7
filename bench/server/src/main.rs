//! `server-bench`: drives a running certrenew-server on loopback and writes what it
//! measured as JSON. `bench/server.sh` starts the server and runs this; see
//! bench/README.md ("Server").
//!
//! Phases, in order, each on the same server:
//! 1. **profile**: `--profile` renewals taken through the whole flow one request kind
//!    at a time (all challenges, then all logins, then all applications, …) on one
//!    connection, with no concurrency: the latency of each request kind alone and the
//!    server's CPU time per request of that kind (from /proc/PID/task/*/schedstat).
//!    Those renewals (completed, each with its own signed-in session) are the ones
//!    read in phase 3. `GET /api/v1/ca` (no database) is measured the same way.
//! 2. **floor**: `GET /api/v1/ca` from `--read-conns` connections for `--floor-secs`:
//!    what the HTTP stack and this load generator manage with no database at all.
//! 3. **reads**: `GET /api/v1/renewals/{no}` from `--read-conns` keep-alive
//!    connections for `--read-secs` (after 1 s of warm-up), each request with the
//!    session cookie of the renewal it reads.
//! 4. **full**: `--full` renewals, each with its own user, by `--full-workers`
//!    concurrent workers (one connection each), stopping early after `--full-secs`.
//! 5. **issuance**: `--issue` renewals brought to `approved` (not timed), a challenge
//!    fetched and the binding signature made for each; then only the `/csr` calls,
//!    from `--issue-workers` connections, timed.
//!
//! CPU time of the server (`--server-pid`) and of this process is read from /proc
//! around every phase: the two share the machine's cores. Only 127.0.0.1 is accepted
//! as the server's address.

mod flow;
mod http;
mod pki;
mod stats;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use hyper::Method;
use serde_json::{Value, json};

use flow::{Recorder, Renewal, Shared, Step};
use http::Conn;
use pki::{Ca, User};
use stats::{CpuMark, latency, round3};

// The server's allocator: the load generator's CPU is taken from the same 2 cores.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Opts {
    addr: SocketAddr,
    /// Where the payment gateway (the Alipay emulator) answers: the server itself, or
    /// a gateway process of its own.
    gateway_addr: SocketAddr,
    origin: String,
    data_dir: PathBuf,
    server_pid: Option<u32>,
    reviewer: String,
    password: String,
    out: PathBuf,
    threads: usize,
    profile: usize,
    read_conns: usize,
    read_secs: f64,
    floor_secs: f64,
    full: usize,
    full_workers: usize,
    full_secs: f64,
    issue: usize,
    issue_workers: usize,
    issue_secs: f64,
    marks: Option<PathBuf>,
}

const USAGE: &str = "usage: server-bench --addr 127.0.0.1:PORT --data-dir DIR --reviewer USER --password P --out FILE.json
  [--origin http://127.0.0.1:PORT] [--gateway-addr 127.0.0.1:PORT] [--server-pid PID] [--threads 2]
  [--profile 200] [--read-conns 64] [--read-secs 10] [--floor-secs 3]
  [--full 2000] [--full-workers 64] [--full-secs 20] [--issue 2000] [--issue-workers 32] [--issue-secs 90]
  [--watch 'LABEL=PID[,PID...][;LABEL=...]'] [--marks FILE]
--read-secs 0 skips the status reads, --issue 0 the issuance phase. --watch reports the
CPU of each group of processes (with their children) beside the server's in every phase.
Every request times out after 30 s (an error). --full-secs bounds the full phase,
--issue-secs the preparation of the issuance phase. --marks appends a line \"<unix ns>
<batch>\" to FILE when each batch of the profile phase starts (and \"<unix ns> end\"), and
\"Full\" ... \"end\" around the full phase, so a server log can be split by request kind
(bench/profile/statements.sh).";

fn parse_opts() -> anyhow::Result<Opts> {
    let mut args = std::env::args().skip(1);
    let mut map = std::collections::HashMap::new();
    while let Some(k) = args.next() {
        if k == "-h" || k == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let Some(name) = k.strip_prefix("--") else {
            bail!("unexpected argument {k:?}\n{USAGE}");
        };
        let v = args
            .next()
            .with_context(|| format!("--{name} needs a value"))?;
        map.insert(name.to_owned(), v);
    }
    let mut take = |k: &str| map.remove(k);
    let need =
        |v: Option<String>, k: &str| v.with_context(|| format!("--{k} is required\n{USAGE}"));
    fn num<T: std::str::FromStr>(v: Option<String>, default: T, k: &str) -> anyhow::Result<T> {
        match v {
            Some(s) => s
                .parse()
                .map_err(|_| anyhow::anyhow!("--{k}: not a number: {s}")),
            None => Ok(default),
        }
    }
    let addr: SocketAddr = need(take("addr"), "addr")?.parse().context("--addr")?;
    if addr.ip() != std::net::IpAddr::from([127, 0, 0, 1]) {
        bail!("--addr must be 127.0.0.1:PORT (loopback only), not {addr}");
    }
    let origin = take("origin").unwrap_or_else(|| format!("http://{addr}"));
    let gateway_addr: SocketAddr = match take("gateway-addr") {
        Some(a) => a.parse().context("--gateway-addr")?,
        None => addr,
    };
    if gateway_addr.ip() != addr.ip() {
        bail!("--gateway-addr must be 127.0.0.1:PORT (loopback only), not {gateway_addr}");
    }
    let opts = Opts {
        addr,
        gateway_addr,
        origin,
        data_dir: need(take("data-dir"), "data-dir")?.into(),
        server_pid: take("server-pid")
            .map(|p| p.parse())
            .transpose()
            .context("--server-pid")?,
        reviewer: need(take("reviewer"), "reviewer")?,
        password: need(take("password"), "password")?,
        out: need(take("out"), "out")?.into(),
        threads: num(take("threads"), 2, "threads")?,
        profile: num(take("profile"), 200, "profile")?,
        read_conns: num(take("read-conns"), 64, "read-conns")?,
        read_secs: num(take("read-secs"), 10.0, "read-secs")?,
        floor_secs: num(take("floor-secs"), 3.0, "floor-secs")?,
        full: num(take("full"), 2000, "full")?,
        // 32 left the 2 cores ≈ 10 % idle, each renewal waiting its turns at the
        // database's one writer; 64 keep them busy (bench/README.md, "Session 16").
        full_workers: num(take("full-workers"), 64, "full-workers")?,
        full_secs: num(take("full-secs"), 20.0, "full-secs")?,
        issue: num(take("issue"), 2000, "issue")?,
        issue_workers: num(take("issue-workers"), 32, "issue-workers")?,
        issue_secs: num(take("issue-secs"), 90.0, "issue-secs")?,
        marks: take("marks").map(PathBuf::from),
    };
    if let Some(w) = take("watch") {
        let mut groups = Vec::new();
        for g in w.split(';').filter(|g| !g.is_empty()) {
            let (label, pids) = g
                .split_once('=')
                .with_context(|| format!("--watch: {g:?} is not LABEL=PID[,PID…]"))?;
            let pids = pids
                .split(',')
                .map(|p| p.trim().parse::<u32>())
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("--watch: {g:?}: not a pid list"))?;
            groups.push((label.to_owned(), pids));
        }
        let _ = stats::WATCH.set(groups);
    }
    if let Some(k) = map.keys().next() {
        bail!("unknown option --{k}\n{USAGE}");
    }
    Ok(opts)
}

fn main() -> anyhow::Result<()> {
    let opts = parse_opts()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.threads.max(1))
        .enable_all()
        .build()?;
    rt.block_on(run(opts))
}

fn say(msg: &str) {
    eprintln!("== server-bench: {msg}");
}

/// Makes `n` users on all cores.
async fn make_users(
    ca: Arc<Ca>,
    n: usize,
    prefix: &str,
    threads: usize,
) -> anyhow::Result<Vec<Arc<User>>> {
    let per = n.div_ceil(threads.max(1)).max(1);
    let mut tasks = Vec::new();
    for t in 0..threads.max(1) {
        let (ca, prefix) = (ca.clone(), prefix.to_owned());
        let range = (t * per)..((t + 1) * per).min(n);
        tasks.push(tokio::task::spawn_blocking(move || {
            range
                .map(|i| ca.user(&format!("{prefix} {i:05}"), 30).map(Arc::new))
                .collect::<anyhow::Result<Vec<_>>>()
        }));
    }
    let mut users = Vec::with_capacity(n);
    for t in tasks {
        users.extend(t.await??);
    }
    Ok(users)
}

async fn staff_login(
    addr: SocketAddr,
    user: &str,
    password: &str,
) -> anyhow::Result<(String, String)> {
    let mut conn = Conn::new(addr);
    let body = serde_json::to_vec(&json!({"username": user, "password": password}))?;
    let r = conn
        .send(
            Method::POST,
            "/api/v1/admin/login",
            None,
            None,
            Some(Bytes::from(body)),
        )
        .await?;
    if r.status != 200 {
        bail!("staff login: {} {}", r.status, r.snippet());
    }
    let cookie = r.cookie.clone().context("staff login: no cookie")?;
    let csrf = r.json()["csrf"]
        .as_str()
        .context("staff login: no csrf")?
        .to_owned();
    Ok((cookie, csrf))
}

fn errors_json(rec: &Recorder) -> Value {
    json!({ "count": rec.error_count(), "by_kind": rec.errors, "samples": rec.samples })
}

fn steps_json(rec: &mut Recorder) -> Value {
    let mut out = serde_json::Map::new();
    for (step, lat) in &mut rec.latencies {
        out.insert(step.name().to_owned(), latency(lat));
    }
    Value::Object(out)
}

async fn run(opts: Opts) -> anyhow::Result<()> {
    let started = Instant::now();
    let ca = Arc::new(Ca::load(&opts.data_dir.join("ca"))?);
    let n_users = opts.profile + opts.full + opts.issue;
    say(&format!(
        "signing {n_users} user certificates with the server's CA key"
    ));
    let t = Instant::now();
    let mut users = make_users(ca.clone(), n_users, "Bench Holder", opts.threads).await?;
    let users_s = t.elapsed().as_secs_f64();
    let issue_users = users.split_off(opts.profile + opts.full);
    let full_users = users.split_off(opts.profile);
    let profile_users = users;

    let (staff_cookie, csrf) = staff_login(opts.addr, &opts.reviewer, &opts.password).await?;
    let shared = Arc::new(Shared::new(opts.origin.clone(), staff_cookie, csrf));

    let profile = profile_phase(&opts, &shared, profile_users).await?;
    let (profile_json, readable) = profile;
    let floor = if opts.floor_secs > 0.0 {
        let ca = vec![Target {
            path: "/api/v1/ca".to_owned(),
            cookie: None,
            expect: b"-----BEGIN CERTIFICATE-----".to_vec(),
        }];
        reads_phase(&opts, ca, opts.floor_secs, Step::Floor).await?
    } else {
        Value::Null
    };
    // Each answer must be about the renewal asked for, and show it completed.
    let readable = readable
        .into_iter()
        .map(|(path, cookie, no)| Target {
            path,
            cookie: Some(cookie),
            expect: format!("\"business_no\":\"{no}\"").into_bytes(),
        })
        .collect();
    let reads = if opts.read_secs > 0.0 {
        reads_phase(&opts, readable, opts.read_secs, Step::Status).await?
    } else {
        Value::Null
    };
    let full = full_phase(&opts, &shared, full_users).await?;
    let issuance = if opts.issue > 0 {
        issuance_phase(&opts, &shared, issue_users).await?
    } else {
        Value::Null
    };

    let out = json!({
        "tool": "bench/server (server-bench)",
        "addr": opts.addr.to_string(),
        "gateway_addr": opts.gateway_addr.to_string(),
        "loadgen_threads": opts.threads,
        "user_certificates": { "count": n_users, "seconds": round3(users_s) },
        "profile": profile_json,
        "floor": floor,
        "reads": reads,
        "full": full,
        "issuance": issuance,
        "seconds": round3(started.elapsed().as_secs_f64()),
    });
    std::fs::write(&opts.out, serde_json::to_vec_pretty(&out)?)
        .with_context(|| format!("writing {}", opts.out.display()))?;
    say(&format!("wrote {}", opts.out.display()));
    Ok(())
}

/// Phase 1: each request kind alone, sequentially, on one connection.
async fn profile_phase(
    opts: &Opts,
    s: &Arc<Shared>,
    users: Vec<Arc<User>>,
) -> anyhow::Result<(Value, Vec<(String, String, String)>)> {
    say(&format!(
        "profile: {} renewals, one request kind at a time, one connection",
        users.len()
    ));
    let mut conn = Conn::new(opts.addr);
    let mut gw = Conn::new(opts.gateway_addr);
    let mut renewals: Vec<Renewal> = users.into_iter().map(Renewal::new).collect();
    let mut all = Recorder::default();
    let mut costs: Vec<(Step, Value)> = Vec::new();
    // CPU per request kind: server and load generator, over a whole batch of one kind.
    let mut cpu_by_step: std::collections::BTreeMap<Step, (f64, f64, f64, u64)> =
        Default::default();

    #[derive(Clone, Copy, Debug)]
    enum Batch {
        Challenges,
        Session,
        Apply,
        Pay,
        Cashier,
        Gateway,
        Approve,
        Csr,
        Installed,
        Status,
        Floor,
    }
    let plan = [
        Batch::Floor,
        Batch::Challenges,
        Batch::Session,
        Batch::Challenges,
        Batch::Apply,
        Batch::Pay,
        Batch::Cashier,
        Batch::Gateway,
        Batch::Approve,
        Batch::Challenges,
        Batch::Csr,
        Batch::Challenges,
        Batch::Installed,
        Batch::Status,
    ];
    let mut failed = vec![false; renewals.len()];
    let mark_batch = |name: &str| mark(opts, name);
    for batch in plan {
        mark_batch(&format!("{batch:?}"))?;
        let mut rec = Recorder::default();
        let mark = CpuMark::now(opts.server_pid);
        let t = Instant::now();
        for (i, r) in renewals.iter_mut().enumerate() {
            if failed[i] {
                continue;
            }
            let s = s.as_ref();
            let c = &mut conn;
            c.act_for(&r.user);
            let done = match batch {
                Batch::Challenges => flow::challenge(&mut rec, c)
                    .await
                    .map(|ch| r.challenge = Some(ch)),
                Batch::Session => {
                    let ch = r.challenge.take().unwrap_or_default();
                    flow::session_with(&mut rec, c, s, r, &ch).await
                }
                Batch::Apply => {
                    let ch = r.challenge.take().unwrap_or_default();
                    flow::apply_with(&mut rec, c, s, r, &ch).await
                }
                Batch::Pay => flow::pay(&mut rec, c, r).await,
                Batch::Cashier => flow::cashier(&mut rec, &mut gw, r).await,
                Batch::Gateway => flow::gateway(&mut rec, &mut gw, r).await,
                Batch::Approve => flow::approve(&mut rec, c, s, r).await,
                Batch::Csr => {
                    let ch = r.challenge.take().unwrap_or_default();
                    flow::csr_with(&mut rec, c, s, r, &ch).await
                }
                Batch::Installed => {
                    let ch = r.challenge.take().unwrap_or_default();
                    flow::installed_with(&mut rec, c, s, r, &ch).await
                }
                Batch::Floor => rec
                    .call(
                        c,
                        Step::Floor,
                        Method::GET,
                        "/api/v1/ca",
                        None,
                        None,
                        None,
                        200,
                    )
                    .await
                    .map(|_| ()),
                Batch::Status => {
                    let no = r.no.clone().unwrap_or_default();
                    rec.call(
                        c,
                        Step::Status,
                        Method::GET,
                        &format!("/api/v1/renewals/{no}"),
                        r.cookie.as_deref(),
                        None,
                        None,
                        200,
                    )
                    .await
                    .map(|_| ())
                }
            };
            if done.is_err() {
                failed[i] = true;
            }
        }
        let wall = t.elapsed().as_secs_f64();
        let n = rec.request_count();
        let cpu = mark.report(opts.server_pid, wall, Some(n));
        let step = *rec.latencies.keys().next().unwrap_or(&Step::Challenge);
        let e = cpu_by_step.entry(step).or_default();
        e.0 += cpu["server"]["cpu_sched_s"].as_f64().unwrap_or(0.0);
        e.1 += cpu["loadgen"]["cpu_sched_s"].as_f64().unwrap_or(0.0);
        e.2 += wall;
        e.3 += n;
        all.merge(rec);
    }
    for (step, lat) in &mut all.latencies {
        let (server_s, me_s, wall, n) = cpu_by_step.get(step).copied().unwrap_or_default();
        let mut v = latency(lat);
        let per = |x: f64| {
            if n > 0 {
                round3(x * 1e6 / n as f64)
            } else {
                0.0
            }
        };
        v["server_cpu_us_per_request"] = json!(per(server_s));
        v["loadgen_cpu_us_per_request"] = json!(per(me_s));
        v["wall_us_per_request"] = json!(per(wall));
        costs.push((*step, v));
    }
    mark_batch("end")?;
    let completed = failed.iter().filter(|f| !**f).count();
    let readable: Vec<(String, String, String)> = renewals
        .iter()
        .zip(&failed)
        .filter(|(_, f)| !**f)
        .filter_map(|(r, _)| {
            let no = r.no.clone()?;
            Some((format!("/api/v1/renewals/{no}"), r.cookie.clone()?, no))
        })
        .collect();
    let per_renewal_server_us: f64 = costs
        .iter()
        .filter(|(s, _)| !matches!(*s, Step::Status | Step::Floor))
        .map(|(s, v)| {
            let k = if *s == Step::Challenge { 4.0 } else { 1.0 };
            k * v["server_cpu_us_per_request"].as_f64().unwrap_or(0.0)
        })
        .sum();
    let mut by_step = serde_json::Map::new();
    for (s, v) in costs {
        by_step.insert(s.name().to_owned(), v);
    }
    Ok((
        json!({
            "renewals": renewals.len(),
            "completed": completed,
            "requests": conn.requests,
            "steps": by_step,
            "server_cpu_us_per_renewal": round3(per_renewal_server_us),
            "errors": errors_json(&all),
        }),
        readable,
    ))
}

/// Phase 2: status reads from many connections (also used for the floor: `GET
/// /api/v1/ca`, no database).
/// One thing to read: the path, the session cookie, and bytes the answer must contain.
struct Target {
    path: String,
    cookie: Option<String>,
    expect: Vec<u8>,
}

async fn reads_phase(
    opts: &Opts,
    readable: Vec<Target>,
    secs: f64,
    step: Step,
) -> anyhow::Result<Value> {
    if readable.is_empty() {
        bail!("no renewal to read: the profile phase failed");
    }
    let targets = Arc::new(readable);
    let run = |secs: f64| {
        let targets = targets.clone();
        let addr = opts.addr;
        let conns = opts.read_conns;
        async move {
            let deadline = Instant::now() + Duration::from_secs_f64(secs);
            let mut tasks = Vec::new();
            for w in 0..conns {
                let targets = targets.clone();
                tasks.push(tokio::spawn(async move {
                    let mut conn = Conn::new(addr);
                    let mut rec = Recorder::default();
                    let mut i = w % targets.len();
                    while Instant::now() < deadline {
                        let t = &targets[i];
                        if let Ok(r) = rec
                            .call(
                                &mut conn,
                                step,
                                Method::GET,
                                &t.path,
                                t.cookie.as_deref(),
                                None,
                                None,
                                200,
                            )
                            .await
                            && !r
                                .body
                                .windows(t.expect.len())
                                .any(|w| w == t.expect.as_slice())
                        {
                            let _ = rec.wrong(
                                step,
                                format!("{}: not the answer asked for: {}", t.path, r.snippet()),
                            );
                        }
                        i = (i + conns) % targets.len();
                    }
                    (rec, conn.connects)
                }));
            }
            let mut rec = Recorder::default();
            let mut connects = 0;
            for t in tasks {
                let (r, c) = t.await.expect("a read worker");
                rec.merge(r);
                connects += c;
            }
            (rec, connects)
        }
    };
    let what = step.name();
    say(&format!(
        "{what}: warm-up 1 s, then {secs} s from {} connections over {} paths",
        opts.read_conns,
        targets.len()
    ));
    let _ = run(1.0).await;
    let mark = CpuMark::now(opts.server_pid);
    let t = Instant::now();
    let (mut rec, connects) = run(secs).await;
    let wall = t.elapsed().as_secs_f64();
    let n = rec.request_count();
    let ok = n - rec.error_count();
    let cpu = mark.report(opts.server_pid, wall, Some(n));
    let lat = latency(rec.latencies.entry(step).or_default());
    say(&format!(
        "{what}: {:.0}/s, {} errors",
        ok as f64 / wall,
        rec.error_count()
    ));
    Ok(json!({
        "request": format!("GET {}", targets[0].path),
        "connections": opts.read_conns,
        "paths": targets.len(),
        "seconds": round3(wall),
        "requests": n,
        "ok": ok,
        "per_second": round3(ok as f64 / wall),
        "latency": lat,
        "tcp_connects": connects,
        "cpu": cpu,
        "errors": errors_json(&rec),
    }))
}

/// Appends "<unix ns> NAME" to `--marks`, if given: when a batch or phase starts.
fn mark(opts: &Opts, name: &str) -> anyhow::Result<()> {
    let Some(path) = &opts.marks else {
        return Ok(());
    };
    use std::io::Write as _;
    let ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("--marks {}", path.display()))?;
    writeln!(f, "{ns} {name}").context("--marks")?;
    Ok(())
}

/// Phase 3: whole renewals, concurrently.
async fn full_phase(opts: &Opts, s: &Arc<Shared>, users: Vec<Arc<User>>) -> anyhow::Result<Value> {
    say(&format!(
        "full: {} renewals by {} workers (at most {} s)",
        users.len(),
        opts.full_workers,
        opts.full_secs
    ));
    let users = Arc::new(users);
    let next = Arc::new(AtomicUsize::new(0));
    crate::mark(opts, "Full")?;
    let mark = CpuMark::now(opts.server_pid);
    let t = Instant::now();
    let stop_at = t + Duration::from_secs_f64(opts.full_secs);
    let mut tasks = Vec::new();
    for _ in 0..opts.full_workers {
        let (users, next, s) = (users.clone(), next.clone(), s.clone());
        let (addr, gateway_addr) = (opts.addr, opts.gateway_addr);
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut gw = Conn::new(gateway_addr);
            let mut rec = Recorder::default();
            let (mut done, mut failed) = (0u64, 0u64);
            let mut whole_us = Vec::new();
            loop {
                if Instant::now() >= stop_at {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= users.len() {
                    break;
                }
                let mut r = Renewal::new(users[i].clone());
                conn.act_for(&r.user);
                let t0 = Instant::now();
                match flow::whole(&mut rec, &mut conn, &mut gw, &s, &mut r).await {
                    Ok(()) => {
                        done += 1;
                        whole_us.push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
                    }
                    Err(_) => failed += 1,
                }
            }
            (rec, done, failed, conn.requests + gw.requests, whole_us)
        }));
    }
    let mut rec = Recorder::default();
    let (mut done, mut failed, mut requests) = (0u64, 0u64, 0u64);
    let mut whole_us = Vec::new();
    for task in tasks {
        let (r, d, f, q, mut w) = task.await.expect("a renewal worker");
        rec.merge(r);
        done += d;
        failed += f;
        requests += q;
        whole_us.append(&mut w);
    }
    let wall = t.elapsed().as_secs_f64();
    let cpu = mark.report(opts.server_pid, wall, Some(requests));
    crate::mark(opts, "end")?;
    let per = |x: f64| {
        if done > 0 {
            round3(x / done as f64)
        } else {
            0.0
        }
    };
    say(&format!(
        "full: {:.1} renewals/s, {} errors",
        done as f64 / wall,
        rec.error_count()
    ));
    Ok(json!({
        "workers": opts.full_workers,
        "attempted": done + failed,
        "completed": done,
        "failed": failed,
        "seconds": round3(wall),
        "per_second": round3(done as f64 / wall),
        "http_requests": requests,
        "http_requests_per_second": round3(requests as f64 / wall),
        "client_requests_per_renewal": per(requests as f64),
        "server_internal_requests_per_renewal": 1,
        "server_cpu_ms_per_renewal": per(cpu["server"]["cpu_s"].as_f64().unwrap_or(0.0) * 1000.0),
        "loadgen_cpu_ms_per_renewal": per(cpu["loadgen"]["cpu_s"].as_f64().unwrap_or(0.0) * 1000.0),
        "renewal_latency": latency(&mut whole_us),
        "steps": steps_json(&mut rec),
        "cpu": cpu,
        "errors": errors_json(&rec),
    }))
}

/// Phase 4: issuance alone.
async fn issuance_phase(
    opts: &Opts,
    s: &Arc<Shared>,
    users: Vec<Arc<User>>,
) -> anyhow::Result<Value> {
    say(&format!(
        "issuance: bringing {} renewals to approved (not timed)",
        users.len()
    ));
    let users = Arc::new(users);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    let stop_at = Instant::now() + Duration::from_secs_f64(opts.issue_secs);
    for _ in 0..opts.issue_workers {
        let (users, next, s) = (users.clone(), next.clone(), s.clone());
        let (addr, gateway_addr) = (opts.addr, opts.gateway_addr);
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut gw = Conn::new(gateway_addr);
            let mut rec = Recorder::default();
            let mut ready = Vec::new();
            loop {
                if Instant::now() >= stop_at {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= users.len() {
                    break;
                }
                let mut r = Renewal::new(users[i].clone());
                conn.act_for(&r.user);
                if flow::until_approved(&mut rec, &mut conn, &mut gw, &s, &mut r)
                    .await
                    .is_err()
                {
                    continue;
                }
                let Ok(c) = flow::challenge(&mut rec, &mut conn).await else {
                    continue;
                };
                let binding = pki::sign(&r.user.key, "rekey", &s.origin, &c, &r.user.csr_sha256);
                let body =
                    json!({"csr": r.user.csr_b64, "binding_signature": binding, "challenge": c});
                ready.push((r, body));
            }
            (rec, ready)
        }));
    }
    let mut prep = Recorder::default();
    let mut ready = Vec::new();
    for task in tasks {
        let (r, mut v) = task.await.expect("a preparing worker");
        prep.merge(r);
        ready.append(&mut v);
    }
    let prepared = ready.len();
    say(&format!(
        "issuance: {prepared} approved; now only the CSR calls, {} connections",
        opts.issue_workers
    ));
    let queue = Arc::new(std::sync::Mutex::new(ready));
    let mark = CpuMark::now(opts.server_pid);
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..opts.issue_workers {
        let (queue, addr) = (queue.clone(), opts.addr);
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut rec = Recorder::default();
            let mut done = 0u64;
            loop {
                let item = queue.lock().expect("the queue").pop();
                let Some((r, body)) = item else { break };
                let no = r.no.clone().unwrap_or_default();
                conn.act_for(&r.user);
                if flow::csr_body(&mut rec, &mut conn, &r, &no, body)
                    .await
                    .is_ok()
                {
                    done += 1;
                }
            }
            (rec, done)
        }));
    }
    let mut rec = Recorder::default();
    let mut done = 0;
    for task in tasks {
        let (r, d) = task.await.expect("an issuing worker");
        rec.merge(r);
        done += d;
    }
    let wall = t.elapsed().as_secs_f64();
    let cpu = mark.report(opts.server_pid, wall, Some(rec.request_count()));
    say(&format!(
        "issuance: {:.0}/s, {} errors",
        done as f64 / wall,
        rec.error_count()
    ));
    Ok(json!({
        "workers": opts.issue_workers,
        "prepared": prepared,
        "issued": done,
        "seconds": round3(wall),
        "per_second": round3(done as f64 / wall),
        "latency": latency(rec.latencies.entry(Step::Csr).or_default()),
        "cpu": cpu,
        "errors": errors_json(&rec),
        "preparation_errors": errors_json(&prep),
    }))
}
