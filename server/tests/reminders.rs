//! Expiry reminders over the issued-certificate inventory (`certrenew-server remind
//! --now …` against a running server's database): each threshold once per
//! certificate, only the latest one when several were crossed, nothing for a revoked
//! or an already renewed certificate, and certificates without a contact counted.

mod common;

use common::*;
use serde::Serialize;
use serde_json::Value;
use server::projects::{Price, Project};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// RFC 3339 for `days` days before the unix time `not_after`.
fn before(not_after: i64, days: f64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(not_after - (days * 86_400.0) as i64).unwrap();
    t.format(&Rfc3339).unwrap()
}

fn not_after_of(server: &TestServer, user: &User) -> i64 {
    server
        .sql(&format!(
            "SELECT not_after FROM certificates WHERE sha256 = '{}'",
            user.sha256()
        ))
        .parse()
        .unwrap()
}

/// `remind --now <now>`: its summary line.
fn remind(server: &TestServer, now: &str) -> String {
    let (ok, out, err) = server.cli(&["remind", "--now", now]);
    assert!(ok, "remind: {err}");
    out.trim().to_owned()
}

fn reminded_days(server: &TestServer, user: &User) -> Vec<String> {
    server
        .sql(&format!(
            "SELECT days FROM reminders WHERE cert_sha256 = '{}' ORDER BY days DESC",
            user.sha256()
        ))
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_reminder_is_sent_exactly_once_per_threshold() {
    let server = TestServer::start().await;
    let user = server.user("张三", 30);
    let (no, renewed) = complete_renewal(&server, &user, "gd-med", 12).await;
    let not_after = not_after_of(&server, &renewed);

    // Before the first threshold: nothing.
    assert!(remind(&server, &before(not_after, 100.0)).starts_with("0 certificates reminded"));
    // 89 days left: the 90-day reminder, once, however often the job runs.
    let now = before(not_after, 89.0);
    assert_eq!(
        remind(&server, &now),
        "1 certificates reminded, 0 already reminded, 0 skipped without a contact"
    );
    assert_eq!(
        remind(&server, &now),
        "0 certificates reminded, 1 already reminded, 0 skipped without a contact"
    );
    assert!(
        remind(&server, &before(not_after, 60.0)).starts_with("0 certificates reminded, 1 already")
    );
    assert_eq!(reminded_days(&server, &renewed), ["90"]);

    // An e-mail and an SMS to the operator of the renewal that produced it.
    let rows = server.sql(
        "SELECT channel || ' ' || recipient || ' ' || lang FROM outbox WHERE template = 'reminder' ORDER BY id",
    );
    assert_eq!(
        rows.lines().collect::<Vec<_>>(),
        ["email zhangsan@example.com zh", "sms 13800138000 zh"]
    );
    let params: Value = serde_json::from_str(
        &server.sql("SELECT params FROM outbox WHERE template = 'reminder' AND channel = 'email'"),
    )
    .unwrap();
    assert_eq!(params["business_no"], no.as_str());
    assert_eq!(params["days"], 90);
    assert_eq!(params["days_left"], 89);
    assert_eq!(params["renew_url"], format!("{}/", server.origin));
    let msg = server::notify::templates::render("reminder", "zh", &params).unwrap();
    assert!(
        msg.body
            .contains(&format!("打开 {}/ 办理在线续期", server.origin)),
        "{}",
        msg.body
    );
    let sms = server::notify::templates::render_sms("reminder", "en", &params).unwrap();
    assert!(sms.contains(&server.origin), "{sms}");

    // The running server's worker delivers them (to the log-only sender here).
    assert!(
        eventually(15, || server.count(
            "SELECT COUNT(*) FROM outbox WHERE template = 'reminder' AND status = 'sent'"
        ) == 2)
        .await,
        "{}",
        server.sql("SELECT status, last_error FROM outbox WHERE template = 'reminder'")
    );

    // Three days left, 30 and 7 both crossed since: only the 7-day one goes out.
    let now = before(not_after, 3.0);
    assert!(remind(&server, &now).starts_with("1 certificates reminded"));
    assert!(remind(&server, &now).starts_with("0 certificates reminded, 1 already"));
    assert_eq!(reminded_days(&server, &renewed), ["90", "7"]);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM outbox WHERE template = 'reminder'"),
        4
    );
    // Each reminder has its audit row on the renewal that produced the certificate.
    assert_eq!(
        server.sql(&format!(
            "SELECT data FROM audit WHERE action = 'certificate.reminded' AND subject = '{no}' ORDER BY id"
        ))
        .lines()
        .map(|d| serde_json::from_str::<Value>(d).unwrap()["days"].clone())
        .collect::<Vec<_>>(),
        [90, 7]
    );
    // Once expired, no more reminders.
    assert!(remind(&server, &before(not_after, -1.0)).starts_with("0 certificates reminded, 0"));
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
}

#[tokio::test]
async fn thresholds_crossed_late_send_only_the_latest_once() {
    let server = TestServer::start().await;
    let user = server.user("李四", 30);
    let (_, renewed) = complete_renewal(&server, &user, "gd-med", 12).await;
    let not_after = not_after_of(&server, &renewed);
    // First run with 20 days left: 90 and 30 both crossed; one reminder, the 30-day one.
    assert!(remind(&server, &before(not_after, 20.0)).starts_with("1 certificates reminded"));
    assert_eq!(reminded_days(&server, &renewed), ["30"]);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM outbox WHERE template = 'reminder'"),
        2
    );
    // The skipped 90-day threshold is not made up later.
    assert!(
        remind(&server, &before(not_after, 19.0)).starts_with("0 certificates reminded, 1 already")
    );
    assert_eq!(reminded_days(&server, &renewed), ["30"]);
}

#[derive(Serialize)]
struct ConfigFile {
    projects: Vec<Project>,
}

#[tokio::test]
async fn revoked_renewed_and_contactless_certificates_get_none() {
    // One-month renewals, so a renewed certificate is soon in its window again and can
    // itself be renewed.
    let mut project = server::projects::samples().remove(0);
    project.prices = vec![Price {
        months: 1,
        fen: 100,
    }];
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("certrenew.toml");
    std::fs::write(
        &config,
        toml::to_string(&ConfigFile {
            projects: vec![project],
        })
        .unwrap(),
    )
    .unwrap();
    let server = TestServer::start_with(&[("CERTRENEW_CONFIG", config.to_str().unwrap())]).await;

    // A: renewed (its renewal completed) and then renewed again into B.
    let (_, a) = complete_renewal(&server, &server.user("甲", 30), "gd-med", 1).await;
    let (_, b) = complete_renewal(&server, &a, "gd-med", 1).await;
    // C: revoked.
    let (_, c) = complete_renewal(&server, &server.user("丙", 30), "gd-med", 1).await;
    let serial_c = certinfo::facts(&c.der).unwrap().serial_hex;
    let (ok, _, err) = server.cli(&["admin", "revoke", "--serial", &serial_c]);
    assert!(ok, "{err}");
    // D: in the inventory without a renewal behind it (no one to tell).
    let not_after_a = not_after_of(&server, &a);
    let der = if server.db.is_postgres() {
        "decode('00', 'hex')"
    } else {
        "X'00'"
    };
    server.sql(&format!(
        "INSERT INTO certificates (sha256, serial, business_no, der, subject, not_before, not_after, status, issued_at) VALUES ('{}', '0d', NULL, {der}, 'CN=丁', 0, {not_after_a}, 'confirmed', 0)",
        "d".repeat(64)
    ));

    // Three days before A and C expire, B (a month later) has crossed 90 days only.
    let now = before(not_after_a, 3.0);
    assert_eq!(
        remind(&server, &now),
        "1 certificates reminded, 0 already reminded, 1 skipped without a contact"
    );
    assert_eq!(
        server.sql("SELECT cert_sha256 FROM reminders"),
        b.sha256(),
        "only B, the current certificate"
    );
    assert_eq!(reminded_days(&server, &b), ["90"]);
    assert!(reminded_days(&server, &a).is_empty() && reminded_days(&server, &c).is_empty());
    assert_eq!(
        server.count("SELECT COUNT(*) FROM outbox WHERE template = 'reminder'"),
        2
    );
}
