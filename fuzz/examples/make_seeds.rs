//! Writes the committed seed corpora:
//!
//! - `seeds/host_input/`: stdin byte streams as Chrome sends them (framed with the
//!   host's own `write_frame`), including broken framing;
//! - `seeds/request_json/`: the frame bodies alone.
//!
//! Run from `fuzz/`: `cargo run --example make_seeds`. The output is deterministic.

use std::fs;
use std::path::Path;

use native_host::framing::write_frame;

const ORIGIN: &str = "https://ca.example.com";
const CHALLENGE: &str = "AAAAAAAAAAAAAAAAAAAAAA==";

fn main() {
    let cert = "ab".repeat(32);
    let payload = "cd".repeat(32);
    let req = |id: &str, cmd: &str, args: &str| {
        format!(r#"{{"v":1,"id":"{id}","origin":"{ORIGIN}","cmd":"{cmd}","args":{args}}}"#)
    };
    let bodies: Vec<(&str, String)> = vec![
        (
            "hello",
            format!(r#"{{"v":1,"id":"1","origin":"{ORIGIN}","cmd":"hello"}}"#),
        ),
        ("list_certificates", req("2", "list_certificates", "{}")),
        (
            "sign_login_pin",
            req(
                "3",
                "sign",
                &format!(
                    r#"{{"token":"T1","cert_sha256":"{cert}","pin":"123456","purpose":"login","challenge":"{CHALLENGE}"}}"#
                ),
            ),
        ),
        (
            "sign_apply_pin",
            req(
                "4",
                "sign",
                &format!(
                    r#"{{"token":"T1","cert_sha256":"{cert}","pin":"s3cret-pin","purpose":"apply","challenge":"{CHALLENGE}","payload_sha256":"{payload}"}}"#
                ),
            ),
        ),
        (
            "generate_csr",
            req(
                "5",
                "generate_csr",
                &format!(
                    r#"{{"token":"T1","cert_sha256":"{cert}","pin":"123456","algorithm":"ec-p256","challenge":"{CHALLENGE}"}}"#
                ),
            ),
        ),
        (
            "install_certificate",
            req(
                "6",
                "install_certificate",
                &format!(
                    r#"{{"token":"T1","key_id":"0a1b2c3d","certificate":"MIIBAA==","retire":"{cert}","pin":"123456","challenge":"{CHALLENGE}"}}"#
                ),
            ),
        ),
        (
            "discard_key",
            req(
                "7",
                "discard_key",
                r#"{"token":"T1","key_id":"0a1b","pin":"123456"}"#,
            ),
        ),
        // Rejections: each one a different branch of parse_request.
        ("not_json", "{\"v\":1,".to_owned()),
        (
            "wrong_version",
            req("8", "hello", "null").replace("\"v\":1", "\"v\":2"),
        ),
        ("pin_on_hello", req("9", "hello", r#"{"pin":"123456"}"#)),
        (
            "bad_origin",
            req("10", "hello", "{}").replace(ORIGIN, "http://evil.example"),
        ),
        ("unknown_cmd", req("11", "format_token", "{}")),
        (
            "apply_without_payload",
            req(
                "12",
                "sign",
                &format!(
                    r#"{{"token":"T1","cert_sha256":"{cert}","pin":"123456","purpose":"apply","challenge":"{CHALLENGE}"}}"#
                ),
            ),
        ),
    ];

    let host = Path::new("seeds/host_input");
    let json = Path::new("seeds/request_json");
    fs::create_dir_all(host).unwrap();
    fs::create_dir_all(json).unwrap();
    let framed = |body: &[u8]| {
        let mut out = Vec::new();
        write_frame(&mut out, body).unwrap();
        out
    };

    for (i, (name, body)) in bodies.iter().enumerate() {
        // The first seven are valid requests, the rest are rejected: keep them so.
        let parsed = protocol::host::parse_request(body.as_bytes());
        assert_eq!(parsed.is_ok(), i < 7, "{name}: {parsed:?}");
        fs::write(json.join(name), body).unwrap();
        fs::write(host.join(format!("{name}.bin")), framed(body.as_bytes())).unwrap();
    }

    // A session: several requests in one stream, as Chrome sends them.
    let mut session = Vec::new();
    for name in ["hello", "list_certificates", "sign_login_pin", "not_json"] {
        let body = &bodies.iter().find(|(n, _)| *n == name).unwrap().1;
        session.extend(framed(body.as_bytes()));
    }
    fs::write(host.join("session.bin"), &session).unwrap();

    // Broken framing.
    let hello = framed(bodies[0].1.as_bytes());
    fs::write(host.join("truncated_length.bin"), &hello[..2]).unwrap();
    fs::write(host.join("truncated_body.bin"), &hello[..hello.len() - 5]).unwrap();
    let mut after_good = hello.clone();
    after_good.extend_from_slice(&hello[..7]);
    fs::write(host.join("truncated_after_good_frame.bin"), &after_good).unwrap();
    fs::write(
        host.join("oversized_length_max.bin"),
        0xffff_ffffu32.to_le_bytes(),
    )
    .unwrap();
    let just_over = u32::try_from(protocol::MAX_MESSAGE_BYTES + 1).unwrap();
    let mut over = just_over.to_le_bytes().to_vec();
    over.extend_from_slice(b"{}");
    fs::write(host.join("oversized_length_1mib_plus_1.bin"), &over).unwrap();
    fs::write(host.join("empty_frame.bin"), framed(b"")).unwrap();

    println!(
        "wrote {} seeds to {} and {} to {}",
        fs::read_dir(host).unwrap().count(),
        host.display(),
        fs::read_dir(json).unwrap().count(),
        json.display()
    );
}
