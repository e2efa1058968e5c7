//! The CA server's API (`/api/v1`, docs/api.md) over `gloo-net`: one typed function per
//! endpoint, by area, so no page holds a path. Same origin as the page, so the session
//! cookies (`HttpOnly`) travel by themselves; staff calls that change state add the
//! `X-CSRF-Token` header.
//!
//! # Layout
//! - [`session`]: challenges, certificate sign-in and sign-out
//! - [`projects`]: the projects and a certificate's standing
//! - [`renewals`]: one renewal: apply, read, pay, cancel, CSR, installed
//! - [`expired`]: the expired-certificate path
//! - [`recoveries`]: key recovery of an escrowed encryption key (staff and customer)
//! - [`revocation`]: the old certificate's rule, key-compromise reports (customer, staff)
//! - [`admin`]: the staff console
//! - this file: the transport (JSON in and out, the error shape)

pub mod admin;
pub mod downloads;
pub mod expired;
pub mod projects;
pub mod recoveries;
pub mod renewals;
pub mod revocation;
pub mod session;

use gloo_net::http::{Request, RequestBuilder, Response};
use protocol::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AppError, Code};
use crate::read::Res;
use crate::resource::{Erased, Fetch};
use serde_json::Value;

const BASE: &str = "/api/v1";

/// `{"error": {…}}`.
struct ErrorBody {
    error: AppError,
}

impl ErrorBody {
    fn read(v: &serde_json::Value) -> crate::read::Res<Self> {
        Ok(ErrorBody {
            error: crate::read::Fields::of(v)?.object("error", AppError::read)?,
        })
    }
}
crate::via_value!(ErrorBody, ErrorBody::read);

/// The body of a 2xx answer, or the server's error. Not generic, so the transport is
/// one copy in the wasm whatever the answer's type (issue 16); [`parse`] reads the type.
async fn read(response: Response) -> Result<String, AppError> {
    let status = response.status();
    if (200..300).contains(&status) {
        return response.text().await.map_err(|e| unreadable(&e));
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(body.error),
        Err(_) => Err(AppError::new(
            ErrorCode::Internal,
            format!("the server answered HTTP {status}"),
        )),
    }
}

/// An answer that is not what the page expects (its JSON or its reader refused it).
pub(crate) fn unreadable(e: &dyn std::fmt::Display) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("unreadable answer from the server: {e}"),
    )
}

/// A 2xx answer's body as `T` (with [`get_text`], the per-type part of a read).
pub fn parse<T: DeserializeOwned>(body: &str) -> Result<T, AppError> {
    serde_json::from_str(body).map_err(|e| unreadable(&e))
}

/// A 2xx answer's body read by hand by `read` (`crate::read`): the JSON is parsed
/// into a `Value` by the one parser every bundle links, so the per-type part is only
/// `read` (issue 16).
pub fn parse_with<T>(body: &str, read: fn(&Value) -> Res<T>) -> Result<T, AppError> {
    let value: Value = serde_json::from_str(body).map_err(|e| unreadable(&e))?;
    read(&value).map_err(|e| unreadable(&e))
}

/// `GET /api/v1{path}`, the answer handed to `finish`: one future for every answer
/// type, for [`Resource::load`](crate::resource::Resource::load) (issue 16).
pub fn fetch(path: String, finish: Box<dyn FnOnce(Result<String, AppError>) -> Erased>) -> Fetch {
    Box::pin(async move { finish(get_text(&path).await) })
}

/// A path segment or query value percent-encoded: every byte but RFC 3986's unreserved
/// characters as `%XX`, as `percent-encoding` would, without linking its table of all
/// 256 escapes into every bundle (issue 16).
pub fn segment(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

fn network(e: gloo_net::Error) -> AppError {
    AppError::new(Code::Network, e.to_string())
}

async fn send<T: DeserializeOwned>(
    builder: RequestBuilder,
    body: Option<String>,
) -> Result<T, AppError> {
    parse(&send_text(builder, body).await?)
}

async fn send_text(builder: RequestBuilder, body: Option<String>) -> Result<String, AppError> {
    let request = match body {
        Some(json) => builder
            .header("Content-Type", "application/json")
            .body(json)
            .map_err(network)?,
        None => builder.build().map_err(network)?,
    };
    read(request.send().await.map_err(network)?).await
}

/// `GET /api/v1{path}`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, AppError> {
    parse(&get_text(path).await?)
}

/// `GET /api/v1{path}`, the 2xx body as text: not generic, so a caller that parses the
/// text outside its future links the request once for every answer type (issue 16).
pub async fn get_text(path: &str) -> Result<String, AppError> {
    send_text(Request::get(&format!("{BASE}{path}")), None).await
}

/// `POST /api/v1{path}` with a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, AppError> {
    let json = serde_json::to_string(body)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    send(Request::post(&format!("{BASE}{path}")), Some(json)).await
}

/// `POST /api/v1{path}` with a JSON body and the staff session's CSRF token.
pub async fn post_staff<B: Serialize, T: DeserializeOwned>(
    path: &str,
    csrf: &str,
    body: &B,
) -> Result<T, AppError> {
    let json = serde_json::to_string(body)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    send(
        Request::post(&format!("{BASE}{path}")).header("X-CSRF-Token", csrf),
        Some(json),
    )
    .await
}

/// `POST /api/v1{path}` whose answer has no body (204).
pub async fn post_staff_empty(path: &str, csrf: &str) -> Result<(), AppError> {
    empty(Request::post(&format!("{BASE}{path}")).header("X-CSRF-Token", csrf)).await
}

/// `POST /api/v1{path}` (an empty JSON body) whose answer has no body (204).
pub async fn post_no_content(path: &str) -> Result<(), AppError> {
    empty(Request::post(&format!("{BASE}{path}"))).await
}

async fn empty(builder: RequestBuilder) -> Result<(), AppError> {
    let response = builder
        .header("Content-Type", "application/json")
        .body("{}")
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    if (200..300).contains(&response.status()) {
        Ok(())
    } else {
        read(response).await.map(|_| ())
    }
}

/// `POST /api/v1{path}` with raw bytes (a file the user chose) as the body.
pub async fn post_file<T: DeserializeOwned>(
    path: &str,
    file: &web_sys::File,
) -> Result<T, AppError> {
    let kind = file.type_();
    let content_type = if kind.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        kind
    };
    let request = Request::post(&format!("{BASE}{path}"))
        .header("Content-Type", &content_type)
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(network)?;
    parse(&read(request.send().await.map_err(network)?).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_is_encoded_as_percent_encoding_encodes_it() {
        use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
        const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'~');
        for value in [
            "R2026-0001",
            "a b/c?d#e",
            "张三",
            "~._-%!*'()",
            "",
            "\u{7f}\u{0}",
        ] {
            assert_eq!(
                segment(value),
                utf8_percent_encode(value, NOT_UNRESERVED).to_string(),
                "{value}"
            );
        }
        assert_eq!(segment("a/b"), "a%2Fb");
    }
}
