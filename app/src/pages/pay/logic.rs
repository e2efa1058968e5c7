//! The pay panel's pure logic: what was typed, the page's own checks (the server's
//! rules of docs/api.md §5.3, so most mistakes are caught before a round trip), the
//! request body, where each field path is shown, and the invoice title from the
//! certificate's subject.

use protocol::application::FieldError;
use protocol::credit_code::CreditCode;
use protocol::pay_request::{BankTransferRequest, InvoiceRequest, PaymentRequest};
use protocol::payment::{InvoiceKind, PaymentMethod};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::i18n::{Lang, lookup};
use crate::models::{Payment, Project, Renewal};

/// What was typed in the pay panel (kept per renewal in session storage, so the
/// gateway's round trip or a re-render loses nothing).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PayDraft {
    /// `alipay`, `unionpay`, `wechat`, `bank_transfer`.
    pub method: String,
    /// `electronic`, `paper`.
    pub kind: String,
    /// 发票抬头.
    pub title: String,
    /// 纳税人识别号 (统一社会信用代码).
    pub taxpayer_id: String,
    /// 付款账号.
    pub bt_account: String,
    /// 付款账户名.
    pub bt_name: String,
    /// 付款日期, `YYYY-MM-DD`.
    pub bt_date: String,
    /// 备注说明.
    pub bt_note: String,
}

/// The payment methods in display order, with their catalogue keys.
pub const METHODS: [(PaymentMethod, &str); 4] = [
    (PaymentMethod::Alipay, "pay.method.alipay"),
    (PaymentMethod::Unionpay, "pay.method.unionpay"),
    (PaymentMethod::Wechat, "pay.method.wechat"),
    (PaymentMethod::BankTransfer, "pay.method.bank_transfer"),
];

/// The invoice kinds, with their catalogue keys.
pub const KINDS: [(InvoiceKind, &str); 2] = [
    (InvoiceKind::Electronic, "pay.invoice.electronic"),
    (InvoiceKind::Paper, "pay.invoice.paper"),
];

/// Whether a chosen method (a radio's value) is the bank transfer.
pub fn is_transfer(method: &str) -> bool {
    PaymentMethod::parse(method) == Some(PaymentMethod::BankTransfer)
}

/// Whether a chosen invoice kind (a radio's value) is `kind`.
pub fn is_kind(chosen: &str, kind: InvoiceKind) -> bool {
    InvoiceKind::parse(chosen) == Some(kind)
}

/// The organisation (`O=`) of an RFC 4514 subject, unescaped; `None` without one.
pub fn organisation(subject: &str) -> Option<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = subject.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    current.push('\\');
                    current.push(next);
                }
            }
            ',' | '+' => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts.iter().find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("O")
            .then(|| unescape(v.trim()))
            .filter(|v| !v.is_empty())
    })
}

fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The latest payment attempt, if any.
pub fn latest(renewal: &Renewal) -> Option<&Payment> {
    renewal
        .payments
        .iter()
        .max_by(|a, b| a.created_at.cmp(&b.created_at))
}

/// The draft to start from: the earlier invoice request when there is one, else the
/// project's first method and kind and the subject's organisation as the title.
pub fn initial(renewal: &Renewal, project: &Project, today: &str) -> PayDraft {
    let org = organisation(&renewal.subject).unwrap_or_default();
    let earlier = renewal.invoice.as_ref();
    let pick = |wanted: Option<&str>, offered: &[String]| {
        wanted
            .filter(|w| offered.iter().any(|o| o == w))
            .map(str::to_owned)
            .or_else(|| offered.first().cloned())
            .unwrap_or_default()
    };
    let last_method = latest(renewal).map(|p| p.method.as_str());
    PayDraft {
        method: pick(last_method, &project.payment_methods),
        kind: pick(earlier.map(|i| i.kind.as_str()), &project.invoice_kinds),
        title: earlier.map_or(org.clone(), |i| i.title.clone()),
        taxpayer_id: earlier
            .and_then(|i| i.taxpayer_id.clone())
            .unwrap_or_default(),
        bt_account: String::new(),
        bt_name: org,
        bt_date: today.to_owned(),
        bt_note: String::new(),
    }
}

/// Keeps a restored draft within what the project offers now.
pub fn fit(mut d: PayDraft, project: &Project) -> PayDraft {
    if !project.payment_methods.contains(&d.method) {
        d.method = project.payment_methods.first().cloned().unwrap_or_default();
    }
    if !project.invoice_kinds.contains(&d.kind) {
        d.kind = project.invoice_kinds.first().cloned().unwrap_or_default();
    }
    d
}

fn err(errors: &mut Vec<FieldError>, field: &str, rule: &str, message: &str) {
    errors.push(FieldError {
        field: field.into(),
        rule: rule.into(),
        message: message.into(),
    });
}

/// `YYYY-MM-DD` naming a real day.
fn is_date(s: &str) -> bool {
    // By hand, not `time`'s format-description parser (≈ 20 KB of wasm, issue 16).
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let (Ok(y), Ok(m), Ok(d)) = (i32::try_from(y), u8::try_from(m), u8::try_from(d)) else {
        return false;
    };
    time::Month::try_from(m).is_ok_and(|m| time::Date::from_calendar_date(y, m, d).is_ok())
}

/// Every problem the page can see, in form order (the server checks again and names
/// the first one it finds).
pub fn check(d: &PayDraft, project: &Project) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !project.payment_methods.contains(&d.method) {
        err(&mut errors, "method", "payment.method", "choose how to pay");
    }
    if !project.invoice_kinds.contains(&d.kind) {
        err(
            &mut errors,
            "invoice.kind",
            "invoice.kind",
            "choose an invoice kind",
        );
    }
    let title = d.title.trim();
    if title.is_empty() || title.chars().count() > 100 || title.chars().any(char::is_control) {
        err(
            &mut errors,
            "invoice.title",
            "invoice.title",
            "the invoice title must be 1 to 100 characters",
        );
    }
    match d.taxpayer_id.trim() {
        "" if is_kind(&d.kind, InvoiceKind::Electronic) => err(
            &mut errors,
            "invoice.taxpayer_id",
            "credit_code.missing",
            "an electronic invoice needs the taxpayer id",
        ),
        "" => {}
        id => {
            if let Err(e) = CreditCode::parse(id) {
                err(&mut errors, "invoice.taxpayer_id", e.code(), &e.to_string());
            }
        }
    }
    if is_transfer(&d.method) {
        let account = d.bt_account.replace([' ', '-'], "");
        if !(8..=32).contains(&account.len()) || !account.bytes().all(|b| b.is_ascii_digit()) {
            err(
                &mut errors,
                "bank_transfer.payer_account",
                "bank_account.format",
                "the account number is 8 to 32 digits",
            );
        }
        let name = d.bt_name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            err(
                &mut errors,
                "bank_transfer.payer_name",
                "bank_account.name",
                "the account name must be 1 to 100 characters",
            );
        }
        if !is_date(d.bt_date.trim()) {
            err(
                &mut errors,
                "bank_transfer.paid_on",
                "date.format",
                "the date is YYYY-MM-DD",
            );
        }
        if d.bt_note.chars().count() > 200 {
            err(
                &mut errors,
                "bank_transfer.note",
                "note.length",
                "the note is at most 200 characters",
            );
        }
    }
    errors
}

/// The body of `POST /renewals/{no}/payments`.
pub fn body(d: &PayDraft, total_fen: i64) -> PaymentRequest {
    let taxpayer = d.taxpayer_id.trim();
    PaymentRequest {
        method: d.method.clone(),
        invoice: InvoiceRequest {
            kind: d.kind.clone(),
            title: d.title.trim().to_owned(),
            taxpayer_id: (!taxpayer.is_empty()).then(|| taxpayer.to_ascii_uppercase()),
        },
        bank_transfer: is_transfer(&d.method).then(|| BankTransferRequest {
            payer_account: d.bt_account.trim().to_owned(),
            payer_name: d.bt_name.trim().to_owned(),
            amount_fen: total_fen,
            paid_on: d.bt_date.trim().to_owned(),
            note: d.bt_note.trim().to_owned(),
        }),
    }
}

/// The id of the control that shows (and gets the focus for) a field path's error;
/// radio groups are named by their first radio. `None`: shown as a general error.
pub fn input_id(field: &str, project: &Project) -> Option<String> {
    let first = |prefix: &str, list: &[String]| list.first().map(|v| format!("{prefix}-{v}"));
    match field {
        "method" => first("method", &project.payment_methods),
        "invoice.kind" => first("invoice-kind", &project.invoice_kinds),
        "invoice.title" => Some("invoice-title".into()),
        "invoice.taxpayer_id" => Some("taxpayer-id".into()),
        "bank_transfer" | "bank_transfer.payer_account" => Some("bt-account".into()),
        "bank_transfer.payer_name" => Some("bt-name".into()),
        "bank_transfer.paid_on" => Some("bt-date".into()),
        "bank_transfer.note" => Some("bt-note".into()),
        "bank_transfer.amount_fen" => Some("bt-amount".into()),
        _ => None,
    }
}

/// Where an error of a field path is listed: the field itself, or the group it belongs
/// to (`bank_transfer` "missing" shows at the account).
pub fn shown_at(field: &str) -> &str {
    match field {
        "bank_transfer" => "bank_transfer.payer_account",
        f => f,
    }
}

/// The words for a broken rule: `pay.rule.<rule>`, else the server's message.
pub fn rule_text(lang: Lang, error: &FieldError) -> String {
    lookup(lang, &format!("pay.rule.{}", error.rule))
        .map(str::to_owned)
        .unwrap_or_else(|| error.message.clone())
}

/// The one field error of a 422 answer (`details.field`, `details.rule`).
pub fn server_error(details: &Value, message: &str) -> Option<FieldError> {
    let field = details.get("field")?.as_str()?;
    let rule = details.get("rule")?.as_str()?;
    Some(FieldError {
        field: shown_at(field).into(),
        rule: rule.into(),
        message: message.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Agreement, Invoice, Price};
    use serde_json::json;

    fn project() -> Project {
        Project {
            id: "gd-med".into(),
            name_zh: "x".into(),
            name_en: "x".into(),
            min_host_version: "0.1.0".into(),
            min_extension_version: "0.1.0".into(),
            renewal_window_days: 90,
            prices: vec![Price {
                months: 12,
                fen: 10_000,
            }],
            fee_line_zh: "证书服务年费".into(),
            fee_line_en: "fee".into(),
            agreement: Agreement {
                version: "1".into(),
                text_zh: "z".into(),
                text_en: "e".into(),
            },
            notice_zh: String::new(),
            notice_en: String::new(),
            payment_methods: ["alipay", "unionpay", "wechat", "bank_transfer"]
                .map(String::from)
                .to_vec(),
            payee: None,
            invoice_kinds: vec!["electronic".into(), "paper".into()],
            support: Default::default(),
            return_urls: vec![],
        }
    }

    fn renewal() -> Renewal {
        serde_json::from_value(json!({
            "business_no": "01202603010000012", "project": "gd-med", "stage": "pay",
            "status": "awaiting_payment", "subject": "CN=张三,O=测试医药有限公司,C=CN",
            "cert_sha256": "ab", "old_not_after": "2026-04-01T00:00:00Z", "months": 12,
            "fee_lines": [], "total_fen": 10000, "total_display": "¥100.00",
            "created_at": "2026-03-01T00:00:00Z", "updated_at": "2026-03-01T00:00:00Z"
        }))
        .expect("renewal")
    }

    fn good() -> PayDraft {
        PayDraft {
            method: "alipay".into(),
            kind: "electronic".into(),
            title: "测试医药有限公司".into(),
            taxpayer_id: "91350100M000100Y43".into(),
            ..PayDraft::default()
        }
    }

    #[test]
    fn the_organisation_is_read_from_the_subject() {
        let cases = [
            ("CN=张三,O=测试医药有限公司,C=CN", Some("测试医药有限公司")),
            ("CN=Li Lei,O=Acme\\, Inc.,C=CN", Some("Acme, Inc.")),
            ("o = Lower ,CN=x", Some("Lower")),
            ("CN=张三,OU=采购部,C=CN", None),
            ("CN=x+O=Multi,C=CN", Some("Multi")),
            ("", None),
        ];
        for (subject, org) in cases {
            assert_eq!(organisation(subject).as_deref(), org, "{subject}");
        }
    }

    #[test]
    fn the_draft_starts_from_the_subject_or_the_earlier_invoice() {
        let mut r = renewal();
        let d = initial(&r, &project(), "2026-03-02");
        assert_eq!(
            (d.method.as_str(), d.kind.as_str()),
            ("alipay", "electronic")
        );
        assert_eq!(d.title, "测试医药有限公司");
        assert_eq!(d.bt_name, "测试医药有限公司");
        assert_eq!(d.bt_date, "2026-03-02");
        r.invoice = Some(Invoice {
            kind: InvoiceKind::Paper.into(),
            title: "别的抬头".into(),
            taxpayer_id: None,
            status: protocol::payment::InvoiceStatus::Requested.into(),
        });
        let d = initial(&r, &project(), "2026-03-02");
        assert_eq!((d.kind.as_str(), d.title.as_str()), ("paper", "别的抬头"));
    }

    #[test]
    fn a_transfer_date_is_a_real_day() {
        for ok in ["2026-03-02", "2024-02-29", "2026-12-31", "0001-01-01"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in [
            "2026-02-29",
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-1-01",
            "2026/01/01",
            "26-01-01",
            "2026-01-011",
            "２026-01-01",
            "",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn checks_mirror_the_server_rules() {
        assert_eq!(check(&good(), &project()), vec![]);
        let rules = |d: &PayDraft| {
            check(d, &project())
                .into_iter()
                .map(|e| e.rule)
                .collect::<Vec<_>>()
        };
        let mut d = good();
        d.taxpayer_id = String::new();
        assert_eq!(rules(&d), ["credit_code.missing"]);
        d.kind = "paper".into();
        assert_eq!(rules(&d), Vec::<String>::new());
        d.taxpayer_id = "91350100M000100Y44".into();
        assert_eq!(rules(&d), ["credit_code.bad_check_character"]);
        let mut d = good();
        d.method = "bank_transfer".into();
        d.bt_account = "6222-021".into();
        d.bt_date = "2026-02-30".into();
        d.bt_note = "x".repeat(201);
        assert_eq!(
            rules(&d),
            [
                "bank_account.format",
                "bank_account.name",
                "date.format",
                "note.length"
            ]
        );
        d.method = "cash".into();
        d.title = " ".into();
        assert_eq!(rules(&d), ["payment.method", "invoice.title"]);
    }

    #[test]
    fn the_body_carries_the_exact_total_for_a_transfer() {
        let mut d = good();
        assert!(body(&d, 10_000).bank_transfer.is_none());
        d.method = "bank_transfer".into();
        d.bt_account = " 6222 0212 3456 7890 ".into();
        d.bt_name = "测试医药有限公司".into();
        d.bt_date = "2026-03-01".into();
        let b = body(&d, 10_000).bank_transfer.expect("a transfer");
        assert_eq!(b.amount_fen, 10_000);
        assert_eq!(b.payer_account, "6222 0212 3456 7890");
        d.taxpayer_id = String::new();
        assert!(body(&d, 1).invoice.taxpayer_id.is_none());
    }

    #[test]
    fn server_fields_map_to_controls() {
        let p = project();
        let cases = [
            ("method", Some("method-alipay")),
            ("invoice.kind", Some("invoice-kind-electronic")),
            ("invoice.title", Some("invoice-title")),
            ("invoice.taxpayer_id", Some("taxpayer-id")),
            ("bank_transfer", Some("bt-account")),
            ("bank_transfer.payer_account", Some("bt-account")),
            ("bank_transfer.payer_name", Some("bt-name")),
            ("bank_transfer.paid_on", Some("bt-date")),
            ("bank_transfer.note", Some("bt-note")),
            ("bank_transfer.amount_fen", Some("bt-amount")),
            ("something_else", None),
        ];
        for (field, id) in cases {
            assert_eq!(input_id(field, &p).as_deref(), id, "{field}");
        }
        let e = server_error(
            &json!({"field": "bank_transfer", "rule": "bank_transfer.missing"}),
            "m",
        )
        .expect("error");
        assert_eq!(e.field, "bank_transfer.payer_account");
        assert!(server_error(&Value::Null, "m").is_none());
    }

    #[test]
    fn every_rule_has_words() {
        for rule in [
            "payment.method",
            "invoice.kind",
            "invoice.title",
            "credit_code.missing",
            "credit_code.wrong_length",
            "credit_code.bad_character",
            "credit_code.bad_check_character",
            "bank_account.format",
            "bank_account.name",
            "bank_transfer.missing",
            "bank_transfer.amount",
            "date.format",
            "note.length",
        ] {
            let e = FieldError {
                field: "x".into(),
                rule: rule.into(),
                message: "fallback".into(),
            };
            assert_ne!(rule_text(Lang::Zh, &e), "fallback", "{rule}");
            assert_ne!(rule_text(Lang::En, &e), "fallback", "{rule}");
        }
    }
}
