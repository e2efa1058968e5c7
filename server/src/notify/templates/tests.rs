//! The templates' tests; `every_text_is_as_recorded` holds every word to
//! `testdata/rendered.txt`.

use serde_json::json;

use super::*;

const NO: &str = "01202501020000003";
const URL: &str = "https://ca.example.com/renewals/01202501020000003";

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
            json!({ "business_no": NO, "from": "in_review", "to": "rejected", "reason": "经办人身份证号与证书不符" })
        }
        "completed" => json!({ "business_no": NO, "from": "issued", "to": "completed" }),
        "reminder" => json!({
            "business_no": NO, "days": 30, "days_left": 29, "expires_on": "2027-03-01",
            "renew_url": "https://ca.example.com/", "subject": "CN=张三,O=测试医药有限公司,C=CN",
            "serial": "3a5f0c"
        }),
        _ => json!({ "business_no": NO }),
    }
}

const ALL: [&str; 7] = [
    "submitted",
    "paid",
    "approved",
    "rejected",
    "completed",
    "invoice_issued",
    "reminder",
];

#[test]
fn every_template_renders_in_both_languages() {
    for name in ALL {
        // A reminder is about the certificate: its date is what the reader needs.
        let key = if name == "reminder" { "2027-03-01" } else { NO };
        for lang in ["zh", "en"] {
            let msg = render(name, lang, &params(name)).unwrap();
            assert!(msg.subject.contains(key), "{name}/{lang}: {msg:?}");
            assert!(msg.body.contains(NO), "{name}/{lang}: {msg:?}");
            assert!(!msg.subject.contains('\n'), "{name}/{lang}");
            let sms = render_sms(name, lang, &params(name)).unwrap();
            assert!(sms.chars().count() <= SMS_MAX_CHARS, "{name}/{lang}: {sms}");
            assert!(sms.contains(key), "{name}/{lang}: {sms}");
            let prefix = if lang == "en" {
                "[certrenew]"
            } else {
                "【certrenew】"
            };
            assert!(sms.starts_with(prefix), "{name}/{lang}: {sms}");
        }
    }
}

#[test]
fn chinese_is_the_default_and_english_needs_en() {
    let p = params("paid");
    let zh = render("paid", "zh-CN", &p).unwrap();
    assert_eq!(render("paid", "", &p).unwrap(), zh);
    assert_eq!(render("paid", "fr", &p).unwrap(), zh);
    assert!(zh.body.contains("1–3个工作日"), "{zh:?}");
    let en = render("paid", "en", &p).unwrap();
    assert_eq!(render("paid", "en-US", &p).unwrap(), en);
    assert!(en.body.contains("1–3 working days"), "{en:?}");
}

#[test]
fn the_manuals_words() {
    let msg = render("submitted", "zh", &params("submitted")).unwrap();
    assert!(msg.body.contains(&format!(
        "您的数字证书续期申请已提交，业务单号 {NO}，请在缴费页面完成支付"
    )));
    assert!(msg.body.contains("应缴金额：¥100.00"), "{}", msg.body);
    let msg = render("approved", "zh", &params("approved")).unwrap();
    assert!(msg.body.contains(&format!(
        "审核已通过，请插入USB Key，打开 {URL} 安装新证书，安装过程中请勿拔出Key"
    )));
    let msg = render("rejected", "zh", &params("rejected")).unwrap();
    assert!(msg.body.contains("原因：经办人身份证号与证书不符"));
    assert!(msg.body.contains("原路退回"));
    let msg = render("completed", "zh", &params("completed")).unwrap();
    assert!(msg.body.contains("有效期已延长") && msg.body.contains("PIN码保持不变"));
    let msg = render("invoice_issued", "zh", &params("invoice_issued")).unwrap();
    assert!(msg.subject.contains("电子发票已开具"));
    let msg = render("approved", "en", &params("approved")).unwrap();
    assert!(msg.body.contains(URL) && msg.body.contains("Do not remove the key"));
    let msg = render("rejected", "en", &params("rejected")).unwrap();
    assert!(msg.body.contains("refunded"));
    let sms = render_sms("submitted", "zh", &params("submitted")).unwrap();
    assert!(sms.contains("应缴¥100.00"), "{sms}");
}

#[test]
fn the_reminder_names_the_date_and_the_link() {
    let p = params("reminder");
    let zh = render("reminder", "zh", &p).unwrap();
    assert_eq!(zh.subject, "数字证书将于 2027-03-01 到期，请及时续期");
    assert!(zh.body.contains("剩余 29 天"), "{}", zh.body);
    assert!(
        zh.body
            .contains("打开 https://ca.example.com/ 办理在线续期")
    );
    assert!(zh.body.contains("证书序列号：3a5f0c"));
    let en = render("reminder", "en", &p).unwrap();
    assert!(en.body.contains("expires on 2027-03-01 (29 days from now)"));
    assert!(en.body.contains("open https://ca.example.com/ to renew"));
    let sms = render_sms("reminder", "zh", &p).unwrap();
    assert!(sms.contains("https://ca.example.com/"), "{sms}");
    assert_eq!(
        render(
            "reminder",
            "zh",
            &json!({ "business_no": NO, "expires_on": "2027-03-01" })
        ),
        Err(TemplateError::MissingParam {
            template: "reminder",
            param: "renew_url"
        })
    );
}

#[test]
fn money_is_shown_as_yuan() {
    let p = json!({ "business_no": NO, "total_fen": "123450" });
    let msg = render("submitted", "en", &p).unwrap();
    assert!(msg.body.contains("Amount due: ¥1,234.50"), "{}", msg.body);
}

#[test]
fn unknown_templates_and_missing_params_are_errors() {
    assert_eq!(
        render("welcome", "zh", &params("paid")),
        Err(TemplateError::Unknown("welcome".into()))
    );
    assert!(matches!(
        render_sms("Paid", "zh", &params("paid")),
        Err(TemplateError::Unknown(_))
    ));
    assert_eq!(
        render("approved", "zh", &json!({ "business_no": NO })),
        Err(TemplateError::MissingParam {
            template: "approved",
            param: "install_url"
        })
    );
    assert_eq!(
        render_sms(
            "rejected",
            "en",
            &json!({ "business_no": NO, "reason": " \n " })
        ),
        Err(TemplateError::MissingParam {
            template: "rejected",
            param: "reason"
        })
    );
    assert!(matches!(
        render("paid", "zh", &json!({})),
        Err(TemplateError::MissingParam {
            param: "business_no",
            ..
        })
    ));
}

#[test]
fn control_characters_are_stripped_from_params() {
    let p = json!({
        "business_no": format!("{NO}\r\nBcc: evil@example.com"),
        "reason": "照片\u{0}不清晰\u{7}\u{202E}moc.live\u{1b}[31m",
    });
    let msg = render("rejected", "zh", &p).unwrap();
    assert!(!msg.subject.contains(['\r', '\n']), "{:?}", msg.subject);
    assert!(
        msg.subject
            .contains(&format!("{NO}  Bcc: evil@example.com"))
    );
    assert!(
        msg.body.contains("原因：照片不清晰moc.live[31m"),
        "{}",
        msg.body
    );
    assert!(!msg.body.chars().any(|c| c.is_control() && c != '\n'));
}

/// Every template × language × channel, with full, minimal and awkward parameters,
/// rendered into one text: the words' record, compared byte for byte.
fn render_every_case() -> String {
    let long_reason = "申请资料与证书信息不一致，".repeat(20);
    let long_url = format!("https://ca.example.com/{}/{NO}", "x".repeat(150));
    let medium_url = format!("https://ca.example.com/install/{}", "y".repeat(19));
    let mut cases: Vec<(String, &str, Value)> = Vec::new();
    for name in ALL {
        cases.push((format!("{name} full"), name, params(name)));
        cases.push((
            format!("{name} minimal"),
            name,
            json!({ "business_no": NO, "install_url": URL, "reason": "照片不清晰",
                    "expires_on": "2027-03-01", "renew_url": "https://ca.example.com/" }),
        ));
        cases.push((format!("{name} empty"), name, json!({})));
        cases.push((
            format!("{name} number only"),
            name,
            json!({ "business_no": NO }),
        ));
    }
    cases.push((
        "submitted fen as text".into(),
        "submitted",
        json!({ "business_no": NO, "total_fen": "123450" }),
    ));
    cases.push((
        "rejected long reason".into(),
        "rejected",
        json!({ "business_no": NO, "reason": long_reason }),
    ));
    cases.push((
        "rejected control characters".into(),
        "rejected",
        json!({ "business_no": format!("{NO}\r\nBcc: evil@example.com"),
                "reason": "照片\u{0}不清晰\u{7}\u{202E}moc.live\u{1b}[31m" }),
    ));
    cases.push((
        "approved long link".into(),
        "approved",
        json!({ "business_no": NO, "install_url": long_url }),
    ));
    cases.push((
        "approved medium link".into(),
        "approved",
        json!({ "business_no": NO, "install_url": medium_url }),
    ));
    cases.push((
        "reminder long link".into(),
        "reminder",
        json!({ "business_no": NO, "expires_on": "2027-03-01", "renew_url": long_url }),
    ));
    cases.push((
        "reminder without link".into(),
        "reminder",
        json!({ "business_no": NO, "expires_on": "2027-03-01" }),
    ));
    cases.push(("unknown".into(), "welcome", params("paid")));
    let mut out = String::new();
    for (case, name, p) in &cases {
        for lang in ["zh", "en", "en_GB", "fr"] {
            out.push_str(&format!("==== {case} / {lang} / email\n"));
            match render(name, lang, p) {
                Ok(m) => out.push_str(&format!("subject: {}\n{}", m.subject, m.body)),
                Err(e) => out.push_str(&format!("error: {e}\n")),
            }
            out.push_str(&format!("==== {case} / {lang} / sms\n"));
            match render_sms(name, lang, p) {
                Ok(text) => out.push_str(&format!("{text}\n")),
                Err(e) => out.push_str(&format!("error: {e}\n")),
            }
        }
    }
    out
}

/// The words are exactly those recorded in `testdata/rendered.txt`. After changing
/// a text on purpose, write the record anew with `CERTRENEW_BLESS=1` and read the diff.
#[test]
fn every_text_is_as_recorded() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/notify/templates/testdata/rendered.txt"
    );
    let rendered = render_every_case();
    if std::env::var_os("CERTRENEW_BLESS").is_some() {
        std::fs::write(path, &rendered).unwrap();
    }
    let recorded = std::fs::read_to_string(path).unwrap();
    let first_difference = rendered
        .lines()
        .zip(recorded.lines())
        .position(|(now, then)| now != then);
    assert!(
        rendered == recorded,
        "the words differ from {path} (first at line {}): run with CERTRENEW_BLESS=1 and read the diff",
        first_difference.map_or(
            rendered.lines().count().min(recorded.lines().count()),
            |n| n
        ) + 1
    );
}

#[test]
fn long_sms_parts_are_shortened() {
    let reason = "申请资料与证书信息不一致，".repeat(20);
    let p = json!({ "business_no": NO, "reason": reason });
    for lang in ["zh", "en"] {
        let sms = render_sms("rejected", lang, &p).unwrap();
        assert_eq!(sms.chars().count(), SMS_MAX_CHARS, "{sms}");
        assert!(sms.contains('…') && sms.contains(NO), "{sms}");
    }
    let long_url = format!("https://ca.example.com/{}/{NO}", "x".repeat(150));
    let p = json!({ "business_no": NO, "install_url": long_url });
    for lang in ["zh", "en"] {
        let sms = render_sms("approved", lang, &p).unwrap();
        assert!(sms.chars().count() <= SMS_MAX_CHARS, "{sms}");
        assert!(!sms.contains("xxx") && sms.contains(NO), "{sms}");
    }
    // A link that fits only without the business number keeps the link.
    let medium = format!("https://ca.example.com/install/{}", "y".repeat(19));
    let p = json!({ "business_no": NO, "install_url": medium });
    let sms = render_sms("approved", "en", &p).unwrap();
    assert!(sms.contains(&medium), "{sms}");
}
