//! The CA server's API (`/api/v1`, docs/api.md) over the browser's `fetch`: one typed function per
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

use protocol::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

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

/// The body of a 2xx answer, or the server's error. Not generic, so the transport is
/// one copy in the wasm whatever the answer's type (issue 16); [`parse`] reads the type.
async fn read(response: Response) -> Result<String, AppError> {
    let status = response.status();
    if (200..300).contains(&status) {
        return text(&response).await.map_err(|e| unreadable(&js_text(&e)));
    }
    match text(&response).await {
        Ok(body) => match parse_with(&body, ErrorBody::read) {
            Ok(body) => Err(body.error),
            Err(_) => Err(server_answered(status)),
        },
        Err(_) => Err(server_answered(status)),
    }
}

fn server_answered(status: u16) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("the server answered HTTP {status}"),
    )
}

/// The body as text (`Response.text()`).
async fn text(response: &Response) -> Result<String, JsValue> {
    let body = JsFuture::from(response.text()?).await?;
    Ok(body.as_string().unwrap_or_default())
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

/// What a rejected promise says: a JS error's `toString()` ("TypeError: Failed to
/// fetch"), as gloo-net's error showed it.
fn js_text(e: &JsValue) -> String {
    match e.dyn_ref::<js_sys::Error>() {
        Some(error) => error.to_string().into(),
        None => e
            .as_string()
            .unwrap_or_else(|| "the request failed".to_owned()),
    }
}

fn network(e: JsValue) -> AppError {
    AppError::new(Code::Network, js_text(&e))
}

/// One request by `fetch`: `method` to `url` (same origin, so the session cookies go
/// with it), the staff's `X-CSRF-Token` when given, and a body with its
/// `Content-Type`. The only request code in the wasm, not generic (issue 16: it
/// replaced gloo-net's builder, ≈ 11 KB of every bundle).
async fn exchange(
    method: &str,
    url: &str,
    csrf: Option<&str>,
    body: Option<(&str, JsValue)>,
) -> Result<Response, AppError> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(network)?;
    if let Some(token) = csrf {
        headers.set("X-CSRF-Token", token).map_err(network)?;
    }
    if let Some((kind, body)) = &body {
        headers.set("Content-Type", kind).map_err(network)?;
        init.set_body(body);
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(network)?;
    let window =
        web_sys::window().ok_or_else(|| AppError::new(Code::Network, "no window to fetch from"))?;
    JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(network)?
        .dyn_into::<Response>()
        .map_err(network)
}

fn json_body(body: String) -> Option<(&'static str, JsValue)> {
    Some(("application/json", JsValue::from(body)))
}

async fn send<T: DeserializeOwned>(
    path: &str,
    csrf: Option<&str>,
    body: Option<(&str, JsValue)>,
) -> Result<T, AppError> {
    parse(&post_text(path, csrf, body).await?)
}

/// `POST /api/v1{path}`, the 2xx body as text: not generic, only [`parse`] is per type.
async fn post_text(
    path: &str,
    csrf: Option<&str>,
    body: Option<(&str, JsValue)>,
) -> Result<String, AppError> {
    let url = format!("{BASE}{path}");
    read(exchange("POST", &url, csrf, body).await?).await
}

/// `GET /api/v1{path}`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, AppError> {
    parse(&get_text(path).await?)
}

/// `GET /api/v1{path}`, the 2xx body as text: not generic, so a caller that parses the
/// text outside its future links the request once for every answer type (issue 16).
pub async fn get_text(path: &str) -> Result<String, AppError> {
    get_text_at(&format!("{BASE}{path}")).await
}

/// `GET {url}` (any same-origin path, not only the API's), the 2xx body as text; any
/// other answer is an error.
pub async fn get_text_at(url: &str) -> Result<String, AppError> {
    read(exchange("GET", url, None, None).await?).await
}

/// `POST /api/v1{path}` with a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, AppError> {
    let json = serde_json::to_string(body)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    send(path, None, json_body(json)).await
}

/// `POST /api/v1{path}` with a JSON body and the staff session's CSRF token.
pub async fn post_staff<B: Serialize, T: DeserializeOwned>(
    path: &str,
    csrf: &str,
    body: &B,
) -> Result<T, AppError> {
    let json = serde_json::to_string(body)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    send(path, Some(csrf), json_body(json)).await
}

/// `POST /api/v1{path}` whose answer has no body (204).
pub async fn post_staff_empty(path: &str, csrf: &str) -> Result<(), AppError> {
    empty(path, Some(csrf)).await
}

/// `POST /api/v1{path}` (an empty JSON body) whose answer has no body (204).
pub async fn post_no_content(path: &str) -> Result<(), AppError> {
    empty(path, None).await
}

async fn empty(path: &str, csrf: Option<&str>) -> Result<(), AppError> {
    let url = format!("{BASE}{path}");
    let response = exchange("POST", &url, csrf, json_body("{}".to_owned())).await?;
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
    let body = Some((content_type.as_str(), JsValue::from(file.clone())));
    send(path, None, body).await
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
