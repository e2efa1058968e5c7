//! Test support: the real server binary on a loopback port with its own data folder
//! (SQLite by default, a fresh PostgreSQL database when `CERTRENEW_TEST_POSTGRES` names
//! a server), software keys standing in for tokens, and certificates for them from the
//! server's own CA (`certrenew-server ca issue`).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_certrenew-server");

/// Where every test server keeps the sandbox's emulated gateway keys: eight RSA keys
/// made once for the whole suite rather than at each start (in the target directory).
pub const SANDBOX_KEYS: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/sandbox-keys");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where the test's database lives.
pub enum Database {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Database {
    fn new(dir: &std::path::Path) -> Self {
        match std::env::var("CERTRENEW_TEST_POSTGRES")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(base) => {
                let name = format!("certrenew_t_{}", hex(&rand_bytes(6)));
                psql(&base, &format!("CREATE DATABASE {name}"));
                Database::Postgres {
                    admin_url: base,
                    name,
                }
            }
            None => Database::Sqlite(dir.join("certrenew.db")),
        }
    }

    pub fn url(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("sqlite://{}?mode=rwc", path.display()),
            Database::Postgres { admin_url, name } => {
                let base = admin_url.trim_end_matches('/');
                let cut = base
                    .rfind('/')
                    .filter(|&i| i > base.find("://").map_or(0, |s| s + 2))
                    .unwrap_or(base.len());
                format!("{}/{name}", &base[..cut])
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Database::Postgres { .. })
    }
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Database::Postgres { admin_url, name } = self {
            let _ = Command::new("psql")
                .arg(&*admin_url)
                .args([
                    "-qc",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .output();
        }
    }
}

/// A running server.
pub struct TestServer {
    pub dir: TempDir,
    pub port: u16,
    pub origin: String,
    pub db: Database,
    child: std::sync::Mutex<Option<Child>>,
    pub client: reqwest::Client,
    extra_env: Vec<(String, String)>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    pub async fn start_with(env: &[(&str, &str)]) -> Self {
        let server = Self::stopped(env);
        server.spawn().await;
        server
    }

    /// A server prepared but not started (for set-up commands before `serve`).
    pub fn stopped(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::new(dir.path());
        let port = free_port();
        TestServer {
            origin: format!("http://127.0.0.1:{port}"),
            port,
            db,
            dir,
            child: std::sync::Mutex::new(None),
            client: client(),
            extra_env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.env("CERTRENEW_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("CERTRENEW_DATA_DIR", self.dir.path().join("data"))
            .env("CERTRENEW_PUBLIC_ORIGIN", &self.origin)
            .env("DATABASE_URL", self.db.url())
            // The emulated gateways' keys, made by the first server and read by the rest.
            .env("CERTRENEW_SANDBOX_KEY_DIR", SANDBOX_KEYS)
            .env_remove("CERTRENEW_CONFIG")
            .env("RUST_LOG", "warn");
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Starts (or restarts) the serving process and waits until it answers.
    pub async fn spawn(&self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .unwrap();
        let child = self
            .command()
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the server starts");
        *self.child.lock().unwrap() = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self.client.get(self.url("/api/v1/projects")).send().await
                && r.status().is_success()
            {
                return;
            }
            let exited = self
                .child
                .lock()
                .unwrap()
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                panic!("the server exited with {status}: {}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "the server did not come up: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Kills the serving process at once (SIGKILL), as a crash would.
    pub fn kill9(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Runs a CLI subcommand against this server's data; returns (success, stdout, stderr).
    pub fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let out = self.command().args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs SQL on the server's database (for inspection and for breaking things).
    pub fn sql(&self, sql: &str) -> String {
        let out = match &self.db {
            // Waits for the server's own writes (outbox worker, checkpoints) as the
            // server does, instead of failing at once with "database is locked".
            Database::Sqlite(path) => Command::new("sqlite3")
                .args(["-cmd", ".timeout 10000"])
                .arg(path)
                .arg(sql)
                .output()
                .expect("sqlite3 runs"),
            Database::Postgres { .. } => Command::new("psql")
                .arg(self.db.url())
                .args(["-v", "ON_ERROR_STOP=1", "-Atqc", sql])
                .output()
                .expect("psql runs"),
        };
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// How many ledger rows of `kind` (payment, refund, …) there are.
    pub fn ledger_rows(&self, kind: &str) -> i64 {
        self.count(&format!(
            "SELECT COUNT(*) FROM ledger WHERE kind = '{kind}'"
        ))
    }

    /// An emulated gateway's own record of an order (`/sandbox/<gateway>/orders/<no>`).
    pub async fn emulator_order(&self, gateway: &str, out_trade_no: &str) -> Value {
        let path = format!("/sandbox/{gateway}/orders/{out_trade_no}");
        let (status, body) = self.get_as(&self.client, &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.sql(sql)
            .parse()
            .unwrap_or_else(|_| panic!("{sql} is not a count"))
    }

    /// A certificate from the server's CA for a new software key.
    pub fn user(&self, cn: &str, days: i64) -> User {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "CN");
        dn.push(DnType::OrganizationName, "测试医药有限公司");
        dn.push(DnType::CommonName, cn);
        params.distinguished_name = dn;
        let csr = params.serialize_request(&key).unwrap();
        let der = self.ca_issue(csr.der(), days, &[]);
        User { key, der }
    }

    /// The certificate (DER) `certrenew-server ca issue` makes of `csr`, valid `days`
    /// days, with the `extra` arguments (`--project`, `--encryption`, …).
    pub fn ca_issue(&self, csr: &[u8], days: i64, extra: &[&str]) -> Vec<u8> {
        let path = self.dir.path().join(format!("{}.csr", hex(&rand_bytes(4))));
        std::fs::write(&path, csr).unwrap();
        let not_after = (time::OffsetDateTime::now_utc() + time::Duration::days(days))
            .replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let mut args = vec![
            "ca",
            "issue",
            "--csr",
            path.to_str().unwrap(),
            "--not-after",
            &not_after,
        ];
        args.extend_from_slice(extra);
        let (ok, pem_text, err) = self.cli(&args);
        assert!(ok, "ca issue {extra:?}: {err}");
        pem::parse(pem_text.as_bytes()).unwrap().contents().to_vec()
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.post_as(&self.client, path, body).await
    }

    pub async fn post_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let r = client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get_as(&self, client: &reqwest::Client, path: &str) -> (StatusCode, Value) {
        let r = client.get(self.url(path)).send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn challenge(&self) -> String {
        let (status, body) = self.post("/api/v1/challenges", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["challenge"].as_str().unwrap().to_owned()
    }

    /// Signs in `user` with a fresh client (its own cookie jar).
    pub async fn login(&self, user: &User) -> reqwest::Client {
        let client = client();
        let challenge = self.challenge().await;
        let sig = user.sign("login", &self.origin, &challenge, "");
        let (status, body) = self
            .post_as(&client, "/api/v1/sessions", json!({"certificate": b64(&user.der), "challenge": challenge, "signature": b64(&sig)}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        client
    }

    /// Applies as `user` (signed in with `client`); returns (status, body).
    pub async fn apply(
        &self,
        client: &reqwest::Client,
        user: &User,
        project: &str,
        months: u32,
    ) -> (StatusCode, Value) {
        let body = self.apply_body(user, project, months).await;
        self.post_as(client, "/api/v1/renewals", body).await
    }

    /// The body of an application signed by `user` over a fresh challenge.
    pub async fn apply_body(&self, user: &User, project: &str, months: u32) -> Value {
        let application = application_json(months);
        let challenge = self.challenge().await;
        let sig = user.sign(
            "apply",
            &self.origin,
            &challenge,
            &sha256_hex(application.as_bytes()),
        );
        json!({"project": project, "application": b64(application.as_bytes()), "challenge": challenge, "signature": b64(&sig)})
    }

    /// Starts an online payment by Alipay (the production provider, talking to the
    /// sandbox's Alipay emulator) and opens the cashier as the customer's browser
    /// would (a trade exists at Alipay only from then on); returns the out_trade_no.
    pub async fn pay(&self, client: &reqwest::Client, no: &str) -> String {
        let (status, body) = self
            .post_as(client, &format!("/api/v1/renewals/{no}/payments"), json!({"method": "alipay", "invoice": {"kind": "electronic", "title": "测试医药有限公司", "taxpayer_id": "91350100M000100Y43"}}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.open_cashier(body["payment"]["pay_url"].as_str().unwrap())
            .await;
        body["payment"]["out_trade_no"].as_str().unwrap().to_owned()
    }

    /// The customer's browser follows an Alipay attempt's pay URL to the emulator's
    /// cashier.
    pub async fn open_cashier(&self, pay_url: &str) {
        assert!(
            pay_url.starts_with(&self.url("/sandbox/alipay/gateway.do?")),
            "{pay_url}"
        );
        let page = self.client.get(pay_url).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "the Alipay cashier opens");
    }

    /// The customer at the Alipay emulator settles attempt `out_trade_no` (opened at the
    /// cashier first, as the browser does): `paid` pays it (`POST
    /// /sandbox/alipay/buyer/pay`), `failed` leaves it to time out closed (`POST
    /// /sandbox/alipay/buyer/timeout`, notified `TRADE_CLOSED`). `copies` notices go out
    /// at once, or after `delay_ms` in the background. Returns `{"answers": [<the
    /// merchant's answer bodies>]}` (empty when delayed).
    pub async fn gateway(
        &self,
        out_trade_no: &str,
        outcome: &str,
        copies: u32,
        delay_ms: u64,
    ) -> Value {
        // `pay` opened the cashier already; an attempt opened otherwise is opened here.
        // (A second instance on a shared database has its own, unused, `db`: ask the
        // emulator first.)
        let trade = self
            .client
            .get(self.url(&format!("/sandbox/alipay/orders/{out_trade_no}")))
            .send()
            .await
            .unwrap();
        if trade.status() == StatusCode::NOT_FOUND {
            let pay_url = self.sql(&format!(
                "SELECT pay_url FROM payments WHERE out_trade_no = '{out_trade_no}'"
            ));
            self.open_cashier(&pay_url).await;
        }
        let path = match outcome {
            "paid" => "/sandbox/alipay/buyer/pay",
            "failed" => "/sandbox/alipay/buyer/timeout",
            other => panic!("no outcome {other}"),
        };
        let (status, body) = self
            .post(
                path,
                json!({"out_trade_no": out_trade_no, "copies": copies, "delay_ms": delay_ms}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let answers: Vec<Value> = body["answers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a["body"].clone())
            .collect();
        json!({ "out_trade_no": out_trade_no, "answers": answers })
    }

    /// A staff member signed in; returns the client and its CSRF token.
    pub async fn staff(&self, user: &str, role: &str) -> (reqwest::Client, String) {
        let password = "correct horse battery";
        let (ok, _, err) = self.cli(&[
            "admin",
            "add",
            "--user",
            user,
            "--password",
            password,
            "--role",
            role,
        ]);
        assert!(ok, "{err}");
        let client = client();
        // The console asks whether it is signed in without a failure (200 either way).
        let (status, state) = self.get_as(&client, "/api/v1/admin/session").await;
        assert_eq!((status, &state["staff"]), (StatusCode::OK, &Value::Null));
        let (status, body) = self
            .post_as(
                &client,
                "/api/v1/admin/login",
                json!({"username": user, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, state) = self.get_as(&client, "/api/v1/admin/session").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(state["staff"]["username"], user, "{state}");
        (client, body["csrf"].as_str().unwrap().to_owned())
    }

    pub async fn staff_post(
        &self,
        staff: &(reqwest::Client, String),
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let r = staff
            .0
            .post(self.url(path))
            .header("x-csrf-token", &staff.1)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn renewal(&self, client: &reqwest::Client, no: &str) -> Value {
        let (status, body) = self.get_as(client, &format!("/api/v1/renewals/{no}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A key and its certificate, standing in for a token.
pub struct User {
    pub key: KeyPair,
    pub der: Vec<u8>,
}

impl User {
    /// Signs the certrenew-v1 TBS (built here independently of the protocol crate).
    pub fn sign(&self, purpose: &str, origin: &str, challenge: &str, payload: &str) -> Vec<u8> {
        let tbs = format!("certrenew-v1\n{purpose}\n{origin}\n{challenge}\n{payload}\n");
        sign_with(&self.key, tbs.as_bytes())
    }

    pub fn sha256(&self) -> String {
        sha256_hex(&self.der)
    }
}

pub fn sign_with(key: &KeyPair, data: &[u8]) -> Vec<u8> {
    use rcgen::SigningKey as _;
    key.sign(data).unwrap()
}

/// A CSR for a new software key and the old key's binding signature over it.
pub fn rekey(server: &TestServer, user: &User, challenge: &str) -> (KeyPair, Vec<u8>, Vec<u8>) {
    let new_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    // The server copies the subject from the old certificate; the CSR's own is ignored.
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "anything");
    let csr = params.serialize_request(&new_key).unwrap().der().to_vec();
    let binding = user.sign("rekey", &server.origin, challenge, &sha256_hex(&csr));
    (new_key, csr, binding)
}

/// Rekeys and asks the server to issue for the new key: (new key, HTTP status, body).
pub async fn issue_new_key(
    server: &TestServer,
    client: &reqwest::Client,
    user: &User,
    no: &str,
) -> (KeyPair, StatusCode, Value) {
    let challenge = server.challenge().await;
    let (new_key, csr, binding) = rekey(server, user, &challenge);
    let (status, body) = server
        .post_as(
            client,
            &format!("/api/v1/renewals/{no}/csr"),
            json!({"csr": b64(&csr), "binding_signature": b64(&binding), "challenge": challenge}),
        )
        .await;
    (new_key, status, body)
}

pub fn application_json(months: u32) -> String {
    json!({
        "months": months,
        "agreement_version": "2024.1",
        "operator": {"id_type": "resident_id", "id_number": "11010519491231002X", "name": "张三", "mobile": "13800138000", "email": "zhangsan@example.com"},
        "recipient": {"name": "张三", "mobile": "13800138000", "address": "广州市天河区体育西路1号"}
    })
    .to_string()
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn unb64(v: &Value) -> Vec<u8> {
    STANDARD.decode(v.as_str().unwrap()).unwrap()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn rand_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).unwrap();
    b
}

/// A whole renewal of `user`'s certificate in `project` (one reviewer must suffice):
/// apply, pay in the sandbox, approve, rekey, install. Returns the business number and
/// the renewed certificate with its new key.
pub async fn complete_renewal(
    server: &TestServer,
    user: &User,
    project: &str,
    months: u32,
) -> (String, User) {
    let client = server.login(user).await;
    let (status, renewal) = server.apply(&client, user, project, months).await;
    assert_eq!(status, StatusCode::CREATED, "{renewal}");
    let no = renewal["business_no"].as_str().unwrap().to_owned();
    let out_trade_no = server.pay(&client, &no).await;
    server.gateway(&out_trade_no, "paid", 1, 0).await;
    let reviewer = server.staff("reviewer", "reviewer").await;
    let (status, body) = server
        .staff_post(
            &reviewer,
            &format!("/api/v1/admin/renewals/{no}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (new_key, status, issued) = issue_new_key(server, &client, user, &no).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let challenge = server.challenge().await;
    let tbs = format!(
        "certrenew-v1\ninstalled\n{}\n{challenge}\n\n",
        server.origin
    );
    let sig = sign_with(&new_key, tbs.as_bytes());
    let (status, done) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/installed"),
            json!({"challenge": challenge, "signature": b64(&sig)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    let der = unb64(&issued["certificate"]);
    (no, User { key: new_key, der })
}

/// Waits up to `secs` seconds for `check` to hold.
pub async fn eventually(secs: u64, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check()
}
