//! `completed`: the new certificate is installed; the PIN is unchanged.

use super::{Lang, Message, Params, TemplateError, Words, letter, sms};

/// This event's e-mail and SMS.
pub(super) const WORDS: Words = Words { email, sms };

/// The e-mail.
fn email(_: &Params, no: &str, lang: Lang) -> Result<Message, TemplateError> {
    Ok(match lang {
        Lang::Zh => letter::zh(
            format!("证书续期已完成（业务单号 {no}）"),
            &format!(
                "您的新证书已安装完成（业务单号 {no}），证书有效期已延长。\nUSB Key的PIN码保持不变，请继续使用原PIN码。\n\n如申请了电子发票，开具后将通过短信和邮件发送给您。"
            ),
        ),
        Lang::En => letter::en(
            format!("Certificate renewal completed (business number {no})"),
            &format!(
                "Your new certificate has been installed (business number {no}) and its validity has been extended.\nThe USB key's PIN is unchanged: keep using your current PIN.\n\nIf you asked for an electronic invoice, it will be sent to you by SMS and e-mail once it is issued."
            ),
        ),
    })
}

/// The SMS.
fn sms(_: &Params, no: &str, lang: Lang) -> Result<String, TemplateError> {
    Ok(match lang {
        Lang::Zh => sms::fit(&[format!(
            "【certrenew】业务单号{no}续期已完成，证书有效期已延长，USB Key的PIN码不变。"
        )]),
        Lang::En => sms::fit(&[format!(
            "[certrenew] Renewal {no} completed: the certificate's validity is extended and your PIN is unchanged."
        )]),
    })
}
