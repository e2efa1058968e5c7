//! Checks for the `payment_notices` target: the gateways' notices and answers as the
//! server reads them (`server::payments::{wechat, alipay, unionpay}`), with fixed keys
//! (`fuzz/keys/*.pem`, test keys made for fuzzing only) loaded once.
//!
//! Each gateway has two ways in. *As sent*: the bytes go to the provider's entry point
//! unchanged; its signature check refuses almost all of them, and an input it takes
//! must carry the signature the gateway's key makes (PKCS#1 v1.5 is deterministic), so
//! a forged notice taken is a crash. *Signed here*: the target signs what the fuzzer
//! made with the gateway's key first (and for WeChat Pay encrypts the resource with the
//! APIv3 key), so the checks behind the signature (merchant, trade state, amount, the
//! decrypted JSON) are reached; what is taken must say what the input said.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde_json::Value;
use server::payments::alipay::{self, Alipay};
use server::payments::provider::{Provider, SignedNotice};
use server::payments::rsa_sign::RsaSigner;
use server::payments::unionpay::{self, Unionpay};
use server::payments::wechat::aead::ApiV3Key;
use server::payments::wechat::signature::{self, Signed};
use server::payments::wechat::{self, WechatPay, wire};
use server::sandbox::gateways::unionpay::Chain;

/// WeChat Pay's merchant number (mchid) and appid the provider is configured with.
pub const MCHID: &str = "1900000001";
/// The appid.
pub const APPID: &str = "wxfuzz0000000001";
/// The platform key's id (`Wechatpay-Serial`).
pub const SERIAL: &str = "PUB_KEY_ID_0114232134912410000000000000";
/// The APIv3 key (32 bytes).
pub const APIV3_KEY: &str = "fuzzfuzzfuzzfuzzfuzzfuzzfuzz0032";
/// The nonce and associated data the signed-here WeChat mode encrypts with.
pub const NONCE: &str = "fuzznonce012";
/// The associated data.
pub const AAD: &str = "transaction";
/// Where the signed-here WeChat mode puts the ciphertext in the envelope.
pub const CT_PLACEHOLDER: &[u8] = b"@CT@";
/// Alipay's app_id and seller_id.
pub const ALIPAY_APP_ID: &str = "2021000000000001";
/// The seller (商户PID).
pub const ALIPAY_SELLER: &str = "2088000000000001";
/// UnionPay's merchant (merId).
pub const MER_ID: &str = "777290058110097";

/// Which way in the first input byte picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// WeChat Pay notice as sent: `Name: value` header lines, an empty line, the body.
    WechatAsSent,
    /// WeChat Pay notice signed here: the envelope JSON, then (after a 0 byte) the
    /// resource's plaintext, encrypted here and put where the envelope says `@CT@`.
    WechatSigned,
    /// WeChat Pay's answers' JSON (`wire::*`), read as `WechatPay::call`'s callers do.
    WechatAnswer,
    /// Alipay form notice as sent (`application/x-www-form-urlencoded`, read as axum's
    /// `Form` does).
    AlipayAsSent,
    /// Alipay form notice signed here with the Alipay key.
    AlipaySigned,
    /// An Alipay answer: the next byte picks the method, the rest is the JSON text whose
    /// `<method>_response` member `sign::raw_member` must find as a JSON reader does.
    AlipayAnswer,
    /// UnionPay back notice as sent (a form; `signPubKeyCert` checked against the chain).
    UnionpayAsSent,
    /// UnionPay back notice signed here with the signing certificate's key.
    UnionpaySigned,
    /// A UnionPay synchronous answer (`k=v&…`), `sign::parse_answer` then the chain check.
    UnionpayAnswer,
}

impl Mode {
    /// Every mode, in the order of the first byte (`byte % ALL.len()`).
    pub const ALL: [Mode; 9] = [
        Mode::WechatAsSent,
        Mode::WechatSigned,
        Mode::WechatAnswer,
        Mode::AlipayAsSent,
        Mode::AlipaySigned,
        Mode::AlipayAnswer,
        Mode::UnionpayAsSent,
        Mode::UnionpaySigned,
        Mode::UnionpayAnswer,
    ];

    /// The mode of first byte `b`.
    pub fn pick(b: u8) -> Self {
        Self::ALL[usize::from(b) % Self::ALL.len()]
    }

    /// The first byte that picks this mode.
    pub fn byte(self) -> u8 {
        let i = Self::ALL.iter().position(|m| *m == self).unwrap_or(0);
        u8::try_from(i).unwrap_or(0)
    }
}

/// The methods whose answers `AlipayAnswer` reads (the provider's calls).
pub const ALIPAY_METHODS: [&str; 5] = [
    "alipay_trade_query_response",
    "alipay_trade_close_response",
    "alipay_trade_refund_response",
    "alipay_trade_fastpay_refund_query_response",
    "alipay_data_dataservice_bill_downloadurl_query_response",
];

/// The fixed keys and the three providers configured with them.
pub struct Gateways {
    /// WeChat Pay's platform key (signs notices and answers).
    pub wechat_platform: RsaSigner,
    /// The Alipay key (signs notices and answers).
    pub alipay_key: RsaSigner,
    /// UnionPay's chain: root, middle, signing certificate and its key.
    pub chain: Chain,
    /// The providers.
    pub wechat: WechatPay,
    /// Alipay.
    pub alipay: Alipay,
    /// UnionPay.
    pub unionpay: Unionpay,
    /// UnionPay's root and middle, as the provider trusts them (answers are checked
    /// with `Trust::verify` alone).
    pub trust: unionpay::sign::Trust,
}

fn key(pem: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(pem).expect("a test key of fuzz/keys")
}

fn signer(pem: &str) -> RsaSigner {
    RsaSigner::new(&key(pem)).expect("ring takes the test key")
}

fn build() -> Gateways {
    let wechat_platform = signer(include_str!("../keys/wechat-platform-key.pem"));
    let alipay_key = signer(include_str!("../keys/alipay-key.pem"));
    let (root, middle, signer) = (
        key(include_str!("../keys/unionpay-root-key.pem")),
        key(include_str!("../keys/unionpay-middle-key.pem")),
        key(include_str!("../keys/unionpay-sign-key.pem")),
    );
    let chain = Chain::new(&root, &middle, &signer, unionpay::sign::UNIONPAY_CN)
        .expect("the UnionPay test chain");
    let wechat = WechatPay::new(wechat::Credentials {
        base_url: "http://127.0.0.1:9".into(),
        mchid: MCHID.into(),
        appid: APPID.into(),
        merchant_serial_no: "FUZZ".into(),
        merchant_key: wechat_platform.clone(),
        platform_key: wechat_platform.to_public_key(),
        platform_serial: SERIAL.into(),
        apiv3_key: ApiV3Key::new(APIV3_KEY).expect("32 bytes"),
        notify_url: "http://127.0.0.1:9/api/v1/payments/notify/wechatpay".into(),
    })
    .expect("the WeChat Pay provider");
    let alipay = Alipay::new(alipay::Credentials {
        gateway_url: "http://127.0.0.1:9/gateway.do".into(),
        app_id: ALIPAY_APP_ID.into(),
        seller_id: Some(ALIPAY_SELLER.into()),
        app_private_key: alipay_key.clone(),
        alipay_public_key: alipay_key.to_public_key(),
        notify_url: "http://127.0.0.1:9/api/v1/payments/notify/alipay".into(),
        return_origin: "http://127.0.0.1:9".into(),
    })
    .expect("the Alipay provider");
    let trust =
        unionpay::sign::Trust::new(chain.root_pem.as_bytes(), chain.middle_pem.as_bytes(), true)
            .expect("the UnionPay trust");
    let unionpay = Unionpay::new(
        unionpay::Credentials {
            gateway_url: "http://127.0.0.1:9/gateway/api".into(),
            mer_id: MER_ID.into(),
            sign_key: chain.sign_key.clone(),
            cert_id: "1".into(),
            trust: trust.clone(),
            back_url: "http://127.0.0.1:9/api/v1/payments/notify/unionpay".into(),
            origin: "http://127.0.0.1:9".into(),
        },
        None,
    )
    .expect("the UnionPay provider");
    Gateways {
        trust,
        wechat_platform,
        alipay_key,
        chain,
        wechat,
        alipay,
        unionpay,
    }
}

/// The gateways, made at the first call.
pub fn gateways() -> &'static Gateways {
    static G: OnceLock<Gateways> = OnceLock::new();
    G.get_or_init(build)
}

/// Runs `data` (without the first byte) through `mode`'s entry point and checks it.
pub fn check(mode: Mode, data: &[u8]) {
    let g = gateways();
    match mode {
        Mode::WechatAsSent => wechat_as_sent(g, data),
        Mode::WechatSigned => wechat_signed(g, data),
        Mode::WechatAnswer => wechat_answer(data),
        Mode::AlipayAsSent => alipay_as_sent(g, data),
        Mode::AlipaySigned => alipay_signed(g, data),
        Mode::AlipayAnswer => alipay_answer(data),
        Mode::UnionpayAsSent => unionpay_as_sent(g, data, false),
        Mode::UnionpaySigned => unionpay_signed(g, data),
        Mode::UnionpayAnswer => unionpay_as_sent(g, data, true),
    }
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// `Name: value` lines up to an empty line (LF), then the body.
pub fn split_headers(data: &[u8]) -> (HeaderMap, &[u8]) {
    let mut headers = HeaderMap::new();
    let mut rest = data;
    while let Some(end) = rest.iter().position(|b| *b == b'\n') {
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let value = line[colon + 1..]
            .strip_prefix(b" ")
            .unwrap_or(&line[colon + 1..]);
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(n, v);
        }
    }
    (headers, rest)
}

/// The headers and body as `WechatAsSent` reads them.
pub fn join_headers(headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, v) in headers {
        out.extend_from_slice(format!("{n}: {v}\n").as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

fn wechat_as_sent(g: &Gateways, data: &[u8]) {
    let (headers, body) = split_headers(data);
    let Ok(notice) = g.wechat.read_signed_notice(&headers, body) else {
        return;
    };
    // Taken: the headers must carry the platform key's signature of this body.
    let s = Signed::from_headers(&headers).expect("a taken notice had its headers");
    let message = signature::response_message(&s.timestamp, &s.nonce, body);
    let want = signature::sign(&g.wechat_platform, &message);
    assert_eq!(
        canonical(&s.signature),
        canonical(&want),
        "a WeChat Pay notice taken without the platform key's signature: {notice:?}"
    );
}

// The base64 signature's bytes (as the verifier decodes them), for comparison.
fn canonical(b64: &str) -> Option<Vec<u8>> {
    STANDARD.decode(b64.trim().as_bytes()).ok()
}

/// The envelope and plaintext of a `WechatSigned` input: the ciphertext goes where the
/// envelope says `@CT@`.
pub fn wechat_body(data: &[u8]) -> Vec<u8> {
    let (envelope, plain) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let key = ApiV3Key::new(APIV3_KEY).expect("32 bytes");
    let ct = key.encrypt(AAD, NONCE, plain).expect("a 12-byte nonce");
    match envelope
        .windows(CT_PLACEHOLDER.len())
        .position(|w| w == CT_PLACEHOLDER)
    {
        Some(i) => [
            &envelope[..i],
            ct.as_bytes(),
            &envelope[i + CT_PLACEHOLDER.len()..],
        ]
        .concat(),
        None => envelope.to_vec(),
    }
}

fn wechat_signed(g: &Gateways, data: &[u8]) {
    let body = wechat_body(data);
    let s = Signed::sign(&g.wechat_platform, SERIAL, now_s(), "fuzz-nonce", &body);
    let mut headers = HeaderMap::new();
    for (n, v) in s.headers() {
        headers.insert(n, HeaderValue::from_str(v).expect("a header value"));
    }
    let Ok(notice) = g.wechat.read_signed_notice(&headers, &body) else {
        return;
    };
    // Taken: it says what the envelope and its resource said.
    let envelope: wire::Envelope = serde_json::from_slice(&body).expect("a taken envelope");
    let r = &envelope.resource;
    let plain = ApiV3Key::new(APIV3_KEY)
        .expect("32 bytes")
        .decrypt(&r.associated_data, &r.nonce, &r.ciphertext)
        .expect("a taken resource decrypts");
    match notice {
        SignedNotice::Payment(n) => {
            assert_eq!(envelope.event_type, "TRANSACTION.SUCCESS");
            let t: wire::Transaction = serde_json::from_slice(&plain).expect("a transaction");
            assert_eq!((t.mchid.as_str(), t.appid.as_str()), (MCHID, APPID));
            assert_eq!(t.trade_state, "SUCCESS");
            assert_eq!(n.out_trade_no, t.out_trade_no);
            assert_eq!(Some(&n.trade_no), t.transaction_id.as_ref());
            assert_eq!(Some(n.amount_fen), t.amount.map(|a| a.total));
            assert!(n.paid);
        }
        SignedNotice::Refund(n) => {
            assert!(envelope.event_type.starts_with("REFUND."));
            let r: wire::RefundResource = serde_json::from_slice(&plain).expect("a refund");
            assert_eq!(r.mchid, MCHID);
            assert_eq!(n.out_trade_no, r.out_trade_no);
            assert_eq!(n.refund_no, r.out_refund_no);
            assert_eq!(n.succeeded, r.refund_status == "SUCCESS");
        }
    }
}

// The answers' bodies are read only after their signature is checked; their JSON
// types are the server's (serde), read here straight.
fn wechat_answer(data: &[u8]) {
    let _ = serde_json::from_slice::<wire::Transaction>(data);
    let _ = serde_json::from_slice::<wire::NativeAnswer>(data);
    let _ = serde_json::from_slice::<wire::RefundAnswer>(data);
    let _ = serde_json::from_slice::<wire::ErrorBody>(data);
    let _ = serde_json::from_slice::<server::reconcile::wechat::BillAnswer>(data);
    let (headers, _) = split_headers(data);
    if let Ok(s) = Signed::from_headers(&headers) {
        let key = gateways().wechat_platform.to_public_key();
        let _ = s.verify(&key, SERIAL, now_s(), data);
    }
}

/// A form body as axum's `Form<BTreeMap<String, String>>` reads it (the notify route).
pub fn form(data: &[u8]) -> Option<BTreeMap<String, String>> {
    serde_urlencoded::from_bytes(data).ok()
}

fn alipay_as_sent(g: &Gateways, data: &[u8]) {
    let Some(params) = form(data) else {
        return;
    };
    let Ok(notice) = g.alipay.read_form_notice(&params) else {
        return;
    };
    let want = alipay::sign::sign(&g.alipay_key, &alipay::sign::notice_content(&params));
    assert_eq!(
        params.get("sign").and_then(|s| canonical(s)),
        canonical(&want),
        "an Alipay notice taken without the Alipay key's signature: {notice:?}"
    );
}

fn alipay_signed(g: &Gateways, data: &[u8]) {
    let Some(mut params) = form(data) else {
        return;
    };
    alipay::sign::sign_notice(&g.alipay_key, &mut params);
    let Ok(notice) = g.alipay.read_form_notice(&params) else {
        return;
    };
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
    assert_eq!(get("app_id"), ALIPAY_APP_ID);
    assert_eq!(get("seller_id"), ALIPAY_SELLER);
    match notice {
        SignedNotice::Payment(n) => {
            assert_eq!(n.out_trade_no, get("out_trade_no"));
            assert_eq!(n.trade_no, get("trade_no"));
            assert!(!n.trade_no.is_empty() && !n.out_trade_no.is_empty());
            let fen = protocol::money::Fen::parse_yuan(get("total_amount")).map(|f| f.0);
            assert_eq!(Ok(n.amount_fen), fen);
            assert_eq!(
                n.paid,
                matches!(get("trade_status"), "TRADE_SUCCESS" | "TRADE_FINISHED")
            );
        }
        SignedNotice::Refund(n) => {
            assert_eq!(n.out_trade_no, get("out_trade_no"));
            assert_eq!(n.refund_no, get("out_biz_no"));
            assert!(!get("refund_fee").is_empty() && !n.refund_no.is_empty());
        }
    }
}

fn alipay_answer(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let key = ALIPAY_METHODS[usize::from(pick) % ALIPAY_METHODS.len()];
    // `call` reads the body with reqwest's `text()`: lossy UTF-8.
    let body = String::from_utf8_lossy(rest);
    let raw = alipay::sign::raw_member(&body, key);
    if let Some(raw) = raw {
        assert!(raw.starts_with('{') && raw.ends_with('}'), "{raw:?}");
    }
    // Where the body is a JSON object naming the member once, as an object, the raw
    // text found is that member (the text the signature covers is what is read).
    // Without backslashes, so that no escaped name (`\u005f`) or quoted name stands
    // for another: those are refused or read consistently, not this check's business.
    if body.contains('\\') {
        return;
    }
    let Ok(Value::Object(outer)) = serde_json::from_str::<Value>(&body) else {
        return;
    };
    let needle = format!("\"{key}\"");
    if body.matches(&needle).count() != 1 {
        return;
    }
    if let Some(member @ Value::Object(_)) = outer.get(key) {
        let raw = raw.unwrap_or_else(|| panic!("raw_member missed {key} in {body:?}"));
        let read: Value = serde_json::from_str(raw)
            .unwrap_or_else(|e| panic!("raw_member gave {raw:?}, not JSON: {e}"));
        assert_eq!(
            &read, member,
            "raw_member gave another text than the member"
        );
    }
}

fn unionpay_as_sent(g: &Gateways, data: &[u8], answer: bool) {
    let params = if answer {
        // `call` reads the answer so (reqwest's lossy `text()`, trimmed).
        unionpay::sign::parse_answer(String::from_utf8_lossy(data).trim())
    } else {
        let Some(p) = form(data) else {
            return;
        };
        p
    };
    let taken = if answer {
        g.trust.verify(&params, now_s()).is_ok()
    } else {
        g.unionpay.read_form_notice(&params).is_ok()
    };
    if !taken {
        return;
    }
    // Taken: it carries the signing certificate key's signature of its content.
    let mut want = params.clone();
    let cert = params.get("signPubKeyCert").cloned().unwrap_or_default();
    unionpay::sign::sign_with_cert(&g.chain.sign_key, &cert, &mut want);
    assert_eq!(
        params.get("signature").and_then(|s| canonical(s)),
        want.get("signature").and_then(|s| canonical(s)),
        "a UnionPay message taken without the signing key's signature"
    );
}

fn unionpay_signed(g: &Gateways, data: &[u8]) {
    let Some(mut params) = form(data) else {
        return;
    };
    params.insert("version".into(), "5.1.0".into());
    unionpay::sign::sign_with_cert(&g.chain.sign_key, &g.chain.sign_pem, &mut params);
    let Ok(notice) = g.unionpay.read_form_notice(&params) else {
        return;
    };
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
    assert_eq!(get("merId"), MER_ID);
    match notice {
        SignedNotice::Payment(n) => {
            assert_eq!(get("txnType"), "01");
            assert_eq!(n.out_trade_no, get("orderId"));
            assert_eq!(n.trade_no, get("queryId"));
            assert!(n.amount_fen > 0);
            assert_eq!(get("txnAmt").parse::<i64>(), Ok(n.amount_fen));
            assert_eq!(n.paid, get("respCode") == "00");
        }
        SignedNotice::Refund(n) => {
            assert_eq!(get("txnType"), "04");
            assert_eq!(n.refund_no, get("orderId"));
            assert_eq!(n.out_trade_no, get("reqReserved"));
            assert_eq!(n.succeeded, get("respCode") == "00");
        }
    }
}
