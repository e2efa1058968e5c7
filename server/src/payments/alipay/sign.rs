//! Alipay's open-platform signatures, "RSA2" (SHA256withRSA, PKCS#1 v1.5, base64), as
//! 自行实现签名 / 自行实现验签 describe them
//! (<https://opendocs.alipay.com/common/02kf5q>, <https://opendocs.alipay.com/common/02mse7>):
//!
//! - a request: every parameter but `sign` and those with an empty value, sorted by
//!   name (ASCII), joined `k=v&k=v` with the raw (not URL-encoded) values — `sign_type`
//!   is signed;
//! - an asynchronous notice: the same, but without `sign` *and* `sign_type`
//!   (异步通知验签: “除去 sign、sign_type 两个参数外，凡是通知返回回来的参数皆是待验签的参数”);
//! - an answer: the raw JSON text of its `<method>_response` member, as sent
//!   (同步响应验签), the signature in the sibling `sign`.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPublicKey;

use crate::payments::rsa_sign::{self, RsaSigner};

/// Why a signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// No `sign`.
    #[error("the Alipay message carries no sign")]
    Missing,
    /// `sign_type` is not RSA2.
    #[error("the Alipay sign_type {0:?} is not RSA2")]
    Type(String),
    /// Not base64, or does not verify.
    #[error("the Alipay signature does not verify")]
    Bad,
}

fn joined<'a>(params: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    params
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The string a request's signature covers.
pub fn request_content(params: &BTreeMap<String, String>) -> String {
    joined(params.iter().filter(|(k, _)| k.as_str() != "sign"))
}

/// The string a notice's signature covers.
pub fn notice_content(params: &BTreeMap<String, String>) -> String {
    joined(
        params
            .iter()
            .filter(|(k, _)| k.as_str() != "sign" && k.as_str() != "sign_type"),
    )
}

/// SHA256withRSA over `content`, base64.
pub fn sign(key: &RsaSigner, content: &str) -> String {
    STANDARD.encode(key.sign(content.as_bytes()))
}

/// Checks a base64 SHA256withRSA signature over `content`.
pub fn verify(key: &RsaPublicKey, content: &str, signature: &str) -> Result<(), SignError> {
    let bytes = STANDARD
        .decode(signature.trim().as_bytes())
        .map_err(|_| SignError::Bad)?;
    if rsa_sign::verify(key, content.as_bytes(), &bytes) {
        Ok(())
    } else {
        Err(SignError::Bad)
    }
}

/// Signs a request's parameters in place (`sign_type` set to RSA2 first, as it is signed).
pub fn sign_request(key: &RsaSigner, params: &mut BTreeMap<String, String>) {
    params.insert("sign_type".into(), "RSA2".into());
    let s = sign(key, &request_content(params));
    params.insert("sign".into(), s);
}

/// Checks a request's `sign` (the emulator's side).
pub fn verify_request(
    key: &RsaPublicKey,
    params: &BTreeMap<String, String>,
) -> Result<(), SignError> {
    check_type(params)?;
    let s = params.get("sign").ok_or(SignError::Missing)?;
    verify(key, &request_content(params), s)
}

/// Signs a notice's parameters in place (the emulator's side).
pub fn sign_notice(key: &RsaSigner, params: &mut BTreeMap<String, String>) {
    params.insert("sign_type".into(), "RSA2".into());
    let s = sign(key, &notice_content(params));
    params.insert("sign".into(), s);
}

/// Checks a notice's `sign` with the Alipay public key.
pub fn verify_notice(
    key: &RsaPublicKey,
    params: &BTreeMap<String, String>,
) -> Result<(), SignError> {
    check_type(params)?;
    let s = params.get("sign").ok_or(SignError::Missing)?;
    verify(key, &notice_content(params), s)
}

fn check_type(params: &BTreeMap<String, String>) -> Result<(), SignError> {
    match params.get("sign_type").map(String::as_str) {
        Some("RSA2") => Ok(()),
        other => Err(SignError::Type(other.unwrap_or_default().to_owned())),
    }
}

/// The raw JSON text of member `key` of the top-level object `body` (what an answer's
/// signature covers); none when absent or malformed.
pub fn raw_member<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("\"{key}\"");
    let at = body.find(&needle)? + needle.len();
    let rest = body[at..].trim_start().strip_prefix(':')?;
    let start = body.len() - rest.trim_start().len();
    let bytes = body.as_bytes();
    let open = *bytes.get(start)?;
    if open != b'{' {
        return None;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return body.get(start..=i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// 自行实现签名's own example: its parameters give exactly its 待签名字符串 (the docs
    /// publish no key, so no signature value can be reproduced).
    #[test]
    fn the_docs_example_content() {
        let biz = r#"{"button":[{"actionParam":"ZFB_HFCZ","actionType":"out","name":"话费充值"},{"name":"查询","subButton":[{"actionParam":"ZFB_YECX","actionType":"out","name":"余额查询"},{"actionParam":"ZFB_LLCX","actionType":"out","name":"流量查询"},{"actionParam":"ZFB_HFCX","actionType":"out","name":"话费查询"}]},{"actionParam":"http://m.alipay.com","actionType":"link","name":"最新优惠"}]}"#;
        let p = params(&[
            ("app_id", "2014072300007148"),
            ("method", "alipay.mobile.public.menu.add"),
            ("charset", "GBK"),
            ("sign_type", "RSA2"),
            ("timestamp", "2014-07-24 03:07:50"),
            ("biz_content", biz),
            ("version", "1.0"),
            ("sign", "e9zEAe4TTQ4LPLQvETPoLGX"),
        ]);
        assert_eq!(
            request_content(&p),
            format!(
                "app_id=2014072300007148&biz_content={biz}&charset=GBK&method=alipay.mobile.public.menu.add&sign_type=RSA2&timestamp=2014-07-24 03:07:50&version=1.0"
            )
        );
        // A notice leaves sign_type out.
        assert!(!notice_content(&p).contains("sign_type"));
    }

    #[test]
    fn notices_verify_only_untouched_with_the_right_key() {
        let new = || rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let (key, other) = (RsaSigner::new(&new()).unwrap(), new());
        let mut p = params(&[
            ("out_trade_no", "01P1"),
            ("total_amount", "100.00"),
            ("trade_status", "TRADE_SUCCESS"),
            ("fund_bill_list", ""),
        ]);
        sign_notice(&key, &mut p);
        verify_notice(&key.to_public_key(), &p).unwrap();
        assert_eq!(
            verify_notice(&other.to_public_key(), &p),
            Err(SignError::Bad)
        );
        let mut altered = p.clone();
        altered.insert("total_amount".into(), "1.00".into());
        assert_eq!(
            verify_notice(&key.to_public_key(), &altered),
            Err(SignError::Bad)
        );
        let mut rsa1 = p.clone();
        rsa1.insert("sign_type".into(), "RSA".into());
        assert!(matches!(
            verify_notice(&key.to_public_key(), &rsa1),
            Err(SignError::Type(_))
        ));
        p.remove("sign");
        assert_eq!(
            verify_notice(&key.to_public_key(), &p),
            Err(SignError::Missing)
        );
    }

    #[test]
    fn the_signed_member_is_taken_as_sent() {
        let body = r#"{"alipay_trade_query_response": {"code":"10000","msg":"Success","subject":"a \"}\" b"},"sign":"x"}"#;
        assert_eq!(
            raw_member(body, "alipay_trade_query_response"),
            Some(r#"{"code":"10000","msg":"Success","subject":"a \"}\" b"}"#)
        );
        assert_eq!(raw_member(body, "alipay_trade_close_response"), None);
        assert_eq!(raw_member(r#"{"a_response":{"x":1"#, "a_response"), None);
    }
}
