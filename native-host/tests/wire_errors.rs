//! Everything a browser, a buggy extension or an attacker can put on the host's stdin
//! gets the right answer and never a panic: truncated, oversized and garbage frames,
//! bad JSON, unknown commands, missing fields, a foreign extension, a page origin that
//! is not https.

mod common;

use common::*;
use serde_json::{Value, json};

fn no_panic(host: &mut Host) {
    let status = host.wait();
    assert!(
        status.code().is_some(),
        "the host exited normally, not by a signal: {status:?}"
    );
    let mut stderr = String::new();
    use std::io::Read;
    if let Some(mut err) = host.child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn eof_before_any_message_exits_zero() {
    let token = TestToken::new();
    let host = token.host();
    assert_eq!(host.finish().code(), Some(0));
}

#[test]
fn oversized_frame_is_refused_and_the_host_exits_nonzero() {
    let token = TestToken::new();
    let mut host = token.host();
    // Announce 1 MiB + 1 and send nothing more: refused on the length alone.
    host.send_raw(&((1024 * 1024 + 1) as u32).to_ne_bytes());
    let answer = host.read_answer().expect("an answer before exiting");
    assert_eq!(answer["error"]["code"], json!("MESSAGE_TOO_LARGE"));
    assert_eq!(answer["id"], Value::Null);
    assert_ne!(host.wait().code(), Some(0));
    no_panic(&mut host);
}

#[test]
fn a_frame_of_4_gib_is_refused_without_allocating_it() {
    let token = TestToken::new();
    let mut host = token.host();
    host.send_raw(&[0xff, 0xff, 0xff, 0xff]);
    let answer = host.read_answer().unwrap();
    assert_eq!(answer["error"]["code"], json!("MESSAGE_TOO_LARGE"));
    no_panic(&mut host);
}

#[test]
fn exactly_one_mib_is_read_and_answered() {
    let token = TestToken::new();
    let mut host = token.host();
    let mut body =
        br#"{"v":1,"id":"big","origin":"https://ca.example.com","cmd":"hello","pad":""#.to_vec();
    body.resize(1024 * 1024 - 2, b'x');
    body.extend_from_slice(b"\"}");
    assert_eq!(body.len(), 1024 * 1024);
    host.send_frame(&body);
    let answer = host.read_answer().unwrap();
    assert_eq!(answer["ok"], json!(true), "{answer}");
    assert_eq!(answer["id"], json!("big"));
}

#[test]
fn truncated_frame_gets_an_error_and_nonzero_exit() {
    let token = TestToken::new();
    let mut host = token.host();
    let mut frame = 100u32.to_ne_bytes().to_vec();
    frame.extend_from_slice(b"{\"v\":1");
    host.send_raw(&frame);
    assert_ne!(host.wait().code(), Some(0));
    let answer = host
        .read_answer()
        .expect("an answer to the truncated frame");
    assert_eq!(answer["error"]["code"], json!("BAD_REQUEST"));
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ended inside")
    );
    no_panic(&mut host);
}

#[test]
fn truncated_length_prefix() {
    let token = TestToken::new();
    let mut host = token.host();
    host.send_raw(&[5, 0]);
    let status = host.wait();
    assert_ne!(status.code(), Some(0));
    no_panic(&mut host);
}

#[test]
fn bad_messages_get_error_answers_and_the_connection_goes_on() {
    let token = TestToken::new();
    let mut host = token.host();
    let cases: Vec<(Vec<u8>, &str, Value)> = vec![
        (b"garbage \x00\xff".to_vec(), "BAD_REQUEST", Value::Null),
        (b"{\"v\":1,".to_vec(), "BAD_REQUEST", Value::Null),
        (b"[]".to_vec(), "BAD_REQUEST", Value::Null),
        (br#"{"v":1,"origin":"https://ca.example.com","cmd":"hello"}"#.to_vec(), "BAD_REQUEST", Value::Null),
        (br#"{"v":1,"id":"a","origin":"https://ca.example.com","cmd":"format_token"}"#.to_vec(), "UNKNOWN_COMMAND", json!("a")),
        (br#"{"v":2,"id":"b","origin":"https://ca.example.com","cmd":"hello"}"#.to_vec(), "UNSUPPORTED_VERSION", json!("b")),
        (br#"{"v":1,"id":"c","origin":"https://ca.example.com","cmd":"sign","args":{}}"#.to_vec(), "BAD_REQUEST", json!("c")),
        (br#"{"v":1,"id":"d","origin":"https://ca.example.com","cmd":"sign","args":{"token":"x","purpose":"login"}}"#.to_vec(), "BAD_REQUEST", json!("d")),
        (br#"{"v":1,"id":"e","origin":"http://ca.example.com","cmd":"hello"}"#.to_vec(), "ORIGIN_REFUSED", json!("e")),
        (br#"{"v":1,"id":"f","origin":"chrome-extension://ohfjkjdnkjegijjeajcndblepfapjcnb","cmd":"hello"}"#.to_vec(), "ORIGIN_REFUSED", json!("f")),
        (br#"{"v":1,"id":"g","cmd":"hello"}"#.to_vec(), "BAD_REQUEST", json!("g")),
        (br#"{"v":1,"id":"h","origin":"https://ca.example.com","cmd":"sign","args":{"token":"T","cert_sha256":"00","purpose":"rekey","challenge":"q83vEjRWeJASNFZ4kBI0Vng=","pin":"123456"}}"#.to_vec(), "BAD_REQUEST", json!("h")),
    ];
    for (body, code, id) in cases {
        host.send_frame(&body);
        let answer = host.read_answer().expect("an answer");
        assert_eq!(answer["v"], json!(1));
        assert_eq!(
            answer["ok"],
            json!(false),
            "{}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(
            answer["error"]["code"],
            json!(code),
            "{}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(answer["id"], id);
        assert!(
            !answer.to_string().contains("123456"),
            "a PIN is never echoed: {answer}"
        );
    }
    let details = host.call("hello", json!({}));
    assert_eq!(
        details["ok"],
        json!(true),
        "the connection still works after bad messages"
    );
    assert_eq!(host.finish().code(), Some(0));
}

#[test]
fn unsupported_version_lists_the_supported_ones() {
    let token = TestToken::new();
    let mut host = token.host();
    let answer = host.request(&json!({"v":7,"id":"x","origin":ORIGIN,"cmd":"hello"}));
    assert_eq!(answer["error"]["details"]["supported"], json!([1]));
}

#[test]
fn answers_come_in_order() {
    let token = TestToken::new();
    let mut host = token.host();
    for i in 0..20 {
        host.send_frame(
            format!(r#"{{"v":1,"id":"n{i}","origin":"{ORIGIN}","cmd":"hello"}}"#).as_bytes(),
        );
    }
    for i in 0..20 {
        assert_eq!(host.read_answer().unwrap()["id"], json!(format!("n{i}")));
    }
}

#[test]
fn a_foreign_extension_is_refused_and_the_host_exits() {
    let token = TestToken::new();
    let mut host = Host::spawn(
        &token,
        "chrome-extension://abcdefghijklmnopabcdefghijklmnop/",
        &[],
    );
    host.send_frame(
        br#"{"v":1,"id":"x","origin":"https://ca.example.com","cmd":"list_certificates"}"#,
    );
    let answer = host.read_answer().unwrap();
    assert_eq!(answer["error"]["code"], json!("ORIGIN_REFUSED"));
    assert_eq!(answer["id"], json!("x"));
    assert!(host.read_answer().is_none(), "nothing more is answered");
    assert_ne!(host.wait().code(), Some(0));
}

#[test]
fn a_malformed_caller_is_refused() {
    let token = TestToken::new();
    let mut host = Host::spawn(&token, "chrome-extension://not-an-id/", &[]);
    host.send_frame(br#"{"v":1,"id":"x","origin":"https://ca.example.com","cmd":"hello"}"#);
    assert_eq!(
        host.read_answer().unwrap()["error"]["code"],
        json!("ORIGIN_REFUSED")
    );
}

#[test]
fn an_extension_allowed_by_the_config_file_is_served() {
    let token = TestToken::new();
    std::fs::write(
        token.path("host.toml"),
        "allowed_extensions = [\"abcdefghijklmnopabcdefghijklmnop\"]\n",
    )
    .unwrap();
    let mut host = Host::spawn(
        &token,
        "chrome-extension://abcdefghijklmnopabcdefghijklmnop/",
        &[],
    );
    assert_eq!(host.call("hello", json!({}))["ok"], json!(true));
    // ... and the development id is then no longer allowed.
    let mut dev = token.host();
    assert_eq!(
        dev.call("hello", json!({}))["error"]["code"],
        json!("ORIGIN_REFUSED")
    );
}

#[test]
fn development_origins_are_accepted() {
    let token = TestToken::new();
    let mut host = token.host();
    for origin in [
        "http://127.0.0.1:8080",
        "http://localhost:3000",
        "https://ca.example.com:8443",
    ] {
        let answer = host.request(&json!({"v":1,"id":"x","origin":origin,"cmd":"hello"}));
        assert_eq!(answer["ok"], json!(true), "{origin}");
    }
}
