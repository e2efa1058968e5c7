//! The customer's browser at UnionPay's front transaction: the pay page that posts
//! the signed consumption form to `frontTransReq.do` (what the SDK's
//! `createAutoFormHtml` prints), and the front notice (前台通知) the browser brings
//! back to `frontUrl` after paying, which sends it on to the order page. The front
//! notice moves no money: the back notice and queries do (the SDK: "前台通知不能作为
//! 判断成功的标准").

use std::collections::BTreeMap;

use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::payments::unionpay::NAME;
use crate::state::AppState;

/// The most fields a consumption form has (about 20).
const MAX_FIELDS: usize = 40;

/// The script that posts the form at once (allowed by its hash, nothing else runs).
const SUBMIT: &str = r#"document.getElementById("unionpay").submit();"#;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn refused(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            r#"<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>银联支付 UnionPay</title><p id="error">无法前往银联支付：{m}。请返回订单页重新支付。 UnionPay cannot be reached this way: {m}. Go back to the order and pay again.</p><p><a href="/">返回 Back</a></p></html>"#,
            m = esc(message)
        )),
    )
        .into_response()
}

/// `GET /api/v1/payments/unionpay/pay?<signed form>`: the page that posts the form.
pub async fn pay(
    State(state): State<AppState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let gateway = state.providers.payments.named(NAME);
    if gateway.name() != NAME {
        return (StatusCode::NOT_FOUND, "UnionPay is not configured").into_response();
    }
    if query.len() > MAX_FIELDS {
        return refused("too many fields");
    }
    let form = match gateway.form_post(&query) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "UnionPay pay page refused");
            return refused("the payment form is not this server's");
        }
    };
    let inputs: String = form
        .fields
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                esc(k),
                esc(v)
            )
        })
        .collect();
    let target = reqwest::Url::parse(&form.action)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SUBMIT.as_bytes()));
    // The gateway's cashier may move on to other UnionPay hosts: https is allowed.
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{hash}'; form-action 'self' {target} https:; base-uri 'none'; frame-ancestors 'none'"
    );
    let page = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>正在前往银联支付 Going to UnionPay</title></head>
<body><form id="unionpay" method="post" action="{action}">{inputs}<p>正在前往银联在线支付… Going to UnionPay…</p><button id="go">前往银联支付 Continue to UnionPay</button></form><script>{SUBMIT}</script></body></html>"#,
        action = esc(&form.action),
    );
    ([(header::CONTENT_SECURITY_POLICY, csp)], Html(page)).into_response()
}

/// Where the front notice sends the browser: a path of this server's order pages.
fn local(to: Option<&String>) -> &str {
    match to {
        Some(p)
            if p.starts_with("/renewals/")
                && !p.contains("//")
                && !p.contains('\\')
                && p.len() <= 200 =>
        {
            p
        }
        _ => "/",
    }
}

/// `POST /api/v1/payments/unionpay/return?to=<order page>`: the front notice.
pub async fn returned(
    State(state): State<AppState>,
    Query(query): Query<BTreeMap<String, String>>,
    Form(params): Form<BTreeMap<String, String>>,
) -> Response {
    let gateway = state.providers.payments.named(NAME);
    if gateway.name() == NAME
        && let Err(e) = gateway.read_form_notice(&params)
    {
        // Shown nothing: the order page tells what the back notice or a query said.
        tracing::warn!(error = %e, "UnionPay front notice not believed");
    }
    Redirect::to(local(query.get("to"))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_notice_goes_only_to_order_pages() {
        let to = |s: &str| local(Some(&s.to_owned())).to_owned();
        assert_eq!(
            to("/renewals/012024010100001?from=gateway"),
            "/renewals/012024010100001?from=gateway"
        );
        assert_eq!(to("//evil.example/renewals/"), "/");
        assert_eq!(to("https://evil.example/"), "/");
        assert_eq!(to("/renewals//evil.example"), "/");
        assert_eq!(local(None), "/");
    }
}
