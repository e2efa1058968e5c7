//! Issue 9, the server's sign-in and start-up items, over real HTTP against the real
//! binary (SQLite, or PostgreSQL with `CERTRENEW_TEST_POSTGRES`): staff sign-in backs
//! off instead of locking out and hashes in a bounded pool; a public origin refuses
//! unsafe settings at start; a user session ends on sign-out and on revocation.

mod common;

use std::net::IpAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{TestServer, client};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

/// A client whose connections come from `ip` (any 127.x address reaches the server).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .local_address(ip.parse::<IpAddr>().ok())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

async fn sign_in(
    s: &TestServer,
    c: &reqwest::Client,
    user: &str,
    password: &str,
) -> (StatusCode, Value) {
    s.post_as(
        c,
        "/api/v1/admin/login",
        json!({ "username": user, "password": password }),
    )
    .await
}

fn add_staff(s: &TestServer, user: &str) {
    let (ok, _, err) = s.cli(&[
        "admin",
        "add",
        "--user",
        user,
        "--password",
        PASSWORD,
        "--role",
        "admin",
    ]);
    assert!(ok, "{err}");
}

/// Many wrong passwords for `admin` from one address: the right password from another
/// address still signs in after at most the name's short back-off, even while the
/// guessing goes on; and failures take no write lock of their own for the audit.
#[tokio::test]
async fn a_staff_lockout_cannot_be_forced() {
    let s = TestServer::start().await;
    add_staff(&s, "admin");
    let attacker = client_from("127.0.0.2");
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(sign_in(&s, &attacker, "admin", "wrong password!").await.0);
    }
    assert!(statuses.contains(&StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "guessing is bounded: {statuses:?}"
    );
    // The attacker keeps guessing in the background.
    let guessing = {
        let url = s.url("/api/v1/admin/login");
        tokio::spawn(async move {
            loop {
                let _ = attacker
                    .post(&url)
                    .json(&json!({ "username": "admin", "password": "wrong password!" }))
                    .send()
                    .await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let staff = client_from("127.0.0.3");
    let started = Instant::now();
    let mut signed_in = false;
    while started.elapsed() < Duration::from_secs(90) {
        let (status, body) = sign_in(&s, &staff, "admin", PASSWORD).await;
        if status == StatusCode::OK {
            signed_in = true;
            break;
        }
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(
            body["error"]["details"]["rule"], "login.backoff.name",
            "{body}"
        );
        let wait = body["error"]["details"]["retry_after_s"].as_u64().unwrap();
        assert!(wait <= 60, "the name's back-off is bounded: {body}");
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
    guessing.abort();
    assert!(signed_in, "the real admin got in within the back-off");
    // One audit row per back-off started, none per failure.
    assert_eq!(
        s.count("SELECT COUNT(*) FROM audit WHERE action = 'staff.login_failed'"),
        0
    );
    assert!(s.count("SELECT COUNT(*) FROM audit WHERE action = 'staff.login_backoff'") >= 1);
    assert_eq!(
        s.count("SELECT COUNT(*) FROM audit WHERE action = 'staff.login'"),
        1
    );
}

/// Password checks run a few at a time: a flood is told the server is busy (503 with
/// a clear message) instead of each check taking its own memory.
#[tokio::test]
async fn staff_password_hashing_is_bounded() {
    let s = TestServer::start_with(&[
        ("CERTRENEW_HASH_WORKERS", "1"),
        ("CERTRENEW_HASH_WAIT_MS", "0"),
    ])
    .await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let c = client();
        let url = s.url("/api/v1/admin/login");
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(url)
                .json(&json!({ "username": format!("nobody{i}"), "password": "guess guess guess" }))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }));
    }
    let mut busy = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(body["error"]["details"]["rule"], "login.busy", "{body}");
                assert!(
                    body["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("try again"),
                    "{body}"
                );
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(
        busy >= 1,
        "with one worker and no wait, concurrent checks are refused"
    );
}

/// Runs `serve` and returns (exit code, stderr) if it exits within 30 s.
fn serve_exits(s: &TestServer) -> (Option<i32>, String) {
    let mut child = s
        .command()
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read as _;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code(), err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, String::new());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// On a public origin the server refuses to start with the sandbox on, without a CA
/// key (it never makes a development CA there), without SMS and e-mail senders, or
/// offering an online payment method no gateway takes; each refusal names the setting.
/// With all of them set it starts.
#[tokio::test]
async fn a_public_origin_refuses_unsafe_settings_at_start() {
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("certrenew.toml");
    std::fs::write(&config, "sandbox = true\n").unwrap();
    let s = TestServer::stopped(&[
        ("CERTRENEW_PUBLIC_ORIGIN", "https://ca.example.com"),
        ("CERTRENEW_CONFIG", config.to_str().unwrap()),
    ]);
    let (code, err) = serve_exits(&s);
    assert_eq!(code, Some(2), "the server must refuse to start: {err}");
    for setting in [
        "CERTRENEW_SANDBOX=0",
        "ca init",
        "sms_webhook",
        "[notify.smtp]",
    ] {
        assert!(err.contains(setting), "{setting} is named: {err}");
    }
    let ca_key = s.dir.path().join("data/ca/ca.key");
    assert!(!ca_key.exists(), "no development CA was made");
    // `ca issue` (which loads the CA) refuses too instead of making one.
    let csr = s.dir.path().join("any.csr");
    std::fs::write(&csr, b"not read").unwrap();
    let (ok, _, err) = s.cli(&[
        "ca",
        "issue",
        "--csr",
        csr.to_str().unwrap(),
        "--not-after",
        "2030-01-01T00:00:00Z",
    ]);
    assert!(!ok && err.contains("ca init"), "{err}");
    assert!(!ca_key.exists());

    // The CA made on purpose, the senders configured: only the sandbox is left.
    let (ok, _, err) = s.cli(&["ca", "init", "--name", "Test Production CA"]);
    assert!(ok, "{err}");
    let senders = "[notify]\nsms_webhook = \"https://sms.example/send\"\n[notify.smtp]\nhost = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\nfrom = \"ca@example.com\"\n";
    std::fs::write(&config, format!("sandbox = true\n{senders}")).unwrap();
    let (code, err) = serve_exits(&s);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("CERTRENEW_SANDBOX=0")
            && !err.contains("sms_webhook")
            && !err.contains("ca init"),
        "{err}"
    );
    // Everything set, but the projects offer online methods no gateway takes: refused,
    // naming them (a public server takes money only through a configured gateway).
    std::fs::write(&config, senders).unwrap();
    let (code, err) = serve_exits(&s);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("CERTRENEW_PAYMENTS_CONFIG") && err.contains("alipay (gd-med"),
        "{err}"
    );
    // Everything set, the projects taking bank transfers only: it serves.
    #[derive(serde::Serialize)]
    struct Settings {
        projects: Vec<server::projects::Project>,
    }
    let mut projects = server::projects::samples();
    for p in &mut projects {
        p.payment_methods.retain(|m| m == "bank_transfer");
    }
    let projects = toml::to_string(&Settings { projects }).unwrap();
    std::fs::write(&config, format!("{senders}{projects}")).unwrap();
    s.spawn().await;
    let (status, _) = s.get_as(&s.client, "/api/v1/projects").await;
    assert_eq!(status, StatusCode::OK);
}

/// Signing out ends the session on the server, not just in the browser; revoking the
/// certificate ends its sessions too, cached or not.
#[tokio::test]
async fn sign_out_and_revocation_end_the_session() {
    let s = TestServer::start().await;
    let user = s.user("张三", 20);
    let c = s.login(&user).await;
    let (status, body) = s.apply(&c, &user, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let no = body["business_no"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/renewals/{no}");
    assert_eq!(s.get_as(&c, &path).await.0, StatusCode::OK);
    assert_eq!(s.count("SELECT COUNT(*) FROM sessions"), 1);
    let (status, body) = s.post_as(&c, "/api/v1/sessions/end", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(s.count("SELECT COUNT(*) FROM sessions"), 0);
    assert_eq!(s.get_as(&c, &path).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        s.count("SELECT COUNT(*) FROM audit WHERE action = 'session.ended'"),
        1
    );

    // A new session, read (and cached) by the server; then the certificate is revoked.
    let c = s.login(&user).await;
    assert_eq!(s.get_as(&c, &path).await.0, StatusCode::OK);
    let serial = certinfo::facts(&user.der).unwrap().serial_hex;
    let (ok, _, err) = s.cli(&[
        "admin",
        "revoke",
        "--serial",
        &serial,
        "--reason",
        "keyCompromise",
    ]);
    assert!(ok, "{err}");
    assert_eq!(s.count("SELECT COUNT(*) FROM sessions"), 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = s.get_as(&c, &path).await.0;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(Instant::now() < deadline, "the revoked session still works");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
