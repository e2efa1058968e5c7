//! The words of every notification, in Chinese (the default) and English: an e-mail
//! ([`render`]: subject and body) and a short SMS ([`render_sms`]: at most
//! [`SMS_MAX_CHARS`] characters, signed `【certrenew】` or `[certrenew]`).
//!
//! Texts are plain text: nothing is escaped, but control characters (and bidirectional
//! overrides, which can make a link read differently from where it goes) are removed
//! from every parameter, so a parameter can neither add header lines nor disguise text.
//!
//! The parameters are the outbox row's JSON: always `business_no`; `total_fen` (and
//! `subject`, the certificate's subject) for `submitted`; `install_url` for `approved`;
//! `reason` for `rejected`; optionally `invoice_url` for `invoice_issued`; for
//! `reminder` (where `business_no` is the renewal that produced the certificate)
//! `expires_on` (`YYYY-MM-DD`, China time), `renew_url`, and optionally `days_left`,
//! `subject` and `serial`.

use protocol::money::Fen;
use serde_json::Value;

use crate::notify::outbox::Template;

/// The longest SMS [`render_sms`] returns, in characters.
pub const SMS_MAX_CHARS: usize = 140;

/// An e-mail's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// Why a notification cannot be written. Retrying does not help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// No template has this name.
    #[error("unknown notification template {0:?}")]
    Unknown(String),
    /// A parameter the template needs is missing, empty or of the wrong type.
    #[error("the {template} notification needs the parameter {param:?}")]
    MissingParam {
        /// The template's name.
        template: &'static str,
        /// The parameter's name.
        param: &'static str,
    },
}

/// Writes the e-mail for `template` (an [`outbox::Template`](Template) name) in `lang`:
/// English for `en` (and `en-US`, `en_GB`, …), Chinese for anything else.
pub fn render(template: &str, lang: &str, params: &Value) -> Result<Message, TemplateError> {
    let template = parse(template)?;
    let p = Params::new(template, params);
    let no = p.required("business_no")?;
    let (subject, body) = match (template, is_english(lang)) {
        (Template::Submitted, false) => {
            let mut lines =
                format!("您的数字证书续期申请已提交，业务单号 {no}，请在缴费页面完成支付。\n");
            if let Some(amount) = p.fen("total_fen") {
                lines.push_str(&format!("应缴金额：{amount}\n"));
            }
            if let Some(subject) = p.optional("subject") {
                lines.push_str(&format!("证书主题：{subject}\n"));
            }
            lines.push_str(
                "\n请勿重复缴费；支付失败时可在缴费页面点击“重新支付”，未缴费前也可在缴费页面撤销申请。",
            );
            (
                format!("数字证书续期申请已提交（业务单号 {no}）"),
                zh_letter(&lines),
            )
        }
        (Template::Submitted, true) => {
            let mut lines = format!(
                "Your digital certificate renewal application has been submitted. Business number: {no}. Please complete the payment on the payment page.\n"
            );
            if let Some(amount) = p.fen("total_fen") {
                lines.push_str(&format!("Amount due: {amount}\n"));
            }
            if let Some(subject) = p.optional("subject") {
                lines.push_str(&format!("Certificate subject: {subject}\n"));
            }
            lines.push_str(
                "\nPlease do not pay twice. If a payment fails, choose \"Pay again\" on the payment page; until you pay you may also cancel the application there.",
            );
            (
                format!("Certificate renewal submitted (business number {no})"),
                en_letter(&lines),
            )
        }
        (Template::Paid, false) => (
            format!("已收到续期费用（业务单号 {no}）"),
            zh_letter(&format!(
                "我们已收到您的数字证书续期费用，业务单号 {no}。\n管理员将在1–3个工作日内完成审核，您可在续期页面查询进度。审核通过后，我们将通过短信和邮件通知您安装新证书。\n\n请勿重复缴费。"
            )),
        ),
        (Template::Paid, true) => (
            format!("Renewal fee received (business number {no})"),
            en_letter(&format!(
                "We have received the fee for your digital certificate renewal, business number {no}.\nAn administrator will review the application within 1–3 working days; you can check its progress on the renewal page. Once it is approved we will tell you by SMS and e-mail how to install the new certificate.\n\nPlease do not pay twice."
            )),
        ),
        (Template::Approved, false) => {
            let url = p.required("install_url")?;
            (
                format!("证书续期审核已通过，请安装新证书（业务单号 {no}）"),
                zh_letter(&format!(
                    "您的数字证书续期申请（业务单号 {no}）审核已通过，请插入USB Key，打开 {url} 安装新证书，安装过程中请勿拔出Key。\n\n安装时需要输入USB Key的PIN码。"
                )),
            )
        }
        (Template::Approved, true) => {
            let url = p.required("install_url")?;
            (
                format!("Renewal approved: install your new certificate (business number {no})"),
                en_letter(&format!(
                    "Your digital certificate renewal (business number {no}) has been approved. Please insert your USB key and open {url} to install the new certificate. Do not remove the key while the certificate is being installed.\n\nYou will be asked for the USB key's PIN."
                )),
            )
        }
        (Template::Rejected, false) => {
            let reason = p.required("reason")?;
            (
                format!("证书续期申请未通过审核（业务单号 {no}）"),
                zh_letter(&format!(
                    "很抱歉，您的数字证书续期申请（业务单号 {no}）未通过审核。\n原因：{reason}\n\n您已缴纳的费用将原路退回，请留意退款到账情况。如需继续续期，请根据上述原因修改后重新提交申请。"
                )),
            )
        }
        (Template::Rejected, true) => {
            let reason = p.required("reason")?;
            (
                format!("Renewal application not approved (business number {no})"),
                en_letter(&format!(
                    "We are sorry: your digital certificate renewal application (business number {no}) was not approved.\nReason: {reason}\n\nThe fee you paid will be refunded to the account it came from. To renew, please submit a new application that addresses the reason above."
                )),
            )
        }
        (Template::Completed, false) => (
            format!("证书续期已完成（业务单号 {no}）"),
            zh_letter(&format!(
                "您的新证书已安装完成（业务单号 {no}），证书有效期已延长。\nUSB Key的PIN码保持不变，请继续使用原PIN码。\n\n如申请了电子发票，开具后将通过短信和邮件发送给您。"
            )),
        ),
        (Template::Completed, true) => (
            format!("Certificate renewal completed (business number {no})"),
            en_letter(&format!(
                "Your new certificate has been installed (business number {no}) and its validity has been extended.\nThe USB key's PIN is unchanged: keep using your current PIN.\n\nIf you asked for an electronic invoice, it will be sent to you by SMS and e-mail once it is issued."
            )),
        ),
        (Template::InvoiceIssued, false) => {
            let mut lines = format!(
                "您的数字证书续期费用电子发票已开具（业务单号 {no}），请登录续期页面查看和下载。\n"
            );
            if let Some(url) = p.optional("invoice_url") {
                lines.push_str(&format!("下载地址：{url}\n"));
            }
            (
                format!("电子发票已开具（业务单号 {no}）"),
                zh_letter(&lines),
            )
        }
        (Template::InvoiceIssued, true) => {
            let mut lines = format!(
                "The electronic invoice for your digital certificate renewal (business number {no}) has been issued. You can view and download it on the renewal page.\n"
            );
            if let Some(url) = p.optional("invoice_url") {
                lines.push_str(&format!("Download: {url}\n"));
            }
            (
                format!("Electronic invoice issued (business number {no})"),
                en_letter(&lines),
            )
        }
        (Template::Reminder, false) => {
            let date = p.required("expires_on")?;
            let url = p.required("renew_url")?;
            let mut lines = match p.optional("days_left") {
                Some(days) => format!("您的数字证书将于 {date} 到期（剩余 {days} 天）。\n"),
                None => format!("您的数字证书将于 {date} 到期。\n"),
            };
            if let Some(subject) = p.optional("subject") {
                lines.push_str(&format!("证书主题：{subject}\n"));
            }
            if let Some(serial) = p.optional("serial") {
                lines.push_str(&format!("证书序列号：{serial}\n"));
            }
            lines.push_str(&format!(
                "\n请在到期前插入USB Key，打开 {url} 办理在线续期。新证书的有效期自原证书到期时间起计算，提前续期不会损失有效期；证书过期后须走过期证书续期流程，需提交更多材料。\n\n上次续期的业务单号：{no}"
            ));
            (
                format!("数字证书将于 {date} 到期，请及时续期"),
                zh_letter(&lines),
            )
        }
        (Template::Reminder, true) => {
            let date = p.required("expires_on")?;
            let url = p.required("renew_url")?;
            let mut lines = match p.optional("days_left") {
                Some(days) => {
                    format!("Your digital certificate expires on {date} ({days} days from now).\n")
                }
                None => format!("Your digital certificate expires on {date}.\n"),
            };
            if let Some(subject) = p.optional("subject") {
                lines.push_str(&format!("Certificate subject: {subject}\n"));
            }
            if let Some(serial) = p.optional("serial") {
                lines.push_str(&format!("Serial number: {serial}\n"));
            }
            lines.push_str(&format!(
                "\nBefore it expires, insert your USB key and open {url} to renew online. The new certificate's validity counts from the old one's expiry, so renewing early loses nothing; an expired certificate needs the longer expired-certificate procedure.\n\nBusiness number of the last renewal: {no}"
            ));
            (
                format!("Your certificate expires on {date}: please renew"),
                en_letter(&lines),
            )
        }
    };
    Ok(Message { subject, body })
}

/// Writes the SMS for `template` in `lang` (as [`render`]): at most [`SMS_MAX_CHARS`]
/// characters, starting with `【certrenew】` (Chinese) or `[certrenew]` (English). A
/// long rejection reason is shortened with `…`; an install link too long to fit is
/// left out in favour of "open the renewal page".
pub fn render_sms(template: &str, lang: &str, params: &Value) -> Result<String, TemplateError> {
    let template = parse(template)?;
    let p = Params::new(template, params);
    let no = p.required("business_no")?;
    let en = is_english(lang);
    let text = match (template, en) {
        (Template::Submitted, false) => match p.fen("total_fen") {
            Some(amount) => fit(&[format!(
                "【certrenew】您的数字证书续期申请已提交，业务单号{no}，应缴{amount}，请在缴费页面完成支付。"
            )]),
            None => fit(&[format!(
                "【certrenew】您的数字证书续期申请已提交，业务单号{no}，请在缴费页面完成支付。"
            )]),
        },
        (Template::Submitted, true) => match p.fen("total_fen") {
            Some(amount) => fit(&[format!(
                "[certrenew] Certificate renewal {no} submitted. Amount due: {amount}. Please complete the payment on the payment page."
            )]),
            None => fit(&[format!(
                "[certrenew] Certificate renewal {no} submitted. Please complete the payment on the payment page."
            )]),
        },
        (Template::Paid, false) => fit(&[format!(
            "【certrenew】已收到业务单号{no}的续期费用，审核需1–3个工作日，通过后将通知您安装新证书。"
        )]),
        (Template::Paid, true) => fit(&[format!(
            "[certrenew] Payment for renewal {no} received. Review takes 1–3 working days; we will tell you when to install."
        )]),
        (Template::Approved, false) => {
            let url = p.required("install_url")?;
            fit(&[
                format!(
                    "【certrenew】业务单号{no}审核已通过，请插入USB Key，打开 {url} 安装新证书，安装过程中请勿拔出Key。"
                ),
                format!(
                    "【certrenew】审核已通过，请插入USB Key，打开 {url} 安装新证书，请勿拔出Key。"
                ),
                format!(
                    "【certrenew】业务单号{no}审核已通过，请插入USB Key，登录续期页面安装新证书，安装过程中请勿拔出Key。"
                ),
            ])
        }
        (Template::Approved, true) => {
            let url = p.required("install_url")?;
            fit(&[
                format!(
                    "[certrenew] Renewal {no} approved: insert your USB key, open {url} and keep the key in until installed."
                ),
                format!(
                    "[certrenew] Approved: insert your USB key, open {url} and keep it in until installed."
                ),
                format!(
                    "[certrenew] Renewal {no} approved: insert your USB key and install on the renewal page; keep the key in."
                ),
            ])
        }
        (Template::Rejected, false) => {
            let reason = p.required("reason")?;
            fit_elastic(&reason, |r| {
                format!("【certrenew】业务单号{no}未通过审核，原因：{r}。已缴费用将原路退回。")
            })
        }
        (Template::Rejected, true) => {
            let reason = p.required("reason")?;
            fit_elastic(&reason, |r| {
                format!(
                    "[certrenew] Renewal {no} not approved. Reason: {r}. Your fee will be refunded."
                )
            })
        }
        (Template::Completed, false) => fit(&[format!(
            "【certrenew】业务单号{no}续期已完成，证书有效期已延长，USB Key的PIN码不变。"
        )]),
        (Template::Completed, true) => fit(&[format!(
            "[certrenew] Renewal {no} completed: the certificate's validity is extended and your PIN is unchanged."
        )]),
        (Template::InvoiceIssued, false) => fit(&[format!(
            "【certrenew】业务单号{no}的电子发票已开具，请查收邮件或登录续期页面下载。"
        )]),
        (Template::InvoiceIssued, true) => fit(&[format!(
            "[certrenew] The electronic invoice for renewal {no} has been issued: see your e-mail or the renewal page."
        )]),
        (Template::Reminder, false) => {
            let date = p.required("expires_on")?;
            let url = p.required("renew_url")?;
            fit(&[
                format!(
                    "【certrenew】您的数字证书将于{date}到期，请在到期前插入USB Key，打开 {url} 在线续期。"
                ),
                format!(
                    "【certrenew】您的数字证书将于{date}到期，请在到期前插入USB Key，登录续期页面在线续期。"
                ),
            ])
        }
        (Template::Reminder, true) => {
            let date = p.required("expires_on")?;
            let url = p.required("renew_url")?;
            fit(&[
                format!(
                    "[certrenew] Your certificate expires on {date}. Insert your USB key and open {url} to renew before then."
                ),
                format!(
                    "[certrenew] Your certificate expires on {date}. Insert your USB key and renew on the renewal page before then."
                ),
            ])
        }
    };
    Ok(text)
}

/// The template named `name`.
fn parse(name: &str) -> Result<Template, TemplateError> {
    const ALL: [Template; 7] = [
        Template::Submitted,
        Template::Paid,
        Template::Approved,
        Template::Rejected,
        Template::Completed,
        Template::InvoiceIssued,
        Template::Reminder,
    ];
    ALL.into_iter()
        .find(|t| t.as_str() == name)
        .ok_or_else(|| TemplateError::Unknown(clean(name)))
}

/// Whether `lang` asks for English (`en`, `en-US`, `en_GB`, any case).
fn is_english(lang: &str) -> bool {
    let lang = lang.trim().to_ascii_lowercase();
    lang == "en" || lang.starts_with("en-") || lang.starts_with("en_")
}

/// A Chinese e-mail around `lines`.
fn zh_letter(lines: &str) -> String {
    format!(
        "尊敬的用户：\n\n{}\n\n此邮件由系统自动发送，请勿直接回复。\n数字证书在线续期服务\n",
        lines.trim_end()
    )
}

/// An English e-mail around `lines`.
fn en_letter(lines: &str) -> String {
    format!(
        "Dear customer,\n\n{}\n\nThis message was sent automatically; please do not reply to it.\nOnline certificate renewal service\n",
        lines.trim_end()
    )
}

/// The first candidate that fits in an SMS; else the last one, cut short.
fn fit(candidates: &[String]) -> String {
    candidates
        .iter()
        .find(|c| c.chars().count() <= SMS_MAX_CHARS)
        .cloned()
        .unwrap_or_else(|| truncate(candidates.last().map_or("", String::as_str), SMS_MAX_CHARS))
}

/// `make(part)` with `part` shortened (ending in `…`) as much as the SMS needs.
fn fit_elastic(part: &str, make: impl Fn(&str) -> String) -> String {
    let full = make(part);
    if full.chars().count() <= SMS_MAX_CHARS {
        return full;
    }
    let fixed = make("").chars().count();
    let room = SMS_MAX_CHARS.saturating_sub(fixed);
    fit(&[make(&truncate(part, room))])
}

/// `text` cut to at most `max` characters, the last being `…` when something was cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out = out.trim_end().to_owned();
    out.push('…');
    out
}

/// A parameter fit to print: line breaks and tabs become spaces, other control
/// characters and bidirectional controls go, and the ends are trimmed.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\n' | '\r' | '\t') {
            out.push(' ');
        } else if !c.is_control() && !is_bidi_control(c) {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// The Unicode bidirectional formatting characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The parameters of one notification.
struct Params<'a> {
    template: Template,
    values: &'a Value,
}

impl<'a> Params<'a> {
    fn new(template: Template, values: &'a Value) -> Self {
        Self { template, values }
    }

    /// A string (or number) parameter, cleaned; `None` when missing or empty.
    fn optional(&self, name: &str) -> Option<String> {
        let text = match self.values.get(name)? {
            Value::String(s) => clean(s),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        (!text.is_empty()).then_some(text)
    }

    /// A parameter the template cannot do without.
    fn required(&self, name: &'static str) -> Result<String, TemplateError> {
        self.optional(name).ok_or(TemplateError::MissingParam {
            template: self.template.as_str(),
            param: name,
        })
    }

    /// An amount in fen (a JSON integer, or a string of digits).
    fn fen(&self, name: &str) -> Option<Fen> {
        match self.values.get(name)? {
            Value::Number(n) => n.as_i64().map(Fen),
            Value::String(s) => s.trim().parse().ok().map(Fen),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
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
        assert!(
            rendered == recorded,
            "the words differ from {path}: run with CERTRENEW_BLESS=1 and read the diff"
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
}
