//! Two `certrenew-server` processes on one PostgreSQL database, as behind a load
//! balancer (issue 16): renewals go through both, and every e-mail and SMS they cause
//! reaches a real receiver exactly once; the challenge rate limit is one count for
//! both.
//!
//! The receivers: an SMTP server (Python's `aiosmtpd`, Debian `python3-aiosmtpd`) that
//! takes 0.3 s per message, so both instances' workers are busy at the same time, and
//! an SMS webhook served inside the test (what `notify.sms_webhook` posts to; the
//! browser tests use the same kind of sink).
//!
//! Runs on the PostgreSQL pass only (`CERTRENEW_TEST_POSTGRES`, as `scripts/test.sh`
//! sets it the second time): SQLite is one instance's database.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use common::{TestServer, complete_renewal};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The SMTP sink: accepts everything on 127.0.0.1 after 0.3 s per message, writes each
/// message's recipients and decoded subject to `<n>.json` (atomically), prints its port
/// once it listens, and stops when its standard input closes.
const SLOW_SINK: &str = r#"
import asyncio, email, email.policy, json, os, socket, sys, threading
from aiosmtpd.controller import Controller

out = sys.argv[1]

class Sink:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.3)
        with self.lock:
            self.count += 1
            n = self.count
        raw = envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        record = {"rcpt_tos": envelope.rcpt_tos, "subject": str(msg["subject"])}
        tmp = os.path.join(out, "%d.json.tmp" % n)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.replace(tmp, os.path.join(out, "%d.json" % n))
        return "250 Message accepted for delivery"

probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Sink(), hostname="127.0.0.1", port=port, ready_timeout=10)
controller.start()
print(port, flush=True)
sys.stdin.read()
controller.stop()
"#;

/// The Python that has Debian's `aiosmtpd` (as in notify_smtp.rs).
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CERTRENEW_TEST_PYTHON") {
        return p.into();
    }
    let system = Path::new("/usr/bin/python3");
    if system.exists() {
        system.to_path_buf()
    } else {
        "python3".into()
    }
}

/// The running SMTP sink; killed when dropped.
struct SlowSmtp {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
    dir: tempfile::TempDir,
}

impl SlowSmtp {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let python = python();
        let mut child = Command::new(&python)
            .arg("-c")
            .arg(SLOW_SINK)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Ok(port) = line.trim().parse() else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the SMTP sink did not start (is python3-aiosmtpd installed?)");
        };
        Self {
            child,
            _stdin: stdin,
            port,
            dir,
        }
    }

    /// Every message received so far: (recipient, subject).
    fn received(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "json") {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                    .expect("the sink's JSON");
                out.push((v["rcpt_tos"].to_string(), v["subject"].to_string()));
            }
        }
        out
    }
}

impl Drop for SlowSmtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The SMS webhook: `POST /sms` records `{to, text}` and answers 200.
async fn sms_webhook() -> (String, Arc<Mutex<Vec<Value>>>, tokio::task::JoinHandle<()>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route(
            "/sms",
            post(
                |State(seen): State<Arc<Mutex<Vec<Value>>>>, Json(body): Json<Value>| async move {
                    seen.lock().unwrap().push(body);
                    Json(json!({ "ok": true }))
                },
            ),
        )
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, seen, task)
}

/// Each item with how often it occurs, for the ones that occur more than once.
fn repeated<T: Ord + Clone>(items: &[T]) -> BTreeMap<T, usize> {
    let mut counts = BTreeMap::new();
    for item in items {
        *counts.entry(item.clone()).or_insert(0) += 1;
    }
    counts.retain(|_, n| *n > 1);
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_send_every_message_once_and_share_rate_limits() {
    if std::env::var("CERTRENEW_TEST_POSTGRES").map_or(true, |v| v.is_empty()) {
        eprintln!("skipped: several instances need PostgreSQL (set CERTRENEW_TEST_POSTGRES)");
        return;
    }
    let started = Instant::now();
    let smtp = SlowSmtp::start();
    let (sms_url, sms, sms_task) = sms_webhook().await;
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("certrenew.toml");
    std::fs::write(
        &config,
        format!(
            "[notify]\nsms_webhook = \"{sms_url}\"\n\n[notify.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"certrenew <noreply@ca.example>\"\n",
            smtp.port
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    // Two processes, one database and one CA (the same data folder).
    let a = TestServer::start_with(&[("CERTRENEW_CONFIG", config)]).await;
    let data = a.dir.path().join("data");
    let b = TestServer::start_with(&[
        ("CERTRENEW_CONFIG", config),
        ("DATABASE_URL", &a.db.url()),
        ("CERTRENEW_DATA_DIR", data.to_str().unwrap()),
    ])
    .await;

    // Renewals through both: each step queues an e-mail and an SMS, which either
    // instance's worker may take.
    let mut numbers = Vec::new();
    for i in 0..6 {
        let server = if i % 2 == 0 { &a } else { &b };
        let user = a.user(&format!("实例测试{i}"), 30);
        let (no, _) = complete_renewal(server, &user, "gd-med", 12).await;
        numbers.push(no);
    }
    let rows = a.count("SELECT COUNT(*) FROM outbox");
    assert_eq!(rows, 6 * 8, "four e-mails and four SMS per renewal");

    // Every row sent once, by a worker that held its claim.
    let all_sent = common::eventually(30, || {
        a.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == rows
    })
    .await;
    assert!(
        all_sent,
        "not all sent: {}",
        a.sql("SELECT status, attempts, last_error, claimed_by FROM outbox WHERE status <> 'sent'")
    );
    assert_eq!(
        a.count("SELECT COUNT(*) FROM outbox WHERE attempts <> 1"),
        0,
        "a message was tried twice"
    );
    assert_eq!(
        a.count("SELECT COUNT(DISTINCT claimed_by) FROM outbox"),
        2,
        "both instances sent some: {}",
        a.sql("SELECT claimed_by, COUNT(*) FROM outbox GROUP BY claimed_by")
    );

    // What the receivers got: each message once, none missing. (A send ends before its
    // row is marked, so once all rows are sent nothing more is on its way.)
    let mails = smtp.received();
    assert_eq!(repeated(&mails), BTreeMap::new(), "e-mails received twice");
    assert_eq!(mails.len() as i64, rows / 2, "{mails:#?}");
    let texts: Vec<String> = sms.lock().unwrap().iter().map(Value::to_string).collect();
    assert_eq!(repeated(&texts), BTreeMap::new(), "SMS received twice");
    assert_eq!(texts.len() as i64, rows / 2, "{texts:#?}");
    for no in &numbers {
        let subjects = mails
            .iter()
            .filter(|(_, s)| s.contains(no.as_str()))
            .count();
        let sms_texts = texts.iter().filter(|t| t.contains(no.as_str())).count();
        assert_eq!((subjects, sms_texts), (4, 4), "messages of {no}");
    }

    // One challenge limit for both (60 a minute per address), not 60 each. The burst
    // is kept inside one window of the clock (the windows all instances share).
    let into_window = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000 % 60_000;
    if into_window > 55_000 {
        tokio::time::sleep(Duration::from_millis((60_000 - into_window) as u64 + 50)).await;
    }
    let mut accepted = 0;
    let mut refused_by = None;
    for i in 0..130 {
        let (server, name) = if i % 2 == 0 { (&a, "a") } else { (&b, "b") };
        let (status, body) = server.post("/api/v1/challenges", json!({})).await;
        match status {
            StatusCode::OK => accepted += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(body["error"]["code"], "RATE_LIMITED", "{body}");
                refused_by = Some(name);
                break;
            }
            other => panic!("challenge: {other} {body}"),
        }
    }
    let refused_by = refused_by.expect("the limit was never reached");
    assert!(
        accepted <= 60,
        "{accepted} challenges accepted in one minute"
    );
    // …and the other instance refuses too.
    let other = if refused_by == "a" { &b } else { &a };
    let (status, _) = other.post("/api/v1/challenges", json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        a.count("SELECT MAX(hits) FROM rate_limits WHERE bucket LIKE 'challenge:%'"),
        60
    );

    // One staff sign-in back-off for both: a name that failed its free tries, spread
    // over the two instances, is held at either one (3 failures each would pass).
    let mut statuses = Vec::new();
    for i in 0..6 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (status, _) = server
            .post(
                "/api/v1/admin/login",
                json!({ "username": "guessed", "password": "wrong password!" }),
            )
            .await;
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        vec![StatusCode::UNAUTHORIZED; 6],
        "five free tries, the sixth starts the back-off"
    );
    for server in [&a, &b] {
        let (status, body) = server
            .post(
                "/api/v1/admin/login",
                json!({ "username": "guessed", "password": "wrong password!" }),
            )
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        // The name's back-off (1 s) or the guessing address's (2 s): both are shared.
        let rule = body["error"]["details"]["rule"]
            .as_str()
            .unwrap_or_default();
        assert!(rule.starts_with("login.backoff."), "{body}");
    }

    sms_task.abort();
    eprintln!("two instances: {rows} messages in {:?}", started.elapsed());
}
