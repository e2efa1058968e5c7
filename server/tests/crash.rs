//! kill -9 in the middle of load: after a restart every renewal and payment the server
//! had accepted is still there, and the audit chain is intact.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_accepted_is_lost_to_a_kill_9() {
    let server = Arc::new(TestServer::start().await);
    let users: Vec<User> = (0..24)
        .map(|i| server.user(&format!("用户{i}"), 30))
        .collect();
    // What the server acknowledged: (business_no, paid notice acknowledged?).
    let accepted: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let mut tasks = Vec::new();
    for user in users {
        let (server, accepted) = (Arc::clone(&server), Arc::clone(&accepted));
        tasks.push(tokio::spawn(async move {
            let client = server.login(&user).await;
            let (status, body) = server.apply(&client, &user, "gd-med", 12).await;
            if status != StatusCode::CREATED {
                return;
            }
            let no = body["business_no"].as_str().unwrap_or_default().to_owned();
            accepted.lock().unwrap().push((no.clone(), false));
            let Ok(r) = client
                .post(server.url(&format!("/api/v1/renewals/{no}/payments")))
                .json(&serde_json::json!({"method": "alipay", "invoice": {"kind": "paper", "title": "测试"}}))
                .send()
                .await
            else {
                return;
            };
            let Ok(body) = r.json::<serde_json::Value>().await else { return };
            let Some(out_trade_no) = body["payment"]["out_trade_no"].as_str() else { return };
            // The customer's browser at the Alipay emulator's cashier, then paid there.
            let Some(pay_url) = body["payment"]["pay_url"].as_str() else { return };
            if server.client.get(pay_url).send().await.is_err() {
                return;
            }
            let Ok(r) = server.client.post(server.url("/sandbox/alipay/buyer/pay")).json(&serde_json::json!({"out_trade_no": out_trade_no})).send().await else {
                return;
            };
            let Ok(answer) = r.json::<serde_json::Value>().await else { return };
            if answer["answers"] == serde_json::json!([{"status": 200, "body": "success"}]) {
                let mut list = accepted.lock().unwrap();
                if let Some(entry) = list.iter_mut().find(|(n, _)| *n == no) {
                    entry.1 = true;
                }
            }
        }));
    }
    // Let some of the work land, then pull the plug.
    for _ in 0..400 {
        if accepted
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, paid)| *paid)
            .count()
            >= 4
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill9();
    for t in tasks {
        let _ = t.await;
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(
        !accepted.is_empty(),
        "some renewals were accepted before the kill"
    );
    eprintln!(
        "accepted before the kill: {} renewals, {} paid",
        accepted.len(),
        accepted.iter().filter(|(_, p)| *p).count()
    );

    server.spawn().await;
    for (no, paid) in &accepted {
        let stored = server.count(&format!(
            "SELECT COUNT(*) FROM renewals WHERE business_no = '{no}'"
        ));
        assert_eq!(stored, 1, "accepted renewal {no} survived");
        if *paid {
            assert_eq!(
                server.sql(&format!(
                    "SELECT status FROM renewals WHERE business_no = '{no}'"
                )),
                "in_review",
                "{no}"
            );
            let charges = server.count(&format!("SELECT COUNT(*) FROM ledger l JOIN payments p ON p.out_trade_no = l.out_trade_no WHERE p.business_no = '{no}'"));
            assert_eq!(charges, 1, "acknowledged payment of {no} survived");
        }
    }
    let (ok, out, err) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}{err}");
    // And the restarted server serves.
    let user = server.user("重启后", 30);
    let client = server.login(&user).await;
    assert_eq!(
        server.apply(&client, &user, "gd-med", 12).await.0,
        StatusCode::CREATED
    );
}
