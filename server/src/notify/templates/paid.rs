//! `paid`: the fee arrived; review takes 1–3 working days.

use super::{Lang, Message, Params, TemplateError, Words, letter, sms};

/// This event's e-mail and SMS.
pub(super) const WORDS: Words = Words { email, sms };

/// The e-mail.
fn email(_: &Params, no: &str, lang: Lang) -> Result<Message, TemplateError> {
    Ok(match lang {
        Lang::Zh => letter::zh(
            format!("已收到续期费用（业务单号 {no}）"),
            &format!(
                "我们已收到您的数字证书续期费用，业务单号 {no}。\n管理员将在1–3个工作日内完成审核，您可在续期页面查询进度。审核通过后，我们将通过短信和邮件通知您安装新证书。\n\n请勿重复缴费。"
            ),
        ),
        Lang::En => letter::en(
            format!("Renewal fee received (business number {no})"),
            &format!(
                "We have received the fee for your digital certificate renewal, business number {no}.\nAn administrator will review the application within 1–3 working days; you can check its progress on the renewal page. Once it is approved we will tell you by SMS and e-mail how to install the new certificate.\n\nPlease do not pay twice."
            ),
        ),
    })
}

/// The SMS.
fn sms(_: &Params, no: &str, lang: Lang) -> Result<String, TemplateError> {
    Ok(match lang {
        Lang::Zh => sms::fit(&[format!(
            "【certrenew】已收到业务单号{no}的续期费用，审核需1–3个工作日，通过后将通知您安装新证书。"
        )]),
        Lang::En => sms::fit(&[format!(
            "[certrenew] Payment for renewal {no} received. Review takes 1–3 working days; we will tell you when to install."
        )]),
    })
}
