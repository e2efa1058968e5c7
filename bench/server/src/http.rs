//! A lean HTTP/1.1 client: one keep-alive connection per worker (hyper's connection
//! API, no pool, no cookie jar), as wrk does. Cookies are carried by the caller.

use std::net::SocketAddr;

use anyhow::{Context as _, anyhow};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, COOKIE, HOST, HeaderValue, SET_COOKIE};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long one request may take before it counts as an error.
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// An answer.
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// The whole body.
    pub body: Bytes,
    /// `name=value` of the first `Set-Cookie`, if any.
    pub cookie: Option<String>,
}

impl Resp {
    /// The body as JSON (Null if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The first 300 bytes of the body, for error messages.
    pub fn snippet(&self) -> String {
        let n = self.body.len().min(300);
        String::from_utf8_lossy(&self.body[..n]).into_owned()
    }
}

/// One keep-alive connection to the server (re-opened if the server closed it).
pub struct Conn {
    addr: SocketAddr,
    host: HeaderValue,
    tx: Option<SendRequest<Full<Bytes>>>,
    /// Requests sent on this connection.
    pub requests: u64,
    /// TCP connections opened.
    pub connects: u64,
    /// Sent as `X-Forwarded-For` (the server trusts 127.0.0.1 as a proxy): the user
    /// the requests are made for.
    pub client: Option<HeaderValue>,
}

impl Conn {
    /// Requests from now on are made for `user`'s address.
    pub fn act_for(&mut self, user: &crate::pki::User) {
        self.client = HeaderValue::from_str(&user.client).ok();
    }

    /// A connection to `addr` (opened on first use).
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            host: HeaderValue::from_str(&addr.to_string()).expect("an address is a header value"),
            tx: None,
            requests: 0,
            connects: 0,
            client: None,
        }
    }

    async fn connect(&mut self) -> anyhow::Result<()> {
        let stream = TcpStream::connect(self.addr)
            .await
            .with_context(|| format!("connecting to {}", self.addr))?;
        stream.set_nodelay(true)?;
        let (tx, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.tx = Some(tx);
        self.connects += 1;
        Ok(())
    }

    /// Sends one request and reads the whole answer. A connection found closed before
    /// sending is re-opened once; a request that failed once sent is not repeated.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        csrf: Option<&str>,
        body: Option<Bytes>,
    ) -> anyhow::Result<Resp> {
        for attempt in 0..2 {
            if self.tx.as_ref().is_none_or(|tx| tx.is_closed()) {
                self.connect().await?;
            }
            let tx = self.tx.as_mut().expect("connected");
            if tx.ready().await.is_err() {
                self.tx = None;
                if attempt == 0 {
                    continue;
                }
                return Err(anyhow!("the connection closed before the request"));
            }
            let mut req = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(HOST, self.host.clone());
            if let Some(c) = &self.client {
                req = req.header("x-forwarded-for", c.clone());
            }
            if let Some(c) = cookie {
                req = req.header(COOKIE, c);
            }
            if let Some(t) = csrf {
                req = req.header("x-csrf-token", t);
            }
            let req = match body {
                Some(b) => req
                    .header(CONTENT_TYPE, "application/json")
                    .body(Full::new(b))?,
                None => req.body(Full::new(Bytes::new()))?,
            };
            self.requests += 1;
            let resp = match tokio::time::timeout(TIMEOUT, tx.send_request(req)).await {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    self.tx = None;
                    return Err(anyhow!("{method} {path}: {e}"));
                }
                Err(_) => {
                    self.tx = None;
                    return Err(anyhow!("{method} {path}: no answer in {TIMEOUT:?}"));
                }
            };
            let status = resp.status().as_u16();
            let cookie = resp
                .headers()
                .get(SET_COOKIE)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(';').next().unwrap_or("").trim().to_owned());
            let body = match tokio::time::timeout(TIMEOUT, resp.into_body().collect()).await {
                Ok(Ok(b)) => b.to_bytes(),
                Ok(Err(e)) => {
                    self.tx = None;
                    return Err(anyhow!("{method} {path}: reading the body: {e}"));
                }
                Err(_) => {
                    self.tx = None;
                    return Err(anyhow!("{method} {path}: body not read in {TIMEOUT:?}"));
                }
            };
            return Ok(Resp {
                status,
                body,
                cookie,
            });
        }
        unreachable!()
    }
}
