//! Completion callbacks to a relying platform, received by a real little HTTP server
//! started by the test: signed with the project's secret (checked here with `ring`,
//! independently of the server's code), sent once on success, retried after a 500,
//! and given up with an audit row when the platform never answers 2xx.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::*;
use serde_json::{Value, json};

const SECRET: &str = "platform-secret-for-tests-0123456789";

/// One POST the platform received.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: String,
}

#[derive(Default)]
struct Platform {
    received: Mutex<Vec<Received>>,
    /// Answer 500 to this many POSTs first.
    fail_first: AtomicUsize,
}

/// The platform's callback endpoint, `POST /certrenew/callback`.
struct Receiver {
    url: String,
    platform: Arc<Platform>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(fail_first: usize) -> Self {
        let platform = Arc::new(Platform {
            fail_first: AtomicUsize::new(fail_first),
            ..Platform::default()
        });
        let app = Router::new()
            .route(
                "/certrenew/callback",
                post(
                    |State(p): State<Arc<Platform>>, headers: HeaderMap, body: String| async move {
                        p.received.lock().unwrap().push(Received { headers, body });
                        let failing = p
                            .fail_first
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                        if failing {
                            (StatusCode::INTERNAL_SERVER_ERROR, "try later")
                        } else {
                            (StatusCode::OK, "ok")
                        }
                    },
                ),
            )
            .with_state(Arc::clone(&platform));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/certrenew/callback",
            listener.local_addr().unwrap()
        );
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url,
            platform,
            task,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.platform.received.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.platform.received.lock().unwrap().len()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A server whose `gd-med` project calls `receiver` back, retrying after 1 s twice.
async fn server_for(receiver: &Receiver) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("certrenew.toml");
    std::fs::write(&config, "webhook_retry_seconds = [1, 1]\n").unwrap();
    let server = TestServer::start_with(&[
        ("CERTRENEW_CONFIG", config.to_str().unwrap()),
        ("CERTRENEW_WEBHOOK_URL_GD_MED", &receiver.url),
        ("CERTRENEW_WEBHOOK_SECRET_GD_MED", SECRET),
    ])
    .await;
    (server, dir)
}

/// Checks `X-Certrenew-Signature: t=<unix>,v1=<hex>` the way a platform would: HMAC-SHA256
/// with the shared secret over `<t>.<body>`, and a recent `t`.
fn assert_signed(got: &Received) {
    let header = got
        .headers
        .get("x-certrenew-signature")
        .expect("the signature header")
        .to_str()
        .unwrap();
    let (t, v1) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .unwrap_or_else(|| panic!("{header}"));
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    let mac = hex::decode(v1).unwrap();
    ring::hmac::verify(&key, format!("{t}.{}", got.body).as_bytes(), &mac)
        .unwrap_or_else(|_| panic!("the MAC does not verify: {header}"));
    let t: i64 = t.parse().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - t).abs() < 120, "t={t} now={now}");
    // Another secret does not verify.
    let other = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"another secret");
    assert!(ring::hmac::verify(&other, format!("{t}.{}", got.body).as_bytes(), &mac).is_err());
    assert_eq!(got.headers["content-type"], "application/json");
}

fn json_of(got: &Received) -> Value {
    serde_json::from_str(&got.body).unwrap()
}

#[tokio::test]
async fn a_completed_renewal_calls_the_platform_back_once_signed() {
    let receiver = Receiver::start(0).await;
    let (server, _config) = server_for(&receiver).await;
    let user = server.user("张三", 30);
    let (no, renewed) = complete_renewal(&server, &user, "gd-med", 12).await;

    assert!(
        eventually(15, || receiver.count() >= 1).await,
        "no callback"
    );
    let got = receiver.received().remove(0);
    assert_signed(&got);
    let facts = certinfo::facts(&renewed.der).unwrap();
    let not_after = facts
        .not_after
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let b = json_of(&got);
    assert_eq!(
        b.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "at",
            "business_no",
            "certificate_serial",
            "event",
            "not_after",
            "project",
            "status"
        ]
    );
    assert_eq!(b["event"], "renewal.completed");
    assert_eq!(b["business_no"], no.as_str());
    assert_eq!(b["project"], "gd-med");
    assert_eq!(b["status"], "completed");
    assert_eq!(b["certificate_serial"], facts.serial_hex.as_str());
    assert_eq!(b["not_after"], not_after.as_str());
    assert!(b["at"].as_str().unwrap().ends_with('Z'), "{b}");
    assert_eq!(got.headers["x-certrenew-event"], "renewal.completed");

    // Exactly once: nothing more arrives, and the row says delivered at the first try.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.count(), 1, "{:?}", receiver.received());
    assert_eq!(
        server.sql("SELECT status || ' ' || attempts FROM webhooks"),
        "delivered 1"
    );
    // The steps before completion (paid, approved, issued) are not announced.
    assert_eq!(server.count("SELECT COUNT(*) FROM webhooks"), 1);
}

#[tokio::test]
async fn a_platform_answering_500_is_tried_again_and_then_delivered() {
    let receiver = Receiver::start(1).await;
    let (server, _config) = server_for(&receiver).await;
    // A cancellation is a closing too; a project without a webhook gets nothing.
    for project in ["gd-med", "sz-med"] {
        let user = server.user("李四", 30);
        let client = server.login(&user).await;
        let (status, renewal) = server.apply(&client, &user, project, 12).await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{renewal}");
        let no = renewal["business_no"].as_str().unwrap();
        let (status, body) = server
            .post_as(&client, &format!("/api/v1/renewals/{no}/cancel"), json!({}))
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    }

    assert!(
        eventually(15, || receiver.count() >= 2).await,
        "{:?}",
        receiver.received()
    );
    let got = receiver.received();
    // The same body both times, each signed.
    assert_eq!(got[0].body, got[1].body);
    assert_signed(&got[1]);
    let b = json_of(&got[1]);
    assert_eq!(b["event"], "renewal.cancelled");
    assert_eq!(b["status"], "cancelled");
    assert_eq!(b["project"], "gd-med");
    assert_eq!(b["certificate_serial"], Value::Null);
    assert_eq!(b["not_after"], Value::Null);
    assert!(
        eventually(5, || server
            .sql("SELECT status || ' ' || attempts FROM webhooks")
            == "delivered 2")
        .await,
        "{}",
        server.sql("SELECT status, attempts, last_error FROM webhooks")
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.count(), 2, "no more after the 2xx");
}

#[tokio::test]
async fn a_platform_that_never_accepts_fails_with_an_audit_row() {
    let receiver = Receiver::start(usize::MAX).await;
    let (server, _config) = server_for(&receiver).await;
    let user = server.user("王五", 30);
    let client = server.login(&user).await;
    let (_, renewal) = server.apply(&client, &user, "gd-med", 12).await;
    let no = renewal["business_no"].as_str().unwrap().to_owned();
    let out_trade_no = server.pay(&client, &no).await;
    server.gateway(&out_trade_no, "paid", 1, 0).await;
    let reviewer = server.staff("reviewer", "reviewer").await;
    let (status, body) = server
        .staff_post(
            &reviewer,
            &format!("/api/v1/admin/renewals/{no}/reject"),
            json!({"reason": "营业执照已过期"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");

    // Three tries (the first and two retries a second apart), then failed.
    assert!(
        eventually(20, || server.sql("SELECT status FROM webhooks") == "failed").await,
        "{}",
        server.sql("SELECT status, attempts, last_error FROM webhooks")
    );
    assert_eq!(receiver.count(), 3);
    assert_eq!(
        json_of(&receiver.received()[2])["event"],
        "renewal.rejected"
    );
    assert_eq!(
        server.sql("SELECT attempts || ' ' || last_error FROM webhooks"),
        "3 the platform answered 500: try later"
    );
    let audit: Value = serde_json::from_str(&server.sql(&format!(
        "SELECT data FROM audit WHERE action = 'webhook.failed' AND subject = '{no}'"
    )))
    .unwrap();
    assert_eq!(audit["event"], "renewal.rejected");
    assert_eq!(audit["attempts"], 3);
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.count(), 3, "no tries after failing");
}
