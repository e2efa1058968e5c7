//! The audit trail without one head row (issue 16): one chain per subject, checkpoints
//! signed by the CA. Someone with write access to the database changes, inserts or
//! deletes rows, deletes a chain's tail or a whole chain, rewrites a chain with fresh
//! hashes, or forges a checkpoint; `audit verify` fails and names the row each time,
//! also after a (compromised) server signed a checkpoint over the forgery. Runs on
//! SQLite, and on PostgreSQL with `CERTRENEW_TEST_POSTGRES`.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

/// A stopped server whose trail holds two renewals (one paid), with a signed
/// checkpoint, and a copy of the audit tables to restore between tamperings.
/// Returns the server and the two renewals' business numbers (paid first).
async fn trail(env: &[(&str, &str)]) -> (TestServer, String, String) {
    let s = TestServer::start_with(env).await;
    let mut numbers = Vec::new();
    for (cn, pay) in [("审计甲", true), ("审计乙", false)] {
        let user = s.user(cn, 30);
        let client = s.login(&user).await;
        let (status, body) = s.apply(&client, &user, "gd-med", 12).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let no = body["business_no"].as_str().unwrap().to_owned();
        if pay {
            let order = s.pay(&client, &no).await;
            s.gateway(&order, "paid", 1, 0).await;
        }
        numbers.push(no);
    }
    // Nothing else writes while the tables are tampered with.
    s.kill9();
    let (ok, out, err) = s.cli(&["audit", "checkpoint"]);
    assert!(ok && out.contains("checkpoint 1 signed"), "{out}{err}");
    intact(&s);
    s.sql(
        "CREATE TABLE audit_copy AS SELECT * FROM audit; \
         CREATE TABLE chains_copy AS SELECT * FROM audit_chains; \
         CREATE TABLE checkpoints_copy AS SELECT * FROM audit_checkpoints",
    );
    let second = numbers.pop().unwrap();
    (s, numbers.pop().unwrap(), second)
}

fn intact(s: &TestServer) {
    let (ok, out, err) = s.cli(&["audit", "verify"]);
    assert!(ok && out.contains("intact"), "{out}{err}");
}

/// `audit verify` fails; its output.
fn broken(s: &TestServer) -> String {
    let (ok, out, err) = s.cli(&["audit", "verify"]);
    assert!(!ok, "the tampering went unnoticed: {out}{err}");
    out
}

fn restore(s: &TestServer) {
    s.sql(
        "DELETE FROM audit; INSERT INTO audit SELECT * FROM audit_copy; \
         DELETE FROM audit_chains; INSERT INTO audit_chains SELECT * FROM chains_copy; \
         DELETE FROM audit_checkpoints; INSERT INTO audit_checkpoints SELECT * FROM checkpoints_copy",
    );
    intact(s);
}

/// The hash a forger computes for a row (the server's formula, which is public).
#[allow(clippy::too_many_arguments)]
fn row_hash(
    prev_hash: &str,
    chain: &str,
    seq: i64,
    prev_id: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    data: &str,
) -> String {
    let canonical = json!([
        prev_hash, chain, seq, prev_id, at, actor, action, subject, data
    ])
    .to_string();
    hex(&Sha256::digest(canonical.as_bytes()))
}

/// Row `id`'s column.
fn field(s: &TestServer, id: i64, column: &str) -> String {
    s.sql(&format!("SELECT {column} FROM audit WHERE id = {id}"))
}

#[tokio::test]
async fn every_kind_of_tampering_is_named() {
    let (s, paid, other) = trail(&[]).await;
    let ids = |chain: &str| -> Vec<i64> {
        s.sql(&format!(
            "SELECT id FROM audit WHERE chain = '{chain}' ORDER BY chain_seq"
        ))
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
    };
    let paid_rows = ids(&paid);
    assert!(paid_rows.len() >= 2, "{paid_rows:?}");
    let (first, last) = (paid_rows[0], *paid_rows.last().unwrap());
    // Each renewal has a chain of its own; the rows name their chain's previous row.
    assert_eq!(field(&s, paid_rows[1], "prev_id"), first.to_string());
    assert_eq!(
        s.count(&format!(
            "SELECT COUNT(*) FROM audit_chains WHERE chain IN ('{paid}', '{other}')"
        )),
        2
    );

    // Changed.
    s.sql(&format!(
        "UPDATE audit SET data = '{{\"forged\":1}}' WHERE id = {first}"
    ));
    let out = broken(&s);
    assert!(
        out.contains(&format!("row {first}")) && out.contains("changed"),
        "{out}"
    );
    restore(&s);

    // Deleted inside a chain: the next row of the chain names it.
    s.sql(&format!("DELETE FROM audit WHERE id = {first}"));
    let out = broken(&s);
    assert!(out.contains(&format!("row {first} is missing")), "{out}");
    restore(&s);

    // Inserted: a backdated row appended to the chain with a correct hash and head,
    // even once a (compromised) server has signed a checkpoint over it.
    let head_hash = s.sql(&format!(
        "SELECT last_hash FROM audit_chains WHERE chain = '{paid}'"
    ));
    let seq = s.count(&format!(
        "SELECT last_seq FROM audit_chains WHERE chain = '{paid}'"
    )) + 1;
    let at = s.count("SELECT MIN(at) FROM audit_checkpoints") - 3_600_000;
    let forged = s.count("SELECT MAX(id) FROM audit") + 1;
    let data = "{\"refund_fen\":100}";
    let hash = row_hash(
        &head_hash,
        &paid,
        seq,
        last,
        at,
        "system",
        "renewal.refunded",
        &paid,
        data,
    );
    s.sql(&format!(
        "INSERT INTO audit (id, at, actor, action, subject, data, prev_hash, hash, chain, chain_seq, prev_id) \
         VALUES ({forged}, {at}, 'system', 'renewal.refunded', '{paid}', '{data}', '{head_hash}', '{hash}', '{paid}', {seq}, {last}); \
         UPDATE audit_chains SET last_seq = {seq}, last_id = {forged}, last_hash = '{hash}', signed_in = NULL WHERE chain = '{paid}'"
    ));
    let out = broken(&s);
    assert!(out.contains(&format!("row {forged} was inserted")), "{out}");
    let (ok, out, err) = s.cli(&["audit", "checkpoint"]);
    assert!(ok && out.contains("checkpoint 2 signed"), "{out}{err}");
    let out = broken(&s);
    assert!(out.contains(&format!("row {forged} was inserted")), "{out}");
    restore(&s);

    // A chain's tail deleted and its head set back to the row before: the checkpoint
    // still names the deleted row; so does a later checkpoint over the shortened chain.
    let before = paid_rows[paid_rows.len() - 2];
    s.sql(&format!(
        "DELETE FROM audit WHERE id = {last}; \
         UPDATE audit_chains SET last_seq = last_seq - 1, last_id = {before}, \
         last_hash = (SELECT hash FROM audit WHERE id = {before}), signed_in = NULL WHERE chain = '{paid}'"
    ));
    let out = broken(&s);
    assert!(
        out.contains(&format!("row {last}")) && out.contains("missing from the end"),
        "{out}"
    );
    let (ok, out, err) = s.cli(&["audit", "checkpoint"]);
    assert!(ok, "{out}{err}");
    let out = broken(&s);
    assert!(
        out.contains(&format!("row {last}")) && out.contains("missing from the end"),
        "{out}"
    );
    restore(&s);

    // A whole chain deleted, head and all.
    let other_last = *ids(&other).last().unwrap();
    s.sql(&format!(
        "DELETE FROM audit WHERE chain = '{other}'; DELETE FROM audit_chains WHERE chain = '{other}'"
    ));
    let out = broken(&s);
    assert!(
        out.contains(&format!("row {other_last}"))
            && out.contains(&format!("chain {other} was deleted")),
        "{out}"
    );
    restore(&s);

    // A chain's last row rewritten with a recomputed hash and head: the checkpoint
    // signed the old hash.
    let prev_hash = field(&s, last, "prev_hash");
    let hash = row_hash(
        &prev_hash,
        &paid,
        field(&s, last, "chain_seq").parse().unwrap(),
        field(&s, last, "prev_id").parse().unwrap(),
        field(&s, last, "at").parse().unwrap(),
        "system:forged",
        &field(&s, last, "action"),
        &paid,
        &field(&s, last, "data"),
    );
    s.sql(&format!(
        "UPDATE audit SET actor = 'system:forged', hash = '{hash}' WHERE id = {last}; \
         UPDATE audit_chains SET last_hash = '{hash}' WHERE chain = '{paid}'"
    ));
    let out = broken(&s);
    assert!(out.contains(&format!("row {last} was rewritten")), "{out}");
    restore(&s);

    // A checkpoint forged without the CA key.
    let prev = s.sql("SELECT prev_hash FROM audit_checkpoints WHERE id = 1");
    let cp_at = s.count("SELECT at FROM audit_checkpoints WHERE id = 1");
    let cp_hash = hex(&Sha256::digest(
        json!([prev, 1, cp_at, "[]"]).to_string().as_bytes(),
    ));
    s.sql(&format!(
        "UPDATE audit_checkpoints SET heads = '[]', hash = '{cp_hash}' WHERE id = 1"
    ));
    let out = broken(&s);
    assert!(out.contains("CA's signature"), "{out}");
    restore(&s);
}

/// With `CERTRENEW_AUDIT_KEY`, a checkpoint written by a process without the key (one
/// that can reach the CA but not the key) fails the anchor check.
#[tokio::test]
async fn a_checkpoint_without_the_audit_key_fails_the_anchor_check() {
    let key = [("CERTRENEW_AUDIT_KEY", "a test audit key, 32 bytes long.")];
    let (s, _, _) = trail(&key).await;
    let user = s.user("审计丙", 30);
    s.spawn().await;
    let client = s.login(&user).await;
    assert_eq!(
        s.apply(&client, &user, "gd-med", 12).await.0,
        StatusCode::CREATED
    );
    s.kill9();
    let out = s
        .command()
        .env_remove("CERTRENEW_AUDIT_KEY")
        .args(["audit", "checkpoint"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (ok, out, _) = s.cli(&["audit", "verify"]);
    assert!(!ok && out.contains("CERTRENEW_AUDIT_KEY"), "{out}");
}
