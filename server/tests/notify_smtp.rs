//! Notifications delivered to real receivers: a local SMTP server (Python's `aiosmtpd`,
//! Debian `python3-aiosmtpd`, started per test on a free loopback port) that stores
//! every message it accepts, and an SMS webhook served inside the test.
//!
//! The SMTP sink parses what arrives with Python's `email` package, an independent
//! witness that the UTF-8 (Chinese) subjects and bodies lettre encodes decode back to
//! the text the templates wrote.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use server::config::{NotifyConfig, SmtpConfig};
use server::notify::NotifyError;
use server::notify::sender::{SendError, Sender};
use server::notify::templates::{self, Message};

/// Sends through a sender built from `config` (the server builds its own once).
async fn send_with(
    config: &NotifyConfig,
    channel: &str,
    recipient: &str,
    template: &str,
    lang: &str,
    params: &Value,
) -> Result<(), NotifyError> {
    let sender = Sender::from_config(config)?;
    server::notify::send(
        &*sender.email(),
        &*sender.sms(),
        channel,
        recipient,
        template,
        lang,
        params,
    )
    .await
}

const NO: &str = "01202501020000003";
const URL: &str = "https://ca.example.com/renewals/01202501020000003";
const FROM: &str = "noreply@ca.example";

/// The SMTP sink: accepts everything on 127.0.0.1, writes each message to `<n>.eml`
/// and a parsed summary to `<n>.json` (atomically), prints its port once it accepts
/// connections, and stops when its standard input closes (so it also ends if the test
/// process dies without running destructors).
const SINK: &str = r#"
import email, email.policy, json, os, socket, sys, threading
from aiosmtpd.controller import Controller

out = sys.argv[1]

class Sink:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        raw = envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        wire = email.message_from_bytes(raw, policy=email.policy.compat32)
        part = msg.get_body(("plain",)) if msg.is_multipart() else msg
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "subject": str(msg["subject"]),
            "raw_subject": str(wire["Subject"]),
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "body": part.get_content(),
            "seven_bit": all(b < 128 for b in raw),
        }
        with open(os.path.join(out, "%d.eml" % n), "wb") as f:
            f.write(raw)
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

/// The Python that has Debian's `aiosmtpd`: `CERTRENEW_TEST_PYTHON`, else the system
/// interpreter (a pyenv shim earlier on PATH does not see Debian's packages).
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

/// A running SMTP sink; killed, and its folder removed, when dropped.
struct SmtpSink {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let python = python();
        let mut child = Command::new(&python)
            .arg("-c")
            .arg(SINK)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let stdin = child.stdin.take().expect("stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the sink's port");
        let port: u16 = match line.trim().parse() {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the SMTP sink did not start (is Debian's python3-aiosmtpd installed for {}? see its error above)",
                    python.display()
                );
            }
        };
        let sink = Self {
            child,
            _stdin: stdin,
            port,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the SMTP sink never accepted on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        sink
    }

    fn config(&self) -> NotifyConfig {
        NotifyConfig {
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: self.port,
                tls: "none".into(),
                from: format!("数字证书续期 <{FROM}>"),
                username: None,
                password: None,
            }),
            sms_webhook: None,
        }
    }

    /// The first `count` messages received, in order, waiting up to 10 s for them.
    async fn messages(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found: Vec<Value> = (1..=count)
                .map_while(|n| {
                    let text =
                        std::fs::read_to_string(self.dir.path().join(format!("{n}.json"))).ok()?;
                    Some(serde_json::from_str(&text).expect("the sink's JSON"))
                })
                .collect();
            if found.len() == count {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {count} messages reached the SMTP sink",
                found.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn received(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SMS webhook inside the test: `POST /sms` records the JSON body and answers 200;
/// `POST /busy` answers 503.
struct Webhook {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Webhook {
    async fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
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
            .route(
                "/busy",
                post(|| async { (StatusCode::SERVICE_UNAVAILABLE, "gateway busy") }),
            )
            .with_state(Arc::clone(&received));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            received,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn received(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn params(template: &str) -> Value {
    match template {
        "submitted" => {
            json!({ "business_no": NO, "total_fen": 10000, "subject": "CN=广州某某医疗器械有限公司" })
        }
        "paid" => json!({ "business_no": NO, "from": "awaiting_payment", "to": "in_review" }),
        "approved" => {
            json!({ "business_no": NO, "from": "in_review", "to": "approved", "install_url": URL })
        }
        "rejected" => {
            json!({ "business_no": NO, "from": "in_review", "to": "rejected", "reason": "经办人姓名与证书不符" })
        }
        "completed" => json!({ "business_no": NO, "from": "issued", "to": "completed" }),
        _ => json!({ "business_no": NO }),
    }
}

const TEMPLATES: [&str; 6] = [
    "submitted",
    "paid",
    "approved",
    "rejected",
    "completed",
    "invoice_issued",
];

/// Text with the line breaks of the wire taken back to `\n`, without trailing space.
fn lines(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_owned()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[tokio::test]
async fn approved_email_arrives_in_chinese_with_the_install_link() {
    let sink = SmtpSink::start();
    let config = sink.config();
    send_with(
        &config,
        "email",
        "operator@example.com",
        "approved",
        "zh",
        &params("approved"),
    )
    .await
    .expect("sent to the local SMTP server");

    let got = &sink.messages(1).await[0];
    assert_eq!(got["rcpt_tos"], json!(["operator@example.com"]));
    assert_eq!(str_of(got, "mail_from"), FROM);
    assert_eq!(str_of(got, "from"), format!("数字证书续期 <{FROM}>"));
    assert_eq!(str_of(got, "to"), "operator@example.com");
    assert_eq!(
        str_of(got, "subject"),
        format!("证书续期审核已通过，请安装新证书（业务单号 {NO}）")
    );
    // On the wire the subject is a MIME encoded word and the whole message 7-bit.
    assert!(
        str_of(got, "raw_subject")
            .to_ascii_lowercase()
            .starts_with("=?utf-8?"),
        "{}",
        got["raw_subject"]
    );
    assert_eq!(got["seven_bit"], json!(true));
    assert_eq!(str_of(got, "content_type"), "text/plain");
    assert_eq!(str_of(got, "charset"), "utf-8");
    let body = str_of(got, "body");
    assert!(
        body.contains(&format!(
            "审核已通过，请插入USB Key，打开 {URL} 安装新证书，安装过程中请勿拔出Key"
        )),
        "{body}"
    );
}

#[tokio::test]
async fn every_template_arrives_intact_in_both_languages() {
    let sink = SmtpSink::start();
    let config = sink.config();
    let mut expected = Vec::new();
    for template in TEMPLATES {
        for lang in ["zh", "en"] {
            send_with(
                &config,
                "email",
                "operator@example.com",
                template,
                lang,
                &params(template),
            )
            .await
            .unwrap_or_else(|e| panic!("{template}/{lang}: {e}"));
            expected.push((
                template,
                lang,
                templates::render(template, lang, &params(template)).unwrap(),
            ));
        }
    }
    let got = sink.messages(expected.len()).await;
    for ((template, lang, want), got) in expected.iter().zip(&got) {
        assert_eq!(str_of(got, "subject"), want.subject, "{template}/{lang}");
        assert_eq!(
            lines(str_of(got, "body")),
            lines(&want.body),
            "{template}/{lang}"
        );
        assert!(str_of(got, "subject").contains(NO), "{template}/{lang}");
    }
    // English for "en": the submitted e-mail, with the amount in yuan.
    let en = &got[1];
    assert_eq!(
        str_of(en, "subject"),
        format!("Certificate renewal submitted (business number {NO})")
    );
    assert!(str_of(en, "body").contains("Amount due: ¥100.00"));
    let zh = &got[0];
    assert!(str_of(zh, "body").contains(&format!(
        "您的数字证书续期申请已提交，业务单号 {NO}，请在缴费页面完成支付"
    )));
    assert!(str_of(zh, "body").contains("应缴金额：¥100.00"));
    assert_eq!(sink.received(), expected.len());
}

#[tokio::test]
async fn the_sender_alone_delivers_utf8_to_a_named_recipient() {
    let sink = SmtpSink::start();
    let sender = Sender::from_config(&sink.config()).unwrap();
    assert!(sender.has_smtp() && !sender.has_sms_webhook());
    let msg = Message {
        subject: "测试：数字证书续期 ✓ and a rather long English tail that must be folded over more than one header line".into(),
        body: "第一行\n第二行：请勿拔出Key。\n".repeat(40),
    };
    sender
        .send_email("张三 <zhangsan@example.com>", &msg)
        .await
        .unwrap();
    let got = &sink.messages(1).await[0];
    assert_eq!(got["rcpt_tos"], json!(["zhangsan@example.com"]));
    assert_eq!(str_of(got, "to"), "张三 <zhangsan@example.com>");
    assert_eq!(str_of(got, "subject"), msg.subject);
    assert_eq!(lines(str_of(got, "body")), lines(&msg.body));
}

#[tokio::test]
async fn sms_webhook_receives_to_and_text() {
    let hook = Webhook::start().await;
    let config = NotifyConfig {
        smtp: None,
        sms_webhook: Some(hook.url("/sms?key=secret")),
    };
    send_with(
        &config,
        "sms",
        "13800138000",
        "submitted",
        "zh",
        &params("submitted"),
    )
    .await
    .unwrap();
    send_with(
        &config,
        "sms",
        "13800138000",
        "approved",
        "en",
        &params("approved"),
    )
    .await
    .unwrap();
    let got = hook.received();
    assert_eq!(got.len(), 2, "{got:?}");
    let first = got[0].as_object().unwrap();
    assert_eq!(first.len(), 2, "only to and text: {got:?}");
    assert_eq!(first["to"], "13800138000");
    let text = first["text"].as_str().unwrap();
    assert!(
        text.starts_with("【certrenew】") && text.contains(NO),
        "{text}"
    );
    assert!(text.contains("¥100.00"), "{text}");
    assert!(text.chars().count() <= templates::SMS_MAX_CHARS);
    let text = got[1]["text"].as_str().unwrap();
    assert!(
        text.starts_with("[certrenew]") && text.contains(URL),
        "{text}"
    );

    // E-mail is not configured here: it goes to the log and counts as sent.
    send_with(
        &config,
        "email",
        "a@example.com",
        "paid",
        "zh",
        &params("paid"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_failing_webhook_is_an_error_to_retry() {
    let hook = Webhook::start().await;
    let config = NotifyConfig {
        smtp: None,
        sms_webhook: Some(hook.url("/busy?key=secret")),
    };
    let e = send_with(&config, "sms", "13800138000", "paid", "zh", &params("paid"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            NotifyError::Send(SendError::WebhookStatus { status: 503, body, .. }) if body == "gateway busy"
        ),
        "{e:?}"
    );
    assert!(!e.is_permanent());
    assert!(!e.to_string().contains("secret"), "{e}");

    // Nothing listening at all.
    let port = free_port();
    let config = NotifyConfig {
        smtp: None,
        sms_webhook: Some(format!("http://127.0.0.1:{port}/sms?key=secret")),
    };
    let e = send_with(&config, "sms", "13800138000", "paid", "zh", &params("paid"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, NotifyError::Send(SendError::Webhook { .. })),
        "{e:?}"
    );
    assert!(
        !e.is_permanent() && !e.to_string().contains("secret"),
        "{e}"
    );
}

#[tokio::test]
async fn an_smtp_server_that_is_down_is_an_error_to_retry() {
    let sink = SmtpSink::start();
    let config = sink.config();
    send_with(
        &config,
        "email",
        "a@example.com",
        "paid",
        "zh",
        &params("paid"),
    )
    .await
    .unwrap();
    assert_eq!(sink.messages(1).await.len(), 1);
    // The server goes away (its pooled connection with it).
    drop(sink);
    let e = send_with(
        &config,
        "email",
        "a@example.com",
        "paid",
        "zh",
        &params("paid"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, NotifyError::Send(SendError::Smtp { .. })),
        "{e:?}"
    );
    assert!(!e.is_permanent(), "{e}");

    // A server that never was.
    let port = free_port();
    let mut config = config;
    config.smtp.as_mut().unwrap().port = port;
    let e = send_with(
        &config,
        "email",
        "a@example.com",
        "paid",
        "en",
        &params("paid"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, NotifyError::Send(SendError::Smtp { .. })) && !e.is_permanent(),
        "{e:?}"
    );
}

/// A loopback port nobody listens on (bound, then released).
fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
